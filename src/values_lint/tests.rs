use super::*;
use serde_json::json;

fn issues(yaml: &str) -> Vec<ValuesIssue> {
    let mut values = Values {
        root: json!({}),
        ..Default::default()
    };
    values.merge_yaml("values.yaml", yaml).unwrap();
    validate(&values)
}

#[test]
fn typos_of_an_absent_key_fail_with_a_did_you_mean() {
    let found =
        issues("redis:\n  adress: x:1\n  auth: {enable: true}\n  connection: {readTimout: 1s}\n");
    let got: Vec<(&str, Severity, IssueKind)> = found
        .iter()
        .map(|i| (i.key.as_str(), i.severity, i.kind))
        .collect();
    assert_eq!(
        got,
        [
            ("redis.adress", Severity::Error, IssueKind::UnknownKey),
            ("redis.auth.enable", Severity::Error, IssueKind::UnknownKey),
            (
                "redis.connection.readTimout",
                Severity::Error,
                IssueKind::UnknownKey
            ),
        ]
    );
    assert!(
        found[0]
            .message
            .starts_with("unknown key (did you mean `address`?): Helm drops it"),
        "{}",
        found[0].message
    );
    assert!(found[1].message.contains("`enabled`"));
    assert!(found[2].message.contains("`readTimeout`"));
    assert_eq!(found[0].source.as_deref(), Some("values.yaml"));
    assert_eq!(found[0].at, Some((2, 3)));
    assert_eq!(found[1].at, Some((3, 10)));
}

#[test]
fn other_unknown_keys_only_warn() {
    // The known key is there beside the near miss: the intended setting is not lost.
    let found = issues("redis:\n  address: x:1\n  adress: y:1\n  flavour: x\n");
    let got: Vec<(&str, Severity, IssueKind)> = found
        .iter()
        .map(|i| (i.key.as_str(), i.severity, i.kind))
        .collect();
    assert_eq!(
        got,
        [
            ("redis.adress", Severity::Warning, IssueKind::UnknownKey),
            ("redis.flavour", Severity::Warning, IssueKind::UnknownKey),
        ]
    );
    assert_eq!(found[0].message, "unknown key (did you mean `address`?)");
    assert!(found[1].message.contains("(known keys:"), "{found:?}");
}

#[test]
fn a_misspelt_redis_block_fails() {
    for (yaml, key, meant) in [
        ("reddis:\n  address: x:1\n", "reddis", "redis"),
        ("redisstore:\n  snapshot: {}\n", "redisstore", "redisStore"),
        (
            "ratelimiter:\n  enabled: true\n",
            "ratelimiter",
            "rateLimiter",
        ),
    ] {
        let found = issues(yaml);
        assert_eq!(found.len(), 1, "{yaml}: {found:?}");
        assert_eq!(found[0].key, key);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].kind, IssueKind::UnknownKey);
        assert!(
            found[0]
                .message
                .contains(&format!("did you mean `{meant}`?")),
            "{}",
            found[0].message
        );
    }
    // Other top-level keys are none of this tool's business.
    assert!(issues("glooMgmtServer: {enabled: true}\nreddis2: {}\nredis: {}\n").is_empty());
    assert!(
        issues("redis: {}\nreddis: {}\n").is_empty(),
        "redis is there beside it"
    );
}

#[test]
fn values_without_redis_settings_are_told_apart() {
    let load = |yaml: &str| {
        let mut values = Values::default();
        values.merge_yaml("values.yaml", yaml).unwrap();
        no_redis_values(&values)
    };
    assert!(load(""));
    assert!(load("glooMgmtServer: {enabled: true}\n"));
    assert!(!load("redis: {deployment: {enabled: true}}\n"));
    assert!(!load(
        "telemetryGatewayCustomization: {extraExporters: {redisstream/x: {endpoint: a:1}}}\n"
    ));
}

