//! Counting a rule's steps while it runs: every comprehension step of an instrumented
//! expression calls [`STEP`], which stops the evaluation past the budget ([`MAX_COST`](super::cost::MAX_COST)) or the
//! run's deadline. The cel crate cannot interrupt an evaluation, so the expression is rewritten
//! to call it ([`instrument`]).

use std::cell::Cell;
use std::time::Instant;

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue, operators,
};

/// The function every comprehension step calls at run time: it counts the step and stops the
/// evaluation past the budget or the deadline. `@` keeps it out of what a rule can write.
pub const STEP: &str = "@step";

/// Why an evaluation was stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// More steps than [`MAX_COST`](super::cost::MAX_COST).
    Budget,
    /// The run's deadline (`--timeout`) passed.
    Deadline,
}

#[derive(Clone, Copy)]
struct Meter {
    steps: u64,
    budget: u64,
    deadline: Instant,
    stopped: Option<Stop>,
}

thread_local! {
    /// The meter of the evaluation running on this thread.
    static METER: Cell<Option<Meter>> = const { Cell::new(None) };
}

/// Counts one step of the evaluation running on this thread: `true`, or an error once it
/// went past its budget or deadline.
pub fn step() -> Result<cel::Value, cel::ExecutionError> {
    let stop = METER.with(|cell| {
        let mut m = cell.get()?;
        m.steps += 1;
        if m.stopped.is_none() {
            if m.steps > m.budget {
                m.stopped = Some(Stop::Budget);
            } else if m.steps % 16 == 0 && Instant::now() >= m.deadline {
                m.stopped = Some(Stop::Deadline);
            }
        }
        cell.set(Some(m));
        m.stopped
    });
    match stop {
        None => Ok(cel::Value::Bool(true)),
        Some(_) => Err(cel::ExecutionError::function_error(
            STEP,
            "the rule was stopped",
        )),
    }
}

/// Runs `f` (an evaluation) metered: at most `budget` steps and until `deadline`. A stopped
/// evaluation's result is not its verdict: the reason it stopped is returned instead.
pub fn metered<T>(budget: u64, deadline: Instant, f: impl FnOnce() -> T) -> Result<T, Stop> {
    if Instant::now() >= deadline {
        return Err(Stop::Deadline);
    }
    METER.with(|cell| {
        cell.set(Some(Meter {
            steps: 0,
            budget,
            deadline,
            stopped: None,
        }))
    });
    let out = f();
    match METER.with(|cell| cell.take()).and_then(|m| m.stopped) {
        Some(stop) => Err(stop),
        None => Ok(out),
    }
}

/// `expr` with a call to [`STEP`] in every comprehension step, placed so that the cel crate
/// still recognises `map` and `filter` (it builds their lists in place) and `all`/`exists`.
pub fn instrument(expr: &IdedExpr) -> IdedExpr {
    let mut out = expr.clone();
    let mut next = u64::MAX;
    walk(&mut out, &mut next);
    out
}

fn node(next: &mut u64, expr: Expr) -> IdedExpr {
    *next -= 1;
    IdedExpr { id: *next, expr }
}

fn call(next: &mut u64, name: &str, args: Vec<IdedExpr>) -> IdedExpr {
    node(
        next,
        Expr::Call(CallExpr {
            func_name: name.to_string(),
            target: None,
            args,
        }),
    )
}

/// `@step() && e`: `e` only if the step is allowed.
fn guarded(next: &mut u64, e: IdedExpr) -> IdedExpr {
    let step = call(next, STEP, Vec::new());
    call(next, operators::LOGICAL_AND, vec![step, e])
}

pub(super) fn is_string(e: &IdedExpr) -> bool {
    matches!(&e.expr, Expr::Literal(LiteralValue::String(_)))
}

fn is_ident(e: &IdedExpr, name: &str) -> bool {
    matches!(&e.expr, Expr::Ident(n) if n == name)
}

