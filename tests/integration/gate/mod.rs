//! The gate around the verdicts: subcommand argument errors, `--facts` with a profile, `rbac`
//! without values, and the set-up step of `ci/test`, `ci/demo` and `ci/bench` (ci/deps).
//!
//! By job: `args` (subcommand argument errors, escaped file names, no file descriptor left),
//! `facts` (replaying saved facts under a profile, tampered facts refused), `info_kept` (the
//! catalog's INFO fields judge as the whole INFO), `deps` (the set-up step of the ci scripts).

mod args;
mod deps;
mod facts;
mod info_kept;

use libtest_mimic::Trial;

use crate::lab::Lab;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let (lab, lab2, lab3) = (lab.clone(), lab.clone(), lab.clone());
    vec![
        Trial::test(
            "gate::explain_without_id_names_it",
            args::explain_without_id,
        ),
        Trial::test("gate::rbac_needs_values", args::rbac_needs_values),
        Trial::test(
            "gate::no_file_descriptor_left_is_an_internal_error",
            args::no_file_descriptor_left,
        ),
        Trial::test("gate::facts_replay_keeps_the_ci_profile", move || {
            facts::facts_replay_keeps_the_ci_profile(&lab)
        }),
        Trial::test(
            "gate::tampered_facts_are_refused_naming_the_key",
            move || facts::tampered_facts(&lab2),
        ),
        Trial::test("gate::trimmed_info_judges_as_whole", move || {
            info_kept::trimmed_info_judges_as_whole(&lab3)
        }),
        Trial::test(
            "gate::a_file_name_with_escapes_is_shown_escaped",
            args::file_name_with_escapes,
        ),
        Trial::test(
            "gate::deps_on_a_fresh_machine",
            deps::deps_on_a_fresh_machine,
        ),
        Trial::test("gate::deps_without_python", deps::deps_without_python),
        Trial::test(
            "gate::deps_with_everything_there",
            deps::deps_with_everything_there,
        ),
    ]
}
