//! The Redis-related Helm keys Gloo's chart reads, and their types.

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
pub(super) const EXPORTER: Kind = Open(&[
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
pub(super) const EXPORTER_BLOCKS: &[&str] = &[
    "telemetryGatewayCustomization.extraExporters",
    "telemetryCollectorCustomization.extraExporters",
];

/// Pairs of keys that both turn TLS on; set to disagreeing values they deserve a look.
pub(super) const TLS_SWITCHES: &[(&str, &str)] = &[
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
