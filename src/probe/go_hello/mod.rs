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
//!
//! What Go offers and the ClientHello carrying it are in `offer`; the answer read record by
//! record in `reader`; each of the server's handshake messages parsed as Go parses it in
//! `messages`; versions and alerts by name in `names`.

mod messages;
mod names;
mod offer;
mod reader;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub(super) use names::{alert_name, version_name};
use offer::client_hello;
pub use reader::Answer;
use reader::Reader;

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
