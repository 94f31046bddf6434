//! The server's TLS 1.2 handshake messages, each checked as Go's crypto/tls checks it: the
//! ServerHello (a suite offered, no compression, well-formed extensions), the Certificate
//! message's chain, the ServerKeyExchange and its signature, verified with the leaf's key, and
//! the CertificateRequest.

use checks::facts::GoHello;
use rustls::SignatureScheme;
use rustls::pki_types::CertificateDer;

use super::names::version_name;
use super::offer::{CLIENT_RANDOM, GO_CURVES, GO_SCHEMES, GO_SUITES};
use crate::probe::signatures;

/// `data` as a list with a 3-byte length, and what follows it.
fn u24_prefixed(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&[a, b, c], rest) = data.split_first_chunk::<3>()?;
    rest.split_at_checked(u32::from_be_bytes([0, a, b, c]) as usize)
}

/// `data` as a list with a 2-byte length, and what follows it.
fn u16_prefixed(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&[a, b], rest) = data.split_first_chunk::<2>()?;
    rest.split_at_checked(usize::from(u16::from_be_bytes([a, b])))
}

/// A Certificate message's chain (TLS 1.2): lengths that agree to the byte, at least one
/// certificate, each a well-formed X.509 certificate with nothing after it, as Go's parser
/// demands.
pub(super) fn certificates(body: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    let (mut list, rest) = u24_prefixed(body)?;
    if !rest.is_empty() {
        return None;
    }
    let mut chain = Vec::new();
    while !list.is_empty() {
        let (der, rest) = u24_prefixed(list)?;
        match x509_parser::parse_x509_certificate(der) {
            Ok(([], _)) => chain.push(CertificateDer::from(der.to_vec())),
            _ => return None,
        }
        list = rest;
    }
    (!chain.is_empty()).then_some(chain)
}

/// Whether a ServerKeyExchange (ECDHE, TLS 1.2) is one Go accepts: a named curve Go offered
/// with a public key of its length, a signature scheme Go offered, lengths that agree, and a
/// signature over both randoms and the parameters that verifies with the leaf's key.
pub(super) fn key_exchange(body: &[u8], server_random: &[u8; 32], leaf: &[u8]) -> bool {
    let [3, c1, c2, key_len, rest @ ..] = body else {
        return false;
    };
    let curve = u16::from_be_bytes([*c1, *c2]);
    let key_len = usize::from(*key_len);
    let Some(&(_, expected)) = GO_CURVES.iter().find(|(id, _)| *id == curve) else {
        return false;
    };
    let Some((key, signed)) = rest.split_at_checked(key_len) else {
        return false;
    };
    if key_len != expected || (curve != 0x001d && key.first() != Some(&4)) {
        return false;
    }
    let Some((&[s1, s2], rest)) = signed.split_first_chunk::<2>() else {
        return false;
    };
    let scheme = u16::from_be_bytes([s1, s2]);
    let Some((signature, rest)) = u16_prefixed(rest) else {
        return false;
    };
    if !rest.is_empty() || !GO_SCHEMES.contains(&scheme) {
        return false;
    }
    let mut message = CLIENT_RANDOM.to_vec();
    message.extend_from_slice(server_random);
    message.extend_from_slice(&body[..4 + key_len]);
    signatures::verify_tls12(leaf, SignatureScheme::from(scheme), &message, signature)
}

/// Whether a CertificateRequest (TLS 1.2) is well-formed as Go reads it: at least one
/// certificate type, signature schemes of an even length, distinguished names each with its
/// length, nothing after them.
pub(super) fn certificate_request(body: &[u8]) -> bool {
    let Some((&types, rest)) = body.split_first() else {
        return false;
    };
    let Some((_, rest)) = rest.split_at_checked(usize::from(types)) else {
        return false;
    };
    if types == 0 {
        return false;
    }
    let Some((schemes, rest)) = u16_prefixed(rest) else {
        return false;
    };
    if schemes.len() % 2 != 0 {
        return false;
    }
    let Some((mut names, rest)) = u16_prefixed(rest) else {
        return false;
    };
    while !names.is_empty() {
        match u16_prefixed(names) {
            Some((_, after)) => names = after,
            None => return false,
        }
    }
    rest.is_empty()
}

/// A ServerHello's body and the server's random, or `None` where Go's
/// `serverHelloMsg.unmarshal` or its check of the suite would fail.
pub(super) fn server_hello(body: &[u8]) -> Option<(GoHello, [u8; 32])> {
    let (&[v1, v2], rest) = body.split_first_chunk::<2>()?;
    let (&random, rest) = rest.split_first_chunk::<32>()?;
    let (&id_len, rest) = rest.split_first()?;
    if id_len > 32 {
        return None;
    }
    let rest = rest.get(usize::from(id_len)..)?;
    let (&[s1, s2, compression], mut extensions) = rest.split_first_chunk::<3>()?;
    if compression != 0 {
        return None;
    }
    if !extensions.is_empty() {
        let (&[e1, e2], list) = extensions.split_first_chunk::<2>()?;
        if usize::from(u16::from_be_bytes([e1, e2])) != list.len() {
            return None;
        }
        extensions = list;
        while !extensions.is_empty() {
            let (&[_, _, n1, n2], data) = extensions.split_first_chunk::<4>()?;
            extensions = data.get(usize::from(u16::from_be_bytes([n1, n2]))..)?;
        }
    }
    let suite = u16::from_be_bytes([s1, s2]);
    // Go refuses a suite it did not offer ("server chose an unconfigured cipher suite").
    let (_, name, cbc) = GO_SUITES.iter().find(|(code, _, _)| *code == suite)?;
    let hello = GoHello::Chose {
        version: version_name(v1, v2),
        version_ok: (v1, v2) >= (3, 3),
        cipher_suite: name.to_string(),
        cbc: *cbc,
        flight_read: false,
    };
    Some((hello, random))
}
