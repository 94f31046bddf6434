//! The Redis session: log in as go-redis does, then read what the checks need in one
//! pipelined round trip. Only reading commands are sent (see the README's command table).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use checks::facts::{Login, Observed, Reply, Session, SnapshotKeys, WriteProbe};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisConnectionInfo, RedisError, Value};
use tokio::io::{AsyncRead, AsyncWrite};

use super::elapsed_ms;

/// Credentials as the secret holds them. `Debug` never shows them.
#[derive(Clone)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

impl Credentials {
    fn has_stray_whitespace(&self) -> bool {
        let stray = |s: &str| s.trim() != s;
        stray(&self.password) || self.username.as_deref().is_some_and(stray)
    }

    fn trimmed(&self) -> Credentials {
        Credentials {
            username: self.username.as_ref().map(|u| u.trim().to_string()),
            password: self.password.trim().to_string(),
        }
    }

    /// `AUTH user pass`, or `AUTH pass` without a username, as go-redis sends it.
    fn command(&self) -> redis::Cmd {
        let mut cmd = redis::cmd("AUTH");
        if let Some(user) = self.username.as_deref().filter(|u| !u.is_empty()) {
            cmd.arg(user);
        }
        cmd.arg(&self.password);
        cmd
    }
}

/// What a session does beyond the reads every target gets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras {
    /// Read the management server's snapshot keys (post-upgrade, snapshot target).
    pub snapshot: bool,
    /// Run the write probe (`--allow-write`).
    pub write: bool,
    /// The db the components `SELECT` (go-redis does when it is not 0).
    pub db: i64,
}

/// Runs the session over an established stream. `read` bounds every reply.
pub async fn probe<S>(
    stream: S,
    credentials: Option<&Credentials>,
    read: Duration,
    extras: Extras,
) -> Observed<Session>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let start = Instant::now();
    // No username, password, db or library name: redis-rs then sends nothing on its own, and
    // every command on the wire is one this module chose.
    let info = RedisConnectionInfo::default().set_skip_set_lib_name();
    let config = AsyncConnectionConfig::new()
        .set_response_timeout(None)
        .set_connection_timeout(None);
    let (conn, driver) = match MultiplexedConnection::new_with_config(&info, stream, config).await {
        Ok(pair) => pair,
        Err(e) => {
            return Observed::Failed {
                error: format!("could not start a session: {e}"),
            };
        }
    };
    tokio::spawn(driver);

    let ping = redis::cmd("PING");
    let (unauthenticated_ping, reply) = tokio::join!(send(&conn, &ping, read), async {
        match credentials {
            Some(c) => Some(send(&conn, &c.command(), read).await),
            None => None,
        }
    });
    let mut login = None;
    if let (Some(c), Some(reply)) = (credentials, reply) {
        let reply = reply.map(|_| ()).map_or_else(|r| r, |_| Reply::Ok);
        let trimmed_reply = if reply != Reply::Ok && c.has_stray_whitespace() && is_error(&reply) {
            Some(
                send(&conn, &c.trimmed().command(), read)
                    .await
                    .map_or_else(|r| r, |_| Reply::Ok),
            )
        } else {
            None
        };
        login = Some(Login {
            with_username: c.username.as_deref().is_some_and(|u| !u.is_empty()),
            reply,
            trimmed_reply,
        });
    }
    let unauthenticated_ping = unauthenticated_ping.map_or_else(|r| r, |_| Reply::Ok);

    let mut session = Session {
        unauthenticated_ping,
        login,
        select: None,
        hello: Observed::not_attempted("not admitted"),
        info: Observed::not_attempted("not admitted"),
        role: Observed::not_attempted("not admitted"),
        config: BTreeMap::new(),
        snapshot: Observed::not_attempted("only the post-upgrade profile reads the snapshot"),
        write_probe: Observed::not_attempted("writes need --allow-write"),
        field: Default::default(),
        duration_ms: 0.0,
    };
    if session.admitted() && extras.db != 0 {
        let reply = send(&conn, redis::cmd("SELECT").arg(extras.db), read).await;
        session.select = Some((extras.db, reply.map_or_else(|r| r, |_| Reply::Ok)));
    }
    if session.admitted() {
        if extras.snapshot {
            // Sent with the server reads, so the pipeline stays one round trip deep (plus the
            // TYPE of the sampled members).
            let (_, snapshot) = tokio::join!(
                read_server(&conn, read, &mut session),
                snapshot_keys(&conn, read)
            );
            session.snapshot = snapshot;
        } else {
            read_server(&conn, read, &mut session).await;
        }
        if extras.write {
            session.write_probe = write_probe(&conn, read).await;
        }
        // Last: the PINGs must not queue behind other replies (see field.rs).
        super::field::round_trips(&conn, read, &mut session).await;
    } else {
        session.snapshot = Observed::not_attempted("not admitted");
        session.write_probe = Observed::not_attempted("not admitted");
    }
    session.duration_ms = elapsed_ms(start);
    Observed::Ok { value: session }
}

