//! `--waivers`: accepted exceptions stop gating and show as waived in every format, expired
//! and unmatched ones warn on `values.waivers`, and a bad waivers file is exit 2 naming the
//! line.

use libtest_mimic::Failed;

use super::{exit, report, row, write};
use crate::lab::Lab;
use crate::tool;

/// The open server (no replica, no auth): `redis.ha-replica` fails and `auth.login` warns.
/// Waived, both stop gating and show as waived in every format; an expired waiver and a
/// misspelt one warn on `values.waivers`, which gates under `ci`.
pub(super) fn waivers(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("waivers");
    let values = lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:${NOAUTH_PORT}\", deployment: {enabled: false}}\n",
    );
    write(&dir, "values.yaml", &values)?;
    let good = "waivers:\n\
        \x20 - check: redis.ha-replica\n    target: snapshot\n    reason: PoC Redis, no replica until the HA rollout\n    owner: platform-team\n    expires: 2099-03-31\n\
        \x20 - check: 'auth.*'\n    reason: lab server, open on purpose\n    owner: platform-team\n    expires: 2099-03-31\n";
    write(&dir, "good.yaml", good)?;
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "-f", "values.yaml", "-o", "out"];
        args.extend(extra);
        tool::run(&dir, args)
    };
    // Without waivers: a failure.
    exit(&run(&[]), 3)?;
    // With them: nothing gates, even under ci; the results keep their outcome beside the waiver.
    let out = run(&["--waivers", "good.yaml", "--profile", "ci"]);
    exit(&out, 0)?;
    let r = report(&dir)?;
    let ha = row(&r, "redis.ha-replica", "snapshot")?;
    if ha["outcome"] != "fail" || ha["waiver"]["owner"] != "platform-team" {
        return Err(format!("redis.ha-replica keeps fail beside its waiver: {ha}").into());
    }
    if ha["waiver"]["source"] != "good.yaml:2" || ha["waiver"]["expires"] != "2099-03-31" {
        return Err(format!("the waiver names its place and date: {ha}").into());
    }
    if r["summary"]["waived"] != 2 || r["summary"]["fail"] != 0 {
        return Err(format!("summary: {}", r["summary"]).into());
    }
    if row(&r, "values.waivers", "*")?["outcome"] != "pass" {
        return Err("values.waivers passes when every waiver applies".into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("≈ redis.ha-replica")
        || !stdout.contains("waived until 2099-03-31 by platform-team (good.yaml:2)")
        || !stdout.contains("2 waived")
    {
        return Err(format!("the terminal shows the waived results: {stdout}").into());
    }
    let junit = std::fs::read_to_string(dir.join("out/junit.xml")).map_err(|e| e.to_string())?;
    if !junit.contains(
        "<skipped message=\"waived until 2099-03-31 by platform-team (good.yaml:2): PoC Redis",
    ) {
        return Err(format!("JUnit: a waived result is skipped with the reason: {junit}").into());
    }
    let markdown = std::fs::read_to_string(dir.join("out/report.md")).map_err(|e| e.to_string())?;
    if !markdown.contains("🔕 waived (fail)") || markdown.contains("#### ❌") {
        return Err(format!("Markdown: waived, and not under what to fix: {markdown}").into());
    }

    // An expired waiver no longer applies; a misspelt one matches nothing: both warn.
    let stale = "waivers:\n\
        \x20 - check: redis.ha-replica\n    reason: r\n    owner: old-team\n    expires: 2020-01-31\n\
        \x20 - check: redis.persistance\n    reason: r\n    owner: me\n    expires: 2099-01-01\n";
    write(&dir, "stale.yaml", stale)?;
    let out = run(&["--waivers", "stale.yaml"]);
    exit(&out, 3)?;
    let r = report(&dir)?;
    if row(&r, "redis.ha-replica", "snapshot")?
        .get("waiver")
        .is_some()
    {
        return Err("an expired waiver accepts nothing".into());
    }
    let w = row(&r, "values.waivers", "*")?;
    let findings = w["evidence"]["issues"].to_string();
    if w["outcome"] != "warn"
        || !findings.contains("stale.yaml:2: redis.ha-replica on *: expired 2020-01-31 (owner old-team)")
        || !findings.contains("stale.yaml:6: redis.persistance on *: matches no result of this run (did you mean redis.persistence?)")
    {
        return Err(format!("values.waivers: {w}").into());
    }
    Ok(())
}

pub(super) fn bad_waivers() -> Result<(), Failed> {
    let dir = tool::scratch("waivers-bad");
    for (text, wanted) in [
        (
            "waivers:\n  - check: redis.role\n    reason: r\n    owner: o\n    expires: 31/12/2027\n",
            "bad.yaml:2: expires: \"31/12/2027\" is not a date, YYYY-MM-DD",
        ),
        (
            "waivers:\n  - check: redis.role\n    reason: r\n    expires: 2027-12-31\n",
            "missing field `owner`",
        ),
    ] {
        write(&dir, "bad.yaml", text)?;
        let out = tool::run(&dir, ["run", "--waivers", "bad.yaml"]);
        exit(&out, 2)?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !stderr.contains(wanted) || stderr.trim().lines().count() != 1 || !out.stdout.is_empty()
        {
            return Err(format!("wanted one line with {wanted:?}: {stderr}").into());
        }
    }
    // The file's schema, for editors and linters.
    let out = tool::run(&dir, ["schema", "--waivers"]);
    exit(&out, 0)?;
    let schema: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    for field in ["check", "target", "reason", "owner", "expires"] {
        if schema.to_string().find(&format!("\"{field}\"")).is_none() {
            return Err(format!("schema --waivers lacks {field}").into());
        }
    }
    Ok(())
}
