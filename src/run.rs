//! The whole pipeline, in one place: inputs → plan → probes → facts → checks → reports.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use checks::Judged;
use checks::facts::{Facts, TargetFacts};
use reports::{Format, Report, Row, TargetInfo};
use serde_json::{Map, Value};

use crate::cli::{Profile, RunArgs};
use crate::cluster;
use crate::credentials::{self, SecretSource};
use crate::error::{Error, InputError, InternalError};
use crate::inputs::duration;
use crate::inputs::manifests::Manifests;
use crate::inputs::secrets::SecretFiles;
use crate::inputs::values::Values;
use crate::plan::{self, Namespaces, TargetPlan};
use crate::probe::dns::Dialer;
use crate::probe::elapsed_ms;
use crate::probe::session;
use crate::probe::target::{self, Job};
use crate::rules::RuleSet;
use crate::scrub::Scrubber;
use crate::trust;
use crate::values_lint;
use crate::wait;
use crate::waivers::Waivers;

/// How long reading secrets from the cluster may take, at most.
/// The most targets a facts file may hold: the supported scale (see the README).
const MAX_FACTS_TARGETS: usize = 10_000;
/// The most CONFIG parameters a target's facts may hold: the built-in ones and the rules'.
const MAX_FACTS_CONFIG: usize = 128;
const KUBE_DEADLINE: Duration = Duration::from_secs(10);

/// What the user asked for, checked before any probe runs.
struct Request {
    timeout: Duration,
    /// `--wait`: how long to probe again while anything fails or is unknown.
    wait: Option<Duration>,
    only: Vec<glob::Pattern>,
    skip: Vec<glob::Pattern>,
    stdout: Option<Format>,
    files: Vec<Format>,
}

