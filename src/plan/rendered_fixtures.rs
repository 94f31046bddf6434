//! The chart as Helm renders it is the ground truth: for every fixture of
//! `tests/fixtures/rendered/` (the 2.5.8 chart rendered by real Helm for a scenario's values,
//! trimmed to the Redis clients, by `ci/render-fixtures`), the targets from the values of each
//! scenario it lists (`# values:`; scenarios whose values differ only in their ports share one)
//! equal those from the objects. Every scenario with values of the chart's keys has a fixture.

use std::path::Path;

use super::*;
use crate::inputs::manifests::Manifests;

/// Every `${NAME}` (a lab port) written as the fixtures' 6390; an OTel `${env:VAR}` (a
/// telemetry exporter's credential) is kept.
fn ports_as_6390(text: String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end)
                if end > 0
                    && after[..end]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                out.push_str("6390");
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A scenario's values as the tool is given them: its `values_files`, its `values` and its
/// `--set`s, in that order, every `${NAME}` written as the fixtures' 6390.
fn scenario_values(root: &Path, path: &Path) -> Values {
    let text = std::fs::read_to_string(path).unwrap();
    let scenario: Value = serde_saphyr::from_str(&text).unwrap();
    let list = |key: &str| -> Vec<String> {
        scenario[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let mut out = Values::default();
    for file in list("values_files") {
        let text = std::fs::read_to_string(root.join(&file)).unwrap();
        out.merge_yaml(&file, &text).unwrap();
    }
    for text in list("values") {
        out.merge_yaml("values", &ports_as_6390(text)).unwrap();
    }
    let args = list("args");
    for pair in args.windows(2).filter(|p| p[0] == "--set") {
        out.apply_set(&ports_as_6390(pair[1].clone())).unwrap();
    }
    out
}

/// What a target is, compared: name, components, whether it is the built-in Redis or a
/// cluster, the connection age, and each client's address, TLS, CA, credentials' secret and
/// keys, db and timeouts (dial, read, idle).
fn described(plans: &[TargetPlan]) -> Vec<String> {
    let mut out: Vec<String> = plans
        .iter()
        .map(|p| {
            format!(
                "{} {:?} builtin={} cluster={} max_conn_age={:?}",
                p.name, p.components, p.builtin, p.expect_cluster, p.max_conn_age
            )
        })
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
    assert!(files.len() >= 46, "{files:?}");
    let (mut scenarios, mut differ) = (0, Vec::new());
    for file in files {
        // A fixture rendered from values as written keeps their `${NAME}`s.
        let text = ports_as_6390(std::fs::read_to_string(&file).unwrap());
        let header = |field: &str| -> Vec<&str> {
            text.lines()
                .filter_map(|l| l.strip_prefix(&format!("# {field}: ")))
                .collect()
        };
        let [namespace] = header("namespace")[..] else {
            panic!("{}: not one `# namespace:` line", file.display())
        };
        let mut objects = Manifests::default();
        objects.add(&file.display().to_string(), &text).unwrap();
        let (from_objects, issues) = rendered::targets(&objects, namespace);
        assert!(issues.is_empty(), "{}: {issues:?}", file.display());
        // Scenarios whose values are the same but for their ports share a fixture.
        let listed = header("values");
        assert!(
            !listed.is_empty(),
            "{}: no `# values:` line",
            file.display()
        );
        for scenario in listed {
            let values = scenario_values(root, &root.join(scenario));
            let from_values = targets(&values, &Namespaces::resolve(&values, namespace, None));
            let (values_side, objects_side) = (described(&from_values), described(&from_objects));
            if values_side != objects_side {
                differ.push(format!(
                    "{} ({scenario}):\n  from the values:  {values_side:?}\n  from the objects: {objects_side:?}",
                    file.display()
                ));
            }
            scenarios += 1;
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    // Every scenario of 2.5.8 keys only (README: "Judging what is installed").
    assert!(scenarios >= 98, "{scenarios} scenarios");
}

/// The scenarios with values that have no fixture, each with why: their values are not all keys
/// of the 2.5.8 chart, or Helm refuses them. (A scenario expecting exit 2, or without values,
/// needs no entry.)
const NOT_RENDERED: &[(&str, &str)] = &[
    (
        "chart-older-chart-values",
        "values of the older gloo-mesh-enterprise/agent charts",
    ),
    ("chart-redisstore-key-one-level-up", "redisStore (2.6+)"),
    ("endpoint-kinds", "redisStore (2.6+)"),
    ("layout-separate-by-db", "redisStore (2.6+)"),
    ("layout-shared-kept", "redisStore (2.6+)"),
    ("redisstore-26", "redisStore (2.6+)"),
    ("rules-example-policies", "redisStore (2.6+)"),
    ("rules-facts-saved-without-the-rule", "redisStore (2.6+)"),
    ("rules-only-a-warning-rule", "redisStore (2.6+)"),
    ("rules-only-one-rule", "redisStore (2.6+)"),
    ("rules-skipped-by-glob", "redisStore (2.6+)"),
    ("slow-redis", "redisStore (2.6+)"),
    (
        "values-misspelt-block",
        "a misspelt block (reddis), no key of the chart",
    ),
    ("values-typo", "a misspelt key (redis.auth.secretNme)"),
    (
        "values-unknown-key-warns",
        "a misspelt key (redis.auth.secretNme)",
    ),
    (
        "telemetry-own-config-map",
        "Helm refuses it: with configMap.create the gateway subchart fails on .Values.config",
    ),
    (
        "wrong-type",
        "the chart's schema refuses it (redis.db and auth.enabled as strings)",
    ),
];

#[test]
fn every_scenario_of_chart_keys_has_a_rendered_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut listed = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(root.join("tests/fixtures/rendered")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        listed.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("# values: tests/scenarios/"))
                .map(|s| s.trim_end_matches(".yaml").to_string()),
        );
    }
    let mut missing = Vec::new();
    for e in std::fs::read_dir(root.join("tests/scenarios")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let scenario: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let has_values = [&scenario["values"], &scenario["values_files"]]
            .iter()
            .any(|v| v.as_array().is_some_and(|a| !a.is_empty()));
        let refused = scenario["expect"]["exit"] == 2;
        let excused = NOT_RENDERED.iter().any(|(n, _)| *n == name);
        assert!(
            !(excused && listed.contains(&name)),
            "{name} has a fixture: take it off NOT_RENDERED"
        );
        if has_values && !refused && !excused && !listed.contains(&name) {
            missing.push(name);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "scenarios without a rendered fixture (ci/render-fixtures tests/scenarios/NAME.yaml, or \
         NOT_RENDERED with why): {missing:?}"
    );
}
