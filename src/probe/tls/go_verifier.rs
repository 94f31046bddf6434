//! What Go's crypto/x509 verifier accepts, emulated over webpki: the chain and the name verified
//! apart (`verify_apart`), the signature algorithms Go verifies and SHA-1, which it rejects, and
//! the leaves webpki refuses and Go takes: a certificate that is itself a trusted CA
//! (`is_a_trust_anchor`), and a version 1 certificate or one that says it is a CA, signed
//! directly by a trust anchor (`signed_by_an_anchor`) and, for the latter, meant for servers
//! (`for_servers`).

use std::time::Duration;

use checks::facts::{CertInfo, TrustFailure};
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;

use super::der::{der_contents, signed_parts};
use crate::probe::signatures;

/// The chain against the roots at a time inside every certificate's validity (so that dates
/// are judged by tls.expiry alone), and the leaf against the name.
pub(super) fn verify_apart(
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
            signatures::ALGORITHMS.all,
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
pub(super) fn webpki_says(e: &rustls::Error, reason: webpki::Error) -> bool {
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
pub(super) fn signed_by_an_anchor(
    cert: &[u8],
    roots: &RootCertStore,
) -> Result<(), (String, TrustFailure)> {
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
            signatures::verify_with_key(
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

/// Whether Go's verifier lets the certificate serve: no extended key usage, or one that
/// includes server authentication (or any purpose).
pub(super) fn for_servers(cert: &[u8]) -> bool {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(cert) else {
        return false;
    };
    match cert.extended_key_usage() {
        Ok(None) => true,
        Ok(Some(eku)) => eku.value.server_auth || eku.value.any,
        Err(_) => false,
    }
}

/// Whether `cert` is itself one of the trusted CA certificates (same subject and key), as
/// Go's verifier accepts before building any chain.
pub(super) fn is_a_trust_anchor(cert: &CertificateDer<'_>, roots: &RootCertStore) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
