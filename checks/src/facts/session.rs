//! The Redis session: the login, the reads (their replies are `reply.rs`), the field probes (latency,
//! multi-key, writes), and the views every check reads the session through (role, mode,
//! replicas), in one order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::*;

/// The Redis session: how login went and what the server told about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// `PING` before any `AUTH`: does the server let anybody in?
    pub unauthenticated_ping: Reply,
    /// `AUTH` as go-redis sends it; `None` when the values configure no credentials.
    pub login: Option<Login>,
    /// `SELECT db`, as go-redis sends it when the values name a db other than 0.
    #[serde(default)]
    pub select: Option<(i64, Reply)>,
    /// `HELLO 2` (Redis 6+): server, version, mode, role, even for restricted users.
    pub hello: Observed<BTreeMap<String, String>>,
    /// `INFO`: every `field:value` line of the default sections.
    pub info: Observed<Info>,
    /// The INFO section of each field above, by section name (`memory` → its field names).
    #[serde(default)]
    pub info_sections: BTreeMap<String, Vec<String>>,
    /// `ROLE`, flattened to strings (`master`, offset, …).
    pub role: Observed<Vec<String>>,
    /// `CONFIG GET` of single parameters (`maxmemory-policy`, `timeout`, `maxclients`,
    /// `min-replicas-to-write`).
    pub config: BTreeMap<String, Observed<String>>,
    /// The management server's snapshot keys (post-upgrade profile, snapshot target only).
    pub snapshot: Observed<SnapshotKeys>,
    /// `SET` / `GET` / `DEL` of one uniquely named key with a short expiry (`--allow-write` only).
    pub write_probe: Observed<WriteProbe>,
    /// The zero-effect writes sent in every run: may a write run here, as this user?
    #[serde(default = "write_access_not_probed")]
    pub write_access: Observed<WriteAccess>,
    /// What the field checks read: PING round trips, `INFO latencystats`, the multi-key probe.
    #[serde(default)]
    pub field: FieldFacts,
    /// Time of the whole session, in milliseconds.
    pub duration_ms: f64,
    /// The server refused the session before any command ran, and why (its error reply
    /// before closing, or `LOADING`).
    #[serde(default)]
    pub refusal: Option<Refusal>,
    /// The command of the server reads (`HELLO`, `INFO`, `ROLE`, `CONFIG GET`) at which the
    /// server closed the connection, every later read then failing with it: what a proxy that
    /// does not speak a command one Redis answers does (twemproxy closes at `HELLO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_at: Option<String>,
    /// The connection ended in the middle of a reply (a reset or close after part of it
    /// arrived): a network fault, a crash or a middlebox, not a server refusing a command.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut_mid_reply: bool,
}

/// What `src/probe/behaviour.rs` observes on the session, for `redis.latency` and
/// `redis.multikey`. The persistence parameters (`save`, `appendonly`,
/// `stop-writes-on-bgsave-error`) are the catalog's `CONFIG GET`s, in [`Session::config`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldFacts {
    /// Round-trip times of sequential `PING`s, in milliseconds, in the order sent.
    pub pings: Observed<Pings>,
    /// `INFO latencystats` (Redis 7+): `latency_percentiles_usec_<command>` → `p50=…,p99=…`.
    pub latencystats: Observed<Info>,
    /// The multi-key probe: a read over two keys in different hash slots, and a transaction.
    pub multikey: Observed<MultiKey>,
}

impl Default for FieldFacts {
    fn default() -> Self {
        FieldFacts {
            pings: Observed::not_attempted("not probed"),
            latencystats: Observed::not_attempted("not probed"),
            multikey: Observed::not_attempted("not probed"),
        }
    }
}

/// Sequential round trips: the session's own (login, reads), then `PING`s within a time budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pings {
    /// How many `PING`s were sent.
    pub asked: usize,
    /// Round-trip times in milliseconds, in order: the session's own round trips first, then
    /// the answered `PING`s.
    pub samples_ms: Vec<f64>,
    /// How many of the leading `samples_ms` are the session's own round trips.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub session_round_trips: usize,
    /// The reply that ended the series early (a timeout, an error, a broken connection).
    pub stopped_by: Option<Reply>,
}

