//! One target, phase after phase: DNS → TCP → TLS (when the values say so) → Redis session.
//! Every phase writes its facts into the target's slot as soon as it ends, so that whatever
//! the run deadline cuts short stays `NotAttempted { DEADLINE_REACHED }`.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use checks::facts::{FailureKind, Observed, Reply, TargetFacts};
use rustls::RootCertStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::dns::Dialer;
use super::session;
use super::socket::{self, Socket};
use super::{tcp, tls};
use crate::credentials::Credentials;
use crate::plan::{self, TargetPlan};

/// One target's probe: where to go, with what.
pub struct Job {
    pub plan: TargetPlan,
    pub credentials: Option<Credentials>,
    /// The credentials come from an unset `${env:…}`: no login is tried.
    pub env_unset: bool,
    pub extras: session::Extras,
    pub roots: Arc<RootCertStore>,
}

pub async fn probe(job: &Job, dialer: &Dialer, slot: &Mutex<TargetFacts>) {
    let plan = &job.plan;
    let (host, port) = match &plan.endpoint {
        Ok(endpoint) => endpoint.clone(),
        Err(why) => {
            update(slot, |t| {
                t.dns = Observed::failed(
                    FailureKind::Invalid,
                    format!("the address cannot be dialled: {why}"),
                );
                t.tcp = Observed::not_attempted("no address");
                t.session = Observed::not_attempted("no address");
            });
            return;
        }
    };
    // Each phase's future is boxed: a waiting probe then holds only the phase it is in,
    // not room for the largest of them (every target's probe runs at once).
    let dns = Box::pin(dialer.resolve(&host, plan.dial_timeout)).await;
    let addresses: Vec<SocketAddr> = dns
        .ok()
        .map(|d| {
            d.addresses
                .iter()
                .filter_map(|a| a.parse::<IpAddr>().ok())
                .map(|ip| SocketAddr::new(ip, port))
                .collect()
        })
        .unwrap_or_default();
    let resolved = dns.ok().is_some();
    update(slot, |t| t.dns = dns.clone());
    if !resolved {
        update(slot, |t| {
            t.tcp = Observed::not_attempted("the host did not resolve");
            t.session = Observed::not_attempted("the host did not resolve");
        });
        return;
    }
    let (tcp, stream) = Box::pin(tcp::connect(&addresses, plan.dial_timeout)).await;
    update(slot, |t| t.tcp = tcp.clone());
    let (Some(stream), Some(peer)) = (
        stream,
        tcp.ok().and_then(|t| t.peer.parse::<SocketAddr>().ok()),
    ) else {
        update(slot, |t| {
            t.session = Observed::not_attempted("no TCP connection")
        });
        return;
    };
    if job.env_unset {
        update(slot, |t| {
            t.session = Observed::not_attempted(
                "the credentials come from an environment variable that is not set here",
            )
        });
        return;
    }
    // With readTimeout disabled (-1) the components wait forever; the probe still needs a bound.
    let read = plan.read_timeout.unwrap_or(plan::DEFAULT_READ * 10);
    // A mismatch is told by a second connection, opened only once the first has waited a few
    // round trips for what a matching server answers in one.
    let other_mode_after = mismatch_wait(tcp.ok().map(|t| t.duration_ms), plan.dial_timeout);
    if plan.tls.enabled {
        let (mut handshake, tls_stream, early) = Box::pin(handshake_or_plaintext(
            stream,
            &host,
            job,
            peer,
            other_mode_after,
            read,
        ))
        .await;
        let Some(tls_stream) = tls_stream else {
            // No credentials ever go over a connection whose verification failed.
            let no_tls = handshake.chain.is_empty() && handshake.client_cert_rejection.is_none();
            let plaintext = match early {
                _ if !no_tls => None,
                Some(answer) => Some(answer),
                None => Some(
                    Box::pin(plaintext_answer(peer, plan.dial_timeout, read))
                        .await
                        .is_some_and(|a| is_redis(&a)),
                ),
            };
            let because = match handshake.cbc_only() {
                Some(suite) => format!(
                    "the server offers only CBC cipher suites (TLS 1.2), which this tool cannot speak; the components (Go) connect with {suite}"
                ),
                None => "no verified TLS connection (fix TLS first)".to_string(),
            };
            update(slot, |t| {
                t.tls_facts.handshake = Some(handshake.clone());
                t.tls_facts.speaks_other_mode = plaintext;
                t.session = Observed::not_attempted(because);
            });
            return;
        };
        update(slot, |t| t.tls_facts.handshake = Some(handshake.clone()));
        let session = Box::pin(session::probe(
            tls_stream,
            job.credentials.as_ref(),
            read,
            job.extras,
        ))
        .await;
        // A TLS 1.3 server that demands a client certificate ends the connection at the first read.
        if let Observed::Ok { value } = &session
            && let Reply::Broken { error } = &value.unauthenticated_ping
            && handshake.client_cert_requested
        {
            handshake.client_cert_rejection = Some(error.clone());
        }
        // Moved, not copied: a session holds the whole INFO.
        update(slot, |t| {
            t.tls_facts.handshake = Some(handshake);
            t.session = session;
        });
        return;
    }
    let session = Box::pin(session::probe(
        stream,
        job.credentials.as_ref(),
        read,
        job.extras,
    ))
    .await;
    let (unanswered, broken) = match &session {
        Observed::Ok { value } => match value.unauthenticated_ping {
            Reply::Broken { .. } => (true, true),
            Reply::Timeout { .. } => (true, false),
            _ => (false, false),
        },
        _ => (false, false),
    };
    update(slot, |t| t.session = session);
    if unanswered {
        let deadline = plan.dial_timeout.min(read);
        // What a fresh connection answers to PING is told only of a connection that broke
        // (auth.login): after a silence it costs a connection and says nothing new.
        let (speaks_tls, answer) = Box::pin(async {
            tokio::join!(speaks_tls(peer, &host, deadline), async {
                match broken {
                    true => plaintext_answer(peer, deadline, deadline).await,
                    false => None,
                }
            })
        })
        .await;
        update(slot, |t| {
            t.tls_facts.speaks_other_mode = Some(speaks_tls);
            t.plaintext_answer = answer.clone();
        });
    }
}

