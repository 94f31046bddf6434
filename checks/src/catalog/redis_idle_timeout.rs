use crate::catalog::values_endpoint::{Provider, provider};
use crate::check::{Check, Meta, Subject, Verdict};
use crate::duration::go_duration;
use crate::facts::Observed;

crate::check! {
    /// ## What it checks
    /// The components' idle time (`connection.connMaxIdleTime`, or the deprecated
    /// `connection.idleTimeout` when only it is set; go-redis default 5m) is below the server's
    /// `timeout` (`CONFIG GET timeout`, seconds; 0 means the server never closes idle clients).
    /// The 2.5.8 chart renders its own `connMaxIdleTime` (5m0s; the portal's 30m) beside the
    /// values' `idleTimeout` unless the values set it to `null` or `"0"`: then it is what wins.
    ///
    /// ## Why Gloo needs it
    /// When the server drops idle connections first, the components find them dead on next
    /// use and log EOF and "use of closed network connection" errors, retrying each time.
    ///
    /// ## How to fix
    /// Set `connection.connMaxIdleTime` below the server's timeout (e.g. `connMaxIdleTime: 4m`
    /// for `timeout 300`), or set the server's `timeout 0`. The message and the fix name the key
    /// the values use.
    ///
    /// ## On managed services
    /// `timeout` is not in INFO, and ElastiCache and Memorystore block CONFIG: the outcome is
    /// `unknown`. ElastiCache's default parameter group has `timeout 0`; check yours. Azure
    /// Cache for Redis (`*.redis.cache.windows.net`) closes idle connections after 10 minutes
    /// whatever `timeout` says, and blocks CONFIG: on an Azure host the idle time is held
    /// against that 10-minute limit (assumed from the host name).
    RedisIdleTimeout {
        id: "redis.idle-timeout",
        title: "idleTimeout is below the server's timeout",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
        config: ["timeout"],
    }
}

impl Check for RedisIdleTimeout {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        // Named by the key that set it: `connMaxIdleTime` wins over the deprecated `idleTimeout`.
        let key = t
            .idle_timeout_key
            .as_deref()
            .unwrap_or("connection.idleTimeout");
        let leaf = key.rsplit('.').next().unwrap_or(key);
        let client = format!(
            "{leaf} {}",
            t.idle_timeout_ms
                .map(go_duration)
                .unwrap_or_else(|| "disabled (-1)".into())
        );
        if provider(&t.host) == Some(Provider::AzureCache) {
            return azure(t.idle_timeout_ms, &client, key);
        }
        let server = match s
            .config
            .get("timeout")
            .and_then(|o| o.ok())
            .map(|v| v.parse::<u64>())
        {
            Some(Ok(secs)) => secs,
            // Answered, but not a number of seconds (an empty value from a proxy).
            Some(Err(_)) => {
                let said = s
                    .config
                    .get("timeout")
                    .and_then(|o| o.ok())
                    .cloned()
                    .unwrap_or_default();
                return Verdict::unknown(format!(
                    "CONFIG GET timeout answered \"{said}\", not a number of seconds; verify by hand that the server's idle timeout is 0 or above {client}"
                ))
                .with("timeout", said)
                .fix("check the timeout parameter in the provider's console or parameter group");
            }
            None => {
                let why = s
                    .config
                    .get("timeout")
                    .and_then(|o| o.problem())
                    .unwrap_or("no answer");
                return Verdict::unknown(format!(
                    "the server's timeout is only readable with CONFIG GET, which was refused ({why}); verify by hand that it is 0 or above {client}"
                ))
                .fix("check the timeout parameter in the provider's console or parameter group");
            }
        };
        let v = match t.idle_timeout_ms {
            _ if server == 0 => Verdict::pass(format!("the server never closes idle connections (timeout 0); {client}")),
            Some(ms) if ms < server * 1000 => Verdict::pass(format!("{client} is below the server's timeout {server}s")),
            _ => Verdict::fail(format!(
                "{client} is not below the server's timeout {server}s: the server closes idle connections first and the components hit dead ones"
            ))
            .fix(if server < 30 {
                // A few seconds closes the pools' connections between any two requests: the
                // server's setting is what is wrong.
                format!("set the server's timeout to 0 (CONFIG SET timeout 0, and in redis.conf): at {server}s it closes the pools' connections between requests; or else set {key} below {server}s")
            } else {
                format!("set {key} below {server}s, or the server's timeout to 0")
            }),
        };
        v.with("server_timeout_s", server)
            .with("idle_timeout", client)
    }
}

