//! One run of the tool against a hostile server, measured: its exit code, its verdicts, its
//! JSON report and its peak RSS from `wait4`, with the values and secrets files it reads.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use libtest_mimic::Failed;

use super::servers::{Process, hostile};
use crate::tool::{self, Verdict};

/// The bound DESIGN.md sets on the tool's memory, whatever a server sends.
const MAX_RSS_KIB: i64 = 64 * 1024;

/// The outcome of one run of the tool.
pub(super) struct Run {
    pub(super) exit: i32,
    pub(super) verdicts: Vec<Verdict>,
    pub(super) report: serde_json::Value,
    /// Peak resident set of the tool's process, in KiB.
    pub(super) max_rss_kib: i64,
    pub(super) stderr: String,
}

impl Run {
    pub(super) fn get(&self, check: &str) -> Result<&Verdict, Failed> {
        self.verdicts
            .iter()
            .find(|v| v.check == check && v.target == "snapshot")
            .ok_or_else(|| format!("no {check} in the report; stderr: {}", self.stderr).into())
    }

    /// `check` has `outcome` and its message contains `fragment`.
    pub(super) fn expect(&self, check: &str, outcome: &str, fragment: &str) -> Result<(), Failed> {
        let v = self.get(check)?;
        if v.outcome != outcome || !v.message.contains(fragment) {
            return Err(format!(
                "{check}: expected {outcome} with \"{fragment}\", got {} \"{}\"",
                v.outcome, v.message
            )
            .into());
        }
        Ok(())
    }

    pub(super) fn exit(&self, code: i32) -> Result<(), Failed> {
        if self.exit != code {
            return Err(format!(
                "exit {} (expected {code}); stderr: {}",
                self.exit, self.stderr
            )
            .into());
        }
        Ok(())
    }

    pub(super) fn bounded(&self) -> Result<(), Failed> {
        if self.max_rss_kib > MAX_RSS_KIB {
            return Err(format!(
                "peak RSS {} KiB is over {MAX_RSS_KIB} KiB",
                self.max_rss_kib
            )
            .into());
        }
        Ok(())
    }
}

/// Runs the tool with `args` in `dir` and reads its peak RSS from `wait4`.
pub(super) fn measured(dir: &Path, args: &[&str]) -> Result<Run, Failed> {
    measured_sampling(dir, args, None)
}

/// [`measured`], counting the tool's open network sockets in `/proc/<pid>/fd` every few
/// milliseconds into `most` (the largest count seen).
pub(super) fn measured_sampling(
    dir: &Path,
    args: &[&str],
    most: Option<&std::sync::Arc<AtomicUsize>>,
) -> Result<Run, Failed> {
    let child = Command::new(env!("CARGO_BIN_EXE_redis-preflight"))
        .args(args)
        .current_dir(dir)
        .env("KUBECONFIG", dir.join("no-such-kubeconfig"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id() as libc::pid_t;
    if let Some(most) = most.cloned() {
        // The child stays a zombie until wait4 below: its fd folder is readable until it exits.
        std::thread::spawn(move || {
            let fds = PathBuf::from(format!("/proc/{pid}/fd"));
            while let Ok(entries) = std::fs::read_dir(&fds) {
                let mut sockets: Vec<String> = entries
                    .filter_map(Result::ok)
                    .filter_map(|e| std::fs::read_link(e.path()).ok())
                    .filter_map(|l| {
                        let l = l.to_string_lossy();
                        Some(
                            l.strip_prefix("socket:[")?
                                .trim_end_matches(']')
                                .to_string(),
                        )
                    })
                    .collect();
                // The runtime's own (a Unix socket pair) are not connections: past 256, the
                // Unix ones are told by inode from the (short) table of Unix sockets.
                if sockets.len() > 256
                    && let Ok(unix) = std::fs::read_to_string(format!("/proc/{pid}/net/unix"))
                {
                    let unix: std::collections::HashSet<&str> = unix
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_whitespace().nth(6))
                        .collect();
                    sockets.retain(|inode| !unix.contains(inode.as_str()));
                }
                most.fetch_max(sockets.len(), Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        });
    }
    let (mut out, mut err) = (child.stdout.unwrap(), child.stderr.unwrap());
    let reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let mut stdout = Vec::new();
    out.read_to_end(&mut stdout).map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()).into());
    }
    let exit = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        return Err(
            format!("the tool died by a signal (status {status}); stderr: {stderr}").into(),
        );
    };
    // Exit 2 writes no report.
    if stdout.is_empty() && exit == 2 {
        return Ok(Run {
            exit,
            verdicts: Vec::new(),
            report: serde_json::Value::Null,
            max_rss_kib: usage.ru_maxrss,
            stderr,
        });
    }
    let report: serde_json::Value = serde_json::from_slice(&stdout)
        .map_err(|e| format!("stdout is not JSON ({e}); stderr: {stderr}"))?;
    Ok(Run {
        exit,
        verdicts: tool::verdicts(&stdout)?,
        report,
        max_rss_kib: usage.ru_maxrss,
        stderr,
    })
}

pub(super) static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Values pointing the snapshot target at `address`, with short deadlines.
pub(super) fn values(dir: &Path, address: &str, auth: bool) -> PathBuf {
    let path = dir.join(format!(
        "values-{}.yaml",
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let auth = if auth {
        "\n  auth: {enabled: true}"
    } else {
        ""
    };
    std::fs::write(
        &path,
        format!(
            "glooMgmtServer: {{enabled: true}}\nredis:\n  address: \"{address}\"\n  deployment: {{enabled: false}}\n  connection: {{dialTimeout: 2s, readTimeout: 1s}}{auth}\n"
        ),
    )
    .unwrap();
    path
}

pub(super) fn secrets(dir: &Path, user: Option<&str>, password: &str) -> Result<PathBuf, Failed> {
    let mut args = vec![
        "generic".to_string(),
        "redis-auth-secrets".into(),
        "-n".into(),
        "gloo-mesh".into(),
        format!("--from-literal=password={password}"),
    ];
    if let Some(u) = user {
        args.push(format!("--from-literal=username={u}"));
    }
    let manifest = tool::kubectl_secret(&args)?;
    let path = dir.join("secrets.yaml");
    std::fs::write(&path, manifest).unwrap();
    Ok(path)
}

/// One preflight run (JSON on stdout) against `address`, no credentials.
pub(super) fn preflight(name: &str, address: &str, extra: &[&str]) -> Result<Run, Failed> {
    let dir = tool::scratch(name);
    let values = values(&dir, address, false);
    let mut args = vec!["run", "-f", values.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    measured(&dir, &args)
}

pub(super) fn against(mode: &str, extra: &[&str]) -> Result<(Run, Process, u16), Failed> {
    let (server, port) = hostile(mode)?;
    let run = preflight(mode, &format!("127.0.0.1:{port}"), extra)?;
    run.bounded()?;
    Ok((run, server, port))
}
