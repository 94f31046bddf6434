//! A scenario made ready to run: its directory with the values, secrets, manifests, rules
//! and files written (`${NAME}` taking the lab's ports), and the tool's arguments.

use std::path::Path;

use libtest_mimic::Failed;

use super::Prepared;
use super::model::{Scenario, load};
use crate::lab::Lab;
use crate::tool;

/// `tests/scenarios/<name>.yaml` made ready to run, for a trial that runs it its own way
/// (the report files of `--output-dir`, other formats).
pub fn prepare(lab: &Lab, name: &str) -> Result<Prepared, Failed> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/scenarios/{name}.yaml"));
    prepare_scenario(lab, name, &load(&path)?)
}

pub(super) fn prepare_scenario(
    lab: &Lab,
    name: &str,
    scenario: &Scenario,
) -> Result<Prepared, Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tool::scratch(name);
    let mut args: Vec<String> = vec!["run".into()];
    for file in &scenario.values_files {
        args.extend(["-f".into(), root.join(file).display().to_string()]);
    }
    for (i, values) in scenario.values.iter().enumerate() {
        let file = format!("values-{i}.yaml");
        std::fs::write(work.join(&file), lab.substitute(values)).unwrap();
        args.extend(["-f".into(), file]);
    }
    let mut secret_values = Vec::new();
    if let Some(secrets) = &scenario.secrets {
        let mut manifests = Vec::new();
        for k in &secrets.kubectl {
            let args: Vec<String> = k.iter().map(|a| lab.substitute(a)).collect();
            secret_values.extend(args.iter().filter_map(|a| secret_value(a)));
            manifests.push(tool::kubectl_secret(&args)?);
        }
        manifests.extend(secrets.raw.clone());
        std::fs::write(work.join("secrets.yaml"), manifests.join("---\n")).unwrap();
        args.extend(["--secrets".into(), "secrets.yaml".into()]);
    }
    for (i, m) in scenario.manifests.iter().enumerate() {
        let path = root.join(m);
        // A fixture rendered from values as written keeps their `${NAME}`s: the lab's ports.
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains("${") {
            let file = format!("manifests-{i}.yaml");
            std::fs::write(work.join(&file), lab.substitute(&text)).unwrap();
            args.extend(["--manifests".into(), file]);
        } else {
            args.extend(["--manifests".into(), path.display().to_string()]);
        }
    }
    for (file, text) in &scenario.files {
        std::fs::write(work.join(file), lab.substitute(text)).unwrap();
    }
    let rules = rules_args(&work, "rules", &scenario.rules_files, &scenario.rules);
    args.extend(rules.iter().cloned());
    args.extend(scenario.args.iter().map(|a| lab.substitute(a)));
    Ok(Prepared {
        work,
        args,
        rules,
        secret_values,
    })
}

/// `--rules` for each file of the repository and each content, written into `work`.
pub(super) fn rules_args(
    work: &Path,
    stem: &str,
    files: &[String],
    contents: &[String],
) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args = Vec::new();
    for file in files {
        args.extend(["--rules".into(), root.join(file).display().to_string()]);
    }
    for (i, text) in contents.iter().enumerate() {
        let file = format!("{stem}-{i}.yaml");
        std::fs::write(work.join(&file), text).unwrap();
        args.extend(["--rules".into(), file]);
    }
    args
}

/// The value of a `kubectl create secret` argument `--from-literal=KEY=VALUE`, unless the key
/// names a user (a username is no secret, and the facts may show it).
fn secret_value(arg: &str) -> Option<String> {
    let (key, value) = arg.strip_prefix("--from-literal=")?.split_once('=')?;
    (!key.contains("user") && !value.is_empty()).then(|| value.to_string())
}
