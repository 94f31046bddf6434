//! What the chart's templates do with the values, beyond their types: settings the chart
//! passes nowhere or differently (a secret name no pod reads), features on without what they
//! need (an enabled store with no host), a relay ConfigMap of the user's own.

use checks::facts::{IssueKind, Severity, ValuesIssue};
use serde_json::Value;

use crate::inputs::values::Values;

/// Settings the chart's templates wire otherwise than the values suggest, and enabled features
/// that lack what they need.
pub(super) fn chart_wiring(values: &Values, issues: &mut Vec<ValuesIssue>) {
    let on = crate::plan::Enabled::read(values);
    let text = |key: &str| {
        values
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut issue = |severity, key: &str, message: String| {
        issues.push(ValuesIssue {
            severity,
            source: values.source(key),
            at: values.position(key),
            key: key.to_string(),
            kind: IssueKind::Wiring,
            message,
        })
    };
    // The management plane's REDIS_USERNAME / REDIS_PASSWORD (2.5.8).
    for (key, default, what) in [
        ("redis.auth.secretName", "redis-auth-secrets", "secret"),
        ("redis.auth.usernameKey", "username", "username key"),
        ("redis.auth.passwordKey", "password", "password key"),
    ] {
        let set = text(key);
        if !set.is_empty() && set != default {
            issue(
                Severity::Warning,
                key,
                format!(
                    "the chart passes no such {what}: the management server, UI and insights engine get REDIS_USERNAME and REDIS_PASSWORD from secret redis-auth-secrets, keys username and password, whatever {key} says (\"{set}\" is at most mounted as a file); auth.secret checks redis-auth-secrets"
                ),
            );
        }
    }
    // The portal's credentials come from portal-redis-credentials.
    for key in [
        "glooPortalServer.apiKeyStorage.redis.auth.secretName",
        "glooPortalServer.apiKeyStorage.redis.auth.usernameKey",
        "glooPortalServer.apiKeyStorage.redis.auth.passwordKey",
    ] {
        if !text(key).is_empty() {
            issue(
                Severity::Warning,
                key,
                format!(
                    "appears in no template of the chart: the portal server gets REDIS_USERNAME and REDIS_PASSWORD from secret {}, keys username and password; auth.secret checks that one",
                    crate::plan::PORTAL_CREDENTIALS
                ),
            );
        }
    }
    if on.portal
        && block_truthy(values, crate::plan::PORTAL_REDIS_ENABLED)
        && text("glooPortalServer.apiKeyStorage.redis.address").is_empty()
    {
        issue(
            Severity::Error,
            "glooPortalServer.apiKeyStorage.redis.address",
            "is empty while the portal server's API-key storage in Redis is on (apiKeyStorage.redis.enabled): the portal has no Redis to dial; set host:port".to_string(),
        );
    }
    // The deprecated idleTimeout set alone: the chart's values.yaml sets connMaxIdleTime
    // beside it, Helm merges that in, and go-redis v9 takes connMaxIdleTime.
    for (used, block, chart_default) in [
        (
            on.mgmt_server || on.ui || on.insights_engine,
            "redis",
            crate::plan::DEFAULT_IDLE,
        ),
        (
            on.portal && block_truthy(values, crate::plan::PORTAL_REDIS_ENABLED),
            "glooPortalServer.apiKeyStorage.redis",
            crate::plan::PORTAL_IDLE,
        ),
    ] {
        let old = format!("{block}.connection.idleTimeout");
        let new = format!("{block}.connection.connMaxIdleTime");
        if used && values.get(&old).is_some_and(|v| !v.is_null()) && values.get(&new).is_none() {
            issue(
                Severity::Warning,
                &old,
                format!(
                    "is deprecated and has no effect alone: the chart renders its own {new} ({}) beside it, which go-redis v9 uses; set {new} instead",
                    checks::duration::go_duration(chart_default.as_millis() as u64)
                ),
            );
        }
    }
    // The chart deploys gloo-mesh-redis while no client of the release dials it (any
    // namespace counts as a dial: the lint does not know the release's).
    if crate::plan::builtin_deployed(values, &on) {
        let ns = crate::plan::Namespaces::resolve(values, "gloo-mesh", None);
        let dialled = crate::plan::targets(values, &ns).iter().any(|plan| {
            plan.endpoint.as_ref().is_ok_and(|(host, _)| {
                host == "gloo-mesh-redis" || host.starts_with("gloo-mesh-redis.")
            })
        });
        let key = ["redis.address", "redisStore.snapshot.client.address"]
            .into_iter()
            .find(|key| !text(key).is_empty());
        if !dialled && let Some(key) = key {
            issue(
                Severity::Warning,
                key,
                "names another Redis while redis.deployment.enabled is on (the chart's default): the chart still deploys gloo-mesh-redis, which no component of the release dials; set redis.deployment.enabled: false".to_string(),
            );
        }
    }
    // A telemetry component with a relay ConfigMap of the user's own.
    for (enabled, block, config_map) in [
        (
            on.telemetry_gateway,
            "telemetryGateway",
            "gloo-telemetry-gateway-config",
        ),
        (
            on.telemetry_collector,
            "telemetryCollector",
            "gloo-telemetry-collector-config",
        ),
    ] {
        if enabled && crate::plan::telemetry::own_config_map(values, block) {
            issue(
                Severity::Warning,
                &format!("{block}.configMap.create"),
                format!(
                    "is true: the chart renders no relay config for {block}, which reads ConfigMap {config_map} of your own, so its redisstream exporters are not in the values and were not probed; judge them with --manifests (kubectl get configmap {config_map} -o yaml) or --from-cluster"
                ),
            );
        }
    }
    // Ext auth's API-key storage.
    let storage = "extAuthService.extAuth.apiKeyStorage";
    if on.ext_auth {
        let enabled = block_truthy(values, crate::plan::EXT_AUTH_STORAGE_ENABLED);
        let config = values.get(&format!("{storage}.config"));
        if !enabled && config.is_some_and(block_truthy_value) {
            issue(
                Severity::Warning,
                &format!("{storage}.config"),
                format!(
                    "is set but {storage}.enabled is not true: the chart's own enabled: false is always merged in, so the config alone turns no storage on and ext auth keeps no API keys in Redis; set {storage}.enabled: true"
                ),
            );
        }
        if enabled {
            let connection = format!("{storage}.config.connection");
            let host_key = match values.get(&connection) {
                Some(v) if block_truthy_value(v) => format!("{connection}.host"),
                _ => format!("{storage}.config.host"),
            };
            if text(&host_key).is_empty() {
                issue(
                    Severity::Error,
                    &host_key,
                    format!(
                        "is not set while ext auth's API-key storage is on ({storage}.enabled): its storage-config.yaml names no Redis host; set host:port"
                    ),
                );
            }
            if block_truthy(values, &format!("{storage}.redis.auth.enabled"))
                && text(&format!("{storage}.redis.auth.secretName")).is_empty()
            {
                issue(
                    Severity::Error,
                    &format!("{storage}.redis.auth.secretName"),
                    "is empty while redis.auth.enabled is true: ext auth's REDIS_USER and REDIS_PASSWORD would reference a secret with no name; name the secret that holds the credentials".to_string(),
                );
            }
        }
    }
    let ca_cert_key = format!("{storage}.redis.certs.caCertKey");
    if block_truthy(values, &format!("{storage}.redis.certs.enabled"))
        && text(&format!("{storage}.redis.certs.caCert")).is_empty()
        && !text(&ca_cert_key).is_empty()
    {
        issue(
            Severity::Error,
            &ca_cert_key,
            format!(
                "is not what the chart reads: ext auth's REDIS_CA_CERT is /etc/redis-certs/<certs.caCert>, so with caCert unset it names the directory and ext auth loads no CA; set {storage}.redis.certs.caCert"
            ),
        );
    }
}

fn block_truthy(values: &Values, key: &str) -> bool {
    crate::plan::truthy(values.get(key))
}

fn block_truthy_value(value: &Value) -> bool {
    crate::plan::truthy(Some(value))
}