/// The multi-key probe: reads only, over keys that do not exist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MultiKey {
    /// The keys read; their hash tags put them in different hash slots.
    pub keys: Vec<String>,
    /// The reply to the multi-key read (`SUNION` of the two keys).
    pub read: Reply,
    /// The reply to `MULTI` / `EXISTS` (both keys) / `EXEC`: the first error, else `Ok`.
    pub transaction: Reply,
}

/// What `gloo.mesh.key.set` holds: bounded reads (`TYPE`, `SCARD`, `SRANDMEMBER n`), never `KEYS`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotKeys {
    /// `TYPE gloo.mesh.key.set` (`none` when absent).
    pub set_type: String,
    /// `SCARD gloo.mesh.key.set`.
    pub members: i64,
    /// A random sample of members with their `TYPE`.
    pub sample: Vec<(String, String)>,
}

/// The write probe: the only writes the tool ever makes, and only with `--allow-write`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WriteProbe {
    /// The key written (it expires by itself within seconds).
    pub key: String,
    /// The reply to `SET key value PX 10000`.
    pub set: Reply,
    /// `GET` returned the value written.
    pub read_back: bool,
    /// The reply to `DEL key`.
    pub del: Reply,
}

fn write_access_not_probed() -> Observed<WriteAccess> {
    Observed::not_attempted("the facts were saved before the write check existed")
}

/// Writes that change nothing: each names the tool's own key with an argument Redis refuses
/// only once the command has passed its ACL, `maxmemory`, failed-save and read-only-replica
/// checks (`SET <key> x EX 0` → `ERR invalid expire time`). The refusal that comes first
/// tells whether a component's write of that kind would run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WriteAccess {
    /// The key every command names; never created.
    pub key: String,
    /// One command per family the components write with, in the order sent.
    pub attempts: Vec<WriteAttempt>,
}

impl WriteAccess {
    /// The attempt of `command` (`SET`, `HSET` …).
    pub fn attempt(&self, command: &str) -> Option<&WriteAttempt> {
        self.attempts.iter().find(|a| a.command == command)
    }

    /// The first attempt that met `kind`.
    pub fn met(&self, kind: WriteKind) -> Option<&WriteAttempt> {
        self.attempts.iter().find(|a| a.kind == kind)
    }
}

/// One zero-effect write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WriteAttempt {
    /// The command's name, upper case: `SET`, `HSET`, `XADD`, `INCRBY`, `EXPIRE`.
    pub command: String,
    /// The whole command as sent: `SET redis-preflight:write-check x EX 0`.
    pub sent: String,
    /// The server's reply.
    pub reply: Reply,
    /// What the reply means, as the probe classified it.
    pub kind: WriteKind,
}

/// What a zero-effect write met, in the order Redis checks a command: its ACL (command,
/// then keys), `maxmemory`, a failed save, `min-replicas-to-write`, a read-only replica, and
/// last the command's own argument check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    /// The command's own argument error: every check before it passed, so a real write of
    /// this kind would run.
    Allowed,
    /// `NOPERM` for the command: the user may not run it at all.
    CommandDenied,
    /// `NOPERM` for the key: the user's key patterns leave out the probe's key.
    KeyDenied,
    /// `OOM`: memory is past `maxmemory` and the policy evicts nothing.
    Oom,
    /// `MISCONF`: a failed RDB save or AOF write stops every write.
    Misconf,
    /// `NOREPLICAS`: fewer good replicas than `min-replicas-to-write`.
    NoReplicas,
    /// `READONLY`: a read-only replica.
    ReadOnly,
    /// Anything else: another error (an unknown command, a cluster redirect), no answer, a
    /// broken connection, or a reply that is not the refusal expected.
    Other,
}

/// One login attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Login {
    /// A username was sent (`AUTH user pass`), else `AUTH pass`.
    pub with_username: bool,
    /// The reply to the credentials exactly as stored.
    pub reply: Reply,
    /// When the stored values carry stray whitespace and the raw login failed, the reply to the
    /// trimmed values.
    pub trimmed_reply: Option<Reply>,
    /// The server answered `AUTH username password` as a wrong number of arguments: it has no
    /// ACL users (Redis before 6), and only `AUTH password` logs in.
    #[serde(default)]
    pub no_acl_users: bool,
}

