//! The terminal report: one block per target, one line per check with a mark for its outcome,
//! the fix under every failure, warning and unknown, and a summary line. Colour only when the
//! caller asks for it (a TTY without `NO_COLOR`); the text is the same either way.

use std::io;

use anstyle::{AnsiColor, Style};

use crate::escape::controls;
use crate::model::{Outcome, Report, Row, exit_codes};

fn mark(outcome: Outcome) -> (&'static str, Style) {
    let color = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match outcome {
        Outcome::Pass => ("✔", color(AnsiColor::Green)),
        Outcome::Warn => ("⚠", color(AnsiColor::Yellow)),
        Outcome::Fail => ("✖", color(AnsiColor::Red).bold()),
        Outcome::Skip => ("–", Style::new().dimmed()),
        Outcome::Unknown => ("?", color(AnsiColor::Magenta)),
    }
}

/// The evidence key under which a check lists several findings (strings), each printed on
/// its own line under the row.
pub const FINDINGS: &str = "issues";

/// Writes `report` as plain text.
pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    write_styled(report, out, false)
}

/// Writes `report`, in colour when `color` is true.
pub fn write_styled(report: &Report, out: &mut dyn io::Write, color: bool) -> io::Result<()> {
    let paint = |style: Style, text: &str| {
        if color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    };
    let width = report
        .results
        .iter()
        .map(|r| r.check.len())
        .max()
        .unwrap_or(0);
    for group in report.by_target() {
        let name = group.name;
        let heading = match group.info {
            Some(t) => {
                // What the server said about itself, as given (e.g. `version 7.2.4, role master`).
                let server = t.server.as_ref().and_then(|m| {
                    let said: Vec<String> = ["version", "role"]
                        .iter()
                        .filter_map(|k| {
                            m.get(*k)
                                .and_then(|v| v.as_str())
                                .map(|v| format!("{k} {}", controls(v)))
                        })
                        .collect();
                    // A server that told neither (a proxy that drops INFO and HELLO): no `[]`.
                    (!said.is_empty()).then(|| format!("  [{}]", said.join(", ")))
                });
                format!(
                    "{}  {}  ({}){}",
                    controls(name),
                    controls(&t.address),
                    controls(&t.components.join(", ")),
                    server.unwrap_or_default()
                )
            }
            None => "install  (checks over the whole values)".to_string(),
        };
        writeln!(out, "{}", paint(Style::new().bold(), &heading))?;
        let rows = group.rows;
        for (i, row) in rows.iter().enumerate() {
            // Skips that share a reason are one line: the report stays readable when TLS is
            // off or a prerequisite failed. JSON and JUnit keep every row.
            let same = |r: &&&Row| {
                r.outcome == Outcome::Skip && r.waiver.is_none() && r.message == row.message
            };
            if row.outcome == Outcome::Skip
                && row.waiver.is_none()
                && rows[..i].iter().any(|r| same(&r))
            {
                continue;
            }
            let group: Vec<&str> = rows[i..]
                .iter()
                .filter(|r| same(r))
                .map(|r| r.check.as_str())
                .collect();
            if group.len() > 1 && row.waiver.is_none() {
                let (glyph, style) = mark(Outcome::Skip);
                let line = format!("{} ({})", group.join(", "), row.message);
                let line = controls(&line);
                writeln!(
                    out,
                    "  {} {}",
                    paint(style, glyph),
                    paint(Style::new().dimmed(), &line)
                )?;
            } else {
                write_row(row, out, width, &paint)?;
            }
        }
        writeln!(out)?;
    }
    let s = report.summary();
    let code = report.exit_code();
    let (verdict, style) = match code {
        exit_codes::OK if s.skip == 0 => ("all checks passed", mark(Outcome::Pass).1),
        exit_codes::OK => ("no check failed", mark(Outcome::Pass).1),
        exit_codes::WARNED => ("no check failed, some need a look", mark(Outcome::Warn).1),
        _ => ("checks failed", mark(Outcome::Fail).1),
    };
    if let Some(wait) = &report.wait {
        writeln!(
            out,
            "waited {:.1}s of --wait {} over {} rounds ({}); this is the last round",
            wait.waited_ms / 1000.0,
            controls(&wait.deadline),
            wait.rounds,
            wait.ended
        )?;
    }
    writeln!(
        out,
        "{}: {} failed, {} warned, {} unknown, {} passed, {} skipped{}{} (exit {code})",
        paint(style, verdict),
        s.fail,
        s.warn,
        s.unknown,
        s.pass,
        s.skip,
        if s.waived > 0 {
            format!(", {} waived", s.waived)
        } else {
            String::new()
        },
        if report.strict { ", strict" } else { "" }
    )
}

