use serde_json::Value;

use crate::check::{Check, Meta, Subject, Verdict};
use crate::duration::go_duration;
use crate::facts::{Observed, Reply};

crate::check! {
    /// ## What it checks
    /// The p99 of the session's sequential round trips, as the components' own connection makes
    /// them (same address, TLS and credentials): the login and the pipelined reads, then `PING`s
    /// up to 20 samples within a time budget (the series lasts at most four times the first
    /// round trip, or 25 ms, and has at least 5 samples, so a slow link costs few seconds), against the component's
    /// `connection.readTimeout`: it warns from half the read timeout and fails at it. For the
    /// `ratelimiter` target it is also held against the rate limit server's 100 ms request
    /// budget: warn from 50 ms, fail at 100 ms. The evidence has p50, p99, max, the samples and
    /// how many there are, and the server's own `INFO latencystats` percentiles where Redis 7 gives them.
    ///
    /// ## Why Gloo needs it
    /// A component whose Redis answers near its read timeout fails requests whenever the
    /// network hiccups. The rate limiter is stricter: Envoy gives each rate-limit call 100 ms
    /// and, with `denyOnFail: false` (the default), lets the request through unlimited when it
    /// runs out, so a slow Redis silently turns rate limiting off.
    ///
    /// ## How to fix
    /// Put Redis close to the cluster (same region and zone, no cross-region peering), check
    /// the server's load (`INFO commandstats`, `SLOWLOG GET`), and raise
    /// `connection.readTimeout` if the round trip is inherent. Run the preflight from inside the
    /// cluster (see ci/k8s): a laptop's round trip says little about the pods'.
    ///
    /// ## On managed services
    /// Managed services answer `PING` like any Redis; cross-region endpoints and TLS add round
    /// trip time. `INFO latencystats` exists from Redis 7 (and Valkey); where it is refused the
    /// client-side samples are the evidence. Verify by hand from a Pod in the component's
    /// namespace with `redis-cli --latency` when the numbers look off.
    RedisLatency {
        id: "redis.latency",
        title: "Redis answers well within the components' time budget",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
    }
}

/// The rate limit server's request budget, in milliseconds (Envoy's default timeout).
const RATE_LIMIT_BUDGET_MS: f64 = 100.0;

/// The nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.0} ms")
    }
}

fn round(v: f64) -> Value {
    Value::from((v * 1000.0).round() / 1000.0)
}

