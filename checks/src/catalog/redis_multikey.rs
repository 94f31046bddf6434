use crate::catalog::values_endpoint::{Provider, provider};
use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{ErrorCode, ErrorMeaning, Observed, Reply};

crate::check! {
    /// ## What it checks
    /// Two reads only, over two keys that do not exist and whose hash tags put them in
    /// different hash slots: a multi-key read (`SUNION {a} {b}`) and a transaction
    /// (`MULTI`, `EXISTS {a} {b}`, `EXEC`). Both must work as on a single Redis. `CROSSSLOT`,
    /// or a connection dropped by the server, fails.
    ///
    /// ## Why Gloo needs it
    /// The management server and the add-ons use multi-key commands and transactions. A
    /// proxy-sharded service spreads keys over several Redis behind one address and reports
    /// `cluster_enabled:0`, so it passes `redis.non-cluster`; yet it answers `CROSSSLOT` to a
    /// command over keys in different slots (Azure Managed Redis, a Redis Enterprise proxy with
    /// the OSS or Enterprise cluster policy) or closes the connection on `MULTI`
    /// (twemproxy/nutcracker), and Gloo's writes fail.
    ///
    /// ## How to fix
    /// Use a non-sharded Redis: one primary with replicas (ElastiCache with cluster mode
    /// disabled, Memorystore Basic/Standard, Azure Cache for Redis without clustering, a Redis
    /// Enterprise database with one shard). No proxy that shards keys may sit between Gloo and
    /// Redis.
    ///
    /// ## On managed services
    /// Azure Managed Redis shards even its smallest SKUs: choose a single-shard option or the
    /// non-clustered policy where offered. Redis Enterprise: a database with a single shard.
    /// A restricted ACL user may be refused `SUNION` or `MULTI`: the outcome is then `unknown`.
    /// A user refused the probe's keys (`NOPERM` for keys: ACL key patterns such as `~gloo:*`)
    /// warns: Gloo's keys share no prefix, so the components need every key.
    RedisMultikey {
        id: "redis.multikey",
        title: "multi-key commands and transactions work",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
    }
}

/// The service kinds that shard behind one address, for messages.
fn sharding_service(host: &str) -> String {
    match provider(host) {
        Some(p @ Provider::AzureManaged) => format!(
            "{} (a proxy-sharded service: its clustering policy spreads keys over shards)",
            p.name()
        ),
        _ => "a proxy-sharded service (Azure Managed Redis, a Redis Enterprise proxy, twemproxy/nutcracker)".into(),
    }
}

