//! The add-ons: external auth service and portal server (`extauth`), and the rate limiter.

use checks::facts::ApiKeySecret;
use serde_json::Value;

use super::block::{self, Block, store, truthy};
use super::*;

const EXT_AUTH: &str = "ext-auth-service";
const PORTAL: &str = "portal-server";

fn enabled(values: &Values, key: &str) -> bool {
    truthy(values.get(key))
}

/// `extauth`: `redisStore.extAuthService.client.*` (ext auth and portal share it), else the
/// 2.5 add-on blocks, one endpoint per component that has a Redis: ext auth with
/// `apiKeyStorage.enabled: true`, the portal with `apiKeyStorage.redis.enabled`. The second
/// string names the endpoint's exporter (none here).
pub fn extauth(values: &Values, ns: &Namespaces, on: &Enabled) -> Vec<(TargetPlan, String)> {
    let ext_auth = on.ext_auth && enabled(values, EXT_AUTH_STORAGE_ENABLED);
    let portal = on.portal && enabled(values, PORTAL_REDIS_ENABLED);
    if let Some(mut plan) = store(values, "extauth", ns) {
        // 2.6+: the reference reads both components from the one block when they run.
        plan.components = [(on.ext_auth, EXT_AUTH), (on.portal, PORTAL)]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, c)| c.to_string())
            .collect();
        if plan.components.is_empty() {
            return Vec::new();
        }
        return vec![(plan, String::new())];
    }
    let mut out = Vec::new();
    if ext_auth && redis_backend(values) {
        out.push((ext_auth_storage(values, ns), String::new()));
    }
    if portal {
        out.push((portal_redis(values, ns), String::new()));
    }
    out
}

/// `extAuthService.extAuth.apiKeyStorage.enabled`: the chart's default `false` is always merged
/// in, so `config` alone never turns the storage on.
pub const EXT_AUTH_STORAGE_ENABLED: &str = "extAuthService.extAuth.apiKeyStorage.enabled";
/// `glooPortalServer.apiKeyStorage.redis.enabled`.
pub const PORTAL_REDIS_ENABLED: &str = "glooPortalServer.apiKeyStorage.redis.enabled";
/// The secret the portal's `REDIS_USERNAME` / `REDIS_PASSWORD` come from, whatever
/// `apiKeyStorage.redis.auth.secretName` says.
pub const PORTAL_CREDENTIALS: &str = "portal-redis-credentials";

/// `APIKEY_STORAGE_BACKEND` is `apiKeyStorage.name`: `aerospike` is the one other backend ext
/// auth knows; anything else (the chart's empty default included) is read as Redis.
fn redis_backend(values: &Values) -> bool {
    let name = values
        .get("extAuthService.extAuth.apiKeyStorage.name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    !name.eq_ignore_ascii_case("aerospike")
}

/// Ext auth's API-key storage: its `storage-config.yaml` is `apiKeyStorage.config.connection`
/// when present, else `apiKeyStorage.config` itself (`host`, `db`, `socketType`);
/// `apiKeyStorage.redis.auth` gives `REDIS_USER` / `REDIS_PASSWORD` from its secret and
/// `apiKeyStorage.redis.certs` `REDIS_CA_CERT` from `certs.secretName`, key `certs.caCert`.
fn ext_auth_storage(values: &Values, ns: &Namespaces) -> TargetPlan {
    let root = "extAuthService.extAuth.apiKeyStorage";
    let connection = format!("{root}.config.connection");
    let config = match values.get(&connection) {
        Some(v) if block::truthy(Some(v)) => connection,
        _ => format!("{root}.config"),
    };
    let config = Block::new(values, &config);
    let redis = Block::new(values, &format!("{root}.redis"));
    // Only the storage config's keys and the redis block's: go-redis' defaults otherwise.
    let mut plan = Block::new(values, "extAuthService.extAuth.apiKeyStorage.config.none")
        .target("extauth", &ns.addons, "");
    let host = config.string("host", "");
    plan.set_address(qualify(&host, &ns.addons));
    plan.address_key = config.key("host");
    plan.db = config.get("db").and_then(Value::as_i64).unwrap_or(0);
    let socket_tls = config
        .get("socketType")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("tls"));
    let certs = redis.flag("certs.enabled");
    plan.tls = TlsPlan {
        enabled: socket_tls || certs,
        key: if socket_tls {
            config.key("socketType")
        } else {
            redis.key("certs.enabled")
        },
        // REDIS_CA_CERT=/etc/redis-certs/<certs.caCert>: the template reads `caCert`, not the
        // published `caCertKey` (values.schema says so when only that one is set).
        ca: certs.then(|| CaRef {
            namespace: ns.addons.clone(),
            secret: redis.string("certs.secretName", ""),
            key: redis.string("certs.caCert", ""),
        }),
        client_cert: false,
    };
    plan.auth = AuthPlan {
        enabled: redis.flag("auth.enabled"),
        enabled_key: redis.key("auth.enabled"),
        settable: true,
        source: CredentialSource::Secret {
            namespace: ns.addons.clone(),
            name: redis.string("auth.secretName", ""),
            username_key: redis.string("auth.usernameKey", "username"),
            password_key: redis.string("auth.passwordKey", "password"),
        },
    };
    plan.builtin = addons_redis_deployed(values) && dials_service(&plan, "redis", &ns.addons);
    plan.components = vec![EXT_AUTH.to_string()];
    plan
}

