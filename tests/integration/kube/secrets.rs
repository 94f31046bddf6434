//! Live secrets from the chosen context, the same verdicts as the real kubectl's export; a
//! missing secret, a forbidden one, an unreachable API server, no kubeconfig, an unknown context.

use std::process::Command;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;

use super::api::{api_server, outcome_of, outcomes, preflight, values};
use crate::lab::Lab;
use crate::tool;

pub(super) fn live_secrets_match_kubectl(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-live");
    let api = api_server(&dir)?;
    values(lab, &dir, "")?;
    let live = preflight(
        &dir,
        &[
            "--kubeconfig",
            "kubeconfig",
            "--context",
            "lab",
            "--format",
            "json",
        ],
    );
    let live_results = outcomes(&live.stdout)?;
    if live.status.code() != Some(0) {
        return Err(format!("a live run against the primary should pass: {live_results:?}").into());
    }
    // The same secret through the real kubectl, fed back as a manifest, gives the same verdicts.
    let exported = Command::new("kubectl")
        .args([
            "--kubeconfig",
            "kubeconfig",
            "--context",
            "lab",
            "get",
            "secret",
            "redis-auth-secrets",
            "-n",
            "gloo-mesh",
            "-o",
            "yaml",
        ])
        .current_dir(&dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !exported.status.success() {
        return Err(format!(
            "kubectl through the stand-in: {}",
            String::from_utf8_lossy(&exported.stderr)
        )
        .into());
    }
    std::fs::write(dir.join("exported.yaml"), &exported.stdout).map_err(|e| e.to_string())?;
    let offline = preflight(&dir, &["--secrets", "exported.yaml", "--format", "json"]);
    let strip = |r: Vec<tool::Verdict>| {
        r.into_iter()
            .map(|v| (v.check, v.outcome))
            .collect::<Vec<_>>()
    };
    if strip(outcomes(&offline.stdout)?) != strip(live_results) {
        return Err("kubectl's copy of the secret and the live read disagree".into());
    }
    // Only the named secret, by name: never a list.
    let log = std::fs::read_to_string(&api.log).map_err(|e| e.to_string())?;
    for line in log.lines() {
        let path = line
            .trim_start_matches("GET ")
            .split('?')
            .next()
            .unwrap_or("");
        if path.ends_with("/secrets") || line.contains("watch") {
            return Err(format!("the API server was asked to list secrets: {line}").into());
        }
    }
    if !log.contains("/api/v1/namespaces/gloo-mesh/secrets/redis-auth-secrets") {
        return Err(format!("the secret was not read by name: {log}").into());
    }
    Ok(())
}

pub(super) fn missing_and_forbidden(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-denied");
    let _api = api_server(&dir)?;
    for (secret, outcome, fragment) in [
        (
            "missing-secret",
            "fail",
            "secret missing-secret not found in namespace gloo-mesh",
        ),
        ("forbidden-secret", "unknown", "forbidden"),
    ] {
        values(lab, &dir, &format!(", secretName: {secret}"))?;
        let out = preflight(
            &dir,
            &[
                "--kubeconfig",
                "kubeconfig",
                "--context",
                "lab",
                "--format",
                "json",
            ],
        );
        let results = outcomes(&out.stdout)?;
        let (got, message) = outcome_of(&results, "auth.secret");
        if got != outcome || !message.contains(fragment) {
            return Err(format!(
                "{secret}: auth.secret {got} ({message}), expected {outcome} with {fragment:?}"
            )
            .into());
        }
        if secret.starts_with("forbidden")
            && !message.contains("needs `get` on secrets/forbidden-secret in namespace gloo-mesh")
        {
            return Err(format!("the denial must name the missing permission: {message}").into());
        }
        if outcome_of(&results, "auth.login").0 != "skip"
            || outcome_of(&results, "redis.role").0 != "skip"
            || outcome_of(&results, "net.tcp").0 != "pass"
        {
            return Err(format!(
                "{secret}: the checks needing the secret skip, the others run: {results:?}"
            )
            .into());
        }
    }
    Ok(())
}

pub(super) fn unreachable(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-unreachable");
    let _api = api_server(&dir)?;
    values(lab, &dir, "")?;
    let start = Instant::now();
    // The current context is the broken one.
    let out = preflight(&dir, &["--kubeconfig", "kubeconfig", "--format", "json"]);
    let results = outcomes(&out.stdout)?;
    let (got, message) = outcome_of(&results, "auth.secret");
    if got != "unknown" || !message.contains("unreachable") || out.status.code() != Some(4) {
        return Err(format!(
            "expected auth.secret unknown (unreachable), exit 4: {got} {message} {:?}",
            out.status
        )
        .into());
    }
    if start.elapsed() > Duration::from_secs(30) {
        return Err(format!("an unreachable API server took {:?}", start.elapsed()).into());
    }
    Ok(())
}

pub(super) fn no_kubeconfig(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-none");
    values(lab, &dir, "")?;
    let out = preflight(&dir, &["--format", "json"]);
    let results = outcomes(&out.stdout)?;
    let (got, message) = outcome_of(&results, "auth.secret");
    if got != "unknown" || !message.contains("no kubeconfig") {
        return Err(
            format!("expected auth.secret unknown (no kubeconfig): {got} {message}").into(),
        );
    }
    if outcome_of(&results, "net.tcp").0 != "pass" || !out.stderr.is_empty() {
        return Err(format!(
            "other checks still run, quietly: {results:?} {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

pub(super) fn unknown_context(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("kube-context");
    let _api = api_server(&dir)?;
    values(lab, &dir, "")?;
    let out = preflight(&dir, &["--kubeconfig", "kubeconfig", "--context", "nope"]);
    tool::input_error(&out, "no context \"nope\"")?;
    // No kubeconfig at all: the context cannot exist either.
    let out = preflight(&dir, &["--context", "nope"]);
    tool::input_error(
        &out,
        "--context: no context \"nope\": no kubeconfig was found",
    )?;
    Ok(())
}
