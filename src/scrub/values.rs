//! Values keys that hold a credential, told by their name.
//!
//! Helm values carry more secrets than Redis passwords: a license key, an OIDC client secret,
//! a token. A key is a credential when its name says so (`password`, `secretKey`,
//! `glooMeshLicenseKey`, `clientSecret`, …) and not a reference to one: the name of a secret
//! (`secretName`), of a key inside it (`passwordKey`, `usernameKey`), a file, a path or a
//! switch (`enabled`). Only text and numbers are credentials: a map under such a key is read
//! key by key, and a boolean is a switch.

use serde_json::Value;

/// Words that make a key a credential, compared without case, `-` or `_`.
const CREDENTIAL_WORDS: [&str; 12] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "licensekey",
    "privatekey",
    "credential",
    "username",
    "authkey",
    "accesskey",
];

/// Endings of a key that names where a credential is, not the credential.
const REFERENCE_ENDINGS: [&str; 9] = [
    "name",
    "ref",
    "file",
    "path",
    "enabled",
    "mountpoint",
    "namespace",
    "field",
    "env",
];

/// Keys of a secret's entries (`passwordKey: password`): a reference, where the stem is one.
const KEY_REFERENCE_STEMS: [&str; 5] = ["password", "passwd", "username", "user", "token"];

/// Whether the values key `key` holds a credential.
pub fn is_credential_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if k == "username" || k == "user" || k == "pass" || k == "pwd" {
        return true;
    }
    let reference = REFERENCE_ENDINGS.iter().any(|end| k.ends_with(end))
        || k.starts_with("existing")
        || k.strip_suffix("key")
            .is_some_and(|stem| KEY_REFERENCE_STEMS.iter().any(|s| stem.ends_with(s)));
    !reference && CREDENTIAL_WORDS.iter().any(|w| k.contains(w))
}

/// Whether `text` is only a reference to an environment variable (`${env:NAME}`, as the
/// telemetry exporters write their credentials): the name is no secret, the value it names is
/// (the scrubber has it as sent).
fn is_env_reference(text: &str) -> bool {
    text.trim()
        .strip_prefix("${env:")
        .and_then(|rest| rest.strip_suffix('}'))
        .is_some_and(|name| !name.is_empty() && !name.contains(['$', '{', '}']))
}

/// Whether the key holds a username (matched as a whole name by the scrubber).
pub fn is_username_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "user" || k.ends_with("username")
}

/// The credential text under `value`'s credential keys: `(is a username, text)`.
pub fn credentials(value: &Value, out: &mut Vec<(bool, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) if is_credential_key(k) => {
                        if !is_env_reference(s) {
                            out.push((is_username_key(k), s.clone()));
                        }
                    }
                    Value::Number(n) if is_credential_key(k) => out.push((false, n.to_string())),
                    other => credentials(other, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| credentials(v, out)),
        _ => {}
    }
}

/// `value` with every credential replaced by [`super::REDACTED`], and every address shown
/// without its userinfo.
pub fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) if is_credential_key(k) && !is_env_reference(s) => {
                            Value::String(super::REDACTED.into())
                        }
                        Value::Number(_) if is_credential_key(k) => {
                            Value::String(super::REDACTED.into())
                        }
                        other => redacted(other),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        Value::String(s) => Value::String(crate::inputs::address::without_userinfo(s).into_owned()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_told_from_references_by_name() {
        for key in [
            "password",
            "passwd",
            "secret",
            "secretKey",
            "clientSecret",
            "client_secret",
            "token",
            "auth_token",
            "apiKey",
            "api-key",
            "licenseKey",
            "glooMeshLicenseKey",
            "glooTrialLicenseKey",
            "privateKey",
            "username",
            "user",
            "REDIS_PASSWORD",
            "accessKeyId",
        ] {
            assert!(is_credential_key(key), "{key}");
        }
        for key in [
            "secretName",
            "licenseSecretName",
            "passwordKey",
            "usernameKey",
            "tokenSecretRef",
            "existingSecret",
            "enabled",
            "caCertKey",
            "address",
            "name",
            "key_file",
            "passwordFile",
        ] {
            assert!(!is_credential_key(key), "{key}");
        }
    }

    #[test]
    fn redacted_values_keep_references_and_switches() {
        let values = serde_json::json!({
            "licensing": {"glooMeshLicenseKey": "lic-123", "licenseSecretName": "license-keys",
                          "createLicenseSecret": true},
            "redis": {"address": "redis://u:hunter2@r:6379", "auth": {"passwordKey": "password",
                      "password": 424242}},
            "glooUi": {"auth": {"oidc": {"clientSecret": "oidc-s3cret", "clientSecretName": "dashboard"}}},
            "extAuthService": {"extAuth": {"apiKeyStorage": {"secretKey": "k3y", "name": "redis"}}},
            "exporter": {"password": "${env:REDIS_PW}"},
        });
        let text = redacted(&values).to_string();
        for secret in ["lic-123", "hunter2", "424242", "oidc-s3cret", "k3y"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        for kept in [
            "\"licenseSecretName\":\"license-keys\"",
            "\"createLicenseSecret\":true",
            "\"passwordKey\":\"password\"",
            "\"clientSecretName\":\"dashboard\"",
            "\"name\":\"redis\"",
            "redis://r:6379",
            // A reference to the environment names no secret.
            "${env:REDIS_PW}",
        ] {
            assert!(text.contains(kept), "{kept} not in {text}");
        }
        let mut found = Vec::new();
        credentials(&values, &mut found);
        found.sort();
        assert_eq!(
            found,
            [
                (false, "424242".to_string()),
                (false, "k3y".into()),
                (false, "lic-123".into()),
                (false, "oidc-s3cret".into()),
            ]
        );
    }
}
