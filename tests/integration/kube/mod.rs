//! Live secrets through a stand-in Kubernetes API server (no cluster runs here), proven
//! faithful by reading the same secrets with the real kubectl; context selection; RBAC
//! denials and an unreachable API server; `--from-cluster` and its grants; the in-cluster Job
//! manifests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("kube", name, f);
    vec![
        with(
            "live_secrets_from_the_chosen_context_match_kubectl",
            live_secrets_match_kubectl,
        ),
        with(
            "a_missing_secret_fails_and_a_forbidden_one_is_unknown",
            missing_and_forbidden,
        ),
        with(
            "an_unreachable_api_server_is_unknown_and_bounded",
            unreachable,
        ),
        with(
            "no_kubeconfig_is_unknown_and_every_other_check_runs",
            no_kubeconfig,
        ),
        with("an_unknown_context_is_an_input_error", unknown_context),
        with(
            "from_cluster_gets_the_release_by_name_and_rbac_grants_exactly_that",
            from_cluster,
        ),
        with(
            "from_cluster_reads_the_uis_dashboard_for_its_session_store",
            from_cluster_dashboard,
        ),
        with(
            "the_job_manifests_parse_and_grant_exactly_the_named_secrets",
            |_| job_manifests(),
        ),
    ]
}

/// The stand-in API server, stopped on drop.
struct ApiServer {
    child: Child,
    log: PathBuf,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn api_server(dir: &Path) -> Result<ApiServer, Failed> {
    api_server_with(dir, &[])
}

/// The stand-in, also serving `objects` (ConfigMaps, Deployments, DaemonSets) by name.
fn api_server_with(dir: &Path, objects: &[serde_json::Value]) -> Result<ApiServer, Failed> {
    let b64 = |s: &str| {
        use std::io::Write;
        let mut child = Command::new("base64")
            .arg("-w0")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    };
    let secrets = serde_json::json!({
        "gloo-mesh/redis-auth-secrets": {"username": b64("gloo"), "password": b64("gloo-pass")},
    });
    std::fs::write(dir.join("api-secrets.json"), secrets.to_string()).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("api-objects.json"),
        serde_json::Value::from(objects.to_vec()).to_string(),
    )
    .map_err(|e| e.to_string())?;
    let port = free_port();
    let log = dir.join("api.log");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/consumers/kube_api.py");
    let child = Command::new(tool::python())
        .arg(script)
        .arg(port.to_string())
        .arg(dir.join("api-secrets.json"))
        .arg(&log)
        .arg(dir.join("api-objects.json"))
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(10) {
            return Err("the stand-in API server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Two contexts; the current one points nowhere, so only --context lab reaches the server.
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: broken\nclusters:\n- name: lab\n  cluster: {{server: \"http://127.0.0.1:{port}\"}}\n\
         - name: broken\n  cluster: {{server: \"http://127.0.0.1:1\"}}\nusers:\n- name: ci\n  user: {{token: lab-token}}\n\
         contexts:\n- name: lab\n  context: {{cluster: lab, user: ci}}\n- name: broken\n  context: {{cluster: broken, user: ci}}\n"
    );
    std::fs::write(dir.join("kubeconfig"), kubeconfig).map_err(|e| e.to_string())?;
    Ok(ApiServer { child, log })
}

fn values(lab: &Lab, dir: &Path, extra: &str) -> Result<(), Failed> {
    let text = lab.substitute(&format!(
        "glooMgmtServer: {{enabled: true}}\nredis: {{deployment: {{enabled: false}}}}\nredisStore:\n  snapshot:\n    client:\n      address: 127.0.0.1:${{PRIMARY_PORT}}\n      auth: {{enabled: true{extra}}}\n      connection: {{maxConnAge: 30m}}\n"
    ));
    std::fs::write(dir.join("values.yaml"), text).map_err(|e| e.to_string().into())
}

/// `redis-preflight run -f values.yaml <extra>` in `dir`.
fn preflight(dir: &Path, extra: &[&str]) -> std::process::Output {
    tool::run(dir, ["run", "-f", "values.yaml"].iter().chain(extra))
}

fn outcomes(stdout: &[u8]) -> Result<Vec<tool::Verdict>, Failed> {
    Ok(tool::verdicts(stdout)?)
}

/// The outcome and message of one check, or `absent`.
fn outcome_of<'a>(results: &'a [tool::Verdict], id: &str) -> (&'a str, &'a str) {
    results
        .iter()
        .find(|r| r.check == id)
        .map_or(("absent", ""), |r| (r.outcome.as_str(), r.message.as_str()))
}

fn live_secrets_match_kubectl(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-live");
    let api = api_server(&dir)?;
    values(lab, &dir, "")?;
    let live = preflight(
        &dir,
        &[
            "--kubeconfig",
            "kubeconfig",
            "--context",
            "lab",
            "--format",
            "json",
        ],
    );
    let live_results = outcomes(&live.stdout)?;
    if live.status.code() != Some(0) {
        return Err(format!("a live run against the primary should pass: {live_results:?}").into());
    }
    // The same secret through the real kubectl, fed back as a manifest, gives the same verdicts.
    let exported = Command::new("kubectl")
        .args([
            "--kubeconfig",
            "kubeconfig",
            "--context",
            "lab",
            "get",
            "secret",
            "redis-auth-secrets",
            "-n",
            "gloo-mesh",
            "-o",
            "yaml",
        ])
        .current_dir(&dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !exported.status.success() {
        return Err(format!(
            "kubectl through the stand-in: {}",
            String::from_utf8_lossy(&exported.stderr)
        )
        .into());
    }
    std::fs::write(dir.join("exported.yaml"), &exported.stdout).map_err(|e| e.to_string())?;
    let offline = preflight(&dir, &["--secrets", "exported.yaml", "--format", "json"]);
    let strip = |r: Vec<tool::Verdict>| {
        r.into_iter()
            .map(|v| (v.check, v.outcome))
            .collect::<Vec<_>>()
    };
    if strip(outcomes(&offline.stdout)?) != strip(live_results) {
        return Err("kubectl's copy of the secret and the live read disagree".into());
    }
    // Only the named secret, by name: never a list.
    let log = std::fs::read_to_string(&api.log).map_err(|e| e.to_string())?;
    for line in log.lines() {
        let path = line
            .trim_start_matches("GET ")
            .split('?')
            .next()
            .unwrap_or("");
        if path.ends_with("/secrets") || line.contains("watch") {
            return Err(format!("the API server was asked to list secrets: {line}").into());
        }
    }
    if !log.contains("/api/v1/namespaces/gloo-mesh/secrets/redis-auth-secrets") {
        return Err(format!("the secret was not read by name: {log}").into());
    }
    Ok(())
}

fn missing_and_forbidden(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-denied");
    let _api = api_server(&dir)?;
    for (secret, outcome, fragment) in [
        (
            "missing-secret",
            "fail",
            "secret missing-secret not found in namespace gloo-mesh",
        ),
        ("forbidden-secret", "unknown", "forbidden"),
    ] {
        values(lab, &dir, &format!(", secretName: {secret}"))?;
        let out = preflight(
            &dir,
            &[
                "--kubeconfig",
                "kubeconfig",
                "--context",
                "lab",
                "--format",
                "json",
            ],
        );
        let results = outcomes(&out.stdout)?;
        let (got, message) = outcome_of(&results, "auth.secret");
        if got != outcome || !message.contains(fragment) {
            return Err(format!(
                "{secret}: auth.secret {got} ({message}), expected {outcome} with {fragment:?}"
            )
            .into());
        }
        if secret.starts_with("forbidden")
            && !message.contains("needs `get` on secrets/forbidden-secret in namespace gloo-mesh")
        {
            return Err(format!("the denial must name the missing permission: {message}").into());
        }
        if outcome_of(&results, "auth.login").0 != "skip"
            || outcome_of(&results, "redis.role").0 != "skip"
            || outcome_of(&results, "net.tcp").0 != "pass"
        {
            return Err(format!(
                "{secret}: the checks needing the secret skip, the others run: {results:?}"
            )
            .into());
        }
    }
    Ok(())
}

fn unreachable(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-unreachable");
    let _api = api_server(&dir)?;
    values(lab, &dir, "")?;
    let start = Instant::now();
    // The current context is the broken one.
    let out = preflight(&dir, &["--kubeconfig", "kubeconfig", "--format", "json"]);
    let results = outcomes(&out.stdout)?;
    let (got, message) = outcome_of(&results, "auth.secret");
    if got != "unknown" || !message.contains("unreachable") || out.status.code() != Some(4) {
        return Err(format!(
            "expected auth.secret unknown (unreachable), exit 4: {got} {message} {:?}",
            out.status
        )
        .into());
    }
    if start.elapsed() > Duration::from_secs(30) {
        return Err(format!("an unreachable API server took {:?}", start.elapsed()).into());
    }
    Ok(())
}

fn no_kubeconfig(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-none");
    values(lab, &dir, "")?;
    let out = preflight(&dir, &["--format", "json"]);
    let results = outcomes(&out.stdout)?;
    let (got, message) = outcome_of(&results, "auth.secret");
    if got != "unknown" || !message.contains("no kubeconfig") {
        return Err(
            format!("expected auth.secret unknown (no kubeconfig): {got} {message}").into(),
        );
    }
    if outcome_of(&results, "net.tcp").0 != "pass" || !out.stderr.is_empty() {
        return Err(format!(
            "other checks still run, quietly: {results:?} {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

fn unknown_context(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-context");
    let _api = api_server(&dir)?;
    values(lab, &dir, "")?;
    let out = preflight(&dir, &["--kubeconfig", "kubeconfig", "--context", "nope"]);
    tool::input_error(&out, "no context \"nope\"")?;
    // No kubeconfig at all: the context cannot exist either.
    let out = preflight(&dir, &["--context", "nope"]);
    tool::input_error(
        &out,
        "--context: no context \"nope\": no kubeconfig was found",
    )?;
    Ok(())
}

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
fn from_cluster(lab: &Lab) -> Result<(), Failed> {
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
fn from_cluster_dashboard(lab: &Lab) -> Result<(), Failed> {
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

fn job_manifests() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let k8s = root.join("ci/k8s");
    let rbac = tool::run(&k8s, ["rbac", "-f", "values.yaml"]);
    let committed = std::fs::read_to_string(k8s.join("rbac.yaml")).map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&rbac.stdout) != committed {
        return Err(
            "ci/k8s/rbac.yaml is stale: regenerate it with `redis-preflight rbac -f values.yaml`"
                .into(),
        );
    }
    let check = r#"
import sys, yaml
rbac = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
job = yaml.safe_load(open(sys.argv[2]))
roles = {d["metadata"]["namespace"]: d["rules"] for d in rbac if d["kind"] == "Role"}
want = {"gloo-mesh": ["redis-auth-secrets", "redis-certs"], "gloo-mesh-addons": ["redis-secrets"]}
got = {ns: sorted(r["resourceNames"]) for ns, rules in roles.items() for r in rules}
assert got == want, f"resourceNames {got} != {want}"
for rules in roles.values():
    for r in rules:
        assert r["verbs"] == ["get"] and r["resources"] == ["secrets"], f"more than get on secrets: {r}"
sa = [d for d in rbac if d["kind"] == "ServiceAccount"][0]["metadata"]["name"]
spec = job["spec"]["template"]["spec"]
assert spec["serviceAccountName"] == sa, "the Job runs as another service account"
args = spec["containers"][0]["args"]
mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
assert args[args.index("-f") + 1].startswith(mounts["values"] + "/"), "values are read from the ConfigMap mount"
assert args[args.index("--output-dir") + 1] == mounts["reports"], "reports go to the shared volume"
"#;
    let out = Command::new(tool::python())
        .args(["-c", check])
        .arg(k8s.join("rbac.yaml"))
        .arg(k8s.join("job.yaml"))
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("ci/k8s manifests: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    // The vantage Job runs as the account `rbac --vantage ratelimiter` binds, where it binds it.
    let vantage = tool::run(
        &k8s,
        ["rbac", "-f", "values.yaml", "--vantage", "ratelimiter"],
    );
    let check = r#"
import sys, yaml
rbac = [d for d in yaml.safe_load_all(sys.stdin) if d]
job = yaml.safe_load(open(sys.argv[1]))
spec = job["spec"]["template"]["spec"]
assert [d["kind"] for d in rbac] == ["Role", "RoleBinding"], "only a Role and its binding"
assert rbac[0]["rules"] == [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["redis-secrets"], "verbs": ["get"]}], rbac[0]["rules"]
subject = rbac[1]["subjects"][0]
assert subject["name"] == spec["serviceAccountName"] == "rate-limiter", "the Job runs as the bound account"
assert subject["namespace"] == job["metadata"]["namespace"] == "gloo-mesh-addons", "in the component's namespace"
labels = job["spec"]["template"]["metadata"]["labels"]
assert "sidecar.istio.io/inject" in labels or "istio.io/rev" in labels, "with the injection label"
"#;
    let mut child = Command::new(tool::python())
        .args(["-c", check])
        .arg(k8s.join("job-vantage.yaml"))
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().ok_or("stdin")?;
        stdin
            .write_all(&vantage.stdout)
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if vantage.status.code() != Some(0) || !out.status.success() {
        return Err(format!(
            "ci/k8s/job-vantage.yaml against `rbac --vantage ratelimiter`: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}
