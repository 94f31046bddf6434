//! Hostile TLS: a certificate message over rustls' 64 KiB, a TLS terminator silent after the
//! handshake, and TLS offered to a plaintext Redis, told well before the dial timeout.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

use libtest_mimic::Failed;

use super::run::measured;
use super::servers::{Process, free_port};
use crate::lab::Lab;
use crate::tool;

// See: issue 18, item 8. A certificate of 6,000 SANs (about 230 KB) is over rustls' 64 KiB and
// under Go's 256 KiB: the server speaks TLS, and the verdict says so instead of "not TLS".
pub(super) fn big_certificate() -> Result<(), Failed> {
    let dir = tool::scratch("big-certificate");
    let sans: Vec<String> = (0..6000)
        .map(|i| format!("DNS:host-{i:05}.example.internal"))
        .collect();
    std::fs::write(
        dir.join("openssl.cnf"),
        format!(
            "[req]\ndistinguished_name=dn\n[dn]\n[v3]\nsubjectAltName=DNS:localhost,{}\n",
            sans.join(",")
        ),
    )
    .map_err(|e| e.to_string())?;
    let made = Command::new("openssl")
        .current_dir(&dir)
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args([
            "-nodes", "-keyout", "big.key", "-out", "big.crt", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-config",
            "openssl.cnf",
            "-extensions",
            "v3",
        ])
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if !made.status.success() {
        return Err(format!("openssl req: {}", String::from_utf8_lossy(&made.stderr)).into());
    }
    let port = free_port();
    let child = Command::new("openssl")
        .current_dir(&dir)
        .args(["s_server", "-quiet", "-accept", &port.to_string()])
        .args(["-cert", "big.crt", "-key", "big.key"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("openssl: {e}"))?;
    let _server = Process(child);
    if !(0..100).any(|_| {
        let up = TcpStream::connect(("127.0.0.1", port)).is_ok();
        if !up {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        up
    }) {
        return Err("openssl s_server did not listen".into());
    }
    std::fs::write(
        dir.join("values.yaml"),
        format!(
            "glooMgmtServer: {{enabled: true}}\nredis:\n  address: localhost:{port}\n  deployment: {{enabled: false}}\n  connection: {{dialTimeout: 2s, readTimeout: 1s}}\n  certs: {{enabled: true}}\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let run = measured(&dir, &["run", "-f", "values.yaml", "--format", "json"])?;
    run.bounded()?;
    run.expect("tls.mode", "unknown", "the server speaks TLS, but the server's handshake message (its certificates) is over 64 KiB")?;
    if run
        .get("tls.mode")?
        .message
        .contains("did not answer with TLS")
    {
        return Err("tls.mode says the server did not answer with TLS".into());
    }
    run.exit(4)
}

pub(super) fn tls_silent(lab: &Lab) -> Result<(), Failed> {
    // openssl s_server completes the handshake with the lab's good certificate, then reads
    // and never answers: a TLS terminator without its backend.
    let dir = tool::scratch("tls-silent");
    let port = free_port();
    let certs = lab.substitute("${LAB}/certs");
    let child = Command::new("openssl")
        .args(["s_server", "-quiet", "-accept", &port.to_string()])
        .args([
            "-cert",
            &format!("{certs}/good.crt"),
            "-key",
            &format!("{certs}/good.key"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("openssl: {e}"))?;
    let _server = Process(child);
    let mut up = false;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if !up {
        return Err("openssl s_server did not listen".into());
    }
    tls_inputs(
        &dir,
        &certs,
        &format!("localhost:{port}"),
        "{dialTimeout: 2s, readTimeout: 1s}",
    )?;
    let run = measured(
        &dir,
        &[
            "run",
            "-f",
            "values.yaml",
            "--secrets",
            "secrets.yaml",
            "--format",
            "json",
        ],
    )?;
    run.bounded()?;
    run.expect("tls.ca-trust", "pass", "")?;
    run.expect(
        "auth.login",
        "fail",
        "no answer within readTimeout 1s from localhost:",
    )?;
    run.expect(
        "auth.login",
        "fail",
        "the TLS handshake completed, then nothing answered over it",
    )?;
    run.exit(3)
}

pub(super) fn tls_on_plaintext_early(lab: &Lab) -> Result<(), Failed> {
    // Redis 7 stays silent to a ClientHello: the handshake alone would wait the whole 5 s
    // dialTimeout. The plaintext PING on a second connection, sent after a short wait, tells.
    let dir = tool::scratch("tls-on-plaintext-early");
    let certs = lab.substitute("${LAB}/certs");
    let address = lab.substitute("localhost:${NOAUTH_PORT}");
    tls_inputs(&dir, &certs, &address, "{dialTimeout: 5s}")?;
    let started = std::time::Instant::now();
    let run = measured(
        &dir,
        &[
            "run",
            "-f",
            "values.yaml",
            "--secrets",
            "secrets.yaml",
            "--only",
            "tls.mode",
            "--format",
            "json",
        ],
    )?;
    let took = started.elapsed();
    // Expected in well under 0.5 s; half the dial timeout is a bound no slow machine meets by
    // waiting for the handshake.
    if took > std::time::Duration::from_millis(2500) {
        return Err(format!("the run took {took:?}: it waited for the 5 s dialTimeout").into());
    }
    run.expect("tls.mode", "fail", "the values turn TLS on but")?;
    run.expect("tls.mode", "fail", "speaks plaintext Redis")?;
    run.exit(3)
}

/// `secrets.yaml` with the CA of `certs` as `redis-certs` (made by kubectl), and `values.yaml`
/// for a management server dialling `address` with TLS on and `connection`.
fn tls_inputs(dir: &Path, certs: &str, address: &str, connection: &str) -> Result<(), Failed> {
    let manifest = tool::kubectl_secret(&[
        "generic".to_string(),
        "redis-certs".into(),
        "-n".into(),
        "gloo-mesh".into(),
        format!("--from-file=ca.crt={certs}/ca.crt"),
    ])?;
    std::fs::write(dir.join("secrets.yaml"), manifest).map_err(|e| e.to_string())?;
    let values = format!(
        "glooMgmtServer: {{enabled: true}}\nredis:\n  address: {address}\n  deployment: {{enabled: false}}\n  connection: {connection}\n  certs: {{enabled: true, secretName: redis-certs, caCertKey: ca.crt}}\n"
    );
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    Ok(())
}
