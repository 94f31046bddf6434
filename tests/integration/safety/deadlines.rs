//! Bounded runs: a server that never answers is given up on after its deadlines, and the
//! run deadline (`--timeout`) bounds the whole run.

use std::time::{Duration, Instant};

use libtest_mimic::Failed;

use super::{args, secrets};
use crate::lab::Lab;
use crate::tool;

pub(super) fn silent_server_is_bounded(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("silent");
    secrets(&dir, "gloo", "gloo-pass")?;
    let address = format!("127.0.0.1:{}", lab.port("SILENT"));
    let start = Instant::now();
    let out = tool::run(
        &dir,
        args(
            &address,
            &[
                "--set",
                "redis.connection.readTimeout=1s",
                "--format",
                "json",
            ],
        ),
    );
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() != Some(3) || !stdout.contains("no answer within readTimeout 1s") {
        return Err(format!("expected auth.login to fail with no answer: {stdout}").into());
    }
    // The deadline is 1s; several times that never flakes and still catches a hang.
    if elapsed > Duration::from_secs(10) {
        return Err(format!("a silent server took {elapsed:?}").into());
    }
    Ok(())
}

pub(super) fn run_deadline(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("deadline");
    secrets(&dir, "gloo", "gloo-pass")?;
    let address = format!("127.0.0.1:{}", lab.port("SILENT"));
    let start = Instant::now();
    let out = tool::run(
        &dir,
        args(
            &address,
            &[
                "--set",
                "redis.connection.readTimeout=60s",
                "--timeout",
                "1s",
                "--output-dir",
                "reports",
            ],
        ),
    );
    let elapsed = start.elapsed();
    let report = std::fs::read_to_string(dir.join("reports/report.json"))
        .map_err(|e| format!("report.json: {e}"))?;
    if out.status.code() != Some(4)
        || !report.contains(
            "run deadline reached (--timeout) during the Redis session (login and reads) of ",
        )
    {
        return Err(format!(
            "expected exit 4 with auth.login unknown: {:?} {report}",
            out.status
        )
        .into());
    }
    if elapsed > Duration::from_secs(10) {
        return Err(format!("a 1s run deadline took {elapsed:?}").into());
    }
    Ok(())
}
