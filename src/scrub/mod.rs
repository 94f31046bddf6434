//! Secrets never leave: the one place where every text a server or a values file supplied is
//! cleaned before it enters the facts, and so before any check, report or saved facts file.
//!
//! A [`Scrubber`] knows every credential value in play — the usernames and passwords of the
//! auth secrets and every other value those secrets hold, inline telemetry exporter
//! credentials (after `${env:…}` expansion), the userinfo of an address — and the base64 of
//! each. [`Scrubber::text`] replaces them with [`REDACTED`] and writes control characters as
//! visible escapes.
//!
//! Very short values, and names. A value of fewer than [`MIN_ANYWHERE`] characters is
//! removed only where it stands as a whole token (not touching a letter, digit or `_`): a
//! one-letter password would otherwise blank that letter in every word. A username is always
//! matched as a whole name (not touching a letter, digit, `_`, `-` or `.`): the user `gloo`
//! must go from `User gloo has no permissions` and `'gloo'`, not turn the namespace
//! `gloo-mesh` into `<redacted>-mesh`. Redis quotes what it echoes (`'<password>'`) and names
//! users as words, so those echoes go. The username `default` is not a secret (it is Redis'
//! built-in user, and what the components log in as without a username) and is never removed.
//!
//! Public names. Where a value stands inside a longer name every reader of a report knows (the
//! namespace or name of a secret the run reads), it stays there: `<redacted>-mesh` beside
//! the known namespace `gloo-mesh` would tell that the password is `gloo`. It goes everywhere
//! else, and a value that contains such a name goes whole.

pub mod config;
mod facts;
mod pieces;
mod strings;
mod text;
pub mod values;

use base64::Engine;
use serde_json::Value;

use crate::credentials::{Lookup, SecretSource};
use crate::inputs::address::userinfo;
use crate::inputs::values::Values;
use crate::plan::{CredentialSource, TargetPlan};

/// What a removed value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Values at least this long are removed wherever they occur; shorter ones as whole tokens.
pub const MIN_ANYWHERE: usize = 4;

/// A credential in the values (not one the tool sends) shorter than this is redacted by its
/// key only, not removed from every text: a short one is most likely a placeholder word.
const MIN_VALUES_CREDENTIAL: usize = 6;

/// No piece of a credential this long may show: Redis cuts what it echoes (`ERR unknown
/// command 'AUTH', with args beginning with: …` keeps 128 characters), so a long password or
/// token comes back cut, and the whole-value match misses it.
pub const PIECE: usize = 16;

/// Removes credential values from text and escapes control characters.
#[derive(Default)]
pub struct Scrubber {
    /// Longest first, so that `user:pass` goes before `pass`.
    needles: Vec<(String, Match)>,
    /// Names everybody reading a report knows (the secrets' namespaces and names): a shorter
    /// value found inside one stays, for `<redacted>-mesh` where the reader knows `gloo-mesh`
    /// would tell the value.
    public: Vec<String>,
    /// Every [`PIECE`]-byte window of every credential at least that long, raw and in
    /// base64 at each of the three alignments a cut can leave.
    pieces: pieces::Pieces,
}

/// Where a value counts as present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Match {
    /// Anywhere, inside words too.
    Anywhere,
    /// Not touching a letter, digit or `_`.
    Word,
    /// Not touching a letter, digit, `_`, `-` or `.` (usernames).
    Name,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrubber({} values, <redacted>)", self.needles.len())
    }
}

impl Scrubber {
    /// Every credential of this run: every value of every secret the targets read (the
    /// username key as a username), the inline exporter credentials as the components would
    /// send them, and the userinfo of any address-like value.
    pub fn for_run(values: &Values, plans: &[TargetPlan], secrets: &SecretSource) -> Scrubber {
        let mut s = Scrubber::default();
        for (namespace, name) in crate::credentials::wanted(plans) {
            for word in [namespace.clone(), name.clone()] {
                if !s.public.contains(&word) {
                    s.public.push(word);
                }
            }
            let Lookup::Found(data) = secrets.get(&namespace, &name) else {
                continue;
            };
            let username_keys: Vec<&str> = plans
                .iter()
                .filter_map(|p| match &p.auth.source {
                    CredentialSource::Secret {
                        namespace: n,
                        name: m,
                        username_key,
                        ..
                    } if *n == namespace && *m == name => Some(username_key.as_str()),
                    _ => None,
                })
                .collect();
            for (key, value) in data {
                if username_keys.contains(&key.as_str()) {
                    s.username(&String::from_utf8_lossy(value));
                } else {
                    s.secret(value);
                }
            }
        }
        for plan in plans {
            if let CredentialSource::Inline { .. } = plan.auth.source {
                // As sent: `${env:NAME}` expanded.
                let mut plan = plan.auth.clone();
                plan.enabled = true;
                if let (_, Some(c)) = secrets.auth(&plan) {
                    s.secret(c.password.as_bytes());
                    c.username.iter().for_each(|u| s.username(u));
                }
            }
        }
        s.credentials_of(&values.root);
        s
    }

