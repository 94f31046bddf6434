use crate::check::{Check, Meta, Subject, Verdict};
use crate::duration::go_duration;
use crate::facts::Observed;

crate::check! {
    /// ## What it checks
    /// When the target has an online replica (`INFO replication`, or `ROLE` where INFO is
    /// refused), the values set a connection age (`connection.connMaxLifetime`, or the
    /// deprecated `connection.maxConnAge`), so that the components retire their
    /// pooled connections; when neither is set it warns, naming `connMaxLifetime`. Without a
    /// replica there is no failover to prepare for: `skip`.
    /// The legacy add-on blocks (`extAuthService.extAuth.apiKeyStorage`,
    /// `glooPortalServer.apiKeyStorage`, `rateLimiter.redis`) and the telemetry exporters have
    /// no such setting: `skip`, saying to restart those pods after a failover.
    ///
    /// ## Why Gloo needs it
    /// After a failover (maintenance, a node loss, an engine upgrade) the old primary becomes a
    /// replica. go-redis does not treat `READONLY` as a broken connection and, with
    /// `maxConnAge` unset (the chart's default), keeps its pooled connections to the demoted
    /// primary: every write gets `READONLY You can't write against a read only replica` until
    /// the pods restart.
    ///
    /// ## How to fix
    /// Set `connection.connMaxLifetime` (e.g. `30m`) in the component's Redis block, so that every
    /// connection is replaced, and resolved again, within that age after a failover. Point the
    /// address at the provider's primary endpoint, never at one node (see `values.endpoint`).
    ///
    /// ## On managed services
    /// ElastiCache and Memorystore fail over by moving the primary endpoint's DNS name; the old
    /// connections stay on the old node. Where INFO and ROLE are refused the replicas cannot be
    /// counted: set `connMaxLifetime` anyway if the service has replicas (Multi-AZ, Standard tier).
    RedisFailover {
        id: "redis.failover",
        title: "connections are retired after a failover (a connection age is set)",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
    }
}

impl Check for RedisFailover {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let age = t.max_conn_age_ms.map(go_duration);
        let Some(key) = conn_age_key(t) else {
            return Verdict::skip(format!(
                "{} has no connection-age setting (connMaxLifetime): after a failover, restart the pods of {} so they reconnect to the new primary",
                t.address_key,
                t.components.join(", ")
            ));
        };
        // ROLE's replicas (INFO refused) are connected: as good as online here.
        let online: Option<Vec<String>> = s.replicas().map(|replicas| {
            replicas
                .into_iter()
                .filter(|(_, state)| state == "online" || state == "connected")
                .map(|(address, _)| address)
                .collect()
        });
        match (online, age) {
            (Some(replicas), _) if replicas.is_empty() => {
                Verdict::skip("no online replica: there is no failover to prepare for")
            }
            (_, Some(age)) => Verdict::pass(format!(
                "{key} is {age}: pooled connections are replaced within that age after a failover"
            ))
            .with("max_conn_age", age),
            (Some(replicas), None) => Verdict::warn(format!(
                "{} online replica(s) ({}) and {key} is unset: after a failover the components keep their connections to the demoted primary and every write gets READONLY until the pods restart; expected a connection age set",
                replicas.len(),
                replicas.join(", ")
            ))
            .fix(format!("set {key} (e.g. 30m)"))
            .with("replicas", replicas),
            (None, None) => Verdict::unknown(format!(
                "neither INFO nor ROLE could be read ({}), so the replicas cannot be counted, and {key} is unset",
                s.info.problem().unwrap_or("no answer")
            ))
            .fix(format!("if the service has replicas, set {key} (e.g. 30m)")),
        }
    }
}

/// The connection-age key beside the address, for the blocks that have one: the top-level
/// `redis:` block, the portal's `apiKeyStorage.redis` and `redisStore.<use case>.client`. It
/// is the key the values set (`connMaxLifetime`, or the deprecated `maxConnAge`), else
/// `connMaxLifetime`. Ext auth's storage config, the rate limiter's block and the telemetry
/// exporters have no connection-age setting.
fn conn_age_key(t: &crate::facts::TargetFacts) -> Option<String> {
    let block = t.address_key.strip_suffix(".address")?;
    let settable = block == "redis"
        || block == "glooPortalServer.apiKeyStorage.redis"
        || (block.starts_with("redisStore.") && block.ends_with(".client"));
    let key = match &t.max_conn_age_key {
        Some(key) if key.starts_with(&format!("{block}.")) => key.clone(),
        _ => format!("{block}.connection.connMaxLifetime"),
    };
    settable.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, refused, session, set_info};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisFailover, t)
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("snapshot");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.message);
        assert!(v.message.contains("30m0s"), "{}", v.message);
        t.max_conn_age_ms = None;
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Warn);
        assert!(v.message.contains("10.0.0.2:6379"), "{}", v.message);
        assert!(v.message.contains("READONLY"), "{}", v.message);
        assert_eq!(
            v.remediation.as_deref(),
            Some("set redis.connection.connMaxLifetime (e.g. 30m)")
        );
        set_info(&mut t, "slave0", Some("ip=10.0.0.2,port=6379,state=wait_bgsave,offset=0,lag=0"));
        assert_eq!(judge(&t).outcome, Outcome::Skip, "no online replica");
        session(&mut t).info = refused("info");
        assert_eq!(judge(&t).outcome, Outcome::Warn, "ROLE lists the replica");
        session(&mut t).role = refused("role");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
        t.max_conn_age_ms = Some(600_000);
        assert_eq!(judge(&t).outcome, Outcome::Pass);
    }

    #[test]
    fn the_key_the_values_use_is_named() {
        let mut t = healthy_target("snapshot");
        t.max_conn_age_key = Some("redis.connection.maxConnAge".into());
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.message);
        assert!(v.message.starts_with("redis.connection.maxConnAge is 30m0s"), "{}", v.message);
        t.max_conn_age_key = Some("redis.connection.connMaxLifetime".into());
        assert!(judge(&t).message.starts_with("redis.connection.connMaxLifetime is 30m0s"));
    }

    #[test]
    fn blocks_without_the_setting_are_not_told_to_set_it() {
        for (key, settable) in [
            ("redis.address", true),
            ("redisStore.rateLimiter.client.address", true),
            ("extAuthService.extAuth.apiKeyStorage.config.connection.host", false),
            ("rateLimiter.redis.hostname", false),
            ("telemetryGatewayCustomization.extraExporters.redisstream/basic.endpoint", false),
        ] {
            let mut t = healthy_target("snapshot");
            t.max_conn_age_ms = None;
            t.address_key = key.into();
            let v = judge(&t);
            let expected = if settable { Outcome::Warn } else { Outcome::Skip };
            assert_eq!(v.outcome, expected, "{key}: {}", v.message);
            if !settable {
                assert!(v.message.contains("no connection-age setting (connMaxLifetime)"), "{}", v.message);
            }
        }
    }
}
