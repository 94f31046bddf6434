//! Stand-ins of other servers and versions: Valkey 9 judged by its own version, and Redis 5,
//! which has no ACL users and so wants a password without a username.

use libtest_mimic::Failed;

use super::run::{Run, against, measured, secrets, values};
use super::servers::hostile;
use crate::tool;

pub(super) fn valkey9() -> Result<(), Failed> {
    let (run, ..) = against("valkey9", &[])?;
    run.expect("redis.version", "pass", "valkey 9.0.0")?;
    let server = &run.report["targets"][0]["server"];
    if server["version"] != "9.0.0" || server["flavor"] != "valkey" {
        return Err(format!("targets[0].server is {server}").into());
    }
    Ok(())
}

pub(super) fn redis5() -> Result<(), Failed> {
    let (server, port) = hostile("redis5")?;
    let address = format!("127.0.0.1:{port}");
    let run_with = |user: Option<&str>| -> Result<Run, Failed> {
        let dir = tool::scratch("redis5");
        let values = values(&dir, &address, true);
        let secrets = secrets(&dir, user, "hunter2-redis5")?;
        let run = measured(
            &dir,
            &[
                "run",
                "-f",
                values.to_str().unwrap(),
                "--secrets",
                secrets.to_str().unwrap(),
                "--format",
                "json",
            ],
        )?;
        run.bounded()?;
        Ok(run)
    };
    // Password only: what Redis 5 needs, so no advice to add a username.
    let run = run_with(None)?;
    run.expect(
        "auth.secret",
        "pass",
        "no username, as redis 5.0.14 (no ACL users) needs",
    )?;
    run.expect("auth.login", "pass", "AUTH password")?;
    run.expect("redis.version", "warn", "redis 5.0.14 is older than 6.2.6")?;
    // With a username the login fails, and the fix is to remove it.
    let run = run_with(Some("default"))?;
    run.expect(
        "auth.login",
        "fail",
        "ERR wrong number of arguments for 'auth' command",
    )?;
    let fix = run.report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["check"] == "auth.login")
        .and_then(|r| r["remediation"].as_str())
        .unwrap_or_default()
        .to_string();
    drop(server);
    if !fix.contains("has no ACL users (it predates Redis 6): remove the username") {
        return Err(format!("auth.login's fix: {fix}").into());
    }
    Ok(())
}
