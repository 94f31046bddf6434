//! A session's connection: commands written in batches under the read deadline, each reply
//! or what happened instead classified (`Reply`), and a reply made an observation of the facts.

use std::time::Duration;

use checks::duration::go_duration;
use checks::facts::{FailureKind, Observed, Reply};
use redis::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::bounded::{self, Bounded, Watch};

/// What a session's connection runs over: TCP or TLS.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// How much room a read is given: a reply larger than this is read in several.
const READ_ROOM: usize = 4096;

/// A session's connection: commands are written in batches, one round trip each, and their
/// replies read in order as the bounded stream frames them (redis-rs parses each). Nothing
/// runs beside the session: no driver task, no queue, one buffer.
pub struct Conn {
    stream: Bounded<Box<dyn Stream>>,
    pub(super) watch: Watch,
    /// Bytes read and not yet handed out as replies; `at` is where `buf[0]` lies in the stream.
    buf: Vec<u8>,
    at: u64,
    /// Replies still owed to commands whose deadline passed: read and dropped before the next.
    owed: usize,
    /// Why the connection can no longer answer, once it cannot.
    lost: Option<Reply>,
}

impl Conn {
    pub fn new(stream: Box<dyn Stream>) -> Conn {
        // Every read is bounded by RESP framing before a byte of it is parsed.
        let (stream, watch) = Bounded::new(stream);
        Conn {
            stream,
            watch,
            buf: Vec::new(),
            at: 0,
            owed: 0,
            lost: None,
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
        if let Some(lost) = &self.lost {
            return vec![Err(lost.clone()); cmds.len()];
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
            Ok(Err(e)) => return self.lose(one_line(&e), cmds.len()),
            // Part of a command may be on the wire: nothing after it can be trusted.
            Err(_) => {
                self.lost = Some(closed());
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
        // A large reply's room is not kept for the PINGs after it.
        self.buf.shrink_to(READ_ROOM);
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
                replies.push(Err(first));
                let rest = self.lost.clone().unwrap_or_else(closed);
                replies.extend(std::iter::repeat_n(Err(rest), left - 1));
            }
        }
        replies
    }

    /// Every command of a round trip failed to be written with `error`.
    fn lose(&mut self, error: String, sent: usize) -> Vec<Result<Value, Reply>> {
        self.lost = Some(closed());
        vec![Err(Reply::Broken { error }); sent]
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
                    self.lost = Some(closed());
                    Stop::Lost(not_redis())
                });
            }
            self.buf.reserve(READ_ROOM);
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
                Err(_) => return Err(Stop::Deadline),
                Ok(Ok(0)) => {
                    self.lost = Some(closed());
                    return Err(Stop::Lost(closed()));
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    let first = match self.watch.tripped() {
                        // The read that broke a bound: that reply was too large (or not Redis
                        // at all); the commands behind it had the connection closed under them.
                        Some(why) => {
                            self.lost = Some(Reply::Broken {
                                error: format!(
                                    "the connection was closed after an earlier reply: {why}"
                                ),
                            });
                            if why.starts_with(bounded::TOO_LARGE) {
                                Reply::TooLarge { error: why.into() }
                            } else {
                                Reply::Broken { error: why.into() }
                            }
                        }
                        None => {
                            self.lost = Some(closed());
                            Reply::Broken {
                                error: one_line(&e),
                            }
                        }
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

fn not_redis() -> Reply {
    Reply::Broken {
        error: "the reply is not Redis protocol".into(),
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
