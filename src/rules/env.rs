//! What a rule sees of one target: the facts, reshaped into the CEL environment `target`,
//! `server`, `info`, `config`, `values`. The same structs give the JSON Schema that
//! `redis-preflight schema --facts` prints, so the documentation cannot drift from the code.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use checks::facts::{Reply, Session, TargetFacts};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// The schema identifier of the rule environment.
pub const SCHEMA: &str = "redis-preflight/facts/v1";

/// The environment of a rule's `when`, for one target. Fields are only ever added within `v1`.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "redis-preflight facts v1: what a rule's `when` sees")]
pub struct RuleEnv {
    /// The target: one Redis endpoint as a set of Gloo components dials it.
    pub target: TargetEnv,
    /// What the server said about itself (INFO, else HELLO and ROLE). A field the server did
    /// not tell is absent: reading it makes the rule `unknown`.
    pub server: ServerEnv,
    /// INFO by section, each a map of string fields: `info.memory.maxmemory_policy`. Empty when
    /// INFO was refused.
    pub info: BTreeMap<String, BTreeMap<String, String>>,
    /// CONFIG GET results by parameter name, as strings: `config["maxmemory"]`. Every parameter
    /// a loaded rule names is read; one the server refused (CONFIG blocked or renamed, as on
    /// managed services) is absent, and reading it makes the rule `unknown`.
    pub config: BTreeMap<String, String>,
    /// The merged Helm values, every credential replaced by `<redacted>`: keys named as one
    /// (`password`, `username`, `secretKey`, `token`, `apiKey`, `clientSecret`,
    /// `glooMeshLicenseKey`, `privateKey`, …; not `secretName` or `passwordKey`, which name
    /// where one is) and the userinfo of addresses.
    pub values: Value,
}

/// The target's identity and settings, from the values.
#[derive(Serialize, JsonSchema)]
pub struct TargetEnv {
    /// `snapshot`, or `<use case>/<component>` for extra endpoints.
    pub name: String,
    /// `snapshot`, `insights`, `extauth`, `ratelimiter` or `telemetry`.
    pub use_case: String,
    /// The components that dial it.
    pub components: Vec<String>,
    /// `host:port` as the values write it.
    pub address: String,
    /// The host part.
    pub host: String,
    /// The port part.
    pub port: i64,
    /// The values turn TLS on.
    pub tls: bool,
    /// The db the components select.
    pub db: i64,
    /// How the components log in.
    pub auth: AuthEnv,
}

/// How the components log in (shapes only: never a value).
#[derive(Serialize, JsonSchema)]
pub struct AuthEnv {
    /// The values turn authentication on.
    pub enabled: bool,
    /// The components log in with a username (`AUTH user pass`); without one they are the
    /// `default` user.
    pub username: bool,
}

/// What the server said about itself.
#[derive(Serialize, JsonSchema)]
pub struct ServerEnv {
    /// `redis_version` (`valkey_version` on Valkey), else HELLO's version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The version's numbers, for comparisons: `[7, 2, 4]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_parts: Option<Vec<i64>>,
    /// `master` or `slave` (ROLE, INFO, else HELLO).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `standalone`, `cluster` or `sentinel` (INFO `redis_mode`, else HELLO's mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// INFO `run_id`: the instance's identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// `redis` or `valkey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flavor: Option<String>,
    /// The server answered `PING` before any `AUTH`: anybody gets in as the `default` user.
    pub anonymous: bool,
}

/// The environment of `target` within `facts`; `None` without a Redis session.
pub fn build(target: &TargetFacts) -> Option<RuleEnv> {
    let s = target.session.ok()?;
    Some(RuleEnv {
        target: TargetEnv {
            name: target.name.clone(),
            use_case: target.use_case.clone(),
            components: target.components.clone(),
            address: target.address.clone(),
            host: target.host.clone(),
            port: i64::from(target.port),
            tls: target.tls,
            db: s.select.as_ref().map_or(0, |(db, _)| *db),
            auth: AuthEnv {
                enabled: target.auth.enabled,
                username: s.login.as_ref().is_some_and(|l| l.with_username),
            },
        },
        server: server(s),
        info: info(s),
        config: s
            .config
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.ok()?.clone())))
            .collect(),
        // The same for every target: the judge adds it once, shared (`rules::context`).
        values: Value::Null,
    })
}

