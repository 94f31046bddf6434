//! A session's connection: commands written in batches under the read deadline, each reply
//! or what happened instead classified (`Reply`), and a reply made an observation of the facts.

use std::time::Duration;

use checks::duration::go_duration;
use checks::facts::{FailureKind, Observed, Reply};
use redis::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::bounded::{self, Bounded};

/// What a session's connection runs over: TCP or TLS.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The least room a read is given; a large bulk string (INFO) gets what it still needs.
const READ_ROOM: usize = 512;

/// A session's connection: commands are written in batches, one round trip each, and their
/// replies read in order as the bounded stream frames them (redis-rs parses each). Nothing
/// runs beside the session: no driver task, no queue, one buffer.
pub struct Conn {
    stream: Bounded<Box<dyn Stream>>,
    /// Bytes read and not yet handed out as replies; `at` is where `buf[0]` lies in the stream.
    buf: Vec<u8>,
    at: u64,
    /// Replies still owed to commands whose deadline passed: read and dropped before the next.
    owed: usize,
    /// The connection can no longer answer ([`Conn::lost_reply`] says how).
    lost: bool,
}

impl Conn {
    pub fn new(stream: Box<dyn Stream>) -> Conn {
        Conn {
            // Every read is bounded by RESP framing before a byte of it is parsed.
            stream: Bounded::new(stream),
            buf: Vec::new(),
            at: 0,
            owed: 0,
            lost: false,
        }
    }

    /// The stream ended (closed or reset) after part of a reply had arrived.
    pub fn cut_mid_reply(&self) -> bool {
        self.stream.cut_mid_reply()
    }

    /// What a command gets once the connection is lost: behind a reply that broke a bound,
    /// the connection was closed after it; otherwise it is closed (as redis-rs words it).
    fn lost_reply(&self) -> Reply {
        match self.stream.tripped() {
            Some(why) => Reply::Broken {
                error: format!("the connection was closed after an earlier reply: {why}"),
            },
            None => closed(),
        }
    }

    /// Writes `cmds` together and reads their replies, each given `read` from now: one round
    /// trip. A reply that is an error (or holds one) is that error, as redis-rs gives it.
    pub async fn round_trip(
        &mut self,
        cmds: &[redis::Cmd],
        read: Duration,
    ) -> Vec<Result<Value, Reply>> {
        let mut replies = self.exchange(cmds, read).await;
        for reply in &mut replies {
            if let Ok(value) = reply {
                match std::mem::take(value).extract_error() {
                    Ok(v) => *value = v,
                    Err(e) => *reply = Err(server_error(e.code(), e.detail())),
                }
            }
        }
        replies
    }

    /// As [`Conn::round_trip`], but only a reply that is itself an error is one: a
    /// transaction's `EXEC` keeps the errors among its results.
    pub async fn pipeline(
        &mut self,
        cmds: &[redis::Cmd],
        read: Duration,
    ) -> Vec<Result<Value, Reply>> {
        self.exchange(cmds, read)
            .await
            .into_iter()
            .map(|reply| match reply {
                Ok(Value::ServerError(e)) => Err(server_error(Some(e.code()), e.details())),
                other => other,
            })
            .collect()
    }

