//! Texts made to fit one line, as every error, message and report cell is: the one place that
//! decides how a line break is dropped.

/// The first line with text, trimmed (parsers and servers add snippets below their message).
pub fn first(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// Every line with text, trimmed and joined by `; ` (after a line ending in `:`, a space):
/// for a message whose later lines matter (clap's usage and did-you-mean).
pub fn joined(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            out.push_str(if out.ends_with(':') { " " } else { "; " });
        }
        out.push_str(line);
    }
    out
}

/// Line breaks become spaces, nothing else changes (copied only when there is one): for a
/// verdict's message, whose words a report keeps as they are.
pub fn flattened(text: String) -> String {
    if text.contains(['\n', '\r']) {
        text.replace(['\n', '\r'], " ")
    } else {
        text
    }
}

/// `error` and its causes: `what: cause: cause`. A cause whose text the message already quotes
/// (libraries that print their source inside their own message) is not repeated; of each, only
/// its first line.
pub fn error(error: &dyn std::error::Error) -> String {
    let mut line = first(&error.to_string());
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = first(&e.to_string());
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = e.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_way_keeps_what_its_callers_need() {
        assert_eq!(first("\n  first \nsecond"), "first");
        assert_eq!(
            joined("error: missing:\n  <ID>\n\nUsage: x"),
            "error: missing: <ID>; Usage: x"
        );
        assert_eq!(flattened("a\nb\r\nc".to_string()), "a b  c");
    }
}
