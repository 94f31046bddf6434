//! Where secrets come from, and what the auth secret of a target holds.

use checks::facts::{AuthFacts, Credential, SecretLookup};

use crate::inputs::secrets::SecretFiles;
use crate::plan::AuthPlan;
use crate::probe::session::Credentials;

/// The source of secrets for this run.
pub enum SecretSource {
    /// Manifests given with `--secrets`.
    Files(SecretFiles),
    /// No manifests, and no cluster access in this build.
    Unavailable(String),
}

impl SecretSource {
    /// Looks up a target's auth secret: facts for the checks, credentials for the probe.
    pub fn auth(&self, plan: &AuthPlan) -> (AuthFacts, Option<Credentials>) {
        let mut facts = AuthFacts {
            enabled: plan.enabled,
            enabled_key: plan.enabled_key.clone(),
            namespace: plan.namespace.clone(),
            secret_name: plan.secret_name.clone(),
            username_key: plan.username_key.clone(),
            password_key: plan.password_key.clone(),
            secret: SecretLookup::NotNeeded,
        };
        if !plan.enabled {
            return (facts, None);
        }
        let found = match self {
            SecretSource::Unavailable(reason) => {
                facts.secret = SecretLookup::Unavailable {
                    reason: reason.clone(),
                };
                return (facts, None);
            }
            SecretSource::Files(files) => match files.get(&plan.namespace, &plan.secret_name) {
                Some(secret) => secret,
                None => {
                    facts.secret = SecretLookup::NotFound {
                        searched: format!("searched {}", files.files.join(", ")),
                    };
                    return (facts, None);
                }
            },
        };
        let text = |key: &str| {
            found
                .data
                .get(key)
                .map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let shape = |value: &Option<String>| {
            value.as_ref().map(|v| Credential {
                len: v.len(),
                stray_whitespace: v.trim() != v,
            })
        };
        let username = text(&plan.username_key);
        let password = text(&plan.password_key);
        facts.secret = SecretLookup::Found {
            keys: found.data.keys().cloned().collect(),
            username: shape(&username),
            password: shape(&password),
        };
        let credentials = password
            .filter(|p| !p.is_empty())
            .map(|password| Credentials { username, password });
        (facts, credentials)
    }
}
