//! The expectations compared with a run: the exit code, the one-line error, and the JSON
//! report's outcomes and messages (every fail, warn and unknown listed and naming its fix,
//! nothing absent present, nothing more when the scenario lists the whole report).

use std::collections::BTreeMap;
use std::process::Output;

use serde_json::Value;

use super::model::Expect;
use crate::lab::Lab;

/// What in `out` differs from `expect`.
pub(super) fn judge(lab: &Lab, expect: &Expect, out: &Output) -> Vec<String> {
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
