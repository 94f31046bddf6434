//! A ClientHello offering what Go's TLS client offers by default, sent when a server refused
//! the tool's own handshake with an alert: does it refuse the components too?
//!
//! rustls speaks TLS 1.2 only with AEAD cipher suites. Go also offers the ECDHE CBC suites,
//! so a server restricted to those (a TLS 1.2-only, hardened-long-ago configuration) lets the
//! components in and refuses this tool; a server that speaks only TLS 1.1 or older refuses
//! both. The server's first answer is read (its ServerHello or its alert); when it chose a
//! CBC suite of TLS 1.2, its flight up to ServerHelloDone is read too, as Go reads it: TLS 1.2
//! sends the certificates in the clear, so the chain is judged as any other, and the key
//! exchange's signature is verified with the leaf's key. Nothing else is sent: no key is
//! exchanged, no credentials ever go over this connection.

use std::net::SocketAddr;
use std::time::Duration;

use checks::facts::GoHello;
use rustls::SignatureScheme;
use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Go's default TLS 1.2 cipher suites (crypto/tls, Go 1.22 on), by code and IANA name, and
/// whether the suite is CBC (which rustls does not implement).
const GO_SUITES: &[(u16, &str, bool)] = &[
    (0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false),
    (0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false),
    (0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false),
    (0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false),
    (
        0xcca9,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        false,
    ),
    (0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false),
    (0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", true),
    (0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", true),
    (0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", true),
    (0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", true),
];

/// Go's elliptic curves (x25519, P-256, P-384, P-521), with the length of a public key
/// (a point of x25519, an uncompressed point of the others).
const GO_CURVES: &[(u16, usize)] = &[(0x001d, 32), (0x0017, 65), (0x0018, 97), (0x0019, 133)];

/// Go's TLS 1.2 signature schemes, in its order.
const GO_SCHEMES: &[u16] = &[
    0x0804, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603, 0x0201, 0x0203,
];

/// The ClientHello's random. It need not be random: no key is ever derived from this exchange.
const CLIENT_RANDOM: [u8; 32] = [0x5a; 32];

/// What the server answered Go's offer.
#[derive(Debug, PartialEq)]
pub struct Answer {
    /// Its ServerHello or alert.
    pub hello: GoHello,
    /// For TLS 1.2 with a CBC suite: its flight through ServerHelloDone, when whole and
    /// well-formed.
    pub flight: Option<Flight>,
}

/// A server's TLS 1.2 flight after its ServerHello, read through ServerHelloDone as Go reads it.
#[derive(Debug, PartialEq)]
pub struct Flight {
    /// The certificates it sent, leaf first, each a well-formed X.509 certificate.
    pub chain: Vec<CertificateDer<'static>>,
    /// It sent a CertificateRequest.
    pub client_cert_requested: bool,
}

/// Sends the ClientHello to `peer` and reads the server's answer, within `deadline`.
pub async fn ask(peer: SocketAddr, host: &str, deadline: Duration) -> Answer {
    // The place under the connection limit is waited for before the deadline starts.
    let mut room = super::socket::room(1).await;
    let mut reader = Reader::default();
    let attempt = async {
        let mut tcp = room.connect(peer).await.ok()?;
        tcp.write_all(&client_hello(host)).await.ok()?;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = tcp.read(&mut buf).await.ok()?;
            if n == 0 || reader.feed(&buf[..n]) {
                return Some(());
            }
        }
    };
    // Whatever ends the reading (the answer read, the connection closed, the deadline), the
    // answer is what was read whole by then.
    let _ = tokio::time::timeout(deadline, attempt).await;
    reader.finish()
}

/// A TLS 1.2 ClientHello (TLS 1.0 to 1.2 allowed by its version field) with Go's suites,
/// curves and signature schemes, and the host as SNI when it is a name.
fn client_hello(host: &str) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend(CLIENT_RANDOM);
    body.push(0); // no session id
    let suites: Vec<u8> = GO_SUITES
        .iter()
        .flat_map(|(code, _, _)| code.to_be_bytes())
        .collect();
    body.extend(u16_len(&suites));
    body.extend([1, 0]); // compression: null only
    let mut extensions = Vec::new();
    if host.parse::<std::net::IpAddr>().is_err() && !host.is_empty() && host.len() < 256 {
        let mut name = vec![0]; // host_name
        name.extend(u16_len(host.as_bytes()));
        extensions.extend(extension(0x0000, &u16_len(&name)));
    }
    let groups: Vec<u8> = GO_CURVES
        .iter()
        .flat_map(|(g, _)| g.to_be_bytes())
        .collect();
    extensions.extend(extension(0x000a, &u16_len(&groups)));
    extensions.extend(extension(0x000b, &[1, 0])); // uncompressed points
    let schemes: Vec<u8> = GO_SCHEMES.iter().flat_map(|s| s.to_be_bytes()).collect();
    extensions.extend(extension(0x000d, &u16_len(&schemes)));
    extensions.extend(extension(0x0017, &[])); // extended master secret
    extensions.extend(extension(0xff01, &[0])); // secure renegotiation, initial
    body.extend(u16_len(&extensions));
    let mut handshake = vec![0x01];
    handshake.extend(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend(body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend(u16_len(&handshake));
    record
}

fn extension(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_be_bytes().to_vec();
    out.extend(u16_len(data));
    out
}

/// `data` after its length as two bytes.
fn u16_len(data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(data);
    out
}

/// The longest TLS record Go reads (crypto/tls `maxCiphertext`, 2^14 + 2048).
const MAX_RECORD: usize = 16384 + 2048;
/// The longest handshake message Go reads (crypto/tls `maxHandshake`), and the longest
/// certificate message (`maxHandshakeCertificateMsg`).
const MAX_MESSAGE: usize = 65536;
const MAX_CERTIFICATE_MESSAGE: usize = 262144;
/// The most read of one answer: a certificate message at its longest and three other messages,
/// with their record headers.
const MAX_ANSWER: usize = MAX_CERTIFICATE_MESSAGE + 3 * MAX_MESSAGE + 64 * 1024;

/// The server's answer, read as strictly as Go reads it, as its bytes arrive (each byte is
/// looked at once, however the server cuts them up). The first record is an alert, or a
/// handshake record whose first message is a well-formed ServerHello choosing one of the suites
/// offered, with no compression and well-formed extensions: anything else (a session ID longer
/// than 32 bytes, lengths that disagree, a suite not offered) Go refuses, so it is `Nothing`,
/// never an acceptance. After a TLS 1.2 ServerHello with a CBC suite come, in handshake
/// records only, Certificate, ServerKeyExchange, an optional CertificateRequest and an empty
/// ServerHelloDone, each well-formed and within Go's bounds; anything else ends the reading
/// with the ServerHello alone (no flight).
#[derive(Default)]
struct Reader {
    /// Bytes received and not yet taken as a whole record (at most one record's worth).
    pending: Vec<u8>,
    /// Every byte received.
    received: usize,
    /// The handshake messages after the ServerHello, as the records brought them.
    handshake: Vec<u8>,
    /// How much of `handshake` has been taken as whole messages.
    parsed: usize,
    /// The ServerHello read, and the server's random.
    hello: Option<(GoHello, [u8; 32])>,
    /// The flight so far.
    chain: Vec<CertificateDer<'static>>,
    key_exchange_verified: bool,
    client_cert_requested: bool,
    /// The answer, once it is known.
    done: Option<Answer>,
}

impl Reader {
    /// Takes `bytes`; true once the answer is known (nothing more needs reading).
    fn feed(&mut self, bytes: &[u8]) -> bool {
        if self.done.is_some() {
            return true;
        }
        self.received += bytes.len();
        if self.received > MAX_ANSWER {
            self.give_up();
            return true;
        }
        self.pending.extend_from_slice(bytes);
        loop {
            let Some((&[kind, major, _, l1, l2], _)) = self.pending.split_first_chunk::<5>() else {
                return false;
            };
            let len = usize::from(u16::from_be_bytes([l1, l2]));
            if major != 3 || len == 0 || len > MAX_RECORD {
                self.give_up();
                return true;
            }
            if self.pending.len() < 5 + len {
                return false;
            }
            let record: Vec<u8> = self.pending.drain(..5 + len).skip(5).collect();
            self.record(kind, &record);
            if self.done.is_some() {
                return true;
            }
        }
    }

    /// The answer: what was read whole.
    fn finish(mut self) -> Answer {
        self.give_up();
        self.done.take().expect("given up")
    }

    /// Ends the reading with what is known: the ServerHello without a flight, or nothing.
    fn give_up(&mut self) {
        if self.done.is_none() {
            let hello = self
                .hello
                .take()
                .map_or(GoHello::Nothing, |(hello, _)| hello);
            self.done = Some(Answer {
                hello,
                flight: None,
            });
        }
    }

    fn record(&mut self, kind: u8, record: &[u8]) {
        if self.hello.is_none() {
            return self.first_record(kind, record);
        }
        if kind != 0x16 {
            // An alert, or anything else, before ServerHelloDone: Go's handshake ends there.
            return self.give_up();
        }
        self.handshake.extend_from_slice(record);
        while let Some((&[kind, a, b, c], rest)) =
            self.handshake[self.parsed..].split_first_chunk::<4>()
        {
            let len = u32::from_be_bytes([0, a, b, c]) as usize;
            let bound = match kind {
                11 => MAX_CERTIFICATE_MESSAGE,
                _ => MAX_MESSAGE,
            };
            if len > bound {
                return self.give_up();
            }
            let Some(body) = rest.get(..len) else {
                return;
            };
            let body = body.to_vec();
            self.parsed += 4 + len;
            if !self.message(kind, &body) {
                return self.give_up();
            }
            if self.done.is_some() {
                return;
            }
        }
    }

    /// The first record: an alert, or the ServerHello (whole, in this record).
    fn first_record(&mut self, kind: u8, record: &[u8]) {
        let answer = match (kind, record) {
            (0x15, [level @ (1 | 2), description]) if *level > 0 => GoHello::Alert {
                description: alert_name(*description),
            },
            (0x16, [0x02, a, b, c, message @ ..]) => {
                let len = u32::from_be_bytes([0, *a, *b, *c]) as usize;
                match message.get(..len).and_then(server_hello) {
                    Some((hello, random)) if wants_flight(&hello) => {
                        self.hello = Some((hello, random));
                        let rest = message.get(len..).unwrap_or_default().to_vec();
                        return self.record(0x16, &rest);
                    }
                    Some((hello, _)) => hello,
                    None => GoHello::Nothing,
                }
            }
            _ => GoHello::Nothing,
        };
        self.done = Some(Answer {
            hello: answer,
            flight: None,
        });
    }

    /// One handshake message of the flight, in Go's order; false when Go would refuse it.
    fn message(&mut self, kind: u8, body: &[u8]) -> bool {
        let have_chain = !self.chain.is_empty();
        match kind {
            11 if !have_chain => match certificates(body) {
                Some(chain) => {
                    self.chain = chain;
                    true
                }
                None => false,
            },
            12 if have_chain && !self.key_exchange_verified => {
                let Some((_, server_random)) = &self.hello else {
                    return false;
                };
                self.key_exchange_verified = key_exchange(body, server_random, &self.chain[0]);
                self.key_exchange_verified
            }
            13 if self.key_exchange_verified && !self.client_cert_requested => {
                self.client_cert_requested = certificate_request(body);
                self.client_cert_requested
            }
            14 if self.key_exchange_verified && body.is_empty() => {
                let hello = self.hello.take().map(|(h, _)| h);
                let hello = match hello {
                    Some(GoHello::Chose {
                        version,
                        version_ok,
                        cipher_suite,
                        cbc,
                        ..
                    }) => GoHello::Chose {
                        version,
                        version_ok,
                        cipher_suite,
                        cbc,
                        flight_read: true,
                    },
                    _ => return false,
                };
                self.done = Some(Answer {
                    hello,
                    flight: Some(Flight {
                        chain: std::mem::take(&mut self.chain),
                        client_cert_requested: self.client_cert_requested,
                    }),
                });
                true
            }
            _ => false,
        }
    }
}

/// Whether the flight after this ServerHello is read: TLS 1.2 with a CBC suite, where the
/// certificates are all this tool can judge of what Go gets.
fn wants_flight(hello: &GoHello) -> bool {
    matches!(hello, GoHello::Chose { version, version_ok: true, cbc: true, .. } if version == "TLS 1.2")
}

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
fn certificates(body: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
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
fn key_exchange(body: &[u8], server_random: &[u8; 32], leaf: &[u8]) -> bool {
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
    super::signatures::verify_tls12(leaf, SignatureScheme::from(scheme), &message, signature)
}

/// Whether a CertificateRequest (TLS 1.2) is well-formed as Go reads it: at least one
/// certificate type, signature schemes of an even length, distinguished names each with its
/// length, nothing after them.
fn certificate_request(body: &[u8]) -> bool {
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
fn server_hello(body: &[u8]) -> Option<(GoHello, [u8; 32])> {
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

pub(super) fn version_name(major: u8, minor: u8) -> String {
    match (major, minor) {
        (3, 0) => "SSL 3.0".into(),
        (3, m) => format!("TLS 1.{}", m - 1),
        _ => format!("0x{major:02x}{minor:02x}"),
    }
}

/// A TLS alert by its RFC 8446 name.
pub(super) fn alert_name(code: u8) -> String {
    match code {
        0 => "close_notify".into(),
        10 => "unexpected_message".into(),
        20 => "bad_record_mac".into(),
        22 => "record_overflow".into(),
        40 => "handshake_failure".into(),
        42 => "bad_certificate".into(),
        43 => "unsupported_certificate".into(),
        44 => "certificate_revoked".into(),
        45 => "certificate_expired".into(),
        46 => "certificate_unknown".into(),
        48 => "unknown_ca".into(),
        49 => "access_denied".into(),
        50 => "decode_error".into(),
        51 => "decrypt_error".into(),
        86 => "inappropriate_fallback".into(),
        90 => "user_canceled".into(),
        109 => "missing_extension".into(),
        110 => "unsupported_extension".into(),
        116 => "certificate_required".into(),
        120 => "no_application_protocol".into(),
        70 => "protocol_version".into(),
        71 => "insufficient_security".into(),
        47 => "illegal_parameter".into(),
        80 => "internal_error".into(),
        112 => "unrecognized_name".into(),
        other => format!("alert {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer to `bytes`, all received at once.
    fn read_answer(bytes: &[u8]) -> GoHello {
        let mut reader = Reader::default();
        reader.feed(bytes);
        reader.finish().hello
    }

    #[test]
    fn reads_a_server_hello_and_an_alert() {
        let mut hello = vec![
            0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03,
        ];
        hello.extend([7; 32]);
        hello.push(0);
        hello.extend([0xc0, 0x09, 0x00]);
        assert_eq!(
            read_answer(&hello),
            GoHello::Chose {
                version: "TLS 1.2".into(),
                version_ok: true,
                cipher_suite: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA".into(),
                cbc: true,
                flight_read: false,
            }
        );
        hello[9..11].copy_from_slice(&[3, 2]);
        assert!(
            matches!(read_answer(&hello), GoHello::Chose { version_ok: false, ref version, .. } if version == "TLS 1.1")
        );
        assert_eq!(
            read_answer(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70]),
            GoHello::Alert {
                description: "protocol_version".into()
            }
        );
        assert_eq!(read_answer(b"-ERR garbage\r\n"), GoHello::Nothing);
        assert_eq!(read_answer(&hello[..40]), GoHello::Nothing);
    }

    /// A ServerHello record around `body` (the message after its type and length).
    fn record(body: &[u8]) -> Vec<u8> {
        let len = body.len() as u32;
        let mut message = vec![0x02];
        message.extend(&len.to_be_bytes()[1..]);
        message.extend(body);
        let mut out = vec![0x16, 0x03, 0x03];
        out.extend((message.len() as u16).to_be_bytes());
        out.extend(message);
        out
    }

    fn body(id_len: u8, id: &[u8], suite: [u8; 2], tail: &[u8]) -> Vec<u8> {
        let mut b = vec![0x03, 0x03];
        b.extend([7; 32]);
        b.push(id_len);
        b.extend(id);
        b.extend(suite);
        b.push(0);
        b.extend(tail);
        b
    }

    // See: issue 18, item 8.
    #[test]
    fn a_malformed_server_hello_is_no_acceptance() {
        let good = record(&body(32, &[1; 32], [0xc0, 0x2f], &[0, 4, 0xff, 0x01, 0, 0]));
        assert!(
            matches!(read_answer(&good), GoHello::Chose { .. }),
            "{good:?}"
        );
        for (what, answer) in [
            (
                "an absurd session-id length",
                record(&body(200, &[1; 32], [0xc0, 0x2f], &[])),
            ),
            (
                "a session id of 33 bytes",
                record(&body(33, &[1; 33], [0xc0, 0x2f], &[])),
            ),
            (
                "a suite not offered",
                record(&body(0, &[], [0x00, 0x2f], &[])),
            ),
            (
                "extensions of the wrong length",
                record(&body(0, &[], [0xc0, 0x2f], &[0, 9, 0xff, 0x01, 0, 0])),
            ),
            (
                "an extension past the end",
                record(&body(0, &[], [0xc0, 0x2f], &[0, 4, 0xff, 0x01, 0, 9])),
            ),
            ("a message longer than its record", {
                let mut r = record(&body(0, &[], [0xc0, 0x2f], &[]));
                r[8] += 1;
                r
            }),
            ("compression", {
                let mut b = body(0, &[], [0xc0, 0x2f], &[]);
                let last = b.len() - 1;
                b[last] = 1;
                record(&b)
            }),
        ] {
            assert_eq!(read_answer(&answer), GoHello::Nothing, "{what}");
        }
    }

    #[test]
    fn the_hello_is_one_well_formed_record() {
        let hello = client_hello("redis.example");
        assert_eq!(hello[0], 0x16);
        assert_eq!(
            usize::from(u16::from_be_bytes([hello[3], hello[4]])),
            hello.len() - 5
        );
        let handshake_len = u32::from_be_bytes([0, hello[6], hello[7], hello[8]]) as usize;
        assert_eq!(handshake_len, hello.len() - 9);
        assert!(
            hello
                .windows(b"redis.example".len())
                .any(|w| w == b"redis.example")
        );
        // No SNI for an address.
        assert!(client_hello("10.0.0.1").len() < hello.len());
    }

    /// What the lab's CBC-only server (`tls-ciphers ECDHE-ECDSA-AES128-SHA:…`, a P-256 key)
    /// sent to `client_hello("localhost")`: ServerHello, Certificate, ServerKeyExchange and
    /// ServerHelloDone, one record each. The key exchange is signed over the fixed client random,
    /// so it verifies whenever it is read.
    const LAB_FLIGHT: &[u8] = include_bytes!("../../tests/fixtures/tls12-cbc-flight.bin");
    /// `openssl s_server -tls1_2 -cipher ECDHE-ECDSA-AES256-SHA -Verify 1` with a P-521 key: its
    /// key exchange signed with ecdsa_secp521r1_sha512, and a CertificateRequest.
    const P521_FLIGHT: &[u8] =
        include_bytes!("../../tests/fixtures/tls12-cbc-flight-p521-certificate-request.bin");

    fn answer(bytes: &[u8]) -> Answer {
        let mut reader = Reader::default();
        reader.feed(bytes);
        reader.finish()
    }

    /// The records of a flight, each with its header.
    fn records(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while rest.len() >= 5 {
            let len = 5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]));
            out.push(rest[..len].to_vec());
            rest = &rest[len..];
        }
        out
    }

    fn flight_read(a: &Answer) -> bool {
        matches!(
            a.hello,
            GoHello::Chose {
                flight_read: true,
                ..
            }
        ) && a.flight.is_some()
    }

    // See: issue 19, item 4.
    #[test]
    fn a_cbc_flight_gives_its_chain_read_whole_or_a_byte_at_a_time() {
        let whole = answer(LAB_FLIGHT);
        assert!(flight_read(&whole), "{whole:?}");
        let flight = whole.flight.as_ref().unwrap();
        // OpenSSL sends the CA along (from tls-ca-cert-file).
        assert_eq!(flight.chain.len(), 2);
        assert!(!flight.client_cert_requested);
        assert!(
            matches!(&whole.hello, GoHello::Chose { cipher_suite, cbc: true, .. } if cipher_suite == "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")
        );
        let mut reader = Reader::default();
        let mut done_at = None;
        for (i, b) in LAB_FLIGHT.iter().enumerate() {
            if reader.feed(&[*b]) {
                done_at = Some(i);
                break;
            }
        }
        assert_eq!(done_at, Some(LAB_FLIGHT.len() - 1), "done at the last byte");
        assert_eq!(reader.finish(), whole);

        let p521 = answer(P521_FLIGHT);
        assert!(flight_read(&p521), "{p521:?}");
        assert!(p521.flight.unwrap().client_cert_requested);
    }

    #[test]
    fn a_truncated_flight_is_the_hello_alone() {
        let first = records(LAB_FLIGHT)[0].len();
        for cut in 0..LAB_FLIGHT.len() {
            let a = answer(&LAB_FLIGHT[..cut]);
            assert!(a.flight.is_none(), "cut at {cut}");
            match cut < first {
                true => assert_eq!(a.hello, GoHello::Nothing, "cut at {cut}"),
                false => assert!(
                    matches!(
                        a.hello,
                        GoHello::Chose {
                            flight_read: false,
                            cbc: true,
                            ..
                        }
                    ),
                    "cut at {cut}: {:?}",
                    a.hello
                ),
            }
        }
    }

    #[test]
    fn a_flight_go_would_refuse_gives_no_chain() {
        let r = records(LAB_FLIGHT);
        let join = |parts: &[&Vec<u8>]| {
            parts
                .iter()
                .flat_map(|p| p.iter().copied())
                .collect::<Vec<u8>>()
        };
        let flipped = |record: usize, from_end: usize| {
            let mut parts = r.clone();
            let at = parts[record].len() - from_end;
            parts[record][at] ^= 0x01;
            parts.concat()
        };
        let mut alert = vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40];
        alert.splice(0..0, join(&[&r[0], &r[1]]));
        let done_with_body = {
            let mut d = r[3].clone();
            d[4] = 5;
            d[8] = 1;
            d.push(0);
            d
        };
        let status = vec![0x16, 0x03, 0x03, 0x00, 0x05, 22, 0, 0, 1, 1];
        for (what, bytes) in [
            ("the key exchange's signature altered", flipped(2, 3)),
            ("the key exchange's point altered", flipped(2, 80)),
            ("a certificate list longer than its message", {
                let mut parts = r.clone();
                parts[1][5 + 4 + 2] += 1;
                parts.concat()
            }),
            ("a certificate that is not X.509", {
                let mut parts = r.clone();
                parts[1][5 + 4 + 3 + 3] = 0x31;
                parts.concat()
            }),
            ("no key exchange", join(&[&r[0], &r[1], &r[3]])),
            ("no certificate", join(&[&r[0], &r[2], &r[3]])),
            (
                "the certificate twice",
                join(&[&r[0], &r[1], &r[1], &r[2], &r[3]]),
            ),
            ("an alert before ServerHelloDone", alert),
            (
                "a ServerHelloDone with a body",
                join(&[&r[0], &r[1], &r[2], &done_with_body]),
            ),
            (
                "a message not asked for",
                join(&[&r[0], &r[1], &status, &r[2], &r[3]]),
            ),
        ] {
            let a = answer(&bytes);
            assert!(a.flight.is_none(), "{what}");
            assert!(
                matches!(
                    a.hello,
                    GoHello::Chose {
                        flight_read: false,
                        ..
                    }
                ),
                "{what}"
            );
        }
    }

    #[test]
    fn garbage_and_overlong_declarations_end_the_reading_without_a_panic() {
        let hello = &records(LAB_FLIGHT)[0];
        // A record or a message declaring more than Go reads ends it at once.
        let mut big_record = hello.clone();
        big_record.extend([0x16, 0x03, 0x03, 0xff, 0xff]);
        let mut big_message = hello.clone();
        big_message.extend([0x16, 0x03, 0x03, 0x00, 0x04, 12, 0x01, 0x00, 0x01]);
        for bytes in [big_record, big_message] {
            let mut reader = Reader::default();
            assert!(reader.feed(&bytes), "known at once");
            assert!(reader.finish().flight.is_none());
        }
        // Deterministic garbage after the hello, and alone, in pieces of every size.
        let mut state = 0x2545_f491_u32;
        let mut garbage = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        };
        for round in 0..200 {
            let mut bytes = if round % 2 == 0 {
                hello.clone()
            } else {
                Vec::new()
            };
            // Mostly well-framed handshake records, with garbage inside.
            for _ in 0..(round % 7 + 1) {
                let len = usize::from(garbage()) + 1;
                bytes.extend([0x16, 0x03, 0x03, 0x00, len as u8]);
                bytes.extend((0..len).map(|_| garbage()));
            }
            bytes.extend((0..round).map(|_| garbage()));
            let mut reader = Reader::default();
            for piece in bytes.chunks(round % 13 + 1) {
                if reader.feed(piece) {
                    break;
                }
            }
            assert!(reader.finish().flight.is_none(), "round {round}");
        }
        // More than an answer holds: a certificate message of Go's longest, one byte a record
        // (six bytes each on the wire), is cut at the bound.
        let mut reader = Reader::default();
        reader.feed(hello);
        let mut message = vec![11, 0x03, 0xff, 0xff]
            .into_iter()
            .chain(std::iter::repeat(0));
        let mut fed = hello.len();
        let ended = loop {
            let record = [0x16, 0x03, 0x03, 0x00, 0x01, message.next().unwrap()];
            fed += record.len();
            if reader.feed(&record) {
                break fed;
            }
        };
        assert!(
            ended > MAX_ANSWER && ended <= MAX_ANSWER + 6,
            "cut at the bound: {ended}"
        );
        assert!(reader.finish().flight.is_none());
    }

    #[test]
    fn certificate_requests_are_read_as_go_reads_them() {
        // One type, two schemes, one name of two bytes.
        assert!(certificate_request(&[
            1, 64, 0, 4, 4, 3, 8, 4, 0, 4, 0, 2, 0x30, 0
        ]));
        assert!(certificate_request(&[1, 64, 0, 0, 0, 0]));
        assert!(!certificate_request(&[0, 0, 0, 0, 0]), "no type");
        assert!(
            !certificate_request(&[1, 64, 0, 3, 4, 3, 8, 0, 0]),
            "odd schemes"
        );
        assert!(
            !certificate_request(&[1, 64, 0, 0, 0, 4, 0, 9, 0x30, 0]),
            "a name past the end"
        );
        assert!(!certificate_request(&[1, 64, 0, 0, 0, 0, 7]), "bytes after");
        assert!(!certificate_request(&[]));
        assert!(!certificate_request(&[9, 1]));
    }
}
