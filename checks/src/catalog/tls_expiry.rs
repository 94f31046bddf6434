use reports::Outcome;

use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{CaStatus, CertInfo};

crate::check! {
    /// ## What it checks
    /// Every certificate of the server's chain and of the configured CA is valid now; the
    /// earliest expiry rules. Not yet valid or expired fails with the dates; expiring in
    /// fewer than 30 days (`--cert-warn-days`) warns. When the server cannot be reached, the
    /// configured CA is still judged from its secret alone.
    ///
    /// ## Why Gloo needs it
    /// An expired certificate stops every component's connection at once, typically at night.
    ///
    /// ## How to fix
    /// Renew the certificate the message names (cert-manager: check the Certificate's
    /// renewal; by hand: reissue and restart Redis, or `CONFIG SET tls-cert-file`).
    ///
    /// ## On managed services
    /// Providers rotate their server certificates; a warning there usually means the CA
    /// bundle in your secret is the one about to expire.
    TlsExpiry {
        id: "tls.expiry",
        title: "the certificates are valid now and not about to expire",
        scope: Target,
        phase: Tls,
        requires: ["tls.mode"],
    }
}

impl Check for TlsExpiry {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    /// Without the server's chain (DNS, TCP or the handshake failed), the configured CA is
    /// still judged: an expired, not yet valid or expiring CA is reported offline.
    fn judge_offline(&self, subject: Subject<'_>) -> Option<Verdict> {
        let t = subject.target();
        if !t.tls || t.presented_chain().is_ok() {
            return None;
        }
        let CaStatus::Loaded { certs: ca } = &t.tls_facts.ca.status else {
            return None;
        };
        let certs: Vec<(&str, &CertInfo)> = ca.iter().map(|c| ("CA", c)).collect();
        let verdict = judge_certs(subject, &certs)?;
        (verdict.outcome != Outcome::Pass)
            .then(|| verdict.with("server_chain", "not seen (judged from the CA secret alone)"))
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let h = match t.presented_chain() {
            Ok(h) => h,
            Err(why) => return Verdict::skip(why),
        };
        let mut certs: Vec<(&str, &CertInfo)> = h.chain.iter().map(|c| ("server", c)).collect();
        if let CaStatus::Loaded { certs: ca } = &t.tls_facts.ca.status {
            certs.extend(ca.iter().map(|c| ("CA", c)));
        }
        judge_certs(subject, &certs).expect("a chain has a leaf")
    }
}

/// The earliest expiry among `certs` rules; `None` when there is no certificate.
fn judge_certs(subject: Subject<'_>, certs: &[(&str, &CertInfo)]) -> Option<Verdict> {
    let now = subject.facts.observed_at;
    let evidence: Vec<String> = certs
        .iter()
        .map(|(role, c)| {
            format!(
                "{role} {}: {} to {}",
                c.subject,
                date(c.not_before),
                date(c.not_after)
            )
        })
        .collect();
    let with = |v: Verdict| v.with("certificates", evidence.clone());
    if let Some((role, c)) = certs.iter().find(|(_, c)| c.not_before > now) {
        return Some(
            with(Verdict::fail(format!(
                "the {role} certificate {} is not valid before {}",
                c.subject,
                date(c.not_before)
            )))
            .fix("check the clocks, or reissue the certificate with a notBefore in the past"),
        );
    }
    let (role, first) = certs.iter().min_by_key(|(_, c)| c.not_after)?;
    let days = (first.not_after - now).div_euclid(86_400);
    let warn = i64::from(subject.facts.cert_warn_days);
    Some(if first.not_after < now {
        with(Verdict::fail(format!(
            "the {role} certificate {} expired on {}",
            first.subject,
            date(first.not_after)
        )))
        .fix(format!("renew the {role} certificate {}", first.subject))
    } else if first.not_after - now < warn * 86_400 {
        with(Verdict::warn(format!(
            "the {role} certificate {} expires on {} (in {days} days, under {warn})",
            first.subject,
            date(first.not_after)
        )))
        .fix(format!(
            "renew the {role} certificate {} before {}",
            first.subject,
            date(first.not_after)
        ))
    } else {
        with(Verdict::pass(format!(
            "valid until {} ({days} days; {role} certificate {})",
            date(first.not_after),
            first.subject
        )))
    })
}

/// A Unix time as `YYYY-MM-DD` (UTC), by the civil-from-days algorithm (no clock, no crate).
pub(crate) fn date(unix: i64) -> String {
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{cert, healthy_target, with_tls};

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&TlsExpiry, t)
    }

    fn leaf_days(t: &mut TargetFacts, days: i64) {
        t.tls_facts.handshake.as_mut().unwrap().chain[0] =
            cert("CN=redis.example", "CN=lab CA", days, &[], false);
    }

    #[test]
    fn outcomes() {
        assert_eq!(judge(&healthy_target("s")).outcome, Outcome::Skip);
        let mut t = healthy_target("s");
        with_tls(&mut t);
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        leaf_days(&mut t, 30);
        assert_eq!(
            judge(&t).outcome,
            Outcome::Pass,
            "exactly 30 days out does not warn"
        );
        leaf_days(&mut t, 29);
        assert_eq!(judge(&t).outcome, Outcome::Warn);
        leaf_days(&mut t, -2);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .starts_with("the server certificate CN=redis.example expired on"),
            "{}",
            v.message
        );
        leaf_days(&mut t, 100);
        t.tls_facts.handshake.as_mut().unwrap().chain[0].not_before = 1_795_000_000 + 86_400;
        assert!(judge(&t).message.contains("is not valid before"));
    }

    #[test]
    fn the_configured_ca_is_judged_without_the_network() {
        let mut t = healthy_target("s");
        with_tls(&mut t);
        t.tls_facts.handshake = None;
        t.dns = crate::facts::Observed::failed(crate::facts::FailureKind::NxDomain, "NXDOMAIN");
        t.tls_facts.ca.status = CaStatus::Loaded {
            certs: vec![cert("CN=lab CA", "CN=lab CA", -1, &[], true)],
        };
        let f = crate::testing::facts(vec![t.clone()]);
        let subject = Subject {
            facts: &f,
            target: Some(&f.targets[0]),
        };
        let v = TlsExpiry
            .judge_offline(subject)
            .expect("an expired CA is judged offline");
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .starts_with("the CA certificate CN=lab CA expired on"),
            "{}",
            v.message
        );
        // A valid CA says nothing offline: the server's chain is still to be seen.
        t.tls_facts.ca.status = CaStatus::Loaded {
            certs: vec![cert("CN=lab CA", "CN=lab CA", 400, &[], true)],
        };
        let f = crate::testing::facts(vec![t]);
        let subject = Subject {
            facts: &f,
            target: Some(&f.targets[0]),
        };
        assert!(TlsExpiry.judge_offline(subject).is_none());
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_795_000_000), "2026-11-18");
        assert_eq!(date(951_782_400), "2000-02-29");
    }
}
