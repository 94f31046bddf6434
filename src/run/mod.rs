//! The whole pipeline, in one place: inputs → plan → probes → facts → checks → reports.

use std::time::Instant;

use checks::Judged;
use checks::facts::Facts;
use reports::{Format, Report, Row};

use crate::cli::{Profile, RunArgs};
use crate::cluster;
use crate::credentials::{self, SecretSource};
use crate::error::{Error, InputError, InternalError};
use crate::inputs::manifests::Manifests;
use crate::inputs::secrets::SecretFiles;
use crate::inputs::values::Values;
use crate::plan::{self, Namespaces};
use crate::probe::elapsed_ms;
use crate::rules::RuleSet;
use crate::scrub::Scrubber;
use crate::values_lint;
use crate::wait;
use crate::waivers::Waivers;

use facts_file::load_facts;
use output::{colour, target_info, write_files};
use probing::{KUBE_DEADLINE, ProbeOptions, probe_all, with_progress};
use request::{Request, ensure_selection, selected, undetermined, unselected_blocker, validate};

mod facts_file;
mod output;
mod probing;
mod request;

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
            // The whole INFO, with its sections, is kept for rules: those loaded, or those a
            // replay of the saved facts may bring. Otherwise only the catalog's fields.
            let whole_info = !rules.rules.is_empty() || args.save_facts.is_some();
            let observe = || observe(&args, &request, started_at, rules.config, whole_info);
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
                waiver: waivers
                    .find(j.meta.id, &j.target, j.verdict.outcome, today)
                    .map(Box::new),
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
    whole_info: bool,
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
        whole_info,
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
