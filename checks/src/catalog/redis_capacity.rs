use reports::Outcome;

use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{Observed, RefusalKind, Session, TargetFacts, WriteKind};

crate::check! {
    /// ## What it checks
    /// Room to grow, from `INFO`: memory use under 80 % of `maxmemory` (warn past 80 %, fail
    /// past 95 %, and whenever the write check `auth.write` meets `OOM`), no evicted keys (`evicted_keys` > 0 is data already lost), no rejected
    /// connections, and `maxclients` headroom for the components' connection pools. A server
    /// that refuses the preflight's own connection with `max number of clients reached` fails
    /// here (and not as a wrong address or TLS mismatch). A pool is
    /// `connection.poolSize`, or go-redis' 10 per CPU when it is 0 — counted here as 40 (4
    /// CPUs) per component, one replica each.
    ///
    /// ## Why Gloo needs it
    /// With `noeviction`, a full Redis refuses Gloo's writes with OOM errors; with any other
    /// policy it drops the target's keys (snapshot, API keys, rate-limit counters, streams). Out of client slots, new pods cannot connect at all.
    ///
    /// ## How to fix
    /// Raise `maxmemory` (or the node size), raise `maxclients`, or lower `connection.poolSize`.
    ///
    /// ## On managed services
    /// ElastiCache: a larger node type; `maxclients` is fixed at 65000. Memorystore: a larger
    /// capacity tier.
    RedisCapacity {
        id: "redis.capacity",
        title: "memory and client slots have headroom",
        scope: Target,
        phase: Session,
        // Not `auth.login`: a server out of client slots refuses the login too, and that
        // refusal is this check's finding. Without a session it skips, naming auth.login.
        // The TLS checks stay: no session is held over a connection that failed them.
        requires: ["net.tcp", "tls.mode", "tls.ca-trust", "tls.hostname", "tls.expiry", "tls.client-cert"],
        config: ["maxclients"],
    }
}

/// go-redis' default pool is 10 × GOMAXPROCS; 4 CPUs is a typical pod limit.
const DEFAULT_POOL: u64 = 40;

