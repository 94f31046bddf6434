//! `junit.xml`, written with quick-junit (cargo-nextest's writer).
//!
//! One `testsuite` per target and one named `install` for the install-wide checks; one
//! `testcase` per check, named by its ID, `classname` `redis-preflight.<target>`. `fail` is a
//! `failure`, `skip` is `skipped`; `warn` and `unknown` pass with their message in
//! `system-out` — or fail under `--strict`, so a dashboard shows the same verdict as the exit code.

use std::io;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report as JUnit, TestCase, TestCaseStatus, TestSuite};

use crate::escape::controls;
use crate::model::{Outcome, Report, Row};

/// The suite name of the install-wide checks (target `*`).
pub const INSTALL_SUITE: &str = "install";

/// Writes `report` as JUnit XML.
pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let mut junit = JUnit::new("redis-preflight");
    junit.set_time(seconds(report.duration_ms));
    for group in report.by_target() {
        let suite_name = xml(suite_name(group.name));
        let suite_name = suite_name.as_str();
        let mut suite = TestSuite::new(suite_name);
        for row in group.rows {
            suite.add_test_case(case(row, suite_name, report.strict));
        }
        junit.add_test_suite(suite);
    }
    junit.serialize(out).map_err(io::Error::other)
}

/// A time in milliseconds as JUnit's seconds; one no clock gives (negative, not a number,
/// past `Duration`'s range, from a facts file written by hand) is 0.
fn seconds(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
}

fn suite_name(target: &str) -> &str {
    if target == "*" { INSTALL_SUITE } else { target }
}

/// Text as XML 1.0 allows it: control characters are not allowed even as character
/// references, so they are written as visible escapes (`\x1b`). Tab, line feed and carriage
/// return are allowed but become escapes too: one field, one line.
fn xml(text: &str) -> String {
    controls(text).into_owned()
}

fn case(row: &Row, suite: &str, strict: bool) -> TestCase {
    let details = details(row);
    let message = xml(&row.message);
    let doubtful = row.waiver.is_none() && matches!(row.outcome, Outcome::Warn | Outcome::Unknown);
    let status = match row.outcome {
        // Accepted: skipped, with the waiver and what the result was.
        _ if row.waiver.is_some() => {
            let waiver = row.waiver.as_ref().expect("just matched");
            let mut s = TestCaseStatus::skipped();
            s.set_message(xml(&format!(
                "{} (was {}: {})",
                waiver.describe(),
                row.outcome,
                row.message
            )));
            s
        }
        Outcome::Fail => failure(&message, "fail", &details),
        Outcome::Warn | Outcome::Unknown if strict => {
            failure(&message, row.outcome.as_str(), &details)
        }
        Outcome::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(message.as_str());
            s
        }
        _ => TestCaseStatus::success(),
    };
    let mut case = TestCase::new(xml(&row.check), status);
    case.set_classname(format!("redis-preflight.{suite}"));
    case.set_time(seconds(row.duration_ms));
    if doubtful && !strict {
        case.set_system_out(format!(
            "{}: {message}\n{details}",
            row.outcome.as_str().to_uppercase(),
        ));
    }
    case
}

fn failure(message: &str, kind: &str, details: &str) -> TestCaseStatus {
    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
    s.set_message(message);
    s.set_type(kind);
    s.set_description(details);
    s
}

/// The evidence and the fix, as plain text lines (each line XML-safe).
fn details(row: &Row) -> String {
    let mut text = String::new();
    for (key, value) in row
        .evidence
        .iter()
        .filter(|(k, _)| *k != crate::sarif::LOCATIONS)
    {
        let shown = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.push_str(&format!("{}: {}\n", xml(key), xml(&shown)));
    }
    if let Some(fix) = &row.remediation {
        text.push_str(&format!("fix: {}\n", xml(fix)));
    }
    text
}

#[cfg(test)]
mod seconds_tests {
    use super::*;

    #[test]
    fn a_time_no_clock_gives_is_zero_never_a_panic() {
        assert_eq!(seconds(1500.0), Duration::from_millis(1500));
        for ms in [-5.0, f64::NAN, f64::INFINITY, 1e300] {
            assert_eq!(seconds(ms), Duration::ZERO, "{ms}");
        }
    }
}
