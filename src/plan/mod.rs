//! From merged values to targets: which Redis each Gloo use case dials, and how.
//!
//! One target per distinct endpoint of a use case (DESIGN.md, "Targets"): the bare use-case
//! name goes to the first endpoint, further ones are `<use case>/<component>`.

mod addons;
mod block;
pub mod rendered;
pub mod telemetry;

use std::borrow::Cow;
use std::time::Duration;

use serde_json::Value;

use crate::inputs::values::Values;

pub use addons::PORTAL_IDLE;
pub use addons::{
    EXT_AUTH_STORAGE_ENABLED, PORTAL_CREDENTIALS, PORTAL_REDIS_ENABLED, api_key_match,
};
pub use block::{builtin_deployed, truthy};

/// The chart's default address of the management plane's built-in Redis.
pub const DEFAULT_ADDRESS: &str = "gloo-mesh-redis.gloo-mesh:6379";
/// The default address of the add-ons' built-in Redis, before it is resolved in the add-ons'
/// namespace: the rate limiter's `hostname` default, a bare Service name.
pub const DEFAULT_ADDON_ADDRESS: &str = "redis:6379";
/// go-redis defaults.
pub const DEFAULT_DIAL: Duration = Duration::from_secs(5);
pub const DEFAULT_READ: Duration = Duration::from_secs(3);
pub const DEFAULT_IDLE: Duration = Duration::from_secs(300);

/// One endpoint as a set of components dials it.
#[derive(Clone, Debug)]
pub struct TargetPlan {
    pub name: String,
    /// `snapshot`, `insights`, `extauth`, `ratelimiter`, `telemetry` or `sessions`.
    pub use_case: &'static str,
    pub components: Vec<String>,
    pub address: String,
    pub address_key: String,
    /// Host and port, or why the address cannot be dialled.
    pub endpoint: Result<(String, u16), String>,
    pub builtin: bool,
    pub tls: TlsPlan,
    pub expect_cluster: bool,
    pub dial_timeout: Duration,
    /// `None` when the values disable the read timeout.
    pub read_timeout: Option<Duration>,
    /// `None` when the values disable the idle timeout.
    pub idle_timeout: Option<Duration>,
    /// The values key of the idle time: the one set (`connMaxIdleTime` before the deprecated
    /// `idleTimeout`), else the one to set.
    pub idle_timeout_key: String,
    /// `connection.poolSize`; 0 is go-redis' default of 10 per CPU.
    pub pool_size: u64,
    /// `connection.maxConnAge`; `None` when unset (go-redis never retires a connection).
    pub max_conn_age: Option<Duration>,
    /// The values key of the connection age (`connMaxLifetime` before `maxConnAge`), as
    /// `idle_timeout_key`.
    pub max_conn_age_key: String,
    /// The database index (`db`); go-redis sends `SELECT` when it is not 0.
    pub db: i64,
    pub auth: AuthPlan,
}

/// TLS as the values configure it.
#[derive(Clone, Debug, PartialEq)]
pub struct TlsPlan {
    pub enabled: bool,
    /// The values key that turns TLS on (for messages).
    pub key: String,
    /// The CA the component trusts; `None` means the system roots.
    pub ca: Option<CaRef>,
    /// The component presents a client certificate of its own (telemetry `cert_file`).
    pub client_cert: bool,
}

/// A CA certificate inside a secret.
#[derive(Clone, Debug, PartialEq)]
pub struct CaRef {
    pub namespace: String,
    pub secret: String,
    pub key: String,
}

/// Where the credentials come from.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthPlan {
    pub enabled: bool,
    /// The values key that turns authentication on (for messages), or, when there is none,
    /// the block that has none.
    pub enabled_key: String,
    /// The values have a key that turns authentication on (`enabled_key`); the UI's OIDC
    /// session store has none.
    pub settable: bool,
    pub source: CredentialSource,
}

/// A secret's keys, or values written inline (telemetry exporters).
#[derive(Clone, PartialEq)]
pub enum CredentialSource {
    Secret {
        namespace: String,
        name: String,
        username_key: String,
        password_key: String,
    },
    Inline {
        location: String,
        username: Option<String>,
        password: Option<String>,
    },
}

