//! The telemetry pipelines' targets: the chart's default exporters and the merging of
//! exporters per endpoint.

use super::*;

#[test]
fn the_charts_default_exporters_belong_to_the_gateway() {
    let plans = plan("telemetryGateway: {enabled: true}\n");
    assert_eq!(
        names(&plans),
        vec![(
            "telemetry",
            telemetry::DEFAULT_ENDPOINT,
            vec!["telemetry-gateway"]
        )]
    );
    // The collector uses them only beside the management server (else otlp).
    assert!(plan("telemetryCollector: {enabled: true}\n").is_empty());
    // A relay ConfigMap of the user's own (configMap.create): the values show no exporter.
    assert!(plan("telemetryGateway: {enabled: true, configMap: {create: true}}\n").is_empty());
    let mgmt = plan("glooMgmtServer: {enabled: true}\ntelemetryCollector: {enabled: true}\n");
    assert_eq!(
        names(&mgmt)[1],
        (
            "telemetry",
            telemetry::DEFAULT_ENDPOINT,
            vec!["telemetry-collector"]
        )
    );
    // Exporters no enabled pipeline names are no clients; the values merge over the defaults.
    let some = plan(
        "telemetryGateway: {enabled: true}\ntelemetryGatewayCustomization:\n  pipelines: {logs/redis_stream_ui: {enabled: false}}\n  extraExporters:\n    redisstream/basic: {endpoint: 'r.example:6379'}\n    redisstream/unused: {endpoint: 'u.example:6379'}\n",
    );
    assert_eq!(
        names(&some),
        vec![("telemetry", "r.example:6379", vec!["telemetry-gateway"])]
    );
}

#[test]
fn telemetry_exporters_merge_per_endpoint_and_name_the_rest() {
    let yaml = "\
glooMgmtServer: {enabled: true}
telemetryGateway: {enabled: true}
telemetryCollector: {enabled: true}
telemetryGatewayCustomization:
  extraExporters:
    redisstream/basic: {endpoint: 'r.example:6379', username: u, password: p, tls: {ca_file: /etc/otel-certs/ca-redis.crt}}
    redisstream/ui: {endpoint: 'r.example:6379', username: u, password: p, tls: {ca_file: /etc/otel-certs/ca-redis.crt}}
    otlp/other: {endpoint: 'x:4317'}
telemetryCollectorCustomization:
  extraExporters:
    redisstream/basic: {endpoint: 'r.example:6379', username: u, password: p, tls: {ca_file: /etc/otel-certs/ca-redis.crt}}
    redisstream/hubble: {endpoint: 'other.example:6379'}
    redisstream/ui: {endpoint: 'third.example:6379'}
  extraPipelines:
    logs/hubble: {receivers: [otlp], exporters: [redisstream/hubble]}
";
    let plans = plan(yaml);
    let got: Vec<_> = names(&plans)[1..].to_vec();
    assert_eq!(
        got,
        vec![
            ("telemetry", "r.example:6379", vec!["telemetry-gateway"]),
            (
                "telemetry/collector/redisstream/basic",
                "r.example:6379",
                vec!["telemetry-collector"]
            ),
            (
                "telemetry/collector/redisstream/ui",
                "third.example:6379",
                vec!["telemetry-collector"]
            ),
            (
                "telemetry/collector/redisstream/hubble",
                "other.example:6379",
                vec!["telemetry-collector"]
            ),
        ]
    );
    let t = &plans[1];
    assert!(t.tls.enabled && t.auth.enabled);
    assert_eq!(
        t.tls.ca.as_ref().unwrap().secret,
        "gloo-telemetry-gateway-ca-certs"
    );
    assert!(!plans[3].tls.enabled && !plans[3].auth.enabled);
}
