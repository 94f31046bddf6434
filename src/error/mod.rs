//! Why a command stops before its verdicts, and the exit code that says so.
//!
//! [`InputError`] (exit 2): something the user gave cannot be used — a file, a flag, a rule.
//! One variant per failure, with the culprit in fields (path, line, key, what was found, what
//! was expected); causes from other libraries are chained with `#[source]`.
//! [`InternalError`] (exit 1): not the user's doing — the runtime cannot start, a report
//! cannot be serialised, a bug (a panic, caught by [`guard`]).
//!
//! Either prints as one line on stderr, `error: ` then [`one_line`]: the message and its
//! causes joined with `: `. Never a stack trace.

mod input;
mod internal;
mod panic;
mod rule_problem;
pub mod yaml;

pub use crate::one_line::error as one_line;
pub use input::{InputError, SecretAt};
pub use internal::{Error, InternalError};
pub use panic::{guard, quietly};
pub use rule_problem::{RuleProblem, WhenProblem};
