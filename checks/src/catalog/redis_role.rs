use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{Observed, WriteKind};

crate::check! {
    /// ## What it checks
    /// The address is a writable primary (`ROLE` says `master`), not a replica or a reader
    /// endpoint. Falls back to `HELLO` and `INFO replication` when `ROLE` is refused. A replica
    /// names its primary (`master_host:master_port`) and says when its link to it is down
    /// (`master_link_status:down`): the primary is then unreachable or not running. A write
    /// check (`auth.write`) that meets `READONLY` fails it even when `ROLE`, `HELLO` and `INFO`
    /// are all refused.
    ///
    /// ## Why Gloo needs it
    /// The management server writes its snapshot continuously; on a replica every write fails
    /// with `READONLY`, and the UI shows stale or no data.
    ///
    /// ## How to fix
    /// Point the address at the primary: the primary endpoint of the replication group, not a
    /// node or reader endpoint. With the link down, bring the primary back (or promote the
    /// replica with `REPLICAOF NO ONE`) as well.
    ///
    /// ## On managed services
    /// ElastiCache: use the "Primary endpoint" (`master.…` with TLS), not the "Reader endpoint"
    /// (`replica.…` / `-ro.…`). Memorystore: use the primary IP, not the read endpoint.
    RedisRole {
        id: "redis.role",
        title: "the address is a writable primary",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
    }
}

