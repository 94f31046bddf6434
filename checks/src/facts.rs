//! What the probes observed, as plain serialisable data. Nothing here is judged, and nothing
//! here is a secret: credentials are described by their shape, never their value.

use std::collections::BTreeMap;

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
        because: String,
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
            Observed::NotAttempted { because } => Some(because),
        }
    }

    /// Why `what` (a command, a phase) was not observed, worded by how it went: "INFO was
    /// refused (…)", "INFO got no answer within readTimeout 1s", "INFO could not be read
    /// (reply too large: …)". `None` when it was observed.
    pub fn why_not(&self, what: &str) -> Option<String> {
        Some(match self {
            Observed::Ok { .. } => return None,
            Observed::Refused { error } => match error_cause(error) {
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

    /// Shorthand for [`Observed::NotAttempted`].
    pub fn not_attempted(because: impl Into<String>) -> Self {
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

/// Credentials as the values configure them and the secret holds them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AuthFacts {
    /// The values turn authentication on.
    pub enabled: bool,
    /// The values key that does, e.g. `redis.auth.enabled`; when there is none, the block that
    /// has none.
    pub enabled_key: String,
    /// The values have a key that turns authentication on; the UI's OIDC session store has
    /// none, so a fix cannot be "turn on auth in the values" there.
    #[serde(default = "settable_by_default")]
    pub settable: bool,
    /// Namespace of the secret.
    pub namespace: String,
    /// Name of the secret.
    pub secret_name: String,
    /// Key holding the username.
    pub username_key: String,
    /// Key holding the password.
    pub password_key: String,
    /// What the secret lookup found.
    pub secret: SecretLookup,
}

fn settable_by_default() -> bool {
    true
}

impl AuthFacts {
    /// Where the credentials are kept, for messages: `secret ns/name` or `exporter <key>`.
    pub fn holder(&self) -> String {
        match &self.secret {
            SecretLookup::Inline { location, .. } | SecretLookup::EnvUnset { location, .. } => {
                format!("exporter {location}")
            }
            _ => format!("secret {}/{}", self.namespace, self.secret_name),
        }
    }
}

/// The result of looking up the auth secret.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SecretLookup {
    /// Authentication is off; no secret was read.
    #[default]
    NotNeeded,
    /// The secret exists.
    Found {
        /// Every key the secret holds (names only).
        keys: Vec<String>,
        /// Shape of the username value, when its key is present.
        username: Option<Credential>,
        /// Shape of the password value, when its key is present.
        password: Option<Credential>,
    },
    /// No such secret.
    NotFound {
        /// Where the lookup looked (e.g. the manifest files).
        searched: String,
    },
    /// The secret could not be read (RBAC, API server unreachable, no kubeconfig).
    Unavailable {
        /// Why.
        reason: String,
        /// What kind of failure: `forbidden` (RBAC), `timeout`, `unreachable`, …
        #[serde(default)]
        kind: FailureKind,
    },
    /// Credentials written inline in the values (telemetry exporters).
    Inline {
        /// The values key holding them.
        location: String,
        /// Shape of the username, when set.
        username: Option<Credential>,
        /// Shape of the password.
        password: Option<Credential>,
    },
    /// The values reference an environment variable (`${env:NAME}`) not set where the preflight runs.
    EnvUnset {
        /// The values key holding the reference.
        location: String,
        /// The variable.
        variable: String,
    },
}

/// The shape of a credential value, never the value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// Length in bytes.
    pub len: usize,
    /// Leading or trailing whitespace (a newline from `echo` is the usual culprit).
    pub stray_whitespace: bool,
    /// The value is a JSON Web Token (an Azure Entra ID access token, say) and this is its
    /// `exp` claim, Unix time: not a secret, and the moment every login with it starts to fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// Name resolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dns {
    /// The host was an IP literal; nothing was asked.
    pub literal: bool,
    /// Resolved addresses.
    pub addresses: Vec<String>,
    /// Time taken, in milliseconds.
    pub duration_ms: f64,
}

/// A TCP connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tcp {
    /// The address connected to.
    pub peer: String,
    /// Time taken, in milliseconds.
    pub duration_ms: f64,
}

/// TLS as observed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsFacts {
    /// The CA the components trust.
    pub ca: CaFacts,
    /// The components present a client certificate of their own (telemetry `cert_file`).
    pub client_cert_configured: bool,
    /// The handshake as the components make it (TLS targets only).
    pub handshake: Option<Handshake>,
    /// Whether the port speaks the other mode than the values say: plaintext Redis for a TLS
    /// target whose handshake failed, TLS for a plaintext target whose session failed.
    /// `None` when not asked.
    pub speaks_other_mode: Option<bool>,
}

