use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::Observed;

crate::check! {
    /// ## What it checks
    /// The server's version, decided once with its flavor (`INFO server` `redis_version`, or
    /// `HELLO`; for Valkey, which freezes `redis_version` at 7.2.4, its own `valkey_version` or
    /// HELLO's `version`; every Valkey passes): at least 6.2.6, the
    /// version the add-ons' built-in Redis ships with (older warns), and at least 6.0 when the
    /// components log in with a username (ACL users do not exist before 6.0: fail).
    ///
    /// ## Why Gloo needs it
    /// Gloo is tested against the Redis it ships; `AUTH username password` is an error on
    /// Redis 5, so a secret with a username locks every component out.
    ///
    /// ## How to fix
    /// Upgrade Redis to 6.2.6 or later (7.x is what Solo's own BYO examples run), or drop the
    /// username from the secret on a pre-6.0 server.
    ///
    /// ## On managed services
    /// ElastiCache: engine version 6.2 or later (Redis OSS or Valkey). Memorystore: REDIS_6_X or
    /// REDIS_7_X.
    RedisVersion {
        id: "redis.version",
        title: "the Redis version is supported",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
    }
}

/// The version the add-ons' built-in Redis ships with.
const SHIPPED: (u32, u32, u32) = (6, 2, 6);

impl Check for RedisVersion {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let server = crate::server::identify(s);
        let Some(text) = server.version.as_deref() else {
            return Verdict::unknown("neither INFO nor HELLO told the server version (HELLO needs Redis 6+); verify by hand that it is 6.2 or later")
                .fix("check the engine version in the provider's console");
        };
        let Some(version) = server.numeric_version() else {
            return Verdict::unknown(format!(
                "the server reports version \"{text}\", which is not major.minor.patch"
            ))
            .fix(
                "check the engine version in the provider's console: Gloo needs Redis 6.2 or later",
            );
        };
        let label = server.label();
        let with_username = s.login.as_ref().is_some_and(|l| l.with_username);
        // Every Valkey is newer than what Gloo needs; its own version numbers restart at 7.2.
        let v = if server.flavor == crate::server::Flavor::Valkey {
            Verdict::pass(label)
        } else if version < (6, 0, 0) && with_username {
            Verdict::fail(format!(
                "{label} predates ACL users (6.0), but the components log in with a username"
            ))
            .fix("upgrade Redis to 6.2.6 or later, or remove the username from the secret")
        } else if version < SHIPPED {
            Verdict::warn(format!(
                "{label} is older than 6.2.6, the version the add-ons ship with"
            ))
            .fix("upgrade Redis to 6.2.6 or later")
        } else {
            Verdict::pass(label)
        };
        v.with("version", text).with("flavor", server.flavor.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, refused, session, set_info};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisVersion, t)
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("s");
        for (version, outcome) in [
            ("7.2.4", Outcome::Pass),
            ("6.2.6", Outcome::Pass),
            ("6.2.5", Outcome::Warn),
            ("5.0.7", Outcome::Fail),
        ] {
            set_info(&mut t, "redis_version", Some(version));
            let v = judge(&t);
            assert_eq!(v.outcome, outcome, "{version}");
            if outcome != Outcome::Pass {
                // The fix names the version that passes, never one the server already has.
                assert!(v.remediation.unwrap().contains("6.2.6 or later"), "{version}");
            }
        }
        session(&mut t).login.as_mut().unwrap().with_username = false;
        assert_eq!(
            judge(&t).outcome,
            Outcome::Warn,
            "5.0 without a username only warns"
        );
        session(&mut t).info = refused("info");
        assert_eq!(judge(&t).outcome, Outcome::Pass, "HELLO says 7.2.4");
        session(&mut t).hello = refused("hello");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
    }

    #[test]
    fn valkey_is_judged_by_its_own_version() {
        let mut t = healthy_target("s");
        set_info(&mut t, "server_name", Some("valkey"));
        set_info(&mut t, "valkey_version", Some("9.0.1"));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass);
        assert_eq!(v.message, "valkey 9.0.1");
    }
}
