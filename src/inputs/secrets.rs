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
                Some("Secret") => self.secrets.push(parse_secret(file, n, &doc)?),
                Some("List") | Some("SecretList") => {
                    for item in doc
                        .get("items")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        self.secrets.push(parse_secret(file, n, item)?);
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
    let name = name
        .ok_or_else(|| InputError::SecretWithoutName { at: at() })?
        .to_string();
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
}
