//! Name resolution, telling a name that does not exist apart from a resolver that does not answer.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use checks::facts::{Dns, FailureKind, Observed};
use hickory_resolver::config::{LookupIpStrategy, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::{Resolver, TokioResolver};

use super::elapsed_ms;

/// A resolver shared by all targets: the system's, or `--dns-server`. Built at the first name
/// that needs resolving: a run over IP literals never reads resolv.conf or starts one.
pub struct Dialer {
    server: Option<SocketAddr>,
    timeout: Duration,
    resolver: OnceLock<Result<TokioResolver, String>>,
}

impl Dialer {
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Dialer {
        Dialer {
            server,
            timeout,
            resolver: OnceLock::new(),
        }
    }

    fn resolver(&self) -> Result<&TokioResolver, &str> {
        let built = self.resolver.get_or_init(|| {
            let mut b = match self.server {
                Some(addr) => {
                    let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                    for c in &mut ns.connections {
                        c.port = addr.port();
                    }
                    Resolver::builder_with_config(
                        ResolverConfig::from_name_servers(vec![ns]),
                        TokioRuntimeProvider::default(),
                    )
                }
                None => TokioResolver::builder_tokio().map_err(|e| e.to_string())?,
            };
            b.options_mut().timeout = self.timeout;
            b.options_mut().attempts = 1;
            // Both families, IPv6 first, as Go's resolver sorts them on a dual-stack host
            // (RFC 6724); the dialer then falls back to IPv4 300 ms later.
            b.options_mut().ip_strategy = LookupIpStrategy::Ipv6AndIpv4;
            b.build().map_err(|e| e.to_string())
        });
        built.as_ref().map_err(String::as_str)
    }

    /// Resolves `host` within `deadline`.
    pub async fn resolve(&self, host: &str, deadline: Duration) -> Observed<Dns> {
        let start = Instant::now();
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Observed::Ok {
                value: Dns {
                    literal: true,
                    addresses: vec![ip.to_string()],
                    duration_ms: 0.0,
                },
            };
        }
        let resolver = match self.resolver() {
            Ok(resolver) => resolver,
            Err(why) => return Observed::failed(FailureKind::Other, format!("no resolver: {why}")),
        };
        let lookup = tokio::time::timeout(deadline, resolver.lookup_ip(host)).await;
        match lookup {
            Ok(Ok(found)) => {
                let addresses: Vec<String> = found.iter().map(|ip| ip.to_string()).collect();
                if addresses.is_empty() {
                    Observed::failed(FailureKind::NoRecords, "the name has no A or AAAA record")
                } else {
                    Observed::Ok {
                        value: Dns {
                            literal: false,
                            addresses,
                            duration_ms: elapsed_ms(start),
                        },
                    }
                }
            }
            Ok(Err(e)) => {
                let (kind, error) = describe(&e, deadline);
                Observed::failed(kind, error)
            }
            Err(_) => Observed::failed(FailureKind::Timeout, timeout_message(deadline)),
        }
    }
}

fn timeout_message(deadline: Duration) -> String {
    format!(
        "no answer from the resolver within {}",
        checks::duration::go_duration(deadline.as_millis() as u64)
    )
}

fn describe(e: &NetError, deadline: Duration) -> (FailureKind, String) {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr))
            if nr.response_code == ResponseCode::NXDomain =>
        {
            (
                FailureKind::NxDomain,
                "NXDOMAIN: the name does not exist".into(),
            )
        }
        NetError::Dns(DnsError::NoRecordsFound(_)) => (
            FailureKind::NoRecords,
            "the name exists but has no A or AAAA record".into(),
        ),
        NetError::Timeout => (FailureKind::Timeout, timeout_message(deadline)),
        other => (FailureKind::Other, format!("lookup failed: {other}")),
    }
}
