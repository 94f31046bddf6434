//! From rendered objects (`--manifests`) to targets: what each component is given — its args,
//! env, and the ConfigMaps and Secrets it mounts — read as the component reads it
//! (`reference/chart-2.5.8-rendered.md`), into the same [`TargetPlan`]s the values give.
//! A container this module does not know that is given Redis settings is a finding, never a
//! guess; so is a known client whose settings are not among the objects.

use checks::facts::{IssueKind, Severity, ValuesIssue};
use serde_json::Value;

use super::block::{Block, MGMT_AUTH_SECRET};
use super::*;
use crate::inputs::manifests::{Container, Dashboard, Env, Manifests, Volume, Workload};

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
                let problem = crate::inputs::yaml::describe(&e);
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

    /// `config.yaml` of `redis-client-config` / `portal-redis-config` over `--redis-address`:
    /// the management plane and the portal read it alike.
    fn client_config(
        &mut self,
        w: &Workload,
        c: &Container,
        use_case: &'static str,
        address: &str,
        component: &str,
    ) -> Option<TargetPlan> {
        let ns = self.ns(w).to_string();
        let (text, at) = self.config_file(w, c, "/etc/redis-client-config", "config.yaml")?;
        let mut config = self.parse_yaml(w, &text, &at)?;
        let Some(redis) = config.get_mut("redis").and_then(Value::as_object_mut) else {
            self.issue(
                w,
                Severity::Error,
                at,
                "has no redis: mapping: its Redis settings are unknown, no target derived from it"
                    .into(),
            );
            return None;
        };
        // 2.5.8's redis-client-config renders the connection settings beside an empty
        // `connection:` (templates/redis.yaml), where the client finds them.
        if !redis.get("connection").is_some_and(Value::is_object) {
            let keys: Vec<String> = redis
                .keys()
                .filter(|k| !["address", "db", "auth", "certs", "connection"].contains(&k.as_str()))
                .cloned()
                .collect();
            let connection: serde_json::Map<String, Value> = keys
                .into_iter()
                .filter_map(|k| redis.remove(&k).map(|v| (k, v)))
                .collect();
            redis.insert("connection".into(), Value::Object(connection));
        }
        // The chart renders `connMaxLifetime: "0"` whatever the values say: the v8
        // `maxConnAge` beside it is then what the values set.
        if let Some(conn) = redis.get_mut("connection").and_then(Value::as_object_mut)
            && conn.get("connMaxLifetime").and_then(Value::as_str) == Some("0")
        {
            conn.remove("connMaxLifetime");
        }
        let values = Values {
            root: config,
            ..Values::default()
        };
        let block = Block::new(&values, "redis");
        let mut plan = block.target(use_case, &ns, address);
        plan.set_address(qualify(address, &ns));
        plan.address_key = format!("{}: container {} --redis-address", object(w, &ns), c.name);
        plan.tls.key = format!("{at} redis.certs.enabled");
        let ca_file = block.string("certs.caCertFilename", "");
        plan.tls.ca = match Self::secret_at(w, c, "/etc/redis-certs") {
            Some(secret) if plan.tls.enabled && !ca_file.is_empty() => Some(CaRef {
                namespace: ns.clone(),
                secret,
                key: ca_file,
            }),
            _ => None,
        };
        plan.auth.enabled_key = format!("{at} redis.auth.enabled");
        plan.auth.source = self.env_credentials(c, &ns, "REDIS_USERNAME", MGMT_AUTH_SECRET);
        plan.components = vec![component.to_string()];
        Some(plan)
    }

    /// The secret and keys of `<user var>` / `REDIS_PASSWORD`, as the pod's env names them.
    fn env_credentials(
        &self,
        c: &Container,
        ns: &str,
        user: &str,
        default: &str,
    ) -> CredentialSource {
        let password = Self::env_secret(c, "REDIS_PASSWORD");
        let username = Self::env_secret(c, user);
        CredentialSource::Secret {
            namespace: ns.to_string(),
            name: password
                .or(username)
                .map_or(default, |(n, _)| n)
                .to_string(),
            username_key: username.map_or("username", |(_, k)| k).to_string(),
            password_key: password.map_or("password", |(_, k)| k).to_string(),
        }
    }

    fn mgmt(&mut self, w: &Workload, c: &Container) -> Option<TargetPlan> {
        let address = Self::arg(c, "--redis-address")?;
        let component = match c.name.as_str() {
            "gloo-mesh-mgmt-server" => "management-server",
            "gloo-mesh-ui" => "ui",
            _ => "insights-engine",
        };
        let mut plan = self.client_config(w, c, "snapshot", &address, component)?;
        plan.builtin = self.builtin(&plan, "gloo-mesh-redis");
        Some(plan)
    }

    /// Whether the objects run the chart's built-in Redis (`name`) that the plan dials.
    fn builtin(&self, plan: &TargetPlan, name: &str) -> bool {
        self.m
            .workloads
            .iter()
            .any(|w| w.name == name && dials_service(plan, name, self.ns(w)))
    }

    fn portal(&mut self, w: &Workload, c: &Container) -> Option<TargetPlan> {
        if Self::arg(c, "--redis-api-key-storage-enabled").as_deref() != Some("true") {
            return None;
        }
        let ns = self.ns(w).to_string();
        // The address is the config map's; read it first.
        let (text, at) = self.config_file(w, c, "/etc/redis-client-config", "config.yaml")?;
        let address = self
            .parse_yaml(w, &text, &at)?
            .pointer("/redis/address")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut plan = self.client_config(w, c, "extauth", &address, PORTAL_COMPONENT)?;
        plan.address_key = format!("{at} redis.address");
        plan.auth.source = self.env_credentials(c, &ns, "REDIS_USERNAME", PORTAL_CREDENTIALS);
        plan.builtin = false;
        Some(plan)
    }

    fn ext_auth(&mut self, w: &Workload, c: &Container) -> Option<TargetPlan> {
        let path = Self::env_value(c, "APIKEY_STORAGE_CONFIG_PATH")?.to_string();
        let backend = Self::env_value(c, "APIKEY_STORAGE_BACKEND").unwrap_or_default();
        if backend.eq_ignore_ascii_case("aerospike") {
            return None;
        }
        let ns = self.ns(w).to_string();
        let on = format!("{}: container {}", object(w, &ns), c.name);
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        let Some(secret) = Self::secret_at(w, c, dir) else {
            self.issue(w, Severity::Error, on, format!("reads its API-key storage config from {path}, but mounts no Secret at {dir}: unknown, no target derived from it"));
            return None;
        };
        let text = self
            .m
            .secrets
            .get(&ns, &secret)
            .and_then(|s| s.data.get(file))
            .map(|b| String::from_utf8_lossy(b).into_owned());
        let at = format!("Secret {ns}/{secret} {file}");
        let Some(text) = text else {
            self.issue(w, Severity::Error, on, format!("reads {path} from Secret {ns}/{secret}, which is not among the manifests (or lacks {file}): its Redis settings are unknown, no target derived from it; add it (kubectl get secret {secret} -n {ns} -o yaml)"));
            return None;
        };
        let config = self.parse_yaml(w, &text, &at)?;
        let text = |key: &str| config.get(key).and_then(Value::as_str).unwrap_or_default();
        let values = Values::default();
        let mut plan = Block::new(&values, "none").target("extauth", &ns, "");
        plan.set_address(qualify(text("host"), &ns));
        plan.address_key = format!("{at} host");
        plan.db = config.get("db").and_then(Value::as_i64).unwrap_or(0);
        let socket_tls = text("socketType").eq_ignore_ascii_case("tls");
        let ca = Self::env_value(c, "REDIS_CA_CERT");
        plan.tls = TlsPlan {
            enabled: socket_tls || ca.is_some(),
            key: if socket_tls {
                format!("{at} socketType")
            } else {
                format!("{on} env REDIS_CA_CERT")
            },
            ca: ca.map(|ca| self.ca_file(w, c, &ns, ca)),
            client_cert: false,
        };
        plan.auth = AuthPlan {
            enabled: Self::env_secret(c, "REDIS_PASSWORD").is_some(),
            enabled_key: format!("{on} env REDIS_PASSWORD"),
            settable: true,
            source: self.env_credentials(c, &ns, "REDIS_USER", ""),
        };
        plan.builtin = self.builtin(&plan, "redis");
        plan.components = vec!["ext-auth-service".to_string()];
        Some(plan)
    }

    /// `REDIS_CA_CERT=<dir>/<key>`: the key of the Secret mounted at `dir`.
    fn ca_file(&self, w: &Workload, c: &Container, ns: &str, path: &str) -> CaRef {
        let (dir, key) = path.rsplit_once('/').unwrap_or(("", path));
        CaRef {
            namespace: ns.to_string(),
            secret: Self::secret_at(w, c, dir).unwrap_or_default(),
            key: key.to_string(),
        }
    }

    /// The UI's OIDC session store, from its Dashboard. The chart writes `session` without its
    /// `backend`, and with only that backend's block: `redis` alone is `backend: redis`. It is
    /// read as the values' `glooUi.auth.oidc.session` is, so the two compare alike.
    fn sessions(&mut self, d: &Dashboard) -> Option<TargetPlan> {
        let session = d.session.as_ref()?;
        let redis = session.get("redis").filter(|v| !v.is_null())?;
        let ns = d.namespace.as_deref().unwrap_or(self.release).to_string();
        let at = format!("Dashboard {ns}/{} spec.authn.oidc.session", d.name);
        if session.get("cookie").is_some_and(|v| !v.is_null()) {
            self.issues.push(ValuesIssue {
                severity: Severity::Warning,
                source: Some(d.origin.clone()),
                at: None,
                key: at,
                kind: IssueKind::Rendered,
                message: "holds both a redis and a cookie block: which session store the UI \
                          uses is unknown, no target derived from it"
                    .to_string(),
            });
            return None;
        }
        let values = Values {
            root: serde_json::json!({"glooUi": {"enabled": true, "auth": {"enabled": true,
                "backend": "oidc", "oidc": {"session": {"backend": "redis", "redis": redis}}}}}),
            sources: Default::default(),
        };
        let on = Enabled {
            ui: true,
            mgmt_server: self.m.workloads.iter().any(|w| {
                w.containers
                    .iter()
                    .any(|c| c.name == "gloo-mesh-mgmt-server")
            }),
            ..Enabled::default()
        };
        let namespaces = Namespaces {
            management: ns.clone(),
            addons: ns,
        };
        let mut plan = super::block::sessions(&values, &namespaces, &on)?;
        // Findings name the object the UI reads, not the values it came from.
        plan.address_key = format!("{at}.redis.host");
        plan.auth.enabled_key = format!("{at} has no auth setting");
        plan.tls.key = format!("{at} has no TLS setting");
        Some(plan)
    }

    fn rate_limiter(&mut self, w: &Workload, c: &Container) -> Option<TargetPlan> {
        let url = Self::env_value(c, "REDIS_URL")?.to_string();
        let ns = self.ns(w).to_string();
        let on = format!("{}: container {}", object(w, &ns), c.name);
        let values = Values::default();
        let mut plan = Block::new(&values, "none").target("ratelimiter", &ns, "");
        plan.set_address(qualify(&url, &ns));
        plan.address_key = format!("{on} env REDIS_URL");
        plan.db = Self::env_value(c, "REDIS_DB")
            .and_then(|d| d.trim().parse().ok())
            .unwrap_or(0);
        let socket_tls = Self::env_value(c, "REDIS_SOCKET_TYPE") == Some("tls");
        let ca = Self::env_value(c, "REDIS_CA_CERT");
        plan.tls = TlsPlan {
            enabled: socket_tls || ca.is_some(),
            key: if socket_tls {
                format!("{on} env REDIS_SOCKET_TYPE")
            } else {
                format!("{on} env REDIS_CA_CERT")
            },
            ca: ca.map(|ca| self.ca_file(w, c, &ns, ca)),
            client_cert: false,
        };
        let password = Self::env_secret(c, "REDIS_PASSWORD");
        let username = Self::env_secret(c, "REDIS_USER");
        plan.auth = AuthPlan {
            enabled: password.is_some(),
            enabled_key: format!("{on} env REDIS_PASSWORD"),
            settable: true,
            source: CredentialSource::Secret {
                namespace: ns.clone(),
                name: password.map_or("redis-secrets", |(n, _)| n).to_string(),
                username_key: username.map_or("redis-username", |(_, k)| k).to_string(),
                password_key: password.map_or("redis-password", |(_, k)| k).to_string(),
            },
        };
        plan.expect_cluster = Self::env_value(c, "REDIS_CLUSTERED_MODE")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        plan.builtin = self.builtin(&plan, "redis");
        plan.components = vec!["rate-limiter".to_string()];
        Some(plan)
    }

    /// Every `redisstream/*` exporter of the relay config that a pipeline names.
    fn telemetry(&mut self, w: &Workload, c: &Container) -> Vec<(TargetPlan, String)> {
        let Some(config) = Self::arg(c, "--config") else {
            return Vec::new();
        };
        let (dir, file) = config.rsplit_once('/').unwrap_or(("", config.as_str()));
        let Some((text, at)) = self.config_file(w, c, dir, file) else {
            return Vec::new();
        };
        let Some(relay) = self.parse_yaml(w, &text, &at) else {
            return Vec::new();
        };
        let ns = self.ns(w).to_string();
        let component = if c.name == "telemetrygateway" {
            "telemetry-gateway"
        } else {
            "telemetry-collector"
        };
        let mut used: Vec<&str> = relay
            .pointer("/service/pipelines")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|p| p.values())
            .filter_map(|p| p.get("exporters").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .filter(|e| e.starts_with("redisstream"))
            .collect();
        used.sort();
        used.dedup();
        let mut out = Vec::new();
        for name in used {
            let Some(exporter) = relay.get("exporters").and_then(|e| e.get(name)) else {
                self.issue(
                    w,
                    Severity::Error,
                    format!("{at} service.pipelines"),
                    format!("names exporter {name}, which {at} does not define"),
                );
                continue;
            };
            let prefix = format!("{at} exporters.{name}");
            let values = Values::default();
            let mut plan = Block::new(&values, "none").target("telemetry", &ns, "");
            plan.components = vec![component.to_string()];
            super::telemetry::read_exporter(&mut plan, &prefix, exporter, &ns, |f| {
                self.ca_file(w, c, &ns, f)
            });
            plan.builtin = self.builtin(&plan, "gloo-mesh-redis");
            out.push((plan, name.to_string()));
        }
        out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn from(dashboard_session: &str) -> (Vec<TargetPlan>, Vec<ValuesIssue>) {
        let mut m = Manifests::default();
        let text = format!(
            "apiVersion: admin.gloo.solo.io/v2\nkind: Dashboard\nmetadata: {{name: settings, namespace: gloo-mesh}}\nspec:\n  authn:\n    oidc:\n      session: {dashboard_session}\n"
        );
        m.add("release.yaml", &text).unwrap();
        targets(&m, "gloo-mesh")
    }

    #[test]
    fn the_dashboards_redis_session_store_is_a_target_and_a_cookie_one_is_not() {
        let (plans, issues) = from("{redis: {host: 'sessions:6379'}}");
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(plans.len(), 1);
        assert_eq!(plans[0].use_case, "sessions");
        assert_eq!(plans[0].address, "sessions.gloo-mesh:6379");
        assert_eq!(
            plans[0].address_key,
            "Dashboard gloo-mesh/settings spec.authn.oidc.session.redis.host"
        );
        assert_eq!(plans[0].components, ["ui"]);

        let (plans, issues) = from("{cookie: {keyPrefix: gloo}}");
        assert!(
            plans.is_empty() && issues.is_empty(),
            "{plans:?} {issues:?}"
        );

        // Both blocks: which store the UI uses is not guessed.
        let (plans, issues) = from("{cookie: {}, redis: {host: 'sessions:6379'}}");
        assert!(plans.is_empty());
        assert_eq!(issues.len(), 1);
        assert!(
            issues[0]
                .message
                .contains("which session store the UI uses is unknown")
        );
    }
}
