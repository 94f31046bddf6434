use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{ErrorCode, Observed, WriteAttempt, WriteKind};

crate::check! {
    /// ## What it checks
    /// The components' user may write, probed without writing, in every run. The tool sends
    /// one command per kind of write Gloo makes, each naming its own key
    /// (`redis-preflight:write-check`) with an argument Redis rejects in the command itself:
    /// `SET … x EX 0` (strings: API keys, sessions), `HSET … f v f` (hashes: the snapshot),
    /// `XADD … MAXLEN -1 * f v` (streams: telemetry), `INCRBY … x` (counters: the rate
    /// limiter) and `EXPIRE … x` (key expiry). Redis reaches that argument check only after
    /// its ACL, `maxmemory`, failed-save, `min-replicas-to-write` and read-only-replica checks,
    /// so the answer `ERR invalid expire time` (and its like) means a real write would run,
    /// and nothing is ever written. Judged are the commands the target's components use (an
    /// inferred reading of Gloo: the snapshot and ext auth write strings, hashes and expiries,
    /// the rate limiter counters and expiries, telemetry streams). `NOPERM` for a command
    /// fails; `NOPERM` for the key warns: the user's key patterns leave out the tool's key,
    /// and whether they cover Gloo's keys needs `ACL GETUSER`, which the tool does not send.
    /// `OOM`, `MISCONF`, `NOREPLICAS` and `READONLY` come after the ACL: the user may write
    /// (this check passes, naming the refusal), the server refuses writes for now, and `redis.capacity`, `redis.persistence`,
    /// `redis.ha-replica` and `redis.role` fail on it. Sets (`SADD`) and scripts have no such
    /// form and are not probed.
    ///
    /// ## Why Gloo needs it
    /// A read-only ACL user (`+@all -@write`) passes every read, the login included, and then
    /// every write of the components fails with `NOPERM`: no snapshot, no API keys, no rate
    /// limits.
    ///
    /// ## How to fix
    /// Grant the user the write commands Gloo uses on its keys: `ACL SETUSER <user> +@write
    /// ~*` (or the commands named, `+set +hset +expire …`). With a key-pattern refusal, check
    /// `ACL GETUSER <user>`: its patterns must cover every key Gloo writes.
    ///
    /// ## On managed services
    /// ElastiCache RBAC access strings (`on ~* +@all -@write`) make read-only users as Redis
    /// ACLs do, and the same commands are sent there. A service that answers them otherwise
    /// (a proxy's own error, a dropped connection) leaves the check `unknown`, naming the reply.
    AuthWrite {
        id: "auth.write",
        title: "the credentials may write (probed without writing)",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
    }
}

/// The commands the use case's components write with (inferred from Gloo's use of Redis);
/// every probed command for a use case not listed.
fn used_by(use_case: &str, command: &str) -> bool {
    let commands: &[&str] = match use_case {
        "snapshot" | "insights" | "extauth" => &["SET", "HSET", "EXPIRE"],
        "ratelimiter" => &["INCRBY", "EXPIRE"],
        "telemetry" => &["XADD"],
        _ => return true,
    };
    commands.contains(&command)
}

/// The check that judges a server state a write met.
fn judged_by(kind: WriteKind) -> Option<&'static str> {
    Some(match kind {
        WriteKind::Oom => "redis.capacity",
        WriteKind::Misconf => "redis.persistence",
        WriteKind::NoReplicas => "redis.ha-replica",
        WriteKind::ReadOnly => "redis.role",
        _ => return None,
    })
}

