//! A stream adapter that follows RESP2/RESP3 framing as the bytes arrive and stops a read the
//! moment a reply breaks a bound: over 1 MiB, an aggregate declaring more than 10,000 elements,
//! nesting deeper than 16, or a line without end. The bytes that break the bound are never
//! handed on, so the parser never sees (and never allocates for) what the server declares.
//!
//! It also keeps a server's last words readable: nothing is read before the first command is
//! written (an error a server sends on accept, such as `-ERR max number of clients reached` or
//! `-DENIED …`, would otherwise arrive while no command waits for it and be dropped), and a
//! write that meets a closed connection is taken as written, so that error is read and answers
//! the first command, every time.
//!
//! Framing the replies, it knows where each one ends: the session's connection reads a reply
//! when it is whole ([`Bounded::next_end`]).
//!
//! The framing and its bounds are in `framer`; here is the stream that applies them.

mod framer;

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use framer::Framer;
pub use framer::{NOT_REDIS, TOO_LARGE};

/// A stream whose reads are bounded by RESP framing (see the module docs).
pub struct Bounded<S> {
    inner: S,
    framer: Framer,
    /// The bound a read broke: every later read fails with it.
    tripped: Option<String>,
    /// The stream ended (closed or reset) after part of a reply had arrived.
    cut: bool,
    /// The peer closed: later writes are taken as written, so its last words are still read.
    write_closed: bool,
    /// A command was written: replies may be read.
    written: bool,
    /// The reader waiting for the first write.
    waiting: Option<std::task::Waker>,
    /// Where each whole reply read so far ends, as an offset in the bytes handed on.
    ends: VecDeque<u64>,
    /// How many bytes were handed on.
    handed: u64,
}

impl<S> Bounded<S> {
    /// The bound a read broke, if one did.
    pub fn tripped(&self) -> Option<&str> {
        self.tripped.as_deref()
    }

    /// The stream ended (closed or reset) after part of a reply had arrived.
    pub fn cut_mid_reply(&self) -> bool {
        self.cut
    }

    /// Where the next whole reply ends (an offset in the bytes handed on), once it has arrived.
    pub fn next_end(&mut self) -> Option<u64> {
        self.ends.pop_front()
    }

    /// How many more bytes the bulk string under way needs: room the next read may fill.
    pub fn bulk_left(&self) -> usize {
        self.framer.bulk_left()
    }

    pub fn new(inner: S) -> Self {
        Bounded {
            inner,
            framer: Framer::default(),
            tripped: None,
            cut: false,
            write_closed: false,
            written: false,
            waiting: None,
            ends: VecDeque::new(),
            handed: 0,
        }
    }
}

fn closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for Bounded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(why) = this.tripped.as_deref() {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, why)));
        }
        if !this.written {
            this.waiting = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 => {
                if this.framer.mid_reply() {
                    this.cut = true;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) if closed(&e) => {
                if this.framer.mid_reply() {
                    this.cut = true;
                }
                Poll::Ready(Err(e))
            }
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                let (mut at, kept) = (0, this.ends.len());
                loop {
                    match this.framer.feed_to_end(&read[at..]) {
                        Ok(Some(n)) => {
                            at += n;
                            this.ends.push_back(this.handed + at as u64);
                        }
                        Ok(None) => break,
                        Err(why) => {
                            // Nothing of the offending read is handed on.
                            this.ends.truncate(kept);
                            buf.set_filled(before);
                            this.tripped = Some(why.clone());
                            return Poll::Ready(Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                why,
                            )));
                        }
                    }
                }
                this.handed += read.len() as u64;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Bounded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = if this.write_closed {
            Poll::Ready(Ok(data.len()))
        } else {
            match Pin::new(&mut this.inner).poll_write(cx, data) {
                Poll::Ready(Err(e)) if closed(&e) => {
                    this.write_closed = true;
                    Poll::Ready(Ok(data.len()))
                }
                other => other,
            }
        };
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) && !this.written {
            this.written = true;
            if let Some(w) = this.waiting.take() {
                w.wake();
            }
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.write_closed {
            return Poll::Ready(Ok(()));
        }
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(Err(e)) if closed(&e) => {
                this.write_closed = true;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.write_closed {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_read_that_breaks_a_bound_hands_nothing_on() {
        use tokio::io::AsyncReadExt;
        let (mut server, client) = tokio::io::duplex(1 << 16);
        let mut bounded = Bounded::new(client);
        tokio::io::AsyncWriteExt::write_all(&mut bounded, b"PING\r\n")
            .await
            .unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut server, b"+OK\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 64];
        let n = bounded.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"+OK\r\n");
        tokio::io::AsyncWriteExt::write_all(&mut server, b"*100000000\r\n")
            .await
            .unwrap();
        let e = bounded.read(&mut buf).await.unwrap_err();
        assert!(e.to_string().starts_with(TOO_LARGE), "{e}");
        assert!(bounded.tripped().is_some());
        assert!(bounded.read(&mut buf).await.is_err(), "stays failed");
    }

    #[tokio::test]
    async fn an_end_inside_a_reply_is_a_cut_and_between_replies_is_not() {
        use tokio::io::AsyncReadExt;
        for (bytes, cut) in [(&b"+OK\r\n"[..], false), (&b"$100\r\nredis_ver"[..], true)] {
            let (mut server, client) = tokio::io::duplex(1 << 16);
            let mut bounded = Bounded::new(client);
            tokio::io::AsyncWriteExt::write_all(&mut bounded, b"HELLO 2\r\n")
                .await
                .unwrap();
            tokio::io::AsyncWriteExt::write_all(&mut server, bytes)
                .await
                .unwrap();
            drop(server);
            let mut buf = Vec::new();
            let _ = bounded.read_to_end(&mut buf).await;
            assert_eq!(bounded.cut_mid_reply(), cut, "{bytes:?}");
        }
    }
}
