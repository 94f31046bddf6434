//! INFO's `field:value` lines, held compactly.
//!
//! A server's INFO has about 180 fields. As a map of owned strings that is some 360 small
//! allocations and 25 KiB per target; here it is one text of about the size INFO was sent in
//! plus 8 bytes a field, which is what lets hundreds of targets be judged at once in little
//! memory (see the README's Benchmark). It reads, prints and serialises as the map it stands
//! for: `{"redis_version": "7.2.4", …}`, fields in name order.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most fields an INFO keeps (a Redis sends about 180; keyspace, replica and error lines
/// add a few dozen): what a server sends beyond is not kept, so neither a live run nor a
/// facts file holds more.
pub const MAX_FIELDS: usize = 1024;
/// The longest field name kept, in bytes…
pub const MAX_NAME: usize = 128;
/// …and the longest value: a longer field is left out (absent, never cut: a cut value would
/// be judged as if the server had said it).
pub const MAX_VALUE: usize = 512;

/// Whether a field of this name and value is kept.
pub fn keeps(name: &str, value: &str) -> bool {
    name.len() <= MAX_NAME && value.len() <= MAX_VALUE
}

/// The INFO fields the catalog's checks and the reports read, in name order. With the
/// replicas (`slaveN`) and a sentinel's masters (`masterN`) they are all a run keeps of INFO
/// when nothing else may read it (no rules loaded, no facts saved): some 600 bytes a target
/// instead of 6 KiB. [`Session::info_field`](crate::facts::Session::info_field) asserts, in
/// debug builds, that a field asked for is one of them.
pub const CATALOG_FIELDS: &[&str] = &[
    "aof_enabled",
    "aof_last_write_status",
    "cluster_enabled",
    "connected_clients",
    "evicted_keys",
    "loading",
    "master_host",
    "master_link_status",
    "master_port",
    "maxclients",
    "maxmemory",
    "maxmemory_policy",
    "rdb_last_bgsave_status",
    "redis_mode",
    "redis_version",
    "rejected_connections",
    "replica_read_only",
    "role",
    "run_id",
    "server_name",
    "slave_read_only",
    "used_memory",
    "valkey_version",
];

/// Whether the catalog reads the INFO field of this name (see [`CATALOG_FIELDS`]).
pub fn catalog_reads(name: &str) -> bool {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    CATALOG_FIELDS.binary_search(&name).is_ok() || numbered("slave") || numbered("master")
}

/// The fields of an INFO body as [`Info::parse`] takes them, before the duplicates are settled.
fn fields(body: &str) -> impl Iterator<Item = (&str, &str)> {
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .filter(|(k, v)| keeps(k, v))
        .take(MAX_FIELDS)
}

/// INFO's fields by name, read-only: build one with [`Info::parse`] or by collecting pairs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Info {
    /// Every name and value, back to back, in name order.
    text: Box<str>,
    /// Where each field's name and value start in `text`, in name order; a value ends where
    /// the next name starts (or the text ends).
    index: Box<[(u32, u32)]>,
}

impl Info {
    /// The `field:value` lines of an INFO reply; section headers, blanks and lines without a
    /// colon are skipped, names and values trimmed. Of a name given twice the last counts.
    /// At most [`MAX_FIELDS`] fields are kept, the first ones [`keeps`] takes.
    pub fn parse(body: &str) -> Info {
        fields(body).collect()
    }

    /// [`Info::parse`], keeping only the fields `wanted` names (of the same first
    /// [`MAX_FIELDS`], so a field is kept or not whatever else is wanted); `None` when the body
    /// has no field at all, wanted or not: a reply of the wrong shape is no INFO.
    pub fn parse_only(body: &str, wanted: impl Fn(&str) -> bool) -> Option<Info> {
        let mut any = false;
        let info = fields(body)
            .inspect(|_| any = true)
            .filter(|(k, _)| wanted(k))
            .collect();
        any.then_some(info)
    }

