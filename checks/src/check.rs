//! The `Check` trait, its metadata and its verdict.

use reports::{Evidence, Outcome};
use serde_json::Value;

use crate::facts::{Facts, TargetFacts};

/// Whether a check judges one target or the whole install.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Runs once per target.
    Target,
    /// Runs once, reported under target `*`.
    Install,
}

/// The probe phase a check judges: where its time is spent, and what a run deadline cuts short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Name resolution (`net.dns`).
    Dns,
    /// The TCP connection (`net.tcp`).
    Tcp,
    /// The TLS handshake (`tls.*`).
    Tls,
    /// The Redis session: login and reads.
    Session,
    /// Judged from the inputs alone (values, secrets, rendered objects); no probe phase.
    Inputs,
}

/// Static description of a check; `explain` is its doc comment.
#[derive(Debug)]
pub struct Meta {
    /// Stable ID, e.g. `redis.noeviction`.
    pub id: &'static str,
    /// The passing condition, e.g. "maxmemory-policy is noeviction".
    pub title: &'static str,
    /// The ID's first segment.
    pub category: &'static str,
    /// Profiles that run the check.
    pub profiles: &'static [&'static str],
    /// Per target or per install.
    pub scope: Scope,
    /// The probe phase the check judges.
    pub phase: Phase,
    /// Checks that must pass (or warn) first; otherwise this one is `skip`.
    pub requires: &'static [&'static str],
    /// The `CONFIG GET` parameters it reads: the probe asks the server for those of the
    /// catalog ([`crate::catalog::config_params`]), and no others but the rules'.
    pub config: &'static [&'static str],
    /// Runs only when the user opts in (`--allow-write` for the write probe).
    pub opt_in: bool,
    /// Markdown text: What it checks / Why Gloo needs it / How to fix / On managed services.
    pub explain: &'static str,
}

/// What the engine hands a check: the whole observation, and the target being judged.
#[derive(Clone, Copy)]
pub struct Subject<'a> {
    /// Everything observed.
    pub facts: &'a Facts,
    /// The target being judged; `None` for install-wide checks.
    pub target: Option<&'a TargetFacts>,
}

impl<'a> Subject<'a> {
    /// The target; install-wide checks never call this.
    pub fn target(&self) -> &'a TargetFacts {
        self.target
            .expect("a per-target check is always given a target")
    }
}

/// A check: a pure function from facts to a verdict.
pub trait Check: Sync {
    /// The check's static description.
    fn meta(&self) -> &'static Meta;
    /// Judges the subject. No I/O, no clock: everything comes from the facts.
    fn judge(&self, subject: Subject<'_>) -> Verdict;
    /// A verdict on facts that need no network (the values and the secrets), asked before
    /// the prerequisites are consulted: `Some` stands whatever they say, so a laptop where
    /// cluster names do not resolve still learns that the CA secret is missing. Return `Some`
    /// only for what the probe could not change (typically a `fail` on the configured
    /// material); `None`, the default, leaves the check to its prerequisites and [`Check::judge`].
    fn judge_offline(&self, _subject: Subject<'_>) -> Option<Verdict> {
        None
    }
}

/// A check's judgement: outcome, message, evidence and the fix for the cause found.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The outcome.
    pub outcome: Outcome,
    /// What was found, observed first then expected.
    pub message: String,
    /// Observed key → value pairs (never a secret value).
    pub evidence: Evidence,
    /// How to fix the cause found.
    pub remediation: Option<String>,
    /// The check whose outcome skipped this one, if any (shown as evidence `blocked_by` too).
    pub blocked_by: Option<&'static str>,
}

impl Verdict {
    fn new(outcome: Outcome, message: impl Into<String>) -> Verdict {
        Verdict {
            outcome,
            message: message.into(),
            evidence: Evidence::new(),
            remediation: None,
            blocked_by: None,
        }
    }

    /// A passing verdict.
    pub fn pass(message: impl Into<String>) -> Verdict {
        Verdict::new(Outcome::Pass, message)
    }

    /// A warning.
    pub fn warn(message: impl Into<String>) -> Verdict {
        Verdict::new(Outcome::Warn, message)
    }

    /// A failure.
    pub fn fail(message: impl Into<String>) -> Verdict {
        Verdict::new(Outcome::Fail, message)
    }

    /// Not applicable, or a prerequisite is missing.
    pub fn skip(message: impl Into<String>) -> Verdict {
        Verdict::new(Outcome::Skip, message)
    }

