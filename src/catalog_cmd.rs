//! `list`, `explain` and `schema`: the catalog and the report format, for people and tools.

use std::fmt::Write as _;

use checks::CATALOG;
use reports::exit_codes;

use crate::cli::ListFormat;

/// Writes to stdout; a closed pipe (`| head`) is the reader's choice, not an error.
pub fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

pub fn list(format: ListFormat) -> i32 {
    if format == ListFormat::Json {
        let entries: Vec<serde_json::Value> = CATALOG
            .iter()
            .map(|c| {
                let m = c.meta();
                serde_json::json!({
                    "id": m.id,
                    "title": m.title,
                    "category": m.category,
                    "scope": if m.scope == checks::Scope::Target { "target" } else { "install" },
                    "profiles": m.profiles,
                    "requires": m.requires,
                    "opt_in": m.opt_in,
                })
            })
            .collect();
        emit(&format!("{:#}\n", serde_json::Value::Array(entries)));
        return exit_codes::OK;
    }
    let title = CATALOG
        .iter()
        .map(|c| c.meta().title.len())
        .max()
        .unwrap_or(0);
    let mut text = format!(
        "{:<20} {:<title$} {:<40} REQUIRES\n",
        "ID", "TITLE", "PROFILES"
    );
    for check in CATALOG {
        let m = check.meta();
        let profiles = if m.opt_in {
            format!("{} +--allow-write", m.profiles.join(","))
        } else {
            m.profiles.join(",")
        };
        let _ = writeln!(
            text,
            "{:<20} {:<title$} {:<40} {}",
            m.id,
            m.title,
            profiles,
            m.requires.join(",")
        );
    }
    emit(&text);
    exit_codes::OK
}

pub fn explain(id: &str) -> i32 {
    let Some(check) = checks::find(id) else {
        let best = CATALOG
            .iter()
            .map(|c| c.meta().id)
            .max_by(|a, b| strsim::jaro_winkler(id, a).total_cmp(&strsim::jaro_winkler(id, b)))
            .unwrap_or_default();
        eprintln!(
            "error: no check `{id}` (did you mean `{best}`? `redis-preflight list` shows them all)"
        );
        return exit_codes::INPUT;
    };
    let m = check.meta();
    let mut text = format!("{} — {}\n\n", m.id, m.title);
    // `///` lines keep the space after the slashes.
    for line in m.explain.trim_end().lines() {
        let _ = writeln!(text, "{}", line.strip_prefix(' ').unwrap_or(line));
    }
    if !m.requires.is_empty() {
        let _ = write!(text, "\n## Prerequisites\n{}\n", m.requires.join(", "));
    }
    let _ = write!(text, "\n## Profiles\n{}\n", m.profiles.join(", "));
    emit(&text);
    exit_codes::OK
}

pub fn schema() -> i32 {
    emit(&format!("{:#}\n", reports::json::schema()));
    exit_codes::OK
}
