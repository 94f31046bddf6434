//! What the user asked for, checked before any probe runs: the arguments, and which checks the
//! selection (`--only`, `--skip`) judges, with did-you-mean for a glob that matches none.

use std::time::Duration;

use checks::Judged;
use reports::Format;

use crate::cli::RunArgs;
use crate::error::InputError;
use crate::inputs::duration;
use crate::rules::RuleSet;

/// What the user asked for, checked before any probe runs.
pub(super) struct Request {
    pub(super) timeout: Duration,
    /// `--wait`: how long to probe again while anything fails or is unknown.
    pub(super) wait: Option<Duration>,
    pub(super) only: Vec<glob::Pattern>,
    pub(super) skip: Vec<glob::Pattern>,
    pub(super) stdout: Option<Format>,
    pub(super) files: Vec<Format>,
}

pub(super) fn validate(args: &RunArgs) -> Result<Request, InputError> {
    let timeout = match duration::parse(&args.timeout) {
        Ok(ns) if ns > 0 => Duration::from_nanos(ns as u64),
        Err(why) if why.contains("out of range") => {
            return Err(InputError::TimeoutOutOfRange { why });
        }
        _ => {
            return Err(InputError::BadTimeout {
                found: args.timeout.clone(),
            });
        }
    };
    let globs = |flag: &'static str, list: &[String]| {
        list.iter()
            .map(|g| {
                glob::Pattern::new(g).map_err(|source| InputError::BadGlob {
                    flag,
                    glob: g.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let mut formats: Vec<Format> = args.formats.iter().map(|f| f.format()).collect();
    formats.sort();
    formats.dedup();
    let file_formats: Vec<Format> = formats
        .iter()
        .copied()
        .filter(|f| f.file_name().is_some())
        .collect();
    if let Some(dir) = &args.output_dir
        && dir.exists()
        && !dir.is_dir()
    {
        return Err(InputError::OutputDirIsFile { path: dir.clone() });
    }
    let (stdout, files) = match &args.output_dir {
        Some(_) if file_formats.is_empty() => (Some(Format::Terminal), Format::FILES.to_vec()),
        Some(_) => (Some(Format::Terminal), file_formats),
        None if formats.len() > 1 => {
            return Err(InputError::SeveralFormatsToStdout);
        }
        None => (
            Some(formats.first().copied().unwrap_or(Format::Terminal)),
            Vec::new(),
        ),
    };
    let wait = match &args.wait {
        None => None,
        Some(_) if args.facts.is_some() => return Err(InputError::WaitOnFacts),
        Some(text) => match duration::parse(text) {
            Ok(ns) if ns > 0 => Some(Duration::from_nanos(ns as u64)),
            _ => {
                return Err(InputError::BadWait {
                    found: text.clone(),
                });
            }
        },
    };
    Ok(Request {
        timeout,
        wait,
        only: globs("--only", &args.only)?,
        skip: globs("--skip", &args.skip)?,
        stdout,
        files,
    })
}

/// A gate must never pass on nothing: `--only`/`--skip` that leave no check of this run
/// selected are an input error naming the globs and the nearest check IDs.
pub(super) fn ensure_selection(
    request: &Request,
    profile: &str,
    allow_write: bool,
    rules: &RuleSet,
    waivers_given: bool,
) -> Result<(), InputError> {
    // The built-in checks and the loaded rules are selected alike.
    let metas: Vec<&checks::Meta> = checks::CATALOG
        .iter()
        .map(|c| c.meta())
        .chain(std::iter::once(&crate::waivers::META))
        .chain(rules.rules.iter().map(|r| r.meta))
        .collect();
    // A skip that names no check of any profile is a typo: it would skip nothing, silently.
    if let Some(glob) = request
        .skip
        .iter()
        .find(|g| !metas.iter().any(|m| g.matches(m.id)))
    {
        return Err(InputError::SkipMatchesNothing {
            glob: glob.as_str().to_string(),
            near: nearest(glob.as_str(), &metas)
                .iter()
                .map(|m| m.id.to_string())
                .collect(),
        });
    }
    let runs = |m: &checks::Meta| {
        m.profiles.contains(&profile)
            && (!m.opt_in || allow_write)
            && (m.id != crate::waivers::META.id || waivers_given)
    };
    if metas.iter().any(|m| runs(m) && selected(request, m.id)) {
        return Ok(());
    }
    let globs: Vec<String> = [("--only", &request.only), ("--skip", &request.skip)]
        .iter()
        .flat_map(|(flag, list)| list.iter().map(move |g| format!("{flag} {}", g.as_str())))
        .collect();
    // The nearest IDs to each --only glob that matched nothing this run would judge.
    let mut near: Vec<String> = Vec::new();
    for glob in &request.only {
        for m in nearest(glob.as_str(), &metas) {
            let note = if !m.profiles.contains(&profile) {
                format!(" (profile {})", m.profiles.join(" or "))
            } else if m.opt_in && !allow_write {
                " (with --allow-write)".to_string()
            } else {
                String::new()
            };
            let id = format!("{}{note}", m.id);
            if !near.contains(&id) {
                near.push(id);
            }
        }
    }
    Err(InputError::NothingSelected {
        globs,
        profile: profile.to_string(),
        near,
    })
}

/// The two check IDs nearest to `glob`, nearest first.
pub(super) fn nearest<'a>(glob: &str, metas: &[&'a checks::Meta]) -> Vec<&'a checks::Meta> {
    crate::suggest::likely(glob, metas.iter().map(|m| m.id), 2)
        .into_iter()
        .filter_map(|id| metas.iter().copied().find(|m| m.id == id))
        .collect()
}

pub(super) fn selected(request: &Request, id: &str) -> bool {
    (request.only.is_empty() || request.only.iter().any(|p| p.matches(id)))
        && !request.skip.iter().any(|p| p.matches(id))
}

/// A selected check skipped because an unselected prerequisite did not pass: the report
/// does not show the cause, so the check counts as undetermined rather than a harmless skip
/// (an `--only auth.login` run against a closed port must not exit 0).
pub(super) fn unselected_blocker(
    j: &Judged,
    all: &std::collections::HashMap<(&str, &str), &Judged>,
    request: &Request,
) -> Option<Option<String>> {
    let blocker = j.verdict.blocked_by?;
    if selected(request, blocker) {
        return None;
    }
    all.get(&(blocker, j.target.as_str()))
        .map(|cause| cause.verdict.remediation.clone())
}

/// Marks `j` undetermined when [`unselected_blocker`] found the prerequisite that blocked it;
/// the fix is that prerequisite's.
pub(super) fn undetermined(mut j: Judged, blocker_fix: Option<Option<String>>) -> Judged {
    if let Some(fix) = blocker_fix {
        j.verdict.outcome = reports::Outcome::Unknown;
        j.verdict.message = format!("{} (not selected; run it to see why)", j.verdict.message);
        j.verdict.remediation = fix;
    }
    j
}
