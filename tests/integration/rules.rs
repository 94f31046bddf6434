//! Rules of one's own where a scenario cannot reach: the report files and their consumers,
//! bad rule files refused with exit 2 by `run` and `list` alike, `list`, `explain` and
//! `schema --facts`. What a run judges with rules (verdicts, `--only`, `--skip`, a `--facts`
//! replay) is in the scenarios `tests/scenarios/rules-*.yaml`.

use std::path::Path;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::scenario;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("rules", name, f);
    vec![
        with("rules_appear_in_junit_and_markdown", files),
        with(
            "bad_rule_files_are_exit_2_naming_file_rule_and_position",
            |_| bad_files(),
        ),
        with("list_and_explain_show_the_rules", |_| list_and_explain()),
        with("schema_facts_prints_the_published_rule_environment", |_| {
            schema()
        }),
    ]
}

fn files(lab: &Lab) -> Result<(), Failed> {
    // The four targets and the five example policies of the scenario.
    let run = scenario::prepare(lab, "rules-example-policies")?;
    let (dir, mut args) = (run.work, run.args);
    args.extend(["--output-dir", "out"].map(String::from));
    let out = tool::run(&dir, &args);
    if out.status.code() != Some(3) {
        return Err(format!("expected exit 3, got {:?}", out.status).into());
    }
    let read = |name: &str| std::fs::read_to_string(dir.join("out").join(name));
    let junit = read("junit.xml").map_err(|e| e.to_string())?;
    let wanted = "<testcase name=\"org.maxmemory-set\" classname=\"redis-preflight.snapshot\"";
    if !junit.contains(wanted) {
        return Err(format!("junit.xml has no {wanted}").into());
    }
    let markdown = read("report.md").map_err(|e| e.to_string())?;
    if !markdown.contains("`org.maxmemory-set` on `snapshot`") {
        return Err("report.md does not list the failing rule".into());
    }
    // The reports' real consumers read the rule rows as they read the checks'.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let consumers = std::process::Command::new(tool::python())
        .arg(root.join("tests/consumers/check_reports.py"))
        .arg(dir.join("out"))
        .arg(root.join("docs/report.schema.json"))
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !consumers.status.success() {
        return Err(format!(
            "consumers disagree: {}{}",
            String::from_utf8_lossy(&consumers.stdout),
            String::from_utf8_lossy(&consumers.stderr)
        )
        .into());
    }
    let terminal = String::from_utf8_lossy(&out.stdout);
    if !terminal.contains("✖ org.maxmemory-set") || !terminal.contains("? org.maxmemory-set") {
        return Err(format!("the terminal report lacks the rule: {terminal}").into());
    }
    Ok(())
}

