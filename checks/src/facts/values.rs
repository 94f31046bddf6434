//! What the values lint found: each finding with its kind and severity.

use serde::{Deserialize, Serialize};

/// A problem in the Redis-related Helm values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValuesIssue {
    /// `error` problems make Gloo misbehave; `warning` ones may be harmless (an unknown key).
    pub severity: Severity,
    /// The values file that set the key (or `--set`), when known.
    pub source: Option<String>,
    /// Line and column of the key in that file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<(u64, u64)>,
    /// Dotted key path, e.g. `redis.connection.dialTimeout`.
    pub key: String,
    /// What kind of problem: what the run did with it follows from the kind.
    #[serde(default)]
    pub kind: IssueKind,
    /// What was found and what was expected.
    pub message: String,
}

/// What a [`ValuesIssue`] is about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// A key the chart does not have (a typo, or a top-level block Helm drops).
    UnknownKey,
    /// A client setting one level off its block (`redisStore.x.address` without `client:`).
    KeyOneLevelOff,
    /// A key of an older chart (`gloo-mesh-enterprise`, `gloo-mesh-agent`).
    OtherChart,
    /// A value of the wrong type, or not one of the allowed ones.
    WrongType,
    /// Not a Go duration, or a negative one.
    BadDuration,
    /// Not `host:port`.
    BadAddress,
    /// Two keys that say different things (`certs.enabled` and `socketType`).
    Disagreement,
    /// A setting the chart's templates pass differently or not at all.
    Wiring,
    /// An object of the rendered chart or the cluster.
    Rendered,
    /// Read from a facts file of an older version, which recorded no kind.
    #[default]
    Other,
}

/// How bad a [`ValuesIssue`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Wrong type, bad duration, bad address.
    Error,
    /// Unknown key, or a suspicious but readable value.
    Warning,
}
