//! What a rule's `when` reads, checked before any probe runs: every variable and record field
//! it names exists (with a did-you-mean), comparisons are between types that can be equal, and
//! the CONFIG parameters it names are collected, for the probe to read.

use std::collections::BTreeSet;

use cel::common::ast::{Expr, IdedExpr, LiteralValue, operators};

use super::file::{TYPE_NAMES, VARIABLES};
use crate::error::WhenProblem;

/// What a walk over the expression found: the CONFIG parameters it names, or its first
/// problem, with its character offset in the expression.
pub(super) fn scan(
    program: &cel::Program,
) -> Result<BTreeSet<String>, (Option<usize>, WhenProblem)> {
    let mut scan = Scan {
        info: program.source_info(),
        config: BTreeSet::new(),
        error: None,
    };
    scan.walk(program.expression(), &mut Vec::new());
    match scan.error {
        Some(error) => Err(error),
        None => Ok(scan.config),
    }
}

/// A walk over the expression: the variables it reads, the CONFIG parameters it names.
struct Scan<'a> {
    info: &'a cel::common::ast::SourceInfo,
    config: BTreeSet<String>,
    /// The first problem: its character offset in the expression, and what it is.
    error: Option<(Option<usize>, WhenProblem)>,
}

impl Scan<'_> {
    fn fail(&mut self, expr: &IdedExpr, problem: WhenProblem) {
        if self.error.is_none() {
            let offset = self
                .info
                .offset_for(expr.id)
                .map(|(start, _)| start as usize);
            self.error = Some((offset, problem));
        }
    }

    /// The literal config parameter `expr` names, when `operand` is the variable `config`.
    fn config_key(&mut self, operand: &IdedExpr, key: &IdedExpr, bound: &[String]) -> bool {
        if !is_free(operand, "config", bound) {
            return false;
        }
        match &key.expr {
            Expr::Literal(LiteralValue::String(s)) => {
                self.config.insert(s.inner().to_ascii_lowercase());
            }
            _ => self.fail(key, WhenProblem::ConfigByExpression),
        }
        true
    }

    /// A comparison between a path whose type is known and a literal of another type is
    /// always false or an error: refused before the run (`config["maxmemory"] > 0`).
    fn compare(&mut self, expr: &IdedExpr, left: &IdedExpr, right: &IdedExpr, bound: &[String]) {
        let (Some(l), Some(r)) = (static_type(left, bound), static_type(right, bound)) else {
            return;
        };
        let numeric = |t: &str| matches!(t, "int" | "uint" | "double");
        if l == r || (numeric(l) && numeric(r)) {
            return;
        }
        let (path, path_type, literal_type) = match (&left.expr, &right.expr) {
            (_, Expr::Literal(_)) => (left, l, r),
            _ => (right, r, l),
        };
        let name = super::evidence::render(path).unwrap_or_else(|| "the value".into());
        self.fail(
            expr,
            WhenProblem::TypeMismatch {
                name,
                path_type,
                literal_type,
            },
        );
    }

    fn walk(&mut self, expr: &IdedExpr, bound: &mut Vec<String>) {
        match &expr.expr {
            Expr::Ident(name) => {
                if name == "config" && !bound.contains(name) {
                    self.fail(expr, WhenProblem::ConfigByExpression);
                } else if !bound.contains(name)
                    && !VARIABLES.contains(&name.as_str())
                    && !TYPE_NAMES.contains(&name.as_str())
                    && !name.starts_with('@')
                {
                    let best = crate::suggest::closest(name, VARIABLES).unwrap_or("target");
                    self.fail(
                        expr,
                        WhenProblem::UnknownVariable {
                            name: name.clone(),
                            nearest: best,
                            variables: &VARIABLES,
                        },
                    );
                }
            }
            Expr::Call(call) => {
                if let [left, right] = call.args.as_slice()
                    && COMPARISONS.contains(&call.func_name.as_str())
                {
                    self.compare(expr, left, right, bound);
                }
                let handled = match (call.func_name.as_str(), call.args.as_slice()) {
                    (operators::INDEX, [operand, key]) => {
                        let handled = self.config_key(operand, key, bound);
                        if handled {
                            self.walk(key, bound);
                        }
                        handled
                    }
                    (operators::IN, [key, operand]) => {
                        let handled = self.config_key(operand, key, bound);
                        if handled {
                            self.walk(key, bound);
                        }
                        handled
                    }
                    _ => false,
                };
                if !handled {
                    if let Some(target) = &call.target {
                        self.walk(target, bound);
                    }
                    for arg in &call.args {
                        self.walk(arg, bound);
                    }
                }
            }
            Expr::Select(select) => {
                if is_free(&select.operand, "config", bound) {
                    self.config.insert(select.field.to_ascii_lowercase());
                    return;
                }
                if let Some((record, fields)) = record_of(&select.operand, bound)
                    && !fields.contains(&select.field.as_str())
                {
                    let best = crate::suggest::closest(&select.field, fields.iter().copied())
                        .unwrap_or("name");
                    self.fail(
                        expr,
                        WhenProblem::UnknownField {
                            record: record.to_string(),
                            field: select.field.clone(),
                            nearest: best,
                            fields,
                        },
                    );
                }
                self.walk(&select.operand, bound);
            }
            Expr::Comprehension(c) => {
                self.walk(&c.iter_range, bound);
                let depth = bound.len();
                bound.push(c.iter_var.clone());
                bound.extend(c.iter_var2.clone());
                bound.push(c.accu_var.clone());
                self.walk(&c.accu_init, bound);
                self.walk(&c.loop_cond, bound);
                self.walk(&c.loop_step, bound);
                self.walk(&c.result, bound);
                bound.truncate(depth);
            }
            Expr::List(list) => {
                for e in &list.elements {
                    self.walk(e, bound);
                }
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    match &entry.expr {
                        cel::common::ast::EntryExpr::MapEntry(e) => {
                            self.walk(&e.key, bound);
                            self.walk(&e.value, bound);
                        }
                        cel::common::ast::EntryExpr::StructField(f) => self.walk(&f.value, bound),
                    }
                }
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    match &entry.expr {
                        cel::common::ast::EntryExpr::MapEntry(e) => {
                            self.walk(&e.key, bound);
                            self.walk(&e.value, bound);
                        }
                        cel::common::ast::EntryExpr::StructField(f) => self.walk(&f.value, bound),
                    }
                }
            }
            Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
}

