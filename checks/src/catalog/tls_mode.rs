use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{Observed, Reply};

crate::check! {
    /// ## What it checks
    /// TLS on or off in the values matches what the server speaks: a TLS handshake succeeds
    /// where the values turn TLS on (`certs.enabled`, `socketType: tls`, `socket: tls`), and
    /// plaintext Redis answers where they do not. When one mode fails, the other is tried on
    /// a second connection (no credentials are sent on it) to say which mismatch it is.
    ///
    /// ## Why Gloo needs it
    /// A plaintext Redis answers a TLS ClientHello with an error and hangs up; a TLS-only
    /// Redis waits for a handshake that a plaintext client never starts. Either way the
    /// components log timeouts that do not say "TLS".
    ///
    /// ## How to fix
    /// TLS on, plaintext server: turn TLS off in the values, or enable `tls-port` on the
    /// server. TLS off, TLS server: set `certs.enabled: true` (and the CA) in the values.
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
            if h.completed || !h.chain.is_empty() {
                let version = h
                    .version
                    .as_deref()
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default();
                return Verdict::pass(format!("the server speaks TLS{version}, as the values say"));
            }
            let error = h.error.clone().unwrap_or_default();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, session, with_tls};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&TlsMode, t)
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
