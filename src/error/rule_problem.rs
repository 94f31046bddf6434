//! What is wrong with a rules file's rule ([`RuleProblem`]) or its `when` ([`WhenProblem`]):
//! the causes of `InputError::Rule`.

/// What is wrong with one rule.
#[derive(Debug, thiserror::Error)]
pub enum RuleProblem {
    /// An ID that is not `<prefix>.<name>`.
    #[error(
        "an ID is <prefix>.<name> in lower-case letters, digits, '-', '_' and '.' (e.g. org.maxmemory-set)"
    )]
    MalformedId,
    /// An ID under a built-in category.
    #[error("the prefix `{prefix}.` belongs to the built-in checks ({}); use one of your own, e.g. org.", built_in.join(", "))]
    BuiltInPrefix {
        prefix: String,
        built_in: &'static [&'static str],
    },
    /// The ID of a built-in check.
    #[error("the ID of a built-in check")]
    BuiltInId,
    /// An ID a rule before it has.
    #[error("duplicate ID (first at {first})")]
    DuplicateId { first: String },
    /// An empty `title` or `fix`.
    #[error("`title` and `fix` must not be empty")]
    EmptyText,
    /// A `title` or `fix` longer than its bound.
    #[error("`{field}` is longer than {max} bytes; keep it short and link to the details")]
    TextTooLong { field: &'static str, max: usize },
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
    #[error("unknown variable `{name}` (did you mean `{nearest}`? the environment has {})", variables.join(", "))]
    UnknownVariable {
        name: String,
        nearest: &'static str,
        variables: &'static [&'static str],
    },
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
    /// An estimated cost over the budget (see `rules/cost.rs`).
    #[error(
        "estimated cost is over the budget of {max} (a comprehension costs its body times the size of its range; the environment's strings and lists count as {env} long); iterate over less, or split the rule"
    )]
    TooCostly { max: u64, env: u64 },
    /// Comprehensions nested too deep.
    #[error("comprehensions nested more than {max} deep")]
    LoopsTooDeep { max: usize },
}
