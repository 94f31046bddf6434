use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::Observed;

crate::check! {
    /// ## What it checks
    /// Cluster mode is off (`INFO cluster` `cluster_enabled:0`, or `HELLO` mode `standalone`).
    /// For the rate limiter with `rateLimiter.redis.clustered: true`, cluster mode is expected on.
    ///
    /// ## Why Gloo needs it
    /// Gloo's components use a single-node client and read the snapshot in multi-key
    /// transactions; Redis Cluster answers them with `MOVED` and `CROSSSLOT` errors. Cluster
    /// mode is not supported for the management server, UI, insights or ext auth stores.
    ///
    /// ## How to fix
    /// Use a Redis with cluster mode disabled (a primary with replicas). For the rate limiter,
    /// set `rateLimiter.redis.clustered` to match the server.
    ///
    /// ## On managed services
    /// ElastiCache: create the replication group with "Cluster mode: disabled"; a `clustercfg.`
    /// endpoint means cluster mode is on. MemoryDB is always clustered.
    RedisNonCluster {
        id: "redis.non-cluster",
        title: "cluster mode is off",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
    }
}

impl Check for RedisNonCluster {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let Some((mode, source)) = s.mode() else {
            return Verdict::unknown(format!(
                "neither INFO nor HELLO told the server mode ({}); verify by hand that cluster mode is disabled",
                s.info.problem().unwrap_or("no answer")
            ))
            .fix("check the provider's console: the replication group must have cluster mode disabled");
        };
        if let Some(sentinel) = crate::server::sentinel(s) {
            return Verdict::fail(format!(
                "{}; Gloo needs a non-cluster Redis primary",
                sentinel.describe(&t.address)
            ))
            .with("mode", "sentinel")
            .with("source", sentinel.source)
            .fix(sentinel.fix(&t.address_key));
        }
        let v = match (mode, t.expect_cluster) {
            ("cluster", false) => Verdict::fail(format!(
                "cluster mode is on ({source}); Gloo needs a non-cluster Redis"
            ))
            .fix("use a Redis with cluster mode disabled: a primary with replicas"),
            ("cluster", true) => Verdict::pass(format!(
                "cluster mode is on ({source}), as rateLimiter.redis.clustered expects"
            )),
            ("standalone", false) => Verdict::pass(format!("cluster mode is off ({source})")),
            ("standalone", true) => Verdict::fail(format!(
                "cluster mode is off ({source}) but rateLimiter.redis.clustered is true"
            ))
            .fix("set rateLimiter.redis.clustered to false"),
            (other, _) => Verdict::fail(format!(
                "the server runs in {other} mode ({source}); Gloo needs a Redis primary"
            ))
            .fix("point the address at the Redis primary, not a Sentinel"),
        };
        v.with("mode", mode)
            .with("expect_cluster", t.expect_cluster)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, refused, session, set_info};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisNonCluster, t)
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("s");
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        set_info(&mut t, "cluster_enabled", Some("1"));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .contains("cluster mode is on (INFO cluster_enabled:1)")
        );
        t.expect_cluster = true;
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        set_info(&mut t, "cluster_enabled", Some("0"));
        assert_eq!(judge(&t).outcome, Outcome::Fail);
    }

    #[test]
    fn a_restricted_user_is_judged_from_hello_and_unknown_without_it() {
        let mut t = healthy_target("s");
        session(&mut t).info = refused("info");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(v.message.contains("HELLO mode standalone"));
        session(&mut t).hello = refused("hello");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
    }
}
