//! `--from-cluster`: the release's component objects read from the cluster by name (`get`,
//! never `list`) into the same [`Manifests`] `--manifests` gives. Which objects: the workloads
//! the values enable and the ConfigMaps (and ext auth's storage-config Secret, the UI's Dashboard)
//! the 2.5.8 chart gives them their Redis settings in (`reference/chart-2.5.8-rendered.md`). The credential
//! Secrets are read afterwards, as for `--manifests`, by the names the objects give.
//! `redis-preflight rbac --from-cluster` grants exactly [`release_objects`].

use std::time::Duration;

use checks::facts::{IssueKind, Severity, ValuesIssue};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::{Api, Client};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Access, config};
use crate::error::InputError;
use crate::inputs::manifests::Manifests;
use crate::inputs::values::Values;
use crate::plan::{Enabled, Namespaces};

/// The name `--from-cluster` objects are attributed to in findings.
pub const ORIGIN: &str = "the cluster";

/// A kind `--from-cluster` reads, with its API group and resource (for RBAC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Deployment,
    DaemonSet,
    ConfigMap,
    Secret,
    /// The UI's settings (`admin.gloo.solo.io/v2`): its OIDC session store.
    Dashboard,
}

impl Kind {
    /// (API group, resource).
    pub fn resource(self) -> (&'static str, &'static str) {
        match self {
            Kind::Deployment => ("apps", "deployments"),
            Kind::DaemonSet => ("apps", "daemonsets"),
            Kind::ConfigMap => ("", "configmaps"),
            Kind::Secret => ("", "secrets"),
            Kind::Dashboard => ("admin.gloo.solo.io", "dashboards"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Deployment => "Deployment",
            Kind::DaemonSet => "DaemonSet",
            Kind::ConfigMap => "ConfigMap",
            Kind::Secret => "Secret",
            Kind::Dashboard => "Dashboard",
        }
    }
}

/// One object to read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectRef {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
    /// The component the values enable that it belongs to.
    pub component: &'static str,
}

