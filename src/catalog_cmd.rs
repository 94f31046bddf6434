//! `list`, `explain` and `schema`: the catalog (built-in checks and `--rules`), the report
//! format and the facts rules see, for people and tools.

use std::fmt::Write as _;

use std::path::PathBuf;

use checks::{CATALOG, Meta};
use reports::escape::controls;
use reports::exit_codes;

use crate::cli::ListFormat;
use crate::error::InputError;
use crate::rules::RuleSet;

/// Writes to stdout; a closed pipe (`| head`) is the reader's choice, not an error.
pub fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

pub fn list(format: ListFormat, rule_files: &[PathBuf]) -> Result<i32, InputError> {
    // A bad rules file is exit 2, as for `run`.
    let rules = RuleSet::load(rule_files)?;
    let metas: Vec<&Meta> = CATALOG
        .iter()
        .map(|c| c.meta())
        .chain(std::iter::once(&crate::waivers::META))
        .chain(rules.rules.iter().map(|r| r.meta))
        .collect();
    if format == ListFormat::Json {
        let entries: Vec<serde_json::Value> = metas
            .iter()
            .map(|m| {
                let mut entry = serde_json::json!({
                    "id": m.id,
                    "title": m.title,
                    "category": m.category,
                    "scope": if m.scope == checks::Scope::Target { "target" } else { "install" },
                    "profiles": m.profiles,
                    "requires": m.requires,
                    "opt_in": m.opt_in,
                });
                if let Some(rule) = rules.find(m.id) {
                    entry["rule"] = serde_json::json!({
                        "when": rule.when,
                        "fix": rule.fix,
                        "severity": rule.severity.name(),
                        "targets": rule.targets,
                    });
                }
                entry
            })
            .collect();
        emit(&format!("{:#}\n", serde_json::Value::Array(entries)));
        return Ok(exit_codes::OK);
    }
    if format == ListFormat::Markdown {
        emit(&markdown(&metas, &rules));
        return Ok(exit_codes::OK);
    }
    let id = metas.iter().map(|m| m.id.len()).max().unwrap_or(0).max(20);
    // A rule's title is the file's text: shown, never acted on by the terminal.
    let shown = |m: &Meta| controls(m.title).into_owned();
    let title = metas.iter().map(|m| shown(m).len()).max().unwrap_or(0);
    let mut text = format!(
        "{:<id$} {:<title$} {:<40} REQUIRES\n",
        "ID", "TITLE", "PROFILES"
    );
    for m in metas {
        let profiles = if m.opt_in {
            format!("{} +--allow-write", m.profiles.join(","))
        } else if rules.find(m.id).is_some() {
            format!("{} (rule)", m.profiles.join(","))
        } else {
            m.profiles.join(",")
        };
        let _ = writeln!(
            text,
            "{:<id$} {:<title$} {:<40} {}",
            m.id,
            shown(m),
            profiles,
            m.requires.join(",")
        );
    }
    emit(&text);
    Ok(exit_codes::OK)
}

