//! A stream adapter that follows RESP2/RESP3 framing as the bytes arrive and stops a read the
//! moment a reply breaks a bound: over 1 MiB, an aggregate declaring more than 10,000 elements,
//! nesting deeper than 16, or a line without end. The bytes that break the bound are never
//! handed on, so the Redis client never sees (and never allocates for) what the server declares.
//!
//! It also keeps a server's last words readable: nothing is read before the first command is
//! written (an error a server sends on accept, such as `-ERR max number of clients reached` or
//! `-DENIED …`, would otherwise arrive while no command waits for it and be dropped), and a
//! write that meets a closed connection is taken as written, so that error is read and answers
//! the first command, every time.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The largest reply kept, in bytes on the wire.
pub const MAX_REPLY: usize = 1024 * 1024;
/// The most elements one aggregate may declare.
pub const MAX_ELEMENTS: i64 = 10_000;
/// The deepest nesting of aggregates.
pub const MAX_DEPTH: usize = 16;
/// The longest simple line (`+…`, `-…`, `:…`) in bytes.
pub const MAX_LINE: usize = 64 * 1024;
/// The longest length or count header (`$…`, `*…`) in bytes.
const MAX_HEADER: usize = 24;

/// What a read that is not RESP at all says.
pub const NOT_REDIS: &str = "the reply is not Redis protocol";

/// The text every bound-breaking read starts with.
pub const TOO_LARGE: &str = "reply too large";

/// Where the framer is within a reply.
#[derive(Debug)]
enum State {
    /// The next byte is a type byte.
    Type,
    /// Inside a line of `kind`; `seen_cr` when the last byte was `\r`.
    Line {
        kind: u8,
        len: usize,
        header: Vec<u8>,
        seen_cr: bool,
    },
    /// Inside a bulk payload: this many bytes remain, the final CRLF included.
    Bulk(u64),
}

/// Follows RESP framing incrementally.
#[derive(Debug)]
pub struct Framer {
    state: State,
    /// Elements still expected at each open aggregate, innermost last.
    open: Vec<i64>,
    /// Bytes of the current top-level reply so far.
    reply: usize,
}

impl Default for Framer {
    fn default() -> Self {
        Framer {
            state: State::Type,
            open: Vec::new(),
            reply: 0,
        }
    }
}

impl Framer {
    /// Part of a reply has arrived and the rest has not.
    pub fn mid_reply(&self) -> bool {
        !matches!(self.state, State::Type) || !self.open.is_empty()
    }

