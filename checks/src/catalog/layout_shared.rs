use crate::choices::UseCase;
use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{ApiKeySecret, TargetFacts};
use crate::instance::{label, same_instance};

crate::check! {
    /// ## What it checks
    /// The components that must share one Redis instance do: the external auth service and
    /// the portal server (same instance and the same API-key `secretKey`), and the telemetry
    /// `redisstream` exporters and the snapshot store. An instance is identified by the
    /// server's `run_id`, so two names for one server count as one; when INFO is refused, two
    /// targets at the same resolved IP and port are one instance and anything else is unknown.
    /// (The management server, UI and insights engine read one `redis` block, so they share
    /// by construction.)
    ///
    /// ## Why Gloo needs it
    /// The portal writes API keys that the external auth service reads: on different
    /// instances, or with different `secretKey`s, every API key is rejected. The UI reads the
    /// logs and flows the telemetry exporters write into the snapshot store; elsewhere, the
    /// UI shows none.
    ///
    /// ## How to fix
    /// Point the components the message names at the same address, and give ext auth and the
    /// portal the same `secretKey`.
    ///
    /// ## On managed services
    /// A primary endpoint and a node endpoint of one replication group are one instance only
    /// while that node is the primary; use the primary endpoint everywhere.
    LayoutShared {
        id: "layout.shared",
        title: "components that must share an instance do",
        scope: Install,
        phase: Session,
        requires: [],
    }
}

impl Check for LayoutShared {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let facts = subject.facts;
        let of = |use_case: UseCase| {
            facts
                .targets
                .iter()
                .filter(move |t| t.use_case() == Some(use_case))
        };
        let mut pairs: Vec<(&TargetFacts, &TargetFacts)> = Vec::new();
        let extauth: Vec<&TargetFacts> = of(UseCase::Extauth).collect();
        pairs.extend(extauth.iter().skip(1).map(|t| (extauth[0], *t)));
        if let Some(snapshot) = of(UseCase::Snapshot).next() {
            pairs.extend(of(UseCase::Telemetry).map(|t| (snapshot, t)));
        }
        let mut apart = Vec::new();
        let mut untold = Vec::new();
        let mut evidence = reports::Evidence::new();
        for (a, b) in &pairs {
            let key = format!("{} = {}", a.name, b.name);
            match same_instance(a, b) {
                Ok(true) => {
                    evidence.insert(key, "same instance".into());
                }
                Ok(false) => {
                    evidence.insert(
                        key,
                        format!("different: {} vs {}", label(a), label(b)).into(),
                    );
                    apart.push(format!(
                        "{} ({}) and {} ({}) are different instances",
                        a.name, a.address, b.name, b.address
                    ));
                }
                Err(why) => {
                    evidence.insert(key, format!("unknown: {why}").into());
                    untold.push(why);
                }
            }
        }
        match &facts.api_key_secret {
            Some(ApiKeySecret::Different) => {
                apart.push("ext auth and the portal use different API-key secretKeys".into());
                evidence.insert("secretKey".into(), "different".into());
            }
            Some(ApiKeySecret::Equal) => {
                evidence.insert("secretKey".into(), "equal".into());
            }
            Some(ApiKeySecret::Unset { components }) => {
                evidence.insert(
                    "secretKey".into(),
                    format!("not set for {}", components.join(", ")).into(),
                );
            }
            None => {}
        }
        if pairs.is_empty() && facts.api_key_secret.is_none() {
            return Verdict::skip("no components that must share an instance are configured apart");
        }
        let verdict = if !apart.is_empty() {
            Verdict::fail(apart.join("; "))
                .fix("point these components at the same Redis address, and give ext auth and the portal the same secretKey")
        } else if !untold.is_empty() {
            Verdict::unknown(format!("could not tell whether the instances are shared: {}", untold.join("; ")))
                .fix("fix the unreachable targets, or verify by hand that these addresses reach one Redis instance")
        } else if let Some(ApiKeySecret::Unset { components }) = &facts.api_key_secret {
            Verdict::warn(format!(
                "no API-key secretKey is set for {}; ext auth and the portal must use the same one",
                components.join(", ")
            ))
            .fix("set the same secretKey for the external auth service and the portal server")
        } else {
            let shared: Vec<String> = pairs
                .iter()
                .map(|(a, b)| format!("{} and {}", a.name, b.name))
                .collect();
            let key = match &facts.api_key_secret {
                Some(ApiKeySecret::Equal) => "; ext auth and the portal use the same secretKey",
                _ => "",
            };
            if shared.is_empty() {
                Verdict::pass(format!("ext auth and the portal share one target{key}"))
            } else {
                Verdict::pass(format!(
                    "{} share their instance, as required{key}",
                    shared.join(", ")
                ))
            }
        };
        Verdict {
            evidence,
            ..verdict
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;
    use crate::testing::{facts, healthy_target, set_info};
    use reports::Outcome;

    fn judge(f: &Facts) -> Verdict {
        LayoutShared.judge(Subject {
            facts: f,
            target: None,
        })
    }

    #[test]
    fn outcomes() {
        assert_eq!(
            judge(&facts(vec![healthy_target("snapshot")])).outcome,
            Outcome::Skip
        );

        let mut f = facts(vec![
            healthy_target("snapshot"),
            healthy_target("telemetry"),
        ]);
        assert_eq!(judge(&f).outcome, Outcome::Pass);
        set_info(&mut f.targets[1], "run_id", Some("elsewhere"));
        let v = judge(&f);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .contains("snapshot (redis.example:6379) and telemetry"),
            "{}",
            v.message
        );

        let mut f = facts(vec![
            healthy_target("snapshot"),
            healthy_target("extauth"),
            healthy_target("extauth/portal"),
        ]);
        f.api_key_secret = Some(ApiKeySecret::Different);
        let v = judge(&f);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("different API-key secretKeys"));
        assert_eq!(v.evidence["secretKey"], "different");
        f.api_key_secret = Some(ApiKeySecret::Equal);
        assert_eq!(judge(&f).outcome, Outcome::Pass);
        f.targets[2].session = crate::facts::Observed::not_attempted("no TCP connection");
        assert_eq!(judge(&f).outcome, Outcome::Unknown);
    }
}
