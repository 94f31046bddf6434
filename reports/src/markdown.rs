//! `report.md`: GitHub-flavoured Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
//!
//! A one-line verdict, a summary table, a table per target (folded when all of it passed),
//! then a section per non-passing result with its evidence and fix.

use std::io;

use crate::escape::controls;
use crate::model::{Outcome, Report, Row, exit_codes};

fn icon(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✅",
        Outcome::Warn => "⚠️",
        Outcome::Fail => "❌",
        Outcome::Skip => "⏭️",
        Outcome::Unknown => "❔",
    }
}

/// Text from the report (which quotes servers and values files) as Markdown that shows it:
/// control characters visible (line breaks too), no HTML (`<` written as an entity).
fn prose(text: &str) -> String {
    controls(text).replace('&', "&amp;").replace('<', "&lt;")
}

/// Prose for one table cell: no pipes either.
pub fn cell(text: &str) -> String {
    prose(text).replace('|', "\\|")
}

/// An inline code span: no backtick to close it early, control characters visible.
/// (Entities are not decoded in code spans, so `<` stays as it is.)
pub fn code_span(text: &str) -> String {
    format!("`{}`", controls(text).replace('`', "'"))
}

/// An inline code span inside a table cell: no pipe to end the cell either.
pub fn cell_code(text: &str) -> String {
    code_span(text).replace('|', "\\|")
}

/// Writes `report` as Markdown.
pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let s = report.summary();
    let code = report.exit_code();
    let headline = match code {
        exit_codes::OK => "✅ **redis-preflight passed**",
        exit_codes::WARNED => "⚠️ **redis-preflight passed with warnings**",
        _ => "❌ **redis-preflight failed**",
    };
    writeln!(
        out,
        "{headline}: {} failed, {} warned, {} unknown, {} passed, {} skipped{} (profile `{}`{}, exit {code})\n",
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
        report.profile,
        if report.strict { ", strict" } else { "" }
    )?;
    if let Some(wait) = &report.wait {
        writeln!(
            out,
            "Waited {:.1}s of `--wait {}` over {} rounds ({}); the results are the last round's.\n",
            wait.waited_ms / 1000.0,
            controls(&wait.deadline).replace('`', "'"),
            wait.rounds,
            wait.ended
        )?;
    }
    writeln!(
        out,
        "| target | address | components | pass | warn | fail | skip | unknown |"
    )?;
    writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|")?;
    let groups = report.by_target();
    for group in &groups {
        let (name, t) = (group.name, group.info);
        let counts = crate::model::Summary::of(group.rows.iter().copied());
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            label(name).replace('|', "\\|"),
            t.map_or("".into(), |t| cell_code(&t.address)),
            t.map_or("".into(), |t| cell(&t.components.join(", "))),
            counts.pass,
            counts.warn,
            counts.fail,
            counts.skip,
            counts.unknown
        )?;
    }
    writeln!(out)?;
    for group in &groups {
        let (name, rows) = (group.name, &group.rows);
        let clean = rows
            .iter()
            .all(|r| r.waiver.is_none() && matches!(r.outcome, Outcome::Pass | Outcome::Skip));
        // A clean target folds away, so an all-green report stays short.
        if clean {
            writeln!(
                out,
                "<details><summary>{} — all {} checks passed or skipped</summary>\n",
                label_html(name),
                rows.len()
            )?;
        } else {
            writeln!(out, "### {}\n", label(name))?;
        }
        writeln!(out, "| check | outcome | message |")?;
        writeln!(out, "|---|---|---|")?;
        for r in rows {
            match &r.waiver {
                Some(w) => writeln!(
                    out,
                    "| {} | 🔕 waived ({}) | {} — {} |",
                    cell_code(&r.check),
                    r.outcome,
                    cell(&w.describe()),
                    cell(&r.message)
                )?,
                None => writeln!(
                    out,
                    "| {} | {} {} | {} |",
                    cell_code(&r.check),
                    icon(r.outcome),
                    r.outcome,
                    cell(&r.message)
                )?,
            }
        }
        writeln!(out)?;
        if clean {
            writeln!(out, "</details>\n")?;
        }
    }
    let problems: Vec<&Row> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Warn | Outcome::Unknown))
        .filter(|r| r.waiver.is_none())
        .collect();
    if !problems.is_empty() {
        writeln!(out, "### What to fix\n")?;
    }
    for r in problems {
        writeln!(
            out,
            "#### {} {} on {}\n",
            icon(r.outcome),
            code_span(&r.check),
            label(&r.target)
        )?;
        writeln!(out, "{}\n", prose(&r.message))?;
        if !r.evidence.is_empty() {
            writeln!(out, "<details><summary>Evidence</summary>\n")?;
            // Where each finding stands is for code scanning (SARIF); `issues` lists them.
            for (key, value) in r
                .evidence
                .iter()
                .filter(|(k, _)| *k != crate::sarif::LOCATIONS)
            {
                match value {
                    // A list (the values findings, a certificate chain) reads as a list.
                    serde_json::Value::Array(items) if !items.is_empty() => {
                        writeln!(out, "- {}:", code_span(key))?;
                        for item in items {
                            let shown = match item {
                                serde_json::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            writeln!(out, "  - {}", code_span(&shown))?;
                        }
                    }
                    serde_json::Value::String(s) => {
                        writeln!(out, "- {}: {}", code_span(key), code_span(s))?
                    }
                    other => writeln!(
                        out,
                        "- {}: {}",
                        code_span(key),
                        code_span(&other.to_string())
                    )?,
                }
            }
            writeln!(out, "\n</details>\n")?;
        }
        if let Some(fix) = &r.remediation {
            writeln!(out, "**Fix:** {}\n", prose(fix))?;
        }
    }
    Ok(())
}

fn label(target: &str) -> String {
    if target == "*" {
        "install (whole values)".into()
    } else {
        code_span(target)
    }
}

fn label_html(target: &str) -> String {
    if target == "*" {
        "install (whole values)".into()
    } else {
        format!("<code>{}</code>", prose(target))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Outcome, Report, Row};

    #[test]
    fn list_evidence_is_a_markdown_list() {
        let mut report = Report::new("preflight", false);
        let mut row = Row::new("values.schema", "*", Outcome::Warn, "title", "message");
        row.evidence.insert(
            "issues".into(),
            serde_json::json!(["v.yaml: redis.flavour: unknown key", "v.yaml: redis.x: `y`"]),
        );
        report.results = vec![row];
        let mut out = Vec::new();
        super::write(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(
                "- `issues`:\n  - `v.yaml: redis.flavour: unknown key`\n  - `v.yaml: redis.x: 'y'`\n"
            ),
            "{text}"
        );
        assert!(!text.contains("[\""), "no raw JSON array: {text}");
    }
}
