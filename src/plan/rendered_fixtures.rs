//! The chart as Helm renders it is the ground truth: for every fixture of
//! `tests/fixtures/rendered/` (the 2.5.8 chart rendered by real Helm for a scenario's values,
//! trimmed to the Redis clients), the targets from the values equal those from the objects.

use std::path::Path;

use super::*;
use crate::inputs::manifests::Manifests;

/// Every `${NAME}` (a lab port) written as the fixtures' 6390.
fn ports_as_6390(mut text: String) -> String {
    while let Some(start) = text.find("${") {
        let end = start + text[start..].find('}').unwrap();
        text.replace_range(start..=end, "6390");
    }
    text
}

/// A scenario's first values document, every `${NAME}` written as the fixtures' 6390.
fn scenario_values(path: &Path) -> Values {
    let text = std::fs::read_to_string(path).unwrap();
    let scenario: Value = serde_saphyr::from_str(&text).unwrap();
    let values = ports_as_6390(scenario["values"][0].as_str().unwrap().to_string());
    let mut out = Values::default();
    out.merge_yaml("values", &values).unwrap();
    out
}

/// What a target is, compared: name, components, whether it is the built-in Redis, and each
/// client's address, TLS, CA, credentials' secret and keys, db and timeouts.
fn described(plans: &[TargetPlan]) -> Vec<String> {
    let mut out: Vec<String> = plans
        .iter()
        .map(|p| format!("{} {:?} builtin={}", p.name, p.components, p.builtin))
        .collect();
    out.extend(
        rendered::clients(plans)
            .into_iter()
            .map(|c| format!("{}: {:?}", c.client, c.settings)),
    );
    out
}

#[test]
fn targets_from_the_values_equal_those_from_the_rendered_chart() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/fixtures/rendered"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    for file in files {
        // A fixture rendered from values as written keeps their `${NAME}`s.
        let text = ports_as_6390(std::fs::read_to_string(&file).unwrap());
        let header = |field: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("# {field}: ")))
                .unwrap_or_else(|| panic!("{}: no `# {field}:` line", file.display()))
        };
        let values = scenario_values(&root.join(header("values")));
        let namespace = header("namespace");
        let from_values = targets(&values, &Namespaces::resolve(&values, namespace, None));
        let mut objects = Manifests::default();
        objects.add(&file.display().to_string(), &text).unwrap();
        let (from_objects, issues) = rendered::targets(&objects, namespace);
        assert!(issues.is_empty(), "{}: {issues:?}", file.display());
        assert_eq!(
            described(&from_values),
            described(&from_objects),
            "{}",
            file.display()
        );
    }
}