impl Check for RedisLatency {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let pings = match &s.field.pings {
            Observed::Ok { value } => value,
            other => {
                return Verdict::unknown(format!(
                    "the PING round trips could not be measured ({}); verify by hand with redis-cli --latency from the component's namespace",
                    other.problem().unwrap_or("no answer")
                ))
                .fix("run the preflight again, from inside the cluster");
            }
        };
        let read_timeout = t.read_timeout_ms.map(|ms| ms as f64);
        let rate_limiter = t.use_case() == Some(crate::UseCase::Ratelimiter);
        if let Some(reply) = &pings.stopped_by {
            let answered = pings.samples_ms.len();
            // Which PING, counted apart from the session's own round trips.
            let nth = answered.saturating_sub(pings.session_round_trips) + 1;
            let v = match reply {
                Reply::Timeout { after_ms } => Verdict::fail(format!(
                    "PING {nth} of the latency series got no answer within {}: the components' reads time out",
                    go_duration(*after_ms)
                ))
                .fix("find why Redis stalls (SLOWLOG GET, INFO commandstats, the network path), or raise connection.readTimeout"),
                // A server that cannot persist refuses PING with the writes.
                Reply::Error { code, .. } if code == "MISCONF" => Verdict::unknown(format!(
                    "PING {nth} of the latency series was refused with {}: a server that cannot persist refuses PING as well as writes, so go-redis fails at its first PING; the round trip could not be measured",
                    reply.brief()
                ))
                .fix("fix the failing save first (see redis.persistence), then run the preflight again"),
                other => Verdict::unknown(format!(
                    "PING {nth} of the latency series failed ({}); the round trip could not be measured",
                    other.describe()
                ))
                .fix("verify by hand with redis-cli --latency from the component's namespace"),
            };
            return v.with("samples", answered);
        }
        if pings.samples_ms.is_empty() {
            return Verdict::unknown("no PING round trip was measured")
                .fix("verify by hand with redis-cli --latency from the component's namespace");
        }
        let mut sorted = pings.samples_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let (p50, p99, max) = (
            percentile(&sorted, 50.0),
            percentile(&sorted, 99.0),
            sorted[sorted.len() - 1],
        );
        let observed = format!(
            "round trip p99 {} (p50 {}, max {}, {} samples)",
            ms(p99),
            ms(p50),
            ms(max),
            sorted.len()
        );
        // The strictest limit reached decides; a fail beats a warn.
        let mut worst: Option<Verdict> = None;
        let mut consider = |v: Verdict| {
            let rank = |v: &Verdict| match v.outcome {
                reports::Outcome::Fail => 2,
                _ => 1,
            };
            if worst.as_ref().is_none_or(|w| rank(&v) > rank(w)) {
                worst = Some(v);
            }
        };
        if let Some(rt) = read_timeout {
            let limit = go_duration(rt as u64);
            if p99 >= rt {
                consider(Verdict::fail(format!(
                    "{observed} reaches the read timeout {limit} of {}: their reads time out; expected under half of it",
                    t.components.join(", ")
                )).fix("bring Redis closer to the cluster or find why it is slow (SLOWLOG GET, INFO commandstats); raise connection.readTimeout only if the round trip is inherent"));
            } else if p99 >= rt / 2.0 {
                consider(Verdict::warn(format!(
                    "{observed} is over half the read timeout {limit}: little headroom before reads time out; expected under {}",
                    ms(rt / 2.0)
                )).fix("bring Redis closer to the cluster, or raise connection.readTimeout"));
            }
        }
        if rate_limiter {
            if p99 >= RATE_LIMIT_BUDGET_MS {
                consider(Verdict::fail(format!(
                    "{observed} reaches the rate limiter's 100 ms request budget: Envoy then lets requests through unlimited (denyOnFail: false by default); expected under 50 ms"
                )).fix("put the rate limiter's Redis in the same region and zone as the cluster; a pipeline of several commands per request needs a round trip well under 50 ms"));
            } else if p99 >= RATE_LIMIT_BUDGET_MS / 2.0 {
                consider(Verdict::warn(format!(
                    "{observed} is over half the rate limiter's 100 ms request budget: under load, requests pass unlimited (denyOnFail: false by default); expected under 50 ms"
                )).fix("put the rate limiter's Redis in the same region and zone as the cluster"));
            }
        }
        let v = worst.unwrap_or_else(|| {
            let limits = match (read_timeout, rate_limiter) {
                (Some(rt), true) => format!(
                    "is under half the read timeout {} and the rate limiter's 100 ms budget",
                    go_duration(rt as u64)
                ),
                (Some(rt), false) => {
                    format!("is under half the read timeout {}", go_duration(rt as u64))
                }
                (None, true) => "is under the rate limiter's 100 ms budget (the read timeout is disabled)".into(),
                (None, false) => "is fine: the read timeout is disabled, so no limit applies".into(),
            };
            Verdict::pass(format!("{observed} {limits}"))
        });
        let mut v = v
            .with("p50_ms", round(p50))
            .with("p99_ms", round(p99))
            .with("max_ms", round(max))
            .with("samples", sorted.len())
            .with("session_round_trips", pings.session_round_trips)
            .with("pings", pings.asked)
            .with(
                "samples_ms",
                pings.samples_ms.iter().map(|v| round(*v)).collect::<Vec<_>>(),
            );
        if let Some(rt) = t.read_timeout_ms {
            v = v.with("read_timeout", go_duration(rt));
        }
        if rate_limiter {
            v = v.with("request_budget_ms", RATE_LIMIT_BUDGET_MS as u64);
        }
        if let Some(stats) = s.field.latencystats.ok() {
            let server: serde_json::Map<String, Value> = stats
                .iter()
                .filter(|(k, _)| {
                    let cmd = k.trim_start_matches("latency_percentiles_usec_");
                    SERVER_COMMANDS.contains(&cmd)
                })
                .map(|(k, v)| (k.to_string(), Value::from(v)))
                .collect();
            if !server.is_empty() {
                v = v.with("server_latencystats_usec", Value::Object(server));
            }
        }
        v
    }
}

