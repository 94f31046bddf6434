use crate::check::{Check, Meta, Subject, Verdict, go_duration};
use crate::facts::{Observed, Reply, TargetFacts};

crate::check! {
    /// ## What it checks
    /// The server accepts the credentials from the auth secret, sent as go-redis sends them
    /// (`AUTH username password`, or `AUTH password` without a username), within the
    /// components' `readTimeout`, then `SELECT` of the values' `db` when it is not 0, as go-redis
    /// does. Warns when the server lets anybody in without credentials.
    ///
    /// ## Why Gloo needs it
    /// A rejected login makes every component fail its first command; a server that never
    /// answers (a TLS port spoken to in plaintext, a proxy with no backend) stalls them.
    ///
    /// ## How to fix
    /// `WRONGPASS`: the password (or the ACL user) does not match; check the secret and that
    /// the user is `on`. `NOAUTH`: the server needs a password but the values turn auth off.
    /// "no password configured": the values send one to a server that has none.
    ///
    /// ## On managed services
    /// ElastiCache AUTH tokens and Memorystore AUTH strings are passwords of the `default` user.
    AuthLogin {
        id: "auth.login",
        title: "the server accepts the configured credentials",
        scope: Target,
        phase: Session,
        requires: ["net.tcp", "tls.mode", "tls.ca-trust", "tls.hostname", "tls.expiry", "tls.client-cert", "auth.secret"],
    }
}

impl Check for AuthLogin {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let session = match &t.session {
            Observed::Ok { value } => value,
            Observed::NotAttempted { because } => {
                return Verdict::unknown(format!("the login was not tried: {because}")).fix(
                    "make the credentials available where the preflight runs, then run it again",
                );
            }
            other => {
                let why = other.problem().unwrap_or_default();
                return Verdict::fail(format!("no Redis session with {}: {why}", t.address))
                    .fix("check that the address points at a Redis server and that TLS matches what it speaks");
            }
        };
        if let Some((db, Reply::Error { code, message })) = &session.select {
            return Verdict::fail(format!("the server refuses SELECT {db}: {code} {message}"))
                .with("db", *db)
                .fix("set db within the server's databases (0 … databases-1); Redis Cluster and many managed services have db 0 only");
        }
        let secret = t.auth.holder();
        match &session.login {
            None => match &session.unauthenticated_ping {
                Reply::Ok => Verdict::warn(format!(
                    "the server accepts connections without credentials (authentication is off in the values: {}); anyone who reaches it can read and change Gloo's data",
                    t.auth.enabled_key
                ))
                .fix("require a password on the server (ACL user or requirepass) and turn on auth in the values"),
                Reply::Error { code, message } if code == "NOAUTH" => Verdict::fail(format!(
                    "the server requires authentication (NOAUTH {message}) but the values turn it off ({})",
                    t.auth.enabled_key
                ))
                .with("reply", format!("{code} {message}"))
                .fix(format!("set {} to true and name the secret holding the credentials", t.auth.enabled_key)),
                other => reply_failure(t, other),
            },
            Some(login) => match &login.reply {
                Reply::Ok if session.unauthenticated_ping == Reply::Ok => Verdict::warn(
                    "the credentials are accepted, but the server needs none: anyone who reaches it can read and change Gloo's data",
                )
                .fix("require a password for every user (ACL `user default off`, or requirepass)"),
                Reply::Ok => Verdict::pass(format!(
                    "the server accepts the credentials from {secret} ({})",
                    if login.with_username { "AUTH username password" } else { "AUTH password" }
                )),
                Reply::Error { code, message } => {
                    let evidence = format!("{code} {message}");
                    let fix = if message.contains("without any password configured") {
                        "the server has no password: remove auth from the values, or configure the password on the server".to_string()
                    } else if message.contains("wrong number of arguments") {
                        "the server predates Redis 6 and has no ACL users: remove the username from the secret, or upgrade Redis".to_string()
                    } else {
                        format!("check the password in {secret} and, with ACL users, that the user exists and is `on`")
                    };
                    Verdict::fail(format!("the server rejects the credentials from {secret}: {evidence}"))
                        .with("reply", evidence)
                        .fix(fix)
                }
                other => reply_failure(t, other),
            },
        }
    }
}

