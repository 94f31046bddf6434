//! Runs the catalog over facts, in dependency order, skipping what a failed prerequisite blocks.

use std::collections::HashMap;

use reports::Outcome;

use crate::catalog::{find, report_order};
use crate::check::{Check, Meta, Phase, Scope, Subject, Verdict};
use crate::facts::{DEADLINE_REACHED, Facts, TargetFacts};

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
/// The result is in report order: targets in facts order, checks in [`report_order`].
pub fn evaluate(facts: &Facts) -> Vec<Judged> {
    // The order is the same for every target: computed once, not once per target.
    let order = report_order();
    let mut out = Vec::new();
    for target in &facts.targets {
        out.extend(judge_scope(facts, &order, Some(target), Scope::Target));
    }
    out.extend(judge_scope(facts, &order, None, Scope::Install));
    out
}

/// A verdict plus whether it stops the checks that require it.
struct Memo {
    verdict: Verdict,
    blocks: bool,
}

fn judge_scope(
    facts: &Facts,
    order: &[&'static dyn Check],
    target: Option<&TargetFacts>,
    scope: Scope,
) -> Vec<Judged> {
    let subject = Subject { facts, target };
    let mut memo: HashMap<&'static str, Memo> = HashMap::new();
    let name = target.map_or("*", |t| t.name.as_str());
    let judged: Vec<&'static dyn Check> = order
        .iter()
        .copied()
        .filter(|c| {
            let m = c.meta();
            m.scope == scope
                && m.profiles.contains(&facts.profile.as_str())
                && (!m.opt_in || facts.allow_write)
        })
        .collect();
    for c in &judged {
        judge_with_prerequisites(c.meta().id, subject, &mut memo);
    }
    // Every verdict is final once all are judged: moved out of the memo, not copied.
    judged
        .into_iter()
        .map(|c| Judged {
            meta: c.meta(),
            target: name.to_string(),
            duration_ms: target.map_or(0.0, |t| phase_duration(c.meta().phase, t)),
            verdict: memo.remove(c.meta().id).expect("judged above").verdict,
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
        // A release with no Redis client: nothing to judge but the values themselves.
        if let (Some(why), None, false) = (
            &subject.facts.no_redis_client,
            subject.target,
            id == "values.schema" || id == "values.rendered",
        ) {
            let verdict = Verdict::skip(format!("skipped: {why}"));
            memo.insert(
                id,
                Memo {
                    verdict,
                    blocks: true,
                },
            );
            return &memo[id].verdict;
        }
        // What the values and secrets alone show stands before any prerequisite is consulted.
        if let Some(verdict) = check.judge_offline(subject) {
            let blocks = matches!(verdict.outcome, Outcome::Fail | Outcome::Unknown);
            memo.insert(id, Memo { verdict, blocks });
            return &memo[id].verdict;
        }
        let mut blocked_by = None;
        for req in check.meta().requires {
            judge_with_prerequisites(req, subject, memo);
            let prerequisite = &memo[req];
            if prerequisite.blocks {
                blocked_by = Some(Verdict::blocked(req, &prerequisite.verdict));
                break;
            }
        }
        let blocked_by = blocked_by.or_else(|| {
            not_a_data_server(id, check.meta().phase, subject).map(|why| {
                Verdict::skip(format!("skipped: {why} (see redis.role)")).blocked_by("redis.role")
            })
        });
        let entry = match blocked_by {
            Some(verdict) => Memo {
                verdict,
                blocks: true,
            },
            None if subject
                .target
                .is_some_and(|t| unfinished(check.meta().phase, t)) =>
            {
                let t = subject.target.expect("checked by the guard");
                Memo {
                    verdict: Verdict::unknown(format!(
                        "{DEADLINE_REACHED} (--timeout) during {} of {}, before this check's probe finished",
                        phase_cut(t),
                        t.address
                    ))
                    .fix("raise --timeout, or look at why the target answers so slowly in that phase")
                    .with("phase", phase_cut(t)),
                    blocks: true,
                }
            }
            None => {
                let verdict = dropped_note(check.meta().phase, subject, check.judge(subject));
                let blocks = matches!(verdict.outcome, Outcome::Fail | Outcome::Unknown);
                Memo { verdict, blocks }
            }
        };
        memo.insert(id, entry);
    }
    &memo[id].verdict
}

/// The checks that judge what kind of server the address is: they run on a Sentinel too and
/// say so. Every other check of the session would judge a server that holds no Gloo data.
const JUDGE_THE_SERVER_KIND: &[&str] = &["auth.login", "redis.role", "redis.non-cluster"];

/// Why a session check has nothing to judge: the address is not a Redis data server.
fn not_a_data_server(id: &str, phase: Phase, subject: Subject<'_>) -> Option<String> {
    if phase != Phase::Session || JUDGE_THE_SERVER_KIND.contains(&id) {
        return None;
    }
    let target = subject.target?;
    let session = target.session.ok()?;
    crate::server::sentinel(session).map(|s| s.describe(&target.address))
}

/// An `unknown` on a session the server closed at a command one Redis answers names that
/// cause: the reads failed because of what sits at the address (a proxy, most often), not
/// because the user lacks a permission.
fn dropped_note(phase: Phase, subject: Subject<'_>, mut verdict: Verdict) -> Verdict {
    let cut = subject
        .target
        .and_then(|t| t.session.ok())
        .is_some_and(|s| s.cut_mid_reply);
    if cut
        && phase == Phase::Session
        && verdict.outcome == Outcome::Unknown
        && !verdict.message.contains("cut in the middle of a reply")
    {
        return with_cause(
            verdict,
            "the connection was cut in the middle of a reply: a network fault, a crash or a middlebox, not a refusal",
            "find what resets connections on the path (the server's log, a load balancer's limits), then run the preflight again",
        );
    }
    let dropped_at = subject
        .target
        .and_then(|t| t.session.ok())
        .and_then(|s| s.dropped_at.as_deref());
    if let (Phase::Session, Outcome::Unknown, Some(command)) = (phase, verdict.outcome, dropped_at)
    {
        verdict = with_cause(
            verdict,
            &format!("the server closed the connection at {command}, which every Redis answers: something other than one Redis server (a proxy such as twemproxy) sits at the address"),
            &format!("point the address at a Redis server (a primary), not a proxy that closes the connection at {command}; to judge the server behind such a proxy, run the preflight against it directly"),
        )
        .with("dropped_at", command);
    }
    verdict
}

/// An `unknown` verdict told what broke the session: `why` after its message, `fix` before
/// its own fix (which stays, for when that was not the cause).
fn with_cause(mut verdict: Verdict, why: &str, fix: &str) -> Verdict {
    verdict.message = format!("{}; {why}", verdict.message);
    let otherwise = verdict
        .remediation
        .as_deref()
        .map(|f| format!("; otherwise: {f}"))
        .unwrap_or_default();
    verdict.remediation = Some(format!("{fix}{otherwise}"));
    verdict
}

/// The probe phase of `target` the run deadline stopped, for messages.
fn phase_cut(target: &TargetFacts) -> &'static str {
    if target.dns.deadline_reached() {
        "name resolution"
    } else if target.tcp.deadline_reached() {
        "the TCP connection"
    } else if target.tls && target.tls_facts.handshake.is_none() {
        "the TLS handshake"
    } else {
        "the Redis session (login and reads)"
    }
}

/// Whether the run deadline stopped the probe phase this check judges.
fn unfinished(phase: Phase, target: &TargetFacts) -> bool {
    match phase {
        Phase::Dns => target.dns.deadline_reached(),
        Phase::Tcp => target.tcp.deadline_reached(),
        Phase::Tls => {
            target.tls && target.tls_facts.handshake.is_none() && target.session.deadline_reached()
        }
        Phase::Session => target.session.deadline_reached(),
        Phase::Inputs => false,
    }
}

/// The time of the probe phase a check judges.
fn phase_duration(phase: Phase, target: &TargetFacts) -> f64 {
    match phase {
        Phase::Dns => target.dns.ok().map_or(0.0, |d| d.duration_ms),
        Phase::Tcp => target.tcp.ok().map_or(0.0, |t| t.duration_ms),
        Phase::Tls => target
            .tls_facts
            .handshake
            .as_ref()
            .map_or(0.0, |h| h.duration_ms),
        Phase::Session => target.session.ok().map_or(0.0, |s| s.duration_ms),
        Phase::Inputs => 0.0,
    }
}

#[cfg(test)]
mod tests;
