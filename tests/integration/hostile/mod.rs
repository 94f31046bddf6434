//! Hostile servers: stand-ins that speak RESP badly on purpose (`ci/hostile_server.py`) and
//! real redis-servers made to refuse. Each trial asserts the outcome and message per check,
//! the exit code, and the tool's peak RSS read from the OS (`wait4`'s `ru_maxrss`), never the
//! wall clock. The network-namespace trials (protected mode on a non-loopback address, an
//! address family that drops) need root; without it they are ignored, saying why.
//!
//! By job: `resp` (replies that are not Redis or too large), `faults` (connections that stall,
//! break or refuse mid-way), `versions` (Valkey 9, Redis 5), `refusals` (real redis-servers
//! made to refuse), `scale` (silent targets by the thousand, costly rules), `tls`, `netns`
//! (root only); `servers` starts what they talk to and `run` measures one run of the tool.

mod faults;
mod netns;
mod refusals;
mod resp;
mod run;
mod scale;
mod servers;
mod tls;
mod versions;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let lab = lab.clone();
    let t = |name: &str, f: fn() -> Result<(), Failed>| Trial::test(format!("hostile::{name}"), f);
    let root = |name: &str, f: fn() -> Result<(), Failed>| {
        let trial = t(name, f);
        if is_root() {
            trial
        } else {
            eprintln!("hostile::{name}: ignored, it needs root to create a network namespace");
            trial.with_ignored_flag(true)
        }
    };
    vec![
        t("garbage_is_not_redis", resp::garbage),
        t("an_endless_bulk_string_is_too_large", resp::endless_bulk),
        t("a_huge_array_header_is_too_large", resp::huge_array),
        t("absurd_nesting_is_too_large", resp::deep),
        t("replies_of_the_wrong_shape_pass_nothing", resp::flood),
        t("a_line_without_end_is_too_large", resp::endless_line),
        t("a_20_mb_info_is_too_large", resp::big_info),
        t(
            "an_info_of_70000_fields_is_kept_within_bounds",
            resp::wide_info,
        ),
        t(
            "only_over_5000_targets_ends_inside_the_deadline",
            scale::many_targets,
        ),
        t(
            "200_silent_exporters_cost_their_own_deadlines_in_parallel",
            scale::silent_exporters,
        ),
        t(
            "1000_silent_targets_stay_within_64_mib_and_256_sockets",
            scale::a_thousand_silent,
        ),
        t(
            "a_rule_that_could_cost_a_gigabyte_is_refused_at_load",
            scale::costly_rules,
        ),
        t("one_byte_per_second_meets_the_read_timeout", faults::drip),
        t(
            "an_error_then_close_is_named_every_time",
            faults::error_close,
        ),
        t(
            "loading_is_unknown_until_the_dataset_is_loaded",
            faults::loading,
        ),
        t("nil_replies_to_ping_and_auth_are_not_success", resp::nil),
        t("a_sample_of_200000_is_too_large", resp::srandmember),
        t(
            "a_sample_larger_than_asked_gets_no_type",
            resp::srandmember_5000,
        ),
        t("valkey_9_is_judged_by_its_own_version", versions::valkey9),
        t("redis_5_wants_no_username", versions::redis5),
        t("maxclients_fails_redis_capacity", refusals::maxclients),
        t(
            "a_replica_of_a_dead_primary_names_the_link",
            refusals::dead_primary,
        ),
        t(
            "a_redis_loading_its_dataset_is_unknown",
            refusals::real_loading,
        ),
        t(
            "a_redis_busy_with_a_script_is_unknown_naming_it",
            refusals::real_busy,
        ),
        t(
            "a_replica_answering_masterdown_is_not_the_primary",
            refusals::real_masterdown,
        ),
        t("a_close_at_accept_fails_the_login", faults::accept_close),
        t(
            "a_reset_mid_reply_is_a_broken_path_not_a_proxy",
            faults::reset,
        ),
        t(
            "silence_after_the_login_costs_one_read_timeout_per_read",
            faults::silent_reads,
        ),
        t(
            "silence_during_the_latency_pings_fails_the_latency",
            faults::silent_pings,
        ),
        t("a_resp3_map_to_hello_2_is_read", resp::resp3_map),
        t(
            "moved_for_keys_of_other_slots_fails_multikey",
            faults::moved,
        ),
        t(
            "errors_to_the_multikey_probe_are_unknown_naming_them",
            faults::multikey_errors,
        ),
        t(
            "a_certificate_message_over_64_kib_is_tls_not_plaintext",
            tls::big_certificate,
        ),
        Trial::test(
            "hostile::silence_after_a_tls_handshake_names_what_is_behind_tls",
            {
                let lab = lab.clone();
                move || tls::tls_silent(&lab)
            },
        ),
        Trial::test(
            "hostile::tls_on_a_plaintext_redis_is_told_well_before_the_dial_timeout",
            move || tls::tls_on_plaintext_early(&lab),
        ),
        root("protected_mode_is_named", netns::protected_mode),
        root(
            "dual_stack_falls_back_to_the_family_that_works",
            netns::dual_stack,
        ),
    ]
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
