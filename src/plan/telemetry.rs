//! `telemetry`: the OTel `redisstream/*` exporters of the telemetry gateway and collector,
//! which write into the snapshot store.

use serde_json::Value;

use super::block::Block;
use super::*;

/// The chart's default endpoint of its `redisstream/*` exporters (the built-in Redis).
pub const DEFAULT_ENDPOINT: &str = "gloo-mesh-redis.gloo-mesh.svc:6379";

/// The chart's default pipelines that name a `redisstream/*` exporter, with whether they are
/// on by default: (pipeline, enabled, exporters). The gateway's use `pipeline.exporters`; the
/// collector's use `pipeline.managementPlaneExporters` when the management server is in the
/// same release, else `pipeline.exporters` (`otlp` by default: no Redis).
const GATEWAY_PIPELINES: &[(&str, bool, &[&str])] = &[
    ("logs/redis_stream_basic", true, &["redisstream/basic"]),
    ("logs/redis_stream_ui", true, &["redisstream/ui"]),
];
const COLLECTOR_MGMT_PIPELINES: &[(&str, bool, &[&str])] = &[
    ("logs/analyzer", true, &["redisstream/basic"]),
    ("logs/cilium_flows", false, &["redisstream/basic"]),
    ("logs/ui", true, &["redisstream/ui"]),
];

struct Component {
    /// The component's own block (`telemetryGateway`), where `configMap.create` is.
    block: &'static str,
    root: &'static str,
    name: &'static str,
    ca_secret: &'static str,
}

const GATEWAY: Component = Component {
    block: "telemetryGateway",
    root: "telemetryGatewayCustomization",
    name: "telemetry-gateway",
    ca_secret: "gloo-telemetry-gateway-ca-certs",
};
const COLLECTOR: Component = Component {
    block: "telemetryCollector",
    root: "telemetryCollectorCustomization",
    name: "telemetry-collector",
    ca_secret: "gloo-telemetry-collector-ca-certs",
};

/// Every `redisstream/*` exporter that an enabled gateway or collector uses in a pipeline, the
/// chart's defaults included, gateway first, with its exporter name.
pub fn exporters(values: &Values, ns: &Namespaces, on: &Enabled) -> Vec<(TargetPlan, String)> {
    let mut out = Vec::new();
    let components = [
        (
            on.telemetry_gateway,
            GATEWAY,
            GATEWAY_PIPELINES,
            "exporters",
        ),
        (
            on.telemetry_collector,
            COLLECTOR,
            if on.mgmt_server {
                COLLECTOR_MGMT_PIPELINES
            } else {
                &[]
            },
            if on.mgmt_server {
                "managementPlaneExporters"
            } else {
                "exporters"
            },
        ),
    ];
    for (enabled, component, defaults, list) in components {
        // With `configMap.create: true` the chart renders no relay config: the component reads
        // a ConfigMap of the user's own, which the values do not show (values.schema says so).
        if !enabled || own_config_map(values, component.block) {
            continue;
        }
        let used = used_exporters(values, component.root, defaults, list);
        for (name, config) in merged_exporters(values, component.root) {
            if !used.contains(&name) {
                continue;
            }
            let prefix = format!("{}.extraExporters.{name}", component.root);
            let mut plan = exporter(
                values,
                ns,
                &prefix,
                &config,
                component.name,
                component.ca_secret,
            );
            // The chart's default endpoint is the built-in Redis, when the release runs it.
            plan.builtin = super::block::builtin_deployed(values, on)
                && super::block::dials_builtin(&plan, ns);
            out.push((plan, name));
        }
    }
    out
}

