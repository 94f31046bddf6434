//! Kubernetes Secret manifests as `kubectl get secret -o yaml` or
//! `kubectl create secret … --dry-run=client -o yaml` print them: one document, several, or a
//! `kind: List`; values in `data` (base64) or `stringData`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine;
use serde_json::Value;

use crate::error::{InputError, SecretAt};

/// One secret's values. `Debug` never shows them.
pub struct Secret {
    pub namespace: Option<String>,
    pub name: String,
    pub data: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Secrets read from manifest files.
#[derive(Debug, Default)]
pub struct SecretFiles {
    pub files: Vec<String>,
    pub secrets: Vec<Secret>,
    /// Where each of `secrets` was read (`file: document N`), to name both places of a clash.
    origins: Vec<String>,
}

impl SecretFiles {
    /// Reads every manifest in `paths`.
    pub fn load(paths: &[PathBuf]) -> Result<SecretFiles, InputError> {
        let mut out = SecretFiles::default();
        for path in paths {
            let text = super::read_capped(path)?;
            out.add(&path.display().to_string(), &text)?;
        }
        Ok(out)
    }

    /// Adds the secrets of one manifest file.
    pub fn add(&mut self, file: &str, text: &str) -> Result<(), InputError> {
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|e| InputError::yaml(file, &e))?;
        for (i, doc) in docs.into_iter().enumerate() {
            let n = i + 1;
            match doc.get("kind").and_then(Value::as_str) {
                _ if doc.is_null() => {}
                Some("Secret") => self.push(file, n, parse_secret(file, n, &doc)?)?,
                Some("List") | Some("SecretList") => {
                    let items = match doc.get("items") {
                        None | Some(Value::Null) => &[][..],
                        Some(Value::Array(items)) => &items[..],
                        Some(other) => {
                            return Err(InputError::SecretItemsNotList {
                                file: file.to_string(),
                                doc: n,
                                found: super::values::kind(other),
                            });
                        }
                    };
                    for (i, item) in items.iter().enumerate() {
                        match item.get("kind") {
                            None => {}
                            Some(Value::String(kind)) if kind == "Secret" => {}
                            Some(kind) => {
                                let shown = match kind {
                                    Value::String(k) => format!("\"{}\"", k.escape_debug()),
                                    other => super::values::kind(other).to_string(),
                                };
                                return Err(InputError::SecretItemKind {
                                    file: file.to_string(),
                                    doc: n,
                                    item: i,
                                    found: shown,
                                });
                            }
                        }
                        self.push(file, n, parse_secret(file, n, item)?)?;
                    }
                }
                other => {
                    return Err(InputError::SecretKind {
                        file: file.to_string(),
                        doc: n,
                        found: other.map(str::to_string),
                    });
                }
            }
        }
        self.files.push(file.to_string());
        Ok(())
    }

    /// Adds one Secret object of a rendered manifest (`--manifests`), `doc` its document.
    pub fn add_object(&mut self, file: &str, doc: usize, value: &Value) -> Result<(), InputError> {
        self.push(file, doc, parse_secret(file, doc, value)?)?;
        if !self.files.iter().any(|f| f == file) {
            self.files.push(file.to_string());
        }
        Ok(())
    }

    /// Adds one secret. The same secret (name and namespace) given twice with different
    /// data is ambiguous — which one the cluster holds is what the run must judge — so it is
    /// refused naming both places; given twice alike, it is kept once.
    fn push(&mut self, file: &str, doc: usize, secret: Secret) -> Result<(), InputError> {
        let origin = format!("{file}: document {doc}");
        if let Some(i) = self
            .secrets
            .iter()
            .position(|s| s.name == secret.name && s.namespace == secret.namespace)
        {
            if self.secrets[i].data == secret.data {
                return Ok(());
            }
            return Err(InputError::SecretGivenTwice {
                at: Box::new(SecretAt {
                    file: file.to_string(),
                    doc,
                    namespace: secret.namespace.clone(),
                    name: Some(secret.name.clone()),
                }),
                first: self.origins[i].clone(),
            });
        }
        self.secrets.push(secret);
        self.origins.push(origin);
        Ok(())
    }

    /// The secret `name` in `namespace`; a manifest without a namespace matches any.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&Secret> {
        self.secrets
            .iter()
            .find(|s| s.name == name && s.namespace.as_deref().is_none_or(|ns| ns == namespace))
    }
}

