//! What the probes observed, as plain serialisable data. Nothing here is judged, and nothing
//! here is a secret: credentials are described by their shape, never their value.

mod auth;
mod failure;
mod net;
mod reply;
mod session;
mod tls;
mod values;

pub use auth::*;
pub use failure::*;
pub use net::*;
pub use reply::*;
pub use session::*;
pub use tls::*;
pub use values::*;

use serde::{Deserialize, Serialize};

pub use crate::info::Info;

/// Why an observation is missing when the run's `--timeout` cut it short.
pub const DEADLINE_REACHED: &str = "run deadline reached";

/// Everything one run observed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Facts {
    /// The format of this data, [`FACTS_SCHEMA`]: a saved file of another format is refused,
    /// never judged as if it were this one. Files saved before the field existed are v1.
    #[serde(default = "facts_schema")]
    pub schema: String,
    /// Unix time (seconds) at which the facts were gathered; the checks' only clock.
    pub observed_at: i64,
    /// The profile the run serves: `preflight`, `post-upgrade` or `ci`.
    pub profile: String,
    /// The instance layout `--layout` demands: `any`, `shared` or `separate`.
    pub layout_policy: String,
    /// Whether ext auth and the portal use the same API-key `secretKey` (both enabled only).
    pub api_key_secret: Option<ApiKeySecret>,
    /// The user allowed the write probe (`--allow-write`); opt-in checks run only then.
    pub allow_write: bool,
    /// Warn when a certificate expires within this many days (`--cert-warn-days`).
    pub cert_warn_days: u32,
    /// Problems found in the Helm values, in file order.
    pub values_issues: Vec<ValuesIssue>,
    /// The values hold no Redis setting at all (an empty file, no `-f`): the chart's built-in
    /// Redis is assumed.
    #[serde(default)]
    pub no_redis_values: bool,
    /// Why the release has no Redis client at all (no enabled component uses Redis), when it
    /// has none: every check is then skipped with this reason (`values.schema` is `unknown`
    /// under the `ci` profile: a gate never passes on nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_redis_client: Option<String>,
    /// With both values and rendered objects (`-f` and `--manifests`): each Redis client as
    /// each of them describes it, for `values.rendered`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<RenderedComparison>,
    /// One entry per Redis endpoint the values (or the rendered objects) point a component at.
    pub targets: Vec<TargetFacts>,
    /// The merged Helm values, credential values replaced by `<redacted>` (what rules read as
    /// `values`).
    #[serde(default)]
    pub values: serde_json::Value,
}

impl Facts {
    /// The profile, by kind; a name no profile has (refused when a facts file is loaded) is
    /// judged as `preflight`.
    pub fn profile(&self) -> crate::Profile {
        crate::Profile::parse(&self.profile).unwrap_or(crate::Profile::Preflight)
    }

    /// The layout policy, by kind; a name no policy has (refused when a facts file is loaded)
    /// demands nothing.
    pub fn layout_policy(&self) -> crate::LayoutPolicy {
        crate::LayoutPolicy::parse(&self.layout_policy).unwrap_or(crate::LayoutPolicy::Any)
    }
}

/// The Redis clients as the values describe them and as the rendered objects do.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RenderedComparison {
    /// As the values (`-f`, `--set`) describe them.
    pub values: Vec<ClientRedis>,
    /// As the rendered objects (`--manifests`) give them.
    pub rendered: Vec<ClientRedis>,
}

/// One component's Redis (one exporter's, for telemetry): what it dials and how, as text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientRedis {
    /// `management-server`, `telemetry-gateway redisstream/basic`.
    pub client: String,
    /// Where its address is set (a values key, or an object and its field).
    pub key: String,
    /// `address`, `tls`, `ca`, `auth`, `db`, `dial_timeout`, `read_timeout`, `idle_timeout`,
    /// each shown as text (never a credential's value).
    pub settings: std::collections::BTreeMap<String, String>,
}

/// The format of [`Facts`] this build writes and reads.
pub const FACTS_SCHEMA: &str = "redis-preflight/facts/v1";

fn facts_schema() -> String {
    FACTS_SCHEMA.to_string()
}

/// How the external auth service's and the portal's API-key `secretKey` compare. Compared in
/// memory; the values never reach the facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ApiKeySecret {
    /// Both set, equal.
    Equal,
    /// Both set, different.
    Different,
    /// Not set for these components.
    Unset {
        /// The components without a `secretKey`.
        components: Vec<String>,
    },
}

/// An observation that may have been refused, may have failed, or may not have been tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Observed<T> {
    /// Observed.
    Ok {
        /// What was observed.
        value: T,
    },
    /// The server refused the command (ACL, renamed or blocked command); not a failure of the target.
    Refused {
        /// The server's error text.
        error: String,
    },
    /// The attempt failed.
    Failed {
        /// Why.
        error: String,
        /// What kind of failure, for the checks to match on (never the text).
        #[serde(default)]
        kind: FailureKind,
    },
    /// Not attempted.
    NotAttempted {
        /// Why not.
        because: Because,
    },
}

impl<T> Observed<T> {
    /// The value, when observed.
    pub fn ok(&self) -> Option<&T> {
        match self {
            Observed::Ok { value } => Some(value),
            _ => None,
        }
    }