/// `<component>.configMap.create` is true: the chart renders no `relay` ConfigMap for it.
pub fn own_config_map(values: &Values, block: &str) -> bool {
    values
        .get(&format!("{block}.configMap.create"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The chart's default `redisstream/*` exporters with the values' own merged over them, as
/// Helm merges maps (a `null` removes one), then the values' other `redisstream*` exporters.
fn merged_exporters(values: &Values, root: &str) -> Vec<(String, Value)> {
    let user = values
        .get(&format!("{root}.extraExporters"))
        .and_then(Value::as_object);
    let mut out: Vec<(String, Value)> = Vec::new();
    for name in ["redisstream/basic", "redisstream/ui"] {
        let mut config = serde_json::json!({ "endpoint": DEFAULT_ENDPOINT });
        match user.and_then(|m| m.get(name)) {
            Some(Value::Null) => continue,
            Some(Value::Object(mine)) => {
                for (k, v) in mine {
                    config[k] = v.clone();
                }
            }
            _ => {}
        }
        out.push((name.to_string(), config));
    }
    for (name, config) in user.into_iter().flatten() {
        if name.starts_with("redisstream")
            && !out.iter().any(|(n, _)| n == name)
            && !config.is_null()
        {
            out.push((name.clone(), config.clone()));
        }
    }
    out
}

/// The exporters the component's enabled pipelines name: the chart's default pipelines as the
/// values leave or change them, the values' own pipelines, and `extraPipelines`.
fn used_exporters(
    values: &Values,
    root: &str,
    defaults: &[(&str, bool, &[&str])],
    list: &str,
) -> Vec<String> {
    let names = |v: Option<&Value>| -> Option<Vec<String>> {
        v.and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
    };
    let mut used = Vec::new();
    let pipelines = values
        .get(&format!("{root}.pipelines"))
        .and_then(Value::as_object);
    for (name, on, exporters) in defaults {
        let mine = pipelines.and_then(|p| p.get(*name));
        let on = match mine.and_then(|p| p.get("enabled")) {
            Some(v) => super::block::truthy(Some(v)),
            None => *on,
        };
        if !on || mine.is_some_and(Value::is_null) {
            continue;
        }
        let listed = mine
            .and_then(|p| p.get("pipeline"))
            .and_then(|p| p.get(list));
        used.extend(
            names(listed).unwrap_or_else(|| exporters.iter().map(|e| e.to_string()).collect()),
        );
    }
    for (name, pipeline) in pipelines.into_iter().flatten() {
        if defaults.iter().any(|(d, _, _)| d == name) {
            continue;
        }
        if super::block::truthy(pipeline.get("enabled")) {
            let listed = pipeline.get("pipeline").and_then(|p| p.get(list));
            used.extend(names(listed).unwrap_or_default());
        }
    }
    if let Some(Value::Object(extra)) = values.get(&format!("{root}.extraPipelines")) {
        for pipeline in extra.values() {
            used.extend(names(pipeline.get("exporters")).unwrap_or_default());
        }
    }
    used
}

fn exporter(
    values: &Values,
    ns: &Namespaces,
    prefix: &str,
    config: &Value,
    component: &str,
    ca_secret: &str,
) -> TargetPlan {
    let mut plan = Block::new(values, prefix).target("telemetry", &ns.management, "");
    plan.components = vec![component.to_string()];
    // The workshops mount the CA secret at /etc/otel-certs; its key is ca-redis.crt.
    read_exporter(&mut plan, prefix, config, &ns.management, |_| CaRef {
        namespace: ns.management.clone(),
        secret: ca_secret.to_string(),
        key: "ca-redis.crt".to_string(),
    });
    plan
}

/// What a `redisstream/*` exporter's config tells its target, wherever the config comes from
/// (the values, or a rendered `relay` ConfigMap): the endpoint, TLS (`tls`, not `insecure`),
/// the CA its `ca_file` names (found by `ca`), a client certificate, and the inline credentials.
pub(super) fn read_exporter(
    plan: &mut TargetPlan,
    prefix: &str,
    config: &Value,
    namespace: &str,
    ca: impl FnOnce(&str) -> CaRef,
) {
    let text = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    plan.set_address(qualify(&text("endpoint").unwrap_or_default(), namespace));
    plan.address_key = format!("{prefix}.endpoint");
    let tls = config.get("tls").filter(|t| t.is_object());
    let tls_text = |key: &str| {
        tls.and_then(|t| t.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let insecure = tls.and_then(|t| t.get("insecure")).and_then(Value::as_bool) == Some(true);
    plan.tls = TlsPlan {
        enabled: tls.is_some() && !insecure,
        key: format!("{prefix}.tls"),
        ca: tls_text("ca_file").map(ca),
        client_cert: tls_text("cert_file").is_some() && tls_text("key_file").is_some(),
    };
    let password = text("password");
    plan.auth = AuthPlan {
        enabled: password.is_some(),
        enabled_key: format!("{prefix}.password"),
        settable: true,
        source: CredentialSource::Inline {
            location: prefix.to_string(),
            username: text("username"),
            password,
        },
    };
}
