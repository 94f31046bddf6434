//! Input errors: the user's files or flags are unusable. Each prints as one line naming the
//! file, the key, what was found and what was expected, and exits 2.

use std::path::PathBuf;

/// Something the user gave cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A file cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A report file cannot be written.
    #[error("{}: cannot write the report: {source}", path.display())]
    Unwritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// YAML that does not parse, or does not have the expected shape.
    #[error("{file}: {message}")]
    Malformed { file: String, message: String },
    /// A `--set` that is not `path=value`.
    #[error("--set {arg}: {message}")]
    BadSet { arg: String, message: String },
    /// A secret manifest with a bad value.
    #[error("{file}: document {doc}{secret}: {message}")]
    BadSecret {
        file: String,
        doc: usize,
        secret: String,
        message: String,
    },
    /// A flag with a bad value.
    #[error("{flag}: {message}")]
    BadFlag { flag: String, message: String },
}

impl InputError {
    pub(crate) fn malformed(file: &str, message: impl std::fmt::Display) -> InputError {
        // Parser messages may span lines (snippets); the contract is one line.
        let message = message.to_string();
        let first = message
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        InputError::Malformed {
            file: file.to_string(),
            message: first.to_string(),
        }
    }
}
