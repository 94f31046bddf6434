//! CONFIG parameters that hold a credential, and names that are patterns.
//!
//! `CONFIG GET` takes a glob (Redis' `stringmatchlen`: `*`, `?`, `[…]`, `\` escapes) and
//! matches it without regard to case, so `requirepas\s`, `masterau[t]h` and `REQUIREPASS` all
//! fetch a password. The tool sends only literal names that are no credential, and whatever a
//! server answers under a credential's name is replaced before it enters the facts.

use std::collections::BTreeMap;

use checks::facts::Observed;

use super::REDACTED;

/// Credential parameters of Redis and Valkey, lower case. Valkey 8 names `masterauth` and
/// `masteruser` `primaryauth` and `primaryuser` (the old names stay as aliases); Sentinel
/// keeps its own login to the other Sentinels as `sentinel-user` / `sentinel-pass`.
pub const CREDENTIAL_PARAMETERS: [&str; 9] = [
    "requirepass",
    "masterauth",
    "masteruser",
    "primaryauth",
    "primaryuser",
    "tls-key-file-pass",
    "tls-client-key-file-pass",
    "sentinel-user",
    "sentinel-pass",
];

/// Endings that make any parameter a credential, known or not (a future `tls-*-pass`, a fork's
/// `replicaauth`): refusing a harmless name costs a rule; reading a password costs everything.
const CREDENTIAL_ENDINGS: [&str; 7] = [
    "pass", "passwd", "password", "auth", "user", "secret", "token",
];

/// The characters `CONFIG GET` reads as a pattern.
const PATTERN_CHARS: [char; 5] = ['*', '?', '[', ']', '\\'];

/// Whether the parameter `name` (any case) holds a credential.
pub fn is_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    CREDENTIAL_PARAMETERS.contains(&name.as_str())
        || CREDENTIAL_ENDINGS.iter().any(|end| name.ends_with(end))
}

/// Whether `CONFIG GET name` would match more than the parameter of that name.
pub fn is_pattern(name: &str) -> bool {
    name.contains(PATTERN_CHARS)
}

/// Whether the tool may send `CONFIG GET name`.
pub fn may_read(name: &str) -> bool {
    !is_pattern(name) && !is_credential(name)
}

/// The value of `name` in a `CONFIG GET` reply of (name, value) pairs: the pair of that name
/// (any case), else the first. A credential's value never leaves: whatever was asked, a
/// reply naming a credential parameter (or a pattern) gives [`REDACTED`].
pub fn reply_value<'a>(
    asked: &str,
    pairs: &[(&str, &'a str)],
) -> Option<std::borrow::Cow<'a, str>> {
    let (name, value) = pairs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(asked))
        .or(pairs.first())?;
    if is_credential(name) || is_credential(asked) || is_pattern(asked) || is_pattern(name) {
        Some(std::borrow::Cow::Borrowed(REDACTED))
    } else {
        Some(std::borrow::Cow::Borrowed(value))
    }
}

/// The session's CONFIG values with every credential's value replaced: for facts a file
/// brings (`--facts`), which no probe of this tool wrote.
pub fn redact(config: &mut BTreeMap<String, Observed<String>>) {
    for (name, value) in config.iter_mut() {
        if !may_read(name)
            && let Observed::Ok { value } = value
        {
            *value = REDACTED.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_credentials_of_any_case_are_refused() {
        for name in [
            "requirepass",
            "REQUIREPASS",
            "requirepas\\s",
            "masterau[t]h",
            "primaryauth",
            "primaryuser",
            "tls-key-file-pass",
            "tls-some-future-pass",
            "sentinel-pass",
            "requirepas?",
            "*",
        ] {
            assert!(!may_read(name), "{name}");
        }
        for name in [
            "maxmemory",
            "maxmemory-policy",
            "tls-auth-clients",
            "appendonly",
            "save",
        ] {
            assert!(may_read(name), "{name}");
        }
    }

    #[test]
    fn a_credential_in_a_reply_is_redacted_whatever_was_asked() {
        let v =
            |asked: &str, pairs: &[(&str, &str)]| reply_value(asked, pairs).map(|v| v.into_owned());
        assert_eq!(v("maxmemory", &[("maxmemory", "0")]).as_deref(), Some("0"));
        // A server that answers another parameter than the one asked, or a pattern's matches.
        assert_eq!(
            v("maxmemory", &[("requirepass", "hunter2")]).as_deref(),
            Some(REDACTED)
        );
        assert_eq!(
            v("masterau[t]h", &[("masterauth", "hunter2")]).as_deref(),
            Some(REDACTED)
        );
        assert_eq!(
            v("Maxmemory", &[("requirepass", "x"), ("maxmemory", "5")]).as_deref(),
            Some("5")
        );
        assert_eq!(v("maxmemory", &[]), None);
    }
}
