//! Where a credential counts as present in a text, and its removal: whole values by how they
//! match ([`Match`]), pieces of long ones through one automaton, control characters escaped.

use std::borrow::Cow;

use super::{Match, REDACTED, Scrubber};

impl Scrubber {
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

    /// Every piece of a long credential in `text` replaced, overlapping pieces as one.
    fn remove_pieces(&self, text: &str) -> Option<String> {
        if self.pieces.is_empty() {
            return None;
        }
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for at in self.pieces.starts(text.as_bytes()) {
            let (mut start, mut end) = (at, at + super::PIECE);
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
}

/// `needle` removed from `text` where it counts as present. `None` when it does not occur.
/// An occurrence inside one of the `public` names longer than it stays: removing it would tell
/// the value to anybody who knows the name. (Longer values go first, so a value that contains
/// a public name is gone before its shorter neighbours are judged.)
fn remove(text: &str, needle: &str, how: Match, public: &[String]) -> Option<String> {
    // Most texts are shorter than a long credential (a CA certificate): the search's own
    // set-up, per text and needle, cost more than the rest of the scrubbing.
    if needle.len() > text.len() || !text.contains(needle) {
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
