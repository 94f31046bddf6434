//! RESP2/RESP3 framing followed byte by byte as a reply arrives, and the bounds a reply may not
//! break: over 1 MiB, an aggregate declaring more than 10,000 elements, nesting deeper than 16,
//! a line without end, or bytes that are not RESP at all. The `Framer` names the first bound
//! broken; the stream in the parent module acts on it.

/// The largest reply kept, in bytes on the wire.
const MAX_REPLY: usize = 1024 * 1024;
/// The most elements one aggregate may declare.
const MAX_ELEMENTS: i64 = 10_000;
/// The deepest nesting of aggregates.
const MAX_DEPTH: usize = 16;
/// The longest simple line (`+…`, `-…`, `:…`) in bytes.
const MAX_LINE: usize = 64 * 1024;
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
pub(super) struct Framer {
    state: State,
    /// Elements still expected at each open aggregate, innermost last.
    open: Vec<i64>,
    /// Bytes of the current top-level reply so far.
    reply: usize,
    /// A top-level reply has just ended.
    ended: bool,
}

impl Default for Framer {
    fn default() -> Self {
        Framer {
            state: State::Type,
            open: Vec::new(),
            reply: 0,
            ended: false,
        }
    }
}

impl Framer {
    /// Part of a reply has arrived and the rest has not.
    pub(super) fn mid_reply(&self) -> bool {
        !matches!(self.state, State::Type) || !self.open.is_empty()
    }

    /// How many more bytes the bulk string under way needs (0 outside one): what a read may
    /// make room for.
    pub(super) fn bulk_left(&self) -> usize {
        match self.state {
            State::Bulk(left) => left.min(MAX_REPLY as u64) as usize,
            _ => 0,
        }
    }

    /// Takes in `bytes`; `Err` names the first bound broken.
    #[cfg(test)]
    pub(super) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        while let Some(n) = self.feed_to_end(bytes)? {
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// Takes in `bytes` up to the end of the first top-level reply among them: `Some(n)` when
    /// one ends after `n` of them (the rest is not taken), `None` when all were taken and no
    /// reply ended. `Err` names the first bound broken.
    pub(super) fn feed_to_end(&mut self, bytes: &[u8]) -> Result<Option<usize>, String> {
        let mut i = 0;
        while i < bytes.len() {
            if std::mem::take(&mut self.ended) {
                return Ok(Some(i));
            }
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
        Ok(std::mem::take(&mut self.ended).then_some(i))
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
        self.ended = true;
    }
}

fn is_counted(kind: u8) -> bool {
    b"$=!*~>%|".contains(&kind)
}

fn over_reply() -> String {
    format!("{TOO_LARGE}: over {} MiB", MAX_REPLY >> 20)
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
    fn each_reply_ends_where_its_framing_says() {
        let bytes = b"+OK\r\n*2\r\n$1\r\na\r\n:1\r\n$-1\r\n*0\r\n$3\r\nab";
        let mut framer = Framer::default();
        let (mut at, mut ends) = (0, Vec::new());
        while let Some(n) = framer.feed_to_end(&bytes[at..]).unwrap() {
            at += n;
            ends.push(at);
        }
        assert_eq!(ends, [5, 20, 25, 29]);
        assert!(framer.mid_reply(), "the last reply has not ended");
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
}
