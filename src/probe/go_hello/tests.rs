//! The reading of a server's answer: ServerHellos and alerts, well-formed or not, the lab's
//! recorded CBC flights whole, cut or altered, garbage, and the ClientHello's framing.

use checks::facts::GoHello;

use super::messages::certificate_request;
use super::offer::client_hello;
use super::reader::{Answer, MAX_ANSWER, Reader};

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
const LAB_FLIGHT: &[u8] = include_bytes!("../../../tests/fixtures/tls12-cbc-flight.bin");
/// `openssl s_server -tls1_2 -cipher ECDHE-ECDSA-AES256-SHA -Verify 1` with a P-521 key: its
/// key exchange signed with ecdsa_secp521r1_sha512, and a CertificateRequest.
const P521_FLIGHT: &[u8] =
    include_bytes!("../../../tests/fixtures/tls12-cbc-flight-p521-certificate-request.bin");

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