    /// One field's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        let i = self
            .index
            .binary_search_by(|&entry| self.name(entry).cmp(name))
            .ok()?;
        Some(self.value(i))
    }

    /// Every field as `(name, value)`, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.index.len()).map(|i| (self.name(self.index[i]), self.value(i)))
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    fn name(&self, (name, value): (u32, u32)) -> &str {
        &self.text[name as usize..value as usize]
    }

    fn value(&self, i: usize) -> &str {
        let end = self
            .index
            .get(i + 1)
            .map_or(self.text.len(), |&(next, _)| next as usize);
        &self.text[self.index[i].1 as usize..end]
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Info {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Info {
        let mut pairs: Vec<(K, V)> = pairs.into_iter().collect();
        // Stable: of equal names the one given last stays last, and is the one kept.
        pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        let mut kept: Vec<&(K, V)> = Vec::with_capacity(pairs.len());
        for pair in &pairs {
            match kept.last_mut() {
                Some(last) if last.0.as_ref() == pair.0.as_ref() => *last = pair,
                _ => kept.push(pair),
            }
        }
        let size = kept
            .iter()
            .map(|(k, v)| k.as_ref().len() + v.as_ref().len())
            .sum();
        let mut text = String::with_capacity(size);
        let mut index = Vec::with_capacity(kept.len());
        for (k, v) in kept {
            // Offsets are 32-bit: a reply is bounded at 1 MiB and a facts file at 16 MiB, so
            // a text this long cannot arise; were it to, the fields past 4 GiB are left out.
            let (Ok(name), Ok(value)) = (
                u32::try_from(text.len()),
                u32::try_from(text.len() + k.as_ref().len()),
            ) else {
                break;
            };
            text.push_str(k.as_ref());
            text.push_str(v.as_ref());
            index.push((name, value));
        }
        Info {
            text: text.into_boxed_str(),
            index: index.into_boxed_slice(),
        }
    }
}

impl fmt::Debug for Info {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Info {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (name, value) in self.iter() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Info {
    /// A facts file holds no more than a live run keeps: more fields, or a longer name or
    /// value, is an error at the place it is found (and nothing past it is read).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Info, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a map of at most {MAX_FIELDS} INFO fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    if out.len() == MAX_FIELDS {
                        return Err(serde::de::Error::custom(format!(
                            "INFO has more than {MAX_FIELDS} fields, the most a run keeps"
                        )));
                    }
                    if !keeps(&k, &v) {
                        return Err(serde::de::Error::custom(format!(
                            "INFO field of {} + {} bytes, over the {MAX_NAME} + {MAX_VALUE} a run keeps",
                            k.len(),
                            v.len()
                        )));
                    }
                    out.push((k, v));
                }
                Ok(out)
            }
        }
        Ok(deserializer.deserialize_map(Fields)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const BODY: &str = "# Server\r\nredis_version:7.2.4\r\nrun_id:abc\r\n\r\n# Replication\r\n\
                        role:master\r\nslave0:ip=10.0.0.2,port=6379,state=online\r\nno colon\r\n\
                        role: replica \r\n";

    #[test]
    fn reads_every_field_and_the_last_of_a_name_given_twice() {
        let info = Info::parse(BODY);
        assert_eq!(info.get("redis_version"), Some("7.2.4"));
        assert_eq!(info.get("role"), Some("replica"));
        assert_eq!(
            info.get("slave0"),
            Some("ip=10.0.0.2,port=6379,state=online")
        );
        assert_eq!(info.get("run_id"), Some("abc"));
        assert_eq!(info.get("no colon"), None);
        assert_eq!(info.get(""), None);
        assert_eq!(info.len(), 4);
        let names: Vec<&str> = info.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["redis_version", "role", "run_id", "slave0"]);
    }

    #[test]
    fn what_a_server_sends_is_kept_within_bounds() {
        let many: String = (0..5000).map(|i| format!("f{i}:{i}\r\n")).collect();
        assert_eq!(Info::parse(&many).len(), MAX_FIELDS);
        let long = format!(
            "a:{}\r\nb:{}\r\n{}:x\r\n",
            "v".repeat(MAX_VALUE + 1),
            "v".repeat(MAX_VALUE),
            "n".repeat(MAX_NAME + 1)
        );
        let info = Info::parse(&long);
        assert_eq!(
            (info.get("a"), info.get("b").map(str::len), info.len()),
            (None, Some(MAX_VALUE), 1)
        );
        let json = serde_json::to_string(&Info::parse(&many)).unwrap();
        let more = json.replacen('{', "{\"extra\":\"1\",", 1);
        let e = serde_json::from_str::<Info>(&more).unwrap_err().to_string();
        assert!(e.contains("more than 1024 fields"), "{e}");
        let e = serde_json::from_str::<Info>(&format!("{{\"a\":\"{}\"}}", "v".repeat(600)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("over the 128 + 512 a run keeps"), "{e}");
    }

    #[test]
    fn empty_names_and_values_stay_apart() {
        let info: Info = [("", "x"), ("a", ""), ("ab", "c")].into_iter().collect();
        assert_eq!(info.get(""), Some("x"));
        assert_eq!(info.get("a"), Some(""));
        assert_eq!(info.get("ab"), Some("c"));
        assert_eq!(Info::default().get("a"), None);
        assert!(Info::default().is_empty());
    }

    #[test]
    fn serialises_as_the_map_it_stands_for() {
        let info = Info::parse(BODY);
        let map: BTreeMap<&str, &str> = info.iter().collect();
        assert_eq!(
            serde_json::to_string(&info).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        let back: Info = serde_json::from_str(&serde_json::to_string(&info).unwrap()).unwrap();
        assert_eq!(back, info);
        assert_eq!(format!("{info:?}"), format!("{map:?}"));
    }

    #[test]
    fn keeps_only_the_wanted_fields_and_knows_a_body_without_any() {
        let kept = Info::parse_only(BODY, catalog_reads).unwrap();
        let names: Vec<&str> = kept.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["redis_version", "role", "run_id", "slave0"]);
        // A field kept is the very one the whole parse gives (the last of a name given twice).
        assert_eq!(kept.get("role"), Info::parse(BODY).get("role"));
        // Fields, none wanted: an INFO all the same, empty; no field at all: no INFO.
        let unwanted = Info::parse_only("# CPU\r\nused_cpu_sys:1.5\r\n", catalog_reads);
        assert_eq!(unwanted.map(|i| i.len()), Some(0));
        assert_eq!(Info::parse_only("PONG", catalog_reads), None);
        // Past MAX_FIELDS nothing is kept, wanted or not, as the whole parse keeps nothing.
        let late = "x:1\n".repeat(MAX_FIELDS) + "role:master\n";
        assert_eq!(Info::parse(&late).get("role"), None);
        assert_eq!(
            Info::parse_only(&late, catalog_reads).unwrap().get("role"),
            None
        );
    }

    #[test]
    fn the_catalog_reads_its_fields_and_the_numbered_replicas_and_masters() {
        // Sorted, as the lookup's binary search needs.
        assert!(CATALOG_FIELDS.windows(2).all(|w| w[0] < w[1]));
        for name in ["role", "maxmemory_policy", "slave0", "slave12", "master0"] {
            assert!(catalog_reads(name), "{name}");
        }
        for name in [
            "slave",
            "master",
            "slave0x",
            "used_memory_human",
            "total_commands_processed",
        ] {
            assert!(!catalog_reads(name), "{name}");
        }
    }
}
