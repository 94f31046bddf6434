use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{IssueKind, Severity};

crate::check! {
    /// ## What it checks
    /// The Redis-related Helm values are well-formed: every key is one the chart knows (an
    /// unknown key gets a did-you-mean), every value has the right type, durations are Go
    /// durations (`5s`, `1m0s`, `512ms`, or Helm's `-1` sentinel), and addresses are `host:port`.
    ///
    /// ## Why Gloo needs it
    /// Helm renders a misspelt key into nothing: `redis.adress` leaves the management server on
    /// the default address, and `dialTimeout: 5` is not a duration the components can read.
    /// These mistakes surface late, as connection errors in the pods.
    ///
    /// ## How to fix
    /// Correct the key or value the message names, in the file it names. Durations need a unit
    /// (`5s`, not `5`); addresses need a port (`redis.example:6379`).
    ///
    /// An unknown key that is a near miss of a known key absent beside it (`adress` with no
    /// `address`, `auth.enable`, `readTimout`), or a top-level key that is a near miss of a
    /// Redis block (`reddis`, `redisstore`), fails: Helm drops it, and the setting it meant
    /// silently keeps the chart's default. Any other unknown key only warns (the chart's
    /// published schema is incomplete). A client key written one level up
    /// (`redisStore.snapshot.address`) fails naming where it belongs
    /// (`redisStore.snapshot.client.address`); a secret or key the chart does not pass on
    /// (`redis.auth.secretName`, the portal's `auth.secretName`) warns; an enabled feature
    /// without its address (the portal's `apiKeyStorage.redis.address`, ext auth's storage
    /// `host`) fails; a quoted `"false"` fails, since the chart's templates read any non-empty
    /// string as true. The chart's own `values.yaml` fed back passes. Values with no Redis
    /// setting at all and the management server on pass, saying the chart's built-in Redis at
    /// `gloo-mesh-redis.gloo-mesh:6379` is assumed.
    ///
    /// ## On managed services
    /// Nothing specific: the values are the same whoever runs Redis.
    ValuesSchema {
        id: "values.schema",
        title: "Redis values are well-formed",
        scope: Install,
        phase: Inputs,
        requires: [],
    }
}

/// The address of the chart's built-in Redis.
const BUILTIN: &str = "gloo-mesh-redis.gloo-mesh:6379";

impl Check for ValuesSchema {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let issues = &subject.facts.values_issues;
        let lines: Vec<String> = issues
            .iter()
            .map(|i| match (&i.source, i.at) {
                (Some(src), Some((line, column))) => {
                    format!("{src}:{line}:{column}: {}: {}", i.key, i.message)
                }
                (Some(src), None) => format!("{src}: {}: {}", i.key, i.message),
                _ => format!("{}: {}", i.key, i.message),
            })
            .collect();
        let errors = issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count();
        let first = |severity: Severity| {
            let at = issues
                .iter()
                .position(|i| i.severity == severity)
                .unwrap_or(0);
            let more = lines.len() - 1;
            let tail = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            format!("{}{tail}", lines[at])
        };
        if let (true, Some(why)) = (issues.is_empty(), &subject.facts.no_redis_client) {
            // Under `ci` a gate never passes on nothing.
            return if subject.facts.profile() == crate::Profile::Ci {
                Verdict::unknown(format!("nothing to check: {why}"))
                    .fix("run the preflight with the values of the release whose components use Redis (the management plane, or the add-ons with their Redis on), or leave this release out of the gate")
            } else {
                Verdict::skip(format!("skipped: {why}"))
            };
        }
        let verdict = if issues.is_empty() && subject.facts.no_redis_values {
            return Verdict::pass(format!(
                "the values set no Redis key: the chart's built-in Redis at {BUILTIN} is assumed"
            ))
            .with("assumed_address", BUILTIN);
        } else if issues.is_empty() {
            return Verdict::pass("the Redis values are well-formed");
        } else if errors > 0 {
            Verdict::fail(first(Severity::Error)).fix(went_on(issues))
        } else {
            Verdict::warn(first(Severity::Warning)).fix(
                "check the spelling of each key listed; Helm ignores keys the chart does not read",
            )
        };
        // Where each finding stands, for annotations on the file (SARIF).
        let locations: Vec<serde_json::Value> = issues
            .iter()
            .map(|i| {
                let mut at = serde_json::json!({
                    "file": i.source.as_deref().unwrap_or("--set"),
                    "key": i.key,
                    "message": i.message,
                    "level": if i.severity == Severity::Error { "error" } else { "warning" },
                });
                if let Some((line, column)) = i.at {
                    at["line"] = line.into();
                    at["column"] = column.into();
                }
                at
            })
            .collect();
        verdict
            .with("issues", lines)
            .with(reports::sarif::LOCATIONS, locations)
    }
}

