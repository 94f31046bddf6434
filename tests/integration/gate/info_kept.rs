//! A run that neither loads rules nor saves facts keeps of INFO only the fields the catalog
//! reads (`checks::info::CATALOG_FIELDS`); one that saves facts keeps all of it. Against the
//! lab's real servers, whose INFO has every section, both judge alike.

use libtest_mimic::Failed;
use regex::Regex;

use crate::lab::Lab;
use crate::scenario;
use crate::tool::{self, Verdict};

/// Scenarios whose servers tell apart what INFO says: a primary with its replica online, a
/// replica and its link, a writable replica, a sentinel and the masters it monitors, cluster
/// mode, an evicting server, failing persistence, `min-replicas-to-write`.
const SCENARIOS: &[&str] = &[
    "healthy-primary",
    "replica-address",
    "replica-writable",
    "sentinel-address",
    "cluster-mode",
    "lru-no-replica",
    "persistence-broken",
    "min-replicas-to-write",
];

/// Checks whose message carries a live measurement beyond times (memory in use), which two
/// runs need not share: their outcome is compared, not their words.
const MEASURED: &[&str] = &["redis.latency", "redis.capacity"];

/// A message with every time in it (`0.2 ms`) made `# ms`: two runs' times differ.
fn timeless(message: &str) -> String {
    static TIME: std::sync::LazyLock<Regex> =
        std::sync::LazyLock::new(|| Regex::new(r"\d+(\.\d+)? ms").expect("a valid pattern"));
    TIME.replace_all(message, "# ms").into_owned()
}

pub(super) fn trimmed_info_judges_as_whole(lab: &Lab) -> Result<(), Failed> {
    let mut problems = Vec::new();
    for name in SCENARIOS {
        let run = scenario::prepare(lab, name)?;
        let mut plain = run.args.clone();
        plain.extend(["--format".into(), "json".into()]);
        let mut saving = plain.clone();
        saving.extend(["--save-facts".into(), "facts.json".into()]);
        let (trimmed, whole) = (tool::run(&run.work, &plain), tool::run(&run.work, &saving));
        let results = |stdout: &[u8]| -> Result<Vec<Verdict>, Failed> {
            let mut v = tool::verdicts(stdout)?;
            for r in &mut v {
                r.message = if MEASURED.contains(&r.check.as_str()) {
                    String::new()
                } else {
                    timeless(&r.message)
                };
            }
            Ok(v)
        };
        let (trimmed_v, whole_v) = (results(&trimmed.stdout)?, results(&whole.stdout)?);
        if trimmed_v.is_empty() {
            problems.push(format!("{name}: no results"));
        }
        if trimmed_v != whole_v {
            fn only<'a>(a: &'a [Verdict], b: &[Verdict]) -> Vec<&'a Verdict> {
                a.iter().filter(|v| !b.contains(v)).collect()
            }
            problems.push(format!(
                "{name}: the catalog's INFO fields judge otherwise than the whole INFO: trimmed \
                 only {:?}, whole only {:?}",
                only(&trimmed_v, &whole_v),
                only(&whole_v, &trimmed_v)
            ));
        }
        if trimmed.status.code() != whole.status.code() {
            problems.push(format!(
                "{name}: exit {:?} with INFO trimmed, {:?} with it whole",
                trimmed.status.code(),
                whole.status.code()
            ));
        }
        let _ = std::fs::remove_dir_all(&run.work);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}
