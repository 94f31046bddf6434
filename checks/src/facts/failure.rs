//! Why an observation failed or was refused, as kinds.

use serde::{Deserialize, Serialize};

/// What kind of failure an observation met. Checks match on this, never on message text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Anything not named below.
    #[default]
    Other,
    /// The peer refused the connection (nothing listens).
    Refused,
    /// No answer within the deadline (a filtered port, a silent peer or resolver).
    Timeout,
    /// The peer reset or closed the connection.
    Reset,
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The name exists but has no address record.
    NoRecords,
    /// Access denied (Kubernetes RBAC: 403).
    Forbidden,
    /// The thing asked for does not exist.
    NotFound,
    /// The other side could not be reached (API server down, no kubeconfig).
    Unreachable,
    /// A reply broke a bound (over 1 MiB, too many elements, too deep).
    TooLarge,
    /// The answer was not the protocol expected.
    Protocol,
    /// Nothing to try (an address that cannot be dialled, no resolver).
    Invalid,
}

/// Why a server refused a session before any command ran. Decided by the probe from the
/// server's own error code; checks match on the kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    /// What the refusal means.
    pub kind: RefusalKind,
    /// The server's error code (`ERR`, `DENIED`, `LOADING`).
    pub code: String,
    /// The server's text after the code.
    pub message: String,
}

/// The causes of a refused session the checks tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// `-ERR max number of clients reached`: every client slot (`maxclients`) is taken.
    MaxClients,
    /// `-DENIED`: protected mode, no password and a non-loopback client.
    ProtectedMode,
    /// `-LOADING`: the server is loading its dataset into memory.
    Loading,
    /// `-BUSY`: a Lua script or function has run past `busy-reply-threshold`
    /// (`lua-time-limit`); the server answers nothing else until it ends or is killed.
    Busy,
    /// `-MASTERDOWN`: a replica whose link to its primary is down, with
    /// `replica-serve-stale-data no`: it answers nothing but a few admin commands.
    MasterDown,
    /// Any other error followed by the server closing the connection.
    Other,
}

/// Why an observation was not attempted. Written as its sentence in the facts (a saved file
/// reads back to the same kind); the checks match the kind, never the sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Because {
    /// The run's `--timeout` cut the probe short.
    DeadlineReached,
    /// Anything else, as a sentence for the messages.
    Other(String),
}

impl Because {
    /// The sentence, as messages show it.
    pub fn as_str(&self) -> &str {
        match self {
            Because::DeadlineReached => super::DEADLINE_REACHED,
            Because::Other(why) => why,
        }
    }
}

impl std::fmt::Display for Because {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Because {
    fn from(why: &str) -> Because {
        Because::from(why.to_string())
    }
}

impl From<String> for Because {
    fn from(why: String) -> Because {
        if why == super::DEADLINE_REACHED {
            Because::DeadlineReached
        } else {
            Because::Other(why)
        }
    }
}

impl Serialize for Because {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Because {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Because, D::Error> {
        String::deserialize(deserializer).map(Because::from)
    }
}

#[cfg(test)]
mod because_tests {
    use crate::facts::Observed;

    #[test]
    fn a_reason_is_saved_as_its_sentence_and_read_back_as_its_kind() {
        let cut: Observed<u8> = Observed::not_attempted(super::super::DEADLINE_REACHED);
        let saved = serde_json::to_string(&cut).unwrap();
        assert_eq!(
            saved,
            r#"{"status":"not_attempted","because":"run deadline reached"}"#
        );
        let read: Observed<u8> = serde_json::from_str(&saved).unwrap();
        assert!(read.deadline_reached());
        let other: Observed<u8> = Observed::not_attempted("no TCP connection");
        assert!(!other.deadline_reached());
        assert_eq!(other.problem(), Some("no TCP connection"));
    }
}