/// The trust anchors the components use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaFacts {
    /// `system roots`, or `secret ns/name key k`.
    pub source: String,
    /// What loading it gave.
    pub status: CaStatus,
}

/// The result of loading the CA.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CaStatus {
    /// TLS is off; no CA was loaded.
    #[default]
    NotNeeded,
    /// The system roots (Go's crypto/tls in the component's container does the same).
    System {
        /// How many roots were found.
        count: usize,
    },
    /// Certificates from the secret.
    Loaded {
        /// The certificates.
        certs: Vec<CertInfo>,
    },
    /// The secret, its key, or a usable PEM certificate is missing.
    Broken {
        /// What is wrong, naming the secret and key.
        problem: String,
    },
    /// The secret could not be read (RBAC, no cluster).
    Unavailable {
        /// Why.
        reason: String,
        /// What kind of failure (`forbidden` for RBAC).
        #[serde(default)]
        kind: FailureKind,
    },
}

/// What a certificate says about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertInfo {
    /// Subject, RFC 4514-ish.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// Unix time of notBefore.
    pub not_before: i64,
    /// Unix time of notAfter.
    pub not_after: i64,
    /// DNS and IP subject alternative names.
    pub sans: Vec<String>,
    /// basicConstraints CA flag.
    pub is_ca: bool,
    /// The X.509 version: 1 for a certificate made without extensions (`openssl x509 -req`
    /// without `-extfile`), which can name no host.
    #[serde(default = "x509_v3")]
    pub version: u32,
    /// The serial number is negative (its DER integer's top bit is set): Go refuses to parse
    /// such a certificate since Go 1.23 ("x509: negative serial number"); webpki accepts it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub negative_serial: bool,
}

fn x509_v3() -> u32 {
    3
}

/// A TLS handshake, with the server's chain captured even when verification failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Handshake {
    /// The handshake completed with verification on.
    pub completed: bool,
    /// Why it did not, in rustls' words.
    pub error: Option<String>,
    /// Negotiated protocol version.
    pub version: Option<String>,
    /// The server's certificates, leaf first.
    pub chain: Vec<CertInfo>,
    /// The chain verifies against the configured CA, checked at a time inside its validity
    /// (so that expiry is judged apart): `Err` holds webpki's reason.
    pub chain_trust: Option<Result<(), String>>,
    /// The leaf is valid for the host in the address: `Err` holds the reason.
    pub name_match: Option<Result<(), String>>,
    /// The server sent a CertificateRequest.
    pub client_cert_requested: bool,
    /// The server ended the connection for want of a client certificate (its alert).
    pub client_cert_rejection: Option<String>,
    /// Time of the handshake, in milliseconds.
    pub duration_ms: f64,
    /// When the server refused this handshake with an alert: what it answers a ClientHello
    /// offering what Go offers (TLS 1.0 to 1.2 and Go's default cipher suites, the CBC ones
    /// this tool cannot speak among them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_hello: Option<GoHello>,
    /// Why `chain_trust` failed, for the checks to tell causes apart (never by the text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_failure: Option<TrustFailure>,
    /// The server sent a handshake message (its certificates) over 64 KiB, the most rustls
    /// reads: Go reads a certificate message of up to 256 KiB, so the server does speak TLS
    /// and the components may well connect.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub message_too_large: bool,
}

