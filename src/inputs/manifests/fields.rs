//! An object's fields read with their shapes checked, each wrong one an error naming its key:
//! the maps, strings and lists of a manifest, and a container's args, env and mounts, a volume.

use serde_json::Value;

use super::{Container, Env, Volume};
use crate::error::InputError;
use crate::inputs::values::kind;

/// Reads fields of one object, naming the key of any wrong shape.
pub(super) struct Fields<'a> {
    pub(super) file: &'a str,
    pub(super) doc: usize,
    pub(super) object: String,
    pub(super) at: &'a str,
}

type Map = serde_json::Map<String, Value>;

impl Fields<'_> {
    pub(super) fn wrong(&self, key: &str, found: &Value, expected: &'static str) -> InputError {
        InputError::ManifestField {
            file: self.file.to_string(),
            doc: self.doc,
            object: self.object.clone(),
            key: format!("{}{key}", self.at),
            found: kind(found),
            expected,
        }
    }

    /// The value at the dotted `key` below `value` (the last segment of `key` is looked up).
    pub(super) fn get<'v>(&self, map: Option<&'v Map>, key: &str) -> Option<&'v Value> {
        let last = key.rsplit('.').next().unwrap_or(key);
        map.and_then(|m| m.get(last)).filter(|v| !v.is_null())
    }

    /// A mapping at a dotted path from the object's root.
    pub(super) fn map<'v>(
        &self,
        root: &'v Value,
        path: &str,
    ) -> Result<Option<&'v Map>, InputError> {
        let mut here = root;
        let mut walked = String::new();
        for part in path.split('.') {
            if !walked.is_empty() {
                walked.push('.');
            }
            walked.push_str(part);
            match here.get(part) {
                None | Some(Value::Null) => return Ok(None),
                Some(v @ Value::Object(_)) => here = v,
                Some(other) => return Err(self.wrong(&walked, other, "a mapping")),
            }
        }
        Ok(here.as_object())
    }

    pub(super) fn string_in(
        &self,
        map: Option<&Map>,
        key: &str,
    ) -> Result<Option<String>, InputError> {
        match self.get(map, key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            // Helm may type `value: 2` as a number: Kubernetes would refuse it, the tool reads it.
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
            Some(other) => Err(self.wrong(key, other, "a string")),
        }
    }

    pub(super) fn list<'v>(
        &self,
        map: Option<&'v Map>,
        key: &str,
    ) -> Result<&'v [Value], InputError> {
        match self.get(map, key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => Err(self.wrong(key, other, "a list")),
        }
    }

    pub(super) fn entry<'v>(&self, value: &'v Value, key: &str) -> Result<&'v Map, InputError> {
        value
            .as_object()
            .ok_or_else(|| self.wrong(key, value, "a mapping"))
    }

    pub(super) fn container(&self, value: &Value, key: &str) -> Result<Container, InputError> {
        let c = Some(self.entry(value, key)?);
        let name = self
            .string_in(c, &format!("{key}.name"))?
            .unwrap_or_default();
        let mut args = Vec::new();
        for field in ["command", "args"] {
            for (n, a) in self.list(c, &format!("{key}.{field}"))?.iter().enumerate() {
                match a {
                    Value::String(s) => args.push(s.clone()),
                    other => {
                        return Err(self.wrong(&format!("{key}.{field}[{n}]"), other, "a string"));
                    }
                }
            }
        }
        let mut env = Vec::new();
        for (n, e) in self.list(c, &format!("{key}.env"))?.iter().enumerate() {
            let at = format!("{key}.env[{n}]");
            let e = Some(self.entry(e, &at)?);
            let name = self
                .string_in(e, &format!("{at}.name"))?
                .unwrap_or_default();
            let from = match self.get(e, "valueFrom") {
                None => None,
                Some(v) => Some(self.entry(v, &format!("{at}.valueFrom"))?),
            };
            let value = match (self.string_in(e, &format!("{at}.value"))?, from) {
                (_, Some(from)) => match self.get(Some(from), "secretKeyRef") {
                    Some(r) => {
                        let at = format!("{at}.valueFrom.secretKeyRef");
                        let r = Some(self.entry(r, &at)?);
                        Env::SecretKey {
                            name: self
                                .string_in(r, &format!("{at}.name"))?
                                .unwrap_or_default(),
                            key: self.string_in(r, &format!("{at}.key"))?.unwrap_or_default(),
                        }
                    }
                    None => Env::Other,
                },
                (v, None) => Env::Value(v.unwrap_or_default()),
            };
            env.push((name, value));
        }
        let mut mounts = Vec::new();
        for (n, m) in self
            .list(c, &format!("{key}.volumeMounts"))?
            .iter()
            .enumerate()
        {
            let at = format!("{key}.volumeMounts[{n}]");
            let m = Some(self.entry(m, &at)?);
            mounts.push((
                self.string_in(m, &format!("{at}.name"))?
                    .unwrap_or_default(),
                self.string_in(m, &format!("{at}.mountPath"))?
                    .unwrap_or_default(),
            ));
        }
        Ok(Container {
            name,
            args,
            env,
            mounts,
        })
    }

    pub(super) fn volume(&self, value: &Value, key: &str) -> Result<Volume, InputError> {
        let v = Some(self.entry(value, key)?);
        if let Some(cm) = self.get(v, "configMap") {
            let at = format!("{key}.configMap");
            let cm = Some(self.entry(cm, &at)?);
            let mut items = Vec::new();
            for (n, item) in self.list(cm, &format!("{at}.items"))?.iter().enumerate() {
                let at = format!("{at}.items[{n}]");
                let item = Some(self.entry(item, &at)?);
                items.push((
                    self.string_in(item, &format!("{at}.key"))?
                        .unwrap_or_default(),
                    self.string_in(item, &format!("{at}.path"))?
                        .unwrap_or_default(),
                ));
            }
            let name = self
                .string_in(cm, &format!("{at}.name"))?
                .unwrap_or_default();
            return Ok(Volume::ConfigMap { name, items });
        }
        if let Some(s) = self.get(v, "secret") {
            let at = format!("{key}.secret");
            let s = Some(self.entry(s, &at)?);
            let name = self
                .string_in(s, &format!("{at}.secretName"))?
                .unwrap_or_default();
            return Ok(Volume::Secret { name });
        }
        if let Some(p) = self.get(v, "projected") {
            let at = format!("{key}.projected");
            let p = Some(self.entry(p, &at)?);
            let mut secrets = Vec::new();
            for (n, source) in self.list(p, &format!("{at}.sources"))?.iter().enumerate() {
                let at = format!("{at}.sources[{n}]");
                let source = Some(self.entry(source, &at)?);
                if let Some(s) = self.get(source, "secret") {
                    let at = format!("{at}.secret");
                    let s = Some(self.entry(s, &at)?);
                    secrets.extend(self.string_in(s, &format!("{at}.name"))?);
                }
            }
            return Ok(Volume::Projected { secrets });
        }
        Ok(Volume::Other)
    }
}
