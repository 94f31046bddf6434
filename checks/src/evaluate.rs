//! Runs the catalog over facts, in dependency order, skipping what a failed prerequisite blocks.

use std::collections::HashMap;

use reports::Outcome;

use crate::catalog::{CATALOG, find};
use crate::check::{Meta, Scope, Subject, Verdict};
use crate::facts::{Facts, TargetFacts};

/// One check's verdict on one target (`*` for install-wide checks).
#[derive(Clone, Debug)]
pub struct Judged {
    /// The check.
    pub meta: &'static Meta,
    /// Target name, or `*`.
    pub target: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Time of the probe phase the check judged, in milliseconds.
    pub duration_ms: f64,
}

/// Judges every target with every per-target check, then the install-wide checks.
/// The result is in report order: targets in facts order, checks in catalog order.
pub fn evaluate(facts: &Facts) -> Vec<Judged> {
    let mut out = Vec::new();
    for target in &facts.targets {
        out.extend(judge_scope(facts, Some(target), Scope::Target));
    }
    out.extend(judge_scope(facts, None, Scope::Install));
    out
}

/// A verdict plus whether it stops the checks that require it.
struct Memo {
    verdict: Verdict,
    blocks: bool,
}

fn judge_scope(facts: &Facts, target: Option<&TargetFacts>, scope: Scope) -> Vec<Judged> {
    let subject = Subject { facts, target };
    let mut memo: HashMap<&'static str, Memo> = HashMap::new();
    let name = target.map_or("*", |t| t.name.as_str());
    CATALOG
        .iter()
        .filter(|c| c.meta().scope == scope)
        .map(|c| {
            let verdict = judge_with_prerequisites(c.meta().id, subject, &mut memo).clone();
            Judged {
                meta: c.meta(),
                target: name.to_string(),
                duration_ms: target.map_or(0.0, |t| phase_duration(c.meta().id, t)),
                verdict,
            }
        })
        .collect()
}

fn judge_with_prerequisites<'m>(
    id: &'static str,
    subject: Subject<'_>,
    memo: &'m mut HashMap<&'static str, Memo>,
) -> &'m Verdict {
    if !memo.contains_key(id) {
        let check = find(id).unwrap_or_else(|| panic!("unknown check `{id}` in a `requires` list"));
        let mut blocked_by = None;
        for req in check.meta().requires {
            judge_with_prerequisites(req, subject, memo);
            let prerequisite = &memo[req];
            if prerequisite.blocks {
                let v = &prerequisite.verdict;
                blocked_by = Some((*req, v.outcome, v.message.clone()));
                break;
            }
        }
        let entry = match blocked_by {
            Some((req, outcome, message)) => Memo {
                verdict: Verdict::skip(format!("skipped: {req} {}: {message}", past(outcome)))
                    .with("blocked_by", req),
                blocks: true,
            },
            None => {
                let verdict = check.judge(subject);
                let blocks = matches!(verdict.outcome, Outcome::Fail | Outcome::Unknown);
                Memo { verdict, blocks }
            }
        };
        memo.insert(id, entry);
    }
    &memo[id].verdict
}

fn past(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Fail => "failed",
        Outcome::Unknown => "could not be determined",
        _ => "was skipped",
    }
}

/// The time of the probe phase a check judges.
fn phase_duration(id: &str, target: &TargetFacts) -> f64 {
    match id {
        "net.dns" => target.dns.ok().map_or(0.0, |d| d.duration_ms),
        "net.tcp" => target.tcp.ok().map_or(0.0, |t| t.duration_ms),
        "auth.secret" => 0.0,
        _ => target.session.ok().map_or(0.0, |s| s.duration_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Observed;
    use crate::testing::{facts, healthy_target};

    fn outcome_of<'a>(judged: &'a [Judged], id: &str) -> &'a Verdict {
        &judged.iter().find(|j| j.meta.id == id).unwrap().verdict
    }

    #[test]
    fn a_closed_port_skips_every_redis_check_naming_net_tcp() {
        let mut t = healthy_target("snapshot");
        t.tcp = Observed::Failed {
            error: "connection refused".into(),
        };
        t.session = Observed::not_attempted("no TCP connection");
        let judged = evaluate(&facts(vec![t]));
        for id in [
            "auth.login",
            "redis.role",
            "redis.noeviction",
            "redis.ha-replica",
        ] {
            let v = outcome_of(&judged, id);
            assert_eq!(v.outcome, Outcome::Skip, "{id}");
            assert!(v.message.contains("net.tcp failed"), "{id}: {}", v.message);
        }
        assert_eq!(outcome_of(&judged, "net.dns").outcome, Outcome::Pass);
    }

    #[test]
    fn healthy_facts_pass_everything() {
        let judged = evaluate(&facts(vec![healthy_target("snapshot")]));
        for j in &judged {
            assert_eq!(
                j.verdict.outcome,
                Outcome::Pass,
                "{}: {}",
                j.meta.id,
                j.verdict.message
            );
        }
    }
}
