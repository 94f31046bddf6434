//! Hostile servers and hostile input: no credential reaches any output (stdout, stderr, the
//! three report files, the saved facts), raw or in base64, and no control character from a
//! server reaches the terminal report or report.md. Servers that echo credentials: a stand-in
//! that plants them in every field it supplies (`ci/echo_server.py`), a real Redis with AUTH
//! renamed away, a real Redis refusing INFO to a restricted user. Inputs: an address with
//! userinfo, a malformed `--set` carrying a password, input files that are not files or too big.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("leaks", name, f);
    vec![
        with(
            "a_server_echoing_credentials_everywhere_leaks_nothing",
            echo_server,
        ),
        with("auth_renamed_away_echoes_nothing", auth_renamed),
        with("a_restricted_user_refused_info_is_not_named", noperm),
        with("an_address_with_userinfo_is_shown_without_it", userinfo),
        with("a_malformed_set_never_quotes_a_value", malformed_set),
        with(
            "input_files_must_be_regular_and_at_most_16_mib",
            capped_inputs,
        ),
        with(
            "a_rule_never_reads_a_credential_through_config",
            config_credentials,
        ),
        with(
            "a_long_password_cut_in_an_echo_leaks_no_piece",
            long_password_cut,
        ),
        with(
            "credentials_in_the_values_never_show_live_or_replayed",
            values_credentials,
        ),
        with(
            "values_from_stdin_are_read_and_capped_at_16_mib",
            values_from_stdin,
        ),
        with(
            "secrets_in_the_manifests_log_in_and_never_show",
            manifest_secrets,
        ),
    ]
}

/// A credential and how it must never appear.
struct Secret {
    value: &'static str,
    /// Short usernames are looked for as whole names (`'app'`, `User app has`): the word
    /// may well appear inside others.
    whole_name: bool,
}

fn secret(value: &'static str) -> Secret {
    Secret {
        value,
        whole_name: false,
    }
}

fn user(value: &'static str) -> Secret {
    Secret {
        value,
        whole_name: true,
    }
}

