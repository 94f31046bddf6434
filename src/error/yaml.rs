//! YAML parse errors as a user reads them: `line N: what is wrong`, never the parser's
//! internals (`budget breached: Nodes { nodes: 250001 }`) or a multi-line snippet.

use serde_saphyr::budget::BudgetBreach;

/// Why a text is not YAML the tool can read: the line (when the parser knows it) and what is
/// wrong there, on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based.
    pub line: Option<usize>,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

/// The [`Problem`] behind a parser error.
pub fn describe(error: &serde_saphyr::Error) -> Problem {
    // A budget breached while expanding an alias arrives wrapped in the alias' locations.
    let mut inner = error;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = inner
    {
        inner = error;
    }
    let what = match inner {
        serde_saphyr::Error::Budget { breach, .. } => budget(breach),
        serde_saphyr::Error::DuplicateMappingKey { key, .. } => match key {
            Some(key) => format!(
                "key {} appears twice in one mapping: keep one (which one wins differs between YAML readers)",
                shown_key(key)
            ),
            None => "a key appears twice in one mapping: keep one".to_string(),
        },
        serde_saphyr::Error::MultipleDocuments { .. } => {
            "more than one YAML document (---): Helm reads only the first of a values file and ignores the rest; keep one document".to_string()
        }
        serde_saphyr::Error::NonFiniteFloat { value, .. } => format!(
            "{} is not a finite number",
            shown_key(value)
        ),
        other => {
            let text = other.to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            strip_location(first.trim()).to_string()
        }
    };
    Problem {
        line: error
            .location()
            .map(|l| l.line() as usize)
            .filter(|&l| l > 0),
        what,
    }
}

/// A key as the user wrote it, cut short and with control characters escaped: a
/// duplicate key is never a credential value, but it is still text from a file.
fn shown_key(key: &str) -> String {
    let mut shown: String = key.chars().take(80).flat_map(char::escape_debug).collect();
    if key.chars().count() > 80 {
        shown.push('…');
    }
    shown
}

/// The parser's own location suffix or prefix dropped: the caller says `line N` once.
fn strip_location(message: &str) -> &str {
    let message = message.strip_prefix("error: ").unwrap_or(message);
    let message = match message.find(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    match message.strip_prefix("line ") {
        Some(rest) => rest.split_once(": ").map_or(message, |(_, m)| m),
        None => message,
    }
}

/// A breached parser budget as a plain sentence. The budgets keep a hostile file (a billion
/// laughs, a million nested lists) from taking the memory of the machine.
fn budget(breach: &BudgetBreach) -> String {
    let more = |n: usize, what: &str| {
        format!(
            "more than {} {what}: far beyond any values or secrets file, refused to keep memory bounded",
            thousands(n.saturating_sub(1))
        )
    };
    match breach {
        BudgetBreach::Nodes { nodes } => more(*nodes, "YAML nodes (keys, values, lists, mappings)"),
        BudgetBreach::Events { events } => more(*events, "YAML parser events"),
        BudgetBreach::Aliases { aliases } => more(*aliases, "aliases (*name)"),
        BudgetBreach::Anchors { anchors } => more(*anchors, "anchors (&name)"),
        BudgetBreach::Depth { depth } => more(*depth, "levels of nesting"),
        BudgetBreach::Documents { documents } => more(*documents, "YAML documents"),
        BudgetBreach::ScalarBytes { total_scalar_bytes } => {
            more(*total_scalar_bytes, "bytes of text")
        }
        _ => "too large, too deeply nested or too many aliases to read safely".to_string(),
    }
}

/// `250000` → `250,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        let e = serde_saphyr::from_str::<serde_json::Value>(text).unwrap_err();
        describe(&e).to_string()
    }

    #[test]
    fn budgets_read_as_sentences() {
        let huge = "- 1\n".repeat(300_000);
        let message = error(&huge);
        assert!(
            message.contains("more than 250,000 YAML nodes"),
            "{message}"
        );
        assert!(
            !message.contains("budget") && !message.contains('{'),
            "{message}"
        );
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn alias_bombs_and_duplicate_keys_read_as_sentences() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (name, prev) in ["b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g"])
        {
            bomb.push_str(&format!(
                "{name}: &{name} [{}]\n",
                vec![format!("*{prev}"); 9].join(", ")
            ));
        }
        let message = error(&bomb);
        assert!(
            message.contains("more than 250,000 YAML nodes"),
            "{message}"
        );
        assert!(
            !message.contains("budget") && !message.contains('{'),
            "{message}"
        );

        let message = serde_saphyr::from_str::<serde_json::Value>("a: 1\n---\nb: 2\n")
            .map(|_| String::new())
            .unwrap_or_else(|e| describe(&e).to_string());
        assert!(
            message.contains("more than one YAML document (---): Helm reads only the first"),
            "{message}"
        );
        let message = error("a: .nan\n");
        assert_eq!(message, "line 1: .nan is not a finite number");

        let message = error("redis:\n  address: a:1\n  address: b:2\n");
        assert_eq!(
            message,
            "line 3: key address appears twice in one mapping: keep one (which one wins differs between YAML readers)"
        );
    }

    #[test]
    fn syntax_errors_keep_their_line() {
        let message = error("redis:\n  address: [\n");
        assert!(message.starts_with("line "), "{message}");
        assert!(!message.contains('\n'), "{message}");
        let message = error("a: 1\nb: 2\n  c: 3\n");
        assert!(message.starts_with("line "), "{message}");
        assert!(!message.contains(" at line "), "{message}");
    }
}
