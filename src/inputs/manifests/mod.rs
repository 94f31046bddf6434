//! Rendered objects (`--manifests`): `helm template`, `helm get manifest` or `kubectl get
//! deploy,daemonset,configmap,secret,dashboard -o yaml`, one document, several, or a `kind: List`.
//! Only the workloads (their containers' args, env and mounts, their volumes), ConfigMaps, Secrets
//! and the UI's Dashboard (its OIDC session store) are kept: no other kind holds a Redis client's
//! settings.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::secrets::SecretFiles;
use super::values::kind;
use crate::error::InputError;

/// Kinds whose pods may be Redis clients.
const WORKLOADS: &[&str] = &["Deployment", "DaemonSet", "StatefulSet"];

/// The objects read from every `--manifests` file.
#[derive(Debug, Default)]
pub struct Manifests {
    pub files: Vec<String>,
    pub workloads: Vec<Workload>,
    pub config_maps: Vec<ConfigMap>,
    pub dashboards: Vec<Dashboard>,
    /// Every Secret, empty ones too (an offline `helm template` renders the copied ones empty).
    pub secrets: SecretFiles,
}

/// A Deployment, DaemonSet or StatefulSet, with what its pods are given.
#[derive(Debug)]
pub struct Workload {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// `file: document N`, for findings.
    pub origin: String,
    pub containers: Vec<Container>,
    pub volumes: BTreeMap<String, Volume>,
}

#[derive(Debug)]
pub struct Container {
    pub name: String,
    /// `command` then `args`, as the process gets them.
    pub args: Vec<String>,
    pub env: Vec<(String, Env)>,
    /// (volume name, mount path).
    pub mounts: Vec<(String, String)>,
}

/// Where an environment variable's value comes from.
#[derive(Debug, PartialEq)]
pub enum Env {
    Value(String),
    SecretKey {
        name: String,
        key: String,
    },
    /// Another `valueFrom` (a ConfigMap key, a field): not followed.
    Other,
}

/// The source of a volume, as far as a Redis client's settings go.
#[derive(Debug, PartialEq)]
pub enum Volume {
    ConfigMap {
        name: String,
        items: Vec<(String, String)>,
    },
    Secret {
        name: String,
    },
    /// A projected volume's Secrets, in order.
    Projected {
        secrets: Vec<String>,
    },
    Other,
}

/// The UI's settings (`admin.gloo.solo.io/v2` Dashboard), into which the chart writes
/// `glooUi.auth.oidc.session` without its `backend` key.
#[derive(Debug)]
pub struct Dashboard {
    pub namespace: Option<String>,
    pub name: String,
    pub origin: String,
    /// `spec.authn.oidc.session`, when set.
    pub session: Option<serde_json::Map<String, Value>>,
}

#[derive(Debug)]
pub struct ConfigMap {
    pub namespace: Option<String>,
    pub name: String,
    pub data: BTreeMap<String, String>,
}

impl Manifests {
    /// Reads every file of `--manifests` (`-` is standard input).
    pub fn load(paths: &[PathBuf]) -> Result<Manifests, InputError> {
        let mut out = Manifests::default();
        for path in paths {
            let text = super::read_input(path)?;
            out.add(&super::input_name(path), &text)?;
        }
        Ok(out)
    }