impl Check for RedisCapacity {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("skipped: no Redis session (see auth.login)")
                .blocked_by("auth.login");
        };
        if let Some(r) = s
            .refusal
            .as_ref()
            .filter(|r| r.kind == RefusalKind::MaxClients)
        {
            let mut v = Verdict::fail(format!(
                "the server refused a new connection: every client slot is taken ({} {}); new Gloo pods cannot connect",
                r.code, r.message
            ))
            .with("reply", format!("{} {}", r.code, r.message));
            if let Some(Observed::Ok { value }) = s.config.get("maxclients") {
                v = v.with("maxclients", value.clone());
            }
            return v.fix("raise maxclients (CONFIG SET maxclients, and in redis.conf), or find the clients holding connections (CLIENT LIST) and lower connection.poolSize");
        }
        if !s.admitted() {
            return Verdict::skip("skipped: the server did not admit the session (see auth.login)")
                .blocked_by("auth.login");
        }
        // What a write meets is the verdict, whatever the percentages say (Redis counts memory
        // for maxmemory without its replication and AOF buffers, which INFO includes).
        if let Some(oom) = s.write_access.ok().and_then(|w| w.met(WriteKind::Oom)) {
            let num = |field: &str| s.info_field(field).and_then(|v| v.parse::<u64>().ok());
            let memory = match (num("used_memory"), num("maxmemory")) {
                (Some(used), Some(max)) if max > 0 => {
                    format!(" ({} used of maxmemory {})", mib(used), mib(max))
                }
                _ => String::new(),
            };
            let policy = s.info_field("maxmemory_policy").unwrap_or("noeviction");
            return Verdict::fail(format!(
                "the server refuses writes: a zero-effect {} met {}; memory is at maxmemory{memory} and the policy ({policy}) frees nothing, so every Gloo write fails",
                oom.command,
                oom.reply.brief()
            ))
            .with("write_reply", oom.reply.describe())
            .with("maxmemory_policy", policy)
            .fix("raise maxmemory or the node size (or delete data Gloo does not need); keep maxmemory-policy noeviction");
        }
        if s.info.ok().is_none() {
            let how = s.info.why_not("INFO").unwrap_or_default();
            return Verdict::unknown(format!("{how}; verify memory use and client slots by hand"))
                .fix("check memory and connection metrics in the provider's console");
        }
        let num = |field: &str| s.info_field(field).and_then(|v| v.parse::<u64>().ok());
        let mut findings: Vec<(Outcome, String, &str)> = Vec::new();
        let mut v = Verdict::pass("");
        if let (Some(used), Some(max)) = (num("used_memory"), num("maxmemory")) {
            v = v.with("used_memory", used).with("maxmemory", max);
            if max > 0 {
                let pct = used as f64 * 100.0 / max as f64;
                let line = format!(
                    "memory is {pct:.0} % of maxmemory ({} of {})",
                    mib(used),
                    mib(max)
                );
                if pct > 95.0 {
                    findings.push((Outcome::Fail, line, "raise maxmemory or the node size"));
                } else if pct > 80.0 {
                    findings.push((
                        Outcome::Warn,
                        line,
                        "raise maxmemory or the node size before it fills",
                    ));
                }
            }
        }
        if let Some(evicted) = num("evicted_keys").filter(|n| *n > 0) {
            v = v.with("evicted_keys", evicted);
            findings.push((
                Outcome::Fail,
                format!(
                    "{evicted} keys were evicted: {} already lost",
                    super::redis_noeviction::kept_data(t)
                ),
                "set maxmemory-policy noeviction and give Redis more memory",
            ));
        }
        if let Some(rejected) = num("rejected_connections").filter(|n| *n > 0) {
            v = v.with("rejected_connections", rejected);
            findings.push((
                Outcome::Warn,
                format!("{rejected} connections were rejected (maxclients reached)"),
                "raise maxclients",
            ));
        }
        if let Some(line) = client_headroom(t, s, &mut v) {
            findings.push((
                Outcome::Warn,
                line,
                "raise maxclients, or set connection.poolSize",
            ));
        }
        // An INFO that tells none of what this check reads (a proxy, a trimmed managed INFO)
        // shows no headroom: never a pass on it.
        let read_any = ["used_memory", "evicted_keys", "rejected_connections"]
            .iter()
            .any(|f| num(f).is_some())
            || v.evidence.contains_key("connected_clients");
        if !read_any {
            return Verdict::unknown(
                "INFO told none of used_memory, evicted_keys, rejected_connections or connected_clients; verify memory use and client slots by hand",
            )
            .fix("run INFO memory, INFO stats and INFO clients against the server yourself, or check the provider's memory and connection metrics");
        }
        let worst = findings
            .iter()
            .map(|f| f.0)
            .max_by_key(|o| matches!(o, Outcome::Fail));
        let message = findings
            .iter()
            .map(|f| f.1.clone())
            .collect::<Vec<_>>()
            .join("; ");
        let fix = findings.iter().map(|f| f.2).collect::<Vec<_>>().join("; ");
        match worst {
            Some(Outcome::Fail) => Verdict {
                outcome: Outcome::Fail,
                message,
                remediation: Some(fix),
                ..v
            },
            Some(_) => Verdict {
                outcome: Outcome::Warn,
                message,
                remediation: Some(fix),
                ..v
            },
            None => Verdict {
                message: "memory, evictions and client slots have headroom".into(),
                ..v
            },
        }
    }
}

