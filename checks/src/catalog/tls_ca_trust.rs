use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{CaStatus, TrustFailure};

crate::check! {
    /// ## What it checks
    /// The server's certificate chain verifies against the CA the components trust: the CA
    /// in the certs secret (`certs.secretName`, key `caCertKey`; for the legacy rate limiter
    /// `certs.caCert`), or the system roots when no CA is configured, as Go's crypto/tls does
    /// in the component's container. The chain is verified at a time inside its validity, so
    /// an expired certificate from the right CA fails only `tls.expiry`. A CA secret or key
    /// that is missing, empty or not a PEM certificate fails here, naming the secret and key,
    /// even when the server cannot be reached (it is judged from the secret alone).
    ///
    /// Differences between Go's verifier and this tool's (webpki) are bridged: a version 1
    /// server certificate, which webpki will not parse, and a server certificate marked
    /// CA:TRUE, which webpki refuses as an end entity, are verified by their signature from a
    /// trusted CA as Go verifies them. ECDSA over P-521 (with SHA-256, SHA-384 or SHA-512) is
    /// verified as Go verifies it. A chain signed with an algorithm Go implements and this
    /// tool does not (ECDSA with SHA-512 from a P-256 or P-384 key) is `unknown`, never
    /// `fail`, with the `openssl verify` to run.
    ///
    /// Where Go refuses what webpki would take, or refuses it for another reason, the message
    /// names Go's reason rather than "issued by another CA": a certificate whose extended key
    /// usage leaves out serverAuth is named as such; one signed with SHA-1 as "signed with
    /// SHA-1, which Go refuses" (Go 1.18 on); a certificate with a negative serial number,
    /// which webpki accepts and Go refuses to parse (Go 1.23 on), fails naming both
    /// behaviours; and a CA of the issuer's name with another key (a CA made again) is named
    /// as such.
    ///
    /// A TLS 1.2 server with CBC cipher suites only, which this tool cannot speak, sends its
    /// certificates in the clear: they are read from its answer to Go's offer and judged here
    /// as any chain.
    ///
    /// ## Why Gloo needs it
    /// The components refuse a server they cannot verify ("x509: certificate signed by
    /// unknown authority") and never connect.
    ///
    /// ## How to fix
    /// Put the CA that issued the server's certificate (the issuer in the message) into the
    /// secret: `kubectl create secret generic redis-certs -n gloo-mesh --from-file=ca.crt=ca.pem`.
    ///
    /// ## On managed services
    /// ElastiCache and Memorystore certificates chain to public or provider CAs: leave the CA
    /// unset to use the system roots, or download the provider's CA bundle into the secret.
    TlsCaTrust {
        id: "tls.ca-trust",
        title: "the server's chain verifies against the configured CA",
        scope: Target,
        phase: Tls,
        requires: ["tls.mode"],
    }
}

