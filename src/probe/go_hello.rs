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
use tokio::net::TcpStream;

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
    let attempt = async {
        let mut tcp = TcpStream::connect(peer).await.ok()?;
        tcp.write_all(&client_hello(host)).await.ok()?;
        // A ServerHello's head fits in the first few hundred bytes; the rest is not needed.
        let mut answer = vec![0u8; 512];
        let mut len = 0;
        loop {
            let n = tcp.read(&mut answer[len..]).await.ok()?;
            len += n;
            // Until the first record is whole, or its first 64 bytes are here.
            let record = answer
                .get(3..5)
                .filter(|_| len >= 5)
                .map(|l| 5 + usize::from(u16::from_be_bytes([l[0], l[1]])));
            if n == 0 || record.is_some_and(|r| len >= r.min(64)) {
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
fn read_answer(bytes: &[u8]) -> GoHello {
    match bytes {
        // An alert record: level, description.
        [0x15, 0x03, _, _, _, _level, description, ..] => GoHello::Alert {
            description: alert_name(*description),
        },
        // A handshake record holding a ServerHello: version, random, session id, suite.
        [0x16, 0x03, _, _, _, 0x02, _, _, _, v1, v2, rest @ ..] => {
            let Some(&id_len) = rest.get(32) else {
                return GoHello::Nothing;
            };
            let at = 33 + usize::from(id_len);
            let Some(suite) = rest.get(at..at + 2) else {
                return GoHello::Nothing;
            };
            let suite = u16::from_be_bytes([suite[0], suite[1]]);
            let (name, cbc) = GO_SUITES
                .iter()
                .find(|(code, _, _)| *code == suite)
                .map_or((format!("0x{suite:04x}"), false), |(_, name, cbc)| {
                    (name.to_string(), *cbc)
                });
            GoHello::Chose {
                version: version_name(*v1, *v2),
                version_ok: (*v1, *v2) >= (3, 3),
                cipher_suite: name,
                cbc,
            }
        }
        _ => GoHello::Nothing,
    }
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
            0x16, 0x03, 0x03, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03, 0x03,
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