fn bad_files() -> Result<(), Failed> {
    let dir = tool::scratch("rules-bad");
    let rule = |id: &str, extra: &str, when: &str| {
        format!("rules:\n  - id: {id}\n    title: t\n    fix: f\n{extra}    when: {when}\n")
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "syntax.yaml",
            rule("org.x", "", "config[\"maxmemory\"] !="),
            "syntax.yaml:5: rule org.x: `when` line 1, column 23: does not parse",
        ),
        (
            "builtin.yaml",
            rule("redis.mine", "", "target.tls"),
            "builtin.yaml:2: rule redis.mine: the prefix `redis.` belongs to the built-in checks",
        ),
        (
            "variable.yaml",
            rule("org.v", "", "sever.version == \"7\""),
            "variable.yaml:5: rule org.v: `when` line 1, column 1: unknown variable `sever` (did you mean `server`?",
        ),
        (
            "severity.yaml",
            rule("org.s", "    severity: error\n", "target.tls"),
            "severity.yaml: line 5: unknown variant `error`",
        ),
        (
            "credential.yaml",
            rule("org.c", "", "config[\"requirepass\"] == \"\""),
            "rule org.c: `when`: config[\"requirepass\"] holds a credential",
        ),
        (
            "computed.yaml",
            rule("org.k", "", "config[\"max\" + \"memory\"] == \"0\""),
            "rule org.k: `when` line 1, column 14: config is read by parameter name",
        ),
        (
            "unknown-key.yaml",
            rule("org.u", "    owner: me\n", "target.tls"),
            "unknown-key.yaml: line 5: unknown field `owner`",
        ),
        (
            "not-yaml.yaml",
            "rules: [\n".to_string(),
            "not-yaml.yaml: line ",
        ),
    ];
    for (file, text, message) in &cases {
        std::fs::write(dir.join(file), text).map_err(|e| e.to_string())?;
        for args in [
            vec!["run", "--facts", "none.json", "--rules", file],
            vec!["list", "--rules", file],
        ] {
            let out = tool::run(&dir, &args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.code() != Some(2)
                || !stderr.contains(message)
                || stderr.trim().lines().count() != 1
                || !out.stdout.is_empty()
            {
                return Err(format!(
                    "{args:?}: expected exit 2 and one line with \"{message}\", got {:?}: {stderr}",
                    out.status
                )
                .into());
            }
        }
    }
    let twice = rule("org.a", "", "target.tls");
    std::fs::write(dir.join("a.yaml"), &twice).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("b.yaml"), &twice).map_err(|e| e.to_string())?;
    let out = tool::run(&dir, ["list", "--rules", "a.yaml", "--rules", "b.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(2)
        || !stderr.contains("b.yaml:2: rule org.a: duplicate ID (first at a.yaml:2)")
    {
        return Err(format!("a duplicate ID: {stderr}").into());
    }
    let out = tool::run(&dir, ["list", "--rules", "/dev/null"]);
    if out.status.code() != Some(2)
        || !String::from_utf8_lossy(&out.stderr)
            .contains("/dev/null: cannot read: not a regular file")
    {
        return Err("a rules file that is not a regular file is not refused".into());
    }
    Ok(())
}

fn list_and_explain() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("examples/rules/eviction-per-use-case.yaml");
    let file = file.to_str().unwrap();
    let list = tool::run(root, ["list", "--format", "json", "--rules", file]);
    let entries: Vec<serde_json::Value> =
        serde_json::from_slice(&list.stdout).map_err(|e| format!("list --format json: {e}"))?;
    let rule = entries
        .iter()
        .find(|e| e["id"] == "org.eviction-ratelimiter")
        .ok_or("list --rules does not list the rule")?;
    if rule["rule"]["severity"] != "warn" || rule["requires"][0] != "auth.login" {
        return Err(format!("list --rules: {rule}").into());
    }
    if !entries.iter().any(|e| e["id"] == "redis.noeviction") {
        return Err("list --rules drops the built-in checks".into());
    }
    let explain = tool::run(
        root,
        ["explain", "org.eviction-ratelimiter", "--rules", file],
    );
    let text = String::from_utf8_lossy(&explain.stdout);
    for part in [
        "org.eviction-ratelimiter — the rate limiter evicts only keys with an expiry",
        "info.memory.maxmemory_policy in [",
        "Use maxmemory-policy volatile-lru",
        "warn when the expression is false",
        "ratelimiter*",
    ] {
        if !text.contains(part) {
            return Err(format!("explain lacks \"{part}\": {text}").into());
        }
    }
    let unknown = tool::run(
        root,
        ["explain", "org.eviction-ratelimitr", "--rules", file],
    );
    if unknown.status.code() != Some(2)
        || !String::from_utf8_lossy(&unknown.stderr)
            .contains("did you mean `org.eviction-ratelimiter`")
    {
        return Err("explain of a misspelt rule ID does not suggest it".into());
    }
    Ok(())
}

fn schema() -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tool::run(root, ["schema", "--facts"]);
    let printed: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("schema --facts: {e}"))?;
    if printed["$id"] != "redis-preflight/facts/v1" {
        return Err(format!("schema --facts has no version: {}", printed["$id"]).into());
    }
    for part in ["target", "server", "info", "config", "values"] {
        if printed["properties"][part].is_null() {
            return Err(format!("schema --facts does not document `{part}`").into());
        }
    }
    let published =
        std::fs::read_to_string(root.join("docs/facts.schema.json")).map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&out.stdout) != published {
        return Err("docs/facts.schema.json is stale: run `redis-preflight schema --facts > docs/facts.schema.json`".into());
    }
    let report = tool::run(root, ["schema"]);
    let report: serde_json::Value =
        serde_json::from_slice(&report.stdout).map_err(|e| e.to_string())?;
    if report["title"] != "redis-preflight report v1" {
        return Err("schema without --facts no longer prints the report schema".into());
    }
    Ok(())
}
