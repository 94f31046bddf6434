//! A server's reply to one command, and what an error reply is (by its code) and means.

use serde::{Deserialize, Serialize};

/// A server's reply to one command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Reply {
    /// Accepted.
    Ok,
    /// An error reply.
    Error {
        /// Error code, e.g. `WRONGPASS`, `NOAUTH`, `NOPERM`, `ERR`.
        code: String,
        /// The server's text after the code.
        message: String,
    },
    /// The reply broke a bound (over 1 MiB, an aggregate over 10,000 elements, nesting too
    /// deep, a line without end): the read was stopped before anything was kept.
    TooLarge {
        /// Which bound, and what the server declared.
        error: String,
    },
    /// No answer within the deadline.
    Timeout {
        /// The deadline, in milliseconds.
        after_ms: u64,
    },
    /// The connection broke, or the answer was not Redis protocol.
    Broken {
        /// What happened.
        error: String,
    },
}

/// What an error reply is, by its code (the first word of the line the server sent: `NOPERM`,
/// `LOADING` …; for `ERR`, an unknown command is told by the text after it). Read here, once,
/// so that no check matches a server's words; a refused observation keeps the same line as its
/// text ([`Observed::refusal`](super::Observed::refusal)), so saved facts read back to the same
/// kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// `NOPERM`: the user's ACL forbids the command, or the keys it touches.
    NoPermission,
    /// `ERR unknown command` or `ERR unknown subcommand`: the server does not know the command
    /// (renamed, disabled, or of a later version).
    UnknownCommand,
    /// `NOAUTH`: the command needs a login first.
    AuthRequired,
    /// `WRONGPASS`: the username or password is wrong, or the user is disabled.
    WrongPassword,
    /// `MOVED`, `ASK`: the key lives on another node.
    Redirected,
    /// `TRYAGAIN`, `CLUSTERDOWN`: a Redis Cluster node whose cluster is not serving.
    ClusterDown,
    /// `BUSY`: a script or function has run past `busy-reply-threshold`.
    Busy,
    /// `LOADING`: the dataset is being loaded into memory.
    Loading,
    /// `MASTERDOWN`: a replica whose link to its primary is down.
    MasterDown,
    /// `READONLY`: a read-only replica.
    ReadOnly,
    /// `OOM`: `maxmemory` is reached.
    OutOfMemory,
    /// `MISCONF`: the server cannot persist to disk.
    Misconf,
    /// `NOSCRIPT`: the script is not in the server's script cache.
    NoScript,
    /// Any other code (`ERR` but for an unknown command, `CROSSSLOT`, `NOREPLICAS` …).
    Other,
}

impl ErrorCode {
    /// The kind of an error line as the server sent it: `CODE message`.
    pub fn of(line: &str) -> ErrorCode {
        let line = line.trim_start();
        let (code, message) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match code {
            "NOPERM" => ErrorCode::NoPermission,
            "ERR" if unknown_command(message) => ErrorCode::UnknownCommand,
            "NOAUTH" => ErrorCode::AuthRequired,
            "WRONGPASS" => ErrorCode::WrongPassword,
            "MOVED" | "ASK" => ErrorCode::Redirected,
            "TRYAGAIN" | "CLUSTERDOWN" => ErrorCode::ClusterDown,
            "BUSY" => ErrorCode::Busy,
            "LOADING" => ErrorCode::Loading,
            "MASTERDOWN" => ErrorCode::MasterDown,
            "READONLY" => ErrorCode::ReadOnly,
            "OOM" => ErrorCode::OutOfMemory,
            "MISCONF" => ErrorCode::Misconf,
            "NOSCRIPT" => ErrorCode::NoScript,
            _ => ErrorCode::Other,
        }
    }

