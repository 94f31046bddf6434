use super::*;
use checks::facts::ApiKeySecret;
use std::time::Duration;

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

/// The management server on: every management-plane test starts from it.
const MGMT: &str = "glooMgmtServer: {enabled: true}\n";

#[test]
fn defaults_are_the_charts() {
    let t = &plan(MGMT)[0];
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
    assert_eq!(t.components, ["management-server"]);
}

#[test]
fn every_component_is_off_by_default() {
    // A workload agent, an add-ons release with nothing on, a gateway-only release without
    // its pipelines: no Redis client, no phantom gloo-mesh-redis target.
    for yaml in [
        "",
        "glooAgent: {enabled: true}\nredis: {address: r.example:6379}\n",
        "extAuthService: {enabled: true}\nrateLimiter: {enabled: false}\n",
        "telemetryGateway: {enabled: true}\ntelemetryGatewayCustomization: {pipelines: {logs/redis_stream_basic: {enabled: false}, logs/redis_stream_ui: {enabled: false}}}\n",
        "glooInsightsEngine: {enabled: true}\n",
    ] {
        let v = values(yaml);
        let plans = plan(yaml);
        assert!(plans.is_empty(), "{yaml}: {:?}", names(&plans));
        assert!(no_client_reason(&v, &plans).is_some(), "{yaml}");
    }
    let v = values("glooAgent: {enabled: true}\n");
    assert!(
        no_client_reason(&v, &[])
            .unwrap()
            .contains("enables no Gloo component that uses Redis")
    );
    let v = values("extAuthService: {enabled: true}\n");
    assert!(
        no_client_reason(&v, &[])
            .unwrap()
            .contains("(ext-auth-service, as configured)")
    );
}

#[test]
fn the_snapshot_target_lists_only_the_components_the_release_runs() {
    let ui = plan("glooUi: {enabled: true}\n");
    assert_eq!(names(&ui), vec![("snapshot", DEFAULT_ADDRESS, vec!["ui"])]);
    assert!(
        !ui[0].builtin,
        "gloo-mesh-redis exists only with the management server"
    );
    let all = plan(
        "glooMgmtServer: {enabled: true}\nglooUi: {enabled: true}\nglooInsightsEngine: {enabled: true}\n",
    );
    assert_eq!(
        all[0].components,
        ["management-server", "ui", "insights-engine"]
    );
    // Its own Deployment: the insights engine runs without the management server.
    let own = plan("glooInsightsEngine: {enabled: true, runAsSidecar: false}\n");
    assert_eq!(own[0].components, ["insights-engine"]);
}

#[test]
fn an_empty_address_is_the_built_in_service_of_the_release_namespace() {
    let ns = Namespaces {
        management: "platform".into(),
        addons: "platform".into(),
    };
    let p = targets(
        &values("glooMgmtServer: {enabled: true}\nredis: {address: ''}\n"),
        &ns,
    );
    assert_eq!(p[0].address, "gloo-mesh-redis.platform:6379");
    let p = targets(
        &values(
            "glooMgmtServer: {enabled: true}\nredis: {address: '', deployment: {addr: 'r.example:6380'}}\n",
        ),
        &ns,
    );
    assert_eq!(p[0].address, "r.example:6380");
    // The chart's default is the literal gloo-mesh-redis.gloo-mesh:6379, whatever the namespace.
    let p = targets(&values(MGMT), &ns);
    assert_eq!(p[0].address, DEFAULT_ADDRESS);
}

