//! The Redis session: log in as go-redis does, then read what the checks need in one
//! pipelined round trip. Only reading commands are sent (see the README's command table).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use checks::facts::{FailureKind, Info, Login, Observed, Refusal, RefusalKind, Reply, Session};
use redis::Value;

use super::command::{Conn, Stream, closed, observe, send};
use super::elapsed_ms;
use crate::credentials::Credentials;
use opt_in::{snapshot_keys, write_probe};
use replies::{config_value, flatten_role, info_sections, pairs, shape, text};

mod opt_in;
mod replies;

/// What a session does beyond the reads every target gets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras {
    /// Read the management server's snapshot keys (post-upgrade, snapshot target).
    pub snapshot: bool,
    /// Run the write probe (`--allow-write`).
    pub write: bool,
    /// The db the components `SELECT` (go-redis does when it is not 0).
    pub db: i64,
    /// More `CONFIG GET` parameters to read, beside the built-in ones (what `--rules` name).
    pub config: &'static [String],
    /// Keep every INFO field and its section (`--rules` read `info.<section>.<field>`, and so
    /// may a later replay of saved facts); otherwise INFO keeps only the fields the catalog
    /// reads (`checks::info::CATALOG_FIELDS`), a tenth of it.
    pub whole_info: bool,
}

/// Runs the session over an established stream. `read` bounds every reply.
pub async fn probe<S>(
    stream: S,
    credentials: Option<&Credentials>,
    read: Duration,
    extras: Extras,
) -> Observed<Session>
where
    S: Stream + 'static,
{
    let start = Instant::now();
    let conn = &mut Conn::new(Box::new(stream));

    // Each sequential round trip the session makes anyway is a latency sample (behaviour.rs).
    let mut round_trips = Vec::with_capacity(2);
    let login_start = Instant::now();
    let mut login_cmds = vec![redis::cmd("PING")];
    login_cmds.extend(credentials.map(auth_command));
    let mut replies = conn.round_trip(&login_cmds, read).await.into_iter();
    let unauthenticated_ping = replies.next().unwrap_or_else(|| Err(closed()));
    let reply = credentials.map(|_| replies.next().unwrap_or_else(|| Err(closed())));
    round_trips.push(elapsed_ms(login_start));
    let mut login = None;
    if let (Some(c), Some(reply)) = (credentials, reply) {
        let reply = expect_ok("AUTH", reply);
        let trimmed_reply = if reply != Reply::Ok && c.has_stray_whitespace() && is_error(&reply) {
            Some(expect_ok(
                "AUTH",
                send(conn, &auth_command(&c.trimmed()), read).await,
            ))
        } else {
            None
        };
        let with_username = c.username.as_deref().is_some_and(|u| !u.is_empty());
        // Redis before 6 knows only `AUTH password`: two arguments are one too many.
        let no_acl_users = with_username
            && matches!(&reply, Reply::Error { code, message }
                if code == "ERR" && message.starts_with("wrong number of arguments"));
        login = Some(Login {
            with_username,
            reply,
            trimmed_reply,
            no_acl_users,
        });
    }
    let unauthenticated_ping = match unauthenticated_ping {
        Ok(value) if text(&value).is_some_and(|t| t.eq_ignore_ascii_case("PONG")) => Reply::Ok,
        Ok(value) => Reply::Broken {
            error: format!("PING answered {}, not PONG", shape(&value)),
        },
        Err(r) => r,
    };
    let refusal = refusal(&unauthenticated_ping, login.as_ref().map(|l| &l.reply));

    let mut session = Session {
        unauthenticated_ping,
        login,
        select: None,
        hello: Observed::not_attempted("not admitted"),
        info: Observed::not_attempted("not admitted"),
        role: Observed::not_attempted("not admitted"),
        config: BTreeMap::new(),
        info_sections: BTreeMap::new(),
        snapshot: Observed::not_attempted("only the post-upgrade profile reads the snapshot"),
        write_probe: Observed::not_attempted("writes need --allow-write"),
        write_access: Observed::not_attempted("not admitted"),
        field: Default::default(),
        duration_ms: 0.0,
        refusal,
        dropped_at: None,
        cut_mid_reply: false,
    };
    if session.admitted() && extras.db != 0 {
        let reply = send(conn, redis::cmd("SELECT").arg(extras.db), read).await;
        session.select = Some((extras.db, reply.map_or_else(|r| r, |_| Reply::Ok)));
    }
    if session.admitted() {
        let reads_start = Instant::now();
        read_server(conn, read, &mut session, extras, extras.snapshot).await;
        // One round trip when every read was answered (the snapshot's TYPE reads make it two).
        let answered = [
            &session.hello.failure(),
            &session.info.failure(),
            &session.role.failure(),
        ]
        .iter()
        .all(|f| f.is_none());
        if answered && !extras.snapshot {
            round_trips.push(elapsed_ms(reads_start));
        }
        if extras.write {
            session.write_probe = write_probe(conn, read).await;
        }
        // Last: the PINGs must not queue behind other replies (see behaviour.rs).
        super::behaviour::round_trips(conn, read, &round_trips, &mut session).await;
    } else {
        if session.lets_anybody_in() {
            // The login failed, but the server lets anybody in: what it says it is (a
            // Sentinel, say) names the cause. Reads only, as the user everybody is.
            read_server(conn, read, &mut session, extras, false).await;
        }
        session.snapshot = Observed::not_attempted("not admitted");
        session.write_probe = Observed::not_attempted("not admitted");
    }
    session.duration_ms = elapsed_ms(start);
    Observed::Ok { value: session }
}

