//! The in-cluster Job manifests: they parse, and grant exactly the named secrets.

use std::path::Path;
use std::process::Command;

use libtest_mimic::Failed;

use crate::tool;

pub(super) fn job_manifests() -> Result<(), Failed> {
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
