//! Plain data describing one run: what was judged, where, and with what outcome.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

use crate::Evidence;

/// Exit codes of the command line, independent of the output format.
pub mod exit_codes {
    /// No check failed, none warned or was unknown (skips are fine).
    pub const OK: i32 = 0;
    /// An internal error.
    pub const INTERNAL: i32 = 1;
    /// Invalid input: unreadable or malformed values, secrets or flags.
    pub const INPUT: i32 = 2;
    /// At least one check failed (or, under `--strict`, warned or was unknown).
    pub const FAILED: i32 = 3;
    /// None failed, at least one warned or was unknown.
    pub const WARNED: i32 = 4;
}

/// The outcome of one check on one target.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The property holds.
    Pass,
    /// The property holds only partly, or holds in a way that needs a look.
    Warn,
    /// The property does not hold.
    Fail,
    /// Not applicable, or a prerequisite did not pass (the message names it).
    Skip,
    /// Could not be determined; the message says what to verify by hand.
    Unknown,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Pass,
        Outcome::Warn,
        Outcome::Fail,
        Outcome::Skip,
        Outcome::Unknown,
    ];

    /// The lowercase name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warn => "warn",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
            Outcome::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One run: the targets probed and one row per judged check.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The tool's version.
    pub version: String,
    /// `preflight`, `post-upgrade` or `ci`.
    pub profile: String,
    /// RFC 3339 UTC time the run started.
    pub started_at: String,
    /// Wall time of the whole run.
    pub duration_ms: f64,
    /// Whether warn and unknown gate the exit code.
    pub strict: bool,
    /// What was probed.
    pub targets: Vec<TargetInfo>,
    /// One row per check and target, in catalog order within each target.
    pub results: Vec<Row>,
    /// How long `--wait` waited, when it was given.
    pub wait: Option<Wait>,
}

/// What `--wait` did: the report is its last round's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Wait {
    /// The deadline given, as written (`5m`).
    pub deadline: String,
    /// Rounds of probing, the reported one included.
    pub rounds: u32,
    /// Time from the first round's start to the last round's start.
    pub waited_ms: f64,
    /// Why the waiting ended: `passed`, `deadline` or `unchanging` (what still fails cannot
    /// change by waiting: values findings, a missing secret key).
    pub ended: String,
}

/// An accepted exception (`--waivers`): the result keeps its outcome and does not gate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Waiver {
    /// Why the exception is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// The last day it applies (UTC), `YYYY-MM-DD`.
    pub expires: String,
    /// `file:line` of the waiver.
    pub source: String,
}

/// A probed endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetInfo {
    /// Target name, e.g. `snapshot` or `extauth/portal`.
    pub name: String,
    /// The components that use this endpoint.
    pub components: Vec<String>,
    /// `host:port` as the components dial it.
    pub address: String,
    /// Whether the components speak TLS to it.
    pub tls: bool,
    /// Whether the components authenticate.
    pub auth: bool,
    /// What the server said about itself (e.g. `version`, `run_id`, `role`), when it said it.
    pub server: Option<Map<String, Value>>,
}

/// One judged check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Row {
    /// Stable check ID, e.g. `redis.noeviction`.
    pub check: String,
    /// Target name, or `*` for checks over the whole install.
    pub target: String,
    /// The verdict.
    pub outcome: Outcome,
    /// The passing condition, e.g. "maxmemory-policy is noeviction".
    pub title: String,
    /// What was found, observed first then expected.
    pub message: String,
    /// How to fix what was found, for non-passing outcomes.
    pub remediation: Option<String>,
    /// Observed key → value pairs backing the verdict (never a secret value).
    pub evidence: Evidence,
    /// Time of the probe phase the check judged.
    pub duration_ms: f64,
    /// The waiver that accepts this result: it then does not gate.
    // Boxed: few rows have one, and a run at hundreds of targets holds thousands of rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Box<Waiver>>,
}

impl Waiver {
    /// How every format says a result is waived: `waived until 2027-03-31 by platform-team
    /// (waivers.yaml:4): <reason>`.
    pub fn describe(&self) -> String {
        format!(
            "waived until {} by {} ({}): {}",
            self.expires, self.owner, self.source, self.reason
        )
    }
}

impl Row {
    /// A row with no evidence, remediation or duration.
    pub fn new(check: &str, target: &str, outcome: Outcome, title: &str, message: &str) -> Row {
        Row {
            check: check.to_string(),
            target: target.to_string(),
            outcome,
            title: title.to_string(),
            message: message.to_string(),
            remediation: None,
            evidence: Evidence::new(),
            duration_ms: 0.0,
            waiver: None,
        }
    }
}

/// Counts per outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Passed checks.
    pub pass: usize,
    /// Warned checks.
    pub warn: usize,
    /// Failed checks.
    pub fail: usize,
    /// Skipped checks.
    pub skip: usize,
    /// Checks whose outcome could not be determined.
    pub unknown: usize,
    /// Results a waiver accepts, whatever their outcome: counted here, not under it, and
    /// never gating.
    #[serde(default)]
    pub waived: usize,
}

