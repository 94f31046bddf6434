//! The evidence of one verdict: a few observed values by name.
//!
//! A verdict carries one to five of them, and a run judges thousands of verdicts. A JSON
//! object map allocates a B-tree node of eleven slots (some 630 bytes) for the first entry;
//! this keeps the entries in one vector sized to them. It serialises as the JSON object it
//! stands for, keys in name order, so `report.json` is unchanged.

use std::borrow::Cow;
use std::ops::Index;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Named values backing a verdict (never a secret value), in name order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evidence(Vec<(String, Value)>);

impl Evidence {
    /// No evidence.
    pub fn new() -> Evidence {
        Evidence(Vec::new())
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Every entry, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
}

/// `evidence["key"]`, `null` when absent (as indexing a JSON value gives).
impl Index<&str> for Evidence {
    type Output = Value;

    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

impl<'a> IntoIterator for &'a Evidence {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (String, Value)>, PairRef>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(pair_ref)
    }
}

type PairRef = for<'b> fn(&'b (String, Value)) -> (&'b String, &'b Value);

fn pair_ref((k, v): &(String, Value)) -> (&String, &Value) {
    (k, v)
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Evidence {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Evidence {
        let mut evidence = Evidence::new();
        for (k, v) in entries {
            evidence.insert(k.into(), v.into());
        }
        evidence
    }
}

impl From<Map<String, Value>> for Evidence {
    fn from(map: Map<String, Value>) -> Evidence {
        map.into_iter().collect()
    }
}

impl Serialize for Evidence {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Evidence, D::Error> {
        Map::<String, Value>::deserialize(deserializer).map(Evidence::from)
    }
}

/// The schema of the JSON object it stands for.
impl JsonSchema for Evidence {
    fn inline_schema() -> bool {
        <Map<String, Value>>::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        <Map<String, Value>>::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        <Map<String, Value>>::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <Map<String, Value>>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_one_value_per_name_in_name_order() {
        let mut e = Evidence::new();
        assert_eq!(e.insert("timeout".into(), 300.into()), None);
        e.insert("maxmemory_policy".into(), "allkeys-lru".into());
        assert_eq!(e.insert("timeout".into(), 0.into()), Some(Value::from(300)));
        assert_eq!(e.len(), 2);
        assert_eq!(e["timeout"], 0);
        assert_eq!(e["absent"], Value::Null);
        assert!(e.contains_key("maxmemory_policy") && !e.contains_key("absent"));
        let keys: Vec<&String> = e.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["maxmemory_policy", "timeout"]);
    }

    #[test]
    fn serialises_as_the_object_it_stands_for() {
        let e: Evidence = [("b", Value::from(1)), ("a", Value::from("x"))]
            .into_iter()
            .collect();
        let map: Map<String, Value> = e.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(text, r#"{"a":"x","b":1}"#);
        assert_eq!(text, serde_json::to_string(&map).unwrap());
        assert_eq!(serde_json::from_str::<Evidence>(&text).unwrap(), e);
        assert_eq!(
            serde_json::to_value(schemars::schema_for!(Evidence)).unwrap(),
            serde_json::to_value(schemars::schema_for!(Map<String, Value>)).unwrap()
        );
    }
}