    /// The credentials a values tree holds: under credential keys (`password`,
    /// `glooMeshLicenseKey`, `clientSecret`, … see [`values`]) and as the userinfo of
    /// addresses. For the values of a run, and for a facts file judged again, which may
    /// bring credentials the tool never redacted.
    pub fn credentials_of(&mut self, root: &Value) {
        let mut found = Vec::new();
        values::credentials(root, &mut found);
        for (username, text) in found {
            // These are never sent to a Redis (what is sent is added apart, whatever its
            // length); they are redacted by key where they stand, and removed elsewhere only
            // when they cannot be a common word: the chart's own values carry `password:
            // default` (its ClickHouse exporter), which would blank every "default".
            if text.chars().count() < MIN_VALUES_CREDENTIAL || text.eq_ignore_ascii_case("default")
            {
                continue;
            }
            if username {
                self.username(&text);
            } else {
                self.secret(text.as_bytes());
            }
        }
        self.strings_of(root);
    }

    /// The userinfo of every string in the values that looks like an address with one.
    fn strings_of(&mut self, value: &Value) {
        match value {
            Value::String(text) if text.contains('@') => self.address(text),
            Value::Array(items) => items.iter().for_each(|v| self.strings_of(v)),
            Value::Object(map) => map.values().for_each(|v| self.strings_of(v)),
            _ => {}
        }
    }

    /// Adds a secret value: it, its trimmed form (a secret stored with a newline is also sent
    /// trimmed) and the base64 of both.
    pub fn secret(&mut self, value: &[u8]) {
        self.add(value, false);
    }

    /// Adds a username: matched as a whole name; never Redis' built-in `default`.
    pub fn username(&mut self, value: &str) {
        if value.trim() != "default" {
            self.add(value.as_bytes(), true);
        }
    }

    fn add(&mut self, value: &[u8], name: bool) {
        let text = String::from_utf8_lossy(value);
        for v in [text.as_ref(), text.trim()] {
            if v.is_empty() {
                continue;
            }
            let b64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(v);
            let short = |n: &str| n.chars().count() < MIN_ANYWHERE;
            let plain = match (name, short(v)) {
                (true, _) => Match::Name,
                (false, true) => Match::Word,
                (false, false) => Match::Anywhere,
            };
            let encoded = if short(&b64) {
                Match::Word
            } else {
                Match::Anywhere
            };
            for needle in [(v.to_string(), plain), (b64, encoded)] {
                if !self.needles.contains(&needle) {
                    self.needles.push(needle);
                }
            }
            self.add_pieces(v.as_bytes());
        }
        self.needles
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    }

    /// The windows of a long credential, raw and in base64: the base64 of a cut value is
    /// the base64 of the whole up to its cut when the cut falls on a 3-byte boundary, and the
    /// base64 of the value from its second or third byte otherwise.
    fn add_pieces(&mut self, value: &[u8]) {
        if value.len() < PIECE {
            return;
        }
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE,
        ];
        self.pieces.add_windows(value);
        for start in 0..3 {
            for engine in &engines {
                self.pieces
                    .add_windows(engine.encode(&value[start..]).as_bytes());
            }
        }
    }

    /// Adds the userinfo of an address (`redis://user:pass@host`, `user:pass@host:port`), if
    /// it has one. A bare `name@host` without a scheme is an e-mail address, not userinfo.
    pub fn address(&mut self, address: &str) {
        if !address.contains("://") && userinfo(address).is_none_or(|i| !i.contains(':')) {
            return;
        }
        if let Some(info) = userinfo(address) {
            self.secret(info.as_bytes());
            if let Some((user, pass)) = info.split_once(':') {
                self.username(user);
                self.secret(pass.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests;