/// The fields of `target`, `target.auth` and `server`: fixed records, so a misspelt field is
/// an error before any evaluation (`info`, `config` and `values` are maps: any key may be absent).
pub const TARGET_FIELDS: [&str; 9] = [
    "name",
    "use_case",
    "components",
    "address",
    "host",
    "port",
    "tls",
    "db",
    "auth",
];
pub const AUTH_FIELDS: [&str; 2] = ["enabled", "username"];
pub const SERVER_FIELDS: [&str; 7] = [
    "version",
    "version_parts",
    "role",
    "mode",
    "run_id",
    "flavor",
    "anonymous",
];

/// When `expr` is one of the fixed records, its name and fields.
fn record_of(expr: &IdedExpr, bound: &[String]) -> Option<(&'static str, &'static [&'static str])> {
    if is_free(expr, "target", bound) {
        return Some(("target", &TARGET_FIELDS));
    }
    if is_free(expr, "server", bound) {
        return Some(("server", &SERVER_FIELDS));
    }
    match &expr.expr {
        Expr::Select(s) if s.field == "auth" && is_free(&s.operand, "target", bound) => {
            Some(("target.auth", &AUTH_FIELDS))
        }
        _ => None,
    }
}

const COMPARISONS: [&str; 6] = [
    operators::EQUALS,
    operators::NOT_EQUALS,
    operators::LESS,
    operators::LESS_EQUALS,
    operators::GREATER,
    operators::GREATER_EQUALS,
];

/// The CEL type of a literal, or of a path into the environment whose type is fixed.
fn static_type(expr: &IdedExpr, bound: &[String]) -> Option<&'static str> {
    match &expr.expr {
        Expr::Literal(LiteralValue::Int(_)) => return Some("int"),
        Expr::Literal(LiteralValue::UInt(_)) => return Some("uint"),
        Expr::Literal(LiteralValue::Double(_)) => return Some("double"),
        Expr::Literal(LiteralValue::String(_)) => return Some("string"),
        Expr::Literal(LiteralValue::Boolean(_)) => return Some("bool"),
        Expr::Literal(LiteralValue::Null) => return Some("null"),
        _ => {}
    }
    // config["x"], config.x: strings.
    let operand_and_field = match &expr.expr {
        Expr::Select(s) if !s.test => Some((&*s.operand, s.field.as_str())),
        Expr::Call(c) if c.func_name == operators::INDEX && c.args.len() == 2 => {
            match &c.args[1].expr {
                Expr::Literal(LiteralValue::String(k)) => Some((&c.args[0], k.inner())),
                _ => None,
            }
        }
        _ => None,
    }?;
    let (operand, field) = operand_and_field;
    if is_free(operand, "config", bound) {
        return Some("string");
    }
    // info.<section>.<field>: strings.
    if let Expr::Select(s) = &operand.expr
        && !s.test
        && is_free(&s.operand, "info", bound)
    {
        return Some("string");
    }
    let (record, _) = record_of(operand, bound)?;
    Some(match (record, field) {
        ("target", "port" | "db") => "int",
        ("target", "tls") | ("target.auth", _) | ("server", "anonymous") => "bool",
        ("target", "components") | ("server", "version_parts") => "list",
        ("target", "auth") => "map",
        _ => "string",
    })
}

fn is_free(expr: &IdedExpr, name: &str, bound: &[String]) -> bool {
    matches!(&expr.expr, Expr::Ident(n) if n == name && !bound.iter().any(|b| b == name))
}