/// The objects of the components the values enable, as the 2.5.8 chart names them.
pub fn release_objects(values: &Values, ns: &Namespaces) -> Vec<ObjectRef> {
    let on = Enabled::read(values);
    let (release, addons) = (ns.management.as_str(), ns.addons.as_str());
    let sidecar = values
        .get("glooInsightsEngine.runAsSidecar")
        .is_none_or(|v| crate::plan::truthy(Some(v)));
    let settings = values
        .get("glooUi.settingsName")
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("settings");
    let table: [(bool, &'static str, Kind, &str, &str); 16] = [
        (
            on.mgmt_server,
            "management-server",
            Kind::Deployment,
            release,
            "gloo-mesh-mgmt-server",
        ),
        (
            on.mgmt_server,
            "management-server",
            Kind::ConfigMap,
            release,
            "redis-client-config",
        ),
        (on.ui, "ui", Kind::Deployment, release, "gloo-mesh-ui"),
        (on.ui, "ui", Kind::ConfigMap, release, "redis-client-config"),
        (on.ui, "ui", Kind::Dashboard, release, settings),
        // As a sidecar it is a container of the management server's Deployment.
        (
            on.insights_engine && !sidecar,
            "insights-engine",
            Kind::Deployment,
            release,
            "gloo-insights-engine",
        ),
        (
            on.insights_engine,
            "insights-engine",
            Kind::ConfigMap,
            release,
            "redis-client-config",
        ),
        (
            on.ext_auth,
            "ext-auth-service",
            Kind::Deployment,
            addons,
            "ext-auth-service",
        ),
        // Ext auth's storage-config.yaml is a Secret's, not a ConfigMap's.
        (
            on.ext_auth,
            "ext-auth-service",
            Kind::Secret,
            addons,
            "ext-auth-service-api-key-storage",
        ),
        (
            on.portal,
            "portal-server",
            Kind::Deployment,
            addons,
            "gloo-mesh-portal-server",
        ),
        (
            on.portal,
            "portal-server",
            Kind::ConfigMap,
            addons,
            "portal-redis-config",
        ),
        (
            on.rate_limiter,
            "rate-limiter",
            Kind::Deployment,
            addons,
            "rate-limiter",
        ),
        (
            on.telemetry_gateway,
            "telemetry-gateway",
            Kind::Deployment,
            release,
            "gloo-telemetry-gateway",
        ),
        (
            on.telemetry_gateway,
            "telemetry-gateway",
            Kind::ConfigMap,
            release,
            "gloo-telemetry-gateway-config",
        ),
        (
            on.telemetry_collector,
            "telemetry-collector",
            Kind::DaemonSet,
            release,
            "gloo-telemetry-collector-agent",
        ),
        (
            on.telemetry_collector,
            "telemetry-collector",
            Kind::ConfigMap,
            release,
            "gloo-telemetry-collector-config",
        ),
    ];
    let mut out: Vec<ObjectRef> = Vec::new();
    for (enabled, component, kind, namespace, name) in table {
        let object = ObjectRef {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
            component,
        };
        // Shared objects (redis-client-config) are read once.
        if enabled
            && !out
                .iter()
                .any(|o| o.kind == kind && o.namespace == object.namespace && o.name == object.name)
        {
            out.push(object);
        }
    }
    out
}

/// What the cluster said about one object.
enum Got {
    Found(serde_json::Value),
    NotFound,
    Failed(String),
}

/// Reads every object of `wanted` within `deadline`: the objects found, and a finding for
/// each one missing or unreadable. No cluster to ask at all is an input error: without the
/// objects there is nothing to judge.
pub async fn read(
    wanted: &[ObjectRef],
    access: &Access,
    deadline: Duration,
) -> Result<(Manifests, Vec<ValuesIssue>), InputError> {
    let (config, describe) = match config(access).await? {
        Ok(found) => found,
        Err(reason) => {
            return Err(InputError::FromCluster {
                reason: reason.replace(
                    "pass the secret manifests with --secrets",
                    "pass the objects with --manifests",
                ),
            });
        }
    };
    let client = Client::try_from(config).map_err(|e| InputError::FromCluster {
        reason: format!("cannot build a Kubernetes client for {describe}: {e}"),
    })?;
    let reads = wanted.iter().map(|o| {
        let client = client.clone();
        async move {
            let ns = &o.namespace;
            let got = match o.kind {
                Kind::Deployment => {
                    get(Api::<Deployment>::namespaced(client, ns), o, deadline).await
                }
                Kind::DaemonSet => get(Api::<DaemonSet>::namespaced(client, ns), o, deadline).await,
                Kind::ConfigMap => get(Api::<ConfigMap>::namespaced(client, ns), o, deadline).await,
                Kind::Secret => get(Api::<Secret>::namespaced(client, ns), o, deadline).await,
                Kind::Dashboard => {
                    // A Gloo resource: no k8s-openapi type, read as a dynamic object.
                    let gvk = GroupVersionKind::gvk("admin.gloo.solo.io", "v2", "Dashboard");
                    let resource = ApiResource::from_gvk_with_plural(&gvk, "dashboards");
                    let api = Api::<DynamicObject>::namespaced_with(client, ns, &resource);
                    get(api, o, deadline).await
                }
            };
            (o, got)
        }
    });
    let mut manifests = Manifests::default();
    manifests.files.push(format!("{ORIGIN} ({describe})"));
    let mut issues = Vec::new();
    let issue = |severity, o: &ObjectRef, message: String| ValuesIssue {
        severity,
        source: Some(ORIGIN.to_string()),
        at: None,
        key: format!("{} {}/{}", o.kind.name(), o.namespace, o.name),
        kind: IssueKind::Rendered,
        message,
    };
    for (doc, (o, got)) in futures_util::future::join_all(reads)
        .await
        .into_iter()
        .enumerate()
    {
        match got {
            Got::Found(value) => manifests.add_value(ORIGIN, doc + 1, &value)?,
            // The chart renders this object when the values enable the component.
            Got::NotFound => issues.push(issue(
                Severity::Error,
                o,
                format!(
                    "is not in the cluster of {describe}, though the values enable the {}: \
                     the release is not installed as the values say (check -n and --addons-namespace)",
                    o.component
                ),
            )),
            Got::Failed(why) => issues.push(issue(
                Severity::Error,
                o,
                format!("cannot be read ({why}): the {}'s Redis settings are unknown", o.component),
            )),
        }
    }
    Ok((manifests, issues))
}

/// One object by name, as JSON with its `apiVersion` and `kind`.
async fn get<K>(api: Api<K>, o: &ObjectRef, deadline: Duration) -> Got
where
    K: kube::Resource + Clone + DeserializeOwned + Serialize + std::fmt::Debug,
{
    let (group, resource) = o.kind.resource();
    match tokio::time::timeout(deadline, api.get_opt(&o.name)).await {
        Ok(Ok(Some(object))) => match serde_json::to_value(&object) {
            Ok(value) => Got::Found(value),
            Err(e) => Got::Failed(format!("not readable as JSON: {e}")),
        },
        Ok(Ok(None)) => Got::NotFound,
        Ok(Err(kube::Error::Api(status))) if status.code == 404 => Got::NotFound,
        Ok(Err(kube::Error::Api(status))) if status.code == 403 => Got::Failed(format!(
            "forbidden: the identity running the preflight needs `get` on {}{resource}/{} in \
             namespace {}; `redis-preflight rbac --from-cluster` prints the grants",
            if group.is_empty() {
                String::new()
            } else {
                format!("{group}/")
            },
            o.name,
            o.namespace
        )),
        Ok(Err(e)) => Got::Failed(format!("the Kubernetes API server is unreachable: {e}")),
        Err(_) => Got::Failed(format!(
            "no answer from the Kubernetes API server within {}",
            checks::duration::go_duration(deadline.as_millis() as u64)
        )),
    }
}
