use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::Observed;

crate::check! {
    /// ## What it checks
    /// The host of the Redis address resolves to at least one IP address. An IP literal passes
    /// without a lookup. A name that does not exist (NXDOMAIN) is told apart from a resolver
    /// that does not answer.
    ///
    /// ## Why Gloo needs it
    /// The components dial the address exactly as written in the values; a name that does not
    /// resolve where they run leaves them in a reconnect loop with no data.
    ///
    /// ## How to fix
    /// Correct the host in the address key. A Kubernetes Service name resolves only inside the
    /// cluster and, across namespaces, needs its namespace (`redis.gloo-mesh:6379`); run the
    /// preflight as a Job in the cluster (or pass `--dns-server`) to resolve it as the pods do.
    ///
    /// ## On managed services
    /// Use the endpoint the provider shows (ElastiCache "primary endpoint", Memorystore IP);
    /// private endpoints resolve only from inside the VPC.
    NetDns {
        id: "net.dns",
        title: "the Redis host resolves",
        scope: Target,
        phase: Dns,
        requires: [],
    }
}

impl Check for NetDns {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        match &t.dns {
            Observed::Ok { value } if value.literal => {
                Verdict::pass(format!("{} is an IP address; nothing to resolve", t.host))
            }
            Observed::Ok { value } => Verdict::pass(format!(
                "{} resolves to {}",
                t.host,
                value.addresses.join(", ")
            ))
            .with("addresses", value.addresses.clone()),
            other => {
                let why = other.problem().unwrap_or_default();
                let fix = if why.contains("no answer") {
                    "the resolver did not answer: check the DNS servers in /etc/resolv.conf (or --dns-server) \
                     and that DNS traffic is allowed"
                        .to_string()
                } else {
                    format!(
                        "check the host in {}; a Service name resolves only inside the cluster \
                         (run the preflight there, or pass --dns-server with the cluster DNS)",
                        t.address_key
                    )
                };
                Verdict::fail(format!("{} does not resolve: {why}", t.host))
                    .with("host", t.host.clone())
                    .with("address_key", t.address_key.clone())
                    .fix(fix)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Dns;
    use crate::testing::{facts, healthy_target};
    use reports::Outcome;

    #[test]
    fn outcomes() {
        let cases = [
            (
                Observed::Ok {
                    value: Dns {
                        literal: true,
                        addresses: vec!["127.0.0.1".into()],
                        duration_ms: 0.0,
                    },
                },
                Outcome::Pass,
                "is an IP address",
            ),
            (
                Observed::Ok {
                    value: Dns {
                        literal: false,
                        addresses: vec!["10.0.0.1".into()],
                        duration_ms: 1.0,
                    },
                },
                Outcome::Pass,
                "resolves to 10.0.0.1",
            ),
            (
                Observed::Failed {
                    error: "NXDOMAIN: no such name".into(),
                },
                Outcome::Fail,
                "does not resolve: NXDOMAIN",
            ),
            (
                Observed::Failed {
                    error: "no answer from the resolver within 5s".into(),
                },
                Outcome::Fail,
                "within 5s",
            ),
        ];
        for (dns, outcome, fragment) in cases {
            let mut t = healthy_target("snapshot");
            t.dns = dns;
            let f = facts(vec![t]);
            let v = NetDns.judge(Subject {
                facts: &f,
                target: Some(&f.targets[0]),
            });
            assert_eq!(v.outcome, outcome);
            assert!(v.message.contains(fragment), "{}", v.message);
        }
    }
}
