//! The write check of every run: writes that change nothing. Each command names the tool's
//! own key with an argument Redis rejects in the command itself, which it reaches only after
//! its ACL, `maxmemory`, failed-save, `min-replicas-to-write` and read-only-replica checks:
//! whichever refusal comes back first says whether a component's write would run. Pipelined
//! with the session's reads.

use checks::facts::{Observed, Reply, WriteAccess, WriteAttempt, WriteKind};

/// The key every command names. It is never created: each command is refused before it
/// changes anything.
pub const KEY: &str = "redis-preflight:write-check";

/// One zero-effect form per family the components write with: the command, its arguments
/// after the key, and the start of the error its own argument check gives (the same on
/// Redis 6.0 to 7.x and Valkey). Sets have no such form (`SADD` fails its arity before its
/// ACL), nor have scripts (they are not written to, and `EVALSHA` is not a write).
pub const FORMS: &[(&str, &[&str], &str)] = &[
    // Strings: API keys, sessions, the snapshot's metadata.
    ("SET", &["x", "EX", "0"], "invalid expire time"),
    // Hashes: the management server's snapshot. An odd field-value list.
    ("HSET", &["f", "v", "f"], "wrong number of arguments"),
    // Streams: the telemetry exporters.
    (
        "XADD",
        &["MAXLEN", "-1", "*", "f", "v"],
        "The MAXLEN argument must be >= 0",
    ),
    // Counters: the rate limiter.
    ("INCRBY", &["x"], "value is not an integer"),
    // Key expiry: the rate limiter's windows, sessions. Not refused at maxmemory (it frees).
    ("EXPIRE", &["x"], "value is not an integer"),
];

/// Every form, to be written together (with the session's reads).
pub fn commands() -> Vec<redis::Cmd> {
    FORMS
        .iter()
        .map(|(name, args, _)| {
            let mut cmd = redis::cmd(name);
            cmd.arg(KEY).arg(*args);
            cmd
        })
        .collect()
}

/// Each form's reply (in the order of [`commands`]) classified.
pub fn attempts(replies: Vec<Result<redis::Value, Reply>>) -> Observed<WriteAccess> {
    let attempts = FORMS
        .iter()
        .zip(replies)
        .map(|((name, args, expected), reply)| {
            let reply = match reply {
                Ok(_) => Reply::Ok,
                Err(r) => r,
            };
            WriteAttempt {
                command: name.to_string(),
                sent: format!("{name} {KEY} {}", args.join(" ")),
                kind: kind(&reply, expected),
                reply,
            }
        })
        .collect();
    Observed::Ok {
        value: WriteAccess {
            key: KEY.to_string(),
            attempts,
        },
    }
}

/// What a reply means. `NOPERM` names either the command (Redis 6 and 7: "… permissions to
/// run the 'set' command") or a key ("… permissions to access one of the keys …", 7.2: "No
/// permissions to access a key").
pub fn kind(reply: &Reply, expected: &str) -> WriteKind {
    let Reply::Error { code, message } = reply else {
        return WriteKind::Other;
    };
    match code.as_str() {
        // The command first: Redis 7.2 names the user there, and a user may be called `key`.
        "NOPERM" if message.contains("permissions to run") => WriteKind::CommandDenied,
        "NOPERM" if message.contains("key") => WriteKind::KeyDenied,
        "NOPERM" => WriteKind::CommandDenied,
        "OOM" => WriteKind::Oom,
        "MISCONF" => WriteKind::Misconf,
        "NOREPLICAS" => WriteKind::NoReplicas,
        "READONLY" => WriteKind::ReadOnly,
        "ERR" if message.starts_with(expected) => WriteKind::Allowed,
        _ => WriteKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &str, message: &str) -> Reply {
        Reply::Error {
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn replies_are_classified_as_redis_words_them() {
        let set = "invalid expire time";
        let cases = [
            (
                err("ERR", "invalid expire time in 'set' command"),
                WriteKind::Allowed,
            ),
            // Redis 6.0.
            (err("ERR", "invalid expire time in set"), WriteKind::Allowed),
            (
                err(
                    "NOPERM",
                    "this user has no permissions to run the 'set' command",
                ),
                WriteKind::CommandDenied,
            ),
            (
                err(
                    "NOPERM",
                    "User key has no permissions to run the 'set' command",
                ),
                WriteKind::CommandDenied,
            ),
            (
                err(
                    "NOPERM",
                    "this user has no permissions to access one of the keys used as arguments",
                ),
                WriteKind::KeyDenied,
            ),
            (
                err("NOPERM", "No permissions to access a key"),
                WriteKind::KeyDenied,
            ),
            (
                err("OOM", "command not allowed when used memory > 'maxmemory'."),
                WriteKind::Oom,
            ),
            (
                err("MISCONF", "Redis is configured to save RDB snapshots"),
                WriteKind::Misconf,
            ),
            (
                err("NOREPLICAS", "Not enough good replicas to write."),
                WriteKind::NoReplicas,
            ),
            (
                err("READONLY", "You can't write against a read only replica."),
                WriteKind::ReadOnly,
            ),
            (err("ERR", "unknown command 'set'"), WriteKind::Other),
            (err("CLUSTERDOWN", "Hash slot not served"), WriteKind::Other),
            (Reply::Ok, WriteKind::Other),
            (Reply::Timeout { after_ms: 1000 }, WriteKind::Other),
        ];
        for (reply, expected) in cases {
            assert_eq!(kind(&reply, set), expected, "{reply:?}");
        }
    }
}
