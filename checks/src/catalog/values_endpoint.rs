use crate::check::{Check, Meta, Subject, Verdict};

crate::check! {
    /// ## What it checks
    /// The address is the right kind of endpoint for its provider, judged from the host name
    /// alone (so it works on a laptop where the name does not resolve). It fails on an AWS
    /// ElastiCache configuration endpoint (`clustercfg.`: cluster mode), a reader endpoint
    /// (`-ro.` or `replica.`) and a Serverless cache (`.serverless.`: cluster mode only), and on
    /// a MemoryDB cluster endpoint (cluster mode only). It warns on the endpoint of a single
    /// ElastiCache node (`-001.`, `-0001-001.`) and on an Azure Cache for Redis host on its
    /// non-TLS port 6379. The message names the provider, the kind of endpoint and the
    /// endpoint to use. Any other host passes.
    ///
    /// ## Why Gloo needs it
    /// Gloo's components speak to one non-cluster primary. A cluster endpoint answers `MOVED`
    /// and `CROSSSLOT`: the rate limiter then lets every request through unlimited, silently. A
    /// reader endpoint answers `READONLY` to every write. A node endpoint works until the first
    /// failover moves the primary away; then every write gets `READONLY` until the pods restart.
    /// Azure Cache serves only TLS on 6380; its non-TLS port 6379 is off by default.
    ///
    /// ## How to fix
    /// Point the address at the primary endpoint of a replication group with cluster mode
    /// disabled (`master.<name>.<id>.<region>.cache.amazonaws.com:6379`, or
    /// `<name>.<id>.ng.0001.<region>.cache.amazonaws.com` without in-transit encryption). For
    /// Azure Cache for Redis use port 6380 with TLS on (`certs.enabled` / `socketType: tls`).
    ///
    /// ## On managed services
    /// This is the managed services' check: the provider is recognised by its domain
    /// (`cache.amazonaws.com`, `memorydb.<region>.amazonaws.com`, `redis.cache.windows.net`).
    /// A CNAME of your own in front of a managed endpoint hides its kind: verify by hand in the
    /// provider's console that the address is the primary endpoint.
    ValuesEndpoint {
        id: "values.endpoint",
        title: "the address is the right kind of endpoint for its provider",
        scope: Target,
        phase: Inputs,
        requires: [],
    }
}

/// A managed service recognised by its host name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Provider {
    ElastiCache,
    MemoryDb,
    AzureCache,
    AzureManaged,
}

impl Provider {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Provider::ElastiCache => "AWS ElastiCache",
            Provider::MemoryDb => "AWS MemoryDB",
            Provider::AzureCache => "Azure Cache for Redis",
            Provider::AzureManaged => "Azure Managed Redis",
        }
    }
}

/// The managed service a host belongs to, by its domain.
pub(crate) fn provider(host: &str) -> Option<Provider> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let under = |domain: &str| host.ends_with(domain);
    if under(".cache.amazonaws.com") || under(".cache.amazonaws.com.cn") {
        Some(Provider::ElastiCache)
    } else if host.contains(".memorydb.") && (under(".amazonaws.com") || under(".amazonaws.com.cn"))
    {
        Some(Provider::MemoryDb)
    } else if [
        ".redis.cache.windows.net",
        ".redis.cache.chinacloudapi.cn",
        ".redis.cache.usgovcloudapi.net",
    ]
    .iter()
    .any(|d| under(d))
    {
        Some(Provider::AzureCache)
    } else if under(".redis.azure.net") {
        Some(Provider::AzureManaged)
    } else {
        None
    }
}

/// Whether the first label names one node: `<name>-001` or `<name>-0001-001`.
fn node_label(label: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = label.rsplitn(3, '-').collect();
    match parts.as_slice() {
        [node, shard, _] if digits(node, 3) && digits(shard, 4) => true,
        [node, _, ..] => digits(node, 3),
        _ => false,
    }
}

const PRIMARY: &str = "the primary endpoint of a replication group with cluster mode disabled (master.<name>.<id>.<region>.cache.amazonaws.com)";

