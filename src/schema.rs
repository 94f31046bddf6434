//! The Redis-related Helm keys Gloo's chart reads, their types, and the walk that reports
//! unknown keys (with a did-you-mean), wrong types, bad durations and bad addresses.

use checks::facts::{Severity, ValuesIssue};
use serde_json::Value;

use crate::inputs::duration;
use crate::inputs::values::{Values, kind};

/// The expected shape of one key.
#[derive(Clone, Copy)]
pub enum Kind {
    Bool,
    Int,
    Str,
    /// A Go duration string, `0`, or Helm's `-1` sentinel.
    Duration,
    /// `host:port`.
    Address,
    /// Known children typed, unknown children reported.
    Map(&'static [(&'static str, Kind)]),
    /// Known children typed, unknown children allowed (blocks the chart passes through).
    Open(&'static [(&'static str, Kind)]),
    /// A string from a fixed set.
    OneOf(&'static [&'static str]),
}

use Kind::*;

const CONNECTION: Kind = Map(&[
    ("dialTimeout", Duration),
    ("idleCheckFrequency", Duration),
    ("idleTimeout", Duration),
    ("maxConnAge", Duration),
    ("maxRetries", Int),
    ("maxRetryBackoff", Duration),
    ("minIdleConns", Int),
    ("minRetryBackoff", Duration),
    ("poolFifo", Bool),
    ("poolSize", Int),
    ("poolTimeout", Duration),
    ("readTimeout", Duration),
    ("writeTimeout", Duration),
]);
const AUTH: Kind = Map(&[
    ("enabled", Bool),
    ("passwordKey", Str),
    ("secretName", Str),
    ("usernameKey", Str),
]);
const CERTS: Kind = Map(&[("caCertKey", Str), ("enabled", Bool), ("secretName", Str)]);
const DEPLOYMENT: Kind = Open(&[("enabled", Bool), ("addr", Str)]);

/// Top-level `redis:` (management server, UI, insights engine).
const REDIS: Kind = Map(&[
    ("address", Address),
    ("auth", AUTH),
    ("certs", CERTS),
    ("connection", CONNECTION),
    ("db", Int),
    ("deployment", DEPLOYMENT),
]);

/// `redisStore.<use case>.client` (field list mirrors `redis:`; see the README on what is unconfirmed).
const STORE_CLIENT: Kind = Map(&[
    ("address", Address),
    ("auth", AUTH),
    ("certs", CERTS),
    ("connection", CONNECTION),
    ("db", Int),
    ("secretKey", Str),
    ("socketType", Str),
]);
const STORE: Kind = Map(&[("client", STORE_CLIENT), ("deployment", DEPLOYMENT)]);
const REDIS_STORE: Kind = Map(&[
    ("extAuthService", STORE),
    ("insights", STORE),
    ("rateLimiter", STORE),
    ("snapshot", STORE),
]);

const EXT_AUTH_SERVICE: Kind = Open(&[
    ("enabled", Bool),
    (
        "extAuth",
        Open(&[(
            "apiKeyStorage",
            Map(&[
                ("config", Map(&[("connection", Map(&[("host", Address)]))])),
                ("enabled", Bool),
                ("name", Str),
                ("secretKey", Str),
            ]),
        )]),
    ),
]);
const PORTAL_SERVER: Kind = Open(&[
    ("enabled", Bool),
    (
        "apiKeyStorage",
        Map(&[
            ("configPath", Str),
            ("redis", Map(&[("address", Address), ("enabled", Bool)])),
            ("secretKey", Str),
            ("type", Str),
        ]),
    ),
]);
const RATE_LIMITER: Kind = Open(&[
    ("enabled", Bool),
    (
        "redis",
        Map(&[
            ("auth", AUTH),
            (
                "certs",
                Map(&[
                    ("caCert", Str),
                    ("enabled", Bool),
                    ("mountPoint", Str),
                    ("secretName", Str),
                    ("signingKey", Str),
                ]),
            ),
            ("clustered", Bool),
            ("enabled", Bool),
            ("hostname", Str),
            ("image", Open(&[])),
            ("resources", Open(&[])),
            (
                "service",
                Map(&[
                    ("name", Str),
                    ("port", Int),
                    ("socket", OneOf(&["unix", "tcp", "tls"])),
                ]),
            ),
        ]),
    ),
]);
/// One `redisstream/*` OTel exporter.
const EXPORTER: Kind = Open(&[
    ("endpoint", Address),
    ("password", Str),
    (
        "tls",
        Open(&[
            ("ca_file", Str),
            ("cert_file", Str),
            ("insecure", Bool),
            ("insecure_skip_verify", Bool),
            ("key_file", Str),
        ]),
    ),
    ("username", Str),
]);

/// The top-level blocks this tool validates.
pub const ROOTS: &[(&str, Kind)] = &[
    ("extAuthService", EXT_AUTH_SERVICE),
    ("glooPortalServer", PORTAL_SERVER),
    ("rateLimiter", RATE_LIMITER),
    ("redis", REDIS),
    ("redisStore", REDIS_STORE),
];

