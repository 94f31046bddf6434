//! Rule files: YAML read and validated before any probe runs. Whatever is wrong is one line
//! naming the file, the rule and the position, and exit 2.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::{InputError, RuleProblem, WhenProblem};

/// The top-level variables of a rule's environment (see `env.rs`).
pub const VARIABLES: [&str; 5] = ["target", "server", "info", "config", "values"];

/// The categories of the built-in checks: a rule's ID may not start with one.
pub const BUILT_IN_PREFIXES: [&str; 7] =
    ["values", "net", "tls", "auth", "redis", "layout", "data"];

/// Names CEL resolves without a variable: the type names.
pub(super) const TYPE_NAMES: [&str; 11] = [
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "optional",
];

/// A `title` has at most this many bytes, a `fix` this many: they are printed in every report.
const MAX_TITLE: usize = 512;
const MAX_FIX: usize = 4096;

/// A `when` has at most this many characters…
const MAX_WHEN: usize = 4096;
/// …and nests brackets at most this deep.
const MAX_NESTING: usize = 32;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    severity: OnFalse,
    when: Spanned<String>,
    fix: String,
}

/// What a rule's `false` is (its `severity:`): the outcome it gives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFalse {
    /// `fail` (the default).
    #[default]
    Fail,
    /// `warn`.
    Warn,
}

impl OnFalse {
    pub fn name(self) -> &'static str {
        match self {
            OnFalse::Fail => "fail",
            OnFalse::Warn => "warn",
        }
    }
}

/// A rule as its file states it, its expression compiled.
pub struct Parsed {
    pub id: String,
    pub title: String,
    pub targets: Vec<String>,
    pub target_globs: Vec<glob::Pattern>,
    pub severity: OnFalse,
    pub when: String,
    pub fix: String,
    pub program: cel::Program,
    /// The CONFIG parameters the expression reads, lower case.
    pub config: Vec<String>,
    /// `file:line` of the rule's ID, for messages.
    pub place: String,
}

/// Parses one rule file's text; `env` compiles the expressions.
pub fn parse(file: &str, text: &str, env: &cel::Env) -> Result<Vec<Parsed>, InputError> {
    let doc: Document = serde_saphyr::from_str(text).map_err(|e| InputError::yaml(file, &e))?;
    doc.rules
        .into_iter()
        .map(|raw| rule(file, raw, env))
        .collect()
}

fn rule(file: &str, raw: RawRule, env: &cel::Env) -> Result<Parsed, InputError> {
    let id = raw.id.value.clone();
    let place = format!("{file}:{}", raw.id.referenced.line());
    let bad = |problem: RuleProblem| InputError::Rule {
        place: place.clone(),
        id: id.clone(),
        problem: Box::new(problem),
    };
    check_id(&id).map_err(bad)?;
    if raw.title.trim().is_empty() || raw.fix.trim().is_empty() {
        return Err(bad(RuleProblem::EmptyText));
    }
    for (field, text, max) in [("title", &raw.title, MAX_TITLE), ("fix", &raw.fix, MAX_FIX)] {
        if text.trim().len() > max {
            return Err(bad(RuleProblem::TextTooLong { field, max }));
        }
    }
    let target_globs = raw
        .targets
        .iter()
        .map(|g| {
            glob::Pattern::new(g).map_err(|error| {
                bad(RuleProblem::TargetNotAGlob {
                    glob: g.clone(),
                    error,
                })
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let when = raw.when.value.trim().to_string();
    let when_place = format!("{file}:{}", raw.when.referenced.line());
    let bad_when = |at: Option<(usize, usize)>, problem: WhenProblem| InputError::Rule {
        place: when_place.clone(),
        id: id.clone(),
        problem: Box::new(RuleProblem::When { at, problem }),
    };
    if when.is_empty() {
        return Err(bad_when(None, WhenProblem::Empty));
    }
    // The CEL parser recurses per nesting level: bound what it is handed.
    if when.chars().count() > MAX_WHEN {
        return Err(bad_when(None, WhenProblem::TooLong { max: MAX_WHEN }));
    }
    let mut depth = 0usize;
    for (i, c) in when.chars().enumerate() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(bad_when(
                Some(line_col(&when, i)),
                WhenProblem::TooDeep { max: MAX_NESTING },
            ));
        }
    }
    let program = env
        .compile(&when)
        .map_err(|errors| match errors.errors.first() {
            Some(e) => {
                let pos = (e.pos.0 >= 1).then(|| (e.pos.0 as usize, e.pos.1.max(1) as usize));
                bad_when(
                    pos,
                    WhenProblem::DoesNotParse {
                        message: Some(e.msg.clone()),
                    },
                )
            }
            None => bad_when(None, WhenProblem::DoesNotParse { message: None }),
        })?;
    let config = super::scan::scan(&program)
        .map_err(|(offset, problem)| bad_when(offset.map(|o| line_col(&when, o)), problem))?;
    // Bounded like Kubernetes' CEL: what could cost too much is refused before any probe runs.
    let estimate = super::cost::Estimate::of(program.expression(), program.source_info());
    if let Some((offset, problem)) = estimate.error {
        return Err(bad_when(offset.map(|o| line_col(&when, o)), problem));
    }
    let config: Vec<String> = config.into_iter().collect();
    for name in &config {
        if crate::scrub::config::is_pattern(name) {
            return Err(bad_when(
                None,
                WhenProblem::ConfigPattern { name: name.clone() },
            ));
        }
        if crate::scrub::config::is_credential(name) {
            return Err(bad_when(
                None,
                WhenProblem::ConfigCredential { name: name.clone() },
            ));
        }
    }
    Ok(Parsed {
        id,
        title: raw.title.trim().to_string(),
        targets: raw.targets,
        target_globs,
        severity: raw.severity,
        fix: raw.fix.trim().to_string(),
        program,
        config,
        when,
        place,
    })
}

/// `<prefix>.<name>`: lower-case ASCII letters, digits, `-`, `_` and `.`, outside the built-in
/// categories.
fn check_id(id: &str) -> Result<(), RuleProblem> {
    let well_formed = id.contains('.')
        && !id.starts_with('.')
        && !id.ends_with('.')
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        });
    if !well_formed {
        return Err(RuleProblem::MalformedId);
    }
    let prefix = id.split('.').next().unwrap_or_default();
    if BUILT_IN_PREFIXES.contains(&prefix) {
        return Err(RuleProblem::BuiltInPrefix {
            prefix: prefix.to_string(),
            built_in: &BUILT_IN_PREFIXES,
        });
    }
    Ok(())
}