impl Check for AuthWrite {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let access = match &s.write_access {
            Observed::Ok { value } => value,
            other => {
                return Verdict::unknown(format!(
                    "{}; verify by hand that the user may write",
                    other.why_not("the write check").unwrap_or_default()
                ))
                .fix("run the preflight again against the live server");
            }
        };
        let judged: Vec<&WriteAttempt> = access
            .attempts
            .iter()
            .filter(|a| used_by(&t.use_case, &a.command))
            .collect();
        let of = |kind: WriteKind| -> Vec<&WriteAttempt> {
            judged.iter().copied().filter(|a| a.kind == kind).collect()
        };
        let names = |attempts: &[&WriteAttempt]| {
            attempts
                .iter()
                .map(|a| a.command.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let evidence = |v: Verdict| {
            judged
                .iter()
                .fold(v.with("key", access.key.clone()), |v, a| {
                    v.with(&a.command.to_lowercase(), a.reply.describe())
                })
        };
        let components = t.components.join(", ");
        let denied = of(WriteKind::CommandDenied);
        if let Some(first) = denied.first() {
            return evidence(Verdict::fail(format!(
                "the user may not run {} ({}); {components} write with {}",
                names(&denied),
                first.reply.describe(),
                if denied.len() == 1 { "it" } else { "them" }
            )))
            .fix(format!(
                "grant the user Gloo's write commands on its keys: ACL SETUSER <user> +@write ~* (or +{}), and the same in the provider's access string on a managed service",
                denied
                    .iter()
                    .map(|a| a.command.to_lowercase())
                    .collect::<Vec<_>>()
                    .join(" +")
            ));
        }
        let keyed = of(WriteKind::KeyDenied);
        if let Some(first) = keyed.first() {
            return evidence(Verdict::warn(format!(
                "the user's key patterns exclude the tool's probe key {} ({} for {}); the user may run the commands, but whether its patterns cover the keys {components} write needs ACL GETUSER, which the tool does not send",
                access.key,
                first.reply.describe(),
                names(&keyed)
            )))
            .fix("check the user's key patterns (ACL GETUSER <user>): they must cover every key Gloo writes, as ~* does; a narrower pattern makes those writes fail with NOPERM");
        }
        let state = judged
            .iter()
            .find_map(|a| judged_by(a.kind).map(|check| (a, check)));
        if let Some((a, check)) = state {
            // Redis checks the ACL before memory, persistence and the replica state.
            return evidence(Verdict::pass(format!(
                "the ACL lets the user write ({} passed it), but the server refuses every write for now: {} (judged by {check})",
                a.command,
                a.reply.brief()
            )));
        }
        let other = of(WriteKind::Other);
        if let Some(first) = other.first() {
            let got = match &first.reply {
                crate::facts::Reply::Error { .. } => format!(
                    "got {}{}",
                    first.reply.describe(),
                    first
                        .reply
                        .error_code()
                        .and_then(ErrorCode::cause)
                        .map(|c| format!(": {c}"))
                        .unwrap_or_default()
                ),
                crate::facts::Reply::Ok => "was accepted (OK)".to_string(),
                other => format!("was not answered ({})", other.describe()),
            };
            return evidence(Verdict::unknown(format!(
                "{} {got}, not the argument error that shows a write would run; verify by hand that the user may write",
                first.sent
            )))
            .fix("run the same command with redis-cli as the components' user: ERR (invalid expire time, wrong number of arguments …) means it may write, NOPERM that it may not");
        }
        evidence(Verdict::pass(format!(
            "the user may run {} on {}: each met the argument error Redis gives only after its ACL, memory, persistence and replica checks, and nothing was written",
            names(&judged),
            access.key
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, session, set_writes};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&AuthWrite, t)
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("snapshot");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.message);
        assert!(v.message.contains("may run SET, HSET, EXPIRE on redis-preflight:write-check"), "{}", v.message);

        set_writes(
            &mut t,
            WriteKind::CommandDenied,
            "NOPERM",
            "this user has no permissions to run the 'set' command",
        );
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.starts_with("the user may not run SET, HSET, EXPIRE (NOPERM"), "{}", v.message);
        assert!(v.remediation.unwrap().contains("+set +hset +expire"));

        set_writes(
            &mut t,
            WriteKind::KeyDenied,
            "NOPERM",
            "this user has no permissions to access one of the keys used as arguments",
        );
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Warn);
        assert!(v.message.contains("key patterns exclude the tool's probe key redis-preflight:write-check"), "{}", v.message);

        set_writes(&mut t, WriteKind::ReadOnly, "READONLY", "You can't write against a read only replica.");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(v.message.contains("READONLY (You can't write against a read only replica) (judged by redis.role)"), "{}", v.message);

        set_writes(&mut t, WriteKind::Other, "CLUSTERDOWN", "Hash slot not served");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.message.contains("CLUSTERDOWN Hash slot not served: the server is a Redis Cluster node"), "{}", v.message);

        session(&mut t).write_access = Observed::not_attempted("not probed");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
    }

    #[test]
    fn only_the_commands_the_use_case_writes_with_are_judged() {
        let mut t = healthy_target("ratelimiter");
        if let Observed::Ok { value } = &mut session(&mut t).write_access {
            let set = value.attempts.iter_mut().find(|a| a.command == "SET").unwrap();
            set.kind = WriteKind::CommandDenied;
        }
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass, "the rate limiter does not SET: {}", v.message);
        assert!(v.message.contains("may run INCRBY, EXPIRE"), "{}", v.message);
        let mut snapshot = t.clone();
        snapshot.use_case = "snapshot".into();
        assert_eq!(judge(&snapshot).outcome, Outcome::Fail);
    }
}
