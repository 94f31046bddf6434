use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::Observed;

crate::check! {
    /// ## What it checks
    /// The server's version (`INFO server` `redis_version`, or `HELLO`): at least 6.2.6, the
    /// version the add-ons' built-in Redis ships with (older warns), and at least 6.0 when the
    /// components log in with a username (ACL users do not exist before 6.0: fail).
    ///
    /// ## Why Gloo needs it
    /// Gloo is tested against the Redis it ships; `AUTH username password` is an error on
    /// Redis 5, so a secret with a username locks every component out.
    ///
    /// ## How to fix
    /// Upgrade Redis to 6.2 or later (7.x is what Solo's own BYO examples run), or drop the
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
        let Some(text) = s
            .info_field("redis_version")
            .or_else(|| s.hello_field("version"))
        else {
            return Verdict::unknown("neither INFO nor HELLO told the server version (HELLO needs Redis 6+); verify by hand that it is 6.2 or later")
                .fix("check the engine version in the provider's console");
        };
        let Some(version) = parse(text) else {
            return Verdict::unknown(format!(
                "the server reports version \"{text}\", which is not major.minor.patch"
            ))
            .fix(
                "check the engine version in the provider's console: Gloo needs Redis 6.2 or later",
            );
        };
        let server = s
            .info_field("server_name")
            .or_else(|| s.hello_field("server"))
            .unwrap_or("redis");
        let with_username = s.login.as_ref().is_some_and(|l| l.with_username);
        let v = if version < (6, 0, 0) && with_username {
            Verdict::fail(format!(
                "{server} {text} predates ACL users (6.0), but the components log in with a username"
            ))
            .fix("upgrade Redis to 6.2 or later, or remove the username from the secret")
        } else if version < SHIPPED {
            Verdict::warn(format!(
                "{server} {text} is older than 6.2.6, the version the add-ons ship with"
            ))
            .fix("upgrade Redis to 6.2 or later")
        } else {
            Verdict::pass(format!("{server} {text}"))
        };
        v.with("version", text)
    }
}

fn parse(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    ))
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
            assert_eq!(judge(&t).outcome, outcome, "{version}");
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
}
