//! `report.json`: the machine-readable report, schema `redis-preflight/report/v1`.
//!
//! ```json
//! {
//!   "schema": "redis-preflight/report/v1",
//!   "tool": {"name": "redis-preflight", "version": "0.1.0"},
//!   "profile": "preflight",
//!   "started_at": "2026-11-25T19:00:00Z",
//!   "duration_ms": 12.5,
//!   "exit_code": 3,
//!   "summary": {"pass": 20, "warn": 1, "fail": 2, "skip": 3, "unknown": 0},
//!   "targets": [{"name": "snapshot", "components": ["management-server"], "address": "redis:6379",
//!                "tls": true, "auth": true, "server": {"version": "7.2.4", "run_id": "…", "role": "master"}}],
//!   "results": [{"check": "redis.noeviction", "target": "snapshot", "outcome": "fail",
//!                "title": "maxmemory-policy is noeviction", "message": "…", "remediation": "…",
//!                "evidence": {"maxmemory_policy": "allkeys-lru"}, "duration_ms": 0.1}]
//! }
//! ```
//!
//! Fields are only ever added within `v1`; consumers should ignore fields they do not know.

use std::io;

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::{Report, Row, Summary, TargetInfo, Wait};

/// The schema identifier written into every JSON report.
pub const SCHEMA: &str = "redis-preflight/report/v1";

/// A `report.json` document.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "redis-preflight report v1")]
struct Wire<'a> {
    /// Always `redis-preflight/report/v1`.
    schema: &'static str,
    tool: Tool<'a>,
    profile: &'a str,
    started_at: &'a str,
    duration_ms: f64,
    exit_code: i32,
    strict: bool,
    summary: Summary,
    targets: &'a [TargetInfo],
    results: &'a [Row],
    /// Present with `--wait`: how long the run waited; the results are the last round's.
    #[serde(skip_serializing_if = "Option::is_none")]
    wait: Option<&'a Wait>,
}

#[derive(Serialize, JsonSchema)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

/// The JSON Schema of `report.json` (published as `docs/report.schema.json`).
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Wire<'static>)).expect("a schema serialises")
}

/// Writes `report` as pretty-printed JSON followed by a newline.
pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let wire = Wire {
        schema: SCHEMA,
        tool: Tool {
            name: "redis-preflight",
            version: &report.version,
        },
        profile: &report.profile,
        started_at: &report.started_at,
        duration_ms: report.duration_ms,
        exit_code: report.exit_code(),
        strict: report.strict,
        summary: report.summary(),
        targets: &report.targets,
        results: &report.results,
        wait: report.wait.as_ref(),
    };
    serde_json::to_writer_pretty(&mut *out, &wire)?;
    writeln!(out)
}
