//! A server's reply to one command, and what an error reply means.

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
    /// Anything else: the code says what there is to say.
    Other,
}

impl Reply {
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
}