    /// Adds the objects of one file.
    pub fn add(&mut self, file: &str, text: &str) -> Result<(), InputError> {
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|e| InputError::yaml(file, &e))?;
        for (i, doc) in docs.iter().enumerate() {
            self.object(file, i + 1, doc, "")?;
        }
        self.files.push(file.to_string());
        Ok(())
    }

    /// One object read elsewhere (`--from-cluster`), as document `doc` of `origin`.
    pub fn add_value(&mut self, origin: &str, doc: usize, value: &Value) -> Result<(), InputError> {
        self.object(origin, doc, value, "")
    }

    /// One object; `at` is `items[N].` inside a List.
    fn object(
        &mut self,
        file: &str,
        doc: usize,
        value: &Value,
        at: &str,
    ) -> Result<(), InputError> {
        if value.is_null() {
            return Ok(());
        }
        let shape = |key: &str, found: &Value, expected: &'static str| InputError::ManifestField {
            file: file.to_string(),
            doc,
            object: "an object".to_string(),
            key: format!("{at}{key}"),
            found: kind(found),
            expected,
        };
        if !value.is_object() {
            return Err(shape(
                "the document",
                value,
                "a Kubernetes object (a mapping)",
            ));
        }
        let object_kind = match value.get("kind") {
            Some(Value::String(k)) => k.as_str(),
            Some(other) => return Err(shape("kind", other, "a string")),
            None => {
                return Err(shape(
                    "kind",
                    &Value::Null,
                    "a string (Deployment, ConfigMap, List, ...)",
                ));
            }
        };
        if object_kind == "List" || object_kind.ends_with("List") {
            return match value.get("items") {
                None | Some(Value::Null) => Ok(()),
                Some(Value::Array(items)) => {
                    for (n, item) in items.iter().enumerate() {
                        self.object(file, doc, item, &format!("{at}items[{n}]."))?;
                    }
                    Ok(())
                }
                Some(other) => Err(shape("items", other, "a list of objects")),
            };
        }
        let origin = format!("{file}: document {doc}");
        if object_kind == "Secret" {
            return self.secrets.add_object(file, doc, value);
        }
        let is_workload = WORKLOADS.contains(&object_kind);
        if !is_workload && !matches!(object_kind, "ConfigMap" | "Dashboard") {
            return Ok(());
        }
        let mut fields = Fields {
            file,
            doc,
            object: object_kind.to_string(),
            at,
        };
        let meta = fields.map(value, "metadata")?;
        let name = fields.string_in(meta, "metadata.name")?.unwrap_or_default();
        let namespace = fields.string_in(meta, "metadata.namespace")?;
        fields.object = format!(
            "{object_kind} {}{name}",
            namespace
                .as_deref()
                .map(|n| format!("{n}/"))
                .unwrap_or_default()
        );
        if name.is_empty() {
            return Err(fields.wrong("metadata.name", &Value::Null, "a name"));
        }
        if object_kind == "Dashboard" {
            let session = fields.map(value, "spec.authn.oidc.session")?.cloned();
            self.dashboards.push(Dashboard {
                namespace,
                name,
                origin,
                session,
            });
            return Ok(());
        }
        if object_kind == "ConfigMap" {
            let mut data = BTreeMap::new();
            if let Some(map) = fields.map(value, "data")? {
                for (k, v) in map {
                    match v {
                        Value::String(s) => data.insert(k.clone(), s.clone()),
                        Value::Null => data.insert(k.clone(), String::new()),
                        other => return Err(fields.wrong(&format!("data.{k}"), other, "a string")),
                    };
                }
            }
            self.config_maps.push(ConfigMap {
                namespace,
                name,
                data,
            });
            return Ok(());
        }
        let pod = fields.map(value, "spec.template.spec")?;
        let mut containers = Vec::new();
        for (n, c) in fields
            .list(pod, "spec.template.spec.containers")?
            .iter()
            .enumerate()
        {
            containers.push(fields.container(c, &format!("spec.template.spec.containers[{n}]"))?);
        }
        let mut volumes = BTreeMap::new();
        for (n, v) in fields
            .list(pod, "spec.template.spec.volumes")?
            .iter()
            .enumerate()
        {
            let key = format!("spec.template.spec.volumes[{n}]");
            let vname = fields.string_in(
                Some(
                    v.as_object()
                        .ok_or_else(|| fields.wrong(&key, v, "a mapping"))?,
                ),
                &format!("{key}.name"),
            )?;
            volumes.insert(vname.unwrap_or_default(), fields.volume(v, &key)?);
        }
        self.workloads.push(Workload {
            kind: object_kind.to_string(),
            namespace,
            name,
            origin,
            containers,
            volumes,
        });
        Ok(())
    }

    /// The ConfigMap `name` in `namespace`; one without a namespace matches any.
    pub fn config_map(&self, namespace: &str, name: &str) -> Option<&ConfigMap> {
        self.config_maps
            .iter()
            .find(|c| c.name == name && c.namespace.as_deref().is_none_or(|n| n == namespace))
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

mod fields;
use fields::Fields;
