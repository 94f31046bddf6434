//! The tool in a pipeline: `--waivers` (accepted exceptions that stop gating, expired and
//! unmatched ones warned) and `--wait` (probe again until a replica comes online, or give up
//! at the deadline), against real redis-server processes.
//!
//! By job: `waivers`, `wait`, `sarif` (each finding on its line, the validator's word); the
//! report and exit-code helpers they share are here.

mod sarif;
mod wait;
mod waivers;

use std::path::Path;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("pipeline", name, f);
    vec![
        with("waivers_accept_results_and_stop_gating", waivers::waivers),
        with("a_bad_waivers_file_is_exit_2_naming_the_line", |_| {
            waivers::bad_waivers()
        }),
        with("sarif_puts_each_values_finding_on_its_line", |_| {
            sarif::sarif()
        }),
        with("wait_ends_when_the_replica_comes_online", |_| {
            wait::wait_for_replica()
        }),
        with("wait_gives_up_at_its_deadline", wait::wait_gives_up),
        with("wait_ends_at_once_on_what_waiting_cannot_change", |_| {
            wait::wait_unchanging()
        }),
    ]
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), Failed> {
    std::fs::write(dir.join(name), text).map_err(|e| e.to_string().into())
}

fn report(dir: &Path) -> Result<serde_json::Value, Failed> {
    let text = std::fs::read(dir.join("out/report.json")).map_err(|e| e.to_string())?;
    serde_json::from_slice(&text).map_err(|e| e.to_string().into())
}

fn row<'a>(
    report: &'a serde_json::Value,
    check: &str,
    target: &str,
) -> Result<&'a serde_json::Value, Failed> {
    report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["check"] == check && r["target"] == target)
        .ok_or_else(|| format!("no {check} on {target} in the report").into())
}

fn exit(out: &std::process::Output, code: i32) -> Result<(), Failed> {
    if out.status.code() != Some(code) {
        return Err(format!(
            "exit {:?}, expected {code}; stderr: {}\nstdout: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    Ok(())
}
