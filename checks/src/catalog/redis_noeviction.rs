use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{Observed, TargetFacts};

crate::check! {
    /// ## What it checks
    /// `maxmemory-policy` is `noeviction`, read with `CONFIG GET maxmemory-policy` or, where
    /// `CONFIG` is blocked, from `INFO memory` (`maxmemory_policy`).
    ///
    /// ## Why Gloo needs it
    /// Any other policy lets Redis delete keys when memory runs short, and what is lost depends
    /// on the target: the management server's snapshot is a set of keys that must stay
    /// together (an evicted hash silently drops resources from the UI and from translation
    /// until the next full resync); ext auth loses API keys and sessions; the rate limiter
    /// loses counters, so limits reset; telemetry loses stream entries. With `noeviction`, a
    /// full Redis refuses writes loudly instead.
    ///
    /// ## How to fix
    /// `CONFIG SET maxmemory-policy noeviction`, and persist it (`maxmemory-policy noeviction`
    /// in redis.conf, or `CONFIG REWRITE`).
    ///
    /// ## On managed services
    /// ElastiCache: set `maxmemory-policy` to `noeviction` in a custom parameter group (the
    /// default group uses `volatile-lru`). Memorystore: `gcloud redis instances update …
    /// --update-redis-config maxmemory-policy=noeviction`. Azure Cache: set it in the portal.
    /// Redis Enterprise proxies report an empty policy: that is `unknown`, check the database's
    /// eviction setting in its console.
    RedisNoeviction {
        id: "redis.noeviction",
        title: "maxmemory-policy is noeviction",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
        config: ["maxmemory-policy"],
    }
}

impl Check for RedisNoeviction {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let from_config = s.config.get("maxmemory-policy").and_then(|o| o.ok());
        let (policy, source) = match (from_config, s.info_field("maxmemory_policy")) {
            (Some(p), _) => (p.as_str(), "CONFIG GET maxmemory-policy"),
            (None, Some(p)) => (p, "INFO memory"),
            (None, None) => {
                let why = s
                    .config
                    .get("maxmemory-policy")
                    .and_then(|o| o.problem())
                    .unwrap_or("not read");
                return Verdict::unknown(format!(
                    "neither CONFIG GET (refused: {why}) nor INFO told maxmemory-policy; verify by hand that it is noeviction"
                ))
                .fix("check the policy in the provider's console or parameter group; it must be noeviction");
            }
        };
        let v = match policy {
            "noeviction" => Verdict::pass(format!("maxmemory-policy is noeviction (per {source})")),
            "" => Verdict::unknown(format!(
                "the server reports an empty maxmemory-policy (per {source}), as Redis Enterprise proxies do; verify by hand that eviction is off"
            ))
            .fix("in the Redis Enterprise console, set the database's eviction policy to noeviction"),
            other => Verdict::fail(format!(
                "maxmemory-policy is {other} (per {source}); Gloo needs noeviction, or Redis may silently evict {}",
                kept_data(t)
            ))
            .fix("CONFIG SET maxmemory-policy noeviction and persist it in redis.conf; on ElastiCache use a parameter group with maxmemory-policy noeviction"),
        };
        v.with("maxmemory_policy", policy).with("source", source)
    }
}

/// What the components of a target keep in Redis, for messages on what eviction loses.
pub(crate) fn kept_data(t: &TargetFacts) -> &'static str {
    t.use_case().map_or("Gloo's keys", crate::UseCase::kept_data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, refused, session, set_info};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisNoeviction, t)
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("s");
        assert_eq!(judge(&t).outcome, Outcome::Pass);

        session(&mut t).config.insert(
            "maxmemory-policy".into(),
            Observed::Ok {
                value: "allkeys-lru".into(),
            },
        );
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message.starts_with("maxmemory-policy is allkeys-lru"),
            "{}",
            v.message
        );
        assert_eq!(v.evidence["maxmemory_policy"], "allkeys-lru");
        t.use_case = "snapshot".into();
        assert!(judge(&t).message.contains("snapshot keys"));
        t.use_case = "ratelimiter".into();
        let v = judge(&t);
        assert!(
            v.message
                .ends_with("may silently evict rate-limit counters"),
            "{}",
            v.message
        );
        assert!(!v.message.contains("snapshot"));
        t.use_case = "extauth".into();
        assert!(judge(&t).message.contains("API keys and sessions"));
    }

    #[test]
    fn a_blocked_config_falls_back_to_info_and_never_fails_for_the_block() {
        let mut t = healthy_target("s");
        session(&mut t)
            .config
            .insert("maxmemory-policy".into(), refused("config|get"));
        set_info(&mut t, "maxmemory_policy", Some("volatile-lru"));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("per INFO memory"));

        set_info(&mut t, "maxmemory_policy", None);
        assert_eq!(judge(&t).outcome, Outcome::Unknown);

        set_info(&mut t, "maxmemory_policy", Some(""));
        assert_eq!(
            judge(&t).outcome,
            Outcome::Unknown,
            "an empty policy (Redis Enterprise) is unknown"
        );
    }
}
