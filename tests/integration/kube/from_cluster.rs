//! `--from-cluster`: the chart's objects read by name, the UI's Dashboard for its session store,
//! and `rbac --from-cluster` granting exactly what was read.

use std::path::Path;

use libtest_mimic::Failed;

use super::api::{api_server_with, outcome_of, outcomes, preflight};
use crate::lab::Lab;
use crate::tool;

/// (API group, resource, namespace, name) of every object the stand-in was asked for; an
/// error for any list or watch.
fn objects_read(log: &Path) -> Result<std::collections::BTreeSet<[String; 4]>, Failed> {
    let log = std::fs::read_to_string(log).map_err(|e| e.to_string())?;
    let mut read = std::collections::BTreeSet::new();
    for line in log.lines() {
        let path = line
            .trim_start_matches("GET ")
            .split('?')
            .next()
            .unwrap_or("");
        let (group, rest) = if let Some(rest) = path.strip_prefix("/api/v1/namespaces/") {
            ("", rest)
        } else if let Some(rest) = path.strip_prefix("/apis/apps/v1/namespaces/") {
            ("apps", rest)
        } else if let Some(rest) = path.strip_prefix("/apis/admin.gloo.solo.io/v2/namespaces/") {
            ("admin.gloo.solo.io", rest)
        } else {
            continue;
        };
        match rest.split('/').collect::<Vec<_>>()[..] {
            [_namespace] => {}
            [ns, resource, name] if !line.contains("watch") => {
                read.insert([group, resource, ns, name].map(str::to_string));
            }
            _ => return Err(format!("the API server was asked for a list: {line}").into()),
        }
    }
    Ok(read)
}

/// (API group, resource, namespace, name) of every grant `rbac -f values.yaml --from-cluster`
/// prints in `dir`; an error for any verb but `get`.
fn rbac_grants(dir: &Path) -> Result<std::collections::BTreeSet<[String; 4]>, Failed> {
    let rbac = tool::run(dir, ["rbac", "-f", "values.yaml", "--from-cluster"]);
    if !rbac.status.success() {
        return Err(format!(
            "rbac --from-cluster: {}",
            String::from_utf8_lossy(&rbac.stderr)
        )
        .into());
    }
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&String::from_utf8_lossy(&rbac.stdout))
            .map_err(|e| e.to_string())?;
    let mut granted = std::collections::BTreeSet::new();
    for role in docs.iter().filter(|d| d["kind"] == "Role") {
        let ns = role["metadata"]["namespace"].as_str().unwrap_or_default();
        for rule in role["rules"].as_array().into_iter().flatten() {
            if rule["verbs"] != serde_json::json!(["get"]) {
                return Err(format!("a rule grants more than get: {rule}").into());
            }
            let list = |k: &str| -> Vec<String> {
                rule[k]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str())
                    .map(str::to_string)
                    .collect()
            };
            for group in list("apiGroups") {
                for resource in list("resources") {
                    for name in list("resourceNames") {
                        granted.insert([group.clone(), resource.clone(), ns.to_string(), name]);
                    }
                }
            }
        }
    }
    Ok(granted)
}

