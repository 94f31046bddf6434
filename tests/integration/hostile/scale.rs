//! Many targets and costly rules: 200 and 1,000 silent exporters (listeners that accept and
//! never answer) waited for at once within 64 MiB and 256 sockets, 5,000 targets inside the
//! deadline, and rules that could cost a gigabyte refused when loaded.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use libtest_mimic::Failed;

use super::run::{measured, measured_sampling};
use super::servers::Process;
use crate::tool;

/// `n` listeners that accept every connection and never answer (what a stalled exporter
/// does), each on its own address, in a Python process of their own (the test process stays
/// small: a child's peak RSS counts its parent's until the `exec`); stopped on drop.
fn silent_listeners(n: usize) -> Result<(Process, Vec<String>), Failed> {
    const SCRIPT: &str = "
import asyncio, sys
held = []
async def hold(reader, writer):
    held.append(writer)
    await reader.read()
async def main():
    for _ in range(int(sys.argv[1])):
        server = await asyncio.start_server(hold, '127.0.0.1', 0, backlog=512)
        print('127.0.0.1:%d' % server.sockets[0].getsockname()[1])
    print('ready', flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
";
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT, &n.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let stdout = child.stdout.take().unwrap();
    let process = Process(child);
    let addresses: Vec<String> = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .take_while(|l| l != "ready")
        .collect();
    if addresses.len() != n {
        return Err(format!("{} of {n} silent listeners started", addresses.len()).into());
    }
    Ok((process, addresses))
}

/// Values with one telemetry exporter per address, the gateway's defaults removed.
fn exporter_values(addresses: &[String], connection: &str) -> String {
    let mut values = String::from(
        "telemetryGateway: {enabled: true}\n\
         telemetryGatewayCustomization:\n  extraExporters:\n    redisstream/basic: null\n    redisstream/ui: null\n",
    );
    for (i, address) in addresses.iter().enumerate() {
        values.push_str(&format!(
            "    redisstream/e{i:04}: {{endpoint: \"{address}\", connection: {connection}}}\n"
        ));
    }
    values.push_str("  extraPipelines:\n    many:\n      exporters:\n");
    for i in 0..addresses.len() {
        values.push_str(&format!("        - redisstream/e{i:04}\n"));
    }
    values
}

// See: issue 20, item 1. With at most 64 targets probed at once, 200 exporters that accept and
// never answer waited in waves of their deadlines: 4 × 2 s here. Bounding connections instead,
// every one waits at once: one silent exporter costs its read timeout (the PING) and its dial
// timeout's worth of TLS question, about 2 s; the bound leaves room for a slow machine and
// stays under the waves'.
pub(super) fn silent_exporters() -> Result<(), Failed> {
    let dir = tool::scratch("silent-exporters");
    let (listeners, addresses) = silent_listeners(200)?;
    let values = exporter_values(&addresses, "{dialTimeout: 1s, readTimeout: 1s}");
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let run = measured(
        &dir,
        &[
            "run",
            "-f",
            "values.yaml",
            "--only",
            "auth.login",
            "--timeout",
            "60s",
            "--format",
            "json",
        ],
    )?;
    let took = started.elapsed();
    drop(listeners);
    let silent = run
        .verdicts
        .iter()
        .filter(|v| {
            v.check == "auth.login" && v.message.contains("no answer within readTimeout 1s")
        })
        .count();
    if silent != 200 {
        return Err(format!(
            "{silent} of 200 exporters were told silent; stderr: {}",
            run.stderr
        )
        .into());
    }
    if took > std::time::Duration::from_secs(6) {
        return Err(format!("200 silent exporters took {took:?}: their deadlines queued").into());
    }
    run.bounded()
}

// See: issue 20, item 1. Every target's probe runs at once; what bounds memory and sockets is
// the connection limit, never the number of targets.
pub(super) fn a_thousand_silent() -> Result<(), Failed> {
    let dir = tool::scratch("thousand-silent");
    let (listeners, addresses) = silent_listeners(1000)?;
    let values = exporter_values(&addresses, "{dialTimeout: 1s, readTimeout: 1s}");
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    let most = std::sync::Arc::new(AtomicUsize::new(0));
    let run = measured_sampling(
        &dir,
        &[
            "run",
            "-f",
            "values.yaml",
            "--only",
            "auth.login",
            "--timeout",
            "30s",
            "--format",
            "json",
        ],
        Some(&most),
    )?;
    drop(listeners);
    let silent = run
        .verdicts
        .iter()
        .filter(|v| {
            v.check == "auth.login" && v.message.contains("no answer within readTimeout 1s")
        })
        .count();
    if silent != 1000 {
        return Err(format!(
            "{silent} of 1000 targets were told silent; stderr: {}",
            run.stderr
        )
        .into());
    }
    let most = most.load(Ordering::SeqCst);
    if most > 256 {
        return Err(format!("{most} sockets open at once, over 256").into());
    }
    if most < 200 {
        return Err(format!("at most {most} sockets open at once: the probes queued").into());
    }
    run.bounded()
}

// See: issue 18, item 7. Selection and report writing were quadratic in the targets: `--only`
// over 5,000 ran past `--timeout`. The bound is four times the deadline (speed itself is for
// `ci/bench`).
pub(super) fn many_targets() -> Result<(), Failed> {
    let dir = tool::scratch("many-targets");
    // The gateway's own default exporters removed, 5,000 of one's own in a pipeline.
    let mut values = String::from(
        "glooMgmtServer: {enabled: true}\ntelemetryGateway: {enabled: true}\n\
         redis: {address: \"127.0.0.1:9\", deployment: {enabled: false}}\n\
         telemetryGatewayCustomization:\n  extraExporters:\n    redisstream/basic: null\n    redisstream/ui: null\n",
    );
    for i in 0..5000 {
        values.push_str(&format!(
            "    redisstream/e{i:04}: {{endpoint: \"127.0.0.{}:{}\"}}\n",
            i % 200 + 1,
            10 + i / 200
        ));
    }
    values.push_str("  extraPipelines:\n    many:\n      exporters:\n");
    for i in 0..5000 {
        values.push_str(&format!("        - redisstream/e{i:04}\n"));
    }
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let run = measured(
        &dir,
        &[
            "run",
            "-f",
            "values.yaml",
            "--only",
            "net.tcp",
            "--timeout",
            "10s",
            "--format",
            "json",
        ],
    )?;
    let took = started.elapsed();
    if took > std::time::Duration::from_secs(40) {
        return Err(format!("the run took {took:?}, past four times its 10 s deadline").into());
    }
    let tcp = run.verdicts.iter().filter(|v| v.check == "net.tcp").count();
    if tcp != 5001 || run.verdicts.len() != tcp {
        return Err(format!(
            "{tcp} net.tcp rows of {} (expected 5001 of 5001)",
            run.verdicts.len()
        )
        .into());
    }
    run.exit(3)?;
    // Every report file, every check: the writers are linear too.
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_redis-preflight"))
        .args(["run", "-f", "values.yaml", "--timeout", "10s", "-o", "out"])
        .current_dir(&dir)
        .env("KUBECONFIG", dir.join("no-such-kubeconfig"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| e.to_string())?;
    let took = started.elapsed();
    if took > std::time::Duration::from_secs(40) {
        return Err(format!(
            "writing every report took {took:?}, past four times its 10 s deadline"
        )
        .into());
    }
    if out.status.code() != Some(3) {
        return Err(format!(
            "exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    for file in ["report.json", "junit.xml", "report.md"] {
        if !dir.join("out").join(file).is_file() {
            return Err(format!("no {file}").into());
        }
    }
    Ok(())
}

/// Rules of about 1.3 KB that would build a gigabyte, or loop past any budget, are refused when
/// loaded, naming the file, the rule and the position; no memory is spent on them.
pub(super) fn costly_rules() -> Result<(), Failed> {
    let dir = tool::scratch("costly-rules");
    let list = format!(
        "[{}]",
        (0..100)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let text = "a".repeat(200);
    for (name, when, fragment) in [
        (
            "nested-lists",
            format!("{list}.map(x, {list}.map(y, {list}.map(z, \"{text}\"))).size() > 0"),
            "estimated cost is over the budget of 2000000",
        ),
        (
            "repeated-strings",
            format!(
                "{list}.map(x, {list}.map(y, {list}.map(z, \"{text}\" + \"{text}\" + \"{text}\"))).size() > 0"
            ),
            "estimated cost is over the budget of 2000000",
        ),
        (
            "replaced",
            format!(
                "\"{text}\".replace(\"a\", \"{text}\").replace(\"a\", \"{text}\").replace(\"a\", \"{text}\").size() > 0"
            ),
            "estimated cost is over the budget of 2000000",
        ),
        (
            "quadratic-info",
            "info.stats.all(a, info.stats.all(b, a + b != \"\"))".to_string(),
            "estimated cost is over the budget of 2000000",
        ),
        (
            "deep",
            "[1].all(a, [1].all(b, [1].all(c, [1].all(d, true))))".to_string(),
            "comprehensions nested more than 3 deep",
        ),
    ] {
        let path = dir.join(format!("{name}.yaml"));
        std::fs::write(
            &path,
            format!("rules:\n  - id: org.{name}\n    title: t\n    fix: f\n    when: '{when}'\n"),
        )
        .map_err(|e| e.to_string())?;
        let run = measured(
            &dir,
            &["run", "--rules", path.to_str().unwrap(), "--format", "json"],
        )?;
        run.exit(2).map_err(|e| format!("{name}: {e:?}"))?;
        run.bounded()?;
        let wanted = format!("{name}.yaml:5: rule org.{name}: `when` line 1, column ");
        if !run.stderr.contains(&wanted) || !run.stderr.contains(fragment) {
            return Err(
                format!("{name}: wanted {wanted}…{fragment}; stderr: {}", run.stderr).into(),
            );
        }
    }
    Ok(())
}
