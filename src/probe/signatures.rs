//! The signature algorithms the TLS verdicts verify with: ring's, as rustls' ring provider
//! lists them, and ECDSA over P-521, which Go's crypto/x509 and crypto/tls verify and ring
//! does not implement. P-521 is verified by the RustCrypto `p521` crate (pure Rust), with
//! SHA-256, SHA-384 and SHA-512 as Go verifies it (a P-521 CA signing with SHA-256 is what
//! `openssl ca` makes by default), so that a chain through a P-521 CA and a P-521 server key
//! are judged instead of left `unknown`.

use p521::ecdsa::signature::hazmat::PrehashVerifier;
use p521::ecdsa::{DerSignature, VerifyingKey};
use rustls::SignatureScheme;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{
    AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id,
};
use sha2::Digest;
use webpki::ring as ring_algs;

/// ECDSA over P-521 with one hash.
#[derive(Debug)]
struct EcdsaP521 {
    hash: Hash,
}

#[derive(Clone, Copy, Debug)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// The bytes of a P-521 scalar: the digest, read as a big-endian integer, is left-padded to it
/// (every SHA-2 digest is shorter than the curve's order, so nothing is truncated).
const P521_BYTES: usize = 66;

impl SignatureVerificationAlgorithm for EcdsaP521 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature = DerSignature::from_bytes(signature).map_err(|_| InvalidSignature)?;
        let digest = match self.hash {
            Hash::Sha256 => sha2::Sha256::digest(message).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(message).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(message).to_vec(),
        };
        let mut z = [0u8; P521_BYTES];
        z[P521_BYTES - digest.len()..].copy_from_slice(&digest);
        key.verify_prehash(&z, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        match self.hash {
            Hash::Sha256 => alg_id::ECDSA_SHA256,
            Hash::Sha384 => alg_id::ECDSA_SHA384,
            Hash::Sha512 => alg_id::ECDSA_SHA512,
        }
    }
}

static ECDSA_P521_SHA256: &dyn SignatureVerificationAlgorithm = &EcdsaP521 { hash: Hash::Sha256 };
static ECDSA_P521_SHA384: &dyn SignatureVerificationAlgorithm = &EcdsaP521 { hash: Hash::Sha384 };
static ECDSA_P521_SHA512: &dyn SignatureVerificationAlgorithm = &EcdsaP521 { hash: Hash::Sha512 };