impl Session {
    /// Whether the session got as far as reading: logged in, or let in without credentials.
    pub fn admitted(&self) -> bool {
        match &self.login {
            Some(login) => login.reply == Reply::Ok,
            None => self.lets_anybody_in(),
        }
    }

    /// Whether `PING` before any `AUTH` got past the server's authentication: `PONG`, or
    /// `MISCONF`, which Redis answers PING with (after its authentication check) while it
    /// cannot persist. go-redis then fails at its first PING, but the session is open.
    pub fn lets_anybody_in(&self) -> bool {
        match &self.unauthenticated_ping {
            Reply::Ok => true,
            Reply::Error { code, .. } => code == "MISCONF",
            _ => false,
        }
    }

    /// An `INFO` field, when INFO was readable. Only the catalog's fields are kept by a run
    /// that neither loads rules nor saves facts: a field asked for must be one of
    /// [`CATALOG_FIELDS`](crate::info::CATALOG_FIELDS), or it would read as absent there.
    pub fn info_field(&self, field: &str) -> Option<&str> {
        debug_assert!(
            crate::info::catalog_reads(field),
            "INFO field `{field}` is read: add it to checks::info::CATALOG_FIELDS"
        );
        self.info.ok()?.get(field)
    }

    /// The role the server names (`master`, `slave`, `sentinel`).
    pub fn role_name(&self) -> Option<&str> {
        self.role_and_source().map(|(role, _)| role)
    }

    /// The role the server names and what told it: ROLE's first word, else HELLO's `role`,
    /// else INFO's. Every reader of the role (checks, rules, the report) goes through here.
    pub fn role_and_source(&self) -> Option<(&str, &'static str)> {
        if let Some(r) = self.role.ok().and_then(|r| r.first()) {
            Some((r.as_str(), "ROLE"))
        } else if let Some(r) = self.hello_field("role") {
            Some((r, "HELLO"))
        } else {
            self.info_field("role").map(|r| (r, "INFO replication"))
        }
    }

    /// The server mode (`standalone`, `cluster`, `sentinel`) and what told it: INFO
    /// `cluster_enabled`, else INFO `redis_mode`, else HELLO's mode. `None` when neither said.
    pub fn mode(&self) -> Option<(&str, String)> {
        if let Some(enabled) = self.info_field("cluster_enabled") {
            let mode = if enabled == "1" {
                "cluster"
            } else {
                "standalone"
            };
            Some((mode, format!("INFO cluster_enabled:{enabled}")))
        } else if let Some(mode) = self.info_field("redis_mode") {
            Some((mode, format!("INFO redis_mode:{mode}")))
        } else {
            let mode = self.hello_field("mode")?;
            Some((mode, format!("HELLO mode {mode}")))
        }
    }

    /// A `HELLO` field, when HELLO was readable.
    pub fn hello_field(&self, field: &str) -> Option<&str> {
        self.hello.ok()?.get(field).map(String::as_str)
    }

    /// The primary's replicas as `(ip:port, state)`: from `INFO replication`
    /// (`slaveN:ip=…,port=…,state=online,…`), or, where INFO is refused, from `ROLE`, which
    /// lists a primary's connected replicas without a state (`connected`). `None` when
    /// neither was read.
    pub fn replicas(&self) -> Option<Vec<(String, String)>> {
        if let Some(info) = self.info.ok() {
            let field = |line: &str, name: &str| {
                line.split(',')
                    .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                    .unwrap_or("?")
                    .to_string()
            };
            return Some(
                info.iter()
                    .filter(|(k, _)| {
                        k.strip_prefix("slave")
                            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    })
                    .map(|(_, v)| (field(v, "ip") + ":" + &field(v, "port"), field(v, "state")))
                    .collect(),
            );
        }
        let role = self.role.ok()?;
        // Only a primary's ROLE lists replicas; a replica's lists its own primary.
        Some(match role.first().map(String::as_str) {
            Some("master") => role
                .iter()
                .skip(2)
                .map(|r| (r.clone(), "connected".to_string()))
                .collect(),
            _ => Vec::new(),
        })
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
