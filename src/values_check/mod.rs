//! The values checked against the Redis-related Helm keys: the walk behind `values.schema`
//! (unknown keys with a did-you-mean, wrong types, bad durations and bad addresses), the key
//! table it walks (`keys.rs`), and what a duration or an address means (`parse.rs`, which the
//! plan reads too).
//!
//! Named for what it does: the `schema` command prints the report's JSON Schema, another thing.

mod keys;
mod parse;

use checks::facts::{IssueKind, Severity, ValuesIssue};
use serde_json::Value;

use crate::inputs::values::{Values, kind};
use keys::Kind::{self, *};
use keys::{EXPORTER, EXPORTER_BLOCKS, OLDER_CHARTS, ROOTS, STORE_CLIENT_KEYS, TLS_SWITCHES};
pub use parse::{Setting, parse_duration, split_address};

/// Whether the values hold no Redis setting at all (an empty file, no `-f`): the chart's
/// built-in Redis is then what the components use.
pub fn no_redis_values(values: &Values) -> bool {
    let exporters = EXPORTER_BLOCKS.iter().any(|block| {
        values
            .get(block)
            .and_then(Value::as_object)
            .is_some_and(|m| m.keys().any(|n| n.starts_with("redisstream")))
    });
    !exporters && ROOTS.iter().all(|(key, _)| values.get(key).is_none())
}

/// Every problem in the Redis-related values.
pub fn validate(values: &Values) -> Vec<ValuesIssue> {
    let mut issues = Vec::new();
    // A misspelt Redis block (`reddis:`, `redisstore:`) is dropped whole by Helm: the install
    // then uses the chart's built-in Redis, whatever the block says.
    if let Some(root) = values.root.as_object() {
        for key in root.keys() {
            let known = |name: &str| root.contains_key(name);
            if ROOTS.iter().any(|(name, _)| name == key) {
                continue;
            }
            // A key of an older chart is no typo of this one's.
            if let Some((_, chart)) = OLDER_CHARTS.iter().find(|(name, _)| name == key) {
                issues.push(ValuesIssue {
                    severity: Severity::Warning,
                    source: values.source(key),
                    at: values.position(key),
                    key: key.clone(),
                    kind: IssueKind::OtherChart,
                    message: format!(
                        "belongs to the older {chart} chart, not gloo-platform: no targets are derived from it (this tool reads gloo-platform values); judge such a release from its rendered objects"
                    ),
                });
                continue;
            }
            if let Some(name) = ROOTS
                .iter()
                .map(|(name, _)| *name)
                .find(|name| !known(name) && near_miss(key, name))
            {
                issues.push(ValuesIssue {
                    severity: Severity::Error,
                    source: values.source(key),
                    at: values.position(key),
                    key: key.clone(),
                    kind: IssueKind::UnknownKey,
                    message: format!(
                        "unknown top-level key (did you mean `{name}`?): Helm drops the whole block, so the chart's defaults apply (for `redis`, the built-in Redis at gloo-mesh-redis.gloo-mesh:6379)"
                    ),
                });
            }
        }
    }
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
    chart_wiring(values, &mut issues);
    for (certs, socket) in TLS_SWITCHES {
        if let (Some(Value::Bool(on)), Some(Value::String(kind))) =
            (values.get(certs), values.get(socket))
            && *on != (kind == "tls")
        {
            issues.push(ValuesIssue {
                severity: Severity::Warning,
                source: values.source(socket),
                at: values.position(socket),
                key: socket.to_string(),
                kind: IssueKind::Disagreement,
                message: format!(
                    "\"{kind}\" disagrees with {certs}: {on}; TLS is on when either says so, check which one you meant"
                ),
            });
        }
    }
    issues
}

