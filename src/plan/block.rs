//! Blocks in the shape of the top-level `redis:` (address, auth, certs, connection): the legacy
//! management-plane block and every `redisStore.<use case>.client`.

use std::time::Duration;

use serde_json::Value;

use super::*;
use crate::inputs::setting::{Setting, parse_duration, split_address};

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

/// The management plane's credentials as the 2.5.8 chart gives them: env `REDIS_USERNAME` and
/// `REDIS_PASSWORD` from secret `redis-auth-secrets`, keys `username` and `password` (the
/// default `env` of the management server, UI and insights engine), whatever
/// `redis.auth.secretName`, `usernameKey` and `passwordKey` say (values.schema warns).
/// The idle-time and connection-age keys: (go-redis v9, the deprecated v8 one).
pub const IDLE: (&str, &str) = ("connMaxIdleTime", "idleTimeout");
pub const LIFETIME: (&str, &str) = ("connMaxLifetime", "maxConnAge");

pub const MGMT_AUTH_SECRET: &str = "redis-auth-secrets";

/// The components of the management plane the release runs that dial `redis.address`.
fn mgmt_components(on: &Enabled) -> Vec<String> {
    [
        (on.mgmt_server, "management-server"),
        (on.ui, "ui"),
        (on.insights_engine, "insights-engine"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect()
}

/// `snapshot`: `redisStore.snapshot.client.*` when set, else the top-level `redis.*`; only when
/// the management server, UI or insights engine is enabled.
pub fn snapshot(values: &Values, ns: &Namespaces, on: &Enabled) -> Option<TargetPlan> {
    let components = mgmt_components(on);
    if components.is_empty() {
        return None;
    }
    let mut plan = store(values, "snapshot", ns).unwrap_or_else(|| {
        let block = Block::new(values, "redis");
        // `--redis-address`: `redis.address` (its chart default is the literal
        // gloo-mesh-redis.gloo-mesh:6379); only when empty, `redis.deployment.addr`, else the
        // built-in Service in the release namespace.
        let fallback = string_or(
            values,
            "redis.deployment.addr",
            &format!("gloo-mesh-redis.{}:6379", ns.management),
        );
        let mut plan = block.target("snapshot", &ns.management, &fallback);
        (plan.idle_timeout, plan.idle_timeout_key) = block.chart_idle(DEFAULT_IDLE);
        if block.get("address").is_none() {
            plan.address = DEFAULT_ADDRESS.to_string();
        }
        plan.set_address(qualify(&plan.address, &ns.management));
        plan.auth.source = CredentialSource::Secret {
            namespace: ns.management.clone(),
            name: MGMT_AUTH_SECRET.to_string(),
            username_key: "username".to_string(),
            password_key: "password".to_string(),
        };
        plan.builtin = builtin_deployed(values, on) && dials_builtin(&plan, ns);
        plan
    });
    plan.components = components;
    Some(plan)
}

/// Whether the release runs the chart's built-in `gloo-mesh-redis`: `redis.deployment.enabled`
/// (default true), only with the management server.
pub fn builtin_deployed(values: &Values, on: &Enabled) -> bool {
    on.mgmt_server
        && values
            .get("redis.deployment.enabled")
            .is_none_or(|v| truthy(Some(v)))
}

/// Whether a client dials the built-in `gloo-mesh-redis` Service of the release namespace: a
/// `redis.address` of another Redis is not the built-in one, even while the chart deploys it.
pub fn dials_builtin(plan: &TargetPlan, ns: &Namespaces) -> bool {
    dials_service(plan, "gloo-mesh-redis", &ns.management)
}

/// `insights`: `redisStore.insights.client.*`, only when set and the insights engine or the UI
/// runs.
pub fn insights(values: &Values, ns: &Namespaces, on: &Enabled) -> Option<TargetPlan> {
    let components: Vec<String> = [(on.insights_engine, "insights-engine"), (on.ui, "ui")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect();
    if components.is_empty() {
        return None;
    }
    let mut plan = store(values, "insights", ns)?;
    plan.components = components;
    Some(plan)
}

/// `sessions`: the UI's OIDC session store (`glooUi.auth.oidc.session.backend: redis`), which
/// the chart writes into the Dashboard resource; its only setting is `session.redis.host`, so
/// it is dialled without TLS or credentials (an inference: the chart offers no other key).
pub fn sessions(values: &Values, ns: &Namespaces, on: &Enabled) -> Option<TargetPlan> {
    let text = |key: &str| values.get(key).and_then(Value::as_str).unwrap_or_default();
    let redis = on.ui
        && truthy(values.get("glooUi.auth.enabled"))
        && text("glooUi.auth.backend") == "oidc"
        && text("glooUi.auth.oidc.session.backend") == "redis";
    if !redis {
        return None;
    }
    let block = Block::new(values, "glooUi.auth.oidc.session.redis");
    let mut plan = block.target("sessions", &ns.management, DEFAULT_ADDRESS);
    plan.set_address(qualify(
        &block.string("host", DEFAULT_ADDRESS),
        &ns.management,
    ));
    plan.address_key = block.key("host");
    plan.auth.enabled = false;
    plan.auth.enabled_key = format!("{} has no auth setting", block.prefix);
    plan.auth.settable = false;
    plan.tls.enabled = false;
    plan.tls.key = format!("{} has no TLS setting", block.prefix);
    plan.tls.ca = None;
    plan.db = 0;
    plan.components = vec!["ui".to_string()];
    plan.builtin = plan.address == DEFAULT_ADDRESS && on.mgmt_server;
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
    plan.set_address(qualify(&plan.address, namespace));
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

    /// A go-redis v9 key, else the deprecated v8 key it replaces (`connMaxIdleTime` over
    /// `idleTimeout`, `connMaxLifetime` over `maxConnAge`).
    pub fn v9_duration(&self, v9: &str, v8: &str) -> Setting {
        self.v9_setting(v9, v8).0
    }

    /// [`Self::v9_duration`] with the key that decided it: the one set, else the v9 key (the
    /// one to set, since the v8 one is deprecated in its favour).
    pub fn v9_setting(&self, v9: &str, v8: &str) -> (Setting, String) {
        let v9_key = format!("connection.{v9}");
        match self.duration(&v9_key) {
            Setting::Default => {
                let v8_key = format!("connection.{v8}");
                match self.duration(&v8_key) {
                    Setting::Default => (Setting::Default, self.key(&v9_key)),
                    set => (set, self.key(&v8_key)),
                }
            }
            set => (set, self.key(&v9_key)),
        }
    }

    /// The idle time of a 2.5.x block as the chart renders it: its `values.yaml` sets
    /// `connection.connMaxIdleTime` (`chart_default`: 5m0s for `redis`, 30m for the portal) and
    /// Helm merges that into the values, so the deprecated `idleTimeout` counts only when the
    /// values remove it (`null`) or set it to `"0"`; the key that decides it.
    pub fn chart_idle(&self, chart_default: Duration) -> (Option<Duration>, String) {
        let v9 = format!("connection.{}", IDLE.0);
        if self.get(&v9).is_none() {
            return (Some(chart_default), self.key(&v9));
        }
        match self.v9_setting(IDLE.0, IDLE.1) {
            (Setting::Set(d), key) => (Some(d), key),
            (Setting::Disabled, key) => (None, key),
            // The chart's own idleTimeout (the same default) is rendered beside it.
            (Setting::Default, key) => (Some(chart_default), key),
        }
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
            match self.v9_duration(IDLE.0, IDLE.1) {
                Setting::Set(d) => Some(d),
                Setting::Default => Some(DEFAULT_IDLE),
                Setting::Disabled => None,
            },
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
            idle_timeout_key: self.v9_setting(IDLE.0, IDLE.1).1,
            pool_size,
            max_conn_age: match self.v9_duration(LIFETIME.0, LIFETIME.1) {
                Setting::Set(d) if !d.is_zero() => Some(d),
                _ => None,
            },
            max_conn_age_key: self.v9_setting(LIFETIME.0, LIFETIME.1).1,
            db: self.get("db").and_then(Value::as_i64).unwrap_or(0),
            auth: AuthPlan {
                enabled: self.flag("auth.enabled"),
                enabled_key: self.key("auth.enabled"),
                settable: true,
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

impl TargetPlan {
    /// Sets the address dialled, and the endpoint split from it.
    pub fn set_address(&mut self, address: String) {
        self.endpoint = split_address(&address);
        self.address = address;
    }
}
