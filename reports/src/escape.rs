//! Untrusted text stays text: control characters made visible, so a value a server or a
//! values file supplied cannot move the cursor, clear the screen or reorder a line.

use std::borrow::Cow;

/// Whether `c` would act on a terminal or a renderer instead of being shown: the C0 and C1
/// controls, DEL, the Unicode bidirectional controls (which can make a line read differently
/// from what it holds), and U+FFFE / U+FFFF (not allowed in XML 1.0).
pub fn is_active(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

/// `text` with every active character written as a visible escape: `\n`, `\r`, `\t`, `\x1b`,
/// `\u{202e}`. Borrowed when there is none (the usual case).
pub fn controls(text: &str) -> Cow<'_, str> {
    // Printable ASCII is never active: the usual text is settled byte by byte.
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) || !text.chars().any(is_active) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_active(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_active(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_characters_become_visible() {
        for (text, shown) in [
            ("7.2.4", "7.2.4"),
            (
                "\x1b[2J\r✔ every check passed",
                "\\x1b[2J\\r✔ every check passed",
            ),
            ("a\nb\tc\x07", "a\\nb\\tc\\x07"),
            ("\u{9b}31m", "\\x9b31m"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            ("\u{ffff}", "\\u{ffff}"),
            ("é ✔ ⚠", "é ✔ ⚠"),
        ] {
            assert_eq!(controls(text), shown, "{text:?}");
        }
        assert!(matches!(controls("plain"), Cow::Borrowed(_)));
    }
}
