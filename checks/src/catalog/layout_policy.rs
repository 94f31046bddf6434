use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::TargetFacts;
use crate::choices::{LayoutPolicy as Policy, UseCase};
use crate::instance::same_instance;

crate::check! {
    /// ## What it checks
    /// The snapshot, ext auth and rate limiter use cases share one instance or use separate
    /// ones, as `--layout` demands: `separate` (each its own instance, e.g. for compliance),
    /// `shared` (one instance for all), or `any` (the default: passes and reports the layout
    /// found). Instances are told apart by `run_id`, as in `layout.shared`.
    ///
    /// ## Why Gloo needs it
    /// Gloo works either way; your policy may not. A shared instance is one failure domain and
    /// one set of credentials for every add-on; separate instances cost more to run.
    ///
    /// ## How to fix
    /// Change the addresses of the use cases the message names, or run with the `--layout`
    /// your policy actually demands.
    ///
    /// ## On managed services
    /// Two databases of one Redis Enterprise cluster are separate instances (different
    /// `run_id`s behind one proxy address family).
    LayoutPolicy {
        id: "layout.policy",
        title: "use cases share or separate instances as --layout demands",
        scope: Install,
        phase: Session,
        requires: [],
    }
}

const USE_CASES: [UseCase; 3] = [UseCase::Snapshot, UseCase::Extauth, UseCase::Ratelimiter];

impl Check for LayoutPolicy {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let facts = subject.facts;
        let kind = facts.layout_policy();
        let policy = kind.name();
        let present: Vec<&TargetFacts> = USE_CASES
            .iter()
            .filter_map(|u| facts.targets.iter().find(|t| t.name == u.name()))
            .collect();
        // Group the use cases by instance.
        let mut groups: Vec<Vec<&TargetFacts>> = Vec::new();
        for t in &present {
            let mut placed = false;
            for g in &mut groups {
                match same_instance(g[0], t) {
                    Ok(true) => {
                        g.push(t);
                        placed = true;
                        break;
                    }
                    Ok(false) => {}
                    Err(why) => {
                        return Verdict::unknown(format!(
                            "could not tell the instances apart: {why}"
                        ))
                        .with("policy", policy)
                        .fix("fix the unreachable targets, or verify the layout by hand");
                    }
                }
            }
            if !placed {
                groups.push(vec![t]);
            }
        }
        let layout: Vec<String> = groups
            .iter()
            .map(|g| {
                let names: Vec<&str> = g.iter().map(|t| t.name.as_str()).collect();
                format!("{} on {}", names.join(" + "), g[0].address)
            })
            .collect();
        let found = layout.join("; ");
        let v = match kind {
            Policy::Separate if groups.len() < present.len() => {
                let shared: Vec<String> = groups.iter().filter(|g| g.len() > 1).map(|g| {
                    g.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(" and ")
                }).collect();
                // Separate db numbers are not separate instances.
                let db = |t: &TargetFacts| t.session.ok().and_then(|s| s.select.as_ref()).map_or(0, |(db, _)| *db);
                let dbs_note = if groups.iter().any(|g| g.iter().any(|t| db(t) != db(g[0]))) {
                    "; different db numbers of one instance still share its memory, maxmemory-policy, persistence and failover"
                } else {
                    ""
                };
                Verdict::fail(format!("{} share an instance; --layout separate demands one instance per use case ({found}){dbs_note}", shared.join(", ")))
                    .fix("give each use case its own Redis instance, or run with the --layout your policy demands")
            }
            Policy::Shared if groups.len() > 1 => Verdict::fail(format!(
                "the use cases are on {} instances; --layout shared demands one ({found})",
                groups.len()
            ))
            .fix("point every use case at the same Redis address, or run with the --layout your policy demands"),
            _ if present.len() < 2 => Verdict::pass(format!("one use case only ({found})")),
            _ => Verdict::pass(format!("layout {policy}: {found}")),
        };
        v.with("policy", policy).with("layout", layout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;
    use crate::testing::{facts, healthy_target, set_info};
    use reports::Outcome;

    fn judge(f: &Facts) -> Verdict {
        LayoutPolicy.judge(Subject {
            facts: f,
            target: None,
        })
    }

    #[test]
    fn outcomes() {
        let mut f = facts(vec![
            healthy_target("snapshot"),
            healthy_target("extauth"),
            healthy_target("ratelimiter"),
        ]);
        set_info(&mut f.targets[2], "run_id", Some("another"));
        let v = judge(&f);
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(v.message.contains("snapshot + extauth on"), "{}", v.message);

        f.layout_policy = "separate".into();
        let v = judge(&f);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .starts_with("snapshot and extauth share an instance"),
            "{}",
            v.message
        );

        // Another db of the same instance is still the same instance.
        crate::testing::session(&mut f.targets[1]).select = Some((3, crate::facts::Reply::Ok));
        let v = judge(&f);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .contains("different db numbers of one instance still share its memory"),
            "{}",
            v.message
        );
        crate::testing::session(&mut f.targets[1]).select = None;

        f.layout_policy = "shared".into();
        assert_eq!(judge(&f).outcome, Outcome::Fail);
        set_info(
            &mut f.targets[2],
            "run_id",
            Some("0123456789abcdef0123456789abcdef01234567"),
        );
        assert_eq!(judge(&f).outcome, Outcome::Pass);

        f.targets[1].session = crate::facts::Observed::not_attempted("no TCP connection");
        assert_eq!(judge(&f).outcome, Outcome::Unknown);
    }
}
