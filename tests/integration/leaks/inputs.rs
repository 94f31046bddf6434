//! Hostile input: an address with userinfo, a malformed `--set` carrying a password, input
//! files that are not files or too big, values on stdin, rules naming a credential through
//! CONFIG, credentials in the values and Secrets in the manifests.

use std::path::Path;

use libtest_mimic::Failed;

use super::outputs::{
    exit, expect, no_control, no_leak, outputs, primary_values, run, secret, secrets_file, user,
    verdict,
};
use crate::lab::Lab;
use crate::tool;

pub(super) fn userinfo(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("userinfo");
    secrets_file(&dir, "gloo", "gloo-pass")?;
    let port = lab.port("PRIMARY");
    let written = format!("redis://uinfo-user:Uinfo-pass-3e1d@127.0.0.1:{port}");
    let out = run(&dir, &written, &[]);
    let texts = outputs(&dir, &out);
    no_leak(
        &texts,
        &[
            secret("uinfo-user"),
            secret("Uinfo-pass-3e1d"),
            secret("gloo-pass"),
        ],
    )?;
    // The address is named, without its userinfo, and refused for carrying credentials.
    let shown = format!("redis://127.0.0.1:{port}");
    let report = std::fs::read_to_string(dir.join("out/report.json")).map_err(|e| e.to_string())?;
    if !report.contains(&format!("\"address\": \"{shown}\"")) {
        return Err(format!("targets[].address should be {shown}: {report}").into());
    }
    let text = std::fs::read(dir.join("out/report.json")).map_err(|e| e.to_string())?;
    let schema = tool::verdicts(&text)?
        .into_iter()
        .find(|v| v.check == "values.schema")
        .ok_or("no values.schema result")?;
    if schema.outcome != "fail" || !schema.message.contains("carries credentials") {
        return Err(format!("values.schema: {schema:?}").into());
    }
    expect(&dir, "net.dns", "fail", &shown)?;
    exit(&out, 3)
}

pub(super) fn malformed_set(_lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("bad-set");
    let out = tool::run(
        &dir,
        [
            "run",
            "--set",
            "redis.auth.password=S3t-secret-77,oops-tail",
        ],
    );
    exit(&out, 2)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("S3t-secret-77") || stderr.contains("oops-tail") {
        return Err(format!("stderr quotes a value: {stderr}").into());
    }
    if !stderr.contains("redis.auth.password") || stderr.lines().count() != 1 {
        return Err(format!("stderr should be one line naming the key: {stderr}").into());
    }
    if !out.stdout.is_empty() {
        return Err("exit 2 writes no report".into());
    }
    Ok(())
}

pub(super) fn capped_inputs(_lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("capped");
    let fifo = dir.join("fifo.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("mkfifo failed".into());
    }
    // 17 MiB of a valid YAML comment: only the size is wrong with it.
    let big = dir.join("big.yaml");
    let mut text = String::with_capacity(17 << 20);
    while text.len() < 17 << 20 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&big, text).map_err(|e| e.to_string())?;
    let cases = [
        ("/dev/zero", "not a regular file"),
        (fifo.to_str().unwrap(), "not a regular file"),
        (big.to_str().unwrap(), "larger than 16 MiB"),
    ];
    for flag in ["-f", "--secrets", "--facts"] {
        for (path, why) in cases {
            let out = tool::run(&dir, ["run", flag, path]);
            exit(&out, 2)?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !stderr.contains(&format!("{path}: cannot read: {why}")) {
                return Err(format!("{flag} {path}: {stderr}").into());
            }
        }
    }
    Ok(())
}