#[test]
fn legacy_management_block() {
    let t = &plan(
        "glooMgmtServer: {enabled: true}\nredis:\n  address: r.example:6380\n  deployment: {enabled: false}\n  auth: {enabled: true, secretName: s, passwordKey: pw}\n  certs: {enabled: true, caCertKey: ca.crt}\n  connection: {dialTimeout: 2s, readTimeout: -1, idleTimeout: -1, poolSize: 20, maxConnAge: 30m}\n",
    )[0];
    assert_eq!(t.endpoint, Ok(("r.example".into(), 6380)));
    assert!(!t.builtin);
    // 2.5.8: REDIS_USERNAME / REDIS_PASSWORD from redis-auth-secrets, whatever the values say.
    assert_eq!(
        secret_of(t),
        (
            "gloo-mesh".into(),
            "redis-auth-secrets".into(),
            "username".into(),
            "password".into()
        )
    );
    // idleTimeout: -1 beside the chart's own connMaxIdleTime: 5m0s, which wins.
    assert_eq!(
        (t.dial_timeout, t.read_timeout, t.idle_timeout, t.pool_size),
        (Duration::from_secs(2), None, Some(DEFAULT_IDLE), 20)
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
fn go_redis_v9_keys_win_over_the_deprecated_ones() {
    let t = &plan(
        "glooMgmtServer: {enabled: true}\nredis:\n  connection: {idleTimeout: 5m, connMaxIdleTime: 90s, maxConnAge: 1h, connMaxLifetime: 10m}\n",
    )[0];
    assert_eq!(t.idle_timeout, Some(Duration::from_secs(90)));
    assert_eq!(t.max_conn_age, Some(Duration::from_secs(600)));
    assert_eq!(t.idle_timeout_key, "redis.connection.connMaxIdleTime");
    assert_eq!(t.max_conn_age_key, "redis.connection.connMaxLifetime");
    // The chart's own "0" leaves the v8 key in force, and it is the key named.
    let t = &plan(
        "glooMgmtServer: {enabled: true}\nredis:\n  connection: {connMaxLifetime: '0', maxConnAge: 30m, idleTimeout: 4m}\n",
    )[0];
    assert_eq!(t.max_conn_age, Some(Duration::from_secs(1800)));
    assert_eq!(t.max_conn_age_key, "redis.connection.maxConnAge");
    // The chart's connMaxIdleTime (5m0s) is no "0": idleTimeout beside it is not used.
    assert_eq!(t.idle_timeout_key, "redis.connection.connMaxIdleTime");
    assert_eq!(t.idle_timeout, Some(DEFAULT_IDLE));
    // Neither set: the key to set is the v9 one.
    let t = &plan("glooMgmtServer: {enabled: true}\n")[0];
    assert_eq!(t.max_conn_age_key, "redis.connection.connMaxLifetime");
}

#[test]
fn a_quoted_false_is_true_as_the_templates_read_it() {
    assert!(
        plan("glooMgmtServer: {enabled: true}\nredis: {auth: {enabled: \"false\"}}")[0]
            .auth
            .enabled
    );
    assert!(
        !plan("glooMgmtServer: {enabled: \"\"}")
            .iter()
            .any(|p| p.use_case == "snapshot")
    );
}

#[test]
fn add_ons_each_dial_their_own_endpoint() {
    let plans = plan(
        "extAuthService:\n  enabled: true\n  extAuth: {apiKeyStorage: {enabled: true, config: {connection: {host: a.example:6379, db: 3}}, secretKey: k}}\nglooPortalServer:\n  enabled: true\n  apiKeyStorage: {redis: {enabled: true, address: b.example:6379}, secretKey: k}\nrateLimiter:\n  enabled: true\n  redis: {enabled: false, hostname: rl.example, service: {port: 6380, socket: tls, db: 2}, clustered: true, auth: {enabled: true}, certs: {enabled: true}}\n",
    );
    assert_eq!(
        names(&plans),
        vec![
            ("extauth", "a.example:6379", vec!["ext-auth-service"]),
            ("extauth/portal", "b.example:6379", vec!["portal-server"]),
            ("ratelimiter", "rl.example:6380", vec!["rate-limiter"]),
        ]
    );
    assert_eq!(plans[0].db, 3);
    let rl = &plans[2];
    assert!(rl.tls.enabled && rl.expect_cluster && !rl.builtin && rl.auth.enabled);
    assert_eq!(rl.db, 2, "REDIS_DB is rateLimiter.redis.service.db");
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
fn ext_auth_has_a_redis_only_with_its_storage_on() {
    // The chart's `enabled: false` is always merged in: `config` alone turns nothing on.
    let off = plan(
        "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {config: {connection: {host: 'a:1'}}}}}\n",
    );
    assert!(off.is_empty(), "{:?}", names(&off));
    // Aerospike is not Redis.
    let aero = plan(
        "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {enabled: true, name: aerospike, config: {host: 'a:1'}}}}\n",
    );
    assert!(aero.is_empty());
    // The storage config is `config` itself when it has no `connection`.
    let flat = plan(
        "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {enabled: true, name: redis, config: {host: 'a.example:1', socketType: tls, db: 4}}}}\n",
    );
    assert_eq!(
        names(&flat),
        vec![("extauth", "a.example:1", vec!["ext-auth-service"])]
    );
    assert!(flat[0].tls.enabled && flat[0].tls.ca.is_none() && !flat[0].auth.enabled);
    assert_eq!(
        flat[0].address_key,
        "extAuthService.extAuth.apiKeyStorage.config.host"
    );
    assert_eq!(flat[0].db, 4);
}

#[test]
fn ext_auth_add_on_block_gives_credentials_and_ca() {
    // chart-2.5.8-rendered.md, s09: REDIS_USER / REDIS_PASSWORD from redis-auth keys user/pass,
    // REDIS_CA_CERT from redis-tls (the template reads certs.caCert).
    let p = &plan(
        "extAuthService:\n  enabled: true\n  extAuth:\n    apiKeyStorage:\n      enabled: true\n      name: redis\n      config:\n        connection: {host: 'redis-ext.redis-ns:6379', socketType: tls}\n      redis:\n        auth: {enabled: true, secretName: redis-auth, usernameKey: user, passwordKey: pass}\n        certs: {enabled: true, secretName: redis-tls, caCert: ca.crt}\n",
    )[0];
    assert!(p.tls.enabled && p.auth.enabled);
    assert_eq!(
        secret_of(p),
        (
            "gloo-mesh-addons".into(),
            "redis-auth".into(),
            "user".into(),
            "pass".into()
        )
    );
    assert_eq!(
        p.tls.ca,
        Some(CaRef {
            namespace: "gloo-mesh-addons".into(),
            secret: "redis-tls".into(),
            key: "ca.crt".into()
        })
    );
}

#[test]
fn the_portal_reads_its_own_config_and_credentials() {
    // chart-2.5.8-rendered.md, s12.
    let p = &plan(
        "glooPortalServer:\n  enabled: true\n  apiKeyStorage:\n    redis:\n      enabled: true\n      address: 'redis-ext.redis-ns:6380'\n      db: 2\n      auth: {enabled: true, secretName: portal-auth, usernameKey: user, passwordKey: pass}\n      certs: {enabled: true, secretName: portal-tls, caCertKey: ca.crt}\n      connection: {dialTimeout: 2s, readTimeout: 1s, connMaxIdleTime: 4m}\n",
    )[0];
    assert_eq!(
        (p.name.as_str(), p.address.as_str(), p.db),
        ("extauth", "redis-ext.redis-ns:6380", 2)
    );
    assert_eq!(p.components, ["portal-server"]);
    assert!(p.tls.enabled && p.auth.enabled);
    assert_eq!(
        secret_of(p),
        (
            "gloo-mesh-addons".into(),
            "portal-redis-credentials".into(),
            "username".into(),
            "password".into()
        )
    );
    assert_eq!(p.tls.ca.as_ref().unwrap().secret, "portal-tls");
    assert_eq!(
        (p.dial_timeout, p.read_timeout, p.idle_timeout),
        (
            Duration::from_secs(2),
            Some(Duration::from_secs(1)),
            Some(Duration::from_secs(240))
        )
    );
    // The chart's portal defaults: 30m idle, not go-redis' 5m; CA secret portal-redis-certs.
    let d = &plan(
        "glooPortalServer: {enabled: true, apiKeyStorage: {redis: {enabled: true, address: 'r.example:1', certs: {enabled: true, caCertKey: ca.crt}}}}\n",
    )[0];
    assert_eq!(d.idle_timeout, Some(Duration::from_secs(1800)));
    assert_eq!(d.tls.ca.as_ref().unwrap().secret, "portal-redis-certs");
    // Without apiKeyStorage.redis.enabled the portal has no Redis.
    assert!(
        plan(
            "glooPortalServer: {enabled: true, apiKeyStorage: {redis: {address: 'r.example:1'}}}\n"
        )
        .is_empty()
    );
}

#[test]
fn bare_service_names_resolve_in_the_dialling_pods_namespace() {
    // chart-2.5.8-rendered.md, s25: add-ons in common.addonNamespace.
    let v = values(
        "common: {addonNamespace: gloo-mesh-addons}\nextAuthService: {enabled: true, extAuth: {apiKeyStorage: {enabled: true, name: redis, config: {connection: {host: 'redis:6379'}}}}}\nrateLimiter: {enabled: true}\n",
    );
    let ns = Namespaces::resolve(&v, "gloo-mesh", None);
    assert_eq!(ns.addons, "gloo-mesh-addons");
    let plans = targets(&v, &ns);
    assert_eq!(
        names(&plans),
        vec![
            (
                "extauth",
                "redis.gloo-mesh-addons:6379",
                vec!["ext-auth-service"]
            ),
            (
                "ratelimiter",
                "redis.gloo-mesh-addons:6379",
                vec!["rate-limiter"]
            ),
        ]
    );
    assert!(plans[1].builtin && plans[0].builtin);
    // No common.addonNamespace: the release namespace; the flag wins over both.
    let v = values("rateLimiter: {enabled: true}\n");
    let ns = Namespaces::resolve(&v, "gloo-mesh", None);
    assert_eq!(targets(&v, &ns)[0].address, "redis.gloo-mesh:6379");
    let ns = Namespaces::resolve(&v, "gloo-mesh", Some("addons"));
    assert_eq!(targets(&v, &ns)[0].address, "redis.addons:6379");
    // A management address that is a bare name, an IP or localhost.
    assert_eq!(qualify("r:6379", "ns"), "r.ns:6379");
    assert_eq!(qualify("127.0.0.1:6379", "ns"), "127.0.0.1:6379");
    assert_eq!(qualify("[::1]:6379", "ns"), "[::1]:6379");
    assert_eq!(qualify("localhost:6379", "ns"), "localhost:6379");
    assert_eq!(qualify("r.example:6379", "ns"), "r.example:6379");
}

#[test]
fn ext_auth_and_portal_on_one_address_are_one_target() {
    let plans = plan(
        "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {enabled: true, config: {connection: {host: 'a.example:1'}}}}}\nglooPortalServer: {enabled: true, apiKeyStorage: {redis: {enabled: true, address: 'a.example:1'}}}\n",
    );
    // Both without credentials: one endpoint dialled one way.
    assert_eq!(
        names(&plans)[0],
        (
            "extauth",
            "a.example:1",
            vec!["ext-auth-service", "portal-server"]
        )
    );
    assert_eq!(plans.len(), 1);
}

#[test]
fn solo_26_values_mix_redis_store_and_legacy_keys() {
    let yaml = "\
glooMgmtServer: {enabled: true}
glooUi: {enabled: true}
glooInsightsEngine: {enabled: true}
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
                "r.gloo-mesh:6379",
                vec!["management-server", "ui", "insights-engine"]
            ),
            (
                "insights",
                "r.gloo-mesh:6379",
                vec!["insights-engine", "ui"]
            ),
            (
                "extauth",
                "a.gloo-mesh-addons:6379",
                vec!["ext-auth-service", "portal-server"]
            ),
            (
                "ratelimiter",
                "a.gloo-mesh-addons:6379",
                vec!["rate-limiter"]
            ),
        ]
    );
    assert!(plans.iter().all(|p| !p.builtin));
    assert_eq!(secret_of(&plans[2]).0, "gloo-mesh-addons");
    assert!(plans[2].tls.enabled && plans[2].tls.ca.is_none());
    assert_eq!(api_key_match(&values(yaml)), Some(ApiKeySecret::Equal));
}

