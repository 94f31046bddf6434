//! The scenario corpus as a whole: every check of the catalog is expected somewhere, and no
//! scenario names a check, a rule or a profile that does not exist (a misspelt ID in an
//! expectation would otherwise fail as "no such result" or, in a scenario that stops at its
//! input, never be looked at); expectations stay in block style.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use crate::lab::Lab;
use crate::tool;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("corpus", name, f);
    vec![
        with("every_check_has_an_expected_outcome_in_a_scenario", |_| {
            every_check_expected()
        }),
        with("scenarios_name_only_real_checks_rules_and_profiles", |_| {
            names_exist()
        }),
        with("expectations_are_block_style", |_| block_style()),
    ]
}

/// Checks of the catalog that no scenario expects an outcome of, each with why. (Empty: a
/// check without a scenario gets one.)
const NOT_IN_A_SCENARIO: &[(&str, &str)] = &[];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every scenario file, with its parsed content.
fn scenarios() -> Result<Vec<(PathBuf, String, Value)>, Failed> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/scenarios"))
        .map_err(|e| e.to_string())?
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            let value: Value =
                serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((path, text, value))
        })
        .collect()
}

/// `list --format json`: the catalog's IDs and every profile a check belongs to.
fn catalog() -> Result<(BTreeSet<String>, BTreeSet<String>), Failed> {
    let out = tool::run(root(), ["list", "--format", "json"]);
    let entries: Vec<Value> =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("list --format json: {e}"))?;
    let ids = entries
        .iter()
        .filter_map(|e| e["id"].as_str())
        .map(String::from)
        .collect();
    let profiles = entries
        .iter()
        .flat_map(|e| e["profiles"].as_array().into_iter().flatten())
        .filter_map(|p| p.as_str())
        .map(String::from)
        .collect();
    Ok((ids, profiles))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str())
        .map(String::from)
        .collect()
}

/// The scenario's expectations: its own and its replay's.
fn expects(scenario: &Value) -> Vec<&Value> {
    [&scenario["expect"], &scenario["replay"]["expect"]]
        .into_iter()
        .filter(|e| e.is_object())
        .collect()
}

/// target → check → outcome of one expectation.
fn outcomes(expect: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (target, checks) in expect["outcomes"].as_object().into_iter().flatten() {
        for check in checks.as_object().into_iter().flatten().map(|(c, _)| c) {
            out.push((target.clone(), check.clone()));
        }
    }
    out
}

/// The IDs of the rules a scenario loads (its own and its replay's).
fn rule_ids(scenario: &Value) -> Result<BTreeSet<String>, Failed> {
    let mut texts = Vec::new();
    for part in [scenario, &scenario["replay"]] {
        for file in strings(&part["rules_files"]) {
            texts.push(std::fs::read_to_string(root().join(&file)).map_err(|e| e.to_string())?);
        }
        texts.extend(strings(&part["rules"]));
    }
    let mut ids = BTreeSet::new();
    for text in texts {
        // A rules file the scenario means to be refused may not parse: it names nothing.
        let Ok(file) = serde_saphyr::from_str::<Value>(&text) else {
            continue;
        };
        for rule in file["rules"].as_array().into_iter().flatten() {
            ids.extend(rule["id"].as_str().map(String::from));
        }
    }
    Ok(ids)
}

fn every_check_expected() -> Result<(), Failed> {
    let (ids, _) = catalog()?;
    let mut expected = BTreeSet::new();
    for (_, _, scenario) in scenarios()? {
        for expect in expects(&scenario) {
            expected.extend(outcomes(expect).into_iter().map(|(_, check)| check));
        }
    }
    let mut problems = Vec::new();
    for id in &ids {
        let exempt = NOT_IN_A_SCENARIO.iter().any(|(e, _)| e == id);
        match (expected.contains(id), exempt) {
            (false, false) => problems.push(format!(
                "{id}: no scenario expects an outcome of it (add one to tests/scenarios/)"
            )),
            (true, true) => problems.push(format!(
                "{id}: a scenario expects it now; take it off NOT_IN_A_SCENARIO"
            )),
            _ => {}
        }
    }
    for (id, _) in NOT_IN_A_SCENARIO {
        if !ids.contains(*id) {
            problems.push(format!("NOT_IN_A_SCENARIO names {id}, not in the catalog"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn names_exist() -> Result<(), Failed> {
    let (catalog, profiles) = catalog()?;
    let mut problems = Vec::new();
    for (path, _, scenario) in scenarios()? {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut known = catalog.clone();
        known.extend(rule_ids(&scenario)?);
        let mut named: BTreeMap<String, &str> = BTreeMap::new();
        for expect in expects(&scenario) {
            for (_, check) in outcomes(expect) {
                named.insert(check, "an expected outcome");
            }
            for key in expect["messages"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                let check = key.rsplit_once('/').map_or(key.as_str(), |(_, c)| c);
                named.insert(check.to_string(), "an expected message");
            }
        }
        for (check, what) in &named {
            if !known.contains(check) {
                problems.push(format!(
                    "{name}: {what} of {check}, which is no check of the catalog nor a rule \
                     of the scenario"
                ));
            }
        }
        // Globs (`absent`, `--only`, `--skip`) must match some check, unless the scenario is
        // about the error that a glob matching nothing is.
        let refused = scenario["expect"]["exit"] == 2;
        let mut globs: Vec<(String, &str)> = Vec::new();
        for expect in expects(&scenario) {
            for a in strings(&expect["absent"]) {
                let check = a
                    .rsplit_once('/')
                    .map_or(a.as_str(), |(_, c)| c)
                    .to_string();
                globs.push((check, "absent"));
            }
        }
        for part in [&scenario, &scenario["replay"]] {
            let args = strings(&part["args"]);
            for pair in args.windows(2) {
                match pair[0].as_str() {
                    "--only" | "--skip" if !refused => globs.push((pair[1].clone(), "a flag")),
                    "--profile" if !profiles.contains(&pair[1]) => problems.push(format!(
                        "{name}: --profile {}, which is not a profile (the catalog has {profiles:?})",
                        pair[1]
                    )),
                    _ => {}
                }
            }
        }
        for (glob, what) in globs {
            let pattern = glob::Pattern::new(&glob).map_err(|e| format!("{name}: {glob}: {e}"))?;
            if !known.iter().any(|id| pattern.matches(id)) {
                problems.push(format!("{name}: {what} {glob} matches no check or rule"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// An expectation a line: a flow mapping (`snapshot: {net.dns: pass, …}`) crams many into one.
fn block_style() -> Result<(), Failed> {
    let mut problems = Vec::new();
    for (path, text, _) in scenarios()? {
        let mut inside = false;
        for (i, line) in text.lines().enumerate() {
            if !line.starts_with([' ', '#']) && !line.is_empty() {
                inside = line.starts_with("expect:") || line.starts_with("replay:");
            }
            // `key: {…}`; `replay: {}` is an empty replay, not expectations in a flow.
            let flow = line
                .trim_start()
                .split_once(": ")
                .is_some_and(|(key, rest)| {
                    !key.contains(' ') && rest.starts_with('{') && rest.trim() != "{}"
                });
            if inside && flow {
                problems.push(format!(
                    "{}:{}: a flow mapping in the expectations; write one entry a line",
                    path.file_name().unwrap().to_string_lossy(),
                    i + 1
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}
