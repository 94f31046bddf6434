//! Every TCP connection the probes open, counted against one limit: DESIGN's 256 at once.
//!
//! The limit bounds sockets, not targets: a target waiting on a silent server holds only the
//! connections it has open, so the others' probes are never queued behind its deadlines.
//! A permit is taken before a deadline starts (waiting for one is not the server's slowness)
//! and lives as long as the socket: it is released when the stream is dropped, wherever
//! that is (the session's connection, a TLS stream).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, SemaphorePermit};

/// The most connections open at once (DESIGN.md, "Rules every part keeps").
pub const MAX_CONNECTIONS: usize = 256;

static CONNECTIONS: Semaphore = Semaphore::const_new(MAX_CONNECTIONS);

/// Room for `n` connections, waited for as long as the run allows.
pub async fn room(n: u32) -> Room {
    room_in(&CONNECTIONS, n).await
}

async fn room_in(limit: &'static Semaphore, n: u32) -> Room {
    // The semaphore is never closed: acquiring cannot fail.
    Room(Some(limit.acquire_many(n).await.expect("never closed")))
}

/// Places for connections not yet opened; those left unused are freed with it.
pub struct Room(Option<SemaphorePermit<'static>>);

impl Room {
    /// Connects to `addr` in one of this room's places (kept when the connect fails).
    pub async fn connect(&mut self, addr: SocketAddr) -> io::Result<Socket> {
        if self.0.is_none() {
            // A room is never asked for more sockets than its places (a bug otherwise).
            return Err(io::Error::other("no place left for another connection"));
        }
        let tcp = TcpStream::connect(addr).await?;
        let permit = self.split_off().0.expect("a place");
        Ok(Socket {
            tcp,
            _permit: permit,
        })
    }

    /// One of this room's places, as a room of its own (or none when it has none).
    pub fn split_off(&mut self) -> Room {
        match &mut self.0 {
            Some(p) if p.num_permits() > 1 => Room(p.split(1)),
            _ => Room(self.0.take()),
        }
    }
}

/// A TCP stream that holds its place under the limit until it is dropped.
pub struct Socket {
    tcp: TcpStream,
    _permit: SemaphorePermit<'static>,
}

impl Socket {
    pub fn get_ref(&self) -> &TcpStream {
        &self.tcp
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn no_more_sockets_open_than_the_limit_and_each_holds_its_place_until_dropped() {
        let limit: &'static Semaphore = Box::leak(Box::new(Semaphore::new(3)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut open = Vec::new();
        for _ in 0..3 {
            open.push(room_in(limit, 1).await.connect(addr).await.unwrap());
        }
        assert_eq!(limit.available_permits(), 0);
        // A fourth waits for a place instead of opening a socket.
        let fourth = async { room_in(limit, 1).await.connect(addr).await };
        assert!(
            tokio::time::timeout(Duration::from_millis(100), fourth)
                .await
                .is_err(),
            "a socket opened past the limit"
        );
        open.pop();
        let fourth = async { room_in(limit, 1).await.connect(addr).await };
        let fourth = tokio::time::timeout(Duration::from_secs(5), fourth).await;
        assert!(fourth.is_ok(), "a freed place was not taken");
    }

    #[tokio::test]
    async fn a_room_of_two_gives_each_socket_its_own_place_and_frees_what_is_unused() {
        let limit: &'static Semaphore = Box::leak(Box::new(Semaphore::new(2)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut room = room_in(limit, 2).await;
        let first = room.connect(addr).await.unwrap();
        drop(room);
        assert_eq!(limit.available_permits(), 1, "the unused place is freed");
        let mut room = room_in(limit, 1).await;
        let second = room.connect(addr).await.unwrap();
        assert!(
            room.connect(addr).await.is_err(),
            "a third socket in two places"
        );
        drop(first);
        drop(second);
        assert_eq!(limit.available_permits(), 2);
    }
}