/// rustls' ring provider's algorithms and the three P-521 ones. In the mapping, a TLS 1.3
/// scheme's first algorithm is the one TLS 1.3 uses (the curve is fixed there); TLS 1.2 tries
/// every algorithm of the scheme whose key type matches (any curve, as Go does).
pub static ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        ring_algs::ECDSA_P256_SHA256,
        ring_algs::ECDSA_P256_SHA384,
        ring_algs::ECDSA_P384_SHA256,
        ring_algs::ECDSA_P384_SHA384,
        ECDSA_P521_SHA256,
        ECDSA_P521_SHA384,
        ECDSA_P521_SHA512,
        ring_algs::ED25519,
        ring_algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        ring_algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        ring_algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        ring_algs::RSA_PKCS1_2048_8192_SHA256,
        ring_algs::RSA_PKCS1_2048_8192_SHA384,
        ring_algs::RSA_PKCS1_2048_8192_SHA512,
        ring_algs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        ring_algs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        ring_algs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        (SignatureScheme::ECDSA_NISTP521_SHA512, &[ECDSA_P521_SHA512]),
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[
                ring_algs::ECDSA_P384_SHA384,
                ring_algs::ECDSA_P256_SHA384,
                ECDSA_P521_SHA384,
            ],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[
                ring_algs::ECDSA_P256_SHA256,
                ring_algs::ECDSA_P384_SHA256,
                ECDSA_P521_SHA256,
            ],
        ),
        (SignatureScheme::ED25519, &[ring_algs::ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA512,
            &[ring_algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA384,
            &[ring_algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[ring_algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA512,
            &[ring_algs::RSA_PKCS1_2048_8192_SHA512],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA384,
            &[ring_algs::RSA_PKCS1_2048_8192_SHA384],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            &[ring_algs::RSA_PKCS1_2048_8192_SHA256],
        ),
    ],
};

/// rustls' ring provider with [`ALGORITHMS`] for verification.
pub fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::CryptoProvider {
        signature_verification_algorithms: ALGORITHMS,
        ..rustls::crypto::ring::default_provider()
    }
}

/// Whether `signature` over `message` verifies with `algorithm` (the DER contents of the
/// signature's AlgorithmIdentifier) and the key of a SubjectPublicKeyInfo (the DER contents of
/// its SEQUENCE, as webpki keeps a trust anchor's): `None` when no algorithm here fits the
/// pair, as webpki would say "unsupported".
pub fn verify_with_key(
    spki: &[u8],
    algorithm: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let Some((key_algorithm, key)) = key_parts(spki) else {
        return Some(false);
    };
    let fitting = ALGORITHMS.all.iter().find(|a| {
        a.public_key_alg_id().as_ref() == key_algorithm
            && a.signature_alg_id().as_ref() == algorithm
    })?;
    Some(fitting.verify_signature(key, message, signature).is_ok())
}

/// Whether a TLS 1.2 handshake signature with `scheme` over `message` verifies with the key
/// of the certificate `cert`: any algorithm of the scheme whose key type is the key's, as Go
/// verifies TLS 1.2 (the curve is not tied to the hash there).
pub fn verify_tls12(
    cert: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let Some((key_algorithm, key)) = subject_public_key_info(cert).and_then(key_parts) else {
        return false;
    };
    ALGORITHMS
        .mapping
        .iter()
        .filter(|(s, _)| *s == scheme)
        .flat_map(|(_, algorithms)| algorithms.iter())
        .filter(|a| a.public_key_alg_id().as_ref() == key_algorithm)
        .any(|a| a.verify_signature(key, message, signature).is_ok())
}

/// The contents of a certificate's SubjectPublicKeyInfo SEQUENCE (version 1 certificates too).
fn subject_public_key_info(cert: &[u8]) -> Option<&[u8]> {
    let (certificate, _) = der_take(cert, 0x30)?;
    let (tbs, _) = der_take(certificate, 0x30)?;
    // The version, [0] EXPLICIT, is absent from a version 1 certificate.
    let rest = der_take(tbs, 0xa0).map_or(tbs, |(_, rest)| rest);
    let (_, rest) = der_take(rest, 0x02)?; // serial number
    let (_, rest) = der_take(rest, 0x30)?; // signature algorithm
    let (_, rest) = der_take(rest, 0x30)?; // issuer
    let (_, rest) = der_take(rest, 0x30)?; // validity
    let (_, rest) = der_take(rest, 0x30)?; // subject
    let (spki, _) = der_take(rest, 0x30)?;
    Some(spki)
}

/// A SubjectPublicKeyInfo's algorithm (the contents of its AlgorithmIdentifier) and key (the
/// BIT STRING's bytes, a whole number of them).
fn key_parts(spki: &[u8]) -> Option<(&[u8], &[u8])> {
    let (algorithm, rest) = der_take(spki, 0x30)?;
    let (bits, _) = der_take(rest, 0x03)?;
    match bits.split_first() {
        Some((0, key)) => Some((algorithm, key)),
        _ => None,
    }
}

/// The contents of the DER element of tag `tag` at the start of `der`, and what follows it.
pub fn der_take(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = der.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, rest) = rest.split_at_checked(n)?;
        (
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
            rest,
        )
    };
    rest.split_at_checked(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_of_the_mapping_is_in_all() {
        for (scheme, algorithms) in ALGORITHMS.mapping {
            for a in *algorithms {
                assert!(
                    ALGORITHMS.all.iter().any(|b| std::ptr::eq(*a, *b)),
                    "{scheme:?}: {a:?}"
                );
            }
        }
        assert!(
            ALGORITHMS
                .supported_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }

    #[test]
    fn garbage_keys_and_signatures_are_invalid_never_a_panic() {
        for a in [ECDSA_P521_SHA256, ECDSA_P521_SHA384, ECDSA_P521_SHA512] {
            assert!(a.verify_signature(&[], b"m", &[]).is_err());
            assert!(
                a.verify_signature(&[4; 133], b"m", &[0x30, 0x06, 2, 1, 1, 2, 1, 1])
                    .is_err()
            );
            assert!(
                a.verify_signature(&[0xff; 400], b"m", &[0xff; 400])
                    .is_err()
            );
        }
        assert_eq!(der_take(&[0x30, 0x85, 1, 1, 1, 1, 1], 0x30), None);
        assert_eq!(der_take(&[0x30, 0x82, 0xff], 0x30), None);
        assert_eq!(der_take(&[0x30, 0x02, 1], 0x30), None);
        assert_eq!(
            der_take(&[0x30, 0x01, 7, 9], 0x30),
            Some((&[7u8][..], &[9u8][..]))
        );
        // A key that does not parse verifies nothing.
        assert_eq!(verify_with_key(&[0x30, 0x00], &[], b"m", &[]), Some(false));
    }

    /// A P-521 key and signatures over "hello p521" made by `openssl dgst -sha256 -sign` (and
    /// `-sha512`).
    const SPKI: &str = "30819b301006072a8648ce3d020106052b8104002303818600040152a146277c4c8e97c9b7c42e9f3a97884ee604f2d7cf0309a84b45f5149370b88bfe08892513fb6128e58753fe875d54c4f75ef05434fff21d3a1abeeaa2f3ccc7007942f2f6b29912d1b9423366a7562ca9d44e06130290e41d4a7fa048aea43b6297dd8e37fef0bac091f5939804796bafef2a71e26f5a2504527726bbc128cad4f7";
    const SIG_SHA256: &str = "308188024201dc62c8731fafe367cd635babbb17df5c82562862529041306c5f33427a92cfc7f222b5a65eedf19e7c8031499705b6fc7966f019c14d195b0ac09b0cafacdaaf93024201795e76b86e14f3fbc39af09bfdb070bbdea002afddb48d3f8acf413d44bf522b2bb7d91237234885cbc8273ee409c2f03d6498f190705c5c6eeb524dfd23dd28da";
    const SIG_SHA512: &str = "30818702412885188bc1104254720d9da048d3a8e3da44883493f2070e8d555667004d131dcd18c59c391b2c7f77c5e4584b2487a440ac9e0aa7960e75aa66cd948c7f10cefb024201ab82f213e9ee1975a4b8c5aadc62dadb5ef62844365975dbbee23a868022f12e185091a1f8d8c8b0a3679d7e0ff49550bcc38504844342e6044b190611daf58c2c";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn a_p521_signature_made_by_openssl_verifies_with_its_hash_only() {
        let spki = hex(SPKI);
        let (key, _) = der_take(&spki, 0x30).unwrap();
        let sha256 = alg_id::ECDSA_SHA256;
        let sha512 = alg_id::ECDSA_SHA512;
        let msg = b"hello p521";
        assert_eq!(
            verify_with_key(key, sha256.as_ref(), msg, &hex(SIG_SHA256)),
            Some(true)
        );
        assert_eq!(
            verify_with_key(key, sha512.as_ref(), msg, &hex(SIG_SHA512)),
            Some(true)
        );
        assert_eq!(
            verify_with_key(key, sha512.as_ref(), msg, &hex(SIG_SHA256)),
            Some(false)
        );
        assert_eq!(
            verify_with_key(key, sha256.as_ref(), b"hello p520", &hex(SIG_SHA256)),
            Some(false)
        );
        // ecdsa-with-SHA1: Go refuses it, and so does this list.
        let sha1 = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
        assert_eq!(verify_with_key(key, &sha1, msg, &hex(SIG_SHA256)), None);
    }
}
