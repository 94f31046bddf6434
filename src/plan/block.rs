//! Blocks in the shape of the top-level `redis:` (address, auth, certs, connection): the legacy
//! management-plane block and every `redisStore.<use case>.client`.

use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::values_check::{Setting, parse_duration, split_address};

/// A value as the chart's templates test it: `{{ if … }}` treats any non-empty string as
/// true, so `enabled: "false"` turns the feature on (values.schema flags the quotes).
pub fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
        Some(Value::Null) | None => false,
    }
}

/// `snapshot`: `redisStore.snapshot.client.*` when set, else the top-level `redis.*`.
pub fn snapshot(values: &Values, ns: &Namespaces) -> TargetPlan {
    let mut plan = store(values, "snapshot", ns).unwrap_or_else(|| {
        let mut plan =
            Block::new(values, "redis").target("snapshot", &ns.management, DEFAULT_ADDRESS);
        plan.builtin = values
            .get("redis.deployment.enabled")
            .is_none_or(|v| truthy(Some(v)));
        plan
    });
    plan.components = ["management-server", "ui", "insights-engine"]
        .map(String::from)
        .to_vec();
    plan
}

/// `insights`: `redisStore.insights.client.*`, only when set.
pub fn insights(values: &Values, ns: &Namespaces) -> Option<TargetPlan> {
    let mut plan = store(values, "insights", ns)?;
    plan.components = ["insights-engine", "ui"].map(String::from).to_vec();
    Some(plan)
}

/// The `redisStore.<key>` block, when the values set it.
pub fn store(values: &Values, use_case: &'static str, ns: &Namespaces) -> Option<TargetPlan> {
    let key = match use_case {
        "extauth" => "extAuthService",
        "ratelimiter" => "rateLimiter",
        other => other,
    };
    let root = format!("redisStore.{key}");
    values.get(&root).filter(|v| !v.is_null())?;
    let (namespace, default) = match use_case {
        "snapshot" | "insights" => (&ns.management, DEFAULT_ADDRESS),
        _ => (&ns.addons, DEFAULT_ADDON_ADDRESS),
    };
    let client = Block::new(values, &format!("{root}.client"));
    let mut plan = client.target(use_case, namespace, default);
    // The workshops set deployment.enabled: false for their own Redis; without it, a block
    // with no address of its own is the built-in one.
    plan.builtin = match values.get(&format!("{root}.deployment.enabled")) {
        Some(v) => truthy(Some(v)),
        None => client.get("address").is_none(),
    };
    Some(plan)
}

/// A values block in the shape of `redis:`.
pub struct Block<'a> {
    pub values: &'a Values,
    pub prefix: String,
}

impl Block<'_> {
    pub fn new<'a>(values: &'a Values, prefix: &str) -> Block<'a> {
        Block {
            values,
            prefix: prefix.to_string(),
        }
    }

    pub fn key(&self, rest: &str) -> String {
        format!("{}.{rest}", self.prefix)
    }

    pub fn get(&self, rest: &str) -> Option<&Value> {
        self.values.get(&self.key(rest))
    }

    pub fn string(&self, rest: &str, default: &str) -> String {
        string_or(self.values, &self.key(rest), default)
    }

    pub fn flag(&self, rest: &str) -> bool {
        truthy(self.get(rest))
    }

    /// A duration as go-redis applies it; bad values fall back to the default (values.schema says so).
    pub fn duration(&self, rest: &str) -> Setting {
        self.get(rest)
            .map(|v| parse_duration(v).unwrap_or(Setting::Default))
            .unwrap_or(Setting::Default)
    }

    /// The connection settings of `connection.*`, with go-redis' defaults.
    pub fn connection(&self) -> (Duration, Option<Duration>, Option<Duration>, u64) {
        let dial = match self.duration("connection.dialTimeout") {
            Setting::Set(d) => d,
            Setting::Default | Setting::Disabled => DEFAULT_DIAL,
        };
        let setting = |key: &str, default: Duration| match self.duration(key) {
            Setting::Set(d) => Some(d),
            Setting::Default => Some(default),
            Setting::Disabled => None,
        };
        let pool = self
            .get("connection.poolSize")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        (
            dial,
            setting("connection.readTimeout", DEFAULT_READ),
            setting("connection.idleTimeout", DEFAULT_IDLE),
            pool,
        )
    }

    pub fn target(&self, name: &'static str, namespace: &str, default_address: &str) -> TargetPlan {
        let address = self.string("address", default_address);
        let (dial_timeout, read_timeout, idle_timeout, pool_size) = self.connection();
        let socket_tls = self.get("socketType").and_then(Value::as_str) == Some("tls");
        let ca_key = self.string("certs.caCertKey", "");
        TargetPlan {
            name: name.to_string(),
            use_case: name,
            components: Vec::new(),
            endpoint: split_address(&address),
            address,
            address_key: self.key("address"),
            builtin: false,
            tls: TlsPlan {
                enabled: self.flag("certs.enabled") || socket_tls,
                key: if socket_tls {
                    self.key("socketType")
                } else {
                    self.key("certs.enabled")
                },
                // The chart's default caCertKey is empty: no CA of its own, the system roots.
                ca: (!ca_key.is_empty()).then(|| CaRef {
                    namespace: namespace.to_string(),
                    secret: self.string("certs.secretName", "redis-certs"),
                    key: ca_key,
                }),
                client_cert: false,
            },
            expect_cluster: false,
            dial_timeout,
            read_timeout,
            idle_timeout,
            pool_size,
            max_conn_age: match self.duration("connection.maxConnAge") {
                Setting::Set(d) if !d.is_zero() => Some(d),
                _ => None,
            },
            db: self.get("db").and_then(Value::as_i64).unwrap_or(0),
            auth: AuthPlan {
                enabled: self.flag("auth.enabled"),
                enabled_key: self.key("auth.enabled"),
                source: CredentialSource::Secret {
                    namespace: namespace.to_string(),
                    name: self.string("auth.secretName", "redis-auth-secrets"),
                    username_key: self.string("auth.usernameKey", "username"),
                    password_key: self.string("auth.passwordKey", "password"),
                },
            },
        }
    }
}
