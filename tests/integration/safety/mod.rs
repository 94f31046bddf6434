//! What every run promises whatever the scenario: only reading commands on the wire, no
//! secret in any output, and a bounded run against a server that never answers.
//!
//! By job: `wire` (only reading commands reach the server), `credentials` (no password in any
//! output, none over unverified TLS), `deadlines` (a silent server, the run deadline); the
//! values and secrets every trial runs with are here.

mod credentials;
mod deadlines;
mod wire;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("safety", name, f);
    vec![
        with(
            "only_reading_commands_reach_the_server",
            wire::only_reading_commands,
        ),
        with(
            "no_password_in_any_output",
            credentials::no_password_in_any_output,
        ),
        with(
            "a_silent_server_is_given_up_on_after_its_deadlines",
            deadlines::silent_server_is_bounded,
        ),
        with(
            "the_run_deadline_bounds_the_whole_run",
            deadlines::run_deadline,
        ),
        with(
            "no_credentials_over_an_unverified_tls_connection",
            credentials::no_credentials_over_unverified_tls,
        ),
    ]
}

fn secrets(dir: &std::path::Path, user: &str, password: &str) -> Result<(), Failed> {
    let (user, password) = (
        format!("--from-literal=username={user}"),
        format!("--from-literal=password={password}"),
    );
    let manifest = tool::kubectl_secret(&[
        "generic",
        "redis-auth-secrets",
        "-n",
        "gloo-mesh",
        &user,
        &password,
    ])?;
    std::fs::write(dir.join("secrets.yaml"), manifest).map_err(|e| e.to_string())?;
    Ok(())
}

fn args(address: &str, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "run",
        "--set",
        "glooMgmtServer.enabled=true",
        "--set",
        &format!("redis.address={address}"),
        "--set",
        "redis.auth.enabled=true",
        "--set",
        "redis.deployment.enabled=false",
        "--set",
        "redis.connection.maxConnAge=30m",
        "--secrets",
        "secrets.yaml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}
