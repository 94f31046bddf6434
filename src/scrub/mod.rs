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
mod strings;
pub mod values;

use std::borrow::Cow;

use base64::Engine;
use checks::facts::{TargetFacts, ValuesIssue};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::credentials::{Lookup, SecretSource};
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
    pieces: Vec<Vec<u8>>,
    /// The pieces as one automaton, built at the first text scrubbed.
    automaton: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
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
        let mut forms = vec![value.to_vec()];
        for start in 0..3 {
            for engine in &engines {
                forms.push(engine.encode(&value[start..]).into_bytes());
            }
        }
        for form in forms {
            self.pieces.extend(form.windows(PIECE).map(<[u8]>::to_vec));
        }
        self.pieces.sort_unstable();
        self.pieces.dedup();
        self.automaton = std::sync::OnceLock::new();
    }

    /// Every piece of a long credential in `text` replaced, overlapping pieces as one.
    fn remove_pieces(&self, text: &str) -> Option<String> {
        let automaton = self
            .automaton
            .get_or_init(|| {
                (!self.pieces.is_empty())
                    .then(|| aho_corasick::AhoCorasick::new(&self.pieces).ok())
                    .flatten()
            })
            .as_ref()?;
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for m in automaton.find_overlapping_iter(text) {
            let (mut start, mut end) = (m.start(), m.end());
            // A piece may cut a character: the whole character goes.
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            match spans.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => spans.push((start, end)),
            }
        }
        if spans.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in spans {
            out.push_str(&text[at..start]);
            out.push_str(REDACTED);
            at = end;
        }
        out.push_str(&text[at..]);
        Some(out)
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

    /// `text` without any credential value, control characters escaped.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for (needle, how) in &self.needles {
            if let Some(replaced) = remove(&out, needle, *how, &self.public) {
                out = Cow::Owned(replaced);
            }
        }
        if let Some(replaced) = self.remove_pieces(&out) {
            out = Cow::Owned(replaced);
        }
        match reports::escape::controls(&out) {
            Cow::Borrowed(_) => out,
            Cow::Owned(escaped) => Cow::Owned(escaped),
        }
    }

    /// One target's facts with every string (map keys too) scrubbed, and no value of a
    /// credential parameter in its CONFIG (a facts file may bring one).
    pub fn target(&self, mut facts: TargetFacts) -> TargetFacts {
        if let checks::facts::Observed::Ok { value: session } = &mut facts.session {
            config::redact(&mut session.config);
        }
        self.walk(facts)
    }

    /// The merged values as the rules see them, scrubbed.
    pub fn values(&self, values: Value) -> Value {
        self.walk(values)
    }

    /// The values issues, scrubbed.
    pub fn values_issues(&self, issues: Vec<ValuesIssue>) -> Vec<ValuesIssue> {
        self.walk(issues)
    }

    /// Every string of a serialisable value, scrubbed: a round trip through a JSON tree
    /// (the facts are JSON already, for `--save-facts`), so no field can be forgotten.
    ///
    /// The usual case has nothing to scrub: a look at every string in place proves it
    /// ([`strings::each`], no copy), and the tree is built only when something must change.
    ///
    /// Only the data's strings change: the strings to scrub are listed from the value itself
    /// (field and variant names are the program's, never listed), so a credential that is
    /// also a field or variant name (a password `password`, `reset`, `loaded`) leaves the
    /// shape intact instead of breaking it.
    fn walk<T: Serialize + DeserializeOwned>(&self, item: T) -> T {
        // Values and map keys apart: a struct's field name (`password`) is never a map key
        // of the data, so a credential equal to it renames only the data's keys.
        let mut dirty = Dirty::default();
        strings::each(&item, |s, key| {
            if matches!(self.text(s), Cow::Owned(_)) {
                if key {
                    dirty.keys.insert(s.to_string());
                } else {
                    dirty.values.insert(s.to_string());
                }
            }
        });
        if dirty.keys.is_empty() && dirty.values.is_empty() {
            return item;
        }
        let mut tree = serde_json::to_value(&item).expect("facts serialise");
        self.value(&mut tree, &dirty);
        match serde_json::from_value(tree) {
            Ok(clean) => clean,
            Err(_) => {
                // A data string equal to a field name of the facts, holding a credential:
                // nothing can be written safely. No text of the facts is shown.
                eprintln!(
                    "error: internal: the facts could not be cleaned of a credential value that is also one of their field names; no report was written"
                );
                std::process::exit(1);
            }
        }
    }

    fn value(&self, value: &mut Value, dirty: &Dirty) {
        if let Value::Object(map) = value
            && let Some(Value::String(tag)) = map.get("status")
            && STATUS_TAGS.contains(&tag.as_str())
        {
            // The tag of an internally tagged enum of the facts is the program's word, not
            // data: it stays, so the shape does.
            let tag = map.remove("status").expect("just read");
            self.value(value, dirty);
            if let Value::Object(map) = value {
                map.insert("status".into(), tag);
            }
            return;
        }
        match value {
            Value::String(s) => {
                if dirty.values.contains(s.as_str())
                    && let Cow::Owned(clean) = self.text(s)
                {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v, dirty)),
            Value::Object(map) => {
                let dirty_keys: Vec<String> = map
                    .keys()
                    .filter(|k| dirty.keys.contains(k.as_str()))
                    .cloned()
                    .collect();
                for key in dirty_keys {
                    let v = map.remove(&key).expect("key just listed");
                    map.insert(self.text(&key).into_owned(), v);
                }
                map.values_mut().for_each(|v| self.value(v, dirty));
            }
            _ => {}
        }
    }
}

