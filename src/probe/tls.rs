//! The TLS handshake as the components make it (the configured CA, no client certificate),
//! with the server's chain captured even when verification fails, and the chain and the name
//! verified apart afterwards so that each TLS check judges its own evidence.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::socket::Socket;
use checks::facts::{CertInfo, Handshake, TrustFailure};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::elapsed_ms;

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
    super::signatures::provider()
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

/// The chain against the roots at a time inside every certificate's validity (so that dates
/// are judged by tls.expiry alone), and the leaf against the name.
fn verify_apart(
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    roots: &RootCertStore,
    name: &ServerName<'_>,
    infos: &[CertInfo],
) -> (Result<(), (String, TrustFailure)>, Result<(), String>) {
    let parsed = match ParsedCertificate::try_from(leaf) {
        Ok(p) => p,
        Err(e) if webpki_says(&e, webpki::Error::UnsupportedCertVersion) => {
            // A version 1 certificate (`openssl x509 -req` without `-extfile`): webpki
            // refuses its version, Go verifies its chain and then finds no name in it.
            let trust = if is_a_trust_anchor(leaf, roots) {
                Ok(())
            } else {
                signed_by_an_anchor(leaf, roots)
            };
            return (trust, Err(V1_NAMELESS.to_string()));
        }
        Err(e) => {
            return (
                Err((e.to_string(), TrustFailure::Other)),
                Err(e.to_string()),
            );
        }
    };
    // Self-signed certificates a server sends along (OpenSSL adds its CA) are anchors, whose
    // dates webpki does not check; the window is that of the leaf and real intermediates.
    let dated = || infos.iter().filter(|c| c.subject != c.issuer);
    let latest_start = dated().map(|c| c.not_before).max().unwrap_or(0);
    let earliest_end = dated().map(|c| c.not_after).min().unwrap_or(0);
    let at = if latest_start < earliest_end {
        latest_start + 1
    } else {
        UnixTime::now().as_secs() as i64
    };
    let at = UnixTime::since_unix_epoch(Duration::from_secs(at.max(0) as u64));
    let trust = if roots.is_empty() {
        Err((
            "no trust anchors to verify against".to_string(),
            TrustFailure::Other,
        ))
    } else if is_a_trust_anchor(leaf, roots) {
        Ok(())
    } else {
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &parsed,
            roots,
            intermediates,
            at,
            super::signatures::ALGORITHMS.all,
        )
        .or_else(|e| {
            use rustls::CertificateError::{
                UnsupportedSignatureAlgorithmContext,
                UnsupportedSignatureAlgorithmForPublicKeyContext,
            };
            let signature = match &e {
                rustls::Error::InvalidCertificate(
                    UnsupportedSignatureAlgorithmContext {
                        signature_algorithm_id,
                        ..
                    }
                    | UnsupportedSignatureAlgorithmForPublicKeyContext {
                        signature_algorithm_id,
                        ..
                    },
                ) => Some(signature_algorithm_id.as_slice()),
                _ => None,
            };
            let kind = match &e {
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
                    TrustFailure::UnknownIssuer
                }
                rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature) => {
                    TrustFailure::BadSignature
                }
                rustls::Error::InvalidCertificate(
                    rustls::CertificateError::InvalidPurpose
                    | rustls::CertificateError::InvalidPurposeContext { .. },
                ) => TrustFailure::NotForServers,
                _ => TrustFailure::Other,
            };
            if webpki_says(&e, webpki::Error::CaUsedAsEndEntity) {
                // As the verifier above: Go verifies a leaf that says it is a CA.
                signed_by_an_anchor(leaf, roots)?;
                return if for_servers(leaf) {
                    Ok(())
                } else {
                    Err((
                        "invalid peer certificate: its extended key usage leaves out server authentication".into(),
                        TrustFailure::NotForServers,
                    ))
                };
            }
            Err(match signature {
                Some(id) if go_verifies(id) => (
                    UNSUPPORTED_ALGORITHM.to_string(),
                    TrustFailure::UnsupportedAlgorithm,
                ),
                Some(id) if is_sha1(id) => (SHA1_SIGNATURE.to_string(), TrustFailure::Sha1),
                _ => (e.to_string(), kind),
            })
        })
    };
    let name_ok = rustls::client::verify_server_name(&parsed, name).map_err(|e| e.to_string());
    (trust, name_ok)
}

