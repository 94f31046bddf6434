//! Keys: unknown and misspelt keys, keys one level off, older charts' keys, and the chart's own values.

use super::*;

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
fn the_charts_own_values_fed_back_are_no_error() {
    let chart = include_str!("../../../tests/fixtures/chart-2.5.8-values.yaml");
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
