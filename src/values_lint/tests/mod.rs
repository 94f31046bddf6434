//! The values lint's unit tests by subject; `issues` lints one values text.

mod keys;
mod types;
mod wiring;

use super::*;
use serde_json::json;

fn issues(yaml: &str) -> Vec<ValuesIssue> {
    let mut values = Values {
        root: json!({}),
        ..Default::default()
    };
    values.merge_yaml("values.yaml", yaml).unwrap();
    validate(&values)
}
