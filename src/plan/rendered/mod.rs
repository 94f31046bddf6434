//! From rendered objects (`--manifests`) to targets: what each component is given — its args,
//! env, and the ConfigMaps and Secrets it mounts — read as the component reads it
//! (`reference/chart-2.5.8-rendered.md`), into the same [`TargetPlan`]s the values give.
//! A container this module does not know that is given Redis settings is a finding, never a
//! guess; so is a known client whose settings are not among the objects.

use checks::facts::{IssueKind, Severity, ValuesIssue};
use serde_json::Value;

use super::*;
use crate::inputs::manifests::{Container, Env, Manifests, Volume, Workload};

/// The targets the objects define, in the values path's order, and the findings.
pub fn targets(m: &Manifests, release: &str) -> (Vec<TargetPlan>, Vec<ValuesIssue>) {
    let mut r = Reader {
        m,
        release,
        issues: Vec::new(),
    };
    let (mut snapshot, mut extauth, mut ratelimiter, mut telemetry) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for w in &m.workloads {
        for c in &w.containers {
            match c.name.as_str() {
                "gloo-mesh-mgmt-server" | "gloo-mesh-ui" | "gloo-insights-engine" => {
                    snapshot.extend(r.mgmt(w, c).map(|p| (p, String::new())))
                }
                "ext-auth-service" => extauth.extend(r.ext_auth(w, c).map(|p| (p, String::new()))),
                "gloo-mesh-portal-server" => {
                    extauth.extend(r.portal(w, c).map(|p| (p, String::new())))
                }
                "rate-limiter" => {
                    ratelimiter.extend(r.rate_limiter(w, c).map(|p| (p, String::new())))
                }
                "telemetrygateway" | "telemetrycollector" => telemetry.extend(r.telemetry(w, c)),
                _ => r.unknown(w, c),
            }
        }
    }
    // The values path's order: management server, UI, insights engine; ext auth, then the
    // portal; the gateway, then the collector.
    let rank = |p: &(TargetPlan, String)| {
        [
            "management-server",
            "ui",
            "insights-engine",
            "ext-auth-service",
            "portal-server",
            "telemetry-gateway",
            "telemetry-collector",
        ]
        .iter()
        .position(|c| p.0.components.first().is_some_and(|f| f == c))
    };
    let sessions: Vec<TargetPlan> = m.dashboards.iter().filter_map(|d| r.sessions(d)).collect();
    for list in [&mut snapshot, &mut extauth, &mut telemetry] {
        list.sort_by_key(rank);
    }
    let mut out = name_endpoints(snapshot);
    out.extend(name_endpoints(extauth));
    out.extend(name_endpoints(ratelimiter));
    out.extend(name_endpoints(telemetry));
    out.extend(sessions);
    for plan in &mut out {
        if let std::borrow::Cow::Owned(shown) =
            crate::inputs::address::without_userinfo(&plan.address)
        {
            plan.address = shown;
        }
    }
    (out, r.issues)
}

/// Why the objects hold no Redis client, when they hold none.
pub fn no_client_reason(m: &Manifests, plans: &[TargetPlan]) -> Option<String> {
    plans.is_empty().then(|| {
        format!(
            "the rendered objects ({} workload(s) in {}) run no Redis client",
            m.workloads.len(),
            m.files.join(", ")
        )
    })
}

struct Reader<'a> {
    m: &'a Manifests,
    release: &'a str,
    issues: Vec<ValuesIssue>,
}

/// Where an object sits, for keys and messages: `Deployment gloo-mesh/rate-limiter`.
fn object(w: &Workload, ns: &str) -> String {
    format!("{} {ns}/{}", w.kind, w.name)
}

