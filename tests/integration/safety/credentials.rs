//! Credentials kept: no password in any output of a run, and no AUTH sent over a TLS
//! connection whose verification failed (the server's own counters say).

use std::process::Command;

use libtest_mimic::Failed;

use super::{args, secrets};
use crate::lab::Lab;
use crate::tool;

pub(super) fn no_password_in_any_output(lab: &Lab) -> Result<(), Failed> {
    // A password with a trailing newline that the server rejects: the message talks about it
    // at length, and must still not show it.
    let password = "Sup3r-Secret-Value-7731\n";
    let dir = tool::scratch("leak");
    secrets(&dir, "gloo", password)?;
    let address = format!("127.0.0.1:{}", lab.port("PRIMARY"));
    let out = tool::run(&dir, args(&address, &["--output-dir", "reports"]));
    let mut texts = vec![
        (
            "stdout".to_string(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
    ];
    for entry in std::fs::read_dir(dir.join("reports")).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).map_err(|e| e.to_string())?,
        ));
    }
    if !texts[0].1.contains("auth.secret") || !texts[0].1.contains("whitespace") {
        return Err(format!("the run should discuss the stray newline: {}", texts[0].1).into());
    }
    let needles = ["Sup3r-Secret", "U3VwM3It", "gloo-pass"];
    for (name, text) in &texts {
        for needle in needles {
            if text.contains(needle) {
                return Err(format!("{name} contains a secret value ({needle})").into());
            }
        }
    }
    Ok(())
}

/// DESIGN.md: no credentials are ever sent over a TLS connection whose verification failed.
/// The server's own counters say whether an AUTH arrived.
pub(super) fn no_credentials_over_unverified_tls(lab: &Lab) -> Result<(), Failed> {
    let port = lab.port("TLS_OTHERCA");
    let certs = format!("{}/certs", lab.substitute("${LAB}"));
    let auth_calls = || -> Result<u64, Failed> {
        let out = Command::new("redis-cli")
            .args([
                "-p",
                &port,
                "--tls",
                "--cacert",
                &format!("{certs}/other-ca.crt"),
                "--user",
                "gloo",
                "--pass",
                "gloo-pass",
            ])
            .args(["--no-auth-warning", "info", "commandstats"])
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = text
            .lines()
            .find(|l| l.starts_with("cmdstat_auth:"))
            .ok_or(format!("no AUTH counter in {text}"))?;
        Ok(line
            .split("calls=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    };
    let dir = tool::scratch("unverified-tls");
    secrets(&dir, "gloo", "gloo-pass")?;
    let ca_file = format!("--from-file=ca.crt={certs}/ca.crt");
    let ca = tool::kubectl_secret(&["generic", "redis-certs", "-n", "gloo-mesh", &ca_file])?;
    let auth = std::fs::read_to_string(dir.join("secrets.yaml")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("secrets.yaml"), format!("{auth}---\n{ca}"))
        .map_err(|e| e.to_string())?;
    let before = auth_calls()?;
    let out = tool::run(
        &dir,
        args(
            &format!("localhost:{port}"),
            &[
                "--set",
                "redis.certs.enabled=true",
                "--set",
                "redis.certs.caCertKey=ca.crt",
                "--format",
                "json",
            ],
        ),
    );
    let after = auth_calls()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("does not chain to the trusted CA") {
        return Err(format!("expected tls.ca-trust to fail: {stdout}").into());
    }
    // The counter check itself connected once with AUTH.
    if after != before + 1 {
        return Err(format!(
            "AUTH reached the server over an unverified connection ({before} -> {after})"
        )
        .into());
    }
    Ok(())
}