/// 1-based line and column of a character offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    for c in text.chars().take(offset) {
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::scan::{AUTH_FIELDS, SERVER_FIELDS, TARGET_FIELDS};

    fn load(text: &str) -> Result<Vec<Parsed>, String> {
        let env = cel::Env::stdlib();
        parse("r.yaml", text, &env).map_err(|e| e.to_string())
    }

    fn rule(id: &str, when: &str) -> String {
        format!("rules:\n  - id: {id}\n    title: t\n    fix: f\n    when: '{when}'\n")
    }

    #[test]
    fn good_rules_name_the_config_they_read() {
        let parsed = load(&rule(
            "org.x",
            "config[\"maxmemory\"] != \"0\" && \"timeout\" in config && config.maxclients != \"\" && [1].all(target, target > 0)",
        ))
        .unwrap();
        assert_eq!(parsed[0].config, ["maxclients", "maxmemory", "timeout"]);
        assert_eq!(parsed[0].severity, OnFalse::Fail);
    }

    #[test]
    fn bad_rules_name_the_rule_and_the_position() {
        for (text, wanted) in [
            (rule("org.x", "target.tls &&"), "r.yaml:5: rule org.x: `when` line 1, column 14: does not parse"),
            (rule("tls.mine", "true"), "rule tls.mine: the prefix `tls.` belongs to the built-in checks"),
            (rule("Org.X", "true"), "rule Org.X: an ID is <prefix>.<name>"),
            (rule("nodot", "true"), "rule nodot: an ID is <prefix>.<name>"),
            (rule("org.x", "target.nmae == \"snapshot\""), "line 1, column 7: target has no field `nmae` (did you mean `name`?"),
            (rule("org.x", "target.auth.user"), "target.auth has no field `user`"),
            (rule("org.x", "server.verison == \"7\""), "server has no field `verison` (did you mean `version`?"),
            (rule("org.x", "[1].exists(x, x == y)"), "unknown variable `y`"),
            (rule("org.x", "config[\"max*\"] == \"0\""), "config[\"max*\"]: a parameter name, not a pattern"),
            (rule("org.x", "config[\"masterauth\"] == \"\""), "holds a credential"),
            // CONFIG GET takes a glob, escapes included, and ignores case.
            (rule("org.x", "config[\"requirepas\\\\s\"] == \"\""), "a parameter name, not a pattern"),
            (rule("org.x", "config[\"masterau[t]h\"] == \"\""), "a parameter name, not a pattern"),
            (rule("org.x", "config[\"REQUIREPASS\"] == \"\""), "holds a credential"),
            (rule("org.x", "config.primaryauth == \"\""), "holds a credential"),
            (rule("org.x", "\"primaryuser\" in config"), "holds a credential"),
            (rule("org.x", "config[\"tls-client-key-file-pass\"] == \"\""), "holds a credential"),
            (rule("org.x", "size(config) > 0"), "config is read by parameter name"),
            (rule("org.x", &format!("{}true{}", "(".repeat(40), ")".repeat(40))), "line 1, column 33: nested more than 32 deep"),
            (rule("org.x", &format!("target{}", ".a".repeat(3000))), "longer than 4096 characters"),
            (rule("org.x", "config[\"maxmemory\"] > 0"), "config[\"maxmemory\"] has type string, compared with a literal of type int (CONFIG and INFO values are strings"),
            (rule("org.x", "target.port == \"6379\""), "target.port has type int, compared with a literal of type string"),
            (rule("org.x", "\"yes\" == target.auth.username"), "target.auth.username has type bool, compared with a literal of type string"),
            (rule("org.x", "info.memory.maxmemory_policy != 1"), "info.memory.maxmemory_policy has type string, compared with a literal of type int"),
            ("rules:\n  - id: org.x\n    title: t\n    fix: ''\n    when: 'true'\n".into(), "`title` and `fix` must not be empty"),
            ("rules:\n  - id: org.x\n    title: t\n    fix: f\n    targets: ['[']\n    when: 'true'\n".into(), "target \"[\" is not a glob"),
        ] {
            let err = load(&text).err().unwrap_or_default();
            assert!(err.contains(wanted), "{text}\nwanted {wanted}\ngot {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }

    #[test]
    fn the_fixed_records_match_the_published_environment() {
        let schema = crate::rules::env::schema();
        let fields = |def: &str| -> Vec<String> {
            let mut f: Vec<String> = schema["$defs"][def]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            f.sort();
            f
        };
        let sorted = |f: &[&str]| {
            let mut f: Vec<String> = f.iter().map(|s| s.to_string()).collect();
            f.sort();
            f
        };
        assert_eq!(fields("TargetEnv"), sorted(&TARGET_FIELDS));
        assert_eq!(fields("AuthEnv"), sorted(&AUTH_FIELDS));
        assert_eq!(fields("ServerEnv"), sorted(&SERVER_FIELDS));
    }
}