#[test]
fn wrong_types_durations_and_addresses_are_errors() {
    let found = issues(
        "redis:\n  address: nohost\n  db: zero\n  auth: {enabled: \"true\"}\n  connection: {dialTimeout: 5 seconds, readTimeout: -1, idleTimeout: -5s, maxConnAge: 10}\n",
    );
    let keys: Vec<(&str, &str)> = found
        .iter()
        .map(|i| (i.key.as_str(), i.message.as_str()))
        .collect();
    assert!(
        found.iter().all(|i| i.severity == Severity::Error),
        "{keys:?}"
    );
    let kinds: Vec<(&str, IssueKind)> = found.iter().map(|i| (i.key.as_str(), i.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("redis.address", IssueKind::BadAddress),
            ("redis.auth.enabled", IssueKind::WrongType),
            ("redis.connection.dialTimeout", IssueKind::BadDuration),
            ("redis.connection.idleTimeout", IssueKind::BadDuration),
            ("redis.connection.maxConnAge", IssueKind::BadDuration),
            ("redis.db", IssueKind::WrongType),
        ]
    );
    let expect = [
        ("redis.address", "\"nohost\" is not host:port (no port)"),
        ("redis.db", "\"zero\" is a string, expected a whole number"),
        (
            "redis.auth.enabled",
            "is the string \"true\", expected a boolean",
        ),
        (
            "redis.connection.dialTimeout",
            "not a Go duration (expected e.g. 5s)",
        ),
        ("redis.connection.idleTimeout", "is negative"),
        (
            "redis.connection.maxConnAge",
            "10 is not a Go duration (expected e.g. 10s)",
        ),
    ];
    for (key, fragment) in expect {
        assert!(
            keys.iter().any(|(k, m)| *k == key && m.contains(fragment)),
            "{key}: {fragment} in {keys:?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{keys:?}");
}

#[test]
fn add_on_and_telemetry_blocks_are_validated() {
    let found = issues(
        "rateLimiter:\n  redis: {hostnme: x, service: {socket: ssl}}\nglooPortalServer:\n  apiKeyStorage: {redis: {adress: a:1}}\ntelemetryGatewayCustomization:\n  extraExporters:\n    redisstream/basic: {endpoint: nohost}\n    otlp/x: {whatever: 1}\n",
    );
    let mut kinds: Vec<(&str, IssueKind)> =
        found.iter().map(|i| (i.key.as_str(), i.kind)).collect();
    kinds.sort_by_key(|(key, _)| *key);
    assert_eq!(
        kinds,
        [
            (
                "glooPortalServer.apiKeyStorage.redis.adress",
                IssueKind::UnknownKey
            ),
            ("rateLimiter.redis.hostnme", IssueKind::UnknownKey),
            ("rateLimiter.redis.service.socket", IssueKind::WrongType),
            (
                "telemetryGatewayCustomization.extraExporters.redisstream/basic.endpoint",
                IssueKind::BadAddress
            ),
        ]
    );
    let message = |key: &str| &found.iter().find(|i| i.key == key).unwrap().message;
    assert!(
        message("rateLimiter.redis.hostnme").contains("(did you mean `hostname`?): Helm drops it"),
        "{found:?}"
    );
    assert!(
        message("rateLimiter.redis.service.socket")
            .contains("\"ssl\" is not one of unix, tcp, tls"),
        "{found:?}"
    );
    assert!(
        message("glooPortalServer.apiKeyStorage.redis.adress")
            .contains("(did you mean `address`?)"),
        "{found:?}"
    );
}

#[test]
fn disagreeing_tls_switches_warn_naming_both_keys() {
    let found = issues(
        "redisStore:\n  rateLimiter:\n    client: {certs: {enabled: true}, socketType: tcp}\n",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Warning);
    assert_eq!(found[0].kind, IssueKind::Disagreement);
    assert_eq!(found[0].key, "redisStore.rateLimiter.client.socketType");
    assert!(
        found[0]
            .message
            .contains("redisStore.rateLimiter.client.certs.enabled: true")
    );
}

#[test]
fn the_charts_own_values_fed_back_are_no_error() {
    let chart = include_str!("../../tests/fixtures/chart-2.5.8-values.yaml");
    let found = issues(chart);
    assert!(found.is_empty(), "{found:?}");
    // Turned on as the chart ships them, they still fail nowhere but where a feature on
    // lacks what it needs.
    let mut values = Values::default();
    values.merge_yaml("values.yaml", chart).unwrap();
    values
        .merge_yaml(
            "on.yaml",
            "glooPortalServer: {enabled: true, apiKeyStorage: {redis: {enabled: true}}}\n",
        )
        .unwrap();
    let found = validate(&values);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].key, "glooPortalServer.apiKeyStorage.redis.address");
}

#[test]
fn go_redis_v9_keys_are_known() {
    let found = issues(
        "redis:\n  connection: {connMaxIdleTime: 4m, connMaxLifetime: 30m, maxIdleConns: 2, maxRedirects: 3, masterName: m, readOnly: false, routeByLatency: false, routeRandomly: false, contextTimeoutEnabled: true}\n",
    );
    assert!(found.is_empty(), "{found:?}");
}

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

#[test]
fn a_client_key_one_level_up_fails_naming_the_intended_key() {
    let found = issues(
        "redisStore:\n  snapshot:\n    address: r.example:6379\n    deployment: {enabled: false}\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].severity, Severity::Error);
    assert_eq!(found[0].kind, IssueKind::KeyOneLevelOff);
    assert_eq!(found[0].key, "redisStore.snapshot.address");
    assert!(
        found[0]
            .message
            .contains("did you mean `redisStore.snapshot.client.address`?"),
        "{}",
        found[0].message
    );
}

#[test]
fn older_charts_values_are_recognised_not_taken_for_typos() {
    let found = issues(
        "glooMeshMgmtServer: {enabled: true}\nglooMeshRedis: {enabled: true}\nrate-limiter: {enabled: true}\next-auth-service: {enabled: true}\n",
    );
    assert_eq!(found.len(), 4, "{found:?}");
    for i in &found {
        assert_eq!(i.severity, Severity::Warning, "{i:?}");
        // A key of an older chart, not taken for a typo.
        assert_eq!(i.kind, IssueKind::OtherChart, "{i:?}");
    }
    assert!(
        found
            .iter()
            .any(|i| i.key == "rate-limiter" && i.message.contains("gloo-mesh-agent"))
    );
    assert!(
        found
            .iter()
            .any(|i| i.key == "glooMeshMgmtServer" && i.message.contains("gloo-mesh-enterprise"))
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
