//! The times of a facts file checked as the file is read, without building its tree: a 16 MiB
//! file of small values would take twenty times its size as a `serde_json::Value`.

use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The longest duration Go has (int64 nanoseconds), in milliseconds.
const MAX_MS: f64 = i64::MAX as f64 / 1e6;

/// The first time in milliseconds (a field named `…_ms`, or a number in a list of them) that
/// is negative or past Go's longest duration: its path and value. `None` also when the text
/// is not JSON (the typed read says where).
pub fn first_bad(text: &str) -> Option<(String, String)> {
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = Walk {
        path: String::new(),
        timed: false,
        found: &found,
    }
    .deserialize(&mut de);
    found.into_inner()
}

struct Walk<'a> {
    path: String,
    timed: bool,
    found: &'a RefCell<Option<(String, String)>>,
}

impl Walk<'_> {
    fn number(&self, ms: f64, shown: String) {
        if self.timed && !(0.0..=MAX_MS).contains(&ms) {
            let mut found = self.found.borrow_mut();
            if found.is_none() {
                *found = Some((self.path.clone(), shown));
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.number(v as f64, v.to_string());
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.number(v as f64, v.to_string());
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.number(
            v,
            serde_json::Number::from_f64(v).map_or(v.to_string(), |n| n.to_string()),
        );
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            let item = Walk {
                path: format!("{}[{i}]", self.path),
                timed: self.timed,
                found: self.found,
            };
            if seq.next_element_seed(item)?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if self.found.borrow().is_some() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let path = if self.path.is_empty() {
                key.to_string()
            } else {
                format!("{}.{key}", self.path)
            };
            map.next_value_seed(Walk {
                timed: key.ends_with("_ms"),
                path,
                found: self.found,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_first_bad_time_by_its_path() {
        for (text, wanted) in [
            (r#"{"a": {"duration_ms": 1.5, "n": -3}}"#, None),
            (
                r#"{"t": [{"x": 1}, {"duration_ms": -1}]}"#,
                Some(("t[1].duration_ms", "-1")),
            ),
            (
                r#"{"samples_ms": [1, 2, 1e300]}"#,
                Some(("samples_ms[2]", "1e+300")),
            ),
            ("not json", None),
        ] {
            let found = first_bad(text);
            assert_eq!(
                found.as_ref().map(|(p, v)| (p.as_str(), v.as_str())),
                wanted,
                "{text}"
            );
        }
    }
}
