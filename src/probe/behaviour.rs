//! The behaviour probes: what `redis.latency` and `redis.multikey` judge.
//! Reads only. [`latencystats_command`] is written with the session's server reads;
//! [`round_trips`] runs last:
//! the PINGs must not queue behind other replies, and a sharding proxy may drop the connection
//! on `MULTI`.

use std::time::{Duration, Instant};

use checks::facts::{Info, MultiKey, Observed, Pings, Reply, Session};
use redis::Value;

use super::command::{Conn, observe, send};
use super::elapsed_ms;

/// The most sequential round trips `redis.latency` judges.
pub const MAX_SAMPLES: usize = 20;
/// The fewest: PINGs are added to the session's own round trips until there are this many.
pub const MIN_SAMPLES: usize = 5;
/// Past the floor, PINGs go on while the series is within this many first round trips...
const BUDGET_ROUND_TRIPS: f64 = 4.0;
/// ...or within this time (ms), so that a fast link still gets every sample.
const BUDGET_FLOOR_MS: f64 = 25.0;
/// Two keys whose hash tags put them in different hash slots (`{a}` → 15495, `{b}` → 3300).
/// They are only read, and need not exist.
const KEYS: [&str; 2] = [
    "{redis-preflight-a}:multikey-probe",
    "{redis-preflight-b}:multikey-probe",
];

/// `INFO latencystats`, written with the other server reads.
pub fn latencystats_command() -> redis::Cmd {
    redis::cmd("INFO").arg("latencystats").clone()
}

/// What the reply to [`latencystats_command`] says.
pub fn latencystats(reply: Result<Value, Reply>) -> Observed<Info> {
    observe(reply, |v| {
        let body = match v {
            Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
            Value::VerbatimString { text, .. } => text,
            Value::SimpleString(s) => s,
            _ => return None,
        };
        Some(Info::parse(&body))
    })
}

/// Sequential PINGs, then the multi-key probe; after every other command of the session.
/// `earlier` are the session's own sequential round trips, in milliseconds, the first sample.
pub async fn round_trips(conn: &mut Conn, read: Duration, earlier: &[f64], session: &mut Session) {
    session.field.pings = Observed::Ok {
        value: pings(conn, read, earlier).await,
    };
    session.field.multikey = Observed::Ok {
        value: multikey(conn, read).await,
    };
}

/// PINGs one at a time after the session's `earlier` round trips: each waits for the previous
/// answer, as a component's request waits for its Redis round trip. They stop at
/// [`MAX_SAMPLES`], or past [`MIN_SAMPLES`] once the series has lasted its budget: behind a
/// slow link the verdict then costs a few round trips, not twenty. The first that fails ends
/// the series.
async fn pings(conn: &mut Conn, read: Duration, earlier: &[f64]) -> Pings {
    let ping = redis::cmd("PING");
    let mut samples_ms = earlier.to_vec();
    let mut asked = 0;
    while needs_more(&samples_ms) {
        asked += 1;
        let start = Instant::now();
        match send(conn, &ping, read).await {
            Ok(_) => samples_ms.push(elapsed_ms(start)),
            Err(reply) => {
                return Pings {
                    asked,
                    samples_ms,
                    session_round_trips: earlier.len(),
                    stopped_by: Some(reply),
                };
            }
        }
    }
    Pings {
        asked,
        samples_ms,
        session_round_trips: earlier.len(),
        stopped_by: None,
    }
}

/// Whether another PING is worth its round trip: the series so far (the session's own round
/// trips and the PINGs, back to back) is measured against its budget.
fn needs_more(samples_ms: &[f64]) -> bool {
    match samples_ms.len() {
        n if n < MIN_SAMPLES => true,
        n if n >= MAX_SAMPLES => false,
        _ => {
            let budget = (samples_ms[0] * BUDGET_ROUND_TRIPS).max(BUDGET_FLOOR_MS);
            samples_ms.iter().sum::<f64>() < budget
        }
    }
}

/// `SUNION` of two keys in different hash slots, then `MULTI` / `EXISTS` / `EXEC`, written as
/// one pipeline (one round trip, and no other command can land inside the transaction).
async fn multikey(conn: &mut Conn, read: Duration) -> MultiKey {
    let cmds = [
        redis::cmd("SUNION").arg(KEYS[0]).arg(KEYS[1]).clone(),
        redis::cmd("MULTI"),
        redis::cmd("EXISTS").arg(KEYS[0]).arg(KEYS[1]).clone(),
        redis::cmd("EXEC"),
    ];
    let replies = conn.pipeline(&cmds, read).await;
    let error = |r: &Result<Value, Reply>| r.as_ref().err().cloned();
    // A deadline or a broken connection is the whole pipeline's: the first command sent is
    // named for both.
    let (read_reply, transaction) = match replies
        .iter()
        .filter_map(error)
        .find(|r| !matches!(r, Reply::Error { .. }))
    {
        Some(lost) => (lost.clone(), lost),
        None => (
            replies.first().and_then(error).unwrap_or(Reply::Ok),
            replies.iter().skip(1).find_map(error).unwrap_or(Reply::Ok),
        ),
    };
    MultiKey {
        keys: KEYS.iter().map(|k| k.to_string()).collect(),
        read: read_reply,
        transaction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(first: f64, len: usize) -> Vec<f64> {
        vec![first; len]
    }

    #[test]
    fn a_slow_link_stops_at_the_floor_and_a_fast_one_takes_every_sample() {
        // 150 ms a round trip: five samples, two of them the session's own.
        assert!(needs_more(&series(150.0, 4)));
        assert!(!needs_more(&series(150.0, 5)));
        // Loopback: twenty cost well under the time floor.
        assert!(needs_more(&series(0.1, 19)));
        assert!(!needs_more(&series(0.1, 20)));
        // In between: about four first round trips.
        assert!(needs_more(&[10.0, 5.0, 5.0, 5.0, 5.0]));
        assert!(!needs_more(&series(10.0, 5)));
    }
}
