//! The YAML model of `tests/scenarios/<name>.yaml`: the scenario (values, secrets,
//! manifests, rules, files, flags), its replay of the saved facts, and what it expects; and
//! reading one from its file.

use std::collections::BTreeMap;
use std::path::Path;

use libtest_mimic::Failed;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Scenario {
    #[allow(dead_code)]
    pub(super) description: String,
    /// Values files of the repository (paths from its root), passed as `-f` first, in order.
    #[serde(default)]
    pub(super) values_files: Vec<String>,
    /// Values files, passed as `-f` in order after `values_files`; `${NAME}` takes the lab's
    /// ports.
    #[serde(default)]
    pub(super) values: Vec<String>,
    #[serde(default)]
    pub(super) secrets: Option<Secrets>,
    /// Rendered objects, passed as `--manifests`: paths from the repository root (`${NAME}`
    /// in them takes the lab's ports).
    #[serde(default)]
    pub(super) manifests: Vec<String>,
    /// Rules files of the repository (paths from its root), passed as `--rules` first.
    #[serde(default)]
    pub(super) rules_files: Vec<String>,
    /// Rules files' contents, each written to a file and passed as `--rules` after
    /// `rules_files`.
    #[serde(default)]
    pub(super) rules: Vec<String>,
    /// Further files written into the run's directory, name → content (`${NAME}` takes the
    /// lab's ports), for flags that name a file (`--waivers waivers.yaml`).
    #[serde(default)]
    pub(super) files: BTreeMap<String, String>,
    /// Further flags.
    #[serde(default)]
    pub(super) args: Vec<String>,
    pub(super) expect: Expect,
    /// A second run that judges the facts this one saved (`--save-facts`, then `--facts`).
    #[serde(default)]
    pub(super) replay: Option<Replay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Secrets {
    /// Arguments of `kubectl create secret`, one list per secret.
    #[serde(default)]
    pub(super) kubectl: Vec<Vec<String>>,
    /// A manifest as text, for what kubectl would refuse to make.
    #[serde(default)]
    pub(super) raw: Option<String>,
}

/// `run --facts` on the facts the scenario's run saved, with the scenario's rules and these.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Replay {
    /// Rules files of the repository, passed after the scenario's rules.
    #[serde(default)]
    pub(super) rules_files: Vec<String>,
    /// Rules files' contents, passed after `rules_files`.
    #[serde(default)]
    pub(super) rules: Vec<String>,
    /// Further flags.
    #[serde(default)]
    pub(super) args: Vec<String>,
    /// What the replay reports. Without it: what the scenario expects, and the very results
    /// (outcome and message) and exit code of the run that saved the facts.
    #[serde(default)]
    pub(super) expect: Option<Expect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Expect {
    pub(super) exit: i32,
    /// For exit 2: a fragment of the one-line error.
    #[serde(default)]
    pub(super) stderr: Option<String>,
    /// target → check ID → outcome. Every listed result must be in the report; a result not
    /// listed must be `pass` or `skip`. `${REDIS_7_2}` is `pass` when the lab's Redis is 7.2
    /// or later, else `fail`.
    #[serde(default)]
    pub(super) outcomes: BTreeMap<String, BTreeMap<String, String>>,
    /// `target/check` → a fragment its message must contain.
    #[serde(default)]
    pub(super) messages: BTreeMap<String, String>,
    /// Results the report must not have: `target/check`, or a check ID glob alone for every
    /// target (`org.*`).
    #[serde(default)]
    pub(super) absent: Vec<String>,
    /// The listed outcomes are the whole report: it has no other result, whatever its outcome.
    #[serde(default)]
    pub(super) complete: bool,
}

pub(super) fn load(path: &Path) -> Result<Scenario, Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?)
}