fn server(s: &Session) -> ServerEnv {
    // The identity every report uses: Valkey's own version, not its frozen redis_version.
    let identity = checks::server::identify(s);
    let version = identity.version;
    let role = s.role_name();
    let flavor = (s.info.ok().is_some() || s.hello.ok().is_some())
        .then(|| identity.flavor.name().to_string());
    ServerEnv {
        version_parts: version.as_deref().and_then(|v| {
            v.split('.')
                .map(|n| n.parse::<i64>().ok())
                .collect::<Option<Vec<_>>>()
        }),
        version,
        role: role.map(str::to_string),
        mode: s
            .info_field("redis_mode")
            .or_else(|| s.hello_field("mode"))
            .map(str::to_string),
        run_id: s.info_field("run_id").map(str::to_string),
        flavor,
        anonymous: s.unauthenticated_ping == Reply::Ok,
    }
}

/// INFO's flat fields, regrouped by the sections the probe recorded.
fn info(s: &Session) -> BTreeMap<String, BTreeMap<String, String>> {
    let Some(fields) = s.info.ok() else {
        return BTreeMap::new();
    };
    s.info_sections
        .iter()
        .map(|(section, names)| {
            let fields = names
                .iter()
                .filter_map(|n| Some((n.clone(), fields.get(n)?.to_string())))
                .collect();
            (section.clone(), fields)
        })
        .collect()
}

/// The CEL value of an environment part (numbers as CEL `int` where they fit, so
/// `values.redis.db == 1` compares as written).
pub fn to_cel(value: &Value) -> cel::Value {
    // The cost estimate of a rule (`cost.rs`) counts on these bounds: a longer string, list or
    // map reaches rules cut to its first `ENV_LEN` bytes or entries.
    const MAX: usize = super::cost::ENV_LEN as usize;
    match value {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => cel::Value::Int(i),
            (None, Some(u)) => cel::Value::UInt(u),
            _ => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => cel::Value::String(Arc::new(cut(s, MAX).to_string())),
        Value::Array(items) => {
            cel::Value::List(Arc::new(items.iter().take(MAX).map(to_cel).collect()))
        }
        Value::Object(map) => {
            let map: HashMap<String, cel::Value> = map
                .iter()
                .take(MAX)
                .map(|(k, v)| (cut(k, MAX).to_string(), to_cel(v)))
                .collect();
            cel::Value::from(map)
        }
    }
}

/// The longest start of `text` of at most `max` bytes that ends on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The JSON Schema of the rule environment.
pub fn schema() -> Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(RuleEnv)).expect("a schema serialises");
    if let Some(map) = schema.as_object_mut() {
        map.insert("$id".into(), Value::String(SCHEMA.into()));
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_userinfo_never_reach_the_facts() {
        let values = serde_json::json!({
            "redis": {"address": "r:6379", "auth": {"passwordKey": "password"}},
            "telemetryGatewayCustomization": {"extraExporters": {"redisstream/x": {
                "endpoint": "redis://u:hunter2@r:6379/0", "password": "hunter2", "username": "u"}}},
            "extAuthService": {"extAuth": {"apiKeyStorage": {"secretKey": "k3y"}}},
        });
        let text = crate::scrub::values::redacted(&values).to_string();
        for secret in ["hunter2", "k3y", "\"u\""] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("\"passwordKey\":\"password\""), "{text}");
        assert!(text.contains("redis://r:6379/0"), "{text}");
    }

    #[test]
    fn info_is_regrouped_by_section() {
        let mut t = checks::testing::healthy_target("snapshot");
        let s = checks::testing::session(&mut t);
        s.info_sections = [("memory".to_string(), vec!["maxmemory_policy".to_string()])].into();
        let env = build(&t).unwrap();
        assert_eq!(env.info["memory"]["maxmemory_policy"], "noeviction");
        assert_eq!(env.server.version_parts, Some(vec![7, 2, 4]));
        assert_eq!(env.server.flavor.as_deref(), Some("redis"));
    }
}
