//! Where each key of a values file stands: line and column, for findings shown as a compiler
//! shows them (`values.yaml:12:5: redis.adress: unknown key`) and for SARIF annotations on the
//! pull request that changes the file.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Dotted key path → (line, column) of the key, both from 1.
pub type Positions = BTreeMap<String, (u64, u64)>;

/// The position of every mapping key of `text`, a YAML document already known to parse.
/// Keys inside lists are not addressed by a dotted path, and are left out.
pub fn of(text: &str) -> Positions {
    let mut out = Positions::new();
    if let Ok(Node::Map(entries)) = serde_saphyr::from_str::<Node>(text) {
        walk(&entries, "", &mut out);
    }
    out
}

fn walk(entries: &[(Spanned<Key>, Node)], prefix: &str, out: &mut Positions) {
    for (key, node) in entries {
        let path = if prefix.is_empty() {
            key.value.0.clone()
        } else {
            format!("{prefix}.{}", key.value.0)
        };
        out.insert(
            path.clone(),
            (key.referenced.line(), key.referenced.column()),
        );
        if let Node::Map(children) = node {
            walk(children, &path, out);
        }
    }
}

/// A YAML node as far as positions go: a mapping's keys with where they stand, or anything
/// else.
enum Node {
    Map(Vec<(Spanned<Key>, Node)>),
    Other,
}

/// A mapping key as text, whatever its scalar type (`1: x`, `true: y`).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Key(match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Key>>()? {
            entries.push((key, map.next_value::<Node>()?));
        }
        Ok(Node::Map(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Node::Other)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_where_they_stand_block_and_flow() {
        let text = "# a comment\nredis:\n  adress: h:1\n  auth: {enabled: true}\nlist:\n  - a: 1\n";
        let p = of(text);
        assert_eq!(p.get("redis"), Some(&(2, 1)));
        assert_eq!(p.get("redis.adress"), Some(&(3, 3)));
        assert_eq!(p.get("redis.auth.enabled"), Some(&(4, 10)));
        assert_eq!(p.get("list"), Some(&(5, 1)));
        assert!(!p.keys().any(|k| k.starts_with("list.")));
    }
}