#[test]
fn api_keys_compare_in_memory() {
    let on = "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {enabled: true, secretKey: a}}}\nglooPortalServer: {enabled: true, apiKeyStorage: {redis: {enabled: true}";
    let differ = format!("{on}, secretKey: b}}}}\n");
    assert_eq!(
        api_key_match(&values(&differ)),
        Some(ApiKeySecret::Different)
    );
    let unset = format!("{on}}}}}\n");
    assert_eq!(
        api_key_match(&values(&unset)),
        Some(ApiKeySecret::Unset {
            components: vec!["portal-server".into()]
        })
    );
    assert_eq!(
        api_key_match(&values("extAuthService: {enabled: true}")),
        None
    );
    // The portal without its Redis shares nothing.
    assert_eq!(
        api_key_match(&values(
            "extAuthService: {enabled: true, extAuth: {apiKeyStorage: {enabled: true, secretKey: a}}}\nglooPortalServer: {enabled: true, apiKeyStorage: {secretKey: b}}\n"
        )),
        None
    );
}

#[test]
fn the_charts_default_exporters_belong_to_the_gateway() {
    let plans = plan("telemetryGateway: {enabled: true}\n");
    assert_eq!(
        names(&plans),
        vec![(
            "telemetry",
            telemetry::DEFAULT_ENDPOINT,
            vec!["telemetry-gateway"]
        )]
    );
    // The collector uses them only beside the management server (else otlp).
    assert!(plan("telemetryCollector: {enabled: true}\n").is_empty());
    // A relay ConfigMap of the user's own (configMap.create): the values show no exporter.
    assert!(plan("telemetryGateway: {enabled: true, configMap: {create: true}}\n").is_empty());
    let mgmt = plan("glooMgmtServer: {enabled: true}\ntelemetryCollector: {enabled: true}\n");
    assert_eq!(
        names(&mgmt)[1],
        (
            "telemetry",
            telemetry::DEFAULT_ENDPOINT,
            vec!["telemetry-collector"]
        )
    );
    // Exporters no enabled pipeline names are no clients; the values merge over the defaults.
    let some = plan(
        "telemetryGateway: {enabled: true}\ntelemetryGatewayCustomization:\n  pipelines: {logs/redis_stream_ui: {enabled: false}}\n  extraExporters:\n    redisstream/basic: {endpoint: 'r.example:6379'}\n    redisstream/unused: {endpoint: 'u.example:6379'}\n",
    );
    assert_eq!(
        names(&some),
        vec![("telemetry", "r.example:6379", vec!["telemetry-gateway"])]
    );
}