/// webpki's reason when the chain is signed with an algorithm this tool does not implement
/// (ECDSA with SHA-512 from a P-256 or P-384 key, say), which Go's crypto/x509 verifies: its
/// own words are a dump of OIDs.
const UNSUPPORTED_ALGORITHM: &str = "UnsupportedSignatureAlgorithm (a signature or key algorithm this tool's TLS library does not implement)";

/// Whether rustls' error is webpki's `reason`, which rustls passes on wrapped as `Other`.
fn webpki_says(e: &rustls::Error, reason: webpki::Error) -> bool {
    matches!(e, rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))
        if other.0.downcast_ref::<webpki::Error>() == Some(&reason))
}

/// webpki's reason for a chain signed with SHA-1, which Go (1.18 on) rejects as well.
const SHA1_SIGNATURE: &str =
    "a certificate of the chain is signed with SHA-1, an insecure signature algorithm";

/// The DER of the signature algorithm OIDs Go's crypto/x509 verifies: ECDSA and RSA PKCS#1
/// with SHA-256/384/512, RSASSA-PSS, Ed25519.
const GO_SIGNATURES: &[&[u8]] = &[
    &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02],
    &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],
    &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
    &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
    ],
    &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c,
    ],
    &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
    ],
    &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
    ],
    &[0x06, 0x03, 0x2b, 0x65, 0x70],
];

/// `ecdsa-with-SHA1` and `sha1WithRSAEncryption`.
const SHA1_SIGNATURES: &[&[u8]] = &[
    &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01],
    &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05,
    ],
];

/// Whether Go verifies a signature with this algorithm (the DER of its AlgorithmIdentifier's
/// contents, as webpki reports it: the OID, then any parameters).
fn go_verifies(algorithm: &[u8]) -> bool {
    GO_SIGNATURES.iter().any(|oid| algorithm.starts_with(oid))
}

fn is_sha1(algorithm: &[u8]) -> bool {
    SHA1_SIGNATURES.iter().any(|oid| algorithm.starts_with(oid))
}

/// Why no host name matches a version 1 certificate.
const V1_NAMELESS: &str = "a version 1 certificate has no extensions, so no subject alternative name, and Go ignores the Common Name";

/// Whether a trust anchor named as the certificate's issuer signed it: the chain Go builds for
/// a leaf that webpki refuses (a version 1 certificate, or one that says it is a CA). An
/// intermediate between them is not followed; such a leaf comes from a hand-made CA, which
/// signs it directly. The signature is verified with the same algorithms as every chain.
fn signed_by_an_anchor(cert: &[u8], roots: &RootCertStore) -> Result<(), (String, TrustFailure)> {
    let unreadable = || {
        (
            "the certificate is not well-formed DER".to_string(),
            TrustFailure::Other,
        )
    };
    let (_, parsed) = x509_parser::parse_x509_certificate(cert)
        .map_err(|e| (e.to_string(), TrustFailure::Other))?;
    let issuer = der_contents(parsed.issuer().as_raw());
    let (tbs, algorithm, signature) = signed_parts(cert).ok_or_else(unreadable)?;
    // webpki keeps an anchor's subject and key as the contents of their DER SEQUENCE.
    let verdicts: Vec<Option<bool>> = roots
        .roots
        .iter()
        .filter(|anchor| anchor.subject.as_ref() == issuer)
        .map(|anchor| {
            super::signatures::verify_with_key(
                anchor.subject_public_key_info.as_ref(),
                algorithm,
                tbs,
                signature,
            )
        })
        .collect();
    if verdicts.contains(&Some(true)) {
        return Ok(());
    }
    if verdicts.is_empty() {
        return Err((
            "invalid peer certificate: UnknownIssuer (signed by none of the trusted CAs)".into(),
            TrustFailure::UnknownIssuer,
        ));
    }
    Err(if verdicts.contains(&Some(false)) {
        (
            "invalid peer certificate: BadSignature".into(),
            TrustFailure::BadSignature,
        )
    } else if is_sha1(algorithm) {
        (SHA1_SIGNATURE.to_string(), TrustFailure::Sha1)
    } else if go_verifies(algorithm) {
        (
            UNSUPPORTED_ALGORITHM.to_string(),
            TrustFailure::UnsupportedAlgorithm,
        )
    } else {
        (
            "invalid peer certificate: a signature algorithm Go does not verify either".into(),
            TrustFailure::Other,
        )
    })
}

