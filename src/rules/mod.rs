//! Rules of one's own (`--rules FILE`): CEL expressions over each target's facts, judged
//! beside the built-in checks and reported as their peers.
//!
//! A rule becomes a [`checks::Meta`] and its verdicts [`checks::Judged`] rows, so selection,
//! the report writers and the exit code treat it exactly as a built-in check. The checks
//! crate stays free of CEL: rules are judged here, after [`checks::evaluate`], from the same
//! facts and the verdicts of `auth.login`.

pub mod cost;
pub mod env;
mod evidence;
use evidence::{bounded, cause, collect_paths, render, shown};
pub mod file;
pub mod meter;
mod scan;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use cel::common::ast::IdedExpr;
use checks::facts::{Facts, TargetFacts};
use checks::{Judged, Meta, Scope, Verdict};
use reports::Outcome;
use serde_json::Value;

use crate::error::{InputError, RuleProblem};
use file::OnFalse;

/// The check every rule needs: a Redis session to read from.
const PREREQUISITE: &str = "auth.login";

/// How many CONFIG parameters the rules may name, at most (one `CONFIG GET` each).
const MAX_CONFIG: usize = 64;
/// How much evidence a verdict carries, at most.
const MAX_EVIDENCE: usize = 12;
/// How long one evidence value may be, at most.
const MAX_VALUE: usize = 200;

/// One loaded rule.
pub struct Rule {
    /// The rule as a catalog entry (leaked: rules live as long as the process).
    pub meta: &'static Meta,
    pub when: String,
    pub fix: String,
    pub severity: OnFalse,
    pub targets: Vec<String>,
    target_globs: Vec<glob::Pattern>,
    program: cel::Program,
    /// The expression with every comprehension step metered (see `cost.rs`).
    metered: IdedExpr,
}

/// Every rule of every `--rules` file.
#[derive(Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// The CONFIG parameters the rules read, sorted, without duplicates (for the probe, which
    /// lives as long as the process).
    pub config: &'static [String],
    env: Option<Arc<cel::Env>>,
}

/// The stack the CEL parser gets: it recurses per nesting level, with large frames.
const PARSER_STACK: usize = 256 * 1024 * 1024;

/// Parses one rule file on a thread with a large stack (reserved, touched only as deep as the
/// parser goes), so that no expression the checks in `file.rs` let through can overflow it.
fn compile(name: &str, text: &str, env: &cel::Env) -> Result<Vec<file::Parsed>, InputError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("rules".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || {
                crate::error::quietly(|| file::parse(name, text, env))
            })
            .map(|handle| match handle.join() {
                Ok(Ok(parsed)) => parsed,
                Ok(Err(panic)) => Err(InputError::RuleParserFailed {
                    file: name.to_string(),
                    panic,
                }),
                // A panic `quietly` cannot catch (in its hook) still ends the thread.
                Err(_) => Err(InputError::RuleParserFailed {
                    file: name.to_string(),
                    panic: "a panic".into(),
                }),
            })
            .unwrap_or_else(|_| file::parse(name, text, env))
    })
}

fn cel_env() -> Arc<cel::Env> {
    let mut env = cel::Env::stdlib();
    env.add_extension(cel::extensions::strings)
        .expect("the strings extension registers");
    Arc::new(env)
}

