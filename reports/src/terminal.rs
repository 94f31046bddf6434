//! The terminal report: one block per target, one line per check, the fix under each failure.

use std::io;

use crate::model::{Outcome, Report, Row};

fn mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "ok  ",
        Outcome::Warn => "WARN",
        Outcome::Fail => "FAIL",
        Outcome::Skip => "skip",
        Outcome::Unknown => "??  ",
    }
}

/// Writes `report` as plain text.
pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    for name in report.target_names() {
        match report.targets.iter().find(|t| t.name == name) {
            Some(t) => writeln!(out, "{name} ({}, {})", t.address, t.components.join(", "))?,
            None => writeln!(out, "install (checks over the whole values)")?,
        }
        for row in report.rows_of(name) {
            write_row(row, out)?;
        }
        writeln!(out)?;
    }
    let s = report.summary();
    let verdict = match report.exit_code() {
        0 => "all checks passed",
        4 => "no check failed, some need a look",
        _ => "some checks failed",
    };
    writeln!(
        out,
        "{verdict}: {} passed, {} warned, {} failed, {} skipped, {} unknown",
        s.pass, s.warn, s.fail, s.skip, s.unknown
    )
}

fn write_row(row: &Row, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(
        out,
        "  [{}] {:<18} {}",
        mark(row.outcome),
        row.check,
        row.message
    )?;
    let needs_fix = matches!(
        row.outcome,
        Outcome::Fail | Outcome::Warn | Outcome::Unknown
    );
    if let (true, Some(fix)) = (needs_fix, &row.remediation) {
        writeln!(out, "         fix: {fix}")?;
    }
    Ok(())
}
