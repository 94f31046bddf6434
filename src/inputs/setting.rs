//! What a duration or an address value means to the components.

use serde_json::Value;

use crate::inputs::duration;
use crate::inputs::values::kind;

/// What a duration value means to go-redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// Unset, empty or 0: the go-redis default applies.
    Default,
    /// Helm's `-1` sentinel: the feature is off.
    Disabled,
    /// A positive duration.
    Set(std::time::Duration),
}

/// Reads a duration value as go-redis would receive it.
pub fn parse_duration(value: &Value) -> Result<Setting, String> {
    let text = match value {
        Value::Null => return Ok(Setting::Default),
        Value::Number(n) if n.as_i64() == Some(0) => return Ok(Setting::Default),
        Value::Number(n) if n.as_i64() == Some(-1) => return Ok(Setting::Disabled),
        Value::Number(n) => return Err(format!("{n} is not a Go duration (expected e.g. {n}s)")),
        Value::String(s) => s.trim(),
        other => {
            return Err(format!(
                "is {}, expected a Go duration such as 5s",
                kind(other)
            ));
        }
    };
    match text {
        "" | "0" => return Ok(Setting::Default),
        "-1" => return Ok(Setting::Disabled),
        _ => {}
    }
    let ns =
        duration::parse(text).map_err(|e| format!("{e}: not a Go duration (expected e.g. 5s)"))?;
    if ns < 0 {
        return Err(format!(
            "\"{text}\" is negative; go-redis reads only -1 as \"disabled\", so this is not a timeout it can use"
        ));
    }
    if ns == 0 {
        return Ok(Setting::Default);
    }
    Ok(Setting::Set(std::time::Duration::from_nanos(ns as u64)))
}

/// Splits `host:port` (`[v6]:port` too).
///
/// Messages show the address without its userinfo: `redis://user:pass@host` never appears.
pub fn split_address(address: &str) -> Result<(String, u16), String> {
    let shown = crate::inputs::address::without_userinfo(address);
    let bad = |why: &str| format!("\"{shown}\" is not host:port ({why})");
    if shown != address {
        return Err(bad(
            "it carries credentials; the components take host:port and read credentials from the auth secret",
        ));
    }
    let (host, port) = if let Some(rest) = address.strip_prefix('[') {
        let (host, port) = rest
            .split_once("]:")
            .ok_or_else(|| bad("expected [IPv6]:port"))?;
        (host, port)
    } else {
        let (host, port) = address.rsplit_once(':').ok_or_else(|| bad("no port"))?;
        // Go's net.SplitHostPort: "too many colons in address"; go-redis never dials it.
        if host.contains(':') {
            return Err(bad(&format!(
                "too many colons: Go reads an IPv6 address with a port only in brackets, [{host}]:{port}"
            )));
        }
        (host, port)
    };
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains("://") {
        return Err(bad("bad host"));
    }
    // Digits only: Rust would read "+6379", Go's dialer looks it up as a service name and fails.
    let port: u16 = Some(port)
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?;
    if port == 0 {
        return Err(bad("the port is not a number from 1 to 65535"));
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn durations_read_as_go_redis_would() {
        assert_eq!(parse_duration(&json!("-1")), Ok(Setting::Disabled));
        assert_eq!(parse_duration(&json!(-1)), Ok(Setting::Disabled));
        assert_eq!(parse_duration(&json!("")), Ok(Setting::Default));
        assert_eq!(
            parse_duration(&json!("1m0s")),
            Ok(Setting::Set(std::time::Duration::from_secs(60)))
        );
    }

    #[test]
    fn addresses() {
        assert_eq!(
            split_address("redis.example:6379"),
            Ok(("redis.example".into(), 6379))
        );
        assert_eq!(split_address("[::1]:6380"), Ok(("::1".into(), 6380)));
        for bad in [
            "redis",
            "redis:",
            "redis:http",
            ":6379",
            "redis://h:1",
            "h:0",
            "user:pass@h:1",
            "::1:6379",
            "h:+6379",
            "h:6379 ",
        ] {
            assert!(split_address(bad).is_err(), "{bad}");
        }
        assert!(
            split_address("fd00::5:6379")
                .unwrap_err()
                .contains("only in brackets, [fd00::5]:6379")
        );
    }
}
