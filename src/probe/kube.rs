//! Secrets from the live cluster: only the secrets the values name, read by name with `get`
//! (never `list`), all at once under one deadline. The client is built only when no
//! `--secrets` manifest is given.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

use crate::error::InputError;

/// What the cluster said about one secret.
#[derive(Clone)]
pub enum Fetched {
    Found(BTreeMap<String, Vec<u8>>),
    NotFound(String),
    Unavailable(String),
    /// RBAC said no (403).
    Forbidden(String),
}

impl std::fmt::Debug for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fetched::Found(data) => write!(f, "Found(keys: {:?})", data.keys().collect::<Vec<_>>()),
            Fetched::NotFound(w) => write!(f, "NotFound({w})"),
            Fetched::Unavailable(w) => write!(f, "Unavailable({w})"),
            Fetched::Forbidden(w) => write!(f, "Forbidden({w})"),
        }
    }
}

/// Where to find the cluster.
pub struct Access {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// Reads every `(namespace, name)` in `wanted` within `deadline`.
pub async fn fetch(
    wanted: &BTreeSet<(String, String)>,
    access: &Access,
    deadline: Duration,
) -> Result<BTreeMap<(String, String), Fetched>, InputError> {
    let everywhere = |reason: String| {
        wanted
            .iter()
            .map(|k| (k.clone(), Fetched::Unavailable(reason.clone())))
            .collect()
    };
    if wanted.is_empty() {
        return Ok(BTreeMap::new());
    }
    let (config, describe) = match config(access).await? {
        Ok(found) => found,
        Err(reason) => return Ok(everywhere(reason)),
    };
    let server = config.cluster_url.to_string();
    let client = match Client::try_from(config) {
        Ok(c) => c,
        Err(e) => {
            return Ok(everywhere(format!(
                "cannot build a Kubernetes client for {describe}: {e}"
            )));
        }
    };
    let reads = wanted.iter().map(|(ns, name)| {
        let api: Api<Secret> = Api::namespaced(client.clone(), ns);
        let (server, describe) = (server.clone(), describe.clone());
        async move {
            let result = tokio::time::timeout(deadline, api.get_opt(name)).await;
            let fetched = match result {
                Ok(Ok(Some(secret))) => Fetched::Found(
                    secret.data.unwrap_or_default().into_iter().map(|(k, v)| (k, v.0)).collect(),
                ),
                Ok(Ok(None)) => Fetched::NotFound(format!("not in the cluster of {describe}")),
                Ok(Err(kube::Error::Api(status))) if status.code == 403 => Fetched::Forbidden(format!(
                    "forbidden ({}); the identity running the preflight needs `get` on secrets/{name} in namespace {ns} \
                     (Gloo's own service account may well have it)",
                    status.message
                )),
                Ok(Err(kube::Error::Api(status))) if status.code == 404 => {
                    Fetched::NotFound(format!("not in the cluster of {describe}"))
                }
                Ok(Err(e)) => Fetched::Unavailable(format!("the Kubernetes API server {server} ({describe}) is unreachable: {e}")),
                Err(_) => Fetched::Unavailable(format!(
                    "no answer from the Kubernetes API server {server} ({describe}) within {deadline:?}"
                )),
            };
            ((ns.clone(), name.clone()), fetched)
        }
    });
    Ok(futures_util::future::join_all(reads)
        .await
        .into_iter()
        .collect())
}

/// The client configuration: `--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`, then the
/// in-cluster service account. `Ok(Err(reason))` when there is no cluster to ask.
async fn config(access: &Access) -> Result<Result<(Config, String), String>, InputError> {
    let explicit = access.kubeconfig.clone();
    let path = explicit
        .clone()
        .or_else(|| std::env::var_os("KUBECONFIG").and_then(|v| std::env::split_paths(&v).next()))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube/config")));
    if let Some(path) = path.filter(|p| p.exists() || explicit.is_some()) {
        let kubeconfig = Kubeconfig::read_from(&path).map_err(|e| InputError::Malformed {
            file: path.display().to_string(),
            message: one_line(&e.to_string()),
        })?;
        let context = access
            .context
            .clone()
            .or(kubeconfig.current_context.clone());
        if let Some(name) = &context
            && !kubeconfig.contexts.iter().any(|c| &c.name == name)
        {
            let known: Vec<&str> = kubeconfig
                .contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            return Err(InputError::BadFlag {
                flag: "--context".into(),
                message: format!(
                    "no context \"{name}\" in {} (contexts: {})",
                    path.display(),
                    known.join(", ")
                ),
            });
        }
        let options = KubeConfigOptions {
            context: access.context.clone(),
            ..Default::default()
        };
        let describe = format!(
            "context {} in {}",
            context.unwrap_or_default(),
            path.display()
        );
        return Ok(
            match Config::from_custom_kubeconfig(kubeconfig, &options).await {
                Ok(mut config) => {
                    config.connect_timeout = Some(Duration::from_secs(5));
                    config.read_timeout = Some(Duration::from_secs(10));
                    Ok((config, describe))
                }
                Err(e) => Err(format!(
                    "cannot use {describe}: {}",
                    one_line(&e.to_string())
                )),
            },
        );
    }
    if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        return Ok(Config::incluster()
            .map(|c| (c, "the in-cluster service account".to_string()))
            .map_err(|e| format!("cannot use the in-cluster service account: {e}")));
    }
    Ok(Err(
        "no kubeconfig ($KUBECONFIG, ~/.kube/config or --kubeconfig) and not running in a Pod; \
            pass the secret manifests with --secrets instead"
            .into(),
    ))
}

fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}
