//! The report model of redis-preflight and its writers.
//!
//! The main type is [`Report`]: plain data describing one run (targets, one [`Row`] per judged
//! check). Each format lives in its own module and exposes
//! `write(&Report, &mut dyn io::Write) -> io::Result<()>`; [`Format`] dispatches to them.
//! This crate knows nothing of Redis: it renders whatever rows it is given.
//!
//! ```
//! use reports::{Format, Outcome, Report, Row};
//! let mut report = Report::new("preflight", false);
//! report.results.push(Row::new("net.tcp", "snapshot", Outcome::Pass, "TCP connection opens", "connected"));
//! let mut out = Vec::new();
//! Format::Json.write(&report, &mut out).unwrap();
//! assert_eq!(report.exit_code(), reports::exit_codes::OK);
//! ```
#![deny(missing_docs)]

pub mod escape;
pub mod evidence;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod sarif;
pub mod terminal;

pub use evidence::Evidence;
pub use model::{Outcome, Report, Row, Summary, TargetInfo, Wait, Waiver, exit_codes};

use std::io;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Human-readable text grouped by target.
    Terminal,
    /// `report.json`, schema `redis-preflight/report/v1`.
    Json,
    /// `junit.xml` for CI test dashboards.
    Junit,
    /// `report.md` for pull-request comments and job summaries.
    Markdown,
    /// `report.sarif` (SARIF 2.1.0): the values findings on the lines of their keys, for
    /// code scanning. Written only when asked for.
    Sarif,
}

impl Format {
    /// Every format that is written to a file, in `--output-dir` order.
    pub const FILES: [Format; 3] = [Format::Json, Format::Junit, Format::Markdown];

