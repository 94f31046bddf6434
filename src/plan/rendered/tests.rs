use super::*;

fn from(dashboard_session: &str) -> (Vec<TargetPlan>, Vec<ValuesIssue>) {
    let mut m = Manifests::default();
    let text = format!(
        "apiVersion: admin.gloo.solo.io/v2\nkind: Dashboard\nmetadata: {{name: settings, namespace: gloo-mesh}}\nspec:\n  authn:\n    oidc:\n      session: {dashboard_session}\n"
    );
    m.add("release.yaml", &text).unwrap();
    targets(&m, "gloo-mesh")
}

#[test]
fn the_dashboards_redis_session_store_is_a_target_and_a_cookie_one_is_not() {
    let (plans, issues) = from("{redis: {host: 'sessions:6379'}}");
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].use_case, "sessions");
    assert_eq!(plans[0].address, "sessions.gloo-mesh:6379");
    assert_eq!(
        plans[0].address_key,
        "Dashboard gloo-mesh/settings spec.authn.oidc.session.redis.host"
    );
    assert_eq!(plans[0].components, ["ui"]);

    let (plans, issues) = from("{cookie: {keyPrefix: gloo}}");
    assert!(
        plans.is_empty() && issues.is_empty(),
        "{plans:?} {issues:?}"
    );

    // Both blocks: which store the UI uses is not guessed.
    let (plans, issues) = from("{cookie: {}, redis: {host: 'sessions:6379'}}");
    assert!(plans.is_empty());
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0]
            .message
            .contains("which session store the UI uses is unknown")
    );
}