/// The catalog as Markdown: a table of one line per check (the README's), then each check's
/// full text as `explain` prints it, its headings one level down. `docs/checks.md` is this
/// output, so the docs say what the binary says.
fn markdown(metas: &[&Meta], rules: &RuleSet) -> String {
    use reports::markdown::{cell, cell_code, code_span};
    let profiles = |m: &Meta| {
        let named = if m.profiles == checks::check::ALL_PROFILES {
            "all".to_string()
        } else {
            m.profiles.join(", ")
        };
        if m.opt_in {
            format!("{named}, with `--allow-write`")
        } else if let Some(rule) = rules.find(m.id) {
            format!("{named} (rule, {})", rule.severity.name())
        } else {
            named
        }
    };
    let mut text = String::from(
        "# Checks\n\n\
         Every check of `redis-preflight list`: its ID, the condition under which it passes, and\n\
         the profiles that run it; then each one's full text, as `redis-preflight explain ID`\n\
         prints it.\n\n\
         | ID | passes when | profiles |\n|---|---|---|\n",
    );
    for m in metas {
        let _ = writeln!(
            text,
            "| {} | {} | {} |",
            cell_code(m.id),
            cell(m.title),
            profiles(m)
        );
    }
    for m in metas {
        let _ = write!(text, "\n## {} — {}\n\n", code_span(m.id), controls(m.title));
        let scope = if m.scope == checks::Scope::Target {
            "per target"
        } else {
            "once for the install"
        };
        let _ = write!(text, "Runs {scope}; profiles: {}", profiles(m));
        if !m.requires.is_empty() {
            let requires: Vec<String> = m.requires.iter().map(|r| code_span(r)).collect();
            let _ = write!(text, "; requires {}", requires.join(", "));
        }
        text.push_str(".\n\n");
        for line in m.explain.trim().lines() {
            let line = line.strip_prefix(' ').unwrap_or(line);
            let line = controls(line);
            match line.strip_prefix("## ") {
                Some(heading) => {
                    let _ = writeln!(text, "### {heading}");
                }
                None => {
                    let _ = writeln!(text, "{line}");
                }
            }
        }
    }
    text
}

pub fn explain(id: &str, rule_files: &[PathBuf]) -> Result<i32, InputError> {
    let rules = RuleSet::load(rule_files)?;
    let meta = checks::find(id)
        .map(|c| c.meta())
        .or_else(|| (id == crate::waivers::META.id).then_some(&crate::waivers::META))
        .or_else(|| rules.find(id).map(|r| r.meta));
    let Some(m) = meta else {
        let ids = CATALOG
            .iter()
            .map(|c| c.meta().id)
            .chain(rules.rules.iter().map(|r| r.meta.id));
        let nearest = crate::suggest::closest(id, ids)
            .unwrap_or_default()
            .to_string();
        return Err(InputError::UnknownCheck {
            id: id.to_string(),
            nearest,
        });
    };
    let mut text = format!("{} — {}\n\n", m.id, controls(m.title));
    // `///` lines keep the space after the slashes. A rule's lines are the file's text.
    for line in m.explain.trim_end().lines() {
        let _ = writeln!(text, "{}", controls(line.strip_prefix(' ').unwrap_or(line)));
    }
    if !m.requires.is_empty() {
        let _ = write!(text, "\n## Prerequisites\n{}\n", m.requires.join(", "));
    }
    let _ = write!(text, "\n## Profiles\n{}\n", m.profiles.join(", "));
    emit(&text);
    Ok(exit_codes::OK)
}

/// The JSON Schema of `report.json`, or with `facts` of what a rule sees.
pub fn schema(facts: bool, waivers: bool) -> i32 {
    let schema = if waivers {
        crate::waivers::schema()
    } else if facts {
        crate::rules::env::schema()
    } else {
        reports::json::schema()
    };
    emit(&format!("{schema:#}\n"));
    exit_codes::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_has_a_row_and_a_section_per_check() {
        let rules = RuleSet::load(&[]).expect("no rule files");
        let metas: Vec<&Meta> = CATALOG.iter().map(|c| c.meta()).collect();
        let text = markdown(&metas, &rules);
        for m in &metas {
            assert!(text.contains(&format!("\n| `{}` | ", m.id)), "{}", m.id);
            assert!(text.contains(&format!("\n## `{}` — ", m.id)), "{}", m.id);
        }
        // The explanations' headings sit one level below each check's.
        assert!(!text.contains("\n## What it checks"));
        assert!(text.contains("\n### What it checks\n"));
        assert!(text.contains(
            "| `data.write-probe` | the credentials can write, read back and delete a key | all, with `--allow-write` |"
        ));
        assert!(text.contains(
            "| `data.snapshot` | the management server's snapshot is in Redis | post-upgrade |"
        ));
    }
}
