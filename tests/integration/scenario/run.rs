//! The runner: one scenario run by the tool, its report kept when asked, judged, and its
//! saved facts replayed and judged again (the very results, no secret in the facts).

use std::path::Path;
use std::process::Output;

use libtest_mimic::Failed;

use super::Prepared;
use super::judge::judge;
use super::model::{Expect, load};
use super::setup::{prepare_scenario, rules_args};
use crate::lab::Lab;
use crate::tool;

pub(super) fn run(lab: &Lab, name: &str, path: &Path) -> Result<(), Failed> {
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

/// A JSON report on stdout, unless the run is to stop at its input (exit 2) or the scenario
/// names a format.
fn json_unless_told(args: &mut Vec<String>, expect: &Expect, own: &[String]) {
    if expect.exit != 2 && !own.iter().any(|a| a == "--format") {
        args.extend(["--format".into(), "json".into()]);
    }
}
