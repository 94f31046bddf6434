use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::Severity;

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
    /// ## On managed services
    /// Nothing specific: the values are the same whoever runs Redis.
    ValuesSchema {
        id: "values.schema",
        title: "Redis values are well-formed",
        scope: Install,
        phase: None,
        requires: [],
    }
}

impl Check for ValuesSchema {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let issues = &subject.facts.values_issues;
        let lines: Vec<String> = issues
            .iter()
            .map(|i| match &i.source {
                Some(src) => format!("{src}: {}: {}", i.key, i.message),
                None => format!("{}: {}", i.key, i.message),
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
        let verdict = if issues.is_empty() {
            return Verdict::pass("the Redis values are well-formed");
        } else if errors > 0 {
            Verdict::fail(first(Severity::Error)).fix(
                "correct each key listed in the evidence; the run went on with the chart's defaults for them",
            )
        } else {
            Verdict::warn(first(Severity::Warning))
                .fix("check the spelling of each key listed in the evidence; Helm ignores keys the chart does not read")
        };
        verdict.with("issues", lines)
    }
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

    fn issue(severity: Severity, key: &str, message: &str) -> ValuesIssue {
        ValuesIssue {
            severity,
            source: Some("values.yaml".into()),
            key: key.into(),
            message: message.into(),
        }
    }

    #[test]
    fn outcomes() {
        assert_eq!(judge(vec![]).outcome, Outcome::Pass);
        let typo = issue(
            Severity::Warning,
            "redis.adress",
            "unknown key (did you mean `address`?)",
        );
        let v = judge(vec![typo.clone()]);
        assert_eq!(v.outcome, Outcome::Warn);
        assert!(
            v.message
                .contains("values.yaml: redis.adress: unknown key (did you mean `address`?)")
        );
        let bad = issue(
            Severity::Error,
            "redis.connection.dialTimeout",
            "\"5\" is not a Go duration",
        );
        let v = judge(vec![typo, bad]);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .starts_with("values.yaml: redis.connection.dialTimeout"),
            "{}",
            v.message
        );
        assert!(v.message.ends_with("(and 1 more)"));
    }
}