/// The portal's Redis (`glooPortalServer.apiKeyStorage.redis`), as `portal-redis-config` gives
/// it: address, db, `auth.enabled`, `certs` (CA from `certs.secretName`, default
/// `portal-redis-certs`, key `caCertKey`), `connection` with the chart's own defaults (30m
/// idle, 4s pool timeout); credentials from `portal-redis-credentials`.
fn portal_redis(values: &Values, ns: &Namespaces) -> TargetPlan {
    let block = Block::new(values, "glooPortalServer.apiKeyStorage.redis");
    let mut plan = block.target("extauth", &ns.addons, "");
    plan.set_address(qualify(&plan.address, &ns.addons));
    (plan.idle_timeout, plan.idle_timeout_key) = block.chart_idle(PORTAL_IDLE);
    let ca_key = block.string("certs.caCertKey", "");
    plan.tls.ca = (!ca_key.is_empty()).then(|| CaRef {
        namespace: ns.addons.clone(),
        secret: block.string("certs.secretName", "portal-redis-certs"),
        key: ca_key,
    });
    plan.auth.source = CredentialSource::Secret {
        namespace: ns.addons.clone(),
        name: PORTAL_CREDENTIALS.to_string(),
        username_key: "username".to_string(),
        password_key: "password".to_string(),
    };
    plan.builtin = false;
    plan.components = vec![PORTAL.to_string()];
    plan
}

/// The portal chart's default idle time (`connMaxIdleTime` / `idleTimeout: 30m`).
pub const PORTAL_IDLE: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Whether the external auth service and the portal use the same API-key `secretKey`;
/// `None` unless both run with their API-key storage in Redis.
pub fn api_key_match(values: &Values) -> Option<ApiKeySecret> {
    let on = Enabled::read(values);
    let store = values
        .get("redisStore.extAuthService")
        .is_some_and(|v| !v.is_null());
    let ext_auth = on.ext_auth && (store || enabled(values, EXT_AUTH_STORAGE_ENABLED));
    let portal = on.portal && (store || enabled(values, PORTAL_REDIS_ENABLED));
    if !(ext_auth && portal) {
        return None;
    }
    let get = |key: &str| {
        values
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let store = get("redisStore.extAuthService.client.secretKey");
    let ext_auth = store.or_else(|| get("extAuthService.extAuth.apiKeyStorage.secretKey"));
    let portal = get("glooPortalServer.apiKeyStorage.secretKey").or(store);
    Some(match (ext_auth, portal) {
        (Some(a), Some(b)) if a == b => ApiKeySecret::Equal,
        (Some(_), Some(_)) => ApiKeySecret::Different,
        (a, b) => ApiKeySecret::Unset {
            components: [(a, EXT_AUTH), (b, PORTAL)]
                .into_iter()
                .filter(|(v, _)| v.is_none())
                .map(|(_, c)| c.to_string())
                .collect(),
        },
    })
}

/// Whether the release runs the add-ons' own Redis (Deployment and Service `redis`, with the
/// rate limiter unless `rateLimiter.redis.enabled: false`). A client given another host
/// (`rateLimiter.redis.hostname`, ext auth's `host`) does not use it.
fn addons_redis_deployed(values: &Values) -> bool {
    enabled(values, "rateLimiter.enabled")
        && values
            .get("rateLimiter.redis.enabled")
            .is_none_or(|v| truthy(Some(v)))
}

/// `ratelimiter`: `redisStore.rateLimiter.client.*`, else the legacy `rateLimiter.redis.*`
/// (`hostname:service.port`, `service.socket: tls`, its own secrets and key names).
pub fn ratelimiter(values: &Values, ns: &Namespaces, on: &Enabled) -> Option<TargetPlan> {
    if !on.rate_limiter {
        return None;
    }
    let clustered = enabled(values, "rateLimiter.redis.clustered");
    if let Some(mut plan) = store(values, "ratelimiter", ns) {
        plan.components = vec!["rate-limiter".into()];
        plan.expect_cluster = clustered;
        return Some(plan);
    }
    let block = Block::new(values, "rateLimiter.redis");
    let mut plan = block.target("ratelimiter", &ns.addons, "");
    let port = match block.get("service.port") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => "6379".into(),
    };
    // REDIS_URL: a bare Service name resolves in the rate limiter's own namespace.
    plan.set_address(qualify(
        &format!("{}:{port}", block.string("hostname", "redis")),
        &ns.addons,
    ));
    plan.address_key = block.key("hostname");
    plan.db = block.get("service.db").and_then(Value::as_i64).unwrap_or(0);
    plan.components = vec!["rate-limiter".into()];
    plan.expect_cluster = clustered;
    plan.builtin = addons_redis_deployed(values) && dials_service(&plan, "redis", &ns.addons);
    let socket_tls = block.get("service.socket").and_then(Value::as_str) == Some("tls");
    let certs = block.flag("certs.enabled");
    plan.tls = TlsPlan {
        enabled: socket_tls || certs,
        key: if socket_tls {
            block.key("service.socket")
        } else {
            block.key("certs.enabled")
        },
        ca: certs.then(|| CaRef {
            namespace: ns.addons.clone(),
            secret: block.string("certs.secretName", "redis-certs-keys"),
            key: block.string("certs.caCert", "redis.crt"),
        }),
        client_cert: false,
    };
    plan.auth.source = CredentialSource::Secret {
        namespace: ns.addons.clone(),
        name: block.string("auth.secretName", "redis-secrets"),
        username_key: block.string("auth.usernameKey", "redis-username"),
        password_key: block.string("auth.passwordKey", "redis-password"),
    };
    Some(plan)
}
