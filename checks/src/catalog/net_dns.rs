use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{FailureKind, Observed};

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
    /// A cloud endpoint resolves from the provider's network: check the name in the provider's
    /// console and that the machine running the preflight can reach its VPC. An address with
    /// no port is told so.
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
                let fix = if other.failure() == Some(FailureKind::Timeout) {
                    "the resolver did not answer: check the DNS servers in /etc/resolv.conf (or --dns-server) \
                     and that DNS traffic is allowed"
                        .to_string()
                } else {
                    fix_for_host(t)
                };
                // An address that could not be split into host and port was never looked up.
                let message = if t.port == 0 {
                    format!("{why}; nothing was dialled")
                } else {
                    format!("{} does not resolve: {why}", t.host)
                };
                Verdict::fail(message)
                    .with("host", t.host.clone())
                    .with("address_key", t.address_key.clone())
                    .fix(fix)
            }
        }
    }
}

/// Providers' endpoint domains: such a name resolves from the provider's network (its VPC).
const CLOUD_DOMAINS: &[&str] = &[
    "amazonaws.com",
    "amazonaws.com.cn",
    "cache.windows.net",
    "cache.azure.net",
    "googleapis.com",
    "redis-cloud.com",
    "redislabs.com",
];

/// The fix for a name that did not resolve, fitted to the kind of host.
fn fix_for_host(t: &crate::facts::TargetFacts) -> String {
    let host = t.host.trim_end_matches('.').to_ascii_lowercase();
    let key = &t.address_key;
    if t.port == 0 {
        // The address could not be split: the planner keeps it whole as the host.
        return format!(
            "add the port to {key}: write host:port (e.g. {}:6379)",
            host.split(':').next().unwrap_or(&host)
        );
    }
    let cluster = host.ends_with(".svc")
        || host.ends_with(".svc.cluster.local")
        || host.matches('.').count() <= 1;
    if CLOUD_DOMAINS
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
    {
        format!(
            "check the name in {key} against the endpoint in the provider's console, and that this \
             machine can reach its VPC (private endpoints resolve only from inside it): run the \
             preflight where the components run"
        )
    } else if cluster {
        format!(
            "{host} is a Kubernetes Service name, which resolves only inside the cluster: run in \
             the cluster (the Job in ci/k8s), or pass --dns-server with the cluster DNS \
             (kubectl get svc -n kube-system kube-dns); check the name in {key} too"
        )
    } else {
        format!("check the host in {key}: the name does not exist in DNS")
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
                "",
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
                "",
            ),
            (
                Observed::failed(FailureKind::NxDomain, "NXDOMAIN: no such name"),
                Outcome::Fail,
                "does not resolve: NXDOMAIN",
                // `redis.example` reads as `service.namespace`.
                "Kubernetes Service name",
            ),
            (
                Observed::failed(
                    FailureKind::Timeout,
                    "no answer from the resolver within 5s",
                ),
                Outcome::Fail,
                "within 5s",
                "the resolver did not answer",
            ),
        ];
        for (dns, outcome, fragment, fix) in cases {
            let mut t = healthy_target("snapshot");
            t.dns = dns;
            let f = facts(vec![t]);
            let v = NetDns.judge(Subject {
                facts: &f,
                target: Some(&f.targets[0]),
            });
            assert_eq!(v.outcome, outcome);
            assert!(v.message.contains(fragment), "{}", v.message);
            let remediation = v.remediation.unwrap_or_default();
            assert!(remediation.contains(fix), "{remediation}");
        }
    }

    #[test]
    fn the_fix_fits_the_host() {
        let cases = [
            (
                "gloo-mesh-redis.gloo-mesh",
                6379,
                "run in the cluster (the Job in ci/k8s), or pass --dns-server",
            ),
            ("redis.gloo-mesh.svc", 6379, "run in the cluster"),
            (
                "redis.gloo-mesh.svc.cluster.local",
                6379,
                "run in the cluster",
            ),
            ("redis", 6379, "run in the cluster"),
            (
                "master.x.abc123.use1.cache.amazonaws.com",
                6379,
                "provider's console, and that this machine can reach its VPC",
            ),
            ("gloo.redis.cache.windows.net", 6380, "provider's console"),
            ("nohost", 0, "add the port to redis.address"),
            ("redis.example.org", 6379, "check the host in redis.address"),
        ];
        for (host, port, fragment) in cases {
            let mut t = healthy_target("snapshot");
            t.host = host.into();
            t.port = port;
            t.dns = Observed::failed(
                crate::facts::FailureKind::NxDomain,
                "NXDOMAIN: no such name",
            );
            let f = facts(vec![t]);
            let v = NetDns.judge(Subject {
                facts: &f,
                target: Some(&f.targets[0]),
            });
            let fix = v.remediation.unwrap_or_default();
            assert!(fix.contains(fragment), "{host}: {fix}");
        }
    }
}
