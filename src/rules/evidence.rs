//! What a rule's verdict shows as evidence: every path its expression reads (`info.memory.x`,
//! `config["y"]`) with the value it had, bounded and quoted, and when a read had no value, why
//! (the section or parameter was refused, or the server does not report it).

use cel::common::ast::{Expr, IdedExpr, LiteralValue, operators};
use checks::facts::{Observed, TargetFacts};

use super::{MAX_VALUE, file};

/// Maximal paths rooted at a free environment variable: `a.b.c`, `a["k"].b`.
pub(super) fn collect_paths<'e>(
    expr: &'e IdedExpr,
    bound: &mut Vec<String>,
    out: &mut Vec<&'e IdedExpr>,
) {
    if render_root(expr, bound) {
        out.push(expr);
        return;
    }
    match &expr.expr {
        Expr::Call(call) => {
            if let Some(t) = &call.target {
                collect_paths(t, bound, out);
            }
            for a in &call.args {
                collect_paths(a, bound, out);
            }
        }
        Expr::Select(s) => collect_paths(&s.operand, bound, out),
        Expr::Comprehension(c) => {
            collect_paths(&c.iter_range, bound, out);
            let depth = bound.len();
            bound.push(c.iter_var.clone());
            bound.extend(c.iter_var2.clone());
            bound.push(c.accu_var.clone());
            collect_paths(&c.loop_step, bound, out);
            collect_paths(&c.result, bound, out);
            bound.truncate(depth);
        }
        Expr::List(l) => l.elements.iter().for_each(|e| collect_paths(e, bound, out)),
        _ => {}
    }
}

/// Whether `expr` is a path (more than the bare variable) into the environment.
pub(super) fn render_root(expr: &IdedExpr, bound: &[String]) -> bool {
    let mut e = expr;
    let mut depth = 0;
    loop {
        match &e.expr {
            Expr::Ident(name) => {
                return depth > 0
                    && file::VARIABLES.contains(&name.as_str())
                    && !bound.contains(name);
            }
            Expr::Select(s) if !s.test => e = &s.operand,
            Expr::Call(c) if c.func_name == operators::INDEX && c.args.len() == 2 => {
                if !matches!(c.args[1].expr, Expr::Literal(_)) {
                    return false;
                }
                e = &c.args[0];
            }
            _ => return false,
        }
        depth += 1;
    }
}

/// A path as the rule author writes it.
pub(crate) fn render(expr: &IdedExpr) -> Option<String> {
    match &expr.expr {
        Expr::Ident(name) => Some(name.clone()),
        Expr::Select(s) => Some(format!("{}.{}", render(&s.operand)?, s.field)),
        Expr::Call(c) if c.func_name == operators::INDEX => {
            let key = match &c.args[1].expr {
                Expr::Literal(LiteralValue::String(s)) => quoted(s.inner()),
                Expr::Literal(LiteralValue::Int(i)) => format!("{}", i.inner()),
                _ => return None,
            };
            Some(format!("{}[{key}]", render(&c.args[0])?))
        }
        _ => None,
    }
}

/// Why `path` could not be read on this target, in terms of what was observed.
pub(super) fn cause(path: &str, target: &TargetFacts) -> String {
    let Some(session) = target.session.ok() else {
        return format!("{path} is not available: no Redis session");
    };
    let root = path.split(['.', '[']).next().unwrap_or_default();
    match root {
        "config" => {
            let param = path
                .trim_start_matches("config")
                .trim_start_matches('.')
                .trim_start_matches("[\"")
                .split(['"', '.', '['])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            match session.config.get(&param) {
                Some(Observed::Refused { error }) => {
                    format!("the server refused CONFIG GET {param} ({error})")
                }
                Some(Observed::Failed { error, .. }) => format!(
                    "CONFIG GET {param} gave no value ({error}; a server without this parameter answers with nothing)"
                ),
                Some(Observed::NotAttempted { because }) => {
                    format!("CONFIG GET {param} was not sent: {because}")
                }
                Some(Observed::Ok { .. }) => format!("{path} is not available"),
                None => format!(
                    "the facts hold no CONFIG GET {param} (saved by a run without this rule?)"
                ),
            }
        }
        "info" => match session.info.problem() {
            Some(problem) => format!("INFO was not readable ({problem})"),
            None => format!("INFO does not report {path}"),
        },
        "server" => format!(
            "the server did not tell {path} (INFO: {}; HELLO: {})",
            session.info.problem().unwrap_or("read"),
            session.hello.problem().unwrap_or("read")
        ),
        "values" => format!(
            "the values do not set {}",
            path.trim_start_matches("values.")
        ),
        _ => format!("{path} is not available"),
    }
}

/// Text for a message, bounded.
pub(super) fn bounded(text: &str) -> String {
    if text.chars().count() > MAX_VALUE {
        let cut: String = text.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        text.to_string()
    }
}

/// A CEL value as evidence: JSON-like, bounded.
pub(super) fn shown(value: &cel::Value) -> String {
    let text = match value {
        cel::Value::String(s) => quoted(s.as_str()),
        cel::Value::Int(i) => i.to_string(),
        cel::Value::UInt(u) => format!("{u}u"),
        cel::Value::Float(f) => f.to_string(),
        cel::Value::Bool(b) => b.to_string(),
        cel::Value::Null => "null".into(),
        cel::Value::List(items) => format!(
            "[{}]",
            items.iter().map(shown).collect::<Vec<_>>().join(", ")
        ),
        cel::Value::Map(m) => {
            let mut entries: Vec<String> = m
                .map
                .iter()
                .map(|(k, v)| format!("{}: {}", key_text(k), shown(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(", "))
        }
        cel::Value::Bytes(b) => format!("{} bytes", b.len()),
        cel::Value::Function(name, _) => format!("function {name}"),
        _ => "a value of another type".into(),
    };
    bounded(&text)
}

/// A string as a quoted literal with JSON's escapes (CEL's and JSON's agree on these).
pub(super) fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

pub(super) fn key_text(k: &cel::objects::Key) -> String {
    match k {
        cel::objects::Key::String(s) => quoted(s.as_str()),
        cel::objects::Key::Int(i) => i.to_string(),
        cel::objects::Key::Uint(u) => format!("{u}u"),
        cel::objects::Key::Bool(b) => b.to_string(),
    }
}
