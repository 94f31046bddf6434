//! Live secrets through a stand-in Kubernetes API server (no cluster runs here), proven
//! faithful by reading the same secrets with the real kubectl; context selection; RBAC
//! denials and an unreachable API server; `--from-cluster` and its grants; the in-cluster Job
//! manifests.
//!
//! By job: `api` (the stand-in API server and running the tool against it), `secrets` (live
//! secrets, contexts, denials and an unreachable server), `from_cluster` (`--from-cluster` and
//! the grants `rbac` prints for it), `job_manifests` (the in-cluster Job).

mod api;
mod from_cluster;
mod job_manifests;
mod secrets;

use libtest_mimic::{Failed, Trial};

use crate::lab::Lab;

pub fn trials(lab: &Lab) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Lab) -> Result<(), Failed>| lab.trial("kube", name, f);
    vec![
        with(
            "live_secrets_from_the_chosen_context_match_kubectl",
            secrets::live_secrets_match_kubectl,
        ),
        with(
            "a_missing_secret_fails_and_a_forbidden_one_is_unknown",
            secrets::missing_and_forbidden,
        ),
        with(
            "an_unreachable_api_server_is_unknown_and_bounded",
            secrets::unreachable,
        ),
        with(
            "no_kubeconfig_is_unknown_and_every_other_check_runs",
            secrets::no_kubeconfig,
        ),
        with(
            "an_unknown_context_is_an_input_error",
            secrets::unknown_context,
        ),
        with(
            "from_cluster_gets_the_release_by_name_and_rbac_grants_exactly_that",
            from_cluster::from_cluster,
        ),
        with(
            "from_cluster_reads_the_uis_dashboard_for_its_session_store",
            from_cluster::from_cluster_dashboard,
        ),
        with(
            "the_job_manifests_parse_and_grant_exactly_the_named_secrets",
            |_| job_manifests::job_manifests(),
        ),
    ]
}
