//! A saved facts file (`--facts`) read back: its format, profile and layout checked, and no
//! more than a live run observes.

use std::path::Path;

use checks::facts::{Facts, TargetFacts};

use crate::cli::Profile;
use crate::error::InputError;
use crate::scrub::Scrubber;

/// The most targets a facts file may hold: the supported scale (see the README).
pub(super) const MAX_FACTS_TARGETS: usize = 10_000;

/// The most CONFIG parameters a target's facts may hold: the built-in ones and the rules'.
pub(super) const MAX_FACTS_CONFIG: usize = 128;

pub(super) fn load_facts(path: &Path) -> Result<Facts, InputError> {
    let text = crate::inputs::read_capped(path)?;
    let not_facts = |source| InputError::NotFacts {
        path: path.to_path_buf(),
        source,
    };
    // A time no clock gives would reach the writers (JUnit's durations) as it stands.
    if let Some((key, found)) = crate::inputs::times::first_bad(&text) {
        return Err(InputError::FactsTime {
            path: path.to_path_buf(),
            key,
            found,
        });
    }
    // Read straight into the facts (INFO refuses more than a live run keeps), never into a
    // tree of the whole file.
    let facts: Facts = serde_json::from_str(&text).map_err(not_facts)?;
    drop(text);
    // The fields that decide how the facts are judged are checked before any is used: a file
    // of another format, or a profile this build does not have, is refused naming the key.
    let shown = |text: &str| -> String {
        let mut s: String = text.chars().take(60).flat_map(char::escape_debug).collect();
        if text.chars().count() > 60 {
            s.push('…');
        }
        s
    };
    if facts.schema != checks::facts::FACTS_SCHEMA {
        return Err(InputError::FactsField {
            path: path.to_path_buf(),
            key: "schema",
            found: shown(&facts.schema),
            expected: format!(
                "is not a facts format this version reads (expected {}); save the facts again with this version",
                checks::facts::FACTS_SCHEMA
            ),
        });
    }
    for (key, value, allowed) in [
        ("profile", &facts.profile, Profile::NAMES),
        (
            "layout_policy",
            &facts.layout_policy,
            checks::LayoutPolicy::NAMES,
        ),
    ] {
        if !allowed.contains(&value.as_str()) {
            return Err(InputError::FactsField {
                path: path.to_path_buf(),
                key,
                found: shown(value),
                expected: format!("is not one of {}", allowed.join(", ")),
            });
        }
    }
    // A facts file holds no more than a live run observes (INFO is bounded as it is read).
    let fields = |t: &TargetFacts| {
        t.session.ok().map_or((0, 0), |s| {
            (s.info_sections.values().map(Vec::len).sum(), s.config.len())
        })
    };
    let over = if facts.targets.len() > MAX_FACTS_TARGETS {
        Some(("targets", facts.targets.len(), MAX_FACTS_TARGETS))
    } else {
        facts.targets.iter().find_map(|t| {
            let (sections, config) = fields(t);
            if sections > checks::info::MAX_FIELDS {
                Some(("session.info_sections", sections, checks::info::MAX_FIELDS))
            } else if config > MAX_FACTS_CONFIG {
                Some(("session.config", config, MAX_FACTS_CONFIG))
            } else {
                None
            }
        })
    };
    if let Some((key, found, max)) = over {
        return Err(InputError::FactsField {
            path: path.to_path_buf(),
            key,
            found: format!("{found} entries"),
            expected: format!("is more than {max}, the most a run observes"),
        });
    }
    // A facts file is untrusted text too: its control characters are escaped, and whatever
    // credential its values hold (a file written by hand, or by another tool) is redacted
    // there and removed from every other text of it.
    let mut clean = Scrubber::default();
    clean.credentials_of(&facts.values);
    // No target and no word why (a file emptied by hand): judged as a release with no Redis
    // client is, so a gate never passes on nothing.
    let no_redis_client = match (&facts.no_redis_client, facts.targets.is_empty()) {
        (None, true) => Some("the facts file holds no target".to_string()),
        (why, _) => why.clone(),
    };
    Ok(Facts {
        no_redis_client,
        values_issues: clean.values_issues(facts.values_issues),
        targets: facts.targets.into_iter().map(|t| clean.target(t)).collect(),
        values: clean.values(crate::scrub::values::redacted(&facts.values)),
        ..facts
    })
}