/// How long a connection waits for the mode the values say before a second connection asks
/// in the other: a few TCP round trips, at least 50 ms (a TLS server's handshake costs some
/// milliseconds of its own) and at most the dial timeout.
fn mismatch_wait(tcp_ms: Option<f64>, dial: Duration) -> Duration {
    let rtt = Duration::from_secs_f64(tcp_ms.unwrap_or(0.0).max(0.0) / 1000.0);
    (rtt * 4).max(Duration::from_millis(50)).min(dial)
}

/// The TLS handshake; when it has not ended after `wait`, a plaintext PING on a second
/// connection too. A plaintext Redis stays silent to a ClientHello until the dial timeout, so
/// its answer to the PING ends the handshake early: the mismatch is then known. The third
/// value is whether the PING was answered by Redis, when it was sent.
async fn handshake_or_plaintext(
    stream: Socket,
    host: &str,
    job: &Job,
    peer: SocketAddr,
    wait: Duration,
    read: Duration,
) -> (
    checks::facts::Handshake,
    Option<tokio_rustls::client::TlsStream<Socket>>,
    Option<bool>,
) {
    let dial = job.plan.dial_timeout;
    let start = std::time::Instant::now();
    let handshake = tls::handshake(stream, host, job.roots.clone(), dial);
    let plaintext = async {
        tokio::time::sleep(wait).await;
        plaintext_answer(peer, dial, read).await
    };
    tokio::pin!(handshake, plaintext);
    let mut asked = None;
    loop {
        tokio::select! {
            (facts, stream) = &mut handshake => return (facts, stream, asked),
            answer = &mut plaintext, if asked.is_none() => {
                let redis = answer.as_deref().is_some_and(is_redis);
                asked = Some(redis);
                if redis {
                    let waited = checks::duration::go_duration(start.elapsed().as_millis() as u64);
                    let facts = tls::unanswered(
                        format!("no answer to the TLS handshake within {waited}, while a plaintext PING on another connection was answered"),
                        super::elapsed_ms(start),
                    );
                    return (facts, None, asked);
                }
            }
        }
    }
}

