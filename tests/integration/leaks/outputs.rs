//! Running the tool with credentials and searching everything it writes (stdout, stderr, the
//! three report files, the saved facts) for them, raw, in base64 or in pieces of 16 characters,
//! and for control characters in the terminal report and report.md.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use libtest_mimic::Failed;

use crate::lab::Lab;
use crate::tool;

/// A credential and how it must never appear.
pub(super) struct Secret {
    value: &'static str,
    /// Short usernames are looked for as whole names (`'app'`, `User app has`): the word
    /// may well appear inside others.
    whole_name: bool,
}

pub(super) fn secret(value: &'static str) -> Secret {
    Secret {
        value,
        whole_name: false,
    }
}

pub(super) fn user(value: &'static str) -> Secret {
    Secret {
        value,
        whole_name: true,
    }
}

pub(super) fn secrets_file(dir: &Path, user: &str, password: &str) -> Result<(), Failed> {
    let manifest = tool::kubectl_secret(&[
        "generic",
        "redis-auth-secrets",
        "-n",
        "gloo-mesh",
        &format!("--from-literal=username={user}"),
        &format!("--from-literal=password={password}"),
    ])?;
    std::fs::write(dir.join("secrets.yaml"), manifest).map_err(|e| e.to_string())?;
    Ok(())
}

/// `run` against `address` with auth from `secrets.yaml`, every report written and the facts
/// saved.
pub(super) fn run(dir: &Path, address: &str, extra: &[&str]) -> Output {
    let mut args: Vec<String> = [
        "run",
        "--set",
        "glooMgmtServer.enabled=true",
        "--set",
        &format!("redis.address={address}"),
        "--set",
        "redis.auth.enabled=true",
        "--set",
        "redis.deployment.enabled=false",
        "--secrets",
        "secrets.yaml",
        "-o",
        "out",
        "--save-facts",
        "facts.json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    tool::run(dir, args)
}

/// Every output of a run: stdout, stderr, each report file and the facts file.
pub(super) fn outputs(dir: &Path, out: &Output) -> Vec<(String, String)> {
    let mut texts = vec![
        ("stdout".into(), String::from_utf8_lossy(&out.stdout).into()),
        ("stderr".into(), String::from_utf8_lossy(&out.stderr).into()),
    ];
    let files: Vec<PathBuf> = [
        "out/report.json",
        "out/junit.xml",
        "out/report.md",
        "facts.json",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    for path in files {
        if let Ok(text) = std::fs::read_to_string(&path) {
            texts.push((path.file_name().unwrap().to_string_lossy().into(), text));
        }
    }
    texts
}

/// Fails when any output holds a credential, raw or in base64 (padded or not).
pub(super) fn no_leak(texts: &[(String, String)], secrets: &[Secret]) -> Result<(), Failed> {
    let b64 = |v: &str| base64::engine::general_purpose::STANDARD_NO_PAD.encode(v);
    for (name, text) in texts {
        for s in secrets {
            let leaked = if s.whole_name {
                let joins = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
                text.match_indices(s.value).any(|(at, _)| {
                    let before = text[..at].chars().next_back();
                    let after = text[at + s.value.len()..].chars().next();
                    !before.is_some_and(joins) && !after.is_some_and(joins)
                })
            } else {
                text.contains(s.value)
            };
            if leaked || text.contains(&b64(s.value)) {
                return Err(format!("{name} shows the credential {:?}:\n{text}", s.value).into());
            }
        }
    }
    Ok(())
}

/// Fails when the terminal report or report.md holds a control character other than a line
/// feed, or a bidi override: a server must not repaint the screen or reorder a line.
pub(super) fn no_control(texts: &[(String, String)]) -> Result<(), Failed> {
    for (name, text) in texts
        .iter()
        .filter(|(n, _)| n == "stdout" || n == "report.md")
    {
        if let Some(c) = text
            .chars()
            .find(|c| (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c))
        {
            return Err(format!("{name} holds the control character {c:?}:\n{text}").into());
        }
    }
    Ok(())
}

/// `(check, outcome, message)` of one target in report.json.
pub(super) fn verdict(dir: &Path, check: &str) -> Result<(String, String), Failed> {
    let text = std::fs::read(dir.join("out/report.json")).map_err(|e| e.to_string())?;
    let found = tool::verdicts(&text)?
        .into_iter()
        .find(|v| v.check == check && v.target == "snapshot")
        .ok_or_else(|| format!("no {check} result"))?;
    Ok((found.outcome, found.message))
}

pub(super) fn expect(dir: &Path, check: &str, outcome: &str, fragment: &str) -> Result<(), Failed> {
    let (got, message) = verdict(dir, check)?;
    if got != outcome || !message.contains(fragment) {
        return Err(format!(
            "{check}: expected {outcome} mentioning {fragment:?}, got {got}: {message}"
        )
        .into());
    }
    Ok(())
}

pub(super) fn exit(out: &Output, code: i32) -> Result<(), Failed> {
    if out.status.code() != Some(code) {
        return Err(format!(
            "exit {:?}, expected {code}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// The hostile run's reports still read right by their real consumers: JSON Schema,
/// junitparser (valid XML 1.0), cmark-gfm (every table keeps its shape).
pub(super) fn consumers_agree(dir: &Path) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let result = std::process::Command::new(tool::python())
        .arg(root.join("tests/consumers/check_reports.py"))
        .arg(dir.join("out"))
        .arg(root.join("docs/report.schema.json"))
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !result.status.success() {
        return Err(format!(
            "consumers disagree: {}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        )
        .into());
    }
    Ok(())
}

/// Fails when any output holds 16 characters of `credential`, raw or in base64 at any
/// alignment.
pub(super) fn no_piece(texts: &[(String, String)], credential: &str) -> Result<(), Failed> {
    let mut forms = vec![credential.to_string()];
    for start in 0..3 {
        forms.push(base64::engine::general_purpose::STANDARD.encode(&credential[start..]));
    }
    for (name, text) in texts {
        for form in &forms {
            for at in 0..=form.len().saturating_sub(16) {
                let piece = &form[at..at + 16];
                if text.contains(piece) {
                    return Err(format!("{name} shows the piece {piece:?}:\n{text}").into());
                }
            }
        }
    }
    Ok(())
}

/// The values of the healthy primary: the management server, auth on, the lab's primary.
pub(super) fn primary_values(lab: &Lab) -> String {
    lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis:\n  address: 127.0.0.1:${PRIMARY_PORT}\n  deployment: {enabled: false}\n  auth: {enabled: true}\n  connection: {maxConnAge: 30m}\n",
    )
}