impl Check for RedisMultikey {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        if s.mode().is_some_and(|(mode, _)| mode == "cluster") {
            return Verdict::skip("cluster mode is on: redis.non-cluster judges it");
        }
        let probe = match &s.field.multikey {
            Observed::Ok { value } => value,
            other => {
                return Verdict::unknown(format!(
                    "the multi-key probe did not run ({})",
                    other.problem().unwrap_or("no answer")
                ))
                .fix("verify by hand with redis-cli: SUNION {a} {b}, then MULTI, EXISTS {a} {b}, EXEC");
            }
        };
        let service = sharding_service(&t.host);
        let keys = probe.keys.join(" ");
        let what = [
            (format!("SUNION {keys}"), &probe.read),
            (format!("MULTI / EXISTS {keys} / EXEC"), &probe.transaction),
        ];
        let fix = "use a non-sharded Redis (one primary with replicas); no key-sharding proxy may sit between Gloo and Redis";
        for (command, reply) in &what {
            match reply {
                Reply::Error { code, message } if reply.error_meaning() == Some(ErrorMeaning::CrossSlot) => {
                    return Verdict::fail(format!(
                        "{command} was answered CROSSSLOT {message}: this is {service}, and Gloo's multi-key commands and transactions fail there; expected them to work as on one Redis"
                    ))
                    .fix(fix)
                    .with("command", command.clone())
                    .with("reply", format!("{code} {message}"));
                }
                // The connection broke in the middle of a reply: a fault, not a refusal.
                Reply::Broken { error } if s.cut_mid_reply => {
                    return Verdict::unknown(format!(
                        "the connection was cut in the middle of a reply ({error}): a network fault, a crash or a middlebox reset it, and {command} could not run; multi-key support could not be tested"
                    ))
                    .fix("find what resets connections on the path (the server's log, a load balancer's idle or connection limits), then run the preflight again")
                    .with("command", command.clone());
                }
                Reply::Broken { error } => {
                    // A proxy such as twemproxy drops the connection at the first command it
                    // does not support, which may be a read before the multi-key probe.
                    let dropped = match &s.hello {
                        Observed::Failed { error, .. } => format!(
                            "the server dropped the connection at HELLO, which one Redis answers ({error}), and {command} could not run"
                        ),
                        _ => format!("{command} made the server drop the connection ({error})"),
                    };
                    return Verdict::fail(format!(
                        "{dropped}: this is how {service} behaves, and Gloo's multi-key commands and transactions fail there; expected them to work as on one Redis"
                    ))
                    .fix(fix)
                    .with("command", command.clone())
                    .with("reply", error.clone());
                }
                _ => {}
            }
        }
        for (command, reply) in &what {
            match reply {
                Reply::Ok => {}
                // A user confined to key patterns (`~gloo:*`): the keys Gloo writes have no
                // common prefix (`<cluster>~<group>~<version>~<kind>`, `reports#…`, API key
                // IDs), so such a user breaks the components, not only this probe.
                Reply::Error { code, message }
                    if reply.error_meaning() == Some(ErrorMeaning::KeyPermission) =>
                {
                    return Verdict::warn(format!(
                        "{command} was refused for its keys ({code} {message}): the user may touch only keys matching its ACL key patterns, while Gloo's components write keys with no common prefix ({}, reports#…, API key IDs); expected access to all keys",
                        "<cluster>~<group>~<version>~<kind>"
                    ))
                    .fix("grant the components' ACL user every key (`~*` or `allkeys`, and `&*` for channels), or verify that its key patterns cover every key Gloo writes")
                    .with("command", command.clone())
                    .with("reply", format!("{code} {message}"));
                }
                // A redirection for keys of other slots: they live on another node.
                Reply::Error { code, message } if code == "MOVED" || code == "ASK" => {
                    return Verdict::fail(format!(
                        "{command} was answered {code} {message}: the keys live on different nodes, so this is a Redis Cluster node or {service}, and Gloo's multi-key commands and transactions fail there; expected them to work as on one Redis"
                    ))
                    .fix(fix)
                    .with("command", command.clone())
                    .with("reply", format!("{code} {message}"));
                }
                Reply::Error { code, message } => {
                    let state = reply.error_code().and_then(ErrorCode::cause);
                    let reply = format!("{code} {message}");
                    let (cause, fix) = match state {
                        Some(cause) => (
                            format!(": {cause}"),
                            "run the preflight again once the server serves commands; meanwhile verify by hand with redis-cli: SUNION {a} {b}, then MULTI, EXISTS {a} {b}, EXEC",
                        ),
                        None => (
                            String::new(),
                            "grant the preflight's user SUNION, MULTI, EXISTS and EXEC, or verify by hand with redis-cli",
                        ),
                    };
                    return Verdict::unknown(format!(
                        "{command} was refused ({reply}{cause}); multi-key support could not be tested"
                    ))
                    .fix(fix)
                    .with("command", command.clone());
                }
                Reply::Timeout { after_ms } => {
                    return Verdict::unknown(format!(
                        "{command} got no answer within {after_ms} ms; multi-key support could not be tested"
                    ))
                    .fix("verify by hand with redis-cli: SUNION {a} {b}, then MULTI, EXISTS {a} {b}, EXEC")
                    .with("command", command.clone());
                }
                Reply::TooLarge { error } => {
                    return Verdict::unknown(format!(
                        "{command} got a reply too large to read ({error}); multi-key support could not be tested"
                    ))
                    .fix("verify by hand with redis-cli: SUNION {a} {b}, then MULTI, EXISTS {a} {b}, EXEC")
                    .with("command", command.clone());
                }
                Reply::Broken { .. } => {}
            }
        }
        Verdict::pass(format!(
            "SUNION and MULTI/EXISTS/EXEC over keys in different hash slots ({keys}) work"
        ))
        .with("keys", probe.keys.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{MultiKey, TargetFacts};
    use crate::testing::{healthy_target, session};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisMultikey, t)
    }

    fn probe(t: &mut TargetFacts, read: Reply, transaction: Reply) {
        session(t).field.multikey = Observed::Ok {
            value: MultiKey {
                keys: vec!["{a}".into(), "{b}".into()],
                read,
                transaction,
            },
        };
    }

    fn crossslot() -> Reply {
        Reply::Error {
            code: "CROSSSLOT".into(),
            message: "Keys in request don't hash to the same slot".into(),
        }
    }

    #[test]
    fn redirections_fail_and_transient_errors_name_their_cause() {
        let mut t = healthy_target("snapshot");
        let error = |code: &str, message: &str| Reply::Error {
            code: code.into(),
            message: message.into(),
        };
        probe(&mut t, error("MOVED", "866 10.0.0.7:6379"), Reply::Ok);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("was answered MOVED 866 10.0.0.7:6379: the keys live on different nodes"), "{}", v.message);
        probe(&mut t, Reply::Ok, error("ASK", "866 10.0.0.7:6379"));
        assert_eq!(judge(&t).outcome, Outcome::Fail);
        probe(&mut t, error("BUSY", "Redis is busy running a script."), Reply::Ok);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.message.contains("run past busy-reply-threshold"), "{}", v.message);
        assert!(v.remediation.as_deref().unwrap_or("").contains("run the preflight again"), "{v:?}");
        probe(&mut t, error("ERR", "unknown command 'sunion'"), Reply::Ok);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.remediation.as_deref().unwrap_or("").contains("grant"), "{v:?}");
    }

    #[test]
    fn a_connection_cut_mid_reply_is_no_proxy() {
        let mut t = healthy_target("snapshot");
        probe(&mut t, Reply::Broken { error: "Connection reset by peer".into() }, Reply::Ok);
        session(&mut t).hello = Observed::failed(crate::facts::FailureKind::Reset, "Connection reset by peer");
        assert_eq!(judge(&t).outcome, Outcome::Fail, "a close at HELLO is a proxy");
        session(&mut t).cut_mid_reply = true;
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.message.contains("cut in the middle of a reply"), "{}", v.message);
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("snapshot");
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        probe(&mut t, crossslot(), Reply::Ok);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("proxy-sharded service"), "{}", v.message);
        assert!(v.message.contains("CROSSSLOT"), "{}", v.message);
        probe(&mut t, Reply::Ok, Reply::Broken { error: "connection closed".into() });
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("twemproxy"), "{}", v.message);
        assert!(v.message.contains("MULTI"), "{}", v.message);
        session(&mut t).hello =
            Observed::failed(crate::facts::FailureKind::Reset, "broken pipe");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("dropped the connection at HELLO"), "{}", v.message);
        t.host = "gloo.westeurope.redis.azure.net".into();
        probe(&mut t, crossslot(), crossslot());
        assert!(judge(&t).message.contains("Azure Managed Redis"));
        let noperm = Reply::Error {
            code: "NOPERM".into(),
            message: "no permissions to run the 'sunion' command".into(),
        };
        probe(&mut t, noperm, Reply::Ok);
        assert_eq!(judge(&t).outcome, Outcome::Unknown, "ACL refusal is not a shard");
        // Key patterns, not commands: the components' user cannot reach Gloo's keys either.
        let keys = Reply::Error {
            code: "NOPERM".into(),
            message: "this user has no permissions to access one of the keys used as arguments"
                .into(),
        };
        probe(&mut t, keys, Reply::Ok);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Warn, "{}", v.message);
        assert!(v.message.contains("ACL key patterns"), "{}", v.message);
        assert!(v.remediation.unwrap().contains("`~*`"));
        session(&mut t).field.multikey = Observed::not_attempted("not admitted");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
        crate::testing::set_info(&mut t, "cluster_enabled", Some("1"));
        assert_eq!(judge(&t).outcome, Outcome::Skip, "cluster mode is redis.non-cluster's");
    }
}
