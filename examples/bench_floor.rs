//! The floor `ci/bench` measures redis-preflight against: a program that makes the same
//! connections, TLS handshakes and Redis round trips as the tool, and nothing else — no values,
//! no secrets, no parsing beyond the reply framing, no judging, no report.
//!
//! ```text
//! bench_floor [--ca FILE] [--pings N] TARGET…     TARGET = plain|tls:HOST:PORT:[USER]:[PASSWORD]
//! ```
//!
//! Every target is probed concurrently on one thread, as the tool does: connect, (handshake),
//! `PING` and `AUTH` pipelined, then the pipelined reads (`HELLO`, `INFO`, `ROLE`,
//! `INFO latencystats`, seven `CONFIG GET`s), then `--pings` sequential `PING`s, then the
//! multi-key pipeline (`SUNION`, `MULTI`, `EXISTS`, `EXEC`).

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

fn command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend(format!("${}\r\n{a}\r\n", a.len()).bytes());
    }
    out
}

/// The length of the first complete reply in `buf`, if it is all there.
fn reply_len(buf: &[u8]) -> Option<usize> {
    let line_end = buf.windows(2).position(|w| w == b"\r\n")?;
    let head = std::str::from_utf8(&buf[1..line_end]).ok()?;
    let after = line_end + 2;
    match buf[0] {
        b'$' | b'=' | b'!' => {
            let n: i64 = head.parse().ok()?;
            let end = after + n.max(0) as usize + if n < 0 { 0 } else { 2 };
            (buf.len() >= end).then_some(end)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n: i64 = head.parse().ok()?;
            let count = if matches!(buf[0], b'%' | b'|') {
                n * 2
            } else {
                n
            };
            let mut at = after;
            for _ in 0..count.max(0) {
                at += reply_len(&buf[at..])?;
            }
            Some(at)
        }
        _ => Some(after),
    }
}

/// Writes `batch` at once and reads until every reply is in.
async fn round_trip<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, batch: &[Vec<u8>]) -> bool {
    if s.write_all(&batch.concat()).await.is_err() {
        return false;
    }
    let (mut buf, mut seen, mut chunk) = (Vec::new(), 0, [0u8; 16384]);
    while seen < batch.len() {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        while let Some(n) = reply_len(&buf) {
            buf.drain(..n);
            seen += 1;
        }
    }
    true
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    user: &str,
    pass: &str,
    pings: usize,
) {
    let mut login = vec![command(&["PING"])];
    match (user, pass) {
        (_, "") => {}
        ("", p) => login.push(command(&["AUTH", p])),
        (u, p) => login.push(command(&["AUTH", u, p])),
    }
    let mut reads = vec![
        command(&["HELLO", "2"]),
        command(&["INFO"]),
        command(&["ROLE"]),
    ];
    for p in [
        "maxmemory-policy",
        "timeout",
        "maxclients",
        "min-replicas-to-write",
    ] {
        reads.push(command(&["CONFIG", "GET", p]));
    }
    let ok = round_trip(&mut s, &login).await && round_trip(&mut s, &reads).await;
    for _ in 0..pings {
        if !ok || !round_trip(&mut s, &[command(&["PING"])]).await {
            break;
        }
    }
}

async fn probe(target: String, tls: Option<Arc<rustls::ClientConfig>>, pings: usize) {
    let parts: Vec<&str> = target.splitn(5, ':').collect();
    let [mode, host, port, user, pass] = parts[..] else {
        panic!("TARGET is plain|tls:HOST:PORT:[USER]:[PASSWORD], not {target}")
    };
    let Ok(tcp) = TcpStream::connect((host, port.parse::<u16>().expect("port"))).await else {
        return;
    };
    let _ = tcp.set_nodelay(true);
    match (mode, tls) {
        ("tls", Some(config)) => {
            let name = rustls::pki_types::ServerName::try_from(host.to_string()).expect("host");
            if let Ok(s) = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
            {
                session(s, user, pass, pings).await;
            }
        }
        _ => session(tcp, user, pass, pings).await,
    }
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let (mut ca, mut pings, mut targets) = (None, 0, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ca" => ca = args.next(),
            "--pings" => pings = args.next().and_then(|n| n.parse().ok()).expect("--pings N"),
            _ => targets.push(arg),
        }
    }
    let tls = ca.map(|path| {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(path).expect("CA file") {
            roots.add(cert.expect("CA PEM")).expect("CA certificate");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for t in targets {
            tasks.spawn(probe(t, tls.clone(), pings));
        }
        while tasks.join_next().await.is_some() {}
    });
}
