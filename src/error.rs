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

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Once;

use reports::exit_codes;

use crate::inputs::yaml;

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

/// Something the user gave cannot be used (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A file cannot be opened or read.
    #[error("{}: cannot read", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A path that names a directory, a device, a FIFO or a socket.
    #[error("{}: cannot read: not a regular file (a {found}); give the path of a file", path.display())]
    NotAFile { path: PathBuf, found: &'static str },
    /// A file over the input limit.
    #[error("{}: cannot read: larger than {} MiB, the limit for an input file", path.display(), limit >> 20)]
    TooLarge { path: PathBuf, limit: u64 },
    /// A file that is not UTF-8 text.
    #[error("{}: cannot read: not UTF-8 text (invalid byte at offset {offset})", path.display())]
    NotUtf8 { path: PathBuf, offset: usize },
    /// A report or facts file cannot be written.
    #[error("{}: cannot write {what}", path.display())]
    Unwritable {
        path: PathBuf,
        /// `the report`, `the facts`.
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// YAML that does not parse, or not into the shape expected.
    #[error("{file}: {problem}")]
    Yaml {
        file: String,
        problem: yaml::Problem,
    },
    /// A values file whose top level is not a mapping.
    #[error("{file}: expected a mapping of values at the top level, found {found}")]
    ValuesNotAMapping { file: String, found: &'static str },
    /// A `--set` part without `=`. `shown` is the argument with its values replaced by `…`.
    #[error(
        "--set {shown}: part {part} is not PATH=VALUE{} (the part is not shown: it may be a value; a comma inside a value is written \\,)",
        after.as_deref().map(|key| format!(" after {key}")).unwrap_or_default()
    )]
    SetNotAssignment {
        shown: String,
        part: usize,
        /// The key of the part before, when it had one.
        after: Option<String>,
    },
    /// A `--set` path with an empty key (`a..b=1`).
    #[error("--set {shown}: \"{path}\" has an empty key")]
    SetEmptyKey { shown: String, path: String },
    /// A document of a secrets file that is neither a Secret nor a List.
    #[error("{file}: document {doc}: kind is {}, expected Secret or List", found.as_deref().map_or("missing".to_string(), |k| format!("\"{k}\"")))]
    SecretKind {
        file: String,
        doc: usize,
        found: Option<String>,
    },
    /// A Secret without `metadata.name`.
    #[error("{at}: metadata.name is missing")]
    SecretWithoutName { at: Box<SecretAt> },
    /// A Secret whose `data` or `stringData` is not a mapping.
    #[error("{at}: {field} is {found}, expected a mapping")]
    SecretFieldNotMapping {
        at: Box<SecretAt>,
        field: &'static str,
        found: &'static str,
    },
    /// A Secret value that is not a string.
    #[error("{at}: {field}.{key} is {found}, expected a string")]
    SecretValueNotString {
        at: Box<SecretAt>,
        field: &'static str,
        key: String,
        found: &'static str,
    },
    /// A `data` value that is not base64.
    #[error("{at}: {field}.{key} is not valid base64")]
    SecretNotBase64 {
        at: Box<SecretAt>,
        field: &'static str,
        key: String,
    },
    /// A `--facts` file that is not what `--save-facts` writes.
    #[error("{}: not a facts file", path.display())]
    NotFacts {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A kubeconfig that cannot be read or merged.
    #[error("{}: not a usable kubeconfig", path.display())]
    Kubeconfig {
        path: PathBuf,
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// `--context` (or the current context) that the kubeconfig does not have.
    #[error(
        "--context: no context \"{name}\" in {} ({})",
        path.display(),
        if known.is_empty() { "it has no contexts".to_string() } else { format!("contexts: {}", known.join(", ")) }
    )]
    UnknownContext {
        name: String,
        path: PathBuf,
        known: Vec<String>,
    },
    /// A `--timeout` that is not a positive Go duration.
    #[error("--timeout: \"{found}\" is not a positive Go duration (expected e.g. 60s)")]
    BadTimeout { found: String },
    /// An `--only` or `--skip` that is not a glob.
    #[error("{flag}: \"{glob}\" is not a glob")]
    BadGlob {
        flag: &'static str,
        glob: String,
        #[source]
        source: glob::PatternError,
    },
    /// An `--output-dir` that names a file.
    #[error("--output-dir: {} is a file, expected a directory (it is created when missing)", path.display())]
    OutputDirIsFile { path: PathBuf },
    /// Several formats asked for stdout.
    #[error("--format: only one format can go to stdout; pass --output-dir to write several")]
    SeveralFormatsToStdout,
    /// `--only`/`--skip` that leave nothing to judge: a gate must never pass on nothing.
    #[error(
        "{}: no check of profile {profile} is selected, and a gate must not pass on nothing; {}",
        globs.join(" "),
        if near.is_empty() {
            "see `redis-preflight list` for the check IDs".to_string()
        } else {
            format!("did you mean {}?", near.join(", "))
        }
    )]
    NothingSelected {
        /// `--only x`, `--skip y`, as given.
        globs: Vec<String>,
        profile: String,
        /// The nearest check IDs, with what would select them.
        near: Vec<String>,
    },
    /// `explain` of an ID that is neither a check nor a loaded rule.
    #[error("no check `{id}` (did you mean `{nearest}`? `redis-preflight list` shows them all)")]
    UnknownCheck { id: String, nearest: String },
    /// `rbac --vantage` of a component the values give no target.
    #[error("--vantage: the values configure no {use_case} target")]
    NoVantageTarget { use_case: &'static str },
    /// A rule that cannot be loaded.
    #[error("{place}: rule {id}: {problem}")]
    Rule {
        /// `file:line` of the rule (of its `when` for an expression's problem).
        place: String,
        id: String,
        problem: Box<RuleProblem>,
    },
    /// The CEL parser panicked on an expression of this file.
    #[error("{file}: the CEL parser failed on an expression of this file ({panic})")]
    RuleParserFailed { file: String, panic: String },
    /// More CONFIG parameters named than one round trip reads.
    #[error("--rules: the rules name {count} CONFIG parameters; at most {max} are read")]
    TooManyRuleConfig { count: usize, max: usize },
}

