//! The scenario corpus: each `tests/scenarios/<name>.yaml` holds the values, the secrets, the
//! flags and the expected outcome of every check (and the exit code); one trial per file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

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
    /// Rules files of the repository (paths from its root), passed as `--rules` first.
    #[serde(default)]
    rules_files: Vec<String>,
    /// Rules files' contents, each written to a file and passed as `--rules` after
    /// `rules_files`.
    #[serde(default)]
    rules: Vec<String>,
    /// Further files written into the run's directory, name → content (`${NAME}` takes the
    /// lab's ports), for flags that name a file (`--waivers waivers.yaml`).
    #[serde(default)]
    files: BTreeMap<String, String>,
    /// Further flags.
    #[serde(default)]
    args: Vec<String>,
    expect: Expect,
    /// A second run that judges the facts this one saved (`--save-facts`, then `--facts`).
    #[serde(default)]
    replay: Option<Replay>,
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

/// `run --facts` on the facts the scenario's run saved, with the scenario's rules and these.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Replay {
    /// Rules files of the repository, passed after the scenario's rules.
    #[serde(default)]
    rules_files: Vec<String>,
    /// Rules files' contents, passed after `rules_files`.
    #[serde(default)]
    rules: Vec<String>,
    /// Further flags.
    #[serde(default)]
    args: Vec<String>,
    /// What the replay reports. Without it: what the scenario expects, and the very results
    /// (outcome and message) and exit code of the run that saved the facts.
    #[serde(default)]
    expect: Option<Expect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    exit: i32,
    /// For exit 2: a fragment of the one-line error.
    #[serde(default)]
    stderr: Option<String>,
    /// target → check ID → outcome. Every listed result must be in the report; a result not
    /// listed must be `pass` or `skip`. `${REDIS_7_2}` is `pass` when the lab's Redis is 7.2
    /// or later, else `fail`.
    #[serde(default)]
    outcomes: BTreeMap<String, BTreeMap<String, String>>,
    /// `target/check` → a fragment its message must contain.
    #[serde(default)]
    messages: BTreeMap<String, String>,
    /// Results the report must not have: `target/check`, or a check ID glob alone for every
    /// target (`org.*`).
    #[serde(default)]
    absent: Vec<String>,
    /// The listed outcomes are the whole report: it has no other result, whatever its outcome.
    #[serde(default)]
    complete: bool,
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

/// A scenario's run made ready: its directory with the files written, and the arguments
/// (`run`, values, secrets, manifests, rules, the scenario's flags).
pub struct Prepared {
    pub work: PathBuf,
    pub args: Vec<String>,
    /// The `--rules` arguments alone, which a replay passes again.
    rules: Vec<String>,
    /// The secrets' values that must not leave in the saved facts.
    secret_values: Vec<String>,
}

/// `tests/scenarios/<name>.yaml` made ready to run, for a trial that runs it its own way
/// (the report files of `--output-dir`, other formats).
pub fn prepare(lab: &Lab, name: &str) -> Result<Prepared, Failed> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/scenarios/{name}.yaml"));
    prepare_scenario(lab, name, &load(&path)?)
}

fn load(path: &Path) -> Result<Scenario, Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?)
}

fn prepare_scenario(lab: &Lab, name: &str, scenario: &Scenario) -> Result<Prepared, Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tool::scratch(name);
    let mut args: Vec<String> = vec!["run".into()];
    for file in &scenario.values_files {
        args.extend(["-f".into(), root.join(file).display().to_string()]);
    }
    for (i, values) in scenario.values.iter().enumerate() {
        let file = format!("values-{i}.yaml");
        std::fs::write(work.join(&file), lab.substitute(values)).unwrap();
        args.extend(["-f".into(), file]);
    }
    let mut secret_values = Vec::new();
    if let Some(secrets) = &scenario.secrets {
        let mut manifests = Vec::new();
        for k in &secrets.kubectl {
            let args: Vec<String> = k.iter().map(|a| lab.substitute(a)).collect();
            secret_values.extend(args.iter().filter_map(|a| secret_value(a)));
            manifests.push(tool::kubectl_secret(&args)?);
        }
        manifests.extend(secrets.raw.clone());
        std::fs::write(work.join("secrets.yaml"), manifests.join("---\n")).unwrap();
        args.extend(["--secrets".into(), "secrets.yaml".into()]);
    }
    for (i, m) in scenario.manifests.iter().enumerate() {
        let path = root.join(m);
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
    for (file, text) in &scenario.files {
        std::fs::write(work.join(file), lab.substitute(text)).unwrap();
    }
    let rules = rules_args(&work, "rules", &scenario.rules_files, &scenario.rules);
    args.extend(rules.iter().cloned());
    args.extend(scenario.args.iter().map(|a| lab.substitute(a)));
    Ok(Prepared {
        work,
        args,
        rules,
        secret_values,
    })
}

