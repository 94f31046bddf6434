//! Each known component's Redis as the rendered objects give it: the management plane and
//! the portal (`redis-client-config` over `--redis-address`), ext auth (`storage-config.yaml`,
//! env), the UI's session store (the Dashboard), the rate limiter (env) and the telemetry
//! pipelines (their relay configs).

use serde_json::Value;

use super::super::block::{Block, MGMT_AUTH_SECRET};
use super::super::*;
use super::{PORTAL_COMPONENT, Reader, object};
use crate::inputs::manifests::{Container, Dashboard, Workload};
use checks::facts::{IssueKind, Severity, ValuesIssue};

impl Reader<'_> {
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

    pub(super) fn mgmt(&mut self, w: &Workload, c: &Container) -> Option<TargetPlan> {
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

    pub(super) fn portal(&mut self, w: &Workload, c: &Container) -> Option<TargetPlan> {
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

    pub(super) fn ext_auth(&mut self, w: &Workload, c: &Container) -> Option<TargetPlan> {
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
    pub(super) fn sessions(&mut self, d: &Dashboard) -> Option<TargetPlan> {
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

    pub(super) fn rate_limiter(&mut self, w: &Workload, c: &Container) -> Option<TargetPlan> {
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
    pub(super) fn telemetry(&mut self, w: &Workload, c: &Container) -> Vec<(TargetPlan, String)> {
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
