use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{Observed, Reply};

crate::check! {
    /// ## What it checks
    /// Only with `--allow-write`: the components' credentials may write. The probe sets one
    /// uniquely named key (`redis-preflight:write-probe:…`) with a 10-second expiry, reads it
    /// back and deletes it — nothing else is ever written.
    ///
    /// ## Why Gloo needs it
    /// The management server writes its snapshot and the add-ons their API keys and counters:
    /// a read-only user, a replica, a full `noeviction` Redis or a proxy that drops writes
    /// all pass the read-only checks and still break Gloo.
    ///
    /// ## How to fix
    /// `READONLY`: point the address at the primary. `NOPERM`: grant the user write commands
    /// on Gloo's keys (`+@write ~*`). `OOM`: free memory or raise `maxmemory`.
    ///
    /// ## On managed services
    /// ElastiCache reader endpoints answer `READONLY`; Memorystore read replicas too.
    DataWriteProbe {
        id: "data.write-probe",
        title: "the credentials can write, read back and delete a key",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
        opt_in: true,
    }
}

impl Check for DataWriteProbe {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let probe = match &s.write_probe {
            Observed::Ok { value } => value,
            other => {
                return Verdict::unknown(format!(
                    "the write probe did not run: {}",
                    other.problem().unwrap_or_default()
                ))
                .fix("run again with --allow-write once the login works");
            }
        };
        let v = match (&probe.set, probe.read_back, &probe.del) {
            (Reply::Ok, true, Reply::Ok) => {
                Verdict::pass(format!("wrote, read back and deleted {}", probe.key))
            }
            (Reply::Error { code, message }, _, _) => {
                let fix = match code.as_str() {
                    "READONLY" => "point the address at the primary endpoint",
                    "NOPERM" => "grant the user write commands on Gloo's keys (+@write ~*)",
                    "OOM" => {
                        "free memory or raise maxmemory: with noeviction a full Redis refuses writes"
                    }
                    _ => "see the server's reply",
                };
                Verdict::fail(format!("the server refuses writes: {code} {message}")).fix(fix)
            }
            (Reply::Ok, false, _) => Verdict::fail(format!(
                "{} was written but not read back: a proxy or replica drops writes",
                probe.key
            ))
            .fix("point the address at the primary, not a caching proxy or replica"),
            (Reply::Ok, true, del) => Verdict::fail(format!(
                "{} was written and read back, but DEL got {} (the key expires by itself within 10 s)",
                probe.key,
                del.describe()
            ))
            .fix("grant the user DEL on Gloo's keys (+del, or +@write)"),
            // No answer is no refusal: the connection may have been closed at an earlier
            // command (the session's cause is added by the engine).
            (set, _, _) => Verdict::unknown(format!(
                "SET {} was not answered ({}): whether the credentials can write is not known",
                probe.key,
                set.describe()
            ))
            .fix("run the preflight again; if it persists, check the server's log and what sits at the address"),
        };
        v.with("key", probe.key.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{TargetFacts, WriteProbe};
    use crate::testing::{healthy_target, session};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&DataWriteProbe, t)
    }

    fn probe(t: &mut TargetFacts) -> &mut WriteProbe {
        match &mut session(t).write_probe {
            Observed::Ok { value } => value,
            _ => unreachable!(),
        }
    }

    #[test]
    fn outcomes() {
        let mut t = healthy_target("s");
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        probe(&mut t).read_back = false;
        assert!(judge(&t).message.contains("not read back"));
        probe(&mut t).set = Reply::Error {
            code: "READONLY".into(),
            message: "You can't write against a read only replica.".into(),
        };
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(
            v.remediation.as_deref(),
            Some("point the address at the primary endpoint")
        );
        probe(&mut t).set = Reply::Broken {
            error: "broken pipe".into(),
        };
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert_eq!(
            v.message,
            "SET redis-preflight:write-probe:1 was not answered (broken pipe): whether the credentials can write is not known"
        );
        session(&mut t).write_probe = Observed::not_attempted("no --allow-write");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
    }
}
