//! Rules are bounded as Kubernetes bounds its CEL: a cost estimated over the expression when the
//! rule is loaded (too costly a rule is exit 2 before any probe runs), and counted while it runs
//! (a rule that goes past its budget, or past the run's deadline, stops as `unknown`).
//!
//! The cel crate has neither a cost model nor a way to interrupt an evaluation, so both are
//! here. The estimate follows Kubernetes' (`k8s.io/apiserver/pkg/cel`): each value gets an
//! upper bound of its size (bytes of a string, entries of a list or map), each comprehension
//! multiplies the cost of its body by the size of its range, and building a value costs in
//! proportion to its size, so the cost bounds the memory a rule can allocate as well as its
//! time. The environment is bounded by construction ([`ENV_LEN`], see `env.rs`), so the
//! estimate is an upper bound, not a guess. At run time every comprehension step calls
//! [`STEP`], which counts the steps and watches the deadline.

use cel::common::ast::{CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::common::ast::{SourceInfo, operators};

use crate::error::WhenProblem;

/// The most a rule may cost, estimated at load and counted at run time: about two million
/// comprehension steps, or 16 MiB of strings, or half a million list entries built.
pub const MAX_COST: u64 = 2_000_000;
/// Comprehensions (`all`, `exists`, `map`, `filter`, …) nest at most this deep.
pub const MAX_LOOPS: usize = 3;
/// The longest string and the most entries of a list or map a rule's environment holds
/// (`env.rs` cuts what is longer).
pub const ENV_LEN: u64 = 1024;

/// Building a list or map entry costs this much…
const ENTRY: u64 = 4;
/// …building a string one unit per this many bytes…
const BUILT_BYTES: u64 = 8;
/// …and reading one (a comparison, a search) one per this many.
const READ_BYTES: u64 = 64;

/// What a value can be at most: `len` is its size (bytes of a string, entries of a list or
/// map, 1 for a scalar), `item` the largest size of anything inside it.
#[derive(Clone, Copy, Debug, Default)]
struct Size {
    len: u64,
    item: u64,
}

impl Size {
    const SCALAR: Size = Size { len: 1, item: 0 };

    fn of(len: u64, item: u64) -> Size {
        Size { len, item }
    }

    /// Anything inside it, as big as it can be.
    fn inner(self) -> Size {
        Size::of(self.item, self.item)
    }
}

/// The load-time estimate of one expression.
pub struct Estimate<'a> {
    info: &'a SourceInfo,
    bound: Vec<(String, Size)>,
    loops: usize,
    /// The estimated cost so far.
    pub cost: u64,
    /// The first bound passed: its character offset in the expression, and what it is.
    pub error: Option<(Option<usize>, WhenProblem)>,
}