    async fn exchange(&mut self, cmds: &[redis::Cmd], read: Duration) -> Vec<Result<Value, Reply>> {
        let deadline = Instant::now() + read;
        let timeout = Reply::Timeout {
            after_ms: read.as_millis() as u64,
        };
        if self.lost {
            return vec![Err(self.lost_reply()); cmds.len()];
        }
        // Nothing to ask: no reply (nor one still owed) is waited for.
        if cmds.is_empty() {
            return Vec::new();
        }
        let mut packed = Vec::new();
        for cmd in cmds {
            cmd.write_packed_command(&mut packed);
        }
        let written = tokio::time::timeout_at(deadline, async {
            self.stream.write_all(&packed).await?;
            self.stream.flush().await
        })
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                self.lost = true;
                return vec![
                    Err(Reply::Broken {
                        error: one_line(&e)
                    });
                    cmds.len()
                ];
            }
            // Part of a command may be on the wire: nothing after it can be trusted.
            Err(_) => {
                self.lost = true;
                return vec![Err(timeout); cmds.len()];
            }
        }
        let mut replies = Vec::with_capacity(cmds.len());
        while self.owed > 0 {
            match self.next_reply(deadline).await {
                Ok(_) => self.owed -= 1,
                Err(e) => return self.fail(e, replies, cmds.len(), &timeout),
            }
        }
        while replies.len() < cmds.len() {
            match self.next_reply(deadline).await {
                Ok(value) => replies.push(Ok(value)),
                Err(e) => return self.fail(e, replies, cmds.len(), &timeout),
            }
        }
        // Room is not kept between round trips: hundreds of sessions wait at once.
        if self.buf.is_empty() {
            self.buf = Vec::new();
        }
        replies
    }

    /// The replies of a round trip that stopped at `e`, `replies` being those before it.
    fn fail(
        &mut self,
        e: Stop,
        mut replies: Vec<Result<Value, Reply>>,
        sent: usize,
        timeout: &Reply,
    ) -> Vec<Result<Value, Reply>> {
        let left = sent - replies.len();
        match e {
            Stop::Deadline => {
                self.owed += left;
                replies.extend(std::iter::repeat_n(Err(timeout.clone()), left));
            }
            Stop::Lost(first) => {
                self.lost = true;
                replies.push(Err(first));
                replies.extend(std::iter::repeat_n(Err(self.lost_reply()), left - 1));
            }
        }
        replies
    }

    /// The next whole reply, parsed.
    async fn next_reply(&mut self, deadline: Instant) -> Result<Value, Stop> {
        loop {
            if let Some(end) = self.stream.next_end() {
                let len = (end - self.at) as usize;
                self.at = end;
                let parsed = redis::parse_redis_value(&self.buf[..len]);
                self.buf.drain(..len);
                return parsed.map_err(|_| {
                    Stop::Lost(Reply::Broken {
                        error: bounded::NOT_REDIS.into(),
                    })
                });
            }
            self.buf.reserve(READ_ROOM.max(self.stream.bulk_left()));
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
                Err(_) => return Err(Stop::Deadline),
                Ok(Ok(0)) => return Err(Stop::Lost(closed())),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    // The read that broke a bound: that reply was too large (or not Redis at
                    // all); the commands behind it had the connection closed under them.
                    let first = match self.stream.tripped() {
                        Some(why) if why.starts_with(bounded::TOO_LARGE) => {
                            Reply::TooLarge { error: why.into() }
                        }
                        Some(why) => Reply::Broken { error: why.into() },
                        None => Reply::Broken {
                            error: one_line(&e),
                        },
                    };
                    return Err(Stop::Lost(first));
                }
            }
        }
    }
}

/// Why a round trip stopped before its last reply.
enum Stop {
    /// Its deadline passed.
    Deadline,
    /// The connection can no longer answer: this is the reply in wait.
    Lost(Reply),
}

/// What a command gets once the connection is closed (as redis-rs words it).
pub fn closed() -> Reply {
    Reply::Broken {
        error: std::io::Error::from(std::io::ErrorKind::BrokenPipe).to_string(),
    }
}

fn server_error(code: Option<&str>, detail: Option<&str>) -> Reply {
    Reply::Error {
        code: code.unwrap_or_default().to_string(),
        message: detail.unwrap_or_default().to_string(),
    }
}

/// Messages are one line, whatever the system says.
fn one_line(e: &std::io::Error) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// Sends one command and waits at most `read` for its reply.
pub async fn send(conn: &mut Conn, cmd: &redis::Cmd, read: Duration) -> Result<Value, Reply> {
    let mut replies = conn.round_trip(std::slice::from_ref(cmd), read).await;
    replies.pop().unwrap_or_else(|| Err(closed()))
}