fn is_error(reply: &Reply) -> bool {
    matches!(reply, Reply::Error { .. })
}

/// A command that answers `OK` when it succeeds: anything else (a nil, a number) is not success.
fn expect_ok(command: &str, reply: Result<Value, Reply>) -> Reply {
    match reply {
        Ok(Value::Okay) => Reply::Ok,
        Ok(Value::SimpleString(s)) if s == "OK" => Reply::Ok,
        Ok(other) => Reply::Broken {
            error: format!("{command} answered {}, not OK", shape(&other)),
        },
        Err(r) => r,
    }
}

/// Why the server refused the session, decided from its error code where it sent one before
/// closing (or while loading its dataset).
fn refusal(ping: &Reply, login: Option<&Reply>) -> Option<Refusal> {
    let first_error = [Some(ping), login]
        .into_iter()
        .flatten()
        .find_map(|r| match r {
            Reply::Error { code, message } if code != "NOAUTH" => Some((code, message)),
            _ => None,
        });
    let (code, message) = first_error?;
    let kind = match code.as_str() {
        "DENIED" => RefusalKind::ProtectedMode,
        "LOADING" => RefusalKind::Loading,
        "BUSY" => RefusalKind::Busy,
        "MASTERDOWN" => RefusalKind::MasterDown,
        "ERR" if message.starts_with("max number of clients reached") => RefusalKind::MaxClients,
        // Any other error is a refusal only when the server then closed the connection.
        _ if matches!(login, Some(Reply::Broken { .. })) => RefusalKind::Other,
        _ => return None,
    };
    Some(Refusal {
        kind,
        code: code.clone(),
        message: message.clone(),
    })
}
/// HELLO, INFO, ROLE and CONFIG GET, written together: one round trip. On an admitted session
/// the zero-effect writes (`write_access.rs`) go with them, and the snapshot's reads when asked
/// (their TYPE reads make a second round trip).
async fn read_server(
    conn: &mut Conn,
    read: Duration,
    session: &mut Session,
    extras: Extras,
    snapshot: bool,
) {
    // What the checks read (each declares its parameters), then what the rules read.
    let mut params = checks::catalog::config_params();
    for p in extras.config {
        // The rules' loader refuses these; the probe never sends them whatever it is handed.
        if crate::scrub::config::may_read(p) && !params.contains(&p.as_str()) {
            params.push(p);
        }
    }
    let mut cmds = vec![
        redis::cmd("HELLO").arg(2).clone(),
        redis::cmd("INFO"),
        redis::cmd("ROLE"),
    ];
    cmds.extend(
        params
            .iter()
            .map(|p| redis::cmd("CONFIG").arg("GET").arg(*p).clone()),
    );
    cmds.push(super::behaviour::latencystats_command());
    // Not as the user everybody is: the question is what the components' user may do.
    let writes = if session.admitted() {
        super::write_access::commands()
    } else {
        Vec::new()
    };
    let write_count = writes.len();
    cmds.extend(writes);
    if snapshot {
        cmds.extend(opt_in::snapshot_commands());
    }
    let mut replies = conn.round_trip(&cmds, read).await.into_iter();
    let mut next = || replies.next().unwrap_or_else(|| Err(closed()));
    let (hello, info, role) = (next(), next(), next());
    let configs: Vec<_> = params.iter().map(|_| next()).collect();
    let latencystats = super::behaviour::latencystats(next());
    let write_access = (write_count > 0)
        .then(|| super::write_access::attempts((0..write_count).map(|_| next()).collect()));
    let snapshot_replies = snapshot.then(|| [next(), next(), next()]);
    if let Some(replies) = snapshot_replies {
        session.snapshot = snapshot_keys(conn, read, replies).await;
    }
    session.field.latencystats = latencystats;
    if let Some(w) = write_access {
        session.write_access = w;
    }
    // A reply of the wrong shape (a confused server answering PONG to everything) is no
    // observation: an empty INFO must never pass a check.
    session.hello = observe(hello, |v| Some(pairs(&v)).filter(|p| !p.is_empty()));
    if extras.whole_info {
        let body = info.as_ref().ok().and_then(text);
        session.info_sections = body.as_deref().map(info_sections).unwrap_or_default();
    }
    session.info = observe(info, |v| {
        // Parsed where it lies: the reply is the only copy of the body.
        let body = match &v {
            Value::BulkString(b) => String::from_utf8_lossy(b),
            Value::VerbatimString { text, .. } => Cow::Borrowed(text.as_str()),
            _ => return None,
        };
        if extras.whole_info {
            Some(Info::parse(&body)).filter(|fields| !fields.is_empty())
        } else {
            Info::parse_only(&body, checks::info::catalog_reads)
        }
    });
    session.role = observe(role, |v| Some(flatten_role(&v)).filter(|r| !r.is_empty()));
    let mut config_closed = false;
    for (param, reply) in params.iter().zip(configs) {
        let value = observe(reply, |v| config_value(param, &v));
        config_closed |= value.failure() == Some(FailureKind::Reset);
        session.config.insert(param.to_string(), value);
    }
    // In the order sent: the first read the closed connection broke is where the server
    // closed it (the earlier ones were answered).
    let closed = |o: Option<FailureKind>| o == Some(FailureKind::Reset);
    let write_closed = session.write_access.ok().and_then(|w| {
        w.attempts
            .iter()
            .find(|a| matches!(a.reply, Reply::Broken { .. }))
            .map(|a| a.command.as_str())
    });
    session.dropped_at = [
        ("HELLO", closed(session.hello.failure())),
        ("INFO", closed(session.info.failure())),
        ("ROLE", closed(session.role.failure())),
        ("CONFIG GET", config_closed),
        (write_closed.unwrap_or_default(), write_closed.is_some()),
    ]
    .into_iter()
    .find(|(_, closed)| *closed)
    .map(|(command, _)| command.to_string());
    // Cut in the middle of a reply: the server had started to answer, so nothing refused
    // the command; the connection broke under it.
    if conn.cut_mid_reply() {
        session.cut_mid_reply = true;
        session.dropped_at = None;
    }
}

/// `AUTH user pass`, or `AUTH pass` without a username, as go-redis sends it.
fn auth_command(credentials: &Credentials) -> redis::Cmd {
    let mut cmd = redis::cmd("AUTH");
    if let Some(user) = credentials.username.as_deref().filter(|u| !u.is_empty()) {
        cmd.arg(user);
    }
    cmd.arg(&credentials.password);
    cmd
}

#[cfg(test)]
mod tests;