/// The fix for the errors found, saying truly what the run did with each kind of them.
fn went_on(issues: &[crate::facts::ValuesIssue]) -> String {
    let any = |kind: IssueKind| {
        issues
            .iter()
            .any(|i| i.severity == Severity::Error && i.kind == kind)
    };
    let mut did = Vec::new();
    if any(IssueKind::UnknownKey) {
        did.push("a misspelt key is dropped, so the chart's default applies");
    }
    if any(IssueKind::BadDuration) {
        did.push("a bad duration is replaced by go-redis' default");
    }
    if any(IssueKind::BadAddress) {
        did.push("a malformed address is kept as written and cannot be dialled (its target's net.dns says so)");
    }
    if did.is_empty() {
        did.push("values of the wrong type are read as the chart's templates read them");
    }
    format!(
        "correct each key listed; the run went on as the components would: {}",
        did.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ValuesIssue;
    use crate::testing::facts;
    use reports::Outcome;

    fn judge(issues: Vec<ValuesIssue>) -> Verdict {
        let mut f = facts(vec![]);
        f.values_issues = issues;
        ValuesSchema.judge(Subject {
            facts: &f,
            target: None,
        })
    }

    fn issue(severity: Severity, kind: IssueKind, key: &str, message: &str) -> ValuesIssue {
        ValuesIssue {
            severity,
            source: Some("values.yaml".into()),
            at: Some((3, 5)),
            key: key.into(),
            kind,
            message: message.into(),
        }
    }

    #[test]
    fn outcomes() {
        assert_eq!(judge(vec![]).outcome, Outcome::Pass);
        let typo = issue(
            Severity::Warning,
            IssueKind::UnknownKey,
            "redis.adress",
            "unknown key (did you mean `address`?)",
        );
        let v = judge(vec![typo.clone()]);
        assert_eq!(v.outcome, Outcome::Warn);
        assert!(
            v.message
                .contains("values.yaml:3:5: redis.adress: unknown key (did you mean `address`?)")
        );
        let bad = issue(
            Severity::Error,
            IssueKind::BadDuration,
            "redis.connection.dialTimeout",
            "\"5\" is not a Go duration",
        );
        let v = judge(vec![typo, bad]);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .starts_with("values.yaml:3:5: redis.connection.dialTimeout"),
            "{}",
            v.message
        );
        assert!(v.message.ends_with("(and 1 more)"));
        assert_eq!(v.evidence["issues"].as_array().unwrap().len(), 2);
        let fix = v.remediation.unwrap();
        assert!(
            fix.contains("a bad duration is replaced by go-redis' default"),
            "{fix}"
        );
        assert!(!fix.contains("address"), "no address was malformed: {fix}");
        let v = judge(vec![issue(
            Severity::Error,
            IssueKind::BadAddress,
            "redis.address",
            "\"redis\" is not host:port (no port)",
        )]);
        let fix = v.remediation.unwrap();
        assert!(
            fix.contains("a malformed address is kept as written"),
            "{fix}"
        );
        assert!(
            !fix.contains("default"),
            "nothing fell back to a default: {fix}"
        );
    }

    #[test]
    fn a_release_without_a_redis_client_skips_but_never_passes_a_ci_gate() {
        let mut f = facts(vec![]);
        f.no_redis_client = Some("the release enables no Gloo component that uses Redis".into());
        let judge = |f: &crate::facts::Facts| {
            ValuesSchema.judge(Subject {
                facts: f,
                target: None,
            })
        };
        let v = judge(&f);
        assert_eq!(v.outcome, Outcome::Skip);
        assert!(v.message.contains("enables no Gloo component"), "{}", v.message);
        f.profile = "ci".into();
        assert_eq!(judge(&f).outcome, Outcome::Unknown);
        // What the values get wrong is still told.
        f.values_issues = vec![issue(
            Severity::Error,
            IssueKind::UnknownKey,
            "redis.adress",
            "unknown key",
        )];
        assert_eq!(judge(&f).outcome, Outcome::Fail);
    }

    #[test]
    fn no_redis_values_say_the_built_in_redis_is_assumed() {
        let mut f = facts(vec![]);
        f.no_redis_values = true;
        let v = ValuesSchema.judge(Subject {
            facts: &f,
            target: None,
        });
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(
            v.message
                .contains("built-in Redis at gloo-mesh-redis.gloo-mesh:6379 is assumed"),
            "{}",
            v.message
        );
    }
}
