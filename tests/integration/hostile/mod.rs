//! Hostile servers: stand-ins that speak RESP badly on purpose (`ci/hostile_server.py`) and
//! real redis-servers made to refuse. Each trial asserts the outcome and message per check,
//! the exit code, and the tool's peak RSS read from the OS (`wait4`'s `ru_maxrss`), never the
//! wall clock. The network-namespace trials (protected mode on a non-loopback address, an
//! address family that drops) need root; without it they are ignored, saying why.

mod run;
mod servers;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;
use run::{NEXT, Run, against, measured, measured_sampling, preflight, secrets, values};
use servers::{
    Process, command, free_port, hostile, redis_server, root_dir, spawn_redis, wait_for_error,
    wait_for_pong,
};

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let lab = lab.clone();
    let t = |name: &str, f: fn() -> Result<(), Failed>| Trial::test(format!("hostile::{name}"), f);
    let root = |name: &str, f: fn() -> Result<(), Failed>| {
        let trial = t(name, f);
        if is_root() {
            trial
        } else {
            eprintln!("hostile::{name}: ignored, it needs root to create a network namespace");
            trial.with_ignored_flag(true)
        }
    };
    vec![
        t("garbage_is_not_redis", garbage),
        t("an_endless_bulk_string_is_too_large", endless_bulk),
        t("a_huge_array_header_is_too_large", huge_array),
        t("absurd_nesting_is_too_large", deep),
        t("replies_of_the_wrong_shape_pass_nothing", flood),
        t("a_line_without_end_is_too_large", endless_line),
        t("a_20_mb_info_is_too_large", big_info),
        t("an_info_of_70000_fields_is_kept_within_bounds", wide_info),
        t(
            "only_over_5000_targets_ends_inside_the_deadline",
            many_targets,
        ),
        t(
            "200_silent_exporters_cost_their_own_deadlines_in_parallel",
            silent_exporters,
        ),
        t(
            "1000_silent_targets_stay_within_64_mib_and_256_sockets",
            a_thousand_silent,
        ),
        t(
            "a_rule_that_could_cost_a_gigabyte_is_refused_at_load",
            costly_rules,
        ),
        t("one_byte_per_second_meets_the_read_timeout", drip),
        t("an_error_then_close_is_named_every_time", error_close),
        t("loading_is_unknown_until_the_dataset_is_loaded", loading),
        t("nil_replies_to_ping_and_auth_are_not_success", nil),
        t("a_sample_of_200000_is_too_large", srandmember),
        t("a_sample_larger_than_asked_gets_no_type", srandmember_5000),
        t("valkey_9_is_judged_by_its_own_version", valkey9),
        t("redis_5_wants_no_username", redis5),
        t("maxclients_fails_redis_capacity", maxclients),
        t("a_replica_of_a_dead_primary_names_the_link", dead_primary),
        t("a_redis_loading_its_dataset_is_unknown", real_loading),
        t("a_redis_busy_with_a_script_is_unknown_naming_it", real_busy),
        t(
            "a_replica_answering_masterdown_is_not_the_primary",
            real_masterdown,
        ),
        t("a_close_at_accept_fails_the_login", accept_close),
        t("a_reset_mid_reply_is_a_broken_path_not_a_proxy", reset),
        t(
            "silence_after_the_login_costs_one_read_timeout_per_read",
            silent_reads,
        ),
        t(
            "silence_during_the_latency_pings_fails_the_latency",
            silent_pings,
        ),
        t("a_resp3_map_to_hello_2_is_read", resp3_map),
        t("moved_for_keys_of_other_slots_fails_multikey", moved),
        t(
            "errors_to_the_multikey_probe_are_unknown_naming_them",
            multikey_errors,
        ),
        t(
            "a_certificate_message_over_64_kib_is_tls_not_plaintext",
            big_certificate,
        ),
        Trial::test(
            "hostile::silence_after_a_tls_handshake_names_what_is_behind_tls",
            {
                let lab = lab.clone();
                move || tls_silent(&lab)
            },
        ),
        Trial::test(
            "hostile::tls_on_a_plaintext_redis_is_told_well_before_the_dial_timeout",
            move || tls_on_plaintext_early(&lab),
        ),
        root("protected_mode_is_named", protected_mode),
        root("dual_stack_falls_back_to_the_family_that_works", dual_stack),
    ]
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn garbage() -> Result<(), Failed> {
    let (run, ..) = against("garbage", &[])?;
    run.expect(
        "auth.login",
        "fail",
        "did not answer as a Redis server (the reply is not Redis protocol)",
    )?;
    run.exit(3)
}

