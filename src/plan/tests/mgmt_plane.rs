//! The management plane's targets: the snapshot store (legacy `redis:` and 2.6+ `redisStore`),
//! the built-in Redis, its connection settings, and the UI's session store.

use super::*;

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
