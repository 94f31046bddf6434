//! Rules of one's own: the example policies of `examples/rules/` judged against the lab, as
//! peers of the built-in checks (reports, exit code, `--only`, `--facts` replay, `list`,
//! `explain`), and bad rule files refused with exit 2.

use std::path::{Path, PathBuf};
use std::process::Output;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("rules", name, f);
    vec![
        with(
            "the_example_policies_reach_their_verdicts",
            example_policies,
        ),
        with(
            "a_replay_of_the_saved_facts_gives_the_same_verdicts",
            replay,
        ),
        with("only_selects_a_rule_and_the_exit_code_follows", only),
        with("rules_skip_where_there_is_no_session", no_session),
        with("a_restricted_user_gets_unknown_never_fail", restricted),
        with("facts_saved_without_the_rule_say_so", saved_without),
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

const EXAMPLES: [&str; 5] = [
    "tls-everywhere.yaml",
    "redis-7.2.yaml",
    "maxmemory-set.yaml",
    "no-default-user.yaml",
    "eviction-per-use-case.yaml",
];

fn examples() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    EXAMPLES
        .iter()
        .flat_map(|f| {
            [
                "--rules".to_string(),
                root.join("examples/rules").join(f).display().to_string(),
            ]
        })
        .collect()
}

/// Four targets: the primary (ACL user `gloo`, maxmemory 0, noeviction), the TLS primary,
/// the managed server (no username, CONFIG renamed away, volatile-lru) and the evicting one
/// (password only, maxmemory 2mb, allkeys-lru).
fn setup(lab: &Lab, name: &str) -> Result<(PathBuf, Vec<String>), Failed> {
    let dir = tool::scratch(name);
    let values = lab.substitute(
        "glooMgmtServer: {enabled: true}\nglooInsightsEngine: {enabled: true}\nextAuthService: {enabled: true}\nrateLimiter: {enabled: true}\ncommon: {addonNamespace: gloo-mesh-addons}\n\
         redis: {address: \"127.0.0.1:${PRIMARY_PORT}\", deployment: {enabled: false}, auth: {enabled: true}}\n\
         redisStore:\n\
         \x20 insights: {client: {address: \"localhost:${TLS_PORT}\", auth: {enabled: true}, certs: {enabled: true, secretName: redis-certs, caCertKey: ca.crt}}}\n\
         \x20 extAuthService: {client: {address: \"127.0.0.1:${MANAGED_PORT}\", auth: {enabled: true, secretName: managed-auth}}}\n\
         \x20 rateLimiter: {client: {address: \"127.0.0.1:${LRU_PORT}\", auth: {enabled: true, secretName: lru-auth}}}\n",
    );
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    let ca = format!(
        "--from-file=ca.crt={}",
        lab.substitute("${LAB}/certs/ca.crt")
    );
    let manifests = [
        tool::kubectl_secret(&[
            "generic",
            "redis-auth-secrets",
            "-n",
            "gloo-mesh",
            "--from-literal=username=gloo",
            "--from-literal=password=gloo-pass",
        ])?,
        tool::kubectl_secret(&["generic", "redis-certs", "-n", "gloo-mesh", &ca])?,
        tool::kubectl_secret(&[
            "generic",
            "managed-auth",
            "-n",
            "gloo-mesh-addons",
            "--from-literal=password=managed-pass",
        ])?,
        tool::kubectl_secret(&[
            "generic",
            "lru-auth",
            "-n",
            "gloo-mesh-addons",
            "--from-literal=password=lru-pass",
        ])?,
    ];
    std::fs::write(dir.join("secrets.yaml"), manifests.join("---\n")).map_err(|e| e.to_string())?;
    let mut args: Vec<String> = ["run", "-f", "values.yaml", "--secrets", "secrets.yaml"]
        .map(String::from)
        .to_vec();
    args.extend(examples());
    Ok((dir, args))
}