impl Summary {
    /// Counts the outcomes of `rows`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Summary {
        let mut s = Summary::default();
        for row in rows {
            if row.waiver.is_some() {
                s.waived += 1;
            } else {
                *s.slot(row.outcome) += 1;
            }
        }
        s
    }

    fn slot(&mut self, outcome: Outcome) -> &mut usize {
        match outcome {
            Outcome::Pass => &mut self.pass,
            Outcome::Warn => &mut self.warn,
            Outcome::Fail => &mut self.fail,
            Outcome::Skip => &mut self.skip,
            Outcome::Unknown => &mut self.unknown,
        }
    }

    /// The count for one outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        let mut copy = *self;
        *copy.slot(outcome)
    }

    /// The exit code these counts call for (see [`exit_codes`]).
    pub fn exit_code(&self, strict: bool) -> i32 {
        let doubtful = self.warn + self.unknown > 0;
        if self.fail > 0 || (strict && doubtful) {
            exit_codes::FAILED
        } else if doubtful {
            exit_codes::WARNED
        } else {
            exit_codes::OK
        }
    }
}

impl Report {
    /// An empty report for `profile`, stamped with this crate's version.
    pub fn new(profile: &str, strict: bool) -> Report {
        Report {
            version: env!("CARGO_PKG_VERSION").to_string(),
            profile: profile.to_string(),
            started_at: String::new(),
            duration_ms: 0.0,
            strict,
            targets: Vec::new(),
            results: Vec::new(),
            wait: None,
        }
    }

    /// Counts per outcome over all results.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.results)
    }

    /// The exit code of this run.
    pub fn exit_code(&self) -> i32 {
        self.summary().exit_code(self.strict)
    }

    /// Target names in report order: every probed target, then `*` when a row has it.
    pub fn target_names(&self) -> Vec<&str> {
        self.by_target().into_iter().map(|g| g.name).collect()
    }

    /// Each target in report order (every probed target, then any other a row names: `*`)
    /// with what is known of it and its rows in report order. One pass over the rows, so
    /// that writing a report of ten thousand targets stays linear.
    pub fn by_target(&self) -> Vec<TargetRows<'_>> {
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(self.targets.len() + 1);
        let mut out: Vec<TargetRows<'_>> = Vec::with_capacity(self.targets.len() + 1);
        for t in &self.targets {
            index.entry(t.name.as_str()).or_insert_with(|| {
                out.push(TargetRows {
                    name: &t.name,
                    info: Some(t),
                    rows: Vec::new(),
                });
                out.len() - 1
            });
        }
        for row in &self.results {
            let i = *index.entry(row.target.as_str()).or_insert_with(|| {
                out.push(TargetRows {
                    name: &row.target,
                    info: None,
                    rows: Vec::new(),
                });
                out.len() - 1
            });
            out[i].rows.push(row);
        }
        out
    }

    /// The rows of one target, in report order.
    pub fn rows_of<'a>(&'a self, target: &'a str) -> impl Iterator<Item = &'a Row> + 'a {
        self.results.iter().filter(move |r| r.target == target)
    }
}

/// One target of a report with its rows: see [`Report::by_target`].
pub struct TargetRows<'a> {
    /// The target's name (`*` for the install-wide checks).
    pub name: &'a str,
    /// What is known of the target (none for `*`).
    pub info: Option<&'a TargetInfo>,
    /// Its rows, in report order.
    pub rows: Vec<&'a Row>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(outcomes: &[Outcome]) -> Summary {
        let rows: Vec<Row> = outcomes
            .iter()
            .map(|o| Row::new("x", "t", *o, "", ""))
            .collect();
        Summary::of(&rows)
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        use Outcome::*;
        let cases: &[(&[Outcome], bool, i32)] = &[
            (&[Pass, Skip], false, 0),
            (&[Pass, Warn], false, 4),
            (&[Pass, Unknown], false, 4),
            (&[Pass, Warn], true, 3),
            (&[Pass, Unknown], true, 3),
            (&[Fail, Warn], false, 3),
            (&[], false, 0),
        ];
        // A waived failure counts as waived and gates nothing.
        let mut rows = vec![
            Row::new("x", "t", Fail, "", ""),
            Row::new("y", "t", Pass, "", ""),
        ];
        rows[0].waiver = Some(Box::new(Waiver {
            reason: "r".into(),
            owner: "o".into(),
            expires: "2099-01-01".into(),
            source: "w.yaml:2".into(),
        }));
        let s = Summary::of(&rows);
        assert_eq!((s.fail, s.pass, s.waived), (0, 1, 1));
        assert_eq!(s.exit_code(true), 0);
        for (outcomes, strict, code) in cases {
            assert_eq!(
                summary(outcomes).exit_code(*strict),
                *code,
                "{outcomes:?} strict={strict}"
            );
        }
    }
}
