//! The add-ons: external auth service and portal server (`extauth`), and the rate limiter.

use checks::facts::ApiKeySecret;
use serde_json::Value;

use super::block::{Block, store, truthy};
use super::*;
use crate::values_check::split_address;

const EXT_AUTH: &str = "ext-auth-service";
const PORTAL: &str = "portal-server";

fn enabled(values: &Values, key: &str) -> bool {
    truthy(values.get(key))
}

/// `extauth`: `redisStore.extAuthService.client.*` (ext auth and portal share it), else the
/// legacy `extAuthService.extAuth.apiKeyStorage` and `glooPortalServer.apiKeyStorage.redis`
/// endpoints, one per enabled component. The second string names the endpoint's exporter
/// (none here).
pub fn extauth(values: &Values, ns: &Namespaces) -> Vec<(TargetPlan, String)> {
    let ext_auth = enabled(values, "extAuthService.enabled");
    let portal = enabled(values, "glooPortalServer.enabled");
    if let Some(mut plan) = store(values, "extauth", ns) {
        plan.components = match (ext_auth, portal) {
            (true, false) => vec![EXT_AUTH.into()],
            (false, true) => vec![PORTAL.into()],
            _ => vec![EXT_AUTH.into(), PORTAL.into()],
        };
        return vec![(plan, String::new())];
    }
    let mut out = Vec::new();
    if ext_auth {
        let block = "extAuthService.extAuth.apiKeyStorage";
        out.push((
            legacy_endpoint(values, ns, block, "config.connection.host", EXT_AUTH),
            String::new(),
        ));
    }
    if portal {
        let block = "glooPortalServer.apiKeyStorage";
        out.push((
            legacy_endpoint(values, ns, block, "redis.address", PORTAL),
            String::new(),
        ));
    }
    out
}

/// A legacy add-on endpoint under `block`, dialled at `block.address_rest`. Its auth and TLS
/// keys are not published, so it is probed without either (the README says so).
fn legacy_endpoint(
    values: &Values,
    ns: &Namespaces,
    block: &str,
    address_rest: &str,
    component: &str,
) -> TargetPlan {
    let block = Block::new(values, block);
    let mut plan = block.target("extauth", &ns.addons, DEFAULT_ADDON_ADDRESS);
    plan.address = block.string(address_rest, DEFAULT_ADDON_ADDRESS);
    plan.endpoint = split_address(&plan.address);
    plan.address_key = block.key(address_rest);
    plan.builtin = plan.address == DEFAULT_ADDON_ADDRESS;
    plan.auth.enabled = false;
    plan.auth.enabled_key = format!("{} has no auth setting", block.prefix);
    plan.tls = TlsPlan {
        enabled: false,
        key: format!("{} has no TLS setting", block.prefix),
        ca: None,
        client_cert: false,
    };
    plan.components = vec![component.to_string()];
    plan
}

/// Whether the external auth service and the portal use the same API-key `secretKey`;
/// `None` unless both are enabled.
pub fn api_key_match(values: &Values) -> Option<ApiKeySecret> {
    if !(enabled(values, "extAuthService.enabled") && enabled(values, "glooPortalServer.enabled")) {
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

/// `ratelimiter`: `redisStore.rateLimiter.client.*`, else the legacy `rateLimiter.redis.*`
/// (`hostname:service.port`, `service.socket: tls`, its own secrets and key names).
pub fn ratelimiter(values: &Values, ns: &Namespaces) -> Option<TargetPlan> {
    let clustered = enabled(values, "rateLimiter.redis.clustered");
    if let Some(mut plan) = store(values, "ratelimiter", ns) {
        plan.components = vec!["rate-limiter".into()];
        plan.expect_cluster = clustered;
        return Some(plan);
    }
    if !enabled(values, "rateLimiter.enabled") {
        return None;
    }
    let block = Block::new(values, "rateLimiter.redis");
    let mut plan = block.target("ratelimiter", &ns.addons, "");
    let port = match block.get("service.port") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => "6379".into(),
    };
    plan.address = format!("{}:{port}", block.string("hostname", "redis"));
    plan.endpoint = split_address(&plan.address);
    plan.address_key = block.key("hostname");
    plan.components = vec!["rate-limiter".into()];
    plan.expect_cluster = clustered;
    plan.builtin = values
        .get("rateLimiter.redis.enabled")
        .is_none_or(|v| truthy(Some(v)));
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