impl Check for ValuesEndpoint {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let host = t.host.trim_end_matches('.').to_ascii_lowercase();
        let first = host.split('.').next().unwrap_or_default();
        let at = format!("{} {}", t.address_key, t.address);
        let v = match provider(&host) {
            Some(p @ Provider::ElastiCache) if first == "clustercfg" => Verdict::fail(format!(
                "{at} is an {} configuration endpoint (cluster mode): the components get MOVED and CROSSSLOT, and the rate limiter lets requests through unlimited; expected {PRIMARY}",
                p.name()
            ))
            .fix(format!("create a replication group with cluster mode disabled and set {} to its primary endpoint", t.address_key))
            .with("endpoint_kind", "configuration"),
            Some(p @ Provider::ElastiCache) if host.contains(".serverless.") => Verdict::fail(format!(
                "{at} is an {} Serverless cache, which runs in cluster mode only: the components get MOVED and CROSSSLOT (and SELECT of a db other than 0 fails); expected {PRIMARY}",
                p.name()
            ))
            .fix(format!("use a node-based replication group with cluster mode disabled and set {} to its primary endpoint", t.address_key))
            .with("endpoint_kind", "serverless"),
            Some(p @ Provider::ElastiCache) if first == "replica" || first.ends_with("-ro") => Verdict::fail(format!(
                "{at} is an {} reader endpoint: every write gets READONLY; expected {PRIMARY}",
                p.name()
            ))
            .fix(format!("set {} to the replication group's primary endpoint (master.… or the name without -ro)", t.address_key))
            .with("endpoint_kind", "reader"),
            Some(p @ Provider::ElastiCache) if node_label(first) => Verdict::warn(format!(
                "{at} is the endpoint of one {} node: it works while that node is the primary, and after a failover every write gets READONLY until the pods restart; expected {PRIMARY}",
                p.name()
            ))
            .fix(format!("set {} to the replication group's primary endpoint, which follows the primary across failovers", t.address_key))
            .with("endpoint_kind", "node"),
            Some(p @ Provider::MemoryDb) => Verdict::fail(format!(
                "{at} is an {} cluster endpoint: MemoryDB runs in cluster mode only, and the components get MOVED and CROSSSLOT; expected a non-cluster primary",
                p.name()
            ))
            .fix("use an ElastiCache replication group with cluster mode disabled, or another non-cluster Redis")
            .with("endpoint_kind", "cluster"),
            Some(p @ Provider::AzureCache) if t.port == 6379 => Verdict::warn(format!(
                "{at} is an {} host on its non-TLS port 6379, which is off by default (the components then time out); expected port 6380 with TLS",
                p.name()
            ))
            .fix(format!("set {} to {}:6380 and turn TLS on", t.address_key, t.host))
            .with("endpoint_kind", "non-TLS port"),
            Some(p) => Verdict::pass(format!("{at} is an {} endpoint of a usable kind", p.name()))
                .with("endpoint_kind", "primary"),
            None => Verdict::pass(format!("{at} is not a managed service's endpoint this check knows; nothing to judge from the name")),
        };
        let v = v.with("address", t.address.clone());
        match provider(&host) {
            Some(p) => v.with("provider", p.name()),
            None => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::healthy_target;
    use reports::Outcome;

    fn judge(host: &str, port: u16) -> Verdict {
        let mut t = healthy_target("ratelimiter");
        t.host = host.into();
        t.port = port;
        t.address = format!("{host}:{port}");
        crate::testing::judge(&ValuesEndpoint, &t)
    }

    #[test]
    fn outcomes_by_endpoint_kind() {
        use Outcome::*;
        for (host, port, outcome, kind) in [
            ("clustercfg.gloo.abc123.euc1.cache.amazonaws.com", 6379, Fail, "configuration endpoint"),
            ("gloo-abc123.serverless.use1.cache.amazonaws.com", 6379, Fail, "Serverless"),
            ("replica.gloo.abc123.use1.cache.amazonaws.com", 6379, Fail, "reader endpoint"),
            ("gloo-ro.abc123.ng.0001.use1.cache.amazonaws.com", 6379, Fail, "reader endpoint"),
            ("gloo-001.abc123.0001.use1.cache.amazonaws.com", 6379, Warn, "one AWS ElastiCache node"),
            ("gloo-0001-001.abc123.0001.use1.cache.amazonaws.com", 6379, Warn, "one AWS ElastiCache node"),
            ("clustercfg.gloo.abc123.memorydb.us-east-1.amazonaws.com", 6379, Fail, "MemoryDB"),
            ("gloo.redis.cache.windows.net", 6379, Warn, "non-TLS port 6379"),
            ("gloo.redis.cache.windows.net", 6380, Pass, "usable kind"),
            ("master.gloo.abc123.use1.cache.amazonaws.com", 6379, Pass, "usable kind"),
            ("gloo.abc123.ng.0001.use1.cache.amazonaws.com", 6379, Pass, "usable kind"),
            ("redis-001.example.com", 6379, Pass, "not a managed service"),
            ("replica.redis.internal", 6379, Pass, "not a managed service"),
            ("127.0.0.1", 6379, Pass, "not a managed service"),
        ] {
            let v = judge(host, port);
            assert_eq!(v.outcome, outcome, "{host}: {}", v.message);
            assert!(v.message.contains(kind), "{host}: {}", v.message);
            assert!(v.message.contains(host), "{host}: names the endpoint");
            if outcome != Pass {
                assert!(v.remediation.is_some(), "{host}");
                assert!(v.evidence.contains_key("provider"), "{host}");
                assert!(
                    v.message.contains("expected"),
                    "{host}: names the endpoint to use: {}",
                    v.message
                );
            }
        }
    }

    #[test]
    fn node_labels() {
        assert!(node_label("gloo-001"));
        assert!(node_label("gloo-0001-001"));
        assert!(!node_label("gloo"));
        assert!(!node_label("gloo-01"));
        assert!(!node_label("master"));
    }
}