    /// Takes in `bytes`; `Err` names the first bound broken.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut i = 0;
        while i < bytes.len() {
            match &mut self.state {
                State::Bulk(remaining) => {
                    let take = (*remaining).min((bytes.len() - i) as u64);
                    *remaining -= take;
                    let done = *remaining == 0;
                    self.count(take as usize)?;
                    i += take as usize;
                    if done {
                        self.state = State::Type;
                        self.element_done();
                    }
                }
                State::Type => {
                    let kind = bytes[i];
                    if !b"+-:,(#_$=!*~>%|".contains(&kind) {
                        return Err(NOT_REDIS.to_string());
                    }
                    self.count(1)?;
                    self.state = State::Line {
                        kind,
                        len: 0,
                        header: Vec::new(),
                        seen_cr: false,
                    };
                    i += 1;
                }
                State::Line {
                    kind,
                    len,
                    header,
                    seen_cr,
                } => {
                    let b = bytes[i];
                    i += 1;
                    self.reply += 1;
                    if self.reply > MAX_REPLY {
                        return Err(over_reply());
                    }
                    if *seen_cr && b == b'\n' {
                        let (kind, header) = (*kind, std::mem::take(header));
                        self.state = State::Type;
                        self.line_done(kind, &header)?;
                        continue;
                    }
                    let counted = is_counted(*kind);
                    if *seen_cr {
                        // The `\r` held back is part of the line after all.
                        *len += 1;
                        if counted {
                            header.push(b'\r');
                        }
                    }
                    *seen_cr = b == b'\r';
                    if !*seen_cr {
                        *len += 1;
                        if counted {
                            header.push(b);
                        }
                    }
                    let limit = if counted { MAX_HEADER } else { MAX_LINE };
                    if *len > limit {
                        return Err(format!(
                            "{TOO_LARGE}: a line of more than {limit} bytes without end"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn count(&mut self, n: usize) -> Result<(), String> {
        self.reply += n;
        if self.reply > MAX_REPLY {
            return Err(over_reply());
        }
        Ok(())
    }

    /// A whole line of type `kind` was read (`header` holds it when it is a length or count).
    fn line_done(&mut self, kind: u8, header: &[u8]) -> Result<(), String> {
        if !is_counted(kind) {
            self.element_done();
            return Ok(());
        }
        let n: i64 = std::str::from_utf8(header)
            .ok()
            .and_then(|h| h.parse().ok())
            .ok_or_else(|| format!("{NOT_REDIS} (a length that is not a number)"))?;
        if n < 0 {
            // `$-1`, `*-1`: nil.
            self.element_done();
            return Ok(());
        }
        match kind {
            b'$' | b'=' | b'!' => {
                if n as u64 > MAX_REPLY as u64 {
                    return Err(format!(
                        "{TOO_LARGE}: a string of {n} bytes (the limit is {} MiB)",
                        MAX_REPLY >> 20
                    ));
                }
                self.state = State::Bulk(n as u64 + 2);
            }
            _ => {
                if n > MAX_ELEMENTS {
                    return Err(format!(
                        "{TOO_LARGE}: an aggregate of {n} elements (the limit is {MAX_ELEMENTS})"
                    ));
                }
                let elements = match kind {
                    b'%' => n * 2,
                    // Attributes precede the value they describe.
                    b'|' => n * 2 + 1,
                    _ => n,
                };
                if elements == 0 {
                    self.element_done();
                } else {
                    if self.open.len() >= MAX_DEPTH {
                        return Err(format!(
                            "{TOO_LARGE}: aggregates nested more than {MAX_DEPTH} deep"
                        ));
                    }
                    self.open.push(elements);
                }
            }
        }
        Ok(())
    }

    /// One element ended: close every aggregate it completes; at the top, the reply ends.
    fn element_done(&mut self) {
        while let Some(last) = self.open.last_mut() {
            *last -= 1;
            if *last > 0 {
                return;
            }
            self.open.pop();
        }
        self.reply = 0;
    }
}

fn is_counted(kind: u8) -> bool {
    b"$=!*~>%|".contains(&kind)
}

fn over_reply() -> String {
    format!("{TOO_LARGE}: over {} MiB", MAX_REPLY >> 20)
}

/// What a [`Bounded`] stream saw, readable after the stream is handed over.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    tripped: Arc<OnceLock<String>>,
    cut: Arc<OnceLock<()>>,
}

impl Watch {
    /// The bound a read broke, if one did.
    pub fn tripped(&self) -> Option<&str> {
        self.tripped.get().map(String::as_str)
    }

    /// The stream ended (closed or reset) after part of a reply had arrived.
    pub fn cut_mid_reply(&self) -> bool {
        self.cut.get().is_some()
    }
}

/// A stream whose reads are bounded by RESP framing (see the module docs).
pub struct Bounded<S> {
    inner: S,
    framer: Framer,
    watch: Watch,
    /// The peer closed: later writes are taken as written, so its last words are still read.
    write_closed: bool,
    /// A command was written: replies may be read.
    written: bool,
    /// The reader waiting for the first write.
    waiting: Option<std::task::Waker>,
}

impl<S> Bounded<S> {
    pub fn new(inner: S) -> (Self, Watch) {
        let watch = Watch::default();
        let stream = Bounded {
            inner,
            framer: Framer::default(),
            watch: watch.clone(),
            write_closed: false,
            written: false,
            waiting: None,
        };
        (stream, watch)
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
        if let Some(why) = this.watch.tripped() {
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
                    let _ = this.watch.cut.set(());
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) if closed(&e) => {
                if this.framer.mid_reply() {
                    let _ = this.watch.cut.set(());
                }
                Poll::Ready(Err(e))
            }
            Poll::Ready(Ok(())) => {
                if let Err(why) = this.framer.feed(&buf.filled()[before..]) {
                    // Nothing of the offending read is handed on.
                    buf.set_filled(before);
                    let why = this.watch.tripped.get_or_init(|| why).clone();
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, why)));
                }
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

    fn verdict(bytes: &[u8]) -> Result<(), String> {
        Framer::default().feed(bytes)
    }

    #[test]
    fn byte_streams() {
        let big_bulk = format!("${}\r\n", MAX_REPLY + 1);
        let many = format!("*{}\r\n", MAX_ELEMENTS + 1);
        let just_enough = format!("*{MAX_ELEMENTS}\r\n{}", ":1\r\n".repeat(10_000));
        let deep = "*1\r\n".repeat(MAX_DEPTH + 1);
        let ok_deep = format!("{}:1\r\n", "*1\r\n".repeat(MAX_DEPTH));
        // 200 strings of 6 KiB each: every one small, the reply over 1 MiB.
        let chunk = format!("$6144\r\n{}\r\n", "x".repeat(6144));
        let many_chunks = format!("*200\r\n{}", chunk.repeat(200));
        let endless_line = format!("+{}", "a".repeat(MAX_LINE + 1));
        let long_header = format!("*{}", "1".repeat(40));
        // Two replies of 700 KiB each: each under the bound, together over it.
        let half = format!("${}\r\n{}\r\n", 700 * 1024, "y".repeat(700 * 1024));
        let two = half.repeat(2);
        let table: &[(&str, &[u8], Option<&str>)] = &[
            ("PONG", b"+PONG\r\n", None),
            ("error", b"-ERR max number of clients reached\r\n", None),
            ("nil bulk", b"$-1\r\n", None),
            ("nil array", b"*-1\r\n", None),
            ("empty array", b"*0\r\n", None),
            ("bulk", b"$5\r\nhello\r\n", None),
            ("bulk with CRLF inside", b"$4\r\n\r\n\r\n\r\n", None),
            (
                "RESP3 map",
                b"%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n",
                None,
            ),
            ("RESP3 attribute", b"|1\r\n+k\r\n+v\r\n:7\r\n", None),
            ("RESP3 scalars", b"#t\r\n,1.5\r\n(123\r\n_\r\n", None),
            ("verbatim", b"=7\r\ntxt:abc\r\n", None),
            ("10,000 elements", just_enough.as_bytes(), None),
            ("16 deep", ok_deep.as_bytes(), None),
            ("two large replies", two.as_bytes(), None),
            (
                "1 GB string",
                b"$1000000000\r\n",
                Some("a string of 1000000000"),
            ),
            (
                "string over 1 MiB",
                big_bulk.as_bytes(),
                Some("a string of"),
            ),
            ("huge array", b"*100000000\r\n", Some("100000000 elements")),
            ("huge map", b"%5000000\r\n", Some("5000000 elements")),
            ("array over 10,000", many.as_bytes(), Some("10001 elements")),
            ("too deep", deep.as_bytes(), Some("nested more than 16")),
            (
                "reply over 1 MiB",
                many_chunks.as_bytes(),
                Some("over 1 MiB"),
            ),
            ("endless line", endless_line.as_bytes(), Some("without end")),
            (
                "endless header",
                long_header.as_bytes(),
                Some("without end"),
            ),
            (
                "garbage",
                b"HTTP/1.1 400 Bad Request\r\n",
                Some("not Redis"),
            ),
            ("bad length", b"$abc\r\n", Some("not Redis")),
            ("streamed string", b"$?\r\n", Some("not Redis")),
        ];
        for (name, bytes, expect) in table {
            let got = verdict(bytes);
            match expect {
                None => assert_eq!(got, Ok(()), "{name}"),
                Some(fragment) => {
                    let e = got.expect_err(name);
                    assert!(e.contains(fragment), "{name}: {e}");
                }
            }
        }
    }

    #[test]
    fn byte_by_byte_is_the_same_as_all_at_once() {
        let stream = b"*3\r\n$3\r\nfoo\r\n%1\r\n+a\r\n:1\r\n$-1\r\n+PONG\r\n";
        let mut framer = Framer::default();
        for b in stream {
            framer.feed(&[*b]).unwrap();
        }
        assert!(framer.open.is_empty());
        assert_eq!(framer.reply, 0);
        let mut framer = Framer::default();
        for b in b"*100000000\r" {
            framer.feed(&[*b]).unwrap();
        }
        assert!(
            framer
                .feed(b"\n")
                .unwrap_err()
                .contains("100000000 elements")
        );
    }

    #[tokio::test]
    async fn a_read_that_breaks_a_bound_hands_nothing_on() {
        use tokio::io::AsyncReadExt;
        let (mut server, client) = tokio::io::duplex(1 << 16);
        let (mut bounded, watch) = Bounded::new(client);
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
        assert!(watch.tripped().is_some());
        assert!(bounded.read(&mut buf).await.is_err(), "stays failed");
    }

    #[tokio::test]
    async fn an_end_inside_a_reply_is_a_cut_and_between_replies_is_not() {
        use tokio::io::AsyncReadExt;
        for (bytes, cut) in [(&b"+OK\r\n"[..], false), (&b"$100\r\nredis_ver"[..], true)] {
            let (mut server, client) = tokio::io::duplex(1 << 16);
            let (mut bounded, watch) = Bounded::new(client);
            tokio::io::AsyncWriteExt::write_all(&mut bounded, b"HELLO 2\r\n")
                .await
                .unwrap();
            tokio::io::AsyncWriteExt::write_all(&mut server, bytes)
                .await
                .unwrap();
            drop(server);
            let mut buf = Vec::new();
            let _ = bounded.read_to_end(&mut buf).await;
            assert_eq!(watch.cut_mid_reply(), cut, "{bytes:?}");
        }
    }
}
