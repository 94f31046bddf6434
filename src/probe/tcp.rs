//! TCP connect under the components' dial timeout, dialled as Go's net.Dialer does a name with
//! addresses of both families (RFC 6555, "Happy Eyeballs"): the family of the first address
//! first, the other family 300 ms later if the first has not connected by then (at once if it
//! has already failed), the first connection to open wins, all within one `dialTimeout`.
//! Within a family the addresses are tried one after another, each with its share of the
//! time left, as Go does.

use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::elapsed_ms;
use super::socket::{self, Room, Socket};
use checks::duration::go_duration;
use checks::facts::{FailureKind, Observed, Tcp};

/// Go's `fallbackDelay` (net.Dialer.FallbackDelay default).
pub const FALLBACK_DELAY: Duration = Duration::from_millis(300);

type Attempt = Result<(SocketAddr, Socket), Option<(SocketAddr, io::Error)>>;

/// Connects to the first address that answers, all within `dial`.
pub async fn connect(addresses: &[SocketAddr], dial: Duration) -> (Observed<Tcp>, Option<Socket>) {
    // A place for each family that may be dialled at once, waited for before the dial
    // timeout starts: the wait is this run's, not the server's.
    let v4 = addresses.iter().filter(|a| a.is_ipv4()).count();
    let families = 1 + u32::from(v4 > 0 && v4 < addresses.len());
    let room = socket::room(families).await;
    let start = Instant::now();
    let deadline = start + dial;
    match tokio::time::timeout(dial, race(addresses, deadline, room)).await {
        Ok(Ok((peer, stream))) => {
            let _ = stream.get_ref().set_nodelay(true);
            let tcp = Tcp {
                peer: peer.to_string(),
                duration_ms: elapsed_ms(start),
            };
            (Observed::Ok { value: tcp }, Some(stream))
        }
        Ok(Err(Some((addr, e)))) => {
            let (kind, error) = match e.kind() {
                ErrorKind::ConnectionRefused => (
                    FailureKind::Refused,
                    format!("connection refused by {addr}"),
                ),
                ErrorKind::TimedOut => (FailureKind::Timeout, timed_out(dial)),
                _ => (FailureKind::Other, format!("{addr}: {e}")),
            };
            (Observed::failed(kind, error), None)
        }
        Ok(Err(None)) => (
            Observed::failed(FailureKind::Invalid, "no address to connect to"),
            None,
        ),
        Err(_) => (
            Observed::failed(FailureKind::Timeout, timed_out(dial)),
            None,
        ),
    }
}

fn timed_out(dial: Duration) -> String {
    format!(
        "no connection within dialTimeout {}",
        go_duration(dial.as_millis() as u64)
    )
}

/// The primary family against the fallback family, 300 ms apart; the primary's error wins
/// when both fail.
async fn race(addresses: &[SocketAddr], deadline: Instant, mut room: Room) -> Attempt {
    let first_v6 = addresses.first().is_some_and(SocketAddr::is_ipv6);
    let (primaries, fallbacks): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addresses.iter().partition(|a| a.is_ipv6() == first_v6);
    if fallbacks.is_empty() {
        return serial(&primaries, deadline, room).await;
    }
    let fallback_room = room.split_off();
    let primary = serial(&primaries, deadline, room);
    // The primary failing before the delay starts the fallback at once (Go resets its timer).
    let (primary_failed, failed) = tokio::sync::oneshot::channel::<()>();
    let fallback = async {
        tokio::select! {
            _ = tokio::time::sleep(FALLBACK_DELAY) => {}
            _ = failed => {}
        }
        serial(&fallbacks, deadline, fallback_room).await
    };
    tokio::pin!(primary, fallback);
    let mut primary_failed = Some(primary_failed);
    let mut primary_error = None;
    let mut fallback_error = None;
    let (mut primary_done, mut fallback_done) = (false, false);
    while !(primary_done && fallback_done) {
        tokio::select! {
            result = &mut primary, if !primary_done => match result {
                Ok(won) => return Ok(won),
                Err(e) => {
                    primary_done = true;
                    primary_error = e;
                    if let Some(tx) = primary_failed.take() {
                        let _ = tx.send(());
                    }
                }
            },
            result = &mut fallback, if !fallback_done => match result {
                Ok(won) => return Ok(won),
                Err(e) => {
                    fallback_done = true;
                    fallback_error = e;
                }
            },
        }
    }
    Err(primary_error.or(fallback_error))
}

/// One address after another, each with its share of the time left (as Go's dialSerial).
async fn serial(addresses: &[SocketAddr], deadline: Instant, mut room: Room) -> Attempt {
    let mut last = None;
    for (i, addr) in addresses.iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        let share = left / (addresses.len() - i) as u32;
        match tokio::time::timeout(share, room.connect(*addr)).await {
            Ok(Ok(stream)) => return Ok((*addr, stream)),
            Ok(Err(e)) => last = Some((*addr, e)),
            Err(_) => last = Some((*addr, io::Error::from(ErrorKind::TimedOut))),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_first_family_falls_back_to_the_other_at_once() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let v4 = listener.local_addr().unwrap();
        // Nothing listens on this IPv6 port (or IPv6 is off): refused or unreachable at once.
        let closed = std::net::TcpListener::bind("[::1]:0")
            .map(|l| l.local_addr().unwrap())
            .unwrap_or_else(|_| "[::1]:1".parse().unwrap());
        let (tcp, stream) = connect(&[closed, v4], Duration::from_secs(5)).await;
        assert!(stream.is_some(), "{tcp:?}");
        assert_eq!(tcp.ok().unwrap().peer, v4.to_string());
    }

    #[tokio::test]
    async fn a_refusal_is_typed_as_refused() {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let (tcp, _) = connect(&[addr], Duration::from_secs(5)).await;
        assert_eq!(tcp.failure(), Some(FailureKind::Refused), "{tcp:?}");
    }
}
