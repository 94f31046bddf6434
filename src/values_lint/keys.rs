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

/// go-redis' options as the chart renders them: the v8 keys and the v9 ones beside them
/// (`connMaxIdleTime` and `connMaxLifetime` replace the deprecated `idleTimeout` and
/// `maxConnAge`).
const CONNECTION: Kind = Map(&[
    ("connMaxIdleTime", Duration),
    ("connMaxLifetime", Duration),
    ("contextTimeoutEnabled", Bool),
    ("dialTimeout", Duration),
    ("idleCheckFrequency", Duration),
    ("idleTimeout", Duration),
    ("masterName", Str),
    ("maxConnAge", Duration),
    ("maxIdleConns", Int),
    ("maxRedirects", Int),
    ("maxRetries", Int),
    ("maxRetryBackoff", Duration),
    ("minIdleConns", Int),
    ("minRetryBackoff", Duration),
    ("poolFifo", Bool),
    ("poolSize", Int),
    ("poolTimeout", Duration),
    ("readOnly", Bool),
    ("readTimeout", Duration),
    ("routeByLatency", Bool),
    ("routeRandomly", Bool),
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

/// `redisStore.<use case>.client` (field list mirrors `redis:`; docs/ARCHITECTURE.md says what is unconfirmed).
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

/// Ext auth's `storage-config.yaml` (its RedisOptions): passed through as written.
const STORAGE_CONFIG: Kind = Open(&[("db", Int), ("host", Address), ("socketType", Str)]);
const EXT_AUTH_SERVICE: Kind = Open(&[
    ("enabled", Bool),
    (
        "extAuth",
        Open(&[(
            "apiKeyStorage",
            Map(&[
                (
                    "config",
                    Open(&[
                        ("connection", STORAGE_CONFIG),
                        ("db", Int),
                        ("host", Address),
                        ("socketType", Str),
                    ]),
                ),
                ("enabled", Bool),
                ("name", Str),
                (
                    "redis",
                    Map(&[
                        ("auth", AUTH),
                        (
                            "certs",
                            Map(&[
                                ("caCert", Str),
                                ("caCertKey", Str),
                                ("enabled", Bool),
                                ("secretName", Str),
                            ]),
                        ),
                    ]),
                ),
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
            (
                "redis",
                Map(&[
                    ("address", Address),
                    ("auth", AUTH),
                    ("certs", CERTS),
                    ("connection", CONNECTION),
                    ("db", Int),
                    ("enabled", Bool),
                ]),
            ),
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
            ("floatingUserID", Bool),
            ("hostname", Str),
            ("image", Open(&[])),
            ("resources", Open(&[])),
            ("runAsUser", Int),
            (
                "service",
                Map(&[
                    ("db", Int),
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

/// Top-level keys of the older `gloo-mesh-enterprise` and `gloo-mesh-agent` charts, whose
/// values this tool does not model: (key, chart).
pub const OLDER_CHARTS: &[(&str, &str)] = &[
    (
        "ext-auth-service",
        "gloo-mesh-agent (its ext-auth-service subchart)",
    ),
    ("glooMeshAgent", "gloo-mesh-agent"),
    ("glooMeshMgmtServer", "gloo-mesh-enterprise"),
    ("glooMeshRedis", "gloo-mesh-enterprise"),
    ("glooMeshUi", "gloo-mesh-enterprise"),
    (
        "rate-limiter",
        "gloo-mesh-agent (its rate-limiter subchart)",
    ),
];

/// The keys of `redisStore.<use case>.client`, for a key written one level up.
pub(super) const STORE_CLIENT_KEYS: &[&str] = &[
    "address",
    "auth",
    "certs",
    "connection",
    "db",
    "secretKey",
    "socketType",
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
