use std::collections::BTreeSet;

use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::ClientRedis;

crate::check! {
    /// ## What it checks
    /// With both the values (`-f`) and the rendered objects (`--manifests`), every component's
    /// Redis as the values describe it equals the one the objects give it: address, TLS, the CA
    /// secret and key, the credentials' secret and keys, db and timeouts. It fails naming every
    /// component (and telemetry exporter) that differs, or that only one side has a Redis for;
    /// it is skipped without both inputs.
    ///
    /// ## Why Gloo needs it
    /// The pods dial what they are given, not what a values file says. A stale render, values
    /// of another release, or a setting the chart does not pass (a renamed auth secret, a key
    /// one level off) make the values describe a Redis no pod uses: a preflight of the values
    /// then judges the wrong instance. The targets of a run with `--manifests` are the rendered
    /// ones.
    ///
    /// ## How to fix
    /// Compare like with like: the release's own values (`helm get values RELEASE -a -o yaml`)
    /// with its objects (`helm get manifest RELEASE`), or a render of these values (`helm
    /// template … -f values.yaml`). When they still differ, the values set something the chart
    /// does not pass on; `values.schema` names such keys.
    ///
    /// ## On managed services
    /// Nothing specific: the comparison is of the components' settings, not of the server.
    ValuesRendered {
        id: "values.rendered",
        title: "every component's Redis from the values equals the rendered one",
        scope: Install,
        phase: Inputs,
        requires: [],
    }
}

impl Check for ValuesRendered {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let Some(cmp) = &subject.facts.rendered else {
            return Verdict::skip(
                "needs both the values (-f) and the rendered objects (--manifests) to compare",
            );
        };
        let find = |list: &'_ [ClientRedis], client: &str| -> Option<ClientRedis> {
            list.iter().find(|c| c.client == client).cloned()
        };
        let mut clients: Vec<&str> = Vec::new();
        let mut seen = BTreeSet::new();
        for c in cmp.values.iter().chain(&cmp.rendered) {
            if seen.insert(c.client.as_str()) {
                clients.push(c.client.as_str());
            }
        }
        let mut differences = Vec::new();
        for client in &clients {
            match (find(&cmp.values, client), find(&cmp.rendered, client)) {
                (Some(v), None) => differences.push(format!(
                    "{client}: the values give it a Redis at {} ({}), the rendered objects run no such client",
                    v.settings.get("address").map_or("", String::as_str),
                    v.key
                )),
                (None, Some(r)) => differences.push(format!(
                    "{client}: rendered with a Redis at {} ({}), the values give it none",
                    r.settings.get("address").map_or("", String::as_str),
                    r.key
                )),
                (Some(v), Some(r)) => {
                    let fields: Vec<String> = v
                        .settings
                        .keys()
                        .chain(r.settings.keys())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .filter(|k| v.settings.get(*k) != r.settings.get(*k))
                        .map(|k| {
                            format!(
                                "{k} {} in the values ({}), {} rendered ({})",
                                v.settings.get(k).map_or("unset", String::as_str),
                                v.key,
                                r.settings.get(k).map_or("unset", String::as_str),
                                r.key
                            )
                        })
                        .collect();
                    if !fields.is_empty() {
                        differences.push(format!("{client}: {}", fields.join("; ")));
                    }
                }
                (None, None) => {}
            }
        }
        if differences.is_empty() {
            return Verdict::pass(format!(
                "the values and the rendered objects agree on the Redis of {}",
                if clients.is_empty() {
                    "no client (neither runs one)".to_string()
                } else {
                    clients.join(", ")
                }
            ))
            .with("clients", clients.len());
        }
        let more = differences.len() - 1;
        let tail = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        Verdict::fail(format!(
            "the rendered objects differ from the values: {}{tail}",
            differences[0]
        ))
        .with("differences", differences)
        .fix("compare the release's own values (helm get values RELEASE -a -o yaml) with its objects (helm get manifest RELEASE), or render these values again (helm template ... -f values.yaml); a difference that stays is a setting the chart does not pass on (see values.schema)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::RenderedComparison;
    use crate::testing::facts;
    use reports::Outcome;

    fn client(name: &str, address: &str) -> ClientRedis {
        ClientRedis {
            client: name.into(),
            key: "k".into(),
            settings: [("address".to_string(), address.to_string())].into(),
        }
    }

    fn judge(cmp: Option<RenderedComparison>) -> Verdict {
        let mut f = facts(vec![]);
        f.rendered = cmp;
        ValuesRendered.judge(Subject {
            facts: &f,
            target: None,
        })
    }

    #[test]
    fn outcomes() {
        assert_eq!(judge(None).outcome, Outcome::Skip);
        let same = RenderedComparison {
            values: vec![client("rate-limiter", "redis.ns:6379")],
            rendered: vec![client("rate-limiter", "redis.ns:6379")],
        };
        assert_eq!(judge(Some(same)).outcome, Outcome::Pass);
        let v = judge(Some(RenderedComparison {
            values: vec![client("rate-limiter", "a:1"), client("ui", "b:1")],
            rendered: vec![client("rate-limiter", "c:1")],
        }));
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("rate-limiter: address a:1 in the values (k), c:1 rendered (k)"), "{}", v.message);
        assert!(v.message.contains("(and 1 more)"), "{}", v.message);
    }
}