impl InputError {
    /// A YAML file that does not parse (or not into the shape expected), at the parser's line.
    pub(crate) fn yaml(file: &str, error: &serde_saphyr::Error) -> InputError {
        InputError::Yaml {
            file: file.to_string(),
            problem: yaml::describe(error),
        }
    }
}

/// Where in a secrets file: `s.yaml: document 2 (Secret ns/name)`.
#[derive(Debug, Clone)]
pub struct SecretAt {
    pub file: String,
    /// 1-based.
    pub doc: usize,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl std::fmt::Display for SecretAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let namespace = self
            .namespace
            .as_deref()
            .map(|n| format!("{n}/"))
            .unwrap_or_default();
        write!(
            f,
            "{}: document {} (Secret {namespace}{})",
            self.file,
            self.doc,
            self.name.as_deref().unwrap_or("?")
        )
    }
}

/// What is wrong with one rule.
#[derive(Debug, thiserror::Error)]
pub enum RuleProblem {
    /// An ID that is not `<prefix>.<name>`.
    #[error(
        "an ID is <prefix>.<name> in lower-case letters, digits, '-', '_' and '.' (e.g. org.maxmemory-set)"
    )]
    MalformedId,
    /// An ID under a built-in category.
    #[error("the prefix `{prefix}.` belongs to the built-in checks ({}); use one of your own, e.g. org.", crate::rules::file::BUILT_IN_PREFIXES.join(", "))]
    BuiltInPrefix { prefix: String },
    /// The ID of a built-in check.
    #[error("the ID of a built-in check")]
    BuiltInId,
    /// An ID a rule before it has.
    #[error("duplicate ID (first at {first})")]
    DuplicateId { first: String },
    /// An empty `title` or `fix`.
    #[error("`title` and `fix` must not be empty")]
    EmptyText,
    /// A `targets` entry that is not a glob.
    #[error("target \"{glob}\" is not a glob: {error}")]
    TargetNotAGlob {
        glob: String,
        error: glob::PatternError,
    },
    /// The `when` expression, at a position when one is known.
    #[error("`when`{}: {problem}", at.map(|(line, column)| format!(" line {line}, column {column}")).unwrap_or_default())]
    When {
        /// 1-based line and column in the expression.
        at: Option<(usize, usize)>,
        problem: WhenProblem,
    },
}

/// What is wrong with a rule's `when`.
#[derive(Debug, thiserror::Error)]
pub enum WhenProblem {
    #[error("empty expression")]
    Empty,
    #[error("longer than {max} characters; split it into several rules")]
    TooLong { max: usize },
    #[error("nested more than {max} deep")]
    TooDeep { max: usize },
    /// CEL's own parse or check error.
    #[error("does not parse{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    DoesNotParse { message: Option<String> },
    /// `config` read other than by a literal parameter name.
    #[error(
        "config is read by parameter name: write config[\"maxmemory\"], so the probe knows what to read"
    )]
    ConfigByExpression,
    /// A variable the environment does not have.
    #[error("unknown variable `{name}` (did you mean `{nearest}`? the environment has {})", crate::rules::file::VARIABLES.join(", "))]
    UnknownVariable { name: String, nearest: &'static str },
    /// A field a record of the environment does not have.
    #[error("{record} has no field `{field}` (did you mean `{nearest}`? it has {})", fields.join(", "))]
    UnknownField {
        record: String,
        field: String,
        nearest: &'static str,
        fields: &'static [&'static str],
    },
    /// A path compared with a literal of another type: always false, or an error.
    #[error(
        "{name} has type {path_type}, compared with a literal of type {literal_type}{}",
        if *path_type == "string" && matches!(*literal_type, "int" | "uint" | "double") {
            " (CONFIG and INFO values are strings: compare with \"0\", or convert with int(...))"
        } else {
            ""
        }
    )]
    TypeMismatch {
        /// The path as written (`config["maxmemory"]`).
        name: String,
        path_type: &'static str,
        literal_type: &'static str,
    },
    #[error("config[\"{name}\"]: a parameter name, not a pattern")]
    ConfigPattern { name: String },
    #[error("config[\"{name}\"] holds a credential; rules may not read it")]
    ConfigCredential { name: String },
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