impl Check for RedisRole {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        if let Some(sentinel) = crate::server::sentinel(s) {
            return Verdict::fail(format!(
                "{}; Gloo needs a Redis primary",
                sentinel.describe(&t.address)
            ))
            .with("role", "sentinel")
            .with("source", sentinel.source)
            .with("primaries", sentinel.masters.join(", "))
            .fix(sentinel.fix(&t.address_key));
        }
        // What a write met: READONLY is a read-only replica, whatever the reads could tell.
        let readonly = s.write_access.ok().and_then(|w| w.met(WriteKind::ReadOnly));
        let (role, source) =
            if let Some(found) = s.role_and_source() {
                found
            } else if let Some(w) = readonly {
                return Verdict::fail(format!(
                    "{} is a read-only replica: a zero-effect {} met {} (ROLE, HELLO and INFO could not tell the role); Gloo's writes would fail with READONLY",
                    t.address,
                    w.command,
                    w.reply.brief()
                ))
                .with("write_reply", w.reply.describe())
                .fix(format!("set {} to the primary endpoint", t.address_key));
            } else {
                let how = match s.role.failure() {
                    Some(_) => "could not be read",
                    None => "were all refused",
                };
                return Verdict::unknown(format!(
                "ROLE, HELLO and INFO {how} ({}); verify by hand that {} is the primary endpoint",
                s.role.problem().unwrap_or("no answer"),
                t.address
            ))
            .fix("ask the Redis administrator for the primary endpoint, or grant the user `+role`");
            };
        let evidence = |v: Verdict| v.with("role", role).with("source", source);
        match role {
            "master" => evidence(Verdict::pass(format!(
                "{} is a primary (role master, per {source})",
                t.address
            ))),
            "slave" | "replica" => {
                let master = match (s.info_field("master_host"), s.info_field("master_port")) {
                    (Some(h), Some(p)) => Some(format!("{h}:{p}")),
                    _ => None,
                };
                let primary = master
                    .as_ref()
                    .map(|m| format!(" of {m}"))
                    .unwrap_or_default();
                let link = s.info_field("master_link_status");
                let down = link == Some("down");
                let link_note = if down {
                    format!(
                        "; its link to the primary is down (master_link_status:down): {} is unreachable or not running",
                        master.as_deref().unwrap_or("the primary")
                    )
                } else {
                    String::new()
                };
                // `replica-read-only no`: writes succeed here, and vanish.
                let writable = s.info_field("slave_read_only") == Some("0")
                    || s.info_field("replica_read_only") == Some("0");
                let mut v = evidence(if writable {
                    Verdict::fail(format!(
                        "{} is a writable replica{primary} (role {role}, per {source}; slave_read_only:0){link_note}; Gloo's writes would succeed here but never reach the primary, and the next resync erases them",
                        t.address
                    ))
                    .with("slave_read_only", "0")
                } else {
                    Verdict::fail(format!(
                        "{} is a read-only replica{primary} (role {role}, per {source}){link_note}; Gloo's writes would fail with READONLY{}",
                        t.address,
                        readonly.map(|w| format!(", as a zero-effect {} did", w.command)).unwrap_or_default()
                    ))
                });
                if let Some(m) = &master {
                    v = v.with("master", m.clone());
                }
                if let Some(l) = link {
                    v = v.with("master_link_status", l);
                }
                let fix = if down {
                    format!(
                        "set {} to the primary endpoint, and bring the primary{primary} back (or promote this replica with REPLICAOF NO ONE)",
                        t.address_key
                    )
                } else {
                    format!("set {} to the primary endpoint", t.address_key)
                };
                v.fix(fix)
            }
            other => evidence(Verdict::fail(format!(
                "{} has role {other} (per {source}); Gloo needs a Redis primary",
                t.address
            )))
            .fix(format!(
                "set {} to the Redis primary, not a Sentinel or proxy admin port",
                t.address_key
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, refused, session, set_info};
    use reports::Outcome;

    fn judge(t: TargetFacts) -> Verdict {
        crate::testing::judge(&RedisRole, &t)
    }

    #[test]
    fn outcomes() {
        assert_eq!(judge(healthy_target("s")).outcome, Outcome::Pass);

        let mut replica = healthy_target("s");
        session(&mut replica).role = Observed::Ok {
            value: vec!["slave".into(), "10.0.0.1".into(), "6379".into()],
        };
        set_info(&mut replica, "master_host", Some("10.0.0.1"));
        set_info(&mut replica, "master_port", Some("6379"));
        let v = judge(replica.clone());
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message.contains("read-only replica of 10.0.0.1:6379"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("link"), "{}", v.message);

        set_info(&mut replica, "master_link_status", Some("down"));
        let v = judge(replica);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message.contains("its link to the primary is down (master_link_status:down): 10.0.0.1:6379 is unreachable"),
            "{}",
            v.message
        );
        assert!(
            v.remediation
                .unwrap()
                .contains("bring the primary of 10.0.0.1:6379 back")
        );

        // `replica-read-only no`: no READONLY, yet the writes are lost.
        let mut writable = healthy_target("s");
        session(&mut writable).role = Observed::Ok {
            value: vec!["slave".into(), "10.0.0.1".into(), "6379".into()],
        };
        set_info(&mut writable, "slave_read_only", Some("0"));
        let v = judge(writable);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message.contains("is a writable replica")
                && v.message.contains("slave_read_only:0")
                && v.message.contains("the next resync erases them")
                && !v.message.contains("READONLY"),
            "{}",
            v.message
        );

        // A Sentinel: named, with the primary it monitors as the fix.
        let mut sentinel = healthy_target("s");
        set_info(&mut sentinel, "redis_mode", Some("sentinel"));
        set_info(
            &mut sentinel,
            "master0",
            Some("name=gloo,status=ok,address=10.0.0.5:6379,slaves=1,sentinels=3"),
        );
        session(&mut sentinel).role = Observed::Ok {
            value: vec!["sentinel".into(), "gloo".into()],
        };
        let v = judge(sentinel);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("is a Redis Sentinel"), "{}", v.message);
        assert!(
            v.remediation
                .unwrap()
                .contains("the primary it names (gloo at 10.0.0.5:6379)")
        );

        // A restricted user: ROLE and INFO refused, HELLO still tells.
        let mut restricted = healthy_target("s");
        let s = session(&mut restricted);
        s.role = refused("role");
        s.info = refused("info");
        let v = judge(restricted.clone());
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(v.message.contains("per HELLO"));

        session(&mut restricted).hello = refused("hello");
        let v = judge(restricted.clone());
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.message.contains("verify by hand"));

        // Nothing tells the role, but a write meets READONLY.
        crate::testing::set_writes(
            &mut restricted,
            WriteKind::ReadOnly,
            "READONLY",
            "You can't write against a read only replica.",
        );
        let v = judge(restricted);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .contains("is a read-only replica: a zero-effect SET met READONLY (You can't write"),
            "{}",
            v.message
        );
    }
}
