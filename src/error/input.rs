//! [`InputError`]: what the user gave cannot be used (exit 2), one variant per failure with
//! the culprit in fields.

use std::path::PathBuf;

use super::rule_problem::RuleProblem;
use super::yaml;

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
    /// A `--set` path whose list index Helm would not take (`a[x]`, `a[99999999]`).
    #[error("--set {shown}: \"{path}\": {why}")]
    SetBadIndex {
        shown: String,
        path: String,
        why: String,
    },
    /// A document of a secrets file that is neither a Secret nor a List.
    #[error("{file}: document {doc}: kind is {}, expected Secret or List", found.as_deref().map_or("missing".to_string(), |k| format!("\"{k}\"")))]
    SecretKind {
        file: String,
        doc: usize,
        found: Option<String>,
    },
    /// A List whose `items` is not a list.
    #[error("{file}: document {doc}: items is {found}, expected a list of Secrets")]
    SecretItemsNotList {
        file: String,
        doc: usize,
        found: &'static str,
    },
    /// A List item that is not a Secret.
    #[error(
        "{file}: document {doc}: items[{item}] has kind {found}, expected Secret (list only Secrets: kubectl get secret NAME … -o yaml)"
    )]
    SecretItemKind {
        file: String,
        doc: usize,
        item: usize,
        found: String,
    },
    /// A rendered object (`--manifests`) whose field has the wrong shape.
    #[error("{file}: document {doc} ({object}): {key} is {found}, expected {expected}")]
    ManifestField {
        file: String,
        doc: usize,
        /// `Deployment gloo-mesh/gloo-mesh-mgmt-server`.
        object: String,
        key: String,
        found: &'static str,
        expected: &'static str,
    },
    /// Standard input named twice (`-f -` and `--manifests -`): it can be read once.
    #[error("{flags}: standard input (-) can be read once; save one of them to a file")]
    StdinTwice { flags: String },
    /// `--from-cluster` with no cluster to ask: there are no objects to judge.
    #[error("--from-cluster: {reason}")]
    FromCluster { reason: String },
    /// The same Secret given twice with different data: which one the cluster holds is unknown.
    #[error("{at}: also given in {first} with different data; give each secret once")]
    SecretGivenTwice { at: Box<SecretAt>, first: String },
    /// A Secret whose `metadata.name` or `metadata.namespace` is not a string.
    #[error("{at}: metadata.{field} is {found}, expected a string")]
    SecretMetadataNotString {
        at: Box<SecretAt>,
        field: &'static str,
        found: &'static str,
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
    /// A `--facts` file of another format, or naming a profile or layout this build lacks.
    #[error("{}: {key}: \"{found}\" {expected}", path.display())]
    FactsField {
        path: PathBuf,
        key: &'static str,
        found: String,
        expected: String,
    },
    /// A waiver that cannot be applied as written.
    #[error("{place}: {key}: \"{found}\" is not {expected}")]
    Waiver {
        /// `file:line` of the waiver.
        place: String,
        key: &'static str,
        found: String,
        expected: String,
    },
    /// `--wait` with `--facts`: saved facts do not change.
    #[error("--wait: saved facts (--facts) do not change by waiting; --wait needs a live probe")]
    WaitOnFacts,
    /// A time in a `--facts` file that no clock gives.
    #[error("{}: {key}: {found} is not a time in milliseconds (0 to 9223372036854)", path.display())]
    FactsTime {
        path: PathBuf,
        key: String,
        found: String,
    },
    /// A `--timeout` past what a Go duration holds.
    #[error("--timeout: {why}")]
    TimeoutOutOfRange { why: String },
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
    /// `--context` with no kubeconfig at all to hold it.
    #[error(
        "--context: no context \"{name}\": no kubeconfig was found ($KUBECONFIG, ~/.kube/config or --kubeconfig)"
    )]
    ContextWithoutKubeconfig { name: String },
    /// A `--timeout` that is not a positive Go duration.
    #[error("--timeout: \"{found}\" is not a positive Go duration (expected e.g. 60s)")]
    BadTimeout { found: String },
    /// A `--wait` that is not a positive Go duration.
    #[error("--wait: \"{found}\" is not a positive Go duration (expected e.g. 5m)")]
    BadWait { found: String },
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
    /// A `--skip` glob that names no check at all: a typo would skip nothing, silently.
    #[error(
        "--skip {glob}: matches no check ID, so nothing would be skipped; {}",
        if near.is_empty() {
            "see `redis-preflight list` for the check IDs".to_string()
        } else {
            format!("did you mean {}?", near.join(", "))
        }
    )]
    SkipMatchesNothing { glob: String, near: Vec<String> },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{WhenProblem, one_line};

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
}