fn is_error(reply: &Reply) -> bool {
    matches!(reply, Reply::Error { .. })
}

/// HELLO, INFO, ROLE and CONFIG GET, sent together: the multiplexed connection pipelines them.
async fn read_server(conn: &MultiplexedConnection, read: Duration, session: &mut Session) {
    let hello = redis::cmd("HELLO").arg(2).clone();
    let info = redis::cmd("INFO").clone();
    let role = redis::cmd("ROLE").clone();
    let params = [
        "maxmemory-policy",
        "timeout",
        "maxclients",
        "min-replicas-to-write",
    ];
    let gets: Vec<redis::Cmd> = params
        .iter()
        .map(|p| redis::cmd("CONFIG").arg("GET").arg(*p).clone())
        .collect();
    let (hello, info, role, configs, field) = tokio::join!(
        send(conn, &hello, read),
        send(conn, &info, read),
        send(conn, &role, read),
        send_all(conn, &gets, read),
        super::field::reads(conn, read),
    );
    field.apply(session);
    session.hello = observe(hello, |v| Some(pairs(&v)));
    session.info = observe(info, |v| Some(parse_info(&text(&v)?)));
    session.role = observe(role, |v| Some(flatten_role(&v)));
    for (param, reply) in params.iter().zip(configs) {
        let value = observe(reply, |v| config_value(&v));
        session.config.insert(param.to_string(), value);
    }
}

/// `SET` a uniquely named key with a 10-second expiry, `GET` it back, `DEL` it: the only writes
/// the tool ever makes, and only with `--allow-write`.
async fn write_probe(conn: &MultiplexedConnection, read: Duration) -> Observed<WriteProbe> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let key = format!("redis-preflight:write-probe:{}:{nanos}", std::process::id());
    let value = format!("written by redis-preflight at {nanos}");
    let to_reply = |r: Result<Value, Reply>| r.map_or_else(|e| e, |_| Reply::Ok);
    let set = to_reply(
        send(
            conn,
            redis::cmd("SET")
                .arg(&key)
                .arg(&value)
                .arg("PX")
                .arg(10_000),
            read,
        )
        .await,
    );
    let mut probe = WriteProbe {
        key: key.clone(),
        set,
        read_back: false,
        del: Reply::Ok,
    };
    if probe.set == Reply::Ok {
        let got = send(conn, redis::cmd("GET").arg(&key), read).await;
        probe.read_back = got.ok().and_then(|v| text(&v)).is_some_and(|v| v == value);
        probe.del = to_reply(send(conn, redis::cmd("DEL").arg(&key), read).await);
    }
    Observed::Ok { value: probe }
}

/// The set of snapshot hash names the management server keeps (see the README).
const KEY_SET: &str = "gloo.mesh.key.set";
/// How many members to sample: bounded, whatever the snapshot's size.
const SAMPLE: usize = 20;

async fn snapshot_keys(conn: &MultiplexedConnection, read: Duration) -> Observed<SnapshotKeys> {
    let type_of = |key: &str| redis::cmd("TYPE").arg(key).clone();
    let set_type = type_of(KEY_SET);
    let scard = redis::cmd("SCARD").arg(KEY_SET).clone();
    let sample = redis::cmd("SRANDMEMBER").arg(KEY_SET).arg(SAMPLE).clone();
    let (set_type, members, sample) = tokio::join!(
        send(conn, &set_type, read),
        send(conn, &scard, read),
        send(conn, &sample, read),
    );
    let refused = |r: Reply| observe::<SnapshotKeys>(Err(r), |_| None);
    let set_type = match set_type {
        Ok(v) => text(&v).unwrap_or_default(),
        Err(r) => return refused(r),
    };
    let members = match members {
        Ok(Value::Int(n)) => n,
        Ok(_) => 0,
        Err(r) => return refused(r),
    };
    let names: Vec<String> = match sample {
        Ok(Value::Array(items)) => items.iter().filter_map(text).collect(),
        Ok(_) => Vec::new(),
        Err(r) => return refused(r),
    };
    let types: Vec<redis::Cmd> = names.iter().map(|n| type_of(n)).collect();
    let replies = send_all(conn, &types, read).await;
    let sample = names
        .into_iter()
        .zip(replies)
        .map(|(name, reply)| {
            (
                name,
                reply
                    .ok()
                    .and_then(|v| text(&v))
                    .unwrap_or_else(|| "?".into()),
            )
        })
        .collect();
    Observed::Ok {
        value: SnapshotKeys {
            set_type,
            members,
            sample,
        },
    }
}