impl RuleSet {
    /// Reads and validates every file: a bad file, rule or expression, a built-in or
    /// duplicate ID is an input error naming the file, the rule and the position.
    pub fn load(paths: &[PathBuf]) -> Result<RuleSet, InputError> {
        let mut set = RuleSet::default();
        if paths.is_empty() {
            return Ok(set);
        }
        let env = cel_env();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut config: Vec<String> = Vec::new();
        for path in paths {
            let name = path.display().to_string();
            let text = crate::inputs::read_capped(path)?;
            for parsed in compile(&name, &text, &env)? {
                if checks::find(&parsed.id).is_some() {
                    return Err(InputError::Rule {
                        place: parsed.place,
                        id: parsed.id,
                        problem: Box::new(RuleProblem::BuiltInId),
                    });
                }
                if let Some(first) = seen.get(&parsed.id) {
                    return Err(InputError::Rule {
                        place: parsed.place,
                        id: parsed.id,
                        problem: Box::new(RuleProblem::DuplicateId {
                            first: first.clone(),
                        }),
                    });
                }
                seen.insert(parsed.id.clone(), parsed.place.clone());
                config.extend(parsed.config.iter().cloned());
                let explain = format!(
                    "## What it checks\n{}\n\n## Expression\n`{}`\n\n## How to fix\n{}\n\n## Severity\n{} when the expression is false\n\n## Targets\n{}\n\n## Source\n{}\n",
                    parsed.title,
                    parsed.when,
                    parsed.fix,
                    parsed.severity.name(),
                    if parsed.targets.is_empty() {
                        "all".to_string()
                    } else {
                        parsed.targets.join(", ")
                    },
                    parsed.place,
                );
                let id: &'static str = Box::leak(parsed.id.into_boxed_str());
                let meta: &'static Meta = Box::leak(Box::new(Meta {
                    id,
                    title: Box::leak(parsed.title.into_boxed_str()),
                    category: id.split('.').next().unwrap_or(id),
                    profiles: checks::check::ALL_PROFILES,
                    scope: Scope::Target,
                    // A rule judges what the session read.
                    phase: checks::Phase::Session,
                    requires: &[PREREQUISITE],
                    config: &[],
                    opt_in: false,
                    explain: Box::leak(explain.into_boxed_str()),
                }));
                set.rules.push(Rule {
                    meta,
                    when: parsed.when,
                    fix: parsed.fix,
                    severity: parsed.severity,
                    targets: parsed.targets,
                    target_globs: parsed.target_globs,
                    metered: meter::instrument(parsed.program.expression()),
                    program: parsed.program,
                });
            }
        }
        config.sort();
        config.dedup();
        if config.len() > MAX_CONFIG {
            return Err(InputError::TooManyRuleConfig {
                count: config.len(),
                max: MAX_CONFIG,
            });
        }
        set.config = Box::leak(config.into_boxed_slice());
        set.env = Some(env);
        Ok(set)
    }

    /// The rule with this ID.
    pub fn find(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.meta.id == id)
    }

    /// The built-in verdicts with the rules' beside them: each target's rules after its
    /// checks, the install-wide checks last, as every writer expects. A rule still running at
    /// `deadline` stops, `unknown`.
    pub fn beside(&self, facts: &Facts, mut judged: Vec<Judged>, deadline: Instant) -> Vec<Judged> {
        let ours = self.judge(facts, &judged, deadline);
        if ours.is_empty() {
            return judged;
        }
        judged.extend(ours);
        // Each target's position, looked up once (not once per comparison).
        let position: std::collections::HashMap<&str, usize> = facts
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        judged.sort_by_key(|j| {
            position
                .get(j.target.as_str())
                .copied()
                .unwrap_or(usize::MAX)
        });
        judged
    }

    /// Judges every rule on every target it applies to, after the built-in checks (`judged`)
    /// have run: rows per target in facts order, rules in file order.
    pub fn judge(&self, facts: &Facts, judged: &[Judged], deadline: Instant) -> Vec<Judged> {
        let Some(env) = &self.env else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut logins: std::collections::HashMap<&str, &Judged> = std::collections::HashMap::new();
        for j in judged.iter().filter(|j| j.meta.id == PREREQUISITE) {
            logins.entry(j.target.as_str()).or_insert(j);
        }
        // The values are the same for every target: converted once, shared.
        let values = env::to_cel(&facts.values);
        for target in &facts.targets {
            let login = logins.get(target.name.as_str()).copied();
            let context = env::build(target).map(|e| (context(env, &e, &values), e));
            for rule in self.rules.iter().filter(|r| r.applies_to(target)) {
                let verdict = match (login, &context) {
                    (Some(l), _) if !matches!(l.verdict.outcome, Outcome::Pass | Outcome::Warn) => {
                        Verdict::blocked(PREREQUISITE, &l.verdict)
                    }
                    (None, _) | (_, None) => Verdict::skip(format!(
                        "skipped: no Redis session ({PREREQUISITE} did not run)"
                    )),
                    (Some(_), Some((ctx, _))) => rule.judge(ctx, target, deadline),
                };
                out.push(Judged {
                    meta: rule.meta,
                    target: target.name.clone(),
                    duration_ms: target.session.ok().map_or(0.0, |s| s.duration_ms),
                    verdict,
                });
            }
        }
        out
    }
}