/// The chart's objects for the healthy primary as the cluster holds them (the stand-in serves
/// the Secrets from its own table, with data): `--from-cluster` reads exactly them by name,
/// judges them as `--manifests` would, and `rbac --from-cluster` grants exactly what it read.
pub(super) fn from_cluster(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-from-cluster");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rendered/healthy-primary.yaml");
    let text = std::fs::read_to_string(fixture)
        .map_err(|e| e.to_string())?
        .replace(
            "127.0.0.1:6390",
            &format!("127.0.0.1:{}", lab.port("PRIMARY")),
        );
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&text).map_err(|e| e.to_string())?;
    let objects: Vec<serde_json::Value> =
        docs.into_iter().filter(|d| d["kind"] != "Secret").collect();
    let api = api_server_with(&dir, &objects)?;
    std::fs::write(
        dir.join("values.yaml"),
        lab.substitute("glooMgmtServer: {enabled: true}\nredis:\n  address: 127.0.0.1:${PRIMARY_PORT}\n  deployment: {enabled: false}\n  auth: {enabled: true}\n  connection: {maxConnAge: 30m}\n"),
    )
    .map_err(|e| e.to_string())?;
    let live = [
        "--from-cluster",
        "--kubeconfig",
        "kubeconfig",
        "--context",
        "lab",
        "--format",
        "json",
    ];
    let out = preflight(&dir, &live);
    let results = outcomes(&out.stdout)?;
    for check in [
        "auth.secret",
        "auth.login",
        "values.rendered",
        "values.schema",
    ] {
        if outcome_of(&results, check).0 != "pass" {
            return Err(format!("{check} from the cluster's objects: {results:?}").into());
        }
    }
    if out.status.code() != Some(0) {
        return Err(format!("--from-cluster against the primary should pass: {results:?}").into());
    }
    let read = objects_read(&api.log)?;
    let expected: std::collections::BTreeSet<[String; 4]> = [
        ["apps", "deployments", "gloo-mesh", "gloo-mesh-mgmt-server"],
        ["", "configmaps", "gloo-mesh", "redis-client-config"],
        ["", "secrets", "gloo-mesh", "redis-auth-secrets"],
    ]
    .into_iter()
    .map(|o| o.map(str::to_string))
    .collect();
    if read != expected {
        return Err(format!("--from-cluster read {read:?}, expected {expected:?}").into());
    }

    // The grants: get, by name, on exactly what was read.
    let granted = rbac_grants(&dir)?;
    if granted != read {
        return Err(
            format!("rbac --from-cluster grants {granted:?}, the run read {read:?}").into(),
        );
    }

    // A component the values enable that the cluster does not run is named, not guessed.
    let out = preflight(
        &dir,
        &[&live[..], &["--set", "rateLimiter.enabled=true"]].concat(),
    );
    let results = outcomes(&out.stdout)?;
    let (got, message) = outcome_of(&results, "values.schema");
    if got != "fail" || !message.contains("Deployment gloo-mesh/rate-limiter") {
        return Err(format!("a missing rate limiter: values.schema {got} ({message})").into());
    }

    // No cluster to ask: one line, exit 2, no report.
    let out = preflight(&dir, &["--from-cluster"]);
    tool::input_error(&out, "error: --from-cluster: no kubeconfig")?;
    Ok(())
}

/// The UI with OIDC sessions in Redis, as the chart renders it: `--from-cluster` gets the
/// Dashboard by name (a Gloo resource, read dynamically) and finds the session store there.
pub(super) fn from_cluster_dashboard(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-from-cluster-dashboard");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("tests/fixtures/rendered/ui-oidc-sessions.yaml"))
        .map_err(|e| e.to_string())?;
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&lab.substitute(&text)).map_err(|e| e.to_string())?;
    let objects: Vec<serde_json::Value> =
        docs.into_iter().filter(|d| d["kind"] != "Secret").collect();
    let api = api_server_with(&dir, &objects)?;
    let scenario: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root.join("tests/scenarios/rendered-ui-oidc-sessions.yaml"))
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let values = scenario["values"][0]
        .as_str()
        .ok_or("the scenario's values")?;
    std::fs::write(dir.join("values.yaml"), lab.substitute(values)).map_err(|e| e.to_string())?;
    let out = preflight(
        &dir,
        &[
            "--from-cluster",
            "--kubeconfig",
            "kubeconfig",
            "--context",
            "lab",
            "--format",
            "json",
        ],
    );
    let results = outcomes(&out.stdout)?;
    let sessions = results
        .iter()
        .find(|v| v.target == "sessions" && v.check == "net.tcp")
        .ok_or_else(|| format!("no sessions target from the Dashboard: {results:?}"))?;
    if sessions.outcome != "pass" || outcome_of(&results, "values.rendered").0 != "pass" {
        return Err(format!("the session store from the cluster: {results:?}").into());
    }
    let read = objects_read(&api.log)?;
    let dashboard =
        ["admin.gloo.solo.io", "dashboards", "gloo-mesh", "settings"].map(str::to_string);
    if !read.contains(&dashboard) {
        return Err(format!("the Dashboard was not read by name: {read:?}").into());
    }
    let granted = rbac_grants(&dir)?;
    if granted != read {
        return Err(
            format!("rbac --from-cluster grants {granted:?}, the run read {read:?}").into(),
        );
    }
    Ok(())
}