/// Runs `redis-preflight run` and returns its exit code.
pub async fn run(args: RunArgs) -> Result<i32, Error> {
    let started_at = time::OffsetDateTime::now_utc();
    let clock = Instant::now();
    let request = validate(&args)?;
    let rules = RuleSet::load(&args.rules)?;
    let waivers = Waivers::load(&args.waivers)?;
    let today = started_at.date();
    let (facts, judged, wait) = match &args.facts {
        // A saved observation judged again (an air-gapped site, a support case): no probe runs.
        Some(path) => {
            let mut facts = load_facts(path)?;
            // `--profile ci` judges preflight facts as the gate does (ci is preflight, strict):
            // nothing checked is then `unknown`, never a pass.
            if args.profile == Profile::Ci && facts.profile() == Profile::Preflight {
                facts.profile = Profile::Ci.name().to_string();
            }
            ensure_selection(
                &request,
                &facts.profile,
                facts.allow_write,
                &rules,
                waivers.given,
            )?;
            // Rules are judged from the same facts, after the checks whose verdicts they need.
            let judged = rules.beside(&facts, checks::evaluate(&facts), clock + request.timeout);
            (facts, judged, None)
        }
        None => {
            ensure_selection(
                &request,
                args.profile.name(),
                args.allow_write,
                &rules,
                waivers.given,
            )?;
            // INFO's sections are kept for rules: those loaded, or those a replay of the saved
            // facts may bring.
            let sections = !rules.rules.is_empty() || args.save_facts.is_some();
            let observe = || observe(&args, &request, started_at, rules.config, sections);
            match request.wait {
                None => {
                    let facts = observe().await?;
                    let judged =
                        rules.beside(&facts, checks::evaluate(&facts), clock + request.timeout);
                    (facts, judged, None)
                }
                Some(deadline) => {
                    // Each round's judging is bounded by --timeout, as its probing is.
                    let judge = |facts: &Facts| {
                        rules.beside(
                            facts,
                            checks::evaluate(facts),
                            Instant::now() + request.timeout,
                        )
                    };
                    let pending = |j: &Judged| {
                        selected(&request, j.meta.id)
                            && waivers
                                .find(j.meta.id, &j.target, j.verdict.outcome, today)
                                .is_none()
                    };
                    let (facts, judged, mut wait) =
                        wait::until_passing(deadline, observe, judge, pending).await?;
                    wait.deadline = args.wait.clone().unwrap_or_default();
                    (facts, judged, Some(wait))
                }
            }
        }
    };
    if let Some(path) = &args.save_facts {
        let text = serde_json::to_string_pretty(&facts).map_err(|e| InternalError::Serialise {
            what: "the facts",
            source: e.into(),
        })?;
        let unwritable = |source| InputError::Unwritable {
            path: path.clone(),
            what: "the facts",
            source,
        };
        // `--save-facts out/facts.json -o out`: the folder is made as `-o` makes its own.
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(unwritable)?;
        }
        std::fs::write(path, text + "\n").map_err(unwritable)?;
    }

    // The checks judged are those of the profile the facts were observed under; strictness is
    // the union of what the facts and the command line ask (`--facts f.json --profile ci`
    // gates as `--profile ci` does).
    let ci = args.profile == Profile::Ci || facts.profile() == Profile::Ci;
    let label = if ci { "ci" } else { facts.profile.as_str() };
    let mut report = Report::new(label, args.strict || ci);
    report.started_at = started_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    report.targets = facts.targets.iter().map(target_info).collect();
    report.wait = wait;
    // The waivers are judged over every result, selected or not.
    let waivers_row = waivers.given.then(|| {
        let (outcome, message, evidence, remediation) =
            waivers.verdict(judged.iter().map(|j| (j.meta.id, j.target.as_str())), today);
        Row {
            check: crate::waivers::META.id.to_string(),
            target: "*".to_string(),
            outcome,
            title: crate::waivers::META.title.to_string(),
            message: crate::one_line::flattened(message),
            remediation,
            evidence,
            duration_ms: 0.0,
            waiver: None,
        }
    });
    // Everything observed is judged: the facts (every INFO of every target) make room for
    // the report.
    drop(facts);
    // Verdicts are moved into the rows, not copied: at hundreds of targets that is thousands.
    // Each verdict found by check and target at once, not by a walk over all of them.
    let by_key: std::collections::HashMap<(&str, &str), &Judged> = judged
        .iter()
        .map(|j| ((j.meta.id, j.target.as_str()), j))
        .collect();
    let blockers: Vec<_> = judged
        .iter()
        .map(|j| unselected_blocker(j, &by_key, &request))
        .collect();
    drop(by_key);
    report.results = Vec::with_capacity(judged.len());
    report.results.extend(
        judged
            .into_iter()
            .zip(blockers)
            .filter(|(j, _)| selected(&request, j.meta.id))
            .map(|(j, blocker)| undetermined(j, blocker))
            .map(|j| Row {
                waiver: waivers.find(j.meta.id, &j.target, j.verdict.outcome, today),
                check: j.meta.id.to_string(),
                target: j.target,
                outcome: j.verdict.outcome,
                title: j.meta.title.to_string(),
                // Every message is one line, whatever a library put in it.
                message: crate::one_line::flattened(j.verdict.message),
                remediation: j.verdict.remediation.map(crate::one_line::flattened),
                evidence: j.verdict.evidence,
                duration_ms: j.duration_ms,
            }),
    );
    report
        .results
        .extend(waivers_row.filter(|r| selected(&request, &r.check)));
    report.duration_ms = elapsed_ms(clock);
    if let Some(dir) = &args.output_dir {
        write_files(&report, &request.files, dir)?;
    }
    if let Some(format) = request.stdout {
        let stdout = std::io::stdout().lock();
        let colour = colour(&stdout);
        // Buffered: a report is hundreds of small writes, one system call each otherwise.
        let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, stdout);
        let result = match format {
            Format::Terminal => reports::terminal::write_styled(&report, &mut stdout, colour),
            other => other.write(&report, &mut stdout),
        };
        // A closed pipe (`| head`) is the reader's choice, not an error of the run.
        if let Err(e) = result.and_then(|_| std::io::Write::flush(&mut stdout))
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            eprintln!("error: cannot write to stdout: {e}");
        }
    }
    let code = report.exit_code();
    // The process ends right after: freeing thousands of strings one by one would only cost time.
    std::mem::forget(report);
    Ok(code)
}

