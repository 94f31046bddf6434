//! Helm values: files merged in order as Helm does (maps deep-merged, later wins), then `--set`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::error::InputError;

/// Merged values, and which file (or `--set`) last set each key.
#[derive(Debug)]
pub struct Values {
    pub root: Value,
    /// Dotted key path → the file that set it (or `--set`), and where the key stands in it.
    pub sources: Sources,
}

/// Dotted key path → the file that set it (or `--set`), and the key's line and column there.
pub type Sources = BTreeMap<String, (String, Option<(u64, u64)>)>;

impl Default for Values {
    fn default() -> Values {
        Values {
            root: Value::Object(Map::new()),
            sources: BTreeMap::new(),
        }
    }
}

impl Values {
    /// Reads and merges `files`, then applies `sets`.
    pub fn load(files: &[PathBuf], sets: &[String]) -> Result<Values, InputError> {
        let mut values = Values::default();
        for path in files {
            let text = super::read_input(path)?;
            let name = super::input_name(path);
            values.merge_yaml(&name, &text)?;
        }
        for arg in sets {
            values.apply_set(arg)?;
        }
        Ok(values)
    }

    /// Merges one YAML document (a values file's text) over the current values.
    pub fn merge_yaml(&mut self, name: &str, text: &str) -> Result<(), InputError> {
        let parsed: Value = serde_saphyr::from_str(text).map_err(|e| InputError::yaml(name, &e))?;
        match parsed {
            Value::Null => Ok(()),
            Value::Object(map) => {
                let root = self.root.as_object_mut().expect("the root is a map");
                let at = Source {
                    file: name,
                    positions: super::positions::of(text),
                };
                merge(root, map, "", &at, &mut self.sources);
                Ok(())
            }
            other => Err(InputError::ValuesNotAMapping {
                file: name.to_string(),
                found: kind(&other),
            }),
        }
    }

    /// Applies one `--set a.b=c[,d.e=f]`, typing the value as Helm does.
    ///
    /// Errors name the keys, never a value: a value may be a password, and a part without `=`
    /// may be the rest of one that held a comma.
    pub fn apply_set(&mut self, arg: &str) -> Result<(), InputError> {
        let parts = split_unescaped(arg, ',');
        let shown = parts
            .iter()
            .map(|p| match p.split_once('=') {
                Some((path, _)) => format!("{path}=…"),
                None => "…".to_string(),
            })
            .collect::<Vec<_>>()
            .join(",");
        // Keys are shown, as text: a control character in one cannot act on the terminal.
        let shown = reports::escape::controls(&shown).into_owned();
        for (i, assignment) in parts.iter().enumerate() {
            let Some((path, raw)) = assignment.split_once('=') else {
                return Err(InputError::SetNotAssignment {
                    shown,
                    part: i + 1,
                    after: i
                        .checked_sub(1)
                        .and_then(|p| parts[p].split_once('='))
                        .map(|(key, _)| reports::escape::controls(key).into_owned()),
                });
            };
            let keys: Vec<String> = split_unescaped(path, '.');
            if keys.iter().any(|k| k.is_empty()) {
                return Err(InputError::SetEmptyKey {
                    shown,
                    path: reports::escape::controls(path).into_owned(),
                });
            }
            // Each key may carry list indices as Helm writes them: `exporters[0]`, `a[1][0]`.
            let mut segments = Vec::with_capacity(keys.len());
            for key in &keys {
                segments.push(indexed(key).map_err(|why| InputError::SetBadIndex {
                    shown: shown.clone(),
                    path: reports::escape::controls(path).into_owned(),
                    why,
                })?);
            }
            let mut node = &mut self.root;
            for (name, indices) in &segments {
                let map = ensure_map(node);
                node = map.entry(name.clone()).or_insert(Value::Null);
                for &i in indices {
                    if !node.is_array() {
                        *node = Value::Array(Vec::new());
                    }
                    let list = node.as_array_mut().expect("just made a list");
                    if list.len() <= i {
                        list.resize(i + 1, Value::Null);
                    }
                    node = &mut list[i];
                }
            }
            *node = typed(raw);
            self.sources
                .insert(keys.join("."), ("--set".to_string(), None));
        }
        Ok(())
    }