fn context(
    env: &Arc<cel::Env>,
    e: &env::RuleEnv,
    values: &cel::Value,
) -> cel::Context<'static, 'static> {
    let mut ctx = cel::Context::with_env(env.clone());
    ctx.add_function(meter::STEP, meter::step)
        .expect("no overload is named @step");
    let parts = serde_json::to_value(e).expect("the environment serialises");
    if let Value::Object(map) = parts {
        for (name, value) in map {
            ctx.add_variable_from_value(name, env::to_cel(&value));
        }
    }
    ctx.add_variable_from_value("values", values.clone());
    ctx
}

impl Rule {
    fn applies_to(&self, target: &TargetFacts) -> bool {
        self.target_globs.is_empty()
            || self
                .target_globs
                .iter()
                .any(|g| g.matches(&target.name) || g.matches(&target.use_case))
    }

    fn judge(
        &self,
        ctx: &cel::Context<'_, '_>,
        target: &TargetFacts,
        deadline: Instant,
    ) -> Verdict {
        let when = bounded(&self.when);
        let result = match meter::metered(cost::MAX_COST, deadline, || {
            cel::Value::resolve(&self.metered, ctx)
        }) {
            Ok(result) => result,
            Err(stop) => {
                let why = match stop {
                    meter::Stop::Deadline => "run deadline reached".to_string(),
                    meter::Stop::Budget => format!(
                        "stopped after {} evaluation steps, the budget of a rule",
                        cost::MAX_COST
                    ),
                };
                return Verdict::unknown(format!("cannot tell whether `{when}` holds: {why}")).fix(
                    format!(
                        "verify by hand that `{when}` holds on this server; if not: {}",
                        self.fix
                    ),
                );
            }
        };
        let paths = self.paths(ctx);
        let mut evidence = reports::Evidence::new();
        for (text, value) in &paths {
            if evidence.len() < MAX_EVIDENCE
                && let Ok(v) = value
            {
                evidence.insert(text.clone(), Value::String(shown(v)));
            }
        }
        let observed = evidence
            .iter()
            .map(|(k, v)| format!("{k} is {}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", ");
        let verdict = match result {
            Ok(cel::Value::Bool(true)) => Verdict::pass(if observed.is_empty() {
                format!("holds: {}", when)
            } else {
                format!("{observed}: holds: {}", when)
            }),
            Ok(cel::Value::Bool(false)) => {
                let message = if observed.is_empty() {
                    format!("`{}` is false; the rule wants it true", when)
                } else {
                    format!("{observed}; the rule wants `{}`", when)
                };
                let v = match self.severity {
                    OnFalse::Fail => Verdict::fail(message),
                    OnFalse::Warn => Verdict::warn(message),
                };
                v.fix(self.fix.clone())
            }
            Ok(other) => Verdict::unknown(format!(
                "`{}` gave {}, not true or false",
                when,
                shown(&other)
            ))
            .fix(format!(
                "make `when` a boolean expression (rule {})",
                self.meta.id
            )),
            Err(e) => {
                let cause = paths
                    .iter()
                    .find_map(|(text, r)| r.as_ref().err().map(|e| (text, e)))
                    .map(|(text, _)| cause(text, target))
                    .unwrap_or_else(|| format!("evaluation error: {e}"));
                Verdict::unknown(format!("cannot tell whether `{}` holds: {cause}", when)).fix(
                    format!(
                        "verify by hand that `{}` holds on this server; if not: {}",
                        when, self.fix
                    ),
                )
            }
        };
        let mut verdict = verdict;
        verdict.evidence = evidence;
        verdict
    }

    /// Each path into the environment the expression reads (`config["maxmemory"]`,
    /// `server.version`), with its value on this target: the evidence, and the cause of an error.
    fn paths(&self, ctx: &cel::Context<'_, '_>) -> Vec<(String, Result<cel::Value, String>)> {
        let mut found = Vec::new();
        collect_paths(self.program.expression(), &mut Vec::new(), &mut found);
        let mut out: Vec<(String, Result<cel::Value, String>)> = Vec::new();
        for expr in found {
            let Some(text) = render(expr) else { continue };
            if out.iter().any(|(t, _)| *t == text) {
                continue;
            }
            let value = cel::Value::resolve(expr, ctx).map_err(|e| e.to_string());
            out.push((text, value));
        }
        out
    }
}

#[cfg(test)]
mod tests;
