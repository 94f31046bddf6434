//! The credentials and CA material the probes get: where secrets come from (the manifests
//! `inputs::secrets` reads, or the cluster `cluster::secrets` asks), which secrets the targets name,
//! and what a target's credentials look like (their shape for the facts, never their value;
//! the value only for the probe). `trust.rs` turns the CA material into a trust store.

use std::collections::{BTreeMap, BTreeSet};

use checks::facts::{AuthFacts, Credential, FailureKind, SecretLookup};

use crate::cluster::Fetched;
use crate::inputs::secrets::SecretFiles;
use crate::plan::{AuthPlan, CredentialSource, TargetPlan};

/// The source of secrets for this run.
pub enum SecretSource {
    /// Manifests given with `--secrets`.
    Files(SecretFiles),
    /// Read from the live cluster before probing, by name.
    Cluster(BTreeMap<(String, String), Fetched>),
    /// The Secrets of rendered objects (`--manifests`) that hold data, before `rest`: the
    /// chart copies live secrets with `lookup`, so `helm get manifest` carries them; an
    /// offline `helm template` renders them empty, and those yield to `rest`.
    Rendered {
        objects: SecretFiles,
        rest: Box<SecretSource>,
    },
}

/// A secret's values by key, or why there are none.
pub enum Lookup<'a> {
    Found(&'a BTreeMap<String, Vec<u8>>),
    NotFound(String),
    Unavailable(FailureKind, String),
}

impl SecretSource {
    /// One secret's data.
    pub fn get(&self, namespace: &str, name: &str) -> Lookup<'_> {
        match self {
            SecretSource::Rendered { objects, rest } => match objects.get(namespace, name) {
                Some(secret) if holds_data(secret) => Lookup::Found(&secret.data),
                _ => rest.get(namespace, name),
            },
            SecretSource::Cluster(fetched) => {
                match fetched.get(&(namespace.to_string(), name.to_string())) {
                    Some(Fetched::Found(data)) => Lookup::Found(data),
                    Some(Fetched::NotFound(searched)) => Lookup::NotFound(searched.clone()),
                    Some(Fetched::Unavailable(reason)) => {
                        Lookup::Unavailable(FailureKind::Unreachable, reason.clone())
                    }
                    Some(Fetched::Forbidden(reason)) => {
                        Lookup::Unavailable(FailureKind::Forbidden, reason.clone())
                    }
                    None => Lookup::Unavailable(
                        FailureKind::Unreachable,
                        "not read from the cluster".into(),
                    ),
                }
            }
            SecretSource::Files(files) => match files.get(namespace, name) {
                Some(secret) => Lookup::Found(&secret.data),
                None => Lookup::NotFound(format!("searched {}", files.files.join(", "))),
            },
        }
    }

    /// A target's credentials: facts for the checks, the values for the probe.
    pub fn auth(&self, plan: &AuthPlan) -> (AuthFacts, Option<Credentials>) {
        let mut facts = AuthFacts {
            enabled: plan.enabled,
            enabled_key: plan.enabled_key.clone(),
            settable: plan.settable,
            ..AuthFacts::default()
        };
        if let CredentialSource::Secret {
            namespace,
            name,
            username_key,
            password_key,
        } = &plan.source
        {
            facts.namespace = namespace.clone();
            facts.secret_name = name.clone();
            facts.username_key = username_key.clone();
            facts.password_key = password_key.clone();
        }
        if !plan.enabled {
            return (facts, None);
        }
        let (username, password) = match &plan.source {
            CredentialSource::Secret {
                namespace,
                name,
                username_key,
                password_key,
            } => match self.get(namespace, name) {
                Lookup::Unavailable(kind, reason) => {
                    facts.secret = SecretLookup::Unavailable { reason, kind };
                    return (facts, None);
                }
                Lookup::NotFound(searched) => {
                    facts.secret = SecretLookup::NotFound { searched };
                    return (facts, None);
                }
                Lookup::Found(data) => {
                    let text = |key: &str| {
                        data.get(key)
                            .map(|b| String::from_utf8_lossy(b).into_owned())
                    };
                    let (username, password) = (text(username_key), text(password_key));
                    facts.secret = SecretLookup::Found {
                        keys: data.keys().cloned().collect(),
                        username: shape(&username),
                        password: shape(&password),
                    };
                    (username, password)
                }
            },
            CredentialSource::Inline {
                location,
                username,
                password,
            } => {
                let (username, password) =
                    match (expand(username.as_deref()), expand(password.as_deref())) {
                        (Ok(u), Ok(p)) => (u, p),
                        (Err(variable), _) | (_, Err(variable)) => {
                            facts.secret = SecretLookup::EnvUnset {
                                location: location.clone(),
                                variable,
                            };
                            return (facts, None);
                        }
                    };
                facts.secret = SecretLookup::Inline {
                    location: location.clone(),
                    username: shape(&username),
                    password: shape(&password),
                };
                (username, password)
            }
        };
        let credentials = password
            .filter(|p| !p.is_empty())
            .map(|password| Credentials { username, password });
        (facts, credentials)
    }
}

