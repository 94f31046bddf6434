//! The tool in a pipeline: `--waivers` (accepted exceptions that stop gating, expired and
//! unmatched ones warned) and `--wait` (probe again until a replica comes online, or give up
//! at the deadline), against real redis-server processes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("pipeline", name, f);
    vec![
        with("waivers_accept_results_and_stop_gating", waivers),
        with("a_bad_waivers_file_is_exit_2_naming_the_line", |_| {
            bad_waivers()
        }),
        with("sarif_puts_each_values_finding_on_its_line", |_| sarif()),
        with("wait_ends_when_the_replica_comes_online", |_| {
            wait_for_replica()
        }),
        with("wait_gives_up_at_its_deadline", wait_gives_up),
        with("wait_ends_at_once_on_what_waiting_cannot_change", |_| {
            wait_unchanging()
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

/// The open server (no replica, no auth): `redis.ha-replica` fails and `auth.login` warns.
/// Waived, both stop gating and show as waived in every format; an expired waiver and a
/// misspelt one warn on `values.waivers`, which gates under `ci`.
fn waivers(lab: &Lab) -> Result<(), Failed> {
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

fn bad_waivers() -> Result<(), Failed> {
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

/// A free loopback port: bound, then let go for a server to take.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").port()
}

/// A redis-server of this test's own; killed on drop.
struct Server(std::process::Child);

impl Server {
    fn start(port: u16, extra: &[&str]) -> Result<Server, Failed> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no", "--dir", "/tmp"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e}"))?;
        let server = Server(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                return Err(format!("redis-server on {port} did not start").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A primary whose replica is not there yet: the preflight waits, the replica starts during
/// the wait, and the run passes on a later round.
fn wait_for_replica() -> Result<(), Failed> {
    let dir = tool::scratch("wait-replica");
    let primary_port = free_port();
    let _primary = Server::start(primary_port, &[])?;
    let values = format!(
        "glooMgmtServer: {{enabled: true}}\nredis: {{address: \"127.0.0.1:{primary_port}\", deployment: {{enabled: false}}}}\n"
    );
    write(&dir, "values.yaml", &values)?;
    let run = Command::new(env!("CARGO_BIN_EXE_redis-preflight"))
        .args(["run", "-f", "values.yaml", "-o", "out", "--wait", "60s"])
        .args(["--only", "redis.ha-replica", "--only", "redis.role"])
        .current_dir(&dir)
        .env("KUBECONFIG", dir.join("no-such-kubeconfig"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    std::thread::sleep(Duration::from_millis(1500));
    let replica_port = free_port();
    let _replica = Server::start(
        replica_port,
        &["--replicaof", "127.0.0.1", &primary_port.to_string()],
    )?;
    let out = run.wait_with_output().map_err(|e| e.to_string())?;
    exit(&out, 0)?;
    let r = report(&dir)?;
    if r["wait"]["ended"] != "passed" || r["wait"]["rounds"].as_u64() < Some(2) {
        return Err(format!("the wait: {}", r["wait"]).into());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !stderr.contains("waiting: round 1")
        || !stderr.contains("redis.ha-replica fail on snapshot (since round 1)")
    {
        return Err(format!("progress on stderr names what still fails: {stderr}").into());
    }
    Ok(())
}

/// A server whose replica never comes: the run gives up at the deadline with the last
/// round's verdicts, within the deadline plus one round.
fn wait_gives_up(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("wait-deadline");
    let values = lab.substitute(
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:${NOAUTH_PORT}\", deployment: {enabled: false}}\n",
    );
    write(&dir, "values.yaml", &values)?;
    let started = Instant::now();
    let out = tool::run(
        &dir,
        [
            "run",
            "-f",
            "values.yaml",
            "-o",
            "out",
            "--wait",
            "3s",
            "--only",
            "redis.ha-replica",
        ],
    );
    let took = started.elapsed();
    exit(&out, 3)?;
    // Generous: the deadline, one more round, and a loaded machine.
    if took > Duration::from_secs(30) {
        return Err(format!("--wait 3s took {took:?}").into());
    }
    let r = report(&dir)?;
    if r["wait"]["ended"] != "deadline" || r["wait"]["rounds"].as_u64() < Some(2) {
        return Err(format!("the wait: {}", r["wait"]).into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("of --wait 3s over") {
        return Err(format!("the terminal says how long it waited: {stdout}").into());
    }
    Ok(())
}

/// A missing secret cannot appear by waiting for the server: one round, at once.
fn wait_unchanging() -> Result<(), Failed> {
    let dir = tool::scratch("wait-unchanging");
    write(
        &dir,
        "values.yaml",
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:1\", deployment: {enabled: false}, auth: {enabled: true}}\n",
    )?;
    write(&dir, "secrets.yaml", "")?;
    let out = tool::run(
        &dir,
        [
            "run",
            "-f",
            "values.yaml",
            "--secrets",
            "secrets.yaml",
            "--wait",
            "60s",
            "--format",
            "json",
        ],
    );
    exit(&out, 3)?;
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    if r["wait"]["ended"] != "unchanging" || r["wait"]["rounds"] != 1 {
        return Err(format!("the wait: {}", r["wait"]).into());
    }
    // And saved facts do not change either.
    let out = tool::run(&dir, ["run", "--facts", "facts.json", "--wait", "1m"]);
    exit(&out, 2)?;
    Ok(())
}

/// Two values files (the later one in a folder, with a space in its name) and a `--set`:
/// each finding is on the line and column of its key in the file that set it last, the
/// `--set` one named as such; Microsoft's SARIF validator finds no error in the log.
fn sarif() -> Result<(), Failed> {
    let dir = tool::scratch("sarif");
    std::fs::create_dir_all(dir.join("env")).map_err(|e| e.to_string())?;
    write(
        &dir,
        "base.yaml",
        "glooMgmtServer: {enabled: true}\nredis:\n  deployment: {enabled: false}\n  adress: a:1\n",
    )?;
    write(
        &dir,
        "env/prod values.yaml",
        "# production\nredis:\n  adress: redis.prod:6379\n  connection:\n    readTimeout: 3x\n",
    )?;
    let out = tool::run(
        &dir,
        [
            "run",
            "-f",
            "base.yaml",
            "-f",
            "env/prod values.yaml",
            "--set",
            "redis.auth.enabel=true",
            "--format",
            "sarif",
            "-o",
            "out",
        ],
    );
    exit(&out, 3)?;
    // The terminal says where, as a compiler does.
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !stdout.contains("env/prod values.yaml:3:3: redis.adress: unknown key") {
        return Err(format!("the terminal names file:line:col: {stdout}").into());
    }
    let text = std::fs::read_to_string(dir.join("out/report.sarif")).map_err(|e| e.to_string())?;
    let log: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let found: Vec<(String, String, u64, u64)> = results
        .iter()
        .map(|r| {
            let at = &r["locations"][0]["physicalLocation"];
            let name = &r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"];
            (
                name.as_str().unwrap_or_default().to_string(),
                at["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                at["region"]["startLine"].as_u64().unwrap_or(0),
                at["region"]["startColumn"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let expected = [
        ("redis.adress", "env/prod%20values.yaml", 3, 3),
        ("--set redis.auth.enabel", "", 0, 0),
        (
            "redis.connection.readTimeout",
            "env/prod%20values.yaml",
            5,
            5,
        ),
    ];
    for (name, uri, line, column) in expected {
        if !found
            .iter()
            .any(|f| (f.0.as_str(), f.1.as_str(), f.2, f.3) == (name, uri, line, column))
        {
            return Err(format!("no result for {name} at {uri}:{line}:{column}: {found:?}").into());
        }
    }
    // The real validator: schema and SARIF's own rules; warnings are style, errors are not.
    let validator = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    let checked = dir.join("validation.sarif");
    let run = Command::new(&validator)
        .arg("validate")
        .arg(dir.join("out/report.sarif"))
        .arg("-o")
        .arg(&checked)
        .output()
        .map_err(|e| format!("{}: {e} (ci/deps test installs it)", validator.display()))?;
    let verdict = std::fs::read_to_string(&checked).map_err(|e| {
        format!(
            "the validator wrote no log ({e}): {}",
            String::from_utf8_lossy(&run.stdout)
        )
    })?;
    let verdict: serde_json::Value = serde_json::from_str(&verdict).map_err(|e| e.to_string())?;
    let errors: Vec<&serde_json::Value> = verdict["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["level"] == "error")
        .collect();
    if !errors.is_empty() {
        return Err(format!("the SARIF validator finds errors: {errors:#?}").into());
    }
    Ok(())
}