    /// A one-line description of a non-`Ok` observation.
    pub fn problem(&self) -> Option<&str> {
        match self {
            Observed::Ok { .. } => None,
            Observed::Refused { error } | Observed::Failed { error, .. } => Some(error),
            Observed::NotAttempted { because } => Some(because.as_str()),
        }
    }

    /// Why `what` (a command, a phase) was not observed, worded by how it went: "INFO was
    /// refused (…)", "INFO got no answer within readTimeout 1s", "INFO could not be read
    /// (reply too large: …)". `None` when it was observed.
    pub fn why_not(&self, what: &str) -> Option<String> {
        Some(match self {
            Observed::Ok { .. } => return None,
            Observed::Refused { error } => match self.refusal().and_then(ErrorCode::cause) {
                Some(cause) => format!("{what} was refused ({error}: {cause})"),
                None => format!("{what} was refused ({error})"),
            },
            Observed::Failed {
                error,
                kind: FailureKind::Timeout,
            } => format!("{what} got {error}"),
            Observed::Failed { error, .. } => format!("{what} could not be read ({error})"),
            Observed::NotAttempted { because } => format!("{what} was not sent ({because})"),
        })
    }

    /// What a refusal was, by the server's error code (`None` for any other state).
    pub fn refusal(&self) -> Option<ErrorCode> {
        match self {
            Observed::Refused { error } => Some(ErrorCode::of(error)),
            _ => None,
        }
    }

    /// Shorthand for [`Observed::Failed`].
    pub fn failed(kind: FailureKind, error: impl Into<String>) -> Self {
        Observed::Failed {
            error: error.into(),
            kind,
        }
    }

    /// The kind of a failed observation (`None` for any other state).
    pub fn failure(&self) -> Option<FailureKind> {
        match self {
            Observed::Failed { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// Whether the run's `--timeout` cut this observation short.
    pub fn deadline_reached(&self) -> bool {
        matches!(
            self,
            Observed::NotAttempted {
                because: Because::DeadlineReached
            }
        )
    }

    /// Shorthand for [`Observed::NotAttempted`].
    pub fn not_attempted(because: impl Into<Because>) -> Self {
        Observed::NotAttempted {
            because: because.into(),
        }
    }
}

/// One Redis endpoint as a set of Gloo components dials it, and what was seen there.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetFacts {
    /// Target name: the use case (`snapshot`), or `<use case>/<component>` for extra endpoints.
    pub name: String,
    /// `snapshot`, `insights`, `extauth`, `ratelimiter` or `telemetry`.
    pub use_case: String,
    /// The components that dial this endpoint.
    pub components: Vec<String>,
    /// `host:port` as written in the values.
    pub address: String,
    /// The values key that set the address, e.g. `redis.address`.
    pub address_key: String,
    /// Host part of the address.
    pub host: String,
    /// Port part of the address.
    pub port: u16,
    /// The values deploy the chart's built-in (proof-of-concept) Redis for this use case.
    pub builtin: bool,
    /// The values turn TLS on.
    pub tls: bool,
    /// Cluster mode is expected (`rateLimiter.redis.clustered`).
    pub expect_cluster: bool,
    /// The components' dial timeout (go-redis `DialTimeout`), in milliseconds.
    pub dial_timeout_ms: u64,
    /// The components' read timeout, in milliseconds; `None` when the values disable it.
    pub read_timeout_ms: Option<u64>,
    /// The components' idle timeout (go-redis `IdleTimeout`), in milliseconds; `None` when disabled.
    pub idle_timeout_ms: Option<u64>,
    /// The values key of the idle time: the one that set it (`redis.connection.connMaxIdleTime`,
    /// or the deprecated `idleTimeout`), else the one to set; `None` in older facts files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_key: Option<String>,
    /// `connection.poolSize`; 0 means go-redis' default of 10 per CPU.
    pub pool_size: u64,
    /// `connection.maxConnAge` (go-redis `MaxConnAge`), in milliseconds; `None` when unset:
    /// pooled connections are then never retired.
    #[serde(default)]
    pub max_conn_age_ms: Option<u64>,
    /// The values key of the connection age (`connMaxLifetime`, or the deprecated
    /// `maxConnAge`), as `idle_timeout_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_conn_age_key: Option<String>,
    /// Credentials the values configure.
    pub auth: AuthFacts,
    /// Name resolution of `host`.
    pub dns: Observed<Dns>,
    /// TCP connect to the first resolved address.
    pub tcp: Observed<Tcp>,
    /// TLS: the trusted CA, the handshake, and what the port speaks.
    pub tls_facts: TlsFacts,
    /// The Redis session: login and reads.
    pub session: Observed<Session>,
    /// When the session broke: the first line a fresh connection answered to `PING`.
    pub plaintext_answer: Option<String>,
}

impl TargetFacts {
    /// The use case, by kind (`None` for a name this version does not know).
    pub fn use_case(&self) -> Option<crate::UseCase> {
        crate::UseCase::parse(&self.use_case)
    }

    /// The handshake, when the values turn TLS on and the server presented a certificate;
    /// otherwise why a certificate check does not apply.
    pub fn presented_chain(&self) -> Result<&Handshake, &'static str> {
        if !self.tls {
            return Err("TLS is off in the values");
        }
        self.tls_facts
            .handshake
            .as_ref()
            .filter(|h| !h.chain.is_empty())
            .ok_or("the server presented no certificate (see tls.mode)")
    }
}
