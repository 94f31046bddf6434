//! [`Error`] (input or internal) and its exit code, and [`InternalError`].

use reports::exit_codes;

use super::InputError;

/// Why a command could not reach its verdicts.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user's input (exit 2).
    #[error(transparent)]
    Input(#[from] InputError),
    /// Not the user's input (exit 1).
    #[error(transparent)]
    Internal(#[from] InternalError),
}

impl Error {
    /// The exit code this error ends the process with.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => exit_codes::INPUT,
            Error::Internal(_) => exit_codes::INTERNAL,
        }
    }
}

/// Not the user's doing (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum InternalError {
    /// The async runtime cannot start (threads, file descriptors, memory).
    #[error("internal error: cannot start the async runtime")]
    Runtime {
        #[source]
        source: std::io::Error,
    },
    /// Something built in memory cannot be serialised.
    #[error("internal error: cannot serialise {what}")]
    Serialise {
        /// `the facts`, `the RBAC manifests`.
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A panic: a bug.
    #[error("internal error (a bug; please report it): {message}")]
    Panic {
        /// Where and why, on one line.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::one_line;

    #[test]
    fn causes_join_the_message_on_one_line() {
        let e = Error::from(InputError::Unreadable {
            path: "values.yaml".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "No such file"),
        });
        assert_eq!(one_line(&e), "values.yaml: cannot read: No such file");
        assert_eq!(e.exit_code(), exit_codes::INPUT);
    }

    #[test]
    fn a_cause_the_message_quotes_is_not_repeated_and_snippets_are_dropped() {
        // kube prints its source inside its own message.
        let e = InputError::Kubeconfig {
            path: "kubeconfig".into(),
            source: kube::config::KubeconfigError::ReadConfig(
                std::io::Error::other("permission denied"),
                "kubeconfig".into(),
            ),
        };
        assert_eq!(
            one_line(&e),
            "kubeconfig: not a usable kubeconfig: failed to read kubeconfig from '\"kubeconfig\"': permission denied"
        );
        // A parser's message with a snippet under it.
        let parse = serde_saphyr::from_str::<serde_json::Value>("a: [\n").unwrap_err();
        let e = InputError::Kubeconfig {
            path: "kubeconfig".into(),
            source: kube::config::KubeconfigError::Parse(Box::new(parse)),
        };
        let line = one_line(&e);
        assert!(
            line.starts_with(
                "kubeconfig: not a usable kubeconfig: failed to parse kubeconfig YAML: "
            ),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
    }

    #[test]
    fn internal_errors_exit_1_and_user_errors_exit_2() {
        let runtime = Error::from(InternalError::Runtime {
            source: std::io::Error::other("too many open files"),
        });
        assert_eq!(runtime.exit_code(), exit_codes::INTERNAL);
        assert_eq!(
            one_line(&runtime),
            "internal error: cannot start the async runtime: too many open files"
        );
        let input = Error::from(InputError::SeveralFormatsToStdout);
        assert_eq!(input.exit_code(), exit_codes::INPUT);
    }
}