/// The commands whose server-side percentiles the evidence shows: PING and what Gloo sends.
const SERVER_COMMANDS: &[&str] = &[
    "ping", "get", "set", "hset", "hget", "hgetall", "hdel", "incrby", "expire", "multi", "exec",
    "evalsha", "xadd", "smembers", "sadd",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, session, set_pings};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisLatency, t)
    }

    fn with_p99(t: &mut TargetFacts, p99: f64) {
        let mut samples = vec![1.0; 19];
        samples.push(p99);
        set_pings(t, &samples);
    }

    #[test]
    fn against_the_read_timeout() {
        let mut t = healthy_target("snapshot");
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.message);
        assert_eq!(v.evidence["samples"], 20);
        assert!(v.evidence.contains_key("server_latencystats_usec"));
        for (p99, outcome) in [
            (1499.0, Outcome::Pass),
            (1500.0, Outcome::Warn),
            (2999.0, Outcome::Warn),
            (3000.0, Outcome::Fail),
        ] {
            with_p99(&mut t, p99);
            let v = judge(&t);
            assert_eq!(v.outcome, outcome, "p99 {p99}: {}", v.message);
            assert_eq!(v.evidence["p99_ms"], p99);
            assert_eq!(v.evidence["p50_ms"], 1.0);
            if outcome != Outcome::Pass {
                assert!(v.message.contains("read timeout 3s"), "{}", v.message);
                assert!(v.remediation.is_some());
            }
        }
        t.read_timeout_ms = None;
        assert_eq!(judge(&t).outcome, Outcome::Pass, "no read timeout to hold it against");
    }

    #[test]
    fn against_the_rate_limit_budget() {
        let mut t = healthy_target("ratelimiter");
        for (p99, outcome) in [
            (49.0, Outcome::Pass),
            (50.0, Outcome::Warn),
            (99.0, Outcome::Warn),
            (100.0, Outcome::Fail),
        ] {
            with_p99(&mut t, p99);
            let v = judge(&t);
            assert_eq!(v.outcome, outcome, "p99 {p99}: {}", v.message);
            if outcome != Outcome::Pass {
                assert!(v.message.contains("100 ms request budget"), "{}", v.message);
                assert!(v.message.contains("denyOnFail"), "{}", v.message);
            }
        }
        // The same 60 ms is fine for a component with only a read timeout.
        let mut s = healthy_target("snapshot");
        with_p99(&mut s, 60.0);
        assert_eq!(judge(&s).outcome, Outcome::Pass);
        // Past the read timeout the read timeout's fail is named, even below the budget.
        t.read_timeout_ms = Some(40);
        with_p99(&mut t, 45.0);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("read timeout 40ms"), "{}", v.message);
    }

    #[test]
    fn a_timed_out_ping_fails_and_a_missing_measure_is_unknown() {
        let mut t = healthy_target("snapshot");
        session(&mut t).field.pings = Observed::Ok {
            value: crate::facts::Pings {
                asked: 2,
                samples_ms: vec![1.0; 3],
                session_round_trips: 2,
                stopped_by: Some(Reply::Timeout { after_ms: 3000 }),
            },
        };
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("PING 2 of the latency series got no answer within 3s"), "{}", v.message);
        session(&mut t).field.pings = Observed::Refused {
            error: "NOPERM ping".into(),
        };
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
    }

    #[test]
    fn a_ping_refused_with_misconf_names_the_failing_save() {
        let mut t = healthy_target("snapshot");
        session(&mut t).field.pings = Observed::Ok {
            value: crate::facts::Pings {
                asked: 1,
                samples_ms: vec![],
                session_round_trips: 0,
                stopped_by: Some(Reply::Error {
                    code: "MISCONF".into(),
                    message: "Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled".into(),
                }),
            },
        };
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(
            v.message.contains("PING 1 of the latency series was refused with MISCONF (Redis is configured to save RDB snapshots, but it's currently unable to persist to disk): a server that cannot persist refuses PING as well as writes, so go-redis fails at its first PING"),
            "{}",
            v.message
        );
        assert!(v.remediation.unwrap().contains("redis.persistence"));
    }

    #[test]
    fn p99_of_twenty_is_the_slowest() {
        let sorted: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 99.0), 20.0);
        assert_eq!(percentile(&sorted, 50.0), 10.0);
    }
}