/// A refused command is an observation (`Refused`), not a failure of the target.
pub fn observe<T>(
    reply: Result<Value, Reply>,
    parse: impl FnOnce(Value) -> Option<T>,
) -> Observed<T> {
    match reply {
        Ok(value) => match parse(value) {
            Some(v) => Observed::Ok { value: v },
            None => Observed::failed(FailureKind::Protocol, "unexpected reply shape"),
        },
        Err(Reply::Error { code, message }) => Observed::Refused {
            error: format!("{code} {message}"),
        },
        Err(Reply::Timeout { after_ms }) => Observed::failed(
            FailureKind::Timeout,
            format!("no answer within readTimeout {}", go_duration(after_ms)),
        ),
        Err(Reply::TooLarge { error }) => Observed::failed(FailureKind::TooLarge, error),
        Err(Reply::Broken { error }) => Observed::failed(FailureKind::Reset, error),
        Err(Reply::Ok) => Observed::failed(FailureKind::Protocol, "unexpected reply"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    const SHORT: Duration = Duration::from_millis(100);

    fn conn() -> (Conn, DuplexStream) {
        let (client, server) = tokio::io::duplex(1 << 16);
        (Conn::new(Box::new(client)), server)
    }

    async fn heard(server: &mut DuplexStream) -> String {
        let mut buf = [0u8; 256];
        let n = server.read(&mut buf).await.unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[tokio::test]
    async fn a_batch_is_written_at_once_and_its_replies_read_in_order() {
        let (mut conn, mut server) = conn();
        let cmds = [redis::cmd("PING"), redis::cmd("GET").arg("k").clone()];
        let (replies, ()) = tokio::join!(conn.round_trip(&cmds, SHORT), async {
            let sent = heard(&mut server).await;
            assert_eq!(sent, "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
            // Split across writes, and an error for the second.
            server.write_all(b"+PO").await.unwrap();
            server.write_all(b"NG\r\n-NOPERM no").await.unwrap();
            server.write_all(b" access\r\n").await.unwrap();
        });
        assert_eq!(replies[0], Ok(Value::SimpleString("PONG".into())));
        assert_eq!(
            replies[1],
            Err(Reply::Error {
                code: "NOPERM".into(),
                message: "no access".into()
            })
        );
    }

    #[tokio::test]
    async fn a_reply_that_comes_after_its_deadline_is_not_taken_for_the_next() {
        let (mut conn, mut server) = conn();
        let late = send(&mut conn, &redis::cmd("PING"), SHORT).await;
        assert_eq!(late, Err(Reply::Timeout { after_ms: 100 }));
        heard(&mut server).await;
        server.write_all(b"+PONG\r\n").await.unwrap();
        let echo = redis::cmd("ECHO").arg("x").clone();
        let (reply, ()) = tokio::join!(send(&mut conn, &echo, SHORT), async {
            heard(&mut server).await;
            server.write_all(b"$1\r\nx\r\n").await.unwrap();
        });
        assert_eq!(reply, Ok(Value::BulkString(b"x".to_vec())));
    }

    #[tokio::test]
    async fn an_empty_round_trip_waits_for_nothing_not_even_a_late_reply() {
        let (mut conn, _server) = conn();
        send(&mut conn, &redis::cmd("PING"), SHORT)
            .await
            .unwrap_err();
        let start = std::time::Instant::now();
        assert!(
            conn.round_trip(&[], Duration::from_secs(30))
                .await
                .is_empty()
        );
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn a_closed_connection_fails_the_rest_of_the_batch_and_every_later_one() {
        let (mut conn, mut server) = conn();
        let cmds = [redis::cmd("HELLO"), redis::cmd("INFO"), redis::cmd("ROLE")];
        let (replies, ()) = tokio::join!(conn.round_trip(&cmds, SHORT), async {
            heard(&mut server).await;
            server.write_all(b"+OK\r\n$100\r\nredis_ver").await.unwrap();
            server.shutdown().await.unwrap();
        });
        let broken = Err(Reply::Broken {
            error: "broken pipe".into(),
        });
        assert_eq!(replies, [Ok(Value::Okay), broken.clone(), broken.clone()]);
        assert!(conn.cut_mid_reply());
        assert_eq!(send(&mut conn, &redis::cmd("PING"), SHORT).await, broken);
    }

    #[tokio::test]
    async fn a_reply_over_a_bound_is_too_large_and_closes_the_connection_behind_it() {
        let (mut conn, mut server) = conn();
        let cmds = [redis::cmd("INFO"), redis::cmd("ROLE")];
        let (replies, ()) = tokio::join!(conn.round_trip(&cmds, SHORT), async {
            heard(&mut server).await;
            server.write_all(b"*100000000\r\n").await.unwrap();
        });
        assert!(
            matches!(&replies[0], Err(Reply::TooLarge { error }) if error.starts_with(bounded::TOO_LARGE)),
            "{replies:?}"
        );
        assert!(
            matches!(&replies[1], Err(Reply::Broken { error }) if error.starts_with("the connection was closed after an earlier reply")),
            "{replies:?}"
        );
    }

    #[tokio::test]
    async fn an_error_inside_a_transaction_stays_in_a_pipeline_and_is_the_reply_in_a_round_trip() {
        for pipeline in [true, false] {
            let (mut conn, mut server) = conn();
            let exec = [redis::cmd("EXEC")];
            let (replies, ()) = tokio::join!(
                async {
                    if pipeline {
                        conn.pipeline(&exec, SHORT).await
                    } else {
                        conn.round_trip(&exec, SHORT).await
                    }
                },
                async {
                    heard(&mut server).await;
                    server
                        .write_all(b"*1\r\n-CROSSSLOT keys\r\n")
                        .await
                        .unwrap();
                }
            );
            assert_eq!(replies[0].is_ok(), pipeline, "{replies:?}");
        }
    }
}