/// Reads the inputs and probes every target: the facts of this run.
async fn observe(
    args: &RunArgs,
    request: &Request,
    started_at: time::OffsetDateTime,
    rule_config: &'static [String],
    info_sections: bool,
) -> Result<Facts, InputError> {
    let stdin: Vec<&str> = [("-f", &args.values), ("--manifests", &args.manifests)]
        .iter()
        .flat_map(|(flag, paths)| paths.iter().filter(|p| p.as_os_str() == "-").map(|_| *flag))
        .collect();
    if stdin.len() > 1 {
        return Err(InputError::StdinTwice {
            flags: stdin
                .iter()
                .map(|f| format!("{f} -"))
                .collect::<Vec<_>>()
                .join(" and "),
        });
    }
    let values = Values::load(&args.values, &args.set)?;
    let namespaces =
        Namespaces::resolve(&values, &args.namespace, args.addons_namespace.as_deref());
    let access = cluster::Access {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    };
    let deadline = request.timeout.min(KUBE_DEADLINE);
    let mut values_issues = values_lint::validate(&values);
    let manifests = if args.from_cluster {
        let wanted = cluster::objects::release_objects(&values, &namespaces);
        let (objects, issues) = cluster::objects::read(&wanted, &access, deadline).await?;
        values_issues.extend(issues);
        objects
    } else {
        Manifests::load(&args.manifests)?
    };
    let from_values = plan::targets(&values, &namespaces);
    // With rendered objects, the targets are what the components are given; the values, when
    // given too, are compared with them (values.rendered).
    let (plans, no_redis_client, rendered) = if manifests.is_empty() {
        let why = plan::no_client_reason(&values, &from_values);
        (from_values, why, None)
    } else {
        let (plans, issues) = plan::rendered::targets(&manifests, &args.namespace);
        values_issues.extend(issues);
        let given_values = !args.values.is_empty() || !args.set.is_empty();
        let comparison = given_values.then(|| checks::facts::RenderedComparison {
            values: plan::rendered::clients(&from_values),
            rendered: plan::rendered::clients(&plans),
        });
        let why = plan::rendered::no_client_reason(&manifests, &plans);
        (plans, why, comparison)
    };
    // The Kubernetes client is built only when no manifest is given: start-up stays fast.
    let rest = if args.secrets.is_empty() {
        // Secrets the rendered objects carry with data are not asked for.
        let mut wanted = credentials::wanted(&plans);
        wanted.retain(|(ns, name)| {
            !manifests
                .secrets
                .get(ns, name)
                .is_some_and(credentials::holds_data)
        });
        SecretSource::Cluster(cluster::fetch(&wanted, &access, deadline).await?)
    } else {
        SecretSource::Files(SecretFiles::load(&args.secrets)?)
    };
    let from_objects = !manifests.is_empty();
    let secrets = if !from_objects {
        rest
    } else {
        SecretSource::Rendered {
            objects: manifests.secrets,
            rest: Box::new(rest),
        }
    };

    // Every text a server or the values supply is scrubbed before it enters the facts.
    let scrubber = Scrubber::for_run(&values, &plans, &secrets);
    let options = ProbeOptions {
        deadline: request.timeout,
        dns: args.dns_server,
        post_upgrade: args.profile == Profile::PostUpgrade,
        allow_write: args.allow_write,
        rule_config,
        info_sections,
    };
    Ok(Facts {
        schema: checks::facts::FACTS_SCHEMA.to_string(),
        observed_at: started_at.unix_timestamp(),
        profile: args.profile.name().to_string(),
        layout_policy: args.layout.name().to_string(),
        api_key_secret: plan::api_key_match(&values),
        allow_write: args.allow_write,
        cert_warn_days: args.cert_warn_days,
        values_issues: scrubber.values_issues(values_issues),
        no_redis_values: !from_objects && values_lint::no_redis_values(&values),
        no_redis_client,
        rendered,
        targets: with_progress(
            plans.len(),
            probe_all(&plans, &secrets, &options, &scrubber),
        )
        .await,
        values: scrubber.values(crate::scrub::values::redacted(&values.root)),
    })
}

