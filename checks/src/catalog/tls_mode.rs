use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{GoHello, Handshake, Observed, Reply};

crate::check! {
    /// ## What it checks
    /// TLS on or off in the values matches what the server speaks: a TLS handshake succeeds
    /// where the values turn TLS on (`certs.enabled`, `socketType: tls`, `socket: tls`), and
    /// plaintext Redis answers where they do not. When one mode fails, the other is tried on
    /// a second connection (no credentials are sent on it) to say which mismatch it is.
    ///
    /// A server that refuses the handshake for its versions or cipher suites is asked again
    /// with what Go offers: one that speaks only TLS 1.1 or older refuses the components too
    /// (`fail`). One restricted to TLS 1.2 CBC suites lets the components in (Go 1.23 offers
    /// its ECDHE CBC suites) but not this tool: this passes, naming the suite Go negotiates;
    /// its certificates, sent in the clear in TLS 1.2, are judged by `tls.ca-trust`,
    /// `tls.hostname` and `tls.expiry`, and what needs the Redis session is `unknown`. One that
    /// accepts Go's other suites and refuses this tool's offer (a key-exchange curve only Go
    /// offers, P-521) is `unknown`: nothing behind TLS was checked.
    ///
    /// ## Why Gloo needs it
    /// A plaintext Redis answers a TLS ClientHello with an error and hangs up; a TLS-only
    /// Redis waits for a handshake that a plaintext client never starts. Either way the
    /// components log timeouts that do not say "TLS".
    ///
    /// ## How to fix
    /// TLS on, plaintext server: turn TLS off in the values, or enable `tls-port` on the
    /// server. TLS off, TLS server: set `certs.enabled: true` (and the CA) in the values.
    /// Versions or suites refused: allow TLS 1.2 and 1.3 with the default suites
    /// (`tls-protocols "TLSv1.2 TLSv1.3"`, no `tls-ciphers` restriction).
    ///
    /// ## On managed services
    /// ElastiCache with in-transit encryption and Azure Cache (port 6380) speak only TLS;
    /// Memorystore speaks TLS when "in-transit encryption" is on (port 6378).
    TlsMode {
        id: "tls.mode",
        title: "TLS on/off matches what the server speaks",
        scope: Target,
        phase: Tls,
        requires: ["net.tcp"],
    }
}

impl Check for TlsMode {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let tls = &t.tls_facts;
        // The probe stops before the first byte when it cannot log in as the components would
        // (an exporter's `${env:…}` credential unset here): the server was not asked anything.
        if let (Observed::NotAttempted { because }, None) = (&t.session, &tls.handshake) {
            return Verdict::skip(format!("not tried: {because}"));
        }
        if t.tls {
            let Some(h) = &tls.handshake else {
                return Verdict::unknown("no TLS handshake was attempted").fix(
                    "run again; if it persists, check that the address is reachable from here",
                );
            };
            if let Some(suite) = h.cbc_only() {
                return Verdict::pass(format!(
                    "the server speaks TLS, as the values say: TLS 1.2 with CBC cipher suites only, and the components (Go) negotiate TLS 1.2 with {suite}, which this tool cannot speak; the certificates the server sends in the clear are judged (tls.ca-trust, tls.hostname, tls.expiry), what needs the Redis session is not"
                ))
                .with("go_cipher_suite", suite)
                .with("handshake_error", h.error.clone().unwrap_or_default());
            }
            if h.completed || !h.chain.is_empty() {
                let version = h
                    .version
                    .as_deref()
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default();
                return Verdict::pass(format!("the server speaks TLS{version}, as the values say"));
            }
            let error = h.error.clone().unwrap_or_default();
            if h.message_too_large {
                // Go reads certificate messages of up to 256 KiB (crypto/tls
                // maxHandshakeCertificateMsg): the server speaks TLS, and may serve Go.
                return Verdict::unknown(format!(
                    "the server speaks TLS, but {error}; the components (Go) read up to 256 KiB, so nothing behind TLS could be checked here"
                ))
                .with("handshake_error", error)
                .fix("keep the certificate chain under 64 KiB (fewer SANs, a shorter subject); until then verify by hand with redis-cli --tls");
            }
            if let Some(verdict) = refused_offer(h, &error, &t.address) {
                return verdict.with("handshake_error", error);
            }
            return match tls.speaks_other_mode {
                Some(true) => Verdict::fail(format!(
                    "the values turn TLS on but {} speaks plaintext Redis ({error})",
                    t.address
                ))
                .with("handshake_error", error)
                .fix("turn TLS off in the values (certs.enabled: false, socketType: tcp), or enable tls-port on the server"),
                _ => Verdict::fail(format!("no TLS handshake with {}: {error}", t.address))
                    .with("handshake_error", error)
                    .fix("check that this port is the Redis TLS port (tls-port) and that it answers"),
            };
        }
        let answered = match &t.session {
            Observed::Ok { value } => {
                matches!(value.unauthenticated_ping, Reply::Ok | Reply::Error { .. })
            }
            _ => false,
        };
        if answered {
            return Verdict::pass("the server speaks plaintext Redis, as the values say");
        }
        match tls.speaks_other_mode {
            Some(true) => Verdict::fail(format!(
                "the values turn TLS off but {} speaks TLS only: the components' plaintext commands go unanswered",
                t.address
            ))
            .fix("turn TLS on in the values (certs.enabled: true, with the CA in the certs secret)"),
            _ => Verdict::skip("the server answered neither plaintext Redis nor a TLS handshake (see auth.login)"),
        }
    }
}

