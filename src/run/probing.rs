//! Every target probed at once under the run deadline, with a spinner on a terminal.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use checks::facts::TargetFacts;

use crate::credentials::SecretSource;
use crate::plan::{self, TargetPlan};
use crate::probe::dns::Dialer;
use crate::probe::session;
use crate::probe::target::{self, Job};
use crate::scrub::Scrubber;
use crate::trust;

/// How long reading secrets from the cluster may take, at most.
pub(super) const KUBE_DEADLINE: Duration = Duration::from_secs(10);

/// How the probes run.
pub(super) struct ProbeOptions {
    pub(super) deadline: Duration,
    pub(super) dns: Option<SocketAddr>,
    pub(super) post_upgrade: bool,
    pub(super) allow_write: bool,
    /// The CONFIG parameters `--rules` read.
    pub(super) rule_config: &'static [String],
    /// Keep every INFO field and its section (see `Extras::whole_info`).
    pub(super) whole_info: bool,
}

/// A spinner on stderr while the probes run, on a terminal only: pipes and CI logs stay clean.
pub(super) async fn with_progress<T>(
    targets: usize,
    work: impl std::future::Future<Output = T>,
) -> T {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("probing {targets} Redis target(s)…"));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let out = work.await;
    spinner.finish_and_clear();
    out
}

/// Probes every target concurrently; whatever the run deadline cuts short stays
/// `NotAttempted { DEADLINE_REACHED }`.
pub(super) async fn probe_all(
    plans: &[TargetPlan],
    secrets: &SecretSource,
    options: &ProbeOptions,
    scrubber: &Scrubber,
) -> Vec<TargetFacts> {
    let dialer = Arc::new(Dialer::new(options.dns, plan::DEFAULT_DIAL));
    let mut slots = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for plan in plans {
        let (auth, credentials) = secrets.auth(&plan.auth);
        let (ca, roots) = trust::load(&plan.tls, secrets);
        let job = Job {
            env_unset: matches!(auth.secret, checks::facts::SecretLookup::EnvUnset { .. }),
            extras: session::Extras {
                snapshot: options.post_upgrade && plan.use_case == "snapshot",
                write: options.allow_write,
                db: plan.db,
                config: options.rule_config,
                whole_info: options.whole_info,
            },
            plan: plan.clone(),
            credentials,
            roots,
        };
        let slot = Arc::new(Mutex::new(target::initial_facts(plan, auth, ca)));
        slots.push(slot.clone());
        let dialer = dialer.clone();
        // Every target's probe runs at once: the bound is on connections (probe::socket, 256
        // open at most), so a target waiting on a silent server never holds back another.
        // Each phase is boxed (probe::target): a probe waiting for a connection's place holds
        // a few hundred bytes, and 1,000 targets stay far under the memory bound.
        tasks.spawn(async move { Box::pin(target::probe(&job, &dialer, &slot)).await });
    }
    let _ = tokio::time::timeout(options.deadline, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    // Cancelled tasks are dropped (and with them their hold on the slots) as they are joined.
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    slots
        .into_iter()
        .map(|slot| {
            // A probe that panicked while holding its slot poisoned it: its facts still stand
            // as far as they got (the panic itself ends the run with exit 1, after the report).
            let facts = Arc::try_unwrap(slot)
                .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
                .unwrap_or_else(|slot| slot.lock().unwrap_or_else(PoisonError::into_inner).clone());
            scrubber.target(facts)
        })
        .collect()
}
