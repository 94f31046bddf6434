//! The server's answer to Go's offer read as its bytes arrive, record by record, as strictly
//! as Go reads it and within Go's bounds: the first record (an alert or the ServerHello) and,
//! after a TLS 1.2 ServerHello with a CBC suite, the flight through ServerHelloDone. What each
//! handshake message must hold is in `messages`.

use checks::facts::GoHello;
use rustls::pki_types::CertificateDer;

use super::messages::{certificate_request, certificates, key_exchange, server_hello};
use super::names::alert_name;

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

/// The longest TLS record Go reads (crypto/tls `maxCiphertext`, 2^14 + 2048).
const MAX_RECORD: usize = 16384 + 2048;
/// The longest handshake message Go reads (crypto/tls `maxHandshake`), and the longest
/// certificate message (`maxHandshakeCertificateMsg`).
const MAX_MESSAGE: usize = 65536;
const MAX_CERTIFICATE_MESSAGE: usize = 262144;
/// The most read of one answer: a certificate message at its longest and three other messages,
/// with their record headers.
pub(super) const MAX_ANSWER: usize = MAX_CERTIFICATE_MESSAGE + 3 * MAX_MESSAGE + 64 * 1024;

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
pub(super) struct Reader {
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
    pub(super) fn feed(&mut self, bytes: &[u8]) -> bool {
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
    pub(super) fn finish(mut self) -> Answer {
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
