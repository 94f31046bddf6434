//! Accepted exceptions (`--waivers FILE`): a result a team has looked at and accepts, until a
//! date, with a reason and an owner. A waived result keeps its outcome and does not gate; the
//! waivers themselves are judged by `values.waivers`, so an expired waiver, or one that
//! matches nothing (a typo must not silently waive), gates under `ci`.

use std::path::{Path, PathBuf};

use checks::{Meta, Phase, Scope};
use reports::{Evidence, Outcome, Waiver};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::InputError;

/// The check that judges the waivers; it is never waived itself.
pub static META: Meta = Meta {
    id: "values.waivers",
    title: "every waiver matches a result and has not expired",
    category: "values",
    profiles: checks::Profile::NAMES,
    scope: Scope::Install,
    phase: Phase::Inputs,
    requires: &[],
    config: &[],
    opt_in: false,
    explain: "## What it checks\n\n\
        The waivers of `--waivers FILE`: each must match at least one result of the run (a check \
        ID or glob, rules included, on a target name or glob), and must not have expired (`expires` \
        is the last day it applies, in UTC). Only reported when `--waivers` is given.\n\n\
        ## Why it matters\n\n\
        A waiver accepts a known exception (a managed Redis whose CONFIG is blocked, a PoC without \
        a replica) without hiding it forever as `--skip` would: the result is still shown, marked \
        waived, and stops gating. A waiver past its date no longer applies, and one that matches \
        nothing is most likely a typo that waives nothing; both warn here, so they gate under \
        `--profile ci`.\n\n\
        ## How to fix\n\n\
        Renew an expired waiver with a new date (and a look at whether the exception still \
        holds), or remove it; correct the `check` or `target` of a waiver that matches nothing, or \
        remove it. `redis-preflight schema --waivers` prints the file's JSON Schema.",
};

/// The waivers file, as `schema --waivers` publishes it (the loader reads it with spans).
#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
#[schemars(title = "redis-preflight waivers")]
pub struct File {
    /// The accepted exceptions.
    pub waivers: Vec<Entry>,
}

/// One accepted exception.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// A check ID or glob (`redis.ha-replica`, `tls.*`, `org.*` for rules).
    pub check: String,
    /// A target name or glob (`ratelimiter`, `telemetry/*`, `*` for the whole install); default
    /// every target.
    #[serde(default)]
    pub target: Option<String>,
    /// Why the exception is accepted.
    pub reason: String,
    /// Who accepted it: a team or a person.
    pub owner: String,
    /// The last day the waiver applies, in UTC: `YYYY-MM-DD`.
    pub expires: String,
}

/// The file as read, with the line of each waiver.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spans {
    waivers: Vec<Spanned<Entry>>,
}

/// A loaded waiver.
struct Loaded {
    check: glob::Pattern,
    target: glob::Pattern,
    expires: time::Date,
    shown: Waiver,
}

/// Every waiver of the run.
#[derive(Default)]
pub struct Waivers {
    loaded: Vec<Loaded>,
    /// Whether `--waivers` was given (`values.waivers` is reported only then).
    pub given: bool,
}

/// The longest `reason` or `owner`, in characters: a waiver is a line in a report.
const MAX_TEXT: usize = 1024;

impl Waivers {
    /// Reads and validates every file: a problem is exit 2 naming the file, the line and the
    /// key.
    pub fn load(paths: &[PathBuf]) -> Result<Waivers, InputError> {
        let mut out = Waivers {
            loaded: Vec::new(),
            given: !paths.is_empty(),
        };
        for path in paths {
            let text = crate::inputs::read_capped(path)?;
            let file = path.display().to_string();
            let doc: Spans =
                serde_saphyr::from_str(&text).map_err(|e| InputError::yaml(&file, &e))?;
            for spanned in doc.waivers {
                let line = spanned.referenced.line();
                out.loaded.push(loaded(path, line, spanned.value)?);
            }
        }
        Ok(out)
    }

