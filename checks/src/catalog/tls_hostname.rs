use crate::check::{Check, Meta, Subject, Verdict};

crate::check! {
    /// ## What it checks
    /// The server's certificate is valid for the host in the address (its DNS or IP subject
    /// alternative names), checked apart from the chain and the dates; the message lists the
    /// names it has. As Go verifies it, only subject alternative names count: a certificate
    /// with only a Common Name (a version 1 certificate from `openssl x509 -req` without
    /// `-extfile`, say) is valid for no host.
    ///
    /// ## Why Gloo needs it
    /// The components verify the name as Go's crypto/tls does ("x509: certificate is valid for
    /// X, not Y") and refuse the connection.
    ///
    /// ## How to fix
    /// Use an address whose host is among the names the certificate lists, or reissue the
    /// certificate with the address's host (or IP) as a subject alternative name.
    ///
    /// ## On managed services
    /// ElastiCache certificates cover the `*.cache.amazonaws.com` endpoints: use the endpoint
    /// name, not an IP or a CNAME of your own.
    TlsHostname {
        id: "tls.hostname",
        title: "the certificate is valid for the host in the address",
        scope: Target,
        phase: Tls,
        requires: ["tls.mode"],
    }
}

impl Check for TlsHostname {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let h = match t.presented_chain() {
            Ok(h) => h,
            Err(why) => return Verdict::skip(why),
        };
        let leaf = &h.chain[0];
        let sans = leaf.sans.clone();
        let v = match &h.name_match {
            Some(Ok(())) => Verdict::pass(format!("the certificate is valid for {}", t.host)),
            // Only a Common Name: Go (1.15 on) matches no host name against it.
            Some(Err(_)) if sans.is_empty() => Verdict::fail(format!(
                "the certificate ({}) has no subject alternative name, so it is valid for no host: the components (Go) ignore the Common Name{}",
                leaf.subject,
                if leaf.version == 1 { ", and a version 1 certificate cannot carry the extension" } else { "" }
            ))
            .fix(format!(
                "reissue the server certificate with {} as a subject alternative name (openssl x509 -req … -extfile with the line subjectAltName={}:{})",
                t.host,
                if t.host.parse::<std::net::IpAddr>().is_ok() { "IP" } else { "DNS" },
                t.host
            )),
            Some(Err(_)) => Verdict::fail(format!(
                "the certificate is valid for {}, not for {}",
                sans.join(", "),
                t.host
            ))
            .fix(format!(
                "set {} to a host the certificate names, or reissue it with {} as a subject alternative name",
                t.address_key, t.host
            )),
            None => Verdict::unknown("the name could not be checked")
                .fix("verify by hand: openssl s_client -connect HOST:PORT -verify_hostname HOST"),
        };
        v.with("host", t.host.clone()).with("sans", sans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, with_tls};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&TlsHostname, t)
    }

    #[test]
    fn outcomes() {
        assert_eq!(judge(&healthy_target("s")).outcome, Outcome::Skip);
        let mut t = healthy_target("s");
        with_tls(&mut t);
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain[0].sans = vec!["other.example".into(), "10.0.0.9".into()];
        h.name_match = Some(Err("NotValidForName".into()));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(
            v.message,
            "the certificate is valid for other.example, 10.0.0.9, not for redis.example"
        );
    }

    #[test]
    fn a_common_name_alone_names_no_host() {
        let mut t = healthy_target("s");
        with_tls(&mut t);
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain[0].sans.clear();
        h.chain[0].version = 1;
        h.name_match = Some(Err("no SAN".into()));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("has no subject alternative name"), "{}", v.message);
        assert!(v.message.contains("ignore the Common Name"), "{}", v.message);
        assert!(v.message.contains("version 1"), "{}", v.message);
        let fix = v.remediation.unwrap();
        assert!(fix.contains("subjectAltName=DNS:redis.example"), "{fix}");
    }
}