fn load_facts(path: &Path) -> Result<Facts, InputError> {
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

fn validate(args: &RunArgs) -> Result<Request, InputError> {
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
fn ensure_selection(
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
fn nearest<'a>(
    glob: &str,
    metas: &[&'a checks::Meta],
) -> impl Iterator<Item = &'a checks::Meta> + use<'a> {
    let ids = crate::suggest::likely(glob, metas.iter().map(|m| m.id), 2);
    ids.into_iter()
        .filter_map(|id| metas.iter().find(|m| m.id == id).copied())
        .collect::<Vec<_>>()
        .into_iter()
}

fn selected(request: &Request, id: &str) -> bool {
    (request.only.is_empty() || request.only.iter().any(|p| p.matches(id)))
        && !request.skip.iter().any(|p| p.matches(id))
}

/// Colour on a terminal only, and never with `NO_COLOR` set (no-color.org).
fn colour(stdout: &std::io::StdoutLock<'_>) -> bool {
    use std::io::IsTerminal;
    stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A spinner on stderr while the probes run, on a terminal only: pipes and CI logs stay clean.
async fn with_progress<T>(targets: usize, work: impl std::future::Future<Output = T>) -> T {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("probing {targets} Redis target(s)…"));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let out = work.await;
    spinner.finish_and_clear();
    out
}

/// How the probes run.
struct ProbeOptions {
    deadline: Duration,
    dns: Option<SocketAddr>,
    post_upgrade: bool,
    allow_write: bool,
    /// The CONFIG parameters `--rules` read.
    rule_config: &'static [String],
    info_sections: bool,
}

/// A selected check skipped because an unselected prerequisite did not pass: the report
/// does not show the cause, so the check counts as undetermined rather than a harmless skip
/// (an `--only auth.login` run against a closed port must not exit 0).
fn unselected_blocker(
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
fn undetermined(mut j: Judged, blocker_fix: Option<Option<String>>) -> Judged {
    if let Some(fix) = blocker_fix {
        j.verdict.outcome = reports::Outcome::Unknown;
        j.verdict.message = format!("{} (not selected; run it to see why)", j.verdict.message);
        j.verdict.remediation = fix;
    }
    j
}

/// Probes every target concurrently; whatever the run deadline cuts short stays
/// `NotAttempted { DEADLINE_REACHED }`.
async fn probe_all(
    plans: &[TargetPlan],
    secrets: &SecretSource,
    options: &ProbeOptions,
    scrubber: &Scrubber,
) -> Vec<TargetFacts> {
    let dialer = Arc::new(Dialer::new(options.dns, plan::DEFAULT_DIAL));
    let mut slots = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for plan in plans {
        let (auth, credentials) = secrets.auth(&plan.auth);
        let (ca, roots) = trust::load(&plan.tls, secrets);
        let job = Job {
            env_unset: matches!(auth.secret, checks::facts::SecretLookup::EnvUnset { .. }),
            extras: session::Extras {
                snapshot: options.post_upgrade && plan.use_case == "snapshot",
                write: options.allow_write,
                db: plan.db,
                config: options.rule_config,
                info_sections: options.info_sections,
            },
            plan: plan.clone(),
            credentials,
            roots,
        };
        let slot = Arc::new(Mutex::new(target::initial_facts(plan, auth, ca)));
        slots.push(slot.clone());
        let dialer = dialer.clone();
        // Every target's probe runs at once: the bound is on connections (probe::socket, 256
        // open at most), so a target waiting on a silent server never holds back another.
        // Each phase is boxed (probe::target): a probe waiting for a connection's place holds
        // a few hundred bytes, and 1,000 targets stay far under the memory bound.
        tasks.spawn(async move { Box::pin(target::probe(&job, &dialer, &slot)).await });
    }
    let _ = tokio::time::timeout(options.deadline, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    // Cancelled tasks are dropped (and with them their hold on the slots) as they are joined.
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    slots
        .into_iter()
        .map(|slot| {
            // A probe that panicked while holding its slot poisoned it: its facts still stand
            // as far as they got (the panic itself ends the run with exit 1, after the report).
            let facts = Arc::try_unwrap(slot)
                .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
                .unwrap_or_else(|slot| slot.lock().unwrap_or_else(PoisonError::into_inner).clone());
            scrubber.target(facts)
        })
        .collect()
}

fn target_info(t: &TargetFacts) -> TargetInfo {
    let mut server = Map::new();
    if let Some(s) = t.session.ok() {
        // One identity for every report: Valkey's own version, not its frozen redis_version.
        let identity = checks::server::identify(s);
        let version = identity.version.as_deref();
        let flavor = (version.is_some() || s.admitted()).then_some(identity.flavor.name());
        let role = s.role_name();
        for (key, value) in [
            ("version", version),
            ("run_id", s.info_field("run_id")),
            ("role", role),
            ("flavor", flavor),
        ] {
            if let Some(v) = value {
                server.insert(key.into(), Value::String(v.to_string()));
            }
        }
    }
    TargetInfo {
        name: t.name.clone(),
        components: t.components.clone(),
        address: t.address.clone(),
        tls: t.tls,
        auth: t.auth.enabled,
        server: (!server.is_empty()).then_some(server),
    }
}

fn write_files(report: &Report, formats: &[Format], dir: &Path) -> Result<(), InputError> {
    let unwritable = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InputError::Unwritable {
            path,
            what: "the report",
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(unwritable(dir))?;
    for format in formats {
        let name = format.file_name().expect("file formats have names");
        let path = dir.join(name);
        // Written beside the target and renamed, so a CI job never reads half a report.
        let tmp = dir.join(format!(".{name}.tmp"));
        let write = || -> std::io::Result<()> {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            format.write(report, &mut out)?;
            std::io::Write::flush(&mut out)?;
            drop(out);
            std::fs::rename(&tmp, &path)
        };
        write().map_err(unwritable(&path))?;
    }
    Ok(())
}
