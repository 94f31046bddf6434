//! The catalog: every check, sorted by ID. A new check is one file, one `mod` line and one entry.

mod auth_login;
pub(crate) mod auth_secret;
mod data_snapshot;
mod data_write_probe;
mod layout_policy;
mod layout_shared;
mod net_dns;
mod net_tcp;
mod redis_capacity;
mod redis_ha_replica;
mod redis_idle_timeout;
pub(crate) mod redis_noeviction;
mod redis_non_cluster;
mod redis_role;
mod redis_version;
mod tls_ca_trust;
mod tls_client_cert;
mod tls_expiry;
mod tls_hostname;
mod tls_mode;
mod values_schema;

pub use auth_login::AuthLogin;
pub use auth_secret::AuthSecret;
pub use data_snapshot::DataSnapshot;
pub use data_write_probe::DataWriteProbe;
pub use layout_policy::LayoutPolicy;
pub use layout_shared::LayoutShared;
pub use net_dns::NetDns;
pub use net_tcp::NetTcp;
pub use redis_capacity::RedisCapacity;
pub use redis_ha_replica::RedisHaReplica;
pub use redis_idle_timeout::RedisIdleTimeout;
pub use redis_noeviction::RedisNoeviction;
pub use redis_non_cluster::RedisNonCluster;
pub use redis_role::RedisRole;
pub use redis_version::RedisVersion;
pub use tls_ca_trust::TlsCaTrust;
pub use tls_client_cert::TlsClientCert;
pub use tls_expiry::TlsExpiry;
pub use tls_hostname::TlsHostname;
pub use tls_mode::TlsMode;
pub use values_schema::ValuesSchema;

use crate::check::Check;

/// Every check, sorted by ID; `list` prints them in this order.
pub static CATALOG: &[&dyn Check] = &[
    &AuthLogin,
    &AuthSecret,
    &DataSnapshot,
    &DataWriteProbe,
    &LayoutPolicy,
    &LayoutShared,
    &NetDns,
    &NetTcp,
    &RedisCapacity,
    &RedisHaReplica,
    &RedisIdleTimeout,
    &RedisNoeviction,
    &RedisNonCluster,
    &RedisRole,
    &RedisVersion,
    &TlsCaTrust,
    &TlsClientCert,
    &TlsExpiry,
    &TlsHostname,
    &TlsMode,
    &ValuesSchema,
];

/// Categories in the order a connection meets them; reports list checks in this order.
const CATEGORY_ORDER: &[&str] = &["values", "net", "tls", "auth", "redis", "layout", "data"];

/// The catalog in report order: by category as a connection meets them, then after every
/// prerequisite, then by ID.
pub fn report_order() -> Vec<&'static dyn Check> {
    fn depth(id: &str) -> usize {
        let reqs = find(id).map_or(&[][..], |c| c.meta().requires);
        reqs.iter().map(|r| depth(r) + 1).max().unwrap_or(0)
    }
    let rank = |c: &&dyn Check| {
        let m = c.meta();
        let cat = CATEGORY_ORDER
            .iter()
            .position(|k| *k == m.category)
            .unwrap_or(CATEGORY_ORDER.len());
        (cat, depth(m.id), m.id)
    };
    let mut order: Vec<&'static dyn Check> = CATALOG.to_vec();
    order.sort_by_key(rank);
    order
}

/// The check with this ID.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    CATALOG.iter().copied().find(|c| c.meta().id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT_IDS: &[&str] = &[
        "values.schema",
        "net.dns",
        "net.tcp",
        "auth.secret",
        "auth.login",
        "redis.role",
        "redis.non-cluster",
        "redis.noeviction",
        "redis.ha-replica",
        "layout.shared",
        "layout.policy",
        "tls.mode",
        "tls.ca-trust",
        "tls.hostname",
        "tls.expiry",
        "tls.client-cert",
    ];

    #[test]
    fn ids_are_unique_sorted_and_well_formed() {
        let ids: Vec<&str> = CATALOG.iter().map(|c| c.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "CATALOG must be sorted by ID without duplicates"
        );
        for id in ids {
            let (category, name) = id.split_once('.').expect("IDs are category.name");
            assert!(!category.is_empty() && !name.is_empty(), "{id}");
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '-'),
                "{id}"
            );
            assert_eq!(find(id).unwrap().meta().category, category);
        }
    }

    #[test]
    fn report_order_puts_prerequisites_first() {
        let order: Vec<&str> = report_order().iter().map(|c| c.meta().id).collect();
        for (i, id) in order.iter().enumerate() {
            for req in find(id).unwrap().meta().requires {
                let at = order.iter().position(|o| o == req).unwrap();
                assert!(at < i, "{req} must come before {id} in {order:?}");
            }
        }
        assert_eq!(order[0], "values.schema");
    }

    #[test]
    fn every_contract_id_is_present() {
        for id in CONTRACT_IDS {
            assert!(find(id).is_some(), "missing {id}");
        }
    }

    #[test]
    fn every_explanation_has_its_sections_and_prerequisites_exist() {
        for check in CATALOG {
            let meta = check.meta();
            for section in [
                "## What it checks",
                "## Why Gloo needs it",
                "## How to fix",
                "## On managed services",
            ] {
                assert!(
                    meta.explain.contains(section),
                    "{} lacks {section}",
                    meta.id
                );
            }
            for req in meta.requires {
                assert!(find(req).is_some(), "{} requires unknown {req}", meta.id);
            }
        }
    }
}
