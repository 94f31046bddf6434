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
//! assert_eq!(report.exit_code(), 0);
//! ```
#![deny(missing_docs)]

pub mod json;
pub mod model;
pub mod terminal;

pub use model::{Outcome, Report, Row, Summary, TargetInfo, exit_codes};

use std::io;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Human-readable text grouped by target.
    Terminal,
    /// `report.json`, schema `redis-preflight/report/v1`.
    Json,
}

impl Format {
    /// The file name this format is written to under `--output-dir`, if it has one.
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            Format::Terminal => None,
            Format::Json => Some("report.json"),
        }
    }

    /// Renders `report` in this format.
    pub fn write(self, report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
        match self {
            Format::Terminal => terminal::write(report, out),
            Format::Json => json::write(report, out),
        }
    }
}