fn secrets_file(dir: &Path, user: &str, password: &str) -> Result<(), Failed> {
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
fn run(dir: &Path, address: &str, extra: &[&str]) -> Output {
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
fn outputs(dir: &Path, out: &Output) -> Vec<(String, String)> {
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
fn no_leak(texts: &[(String, String)], secrets: &[Secret]) -> Result<(), Failed> {
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
fn no_control(texts: &[(String, String)]) -> Result<(), Failed> {
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
fn verdict(dir: &Path, check: &str) -> Result<(String, String), Failed> {
    let text = std::fs::read(dir.join("out/report.json")).map_err(|e| e.to_string())?;
    let found = tool::verdicts(&text)?
        .into_iter()
        .find(|v| v.check == check && v.target == "snapshot")
        .ok_or_else(|| format!("no {check} result"))?;
    Ok((found.outcome, found.message))
}

fn expect(dir: &Path, check: &str, outcome: &str, fragment: &str) -> Result<(), Failed> {
    let (got, message) = verdict(dir, check)?;
    if got != outcome || !message.contains(fragment) {
        return Err(format!(
            "{check}: expected {outcome} mentioning {fragment:?}, got {got}: {message}"
        )
        .into());
    }
    Ok(())
}

fn exit(out: &Output, code: i32) -> Result<(), Failed> {
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

fn echo_server(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("echo");
    secrets_file(&dir, "planted-user", "Pl4nted-pass-9f2c")?;
    let out = run(&dir, &format!("127.0.0.1:{}", lab.port("ECHO")), &[]);
    let texts = outputs(&dir, &out);
    no_leak(&texts, &[user("planted-user"), secret("Pl4nted-pass-9f2c")])?;
    no_control(&texts)?;
    // The stand-in accepts the login; what it said about itself is shown as text.
    expect(&dir, "auth.login", "pass", "accepts the credentials")?;
    expect(&dir, "redis.version", "pass", "\\x1b[2J")?;
    // No replica (connected_slaves:0) is the one failure.
    expect(&dir, "redis.ha-replica", "fail", "no replica")?;
    exit(&out, 3)?;
    consumers_agree(&dir)?;
    // A facts file is untrusted too: escapes put back into it stay text when it is judged again.
    let facts = std::fs::read_to_string(dir.join("facts.json")).map_err(|e| e.to_string())?;
    let hostile = facts.replace("7.2.4 ", "7.2.4 \\u001b[2J\\r\\u202e");
    if hostile == facts {
        return Err("the saved facts should hold the server's version".into());
    }
    std::fs::write(dir.join("facts.json"), hostile).map_err(|e| e.to_string())?;
    let out = tool::run(&dir, ["run", "--facts", "facts.json", "-o", "out"]);
    no_control(&outputs(&dir, &out))?;
    expect(&dir, "redis.version", "pass", "7.2.4 \\x1b[2J\\r\\u{202e}")?;
    exit(&out, 3)
}

/// The hostile run's reports still read right by their real consumers: JSON Schema,
/// junitparser (valid XML 1.0), cmark-gfm (every table keeps its shape).
fn consumers_agree(dir: &Path) -> Result<(), Failed> {
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

fn auth_renamed(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("auth-renamed");
    secrets_file(&dir, "gloo", "gloo-pass")?;
    let out = run(
        &dir,
        &format!("127.0.0.1:{}", lab.port("AUTH_RENAMED")),
        &[],
    );
    let texts = outputs(&dir, &out);
    no_leak(&texts, &[user("gloo"), secret("gloo-pass")])?;
    no_control(&texts)?;
    // Redis said `ERR unknown command 'AUTH', with args beginning with: 'gloo' 'gloo-pass'`:
    // the cause is named, the values are not, and the namespace gloo-mesh is left alone.
    expect(
        &dir,
        "auth.login",
        "fail",
        "unknown command 'AUTH', with args beginning with: '<redacted>' '<redacted>'",
    )?;
    expect(
        &dir,
        "auth.login",
        "fail",
        "secret gloo-mesh/redis-auth-secrets",
    )?;
    exit(&out, 3)
}

fn noperm(lab: &Lab) -> Result<(), Failed> {
    // `app` may not run INFO, ROLE or CONFIG; Redis 7.2+ names the user in NOPERM
    // (`User app has no permissions…`), older ones do not. Either way it must not show.
    let dir = tool::scratch("noperm");
    secrets_file(&dir, "app", "app-pass")?;
    let out = run(&dir, &format!("127.0.0.1:{}", lab.port("PRIMARY")), &[]);
    let texts = outputs(&dir, &out);
    no_leak(&texts, &[user("app"), secret("app-pass")])?;
    no_control(&texts)?;
    expect(&dir, "auth.login", "pass", "accepts the credentials")?;
    expect(&dir, "redis.noeviction", "unknown", "NOPERM")?;
    exit(&out, 4)
}

fn userinfo(lab: &Lab) -> Result<(), Failed> {
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

fn malformed_set(_lab: &Lab) -> Result<(), Failed> {
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

fn capped_inputs(_lab: &Lab) -> Result<(), Failed> {
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
fn config_credentials(lab: &Lab) -> Result<(), Failed> {
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

/// Redis echoes 128 characters of an unknown command's arguments: with AUTH renamed away, a
/// 200-character password comes back cut, where the whole-value scrub cannot see it.
fn long_password_cut(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("long-password");
    let password: String = (0..200)
        .map(|i| {
            char::from(
                b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"[(i * 13 + i / 7) % 57],
            )
        })
        .collect();
    let manifest = tool::kubectl_secret(&[
        "generic".to_string(),
        "redis-auth-secrets".into(),
        "-n".into(),
        "gloo-mesh".into(),
        format!("--from-literal=password={password}"),
    ])?;
    std::fs::write(dir.join("secrets.yaml"), manifest).map_err(|e| e.to_string())?;
    let out = run(
        &dir,
        &format!("127.0.0.1:{}", lab.port("AUTH_RENAMED")),
        &[],
    );
    let texts = outputs(&dir, &out);
    no_piece(&texts, &password)?;
    // The cause is still named: what was cut away is the password, not the reason.
    expect(&dir, "auth.login", "fail", "unknown command 'AUTH'")?;
    exit(&out, 3)
}

/// Fails when any output holds 16 characters of `credential`, raw or in base64 at any
/// alignment.
fn no_piece(texts: &[(String, String)], credential: &str) -> Result<(), Failed> {
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

/// A license key, an OIDC client secret and a token in the values: redacted in the saved
/// facts and in what a rule reads and prints, and again when a facts file brings them.
fn values_credentials(lab: &Lab) -> Result<(), Failed> {
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

/// The values of the healthy primary: the management server, auth on, the lab's primary.
fn primary_values(lab: &Lab) -> String {
    lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis:\n  address: 127.0.0.1:${PRIMARY_PORT}\n  deployment: {enabled: false}\n  auth: {enabled: true}\n  connection: {maxConnAge: 30m}\n",
    )
}

/// `helm get values RELEASE -a -o yaml | redis-preflight run -f -`: the values are read from
/// stdin; more than 16 MiB there is refused, naming stdin, before any probe.
fn values_from_stdin(lab: &Lab) -> Result<(), Failed> {
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
fn manifest_secrets(lab: &Lab) -> Result<(), Failed> {
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
