use super::*;
use checks::facts::ApiKeySecret;

fn values(yaml: &str) -> Values {
    let mut values = Values::default();
    values.merge_yaml("values.yaml", yaml).unwrap();
    values
}

fn plan(yaml: &str) -> Vec<TargetPlan> {
    targets(
        &values(yaml),
        &Namespaces {
            management: "gloo-mesh".into(),
            addons: "gloo-mesh-addons".into(),
        },
    )
}

fn names(plans: &[TargetPlan]) -> Vec<(&str, &str, Vec<&str>)> {
    plans
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.address.as_str(),
                p.components.iter().map(String::as_str).collect(),
            )
        })
        .collect()
}

fn secret_of(p: &TargetPlan) -> (String, String, String, String) {
    match &p.auth.source {
        CredentialSource::Secret {
            namespace,
            name,
            username_key,
            password_key,
        } => (
            namespace.clone(),
            name.clone(),
            username_key.clone(),
            password_key.clone(),
        ),
        other => panic!("expected a secret, got {other:?}"),
    }
}

#[test]
fn defaults_are_the_charts() {
    let t = &plan("{}")[0];
    assert_eq!(
        (t.name.as_str(), t.address.as_str()),
        ("snapshot", DEFAULT_ADDRESS)
    );
    assert!(t.builtin && !t.auth.enabled && !t.tls.enabled);
    assert_eq!(
        (t.dial_timeout, t.read_timeout),
        (DEFAULT_DIAL, Some(DEFAULT_READ))
    );
    assert_eq!(t.max_conn_age, None, "the chart leaves maxConnAge unset");
    assert_eq!(secret_of(t).1, "redis-auth-secrets");
}

#[test]
fn legacy_management_block() {
    let t = &plan(
        "redis:\n  address: r.example:6380\n  deployment: {enabled: false}\n  auth: {enabled: true, secretName: s, passwordKey: pw}\n  certs: {enabled: true, caCertKey: ca.crt}\n  connection: {dialTimeout: 2s, readTimeout: -1, idleTimeout: -1, poolSize: 20, maxConnAge: 30m}\n",
    )[0];
    assert_eq!(t.endpoint, Ok(("r.example".into(), 6380)));
    assert!(!t.builtin);
    assert_eq!(
        secret_of(t),
        (
            "gloo-mesh".into(),
            "s".into(),
            "username".into(),
            "pw".into()
        )
    );
    assert_eq!(
        (t.dial_timeout, t.read_timeout, t.idle_timeout, t.pool_size),
        (Duration::from_secs(2), None, None, 20)
    );
    assert_eq!(t.max_conn_age, Some(Duration::from_secs(1800)));
    assert_eq!(
        t.tls.ca,
        Some(CaRef {
            namespace: "gloo-mesh".into(),
            secret: "redis-certs".into(),
            key: "ca.crt".into()
        })
    );
}

#[test]
fn a_quoted_false_is_true_as_the_templates_read_it() {
    assert!(plan("redis: {auth: {enabled: \"false\"}}")[0].auth.enabled);
}

#[test]
fn legacy_addons_each_dial_their_own_endpoint() {
    let plans = plan(
        "extAuthService:\n  enabled: true\n  extAuth: {apiKeyStorage: {config: {connection: {host: a.example:6379}}, secretKey: k}}\nglooPortalServer:\n  enabled: true\n  apiKeyStorage: {redis: {enabled: true, address: b.example:6379}, secretKey: k}\nrateLimiter:\n  enabled: true\n  redis: {enabled: false, hostname: rl.example, service: {port: 6380, socket: tls}, clustered: true, auth: {enabled: true}, certs: {enabled: true}}\n",
    );
    assert_eq!(
        names(&plans),
        vec![
            (
                "snapshot",
                DEFAULT_ADDRESS,
                vec!["management-server", "ui", "insights-engine"]
            ),
            ("extauth", "a.example:6379", vec!["ext-auth-service"]),
            ("extauth/portal", "b.example:6379", vec!["portal-server"]),
            ("ratelimiter", "rl.example:6380", vec!["rate-limiter"]),
        ]
    );
    let rl = &plans[3];
    assert!(rl.tls.enabled && rl.expect_cluster && !rl.builtin && rl.auth.enabled);
    assert_eq!(
        secret_of(rl),
        (
            "gloo-mesh-addons".into(),
            "redis-secrets".into(),
            "redis-username".into(),
            "redis-password".into()
        )
    );
    assert_eq!(rl.tls.ca.as_ref().unwrap().secret, "redis-certs-keys");
    assert_eq!(rl.tls.ca.as_ref().unwrap().key, "redis.crt");
}

#[test]
fn ext_auth_and_portal_on_one_address_are_one_target() {
    let plans = plan(
        "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {config: {connection: {host: a:1}}}}}\nglooPortalServer: {enabled: true, apiKeyStorage: {redis: {address: a:1}}}\n",
    );
    assert_eq!(
        names(&plans)[1],
        ("extauth", "a:1", vec!["ext-auth-service", "portal-server"])
    );
    assert_eq!(plans.len(), 2);
}

