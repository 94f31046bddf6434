//! The TLS handshake as the components make it (the configured CA, no client certificate),
//! with the server's chain captured even when verification fails, and the chain and the name
//! verified apart afterwards so that each TLS check judges its own evidence. Here are the
//! connection, the recording verifier and the client certificate resolver; what Go's verifier
//! accepts is in `go_verifier`, reading certificates' DER in `der`, and a failed handshake's
//! error told in words in `failure`.

mod der;
mod failure;
mod go_verifier;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use checks::facts::Handshake;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub use der::cert_info;
use failure::{describe, refused_offer, too_large};
use go_verifier::{for_servers, is_a_trust_anchor, signed_by_an_anchor, verify_apart, webpki_says};

use super::elapsed_ms;
use super::socket::Socket;

/// Records the chain and any CertificateRequest, and delegates every decision to the real
/// verifier: verification is never turned off.
#[derive(Debug)]
struct Recorder {
    inner: Option<Arc<WebPkiServerVerifier>>,
    roots: Arc<RootCertStore>,
    chain: Mutex<Vec<CertificateDer<'static>>>,
    cert_requested: AtomicBool,
    /// The real verifier accepted the chain, now, for the name.
    verified: AtomicBool,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        *self.chain.lock().expect("recorder") = chain;
        let verdict = match &self.inner {
            Some(inner) => {
                let verdict =
                    inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
                self.verified.store(verdict.is_ok(), Ordering::SeqCst);
                verdict
            }
            None => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            )),
        };
        let named_and_current = || {
            ParsedCertificate::try_from(end_entity)
                .is_ok_and(|p| rustls::client::verify_server_name(&p, server_name).is_ok())
                && cert_info(end_entity).is_some_and(|c| {
                    let now = now.as_secs() as i64;
                    c.not_before <= now && now <= c.not_after
                })
        };
        match verdict {
            // Go accepts a certificate that is itself in the configured CA (a self-signed
            // server certificate given as its own CA), still checking the name and the dates;
            // the handshake proves the server holds that certificate's key.
            Err(_) if is_a_trust_anchor(end_entity, &self.roots) && named_and_current() => {
                Ok(ServerCertVerified::assertion())
            }
            // Go does not mind a server certificate that says it is a CA (basicConstraints
            // CA:TRUE); webpki refuses it as an end entity. Go's checks stand: signed by a
            // trusted CA, valid for the name and now.
            Err(e)
                if webpki_says(&e, webpki::Error::CaUsedAsEndEntity)
                    && signed_by_an_anchor(end_entity, &self.roots).is_ok()
                    && for_servers(end_entity)
                    && named_and_current() =>
            {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Gloo's components have no client certificate: note the request, present none.
impl ResolvesClientCert for Recorder {
    fn resolve(
        &self,
        _issuers: &[&[u8]],
        _schemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.cert_requested.store(true, Ordering::SeqCst);
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

/// ring, with ECDSA over P-521 added for verification (see `signatures`).
fn provider() -> rustls::crypto::CryptoProvider {
    crate::probe::signatures::provider()
}

/// Handshakes over `tcp` with `host` as the server name, trusting `roots`, within `deadline`,
/// as the components do. Returns the stream only when the handshake completed with
/// verification on. A server that refuses the offer is asked what it answers Go's.
pub async fn handshake(
    tcp: Socket,
    host: &str,
    roots: Arc<RootCertStore>,
    deadline: Duration,
) -> (Handshake, Option<TlsStream<Socket>>) {
    connect(tcp, host, roots, deadline, true).await
}

/// Whether the port presents a certificate to a handshake that trusts nothing (no
/// credentials are ever sent on it).
pub async fn presents_certificate(tcp: Socket, host: &str, deadline: Duration) -> bool {
    let roots = Arc::new(RootCertStore::empty());
    let (facts, _) = connect(tcp, host, roots, deadline, false).await;
    !facts.chain.is_empty()
}

/// A handshake that got no answer and was given up: `error` says why.
pub fn unanswered(error: String, duration_ms: f64) -> Handshake {
    Handshake {
        completed: false,
        error: Some(error),
        version: None,
        chain: Vec::new(),
        chain_trust: None,
        name_match: None,
        client_cert_requested: false,
        client_cert_rejection: None,
        message_too_large: false,
        duration_ms,
        go_hello: None,
        trust_failure: None,
    }
}

async fn connect(
    tcp: Socket,
    host: &str,
    roots: Arc<RootCertStore>,
    deadline: Duration,
    compare_with_go: bool,
) -> (Handshake, Option<TlsStream<Socket>>) {
    let start = Instant::now();
    let peer = tcp.get_ref().peer_addr().ok();
    let inner = WebPkiServerVerifier::builder_with_provider(roots.clone(), Arc::new(provider()))
        .build()
        .ok();
    let recorder = Arc::new(Recorder {
        inner,
        roots: roots.clone(),
        chain: Mutex::new(Vec::new()),
        cert_requested: AtomicBool::new(false),
        verified: AtomicBool::new(false),
    });
    let mut facts = unanswered(String::new(), 0.0);
    facts.error = None;
    let mut go_cert_requested = false;
    let name = match ServerName::try_from(host.to_string()) {
        Ok(n) => n,
        Err(e) => {
            facts.error = Some(format!("\"{host}\" is not a valid TLS server name: {e}"));
            return (facts, None);
        }
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(recorder.clone())
                .with_client_cert_resolver(recorder.clone())
        });
    let config = match config {
        Ok(c) => Arc::new(c),
        Err(e) => {
            facts.error = Some(e.to_string());
            return (facts, None);
        }
    };
    let result = tokio::time::timeout(
        deadline,
        TlsConnector::from(config).connect(name.clone(), tcp),
    )
    .await;
    let stream = match result {
        Ok(Ok(stream)) => {
            facts.completed = true;
            facts.version = stream.get_ref().1.protocol_version().map(|v| {
                let [major, minor] = u16::from(v).to_be_bytes();
                super::go_hello::version_name(major, minor)
            });
            Some(stream)
        }
        Ok(Err(e)) => {
            facts.error = Some(describe(&e));
            facts.message_too_large = too_large(&e);
            // Refused for its versions or suites: would Go's be refused too?
            let nothing_presented = recorder.chain.lock().expect("recorder").is_empty();
            let ask = compare_with_go && nothing_presented && refused_offer(&e);
            if let (Some(peer), true) = (peer, ask) {
                let left = deadline.saturating_sub(start.elapsed());
                let answer = super::go_hello::ask(peer, host, left).await;
                // TLS 1.2 with CBC suites only: the chain Go's offer got is judged as any other.
                if let Some(flight) = answer.flight {
                    *recorder.chain.lock().expect("recorder") = flight.chain;
                    go_cert_requested = flight.client_cert_requested;
                }
                facts.go_hello = Some(answer.hello);
            }
            None
        }
        Err(_) => {
            facts.error = Some(format!(
                "no answer to the TLS handshake within {}",
                checks::duration::go_duration(deadline.as_millis() as u64)
            ));
            None
        }
    };
    facts.client_cert_requested = recorder.cert_requested.load(Ordering::SeqCst);
    let chain = recorder.chain.lock().expect("recorder").clone();
    facts.chain = chain.iter().filter_map(|c| cert_info(c)).collect();
    if let Some(leaf) = chain.first() {
        // A chain the handshake's verifier accepted is trusted now and names the host, so it
        // is trusted at any time inside its validity too: verifying it again would only
        // repeat the answer (and its signatures' cost).
        let (trust, name_ok) = if recorder.verified.load(Ordering::SeqCst) {
            (Ok(()), Ok(()))
        } else {
            verify_apart(leaf, &chain[1..], &roots, &name, &facts.chain)
        };
        facts.trust_failure = trust.as_ref().err().map(|(_, kind)| *kind);
        facts.chain_trust = Some(trust.map_err(|(why, _)| why));
        facts.name_match = Some(name_ok);
    }
    if let Some(alert) = facts.error.as_deref().filter(|e| e.contains("alert")) {
        // TLS 1.2 servers refuse a missing client certificate inside the handshake.
        if facts.client_cert_requested {
            facts.client_cert_rejection = Some(alert.to_string());
        }
    }
    // Asked for in the flight Go's offer got: this tool's alert was about its offer, not this.
    facts.client_cert_requested |= go_cert_requested;
    facts.duration_ms = elapsed_ms(start);
    (facts, stream)
}
