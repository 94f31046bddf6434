//! What every run promises whatever the scenario: only reading commands on the wire, no
//! secret in any output, and a bounded run against a server that never answers.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("safety", name, f);
    vec![
        with(
            "only_reading_commands_reach_the_server",
            only_reading_commands,
        ),
        with("no_password_in_any_output", no_password_in_any_output),
        with(
            "a_silent_server_is_given_up_on_after_its_deadlines",
            silent_server_is_bounded,
        ),
        with("the_run_deadline_bounds_the_whole_run", run_deadline),
        with(
            "no_credentials_over_an_unverified_tls_connection",
            no_credentials_over_unverified_tls,
        ),
    ]
}

fn secrets(dir: &std::path::Path, user: &str, password: &str) -> Result<(), Failed> {
    let (user, password) = (
        format!("--from-literal=username={user}"),
        format!("--from-literal=password={password}"),
    );
    let manifest = tool::kubectl_secret(&[
        "generic",
        "redis-auth-secrets",
        "-n",
        "gloo-mesh",
        &user,
        &password,
    ])?;
    std::fs::write(dir.join("secrets.yaml"), manifest).map_err(|e| e.to_string())?;
    Ok(())
}

fn args(address: &str, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "run",
        "--set",
        "glooMgmtServer.enabled=true",
        "--set",
        &format!("redis.address={address}"),
        "--set",
        "redis.auth.enabled=true",
        "--set",
        "redis.deployment.enabled=false",
        "--set",
        "redis.connection.maxConnAge=30m",
        "--secrets",
        "secrets.yaml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// Commands the tool may send without --allow-write (DESIGN.md, "Read-only by default"), and the
/// replication chatter between the lab's primary and replica.
const READING: &[&str] = &[
    "auth",
    "hello",
    "ping",
    "info",
    "role",
    "config|get",
    "select",
    "client|setname",
    "client|setinfo",
    "acl|whoami",
    "replconf",
    "type",
    "scard",
    "srandmember",
    "sunion",
    "multi",
    "exists",
    "exec",
];

/// The zero-effect writes of the write check (`src/probe/write_access.rs`), argument for
/// argument: each is refused by Redis before it changes anything. No other form of these
/// commands may reach the server.
const ZERO_EFFECT: &[&[&str]] = &[
    &["set", "redis-preflight:write-check", "x", "EX", "0"],
    &["hset", "redis-preflight:write-check", "f", "v", "f"],
    &[
        "xadd",
        "redis-preflight:write-check",
        "MAXLEN",
        "-1",
        "*",
        "f",
        "v",
    ],
    &["incrby", "redis-preflight:write-check", "x"],
    &["expire", "redis-preflight:write-check", "x"],
];

/// The arguments of a MONITOR line (`1700000000.1 [0 127.0.0.1:5] "set" "k" "x"`), the
/// command lower-cased.
fn monitor_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut arg = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => arg.extend(chars.next()),
                '"' => break,
                c => arg.push(c),
            }
        }
        args.push(arg);
    }
    if let Some(first) = args.first_mut() {
        *first = first.to_lowercase();
    }
    args
}

/// `INFO commandstats` as command → calls. Unlike MONITOR, it also counts admin commands
/// (MONITOR never shows CONFIG).
fn command_calls(lab: &Lab) -> Result<std::collections::BTreeMap<String, u64>, Failed> {
    let text = primary_cli(lab, &["info", "commandstats"])?;
    Ok(text
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter_map(|l| {
            let (name, rest) = l.split_once(':')?;
            let calls = rest
                .split(',')
                .find_map(|kv| kv.strip_prefix("calls="))?
                .parse()
                .ok()?;
            Some((name.to_string(), calls))
        })
        .collect())
}

/// `DBSIZE` of the primary.
fn dbsize(lab: &Lab) -> Result<String, Failed> {
    Ok(primary_cli(lab, &["dbsize"])?.trim().to_string())
}

