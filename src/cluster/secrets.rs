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
                    "no answer from the Kubernetes API server {server} ({describe}) within {}",
                    checks::duration::go_duration(deadline.as_millis() as u64)
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

/// The client configuration: `--kubeconfig`, `$KUBECONFIG` (several paths merged as kubectl
/// merges them: the first file to set a value wins, missing files are skipped),
/// `~/.kube/config`, then the in-cluster service account. `Ok(Err(reason))` when there is no
/// cluster to ask.
pub async fn config(access: &Access) -> Result<Result<(Config, String), String>, InputError> {
    let paths = kubeconfig_paths(
        access,
        std::env::var_os("KUBECONFIG"),
        std::env::var_os("HOME"),
    );
    if let Some(kubeconfig) = read_merged(&paths)? {
        // Several files are named as $KUBECONFIG lists them.
        let path = PathBuf::from(std::env::join_paths(&paths).unwrap_or_default());
        let context = access
            .context
            .clone()
            .or(kubeconfig.current_context.clone());
        if let Some(name) = &context
            && !kubeconfig.contexts.iter().any(|c| &c.name == name)
        {
            let known: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
            return Err(InputError::UnknownContext {
                name: name.clone(),
                path: path.clone(),
                known,
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
                    crate::one_line::first(&e.to_string())
                )),
            },
        );
    }
    // A context asked for by name and no kubeconfig to hold it is a mistake in the flags, as
    // with kubectl, and not a reason to judge the secrets unreachable.
    if let Some(name) = &access.context {
        return Err(InputError::ContextWithoutKubeconfig { name: name.clone() });
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

/// The kubeconfig files to read: `--kubeconfig`; else every existing path of `$KUBECONFIG`
/// (when it is set, `~/.kube/config` is not read, as with kubectl); else `~/.kube/config`
/// when it exists. `--kubeconfig` is returned even when missing, so that reading it fails
/// naming it.
fn kubeconfig_paths(
    access: &Access,
    env: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Vec<PathBuf> {
    if let Some(explicit) = &access.kubeconfig {
        return vec![explicit.clone()];
    }
    match env.filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty() && p.exists())
            .collect(),
        None => home
            .map(|h| PathBuf::from(h).join(".kube/config"))
            .filter(|p| p.exists())
            .into_iter()
            .collect(),
    }
}

/// The files merged as kubectl merges them (the first to set a value wins); `None` for none.
fn read_merged(paths: &[PathBuf]) -> Result<Option<Kubeconfig>, InputError> {
    let mut merged: Option<Kubeconfig> = None;
    for path in paths {
        let malformed = |source| InputError::Kubeconfig {
            path: path.clone(),
            source,
        };
        let next = Kubeconfig::read_from(path).map_err(malformed)?;
        merged = Some(match merged {
            Some(first) => first.merge(next).map_err(malformed)?,
            None => next,
        });
    }
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(context: &str, current: bool) -> String {
        format!(
            "apiVersion: v1\nkind: Config\n{}clusters:\n- name: {context}\n  cluster: {{server: https://{context}.example:6443}}\nusers:\n- name: {context}\n  user: {{token: t}}\ncontexts:\n- name: {context}\n  context: {{cluster: {context}, user: {context}}}\n",
            if current {
                format!("current-context: {context}\n")
            } else {
                String::new()
            }
        )
    }

    #[test]
    fn several_kubeconfig_paths_merge_as_kubectl_does() {
        let dir = std::env::temp_dir().join(format!("kubeconfig-merge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::fs::write(&a, kubeconfig("alpha", true)).unwrap();
        std::fs::write(&b, kubeconfig("beta", true)).unwrap();
        let missing = dir.join("missing");
        let list = std::env::join_paths([&missing, &a, &b]).unwrap();
        let none = Access {
            kubeconfig: None,
            context: None,
        };
        let paths = kubeconfig_paths(&none, Some(list), Some(dir.clone().into_os_string()));
        assert_eq!(
            paths,
            vec![a.clone(), b.clone()],
            "missing files are skipped"
        );
        let merged = read_merged(&paths).unwrap().unwrap();
        let contexts: Vec<&str> = merged.contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(contexts, ["alpha", "beta"]);
        assert_eq!(
            merged.current_context.as_deref(),
            Some("alpha"),
            "the first wins"
        );
        // $KUBECONFIG set to nothing that exists: no kubeconfig, not ~/.kube/config.
        let only_missing = Some(missing.clone().into_os_string());
        assert!(
            kubeconfig_paths(&none, only_missing, Some(dir.clone().into_os_string())).is_empty()
        );
        let explicit = Access {
            kubeconfig: Some(missing.clone()),
            context: None,
        };
        assert_eq!(kubeconfig_paths(&explicit, None, None), vec![missing]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
