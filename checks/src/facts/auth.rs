//! Credentials as the values configure them and the secret holds them, by shape only.

use serde::{Deserialize, Serialize};

use super::*;

/// Credentials as the values configure them and the secret holds them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AuthFacts {
    /// The values turn authentication on.
    pub enabled: bool,
    /// The values key that does, e.g. `redis.auth.enabled`; when there is none, the block that
    /// has none.
    pub enabled_key: String,
    /// The values have a key that turns authentication on; the UI's OIDC session store has
    /// none, so a fix cannot be "turn on auth in the values" there.
    #[serde(default = "settable_by_default")]
    pub settable: bool,
    /// Namespace of the secret.
    pub namespace: String,
    /// Name of the secret.
    pub secret_name: String,
    /// Key holding the username.
    pub username_key: String,
    /// Key holding the password.
    pub password_key: String,
    /// What the secret lookup found.
    pub secret: SecretLookup,
}

fn settable_by_default() -> bool {
    true
}

impl AuthFacts {
    /// Where the credentials are kept, for messages: `secret ns/name` or `exporter <key>`.
    pub fn holder(&self) -> String {
        match &self.secret {
            SecretLookup::Inline { location, .. } | SecretLookup::EnvUnset { location, .. } => {
                format!("exporter {location}")
            }
            _ => format!("secret {}/{}", self.namespace, self.secret_name),
        }
    }
}

/// The result of looking up the auth secret.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SecretLookup {
    /// Authentication is off; no secret was read.
    #[default]
    NotNeeded,
    /// The secret exists.
    Found {
        /// Every key the secret holds (names only).
        keys: Vec<String>,
        /// Shape of the username value, when its key is present.
        username: Option<Credential>,
        /// Shape of the password value, when its key is present.
        password: Option<Credential>,
    },
    /// No such secret.
    NotFound {
        /// Where the lookup looked (e.g. the manifest files).
        searched: String,
    },
    /// The secret could not be read (RBAC, API server unreachable, no kubeconfig).
    Unavailable {
        /// Why.
        reason: String,
        /// What kind of failure: `forbidden` (RBAC), `timeout`, `unreachable`, …
        #[serde(default)]
        kind: FailureKind,
    },
    /// Credentials written inline in the values (telemetry exporters).
    Inline {
        /// The values key holding them.
        location: String,
        /// Shape of the username, when set.
        username: Option<Credential>,
        /// Shape of the password.
        password: Option<Credential>,
    },
    /// The values reference an environment variable (`${env:NAME}`) not set where the preflight runs.
    EnvUnset {
        /// The values key holding the reference.
        location: String,
        /// The variable.
        variable: String,
    },
}

/// The shape of a credential value, never the value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// Length in bytes.
    pub len: usize,
    /// Leading or trailing whitespace (a newline from `echo` is the usual culprit).
    pub stray_whitespace: bool,
    /// The value is a JSON Web Token (an Azure Entra ID access token, say) and this is its
    /// `exp` claim, Unix time: not a secret, and the moment every login with it starts to fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}
