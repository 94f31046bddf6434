//! Trials in a network namespace of their own, joined by a veth pair (root only): protected
//! mode refusing a non-loopback client, and dual-stack dialing that falls back to the address
//! family that works when the other drops.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;

use libtest_mimic::Failed;

use super::run::{NEXT, Run, preflight};
use super::servers::{Process, root_dir, wait_for_pong};
use crate::tool;

/// A network namespace joined to this one by a veth pair, with an IPv4 and an IPv6 address
/// on each side; removed on drop.
struct Netns {
    name: String,
    v4: (String, String),
    v6: (String, String),
}

impl Netns {
    fn create(tag: &str) -> Result<Netns, Failed> {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let name = format!("rpf-{tag}-{pid}-{n}");
        let (host, peer) = (
            format!("rpf{}h{n}", pid % 100_000),
            format!("rpf{}p{n}", pid % 100_000),
        );
        let (a, b) = (200 + (n % 50), pid % 250);
        let v4 = (format!("10.{a}.{b}.1"), format!("10.{a}.{b}.2"));
        let v6 = (format!("fd00:{a}:{b}::1"), format!("fd00:{a}:{b}::2"));
        let ns = Netns {
            name: name.clone(),
            v4: v4.clone(),
            v6: v6.clone(),
        };
        ip(&["netns", "add", &name])?;
        ip(&["link", "add", &host, "type", "veth", "peer", "name", &peer])?;
        ip(&["link", "set", &peer, "netns", &name])?;
        ip(&["addr", "add", &format!("{}/24", v4.0), "dev", &host])?;
        ip(&[
            "-6",
            "addr",
            "add",
            &format!("{}/64", v6.0),
            "dev",
            &host,
            "nodad",
        ])?;
        ip(&["link", "set", &host, "up"])?;
        ns.exec(
            "ip",
            &["addr", "add", &format!("{}/24", v4.1), "dev", &peer],
        )?;
        ns.exec(
            "ip",
            &[
                "-6",
                "addr",
                "add",
                &format!("{}/64", v6.1),
                "dev",
                &peer,
                "nodad",
            ],
        )?;
        ns.exec("ip", &["link", "set", &peer, "up"])?;
        ns.exec("ip", &["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    fn exec(&self, cmd: &str, args: &[&str]) -> Result<(), Failed> {
        let mut all = vec!["netns", "exec", &self.name, cmd];
        all.extend_from_slice(args);
        ip(&all)
    }

    fn spawn(&self, cmd: &str, args: &[&str]) -> Result<Process, Failed> {
        Command::new("ip")
            .args(["netns", "exec", &self.name, cmd])
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .map(Process)
            .map_err(|e| e.to_string().into())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn ip(args: &[&str]) -> Result<(), Failed> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// A real redis-server inside `ns`, bound to both of its addresses.
fn redis_in(ns: &Netns, dir: &Path, port: u16, args: &[&str]) -> Result<Process, Failed> {
    let port_s = port.to_string();
    let mut all = vec![
        "--port",
        &port_s,
        "--bind",
        &ns.v4.1,
        &ns.v6.1,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let process = ns.spawn("redis-server", &all)?;
    wait_for_pong(&format!("{}:{port}", ns.v4.1))
        .or_else(|_| wait_for_pong(&format!("{}:{port}", ns.v4.1)))?;
    Ok(process)
}

pub(super) fn protected_mode() -> Result<(), Failed> {
    let ns = Netns::create("pm")?;
    let dir = tool::scratch("protected-mode");
    let port = 6379;
    let port_s = port.to_string();
    let _redis = ns.spawn(
        "redis-server",
        &[
            "--port",
            &port_s,
            "--bind",
            &ns.v4.1,
            "--protected-mode",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir.to_str().unwrap(),
        ],
    )?;
    // Up when it answers (with DENIED: this side is not loopback).
    let address = format!("{}:{port}", ns.v4.1);
    let mut up = false;
    for _ in 0..100 {
        if let Ok(mut s) = TcpStream::connect(&address) {
            let _ = s.write_all(b"PING\r\n");
            let mut buf = [0u8; 8];
            if s.read(&mut buf).is_ok_and(|n| n > 0) {
                up = true;
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if !up {
        return Err(format!("redis-server in {} did not answer", ns.name).into());
    }
    for _ in 0..3 {
        let run = preflight("protected-mode", &address, &[])?;
        run.bounded()?;
        run.expect(
            "auth.login",
            "fail",
            "the server runs in protected mode and refuses clients from other hosts (DENIED",
        )?;
        run.exit(3)?;
    }
    Ok(())
}

pub(super) fn dual_stack() -> Result<(), Failed> {
    let ns = Netns::create("ds")?;
    let dir = tool::scratch("dual-stack");
    let port = 6379;
    let _redis = redis_in(&ns, &dir, port, &["--protected-mode", "no"])?;
    // The name resolves to the IPv6 address first, then the IPv4 one.
    let dns_port = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port()
    };
    let _dns = Process(
        Command::new("python3")
            .arg(root_dir().join("ci/stub_server.py"))
            .args([
                "dns",
                &dns_port.to_string(),
                &format!("dual.lab.test={},{}", ns.v6.1, ns.v4.1),
            ])
            .spawn()
            .map_err(|e| e.to_string())?,
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let dns = format!("127.0.0.1:{dns_port}");
    let address = format!("dual.lab.test:{port}");
    let run = |case: &str| -> Result<Run, Failed> {
        let run = preflight(case, &address, &["--dns-server", &dns])?;
        run.bounded()?;
        Ok(run)
    };
    let drop_rule = |tool: &str, add: bool| {
        ns.exec(
            tool,
            &[
                if add { "-A" } else { "-D" },
                "INPUT",
                "-p",
                "tcp",
                "--dport",
                &port.to_string(),
                "-j",
                "DROP",
            ],
        )
    };

    // Both families work: IPv6, the first, wins.
    let r = run("both")?;
    r.expect("net.dns", "pass", &format!("{}, {}", ns.v6.1, ns.v4.1))?;
    r.expect(
        "net.tcp",
        "pass",
        &format!("connected to [{}]:{port}", ns.v6.1),
    )?;

    // IPv6 drops silently: IPv4 connects 300 ms later, well within dialTimeout 2s.
    drop_rule("ip6tables", true)?;
    let r = run("v6-drops")?;
    r.expect(
        "net.tcp",
        "pass",
        &format!("connected to {}:{port}", ns.v4.1),
    )?;
    r.expect("auth.login", "warn", "without credentials")?;
    drop_rule("ip6tables", false)?;

    // IPv4 drops silently: IPv6 connects first anyway.
    drop_rule("iptables", true)?;
    let r = run("v4-drops")?;
    r.expect(
        "net.tcp",
        "pass",
        &format!("connected to [{}]:{port}", ns.v6.1),
    )?;

    // Both drop: the whole dialTimeout, then a timeout, not a refusal.
    drop_rule("ip6tables", true)?;
    let r = run("both-drop")?;
    r.expect("net.tcp", "fail", "no connection within dialTimeout 2s")?;
    Ok(())
}