/// A certificate's signed part (the whole TBSCertificate element), its signature algorithm
/// (the contents of the AlgorithmIdentifier) and its signature (the BIT STRING's bytes).
fn signed_parts(cert: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    use super::signatures::der_take;
    let (certificate, _) = der_take(cert, 0x30)?;
    let (_, rest) = der_take(certificate, 0x30)?;
    let tbs = &certificate[..certificate.len() - rest.len()];
    let (algorithm, rest) = der_take(rest, 0x30)?;
    let (bits, rest) = der_take(rest, 0x03)?;
    match (bits.split_first(), rest.is_empty()) {
        (Some((0, signature)), true) => Some((tbs, algorithm, signature)),
        _ => None,
    }
}

/// Whether Go's verifier lets the certificate serve: no extended key usage, or one that
/// includes server authentication (or any purpose).
fn for_servers(cert: &[u8]) -> bool {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(cert) else {
        return false;
    };
    match cert.extended_key_usage() {
        Ok(None) => true,
        Ok(Some(eku)) => eku.value.server_auth || eku.value.any,
        Err(_) => false,
    }
}

/// The contents of a DER element: what follows its tag and length.
fn der_contents(der: &[u8]) -> &[u8] {
    match der.get(1) {
        Some(&n) if n < 0x80 => der.get(2..).unwrap_or_default(),
        Some(&n) => der.get(2 + usize::from(n & 0x7f)..).unwrap_or_default(),
        None => &[],
    }
}

/// `contents` as a DER SEQUENCE.
#[cfg(test)]
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut der = vec![0x30];
    if len < 0x80 {
        der.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        der.push(0x80 | bytes.len() as u8);
        der.extend(bytes);
    }
    der.extend_from_slice(contents);
    der
}

/// Whether `cert` is itself one of the trusted CA certificates (same subject and key), as
/// Go's verifier accepts before building any chain.
fn is_a_trust_anchor(cert: &CertificateDer<'_>, roots: &RootCertStore) -> bool {
    let mut own = RootCertStore::empty();
    if own.add(cert.clone().into_owned()).is_err() {
        return false;
    }
    own.roots.iter().any(|a| {
        roots.roots.iter().any(|r| {
            r.subject == a.subject && r.subject_public_key_info == a.subject_public_key_info
        })
    })
}

/// The server's alert says it accepts none of the versions or cipher suites offered.
fn refused_offer(e: &std::io::Error) -> bool {
    use rustls::AlertDescription::{HandshakeFailure, InsufficientSecurity, ProtocolVersion};
    matches!(
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        Some(rustls::Error::AlertReceived(
            HandshakeFailure | ProtocolVersion | InsufficientSecurity
        ))
    )
}

/// A rustls reason (a variant name such as `NoCipherSuitesInCommon`) as words: "no cipher
/// suites in common". A reason that carries data keeps only its name.
fn words(name: &str) -> String {
    let name = name.split(['(', ' ', '{']).next().unwrap_or_default();
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        let starts_word = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if starts_word {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The server sent a handshake message over rustls' 64 KiB (a long chain, thousands of SANs).
fn too_large(e: &std::io::Error) -> bool {
    use rustls::InvalidMessage::{HandshakePayloadTooLarge, MessageTooLarge};
    matches!(
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        Some(rustls::Error::InvalidMessage(
            HandshakePayloadTooLarge | MessageTooLarge
        ))
    )
}

/// A rustls failure in a user's words.
fn describe(e: &std::io::Error) -> String {
    if too_large(e) {
        return "the server's handshake message (its certificates) is over 64 KiB, the most this tool's TLS library reads".into();
    }
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidMessage(m)) => {
            format!(
                "the server did not answer with TLS ({})",
                words(&format!("{m:?}"))
            )
        }
        Some(rustls::Error::AlertReceived(alert)) => format!(
            "the server sent TLS alert {}",
            super::go_hello::alert_name(u8::from(*alert))
        ),
        Some(rustls::Error::PeerIncompatible(p)) => format!(
            "the server is incompatible with the handshake offered: {}",
            words(&format!("{p:?}"))
        ),
        Some(rustls::Error::PeerMisbehaved(p)) => format!(
            "the server broke the TLS protocol: {}",
            words(&format!("{p:?}"))
        ),
        Some(other) => other.to_string(),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the server closed the connection during the handshake".into()
        }
        None => e.to_string(),
    }
}

