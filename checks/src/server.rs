//! Which server a session reached, decided once from HELLO and INFO and used by every check,
//! so that no two messages disagree on the version or on what the server supports.
//!
//! Valkey 8 and later freeze `redis_version:7.2.4` for compatibility: its own version is
//! `valkey_version` in INFO and `version` in HELLO (whose `server` is `valkey`). Redis before 6
//! has neither HELLO nor ACL users: `AUTH password` is the only login it knows.

use crate::facts::{Observed, Session, TargetFacts};

/// The server software.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Redis (or a service that says it is Redis).
    Redis,
    /// Valkey, the Linux Foundation fork of Redis 7.2.
    Valkey,
}

impl Flavor {
    /// `redis` or `valkey`, as reports and rules name it.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Redis => "redis",
            Flavor::Valkey => "valkey",
        }
    }
}

/// What is known of the server behind a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// Redis or Valkey.
    pub flavor: Flavor,
    /// The server's own version (Valkey's, not the frozen compatibility one), as it says it.
    pub version: Option<String>,
    /// Where the version came from: `INFO` or `HELLO`.
    pub version_source: Option<&'static str>,
    /// Whether the server has ACL users (Redis 6+, every Valkey): `AUTH username password`
    /// works. `None` when nothing tells. A server that answered `AUTH username password` as a
    /// wrong number of arguments has none, whatever else is known.
    pub acl_users: Option<bool>,
}

impl Server {
    /// `valkey 9.0.0`, `redis 7.2.4`, or the flavor alone.
    pub fn label(&self) -> String {
        match &self.version {
            Some(v) => format!("{} {v}", self.flavor.name()),
            None => self.flavor.name().to_string(),
        }
    }

    /// The version as numbers, when it is `major.minor[.patch]`.
    pub fn numeric_version(&self) -> Option<(u32, u32, u32)> {
        parse_version(self.version.as_deref()?)
    }
}

/// The server of a target's session, when there was one.
pub fn of_target(t: &TargetFacts) -> Option<Server> {
    t.session.ok().map(identify)
}

/// Decides the server from what the session read.
pub fn identify(s: &Session) -> Server {
    let name = s
        .hello_field("server")
        .or_else(|| s.info_field("server_name"));
    let flavor = if name.is_some_and(|n| n.eq_ignore_ascii_case("valkey"))
        || s.info_field("valkey_version").is_some()
    {
        Flavor::Valkey
    } else {
        Flavor::Redis
    };
    let (version, version_source) = match flavor {
        Flavor::Valkey => match (s.info_field("valkey_version"), s.hello_field("version")) {
            (Some(v), _) => (Some(v), Some("INFO")),
            (None, Some(v)) => (Some(v), Some("HELLO")),
            // Only the frozen compatibility version: not Valkey's own.
            (None, None) => (None, None),
        },
        Flavor::Redis => match (s.info_field("redis_version"), s.hello_field("version")) {
            (Some(v), _) => (Some(v), Some("INFO")),
            (None, Some(v)) => (Some(v), Some("HELLO")),
            (None, None) => (None, None),
        },
    };
    let numeric = version.and_then(parse_version);
    let refused_username = s.login.as_ref().is_some_and(|l| l.no_acl_users);
    let acl_users = match (flavor, numeric) {
        _ if refused_username => Some(false),
        (Flavor::Valkey, _) => Some(true),
        (Flavor::Redis, Some(v)) => Some(v >= (6, 0, 0)),
        // HELLO answered: Redis 6 or later.
        (Flavor::Redis, None) if matches!(s.hello, Observed::Ok { .. }) => Some(true),
        (Flavor::Redis, None) => None,
    };
    Server {
        flavor,
        version: version.map(str::to_string),
        version_source,
        acl_users,
    }
}

/// A Redis Sentinel at the address: it answers `PING`, `INFO` and `HELLO` like a Redis server,
/// but holds no data and refuses every data command. Gloo's Redis values take one address and
/// no Sentinel settings (no master name), so its components would talk to the Sentinel itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentinel {
    /// What told it: `INFO redis_mode:sentinel`, `HELLO mode sentinel` or `ROLE sentinel`.
    pub source: &'static str,
    /// The masters it monitors (`INFO sentinel`: `master0:name=…,status=…,address=…`), as
    /// `name at host:port`.
    pub masters: Vec<String>,
}

impl Sentinel {
    /// One sentence: what the address is, and where the data is.
    pub fn describe(&self, address: &str) -> String {
        let monitors = match self.masters.as_slice() {
            [] => String::new(),
            [one] => format!("; it monitors the primary {one}"),
            many => format!("; it monitors the primaries {}", many.join(", ")),
        };
        format!(
            "{address} is a Redis Sentinel ({}), not a Redis server: it holds no data and refuses Gloo's reads and writes{monitors}",
            self.source
        )
    }