impl Handshake {
    /// The cipher suite Go negotiates when the server speaks TLS 1.2 with CBC suites only,
    /// which this tool cannot speak, and its certificates were read from the flight that Go's
    /// offer got (`chain` holds them): the certificate checks judge them, and nothing behind
    /// TLS (the login, the reads) could be checked.
    pub fn cbc_only(&self) -> Option<&str> {
        match &self.go_hello {
            Some(GoHello::Chose {
                cipher_suite,
                version_ok: true,
                cbc: true,
                flight_read: true,
                ..
            }) if !self.completed && !self.chain.is_empty() => Some(cipher_suite),
            _ => None,
        }
    }
}

/// Why a chain did not verify against the trusted CAs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustFailure {
    /// No trusted CA is named as the issuer.
    UnknownIssuer,
    /// A trusted CA has the issuer's name, but the signature does not verify with its key
    /// (a CA made again under the same name, say).
    BadSignature,
    /// Signed with an algorithm Go verifies and this tool does not (ECDSA with SHA-512 from a
    /// P-256 or P-384 key, say).
    UnsupportedAlgorithm,
    /// The server certificate's extended key usage leaves out server authentication (Go:
    /// "certificate specifies an incompatible key usage").
    NotForServers,
    /// A certificate of the chain is signed with SHA-1, which Go (1.18 on) refuses as
    /// webpki does: "x509: cannot verify signature: insecure algorithm".
    Sha1,
    /// Anything else (the reason is in `chain_trust`).
    Other,
}

/// A server's answer to a ClientHello offering what Go's defaults offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GoHello {
    /// It chose a version and a cipher suite.
    Chose {
        /// The version it chose, e.g. `TLS 1.2`.
        version: String,
        /// TLS 1.2 or later: what Go's components accept (their minimum).
        version_ok: bool,
        /// The suite it chose, by its IANA name.
        cipher_suite: String,
        /// A CBC suite, which Go accepts and this tool does not speak.
        cbc: bool,
        /// For TLS 1.2 with a CBC suite: the server's flight after its ServerHello was read
        /// through ServerHelloDone, well-formed as Go reads it, its key exchange signed with
        /// the leaf's key. The certificates it sent in the clear are the handshake's `chain`,
        /// verified as any other.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        flight_read: bool,
    },
    /// It refused that too, with this alert.
    Alert {
        /// The alert, e.g. `handshake_failure`.
        description: String,
    },
    /// No answer, or not a TLS one.
    Nothing,
}

/// A server's reply to one command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Reply {
    /// Accepted.
    Ok,
    /// An error reply.
    Error {
        /// Error code, e.g. `WRONGPASS`, `NOAUTH`, `NOPERM`, `ERR`.
        code: String,
        /// The server's text after the code.
        message: String,
    },
    /// The reply broke a bound (over 1 MiB, an aggregate over 10,000 elements, nesting too
    /// deep, a line without end): the read was stopped before anything was kept.
    TooLarge {
        /// Which bound, and what the server declared.
        error: String,
    },
    /// No answer within the deadline.
    Timeout {
        /// The deadline, in milliseconds.
        after_ms: u64,
    },
    /// The connection broke, or the answer was not Redis protocol.
    Broken {
        /// What happened.
        error: String,
    },
}

impl Reply {
    /// The reply for a message: the server's error as it sent it, or what happened instead.
    pub fn describe(&self) -> String {
        match self {
            Reply::Ok => "OK".into(),
            Reply::Error { code, message } => format!("{code} {message}"),
            Reply::Timeout { after_ms } => format!(
                "no answer within readTimeout {}",
                crate::duration::go_duration(*after_ms)
            ),
            Reply::Broken { error } => error.clone(),
            Reply::TooLarge { error } => format!("reply too large ({error})"),
        }
    }