/// Subject, issuer, validity, SANs and the CA flag of one DER certificate.
pub fn cert_info(der: &[u8]) -> Option<CertInfo> {
    let (_, x) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = x.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                x509_parser::extensions::GeneralName::DNSName(d) => sans.push(d.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(ip) => {
                    let addr = match ip.len() {
                        4 => <[u8; 4]>::try_from(*ip)
                            .ok()
                            .map(|b| std::net::IpAddr::from(b).to_string()),
                        16 => <[u8; 16]>::try_from(*ip)
                            .ok()
                            .map(|b| std::net::IpAddr::from(b).to_string()),
                        _ => None,
                    };
                    sans.extend(addr);
                }
                _ => {}
            }
        }
    }
    Some(CertInfo {
        subject: x.subject().to_string(),
        issuer: x.issuer().to_string(),
        not_before: x.validity().not_before.timestamp(),
        not_after: x.validity().not_after.timestamp(),
        sans,
        is_ca: x.is_ca(),
        // The field holds the version minus one.
        version: x.version().0 + 1,
        negative_serial: x.raw_serial().first().is_some_and(|b| b & 0x80 != 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_reasons_are_told_in_words_never_as_rust_debug_output() {
        assert_eq!(
            words("NoCipherSuitesInCommon"),
            "no cipher suites in common"
        );
        assert_eq!(words("InvalidContentType"), "invalid content type");
        assert_eq!(words("UnknownCA"), "unknown ca");
        assert_eq!(
            words("ServerSentHelloRetryRequestWithUnknownExtension"),
            "server sent hello retry request with unknown extension"
        );
        assert_eq!(words("Other(x)"), "other");
        let alert = std::io::Error::other(rustls::Error::AlertReceived(
            rustls::AlertDescription::HandshakeFailure,
        ));
        assert_eq!(
            describe(&alert),
            "the server sent TLS alert handshake_failure"
        );
    }

    #[test]
    fn signature_algorithms_go_verifies_and_sha1_which_it_rejects() {
        // As webpki reported them for a chain from a P-521 CA: ecdsa-with-SHA256, and with
        // parameters after the OID (RSASSA-PSS).
        assert!(go_verifies(&[6, 8, 42, 134, 72, 206, 61, 4, 3, 2]));
        assert!(go_verifies(&[
            6, 9, 42, 134, 72, 134, 247, 13, 1, 1, 10, 48, 0
        ]));
        assert!(go_verifies(&[6, 3, 43, 101, 112]));
        let sha1_rsa = [6, 9, 42, 134, 72, 134, 247, 13, 1, 1, 5, 5, 0];
        assert!(!go_verifies(&sha1_rsa) && is_sha1(&sha1_rsa));
        assert!(is_sha1(&[6, 7, 42, 134, 72, 206, 61, 4, 1]));
        // MD5 with RSA: neither.
        let md5 = [6, 9, 42, 134, 72, 134, 247, 13, 1, 1, 4];
        assert!(!go_verifies(&md5) && !is_sha1(&md5));
    }

    #[test]
    fn der_headers_round_trip() {
        for len in [0usize, 5, 127, 128, 255, 256, 70_000] {
            let contents = vec![7u8; len];
            let der = der_sequence(&contents);
            assert_eq!(der[0], 0x30);
            assert_eq!(der_contents(&der), contents.as_slice(), "{len}");
        }
    }
}
