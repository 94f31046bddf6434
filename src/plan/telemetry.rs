//! `telemetry`: the OTel `redisstream/*` exporters of the telemetry gateway and collector,
//! which write into the snapshot store.

use serde_json::Value;

use super::block::Block;
use super::*;
use crate::values_check::split_address;

const COMPONENTS: &[(&str, &str, &str)] = &[
    (
        "telemetryGatewayCustomization",
        "telemetry-gateway",
        "gloo-telemetry-gateway-ca-certs",
    ),
    (
        "telemetryCollectorCustomization",
        "telemetry-collector",
        "gloo-telemetry-collector-ca-certs",
    ),
];

/// Every `redisstream/*` exporter, gateway first, with its exporter name.
pub fn exporters(values: &Values, ns: &Namespaces) -> Vec<(TargetPlan, String)> {
    let mut out = Vec::new();
    for (root, component, ca_secret) in COMPONENTS {
        let key = format!("{root}.extraExporters");
        let Some(Value::Object(exporters)) = values.get(&key) else {
            continue;
        };
        for (name, config) in exporters {
            if !name.starts_with("redisstream") {
                continue;
            }
            let prefix = format!("{key}.{name}");
            out.push((
                exporter(values, ns, &prefix, config, component, ca_secret),
                name.clone(),
            ));
        }
    }
    out
}

fn exporter(
    values: &Values,
    ns: &Namespaces,
    prefix: &str,
    config: &Value,
    component: &str,
    ca_secret: &str,
) -> TargetPlan {
    let text = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut plan = Block::new(values, prefix).target("telemetry", &ns.management, "");
    plan.address = text("endpoint").unwrap_or_default();
    plan.endpoint = split_address(&plan.address);
    plan.address_key = format!("{prefix}.endpoint");
    plan.components = vec![component.to_string()];
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
        // The workshops mount the CA secret at /etc/otel-certs; its key is ca-redis.crt.
        ca: tls_text("ca_file").map(|_| CaRef {
            namespace: ns.management.clone(),
            secret: ca_secret.to_string(),
            key: "ca-redis.crt".to_string(),
        }),
        client_cert: tls_text("cert_file").is_some() && tls_text("key_file").is_some(),
    };
    let password = text("password");
    plan.auth = AuthPlan {
        enabled: password.is_some(),
        enabled_key: format!("{prefix}.password"),
        source: CredentialSource::Inline {
            location: prefix.to_string(),
            username: text("username"),
            password,
        },
    };
    plan
}