/// Whether a rendered Secret holds a value: the ones Helm renders offline are empty.
pub fn holds_data(secret: &crate::inputs::secrets::Secret) -> bool {
    secret.data.values().any(|v| !v.is_empty())
}

/// Every secret the targets need, by `(namespace, name)`: auth secrets and CA secrets.
pub fn wanted(plans: &[TargetPlan]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for p in plans {
        if let (
            true,
            CredentialSource::Secret {
                namespace, name, ..
            },
        ) = (p.auth.enabled, &p.auth.source)
        {
            out.insert((namespace.clone(), name.clone()));
        }
        if let (true, Some(ca)) = (p.tls.enabled, &p.tls.ca) {
            out.insert((ca.namespace.clone(), ca.secret.clone()));
        }
    }
    out
}

fn shape(value: &Option<String>) -> Option<Credential> {
    value.as_ref().map(|v| Credential {
        len: v.len(),
        stray_whitespace: v.trim() != v,
        expires_at: jwt_expiry(v.trim()),
    })
}

/// The `exp` claim of a value shaped as a JSON Web Token (`header.payload.signature`, each
/// base64url, the header naming an `alg`): only the expiry leaves this function.
fn jwt_expiry(value: &str) -> Option<i64> {
    use base64::Engine;
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
    };
    let mut parts = value.split('.');
    let (Some(header), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    decode(header)?.get("alg")?;
    decode(payload)?.get("exp")?.as_i64()
}

/// An OTel `${env:NAME}` reference, read from this process's environment; `Err(NAME)` when unset.
fn expand(value: Option<&str>) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    let name = value
        .strip_prefix("${env:")
        .and_then(|r| r.strip_suffix('}'));
    match name {
        Some(name) => std::env::var(name).map(Some).map_err(|_| name.to_string()),
        None => Ok(Some(value.to_string())),
    }
}

/// Credentials as the secret holds them. `Debug` never shows them.
#[derive(Clone)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

impl Credentials {
    pub fn has_stray_whitespace(&self) -> bool {
        let stray = |s: &str| s.trim() != s;
        stray(&self.password) || self.username.as_deref().is_some_and(stray)
    }

    pub fn trimmed(&self) -> Credentials {
        Credentials {
            username: self.username.as_ref().map(|u| u.trim().to_string()),
            password: self.password.trim().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::jwt_expiry;

    #[test]
    fn a_token_tells_its_expiry_and_nothing_else_is_a_token() {
        // {"alg":"RS256","typ":"JWT"} . {"aud":"https://redis.azure.com","exp":1600000000} . sig
        let token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL3JlZGlzLmF6dXJlLmNvbSIsImV4cCI6MTYwMDAwMDAwMH0.c2lnbmF0dXJl";
        assert_eq!(jwt_expiry(token), Some(1_600_000_000));
        for not_a_token in [
            "gloo-pass",
            "a.b.c",
            "my.dotted.password",
            // Two parts only, and four.
            "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9",
            "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.x.y",
            // A payload without exp.
            "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln",
        ] {
            assert_eq!(jwt_expiry(not_a_token), None, "{not_a_token}");
        }
    }
}