    /// The waiver that accepts the result of `check` on `target` on `today`: none for a
    /// pass or a skip (nothing to accept), for an expired waiver, or for `values.waivers`.
    pub fn find(
        &self,
        check: &str,
        target: &str,
        outcome: Outcome,
        today: time::Date,
    ) -> Option<Waiver> {
        if check == META.id || matches!(outcome, Outcome::Pass | Outcome::Skip) {
            return None;
        }
        self.loaded
            .iter()
            .find(|w| w.expires >= today && w.check.matches(check) && w.target.matches(target))
            .map(|w| w.shown.clone())
    }

    /// The verdict on the waivers themselves, given every result the run judged (selected
    /// or not: a waiver for a check this run left out is not a typo).
    pub fn verdict<'a>(
        &self,
        results: impl Iterator<Item = (&'a str, &'a str)> + Clone,
        today: time::Date,
    ) -> (Outcome, String, Evidence, Option<String>) {
        let mut problems = Vec::new();
        let mut in_effect = Vec::new();
        for w in &self.loaded {
            let what = format!(
                "{}: {} on {}",
                w.shown.source,
                w.check.as_str(),
                w.target.as_str()
            );
            let matched = results
                .clone()
                .any(|(c, t)| c != META.id && w.check.matches(c) && w.target.matches(t));
            if w.expires < today {
                problems.push(format!(
                    "{what}: expired {} (owner {})",
                    w.shown.expires, w.shown.owner
                ));
            } else if !matched {
                // A misspelt ID: the nearest result's check, as `--only` names it.
                let ids = results.clone().map(|(c, _)| c).filter(|c| *c != META.id);
                let near = crate::suggest::likely(w.check.as_str(), ids, 1)
                    .first()
                    .map(|c| format!(" (did you mean {c}?)"))
                    .unwrap_or_default();
                problems.push(format!("{what}: matches no result of this run{near}"));
            } else {
                in_effect.push(format!("{what} until {}", w.shown.expires));
            }
        }
        let mut evidence = Evidence::new();
        evidence.insert("waivers".into(), self.loaded.len().into());
        if problems.is_empty() {
            let message = match in_effect.len() {
                0 => "the waivers file holds no waiver".to_string(),
                n => format!("{n} waiver(s) in effect: {}", in_effect.join("; ")),
            };
            return (Outcome::Pass, message, evidence, None);
        }
        let message = format!(
            "{} of {} waiver(s) do not apply: {}",
            problems.len(),
            self.loaded.len(),
            problems[0]
        );
        evidence.insert(
            reports::terminal::FINDINGS.into(),
            serde_json::Value::from(problems),
        );
        let fix =
            "renew an expired waiver with a new `expires` date once the exception is looked at \
                   again, or remove it; correct the `check` or `target` of a waiver that matches \
                   nothing (see `redis-preflight list` for check IDs and the report for target \
                   names), or remove it"
                .to_string();
        (Outcome::Warn, message, evidence, Some(fix))
    }
}

fn loaded(path: &Path, line: u64, entry: Entry) -> Result<Loaded, InputError> {
    let bad = |key: &'static str, found: &str, expected: &str| InputError::Waiver {
        place: format!("{}:{line}", path.display()),
        key,
        found: found
            .chars()
            .take(60)
            .flat_map(char::escape_debug)
            .collect(),
        expected: expected.to_string(),
    };
    let pattern = |key: &'static str, text: &str| {
        glob::Pattern::new(text).map_err(|_| bad(key, text, "a name or a glob (`*`, `?`, `[…]`)"))
    };
    let check = pattern("check", &entry.check)?;
    let target = pattern("target", entry.target.as_deref().unwrap_or("*"))?;
    for (key, text) in [("reason", &entry.reason), ("owner", &entry.owner)] {
        if text.trim().is_empty() {
            return Err(bad(key, text, "a non-empty text"));
        }
        if text.chars().count() > MAX_TEXT {
            return Err(bad(key, "…", "at most 1024 characters"));
        }
    }
    let expires =
        date(&entry.expires).ok_or_else(|| bad("expires", &entry.expires, "a date, YYYY-MM-DD"))?;
    Ok(Loaded {
        check,
        target,
        expires,
        shown: Waiver {
            reason: entry.reason.trim().to_string(),
            owner: entry.owner.trim().to_string(),
            expires: entry.expires.trim().to_string(),
            source: format!("{}:{line}", path.display()),
        },
    })
}