/// `(target, check) → (outcome, message)` of the rules (`org.*`) in a JSON report.
fn rule_verdicts(out: &Output) -> Result<Vec<(String, String, String, String)>, Failed> {
    Ok(tool::verdicts(&out.stdout)?
        .into_iter()
        .filter(|v| v.check.starts_with("org."))
        .map(|v| (v.target, v.check, v.outcome, v.message))
        .collect())
}

/// The lab's Redis version from the report: Debian's may move past 7.2 one day.
fn lab_is_7_2_or_later(out: &Output) -> Result<bool, Failed> {
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let version = report["targets"][0]["server"]["version"]
        .as_str()
        .ok_or("the report names no server version")?;
    let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    Ok(parts.first() > Some(&7) || (parts.first() == Some(&7) && parts.get(1) >= Some(&2)))
}

fn expect(
    verdicts: &[(String, String, String, String)],
    expected: &[(&str, &str, &str, &str)],
) -> Result<(), Failed> {
    for (target, check, outcome, message) in expected {
        let found = verdicts
            .iter()
            .find(|(t, c, _, _)| t == target && c == check)
            .ok_or_else(|| format!("no {check} on {target}: {verdicts:#?}"))?;
        if found.2 != *outcome || !found.3.contains(message) {
            return Err(format!(
                "{check} on {target}: expected {outcome} with \"{message}\", got {} \"{}\"",
                found.2, found.3
            )
            .into());
        }
    }
    Ok(())
}