fn walk(values: &Values, path: &str, value: &Value, expected: Kind, issues: &mut Vec<ValuesIssue>) {
    let mut issue = |severity, kind, message: String| {
        issues.push(ValuesIssue {
            severity,
            source: values.source(path),
            at: values.position(path),
            key: path.to_string(),
            kind,
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
                    None if matches!(expected, Map(_)) => {
                        let (severity, kind, message) = match one_level_up(path, key) {
                            Some((severity, message)) => {
                                (severity, IssueKind::KeyOneLevelOff, message)
                            }
                            None => {
                                let (severity, message) = unknown_key(key, fields, map);
                                (severity, IssueKind::UnknownKey, message)
                            }
                        };
                        issues.push(ValuesIssue {
                            severity,
                            source: values.source(&child_path),
                            at: values.position(&child_path),
                            key: child_path,
                            kind,
                            message,
                        })
                    }
                    None => {}
                }
            }
        }
        (Map(_) | Open(_), other) => issue(
            Severity::Error,
            IssueKind::WrongType,
            format!("is {}, expected a mapping", kind(other)),
        ),
        (Bool, Value::Bool(_)) | (Int, Value::Number(_)) | (Str, Value::String(_)) => {
            if matches!(expected, Int) && value.as_i64().is_none() {
                issue(
                    Severity::Error,
                    IssueKind::WrongType,
                    format!("{} is not a whole number", shown()),
                );
            }
        }
        (Bool, Value::String(s)) if s == "true" || s == "false" => issue(
            Severity::Error,
            IssueKind::WrongType,
            format!(
                "is the string \"{s}\", expected a boolean: the chart's templates read any non-empty string as true; write {s} without quotes"
            ),
        ),
        (Duration, _) => {
            if let Err(message) = parse_duration(value) {
                issue(Severity::Error, IssueKind::BadDuration, message);
            }
        }
        // Empty is the chart's default of a feature off (an enabled one is judged by
        // chart_wiring).
        (Address, Value::String(s)) if s.is_empty() => {}
        (Address, Value::String(s)) => {
            if let Err(message) = split_address(s) {
                issue(Severity::Error, IssueKind::BadAddress, message);
            }
        }
        (OneOf(choices), Value::String(s)) => {
            if !choices.contains(&s.as_str()) {
                issue(
                    Severity::Error,
                    IssueKind::WrongType,
                    format!("\"{s}\" is not one of {}", choices.join(", ")),
                );
            }
        }
        (expected, other) => issue(
            Severity::Error,
            IssueKind::WrongType,
            format!(
                "{} is {}, expected {}",
                shown(),
                kind(other),
                describe(expected)
            ),
        ),
    }
}

/// A client key written directly under `redisStore.<use case>` (`redisStore.snapshot.address`):
/// Helm passes it nowhere, and without `client.address` the use case stays on its default.
fn one_level_up(path: &str, key: &str) -> Option<(Severity, String)> {
    let use_case = path.strip_prefix("redisStore.")?;
    if use_case.contains('.') || !STORE_CLIENT_KEYS.contains(&key) {
        return None;
    }
    Some((
        Severity::Error,
        format!(
            "not a key of redisStore.{use_case} (did you mean `redisStore.{use_case}.client.{key}`?): the client settings go under `client:`; Helm passes this one nowhere, so the component keeps the default"
        ),
    ))
}

