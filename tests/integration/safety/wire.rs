//! Only reading commands on the wire: every command the tool sends to the lab's primary,
//! seen by MONITOR and counted by `INFO commandstats`, is one it may send without
//! --allow-write, or a zero-effect write refused before it changes anything; the dataset's
//! size is the same after the run.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use libtest_mimic::Failed;

use super::{args, secrets};
use crate::lab::Lab;
use crate::tool;

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

pub(super) fn only_reading_commands(lab: &Lab) -> Result<(), Failed> {
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
