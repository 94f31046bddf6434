//! Running the built binary in a scratch directory, and making secret manifests with kubectl.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory for one trial.
pub fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "redis-preflight-test-{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        name.replace('/', "_")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `redis-preflight` with `args` in `dir`.
pub fn run(dir: &Path, args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redis-preflight"))
        .args(args)
        .current_dir(dir)
        // Never a real cluster: no kubeconfig unless a test passes one, and not "in a Pod".
        .env("KUBECONFIG", dir.join("no-such-kubeconfig"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .expect("the binary runs")
}

/// `kubectl create secret <args> --dry-run=client -o yaml`: a manifest as users make them.
pub fn kubectl_secret(args: &[String]) -> Result<String, String> {
    let out = Command::new("kubectl")
        .arg("create")
        .arg("secret")
        .args(args)
        .args(["--dry-run=client", "-o", "yaml"])
        .output()
        .map_err(|e| format!("kubectl: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "kubectl create secret {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8(out.stdout).unwrap())
}