    /// What the error says of the server, for the errors that are not about the command or the
    /// user's rights: a refusal that reads "grant the user INFO" must not hide a server that is
    /// busy, loading, a cluster node or a replica. `None` for `NOPERM`, an unknown command,
    /// `NOAUTH`, `WRONGPASS` and codes with no cause to add.
    pub fn cause(self) -> Option<&'static str> {
        Some(match self {
            ErrorCode::Redirected => {
                "the key lives on another node: the server is a Redis Cluster node or shards keys behind one address"
            }
            ErrorCode::ClusterDown => {
                "the server is a Redis Cluster node whose cluster is not serving"
            }
            ErrorCode::Busy => {
                "a script or function has run past busy-reply-threshold and the server answers nothing else until it ends"
            }
            ErrorCode::Loading => "the server is loading its dataset into memory",
            ErrorCode::MasterDown => {
                "the server is a replica whose link to its primary is down (replica-serve-stale-data no)"
            }
            ErrorCode::ReadOnly => "the server is a read-only replica",
            ErrorCode::OutOfMemory => {
                "the server has reached maxmemory and refuses commands that may grow memory"
            }
            ErrorCode::Misconf => "the server cannot persist to disk and refuses writes",
            ErrorCode::NoScript => "the script is not in the server's script cache",
            ErrorCode::NoPermission
            | ErrorCode::UnknownCommand
            | ErrorCode::AuthRequired
            | ErrorCode::WrongPassword
            | ErrorCode::Other => return None,
        })
    }
}

/// `ERR unknown command 'x'`, `ERR unknown subcommand 'x'` (Redis 6: `ERR Unknown subcommand
/// or wrong number of arguments`).
fn unknown_command(message: &str) -> bool {
    let message = message.trim_start().to_ascii_lowercase();
    message.starts_with("unknown command") || message.starts_with("unknown subcommand")
}

/// What an error reply means where a check acts on more than its code: read from the server's
/// text here, once, so that no check matches a server's words (and saved facts, which keep
/// the text, replay to the same meaning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorMeaning {
    /// AUTH to a user with no password (`ERR AUTH <password> called without any password
    /// configured for the default user`).
    NoPasswordSet,
    /// Keys in different hash slots (`CROSSSLOT`, as its code or inside a proxy's `ERR`).
    CrossSlot,
    /// An ACL refusal for the keys touched rather than the command (`NOPERM ... keys`).
    KeyPermission,
    /// Anything else: the code says what there is to say ([`ErrorCode`]).
    Other,
}

impl Reply {
    /// What an error reply is by its code ([`ErrorCode`]), read from the line the server sent;
    /// `None` for any other reply.
    pub fn error_code(&self) -> Option<ErrorCode> {
        let Reply::Error { code, message } = self else {
            return None;
        };
        Some(ErrorCode::of(&format!("{code} {message}")))
    }

    /// What an error reply means ([`ErrorMeaning`]); `None` for any other reply.
    pub fn error_meaning(&self) -> Option<ErrorMeaning> {
        let Reply::Error { code, message } = self else {
            return None;
        };
        Some(if message.contains("without any password configured") {
            ErrorMeaning::NoPasswordSet
        } else if code == "CROSSSLOT" || message.contains("CROSSSLOT") {
            ErrorMeaning::CrossSlot
        } else if code == "NOPERM" && message.to_ascii_lowercase().contains("key") {
            ErrorMeaning::KeyPermission
        } else {
            ErrorMeaning::Other
        })
    }

    /// The reply for a message: the server's error as it sent it, or what happened instead.
    pub fn describe(&self) -> String {
        match self {
            Reply::Ok => "OK".into(),
            Reply::Error { code, message } => format!("{code} {message}"),
            Reply::Timeout { after_ms } => format!(
                "no answer within readTimeout {}",
                crate::duration::go_duration(*after_ms)
            ),
            Reply::Broken { error } => error.clone(),
            Reply::TooLarge { error } => format!("reply too large ({error})"),
        }
    }