    /// The fix: point the address at the primary, by a name that follows it on failover.
    pub fn fix(&self, address_key: &str) -> String {
        let primary = match self.masters.as_slice() {
            [] => "the primary this Sentinel monitors (SENTINEL GET-MASTER-ADDR-BY-NAME <name>)"
                .to_string(),
            [one] => format!("the primary it names ({one})"),
            _ => "the primary of the right master (SENTINEL MASTERS lists them)".to_string(),
        };
        format!(
            "set {address_key} to {primary}, ideally through a name or virtual IP that follows the primary on failover: Gloo's Redis values take a single address and no Sentinel settings, so its components cannot follow a Sentinel"
        )
    }
}

/// The Sentinel a session reached, when it reached one.
pub fn sentinel(s: &Session) -> Option<Sentinel> {
    let source = if s.info_field("redis_mode") == Some("sentinel") {
        "INFO redis_mode:sentinel"
    } else if s.hello_field("mode") == Some("sentinel") {
        "HELLO mode sentinel"
    } else if s
        .role
        .ok()
        .and_then(|r| r.first())
        .is_some_and(|r| r == "sentinel")
    {
        "ROLE sentinel"
    } else {
        return None;
    };
    let masters = s
        .info
        .ok()
        .map(|info| {
            info.iter()
                .filter(|(k, _)| {
                    k.strip_prefix("master")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                })
                .filter_map(|(_, v)| {
                    let field = |name: &str| {
                        v.split(',')
                            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                    };
                    Some(format!("{} at {}", field("name")?, field("address")?))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Sentinel { source, masters })
}

/// `major.minor.patch` (missing parts are 0); `None` when the major is not a number.
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{healthy_target, refused, session, set_info};

    #[test]
    fn a_sentinel_is_told_with_the_primaries_it_monitors() {
        let mut t = healthy_target("s");
        assert_eq!(sentinel(session(&mut t)), None);
        set_info(&mut t, "redis_mode", Some("sentinel"));
        set_info(
            &mut t,
            "master0",
            Some("name=mymaster,status=ok,address=10.0.0.5:6379,slaves=1,sentinels=3"),
        );
        let s = sentinel(session(&mut t)).unwrap();
        assert_eq!(s.masters, vec!["mymaster at 10.0.0.5:6379".to_string()]);
        let text = s.describe("10.0.0.9:26379");
        assert!(
            text.contains("is a Redis Sentinel (INFO redis_mode:sentinel)")
                && text.ends_with("it monitors the primary mymaster at 10.0.0.5:6379"),
            "{text}"
        );
        assert!(
            s.fix("redis.address").starts_with(
                "set redis.address to the primary it names (mymaster at 10.0.0.5:6379)"
            )
        );
        // A restricted user: INFO refused, HELLO still tells the mode.
        let session = session(&mut t);
        session.info = refused("info");
        session.hello = Observed::Ok {
            value: [("mode".to_string(), "sentinel".to_string())].into(),
        };
        let s = sentinel(session).unwrap();
        assert_eq!((s.source, s.masters.len()), ("HELLO mode sentinel", 0));
    }

    #[test]
    fn identities() {
        let t = healthy_target("s");
        let s = identify(t.session.ok().unwrap());
        assert_eq!(s.label(), "redis 7.2.4");
        assert_eq!(s.acl_users, Some(true));

        // Valkey 9 freezes redis_version at 7.2.4: its own version wins, from INFO or HELLO.
        let mut valkey = healthy_target("s");
        set_info(&mut valkey, "server_name", Some("valkey"));
        set_info(&mut valkey, "valkey_version", Some("9.0.1"));
        let hello = session(&mut valkey).hello.clone();
        if let Observed::Ok { mut value } = hello {
            value.insert("server".into(), "valkey".into());
            value.insert("version".into(), "9.0.1".into());
            session(&mut valkey).hello = Observed::Ok { value };
        }
        assert_eq!(identify(session(&mut valkey)).label(), "valkey 9.0.1");
        session(&mut valkey).info = refused("info");
        let s = identify(session(&mut valkey));
        assert_eq!(
            (s.label(), s.version_source),
            ("valkey 9.0.1".into(), Some("HELLO"))
        );

        // Redis 5: no HELLO, no ACL users.
        let mut old = healthy_target("s");
        set_info(&mut old, "redis_version", Some("5.0.14"));
        session(&mut old).hello = Observed::Refused {
            error: "ERR unknown command `HELLO`".into(),
        };
        let s = identify(session(&mut old));
        assert_eq!(
            (s.label(), s.acl_users),
            ("redis 5.0.14".into(), Some(false))
        );
        session(&mut old).info = refused("info");
        assert_eq!(identify(session(&mut old)).acl_users, None);
    }
}
