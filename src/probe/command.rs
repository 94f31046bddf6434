//! One command on a session's connection: sent with the read deadline, its reply or what
//! happened instead classified (`Reply`), and a reply made an observation of the facts.

use checks::duration::go_duration;
use checks::facts::{FailureKind, Observed, Reply};
use redis::aio::MultiplexedConnection;
use redis::{RedisError, Value};
use std::time::Duration;

use super::bounded::{self, Watch};

/// A session's connection, and what its bounded stream saw.
#[derive(Clone)]
pub struct Conn {
    pub redis: MultiplexedConnection,
    pub(super) watch: Watch,
}

/// Sends one command and waits at most `read` for its reply.
pub async fn send(conn: &Conn, cmd: &redis::Cmd, read: Duration) -> Result<Value, Reply> {
    let mut redis = conn.redis.clone();
    match tokio::time::timeout(read, cmd.query_async::<Value>(&mut redis)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(classify(&e, &conn.watch)),
        Err(_) => Err(Reply::Timeout {
            after_ms: read.as_millis() as u64,
        }),
    }
}

/// Sends `cmds` together (the multiplexed connection pipelines them) and waits for them all.
pub async fn send_all(
    conn: &Conn,
    cmds: &[redis::Cmd],
    read: Duration,
) -> Vec<Result<Value, Reply>> {
    futures_util::future::join_all(cmds.iter().map(|cmd| send(conn, cmd, read))).await
}

pub fn classify(e: &RedisError, watch: &Watch) -> Reply {
    match e.code() {
        Some(code) => Reply::Error {
            code: code.to_string(),
            message: e.detail().unwrap_or_default().to_string(),
        },
        None if e.is_timeout() => Reply::Timeout { after_ms: 0 },
        None => match watch.tripped() {
            // The read that broke a bound: that reply was too large (or not Redis at all).
            Some(why) if e.to_string().contains(why) => {
                if why.starts_with(bounded::TOO_LARGE) {
                    Reply::TooLarge { error: why.into() }
                } else {
                    Reply::Broken { error: why.into() }
                }
            }
            // Commands pipelined behind it: the connection was closed under them.
            Some(why) => Reply::Broken {
                error: format!("the connection was closed after an earlier reply: {why}"),
            },
            None if e.kind() == redis::ErrorKind::Parse => Reply::Broken {
                error: "the reply is not Redis protocol".into(),
            },
            // Messages are one line, whatever the library says.
            None => Reply::Broken {
                error: e.to_string().lines().next().unwrap_or_default().to_string(),
            },
        },
    }
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