#[test]
fn solo_26_values_mix_redis_store_and_legacy_keys() {
    let yaml = "\
redis: {deployment: {enabled: false}}
redisStore:
  snapshot: {deployment: {enabled: false}, client: {address: 'r:6379', auth: {enabled: true}, certs: {enabled: true, caCertKey: ca.crt}}}
  insights: {deployment: {enabled: false}, client: {address: 'r:6379', auth: {enabled: true}}}
  extAuthService: {deployment: {enabled: false}, client: {address: 'a:6379', secretKey: k, socketType: tls, auth: {enabled: true}}}
  rateLimiter: {deployment: {enabled: false}, client: {address: 'a:6379', socketType: tls}}
extAuthService: {enabled: true}
glooPortalServer: {enabled: true}
rateLimiter: {enabled: true, redis: {enabled: false}}
";
    let plans = plan(yaml);
    assert_eq!(
        names(&plans),
        vec![
            (
                "snapshot",
                "r:6379",
                vec!["management-server", "ui", "insights-engine"]
            ),
            ("insights", "r:6379", vec!["insights-engine", "ui"]),
            (
                "extauth",
                "a:6379",
                vec!["ext-auth-service", "portal-server"]
            ),
            ("ratelimiter", "a:6379", vec!["rate-limiter"]),
        ]
    );
    assert!(plans.iter().all(|p| !p.builtin));
    assert_eq!(secret_of(&plans[2]).0, "gloo-mesh-addons");
    assert!(plans[2].tls.enabled && plans[2].tls.ca.is_none());
    assert_eq!(api_key_match(&values(yaml)), Some(ApiKeySecret::Equal));
}

#[test]
fn api_keys_compare_in_memory() {
    let differ = "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {secretKey: a}}}\nglooPortalServer: {enabled: true, apiKeyStorage: {secretKey: b}}\n";
    assert_eq!(
        api_key_match(&values(differ)),
        Some(ApiKeySecret::Different)
    );
    let unset = "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {secretKey: a}}}\nglooPortalServer: {enabled: true}\n";
    assert_eq!(
        api_key_match(&values(unset)),
        Some(ApiKeySecret::Unset {
            components: vec!["portal-server".into()]
        })
    );
    assert_eq!(
        api_key_match(&values("extAuthService: {enabled: true}")),
        None
    );
}

#[test]
fn telemetry_exporters_merge_per_endpoint_and_name_the_rest() {
    let yaml = "\
telemetryGatewayCustomization:
  extraExporters:
    redisstream/basic: {endpoint: 'r:6379', username: u, password: p, tls: {ca_file: /etc/otel-certs/ca-redis.crt}}
    redisstream/ui: {endpoint: 'r:6379', username: u, password: p, tls: {ca_file: /etc/otel-certs/ca-redis.crt}}
    otlp/other: {endpoint: 'x:4317'}
telemetryCollectorCustomization:
  extraExporters:
    redisstream/basic: {endpoint: 'r:6379', username: u, password: p, tls: {ca_file: /etc/otel-certs/ca-redis.crt}}
    redisstream/hubble: {endpoint: 'other:6379'}
    redisstream/ui: {endpoint: 'third:6379'}
";
    let plans = plan(yaml);
    let got: Vec<_> = names(&plans)[1..].to_vec();
    assert_eq!(
        got,
        vec![
            ("telemetry", "r:6379", vec!["telemetry-gateway"]),
            (
                "telemetry/collector/redisstream/basic",
                "r:6379",
                vec!["telemetry-collector"]
            ),
            (
                "telemetry/collector/redisstream/hubble",
                "other:6379",
                vec!["telemetry-collector"]
            ),
            (
                "telemetry/collector/redisstream/ui",
                "third:6379",
                vec!["telemetry-collector"]
            ),
        ]
    );
    let t = &plans[1];
    assert!(t.tls.enabled && t.auth.enabled);
    assert_eq!(
        t.tls.ca.as_ref().unwrap().secret,
        "gloo-telemetry-gateway-ca-certs"
    );
    assert!(!plans[3].tls.enabled && !plans[3].auth.enabled);
}

#[test]
fn an_address_with_userinfo_is_shown_without_it_and_not_dialled() {
    for written in [
        "redis://admin:hunter22@redis.example:6379",
        "admin:hunter22@redis.example:6379",
    ] {
        let plans = plan(&format!("redis:\n  address: {written}\n"));
        let p = &plans[0];
        assert!(!p.address.contains("hunter22"), "{}", p.address);
        assert!(p.address.ends_with("redis.example:6379"), "{}", p.address);
        let error = p.endpoint.clone().unwrap_err();
        assert!(
            !error.contains("hunter22") && !error.contains("admin"),
            "{error}"
        );
        assert!(error.contains("carries credentials"), "{error}");
    }
}
