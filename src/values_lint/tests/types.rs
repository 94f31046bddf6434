//! Values of the wrong type, durations and addresses that do not parse, disagreeing TLS switches.

use super::*;

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
