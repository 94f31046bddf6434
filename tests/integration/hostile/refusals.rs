//! Real redis-servers made to refuse: every client slot taken (maxclients 1), a replica of a
//! dead primary, a dataset still loading, a script past busy-reply-threshold, a replica
//! answering MASTERDOWN. Each refusal is named, and is unknown or fail as the checks decide.

use std::io::{Read, Write};
use std::net::TcpStream;

use libtest_mimic::Failed;

use super::run::preflight;
use super::servers::{command, free_port, redis_server, spawn_redis, wait_for_error};
use crate::tool;

pub(super) fn maxclients() -> Result<(), Failed> {
    let dir = tool::scratch("maxclients");
    let port = free_port();
    let _redis = redis_server(&dir, port, &["--maxclients", "1"])?;
    // Hold the one client slot.
    let mut held = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    held.write_all(b"PING\r\n").map_err(|e| e.to_string())?;
    let mut buf = [0u8; 16];
    let _ = held.read(&mut buf);
    for _ in 0..3 {
        let run = preflight("maxclients", &format!("127.0.0.1:{port}"), &[])?;
        run.bounded()?;
        run.expect(
            "redis.capacity",
            "fail",
            "every client slot is taken (ERR max number of clients reached)",
        )?;
        run.expect(
            "auth.login",
            "unknown",
            "refused the connection before the login",
        )?;
        run.exit(3)?;
    }
    drop(held);
    Ok(())
}

pub(super) fn dead_primary() -> Result<(), Failed> {
    let dir = tool::scratch("dead-primary");
    let (port, dead) = (free_port(), free_port());
    let _redis = redis_server(&dir, port, &["--replicaof", "127.0.0.1", &dead.to_string()])?;
    let run = preflight("dead-primary", &format!("127.0.0.1:{port}"), &[])?;
    run.bounded()?;
    run.expect(
        "redis.role",
        "fail",
        &format!("its link to the primary is down (master_link_status:down): 127.0.0.1:{dead} is unreachable"),
    )?;
    run.exit(3)
}

pub(super) fn real_loading() -> Result<(), Failed> {
    let dir = tool::scratch("loading");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    // A dataset of 40,000 keys, saved.
    let first = redis_server(&dir, port, &["--enable-debug-command", "yes"])?;
    for line in ["DEBUG POPULATE 40000", "SAVE"] {
        let answer = command(&addr, line)?;
        if answer != "+OK" {
            return Err(format!("{line}: {answer}").into());
        }
    }
    drop(first);
    // Loaded again at half a millisecond per key (20 s), answering clients meanwhile.
    let _loading = spawn_redis(
        &dir,
        port,
        &[
            "--key-load-delay",
            "500",
            "--loading-process-events-interval-bytes",
            "1024",
        ],
    )?;
    let mut loading = false;
    for _ in 0..100 {
        if command(&addr, "PING").is_ok_and(|a| a.starts_with("-LOADING")) {
            loading = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if !loading {
        return Err("the restarted redis-server never answered LOADING".into());
    }
    let run = preflight("loading", &addr, &[])?;
    run.bounded()?;
    run.expect(
        "auth.login",
        "unknown",
        "loading its dataset into memory and answers nothing else yet (LOADING",
    )?;
    run.exit(4)
}

pub(super) fn real_busy() -> Result<(), Failed> {
    let dir = tool::scratch("busy");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _redis = redis_server(&dir, port, &["--busy-reply-threshold", "100"])?;
    // A script that never ends, from a side client kept open; the server is killed on drop.
    let mut side = TcpStream::connect(&addr).map_err(|e| e.to_string())?;
    side.write_all(b"EVAL \"while true do end\" 0\r\n")
        .map_err(|e| e.to_string())?;
    wait_for_error(&addr, "PING", "BUSY")?;
    let run = preflight("busy", &addr, &[])?;
    run.bounded()?;
    run.expect(
        "auth.login",
        "unknown",
        "a script or function has run past busy-reply-threshold (lua-time-limit) and the server answers every command with BUSY",
    )?;
    let fix = run.report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["check"] == "auth.login")
        .and_then(|r| r["remediation"].as_str())
        .unwrap_or_default();
    if !fix.contains("SCRIPT KILL") {
        return Err(format!("auth.login's fix does not name SCRIPT KILL: {fix}").into());
    }
    run.expect("redis.role", "skip", "auth.login")?;
    drop(side);
    run.exit(4)
}

pub(super) fn real_masterdown() -> Result<(), Failed> {
    let dir = tool::scratch("masterdown");
    let (port, dead) = (free_port(), free_port());
    let addr = format!("127.0.0.1:{port}");
    let _redis = spawn_redis(
        &dir,
        port,
        &[
            "--replicaof",
            "127.0.0.1",
            &dead.to_string(),
            "--replica-serve-stale-data",
            "no",
        ],
    )?;
    wait_for_error(&addr, "PING", "MASTERDOWN")?;
    let run = preflight("masterdown", &addr, &[])?;
    run.bounded()?;
    run.expect(
        "auth.login",
        "fail",
        "the address is a replica whose link to its primary is down, and with replica-serve-stale-data no it answers every read with MASTERDOWN",
    )?;
    run.exit(3)
}