/// Writes into the target's slot as soon as a phase ends.
fn update(slot: &Mutex<TargetFacts>, f: impl FnOnce(&mut TargetFacts)) {
    f(&mut slot.lock().expect("probe slot"));
}

/// What a fresh connection answers to a plaintext `PING`: its first line, printable, or
/// `None` when it answers nothing within the deadlines.
async fn plaintext_answer(peer: SocketAddr, dial: Duration, read: Duration) -> Option<String> {
    // The place under the connection limit is waited for before the deadlines start.
    let mut room = socket::room(1).await;
    let attempt = async {
        let mut s = room.connect(peer).await.ok()?;
        s.write_all(b"PING\r\n").await.ok()?;
        let mut buf = [0u8; 80];
        let n = s.read(&mut buf).await.ok()?;
        let line: String = buf[..n]
            .iter()
            .take_while(|b| **b != b'\r' && **b != b'\n')
            .map(|b| {
                if b.is_ascii_graphic() || *b == b' ' {
                    *b as char
                } else {
                    '.'
                }
            })
            .collect();
        (n > 0).then_some(line)
    };
    tokio::time::timeout(dial + read, attempt)
        .await
        .ok()
        .flatten()
}

/// Whether a `PING` answer is Redis speaking plaintext (`+PONG`, or an error such as `-NOAUTH`).
fn is_redis(answer: &str) -> bool {
    answer.starts_with("+PONG") || answer.starts_with('-')
}

/// A TLS handshake on a fresh connection that trusts nothing: does the port present a
/// certificate? No credentials are sent.
async fn speaks_tls(peer: SocketAddr, host: &str, dial: Duration) -> bool {
    let mut room = socket::room(1).await;
    let Ok(Ok(tcp)) = tokio::time::timeout(dial, room.connect(peer)).await else {
        return false;
    };
    tls::presents_certificate(tcp, host, dial).await
}

/// The facts of a target before any probe ran.
pub fn initial_facts(
    plan: &TargetPlan,
    auth: checks::facts::AuthFacts,
    ca: checks::facts::CaFacts,
) -> TargetFacts {
    use checks::facts::{DEADLINE_REACHED, TlsFacts};
    let (host, port) = plan
        .endpoint
        .clone()
        .unwrap_or_else(|_| (plan.address.clone(), 0));
    TargetFacts {
        name: plan.name.clone(),
        use_case: plan.use_case.to_string(),
        components: plan.components.clone(),
        address: plan.address.clone(),
        address_key: plan.address_key.clone(),
        host,
        port,
        builtin: plan.builtin,
        tls: plan.tls.enabled,
        expect_cluster: plan.expect_cluster,
        dial_timeout_ms: plan.dial_timeout.as_millis() as u64,
        read_timeout_ms: plan.read_timeout.map(|d| d.as_millis() as u64),
        idle_timeout_ms: plan.idle_timeout.map(|d| d.as_millis() as u64),
        idle_timeout_key: Some(plan.idle_timeout_key.clone()),
        pool_size: plan.pool_size,
        max_conn_age_ms: plan.max_conn_age.map(|d| d.as_millis() as u64),
        max_conn_age_key: Some(plan.max_conn_age_key.clone()),
        auth,
        dns: Observed::not_attempted(DEADLINE_REACHED),
        tcp: Observed::not_attempted(DEADLINE_REACHED),
        tls_facts: TlsFacts {
            ca,
            client_cert_configured: plan.tls.client_cert,
            handshake: None,
            speaks_other_mode: None,
        },
        session: Observed::not_attempted(DEADLINE_REACHED),
        plaintext_answer: None,
    }
}