impl std::fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::Secret {
                namespace, name, ..
            } => write!(f, "Secret({namespace}/{name})"),
            CredentialSource::Inline { location, .. } => {
                write!(f, "Inline({location}, <redacted>)")
            }
        }
    }
}

/// Namespaces the components run in and keep their secrets in.
pub struct Namespaces {
    /// The release namespace (`-n`, as `helm -n`): the management plane and telemetry.
    pub management: String,
    /// Where the add-ons run (`--addons-namespace`, else `common.addonNamespace`, else the
    /// release namespace).
    pub addons: String,
}

impl Namespaces {
    /// The namespaces of a release in `release`: the add-ons go to `common.addonNamespace`
    /// when the values set it, else to the release namespace, as the chart's templates place
    /// them; `addons` (the flag) overrides both.
    pub fn resolve(values: &Values, release: &str, addons: Option<&str>) -> Namespaces {
        let addons = match addons {
            Some(ns) => ns.to_string(),
            None => string_or(values, "common.addonNamespace", release),
        };
        Namespaces {
            management: release.to_string(),
            addons,
        }
    }
}

/// The components a release runs, as the chart enables them: every one is off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Enabled {
    pub mgmt_server: bool,
    pub ui: bool,
    pub insights_engine: bool,
    pub ext_auth: bool,
    pub portal: bool,
    pub rate_limiter: bool,
    pub telemetry_gateway: bool,
    pub telemetry_collector: bool,
}

impl Enabled {
    pub fn read(values: &Values) -> Enabled {
        let on = |key: &str| block::truthy(values.get(key));
        let mgmt_server = on("glooMgmtServer.enabled");
        // The insights engine runs as a sidecar of the management server by default
        // (`runAsSidecar: true`), so only with it; as its own Deployment otherwise.
        let sidecar = values
            .get("glooInsightsEngine.runAsSidecar")
            .is_none_or(|v| block::truthy(Some(v)));
        Enabled {
            mgmt_server,
            ui: on("glooUi.enabled"),
            insights_engine: on("glooInsightsEngine.enabled") && (mgmt_server || !sidecar),
            ext_auth: on("extAuthService.enabled"),
            portal: on("glooPortalServer.enabled"),
            rate_limiter: on("rateLimiter.enabled"),
            telemetry_gateway: on("telemetryGateway.enabled"),
            telemetry_collector: on("telemetryCollector.enabled"),
        }
    }

