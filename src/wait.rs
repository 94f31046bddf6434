//! `--wait`: after `helm upgrade` the Redis pods are still starting, and a replica in
//! `wait_bgsave` fails `redis.ha-replica` for a few seconds. While anything fails or is unknown,
//! probe again with backoff until all pass or the deadline, as `linkerd check --wait` and
//! `kubectl wait` do; what waiting cannot change ends the wait at once.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use checks::Judged;
use checks::facts::Facts;
use reports::{Outcome, Wait};

use crate::error::InputError;

/// The first pause between rounds; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const MAX_PAUSE: Duration = Duration::from_secs(10);

/// Observes and judges until nothing that `counts` fails or is unknown, something that cannot
/// change by waiting does (a check over the values and secrets alone), or `deadline` has
/// passed. Returns the last round's facts and verdicts.
pub async fn until_passing<F, Fut>(
    deadline: Duration,
    mut observe: F,
    judge: impl Fn(&Facts) -> Vec<Judged>,
    counts: impl Fn(&Judged) -> bool,
) -> Result<(Facts, Vec<Judged>, Wait), InputError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Facts, InputError>>,
{
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    let mut rounds = 0u32;
    // Since which round each open result has been open.
    let mut since: BTreeMap<(String, String), u32> = BTreeMap::new();
    loop {
        rounds += 1;
        let round_start = start.elapsed();
        let facts = observe().await?;
        let judged = judge(&facts);
        let open: Vec<&Judged> = judged
            .iter()
            .filter(|j| matches!(j.verdict.outcome, Outcome::Fail | Outcome::Unknown))
            .filter(|j| counts(j))
            .collect();
        since.retain(|key, _| {
            open.iter()
                .any(|j| (j.meta.id, &j.target) == (&key.0, &key.1))
        });
        for j in &open {
            since
                .entry((j.meta.id.to_string(), j.target.clone()))
                .or_insert(rounds);
        }
        let ended = if open.is_empty() {
            Some("passed")
        } else if open.iter().any(|j| j.meta.phase == checks::Phase::Inputs) {
            Some("unchanging")
        } else if start.elapsed() >= deadline {
            Some("deadline")
        } else {
            None
        };
        if let Some(ended) = ended {
            let wait = Wait {
                deadline: String::new(),
                rounds,
                waited_ms: round_start.as_secs_f64() * 1000.0,
                ended: ended.to_string(),
            };
            return Ok((facts, judged, wait));
        }
        // The last round starts at the deadline, not a pause before it.
        let pause_now = pause.min(deadline.saturating_sub(start.elapsed()));
        eprintln!(
            "{}",
            progress(rounds, start.elapsed(), deadline, &open, &since, pause_now)
        );
        tokio::time::sleep(pause_now).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// One line on stderr per round: what still fails, since when, and the next try.
fn progress(
    round: u32,
    elapsed: Duration,
    deadline: Duration,
    open: &[&Judged],
    since: &BTreeMap<(String, String), u32>,
    pause: Duration,
) -> String {
    let named: Vec<String> = open
        .iter()
        .take(3)
        .map(|j| {
            let first = since
                .get(&(j.meta.id.to_string(), j.target.clone()))
                .copied()
                .unwrap_or(round);
            format!(
                "{} {} on {} (since round {first})",
                j.meta.id,
                j.verdict.outcome,
                reports::escape::controls(&j.target)
            )
        })
        .collect();
    let more = match open.len().saturating_sub(3) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!(
        "waiting: round {round} at {:.1}s of {:.0}s: {}{more}; probing again in {:.1}s",
        elapsed.as_secs_f64(),
        deadline.as_secs_f64(),
        named.join(", "),
        pause.as_secs_f64()
    )
}