/// Sends `cmds` together (the multiplexed connection pipelines them) and waits for them all.
async fn send_all(
    conn: &MultiplexedConnection,
    cmds: &[redis::Cmd],
    read: Duration,
) -> Vec<Result<Value, Reply>> {
    futures_util::future::join_all(cmds.iter().map(|cmd| send(conn, cmd, read))).await
}

/// Sends one command and waits at most `read` for its reply.
pub(super) async fn send(
    conn: &MultiplexedConnection,
    cmd: &redis::Cmd,
    read: Duration,
) -> Result<Value, Reply> {
    let mut conn = conn.clone();
    match tokio::time::timeout(read, cmd.query_async::<Value>(&mut conn)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(classify(&e)),
        Err(_) => Err(Reply::Timeout {
            after_ms: read.as_millis() as u64,
        }),
    }
}

pub(super) fn classify(e: &RedisError) -> Reply {
    match e.code() {
        Some(code) => Reply::Error {
            code: code.to_string(),
            message: e.detail().unwrap_or_default().to_string(),
        },
        None if e.is_timeout() => Reply::Timeout { after_ms: 0 },
        None if e.kind() == redis::ErrorKind::Parse => Reply::Broken {
            error: "the reply is not Redis protocol".into(),
        },
        // Messages are one line, whatever the library says.
        None => Reply::Broken {
            error: e.to_string().lines().next().unwrap_or_default().to_string(),
        },
    }
}

/// A refused command is an observation (`Refused`), not a failure of the target.
pub(super) fn observe<T>(
    reply: Result<Value, Reply>,
    parse: impl FnOnce(Value) -> Option<T>,
) -> Observed<T> {
    match reply {
        Ok(value) => match parse(value) {
            Some(v) => Observed::Ok { value: v },
            None => Observed::Failed {
                error: "unexpected reply shape".into(),
            },
        },
        Err(Reply::Error { code, message }) => Observed::Refused {
            error: format!("{code} {message}"),
        },
        Err(Reply::Timeout { after_ms }) => Observed::Failed {
            error: format!("no answer within {after_ms} ms"),
        },
        Err(Reply::Broken { error }) => Observed::Failed { error },
        Err(Reply::Ok) => Observed::Failed {
            error: "unexpected reply".into(),
        },
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Okay => Some("OK".into()),
        _ => None,
    }
}

/// `field:value` lines of INFO, section headers and blanks skipped.
pub fn parse_info(body: &str) -> BTreeMap<String, String> {
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// HELLO's reply as string pairs; nested values (modules) are left out.
fn pairs(value: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match value {
        Value::Array(items) => {
            for pair in items.chunks(2) {
                if let [k, v] = pair
                    && let (Some(k), Some(v)) = (text(k), text(v))
                {
                    out.insert(k, v);
                }
            }
        }
        Value::Map(items) => {
            for (k, v) in items {
                if let (Some(k), Some(v)) = (text(k), text(v)) {
                    out.insert(k, v);
                }
            }
        }
        _ => {}
    }
    out
}

/// ROLE as strings; nested replica entries become `ip:port`.
fn flatten_role(value: &Value) -> Vec<String> {
    let Value::Array(items) = value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::Array(nested) => {
                for entry in nested {
                    match entry {
                        Value::Array(fields) => {
                            let f: Vec<String> = fields.iter().filter_map(text).collect();
                            if f.len() >= 2 {
                                out.push(format!("{}:{}", f[0], f[1]));
                            }
                        }
                        other => out.extend(text(other)),
                    }
                }
            }
            other => out.extend(text(other)),
        }
    }
    out
}

pub(super) fn config_value(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) if items.len() >= 2 => text(&items[1]),
        Value::Map(items) => items.first().and_then(|(_, v)| text(v)),
        _ => None,
    }
}
