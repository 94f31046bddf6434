use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::Observed;

crate::check! {
    /// ## What it checks
    /// After an upgrade (profile `post-upgrade`, `snapshot` target): the management server has
    /// written its snapshot. `gloo.mesh.key.set` exists, is a set and is not empty, and a
    /// random sample of its members (at most 20, read with `SRANDMEMBER`; never `KEYS`) are
    /// hashes named `<cluster>~<group>~<version>~<kind>`.
    ///
    /// ## Why Gloo needs it
    /// The UI and insights engine read the snapshot from these keys. An empty or missing set
    /// after an upgrade means the management server writes elsewhere (another address or db)
    /// or not at all.
    ///
    /// ## How to fix
    /// Check the management server's logs for Redis errors, and that its `redis.address`
    /// matches the UI's. Right after a fresh install, wait for the agents to connect.
    ///
    /// ## On managed services
    /// Nothing specific; the reads are `TYPE`, `SCARD` and `SRANDMEMBER`.
    DataSnapshot {
        id: "data.snapshot",
        title: "the management server's snapshot is in Redis",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
        profiles: ["post-upgrade"],
    }
}

impl Check for DataSnapshot {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        if t.use_case != "snapshot" {
            return Verdict::skip("only the snapshot store holds the management server's snapshot");
        }
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let keys = match &s.snapshot {
            Observed::Ok { value } => value,
            other => {
                return Verdict::unknown(format!(
                    "the snapshot keys could not be read: {}",
                    other.problem().unwrap_or_default()
                ))
                .fix("grant the user +type +scard +srandmember on gloo.mesh.*, or check by hand");
            }
        };
        let fix =
            "check the management server's logs, and that it and the UI use this Redis address";
        let v = match keys.set_type.as_str() {
            "none" => Verdict::fail("gloo.mesh.key.set does not exist: the management server has not written its snapshot here").fix(fix),
            "set" if keys.members == 0 => Verdict::fail("gloo.mesh.key.set is empty").fix(fix),
            "set" => {
                let bad: Vec<String> = keys
                    .sample
                    .iter()
                    .filter(|(name, kind)| kind != "hash" || !well_named(name))
                    .map(|(name, kind)| format!("{name} ({kind})"))
                    .collect();
                if bad.is_empty() {
                    Verdict::pass(format!(
                        "gloo.mesh.key.set holds {} snapshot keys; {} sampled, all hashes named cluster~group~version~kind",
                        keys.members,
                        keys.sample.len()
                    ))
                } else {
                    Verdict::fail(format!("gloo.mesh.key.set lists keys that are not snapshot hashes: {}", bad.join(", "))).fix(fix)
                }
            }
            other => Verdict::fail(format!("gloo.mesh.key.set is a {other}, not a set")).fix(fix),
        };
        v.with("members", keys.members)
            .with("sampled", keys.sample.len())
    }
}

/// `<cluster>~<group>~<version>~<kind>`; the group is empty for the core API group.
fn well_named(name: &str) -> bool {
    let parts: Vec<&str> = name.split('~').collect();
    parts.len() == 4 && !parts[0].is_empty() && !parts[2].is_empty() && !parts[3].is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, refused, session};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&DataSnapshot, t)
    }

    fn keys(t: &mut TargetFacts) -> &mut crate::facts::SnapshotKeys {
        match &mut session(t).snapshot {
            Observed::Ok { value } => value,
            _ => unreachable!(),
        }
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("snapshot");
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        keys(&mut t).sample.push(("stray".into(), "string".into()));
        assert!(judge(&t).message.contains("stray (string)"));
        keys(&mut t).members = 0;
        assert_eq!(judge(&t).outcome, Outcome::Fail);
        keys(&mut t).set_type = "none".into();
        assert!(judge(&t).message.contains("does not exist"));
        session(&mut t).snapshot = refused("type");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
        assert_eq!(judge(&healthy_target("extauth")).outcome, Outcome::Skip);
    }
}