/// `CONFIG GET` takes a glob, escapes and any case: every way to name a credential parameter
/// is refused when the rule file is read (exit 2, naming the rule), before any probe.
pub(super) fn config_credentials(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("config-credentials");
    secrets_file(&dir, "gloo", "gloo-pass")?;
    let address = format!("127.0.0.1:{}", lab.port("PRIMARY"));
    for (when, why) in [
        (
            r#"config["requirepas\\s"] != """#,
            "a parameter name, not a pattern",
        ),
        (
            r#"config["masterau[t]h"] != """#,
            "a parameter name, not a pattern",
        ),
        (
            r#"config["requirepas?"] != """#,
            "a parameter name, not a pattern",
        ),
        (r#"config["REQUIREPASS"] != """#, "holds a credential"),
        (r#"config.primaryauth != """#, "holds a credential"),
        (r#""primaryuser" in config"#, "holds a credential"),
        (r#"config["masteruser"] != """#, "holds a credential"),
        (r#"config["tls-key-file-pass"] != """#, "holds a credential"),
    ] {
        let rules = format!(
            "rules:\n  - id: org.leak\n    title: t\n    fix: f\n    when: '{}'\n",
            when.replace('\'', "''")
        );
        std::fs::write(dir.join("rules.yaml"), rules).map_err(|e| e.to_string())?;
        let out = run(&dir, &address, &["--rules", "rules.yaml"]);
        exit(&out, 2)?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !stderr.contains("rules.yaml:5: rule org.leak: `when`")
            || !stderr.contains(why)
            || stderr.trim().lines().count() != 1
        {
            return Err(format!("{when}: stderr should name the rule and why: {stderr}").into());
        }
        if !out.stdout.is_empty() || dir.join("out/report.json").exists() {
            return Err(format!("{when}: exit 2 writes no report").into());
        }
    }
    Ok(())
}

/// A license key, an OIDC client secret and a token in the values: redacted in the saved
/// facts and in what a rule reads and prints, and again when a facts file brings them.
pub(super) fn values_credentials(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("values-credentials");
    secrets_file(&dir, "gloo", "gloo-pass")?;
    let values = "licensing:\n  glooMeshLicenseKey: Lic3nse-key-a1b2c3d4e5\n  licenseSecretName: license-keys\n\
                  glooUi:\n  auth:\n    oidc:\n      clientSecret: 0idc-client-s3cret-77\n      clientSecretName: dashboard\n\
                  extAuthService:\n  extAuth:\n    apiKeyStorage:\n      secretKey: Api-key-hash-s3cret\n\
                  telemetryGatewayCustomization:\n  token: Bearer-t0ken-9f8e7d\n";
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    let rules = "rules:\n  - id: org.show-license\n    title: t\n    fix: f\n    when: values.licensing.glooMeshLicenseKey == \"nope\"\n\
                 \x20 - id: org.show-oidc\n    title: t\n    fix: f\n    when: values.glooUi.auth.oidc.clientSecret.startsWith(\"nope\")\n\
                 \x20 - id: org.keep-names\n    title: t\n    fix: f\n    when: values.licensing.licenseSecretName == \"nope\"\n";
    std::fs::write(dir.join("rules.yaml"), rules).map_err(|e| e.to_string())?;
    let address = format!("127.0.0.1:{}", lab.port("PRIMARY"));
    let out = run(
        &dir,
        &address,
        &["-f", "values.yaml", "--rules", "rules.yaml"],
    );
    let planted = [
        secret("Lic3nse-key-a1b2c3d4e5"),
        secret("0idc-client-s3cret-77"),
        secret("Api-key-hash-s3cret"),
        secret("Bearer-t0ken-9f8e7d"),
        secret("gloo-pass"),
    ];
    no_leak(&outputs(&dir, &out), &planted)?;
    let (outcome, message) = verdict(&dir, "org.show-license")?;
    if outcome != "fail" || !message.contains("<redacted>") {
        return Err(format!("org.show-license: {outcome}: {message}").into());
    }
    // A reference to a secret is no secret: a rule still reads it.
    let (outcome, message) = verdict(&dir, "org.keep-names")?;
    if outcome != "fail" || !message.contains("license-keys") {
        return Err(format!("org.keep-names: {outcome}: {message}").into());
    }

    // A facts file with credentials planted by hand: in its values (a key named as one), and
    // in its CONFIG under a credential parameter. Judged again and saved again, none shows.
    let facts = std::fs::read_to_string(dir.join("facts.json")).map_err(|e| e.to_string())?;
    let mut facts: serde_json::Value = serde_json::from_str(&facts).map_err(|e| e.to_string())?;
    facts["values"]["glooUi"]["auth"]["oidc"]["clientSecret"] = "Planted-oidc-s3cret-42".into();
    facts["values"]["redis"]["auth"]["password"] = "Planted-redis-pass-43".into();
    let config = facts["targets"][0]["session"]["value"]["config"]
        .as_object_mut()
        .ok_or("the saved facts should hold the session's CONFIG")?;
    config.insert(
        "requirepass".into(),
        serde_json::json!({"status": "ok", "value": "Planted-config-pass-44"}),
    );
    config.insert(
        "requirepas\\s".into(),
        serde_json::json!({"status": "ok", "value": "Planted-config-pass-45"}),
    );
    std::fs::write(dir.join("planted.json"), facts.to_string()).map_err(|e| e.to_string())?;
    let out = tool::run(
        &dir,
        [
            "run",
            "--facts",
            "planted.json",
            "--rules",
            "rules.yaml",
            "-o",
            "out",
            "--save-facts",
            "facts.json",
        ],
    );
    let planted = [
        secret("Planted-oidc-s3cret-42"),
        secret("Planted-redis-pass-43"),
        secret("Planted-config-pass-44"),
        secret("Planted-config-pass-45"),
    ];
    no_leak(&outputs(&dir, &out), &planted)?;
    let (outcome, message) = verdict(&dir, "org.show-oidc")?;
    if outcome != "fail" || !message.contains("<redacted>") {
        return Err(format!("org.show-oidc on replay: {outcome}: {message}").into());
    }
    Ok(())
}

/// `helm get values RELEASE -a -o yaml | redis-preflight run -f -`: the values are read from
/// stdin; more than 16 MiB there is refused, naming stdin, before any probe.
pub(super) fn values_from_stdin(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("values-stdin");
    secrets_file(&dir, "gloo", "gloo-pass")?;
    let args = [
        "run",
        "-f",
        "-",
        "--secrets",
        "secrets.yaml",
        "--format",
        "json",
    ];
    let out = tool::run_with_stdin(&dir, args, primary_values(lab).into_bytes());
    exit(&out, 0)?;
    let results = tool::verdicts(&out.stdout)?;
    let login = results
        .iter()
        .find(|v| v.target == "snapshot" && v.check == "auth.login")
        .ok_or("no auth.login for the snapshot target: the values were not read")?;
    if login.outcome != "pass" {
        return Err(format!("auth.login from stdin values: {login:?}").into());
    }
    no_leak(&outputs(&dir, &out), &[user("gloo"), secret("gloo-pass")])?;

    let mut big = String::with_capacity(17 << 20);
    while big.len() < 17 << 20 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    let out = tool::run_with_stdin(&dir, ["run", "-f", "-"], big.into_bytes());
    exit(&out, 2)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !stderr.contains("stdin: cannot read: larger than 16 MiB") || stderr.lines().count() != 1 {
        return Err(format!("17 MiB on stdin: {stderr}").into());
    }
    if !out.stdout.is_empty() {
        return Err("exit 2 writes no report".into());
    }
    Ok(())
}

/// `helm get manifest` carries the Secrets the chart copies with `lookup`, credentials and
/// all: those log in (no --secrets, no cluster), and no output shows them, whether the values
/// come along on stdin or not.
pub(super) fn manifest_secrets(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("manifest-secrets");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rendered/healthy-primary.yaml");
    let rendered = std::fs::read_to_string(&fixture).map_err(|e| e.to_string())?;
    // The fixture's copy is empty, as an offline render leaves it; the live one has data.
    let mut docs: Vec<String> = rendered
        .replace(
            "127.0.0.1:6390",
            &format!("127.0.0.1:{}", lab.port("PRIMARY")),
        )
        .split("\n---\n")
        .filter(|d| !(d.contains("kind: Secret") && d.contains("name: redis-auth-secrets")))
        .map(str::to_string)
        .collect();
    docs.push(tool::kubectl_secret(&[
        "generic",
        "redis-auth-secrets",
        "-n",
        "gloo-mesh",
        "--from-literal=username=app",
        "--from-literal=password=app-pass",
    ])?);
    std::fs::write(dir.join("release.yaml"), docs.join("\n---\n")).map_err(|e| e.to_string())?;
    let args = [
        "run",
        "--manifests",
        "release.yaml",
        "-o",
        "out",
        "--save-facts",
        "facts.json",
    ];
    for values in [None, Some(primary_values(lab))] {
        let _ = std::fs::remove_dir_all(dir.join("out"));
        let out = match &values {
            None => tool::run(&dir, args),
            Some(v) => {
                let with_values = ["run", "-f", "-"].iter().chain(&args[1..]);
                tool::run_with_stdin(&dir, with_values, v.clone().into_bytes())
            }
        };
        let texts = outputs(&dir, &out);
        no_leak(&texts, &[user("app"), secret("app-pass")])?;
        no_control(&texts)?;
        let report = std::fs::read(dir.join("out/report.json")).map_err(|e| e.to_string())?;
        let results = tool::verdicts(&report)?;
        let outcome = |check: &str| {
            results
                .iter()
                .find(|v| v.target == "snapshot" && v.check == check)
                .map_or("absent".to_string(), |v| {
                    format!("{} ({})", v.outcome, v.message)
                })
        };
        for check in ["auth.secret", "auth.login"] {
            if !outcome(check).starts_with("pass") {
                return Err(format!("{check} with the rendered secret: {}", outcome(check)).into());
            }
        }
        let rendered = results.iter().find(|v| v.check == "values.rendered");
        if values.is_some() && rendered.is_none_or(|v| v.outcome != "pass") {
            return Err(format!("values.rendered with the values on stdin: {rendered:?}").into());
        }
    }
    Ok(())
}