    /// The value at a dotted path, if present.
    pub fn get(&self, path: &str) -> Option<&Value> {
        path.split('.')
            .try_fold(&self.root, |node, key| node.get(key))
    }

    /// The last values file that set a key, or `--set`.
    pub fn source(&self, path: &str) -> Option<String> {
        self.sources.get(path).map(|(file, _)| file.clone())
    }

    /// Line and column of a key in the last values file that set it.
    pub fn position(&self, path: &str) -> Option<(u64, u64)> {
        self.sources.get(path).and_then(|(_, at)| *at)
    }
}

/// The largest list index Helm's `--set` accepts.
const MAX_SET_INDEX: usize = 65_536;

/// `name[1][0]` → (`name`, [1, 0]); a plain key has no indices.
fn indexed(key: &str) -> Result<(String, Vec<usize>), String> {
    let Some(open) = key.find('[') else {
        return Ok((key.to_string(), Vec::new()));
    };
    let name = &key[..open];
    if name.is_empty() {
        return Err("a list index needs a key before it (key[0])".into());
    }
    let mut indices = Vec::new();
    let mut rest = &key[open..];
    while !rest.is_empty() {
        let Some(close) = rest.strip_prefix('[').and_then(|r| r.find(']')) else {
            return Err(format!("{name}: expected [INDEX] after the key"));
        };
        let digits = &rest[1..1 + close];
        let index: usize = match digits.parse() {
            Ok(i) if i <= MAX_SET_INDEX => i,
            Ok(_) | Err(_) if digits.chars().all(|c| c.is_ascii_digit()) && !digits.is_empty() => {
                return Err(format!(
                    "{name}: the list index is over {MAX_SET_INDEX}, the largest Helm accepts"
                ));
            }
            _ => return Err(format!("{name}: a list index is a number (key[0])")),
        };
        indices.push(index);
        rest = &rest[close + 2..];
    }
    Ok((name.to_string(), indices))
}

fn ensure_map(node: &mut Value) -> &mut Map<String, Value> {
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    node.as_object_mut().expect("just made a map")
}

/// A values file being merged: its name, and where each of its keys stands.
struct Source<'a> {
    file: &'a str,
    positions: super::positions::Positions,
}

impl Source<'_> {
    /// The file, and where the key at `path` stands in it.
    fn of(&self, path: &str) -> (String, Option<(u64, u64)>) {
        (self.file.to_string(), self.positions.get(path).copied())
    }
}

fn merge(
    into: &mut Map<String, Value>,
    from: Map<String, Value>,
    prefix: &str,
    source: &Source<'_>,
    sources: &mut Sources,
) {
    for (key, value) in from {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (into.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                merge(existing, incoming, &path, source, sources);
            }
            (_, value) => {
                record(&value, &path, source, sources);
                into.insert(key, value);
            }
        }
    }
}

fn record(value: &Value, path: &str, source: &Source<'_>, sources: &mut Sources) {
    sources.insert(path.to_string(), source.of(path));
    if let Value::Object(map) = value {
        for (k, v) in map {
            record(v, &format!("{path}.{k}"), source, sources);
        }
    }
}

/// Helm's `--set` typing: booleans, integers and `null` are typed; everything else is a string.
fn typed(raw: &str) -> Value {
    match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => match raw.parse::<i64>() {
            Ok(n) if !(raw.len() > 1 && raw.starts_with('0')) => Value::from(n),
            _ => Value::String(raw.replace("\\,", ",").replace("\\.", ".")),
        },
    }
}

fn split_unescaped(text: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            if c != sep {
                parts.last_mut().unwrap().push('\\');
            }
            parts.last_mut().unwrap().push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(String::new());
        } else {
            parts.last_mut().unwrap().push(c);
        }
    }
    parts
}

