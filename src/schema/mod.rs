//! The walk behind `values.schema`: unknown keys (with a did-you-mean), wrong types, bad
//! durations and bad addresses in the Redis-related values.

mod keys;
mod parse;

use checks::facts::{Severity, ValuesIssue};
use serde_json::Value;

use crate::inputs::values::{Values, kind};
use keys::Kind::{self, *};
use keys::{EXPORTER, EXPORTER_BLOCKS, ROOTS, TLS_SWITCHES};
pub use parse::{Setting, parse_duration, split_address};

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
            "user:pass@h:1",
        ] {
            assert!(split_address(bad).is_err(), "{bad}");
        }
    }
}