fn too_large(mode: &str, fragment: &str) -> Result<(), Failed> {
    let (run, ..) = against(mode, &[])?;
    run.expect("auth.login", "unknown", fragment)?;
    run.expect("redis.capacity", "skip", "")?;
    run.exit(4)
}

fn endless_bulk() -> Result<(), Failed> {
    too_large(
        "endless-bulk",
        "reply too large: a string of 1073741824 bytes (the limit is 1 MiB)",
    )
}

fn huge_array() -> Result<(), Failed> {
    too_large(
        "huge-array",
        "reply too large: an aggregate of 100000000 elements (the limit is 10000)",
    )
}

fn deep() -> Result<(), Failed> {
    too_large(
        "deep",
        "reply too large: aggregates nested more than 16 deep",
    )
}

fn endless_line() -> Result<(), Failed> {
    too_large(
        "endless-line",
        "reply too large: a line of more than 65536 bytes without end",
    )
}

fn big_info() -> Result<(), Failed> {
    let (run, ..) = against("big-info", &[])?;
    run.expect(
        "redis.capacity",
        "unknown",
        "INFO could not be read (reply too large: a string of 2097",
    )?;
    // The server answers PING without a password: the login check warns.
    run.expect("auth.login", "warn", "without credentials")?;
    if run.exit != 3 && run.exit != 4 {
        return Err(format!("exit {}", run.exit).into());
    }
    Ok(())
}

