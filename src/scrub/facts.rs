//! Scrubbing whole structures (a target's facts, the values, the values findings): every data
//! string, map keys too, with their shape kept.

use std::borrow::Cow;

use checks::facts::{TargetFacts, ValuesIssue};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use super::{Scrubber, config, strings};

impl Scrubber {
    /// One target's facts with every string (map keys too) scrubbed, and no value of a
    /// credential parameter in its CONFIG (a facts file may bring one).
    pub fn target(&self, mut facts: TargetFacts) -> TargetFacts {
        if let checks::facts::Observed::Ok { value: session } = &mut facts.session {
            config::redact(&mut session.config);
        }
        self.walk(facts)
    }

    /// The merged values as the rules see them, scrubbed.
    pub fn values(&self, values: Value) -> Value {
        self.walk(values)
    }

    /// The values issues, scrubbed.
    pub fn values_issues(&self, issues: Vec<ValuesIssue>) -> Vec<ValuesIssue> {
        self.walk(issues)
    }

    /// Every string of a serialisable value, scrubbed: a round trip through a JSON tree
    /// (the facts are JSON already, for `--save-facts`), so no field can be forgotten.
    ///
    /// The usual case has nothing to scrub: a look at every string in place proves it
    /// ([`strings::each`], no copy), and the tree is built only when something must change.
    ///
    /// Only the data's strings change: the strings to scrub are listed from the value itself
    /// (field and variant names are the program's, never listed), so a credential that is
    /// also a field or variant name (a password `password`, `reset`, `loaded`) leaves the
    /// shape intact instead of breaking it.
    fn walk<T: Serialize + DeserializeOwned>(&self, item: T) -> T {
        // Values and map keys apart: a struct's field name (`password`) is never a map key
        // of the data, so a credential equal to it renames only the data's keys.
        let mut dirty = Dirty::default();
        strings::each(&item, |s, key| {
            if matches!(self.text(s), Cow::Owned(_)) {
                if key {
                    dirty.keys.insert(s.to_string());
                } else {
                    dirty.values.insert(s.to_string());
                }
            }
        });
        if dirty.keys.is_empty() && dirty.values.is_empty() {
            return item;
        }
        let mut tree = serde_json::to_value(&item).expect("facts serialise");
        self.value(&mut tree, &dirty);
        match serde_json::from_value(tree) {
            Ok(clean) => clean,
            Err(_) => {
                // A data string equal to a field name of the facts, holding a credential:
                // nothing can be written safely. No text of the facts is shown.
                eprintln!(
                    "error: internal: the facts could not be cleaned of a credential value that is also one of their field names; no report was written"
                );
                std::process::exit(1);
            }
        }
    }

    fn value(&self, value: &mut Value, dirty: &Dirty) {
        if let Value::Object(map) = value
            && let Some(Value::String(tag)) = map.get("status")
            && STATUS_TAGS.contains(&tag.as_str())
        {
            // The tag of an internally tagged enum of the facts is the program's word, not
            // data: it stays, so the shape does.
            let tag = map.remove("status").expect("just read");
            self.value(value, dirty);
            if let Value::Object(map) = value {
                map.insert("status".into(), tag);
            }
            return;
        }
        match value {
            Value::String(s) => {
                if dirty.values.contains(s.as_str())
                    && let Cow::Owned(clean) = self.text(s)
                {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v, dirty)),
            Value::Object(map) => {
                let dirty_keys: Vec<String> = map
                    .keys()
                    .filter(|k| dirty.keys.contains(k.as_str()))
                    .cloned()
                    .collect();
                for key in dirty_keys {
                    let v = map.remove(&key).expect("key just listed");
                    map.insert(self.text(&key).into_owned(), v);
                }
                map.values_mut().for_each(|v| self.value(v, dirty));
            }
            _ => {}
        }
    }
}

/// The data strings of one value that hold a credential: its map keys and its other strings.
#[derive(Default)]
struct Dirty {
    keys: std::collections::HashSet<String>,
    values: std::collections::HashSet<String>,
}

/// The `status` tags of the facts' internally tagged enums (`#[serde(tag = "status")]` in
/// `checks::facts`): the variant names, in snake case. A credential equal to one of them
/// must not rename a variant, or the facts no longer read back.
const STATUS_TAGS: &[&str] = &[
    "equal",
    "different",
    "unset",
    "ok",
    "refused",
    "failed",
    "not_attempted",
    "not_needed",
    "found",
    "not_found",
    "unavailable",
    "inline",
    "env_unset",
    "system",
    "loaded",
    "broken",
    "error",
    "too_large",
    "timeout",
    "chose",
    "alert",
    "nothing",
];
