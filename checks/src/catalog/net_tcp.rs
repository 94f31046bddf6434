use crate::check::{Check, Meta, Subject, Verdict};
use crate::duration::go_duration;
use crate::facts::{FailureKind, Observed};

crate::check! {
    /// ## What it checks
    /// A TCP connection to the address opens within the components' `dialTimeout`
    /// (`connection.dialTimeout`, go-redis default 5s).
    ///
    /// ## Why Gloo needs it
    /// Every component dials Redis on start and after every failover; a refused or filtered
    /// port leaves the management server without its snapshot store.
    ///
    /// ## How to fix
    /// "Connection refused": nothing listens on that port; check the port and that Redis runs.
    /// "No connection within dialTimeout": a firewall, security group or network policy drops
    /// the packets; allow the cluster's nodes to reach the Redis port.
    ///
    /// ## On managed services
    /// ElastiCache and Memorystore are reachable only from their VPC: put the cluster in the same
    /// VPC (or peer it) and allow the port in the security group.
    NetTcp {
        id: "net.tcp",
        title: "a TCP connection opens within dialTimeout",
        scope: Target,
        phase: Tcp,
        requires: ["net.dns"],
    }
}

impl Check for NetTcp {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let dial = go_duration(t.dial_timeout_ms);
        match &t.tcp {
            Observed::Ok { value } => Verdict::pass(format!(
                "connected to {} in {:.1} ms (dialTimeout {dial})",
                value.peer, value.duration_ms
            )),
            other => {
                let why = other.problem().unwrap_or_default();
                let fix = if other.failure() == Some(FailureKind::Refused) {
                    format!(
                        "nothing listens on port {}: check the port in {} and that Redis is running",
                        t.port, t.address_key
                    )
                } else {
                    "a firewall, security group or network policy drops the connection: allow the cluster to reach the Redis port".to_string()
                };
                Verdict::fail(format!("cannot connect to {}: {why}", t.address))
                    .with("address", t.address.clone())
                    .with("dial_timeout", dial)
                    .fix(fix)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{facts, healthy_target};
    use reports::Outcome;

    #[test]
    fn outcomes() {
        let cases = [
            (None, Outcome::Pass, "connected to 10.0.0.1:6379", ""),
            (
                Some((FailureKind::Refused, "connection refused by 10.0.0.1:6379")),
                Outcome::Fail,
                "cannot connect to redis.example:6379: connection refused",
                "nothing listens on port 6379",
            ),
            (
                Some((FailureKind::Timeout, "no connection within dialTimeout 5s")),
                Outcome::Fail,
                "within dialTimeout 5s",
                "firewall",
            ),
            // The kind decides, not the words.
            (
                Some((FailureKind::Timeout, "refused?")),
                Outcome::Fail,
                "refused?",
                "firewall",
            ),
        ];
        for (error, outcome, fragment, fix) in cases {
            let mut t = healthy_target("snapshot");
            if let Some((kind, e)) = error {
                t.tcp = Observed::failed(kind, e);
            }
            let f = facts(vec![t]);
            let v = NetTcp.judge(Subject {
                facts: &f,
                target: Some(&f.targets[0]),
            });
            assert_eq!(v.outcome, outcome);
            assert!(v.message.contains(fragment), "{}", v.message);
            assert!(v.remediation.unwrap_or_default().contains(fix));
        }
    }
}