fn example_policies(lab: &Lab) -> Result<(), Failed> {
    let (dir, mut args) = setup(lab, "rules-examples")?;
    args.extend(["--format", "json"].map(String::from));
    let out = tool::run(&dir, &args);
    if out.status.code() != Some(3) {
        return Err(format!(
            "expected exit 3, got {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let verdicts = rule_verdicts(&out)?;
    let version = if lab_is_7_2_or_later(&out)? {
        "pass"
    } else {
        "fail"
    };
    expect(
        &verdicts,
        &[
            (
                "snapshot",
                "org.tls-everywhere",
                "fail",
                "target.tls is false",
            ),
            (
                "insights",
                "org.tls-everywhere",
                "pass",
                "target.tls is true",
            ),
            (
                "extauth",
                "org.tls-everywhere",
                "fail",
                "target.tls is false",
            ),
            (
                "ratelimiter",
                "org.tls-everywhere",
                "fail",
                "target.tls is false",
            ),
            (
                "snapshot",
                "org.redis-7-2",
                version,
                "server.version_parts[0] is 7",
            ),
            (
                "extauth",
                "org.redis-7-2",
                version,
                "server.flavor is \"redis\"",
            ),
            (
                "snapshot",
                "org.maxmemory-set",
                "fail",
                "config[\"maxmemory\"] is \"0\"",
            ),
            (
                "insights",
                "org.maxmemory-set",
                "fail",
                "config[\"maxmemory\"] is \"0\"",
            ),
            // CONFIG is renamed away: never a false fail, and the cause is named.
            (
                "extauth",
                "org.maxmemory-set",
                "unknown",
                "the server refused CONFIG GET maxmemory",
            ),
            (
                "ratelimiter",
                "org.maxmemory-set",
                "pass",
                "config[\"maxmemory\"] is \"2097152\"",
            ),
            (
                "snapshot",
                "org.no-default-user",
                "pass",
                "target.auth.username is true",
            ),
            (
                "insights",
                "org.no-default-user",
                "pass",
                "target.auth.username is true",
            ),
            (
                "extauth",
                "org.no-default-user",
                "fail",
                "target.auth.username is false",
            ),
            (
                "ratelimiter",
                "org.no-default-user",
                "fail",
                "target.auth.username is false",
            ),
            (
                "snapshot",
                "org.eviction-snapshot",
                "pass",
                "info.memory.maxmemory_policy is \"noeviction\"",
            ),
            (
                "extauth",
                "org.eviction-snapshot",
                "fail",
                "info.memory.maxmemory_policy is \"volatile-lru\"",
            ),
            (
                "ratelimiter",
                "org.eviction-ratelimiter",
                "warn",
                "info.memory.maxmemory_policy is \"allkeys-lru\"",
            ),
        ],
    )?;
    // `targets` scopes a rule: no row where it does not apply.
    for (target, check) in [
        ("ratelimiter", "org.eviction-snapshot"),
        ("snapshot", "org.eviction-ratelimiter"),
        ("extauth", "org.eviction-ratelimiter"),
    ] {
        if verdicts
            .iter()
            .any(|(t, c, _, _)| t == target && c == check)
        {
            return Err(format!("{check} reported on {target}, outside its targets").into());
        }
    }
    // Every non-pass rule verdict carries its fix, as the built-in checks' do.
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    for r in report["results"].as_array().into_iter().flatten() {
        let rule = r["check"].as_str().unwrap_or_default().starts_with("org.");
        if rule && r["outcome"] != "pass" && !r["remediation"].is_string() {
            return Err(format!("no remediation: {r}").into());
        }
    }
    Ok(())
}

fn replay(lab: &Lab) -> Result<(), Failed> {
    let (dir, mut args) = setup(lab, "rules-replay")?;
    args.extend(["--format", "json", "--save-facts", "facts.json"].map(String::from));
    let live = tool::run(&dir, &args);
    let mut again: Vec<String> = ["run", "--facts", "facts.json", "--format", "json"]
        .map(String::from)
        .to_vec();
    again.extend(examples());
    let replayed = tool::run(&dir, &again);
    let live_verdicts = rule_verdicts(&live)?;
    if live_verdicts.len() < 17 {
        return Err(format!("too few rule verdicts live: {live_verdicts:#?}").into());
    }
    if live_verdicts != rule_verdicts(&replayed)? || live.status.code() != replayed.status.code() {
        return Err("the replayed facts give other rule verdicts than the live run".into());
    }
    let facts = std::fs::read_to_string(dir.join("facts.json")).map_err(|e| e.to_string())?;
    let facts: serde_json::Value = serde_json::from_str(&facts).map_err(|e| e.to_string())?;
    // The CONFIG parameter only a rule names is in the facts, observed or refused.
    let config = |i: usize| facts["targets"][i]["session"]["value"]["config"]["maxmemory"].clone();
    if config(0)["value"] != "0" || config(2)["status"] != "refused" {
        return Err(format!(
            "the facts lack the rules' CONFIG reads: {} {}",
            config(0),
            config(2)
        )
        .into());
    }
    let text = facts.to_string();
    for secret in ["gloo-pass", "managed-pass", "lru-pass"] {
        if text.contains(secret) {
            return Err(format!("the facts file holds a password ({secret})").into());
        }
    }
    Ok(())
}

fn only(lab: &Lab) -> Result<(), Failed> {
    let (dir, args) = setup(lab, "rules-only")?;
    for (glob, exit, count) in [
        ("org.maxmemory-set", 3, 4),
        ("org.eviction-ratelimiter", 4, 1),
    ] {
        let mut args = args.clone();
        args.extend(["--format", "json", "--only", glob].map(String::from));
        let out = tool::run(&dir, &args);
        let verdicts = tool::verdicts(&out.stdout)?;
        if verdicts.len() != count || verdicts.iter().any(|v| v.check != glob) {
            return Err(format!("--only {glob}: {verdicts:#?}").into());
        }
        if out.status.code() != Some(exit) {
            return Err(
                format!("--only {glob}: expected exit {exit}, got {:?}", out.status).into(),
            );
        }
    }
    let mut skipping = args.clone();
    skipping.extend(["--format", "json", "--skip", "org.*"].map(String::from));
    let out = tool::run(&dir, &skipping);
    if tool::verdicts(&out.stdout)?
        .iter()
        .any(|v| v.check.starts_with("org."))
    {
        return Err("--skip 'org.*' left rules in the report".into());
    }
    Ok(())
}

fn no_session(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("rules-no-session");
    let values = lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:${PRIMARY_PORT}\", deployment: {enabled: false}, auth: {enabled: true}}\n",
    );
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    let secret = tool::kubectl_secret(&[
        "generic",
        "redis-auth-secrets",
        "-n",
        "gloo-mesh",
        "--from-literal=username=gloo",
        "--from-literal=password=not-the-password",
    ])?;
    std::fs::write(dir.join("secrets.yaml"), secret).map_err(|e| e.to_string())?;
    let mut args: Vec<String> = [
        "run",
        "-f",
        "values.yaml",
        "--secrets",
        "secrets.yaml",
        "--format",
        "json",
    ]
    .map(String::from)
    .to_vec();
    args.extend(examples());
    let out = tool::run(&dir, &args);
    let verdicts = rule_verdicts(&out)?;
    if verdicts.len() != 5
        || verdicts
            .iter()
            .any(|(_, _, o, m)| o != "skip" || !m.contains("auth.login failed"))
    {
        return Err(format!("rules without a session: {verdicts:#?}").into());
    }
    // With auth.login left out, the blocked rule cannot hide as a harmless skip.
    args.extend(["--only", "org.tls-everywhere"].map(String::from));
    let out = tool::run(&dir, &args);
    let verdicts = rule_verdicts(&out)?;
    if verdicts.len() != 1 || verdicts[0].2 != "unknown" || out.status.code() != Some(4) {
        return Err(format!("--only a blocked rule: {verdicts:#?} {:?}", out.status).into());
    }
    Ok(())
}

fn files(lab: &Lab) -> Result<(), Failed> {
    let (dir, mut args) = setup(lab, "rules-files")?;
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

/// The ACL user `app` (`+@all -@dangerous`) may not run INFO or CONFIG; HELLO still tells the
/// version.
fn restricted(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("rules-restricted");
    let values = lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:${PRIMARY_PORT}\", deployment: {enabled: false}, auth: {enabled: true}}\n",
    );
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    let secret = tool::kubectl_secret(&[
        "generic",
        "redis-auth-secrets",
        "-n",
        "gloo-mesh",
        "--from-literal=username=app",
        "--from-literal=password=app-pass",
    ])?;
    std::fs::write(dir.join("secrets.yaml"), secret).map_err(|e| e.to_string())?;
    let mut args: Vec<String> = [
        "run",
        "-f",
        "values.yaml",
        "--secrets",
        "secrets.yaml",
        "--format",
        "json",
    ]
    .map(String::from)
    .to_vec();
    args.extend(examples());
    let out = tool::run(&dir, &args);
    let verdicts = rule_verdicts(&out)?;
    let version = if lab_is_7_2_or_later(&out)? {
        "pass"
    } else {
        "fail"
    };
    expect(
        &verdicts,
        &[
            (
                "snapshot",
                "org.eviction-snapshot",
                "unknown",
                "INFO was not readable (NOPERM",
            ),
            (
                "snapshot",
                "org.maxmemory-set",
                "unknown",
                "the server refused CONFIG GET maxmemory (NOPERM",
            ),
            (
                "snapshot",
                "org.redis-7-2",
                version,
                "server.version_parts[0] is 7",
            ),
            (
                "snapshot",
                "org.no-default-user",
                "pass",
                "target.auth.username is true",
            ),
        ],
    )
}

/// Facts saved by a run without the rule hold no CONFIG value for it: `unknown`, saying so.
fn saved_without(lab: &Lab) -> Result<(), Failed> {
    let (dir, _) = setup(lab, "rules-saved-without")?;
    tool::run(
        &dir,
        [
            "run",
            "-f",
            "values.yaml",
            "--secrets",
            "secrets.yaml",
            "--save-facts",
            "facts.json",
        ],
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rule = root.join("examples/rules/maxmemory-set.yaml");
    let out = tool::run(
        &dir,
        [
            "run",
            "--facts",
            "facts.json",
            "--format",
            "json",
            "--rules",
            rule.to_str().unwrap(),
        ],
    );
    expect(
        &rule_verdicts(&out)?,
        &[(
            "snapshot",
            "org.maxmemory-set",
            "unknown",
            "the facts hold no CONFIG GET maxmemory (saved by a run without this rule?)",
        )],
    )
}
