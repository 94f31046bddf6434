//! The scenario corpus: each `tests/scenarios/<name>.yaml` holds the values, the secrets, the
//! flags and the expected outcome of every check (and the exit code); one trial per file.

use std::collections::BTreeMap;
use std::path::Path;

use libtest_mimic::{Failed, Trial};
use serde::Deserialize;
use serde_json::Value;

use crate::lab::Lab;
use crate::tool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    #[allow(dead_code)]
    description: String,
    /// Values files of the repository (paths from its root), passed as `-f` first, in order.
    #[serde(default)]
    values_files: Vec<String>,
    /// Values files, passed as `-f` in order after `values_files`; `${NAME}` takes the lab's
    /// ports.
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    secrets: Option<Secrets>,
    /// Rendered objects, passed as `--manifests`: paths from the repository root (`${NAME}`
    /// in them takes the lab's ports).
    #[serde(default)]
    manifests: Vec<String>,
    /// Further flags.
    #[serde(default)]
    args: Vec<String>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Secrets {
    /// Arguments of `kubectl create secret`, one list per secret.
    #[serde(default)]
    kubectl: Vec<Vec<String>>,
    /// A manifest as text, for what kubectl would refuse to make.
    #[serde(default)]
    raw: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    exit: i32,
    /// For exit 2: a fragment of the one-line error.
    #[serde(default)]
    stderr: Option<String>,
    /// target → check ID → outcome. Every listed result must be in the report; a result not
    /// listed must be `pass` or `skip`.
    #[serde(default)]
    outcomes: BTreeMap<String, BTreeMap<String, String>>,
    /// `target/check` → a fragment its message must contain.
    #[serde(default)]
    messages: BTreeMap<String, String>,
}

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scenarios")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let lab = lab.clone();
            Trial::test(format!("scenario::{name}"), move || run(&lab, &name, &path))
        })
        .collect()
}

fn run(lab: &Lab, name: &str, path: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let scenario: Scenario =
        serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let work = tool::scratch(name);
    let mut args: Vec<String> = vec!["run".into()];
    for file in &scenario.values_files {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        args.extend(["-f".into(), path.display().to_string()]);
    }
    for (i, values) in scenario.values.iter().enumerate() {
        let file = format!("values-{i}.yaml");
        std::fs::write(work.join(&file), lab.substitute(values)).unwrap();
        args.extend(["-f".into(), file]);
    }
    if let Some(secrets) = &scenario.secrets {
        let mut manifests = Vec::new();
        for k in &secrets.kubectl {
            let args: Vec<String> = k.iter().map(|a| lab.substitute(a)).collect();
            manifests.push(tool::kubectl_secret(&args)?);
        }
        manifests.extend(secrets.raw.clone());
        std::fs::write(work.join("secrets.yaml"), manifests.join("---\n")).unwrap();
        args.extend(["--secrets".into(), "secrets.yaml".into()]);
    }
    for (i, m) in scenario.manifests.iter().enumerate() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(m);
        // A fixture rendered from values as written keeps their `${NAME}`s: the lab's ports.
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains("${") {
            let file = format!("manifests-{i}.yaml");
            std::fs::write(work.join(&file), lab.substitute(&text)).unwrap();
            args.extend(["--manifests".into(), file]);
        } else {
            args.extend(["--manifests".into(), path.display().to_string()]);
        }
    }
    args.extend(scenario.args.iter().map(|a| lab.substitute(a)));
    if scenario.expect.exit != 2 && !scenario.args.iter().any(|a| a == "--format") {
        args.extend(["--format".into(), "json".into()]);
    }
    let out = tool::run(&work, &args);
    // The report of every scenario, kept for comparing two versions of the tool (a
    // restructuring leaves every report byte-identical, timings aside: ci/compare-reports).
    if let Some(dir) = std::env::var_os("PREFLIGHT_SCENARIO_REPORTS") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        std::fs::write(
            dir.join(format!("{name}.out")),
            lab.unsubstitute(&out.stdout),
        )
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    let mut problems = Vec::new();
    if code != scenario.expect.exit {
        problems.push(format!(
            "exit code: expected {}, got {code}",
            scenario.expect.exit
        ));
    }
    if let Some(fragment) = &scenario.expect.stderr {
        let lines: Vec<&str> = stderr.lines().collect();
        if lines.len() != 1 || !lines[0].contains(fragment.as_str()) {
            problems.push(format!(
                "stderr: expected one line containing {fragment:?}, got {stderr:?}"
            ));
        }
    }
    if scenario.expect.exit != 2 {
        compare_report(lab, &scenario.expect, &stdout, &mut problems);
    } else if !stdout.is_empty() {
        problems.push(format!(
            "exit 2 must write no report, stdout was {stdout:?}"
        ));
    }
    if problems.is_empty() {
        let _ = std::fs::remove_dir_all(&work);
        return Ok(());
    }
    Err(format!("{}\nargs: {args:?}\nstderr: {stderr}", problems.join("\n")).into())
}

fn compare_report(lab: &Lab, expect: &Expect, stdout: &str, problems: &mut Vec<String>) {
    let report: Value = match serde_json::from_str(stdout) {
        Ok(v) => v,
        Err(e) => return problems.push(format!("stdout is not a JSON report ({e}): {stdout}")),
    };
    let mut actual: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for r in report["results"].as_array().into_iter().flatten() {
        let key = (
            r["target"].as_str().unwrap_or("").to_string(),
            r["check"].as_str().unwrap_or("").to_string(),
        );
        let value = (
            r["outcome"].as_str().unwrap_or("").to_string(),
            r["message"].as_str().unwrap_or("").to_string(),
        );
        actual.insert(key, value);
    }
    for (target, checks) in &expect.outcomes {
        for (check, outcome) in checks {
            match actual.remove(&(target.clone(), check.clone())) {
                Some((got, message)) if &got != outcome => problems.push(format!(
                    "{target} {check}: expected {outcome}, got {got} ({message})"
                )),
                Some(_) => {}
                None => problems.push(format!(
                    "{target} {check}: expected {outcome}, but the report has no such result"
                )),
            }
        }
    }
    // A verdict a user cannot act on is a defect: every fail, warn and unknown names its fix.
    for r in report["results"].as_array().into_iter().flatten() {
        let doubtful = matches!(r["outcome"].as_str(), Some("fail" | "warn" | "unknown"));
        if doubtful && r["remediation"].as_str().is_none_or(str::is_empty) {
            problems.push(format!(
                "{} {}: {} without a remediation ({})",
                r["target"], r["check"], r["outcome"], r["message"]
            ));
        }
    }
    // What a scenario does not list is expected to be unremarkable: `pass`, or `skip` for a
    // check that does not apply. Every fail, warn and unknown must be listed, so a new check
    // touches only the scenarios it is about, and no verdict that gates goes unnoticed.
    for ((target, check), (outcome, message)) in actual {
        if !expect.outcomes.is_empty() && !matches!(outcome.as_str(), "pass" | "skip") {
            problems.push(format!(
                "{target} {check}: {outcome} ({message}) is not in the scenario's expectations"
            ));
        }
    }
    for (key, fragment) in &expect.messages {
        let fragment = &lab.substitute(fragment);
        let (target, check) = key
            .rsplit_once('/')
            .expect("messages are keyed target/check");
        let found = report["results"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["target"] == target && r["check"] == check);
        match found.and_then(|r| r["message"].as_str()) {
            Some(m) if m.contains(fragment.as_str()) => {}
            Some(m) => problems.push(format!("{key}: message {m:?} lacks {fragment:?}")),
            None => problems.push(format!("{key}: no such result")),
        }
    }
}
