//! Which Redis instance a target reached. The server's `run_id` names an instance whatever
//! name or address led to it; without it (INFO refused), two targets at the same resolved IP
//! and port are one instance and anything else cannot be told.

use crate::facts::{Observed, TargetFacts};

/// What is known of a target's instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Instance {
    /// `INFO server` `run_id`, plus the peer for the fallback comparison.
    RunId(String, String),
    /// Reached, but INFO was refused: only the resolved peer `ip:port`.
    Peer(String),
    /// Not reached or not admitted; why.
    Unreachable(String),
}

/// The instance behind a target.
pub fn instance(t: &TargetFacts) -> Instance {
    let peer = t.tcp.ok().map(|tcp| tcp.peer.clone());
    let session = match &t.session {
        Observed::Ok { value } if value.admitted() => value,
        _ => {
            let why = t
                .session
                .problem()
                .or(t.tcp.problem())
                .or(t.dns.problem())
                .unwrap_or("no Redis session");
            return Instance::Unreachable(format!("{} was not reached ({why})", t.name));
        }
    };
    match (session.info_field("run_id"), peer) {
        (Some(run_id), peer) => Instance::RunId(run_id.to_string(), peer.unwrap_or_default()),
        (None, Some(peer)) => Instance::Peer(peer),
        (None, None) => Instance::Unreachable(format!("{} was not reached", t.name)),
    }
}

/// Whether two targets reached the same instance: `Ok(bool)`, or why it cannot be told.
pub fn same_instance(a: &TargetFacts, b: &TargetFacts) -> Result<bool, String> {
    match (instance(a), instance(b)) {
        (Instance::Unreachable(why), _) | (_, Instance::Unreachable(why)) => Err(why),
        (Instance::RunId(x, _), Instance::RunId(y, _)) => Ok(x == y),
        (Instance::RunId(_, p) | Instance::Peer(p), Instance::Peer(q))
        | (Instance::Peer(p), Instance::RunId(_, q)) => {
            if p == q {
                Ok(true)
            } else {
                Err(format!(
                    "{} and {} may not run INFO, and their addresses differ ({p}, {q})",
                    a.name, b.name
                ))
            }
        }
    }
}

/// A short label for an instance in messages and evidence.
pub fn label(t: &TargetFacts) -> String {
    match instance(t) {
        Instance::RunId(id, _) => format!("run_id {}", &id[..id.len().min(8)]),
        Instance::Peer(p) => format!("peer {p}"),
        Instance::Unreachable(_) => "unreached".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{healthy_target, refused, session, set_info};

    #[test]
    fn run_id_decides_and_the_peer_is_the_fallback() {
        let a = healthy_target("snapshot");
        let mut b = healthy_target("telemetry");
        b.address = "other-name:6379".into();
        assert_eq!(same_instance(&a, &b), Ok(true), "two names, one run_id");
        set_info(&mut b, "run_id", Some("ffff"));
        assert_eq!(same_instance(&a, &b), Ok(false));

        session(&mut b).info = refused("info");
        assert_eq!(same_instance(&a, &b), Ok(true), "same peer without INFO");
        if let Observed::Ok { value } = &mut b.tcp {
            value.peer = "10.0.0.9:6379".into();
        }
        assert!(same_instance(&a, &b).is_err());
        b.session = Observed::not_attempted("no TCP connection");
        assert!(
            same_instance(&a, &b)
                .unwrap_err()
                .contains("was not reached")
        );
    }
}
