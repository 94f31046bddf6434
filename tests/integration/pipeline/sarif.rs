//! SARIF for the pipeline's code scanning: each values finding on the line and column of its
//! key in the file that set it last (or named as a `--set`), and no error from Microsoft's SARIF
//! validator.

use std::path::Path;
use std::process::Command;

use libtest_mimic::Failed;

use super::{exit, write};
use crate::tool;

/// Two values files (the later one in a folder, with a space in its name) and a `--set`:
/// each finding is on the line and column of its key in the file that set it last, the
/// `--set` one named as such; Microsoft's SARIF validator finds no error in the log.
pub(super) fn sarif() -> Result<(), Failed> {
    let dir = tool::scratch("sarif");
    std::fs::create_dir_all(dir.join("env")).map_err(|e| e.to_string())?;
    write(
        &dir,
        "base.yaml",
        "glooMgmtServer: {enabled: true}\nredis:\n  deployment: {enabled: false}\n  adress: a:1\n",
    )?;
    write(
        &dir,
        "env/prod values.yaml",
        "# production\nredis:\n  adress: redis.prod:6379\n  connection:\n    readTimeout: 3x\n",
    )?;
    let out = tool::run(
        &dir,
        [
            "run",
            "-f",
            "base.yaml",
            "-f",
            "env/prod values.yaml",
            "--set",
            "redis.auth.enabel=true",
            "--format",
            "sarif",
            "-o",
            "out",
        ],
    );
    exit(&out, 3)?;
    // The terminal says where, as a compiler does.
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("env/prod values.yaml:3:3: redis.adress: unknown key") {
        return Err(format!("the terminal names file:line:col: {stdout}").into());
    }
    let text = std::fs::read_to_string(dir.join("out/report.sarif")).map_err(|e| e.to_string())?;
    let log: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let found: Vec<(String, String, u64, u64)> = results
        .iter()
        .map(|r| {
            let at = &r["locations"][0]["physicalLocation"];
            let name = &r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"];
            (
                name.as_str().unwrap_or_default().to_string(),
                at["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                at["region"]["startLine"].as_u64().unwrap_or(0),
                at["region"]["startColumn"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let expected = [
        ("redis.adress", "env/prod%20values.yaml", 3, 3),
        ("--set redis.auth.enabel", "", 0, 0),
        (
            "redis.connection.readTimeout",
            "env/prod%20values.yaml",
            5,
            5,
        ),
    ];
    for (name, uri, line, column) in expected {
        if !found
            .iter()
            .any(|f| (f.0.as_str(), f.1.as_str(), f.2, f.3) == (name, uri, line, column))
        {
            return Err(format!("no result for {name} at {uri}:{line}:{column}: {found:?}").into());
        }
    }
    // The real validator: schema and SARIF's own rules; warnings are style, errors are not.
    let validator = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    let checked = dir.join("validation.sarif");
    let run = Command::new(&validator)
        .arg("validate")
        .arg(dir.join("out/report.sarif"))
        .arg("-o")
        .arg(&checked)
        .output()
        .map_err(|e| format!("{}: {e} (ci/deps test installs it)", validator.display()))?;
    let verdict = std::fs::read_to_string(&checked).map_err(|e| {
        format!(
            "the validator wrote no log ({e}): {}",
            String::from_utf8_lossy(&run.stdout)
        )
    })?;
    let verdict: serde_json::Value = serde_json::from_str(&verdict).map_err(|e| e.to_string())?;
    let errors: Vec<&serde_json::Value> = verdict["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["level"] == "error")
        .collect();
    if !errors.is_empty() {
        return Err(format!("the SARIF validator finds errors: {errors:#?}").into());
    }
    Ok(())
}