#[test]
fn telemetry_exporters_merge_per_endpoint_and_name_the_rest() {
    let yaml = "\
glooMgmtServer: {enabled: true}
telemetryGateway: {enabled: true}
telemetryCollector: {enabled: true}
telemetryGatewayCustomization:
  extraExporters:
    redisstream/basic: {endpoint: 'r.example:6379', username: u, password: p, tls: {ca_file: /etc/otel-certs/ca-redis.crt}}
    redisstream/ui: {endpoint: 'r.example:6379', username: u, password: p, tls: {ca_file: /etc/otel-certs/ca-redis.crt}}
    otlp/other: {endpoint: 'x:4317'}
telemetryCollectorCustomization:
  extraExporters:
    redisstream/basic: {endpoint: 'r.example:6379', username: u, password: p, tls: {ca_file: /etc/otel-certs/ca-redis.crt}}
    redisstream/hubble: {endpoint: 'other.example:6379'}
    redisstream/ui: {endpoint: 'third.example:6379'}
  extraPipelines:
    logs/hubble: {receivers: [otlp], exporters: [redisstream/hubble]}
";
    let plans = plan(yaml);
    let got: Vec<_> = names(&plans)[1..].to_vec();
    assert_eq!(
        got,
        vec![
            ("telemetry", "r.example:6379", vec!["telemetry-gateway"]),
            (
                "telemetry/collector/redisstream/basic",
                "r.example:6379",
                vec!["telemetry-collector"]
            ),
            (
                "telemetry/collector/redisstream/ui",
                "third.example:6379",
                vec!["telemetry-collector"]
            ),
            (
                "telemetry/collector/redisstream/hubble",
                "other.example:6379",
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
fn the_uis_oidc_session_store_is_a_target() {
    let yaml = "glooUi:\n  enabled: true\n  auth:\n    enabled: true\n    backend: oidc\n    oidc:\n      session: {backend: redis, redis: {host: 'sessions.example:6379'}}\n";
    let plans = plan(yaml);
    assert_eq!(
        names(&plans),
        vec![
            ("snapshot", DEFAULT_ADDRESS, vec!["ui"]),
            ("sessions", "sessions.example:6379", vec!["ui"]),
        ]
    );
    assert_eq!(plans[1].address_key, "glooUi.auth.oidc.session.redis.host");
    // A cookie store is no Redis client.
    assert_eq!(
        plan(&yaml.replace("backend: redis", "backend: cookie")).len(),
        1
    );
}

#[test]
fn an_address_with_userinfo_is_shown_without_it_and_not_dialled() {
    for written in [
        "redis://admin:hunter22@redis.example:6379",
        "admin:hunter22@redis.example:6379",
    ] {
        let plans = plan(&format!("{MGMT}redis:\n  address: {written}\n"));
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

#[test]
fn a_target_is_the_built_in_redis_only_when_its_client_dials_the_charts_service() {
    // redis.address of another Redis while the chart still deploys gloo-mesh-redis
    // (deployment.enabled defaults to true): the management server dials the other one.
    let t = &plan("glooMgmtServer: {enabled: true}\nredis: {address: '127.0.0.1:6390'}\n")[0];
    assert!(!t.builtin, "{t:?}");
    for address in [
        "gloo-mesh-redis.gloo-mesh:6379",
        "gloo-mesh-redis.gloo-mesh.svc:6379",
        "gloo-mesh-redis.gloo-mesh.svc.cluster.local:6379",
    ] {
        let t = &plan(&format!("{MGMT}redis: {{address: '{address}'}}\n"))[0];
        assert!(t.builtin, "{address}");
    }
    let t = &plan(&format!(
        "{MGMT}redis: {{deployment: {{enabled: false}}}}\n"
    ))[0];
    assert!(!t.builtin, "not deployed");
    // The built-in of another release namespace is its own.
    let v =
        values("glooMgmtServer: {enabled: true}\nredis: {address: 'gloo-mesh-redis.poc:6390'}\n");
    assert!(targets(&v, &Namespaces::resolve(&v, "poc", None))[0].builtin);
    assert!(!targets(&v, &Namespaces::resolve(&v, "gloo-mesh", None))[0].builtin);

    // The rate limiter's own Redis is deployed with it; a hostname of another Redis is not it.
    let rl = |yaml: &str| {
        plan(yaml)
            .into_iter()
            .find(|p| p.use_case == "ratelimiter")
            .unwrap()
    };
    assert!(rl("rateLimiter: {enabled: true}\n").builtin);
    assert!(!rl("rateLimiter: {enabled: true, redis: {hostname: other-redis}}\n").builtin);
    assert!(!rl("rateLimiter: {enabled: true, redis: {enabled: false}}\n").builtin);
    let ext_auth = |host: &str| {
        plan(&format!("rateLimiter: {{enabled: true}}\nextAuthService: {{enabled: true, extAuth: {{apiKeyStorage: {{enabled: true, config: {{host: '{host}'}}}}}}}}\n"))
            .into_iter()
            .find(|p| p.components == ["ext-auth-service"])
            .unwrap()
            .builtin
    };
    assert!(ext_auth("redis:6379") && ext_auth("redis.gloo-mesh-addons.svc.cluster.local:6379"));
    assert!(!ext_auth("other-redis:6379"));

    // The telemetry exporters' chart default endpoint is the built-in Redis when the release
    // runs it (management server, deployment.enabled).
    let exporters = |yaml: &str| -> Vec<bool> {
        plan(yaml)
            .iter()
            .filter(|p| p.use_case == "telemetry")
            .map(|p| p.builtin)
            .collect()
    };
    assert_eq!(
        exporters(&format!("{MGMT}telemetryGateway: {{enabled: true}}\n")),
        [true]
    );
    assert_eq!(
        exporters(&format!(
            "{MGMT}telemetryGateway: {{enabled: true}}\nredis: {{deployment: {{enabled: false}}}}\n"
        )),
        [false]
    );
    assert_eq!(exporters("telemetryGateway: {enabled: true}\n"), [false]);
}

#[test]
fn the_charts_own_conn_max_idle_time_wins_over_a_deprecated_idle_timeout() {
    // 2.5.8's values.yaml sets redis.connection.connMaxIdleTime: 5m0s, and Helm merges it in:
    // redis-client-config then holds it beside the values' idleTimeout, and it wins.
    let idle = |yaml: &str| {
        let t = plan(&format!("{MGMT}redis:\n  connection: {yaml}\n")).remove(0);
        (t.idle_timeout, t.idle_timeout_key)
    };
    let v9 = "redis.connection.connMaxIdleTime".to_string();
    let v8 = "redis.connection.idleTimeout".to_string();
    assert_eq!(idle("{idleTimeout: 1m}"), (Some(DEFAULT_IDLE), v9.clone()));
    assert_eq!(idle("{idleTimeout: -1}"), (Some(DEFAULT_IDLE), v9.clone()));
    assert_eq!(
        idle("{idleTimeout: 1m, connMaxIdleTime: 2m}"),
        (Some(Duration::from_secs(120)), v9.clone())
    );
    // Removed (null, as Helm drops it) or "0": the deprecated key is what the client gets.
    assert_eq!(
        idle("{idleTimeout: 1m, connMaxIdleTime: null}"),
        (Some(Duration::from_secs(60)), v8.clone())
    );
    assert_eq!(
        idle("{idleTimeout: 1m, connMaxIdleTime: '0'}"),
        (Some(Duration::from_secs(60)), v8)
    );
    assert_eq!(idle("{connMaxIdleTime: -1}"), (None, v9));

    // The portal's chart default is 30m.
    let p = &plan(
        "glooPortalServer: {enabled: true, apiKeyStorage: {redis: {enabled: true, address: 'r.example:1', connection: {idleTimeout: 1m}}}}\n",
    )[0];
    assert_eq!(p.idle_timeout, Some(addons::PORTAL_IDLE));
    assert_eq!(
        p.idle_timeout_key,
        "glooPortalServer.apiKeyStorage.redis.connection.connMaxIdleTime"
    );
}