    /// The enabled components, by the names targets give them.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.mgmt_server, "management-server"),
            (self.ui, "ui"),
            (self.insights_engine, "insights-engine"),
            (self.ext_auth, "ext-auth-service"),
            (self.portal, "portal-server"),
            (self.rate_limiter, "rate-limiter"),
            (self.telemetry_gateway, "telemetry-gateway"),
            (self.telemetry_collector, "telemetry-collector"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// Why the release has no Redis client, when it has none: the components it runs (or that it
/// runs none), for the checks to skip with.
pub fn no_client_reason(values: &Values, plans: &[TargetPlan]) -> Option<String> {
    if !plans.is_empty() {
        return None;
    }
    let names = Enabled::read(values).names();
    Some(if names.is_empty() {
        "the release enables no Gloo component that uses Redis (every component is off by default; glooMgmtServer.enabled, extAuthService.enabled, rateLimiter.enabled, ... turn them on)".to_string()
    } else {
        format!(
            "the release's enabled components use no Redis ({}, as configured)",
            names.join(", ")
        )
    })
}

/// `host:port` with a bare Service name (`redis:6379`) resolved as the dialling pod resolves
/// it, in its own namespace: `redis.<namespace>:6379`. Names with a dot, IP literals,
/// `localhost` and addresses that do not split are kept as written.
pub fn qualify(address: &str, namespace: &str) -> String {
    match crate::inputs::setting::split_address(address) {
        Ok((host, port))
            if !host.contains('.')
                && host != "localhost"
                && host.parse::<std::net::IpAddr>().is_err()
                && !namespace.is_empty() =>
        {
            format!("{host}.{namespace}:{port}")
        }
        _ => address.to_string(),
    }
}

/// Whether `plan` dials the Service `service` of `namespace` (`service.namespace`, with or
/// without `.svc` or `.svc.cluster.local`; any port): how a pod reaches the chart's own Redis
/// (`gloo-mesh-redis`, the add-ons' `redis`). A Redis Deployment the chart renders is not the
/// one a client uses when the client is given another address.
pub fn dials_service(plan: &TargetPlan, service: &str, namespace: &str) -> bool {
    let own = format!("{service}.{namespace}");
    plan.endpoint.as_ref().is_ok_and(|(host, _)| {
        let host = host.trim_end_matches('.');
        let host = host.strip_suffix(".svc.cluster.local").unwrap_or(host);
        host.strip_suffix(".svc").unwrap_or(host) == own
    })
}

/// The targets the values define, in report order: only the Redis clients of the components
/// the release enables.
pub fn targets(values: &Values, ns: &Namespaces) -> Vec<TargetPlan> {
    let on = Enabled::read(values);
    let mut out = Vec::new();
    out.extend(block::snapshot(values, ns, &on));
    out.extend(block::insights(values, ns, &on));
    out.extend(name_endpoints(addons::extauth(values, ns, &on)));
    out.extend(addons::ratelimiter(values, ns, &on));
    out.extend(name_endpoints(telemetry::exporters(values, ns, &on)));
    out.extend(block::sessions(values, ns, &on));
    // An address written with userinfo (`redis://user:pass@host`) is shown without it; its
    // endpoint, split from the address as written, already says it cannot be dialled.
    for plan in &mut out {
        if let Cow::Owned(shown) = crate::inputs::address::without_userinfo(&plan.address) {
            plan.address = shown;
        }
    }
    out
}

/// Merges endpoints of one use case that dial the same way, and names the rest
/// `<use case>/<component>` (`/<exporter>` appended when one component has several).
fn name_endpoints(endpoints: Vec<(TargetPlan, String)>) -> Vec<TargetPlan> {
    let mut merged: Vec<(TargetPlan, Vec<String>)> = Vec::new();
    for (plan, detail) in endpoints {
        match merged.iter_mut().find(|(m, _)| same_dial(m, &plan)) {
            Some((m, details)) => {
                for c in plan.components {
                    if !m.components.contains(&c) {
                        m.components.push(c);
                    }
                }
                details.push(detail);
            }
            None => merged.push((plan, vec![detail])),
        }
    }
    let firsts: Vec<String> = merged
        .iter()
        .map(|(m, _)| m.components[0].clone())
        .collect();
    merged
        .into_iter()
        .enumerate()
        .map(|(i, (mut plan, details))| {
            if i > 0 {
                let component = short(&firsts[i]);
                let shared = firsts.iter().filter(|c| *c == &firsts[i]).count() > 1;
                plan.name = match (shared, details.first()) {
                    (true, Some(d)) if !d.is_empty() => {
                        format!("{}/{component}/{d}", plan.use_case)
                    }
                    _ => format!("{}/{component}", plan.use_case),
                };
            }
            plan
        })
        .collect()
}

/// `telemetry-collector` → `collector`, `portal-server` → `portal`.
fn short(component: &str) -> &str {
    component
        .strip_prefix("telemetry-")
        .or_else(|| component.strip_suffix("-server"))
        .unwrap_or(component)
}

/// Whether two endpoints are dialled the same way: address, TLS trust and credentials (not
/// the values keys that set them).
fn same_dial(a: &TargetPlan, b: &TargetPlan) -> bool {
    let tls = |p: &TargetPlan| (p.tls.enabled, p.tls.ca.clone(), p.tls.client_cert);
    let credentials = |p: &TargetPlan| match &p.auth.source {
        _ if !p.auth.enabled => None,
        CredentialSource::Secret {
            namespace,
            name,
            username_key,
            password_key,
        } => Some((
            namespace.clone(),
            name.clone(),
            username_key.clone(),
            password_key.clone(),
        )),
        CredentialSource::Inline {
            username, password, ..
        } => Some((
            String::new(),
            String::new(),
            username.clone().unwrap_or_default(),
            password.clone().unwrap_or_default(),
        )),
    };
    a.address == b.address && tls(a) == tls(b) && credentials(a) == credentials(b)
}

/// A string value, `default` when absent or empty.
fn string_or(values: &Values, key: &str, default: &str) -> String {
    match values.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => default.to_string(),
    }
}

#[cfg(test)]
mod rendered_fixtures;
#[cfg(test)]
mod tests;
