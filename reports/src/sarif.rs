//! `report.sarif`: SARIF 2.1.0, as GitHub code scanning reads it, so a pull request that
//! changes a values file gets each finding on the line of its key.
//!
//! A row carries its findings' places under the evidence key [`LOCATIONS`]: a list of
//! `{file, line, column, key, message, level}` (`line` and `column` absent where the value was
//! given with no file, as `--set` or stdin). Each becomes one SARIF result of the row's check;
//! rows without places (the checks of a Redis target) have no line to annotate and are left to
//! the other formats. A waived row's results carry the waiver as a suppression.

use std::io;

use serde_json::{Value, json};

use crate::model::Report;

/// The evidence key under which a check lists where its findings stand.
pub const LOCATIONS: &str = "locations";

/// The schema a SARIF 2.1.0 log names.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes `report` as a SARIF 2.1.0 log.
pub fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let mut rules: Vec<Value> = Vec::new();
    let mut results: Vec<Value> = Vec::new();
    for row in &report.results {
        let Some(Value::Array(places)) = row.evidence.get(LOCATIONS) else {
            continue;
        };
        if places.is_empty() {
            continue;
        }
        let rule_index = match rules.iter().position(|r| r["id"] == row.check.as_str()) {
            Some(i) => i,
            None => {
                rules.push(json!({
                    "id": row.check,
                    "shortDescription": {"text": row.title},
                    "help": {"text": row.remediation.as_deref().unwrap_or(&row.title)},
                }));
                rules.len() - 1
            }
        };
        for place in places {
            results.push(result(row, place, rule_index));
        }
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "redis-preflight",
                "version": report.version,
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn result(row: &crate::model::Row, place: &Value, rule_index: usize) -> Value {
    let text = |k: &str| place.get(k).and_then(Value::as_str).unwrap_or_default();
    let file = text("file");
    let key = text("key");
    let level = match text("level") {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    };
    let message = format!("{key}: {}", text("message"));
    let mut result = json!({
        "ruleId": row.check,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": message},
    });
    let line = place.get("line").and_then(Value::as_u64);
    let column = place.get("column").and_then(Value::as_u64);
    result["locations"] = match line {
        // A file: the key's line and column.
        Some(line) => json!([{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(file)},
                "region": {"startLine": line, "startColumn": column.unwrap_or(1)},
            },
            "logicalLocations": [{"fullyQualifiedName": key, "kind": "member"}],
        }]),
        // No file (`--set`, stdin): named as such.
        None => json!([{
            "logicalLocations": [{
                "name": file,
                "fullyQualifiedName": format!("{file} {key}"),
                "kind": "parameter",
            }],
        }]),
    };
    if let Some(waiver) = &row.waiver {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": waiver.describe(),
        }]);
    }
    result
}

/// A file path as a URI reference: relative paths stay relative (to the repository the
/// values live in), absolute ones become `file://` URIs; every character a URI cannot hold
/// as it is percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Outcome, Row};

    #[test]
    fn each_finding_lands_on_its_key() {
        let mut report = Report::new("preflight", false);
        let mut row = Row::new("values.schema", "*", Outcome::Fail, "well-formed", "…");
        row.evidence.insert(
            LOCATIONS.into(),
            json!([
                {"file": "env/prod values.yaml", "line": 12, "column": 5, "key": "redis.adress",
                 "message": "unknown key", "level": "error"},
                {"file": "--set", "key": "redis.auth.enabel", "message": "unknown key", "level": "warning"},
            ]),
        );
        report.results = vec![
            row,
            Row::new("net.tcp", "snapshot", Outcome::Fail, "t", "m"),
        ];
        let mut out = Vec::new();
        write(&report, &mut out).unwrap();
        let log: Value = serde_json::from_slice(&out).unwrap();
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "only values findings: {log:#}");
        let at = &results[0]["locations"][0]["physicalLocation"];
        assert_eq!(at["artifactLocation"]["uri"], "env/prod%20values.yaml");
        assert_eq!(at["region"]["startLine"], 12);
        assert_eq!(at["region"]["startColumn"], 5);
        assert_eq!(results[0]["message"]["text"], "redis.adress: unknown key");
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(
            results[1]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "--set redis.auth.enabel"
        );
        assert_eq!(uri("/etc/v.yaml"), "file:///etc/v.yaml");
    }
}
