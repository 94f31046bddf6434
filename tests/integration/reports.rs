//! The report files of a real run, read by their consumers; the published schema; the CI
//! examples; and the exit code whatever the format. (Saved facts judged again are a scenario:
//! `tests/scenarios/saved-facts-judged-elsewhere.yaml`.)

use std::path::Path;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::scenario;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("reports", name, f);
    vec![
        with("files_are_read_by_real_consumers", |lab| {
            consumers(lab, false)
        }),
        with("files_are_read_by_real_consumers_under_strict", |lab| {
            consumers(lab, true)
        }),
        with(
            "the_exit_code_is_the_same_whatever_the_format",
            same_exit_code,
        ),
        with("format_narrows_the_files_written", format_narrows_files),
        with("the_published_schema_is_current", |_| published_schema()),
        with("the_ci_examples_parse_and_call_real_flags", |_| {
            ci_examples()
        }),
        with("list_and_explain_describe_the_catalog", |_| {
            list_and_explain()
        }),
        with("the_docs_are_what_list_prints", |_| docs_are_generated()),
    ]
}

/// A run with every outcome (a healthy snapshot store read by a restricted user, an open
/// add-on Redis, an evicting rate limiter): the scenario whose saved facts are judged again.
fn setup(lab: &Lab) -> Result<(std::path::PathBuf, Vec<String>), Failed> {
    let run = scenario::prepare(lab, "saved-facts-judged-elsewhere")?;
    Ok((run.work, run.args))
}

