//! A ClientHello offering what Go's TLS client offers by default, sent when a server refused
//! the tool's own handshake with an alert: does it refuse the components too?
//!
//! rustls speaks TLS 1.2 only with AEAD cipher suites. Go also offers the ECDHE CBC suites,
//! so a server restricted to those (a TLS 1.2-only, hardened-long-ago configuration) lets the
//! components in and refuses this tool; a server that speaks only TLS 1.1 or older refuses
//! both. Only the server's first answer is read (its ServerHello or its alert): no key is
//! exchanged and nothing else is sent.

use std::net::SocketAddr;
use std::time::Duration;

use checks::facts::GoHello;
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

/// Sends the ClientHello to `peer` and reads the server's first answer, within `deadline`.
pub async fn ask(peer: SocketAddr, host: &str, deadline: Duration) -> GoHello {
    // The place under the connection limit is waited for before the deadline starts.
    let mut room = super::socket::room(1).await;
    let attempt = async {
        let mut tcp = room.connect(peer).await.ok()?;
        tcp.write_all(&client_hello(host)).await.ok()?;
        // A ServerHello fits in a few hundred bytes; what follows it is not needed.
        let mut answer = vec![0u8; MAX_ANSWER];
        let mut len = 0;
        loop {
            let n = tcp.read(&mut answer[len..]).await.ok()?;
            len += n;
            if n == 0 || len == answer.len() || first_message_read(&answer[..len]) {
                break;
            }
        }
        Some(read_answer(&answer[..len]))
    };
    tokio::time::timeout(deadline, attempt)
        .await
        .ok()
        .flatten()
        .unwrap_or(GoHello::Nothing)
}

/// A TLS 1.2 ClientHello (TLS 1.0 to 1.2 allowed by its version field) with Go's suites,
/// curves and signature schemes, and the host as SNI when it is a name.
fn client_hello(host: &str) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    // The random need not be random: no key is ever derived from this exchange.
    body.extend([0x5a; 32]);
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
    // x25519, P-256, P-384, P-521.
    let groups = [0x001d_u16, 0x0017, 0x0018, 0x0019];
    let groups: Vec<u8> = groups.iter().flat_map(|g| g.to_be_bytes()).collect();
    extensions.extend(extension(0x000a, &u16_len(&groups)));
    extensions.extend(extension(0x000b, &[1, 0])); // uncompressed points
    let schemes = [
        0x0804_u16, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603, 0x0201,
        0x0203,
    ];
    let schemes: Vec<u8> = schemes.iter().flat_map(|s| s.to_be_bytes()).collect();
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

/// The version and suite of a ServerHello, or the alert, at the start of `bytes`.
/// The most of the answer read: a ServerHello is a few hundred bytes.
const MAX_ANSWER: usize = 2048;
/// The longest TLS record Go reads (crypto/tls `maxCiphertext`, 2^14 + 2048).
const MAX_RECORD: usize = 16384 + 2048;

/// Whether the first record's first message (an alert, or a handshake message) is all here.
fn first_message_read(bytes: &[u8]) -> bool {
    match bytes {
        [0x15, _, _, _, _, _, _, ..] => true,
        [0x16, _, _, _, _, _, a, b, c, rest @ ..] => {
            rest.len() >= u32::from_be_bytes([0, *a, *b, *c]) as usize
        }
        _ => false,
    }
}

/// The server's first answer, read as strictly as Go reads it: an alert record, or a handshake
/// record whose first message is a well-formed ServerHello choosing one of the suites offered,
/// with no compression and well-formed extensions. Anything else (a session ID longer than
/// 32 bytes, lengths that disagree, a suite not offered) Go refuses, so it is `Nothing`, never
/// an acceptance.
fn read_answer(bytes: &[u8]) -> GoHello {
    let Some((&[kind, major, _, l1, l2], record)) = bytes.split_first_chunk::<5>() else {
        return GoHello::Nothing;
    };
    let record_len = usize::from(u16::from_be_bytes([l1, l2]));
    if major != 3 || record_len == 0 || record_len > MAX_RECORD {
        return GoHello::Nothing;
    }
    let record = &record[..record.len().min(record_len)];
    match (kind, record) {
        (0x15, [level @ (1 | 2), description]) if record_len == 2 && *level > 0 => GoHello::Alert {
            description: alert_name(*description),
        },
        (0x16, [0x02, a, b, c, message @ ..]) => {
            let len = u32::from_be_bytes([0, *a, *b, *c]) as usize;
            if len + 4 > record_len {
                return GoHello::Nothing;
            }
            message
                .get(..len)
                .and_then(server_hello)
                .unwrap_or(GoHello::Nothing)
        }
        _ => GoHello::Nothing,
    }
}

/// A ServerHello's body, or `None` where Go's `serverHelloMsg.unmarshal` or its check of the
/// suite would fail.
fn server_hello(body: &[u8]) -> Option<GoHello> {
    let (&[v1, v2], rest) = body.split_first_chunk::<2>()?;
    let rest = rest.get(32..)?; // the random
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
    Some(GoHello::Chose {
        version: version_name(v1, v2),
        version_ok: (v1, v2) >= (3, 3),
        cipher_suite: name.to_string(),
        cbc: *cbc,
    })
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
}
