//! The add-ons' targets: ext auth and the portal (their storage blocks, credentials and CA), the
//! rate limiter, bare Service names, and the API keys they share.

use super::*;

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
