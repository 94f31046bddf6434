use crate::check::{Check, Meta, Subject, Verdict};

crate::check! {
    /// ## What it checks
    /// The server does not demand a client certificate (`tls-auth-clients yes`): the
    /// handshake is made without one, as the components make it, and the server must not end
    /// the connection for it. A telemetry exporter configured with its own `cert_file` and
    /// `key_file` is the one component that can present one.
    ///
    /// ## Why Gloo needs it
    /// The management server, UI and add-ons have no setting for a client certificate: against
    /// a server that demands one, every connection is cut right after the handshake.
    ///
    /// ## How to fix
    /// On the server: `tls-auth-clients no` (or `optional`), then restart or `CONFIG SET`.
    ///
    /// ## On managed services
    /// ElastiCache, Memorystore and Azure Cache do not demand client certificates.
    TlsClientCert {
        id: "tls.client-cert",
        title: "the server does not demand a client certificate",
        scope: Target,
        phase: Tls,
        requires: ["tls.mode"],
    }
}

impl Check for TlsClientCert {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        if !t.tls {
            return Verdict::skip("TLS is off in the values");
        }
        let Some(h) = &t.tls_facts.handshake else {
            return Verdict::skip("no TLS handshake (see tls.mode)");
        };
        // TLS 1.2 with CBC suites only: a CertificateRequest was read, what the server does
        // without a certificate shows only after a key exchange this tool cannot finish.
        if let (Some(suite), true) = (h.cbc_only(), h.client_cert_requested) {
            if t.tls_facts.client_cert_configured {
                return Verdict::pass(
                    "the server asks for a client certificate, and this exporter is configured with cert_file and key_file",
                );
            }
            return Verdict::unknown(format!(
                "the server asks for a client certificate (a CertificateRequest in its TLS 1.2 flight); whether it ends a connection that presents none shows only after the key exchange, which this tool cannot finish with {suite} (CBC)"
            ))
            .fix("check tls-auth-clients on the server: no or optional lets Gloo's components in, yes ends their connections");
        }
        match (&h.client_cert_rejection, h.client_cert_requested) {
            (Some(_), _) if t.tls_facts.client_cert_configured => Verdict::pass(
                "the server demands a client certificate, and this exporter is configured with cert_file and key_file",
            ),
            (Some(alert), _) => Verdict::fail(format!(
                "the server demands a client certificate: it asked for one and ended the connection when none came ({alert}); Gloo's components cannot present one"
            ))
            .with("alert", alert.clone())
            .fix("set tls-auth-clients no (or optional) on the server"),
            (None, true) => Verdict::pass("the server asks for a client certificate but accepts connections without one (tls-auth-clients optional)"),
            (None, false) => Verdict::pass("the server does not ask for a client certificate"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, with_tls};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&TlsClientCert, t)
    }

    #[test]
    fn outcomes() {
        assert_eq!(judge(&healthy_target("s")).outcome, Outcome::Skip);
        let mut t = healthy_target("s");
        with_tls(&mut t);
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.client_cert_requested = true;
        assert!(judge(&t).message.contains("optional"));
        t.tls_facts
            .handshake
            .as_mut()
            .unwrap()
            .client_cert_rejection = Some("CertificateRequired".into());
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("demands a client certificate"));
        t.tls_facts.client_cert_configured = true;
        assert_eq!(judge(&t).outcome, Outcome::Pass);
    }

    // See: issue 19, item 4.
    #[test]
    fn a_certificate_request_in_a_cbc_flight_is_unknown_never_optional() {
        let mut t = healthy_target("s");
        crate::testing::with_cbc_only_tls(&mut t);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass);
        assert_eq!(v.message, "the server does not ask for a client certificate");
        t.tls_facts.handshake.as_mut().unwrap().client_cert_requested = true;
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.message.contains("cannot finish with TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"), "{}", v.message);
    }
}