fn client_headroom(t: &TargetFacts, s: &Session, v: &mut Verdict) -> Option<String> {
    let maxclients = s
        .config
        .get("maxclients")
        .and_then(|o| o.ok())
        .map(String::as_str)
        .or_else(|| s.info_field("maxclients"))?
        .parse::<u64>()
        .ok()?;
    let connected = s.info_field("connected_clients")?.parse::<u64>().ok()?;
    let pool = if t.pool_size > 0 {
        t.pool_size
    } else {
        DEFAULT_POOL
    };
    let demand = pool * t.components.len() as u64;
    *v = v
        .clone()
        .with("maxclients", maxclients)
        .with("connected_clients", connected)
        .with("pool_demand", demand);
    let free = maxclients.saturating_sub(connected);
    (free < demand).then(|| {
        format!(
            "{free} client slots free (maxclients {maxclients}, {connected} connected) for pools of up to {demand} connections ({} × {pool})",
            t.components.len()
        )
    })
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{healthy_target, refused, session, set_info};

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisCapacity, t)
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("s");
        set_info(&mut t, "maxmemory", Some("1000"));
        for (used, outcome) in [
            ("500", Outcome::Pass),
            ("800", Outcome::Pass),
            ("850", Outcome::Warn),
            ("960", Outcome::Fail),
        ] {
            set_info(&mut t, "used_memory", Some(used));
            assert_eq!(judge(&t).outcome, outcome, "{used}");
        }
        set_info(&mut t, "used_memory", Some("10"));
        set_info(&mut t, "evicted_keys", Some("3"));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("3 keys were evicted"));
        set_info(&mut t, "evicted_keys", Some("0"));
        set_info(&mut t, "connected_clients", Some("9990"));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Warn, "10 slots left for a pool of 40");
        assert!(v.message.contains("10 client slots free"), "{}", v.message);
        // An INFO that tells nothing this check reads is no headroom.
        let mut bare = healthy_target("s");
        for f in [
            "used_memory",
            "evicted_keys",
            "rejected_connections",
            "connected_clients",
        ] {
            set_info(&mut bare, f, None);
        }
        let v = judge(&bare);
        assert_eq!(v.outcome, Outcome::Unknown, "{}", v.message);
        assert!(v.message.contains("verify memory use and client slots by hand"));
        set_info(&mut bare, "used_memory", Some("100"));
        assert_eq!(judge(&bare).outcome, Outcome::Pass);
        session(&mut t).info = refused("info");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
        session(&mut t).info = Observed::failed(
            crate::facts::FailureKind::Timeout,
            "no answer within readTimeout 1s",
        );
        let v = judge(&t);
        assert_eq!(
            v.message,
            "INFO got no answer within readTimeout 1s; verify memory use and client slots by hand"
        );
        session(&mut t).info = Observed::failed(
            crate::facts::FailureKind::TooLarge,
            "reply too large: over 1 MiB",
        );
        assert!(judge(&t).message.contains("reply too large"));
    }

    #[test]
    fn a_write_that_meets_oom_fails_whatever_the_percentage() {
        let mut t = healthy_target("s");
        set_info(&mut t, "maxmemory", Some("1048576"));
        set_info(&mut t, "used_memory", Some("734003"));
        assert_eq!(judge(&t).outcome, Outcome::Pass, "70 %");
        crate::testing::set_writes(
            &mut t,
            WriteKind::Oom,
            "OOM",
            "command not allowed when used memory > 'maxmemory'.",
        );
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message.contains("a zero-effect SET met OOM (command not allowed")
                && v.message.contains("(0.7 MiB used of maxmemory 1.0 MiB)"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_server_out_of_client_slots_fails_here() {
        let mut t = healthy_target("s");
        let s = session(&mut t);
        s.login.as_mut().unwrap().reply = crate::facts::Reply::Broken {
            error: "connection closed".into(),
        };
        s.refusal = Some(crate::facts::Refusal {
            kind: RefusalKind::MaxClients,
            code: "ERR".into(),
            message: "max number of clients reached".into(),
        });
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .contains("every client slot is taken (ERR max number of clients reached)"),
            "{}",
            v.message
        );
        session(&mut t).refusal = None;
        assert_eq!(judge(&t).outcome, Outcome::Skip, "not admitted, no refusal");
    }
}
