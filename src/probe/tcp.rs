//! TCP connect under the components' dial timeout.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use checks::check::go_duration;
use checks::facts::{Observed, Tcp};
use tokio::net::TcpStream;

use super::elapsed_ms;

/// Connects to the first address that answers, all within `dial`.
pub async fn connect(
    addresses: &[SocketAddr],
    dial: Duration,
) -> (Observed<Tcp>, Option<TcpStream>) {
    let start = Instant::now();
    let attempt = async {
        let mut last = None;
        for addr in addresses {
            match TcpStream::connect(addr).await {
                Ok(stream) => return Ok((*addr, stream)),
                Err(e) => last = Some((*addr, e)),
            }
        }
        Err(last)
    };
    match tokio::time::timeout(dial, attempt).await {
        Ok(Ok((peer, stream))) => {
            let _ = stream.set_nodelay(true);
            let tcp = Tcp {
                peer: peer.to_string(),
                duration_ms: elapsed_ms(start),
            };
            (Observed::Ok { value: tcp }, Some(stream))
        }
        Ok(Err(Some((addr, e)))) => {
            let error = match e.kind() {
                ErrorKind::ConnectionRefused => format!("connection refused by {addr}"),
                _ => format!("{addr}: {e}"),
            };
            (Observed::Failed { error }, None)
        }
        Ok(Err(None)) => (
            Observed::Failed {
                error: "no address to connect to".into(),
            },
            None,
        ),
        Err(_) => (
            Observed::Failed {
                error: format!(
                    "no connection within dialTimeout {}",
                    go_duration(dial.as_millis() as u64)
                ),
            },
            None,
        ),
    }
}