impl Reader<'_> {
    fn ns<'w>(&'w self, w: &'w Workload) -> &'w str {
        w.namespace.as_deref().unwrap_or(self.release)
    }

    fn issue(&mut self, w: &Workload, severity: Severity, key: String, message: String) {
        self.issues.push(ValuesIssue {
            severity,
            source: Some(w.origin.clone()),
            at: None,
            key,
            kind: IssueKind::Rendered,
            message,
        });
    }

    /// A container of no component this tool knows: a finding when it is given Redis settings.
    fn unknown(&mut self, w: &Workload, c: &Container) {
        let redis = c
            .args
            .iter()
            .find(|a| a.to_ascii_lowercase().contains("redis"))
            .map(|a| format!("arg {}", a.split('=').next().unwrap_or(a)))
            .or_else(|| {
                c.env
                    .iter()
                    .find(|(n, _)| {
                        matches!(
                            n.as_str(),
                            "REDIS_URL" | "REDIS_ADDRESS" | "REDIS_ADDR" | "REDIS_HOST"
                        )
                    })
                    .map(|(n, _)| format!("env {n}"))
            });
        if let Some(what) = redis {
            let at = object(w, self.ns(w));
            self.issue(
                w,
                Severity::Warning,
                format!("{at}: container {}", c.name),
                format!("is given Redis settings ({what}) but is no Gloo component this tool knows: unknown, no target derived from it; check its Redis by hand"),
            );
        }
    }

    fn arg(c: &Container, flag: &str) -> Option<String> {
        c.args
            .iter()
            .find_map(|a| a.strip_prefix(flag)?.strip_prefix('=').map(str::to_string))
    }

    fn env<'c>(c: &'c Container, name: &str) -> Option<&'c Env> {
        c.env.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn env_value<'c>(c: &'c Container, name: &str) -> Option<&'c str> {
        match Self::env(c, name)? {
            Env::Value(v) => Some(v),
            _ => None,
        }
    }

    fn env_secret<'c>(c: &'c Container, name: &str) -> Option<(&'c str, &'c str)> {
        match Self::env(c, name)? {
            Env::SecretKey { name, key } => Some((name, key)),
            _ => None,
        }
    }

    /// The volume mounted at `path` (trailing slashes ignored), and the mount path.
    fn mounted<'w>(w: &'w Workload, c: &Container, path: &str) -> Option<&'w Volume> {
        let trim = |p: &str| p.trim_end_matches('/').to_string();
        c.mounts
            .iter()
            .find(|(_, at)| trim(at) == trim(path))
            .and_then(|(name, _)| w.volumes.get(name))
    }

    /// A file of a mounted ConfigMap: its text, or a finding naming what is missing.
    fn config_file(
        &mut self,
        w: &Workload,
        c: &Container,
        dir: &str,
        file: &str,
    ) -> Option<(String, String)> {
        let ns = self.ns(w).to_string();
        let at = format!("{}: container {}", object(w, &ns), c.name);
        let Some(Volume::ConfigMap { name, items }) = Self::mounted(w, c, dir) else {
            self.issue(w, Severity::Error, at, format!("mounts no ConfigMap at {dir}: its Redis settings are unknown, no target derived from it"));
            return None;
        };
        let key = items
            .iter()
            .find(|(_, path)| path == file)
            .map_or(file, |(k, _)| k.as_str());
        let found = self.m.config_map(&ns, name).and_then(|cm| cm.data.get(key));
        match found {
            Some(text) => Some((text.clone(), format!("ConfigMap {ns}/{name} {key}"))),
            None => {
                self.issue(w, Severity::Error, at, format!("mounts ConfigMap {ns}/{name} (key {key}) at {dir}, which is not among the manifests: its Redis settings are unknown, no target derived from it; add it (kubectl get configmap {name} -n {ns} -o yaml)"));
                None
            }
        }
    }

    fn parse_yaml(&mut self, w: &Workload, text: &str, at: &str) -> Option<Value> {
        match serde_saphyr::from_str::<Value>(text) {
            Ok(v) => Some(v),
            Err(e) => {
                let problem = crate::error::yaml::describe(&e);
                self.issue(
                    w,
                    Severity::Error,
                    at.to_string(),
                    format!("is not YAML ({problem}): no target derived from it"),
                );
                None
            }
        }
    }

    /// The Secret mounted at `dir`, when it is one.
    fn secret_at(w: &Workload, c: &Container, dir: &str) -> Option<String> {
        match Self::mounted(w, c, dir)? {
            Volume::Secret { name } => Some(name.clone()),
            Volume::Projected { secrets } => secrets.first().cloned(),
            _ => None,
        }
    }
}

const PORTAL_COMPONENT: &str = "portal-server";

/// Each component's Redis (each exporter's, for telemetry) as text, for `values.rendered`:
/// address, TLS, CA, credentials' secret and keys, db and timeouts; never a credential.
pub fn clients(plans: &[TargetPlan]) -> Vec<checks::facts::ClientRedis> {
    let ms = |d: std::time::Duration| format!("{}ms", d.as_millis());
    let mut out = Vec::new();
    for plan in plans {
        let mut settings = std::collections::BTreeMap::new();
        settings.insert("address".to_string(), plan.address.clone());
        settings.insert(
            "tls".to_string(),
            if plan.tls.enabled { "on" } else { "off" }.to_string(),
        );
        let ca = match (&plan.tls.ca, plan.tls.enabled) {
            (Some(ca), true) => format!("secret {}/{} key {}", ca.namespace, ca.secret, ca.key),
            (None, true) => "system roots".to_string(),
            (_, false) => "none (no TLS)".to_string(),
        };
        settings.insert("ca".to_string(), ca);
        let auth = match &plan.auth.source {
            _ if !plan.auth.enabled => "off".to_string(),
            CredentialSource::Secret {
                namespace,
                name,
                username_key,
                password_key,
            } => format!("secret {namespace}/{name} keys {username_key}/{password_key}"),
            CredentialSource::Inline { username, .. } => format!(
                "inline password{}",
                if username.is_some() {
                    " and username"
                } else {
                    ""
                }
            ),
        };
        settings.insert("auth".to_string(), auth);
        settings.insert("db".to_string(), plan.db.to_string());
        settings.insert("dial_timeout".to_string(), ms(plan.dial_timeout));
        let off = |d: Option<std::time::Duration>| d.map_or("disabled".to_string(), ms);
        settings.insert("read_timeout".to_string(), off(plan.read_timeout));
        settings.insert("idle_timeout".to_string(), off(plan.idle_timeout));
        // A telemetry exporter is told by its name, which both keys carry.
        let exporter = plan.address_key.find("redisstream").map(|at| {
            plan.address_key[at..]
                .split(['.', ' '])
                .next()
                .unwrap_or_default()
                .to_string()
        });
        for component in &plan.components {
            out.push(checks::facts::ClientRedis {
                client: match &exporter {
                    Some(e) => format!("{component} {e}"),
                    None => component.clone(),
                },
                key: plan.address_key.clone(),
                settings: settings.clone(),
            });
        }
    }
    out
}

mod components;
#[cfg(test)]
mod tests;