// See: issue 18, items 4 and 5.
fn wide_info() -> Result<(), Failed> {
    let dir = tool::scratch("wide-info-rules");
    let rules = dir.join("rules.yaml");
    let list: Vec<String> = (1..=60).map(|i| i.to_string()).collect();
    std::fs::write(
        &rules,
        format!(
            "rules:\n  - id: org.info-read\n    title: INFO is read\n    fix: none\n    when: 'info.stats.exists(k, k == \"f00001\")'\n\
             \x20 - id: org.loops\n    title: loops\n    fix: none\n    when: 'info.stats.all(a, [{}].all(x, a != \"\"))'\n",
            list.join(",")
        ),
    )
    .map_err(|e| e.to_string())?;
    let facts = dir.join("facts.json");
    let (run, ..) = against(
        "wide-info",
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--save-facts",
            facts.to_str().unwrap(),
        ],
    )?;
    run.expect("org.info-read", "pass", "holds")?;
    run.expect("org.loops", "pass", "holds")?;
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&facts).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let info = &saved["targets"][0]["session"]["value"]["info"]["value"];
    let kept = info.as_object().map_or(0, |m| m.len());
    if kept != 1024 || info.get("long_value").is_some() {
        return Err(format!("INFO kept {kept} fields (expected 1024, without long_value)").into());
    }
    // The saved facts are judged again within the same bounds.
    let replay = measured(
        &dir,
        &[
            "run",
            "--facts",
            facts.to_str().unwrap(),
            "--format",
            "json",
            "--rules",
            rules.to_str().unwrap(),
        ],
    )?;
    replay.bounded()?;
    replay.expect("org.info-read", "pass", "holds")?;
    // A facts file with more than a run keeps is refused, naming it.
    let more = std::fs::read_to_string(&facts)
        .map_err(|e| e.to_string())?
        .replacen("\"f00000\"", "\"extra\": \"1\", \"f00000\"", 1);
    std::fs::write(dir.join("more.json"), more).map_err(|e| e.to_string())?;
    let refused = measured(&dir, &["run", "--facts", "more.json", "--format", "json"])?;
    refused.exit(2)?;
    if !refused.stderr.contains("INFO has more than 1024 fields") {
        return Err(format!("stderr: {}", refused.stderr).into());
    }
    Ok(())
}

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
fn silent_exporters() -> Result<(), Failed> {
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
fn a_thousand_silent() -> Result<(), Failed> {
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
fn many_targets() -> Result<(), Failed> {
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
fn costly_rules() -> Result<(), Failed> {
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

fn flood() -> Result<(), Failed> {
    // PONG to every command, and more PONGs nobody asked for: no INFO, ROLE or HELLO was read,
    // so nothing that needs them passes.
    let (run, ..) = against("flood", &[])?;
    run.expect(
        "redis.capacity",
        "unknown",
        "INFO could not be read (unexpected reply shape)",
    )?;
    run.expect("redis.role", "unknown", "could not be read")?;
    run.expect(
        "redis.version",
        "unknown",
        "neither INFO nor HELLO told the server version",
    )?;
    run.exit(4)
}

fn drip() -> Result<(), Failed> {
    let (run, ..) = against("drip", &[])?;
    run.expect("auth.login", "fail", "no answer within readTimeout 1s")?;
    run.exit(3)
}

fn error_close() -> Result<(), Failed> {
    // The same diagnosis every time, not "not a Redis server" on some runs.
    for _ in 0..5 {
        let (run, ..) = against("error-close", &[])?;
        run.expect(
            "redis.capacity",
            "fail",
            "every client slot is taken (ERR max number of clients reached)",
        )?;
        run.expect("auth.login", "unknown", "every client slot is taken")?;
        run.exit(3)?;
    }
    Ok(())
}

fn loading() -> Result<(), Failed> {
    let (run, ..) = against("loading", &[])?;
    run.expect(
        "auth.login",
        "unknown",
        "loading its dataset into memory and answers nothing else yet (LOADING",
    )?;
    run.exit(4)
}

fn nil() -> Result<(), Failed> {
    let (server, port) = hostile("nil")?;
    let address = format!("127.0.0.1:{port}");
    let run = preflight("nil", &address, &[])?;
    run.bounded()?;
    run.expect("auth.login", "fail", "PING answered nil, not PONG")?;
    run.exit(3)?;

    let dir = tool::scratch("nil-auth");
    let values = values(&dir, &address, true);
    let secrets = secrets(&dir, Some("gloo"), "s3cret-nil")?;
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
    run.expect("auth.login", "fail", "AUTH answered nil, not OK")?;
    drop(server);
    run.exit(3)
}

fn type_commands(port: u16) -> Result<i64, Failed> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.write_all(b"HOSTILE-STATS\r\n")
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 32];
    let n = s.read(&mut buf).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf[..n]);
    text.trim()
        .trim_start_matches(':')
        .parse()
        .map_err(|_| format!("HOSTILE-STATS answered {text:?}").into())
}

fn sample(mode: &str, fragment: &str) -> Result<(), Failed> {
    let (run, _server, port) = against(mode, &["--profile", "post-upgrade"])?;
    run.expect("data.snapshot", "unknown", fragment)?;
    // At most the TYPE of gloo.mesh.key.set itself: none for the members.
    let types = type_commands(port)?;
    if types > 1 {
        return Err(format!("{types} TYPE commands reached the server").into());
    }
    Ok(())
}

fn srandmember() -> Result<(), Failed> {
    sample(
        "srandmember",
        "reply too large: an aggregate of 200000 elements",
    )
}

fn srandmember_5000() -> Result<(), Failed> {
    sample(
        "srandmember-5000",
        "reply too large: SRANDMEMBER gloo.mesh.key.set 20 answered 5000 members",
    )
}

fn valkey9() -> Result<(), Failed> {
    let (run, ..) = against("valkey9", &[])?;
    run.expect("redis.version", "pass", "valkey 9.0.0")?;
    let server = &run.report["targets"][0]["server"];
    if server["version"] != "9.0.0" || server["flavor"] != "valkey" {
        return Err(format!("targets[0].server is {server}").into());
    }
    Ok(())
}

fn redis5() -> Result<(), Failed> {
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

fn maxclients() -> Result<(), Failed> {
    let dir = tool::scratch("maxclients");
    let port = free_port();
    let _redis = redis_server(&dir, port, &["--maxclients", "1"])?;
    // Hold the one client slot.
    let mut held = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    held.write_all(b"PING\r\n").map_err(|e| e.to_string())?;
    let mut buf = [0u8; 16];
    let _ = held.read(&mut buf);
    for _ in 0..3 {
        let run = preflight("maxclients", &format!("127.0.0.1:{port}"), &[])?;
        run.bounded()?;
        run.expect(
            "redis.capacity",
            "fail",
            "every client slot is taken (ERR max number of clients reached)",
        )?;
        run.expect(
            "auth.login",
            "unknown",
            "refused the connection before the login",
        )?;
        run.exit(3)?;
    }
    drop(held);
    Ok(())
}

fn dead_primary() -> Result<(), Failed> {
    let dir = tool::scratch("dead-primary");
    let (port, dead) = (free_port(), free_port());
    let _redis = redis_server(&dir, port, &["--replicaof", "127.0.0.1", &dead.to_string()])?;
    let run = preflight("dead-primary", &format!("127.0.0.1:{port}"), &[])?;
    run.bounded()?;
    run.expect(
        "redis.role",
        "fail",
        &format!("its link to the primary is down (master_link_status:down): 127.0.0.1:{dead} is unreachable"),
    )?;
    run.exit(3)
}

fn real_loading() -> Result<(), Failed> {
    let dir = tool::scratch("loading");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    // A dataset of 40,000 keys, saved.
    let first = redis_server(&dir, port, &["--enable-debug-command", "yes"])?;
    for line in ["DEBUG POPULATE 40000", "SAVE"] {
        let answer = command(&addr, line)?;
        if answer != "+OK" {
            return Err(format!("{line}: {answer}").into());
        }
    }
    drop(first);
    // Loaded again at half a millisecond per key (20 s), answering clients meanwhile.
    let _loading = spawn_redis(
        &dir,
        port,
        &[
            "--key-load-delay",
            "500",
            "--loading-process-events-interval-bytes",
            "1024",
        ],
    )?;
    let mut loading = false;
    for _ in 0..100 {
        if command(&addr, "PING").is_ok_and(|a| a.starts_with("-LOADING")) {
            loading = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if !loading {
        return Err("the restarted redis-server never answered LOADING".into());
    }
    let run = preflight("loading", &addr, &[])?;
    run.bounded()?;
    run.expect(
        "auth.login",
        "unknown",
        "loading its dataset into memory and answers nothing else yet (LOADING",
    )?;
    run.exit(4)
}

fn real_busy() -> Result<(), Failed> {
    let dir = tool::scratch("busy");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _redis = redis_server(&dir, port, &["--busy-reply-threshold", "100"])?;
    // A script that never ends, from a side client kept open; the server is killed on drop.
    let mut side = TcpStream::connect(&addr).map_err(|e| e.to_string())?;
    side.write_all(b"EVAL \"while true do end\" 0\r\n")
        .map_err(|e| e.to_string())?;
    wait_for_error(&addr, "PING", "BUSY")?;
    let run = preflight("busy", &addr, &[])?;
    run.bounded()?;
    run.expect(
        "auth.login",
        "unknown",
        "a script or function has run past busy-reply-threshold (lua-time-limit) and the server answers every command with BUSY",
    )?;
    let fix = run.report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["check"] == "auth.login")
        .and_then(|r| r["remediation"].as_str())
        .unwrap_or_default();
    if !fix.contains("SCRIPT KILL") {
        return Err(format!("auth.login's fix does not name SCRIPT KILL: {fix}").into());
    }
    run.expect("redis.role", "skip", "auth.login")?;
    drop(side);
    run.exit(4)
}

fn real_masterdown() -> Result<(), Failed> {
    let dir = tool::scratch("masterdown");
    let (port, dead) = (free_port(), free_port());
    let addr = format!("127.0.0.1:{port}");
    let _redis = spawn_redis(
        &dir,
        port,
        &[
            "--replicaof",
            "127.0.0.1",
            &dead.to_string(),
            "--replica-serve-stale-data",
            "no",
        ],
    )?;
    wait_for_error(&addr, "PING", "MASTERDOWN")?;
    let run = preflight("masterdown", &addr, &[])?;
    run.bounded()?;
    run.expect(
        "auth.login",
        "fail",
        "the address is a replica whose link to its primary is down, and with replica-serve-stale-data no it answers every read with MASTERDOWN",
    )?;
    run.exit(3)
}

fn accept_close() -> Result<(), Failed> {
    let (run, ..) = against("accept-close", &[])?;
    run.expect("auth.login", "fail", "did not answer as a Redis server")?;
    run.expect("redis.role", "skip", "auth.login failed")?;
    run.exit(3)
}

fn silent_reads() -> Result<(), Failed> {
    // PING and HELLO answered, then silence: each read costs its readTimeout (1s), is unknown
    // naming the timeout, and nothing passes on what was never read.
    let (run, ..) = against("silent-reads", &[])?;
    run.expect("auth.login", "warn", "without credentials")?;
    run.expect(
        "redis.capacity",
        "unknown",
        "INFO got no answer within readTimeout 1s",
    )?;
    run.expect(
        "redis.noeviction",
        "unknown",
        "no answer within readTimeout 1s",
    )?;
    run.expect("redis.latency", "fail", "got no answer within 1s")?;
    run.exit(3)
}

fn reset() -> Result<(), Failed> {
    // PING answered, then a reset in the middle of the HELLO reply: a broken path, not a
    // proxy refusing HELLO, so nothing fails for a proxy and the reads are unknown saying so.
    let (run, ..) = against("reset", &[])?;
    run.expect(
        "redis.multikey",
        "unknown",
        "the connection was cut in the middle of a reply",
    )?;
    run.expect(
        "redis.capacity",
        "unknown",
        "the connection was cut in the middle of a reply: a network fault",
    )?;
    if run.get("redis.capacity")?.message.contains("proxy") {
        return Err("redis.capacity blames a proxy for a reset".into());
    }
    run.exit(4)
}

fn silent_pings() -> Result<(), Failed> {
    let (run, ..) = against("silent-pings", &[])?;
    run.expect(
        "redis.latency",
        "fail",
        "of the latency series got no answer within 1s",
    )?;
    run.exit(3)
}

fn resp3_map() -> Result<(), Failed> {
    let (run, ..) = against("resp3-map", &[])?;
    run.expect("redis.version", "pass", "7.2.4")?;
    run.expect("redis.role", "pass", "")?;
    Ok(())
}

fn moved() -> Result<(), Failed> {
    let (run, ..) = against("moved", &[])?;
    run.expect(
        "redis.multikey",
        "fail",
        "was answered MOVED 866 127.0.0.1:7000: the keys live on different nodes",
    )?;
    run.expect(
        "redis.capacity",
        "unknown",
        "INFO was refused (MOVED 866 127.0.0.1:7000: the key lives on another node",
    )?;
    run.exit(3)
}

fn multikey_errors() -> Result<(), Failed> {
    let (run, ..) = against("errors", &[])?;
    run.expect(
        "redis.multikey",
        "unknown",
        "was refused (ERR this command is not served here); multi-key support could not be tested",
    )?;
    Ok(())
}

// See: issue 18, item 8. A certificate of 6,000 SANs (about 230 KB) is over rustls' 64 KiB and
// under Go's 256 KiB: the server speaks TLS, and the verdict says so instead of "not TLS".
fn big_certificate() -> Result<(), Failed> {
    let dir = tool::scratch("big-certificate");
    let sans: Vec<String> = (0..6000)
        .map(|i| format!("DNS:host-{i:05}.example.internal"))
        .collect();
    std::fs::write(
        dir.join("openssl.cnf"),
        format!(
            "[req]\ndistinguished_name=dn\n[dn]\n[v3]\nsubjectAltName=DNS:localhost,{}\n",
            sans.join(",")
        ),
    )
    .map_err(|e| e.to_string())?;
    let made = Command::new("openssl")
        .current_dir(&dir)
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args([
            "-nodes", "-keyout", "big.key", "-out", "big.crt", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-config",
            "openssl.cnf",
            "-extensions",
            "v3",
        ])
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if !made.status.success() {
        return Err(format!("openssl req: {}", String::from_utf8_lossy(&made.stderr)).into());
    }
    let port = free_port();
    let child = Command::new("openssl")
        .current_dir(&dir)
        .args(["s_server", "-quiet", "-accept", &port.to_string()])
        .args(["-cert", "big.crt", "-key", "big.key"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("openssl: {e}"))?;
    let _server = Process(child);
    if !(0..100).any(|_| {
        let up = TcpStream::connect(("127.0.0.1", port)).is_ok();
        if !up {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        up
    }) {
        return Err("openssl s_server did not listen".into());
    }
    std::fs::write(
        dir.join("values.yaml"),
        format!(
            "glooMgmtServer: {{enabled: true}}\nredis:\n  address: localhost:{port}\n  deployment: {{enabled: false}}\n  connection: {{dialTimeout: 2s, readTimeout: 1s}}\n  certs: {{enabled: true}}\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let run = measured(&dir, &["run", "-f", "values.yaml", "--format", "json"])?;
    run.bounded()?;
    run.expect("tls.mode", "unknown", "the server speaks TLS, but the server's handshake message (its certificates) is over 64 KiB")?;
    if run
        .get("tls.mode")?
        .message
        .contains("did not answer with TLS")
    {
        return Err("tls.mode says the server did not answer with TLS".into());
    }
    run.exit(4)
}

fn tls_silent(lab: &Lab) -> Result<(), Failed> {
    // openssl s_server completes the handshake with the lab's good certificate, then reads
    // and never answers: a TLS terminator without its backend.
    let dir = tool::scratch("tls-silent");
    let port = free_port();
    let certs = lab.substitute("${LAB}/certs");
    let child = Command::new("openssl")
        .args(["s_server", "-quiet", "-accept", &port.to_string()])
        .args([
            "-cert",
            &format!("{certs}/good.crt"),
            "-key",
            &format!("{certs}/good.key"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("openssl: {e}"))?;
    let _server = Process(child);
    let mut up = false;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if !up {
        return Err("openssl s_server did not listen".into());
    }
    tls_inputs(
        &dir,
        &certs,
        &format!("localhost:{port}"),
        "{dialTimeout: 2s, readTimeout: 1s}",
    )?;
    let run = measured(
        &dir,
        &[
            "run",
            "-f",
            "values.yaml",
            "--secrets",
            "secrets.yaml",
            "--format",
            "json",
        ],
    )?;
    run.bounded()?;
    run.expect("tls.ca-trust", "pass", "")?;
    run.expect(
        "auth.login",
        "fail",
        "no answer within readTimeout 1s from localhost:",
    )?;
    run.expect(
        "auth.login",
        "fail",
        "the TLS handshake completed, then nothing answered over it",
    )?;
    run.exit(3)
}

/// A network namespace joined to this one by a veth pair, with an IPv4 and an IPv6 address
/// on each side; removed on drop.
struct Netns {
    name: String,
    v4: (String, String),
    v6: (String, String),
}

impl Netns {
    fn create(tag: &str) -> Result<Netns, Failed> {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let name = format!("rpf-{tag}-{pid}-{n}");
        let (host, peer) = (
            format!("rpf{}h{n}", pid % 100_000),
            format!("rpf{}p{n}", pid % 100_000),
        );
        let (a, b) = (200 + (n % 50), pid % 250);
        let v4 = (format!("10.{a}.{b}.1"), format!("10.{a}.{b}.2"));
        let v6 = (format!("fd00:{a}:{b}::1"), format!("fd00:{a}:{b}::2"));
        let ns = Netns {
            name: name.clone(),
            v4: v4.clone(),
            v6: v6.clone(),
        };
        ip(&["netns", "add", &name])?;
        ip(&["link", "add", &host, "type", "veth", "peer", "name", &peer])?;
        ip(&["link", "set", &peer, "netns", &name])?;
        ip(&["addr", "add", &format!("{}/24", v4.0), "dev", &host])?;
        ip(&[
            "-6",
            "addr",
            "add",
            &format!("{}/64", v6.0),
            "dev",
            &host,
            "nodad",
        ])?;
        ip(&["link", "set", &host, "up"])?;
        ns.exec(
            "ip",
            &["addr", "add", &format!("{}/24", v4.1), "dev", &peer],
        )?;
        ns.exec(
            "ip",
            &[
                "-6",
                "addr",
                "add",
                &format!("{}/64", v6.1),
                "dev",
                &peer,
                "nodad",
            ],
        )?;
        ns.exec("ip", &["link", "set", &peer, "up"])?;
        ns.exec("ip", &["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    fn exec(&self, cmd: &str, args: &[&str]) -> Result<(), Failed> {
        let mut all = vec!["netns", "exec", &self.name, cmd];
        all.extend_from_slice(args);
        ip(&all)
    }

    fn spawn(&self, cmd: &str, args: &[&str]) -> Result<Process, Failed> {
        Command::new("ip")
            .args(["netns", "exec", &self.name, cmd])
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .map(Process)
            .map_err(|e| e.to_string().into())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn ip(args: &[&str]) -> Result<(), Failed> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// A real redis-server inside `ns`, bound to both of its addresses.
fn redis_in(ns: &Netns, dir: &Path, port: u16, args: &[&str]) -> Result<Process, Failed> {
    let port_s = port.to_string();
    let mut all = vec![
        "--port",
        &port_s,
        "--bind",
        &ns.v4.1,
        &ns.v6.1,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let process = ns.spawn("redis-server", &all)?;
    wait_for_pong(&format!("{}:{port}", ns.v4.1))
        .or_else(|_| wait_for_pong(&format!("{}:{port}", ns.v4.1)))?;
    Ok(process)
}

fn protected_mode() -> Result<(), Failed> {
    let ns = Netns::create("pm")?;
    let dir = tool::scratch("protected-mode");
    let port = 6379;
    let port_s = port.to_string();
    let _redis = ns.spawn(
        "redis-server",
        &[
            "--port",
            &port_s,
            "--bind",
            &ns.v4.1,
            "--protected-mode",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir.to_str().unwrap(),
        ],
    )?;
    // Up when it answers (with DENIED: this side is not loopback).
    let address = format!("{}:{port}", ns.v4.1);
    let mut up = false;
    for _ in 0..100 {
        if let Ok(mut s) = TcpStream::connect(&address) {
            let _ = s.write_all(b"PING\r\n");
            let mut buf = [0u8; 8];
            if s.read(&mut buf).is_ok_and(|n| n > 0) {
                up = true;
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if !up {
        return Err(format!("redis-server in {} did not answer", ns.name).into());
    }
    for _ in 0..3 {
        let run = preflight("protected-mode", &address, &[])?;
        run.bounded()?;
        run.expect(
            "auth.login",
            "fail",
            "the server runs in protected mode and refuses clients from other hosts (DENIED",
        )?;
        run.exit(3)?;
    }
    Ok(())
}

fn dual_stack() -> Result<(), Failed> {
    let ns = Netns::create("ds")?;
    let dir = tool::scratch("dual-stack");
    let port = 6379;
    let _redis = redis_in(&ns, &dir, port, &["--protected-mode", "no"])?;
    // The name resolves to the IPv6 address first, then the IPv4 one.
    let dns_port = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port()
    };
    let _dns = Process(
        Command::new("python3")
            .arg(root_dir().join("ci/stub_server.py"))
            .args([
                "dns",
                &dns_port.to_string(),
                &format!("dual.lab.test={},{}", ns.v6.1, ns.v4.1),
            ])
            .spawn()
            .map_err(|e| e.to_string())?,
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let dns = format!("127.0.0.1:{dns_port}");
    let address = format!("dual.lab.test:{port}");
    let run = |case: &str| -> Result<Run, Failed> {
        let run = preflight(case, &address, &["--dns-server", &dns])?;
        run.bounded()?;
        Ok(run)
    };
    let drop_rule = |tool: &str, add: bool| {
        ns.exec(
            tool,
            &[
                if add { "-A" } else { "-D" },
                "INPUT",
                "-p",
                "tcp",
                "--dport",
                &port.to_string(),
                "-j",
                "DROP",
            ],
        )
    };

    // Both families work: IPv6, the first, wins.
    let r = run("both")?;
    r.expect("net.dns", "pass", &format!("{}, {}", ns.v6.1, ns.v4.1))?;
    r.expect(
        "net.tcp",
        "pass",
        &format!("connected to [{}]:{port}", ns.v6.1),
    )?;

    // IPv6 drops silently: IPv4 connects 300 ms later, well within dialTimeout 2s.
    drop_rule("ip6tables", true)?;
    let r = run("v6-drops")?;
    r.expect(
        "net.tcp",
        "pass",
        &format!("connected to {}:{port}", ns.v4.1),
    )?;
    r.expect("auth.login", "warn", "without credentials")?;
    drop_rule("ip6tables", false)?;

    // IPv4 drops silently: IPv6 connects first anyway.
    drop_rule("iptables", true)?;
    let r = run("v4-drops")?;
    r.expect(
        "net.tcp",
        "pass",
        &format!("connected to [{}]:{port}", ns.v6.1),
    )?;

    // Both drop: the whole dialTimeout, then a timeout, not a refusal.
    drop_rule("ip6tables", true)?;
    let r = run("both-drop")?;
    r.expect("net.tcp", "fail", "no connection within dialTimeout 2s")?;
    Ok(())
}

fn tls_on_plaintext_early(lab: &Lab) -> Result<(), Failed> {
    // Redis 7 stays silent to a ClientHello: the handshake alone would wait the whole 5 s
    // dialTimeout. The plaintext PING on a second connection, sent after a short wait, tells.
    let dir = tool::scratch("tls-on-plaintext-early");
    let certs = lab.substitute("${LAB}/certs");
    let address = lab.substitute("localhost:${NOAUTH_PORT}");
    tls_inputs(&dir, &certs, &address, "{dialTimeout: 5s}")?;
    let started = std::time::Instant::now();
    let run = measured(
        &dir,
        &[
            "run",
            "-f",
            "values.yaml",
            "--secrets",
            "secrets.yaml",
            "--only",
            "tls.mode",
            "--format",
            "json",
        ],
    )?;
    let took = started.elapsed();
    // Expected in well under 0.5 s; half the dial timeout is a bound no slow machine meets by
    // waiting for the handshake.
    if took > std::time::Duration::from_millis(2500) {
        return Err(format!("the run took {took:?}: it waited for the 5 s dialTimeout").into());
    }
    run.expect("tls.mode", "fail", "the values turn TLS on but")?;
    run.expect("tls.mode", "fail", "speaks plaintext Redis")?;
    run.exit(3)
}

/// `secrets.yaml` with the CA of `certs` as `redis-certs` (made by kubectl), and `values.yaml`
/// for a management server dialling `address` with TLS on and `connection`.
fn tls_inputs(dir: &Path, certs: &str, address: &str, connection: &str) -> Result<(), Failed> {
    let manifest = tool::kubectl_secret(&[
        "generic".to_string(),
        "redis-certs".into(),
        "-n".into(),
        "gloo-mesh".into(),
        format!("--from-file=ca.crt={certs}/ca.crt"),
    ])?;
    std::fs::write(dir.join("secrets.yaml"), manifest).map_err(|e| e.to_string())?;
    let values = format!(
        "glooMgmtServer: {{enabled: true}}\nredis:\n  address: {address}\n  deployment: {{enabled: false}}\n  connection: {connection}\n  certs: {{enabled: true, secretName: redis-certs, caCertKey: ca.crt}}\n"
    );
    std::fs::write(dir.join("values.yaml"), values).map_err(|e| e.to_string())?;
    Ok(())
}
