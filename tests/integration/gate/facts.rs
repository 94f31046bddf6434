//! Saved facts replayed with `--facts`: the profile given at replay (`ci` gates what
//! `preflight` warns on), `--save-facts` into a new report folder, `--skip` of no check, and a
//! tampered facts file refused naming the key.

use libtest_mimic::Failed;

use crate::lab::Lab;
use crate::tool;

pub(super) fn facts_replay_keeps_the_ci_profile(lab: &Lab) -> Result<(), Failed> {
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

/// A saved facts file carries its format; one of another format, a profile or layout this
/// build does not have, or a number out of range is exit 2 naming the key, never judged.
pub(super) fn tampered_facts(lab: &Lab) -> Result<(), Failed> {
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