fn walk(expr: &mut IdedExpr, next: &mut u64) {
    match &mut expr.expr {
        Expr::Call(c) => {
            if let Some(t) = &mut c.target {
                walk(t, next);
            }
            c.args.iter_mut().for_each(|a| walk(a, next));
        }
        Expr::Select(s) => walk(&mut s.operand, next),
        Expr::List(l) => l.elements.iter_mut().for_each(|e| walk(e, next)),
        Expr::Map(m) => m.entries.iter_mut().for_each(|e| match &mut e.expr {
            EntryExpr::MapEntry(e) => {
                walk(&mut e.key, next);
                walk(&mut e.value, next);
            }
            EntryExpr::StructField(f) => walk(&mut f.value, next),
        }),
        Expr::Struct(s) => s.entries.iter_mut().for_each(|e| match &mut e.expr {
            EntryExpr::MapEntry(e) => {
                walk(&mut e.key, next);
                walk(&mut e.value, next);
            }
            EntryExpr::StructField(f) => walk(&mut f.value, next),
        }),
        Expr::Comprehension(c) => {
            walk(&mut c.iter_range, next);
            walk(&mut c.accu_init, next);
            walk(&mut c.loop_cond, next);
            walk(&mut c.loop_step, next);
            walk(&mut c.result, next);
            meter_step(c, next);
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// Puts [`STEP`] into one comprehension's step.
fn meter_step(c: &mut ComprehensionExpr, next: &mut u64) {
    let accu = c.accu_var.clone();
    let step = std::mem::replace(&mut c.loop_step, node(next, Expr::Unspecified));
    c.loop_step = match step.expr {
        // `cond ? @result + [e] : @result` (filter): the guard is metered.
        Expr::Call(mut call)
            if call.func_name == operators::CONDITIONAL
                && call.args.len() == 3
                && is_ident(&call.args[2], &accu) =>
        {
            let guard = call.args.remove(0);
            call.args.insert(0, guarded(next, guard));
            IdedExpr {
                id: step.id,
                expr: Expr::Call(call),
            }
        }
        // `@result + [e]` (map) becomes `@step() ? @result + [e] : @result`, the filter shape.
        Expr::Call(call)
            if call.func_name == operators::ADD
                && call.args.len() == 2
                && is_ident(&call.args[0], &accu) =>
        {
            let append = IdedExpr {
                id: step.id,
                expr: Expr::Call(call),
            };
            let step = self::call(next, STEP, Vec::new());
            let result = node(next, Expr::Ident(accu));
            self::call(next, operators::CONDITIONAL, vec![step, append, result])
        }
        // `@result && e`, `@result || e` (all, exists): the operand is metered.
        Expr::Call(mut call)
            if (call.func_name == operators::LOGICAL_AND
                || call.func_name == operators::LOGICAL_OR)
                && call.args.len() == 2
                && is_ident(&call.args[0], &accu) =>
        {
            let operand = call.args.remove(1);
            call.args.push(guarded(next, operand));
            IdedExpr {
                id: step.id,
                expr: Expr::Call(call),
            }
        }
        // Anything else: `@step() ? step : step`.
        other => {
            let step = IdedExpr {
                id: step.id,
                expr: other,
            };
            let gate = call(next, STEP, Vec::new());
            call(next, operators::CONDITIONAL, vec![gate, step.clone(), step])
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::cost::MAX_COST;

    fn run(text: &str, budget: u64, deadline: Instant) -> Result<cel::ResolveResult, Stop> {
        let program = cel::Program::compile(text).unwrap();
        let expr = instrument(program.expression());
        let mut ctx = cel::Context::default();
        ctx.add_function(STEP, step).unwrap();
        metered(budget, deadline, || cel::Value::resolve(&expr, &ctx))
    }

    #[test]
    fn the_instrumented_expression_means_the_same() {
        let later = Instant::now() + std::time::Duration::from_secs(60);
        for (text, want) in [
            ("[1, 2, 3].map(x, x * 2) == [2, 4, 6]", true),
            ("[1, 2, 3].filter(x, x > 1) == [2, 3]", true),
            ("[1, 2, 3].all(x, x > 0)", true),
            ("[1, 2, 3].exists(x, x > 2)", true),
            ("[1, 2, 3].exists_one(x, x > 2)", true),
            ("[1, 2, 3].all(x, x > 1)", false),
        ] {
            assert_eq!(
                run(text, MAX_COST, later),
                Ok(Ok(cel::Value::Bool(want))),
                "{text}"
            );
        }
    }

    #[test]
    fn past_the_budget_or_the_deadline_the_evaluation_stops() {
        let later = Instant::now() + std::time::Duration::from_secs(60);
        let text = "[1, 2, 3, 4, 5].map(x, [1, 2, 3, 4, 5].filter(y, y > x)).size() > 0";
        assert_eq!(run(text, 10, later), Err(Stop::Budget));
        assert_eq!(
            run("[1, 2, 3].all(x, x > 0)", 10, Instant::now()),
            Err(Stop::Deadline)
        );
        assert_eq!(run(text, 100, later), Ok(Ok(cel::Value::Bool(true))));
    }
}