fn consumers(lab: &Lab, strict: bool) -> Result<(), Failed> {
    let (dir, mut args) = setup(lab)?;
    args.extend(["--output-dir".into(), "out".into()]);
    if strict {
        args.push("--strict".into());
    }
    let out = tool::run(&dir, &args);
    if out.status.code() != Some(3) {
        return Err(format!("expected exit 3, got {:?}", out.status).into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("✖ redis.noeviction") {
        return Err(
            format!("the terminal report goes to stdout beside the files: {stdout}").into(),
        );
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut check = std::process::Command::new(tool::python());
    check
        .arg(root.join("tests/consumers/check_reports.py"))
        .arg(dir.join("out"))
        .arg(root.join("docs/report.schema.json"));
    if strict {
        check.arg("--strict");
    }
    let result = check.output().map_err(|e| format!("python3: {e}"))?;
    if !result.status.success() {
        return Err(format!(
            "consumers disagree: {}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        )
        .into());
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    if leftovers.len() != 3 {
        return Err(format!("expected exactly the three report files, found {leftovers:?}").into());
    }
    Ok(())
}

fn same_exit_code(lab: &Lab) -> Result<(), Failed> {
    let (dir, args) = setup(lab)?;
    for format in ["terminal", "json", "junit", "markdown"] {
        let mut a = args.clone();
        a.extend(["--format".into(), format.into()]);
        let out = tool::run(&dir, &a);
        if out.status.code() != Some(3) {
            return Err(format!("--format {format}: exit {:?}, expected 3", out.status).into());
        }
        if out.stdout.is_empty() {
            return Err(format!("--format {format}: nothing on stdout").into());
        }
    }
    Ok(())
}

fn format_narrows_files(lab: &Lab) -> Result<(), Failed> {
    let (dir, mut args) = setup(lab)?;
    args.extend(["--format", "junit", "--output-dir", "deep/er/out"].map(String::from));
    let out = tool::run(&dir, &args);
    let files: Vec<String> = std::fs::read_dir(dir.join("deep/er/out"))
        .map_err(|e| format!("the output directory is created: {e}"))?
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if files != ["junit.xml"] || out.status.code() != Some(3) {
        return Err(format!(
            "expected only junit.xml and exit 3, got {files:?} {:?}",
            out.status
        )
        .into());
    }
    Ok(())
}

fn published_schema() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tool::run(root, ["schema"]);
    let published =
        std::fs::read_to_string(root.join("docs/report.schema.json")).map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&out.stdout) != published {
        return Err("docs/report.schema.json is stale: run `redis-preflight schema > docs/report.schema.json`".into());
    }
    Ok(())
}

fn ci_examples() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let help = tool::run(root, ["run", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for name in ["github-actions.yml", "gitlab-ci.yml"] {
        let path = root.join("ci/examples").join(name);
        let parsed = std::process::Command::new(tool::python())
            .args(["-c", "import sys, yaml; yaml.safe_load(open(sys.argv[1]))"])
            .arg(&path)
            .output()
            .map_err(|e| e.to_string())?;
        if !parsed.status.success() {
            return Err(format!(
                "{name} is not valid YAML: {}",
                String::from_utf8_lossy(&parsed.stderr)
            )
            .into());
        }
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let calls: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("redis-preflight run"))
            .collect();
        if calls.is_empty() {
            return Err(format!("{name} never calls redis-preflight run").into());
        }
        // The call may continue on the next line (a trailing backslash).
        let joined = text.replace("\\\n", " ");
        for line in joined.lines().filter(|l| l.contains("redis-preflight run")) {
            for flag in line.split_whitespace().filter(|w| w.starts_with("--")) {
                if !help.contains(&format!("{flag} "))
                    && !help.contains(&format!("{flag}\n"))
                    && !help.contains(&format!("{flag} <"))
                {
                    return Err(
                        format!("{name}: `{flag}` is not a flag of redis-preflight run").into(),
                    );
                }
            }
        }
    }
    Ok(())
}

/// `docs/checks.md` and the README's table of checks are what `list --format markdown` prints,
/// so that neither drifts from the catalog (issue 21).
fn docs_are_generated() -> Result<(), Failed> {
    const REGENERATE: &str = "run ci/gen-docs to write it again";
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let list = tool::run(root, ["list", "--format", "markdown"]);
    if !list.status.success() {
        return Err(format!("list --format markdown: {:?}", list.status).into());
    }
    let generated = String::from_utf8(list.stdout).map_err(|e| e.to_string())?;
    let doc = std::fs::read_to_string(root.join("docs/checks.md"))
        .map_err(|e| format!("docs/checks.md: {e}; {REGENERATE}"))?;
    if let Some(line) = first_difference(&doc, &generated) {
        return Err(format!(
            "docs/checks.md differs from `redis-preflight list --format markdown` at line {line}; {REGENERATE}"
        )
        .into());
    }
    let table: String = generated
        .lines()
        .skip_while(|l| !l.starts_with("| ID |"))
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let readme = std::fs::read_to_string(root.join("README.md")).map_err(|e| e.to_string())?;
    let begin =
        "<!-- checks: generated by ci/gen-docs from `redis-preflight list --format markdown` -->\n";
    let end = "<!-- checks: end -->\n";
    let shown = readme
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(table, _)| table)
        .ok_or(format!(
            "README.md lacks the lines around its table of checks ({}, {})",
            begin.trim_end(),
            end.trim_end()
        ))?;
    if let Some(line) = first_difference(shown, &table) {
        return Err(format!(
            "README.md's table of checks differs from `redis-preflight list --format markdown` at its line {line}; {REGENERATE}"
        )
        .into());
    }
    Ok(())
}

/// The first line (from 1) where two texts differ, if they do.
fn first_difference(a: &str, b: &str) -> Option<usize> {
    if a == b {
        return None;
    }
    let mut lines = a.lines().zip(b.lines());
    Some(
        lines
            .position(|(x, y)| x != y)
            .unwrap_or(a.lines().count().min(b.lines().count()))
            + 1,
    )
}

fn list_and_explain() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |args: &[&str]| tool::run(root, args);
    let list = run(&["list", "--format", "json"]);
    let entries: Vec<serde_json::Value> =
        serde_json::from_slice(&list.stdout).map_err(|e| format!("list --format json: {e}"))?;
    let ids: Vec<&str> = entries.iter().filter_map(|e| e["id"].as_str()).collect();
    for id in [
        "values.schema",
        "net.dns",
        "net.tcp",
        "tls.mode",
        "tls.ca-trust",
        "tls.hostname",
        "tls.expiry",
        "tls.client-cert",
        "auth.secret",
        "auth.login",
        "redis.role",
        "redis.non-cluster",
        "redis.noeviction",
        "redis.ha-replica",
        "layout.shared",
        "layout.policy",
    ] {
        if !ids.contains(&id) {
            return Err(format!("list lacks {id}").into());
        }
        let text = String::from_utf8_lossy(&run(&["list"]).stdout).into_owned();
        if !text.lines().any(|l| l.starts_with(id)) {
            return Err(format!("the terminal list lacks {id}").into());
        }
    }
    let explain = run(&["explain", "tls.expiry"]);
    let text = String::from_utf8_lossy(&explain.stdout);
    for section in [
        "## What it checks",
        "## Why Gloo needs it",
        "## How to fix",
        "## On managed services",
        "## Prerequisites",
    ] {
        if !text.contains(section) {
            return Err(format!("explain tls.expiry lacks {section}: {text}").into());
        }
    }
    let typo = run(&["explain", "tls.expiri"]);
    let stderr = String::from_utf8_lossy(&typo.stderr);
    if typo.status.code() != Some(2)
        || !stderr.contains("did you mean `tls.expiry`")
        || stderr.lines().count() != 1
    {
        return Err(format!("explain of an unknown ID: {:?} {stderr}", typo.status).into());
    }
    Ok(())
}
