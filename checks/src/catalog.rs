//! The catalog: every check, sorted by ID. A new check is one file and one line in `catalog!`.

use crate::check::Check;

/// Declares every check module, re-exports its check type, and lists it in [`CATALOG`]: one
/// line per check, sorted by ID.
macro_rules! catalog {
    ($($module:ident::$check:ident),* $(,)?) => {
        $(pub(crate) mod $module;)*
        $(pub use $module::$check;)*

        /// Every check, sorted by ID; `list` prints them in this order.
        pub static CATALOG: &[&dyn Check] = &[$(&$check),*];
    };
}

catalog! {
    auth_login::AuthLogin,
    auth_secret::AuthSecret,
    auth_write::AuthWrite,
    data_snapshot::DataSnapshot,
    data_write_probe::DataWriteProbe,
    layout_policy::LayoutPolicy,
    layout_shared::LayoutShared,
    net_dns::NetDns,
    net_tcp::NetTcp,
    redis_capacity::RedisCapacity,
    redis_failover::RedisFailover,
    redis_ha_replica::RedisHaReplica,
    redis_idle_timeout::RedisIdleTimeout,
    redis_latency::RedisLatency,
    redis_multikey::RedisMultikey,
    redis_noeviction::RedisNoeviction,
    redis_non_cluster::RedisNonCluster,
    redis_persistence::RedisPersistence,
    redis_role::RedisRole,
    redis_version::RedisVersion,
    tls_ca_trust::TlsCaTrust,
    tls_client_cert::TlsClientCert,
    tls_expiry::TlsExpiry,
    tls_hostname::TlsHostname,
    tls_mode::TlsMode,
    values_endpoint::ValuesEndpoint,
    values_rendered::ValuesRendered,
    values_schema::ValuesSchema,
}

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
    // Ranked once per check, not per comparison: `depth` walks the prerequisites.
    order.sort_by_cached_key(rank);
    order
}

/// The `CONFIG GET` parameters the checks read, each once, in catalog order.
pub fn config_params() -> Vec<&'static str> {
    let mut params: Vec<&'static str> = Vec::new();
    for p in CATALOG.iter().flat_map(|c| c.meta().config) {
        if !params.contains(p) {
            params.push(p);
        }
    }
    params
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
        "values.endpoint",
        "redis.latency",
        "redis.persistence",
        "redis.failover",
        "redis.multikey",
        "auth.write",
    ];

    #[test]
    fn the_probe_asks_for_every_parameter_a_check_declares() {
        let params = config_params();
        for p in [
            "maxmemory-policy",
            "timeout",
            "maxclients",
            "min-replicas-to-write",
            "save",
            "appendonly",
            "stop-writes-on-bgsave-error",
        ] {
            assert!(params.contains(&p), "{p}");
        }
        assert_eq!(params.len(), 7, "{params:?}");
    }

    #[test]
    fn every_profile_a_check_names_exists() {
        for c in CATALOG {
            for p in c.meta().profiles {
                assert!(
                    crate::Profile::parse(p).is_some(),
                    "{}: no profile {p}",
                    c.meta().id
                );
            }
        }
    }

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
        assert!(order[0].starts_with("values."), "{order:?}");
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
