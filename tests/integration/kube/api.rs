//! The stand-in Kubernetes API server (`tests/consumers/kube_api.py`) with a kubeconfig of two
//! contexts, stopped on drop, and running the tool against it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use libtest_mimic::Failed;

use crate::lab::Lab;
use crate::tool;

/// The stand-in API server, stopped on drop.
pub(super) struct ApiServer {
    child: Child,
    pub(super) log: PathBuf,
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

pub(super) fn api_server(dir: &Path) -> Result<ApiServer, Failed> {
    api_server_with(dir, &[])
}

/// The stand-in, also serving `objects` (ConfigMaps, Deployments, DaemonSets) by name.
pub(super) fn api_server_with(
    dir: &Path,
    objects: &[serde_json::Value],
) -> Result<ApiServer, Failed> {
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

pub(super) fn values(lab: &Lab, dir: &Path, extra: &str) -> Result<(), Failed> {
    let text = lab.substitute(&format!(
        "glooMgmtServer: {{enabled: true}}\nredis: {{deployment: {{enabled: false}}}}\nredisStore:\n  snapshot:\n    client:\n      address: 127.0.0.1:${{PRIMARY_PORT}}\n      auth: {{enabled: true{extra}}}\n      connection: {{maxConnAge: 30m}}\n"
    ));
    std::fs::write(dir.join("values.yaml"), text).map_err(|e| e.to_string().into())
}

/// `redis-preflight run -f values.yaml <extra>` in `dir`.
pub(super) fn preflight(dir: &Path, extra: &[&str]) -> std::process::Output {
    tool::run(dir, ["run", "-f", "values.yaml"].iter().chain(extra))
}

pub(super) fn outcomes(stdout: &[u8]) -> Result<Vec<tool::Verdict>, Failed> {
    Ok(tool::verdicts(stdout)?)
}

/// The outcome and message of one check, or `absent`.
pub(super) fn outcome_of<'a>(results: &'a [tool::Verdict], id: &str) -> (&'a str, &'a str) {
    results
        .iter()
        .find(|r| r.check == id)
        .map_or(("absent", ""), |r| (r.outcome.as_str(), r.message.as_str()))
}
