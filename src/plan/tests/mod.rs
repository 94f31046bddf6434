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

mod add_ons;
mod exporters;
mod mgmt_plane;