impl Check for TlsCaTrust {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    /// A CA secret or key that is missing, empty or holds no PEM certificate fails without
    /// the network: no server can make it trusted.
    fn judge_offline(&self, subject: Subject<'_>) -> Option<Verdict> {
        let t = subject.target();
        let ca = &t.tls_facts.ca;
        match &ca.status {
            CaStatus::Broken { problem } if t.tls => Some(
                Verdict::fail(problem.clone()).with("ca", ca.source.clone()).fix(
                    "create the secret with the CA certificate in PEM under the key the values name (kubectl create secret generic … --from-file=ca.crt=ca.pem)",
                ),
            ),
            _ => None,
        }
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        if !t.tls {
            return Verdict::skip("TLS is off in the values");
        }
        if let Some(broken) = self.judge_offline(subject) {
            return broken;
        }
        let ca = &t.tls_facts.ca;
        let anchors = match &ca.status {
            // Judged by `judge_offline` above.
            CaStatus::Broken { .. } => vec![],
            CaStatus::Unavailable { reason, kind } => {
                return Verdict::unknown(format!(
                    "could not read the CA ({}): {reason}",
                    ca.source
                ))
                .fix(crate::catalog::auth_secret::unreadable_fix(*kind));
            }
            CaStatus::Loaded { certs } => {
                certs.iter().map(|c| c.subject.clone()).collect::<Vec<_>>()
            }
            CaStatus::System { count } => vec![format!("{count} system roots")],
            CaStatus::NotNeeded => vec![],
        };
        let h = match t.presented_chain() {
            Ok(h) => h,
            Err(why) => return Verdict::skip(why),
        };
        let leaf = &h.chain[0];
        // webpki accepts it; Go's parser refuses it (1.23 on), before any chain is built.
        if let Some(c) = h.chain.iter().find(|c| c.negative_serial) {
            return Verdict::fail(format!(
                "the server sends a certificate with a negative serial number ({}, issuer {}): Go refuses to parse it since Go 1.23 (\"x509: negative serial number\"), so components built with Go 1.23 or later cannot connect (Go 1.22 and earlier accept it; these verdicts follow Go 1.23)",
                c.subject, c.issuer
            ))
            .with("negative_serial", c.subject.clone())
            .fix("reissue the certificate with a positive serial number (openssl's random serials are positive; -set_serial takes a positive number)");
        }
        let v = match &h.chain_trust {
            Some(Ok(())) => Verdict::pass(format!(
                "the chain of {} (issuer {}) verifies against {}",
                leaf.subject, leaf.issuer, ca.source
            )),
            Some(Err(why)) if h.trust_failure == Some(TrustFailure::UnsupportedAlgorithm) => Verdict::unknown(format!(
                "the chain of {} (issuer {}) is signed with an algorithm this tool does not implement (ECDSA with SHA-512 from a P-256 or P-384 key, say) and Go does: whether it verifies against {} could not be checked",
                leaf.subject, leaf.issuer, ca.source
            ))
            .with("webpki_error", why.clone())
            .fix(format!(
                "verify by hand: openssl verify -CAfile ca.crt server.crt, with ca.crt from {}; or have the CA sign with SHA-256 or SHA-384 (openssl ca -md sha256), which both verify",
                ca.source
            )),
            Some(Err(why)) => {
                let trusted = format!("{}: {}", ca.source, anchors.join("; "));
                let system = matches!(ca.status, CaStatus::System { .. });
                // Where the missing CA goes: the configured secret, or one to configure.
                let into = if system {
                    "a CA secret named in the values' certs settings (with no CA configured the components trust only the system roots)".to_string()
                } else {
                    ca.source.clone()
                };
                let self_signed = leaf.subject == leaf.issuer;
                let issuer_trusted = match &ca.status {
                    CaStatus::Loaded { certs } => certs.iter().any(|c| c.subject == leaf.issuer),
                    _ => false,
                };
                if h.trust_failure == Some(TrustFailure::Sha1) {
                    // The CA may well be the right one: the signature's hash is the cause.
                    Verdict::fail(format!(
                        "the server's certificate ({}, issuer {}) is signed with SHA-1, which Go refuses (since Go 1.18: \"x509: cannot verify signature: insecure algorithm\"), whatever CA signed it: {why}",
                        leaf.subject, leaf.issuer
                    ))
                    .fix("reissue the server's certificate (and any intermediate CA sent along) signed with SHA-256 or stronger (openssl ca -md sha256, openssl x509 -req -sha256)")
                } else if h.trust_failure == Some(TrustFailure::NotForServers) {
                    Verdict::fail(format!(
                        "the server's certificate ({}) is not for server authentication: its extended key usage leaves it out, and the components (Go) refuse it (\"certificate specifies an incompatible key usage\"): {why}",
                        leaf.subject
                    ))
                    .fix("reissue the server certificate with extendedKeyUsage serverAuth (or with no extendedKeyUsage at all)")
                } else if h.trust_failure == Some(TrustFailure::BadSignature) && issuer_trusted {
                    // Same name, other key: a CA made again (a lab script run twice, a
                    // cert-manager CA re-issued) while the secret keeps the old one.
                    Verdict::fail(format!(
                        "the server's certificate names {} as its issuer, and the trusted CA ({trusted}) has that name, but the signature does not verify with that CA's key: it was issued by another CA of the same name (one made again with a new key, say): {why}",
                        leaf.issuer
                    ))
                    .fix(format!(
                        "put the CA that really issued the server's certificate into {into} (the one in the server's tls-ca-cert-file or its issuer's current secret: same name {}, other key), or reissue the server's certificate from the CA in {into}",
                        leaf.issuer
                    ))
                } else if self_signed {
                    Verdict::fail(format!(
                        "the server's certificate ({}) is self-signed and is not among the trusted CA ({trusted}): {why}",
                        leaf.subject
                    ))
                    .fix(format!(
                        "put the server's certificate itself into {into} (Go trusts a certificate found there), or give the server a certificate issued by the configured CA"
                    ))
                } else {
                    // Alone, the certificate cannot tell another root CA from an intermediate
                    // the server leaves out: both are named.
                    let alone = h.chain.len() == 1 && !issuer_trusted;
                    let (note, append) = if alone {
                        (
                            format!("; the server sends its certificate alone: when {} is an intermediate CA, the server must send it along", leaf.issuer),
                            format!("; when {} is an intermediate CA, append it to the server's certificate file after its own (tls-cert-file holds the chain, leaf first)", leaf.issuer),
                        )
                    } else {
                        (String::new(), String::new())
                    };
                    Verdict::fail(format!(
                        "the server's certificate is issued by {}, which does not chain to the trusted CA ({trusted}): {why}{note}",
                        leaf.issuer
                    ))
                    .fix(format!(
                        "put the CA that issued the server's certificate ({}) into {into}, or have the server use a certificate from the configured CA{append}",
                        leaf.issuer
                    ))
                }
                .with("chain_length", h.chain.len())
            }
            None => Verdict::unknown("the chain could not be verified")
                .fix("verify by hand: openssl s_client -connect HOST:PORT -CAfile ca.crt"),
        };
        v.with("server_issuer", leaf.issuer.clone())
            .with("ca", ca.source.clone())
            .with("trusted", anchors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, with_tls};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&TlsCaTrust, t)
    }

    #[test]
    fn outcomes() {
        assert_eq!(judge(&healthy_target("s")).outcome, Outcome::Skip);
        let mut t = healthy_target("s");
        with_tls(&mut t);
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain[0].issuer = "CN=other CA".into();
        h.chain_trust = Some(Err("invalid peer certificate: UnknownIssuer".into()));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("issued by CN=other CA, which does not chain to the trusted CA (secret gloo-mesh/redis-certs key ca.crt: CN=lab CA)"), "{}", v.message);

        // The server leaves its intermediate out: the fix is the server's chain.
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain[0].issuer = "CN=lab intermediate".into();
        let v = judge(&t);
        assert!(
            v.message
                .contains("the server sends its certificate alone: when CN=lab intermediate is an intermediate CA, the server must send it along"),
            "{}",
            v.message
        );
        assert!(v.remediation.unwrap().contains("when CN=lab intermediate is an intermediate CA, append it to the server's certificate file"));

        // A self-signed server certificate, with no CA configured.
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain[0].issuer = h.chain[0].subject.clone();
        let with_ca = t.clone();
        t.tls_facts.ca.status = CaStatus::System { count: 140 };
        t.tls_facts.ca.source = "system roots".into();
        let v = judge(&t);
        assert!(v.message.contains("is self-signed"), "{}", v.message);
        let fix = v.remediation.unwrap();
        assert!(fix.contains("a CA secret named in the values' certs settings") && !fix.contains("into system roots"), "{fix}");
        let fix = judge(&with_ca).remediation.unwrap();
        assert!(fix.contains("itself into secret gloo-mesh/redis-certs key ca.crt"), "{fix}");

        t.tls_facts.ca.status = CaStatus::Broken {
            problem: "secret gloo-mesh/redis-certs has no key \"ca.crt\" (keys present: tls.crt)"
                .into(),
        };
        assert!(judge(&t).message.contains("has no key \"ca.crt\""));
    }

    #[test]
    fn a_certificate_not_for_servers_is_named() {
        let mut t = healthy_target("s");
        with_tls(&mut t);
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain_trust = Some(Err("certificate does not allow extended key usage for server authentication".into()));
        h.trust_failure = Some(TrustFailure::NotForServers);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("is not for server authentication"), "{}", v.message);
        assert!(v.remediation.unwrap().contains("extendedKeyUsage serverAuth"));
    }

    #[test]
    fn a_negative_serial_number_fails_as_go_1_23_refuses_it() {
        let mut t = healthy_target("s");
        with_tls(&mut t);
        t.tls_facts.handshake.as_mut().unwrap().chain[0].negative_serial = true;
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message.contains("negative serial number (CN=redis.example, issuer CN=lab CA): Go refuses to parse it since Go 1.23")
                && v.message.contains("Go 1.22 and earlier accept it"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_certificate_signed_with_sha1_is_named_not_as_another_ca() {
        let mut t = healthy_target("s");
        with_tls(&mut t);
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain_trust = Some(Err(
            "a certificate of the chain is signed with SHA-1, an insecure signature algorithm".into(),
        ));
        h.trust_failure = Some(TrustFailure::Sha1);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("is signed with SHA-1, which Go refuses"), "{}", v.message);
        assert!(!v.message.contains("does not chain to"), "{}", v.message);
        assert!(v.remediation.unwrap().contains("SHA-256"));
    }

    #[test]
    fn a_ca_of_the_same_name_with_another_key_is_named() {
        let mut t = healthy_target("s");
        with_tls(&mut t);
        t.tls_facts.ca.status = CaStatus::Loaded {
            certs: vec![crate::testing::cert("CN=lab CA", "CN=lab CA", 3650, &[], true)],
        };
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain_trust = Some(Err("invalid peer certificate: BadSignature".into()));
        h.trust_failure = Some(TrustFailure::BadSignature);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("another CA of the same name"), "{}", v.message);
        assert!(v.remediation.unwrap().contains("same name CN=lab CA, other key"));
    }

    #[test]
    fn an_algorithm_go_verifies_and_this_tool_cannot_is_unknown_not_fail() {
        let mut t = healthy_target("s");
        with_tls(&mut t);
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain_trust = Some(Err("UnsupportedSignatureAlgorithm".into()));
        h.trust_failure = Some(TrustFailure::UnsupportedAlgorithm);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.message.contains("could not be checked"), "{}", v.message);
        assert!(v.remediation.unwrap().starts_with("verify by hand: openssl verify"));
    }
}