impl<'a> Estimate<'a> {
    /// Estimates `expr`; its cost is in [`Estimate::cost`], the first bound it passes (cost or
    /// nesting) in [`Estimate::error`].
    pub fn of(expr: &IdedExpr, info: &'a SourceInfo) -> Estimate<'a> {
        let mut e = Estimate {
            info,
            bound: Vec::new(),
            loops: 0,
            cost: 0,
            error: None,
        };
        e.size(expr, 1);
        e
    }

    fn fail(&mut self, expr: &IdedExpr, problem: WhenProblem) {
        if self.error.is_none() {
            let offset = self.info.offset_for(expr.id).map(|(s, _)| s as usize);
            self.error = Some((offset, problem));
        }
    }

    /// Adds `units` done `times` times, on behalf of `expr`.
    fn charge(&mut self, expr: &IdedExpr, times: u64, units: u64) {
        self.cost = self.cost.saturating_add(times.saturating_mul(units.max(1)));
        if self.cost > MAX_COST {
            self.fail(
                expr,
                WhenProblem::TooCostly {
                    max: MAX_COST,
                    env: ENV_LEN,
                },
            );
        }
    }

    /// The size of `expr`'s value; its cost, done `times` times, is charged.
    fn size(&mut self, expr: &IdedExpr, times: u64) -> Size {
        match &expr.expr {
            Expr::Literal(LiteralValue::String(s)) => {
                self.charge(expr, times, 1);
                Size::of(s.inner().len() as u64, 0)
            }
            Expr::Literal(LiteralValue::Bytes(b)) => {
                self.charge(expr, times, 1);
                Size::of(b.inner().len() as u64, 0)
            }
            Expr::Literal(_) | Expr::Unspecified => {
                self.charge(expr, times, 1);
                Size::SCALAR
            }
            Expr::Ident(name) => {
                self.charge(expr, times, 1);
                self.bound
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, s)| *s)
                    .unwrap_or(Size::of(ENV_LEN, ENV_LEN))
            }
            Expr::Select(s) => {
                let operand = self.size(&s.operand, times);
                self.charge(expr, times, 1);
                if s.test {
                    Size::SCALAR
                } else {
                    operand.inner()
                }
            }
            Expr::List(list) => {
                let mut item = 0;
                for e in &list.elements {
                    let s = self.size(e, times);
                    item = item.max(s.len).max(s.item);
                }
                let n = list.elements.len() as u64;
                self.charge(expr, times, ENTRY.saturating_mul(n));
                Size::of(n, item)
            }
            Expr::Map(map) => {
                let mut item = 0;
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        let k = self.size(&e.key, times);
                        let v = self.size(&e.value, times);
                        item = item.max(k.len).max(v.len).max(v.item);
                    }
                }
                let n = map.entries.len() as u64;
                self.charge(expr, times, ENTRY.saturating_mul(n));
                Size::of(n, item)
            }
            Expr::Struct(s) => {
                let mut item = 0;
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        let v = self.size(&f.value, times);
                        item = item.max(v.len).max(v.item);
                    }
                }
                let n = s.entries.len() as u64;
                self.charge(expr, times, ENTRY.saturating_mul(n));
                Size::of(n, item)
            }
            Expr::Call(call) => self.call(expr, call, times),
            Expr::Comprehension(c) => self.comprehension(expr, c, times),
        }
    }

    fn call(&mut self, expr: &IdedExpr, call: &CallExpr, times: u64) -> Size {
        let target = call.target.as_ref().map(|t| self.size(t, times));
        let args: Vec<Size> = call.args.iter().map(|a| self.size(a, times)).collect();
        let all = || target.iter().chain(args.iter());
        let sum = all().fold(0u64, |n, s| n.saturating_add(s.len));
        let item = all().fold(0u64, |n, s| n.max(s.item));
        let arg = |i: usize| args.get(i).copied().unwrap_or_default();
        let this = target.unwrap_or_else(|| arg(0));
        let built = |len: u64| len.div_ceil(BUILT_BYTES);
        let (size, units) = match call.func_name.as_str() {
            // A string beside a string literal; else maybe lists, whose entries cost more.
            operators::ADD if call.args.iter().any(super::meter::is_string) => {
                (Size::of(sum, item), built(sum))
            }
            operators::ADD => (Size::of(sum, item), ENTRY.saturating_mul(sum)),
            operators::INDEX | operators::OPT_INDEX => (arg(0).inner(), 1),
            // What answers with a boolean or a number reads its operands and builds nothing.
            operators::LOGICAL_AND
            | operators::LOGICAL_OR
            | operators::LOGICAL_NOT
            | operators::NOT_STRICTLY_FALSE
            | operators::NEGATE
            | operators::SUBSTRACT
            | operators::MULTIPLY
            | operators::DIVIDE
            | operators::MODULO
            | operators::EQUALS
            | operators::NOT_EQUALS
            | operators::LESS
            | operators::LESS_EQUALS
            | operators::GREATER
            | operators::GREATER_EQUALS
            | operators::IN
            | "size"
            | "contains"
            | "startsWith"
            | "endsWith"
            | "indexOf"
            | "lastIndexOf"
            | "int"
            | "uint"
            | "double"
            | "bool" => (Size::SCALAR, 1 + sum / READ_BYTES),
            operators::CONDITIONAL => {
                let (a, b) = (arg(1), arg(2));
                (Size::of(a.len.max(b.len), a.item.max(b.item)), 1)
            }
            "replace" => {
                // Every byte of the text may be replaced by the new text (an empty old one
                // inserts it between every two).
                let new = if target.is_some() { arg(1) } else { arg(2) };
                let len = this
                    .len
                    .saturating_add(1)
                    .saturating_mul(new.len.saturating_add(1));
                (Size::of(len, 0), built(len))
            }
            "join" => {
                let len = this
                    .len
                    .saturating_mul(this.item.saturating_add(arg(0).len));
                (Size::of(len, 0), built(len))
            }
            "split" => {
                let n = this.len.saturating_add(1);
                (
                    Size::of(n, this.len),
                    ENTRY.saturating_mul(n).saturating_add(built(this.len)),
                )
            }
            "format" => {
                // Each argument printed, however the verbs print it.
                let list = arg(0);
                let len = this
                    .len
                    .saturating_add(list.len.saturating_mul(list.item.saturating_add(32)));
                (Size::of(len, 0), built(len))
            }
            "matches" => {
                // The pattern is compiled on every call.
                let pattern = if target.is_some() { arg(0) } else { arg(1) };
                (
                    Size::SCALAR,
                    (sum / READ_BYTES).saturating_add(pattern.len.saturating_mul(16)),
                )
            }
            // Whatever else builds a value builds one at most as big as its operands, plus
            // the digits of a number.
            _ => {
                let len = sum.saturating_add(32);
                (
                    Size::of(len, item),
                    1 + (sum / READ_BYTES).max(built(len) / 4),
                )
            }
        };
        self.charge(expr, times, units);
        size
    }

    fn comprehension(&mut self, expr: &IdedExpr, c: &ComprehensionExpr, times: u64) -> Size {
        let range = self.size(&c.iter_range, times);
        let init = self.size(&c.accu_init, times);
        self.loops += 1;
        if self.loops > MAX_LOOPS {
            self.fail(expr, WhenProblem::LoopsTooDeep { max: MAX_LOOPS });
        }
        let steps = times.saturating_mul(range.len.max(1));
        let depth = self.bound.len();
        self.bound.push((c.iter_var.clone(), range.inner()));
        if let Some(v) = &c.iter_var2 {
            self.bound.push((v.clone(), range.inner()));
        }
        // One step, from an empty accumulator: what it adds is what every step may add.
        self.bound.push((c.accu_var.clone(), Size::default()));
        self.charge(expr, steps, 1);
        self.size(&c.loop_cond, steps);
        let step = self.size(&c.loop_step, steps);
        let accu = Size::of(
            init.len.saturating_add(range.len.saturating_mul(step.len)),
            init.item.max(step.item).max(step.len),
        );
        self.bound
            .truncate(depth + 1 + usize::from(c.iter_var2.is_some()));
        self.bound.push((c.accu_var.clone(), accu));
        let result = self.size(&c.result, times);
        self.bound.truncate(depth);
        self.loops -= 1;
        result
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(text: &str) -> (u64, Option<String>) {
        let program = cel::Program::compile(text).unwrap();
        let e = Estimate::of(program.expression(), program.source_info());
        (e.cost, e.error.map(|(_, p)| p.to_string()))
    }

    #[test]
    fn ordinary_rules_cost_little() {
        for text in [
            "config[\"maxmemory\"] != \"0\"",
            "info.memory.maxmemory_policy == \"noeviction\" && target.tls",
            "info.replication.all(k, !k.startsWith(\"slave\") || info.replication[k].contains(\"online\"))",
            "info.keyspace.exists(db, db == \"db0\")",
            "server.version_parts[0] >= 7",
            "target.components.map(c, c + \"!\").size() > 0 || true",
        ] {
            let (cost, error) = estimate(text);
            assert_eq!(error, None, "{text}: {cost}");
        }
    }

    #[test]
    fn what_could_reach_a_gigabyte_is_refused() {
        let list = format!(
            "[{}]",
            (1..=100)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        for (text, wanted) in [
            (
                format!(
                    "{list}.map(x, {list}.map(y, {list}.map(z, \"{}\"))).size() > 0",
                    "a".repeat(1000)
                ),
                "estimated cost is over",
            ),
            (
                "info.stats.all(a, info.stats.all(b, a + b != \"\"))".to_string(),
                "estimated cost is over",
            ),
            (
                format!(
                    "\"{}\".replace(\"a\", \"{}\").replace(\"a\", \"{}\").size() > 0",
                    "a".repeat(400),
                    "a".repeat(400),
                    "a".repeat(400)
                ),
                "estimated cost is over",
            ),
            (
                "[1].all(a, [1].all(b, [1].all(c, [1].all(d, true))))".to_string(),
                "comprehensions nested more than 3 deep",
            ),
        ] {
            let (cost, error) = estimate(&text);
            let error = error.unwrap_or_default();
            assert!(error.contains(wanted), "{text}: {cost}: {error}");
        }
    }
}