/// The data strings of one value that hold a credential: its map keys and its other strings.
#[derive(Default)]
struct Dirty {
    keys: std::collections::HashSet<String>,
    values: std::collections::HashSet<String>,
}

/// The `status` tags of the facts' internally tagged enums (`#[serde(tag = "status")]` in
/// `checks::facts`): the variant names, in snake case. A credential equal to one of them
/// must not rename a variant, or the facts no longer read back.
const STATUS_TAGS: &[&str] = &[
    "equal",
    "different",
    "unset",
    "ok",
    "refused",
    "failed",
    "not_attempted",
    "not_needed",
    "found",
    "not_found",
    "unavailable",
    "inline",
    "env_unset",
    "system",
    "loaded",
    "broken",
    "error",
    "too_large",
    "timeout",
    "chose",
    "alert",
    "nothing",
];

/// `needle` removed from `text` where it counts as present. `None` when it does not occur.
/// An occurrence inside one of the `public` names longer than it stays: removing it would tell
/// the value to anybody who knows the name. (Longer values go first, so a value that contains
/// a public name is gone before its shorter neighbours are judged.)
fn remove(text: &str, needle: &str, how: Match, public: &[String]) -> Option<String> {
    if !text.contains(needle) {
        return None;
    }
    let joins: fn(char) -> bool = match how {
        Match::Anywhere => |_| false,
        Match::Word => |c| c.is_alphanumeric() || c == '_',
        Match::Name => |c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'),
    };
    let shielded: Vec<(usize, usize)> = public
        .iter()
        .filter(|p| p.len() > needle.len() && p.contains(needle))
        .flat_map(|p| {
            text.match_indices(p.as_str())
                .map(|(at, p)| (at, at + p.len()))
        })
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find(needle) {
        let start = text.len() - rest.len() + at;
        let end = start + needle.len();
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        let after = rest[at + needle.len()..].chars().next();
        out.push_str(&rest[..at]);
        let in_public = shielded.iter().any(|&(s, e)| s <= start && end <= e);
        if before.is_some_and(joins) || after.is_some_and(joins) || in_public {
            out.push_str(needle);
        } else {
            out.push_str(REDACTED);
            changed = true;
        }
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// The `user:pass` of `scheme://user:pass@host:port` (or `user:pass@host:port`).
fn userinfo(address: &str) -> Option<&str> {
    userinfo_at(address).map(|(start, end)| &address[start..end])
}

/// Where the userinfo of an address starts and ends (before its `@`).
fn userinfo_at(address: &str) -> Option<(usize, usize)> {
    let start = address.find("://").map_or(0, |at| at + 3);
    let rest = &address[start..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rfind('@').map(|at| (start, start + at))
}

/// An address as it may be shown: without its userinfo (`redis://host:6379`).
pub fn without_userinfo(address: &str) -> Cow<'_, str> {
    match userinfo_at(address) {
        Some((start, end)) => Cow::Owned(format!("{}{}", &address[..start], &address[end + 1..])),
        None => Cow::Borrowed(address),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubber(users: &[&str], secrets: &[&str]) -> Scrubber {
        let mut s = Scrubber::default();
        users.iter().for_each(|u| s.username(u));
        secrets.iter().for_each(|v| s.secret(v.as_bytes()));
        s
    }

    #[test]
    fn a_value_inside_a_public_name_stays_there_and_goes_everywhere_else() {
        // The password `gloo` (the lab's swapped secret): `<redacted>-mesh` where everybody
        // knows the namespace gloo-mesh would tell it.
        let mut s = scrubber(&[], &["gloo"]);
        s.public = vec!["gloo-mesh".into(), "redis-auth-secrets".into()];
        assert_eq!(
            s.text("secret gloo-mesh/redis-auth-secrets: ERR args 'gloo' 'gloo-ish'"),
            "secret gloo-mesh/redis-auth-secrets: ERR args '<redacted>' '<redacted>-ish'"
        );
        // A value that contains a public name goes whole, before any shorter one is judged.
        let mut s = scrubber(&[], &["gloo-mesh-pw", "gloo"]);
        s.public = vec!["gloo-mesh".into()];
        assert_eq!(
            s.text("ns gloo-mesh: 'gloo-mesh-pw'"),
            "ns gloo-mesh: '<redacted>'"
        );
        // A value equal to a public name is not shielded by it.
        let mut s = scrubber(&[], &["gloo-mesh"]);
        s.public = vec!["gloo-mesh".into()];
        assert_eq!(s.text("'gloo-mesh'"), "'<redacted>'");
    }

    #[test]
    fn credentials_go_and_controls_show() {
        let table: &[(&str, &[&str], &[&str], &str)] = &[
            (
                "ERR unknown command 'AUTH', with args beginning with: 'gloo' 'gloo-pass' ",
                &["gloo"],
                &["gloo-pass"],
                "ERR unknown command 'AUTH', with args beginning with: '<redacted>' '<redacted>' ",
            ),
            (
                "User app has no permissions to run the 'info' command",
                &["app"],
                &["app-pass"],
                "User <redacted> has no permissions to run the 'info' command",
            ),
            // Short values go only as whole tokens: `app` inside `happy` stays.
            ("happy app", &["app"], &[], "happy <redacted>"),
            // A username goes as a whole name: the namespace gloo-mesh stays.
            (
                "secret gloo-mesh/auth: 'gloo' User gloo has",
                &["gloo"],
                &[],
                "secret gloo-mesh/auth: '<redacted>' User <redacted> has",
            ),
            ("x", &[], &["x"], "<redacted>"),
            ("max x-y", &[], &["x"], "max <redacted>-y"),
            // The base64 of a secret goes too (padded or not).
            ("Z2xvby1wYXNz", &[], &["gloo-pass"], "<redacted>"),
            ("Z2xvby1wYXNzIQ==", &[], &["gloo-pass!"], "<redacted>=="),
            // A secret stored with a newline is sent raw and trimmed: both go.
            (
                "'s3cret\n' 's3cret'",
                &[],
                &["s3cret\n"],
                "'<redacted>' '<redacted>'",
            ),
            // `default` is Redis' built-in user, not a secret.
            (
                "User default has no permissions",
                &["default"],
                &[],
                "User default has no permissions",
            ),
            (
                "\x1b[2J\r✔ every check passed",
                &[],
                &[],
                "\\x1b[2J\\r✔ every check passed",
            ),
            ("7.2.4", &["gloo"], &["gloo-pass"], "7.2.4"),
        ];
        for (text, users, secrets, expected) in table {
            assert_eq!(scrubber(users, secrets).text(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn no_piece_of_a_long_credential_shows_raw_or_in_base64() {
        use base64::Engine;
        let token: String = (0..200)
            .map(|i| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 5) % 36]))
            .collect();
        let s = scrubber(&[], &[&token]);
        // Redis echoes 128 characters of an unknown command's arguments.
        let echoed = format!(
            "ERR unknown command 'AUTH', with args beginning with: '{}",
            &token[..115]
        );
        assert_eq!(
            s.text(&echoed),
            "ERR unknown command 'AUTH', with args beginning with: '<redacted>"
        );
        // Any 16 characters of it, wherever they stand; 15 are not a piece.
        assert_eq!(s.text(&format!("x{}y", &token[40..56])), "x<redacted>y");
        assert_eq!(s.text(&token[40..55]), &token[40..55]);
        // The base64 of a cut value, whatever the alignment of the cut.
        for start in [0, 1, 2, 30] {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&token[start..start + 90]);
            let shown = s.text(&b64);
            for window in b64.as_bytes().windows(PIECE) {
                let window = std::str::from_utf8(window).unwrap();
                assert!(!shown.contains(window), "{start}: {shown}");
            }
        }
        // Short credentials keep their whole-value rules: nothing else is taken.
        assert_eq!(scrubber(&[], &["gloo-pass"]).text("gloo-pas"), "gloo-pas");
    }

    #[test]
    fn values_credentials_go_everywhere_but_placeholders_stay_words() {
        let values = serde_json::json!({
            "licensing": {"glooMeshLicenseKey": "Lic3nse-key-a1b2c3"},
            "telemetryGatewayCustomization": {"extraExporters": {"clickhouse": {
                "username": "default", "password": "default"}}},
            "glooPortalServer": {"apiKeyStorage": {"secretKey": "k3y"}},
        });
        let mut s = Scrubber::default();
        s.credentials_of(&values);
        assert_eq!(s.text("key 'Lic3nse-key-a1b2c3'"), "key '<redacted>'");
        // The chart's own placeholder, and a short value: redacted by key, not blanked
        // from every message.
        assert_eq!(
            s.text("so `address` keeps the chart's default: k3y"),
            "so `address` keeps the chart's default: k3y"
        );
    }

    #[test]
    fn userinfo_is_a_credential_and_never_shown() {
        let mut s = Scrubber::default();
        s.address("redis://admin:hunter22@redis.example:6379");
        assert_eq!(
            s.text("dial redis://admin:hunter22@h: admin hunter22"),
            "dial redis://<redacted>@h: <redacted> <redacted>"
        );
        for (address, shown) in [
            (
                "redis://admin:hunter22@redis.example:6379",
                "redis://redis.example:6379",
            ),
            ("admin:hunter22@redis.example:6379", "redis.example:6379"),
            ("rediss://tok@h:1/0", "rediss://h:1/0"),
            ("a://a@h:1", "a://h:1"),
            ("h:1/x@y", "h:1/x@y"),
            ("redis.example:6379", "redis.example:6379"),
        ] {
            assert_eq!(without_userinfo(address), shown);
        }
    }

    #[test]
    fn every_string_of_the_facts_is_scrubbed_keys_too() {
        use checks::testing;
        let mut facts = testing::healthy_target("snapshot");
        testing::with_tls(&mut facts);
        let handshake = facts.tls_facts.handshake.clone();
        testing::set_info(&mut facts, "redis_version", Some("7.2.4\x1b[2J"));
        testing::set_info(&mut facts, "planted-gloo-pass", Some("gloo-pass"));
        facts.address = "gloo:gloo-pass@h:1".into();
        let clean = scrubber(&["gloo"], &["gloo-pass"]).target(facts);
        let json = serde_json::to_string(&clean).unwrap();
        assert!(!json.contains("gloo-pass"), "{json}");
        assert!(!json.contains("\\u001b"), "{json}");
        // Everything else survives the round trip as it was (results, tuples, numbers).
        assert_eq!(clean.tls_facts.handshake, handshake);
        let s = clean.session.ok().unwrap();
        assert_eq!(s.info_field("redis_version"), Some("7.2.4\\x1b[2J"));
        assert_eq!(s.info_field("planted-<redacted>"), Some("<redacted>"));
    }

    #[test]
    fn a_credential_that_is_a_field_or_variant_name_leaves_the_shape_intact() {
        // A password `password` is inside the field names password_key and password; `reset`
        // and `master` are words the facts use for kinds and roles. Only data changes.
        use checks::testing;
        for password in [
            "password",
            "reset",
            "key",
            "session",
            "failed",
            "refused",
            "not_attempted",
            "loaded",
            "ok",
        ] {
            let mut facts = testing::healthy_target("snapshot");
            testing::with_tls(&mut facts);
            testing::set_info(&mut facts, "planted", Some(&format!("x {password} y")));
            let clean = scrubber(&["gloo"], &[password]).target(facts.clone());
            let s = clean.session.ok().unwrap();
            assert_eq!(
                s.info_field("planted"),
                Some("x <redacted> y"),
                "{password}"
            );
            // The facts keep their shape: every check still reads them, and the password's
            // shape (field `password` of the secret lookup) is still there.
            assert_eq!(
                clean.tls_facts.handshake, facts.tls_facts.handshake,
                "{password}"
            );
            let shape = |t: &TargetFacts| match &t.auth.secret {
                checks::facts::SecretLookup::Found { password, .. } => *password,
                _ => None,
            };
            assert!(shape(&facts).is_some());
            assert_eq!(shape(&clean), shape(&facts), "{password}");
        }
    }

    #[test]
    fn clean_facts_pass_unchanged_and_the_quick_test_is_sure() {
        let s = scrubber(&["gloo"], &["gloo-pass"]);
        let mut facts = checks::testing::healthy_target("snapshot");
        facts.auth.namespace = "gloo-mesh".into();
        let before = serde_json::to_string(&facts).unwrap();
        let dirty = |item: &TargetFacts| strings::any(item, |t| matches!(s.text(t), Cow::Owned(_)));
        assert!(!dirty(&facts), "gloo-mesh is not the user gloo");
        assert_eq!(serde_json::to_string(&s.target(facts)).unwrap(), before);
        // Anything planted in a server's text is seen by the quick look.
        for planted in [
            "'gloo'",
            "xgloo-passx",
            "a\x01b",
            "\u{202e}",
            "\n",
            "Z2xvby1wYXNz",
        ] {
            let mut facts = checks::testing::healthy_target("snapshot");
            checks::testing::set_info(&mut facts, "redis_version", Some(planted));
            assert!(dirty(&facts), "{planted:?}");
        }
    }

    #[test]
    fn the_run_knows_every_credential_in_play() {
        use crate::inputs::secrets::SecretFiles;
        use crate::plan::{self, Namespaces};
        let mut values = Values::default();
        values
            .merge_yaml(
                "values.yaml",
                "glooUi: {enabled: true}\ntelemetryGateway: {enabled: true}\nredis:\n  address: redis://ui-user:ui-pass-77@h:1\n  auth: {enabled: true}\ntelemetryGatewayCustomization:\n  extraPipelines: {logs/a: {exporters: [redisstream/a]}}\n  extraExporters:\n    redisstream/a: {endpoint: 'h:2', username: tele-user, password: '${env:PATH}'}\n",
            )
            .unwrap();
        let plans = plan::targets(
            &values,
            &Namespaces {
                management: "gloo-mesh".into(),
                addons: "gloo-mesh-addons".into(),
            },
        );
        let mut files = SecretFiles::default();
        files
            .add(
                "secrets.yaml",
                "kind: Secret\nmetadata: {name: redis-auth-secrets, namespace: gloo-mesh}\nstringData: {username: sec-user, password: sec-pass-1, extra: other-value-9}\n",
            )
            .unwrap();
        let s = Scrubber::for_run(&values, &plans, &SecretSource::Files(files));
        let path = std::env::var("PATH").expect("PATH is set");
        for value in [
            "ui-user",
            "ui-pass-77",
            "tele-user",
            &path,
            "sec-user",
            "sec-pass-1",
            "other-value-9",
        ] {
            assert_eq!(s.text(&format!("'{value}'")), "'<redacted>'", "{value}");
        }
    }
}