/// Settings the chart's templates wire otherwise than the values suggest, and enabled features
/// that lack what they need.
fn chart_wiring(values: &Values, issues: &mut Vec<ValuesIssue>) {
    let on = crate::plan::Enabled::read(values);
    let text = |key: &str| {
        values
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut issue = |severity, key: &str, message: String| {
        issues.push(ValuesIssue {
            severity,
            source: values.source(key),
            at: values.position(key),
            key: key.to_string(),
            kind: IssueKind::Wiring,
            message,
        })
    };
    // The management plane's REDIS_USERNAME / REDIS_PASSWORD (2.5.8).
    for (key, default, what) in [
        ("redis.auth.secretName", "redis-auth-secrets", "secret"),
        ("redis.auth.usernameKey", "username", "username key"),
        ("redis.auth.passwordKey", "password", "password key"),
    ] {
        let set = text(key);
        if !set.is_empty() && set != default {
            issue(
                Severity::Warning,
                key,
                format!(
                    "the chart passes no such {what}: the management server, UI and insights engine get REDIS_USERNAME and REDIS_PASSWORD from secret redis-auth-secrets, keys username and password, whatever {key} says (\"{set}\" is at most mounted as a file); auth.secret checks redis-auth-secrets"
                ),
            );
        }
    }
    // The portal's credentials come from portal-redis-credentials.
    for key in [
        "glooPortalServer.apiKeyStorage.redis.auth.secretName",
        "glooPortalServer.apiKeyStorage.redis.auth.usernameKey",
        "glooPortalServer.apiKeyStorage.redis.auth.passwordKey",
    ] {
        if !text(key).is_empty() {
            issue(
                Severity::Warning,
                key,
                format!(
                    "appears in no template of the chart: the portal server gets REDIS_USERNAME and REDIS_PASSWORD from secret {}, keys username and password; auth.secret checks that one",
                    crate::plan::PORTAL_CREDENTIALS
                ),
            );
        }
    }
    if on.portal
        && block_truthy(values, crate::plan::PORTAL_REDIS_ENABLED)
        && text("glooPortalServer.apiKeyStorage.redis.address").is_empty()
    {
        issue(
            Severity::Error,
            "glooPortalServer.apiKeyStorage.redis.address",
            "is empty while the portal server's API-key storage in Redis is on (apiKeyStorage.redis.enabled): the portal has no Redis to dial; set host:port".to_string(),
        );
    }
    // A telemetry component with a relay ConfigMap of the user's own.
    for (enabled, block, config_map) in [
        (
            on.telemetry_gateway,
            "telemetryGateway",
            "gloo-telemetry-gateway-config",
        ),
        (
            on.telemetry_collector,
            "telemetryCollector",
            "gloo-telemetry-collector-config",
        ),
    ] {
        if enabled && crate::plan::telemetry::own_config_map(values, block) {
            issue(
                Severity::Warning,
                &format!("{block}.configMap.create"),
                format!(
                    "is true: the chart renders no relay config for {block}, which reads ConfigMap {config_map} of your own, so its redisstream exporters are not in the values and were not probed; judge them with --manifests (kubectl get configmap {config_map} -o yaml) or --from-cluster"
                ),
            );
        }
    }
    // Ext auth's API-key storage.
    let storage = "extAuthService.extAuth.apiKeyStorage";
    if on.ext_auth {
        let enabled = block_truthy(values, crate::plan::EXT_AUTH_STORAGE_ENABLED);
        let config = values.get(&format!("{storage}.config"));
        if !enabled && config.is_some_and(block_truthy_value) {
            issue(
                Severity::Warning,
                &format!("{storage}.config"),
                format!(
                    "is set but {storage}.enabled is not true: the chart's own enabled: false is always merged in, so the config alone turns no storage on and ext auth keeps no API keys in Redis; set {storage}.enabled: true"
                ),
            );
        }
        if enabled {
            let connection = format!("{storage}.config.connection");
            let host_key = match values.get(&connection) {
                Some(v) if block_truthy_value(v) => format!("{connection}.host"),
                _ => format!("{storage}.config.host"),
            };
            if text(&host_key).is_empty() {
                issue(
                    Severity::Error,
                    &host_key,
                    format!(
                        "is not set while ext auth's API-key storage is on ({storage}.enabled): its storage-config.yaml names no Redis host; set host:port"
                    ),
                );
            }
            if block_truthy(values, &format!("{storage}.redis.auth.enabled"))
                && text(&format!("{storage}.redis.auth.secretName")).is_empty()
            {
                issue(
                    Severity::Error,
                    &format!("{storage}.redis.auth.secretName"),
                    "is empty while redis.auth.enabled is true: ext auth's REDIS_USER and REDIS_PASSWORD would reference a secret with no name; name the secret that holds the credentials".to_string(),
                );
            }
        }
    }
    let ca_cert_key = format!("{storage}.redis.certs.caCertKey");
    if block_truthy(values, &format!("{storage}.redis.certs.enabled"))
        && text(&format!("{storage}.redis.certs.caCert")).is_empty()
        && !text(&ca_cert_key).is_empty()
    {
        issue(
            Severity::Error,
            &ca_cert_key,
            format!(
                "is not what the chart reads: ext auth's REDIS_CA_CERT is /etc/redis-certs/<certs.caCert>, so with caCert unset it names the directory and ext auth loads no CA; set {storage}.redis.certs.caCert"
            ),
        );
    }
}

fn block_truthy(values: &Values, key: &str) -> bool {
    crate::plan::truthy(values.get(key))
}

fn block_truthy_value(value: &Value) -> bool {
    crate::plan::truthy(Some(value))
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

/// An unknown key: a `fail` when it is a near miss of a known key that is absent beside it
/// (Helm drops the misspelt key, so the setting it meant keeps the chart's default); else a
/// warning, with a did-you-mean where there is one (the published schema is incomplete).
fn unknown_key(
    key: &str,
    fields: &[(&str, Kind)],
    siblings: &serde_json::Map<String, Value>,
) -> (Severity, String) {
    if let Some((name, _)) = fields
        .iter()
        .find(|(name, _)| !siblings.contains_key(*name) && near_miss(key, name))
    {
        return (
            Severity::Error,
            format!(
                "unknown key (did you mean `{name}`?): Helm drops it, so `{name}` keeps the chart's default"
            ),
        );
    }
    let best = fields
        .iter()
        .map(|(name, _)| (strsim::jaro_winkler(key, name), *name))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let message = match best {
        Some((score, name)) if score > 0.8 => format!("unknown key (did you mean `{name}`?)"),
        _ => {
            let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
            format!("unknown key (known keys: {})", names.join(", "))
        }
    };
    (Severity::Warning, message)
}

/// A near miss: the same key but for case, or one or two edits away (one for short names):
/// `adress`/`address`, `enable`/`enabled`, `readTimout`/`readTimeout`, `redisstore`/`redisStore`.
fn near_miss(key: &str, name: &str) -> bool {
    if key == name {
        return false;
    }
    let (k, n) = (key.to_lowercase(), name.to_lowercase());
    if n.chars().count() < 4 {
        return k == n;
    }
    let allowed = if n.chars().count() <= 5 { 1 } else { 2 };
    k == n || strsim::damerau_levenshtein(&k, &n) <= allowed
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
    fn typos_of_an_absent_key_fail_with_a_did_you_mean() {
        let found = issues(
            "redis:\n  adress: x:1\n  auth: {enable: true}\n  connection: {readTimout: 1s}\n",
        );
        let got: Vec<(&str, Severity, IssueKind)> = found
            .iter()
            .map(|i| (i.key.as_str(), i.severity, i.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("redis.adress", Severity::Error, IssueKind::UnknownKey),
                ("redis.auth.enable", Severity::Error, IssueKind::UnknownKey),
                (
                    "redis.connection.readTimout",
                    Severity::Error,
                    IssueKind::UnknownKey
                ),
            ]
        );
        assert!(
            found[0]
                .message
                .starts_with("unknown key (did you mean `address`?): Helm drops it"),
            "{}",
            found[0].message
        );
        assert!(found[1].message.contains("`enabled`"));
        assert!(found[2].message.contains("`readTimeout`"));
        assert_eq!(found[0].source.as_deref(), Some("values.yaml"));
        assert_eq!(found[0].at, Some((2, 3)));
        assert_eq!(found[1].at, Some((3, 10)));
    }

    #[test]
    fn other_unknown_keys_only_warn() {
        // The known key is there beside the near miss: the intended setting is not lost.
        let found = issues("redis:\n  address: x:1\n  adress: y:1\n  flavour: x\n");
        let got: Vec<(&str, Severity, &str)> = found
            .iter()
            .map(|i| (i.key.as_str(), i.severity, i.message.as_str()))
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1, Severity::Warning);
        assert_eq!(got[0].2, "unknown key (did you mean `address`?)");
        assert_eq!(got[1].1, Severity::Warning);
        assert!(got[1].2.starts_with("unknown key (known keys:"), "{got:?}");
    }

    #[test]
    fn a_misspelt_redis_block_fails() {
        for (yaml, key, meant) in [
            ("reddis:\n  address: x:1\n", "reddis", "redis"),
            ("redisstore:\n  snapshot: {}\n", "redisstore", "redisStore"),
            (
                "ratelimiter:\n  enabled: true\n",
                "ratelimiter",
                "rateLimiter",
            ),
        ] {
            let found = issues(yaml);
            assert_eq!(found.len(), 1, "{yaml}: {found:?}");
            assert_eq!(found[0].key, key);
            assert_eq!(found[0].severity, Severity::Error);
            assert_eq!(found[0].kind, IssueKind::UnknownKey);
            assert!(
                found[0]
                    .message
                    .contains(&format!("did you mean `{meant}`?")),
                "{}",
                found[0].message
            );
        }
        // Other top-level keys are none of this tool's business.
        assert!(issues("glooMgmtServer: {enabled: true}\nreddis2: {}\nredis: {}\n").is_empty());
        assert!(
            issues("redis: {}\nreddis: {}\n").is_empty(),
            "redis is there beside it"
        );
    }

    #[test]
    fn values_without_redis_settings_are_told_apart() {
        let load = |yaml: &str| {
            let mut values = Values::default();
            values.merge_yaml("values.yaml", yaml).unwrap();
            no_redis_values(&values)
        };
        assert!(load(""));
        assert!(load("glooMgmtServer: {enabled: true}\n"));
        assert!(!load("redis: {deployment: {enabled: true}}\n"));
        assert!(!load(
            "telemetryGatewayCustomization: {extraExporters: {redisstream/x: {endpoint: a:1}}}\n"
        ));
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
        let kinds: Vec<(&str, IssueKind)> =
            found.iter().map(|i| (i.key.as_str(), i.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("redis.address", IssueKind::BadAddress),
                ("redis.auth.enabled", IssueKind::WrongType),
                ("redis.connection.dialTimeout", IssueKind::BadDuration),
                ("redis.connection.idleTimeout", IssueKind::BadDuration),
                ("redis.connection.maxConnAge", IssueKind::BadDuration),
                ("redis.db", IssueKind::WrongType),
            ]
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
            keys.iter().any(|(k, m)| *k == "rateLimiter.redis.hostnme"
                && m.starts_with("unknown key (did you mean `hostname`?): Helm drops it")),
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
            keys.iter()
                .any(|(k, m)| *k == "glooPortalServer.apiKeyStorage.redis.adress"
                    && m.starts_with("unknown key (did you mean `address`?)")),
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
    fn the_charts_own_values_fed_back_are_no_error() {
        let chart = include_str!("../../tests/fixtures/chart-2.5.8-values.yaml");
        let found = issues(chart);
        assert!(found.is_empty(), "{found:?}");
        // Turned on as the chart ships them, they still fail nowhere but where a feature on
        // lacks what it needs.
        let mut values = Values::default();
        values.merge_yaml("values.yaml", chart).unwrap();
        values
            .merge_yaml(
                "on.yaml",
                "glooPortalServer: {enabled: true, apiKeyStorage: {redis: {enabled: true}}}\n",
            )
            .unwrap();
        let found = validate(&values);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].key, "glooPortalServer.apiKeyStorage.redis.address");
    }

    #[test]
    fn go_redis_v9_keys_are_known() {
        let found = issues(
            "redis:\n  connection: {connMaxIdleTime: 4m, connMaxLifetime: 30m, maxIdleConns: 2, maxRedirects: 3, masterName: m, readOnly: false, routeByLatency: false, routeRandomly: false, contextTimeoutEnabled: true}\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn credentials_the_chart_does_not_pass_warn() {
        let found = issues(
            "redis:\n  auth: {enabled: true, secretName: my-redis, usernameKey: user, passwordKey: password}\nglooPortalServer:\n  apiKeyStorage: {redis: {auth: {secretName: portal-auth}}}\n",
        );
        let got: Vec<(&str, Severity)> =
            found.iter().map(|i| (i.key.as_str(), i.severity)).collect();
        assert_eq!(
            got,
            [
                ("redis.auth.secretName", Severity::Warning),
                ("redis.auth.usernameKey", Severity::Warning),
                (
                    "glooPortalServer.apiKeyStorage.redis.auth.secretName",
                    Severity::Warning
                ),
            ]
        );
        assert!(
            found[0]
                .message
                .contains("from secret redis-auth-secrets, keys username and password"),
            "{}",
            found[0].message
        );
        assert!(found[2].message.contains("portal-redis-credentials"));
    }

    #[test]
    fn ext_auth_storage_wiring() {
        let found = issues(
            "extAuthService:\n  enabled: true\n  extAuth:\n    apiKeyStorage:\n      enabled: true\n      config: {connection: {socketType: tls}}\n      redis:\n        auth: {enabled: true}\n        certs: {enabled: true, secretName: s, caCertKey: ca.crt}\n",
        );
        let got: Vec<(&str, Severity)> =
            found.iter().map(|i| (i.key.as_str(), i.severity)).collect();
        assert_eq!(
            got,
            [
                (
                    "extAuthService.extAuth.apiKeyStorage.config.connection.host",
                    Severity::Error
                ),
                (
                    "extAuthService.extAuth.apiKeyStorage.redis.auth.secretName",
                    Severity::Error
                ),
                (
                    "extAuthService.extAuth.apiKeyStorage.redis.certs.caCertKey",
                    Severity::Error
                ),
            ]
        );
        assert!(
            found[2]
                .message
                .contains("set extAuthService.extAuth.apiKeyStorage.redis.certs.caCert")
        );
        // `config` without `enabled: true` turns nothing on, and says so.
        let found = issues(
            "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {config: {connection: {host: 'a:1'}}}}}\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0]
                .message
                .contains("set extAuthService.extAuth.apiKeyStorage.enabled: true")
        );
    }

    #[test]
    fn a_client_key_one_level_up_fails_naming_the_intended_key() {
        let found = issues(
            "redisStore:\n  snapshot:\n    address: r.example:6379\n    deployment: {enabled: false}\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].key, "redisStore.snapshot.address");
        assert!(
            found[0]
                .message
                .contains("did you mean `redisStore.snapshot.client.address`?"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn older_charts_values_are_recognised_not_taken_for_typos() {
        let found = issues(
            "glooMeshMgmtServer: {enabled: true}\nglooMeshRedis: {enabled: true}\nrate-limiter: {enabled: true}\next-auth-service: {enabled: true}\n",
        );
        assert_eq!(found.len(), 4, "{found:?}");
        for i in &found {
            assert_eq!(i.severity, Severity::Warning, "{i:?}");
            assert!(i.message.contains("belongs to the older"), "{i:?}");
            assert!(!i.message.contains("did you mean"), "{i:?}");
        }
        assert!(
            found
                .iter()
                .any(|i| i.key == "rate-limiter" && i.message.contains("gloo-mesh-agent"))
        );
        assert!(
            found.iter().any(
                |i| i.key == "glooMeshMgmtServer" && i.message.contains("gloo-mesh-enterprise")
            )
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
