//! The in-cluster Job always ends, with the tool's exit code, and its reports stay
//! retrievable: the manifests are valid against Kubernetes' published schema
//! (kubernetes-validate), and the reports sidecar's own script, run by busybox as in its image,
//! is taken through every ending of the preflight: a verdict, bad input, and a kill.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("job", name, f);
    vec![
        with("the_job_manifests_are_valid_kubernetes", |_| valid()),
        with("the_job_ends_with_the_preflight_and_a_deadline", |_| {
            shape()
        }),
        with("the_reports_sidecar_hands_over_every_ending", endings),
        with("kubectl_runs_it_as_a_plugin", |_| plugin()),
    ]
}

/// `kubectl-redis_preflight` on the PATH is `kubectl redis-preflight`, kubectl's own flags
/// passed through.
fn plugin() -> Result<(), Failed> {
    let dir = tool::scratch("kubectl-plugin");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).map_err(|e| e.to_string())?;
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_redis-preflight"),
        bin.join("kubectl-redis_preflight"),
    )
    .map_err(|e| e.to_string())?;
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("kubectl")
        .args(["redis-preflight", "explain", "values.waivers"])
        .env("PATH", &path)
        .output()
        .map_err(|e| format!("kubectl: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !stdout.starts_with("values.waivers — ") {
        return Err(format!(
            "kubectl redis-preflight explain: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    // kubectl's --context reaches the tool: an unknown one is the tool's exit 2, naming it.
    std::fs::write(
        dir.join("kubeconfig"),
        "apiVersion: v1
kind: Config
contexts: []
",
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("values.yaml"),
        "glooMgmtServer: {enabled: true}
redis: {auth: {enabled: true}}
",
    )
    .map_err(|e| e.to_string())?;
    let out = Command::new("kubectl")
        .args([
            "redis-preflight",
            "run",
            "-f",
            "values.yaml",
            "--context",
            "no-such-context",
        ])
        .arg("--kubeconfig")
        .arg(dir.join("kubeconfig"))
        .current_dir(&dir)
        .env("PATH", &path)
        .output()
        .map_err(|e| format!("kubectl: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(2) || !stderr.contains("no-such-context") {
        return Err(format!(
            "kubectl redis-preflight run --context: {:?} {stderr}",
            out.status.code()
        )
        .into());
    }
    Ok(())
}

fn k8s(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ci/k8s")
        .join(file)
}

fn manifest(file: &str) -> Result<serde_json::Value, Failed> {
    let text = std::fs::read_to_string(k8s(file)).map_err(|e| e.to_string())?;
    serde_saphyr::from_str(&text).map_err(|e| format!("{file}: {e}").into())
}

fn valid() -> Result<(), Failed> {
    // kubernetes-validate sits beside the consumers' Python (ci/deps installs it there).
    let python = tool::python();
    let validate = python
        .parent()
        .map(|bin| bin.join("kubernetes-validate"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| "kubernetes-validate".into());
    let out = Command::new(&validate)
        .args(["--strict", "--kubernetes-version", "1.31.0"])
        .args(["job.yaml", "job-vantage.yaml", "rbac.yaml"].map(k8s))
        .output()
        .map_err(|e| format!("{}: {e}", validate.display()))?;
    if !out.status.success() {
        return Err(format!(
            "kubernetes-validate: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// The Job's pod has one main container, the preflight; the reports container is a native
/// sidecar that cannot hold the Job open; a deadline past the tool's own backs it up.
fn shape() -> Result<(), Failed> {
    for file in ["job.yaml", "job-vantage.yaml"] {
        let job = manifest(file)?;
        let spec = &job["spec"];
        let pod = &spec["template"]["spec"];
        let main: Vec<&str> = pod["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str())
            .collect();
        if main != ["preflight"] {
            return Err(format!("{file}: the main containers are {main:?}").into());
        }
        let reports = pod["initContainers"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == "reports")
            .ok_or(format!("{file}: no reports sidecar"))?;
        if reports["restartPolicy"] != "Always" {
            return Err(format!("{file}: the reports container is not a native sidecar").into());
        }
        let args: Vec<&str> = pod["containers"][0]["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str())
            .collect();
        let timeout = args
            .iter()
            .position(|a| *a == "--timeout")
            .and_then(|i| args.get(i + 1))
            .and_then(|t| t.strip_suffix('s'))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or(format!("{file}: the preflight has no --timeout in seconds"))?;
        let deadline = spec["activeDeadlineSeconds"].as_u64().unwrap_or(0);
        if deadline < timeout + 30 {
            return Err(format!(
                "{file}: activeDeadlineSeconds {deadline} leaves no margin past --timeout {timeout}s"
            )
            .into());
        }
        if spec["backoffLimit"] != 0 {
            return Err(format!("{file}: a failed gate must not be retried").into());
        }
    }
    Ok(())
}

/// Runs the sidecar's script with busybox's sh, as its image does, on `dir`; stops it as the
/// kubelet does when the preflight has ended (SIGTERM); returns its exit code and log.
fn sidecar(dir: &Path) -> Result<(i32, Vec<u8>), Failed> {
    let job = manifest("job.yaml")?;
    let script = job["spec"]["template"]["spec"]["initContainers"][0]["command"][2]
        .as_str()
        .ok_or("the reports sidecar has no script")?
        .to_string();
    let mut child = Command::new("busybox")
        .args(["sh", "-c", &script])
        .env("REPORTS", dir)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("busybox: {e}"))?;
    // Running, and waiting: nothing is printed before the stop.
    std::thread::sleep(Duration::from_millis(300));
    if child.try_wait().map_err(|e| e.to_string())?.is_some() {
        return Err("the sidecar ended before it was stopped".into());
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        // The kubelet gives 30 s before SIGKILL; the sidecar needs a moment.
        if stopped.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            return Err("the sidecar did not end on SIGTERM".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut log = Vec::new();
    child
        .stdout
        .take()
        .ok_or("no stdout")?
        .read_to_end(&mut log)
        .map_err(|e| e.to_string())?;
    Ok((status.code().unwrap_or(-1), log))
}

/// The files in the sidecar's log, decoded as the README says (`base64 -d | tar xz`).
fn unpacked(log: &[u8]) -> Result<Vec<String>, Failed> {
    let mut decode = Command::new("sh")
        .args(["-c", "base64 -d | tar tz"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut decode.stdin.take().ok_or("no stdin")?, log)
        .map_err(|e| e.to_string())?;
    let out = decode.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("the log does not decode: {}", String::from_utf8_lossy(log)).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_start_matches("./").to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

fn endings(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("job-endings");
    let values = lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:${NOAUTH_PORT}\", deployment: {enabled: false}}\n",
    );
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;

    // A verdict (here a failed gate): the three reports come out of the sidecar's log.
    let reports = dir.join("verdict");
    std::fs::create_dir_all(&reports).map_err(|e| e.to_string())?;
    let out = tool::run(
        &dir,
        ["run", "-f", "values.yaml", "--output-dir", "verdict"],
    );
    if out.status.code() != Some(3) {
        return Err(format!("the preflight: exit {:?}", out.status.code()).into());
    }
    let (code, log) = sidecar(&reports)?;
    let mut files = unpacked(&log)?;
    files.sort();
    if code != 0 || files != ["junit.xml", "report.json", "report.md"] {
        return Err(format!("after a verdict: exit {code}, files {files:?}").into());
    }

    // Bad input (exit 2) and a preflight killed mid-run (the memory limit, the deadline):
    // no report, and the sidecar still ends at once, saying so.
    let bad = dir.join("bad-input");
    std::fs::create_dir_all(&bad).map_err(|e| e.to_string())?;
    let out = tool::run(
        &dir,
        ["run", "-f", "no-such.yaml", "--output-dir", "bad-input"],
    );
    if out.status.code() != Some(2) {
        return Err(format!("bad input: exit {:?}", out.status.code()).into());
    }
    let killed = dir.join("killed");
    std::fs::create_dir_all(&killed).map_err(|e| e.to_string())?;
    let silent = lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:${SILENT_PORT}\", deployment: {enabled: false}, connection: {readTimeout: 60s}}\n",
    );
    std::fs::write(dir.join("silent.yaml"), silent).map_err(|e| e.to_string())?;
    let mut run = Command::new(env!("CARGO_BIN_EXE_redis-preflight"))
        .args(["run", "-f", "silent.yaml", "--output-dir", "killed"])
        .current_dir(&dir)
        .env("KUBECONFIG", dir.join("no-such-kubeconfig"))
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    std::thread::sleep(Duration::from_millis(500));
    run.kill().map_err(|e| e.to_string())?;
    let _ = run.wait();
    for empty in [&bad, &killed] {
        let (code, log) = sidecar(empty)?;
        let log = String::from_utf8_lossy(&log);
        if code != 0 || !log.contains("redis-preflight wrote no report") {
            return Err(format!("{}: exit {code}, log {log}", empty.display()).into());
        }
    }
    Ok(())
}
