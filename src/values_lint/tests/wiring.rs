//! What the chart's templates do with the values: credentials and settings no component receives.

use super::*;

#[test]
fn credentials_the_chart_does_not_pass_warn() {
    let found = issues(
        "redis:\n  auth: {enabled: true, secretName: my-redis, usernameKey: user, passwordKey: password}\nglooPortalServer:\n  apiKeyStorage: {redis: {auth: {secretName: portal-auth}}}\n",
    );
    let got: Vec<(&str, Severity, IssueKind)> = found
        .iter()
        .map(|i| (i.key.as_str(), i.severity, i.kind))
        .collect();
    assert_eq!(
        got,
        [
            (
                "redis.auth.secretName",
                Severity::Warning,
                IssueKind::Wiring
            ),
            (
                "redis.auth.usernameKey",
                Severity::Warning,
                IssueKind::Wiring
            ),
            (
                "glooPortalServer.apiKeyStorage.redis.auth.secretName",
                Severity::Warning,
                IssueKind::Wiring
            ),
        ]
    );
    assert!(
        found[0]
            .message
            .contains("from secret redis-auth-secrets, keys username and password"),
        "{}",
        found[0].message
    );
    assert!(found[2].message.contains("portal-redis-credentials"));
}

#[test]
fn ext_auth_storage_wiring() {
    let found = issues(
        "extAuthService:\n  enabled: true\n  extAuth:\n    apiKeyStorage:\n      enabled: true\n      config: {connection: {socketType: tls}}\n      redis:\n        auth: {enabled: true}\n        certs: {enabled: true, secretName: s, caCertKey: ca.crt}\n",
    );
    let got: Vec<(&str, Severity, IssueKind)> = found
        .iter()
        .map(|i| (i.key.as_str(), i.severity, i.kind))
        .collect();
    assert_eq!(
        got,
        [
            (
                "extAuthService.extAuth.apiKeyStorage.config.connection.host",
                Severity::Error,
                IssueKind::Wiring
            ),
            (
                "extAuthService.extAuth.apiKeyStorage.redis.auth.secretName",
                Severity::Error,
                IssueKind::Wiring
            ),
            (
                "extAuthService.extAuth.apiKeyStorage.redis.certs.caCertKey",
                Severity::Error,
                IssueKind::Wiring
            ),
        ]
    );
    assert!(
        found[2]
            .message
            .contains("set extAuthService.extAuth.apiKeyStorage.redis.certs.caCert")
    );
    // `config` without `enabled: true` turns nothing on, and says so.
    let found = issues(
        "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {config: {connection: {host: 'a:1'}}}}}\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Warning);
    assert_eq!(found[0].kind, IssueKind::Wiring);
    assert!(
        found[0]
            .message
            .contains("set extAuthService.extAuth.apiKeyStorage.enabled: true")
    );
}

/// The keys of the wiring findings for `yaml`.
fn wiring(yaml: &str) -> Vec<String> {
    issues(yaml)
        .into_iter()
        .filter(|i| i.kind == IssueKind::Wiring)
        .map(|i| i.key)
        .collect()
}

#[test]
fn a_deprecated_idle_timeout_alone_warns_and_beside_its_successor_does_not() {
    let mgmt = "glooMgmtServer: {enabled: true}\nredis:\n  deployment: {enabled: false}\n  address: r:6379\n";
    assert_eq!(
        wiring(&format!("{mgmt}  connection: {{idleTimeout: 1m}}\n")),
        ["redis.connection.idleTimeout"]
    );
    // As `helm show values` writes it, both keys: the chart's own, no finding.
    assert!(
        wiring(&format!(
            "{mgmt}  connection: {{idleTimeout: 1m, connMaxIdleTime: 1m}}\n"
        ))
        .is_empty()
    );
    // No component reads the block.
    assert!(wiring("redis:\n  connection: {idleTimeout: 1m}\n").is_empty());
    let portal = "glooPortalServer:\n  enabled: true\n  apiKeyStorage:\n    redis:\n      enabled: true\n      address: r:6379\n      connection: {idleTimeout: 1m}\n";
    assert_eq!(
        wiring(portal),
        ["glooPortalServer.apiKeyStorage.redis.connection.idleTimeout"]
    );
}

#[test]
fn another_redis_with_the_built_in_one_still_deployed_warns() {
    let mgmt = "glooMgmtServer: {enabled: true}\n";
    assert_eq!(
        wiring(&format!("{mgmt}redis: {{address: other:6379}}\n")),
        ["redis.address"]
    );
    assert!(
        wiring(&format!(
            "{mgmt}redis: {{address: other:6379, deployment: {{enabled: false}}}}\n"
        ))
        .is_empty()
    );
    assert!(
        wiring(&format!(
            "{mgmt}redis: {{address: gloo-mesh-redis.gloo-mesh:6379}}\n"
        ))
        .is_empty()
    );
    assert!(wiring(&format!("{mgmt}redis: {{address: \"\"}}\n")).is_empty());
    // Without the management server the chart deploys no Redis.
    assert!(wiring("glooUi: {enabled: true}\nredis: {address: other:6379}\n").is_empty());
}

#[test]
fn the_built_in_redis_dialled_by_telemetry_alone_is_no_waste() {
    // The collector's default exporters write to gloo-mesh-redis: it is used.
    let yaml = "glooMgmtServer: {enabled: true}\ntelemetryCollector: {enabled: true}\nredis: {address: other:6379}\n";
    assert!(wiring(yaml).is_empty(), "{:?}", wiring(yaml));
}
