//! What a session reads or writes only when asked: the snapshot's keys (`post-upgrade`), and
//! the write probe (`--allow-write`), the only writes the tool ever makes.

use std::time::Duration;

use checks::facts::{FailureKind, Observed, Reply, SnapshotKeys, WriteProbe};
use redis::Value;

use super::replies::text;
use crate::probe::bounded;
use crate::probe::command::{Conn, observe, send};

/// `SET` a uniquely named key with a 10-second expiry, `GET` it back, `DEL` it: the only writes
/// the tool ever makes, and only with `--allow-write`.
pub(super) async fn write_probe(conn: &mut Conn, read: Duration) -> Observed<WriteProbe> {
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

fn type_of(key: &str) -> redis::Cmd {
    redis::cmd("TYPE").arg(key).clone()
}

/// The snapshot's first reads, written with the session's: the set's type, size and a sample.
pub(super) fn snapshot_commands() -> [redis::Cmd; 3] {
    [
        type_of(KEY_SET),
        redis::cmd("SCARD").arg(KEY_SET).clone(),
        redis::cmd("SRANDMEMBER").arg(KEY_SET).arg(SAMPLE).clone(),
    ]
}

/// The snapshot's keys from the replies to [`snapshot_commands`], and the TYPE of each sampled
/// member (a second round trip).
pub(super) async fn snapshot_keys(
    conn: &mut Conn,
    read: Duration,
    [set_type, members, sample]: [Result<Value, Reply>; 3],
) -> Observed<SnapshotKeys> {
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
        // More than asked for is not a sample: no TYPE is sent for any of it.
        Ok(Value::Array(items)) if items.len() > SAMPLE => {
            return Observed::failed(
                FailureKind::TooLarge,
                format!(
                    "{}: SRANDMEMBER {KEY_SET} {SAMPLE} answered {} members",
                    bounded::TOO_LARGE,
                    items.len()
                ),
            );
        }
        Ok(Value::Array(items)) => items.iter().filter_map(text).collect(),
        Ok(_) => Vec::new(),
        Err(r) => return refused(r),
    };
    let types: Vec<redis::Cmd> = names.iter().map(|n| type_of(n)).collect();
    let replies = conn.round_trip(&types, read).await;
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