    /// An error reply by its code and first sentence (`MISCONF (Redis is configured to save
    /// RDB snapshots, but it's currently unable to persist to disk)`), for a message that
    /// goes on after it; any other reply as [`Reply::describe`] gives it.
    pub fn brief(&self) -> String {
        match self {
            Reply::Error { code, message } => {
                let first = message.split(". ").next().unwrap_or_default();
                format!("{code} ({})", first.trim_end_matches('.'))
            }
            other => other.describe(),
        }
    }
}

/// The Redis session: how login went and what the server told about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// `PING` before any `AUTH`: does the server let anybody in?
    pub unauthenticated_ping: Reply,
    /// `AUTH` as go-redis sends it; `None` when the values configure no credentials.
    pub login: Option<Login>,
    /// `SELECT db`, as go-redis sends it when the values name a db other than 0.
    #[serde(default)]
    pub select: Option<(i64, Reply)>,
    /// `HELLO 2` (Redis 6+): server, version, mode, role, even for restricted users.
    pub hello: Observed<BTreeMap<String, String>>,
    /// `INFO`: every `field:value` line of the default sections.
    pub info: Observed<Info>,
    /// The INFO section of each field above, by section name (`memory` → its field names).
    #[serde(default)]
    pub info_sections: BTreeMap<String, Vec<String>>,
    /// `ROLE`, flattened to strings (`master`, offset, …).
    pub role: Observed<Vec<String>>,
    /// `CONFIG GET` of single parameters (`maxmemory-policy`, `timeout`, `maxclients`,
    /// `min-replicas-to-write`).
    pub config: BTreeMap<String, Observed<String>>,
    /// The management server's snapshot keys (post-upgrade profile, snapshot target only).
    pub snapshot: Observed<SnapshotKeys>,
    /// `SET` / `GET` / `DEL` of one uniquely named key with a short expiry (`--allow-write` only).
    pub write_probe: Observed<WriteProbe>,
    /// The zero-effect writes sent in every run: may a write run here, as this user?
    #[serde(default = "write_access_not_probed")]
    pub write_access: Observed<WriteAccess>,
    /// What the field checks read: PING round trips, `INFO latencystats`, the multi-key probe.
    #[serde(default)]
    pub field: FieldFacts,
    /// Time of the whole session, in milliseconds.
    pub duration_ms: f64,
    /// The server refused the session before any command ran, and why (its error reply
    /// before closing, or `LOADING`).
    #[serde(default)]
    pub refusal: Option<Refusal>,
    /// The command of the server reads (`HELLO`, `INFO`, `ROLE`, `CONFIG GET`) at which the
    /// server closed the connection, every later read then failing with it: what a proxy that
    /// does not speak a command one Redis answers does (twemproxy closes at `HELLO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_at: Option<String>,
    /// The connection ended in the middle of a reply (a reset or close after part of it
    /// arrived): a network fault, a crash or a middlebox, not a server refusing a command.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut_mid_reply: bool,
}

/// What `src/probe/field.rs` observes on the session, for `redis.latency` and `redis.multikey`.
/// The persistence parameters it reads (`save`, `appendonly`, `stop-writes-on-bgsave-error`)
/// go to [`Session::config`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldFacts {
    /// Round-trip times of sequential `PING`s, in milliseconds, in the order sent.
    pub pings: Observed<Pings>,
    /// `INFO latencystats` (Redis 7+): `latency_percentiles_usec_<command>` → `p50=…,p99=…`.
    pub latencystats: Observed<Info>,
    /// The multi-key probe: a read over two keys in different hash slots, and a transaction.
    pub multikey: Observed<MultiKey>,
}

