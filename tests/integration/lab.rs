//! The lab of `ci/lab`, started once for the whole test binary on its own ports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// A running lab; stopped on drop.
#[derive(Clone)]
pub struct Lab(Arc<Inner>);

pub struct Inner {
    pub dir: PathBuf,
    pub vars: BTreeMap<String, String>,
    /// Major and minor version of the lab's `redis-server`.
    pub redis_version: (u32, u32),
}

impl Lab {
    pub fn start() -> Lab {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = std::env::temp_dir().join(format!("redis-preflight-lab-{}", std::process::id()));
        // Far from the demo lab's 17000, and 48 ports apart per process so parallel runs do not
        // meet (the lab uses 39). Below the ephemeral range (32768 and up), where an outgoing
        // connection may hold a port: 20000 + 249 × 48 + 47 = 31999. Redis cluster mode needs
        // its port + 10000 free too.
        let base = 20000 + (std::process::id() % 250) * 48;
        let status = Command::new(root.join("ci/lab"))
            .args(["start", dir.to_str().unwrap(), &base.to_string()])
            .status()
            .expect("ci/lab runs");
        assert!(status.success(), "ci/lab start failed");
        let env = std::fs::read_to_string(dir.join("ports.env")).expect("ports.env");
        let mut vars: BTreeMap<String, String> = env
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vars.insert("LAB".into(), dir.display().to_string());
        let redis_version = redis_server_version();
        Lab(Arc::new(Inner {
            dir,
            vars,
            redis_version,
        }))
    }

    /// The `i`th of the ports this process's block holds beyond the lab's own (48 per block).
    pub fn spare_port(&self, i: u16) -> u16 {
        let used = self.0.vars.keys().filter(|k| k.ends_with("_PORT")).count() as u16;
        let base: u16 = self.port("PRIMARY").parse().unwrap();
        assert!(
            used + i < 48,
            "the lab's block of 48 ports has no spare port {i}"
        );
        base + used + i
    }

    /// Major and minor version of the lab's `redis-server` (Debian's may move on one day).
    pub fn redis_version(&self) -> (u32, u32) {
        self.0.redis_version
    }

    pub fn port(&self, name: &str) -> String {
        self.0.vars[&format!("{name}_PORT")].clone()
    }

    /// A trial named `<module>::<name>` that runs `f` against this lab.
    pub fn trial(
        &self,
        module: &str,
        name: &str,
        f: fn(&Lab) -> Result<(), libtest_mimic::Failed>,
    ) -> libtest_mimic::Trial {
        let lab = self.clone();
        libtest_mimic::Trial::test(format!("{module}::{name}"), move || f(&lab))
    }

    /// The lab's ports and directory written back as `${NAME}` (longest value first), so that
    /// outputs of runs on different ports compare equal.
    pub fn unsubstitute(&self, bytes: &[u8]) -> String {
        let mut out = String::from_utf8_lossy(bytes).into_owned();
        let mut vars: Vec<(&String, &String)> = self.0.vars.iter().collect();
        vars.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        for (k, v) in vars {
            out = replace_whole(&out, v, &format!("${{{k}}}"));
        }
        out
    }

    /// Replaces every `${NAME}` with the lab's value.
    pub fn substitute(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (k, v) in &self.0.vars {
            out = out.replace(&format!("${{{k}}}"), v);
        }
        out
    }
}

/// `redis-server --version` ("Redis server v=7.0.15 sha=…"): the server `ci/lab` starts.
fn redis_server_version() -> (u32, u32) {
    let out = Command::new("redis-server")
        .arg("--version")
        .output()
        .expect("redis-server --version");
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .unwrap_or_else(|| panic!("redis-server --version: {text}"));
    let mut parts = version.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// `text` with every `from` that is not part of a longer number replaced by `to`.
fn replace_whole(text: &str, from: &str, to: &str) -> String {
    let digit_at = |i: usize| text.as_bytes().get(i).is_some_and(u8::is_ascii_digit);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, _) in text.match_indices(from) {
        if i < last || (i > 0 && digit_at(i - 1)) || digit_at(i + from.len()) {
            continue;
        }
        out.push_str(&text[last..i]);
        out.push_str(to);
        last = i + from.len();
    }
    out.push_str(&text[last..]);
    out
}

impl Drop for Inner {
    fn drop(&mut self) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let _ = Command::new(root.join("ci/lab"))
            .args(["stop", self.dir.to_str().unwrap()])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
