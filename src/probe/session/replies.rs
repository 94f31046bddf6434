//! What a reply says, read from its shape: INFO's sections, HELLO's pairs, ROLE flattened, a
//! CONFIG GET's value (never a credential's), a string, and a reply's type for messages.

use std::collections::BTreeMap;

use redis::Value;

pub(super) fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Okay => Some("OK".into()),
        _ => None,
    }
}

/// How a reply looks, for messages: never its content beyond a type.
pub(super) fn shape(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Int(_) => "an integer",
        Value::Array(_) | Value::Set(_) => "an array",
        Value::Map(_) => "a map",
        Value::BulkString(_) | Value::SimpleString(_) | Value::VerbatimString { .. } => {
            "another string"
        }
        _ => "an unexpected reply",
    }
}

/// The fields of each INFO section (`# Memory` → `memory`), in the order INFO gives them:
/// those [`Info::parse`] keeps, no more.
pub fn info_sections(body: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut section = String::new();
    let mut kept = 0;
    for line in body.lines() {
        if kept == checks::info::MAX_FIELDS {
            break;
        }
        if let Some(name) = line.strip_prefix('#') {
            section = name.trim().to_ascii_lowercase();
            while section.len() > checks::info::MAX_NAME {
                section.pop();
            }
        } else if let Some((field, value)) = line.split_once(':')
            && checks::info::keeps(field.trim(), value.trim())
        {
            kept += 1;
            out.entry(section.clone())
                .or_default()
                .push(field.trim().to_string());
        }
    }
    out
}

/// HELLO's reply as string pairs; nested values (modules) are left out.
pub(super) fn pairs(value: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match value {
        Value::Array(items) => {
            for pair in items.chunks(2) {
                if let [k, v] = pair
                    && let (Some(k), Some(v)) = (text(k), text(v))
                {
                    out.insert(k, v);
                }
            }
        }
        Value::Map(items) => {
            for (k, v) in items {
                if let (Some(k), Some(v)) = (text(k), text(v)) {
                    out.insert(k, v);
                }
            }
        }
        _ => {}
    }
    out
}

/// ROLE as strings; nested replica entries become `ip:port`.
pub(super) fn flatten_role(value: &Value) -> Vec<String> {
    let Value::Array(items) = value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::Array(nested) => {
                for entry in nested {
                    match entry {
                        Value::Array(fields) => {
                            let f: Vec<String> = fields.iter().filter_map(text).collect();
                            if f.len() >= 2 {
                                out.push(format!("{}:{}", f[0], f[1]));
                            }
                        }
                        other => out.extend(text(other)),
                    }
                }
            }
            other => out.extend(text(other)),
        }
    }
    out
}

/// The value of `asked` in a `CONFIG GET` reply; a credential's value never leaves it
/// (`scrub::config::reply_value`).
pub(super) fn config_value(asked: &str, value: &Value) -> Option<String> {
    let pairs: Vec<(String, String)> = match value {
        Value::Array(items) => items
            .chunks(2)
            .filter_map(|pair| match pair {
                [k, v] => Some((text(k)?, text(v)?)),
                _ => None,
            })
            .collect(),
        Value::Map(items) => items
            .iter()
            .filter_map(|(k, v)| Some((text(k)?, text(v)?)))
            .collect(),
        _ => return None,
    };
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    crate::scrub::config::reply_value(asked, &pairs).map(|v| v.into_owned())
}