impl Default for FieldFacts {
    fn default() -> Self {
        FieldFacts {
            pings: Observed::not_attempted("not probed"),
            latencystats: Observed::not_attempted("not probed"),
            multikey: Observed::not_attempted("not probed"),
        }
    }
}

/// Sequential round trips: the session's own (login, reads), then `PING`s within a time budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pings {
    /// How many `PING`s were sent.
    pub asked: usize,
    /// Round-trip times in milliseconds, in order: the session's own round trips first, then
    /// the answered `PING`s.
    pub samples_ms: Vec<f64>,
    /// How many of the leading `samples_ms` are the session's own round trips.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub session_round_trips: usize,
    /// The reply that ended the series early (a timeout, an error, a broken connection).
    pub stopped_by: Option<Reply>,
}

/// The multi-key probe: reads only, over keys that do not exist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MultiKey {
    /// The keys read; their hash tags put them in different hash slots.
    pub keys: Vec<String>,
    /// The reply to the multi-key read (`SUNION` of the two keys).
    pub read: Reply,
    /// The reply to `MULTI` / `EXISTS` (both keys) / `EXEC`: the first error, else `Ok`.
    pub transaction: Reply,
}

/// What `gloo.mesh.key.set` holds: bounded reads (`TYPE`, `SCARD`, `SRANDMEMBER n`), never `KEYS`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotKeys {
    /// `TYPE gloo.mesh.key.set` (`none` when absent).
    pub set_type: String,
    /// `SCARD gloo.mesh.key.set`.
    pub members: i64,
    /// A random sample of members with their `TYPE`.
    pub sample: Vec<(String, String)>,
}

/// The write probe: the only writes the tool ever makes, and only with `--allow-write`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WriteProbe {
    /// The key written (it expires by itself within seconds).
    pub key: String,
    /// The reply to `SET key value PX 10000`.
    pub set: Reply,
    /// `GET` returned the value written.
    pub read_back: bool,
    /// The reply to `DEL key`.
    pub del: Reply,
}

fn write_access_not_probed() -> Observed<WriteAccess> {
    Observed::not_attempted("the facts were saved before the write check existed")
}

/// Writes that change nothing: each names the tool's own key with an argument Redis refuses
/// only once the command has passed its ACL, `maxmemory`, failed-save and read-only-replica
/// checks (`SET <key> x EX 0` → `ERR invalid expire time`). The refusal that comes first
/// tells whether a component's write of that kind would run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WriteAccess {
    /// The key every command names; never created.
    pub key: String,
    /// One command per family the components write with, in the order sent.
    pub attempts: Vec<WriteAttempt>,
}

impl WriteAccess {
    /// The attempt of `command` (`SET`, `HSET` …).
    pub fn attempt(&self, command: &str) -> Option<&WriteAttempt> {
        self.attempts.iter().find(|a| a.command == command)
    }

    /// The first attempt that met `kind`.
    pub fn met(&self, kind: WriteKind) -> Option<&WriteAttempt> {
        self.attempts.iter().find(|a| a.kind == kind)
    }
}

/// One zero-effect write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WriteAttempt {
    /// The command's name, upper case: `SET`, `HSET`, `XADD`, `INCRBY`, `EXPIRE`.
    pub command: String,
    /// The whole command as sent: `SET redis-preflight:write-check x EX 0`.
    pub sent: String,
    /// The server's reply.
    pub reply: Reply,
    /// What the reply means, as the probe classified it.
    pub kind: WriteKind,
}