/// Blocks holding OTel exporters by name; the `redisstream/*` ones are validated.
const EXPORTER_BLOCKS: &[&str] = &[
    "telemetryGatewayCustomization.extraExporters",
    "telemetryCollectorCustomization.extraExporters",
];

/// Pairs of keys that both turn TLS on; set to disagreeing values they deserve a look.
const TLS_SWITCHES: &[(&str, &str)] = &[
    (
        "redisStore.extAuthService.client.certs.enabled",
        "redisStore.extAuthService.client.socketType",
    ),
    (
        "redisStore.rateLimiter.client.certs.enabled",
        "redisStore.rateLimiter.client.socketType",
    ),
    (
        "redisStore.snapshot.client.certs.enabled",
        "redisStore.snapshot.client.socketType",
    ),
    (
        "redisStore.insights.client.certs.enabled",
        "redisStore.insights.client.socketType",
    ),
    (
        "rateLimiter.redis.certs.enabled",
        "rateLimiter.redis.service.socket",
    ),
];

/// Every problem in the Redis-related values.
pub fn validate(values: &Values) -> Vec<ValuesIssue> {
    let mut issues = Vec::new();
    for (key, kind) in ROOTS {
        if let Some(v) = values.get(key) {
            walk(values, key, v, *kind, &mut issues);
        }
    }
    for block in EXPORTER_BLOCKS {
        if let Some(Value::Object(exporters)) = values.get(block) {
            for (name, config) in exporters
                .iter()
                .filter(|(n, _)| n.starts_with("redisstream"))
            {
                walk(
                    values,
                    &format!("{block}.{name}"),
                    config,
                    EXPORTER,
                    &mut issues,
                );
            }
        }
    }
    for (certs, socket) in TLS_SWITCHES {
        if let (Some(Value::Bool(on)), Some(Value::String(kind))) =
            (values.get(certs), values.get(socket))
            && *on != (kind == "tls")
        {
            issues.push(ValuesIssue {
                severity: Severity::Warning,
                source: values.source(socket),
                key: socket.to_string(),
                message: format!(
                    "\"{kind}\" disagrees with {certs}: {on}; TLS is on when either says so, check which one you meant"
                ),
            });
        }
    }
    issues
}

fn walk(values: &Values, path: &str, value: &Value, expected: Kind, issues: &mut Vec<ValuesIssue>) {
    let mut issue = |severity, message: String| {
        issues.push(ValuesIssue {
            severity,
            source: values.source(path),
            key: path.to_string(),
            message,
        })
    };
    let shown = || match value {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    match (expected, value) {
        (_, Value::Null) => {}
        (Map(fields) | Open(fields), Value::Object(map)) => {
            for (key, child) in map {
                let child_path = format!("{path}.{key}");
                match fields.iter().find(|(name, _)| name == key) {
                    Some((_, kind)) => walk(values, &child_path, child, *kind, issues),
                    None if matches!(expected, Map(_)) => issues.push(ValuesIssue {
                        severity: Severity::Warning,
                        source: values.source(&child_path),
                        key: child_path,
                        message: unknown_key(key, fields),
                    }),
                    None => {}
                }
            }
        }
        (Map(_) | Open(_), other) => issue(
            Severity::Error,
            format!("is {}, expected a mapping", kind(other)),
        ),
        (Bool, Value::Bool(_)) | (Int, Value::Number(_)) | (Str, Value::String(_)) => {
            if matches!(expected, Int) && value.as_i64().is_none() {
                issue(
                    Severity::Error,
                    format!("{} is not a whole number", shown()),
                );
            }
        }
        (Bool, Value::String(s)) if s == "true" || s == "false" => issue(
            Severity::Error,
            format!(
                "is the string \"{s}\", expected a boolean: the chart's templates read any non-empty string as true; write {s} without quotes"
            ),
        ),
        (Duration, _) => {
            if let Err(message) = parse_duration(value) {
                issue(Severity::Error, message);
            }
        }
        (Address, Value::String(s)) => {
            if let Err(message) = split_address(s) {
                issue(Severity::Error, message);
            }
        }
        (OneOf(choices), Value::String(s)) => {
            if !choices.contains(&s.as_str()) {
                issue(
                    Severity::Error,
                    format!("\"{s}\" is not one of {}", choices.join(", ")),
                );
            }
        }
        (expected, other) => issue(
            Severity::Error,
            format!(
                "{} is {}, expected {}",
                shown(),
                kind(other),
                describe(expected)
            ),
        ),
    }
}

fn describe(kind: Kind) -> &'static str {
    match kind {
        Bool => "a boolean",
        Int => "a whole number",
        Str => "a string",
        Duration => "a Go duration such as 5s",
        Address => "host:port",
        OneOf(_) => "one of a fixed set of strings",
        Map(_) | Open(_) => "a mapping",
    }
}

