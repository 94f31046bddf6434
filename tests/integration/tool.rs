//! Running the built binary in a scratch directory, and making secret manifests with kubectl.

use std::ffi::OsStr;
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

/// The Python that has the reports' consumers (jsonschema, junitparser, pyyaml): the one
/// `ci/test` names in `PREFLIGHT_PYTHON`, else the virtual environment `ci/deps` makes under
/// target/py, else `python3` (a machine set up by hand).
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PREFLIGHT_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/py/bin/python");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

/// Runs `redis-preflight` with `args` in `dir`.
pub fn run<S: AsRef<OsStr>>(dir: &Path, args: impl IntoIterator<Item = S>) -> Output {
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
pub fn kubectl_secret<S: AsRef<OsStr> + std::fmt::Debug>(args: &[S]) -> Result<String, String> {
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

/// One result row of a JSON report.
#[derive(Debug, PartialEq)]
pub struct Verdict {
    pub target: String,
    pub check: String,
    pub outcome: String,
    pub message: String,
}

/// The results of a JSON report printed on stdout.
pub fn verdicts(stdout: &[u8]) -> Result<Vec<Verdict>, String> {
    let report: serde_json::Value =
        serde_json::from_slice(stdout).map_err(|e| format!("stdout is not a JSON report: {e}"))?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    Ok(report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| Verdict {
            target: text(&r["target"]),
            check: text(&r["check"]),
            outcome: text(&r["outcome"]),
            message: text(&r["message"]),
        })
        .collect())
}

/// Runs `redis-preflight` with `args` in `dir`, `input` on its standard input.
pub fn run_with_stdin<S: AsRef<OsStr>>(
    dir: &Path,
    args: impl IntoIterator<Item = S>,
    input: Vec<u8>,
) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_redis-preflight"))
        .args(args)
        .current_dir(dir)
        .env("KUBECONFIG", dir.join("no-such-kubeconfig"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    // Written aside: the tool may stop reading (and close the pipe) once it has enough.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("the binary runs");
    let _ = writer.join();
    out
}

/// One line on stderr, exit 2, no stdout.
pub fn input_error(
    out: &std::process::Output,
    fragment: &str,
) -> Result<(), libtest_mimic::Failed> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(2)
        || !out.stdout.is_empty()
        || stderr.lines().count() != 1
        || !stderr.contains(fragment)
    {
        return Err(format!(
            "expected exit 2 and one line with {fragment:?}, got {:?}: {stderr:?} / {:?}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    Ok(())
}