/// What a zero-effect write met, in the order Redis checks a command: its ACL (command,
/// then keys), `maxmemory`, a failed save, `min-replicas-to-write`, a read-only replica, and
/// last the command's own argument check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    /// The command's own argument error: every check before it passed, so a real write of
    /// this kind would run.
    Allowed,
    /// `NOPERM` for the command: the user may not run it at all.
    CommandDenied,
    /// `NOPERM` for the key: the user's key patterns leave out the probe's key.
    KeyDenied,
    /// `OOM`: memory is past `maxmemory` and the policy evicts nothing.
    Oom,
    /// `MISCONF`: a failed RDB save or AOF write stops every write.
    Misconf,
    /// `NOREPLICAS`: fewer good replicas than `min-replicas-to-write`.
    NoReplicas,
    /// `READONLY`: a read-only replica.
    ReadOnly,
    /// Anything else: another error (an unknown command, a cluster redirect), no answer, a
    /// broken connection, or a reply that is not the refusal expected.
    Other,
}

/// One login attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Login {
    /// A username was sent (`AUTH user pass`), else `AUTH pass`.
    pub with_username: bool,
    /// The reply to the credentials exactly as stored.
    pub reply: Reply,
    /// When the stored values carry stray whitespace and the raw login failed, the reply to the
    /// trimmed values.
    pub trimmed_reply: Option<Reply>,
    /// The server answered `AUTH username password` as a wrong number of arguments: it has no
    /// ACL users (Redis before 6), and only `AUTH password` logs in.
    #[serde(default)]
    pub no_acl_users: bool,
}

impl Session {
    /// Whether the session got as far as reading: logged in, or let in without credentials.
    pub fn admitted(&self) -> bool {
        match &self.login {
            Some(login) => login.reply == Reply::Ok,
            None => self.lets_anybody_in(),
        }
    }

    /// Whether `PING` before any `AUTH` got past the server's authentication: `PONG`, or
    /// `MISCONF`, which Redis answers PING with (after its authentication check) while it
    /// cannot persist. go-redis then fails at its first PING, but the session is open.
    pub fn lets_anybody_in(&self) -> bool {
        match &self.unauthenticated_ping {
            Reply::Ok => true,
            Reply::Error { code, .. } => code == "MISCONF",
            _ => false,
        }
    }

    /// An `INFO` field, when INFO was readable.
    pub fn info_field(&self, field: &str) -> Option<&str> {
        self.info.ok()?.get(field)
    }

    /// The role the server names (`master`, `slave`, `sentinel`): ROLE's first word, else
    /// INFO's `role`, else HELLO's.
    pub fn role_name(&self) -> Option<&str> {
        self.role
            .ok()
            .and_then(|r| r.first().map(String::as_str))
            .or_else(|| self.info_field("role"))
            .or_else(|| self.hello_field("role"))
    }

    /// The server mode (`standalone`, `cluster`, `sentinel`) and what told it: INFO
    /// `cluster_enabled`, else INFO `redis_mode`, else HELLO's mode. `None` when neither said.
    pub fn mode(&self) -> Option<(&str, String)> {
        if let Some(enabled) = self.info_field("cluster_enabled") {
            let mode = if enabled == "1" {
                "cluster"
            } else {
                "standalone"
            };
            Some((mode, format!("INFO cluster_enabled:{enabled}")))
        } else if let Some(mode) = self.info_field("redis_mode") {
            Some((mode, format!("INFO redis_mode:{mode}")))
        } else {
            let mode = self.hello_field("mode")?;
            Some((mode, format!("HELLO mode {mode}")))
        }
    }

    /// A `HELLO` field, when HELLO was readable.
    pub fn hello_field(&self, field: &str) -> Option<&str> {
        self.hello.ok()?.get(field).map(String::as_str)
    }

