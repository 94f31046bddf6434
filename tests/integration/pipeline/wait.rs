//! `--wait`: probe again until a replica comes online (a redis-server of the trial's own,
//! started during the wait), give up at the deadline with the last round's verdicts, or end at
//! once on what waiting cannot change.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::Failed;

use super::{exit, report, write};
use crate::lab::Lab;
use crate::tool;

/// A free loopback port: bound, then let go for a server to take.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").port()
}

/// A redis-server of this test's own; killed on drop.
struct Server(std::process::Child);

impl Server {
    fn start(port: u16, extra: &[&str]) -> Result<Server, Failed> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no", "--dir", "/tmp"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e}"))?;
        let server = Server(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                return Err(format!("redis-server on {port} did not start").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A primary whose replica is not there yet: the preflight waits, the replica starts during
/// the wait, and the run passes on a later round.
pub(super) fn wait_for_replica() -> Result<(), Failed> {
    let dir = tool::scratch("wait-replica");
    let primary_port = free_port();
    let _primary = Server::start(primary_port, &[])?;
    let values = format!(
        "glooMgmtServer: {{enabled: true}}\nredis: {{address: \"127.0.0.1:{primary_port}\", deployment: {{enabled: false}}}}\n"
    );
    write(&dir, "values.yaml", &values)?;
    let run = Command::new(env!("CARGO_BIN_EXE_redis-preflight"))
        .args(["run", "-f", "values.yaml", "-o", "out", "--wait", "60s"])
        .args(["--only", "redis.ha-replica", "--only", "redis.role"])
        .current_dir(&dir)
        .env("KUBECONFIG", dir.join("no-such-kubeconfig"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    std::thread::sleep(Duration::from_millis(1500));
    let replica_port = free_port();
    let _replica = Server::start(
        replica_port,
        &["--replicaof", "127.0.0.1", &primary_port.to_string()],
    )?;
    let out = run.wait_with_output().map_err(|e| e.to_string())?;
    exit(&out, 0)?;
    let r = report(&dir)?;
    if r["wait"]["ended"] != "passed" || r["wait"]["rounds"].as_u64() < Some(2) {
        return Err(format!("the wait: {}", r["wait"]).into());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !stderr.contains("waiting: round 1")
        || !stderr.contains("redis.ha-replica fail on snapshot (since round 1)")
    {
        return Err(format!("progress on stderr names what still fails: {stderr}").into());
    }
    Ok(())
}

/// A server whose replica never comes: the run gives up at the deadline with the last
/// round's verdicts, within the deadline plus one round.
pub(super) fn wait_gives_up(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("wait-deadline");
    let values = lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:${NOAUTH_PORT}\", deployment: {enabled: false}}\n",
    );
    write(&dir, "values.yaml", &values)?;
    let started = Instant::now();
    let out = tool::run(
        &dir,
        [
            "run",
            "-f",
            "values.yaml",
            "-o",
            "out",
            "--wait",
            "3s",
            "--only",
            "redis.ha-replica",
        ],
    );
    let took = started.elapsed();
    exit(&out, 3)?;
    // Generous: the deadline, one more round, and a loaded machine.
    if took > Duration::from_secs(30) {
        return Err(format!("--wait 3s took {took:?}").into());
    }
    let r = report(&dir)?;
    if r["wait"]["ended"] != "deadline" || r["wait"]["rounds"].as_u64() < Some(2) {
        return Err(format!("the wait: {}", r["wait"]).into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("of --wait 3s over") {
        return Err(format!("the terminal says how long it waited: {stdout}").into());
    }
    Ok(())
}

/// A missing secret cannot appear by waiting for the server: one round, at once.
pub(super) fn wait_unchanging() -> Result<(), Failed> {
    let dir = tool::scratch("wait-unchanging");
    write(
        &dir,
        "values.yaml",
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:1\", deployment: {enabled: false}, auth: {enabled: true}}\n",
    )?;
    write(&dir, "secrets.yaml", "")?;
    let out = tool::run(
        &dir,
        [
            "run",
            "-f",
            "values.yaml",
            "--secrets",
            "secrets.yaml",
            "--wait",
            "60s",
            "--format",
            "json",
        ],
    );
    exit(&out, 3)?;
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    if r["wait"]["ended"] != "unchanging" || r["wait"]["rounds"] != 1 {
        return Err(format!("the wait: {}", r["wait"]).into());
    }
    // And saved facts do not change either.
    let out = tool::run(&dir, ["run", "--facts", "facts.json", "--wait", "1m"]);
    exit(&out, 2)?;
    Ok(())
}
