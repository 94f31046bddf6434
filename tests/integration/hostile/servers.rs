//! The servers hostile trials talk to: the RESP stand-in `ci/hostile_server.py`, real
//! redis-servers on a free loopback port, each a child process killed on drop; and the plain
//! inline commands that tell when one is up.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use libtest_mimic::Failed;

pub(super) fn root_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A child process killed on drop.
pub(super) struct Process(pub(super) Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `ci/hostile_server.py MODE 0`, and the port it listens on.
pub(super) fn hostile(mode: &str) -> Result<(Process, u16), Failed> {
    let mut child = Command::new("python3")
        .arg(root_dir().join("ci/hostile_server.py"))
        .args([mode, "0"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("hostile_server.py {mode} printed {line:?}"))?;
    Ok((Process(child), port))
}

/// A port free at the time of asking.
pub(super) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real redis-server with `args`, on loopback `port`, up when this returns.
pub(super) fn redis_server(dir: &Path, port: u16, args: &[&str]) -> Result<Process, Failed> {
    let process = spawn_redis(dir, port, args)?;
    wait_for_pong(&format!("127.0.0.1:{port}"))?;
    Ok(process)
}

pub(super) fn spawn_redis(dir: &Path, port: u16, args: &[&str]) -> Result<Process, Failed> {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(["--dir", dir.to_str().unwrap()])
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("redis-server: {e}"))?;
    Ok(Process(child))
}

/// Sends one inline command and returns the first line of the answer.
pub(super) fn command(addr: &str, line: &str) -> Result<String, Failed> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    s.write_all(format!("{line}\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    BufReader::new(s)
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    Ok(answer.trim_end().to_string())
}

pub(super) fn wait_for_pong(addr: &str) -> Result<(), Failed> {
    for _ in 0..100 {
        if let Ok(mut s) = TcpStream::connect(addr) {
            let _ = s.write_all(b"PING\r\n");
            let mut buf = [0u8; 64];
            if let Ok(n) = s.read(&mut buf)
                && buf[..n].starts_with(b"+PONG")
            {
                return Ok(());
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(format!("no PONG from {addr}").into())
}

/// Waits until `line` is answered with an error starting `-CODE`.
pub(super) fn wait_for_error(addr: &str, line: &str, code: &str) -> Result<(), Failed> {
    for _ in 0..100 {
        if command(addr, line).is_ok_and(|a| a.starts_with(&format!("-{code}"))) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(format!("{addr} never answered {line} with {code}").into())
}