fn write_row(
    row: &Row,
    out: &mut dyn io::Write,
    width: usize,
    paint: &dyn Fn(Style, &str) -> String,
) -> io::Result<()> {
    let (glyph, style) = mark(row.outcome);
    // Messages quote what servers and values files said: shown, never acted on.
    let message = controls(&row.message);
    if let Some(waiver) = &row.waiver {
        // Accepted: shown, dimmed, with what it would have been and who accepted it.
        let line = format!(
            "{} (was {}: {message})",
            controls(&waiver.describe()),
            row.outcome
        );
        return writeln!(
            out,
            "  {} {:<width$}  {}",
            paint(Style::new().dimmed(), "≈"),
            controls(&row.check),
            paint(Style::new().dimmed(), &line)
        );
    }
    let message = if row.outcome == Outcome::Skip {
        paint(Style::new().dimmed(), &message)
    } else {
        message.into_owned()
    };
    writeln!(
        out,
        "  {} {:<width$}  {message}",
        paint(style, glyph),
        controls(&row.check)
    )?;
    let doubtful = matches!(
        row.outcome,
        Outcome::Fail | Outcome::Warn | Outcome::Unknown
    );
    // Every finding of a check that reports several (the values findings), not only the
    // first its message names.
    if doubtful
        && let Some(serde_json::Value::Array(items)) = row.evidence.get(FINDINGS)
        && items.len() > 1
    {
        for item in items.iter().filter_map(|i| i.as_str()) {
            writeln!(out, "  {:<width$}    - {item}", "")?;
        }
    }
    if doubtful && let Some(fix) = &row.remediation {
        writeln!(
            out,
            "  {:<width$}    {} {fix}",
            "",
            paint(Style::new().bold(), "fix:"),
            fix = controls(fix)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Outcome, Report, Row};

    #[test]
    fn a_server_that_told_nothing_gets_no_empty_brackets() {
        let mut report = Report::new("preflight", false);
        report.targets = vec![crate::model::TargetInfo {
            name: "snapshot".into(),
            components: vec!["management-server".into()],
            address: "proxy:6379".into(),
            tls: false,
            auth: false,
            server: Some(serde_json::Map::new()),
        }];
        report.results = vec![Row::new(
            "net.tcp",
            "snapshot",
            Outcome::Pass,
            "title",
            "connected",
        )];
        let mut out = Vec::new();
        super::write(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let heading = text.lines().next().unwrap();
        assert_eq!(
            heading.trim_end(),
            "snapshot  proxy:6379  (management-server)",
            "{text}"
        );
    }

    #[test]
    fn every_values_finding_is_printed() {
        let mut report = Report::new("preflight", false);
        let mut row = Row::new(
            "values.schema",
            "*",
            Outcome::Fail,
            "title",
            "v.yaml: redis.adress: unknown key (and 2 more)",
        );
        row.remediation = Some("correct each key listed".into());
        row.evidence.insert(
            super::FINDINGS.into(),
            serde_json::json!([
                "v.yaml: redis.adress: unknown key",
                "v.yaml: redis.auth.enable: unknown key",
                "v.yaml: redis.connection.readTimout: unknown key",
            ]),
        );
        report.results = vec![row];
        let mut out = Vec::new();
        super::write(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for key in [
            "redis.adress",
            "redis.auth.enable",
            "redis.connection.readTimout",
        ] {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with("- v.yaml: ") && l.contains(key)),
                "{key} in {text}"
            );
        }
        let fix = text.find("fix:").unwrap();
        assert!(
            text.find("readTimout").unwrap() < fix,
            "findings before the fix: {text}"
        );
    }
}