/// A value's YAML kind, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_deep_merge_and_later_wins() {
        let mut v = Values::default();
        v.merge_yaml(
            "a.yaml",
            "redis:\n  address: a:1\n  auth: {enabled: true, secretName: s}\n",
        )
        .unwrap();
        v.merge_yaml("b.yaml", "redis:\n  auth: {secretName: t}\n")
            .unwrap();
        assert_eq!(v.get("redis.address").unwrap(), "a:1");
        assert_eq!(v.get("redis.auth.enabled").unwrap(), true);
        assert_eq!(v.get("redis.auth.secretName").unwrap(), "t");
        // The last file that set a key, at the key's line and column.
        assert_eq!(v.source("redis.auth.secretName").unwrap(), "b.yaml");
        assert_eq!(v.position("redis.auth.secretName"), Some((2, 10)));
        assert_eq!(v.source("redis.address").unwrap(), "a.yaml");
        assert_eq!(v.position("redis.address"), Some((2, 3)));
    }

    #[test]
    fn set_types_values_like_helm() {
        let mut v = Values {
            root: Value::Object(Map::new()),
            ..Default::default()
        };
        v.apply_set("redis.auth.enabled=true,redis.db=2").unwrap();
        v.apply_set("redis.address=host:6379").unwrap();
        v.apply_set("redis.certs.caCertKey=ca\\.crt").unwrap();
        assert_eq!(v.get("redis.auth.enabled").unwrap(), true);
        assert_eq!(v.get("redis.db").unwrap(), 2);
        assert_eq!(v.get("redis.address").unwrap(), "host:6379");
        assert_eq!(v.root["redis"]["certs"]["caCertKey"], "ca.crt");
        assert!(v.apply_set("redis.address").is_err());
    }

    #[test]
    fn set_writes_lists_as_helm_does() {
        let mut v = Values::default();
        v.apply_set("t.exporters[1]=redisstream/a").unwrap();
        assert_eq!(
            v.root["t"]["exporters"],
            serde_json::json!([null, "redisstream/a"])
        );
        v.apply_set("t.list[0].name=x,t.list[0].port=6379").unwrap();
        assert_eq!(
            v.root["t"]["list"],
            serde_json::json!([{"name": "x", "port": 6379}])
        );
        v.apply_set("t.exporters[0]=b").unwrap();
        assert_eq!(v.root["t"]["exporters"][0], "b");
        v.apply_set("redis.address=").unwrap();
        assert_eq!(v.root["redis"]["address"], "");
        for (arg, why) in [
            ("a[99999999999]=x", "the list index is over 65536"),
            ("a[x]=1", "a list index is a number"),
            ("[0]=1", "a list index needs a key before it"),
            ("a[0=1", "expected [INDEX] after the key"),
        ] {
            let err = v.apply_set(arg).unwrap_err().to_string();
            assert!(err.contains(why), "{arg}: {err}");
        }
    }

    #[test]
    fn a_malformed_set_names_keys_never_values() {
        let mut v = Values::default();
        let err = v
            .apply_set("redis.auth.password=s3cr3t,oops,x=y")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cr3t") && !err.contains("oops"), "{err}");
        assert!(
            err.starts_with("--set redis.auth.password=…,…,x=…: part 2"),
            "{err}"
        );
        assert!(err.contains("after redis.auth.password"), "{err}");
        let err = v.apply_set("s3cr3t").unwrap_err().to_string();
        assert!(!err.contains("s3cr3t"), "{err}");
        let err = v.apply_set("a.\x1b[2J..b=1").unwrap_err().to_string();
        assert!(!err.contains('\x1b') && err.contains("\\x1b[2J"), "{err}");
    }

    #[test]
    fn malformed_yaml_is_one_line_naming_the_file() {
        let mut v = Values {
            root: Value::Object(Map::new()),
            ..Default::default()
        };
        let err = v
            .merge_yaml("values.yaml", "redis:\n  address: [\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("values.yaml: "), "{err}");
        assert!(!err.contains('\n'));
        let err = v
            .merge_yaml("values.yaml", "- a\n- b\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected a mapping"), "{err}");
    }
}