fn reply_failure(t: &TargetFacts, reply: &Reply) -> Verdict {
    match reply {
        Reply::Timeout { after_ms } => Verdict::fail(format!(
            "no answer within readTimeout {} from {}: the server accepted the connection but never replied",
            go_duration(*after_ms),
            t.address
        ))
        .with("read_timeout", go_duration(*after_ms))
        .fix("check that this port is Redis and whether it expects TLS (a TLS port waits for a handshake)"),
        Reply::Broken { error } => {
            let answered = t.plaintext_answer.as_ref().map(|a| format!("; to PING it answered \"{a}\"")).unwrap_or_default();
            let v = Verdict::fail(format!("{} did not answer as a Redis server ({error}){answered}", t.address));
            let v = match &t.plaintext_answer {
                Some(a) => v.with("answer", a.clone()),
                None => v,
            };
            v.fix("check that the address points at Redis and that TLS on/off matches the server")
        }
        Reply::Error { code, message } => Verdict::fail(format!("the server refused the connection: {code} {message}"))
            .with("reply", format!("{code} {message}"))
            .fix("see the server's reply; check the server's ACL rules and logs"),
        Reply::Ok => Verdict::pass("the server answered"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{healthy_target, session};
    use reports::Outcome;

    fn judge(t: TargetFacts) -> Verdict {
        crate::testing::judge(&AuthLogin, &t)
    }

    fn err(code: &str, message: &str) -> Reply {
        Reply::Error {
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn with_credentials() {
        let cases = [
            (
                Reply::Ok,
                Outcome::Pass,
                "accepts the credentials from secret gloo-mesh/redis-auth-secrets",
            ),
            (
                err(
                    "WRONGPASS",
                    "invalid username-password pair or user is disabled.",
                ),
                Outcome::Fail,
                "rejects the credentials",
            ),
            (
                Reply::Timeout { after_ms: 3000 },
                Outcome::Fail,
                "no answer within readTimeout 3s",
            ),
            (
                Reply::Broken {
                    error: "unexpected byte".into(),
                },
                Outcome::Fail,
                "did not answer as a Redis server",
            ),
        ];
        for (reply, outcome, fragment) in cases {
            let mut t = healthy_target("snapshot");
            session(&mut t).login.as_mut().unwrap().reply = reply;
            let v = judge(t);
            assert_eq!(v.outcome, outcome);
            assert!(v.message.contains(fragment), "{}", v.message);
        }
    }

    #[test]
    fn without_credentials() {
        let cases = [
            (
                Reply::Ok,
                Outcome::Warn,
                "accepts connections without credentials",
            ),
            (
                err("NOAUTH", "Authentication required."),
                Outcome::Fail,
                "requires authentication",
            ),
            (
                Reply::Timeout { after_ms: 3000 },
                Outcome::Fail,
                "no answer within readTimeout 3s",
            ),
        ];
        for (ping, outcome, fragment) in cases {
            let mut t = healthy_target("snapshot");
            let s = session(&mut t);
            s.login = None;
            s.unauthenticated_ping = ping;
            let v = judge(t);
            assert_eq!(v.outcome, outcome);
            assert!(v.message.contains(fragment), "{}", v.message);
        }
    }

    #[test]
    fn a_server_that_needs_no_credentials_warns_even_when_they_are_accepted() {
        let mut t = healthy_target("snapshot");
        session(&mut t).unauthenticated_ping = Reply::Ok;
        assert_eq!(judge(t).outcome, Outcome::Warn);
    }

    #[test]
    fn a_db_the_server_does_not_have_fails() {
        let mut t = healthy_target("snapshot");
        session(&mut t).select = Some((20, err("ERR", "DB index is out of range")));
        let v = judge(t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(
            v.message,
            "the server refuses SELECT 20: ERR DB index is out of range"
        );
    }

    #[test]
    fn no_session_fails() {
        let mut t = healthy_target("snapshot");
        t.session = Observed::Failed {
            error: "connection reset".into(),
        };
        assert_eq!(judge(t).outcome, Outcome::Fail);
    }
}
