//! Stand-ins that speak RESP badly on purpose (`ci/hostile_server.py`): replies that are not
//! Redis, too large (an endless string, a huge or deep aggregate, a line without end, an INFO of
//! 20 MB or of 70,000 fields, a sample of 200,000), of the wrong shape, nil, or a RESP3 map.
//! Each is read within bounds and named, never taken for a pass.

use std::io::{Read, Write};
use std::net::TcpStream;

use libtest_mimic::Failed;

use super::run::{against, measured, preflight, secrets, values};
use super::servers::hostile;
use crate::tool;

pub(super) fn garbage() -> Result<(), Failed> {
    let (run, ..) = against("garbage", &[])?;
    run.expect(
        "auth.login",
        "fail",
        "did not answer as a Redis server (the reply is not Redis protocol)",
    )?;
    run.exit(3)
}

fn too_large(mode: &str, fragment: &str) -> Result<(), Failed> {
    let (run, ..) = against(mode, &[])?;
    run.expect("auth.login", "unknown", fragment)?;
    run.expect("redis.capacity", "skip", "")?;
    run.exit(4)
}

pub(super) fn endless_bulk() -> Result<(), Failed> {
    too_large(
        "endless-bulk",
        "reply too large: a string of 1073741824 bytes (the limit is 1 MiB)",
    )
}

pub(super) fn huge_array() -> Result<(), Failed> {
    too_large(
        "huge-array",
        "reply too large: an aggregate of 100000000 elements (the limit is 10000)",
    )
}

pub(super) fn deep() -> Result<(), Failed> {
    too_large(
        "deep",
        "reply too large: aggregates nested more than 16 deep",
    )
}

pub(super) fn endless_line() -> Result<(), Failed> {
    too_large(
        "endless-line",
        "reply too large: a line of more than 65536 bytes without end",
    )
}

pub(super) fn big_info() -> Result<(), Failed> {
    let (run, ..) = against("big-info", &[])?;
    run.expect(
        "redis.capacity",
        "unknown",
        "INFO could not be read (reply too large: a string of 2097",
    )?;
    // The server answers PING without a password: the login check warns.
    run.expect("auth.login", "warn", "without credentials")?;
    if run.exit != 3 && run.exit != 4 {
        return Err(format!("exit {}", run.exit).into());
    }
    Ok(())
}

// See: issue 18, items 4 and 5.
pub(super) fn wide_info() -> Result<(), Failed> {
    let dir = tool::scratch("wide-info-rules");
    let rules = dir.join("rules.yaml");
    let list: Vec<String> = (1..=60).map(|i| i.to_string()).collect();
    std::fs::write(
        &rules,
        format!(
            "rules:\n  - id: org.info-read\n    title: INFO is read\n    fix: none\n    when: 'info.stats.exists(k, k == \"f00001\")'\n\
             \x20 - id: org.loops\n    title: loops\n    fix: none\n    when: 'info.stats.all(a, [{}].all(x, a != \"\"))'\n",
            list.join(",")
        ),
    )
    .map_err(|e| e.to_string())?;
    let facts = dir.join("facts.json");
    let (run, ..) = against(
        "wide-info",
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--save-facts",
            facts.to_str().unwrap(),
        ],
    )?;
    run.expect("org.info-read", "pass", "holds")?;
    run.expect("org.loops", "pass", "holds")?;
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&facts).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let info = &saved["targets"][0]["session"]["value"]["info"]["value"];
    let kept = info.as_object().map_or(0, |m| m.len());
    if kept != 1024 || info.get("long_value").is_some() {
        return Err(format!("INFO kept {kept} fields (expected 1024, without long_value)").into());
    }
    // The saved facts are judged again within the same bounds.
    let replay = measured(
        &dir,
        &[
            "run",
            "--facts",
            facts.to_str().unwrap(),
            "--format",
            "json",
            "--rules",
            rules.to_str().unwrap(),
        ],
    )?;
    replay.bounded()?;
    replay.expect("org.info-read", "pass", "holds")?;
    // A facts file with more than a run keeps is refused, naming it.
    let more = std::fs::read_to_string(&facts)
        .map_err(|e| e.to_string())?
        .replacen("\"f00000\"", "\"extra\": \"1\", \"f00000\"", 1);
    std::fs::write(dir.join("more.json"), more).map_err(|e| e.to_string())?;
    let refused = measured(&dir, &["run", "--facts", "more.json", "--format", "json"])?;
    refused.exit(2)?;
    if !refused.stderr.contains("INFO has more than 1024 fields") {
        return Err(format!("stderr: {}", refused.stderr).into());
    }
    Ok(())
}

pub(super) fn flood() -> Result<(), Failed> {
    // PONG to every command, and more PONGs nobody asked for: no INFO, ROLE or HELLO was read,
    // so nothing that needs them passes.
    let (run, ..) = against("flood", &[])?;
    run.expect(
        "redis.capacity",
        "unknown",
        "INFO could not be read (unexpected reply shape)",
    )?;
    run.expect("redis.role", "unknown", "could not be read")?;
    run.expect(
        "redis.version",
        "unknown",
        "neither INFO nor HELLO told the server version",
    )?;
    run.exit(4)
}

pub(super) fn nil() -> Result<(), Failed> {
    let (server, port) = hostile("nil")?;
    let address = format!("127.0.0.1:{port}");
    let run = preflight("nil", &address, &[])?;
    run.bounded()?;
    run.expect("auth.login", "fail", "PING answered nil, not PONG")?;
    run.exit(3)?;

    let dir = tool::scratch("nil-auth");
    let values = values(&dir, &address, true);
    let secrets = secrets(&dir, Some("gloo"), "s3cret-nil")?;
    let run = measured(
        &dir,
        &[
            "run",
            "-f",
            values.to_str().unwrap(),
            "--secrets",
            secrets.to_str().unwrap(),
            "--format",
            "json",
        ],
    )?;
    run.bounded()?;
    run.expect("auth.login", "fail", "AUTH answered nil, not OK")?;
    drop(server);
    run.exit(3)
}

fn type_commands(port: u16) -> Result<i64, Failed> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.write_all(b"HOSTILE-STATS\r\n")
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 32];
    let n = s.read(&mut buf).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf[..n]);
    text.trim()
        .trim_start_matches(':')
        .parse()
        .map_err(|_| format!("HOSTILE-STATS answered {text:?}").into())
}

fn sample(mode: &str, fragment: &str) -> Result<(), Failed> {
    let (run, _server, port) = against(mode, &["--profile", "post-upgrade"])?;
    run.expect("data.snapshot", "unknown", fragment)?;
    // At most the TYPE of gloo.mesh.key.set itself: none for the members.
    let types = type_commands(port)?;
    if types > 1 {
        return Err(format!("{types} TYPE commands reached the server").into());
    }
    Ok(())
}

pub(super) fn srandmember() -> Result<(), Failed> {
    sample(
        "srandmember",
        "reply too large: an aggregate of 200000 elements",
    )
}

pub(super) fn srandmember_5000() -> Result<(), Failed> {
    sample(
        "srandmember-5000",
        "reply too large: SRANDMEMBER gloo.mesh.key.set 20 answered 5000 members",
    )
}

pub(super) fn resp3_map() -> Result<(), Failed> {
    let (run, ..) = against("resp3-map", &[])?;
    run.expect("redis.version", "pass", "7.2.4")?;
    run.expect("redis.role", "pass", "")?;
    Ok(())
}