/// `error` and its causes on one line: `what: cause: cause`. A cause whose text the message
/// already quotes (libraries that print their source inside their own message) is not
/// repeated; of a multi-line message, only the first line is kept (parsers add snippets).
pub fn one_line(error: &dyn std::error::Error) -> String {
    let mut line = first_line(&error.to_string());
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = first_line(&e.to_string());
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = e.source();
    }
    line
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

thread_local! {
    /// Whether this thread runs under [`guard`]: its panics are recorded, not printed.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// The first panic recorded on this thread under [`guard`].
    static PANICKED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs a command so that a panic becomes an [`InternalError`] (exit 1, one line) instead of
/// a trace. A panic that something caught and survived on this thread (a probe task the
/// runtime caught) counts too: the run's output is then incomplete, and exit 1 says so.
/// Threads not under a guard keep the default hook, unless they run [`quietly`].
pub fn guard<T>(command: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    install_hook();
    GUARDED.set(true);
    let result = catch_unwind(AssertUnwindSafe(command));
    GUARDED.set(false);
    let panicked = PANICKED.take();
    let panic = |message: Option<String>| {
        Error::Internal(InternalError::Panic {
            message: message.unwrap_or_else(|| "a panic".into()),
        })
    };
    match (result, panicked) {
        (Ok(Err(e)), _) => Err(e),
        (Ok(Ok(value)), None) => Ok(value),
        (Ok(Ok(_)), Some(message)) => Err(panic(Some(message))),
        (Err(_), message) => Err(panic(message)),
    }
}

/// Records a panic on a thread under [`guard`] or [`quietly`]; elsewhere, the hook before.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.get() {
                return previous(info);
            }
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .map_or_else(|| "a panic".to_string(), first_line);
            PANICKED.with_borrow_mut(|p| {
                p.get_or_insert(format!("{message}{location}"));
            });
        }));
    });
}

/// Runs `work` with its panic recorded instead of printed, for a thread whose owner turns a
/// panic into an error of its own (the rules parser's): the panic's one-line message.
pub fn quietly<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was = GUARDED.replace(true);
    let result = catch_unwind(AssertUnwindSafe(work));
    GUARDED.set(was);
    let panicked = PANICKED.take();
    result.map_err(|_| panicked.unwrap_or_else(|| "a panic".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn fields_name_the_culprit() {
        let at = SecretAt {
            file: "secrets.yaml".into(),
            doc: 2,
            namespace: Some("gloo-mesh".into()),
            name: Some("redis-certs".into()),
        };
        let e = InputError::SecretNotBase64 {
            at: Box::new(at),
            field: "data",
            key: "ca.crt".into(),
        };
        assert_eq!(
            one_line(&e),
            "secrets.yaml: document 2 (Secret gloo-mesh/redis-certs): data.ca.crt is not valid base64"
        );
        let e = InputError::Rule {
            place: "rules.yaml:7".into(),
            id: "org.x".into(),
            problem: Box::new(RuleProblem::When {
                at: Some((1, 4)),
                problem: WhenProblem::TooDeep { max: 32 },
            }),
        };
        assert_eq!(
            one_line(&e),
            "rules.yaml:7: rule org.x: `when` line 1, column 4: nested more than 32 deep"
        );
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

    #[test]
    fn a_panic_under_the_guard_is_one_line_and_exit_1() {
        let result: Result<(), Error> = guard(|| panic!("boom\nsecond line"));
        let e = result.unwrap_err();
        assert_eq!(e.exit_code(), exit_codes::INTERNAL);
        let line = one_line(&e);
        assert!(
            line.starts_with("internal error (a bug; please report it): boom at src/error.rs:"),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
        // A panic caught on the way (as the runtime catches a task's) still ends in exit 1.
        let survived: Result<i32, Error> = guard(|| {
            let _ = catch_unwind(|| panic!("in a task"));
            Ok(0)
        });
        assert!(one_line(&survived.unwrap_err()).contains("in a task"));
        // Input errors pass through unchanged; nothing leaks into the next guarded call.
        let input: Result<(), Error> = guard(|| Err(InputError::SeveralFormatsToStdout.into()));
        assert_eq!(input.unwrap_err().exit_code(), exit_codes::INPUT);
        assert_eq!(guard(|| Ok(3)).unwrap(), 3);
    }

    #[test]
    fn a_thread_run_quietly_hands_its_panic_to_its_owner() {
        let panic = std::thread::spawn(|| quietly(|| -> i32 { panic!("parser\nsnippet") }))
            .join()
            .unwrap()
            .unwrap_err();
        assert!(panic.starts_with("parser at src/error.rs:"), "{panic}");
        assert_eq!(quietly(|| 7), Ok(7));
    }
}