    /// The primary's replicas as `(ip:port, state)`: from `INFO replication`
    /// (`slaveN:ip=…,port=…,state=online,…`), or, where INFO is refused, from `ROLE`, which
    /// lists a primary's connected replicas without a state (`connected`). `None` when
    /// neither was read.
    pub fn replicas(&self) -> Option<Vec<(String, String)>> {
        if let Some(info) = self.info.ok() {
            let field = |line: &str, name: &str| {
                line.split(',')
                    .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                    .unwrap_or("?")
                    .to_string()
            };
            return Some(
                info.iter()
                    .filter(|(k, _)| {
                        k.strip_prefix("slave")
                            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    })
                    .map(|(_, v)| (field(v, "ip") + ":" + &field(v, "port"), field(v, "state")))
                    .collect(),
            );
        }
        let role = self.role.ok()?;
        // Only a primary's ROLE lists replicas; a replica's lists its own primary.
        Some(match role.first().map(String::as_str) {
            Some("master") => role
                .iter()
                .skip(2)
                .map(|r| (r.clone(), "connected".to_string()))
                .collect(),
            _ => Vec::new(),
        })
    }
}

/// What a Redis error reply means, from its code (the first word: `BUSY`, `MOVED` …), for
/// the errors that are not about the command or the user's rights: a refusal that reads
/// "grant the user INFO" must not hide a server that is busy, loading, a cluster node or a
/// replica. `None` for `ERR`, `NOPERM` and codes with no cause to add.
pub fn error_cause(error: &str) -> Option<&'static str> {
    let code = error.split_whitespace().next().unwrap_or("");
    Some(match code {
        "MOVED" | "ASK" => {
            "the key lives on another node: the server is a Redis Cluster node or shards keys behind one address"
        }
        "TRYAGAIN" | "CLUSTERDOWN" => {
            "the server is a Redis Cluster node whose cluster is not serving"
        }
        "BUSY" => {
            "a script or function has run past busy-reply-threshold and the server answers nothing else until it ends"
        }
        "LOADING" => "the server is loading its dataset into memory",
        "MASTERDOWN" => {
            "the server is a replica whose link to its primary is down (replica-serve-stale-data no)"
        }
        "READONLY" => "the server is a read-only replica",
        "OOM" => "the server has reached maxmemory and refuses commands that may grow memory",
        "MISCONF" => "the server cannot persist to disk and refuses writes",
        "NOSCRIPT" => "the script is not in the server's script cache",
        _ => return None,
    })
}

/// What kind of failure an observation met. Checks match on this, never on message text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Anything not named below.
    #[default]
    Other,
    /// The peer refused the connection (nothing listens).
    Refused,
    /// No answer within the deadline (a filtered port, a silent peer or resolver).
    Timeout,
    /// The peer reset or closed the connection.
    Reset,
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The name exists but has no address record.
    NoRecords,
    /// Access denied (Kubernetes RBAC: 403).
    Forbidden,
    /// The thing asked for does not exist.
    NotFound,
    /// The other side could not be reached (API server down, no kubeconfig).
    Unreachable,
    /// A reply broke a bound (over 1 MiB, too many elements, too deep).
    TooLarge,
    /// The answer was not the protocol expected.
    Protocol,
    /// Nothing to try (an address that cannot be dialled, no resolver).
    Invalid,
}

/// Why a server refused a session before any command ran. Decided by the probe from the
/// server's own error code; checks match on the kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    /// What the refusal means.
    pub kind: RefusalKind,
    /// The server's error code (`ERR`, `DENIED`, `LOADING`).
    pub code: String,
    /// The server's text after the code.
    pub message: String,
}

/// The causes of a refused session the checks tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// `-ERR max number of clients reached`: every client slot (`maxclients`) is taken.
    MaxClients,
    /// `-DENIED`: protected mode, no password and a non-loopback client.
    ProtectedMode,
    /// `-LOADING`: the server is loading its dataset into memory.
    Loading,
    /// `-BUSY`: a Lua script or function has run past `busy-reply-threshold`
    /// (`lua-time-limit`); the server answers nothing else until it ends or is killed.
    Busy,
    /// `-MASTERDOWN`: a replica whose link to its primary is down, with
    /// `replica-serve-stale-data no`: it answers nothing but a few admin commands.
    MasterDown,
    /// Any other error followed by the server closing the connection.
    Other,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
