//! From merged values to targets: which Redis each Gloo use case dials, and how.

use std::time::Duration;

use serde_json::Value;

use crate::inputs::values::Values;
use crate::schema::{Setting, parse_duration, split_address};

/// The chart's default address of the built-in Redis.
pub const DEFAULT_ADDRESS: &str = "gloo-mesh-redis.gloo-mesh:6379";
/// go-redis defaults.
pub const DEFAULT_DIAL: Duration = Duration::from_secs(5);
pub const DEFAULT_READ: Duration = Duration::from_secs(3);

/// One endpoint as a set of components dials it.
#[derive(Clone, Debug)]
pub struct TargetPlan {
    pub name: String,
    pub components: Vec<String>,
    pub address: String,
    pub address_key: String,
    /// Host and port, or why the address cannot be dialled.
    pub endpoint: Result<(String, u16), String>,
    pub builtin: bool,
    pub tls: bool,
    pub expect_cluster: bool,
    pub dial_timeout: Duration,
    /// `None` when the values disable the read timeout.
    pub read_timeout: Option<Duration>,
    pub auth: AuthPlan,
}

/// Where the credentials come from.
#[derive(Clone, Debug)]
pub struct AuthPlan {
    pub enabled: bool,
    pub enabled_key: String,
    pub namespace: String,
    pub secret_name: String,
    pub username_key: String,
    pub password_key: String,
}

/// Namespaces the secrets live in.
pub struct Namespaces {
    pub management: String,
    #[expect(dead_code, reason = "the add-on targets read it")]
    pub addons: String,
}

/// The targets the values define.
pub fn targets(values: &Values, ns: &Namespaces) -> Vec<TargetPlan> {
    vec![snapshot(values, ns)]
}

/// `snapshot`: `redisStore.snapshot.client.*` when set, else the top-level `redis.*`.
fn snapshot(values: &Values, ns: &Namespaces) -> TargetPlan {
    let store = values
        .get("redisStore.snapshot")
        .is_some_and(|v| !v.is_null());
    let (prefix, deployment) = if store {
        (
            "redisStore.snapshot.client",
            "redisStore.snapshot.deployment.enabled",
        )
    } else {
        ("redis", "redis.deployment.enabled")
    };
    let block = Block { values, prefix };
    let mut plan = block.target("snapshot", &ns.management, DEFAULT_ADDRESS);
    plan.components = ["management-server", "ui", "insights-engine"]
        .map(String::from)
        .to_vec();
    plan.builtin = values
        .get(deployment)
        .and_then(Value::as_bool)
        .unwrap_or(true);
    plan
}

/// A value as the chart's templates test it: `{{ if … }}` treats any non-empty string as
/// true, so `enabled: "false"` turns the feature on (values.schema flags the quotes).
fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
        Some(Value::Null) | None => false,
    }
}

/// A values block in the shape of `redis:` (address, auth, certs, connection).
struct Block<'a> {
    values: &'a Values,
    prefix: &'a str,
}

impl Block<'_> {
    fn key(&self, rest: &str) -> String {
        format!("{}.{rest}", self.prefix)
    }

    fn get(&self, rest: &str) -> Option<&Value> {
        self.values.get(&self.key(rest))
    }

    fn string(&self, rest: &str, default: &str) -> String {
        match self.get(rest).and_then(Value::as_str) {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => default.to_string(),
        }
    }

    fn flag(&self, rest: &str) -> bool {
        truthy(self.get(rest))
    }

    /// A duration as go-redis applies it; bad values fall back to the default (values.schema says so).
    fn duration(&self, rest: &str) -> Setting {
        self.get(rest)
            .map(|v| parse_duration(v).unwrap_or(Setting::Default))
            .unwrap_or(Setting::Default)
    }

    fn target(&self, name: &str, namespace: &str, default_address: &str) -> TargetPlan {
        let address = self.string("address", default_address);
        let dial_timeout = match self.duration("connection.dialTimeout") {
            Setting::Set(d) => d,
            Setting::Default | Setting::Disabled => DEFAULT_DIAL,
        };
        let read_timeout = match self.duration("connection.readTimeout") {
            Setting::Set(d) => Some(d),
            Setting::Default => Some(DEFAULT_READ),
            Setting::Disabled => None,
        };
        TargetPlan {
            name: name.to_string(),
            components: Vec::new(),
            endpoint: split_address(&address),
            address,
            address_key: self.key("address"),
            builtin: false,
            tls: self.flag("certs.enabled")
                || self.get("socketType").and_then(Value::as_str) == Some("tls"),
            expect_cluster: false,
            dial_timeout,
            read_timeout,
            auth: AuthPlan {
                enabled: self.flag("auth.enabled"),
                enabled_key: self.key("auth.enabled"),
                namespace: namespace.to_string(),
                secret_name: self.string("auth.secretName", "redis-auth-secrets"),
                username_key: self.string("auth.usernameKey", "username"),
                password_key: self.string("auth.passwordKey", "password"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan(yaml: &str) -> Vec<TargetPlan> {
        let mut values = Values {
            root: json!({}),
            ..Default::default()
        };
        values.merge_yaml("values.yaml", yaml).unwrap();
        targets(
            &values,
            &Namespaces {
                management: "gloo-mesh".into(),
                addons: "gloo-mesh-addons".into(),
            },
        )
    }

    #[test]
    fn defaults_are_the_charts() {
        let t = &plan("{}")[0];
        assert_eq!(t.name, "snapshot");
        assert_eq!(t.address, DEFAULT_ADDRESS);
        assert!(t.builtin);
        assert!(!t.auth.enabled);
        assert_eq!(
            (t.dial_timeout, t.read_timeout),
            (DEFAULT_DIAL, Some(DEFAULT_READ))
        );
        assert_eq!(t.auth.secret_name, "redis-auth-secrets");
    }

    #[test]
    fn legacy_block() {
        let t = &plan(
            "redis:\n  address: r.example:6380\n  deployment: {enabled: false}\n  auth: {enabled: true, secretName: s, passwordKey: pw}\n  connection: {dialTimeout: 2s, readTimeout: -1}\n",
        )[0];
        assert_eq!(t.endpoint, Ok(("r.example".into(), 6380)));
        assert!(!t.builtin);
        assert_eq!(
            (t.auth.secret_name.as_str(), t.auth.password_key.as_str()),
            ("s", "pw")
        );
        assert_eq!(
            (t.dial_timeout, t.read_timeout),
            (Duration::from_secs(2), None)
        );
        assert_eq!(t.auth.enabled_key, "redis.auth.enabled");
    }

    #[test]
    fn redis_store_snapshot_wins_over_the_legacy_block() {
        let t = &plan(
            "redis: {address: old:1}\nredisStore:\n  snapshot:\n    deployment: {enabled: false}\n    client: {address: new:2, auth: {enabled: true}, certs: {enabled: true}}\n",
        )[0];
        assert_eq!(t.address, "new:2");
        assert_eq!(t.address_key, "redisStore.snapshot.client.address");
        assert!(t.tls && t.auth.enabled && !t.builtin);
    }
}