fn unknown_key(key: &str, fields: &[(&str, Kind)]) -> String {
    let best = fields
        .iter()
        .map(|(name, _)| (strsim::jaro_winkler(key, name), *name))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((score, name)) if score > 0.8 => format!("unknown key (did you mean `{name}`?)"),
        _ => {
            let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
            format!("unknown key (known keys: {})", names.join(", "))
        }
    }
}

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
pub fn split_address(address: &str) -> Result<(String, u16), String> {
    let bad = |why: &str| format!("\"{address}\" is not host:port ({why})");
    let (host, port) = if let Some(rest) = address.strip_prefix('[') {
        let (host, port) = rest
            .split_once("]:")
            .ok_or_else(|| bad("expected [IPv6]:port"))?;
        (host, port)
    } else {
        address.rsplit_once(':').ok_or_else(|| bad("no port"))?
    };
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains("://") {
        return Err(bad("bad host"));
    }
    let port: u16 = port
        .parse()
        .map_err(|_| bad("the port is not a number from 1 to 65535"))?;
    if port == 0 {
        return Err(bad("the port is not a number from 1 to 65535"));
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issues(yaml: &str) -> Vec<ValuesIssue> {
        let mut values = Values {
            root: json!({}),
            ..Default::default()
        };
        values.merge_yaml("values.yaml", yaml).unwrap();
        validate(&values)
    }

    #[test]
    fn typos_get_a_did_you_mean() {
        let found = issues("redis:\n  adress: x:1\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].key, "redis.adress");
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].message, "unknown key (did you mean `address`?)");
        assert_eq!(found[0].source.as_deref(), Some("values.yaml"));
    }

    #[test]
    fn wrong_types_durations_and_addresses_are_errors() {
        let found = issues(
            "redis:\n  address: nohost\n  db: zero\n  auth: {enabled: \"true\"}\n  connection: {dialTimeout: 5 seconds, readTimeout: -1, idleTimeout: -5s, maxConnAge: 10}\n",
        );
        let keys: Vec<(&str, &str)> = found
            .iter()
            .map(|i| (i.key.as_str(), i.message.as_str()))
            .collect();
        assert!(
            found.iter().all(|i| i.severity == Severity::Error),
            "{keys:?}"
        );
        let expect = [
            ("redis.address", "\"nohost\" is not host:port (no port)"),
            ("redis.db", "\"zero\" is a string, expected a whole number"),
            (
                "redis.auth.enabled",
                "is the string \"true\", expected a boolean",
            ),
            (
                "redis.connection.dialTimeout",
                "not a Go duration (expected e.g. 5s)",
            ),
            ("redis.connection.idleTimeout", "is negative"),
            (
                "redis.connection.maxConnAge",
                "10 is not a Go duration (expected e.g. 10s)",
            ),
        ];
        for (key, fragment) in expect {
            assert!(
                keys.iter().any(|(k, m)| *k == key && m.contains(fragment)),
                "{key}: {fragment} in {keys:?}"
            );
        }
        assert_eq!(found.len(), expect.len(), "{keys:?}");
    }

    #[test]
    fn add_on_and_telemetry_blocks_are_validated() {
        let found = issues(
            "rateLimiter:\n  redis: {hostnme: x, service: {socket: ssl}}\nglooPortalServer:\n  apiKeyStorage: {redis: {adress: a:1}}\ntelemetryGatewayCustomization:\n  extraExporters:\n    redisstream/basic: {endpoint: nohost}\n    otlp/x: {whatever: 1}\n",
        );
        let keys: Vec<(&str, &str)> = found
            .iter()
            .map(|i| (i.key.as_str(), i.message.as_str()))
            .collect();
        assert!(
            keys.contains(&(
                "rateLimiter.redis.hostnme",
                "unknown key (did you mean `hostname`?)"
            )),
            "{keys:?}"
        );
        assert!(
            keys.contains(&(
                "rateLimiter.redis.service.socket",
                "\"ssl\" is not one of unix, tcp, tls"
            )),
            "{keys:?}"
        );
        assert!(
            keys.contains(&(
                "glooPortalServer.apiKeyStorage.redis.adress",
                "unknown key (did you mean `address`?)"
            )),
            "{keys:?}"
        );
        assert!(
            keys.iter().any(|(k, m)| *k
                == "telemetryGatewayCustomization.extraExporters.redisstream/basic.endpoint"
                && m.contains("no port")),
            "{keys:?}"
        );
        assert_eq!(found.len(), 4, "{keys:?}");
    }

    #[test]
    fn disagreeing_tls_switches_warn_naming_both_keys() {
        let found = issues(
            "redisStore:\n  rateLimiter:\n    client: {certs: {enabled: true}, socketType: tcp}\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].key, "redisStore.rateLimiter.client.socketType");
        assert!(
            found[0]
                .message
                .contains("redisStore.rateLimiter.client.certs.enabled: true")
        );
    }

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
        ] {
            assert!(split_address(bad).is_err(), "{bad}");
        }
    }
}