/// Azure Cache for Redis closes connections idle for 10 minutes, whatever `timeout` says.
const AZURE_IDLE_S: u64 = 600;

fn azure(idle_ms: Option<u64>, client: &str, key: &str) -> Verdict {
    let v = match idle_ms {
        Some(ms) if ms < AZURE_IDLE_S * 1000 => Verdict::pass(format!(
            "{client} is below Azure Cache for Redis' 10-minute idle limit"
        )),
        _ => Verdict::fail(format!(
            "{client} is not below Azure Cache for Redis' 10-minute idle limit, which applies whatever the timeout parameter says: the components hit connections Azure closed (broken pipe, EOF)"
        ))
        .fix(format!("set {key} below 10m (e.g. 4m)")),
    };
    v.with("provider", "Azure Cache for Redis")
        .with("server_timeout_s", AZURE_IDLE_S)
        .with("server_timeout_source", "assumed from the host name: Azure's fixed idle limit")
        .with("idle_timeout", client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, refused, session};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisIdleTimeout, t)
    }

    fn server_timeout(t: &mut TargetFacts, secs: &str) {
        session(t)
            .config
            .insert("timeout".into(), Observed::Ok { value: secs.into() });
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("s");
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        server_timeout(&mut t, "600");
        assert_eq!(judge(&t).outcome, Outcome::Pass, "5m below 600s");
        server_timeout(&mut t, "300");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail, "5m is not below 300s");
        assert!(
            v.message
                .contains("idleTimeout 5m0s is not below the server's timeout 300s"),
            "{}",
            v.message
        );
        assert!(v.remediation.unwrap().starts_with("set connection.idleTimeout below 300s"));
        // A server timeout of seconds is the server's fault, and the fix says so first.
        server_timeout(&mut t, "1");
        let fix = judge(&t).remediation.unwrap();
        assert!(fix.starts_with("set the server's timeout to 0"), "{fix}");
        // A timeout that is no number is unknown, not "refused".
        server_timeout(&mut t, "");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.message.contains("answered \"\", not a number of seconds"), "{}", v.message);
        server_timeout(&mut t, "300");
        t.idle_timeout_ms = None;
        assert_eq!(
            judge(&t).outcome,
            Outcome::Fail,
            "disabled never closes first"
        );
        session(&mut t)
            .config
            .insert("timeout".into(), refused("config|get"));
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
    }

    #[test]
    fn the_message_and_the_fix_name_the_key_the_values_use() {
        let mut t = healthy_target("s");
        server_timeout(&mut t, "300");
        t.idle_timeout_key = Some("redis.connection.connMaxIdleTime".into());
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message.contains("connMaxIdleTime 5m0s is not below the server's timeout 300s"),
            "{}",
            v.message
        );
        assert_eq!(
            v.remediation.as_deref(),
            Some("set redis.connection.connMaxIdleTime below 300s, or the server's timeout to 0")
        );
    }

    #[test]
    fn azure_closes_idle_connections_after_ten_minutes_even_with_config_blocked() {
        let mut t = healthy_target("s");
        t.host = "gloo.redis.cache.windows.net".into();
        session(&mut t)
            .config
            .insert("timeout".into(), refused("config|get"));
        assert_eq!(judge(&t).outcome, Outcome::Pass, "5m is below 10m");
        t.idle_timeout_ms = Some(600_000);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("10-minute"), "{}", v.message);
        t.idle_timeout_ms = None;
        assert_eq!(judge(&t).outcome, Outcome::Fail, "disabled never closes first");
    }
}
