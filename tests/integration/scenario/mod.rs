//! The scenario corpus: each `tests/scenarios/<name>.yaml` holds the values, the secrets, the
//! flags and the expected outcome of every check (and the exit code); one trial per file.
//!
//! By job: `model` (the YAML a scenario is written in), `setup` (a scenario made ready to run,
//! also for trials that run it their own way: [`prepare`]), `run` (the runner, with the replay
//! of the saved facts), `judge` (the expectations compared with what the tool did).

mod judge;
mod model;
mod run;
mod setup;

use std::path::{Path, PathBuf};

use libtest_mimic::Trial;

pub use setup::prepare;

use crate::lab::Lab;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scenarios")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let lab = lab.clone();
            Trial::test(format!("scenario::{name}"), move || {
                run::run(&lab, &name, &path)
            })
        })
        .collect()
}

/// A scenario's run made ready: its directory with the files written, and the arguments
/// (`run`, values, secrets, manifests, rules, the scenario's flags).
pub struct Prepared {
    pub work: PathBuf,
    pub args: Vec<String>,
    /// The `--rules` arguments alone, which a replay passes again.
    rules: Vec<String>,
    /// The secrets' values that must not leave in the saved facts.
    secret_values: Vec<String>,
}
