//! The floor `ci/bench` measures redis-preflight against: a program that makes the same
//! connections, TLS handshakes and Redis round trips as the tool, and nothing else — no values,
//! no secrets, no parsing beyond the reply framing, no judging, no report.
//!
//! ```text
//! bench_floor [--ca FILE] [--samples N] TARGET…     TARGET = plain|tls:HOST:PORT:[USER]:[PASSWORD]
//! ```
//!
//! Every target is probed concurrently on one thread, as the tool does: connect, (handshake),
//! `PING` and `AUTH` pipelined, then the pipelined reads and zero-effect writes (`HELLO`,
//! `INFO`, `ROLE`, four `CONFIG GET`s, `INFO latencystats`, three more `CONFIG GET`s, and `SET`,
//! `HSET`, `XADD`, `INCRBY`, `EXPIRE` of one key with an argument Redis refuses), then
//! sequential `PING`s by the tool's rule for `redis.latency` (`src/probe/behaviour.rs`: the
//! login and the reads are the first samples; PINGs go on until `--samples` samples, at least
//! five, or once the series has lasted four first round trips and at least 25 ms), then the
//! multi-key pipeline (`SUNION`, `MULTI`, `EXISTS`, `EXEC`).

use std::sync::Arc;
use std::time::Instant;

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

/// The tool's sampling rule (`src/probe/behaviour.rs`, `needs_more`): whether another PING is
/// worth its round trip.
fn needs_more(samples_ms: &[f64], max: usize) -> bool {
    match samples_ms.len() {
        n if n < 5 => true,
        n if n >= max => false,
        _ => samples_ms.iter().sum::<f64>() < (samples_ms[0] * 4.0).max(25.0),
    }
}

async fn timed<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    batch: &[Vec<u8>],
    samples_ms: &mut Vec<f64>,
) -> bool {
    let start = Instant::now();
    let ok = round_trip(s, batch).await;
    samples_ms.push(start.elapsed().as_secs_f64() * 1000.0);
    ok
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    user: &str,
    pass: &str,
    samples: usize,
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
    reads.push(command(&["INFO", "latencystats"]));
    for p in ["save", "appendonly", "stop-writes-on-bgsave-error"] {
        reads.push(command(&["CONFIG", "GET", p]));
    }
    let key = "redis-preflight:write-check";
    for write in [
        &["SET", key, "x", "EX", "0"][..],
        &["HSET", key, "f", "v", "f"],
        &["XADD", key, "MAXLEN", "-1", "*", "f", "v"],
        &["INCRBY", key, "x"],
        &["EXPIRE", key, "x"],
    ] {
        reads.push(command(write));
    }
    let mut samples_ms = Vec::with_capacity(samples);
    if !timed(&mut s, &login, &mut samples_ms).await
        || !timed(&mut s, &reads, &mut samples_ms).await
    {
        return;
    }
    while needs_more(&samples_ms, samples) {
        if !timed(&mut s, &[command(&["PING"])], &mut samples_ms).await {
            return;
        }
    }
    let multikey = [
        command(&[
            "SUNION",
            "{redis-preflight-a}:multikey-probe",
            "{redis-preflight-b}:multikey-probe",
        ]),
        command(&["MULTI"]),
        command(&[
            "EXISTS",
            "{redis-preflight-a}:multikey-probe",
            "{redis-preflight-b}:multikey-probe",
        ]),
        command(&["EXEC"]),
    ];
    round_trip(&mut s, &multikey).await;
}

async fn probe(target: String, tls: Option<Arc<rustls::ClientConfig>>, samples: usize) {
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
                session(s, user, pass, samples).await;
            }
        }
        _ => session(tcp, user, pass, samples).await,
    }
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let (mut ca, mut samples, mut targets) = (None, 20, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ca" => ca = args.next(),
            "--samples" => {
                samples = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--samples N")
            }
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
            tasks.spawn(probe(t, tls.clone(), samples));
        }
        while tasks.join_next().await.is_some() {}
    });
}