fn run(lab: &Lab, name: &str, path: &Path) -> Result<(), Failed> {
    let scenario = load(path)?;
    let Prepared {
        work,
        mut args,
        rules,
        secret_values,
    } = prepare_scenario(lab, name, &scenario)?;
    if scenario.replay.is_some() {
        args.extend(["--save-facts".into(), "facts.json".into()]);
    }
    json_unless_told(&mut args, &scenario.expect, &scenario.args);
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
    let mut problems = judge(lab, &scenario.expect, &out);
    let mut runs = format!(
        "args: {args:?}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(replay) = &scenario.replay {
        let facts = std::fs::read_to_string(work.join("facts.json")).unwrap_or_default();
        if facts.is_empty() {
            problems.push("the run saved no facts to replay".into());
        }
        // The facts leave the machine that probed: no secret goes with them.
        for secret in &secret_values {
            if facts.contains(secret.as_str()) {
                problems.push(format!("the saved facts hold a secret value ({secret})"));
            }
        }
        let mut again: Vec<String> = ["run", "--facts", "facts.json"].map(String::from).into();
        again.extend(rules);
        again.extend(rules_args(
            &work,
            "replay-rules",
            &replay.rules_files,
            &replay.rules,
        ));
        again.extend(replay.args.iter().map(|a| lab.substitute(a)));
        let expect = replay.expect.as_ref().unwrap_or(&scenario.expect);
        json_unless_told(&mut again, expect, &replay.args);
        let replayed = tool::run(&work, &again);
        problems.extend(
            judge(lab, expect, &replayed)
                .into_iter()
                .map(|p| format!("replay: {p}")),
        );
        // The judgement is a pure function of the facts: judged again, they give the very
        // results, messages and all, and the same exit code.
        if replay.expect.is_none() {
            let results = |out: &Output| tool::verdicts(&out.stdout).unwrap_or_default();
            let (live, again) = (results(&out), results(&replayed));
            if live != again {
                let gone: Vec<_> = live.iter().filter(|v| !again.contains(v)).collect();
                let new: Vec<_> = again.iter().filter(|v| !live.contains(v)).collect();
                problems.push(format!(
                    "the replayed facts give other results than the live run: live only \
                     {gone:?}, replay only {new:?}"
                ));
            }
            if out.status.code() != replayed.status.code() {
                problems.push(format!(
                    "the replay exits {:?}, the live run {:?}",
                    replayed.status.code(),
                    out.status.code()
                ));
            }
        }
        runs.push_str(&format!(
            "\nreplay args: {again:?}\nreplay stderr: {}",
            String::from_utf8_lossy(&replayed.stderr)
        ));
    }
    if problems.is_empty() {
        let _ = std::fs::remove_dir_all(&work);
        return Ok(());
    }
    Err(format!("{}\n{runs}", problems.join("\n")).into())
}

/// `--rules` for each file of the repository and each content, written into `work`.
fn rules_args(work: &Path, stem: &str, files: &[String], contents: &[String]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args = Vec::new();
    for file in files {
        args.extend(["--rules".into(), root.join(file).display().to_string()]);
    }
    for (i, text) in contents.iter().enumerate() {
        let file = format!("{stem}-{i}.yaml");
        std::fs::write(work.join(&file), text).unwrap();
        args.extend(["--rules".into(), file]);
    }
    args
}

/// A JSON report on stdout, unless the run is to stop at its input (exit 2) or the scenario
/// names a format.
fn json_unless_told(args: &mut Vec<String>, expect: &Expect, own: &[String]) {
    if expect.exit != 2 && !own.iter().any(|a| a == "--format") {
        args.extend(["--format".into(), "json".into()]);
    }
}

/// The value of a `kubectl create secret` argument `--from-literal=KEY=VALUE`, unless the key
/// names a user (a username is no secret, and the facts may show it).
fn secret_value(arg: &str) -> Option<String> {
    let (key, value) = arg.strip_prefix("--from-literal=")?.split_once('=')?;
    (!key.contains("user") && !value.is_empty()).then(|| value.to_string())
}

/// What in `out` differs from `expect`.
fn judge(lab: &Lab, expect: &Expect, out: &Output) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    let mut problems = Vec::new();
    if code != expect.exit {
        problems.push(format!("exit code: expected {}, got {code}", expect.exit));
    }
    if let Some(fragment) = &expect.stderr {
        let lines: Vec<&str> = stderr.lines().collect();
        if lines.len() != 1 || !lines[0].contains(fragment.as_str()) {
            problems.push(format!(
                "stderr: expected one line containing {fragment:?}, got {stderr:?}"
            ));
        }
    }
    if expect.exit != 2 {
        compare_report(lab, expect, &stdout, &mut problems);
    } else if !stdout.is_empty() {
        problems.push(format!(
            "exit 2 must write no report, stdout was {stdout:?}"
        ));
    }
    problems
}

/// An expected outcome with the lab's facts put in (see [`Expect::outcomes`]).
fn expected_outcome(lab: &Lab, outcome: &str) -> String {
    match outcome {
        "${REDIS_7_2}" if lab.redis_version() >= (7, 2) => "pass".into(),
        "${REDIS_7_2}" => "fail".into(),
        other => other.into(),
    }
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
    for pattern in &expect.absent {
        let (target, check) = match pattern.rsplit_once('/') {
            Some((t, c)) => (Some(t), c),
            None => (None, pattern.as_str()),
        };
        let glob = glob::Pattern::new(check).expect("absent: a check ID glob");
        for ((t, c), (outcome, message)) in &actual {
            if target.is_none_or(|target| target == t) && glob.matches(c) {
                problems.push(format!(
                    "{t} {c}: {outcome} ({message}), but the scenario expects no such result"
                ));
            }
        }
    }
    for (target, checks) in &expect.outcomes {
        for (check, outcome) in checks {
            let outcome = &expected_outcome(lab, outcome);
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
        if expect.complete {
            problems.push(format!(
                "{target} {check}: {outcome} ({message}), but the scenario lists the whole report"
            ));
        } else if !expect.outcomes.is_empty() && !matches!(outcome.as_str(), "pass" | "skip") {
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
