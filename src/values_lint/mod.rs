//! The values linted against the Redis-related Helm keys, the findings behind `values.schema`:
//! the walk (unknown keys with a did-you-mean, wrong types, bad durations and bad addresses)
//! over the key table (`keys.rs`), and what the chart's templates do with the values
//! (`wiring.rs`). What a duration or an address means is `inputs::setting`, which the plan
//! reads too.

mod keys;
mod wiring;

use checks::facts::{IssueKind, Severity, ValuesIssue};
use serde_json::Value;

use crate::inputs::setting::{parse_duration, split_address};
use crate::inputs::values::{Values, kind};
use keys::Kind::{self, *};
use keys::{EXPORTER, EXPORTER_BLOCKS, OLDER_CHARTS, ROOTS, STORE_CLIENT_KEYS, TLS_SWITCHES};

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
    wiring::chart_wiring(values, &mut issues);
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
    let names = fields.iter().map(|(name, _)| *name);
    let message = match crate::suggest::likely(key, names, 1).first() {
        Some(name) => format!("unknown key (did you mean `{name}`?)"),
        None => {
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
mod tests;