    /// An error reply by its code and first sentence (`MISCONF (Redis is configured to save
    /// RDB snapshots, but it's currently unable to persist to disk)`), for a message that
    /// goes on after it; any other reply as [`Reply::describe`] gives it.
    pub fn brief(&self) -> String {
        match self {
            Reply::Error { code, message } => {
                let first = message.split(". ").next().unwrap_or_default();
                format!("{code} ({})", first.trim_end_matches('.'))
            }
            other => other.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{FailureKind, Observed};

    fn error(code: &str, message: &str) -> Reply {
        Reply::Error {
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn error_replies_are_read_by_what_they_mean() {
        let meaning = |code, message| error(code, message).error_meaning();
        assert_eq!(
            meaning(
                "ERR",
                "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
            ),
            Some(ErrorMeaning::NoPasswordSet)
        );
        assert_eq!(
            meaning("CROSSSLOT", "Keys in request don't hash to the same slot"),
            Some(ErrorMeaning::CrossSlot)
        );
        // twemproxy and envoy put it inside an ERR.
        assert_eq!(
            meaning(
                "ERR",
                "CROSSSLOT Keys in request don't hash to the same slot"
            ),
            Some(ErrorMeaning::CrossSlot)
        );
        assert_eq!(
            meaning("NOPERM", "No permissions to access a key"),
            Some(ErrorMeaning::KeyPermission)
        );
        assert_eq!(
            meaning(
                "NOPERM",
                "User gloo has no permissions to run the 'sunion' command"
            ),
            Some(ErrorMeaning::Other)
        );
        assert_eq!(Reply::Ok.error_meaning(), None);
    }

    #[test]
    fn error_replies_are_read_by_their_code() {
        let cases = [
            (
                "NOPERM User gloo has no permissions to run the 'info' command",
                ErrorCode::NoPermission,
            ),
            (
                "NOPERM No permissions to access a key",
                ErrorCode::NoPermission,
            ),
            (
                "ERR unknown command 'CONFIG', with args beginning with: 'GET' 'save' ",
                ErrorCode::UnknownCommand,
            ),
            (
                "ERR unknown subcommand 'LATENCYSTATS'. Try INFO HELP.",
                ErrorCode::UnknownCommand,
            ),
            // Redis 6.
            (
                "ERR Unknown subcommand or wrong number of arguments for 'GET'. Try CONFIG HELP.",
                ErrorCode::UnknownCommand,
            ),
            ("ERR invalid expire time in 'set' command", ErrorCode::Other),
            ("NOAUTH Authentication required.", ErrorCode::AuthRequired),
            (
                "WRONGPASS invalid username-password pair or user is disabled.",
                ErrorCode::WrongPassword,
            ),
            ("MOVED 866 10.0.0.7:6379", ErrorCode::Redirected),
            ("ASK 866 10.0.0.7:6379", ErrorCode::Redirected),
            (
                "TRYAGAIN Multiple keys request during rehashing of slot",
                ErrorCode::ClusterDown,
            ),
            ("CLUSTERDOWN The cluster is down", ErrorCode::ClusterDown),
            ("BUSY Redis is busy running a script.", ErrorCode::Busy),
            (
                "LOADING Redis is loading the dataset in memory",
                ErrorCode::Loading,
            ),
            (
                "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
                ErrorCode::MasterDown,
            ),
            (
                "READONLY You can't write against a read only replica.",
                ErrorCode::ReadOnly,
            ),
            (
                "OOM command not allowed when used memory > 'maxmemory'.",
                ErrorCode::OutOfMemory,
            ),
            (
                "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
                ErrorCode::Misconf,
            ),
            ("NOSCRIPT No matching script.", ErrorCode::NoScript),
            (
                "CROSSSLOT Keys in request don't hash to the same slot",
                ErrorCode::Other,
            ),
            (
                "NOREPLICAS Not enough good replicas to write.",
                ErrorCode::Other,
            ),
            // The code is the first word, wherever the line's whitespace falls.
            ("  LOADING\tRedis is loading", ErrorCode::Loading),
            ("LOADING", ErrorCode::Loading),
            ("loading is not a code", ErrorCode::Other),
            ("", ErrorCode::Other),
        ];
        for (line, kind) in cases {
            assert_eq!(ErrorCode::of(line), kind, "{line}");
        }
    }

    #[test]
    fn a_reply_and_a_refused_observation_of_it_are_the_same_kind() {
        let reply = error("BUSY", "Redis is busy running a script.");
        assert_eq!(reply.error_code(), Some(ErrorCode::Busy));
        let refused: Observed<u8> = Observed::Refused {
            error: reply.describe(),
        };
        assert_eq!(refused.refusal(), Some(ErrorCode::Busy));
        assert_eq!(Reply::Ok.error_code(), None);
        assert_eq!(Observed::Ok { value: 1 }.refusal(), None);
        let failed: Observed<u8> = Observed::failed(FailureKind::Timeout, "BUSY");
        assert_eq!(failed.refusal(), None);
    }

    #[test]
    fn only_the_servers_state_has_a_cause() {
        assert_eq!(
            ErrorCode::Loading.cause(),
            Some("the server is loading its dataset into memory")
        );
        for kind in [
            ErrorCode::NoPermission,
            ErrorCode::UnknownCommand,
            ErrorCode::AuthRequired,
            ErrorCode::WrongPassword,
            ErrorCode::Other,
        ] {
            assert_eq!(kind.cause(), None, "{kind:?}");
        }
    }
}