    /// The file name this format is written to under `--output-dir`, if it has one.
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            Format::Terminal => None,
            Format::Json => Some("report.json"),
            Format::Junit => Some("junit.xml"),
            Format::Markdown => Some("report.md"),
            Format::Sarif => Some("report.sarif"),
        }
    }

    /// Renders `report` in this format.
    pub fn write(self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        match self {
            Format::Terminal => terminal::write(report, out),
            Format::Json => json::write(report, out),
            Format::Junit => junit::write(report, out),
            Format::Markdown => markdown::write(report, out),
            Format::Sarif => sarif::write(report, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One fixed report (fixed clock and durations) with every outcome, for the snapshots.
    pub(crate) fn fixture(strict: bool) -> Report {
        let mut r = Report::new("preflight", strict);
        r.version = "0.0.0-test".into();
        r.started_at = "2026-11-25T19:00:00Z".into();
        r.duration_ms = 12.5;
        let server: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"version": "7.2.4", "run_id": "abc123", "role": "master"}"#)
                .unwrap();
        r.targets = vec![
            TargetInfo {
                name: "snapshot".into(),
                components: vec!["management-server".into(), "ui".into()],
                address: "redis.example:6379".into(),
                tls: true,
                auth: true,
                server: Some(server),
            },
            TargetInfo {
                name: "ratelimiter".into(),
                components: vec!["rate-limiter".into()],
                address: "rl.example:6379".into(),
                tls: false,
                auth: false,
                server: None,
            },
        ];
        let row = |check: &str, target: &str, outcome, message: &str, fix: Option<&str>| {
            let mut row = Row::new(
                check,
                target,
                outcome,
                &format!("title of {check}"),
                message,
            );
            row.remediation = fix.map(String::from);
            row.duration_ms = 1.25;
            row
        };
        let mut fail = row(
            "redis.noeviction",
            "ratelimiter",
            Outcome::Fail,
            "maxmemory-policy is allkeys-lru | not noeviction",
            Some("CONFIG SET maxmemory-policy noeviction"),
        );
        fail.evidence
            .insert("maxmemory_policy".into(), "allkeys-lru".into());
        r.results = vec![
            row("net.tcp", "snapshot", Outcome::Pass, "connected", None),
            row(
                "auth.login",
                "snapshot",
                Outcome::Warn,
                "the server needs no credentials",
                Some("require a password"),
            ),
            row("net.tcp", "ratelimiter", Outcome::Pass, "connected", None),
            fail,
            row(
                "redis.role",
                "ratelimiter",
                Outcome::Unknown,
                "ROLE refused; verify by hand",
                Some("ask for the primary endpoint"),
            ),
            row(
                "auth.secret",
                "ratelimiter",
                Outcome::Skip,
                "authentication is off",
                None,
            ),
            row(
                "tls.expiry",
                "ratelimiter",
                Outcome::Skip,
                "TLS is off in the values",
                None,
            ),
            row(
                "tls.hostname",
                "ratelimiter",
                Outcome::Skip,
                "TLS is off in the values",
                None,
            ),
            row(
                "values.schema",
                "*",
                Outcome::Pass,
                "the Redis values are well-formed",
                None,
            ),
        ];
        r
    }

    fn render(format: Format, report: &Report) -> String {
        let mut out = Vec::new();
        format.write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn terminal_snapshot() {
        insta::assert_snapshot!(render(Format::Terminal, &fixture(false)));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(render(Format::Json, &fixture(false)));
    }

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!(render(Format::Junit, &fixture(false)));
    }

    #[test]
    fn junit_strict_snapshot() {
        insta::assert_snapshot!(render(Format::Junit, &fixture(true)));
    }

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(render(Format::Markdown, &fixture(false)));
    }

    #[test]
    fn colour_only_when_asked() {
        let mut plain = Vec::new();
        terminal::write_styled(&fixture(false), &mut plain, false).unwrap();
        assert!(!plain.contains(&0x1b));
        let mut coloured = Vec::new();
        terminal::write_styled(&fixture(false), &mut coloured, true).unwrap();
        assert!(coloured.contains(&0x1b));
    }

    /// A report quoting a hostile server: escapes, a fake verdict, bidi overrides, pipes and
    /// backticks in every field a server or a values file can fill.
    fn hostile() -> Report {
        let mut r = fixture(false);
        let evil = "\x1b[2J\x1b[H\r✔ every check passed\x07 | `x` <b>\u{202e}\u{ffff}";
        r.targets[0].address = format!("redis.example:6379{evil}");
        r.targets[0].components.push(evil.into());
        r.targets[0]
            .server
            .as_mut()
            .unwrap()
            .insert("version".into(), evil.into());
        let row = &mut r.results[3];
        row.message = format!("maxmemory-policy is {evil}");
        row.remediation = Some(format!("fix {evil}"));
        row.evidence.insert("maxmemory_policy".into(), evil.into());
        r
    }

    #[test]
    fn untrusted_text_stays_text_in_every_format() {
        let report = hostile();
        for format in [
            Format::Terminal,
            Format::Markdown,
            Format::Junit,
            Format::Json,
        ] {
            let out = render(format, &report);
            for active in ['\x1b', '\r', '\x07', '\u{202e}'] {
                // JSON is read by programs: serde escapes the controls, bidi marks are data.
                if format == Format::Json && active == '\u{202e}' {
                    continue;
                }
                assert!(!out.contains(active), "{format:?} holds {active:?}:\n{out}");
            }
        }
        let md = render(Format::Markdown, &report);
        // No HTML outside code spans (inside them it is shown as typed).
        for line in md.lines() {
            let outside = line.split('`').step_by(2).collect::<String>();
            assert!(!outside.contains("<b>"), "{line}");
        }
        // Every table row keeps its cell count: pipes inside values are escaped.
        for line in md.lines().filter(|l| l.starts_with("| ")) {
            let cells = line.replace("\\|", "").matches('|').count();
            assert!(cells == 4 || cells == 9, "{line}");
        }
        let junit = render(Format::Junit, &report);
        let allowed = |c: char| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
        };
        assert!(junit.chars().all(allowed), "{junit}");
    }

    #[test]
    fn hostile_markdown_snapshot() {
        insta::assert_snapshot!(render(Format::Markdown, &hostile()));
    }

    #[test]
    fn hostile_terminal_snapshot() {
        insta::assert_snapshot!(render(Format::Terminal, &hostile()));
    }

    #[test]
    fn a_clean_report_stays_short_in_markdown() {
        let mut clean = fixture(false);
        clean.results.retain(|r| r.outcome == Outcome::Pass);
        let md = render(Format::Markdown, &clean);
        assert!(md.starts_with("✅ **redis-preflight passed**"));
        assert!(!md.contains("What to fix"));
        assert_eq!(
            md.matches("<details>").count(),
            3,
            "every target folds away"
        );
    }
}
