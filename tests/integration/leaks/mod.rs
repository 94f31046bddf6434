//! Hostile servers and hostile input: no credential reaches any output (stdout, stderr, the
//! three report files, the saved facts), raw or in base64, and no control character from a
//! server reaches the terminal report or report.md. Servers that echo credentials: a stand-in
//! that plants them in every field it supplies (`ci/echo_server.py`), a real Redis with AUTH
//! renamed away, a real Redis refusing INFO to a restricted user. Inputs: an address with
//! userinfo, a malformed `--set` carrying a password, input files that are not files or too big.
//!
//! By job: `echoes` (servers that echo credentials back), `inputs` (credentials and hostile
//! input in addresses, `--set`, values, manifests and input files), and `outputs` (running the
//! tool and searching everything it writes).

mod echoes;
mod inputs;
mod outputs;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("leaks", name, f);
    vec![
        with(
            "a_server_echoing_credentials_everywhere_leaks_nothing",
            echoes::echo_server,
        ),
        with("auth_renamed_away_echoes_nothing", echoes::auth_renamed),
        with(
            "a_restricted_user_refused_info_is_not_named",
            echoes::noperm,
        ),
        with(
            "an_address_with_userinfo_is_shown_without_it",
            inputs::userinfo,
        ),
        with(
            "a_malformed_set_never_quotes_a_value",
            inputs::malformed_set,
        ),
        with(
            "input_files_must_be_regular_and_at_most_16_mib",
            inputs::capped_inputs,
        ),
        with(
            "a_rule_never_reads_a_credential_through_config",
            inputs::config_credentials,
        ),
        with(
            "a_long_password_cut_in_an_echo_leaks_no_piece",
            echoes::long_password_cut,
        ),
        with(
            "credentials_in_the_values_never_show_live_or_replayed",
            inputs::values_credentials,
        ),
        with(
            "values_from_stdin_are_read_and_capped_at_16_mib",
            inputs::values_from_stdin,
        ),
        with(
            "secrets_in_the_manifests_log_in_and_never_show",
            inputs::manifest_secrets,
        ),
    ]
}