    /// Could not be determined.
    pub fn unknown(message: impl Into<String>) -> Verdict {
        Verdict::new(Outcome::Unknown, message)
    }

    /// Adds one piece of evidence.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Verdict {
        self.evidence.insert(key.to_string(), value.into());
        self
    }

    /// Names the check whose outcome skipped this one.
    pub fn blocked_by(mut self, check: &'static str) -> Verdict {
        self.blocked_by = Some(check);
        self.with("blocked_by", check)
    }

    /// The skip a prerequisite `check` that did not pass causes. A prerequisite that was itself
    /// skipped passes its verdict on, so every dependant names the check that actually failed.
    pub fn blocked(check: &'static str, prerequisite: &Verdict) -> Verdict {
        if prerequisite.outcome == Outcome::Skip {
            return prerequisite.clone();
        }
        let past = match prerequisite.outcome {
            Outcome::Fail => "failed",
            _ => "could not be determined",
        };
        Verdict::skip(format!("skipped: {check} {past}: {}", prerequisite.message))
            .blocked_by(check)
    }

    /// Sets the fix for the cause found.
    pub fn fix(mut self, remediation: impl Into<String>) -> Verdict {
        self.remediation = Some(remediation.into());
        self
    }
}

/// Declares a check type whose `///` doc comment becomes [`Meta::explain`], with its metadata:
/// ID, title, scope, the probe phase it judges (`Dns`, `Tcp`, `Tls`, `Session`, or `Inputs` for
/// checks judged from the values and secrets alone), prerequisites, and optionally profiles and
/// opt-in.
///
/// ```
/// use checks::check::{Check, Meta, Phase, Subject, Verdict};
///
/// checks::check! {
///     /// ## What it checks
///     /// The target's port is the default one.
///     DefaultPort {
///         id: "example.default-port",
///         title: "the port is 6379",
///         scope: Target,
///         phase: Inputs,
///         requires: [],
///         profiles: ["preflight"],
///     }
/// }
///
/// impl Check for DefaultPort {
///     fn meta(&self) -> &'static Meta {
///         &Self::META
///     }
///     fn judge(&self, subject: Subject<'_>) -> Verdict {
///         match subject.target().port {
///             6379 => Verdict::pass("port 6379"),
///             port => Verdict::warn(format!("port {port}, expected 6379")).fix("use port 6379"),
///         }
///     }
/// }
///
/// assert_eq!(DefaultPort::META.category, "example");
/// assert_eq!(DefaultPort::META.phase, Phase::Inputs);
/// assert!(DefaultPort::META.explain.contains("## What it checks"));
/// let target = checks::testing::healthy_target("snapshot");
/// let verdict = checks::testing::judge(&DefaultPort, &target);
/// assert_eq!(verdict.outcome, reports::Outcome::Pass);
/// ```
#[macro_export]
macro_rules! check {
    (
        $(#[doc = $doc:expr])*
        $name:ident {
            id: $id:literal,
            title: $title:literal,
            scope: $scope:ident,
            phase: $phase:ident,
            requires: [$($req:literal),* $(,)?]
            $(, config: [$($param:literal),* $(,)?])?
            $(, profiles: [$($profile:literal),* $(,)?])?
            $(, opt_in: $opt_in:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            /// This check's static description.
            pub const META: $crate::check::Meta = $crate::check::Meta {
                id: $id,
                title: $title,
                category: match ::core::str::from_utf8($id.as_bytes().split_at($crate::check::dot($id)).0) {
                    Ok(s) => s,
                    Err(_) => panic!("check IDs are ASCII"),
                },
                profiles: $crate::check::profiles(&[$($($profile),*)?]),
                scope: $crate::check::Scope::$scope,
                phase: $crate::check::Phase::$phase,
                requires: &[$($req),*],
                config: &[$($($param),*)?],
                opt_in: false $(|| $opt_in)?,
                explain: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// Every profile; checks run in all of them unless they say otherwise.
pub const ALL_PROFILES: &[&str] = crate::Profile::NAMES;

/// The profiles a check names, or all of them when it names none.
pub const fn profiles(named: &'static [&'static str]) -> &'static [&'static str] {
    if named.is_empty() {
        ALL_PROFILES
    } else {
        named
    }
}

/// Position of the first `.` in a check ID (const, for the `check!` macro).
pub const fn dot(id: &str) -> usize {
    let bytes = id.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'.' {
            return i;
        }
        i += 1;
    }
    bytes.len()
}
