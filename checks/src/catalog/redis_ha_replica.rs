use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{Observed, WriteKind};
use reports::Outcome;

crate::check! {
    /// ## What it checks
    /// At least one replica is connected to the primary and online (`INFO replication`:
    /// `slaveN:…,state=online`), or, where INFO is refused, listed by `ROLE`. For the chart's
    /// built-in Redis (a proof-of-concept setup) a missing replica only warns. Fails too when
    /// `min-replicas-to-write` asks for more replicas than are online: the primary then
    /// refuses every write. A write check (`auth.write`) that meets `NOREPLICAS` fails it too:
    /// replicas online but lagging past `min-replicas-max-lag` count for nothing.
    ///
    /// ## Why Gloo needs it
    /// Without a replica, a restart or node loss of Redis loses the management server's
    /// snapshot and the add-ons' API keys and sessions, and Gloo stalls until it is rebuilt.
    ///
    /// ## How to fix
    /// Run at least one replica (`replicaof <primary> <port>`) and check it reaches
    /// `state=online`; for production, bring your own HA Redis instead of the built-in one.
    ///
    /// ## On managed services
    /// ElastiCache: a replication group with at least one replica and Multi-AZ automatic
    /// failover. Memorystore: the Standard tier.
    RedisHaReplica {
        id: "redis.ha-replica",
        title: "at least one replica is online",
        scope: Target,
        phase: Session,
        requires: ["auth.login", "redis.role"],
        config: ["min-replicas-to-write"],
    }
}

impl Check for RedisHaReplica {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let Some(replicas) = s.replicas() else {
            return Verdict::unknown(format!(
                "neither INFO nor ROLE could be read ({}); verify by hand that a replica is online",
                s.info.problem().unwrap_or("no answer")
            ))
            .fix("check the replica count in the provider's console");
        };
        let listed: Vec<String> = replicas
            .iter()
            .map(|(a, st)| format!("{a} ({st})"))
            .collect();
        let online = replicas
            .iter()
            .filter(|(_, st)| st == "online" || st == "connected")
            .count();
        // With min-replicas-to-write above the online replicas, the primary refuses every write.
        let min_to_write = s
            .config
            .get("min-replicas-to-write")
            .and_then(|o| o.ok())
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let v = if min_to_write > online {
            Verdict::fail(format!(
                "min-replicas-to-write is {min_to_write} but {online} replica(s) are online: the primary refuses every write (NOREPLICAS)"
            ))
            .fix("bring enough replicas online, or lower min-replicas-to-write")
        } else if online > 0 {
            Verdict::pass(format!("{online} replica(s) online: {}", listed.join(", ")))
        } else {
            let found = if replicas.is_empty() {
                "no replica is connected (connected_slaves:0)".to_string()
            } else {
                format!("no replica is online: {}", listed.join(", "))
            };
            if t.builtin {
                Verdict::warn(format!("{found}; acceptable for the built-in proof-of-concept Redis, not for production"))
                    .fix("bring your own Redis with at least one replica for production")
            } else {
                Verdict::fail(format!(
                    "{found}; a restart or node loss would lose {}",
                    super::redis_noeviction::kept_data(t)
                ))
                    .fix("add at least one replica and wait for state=online (on ElastiCache: a replica with Multi-AZ failover)")
            }
        };
        let v = v.with("replicas", listed);
        // NOREPLICAS settles it: replicas may be online yet lag past min-replicas-max-lag.
        match s.write_access.ok().and_then(|w| w.met(WriteKind::NoReplicas)) {
            Some(w) if v.outcome == Outcome::Fail => Verdict {
                message: format!("{}, as a zero-effect {} did", v.message, w.command),
                ..v
            },
            Some(w) => Verdict {
                outcome: Outcome::Fail,
                message: format!(
                    "a zero-effect {} met {}: fewer replicas are online and within min-replicas-max-lag than min-replicas-to-write asks, so the primary refuses every write",
                    w.command,
                    w.reply.brief()
                ),
                ..v
            }
            .fix("bring the replicas back in sync (check their lag in INFO replication), or lower min-replicas-to-write"),
            None => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, refused, session, set_info};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisHaReplica, t)
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("s");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(
            v.message.contains("10.0.0.2:6379 (online)"),
            "{}",
            v.message
        );

        set_info(
            &mut t,
            "slave0",
            Some("ip=10.0.0.2,port=6379,state=wait_bgsave,offset=0,lag=0"),
        );
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .contains("no replica is online: 10.0.0.2:6379 (wait_bgsave)")
        );

        session(&mut t).config.insert(
            "min-replicas-to-write".into(),
            Observed::Ok { value: "2".into() },
        );
        set_info(
            &mut t,
            "slave0",
            Some("ip=10.0.0.2,port=6379,state=online,offset=0,lag=0"),
        );
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .contains("min-replicas-to-write is 2 but 1 replica(s) are online"),
            "{}",
            v.message
        );
        session(&mut t).config.remove("min-replicas-to-write");

        set_info(&mut t, "slave0", None);
        set_info(&mut t, "connected_slaves", Some("0"));
        assert_eq!(judge(&t).outcome, Outcome::Fail);
        t.use_case = "extauth".into();
        assert!(
            judge(&t)
                .message
                .ends_with("would lose API keys and sessions"),
            "{}",
            judge(&t).message
        );
        t.builtin = true;
        assert_eq!(judge(&t).outcome, Outcome::Warn);
    }

    #[test]
    fn restricted_users_fall_back_to_role_then_unknown() {
        let mut t = healthy_target("s");
        session(&mut t).info = refused("info");
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        session(&mut t).role = refused("role");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
    }

    #[test]
    fn a_write_that_meets_noreplicas_fails_even_with_replicas_online() {
        let mut t = healthy_target("snapshot");
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        crate::testing::set_writes(
            &mut t,
            WriteKind::NoReplicas,
            "NOREPLICAS",
            "Not enough good replicas to write.",
        );
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .starts_with("a zero-effect SET met NOREPLICAS (Not enough good replicas to write)"),
            "{}",
            v.message
        );
        assert!(v.remediation.unwrap().contains("bring the replicas back in sync"));
    }
}