fn parse_secret(file: &str, doc: usize, value: &Value) -> Result<Secret, InputError> {
    let meta = value.get("metadata");
    let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str);
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let at = || {
        Box::new(SecretAt {
            file: file.to_string(),
            doc,
            namespace: namespace.clone(),
            name: name.map(str::to_string),
        })
    };
    let name = match (name, meta.and_then(|m| m.get("name"))) {
        (Some(name), _) => name.to_string(),
        (None, None | Some(Value::Null)) => {
            return Err(InputError::SecretWithoutName { at: at() });
        }
        (None, Some(other)) => {
            return Err(InputError::SecretMetadataNotString {
                at: at(),
                field: "name",
                found: super::values::kind(other),
            });
        }
    };
    if let Some(other) = meta
        .and_then(|m| m.get("namespace"))
        .filter(|ns| !ns.is_string() && !ns.is_null())
    {
        return Err(InputError::SecretMetadataNotString {
            at: at(),
            field: "namespace",
            found: super::values::kind(other),
        });
    }
    let mut data = BTreeMap::new();
    for (field, decode) in [("data", true), ("stringData", false)] {
        let Some(entries) = value.get(field) else {
            continue;
        };
        if entries.is_null() {
            continue;
        }
        let entries = entries
            .as_object()
            .ok_or_else(|| InputError::SecretFieldNotMapping {
                at: at(),
                field,
                found: super::values::kind(entries),
            })?;
        for (key, v) in entries {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => {
                    return Err(InputError::SecretValueNotString {
                        at: at(),
                        field,
                        key: key.clone(),
                        found: super::values::kind(other),
                    });
                }
            };
            let bytes = if decode {
                let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map_err(|_| InputError::SecretNotBase64 {
                        at: at(),
                        field,
                        key: key.clone(),
                    })?
            } else {
                text.into_bytes()
            };
            data.insert(key.clone(), bytes);
        }
    }
    Ok(Secret {
        namespace,
        name,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_documents_lists_and_both_data_fields() {
        let mut files = SecretFiles::default();
        let text = "\
apiVersion: v1
kind: Secret
metadata: {name: a, namespace: gloo-mesh}
data: {password: cGFzcw==}
---
kind: List
items:
- kind: Secret
  metadata: {name: b}
  stringData: {username: gloo}
";
        files.add("s.yaml", text).unwrap();
        assert_eq!(
            files.get("gloo-mesh", "a").unwrap().data["password"],
            b"pass"
        );
        assert!(files.get("other", "a").is_none());
        assert_eq!(
            files.get("anywhere", "b").unwrap().data["username"],
            b"gloo"
        );
    }

    #[test]
    fn bad_manifests_name_file_document_and_key() {
        let mut files = SecretFiles::default();
        let err = files
            .add("s.yaml", "kind: Secret\nmetadata: {name: a}\n---\nkind: Secret\nmetadata: {name: c, namespace: ns1}\ndata: {ca.crt: '!!notbase64'}\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s.yaml: document 2 (Secret ns1/c): data.ca.crt is not valid base64"
        );
        let err = files
            .add("s.yaml", "kind: ConfigMap\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s.yaml: document 1: kind is \"ConfigMap\", expected Secret or List"
        );
    }

    #[test]
    fn lists_hold_only_secrets_and_a_secret_is_given_once() {
        let mut files = SecretFiles::default();
        let err = files
            .add(
                "s.yaml",
                "kind: List\nitems:\n- kind: Secret\n  metadata: {name: a}\n- kind: ConfigMap\n  metadata: {name: b}\n  data: {password: plain}\n",
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.yaml: document 1: items[1] has kind \"ConfigMap\", expected Secret"),
            "{err}"
        );
        let err = files
            .add("s.yaml", "kind: Secret\nmetadata: {name: 42}\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s.yaml: document 1 (Secret ?): metadata.name is a number, expected a string"
        );
        let err = files
            .add(
                "s.yaml",
                "kind: Secret\nmetadata: {name: a, namespace: [x]}\n",
            )
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s.yaml: document 1 (Secret a): metadata.namespace is a list, expected a string"
        );
        let err = files
            .add("s.yaml", "kind: List\nitems: 3\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s.yaml: document 1: items is a number, expected a list of Secrets"
        );

        let mut files = SecretFiles::default();
        let a = "kind: Secret\nmetadata: {name: auth, namespace: gloo-mesh}\nstringData: {password: one}\n";
        files.add("a.yaml", a).unwrap();
        files.add("again.yaml", a).unwrap();
        assert_eq!(files.secrets.len(), 1);
        let err = files
            .add(
                "b.yaml",
                "kind: Secret\nmetadata: {name: auth, namespace: gloo-mesh}\nstringData: {password: two}\n",
            )
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "b.yaml: document 1 (Secret gloo-mesh/auth): also given in a.yaml: document 1 with different data; give each secret once"
        );
        assert!(!err.contains("one") && !err.contains("two"));
    }
}