/// `redis-cli` against the lab's primary as the user `gloo`: what it printed.
fn primary_cli(lab: &Lab, command: &[&str]) -> Result<String, Failed> {
    let out = Command::new("redis-cli")
        .args([
            "-p",
            &lab.port("PRIMARY"),
            "--user",
            "gloo",
            "--pass",
            "gloo-pass",
        ])
        .arg("--no-auth-warning")
        .args(command)
        .output()
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn only_reading_commands(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("monitor");
    secrets(&dir, "gloo", "gloo-pass")?;
    let before = command_calls(lab)?;
    let keys_before = dbsize(lab)?;
    let mut monitor = Command::new("redis-cli")
        .args([
            "-p",
            &lab.port("PRIMARY"),
            "--user",
            "gloo",
            "--pass",
            "gloo-pass",
            "--no-auth-warning",
            "monitor",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("redis-cli monitor: {e}"))?;
    let mut lines = BufReader::new(monitor.stdout.take().unwrap()).lines();
    assert_eq!(
        lines
            .next()
            .transpose()
            .map_err(|e| e.to_string())?
            .as_deref(),
        Some("OK")
    );
    // post-upgrade: the widest set of reads, the snapshot's too.
    let address = format!("127.0.0.1:{}", lab.port("PRIMARY"));
    let out = tool::run(
        &dir,
        args(&address, &["--format", "json", "--profile", "post-upgrade"]),
    );
    if out.status.code() != Some(0) {
        return Err(format!(
            "expected a clean run, got {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    // A marker after the run: everything before it in MONITOR's stream is the run's.
    Command::new("redis-cli")
        .args([
            "-p",
            &lab.port("PRIMARY"),
            "--user",
            "gloo",
            "--pass",
            "gloo-pass",
            "--no-auth-warning",
            "ping",
            "end-of-run",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    let mut seen = Vec::new();
    let mut writes: Vec<Vec<String>> = Vec::new();
    for line in lines {
        let line = line.map_err(|e| e.to_string())?;
        if line.contains("\"end-of-run\"") {
            break;
        }
        let args = monitor_args(&line);
        let command = args.first().cloned().unwrap_or_default();
        if !READING.contains(&command.as_str()) {
            writes.push(args);
        }
        seen.push(command);
    }
    let _ = monitor.kill();
    let _ = monitor.wait();
    let after = command_calls(lab)?;
    // The test's own connections: MONITOR, the marker PING, the INFO reading the stats, DBSIZE.
    let own: &[&str] = &["monitor", "ping", "info", "auth", "hello", "dbsize"];
    let mut counted = Vec::new();
    let zero_effect = |name: &str| ZERO_EFFECT.iter().any(|form| form[0] == name);
    for (name, calls) in &after {
        let grew = calls - before.get(name).copied().unwrap_or(0);
        if grew > 0 {
            counted.push(name.clone());
            // A write command counts only in its zero-effect form, which MONITOR checks below.
            if !READING.contains(&name.as_str())
                && !own.contains(&name.as_str())
                && !zero_effect(name)
            {
                return Err(format!(
                    "INFO commandstats: `{name}` ran {grew} time(s) during a read-only run"
                )
                .into());
            }
        }
    }
    // Exactly the zero-effect forms, each once, and nothing else that writes.
    let written: Vec<&Vec<String>> = writes
        .iter()
        .filter(|args| !ZERO_EFFECT.iter().any(|form| *form == args.as_slice()))
        .collect();
    if !written.is_empty() {
        return Err(format!("MONITOR saw non-reading commands: {written:?}").into());
    }
    for form in ZERO_EFFECT {
        let times = writes
            .iter()
            .filter(|args| *form == args.as_slice())
            .count();
        if times != 1 {
            return Err(
                format!("MONITOR saw the zero-effect {form:?} {times} time(s), not once").into(),
            );
        }
    }
    if dbsize(lab)? != keys_before {
        return Err("the number of keys changed during a read-only run".into());
    }
    // The run did read: an empty trace would prove nothing.
    for expected in ["info", "role", "hello", "srandmember"] {
        if !seen.iter().any(|c| c == expected) {
            return Err(format!("MONITOR saw no {expected}; saw {seen:?}").into());
        }
    }
    if !counted.iter().any(|c| c == "config|get") {
        return Err(format!("commandstats shows no CONFIG GET; counted {counted:?}").into());
    }
    Ok(())
}

fn no_password_in_any_output(lab: &Lab) -> Result<(), Failed> {
    // A password with a trailing newline that the server rejects: the message talks about it
    // at length, and must still not show it.
    let password = "Sup3r-Secret-Value-7731\n";
    let dir = tool::scratch("leak");
    secrets(&dir, "gloo", password)?;
    let address = format!("127.0.0.1:{}", lab.port("PRIMARY"));
    let out = tool::run(&dir, args(&address, &["--output-dir", "reports"]));
    let mut texts = vec![
        (
            "stdout".to_string(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
    ];
    for entry in std::fs::read_dir(dir.join("reports")).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).map_err(|e| e.to_string())?,
        ));
    }
    if !texts[0].1.contains("auth.secret") || !texts[0].1.contains("whitespace") {
        return Err(format!("the run should discuss the stray newline: {}", texts[0].1).into());
    }
    let needles = ["Sup3r-Secret", "U3VwM3It", "gloo-pass"];
    for (name, text) in &texts {
        for needle in needles {
            if text.contains(needle) {
                return Err(format!("{name} contains a secret value ({needle})").into());
            }
        }
    }
    Ok(())
}

fn silent_server_is_bounded(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("silent");
    secrets(&dir, "gloo", "gloo-pass")?;
    let address = format!("127.0.0.1:{}", lab.port("SILENT"));
    let start = Instant::now();
    let out = tool::run(
        &dir,
        args(
            &address,
            &[
                "--set",
                "redis.connection.readTimeout=1s",
                "--format",
                "json",
            ],
        ),
    );
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() != Some(3) || !stdout.contains("no answer within readTimeout 1s") {
        return Err(format!("expected auth.login to fail with no answer: {stdout}").into());
    }
    // The deadline is 1s; several times that never flakes and still catches a hang.
    if elapsed > Duration::from_secs(10) {
        return Err(format!("a silent server took {elapsed:?}").into());
    }
    Ok(())
}

fn run_deadline(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("deadline");
    secrets(&dir, "gloo", "gloo-pass")?;
    let address = format!("127.0.0.1:{}", lab.port("SILENT"));
    let start = Instant::now();
    let out = tool::run(
        &dir,
        args(
            &address,
            &[
                "--set",
                "redis.connection.readTimeout=60s",
                "--timeout",
                "1s",
                "--output-dir",
                "reports",
            ],
        ),
    );
    let elapsed = start.elapsed();
    let report = std::fs::read_to_string(dir.join("reports/report.json"))
        .map_err(|e| format!("report.json: {e}"))?;
    if out.status.code() != Some(4)
        || !report.contains(
            "run deadline reached (--timeout) during the Redis session (login and reads) of ",
        )
    {
        return Err(format!(
            "expected exit 4 with auth.login unknown: {:?} {report}",
            out.status
        )
        .into());
    }
    if elapsed > Duration::from_secs(10) {
        return Err(format!("a 1s run deadline took {elapsed:?}").into());
    }
    Ok(())
}

/// DESIGN.md: no credentials are ever sent over a TLS connection whose verification failed.
/// The server's own counters say whether an AUTH arrived.
fn no_credentials_over_unverified_tls(lab: &Lab) -> Result<(), Failed> {
    let port = lab.port("TLS_OTHERCA");
    let certs = format!("{}/certs", lab.substitute("${LAB}"));
    let auth_calls = || -> Result<u64, Failed> {
        let out = Command::new("redis-cli")
            .args([
                "-p",
                &port,
                "--tls",
                "--cacert",
                &format!("{certs}/other-ca.crt"),
                "--user",
                "gloo",
                "--pass",
                "gloo-pass",
            ])
            .args(["--no-auth-warning", "info", "commandstats"])
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = text
            .lines()
            .find(|l| l.starts_with("cmdstat_auth:"))
            .ok_or(format!("no AUTH counter in {text}"))?;
        Ok(line
            .split("calls=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    };
    let dir = tool::scratch("unverified-tls");
    secrets(&dir, "gloo", "gloo-pass")?;
    let ca_file = format!("--from-file=ca.crt={certs}/ca.crt");
    let ca = tool::kubectl_secret(&["generic", "redis-certs", "-n", "gloo-mesh", &ca_file])?;
    let auth = std::fs::read_to_string(dir.join("secrets.yaml")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("secrets.yaml"), format!("{auth}---\n{ca}"))
        .map_err(|e| e.to_string())?;
    let before = auth_calls()?;
    let out = tool::run(
        &dir,
        args(
            &format!("localhost:{port}"),
            &[
                "--set",
                "redis.certs.enabled=true",
                "--set",
                "redis.certs.caCertKey=ca.crt",
                "--format",
                "json",
            ],
        ),
    );
    let after = auth_calls()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("does not chain to the trusted CA") {
        return Err(format!("expected tls.ca-trust to fail: {stdout}").into());
    }
    // The counter check itself connected once with AUTH.
    if after != before + 1 {
        return Err(format!(
            "AUTH reached the server over an unverified connection ({before} -> {after})"
        )
        .into());
    }
    Ok(())
}