/// `YYYY-MM-DD`, a real calendar day.
fn date(text: &str) -> Option<time::Date> {
    let format = time::format_description::parse_borrowed::<2>("[year]-[month]-[day]").ok()?;
    time::Date::parse(text.trim(), &format).ok()
}

/// The JSON Schema of a waivers file.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(File)).expect("a schema serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waivers(text: &str) -> Result<Waivers, String> {
        let dir = std::env::temp_dir().join(format!("waivers-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("w{}.yaml", text.len()));
        std::fs::write(&path, text).unwrap();
        Waivers::load(&[path]).map_err(|e| e.to_string())
    }

    #[test]
    fn dates_are_real_days() {
        assert!(date("2027-03-31").is_some());
        for bad in [
            "2027-02-30",
            "2027-3-31",
            "31-03-2027",
            "tomorrow",
            "2027-03-31T00:00",
        ] {
            assert!(date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn bad_waivers_name_the_line_and_the_key() {
        for (text, wanted) in [
            (
                "waivers:\n  - check: redis.ha-replica\n    reason: r\n    owner: o\n    expires: 2027-02-30\n",
                ":2: expires: \"2027-02-30\" is not a date, YYYY-MM-DD",
            ),
            (
                "waivers:\n  - check: redis.ha-replica\n    reason: ''\n    owner: o\n    expires: 2027-01-01\n",
                ":2: reason: \"\" is not a non-empty text",
            ),
            (
                "waivers:\n  - check: '[x'\n    reason: r\n    owner: o\n    expires: 2027-01-01\n",
                ":2: check: \"[x\" is not a name or a glob",
            ),
            (
                "waivers:\n  - check: x\n    reason: r\n    owner: o\n    expires: 2027-01-01\n    until: 2028-01-01\n",
                "unknown field `until`",
            ),
        ] {
            let err = waivers(text).err().unwrap_or_default();
            assert!(err.contains(wanted), "{text}\nwanted {wanted}\ngot {err}");
        }
    }

    #[test]
    fn a_waiver_accepts_until_its_last_day_and_never_a_pass() {
        let w = waivers(
            "waivers:\n  - check: redis.ha-*\n    target: rate*\n    reason: PoC\n    owner: platform\n    expires: 2027-03-31\n",
        )
        .unwrap();
        let day = |d: &str| date(d).unwrap();
        let find = |check, target, outcome, today| w.find(check, target, outcome, day(today));
        assert!(
            find(
                "redis.ha-replica",
                "ratelimiter",
                Outcome::Fail,
                "2027-03-31"
            )
            .is_some()
        );
        assert!(
            find(
                "redis.ha-replica",
                "ratelimiter",
                Outcome::Fail,
                "2027-04-01"
            )
            .is_none()
        );
        assert!(find("redis.ha-replica", "snapshot", Outcome::Fail, "2027-01-01").is_none());
        assert!(
            find(
                "redis.ha-replica",
                "ratelimiter",
                Outcome::Pass,
                "2027-01-01"
            )
            .is_none()
        );
        let results = [("redis.ha-replica", "ratelimiter")];
        let (outcome, message, ..) = w.verdict(results.iter().copied(), day("2027-01-01"));
        assert_eq!(outcome, Outcome::Pass, "{message}");
        let (outcome, message, ..) = w.verdict(results.iter().copied(), day("2027-04-01"));
        assert_eq!(outcome, Outcome::Warn);
        assert!(
            message.contains("expired 2027-03-31 (owner platform)"),
            "{message}"
        );
        let (outcome, message, ..) =
            w.verdict([("redis.role", "snapshot")].into_iter(), day("2027-01-01"));
        assert_eq!(outcome, Outcome::Warn);
        assert!(
            message.contains("matches no result of this run"),
            "{message}"
        );
    }
}