/// The server refused this tool's offer; what it answered Go's says whether the components
/// are refused too.
fn refused_offer(h: &Handshake, error: &str, address: &str) -> Option<Verdict> {
    const ALLOW: &str = "allow TLS 1.2 and 1.3 on the server with its default cipher suites (tls-protocols \"TLSv1.2 TLSv1.3\", no tls-ciphers restriction)";
    Some(match h.go_hello.as_ref()? {
        GoHello::Chose {
            version,
            version_ok: false,
            ..
        } => Verdict::fail(format!(
            "the server speaks only {version} and older ({error} to TLS 1.2 and 1.3): the components (Go) require TLS 1.2 or later"
        ))
        .fix(ALLOW),
        // Its certificates could not be read whole (see `Handshake::cbc_only` for when they were).
        GoHello::Chose {
            cipher_suite,
            cbc: true,
            ..
        } => Verdict::unknown(format!(
            "the server allows TLS 1.2 with CBC cipher suites only ({cipher_suite}; {error} to the others): the components (Go) accept it, this tool does not speak CBC, and the server's certificates could not be read whole, so nothing behind TLS could be checked"
        ))
        .fix(format!("{ALLOW}: Go and this tool both speak those; until then verify by hand with redis-cli --tls")),
        GoHello::Alert { description } => Verdict::fail(format!(
            "the server refuses the TLS versions and cipher suites the components (Go) offer: {error} to this tool, {description} to TLS 1.2 with Go 1.23's default suites (ECDHE only: a server that speaks only RSA key exchange let components built with Go 1.21 or earlier in, and refuses Go 1.22 on)"
        ))
        .fix(ALLOW),
        // Go's offer differs from this tool's in its key-exchange curves (P-521) and its SHA-1
        // signature schemes too.
        GoHello::Chose {
            cipher_suite,
            version_ok: true,
            cbc: false,
            ..
        } => Verdict::unknown(format!(
            "the server accepts what Go offers (asked with TLS 1.2, it chose {cipher_suite}) but refused this tool's handshake ({error}): the two offers differ in their key-exchange curves (Go also offers P-521, which this tool cannot use for a key exchange) and in their SHA-1 signature schemes, so the components (Go) most likely connect — with TLS 1.3 where the server speaks it, as Go 1.23 does with a server that allows only P-521 for the key exchange — and nothing behind TLS could be checked"
        ))
        .fix(format!("verify by hand: openssl s_client -connect {address} shows the server's key-exchange group and signature; allowing X25519, P-256 or P-384 for the key exchange (OpenSSL's defaults) serves both Go and this tool")),
        GoHello::Nothing => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, session, with_tls};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&TlsMode, t)
    }

    // See: issue 18, item 8.
    #[test]
    fn a_certificate_message_over_64_kib_is_unknown_not_plaintext() {
        let mut t = healthy_target("s");
        with_tls(&mut t);
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.completed = false;
        h.chain.clear();
        h.error = Some("the server's handshake message (its certificates) is over 64 KiB".into());
        h.message_too_large = true;
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.message.starts_with("the server speaks TLS, but"), "{}", v.message);
        assert!(v.message.contains("read up to 256 KiB"), "{}", v.message);
    }

    #[test]
    fn a_refused_offer_is_judged_by_what_go_would_get() {
        let mut t = healthy_target("s");
        with_tls(&mut t);
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.completed = false;
        h.chain.clear();
        h.error = Some("the server sent TLS alert handshake_failure".into());
        let mut judged = |hello: GoHello| {
            t.tls_facts.handshake.as_mut().unwrap().go_hello = Some(hello);
            judge(&t)
        };
        let old = judged(GoHello::Chose {
            version: "TLS 1.1".into(),
            version_ok: false,
            cipher_suite: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA".into(),
            cbc: true,
            flight_read: false,
        });
        assert_eq!(old.outcome, Outcome::Fail);
        assert!(old.message.contains("speaks only TLS 1.1 and older"), "{}", old.message);
        let cbc = judged(GoHello::Chose {
            version: "TLS 1.2".into(),
            version_ok: true,
            cipher_suite: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA".into(),
            cbc: true,
            flight_read: false,
        });
        assert_eq!(cbc.outcome, Outcome::Unknown);
        assert!(cbc.message.contains("the components (Go) accept it"), "{}", cbc.message);
        let none = judged(GoHello::Alert {
            description: "handshake_failure".into(),
        });
        assert_eq!(none.outcome, Outcome::Fail);
        assert!(none.remediation.unwrap().contains("tls-protocols"));
        let curves = judged(GoHello::Chose {
            version: "TLS 1.2".into(),
            version_ok: true,
            cipher_suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into(),
            cbc: false,
            flight_read: false,
        });
        assert_eq!(curves.outcome, Outcome::Unknown);
        assert!(
            curves.message.contains("key-exchange curves (Go also offers P-521")
                && curves.message.contains("with TLS 1.3 where the server speaks it")
                && !curves.message.contains("negotiate TLS 1.2"),
            "{}",
            curves.message
        );
        let generic = judged(GoHello::Nothing);
        assert!(generic.message.starts_with("no TLS handshake with"), "{}", generic.message);
    }

    // See: issue 19, item 4.
    #[test]
    fn cbc_only_passes_naming_the_suite_go_negotiates() {
        let mut t = healthy_target("s");
        crate::testing::with_cbc_only_tls(&mut t);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(
            v.message.contains("the components (Go) negotiate TLS 1.2 with TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, which this tool cannot speak"),
            "{}",
            v.message
        );
        // Its flight not read whole: nothing to judge, as before.
        let h = t.tls_facts.handshake.as_mut().unwrap();
        h.chain.clear();
        if let Some(GoHello::Chose { flight_read, .. }) = &mut h.go_hello {
            *flight_read = false;
        }
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown);
        assert!(v.message.contains("could not be read whole"), "{}", v.message);
    }

    #[test]
    fn outcomes() {
        let mut plain = healthy_target("s");
        assert_eq!(judge(&plain).outcome, Outcome::Pass);
        session(&mut plain).unauthenticated_ping = Reply::Broken {
            error: "connection reset".into(),
        };
        assert_eq!(judge(&plain).outcome, Outcome::Skip);
        plain.tls_facts.speaks_other_mode = Some(true);
        let v = judge(&plain);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .contains("the values turn TLS off but redis.example:6379 speaks TLS only")
        );

        let mut tls = healthy_target("s");
        with_tls(&mut tls);
        assert_eq!(judge(&tls).outcome, Outcome::Pass);
        let h = tls.tls_facts.handshake.as_mut().unwrap();
        h.completed = false;
        h.chain.clear();
        h.error = Some("received corrupt message of type InvalidContentType".into());
        tls.tls_facts.speaks_other_mode = Some(true);
        let v = judge(&tls);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message
                .contains("the values turn TLS on but redis.example:6379 speaks plaintext Redis"),
            "{}",
            v.message
        );
    }

    /// A server the probe never spoke to (an unset `${env:…}` credential) is neither a
    /// mismatch nor a silent server, with TLS on or off.
    #[test]
    fn not_tried_is_a_skip_naming_why() {
        let because = "the credentials come from an environment variable that is not set here";
        let mut plain = healthy_target("s");
        plain.session = Observed::NotAttempted {
            because: because.into(),
        };
        let mut tls = plain.clone();
        tls.tls = true;
        tls.tls_facts.handshake = None;
        for t in [&plain, &tls] {
            let v = judge(t);
            assert_eq!(v.outcome, Outcome::Skip);
            assert_eq!(v.message, format!("not tried: {because}"));
        }
    }
}
