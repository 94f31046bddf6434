use crate::check::{Check, Meta, Subject, Verdict};
use crate::duration::go_duration;
use crate::facts::{ErrorMeaning, Observed, RefusalKind, Reply, TargetFacts};

crate::check! {
    /// ## What it checks
    /// The server accepts the credentials from the auth secret, sent as go-redis sends them
    /// (`AUTH username password`, or `AUTH password` without a username), within the
    /// components' `readTimeout`, then `SELECT` of the values' `db` when it is not 0, as go-redis
    /// does. Warns when the server lets anybody in without credentials. A server that refuses
    /// the connection before any login (its error read even when it closes at once) is named:
    /// protected mode fails here; every client slot taken (`maxclients`) is `unknown` here and
    /// fails `redis.capacity`; `LOADING` is `unknown` until the dataset is loaded. A nil reply
    /// to `PING` or `AUTH` is never success.
    ///
    /// ## Why Gloo needs it
    /// A rejected login makes every component fail its first command; a server that never
    /// answers (a TLS port spoken to in plaintext, a proxy with no backend) stalls them.
    ///
    /// ## How to fix
    /// `WRONGPASS`: the password (or the ACL user) does not match; check the secret and that
    /// the user is `on`. `NOAUTH`: the server needs a password but the values turn auth off.
    /// "no password configured": the values send one to a server that has none. "wrong number
    /// of arguments" from a server without ACL users (Redis before 6): remove the username.
    /// `DENIED` (protected mode): set a password on the server and turn on auth in the values,
    /// or turn protected mode off where a firewall guards the port.
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
                if t.tls_facts.handshake.as_ref().and_then(|h| h.cbc_only()).is_some() {
                    return Verdict::unknown(format!(
                        "the login was not tried: {because}, so the login and every read behind TLS could not be checked here"
                    ))
                    .fix(format!(
                        "verify the login by hand over TLS (redis-cli --tls -h {} -p {}, OpenSSL speaks CBC); to let this tool check it, allow TLS 1.3 or TLS 1.2 ECDHE-GCM suites on the server too (tls-protocols \"TLSv1.2 TLSv1.3\"), which Go speaks as well",
                        t.host, t.port
                    ));
                }
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
        if let Some(refusal) = &session.refusal {
            let reply = format!("{} {}", refusal.code, refusal.message);
            let v = match refusal.kind {
                RefusalKind::MaxClients => Verdict::unknown(format!(
                    "the server refused the connection before the login: every client slot is taken ({reply})"
                ))
                .fix("see redis.capacity: raise maxclients, or find the clients holding connections (CLIENT LIST), then run the preflight again"),
                RefusalKind::ProtectedMode => Verdict::fail(format!(
                    "the server runs in protected mode and refuses clients from other hosts ({reply})"
                ))
                .fix("set a password on the server (requirepass or an ACL user) and turn on auth in the values, or turn protected mode off (`protected-mode no`) where a firewall guards the port"),
                RefusalKind::Loading => Verdict::unknown(format!(
                    "the server is loading its dataset into memory and answers nothing else yet ({reply})"
                ))
                .fix("run the preflight again once the dataset is loaded (INFO persistence: loading:0)"),
                RefusalKind::Busy => Verdict::unknown(format!(
                    "a script or function has run past busy-reply-threshold (lua-time-limit) and the server answers every command with BUSY until it ends, so the login could not be tried ({reply}); Gloo's components get the same error meanwhile"
                ))
                .fix("end the long-running script (SCRIPT KILL, or FUNCTION KILL; SHUTDOWN NOSAVE if it has written), find it in SLOWLOG GET, then run the preflight again"),
                RefusalKind::MasterDown => Verdict::fail(format!(
                    "the address is a replica whose link to its primary is down, and with replica-serve-stale-data no it answers every read with MASTERDOWN ({reply}); expected the primary, which takes Gloo's writes"
                ))
                .fix("point the address at the primary (the replication group's primary endpoint); on this replica, INFO replication shows master_link_status and the primary it waits for"),
                RefusalKind::Other => Verdict::fail(format!(
                    "the server refused the connection before the login: {reply}"
                ))
                .fix("see the server's reply and its log"),
            };
            return v.with("reply", reply);
        }
        if let Some((db, Reply::Error { code, message })) = &session.select {
            return Verdict::fail(format!("the server refuses SELECT {db}: {code} {message}"))
                .with("db", *db)
                .fix("set db within the server's databases (0 … databases-1); Redis Cluster and many managed services have db 0 only");
        }
        let secret = t.auth.holder();
        if let Some(sentinel) = crate::server::sentinel(session) {
            let describe = sentinel.describe(&t.address);
            return match session.login.as_ref().map(|l| &l.reply) {
                Some(Reply::Error { code, message }) => Verdict::fail(format!(
                    "the server rejects the credentials from {secret} ({code} {message}): {describe}"
                ))
                .with("reply", format!("{code} {message}"))
                .with("source", sentinel.source)
                .fix(sentinel.fix(&t.address_key)),
                _ => Verdict::skip(format!("skipped: {describe} (see redis.role)"))
                    .blocked_by("redis.role"),
            };
        }
        match &session.login {
            None => match if session.lets_anybody_in() { &Reply::Ok } else { &session.unauthenticated_ping } {
                // A block with no auth setting (the UI's OIDC session store): the fix cannot be
                // "turn on auth in the values" there.
                Reply::Ok if !t.auth.settable => Verdict::warn(format!(
                    "the server accepts connections without credentials ({}); anyone who reaches it can read and change Gloo's data",
                    t.auth.enabled_key
                ))
                .fix(format!("{}: the chart gives this client no credentials, so a password on the server would lock {} out; let only its pods reach this Redis (a NetworkPolicy), or point it at a Redis that only it uses", t.auth.enabled_key, t.components.join(", "))),
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
                Reply::Ok if session.lets_anybody_in() => Verdict::warn(
                    "the credentials are accepted, but the server needs none: anyone who reaches it can read and change Gloo's data",
                )
                .fix("require a password for every user (ACL `user default off`, or requirepass)"),
                Reply::Ok => Verdict::pass(format!(
                    "the server accepts the credentials from {secret} ({})",
                    if login.with_username { "AUTH username password" } else { "AUTH password" }
                )),
                Reply::Error { code, message } => {
                    let evidence = format!("{code} {message}");
                    let server = crate::server::identify(session);
                    let no_password = login.reply.error_meaning() == Some(ErrorMeaning::NoPasswordSet);
                    let fix = if no_password && !login.with_username && server.acl_users != Some(false) {
                        format!("the components log in as the default user (the secret has no username), which has no password on this server: put the name of the ACL user meant for Gloo under {} in {secret}, or remove auth from the values if the server is meant to be open", t.auth.username_key)
                    } else if no_password {
                        "the server has no password: remove auth from the values, or configure the password on the server".to_string()
                    } else if session.lets_anybody_in() {
                        format!("check the username and password in {secret} (are they swapped?) and that the ACL user exists and is `on`; note that the server also lets anybody in without credentials (the default user has no password)")
                    } else if login.with_username && server.acl_users == Some(false) {
                        format!("{} has no ACL users (it predates Redis 6): remove the username from the secret (the password alone logs in), or upgrade Redis", server.label())
                    } else if server.acl_users == Some(false) {
                        format!("check the password in {secret} (requirepass of {})", server.label())
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
    // The TLS handshake went through: TLS is right, and what is silent is behind it.
    let tls_spoken = t.tls
        && t
            .tls_facts
            .handshake
            .as_ref()
            .is_some_and(|h| h.completed || !h.chain.is_empty());
    match reply {
        Reply::Timeout { after_ms } if tls_spoken => Verdict::fail(format!(
            "no answer within readTimeout {} from {}: the TLS handshake completed, then nothing answered over it",
            go_duration(*after_ms),
            t.address
        ))
        .with("read_timeout", go_duration(*after_ms))
        .fix("something terminates TLS at this port without a Redis behind it (a TLS proxy or load balancer whose backend is down or unreachable, stunnel), or Redis is stalled: check the service behind the TLS endpoint and its logs"),
        Reply::Timeout { after_ms } => Verdict::fail(format!(
            "no answer within readTimeout {} from {}: the server accepted the connection but never replied",
            go_duration(*after_ms),
            t.address
        ))
        .with("read_timeout", go_duration(*after_ms))
        .fix("check that this port is Redis and whether it expects TLS (a TLS port waits for a handshake)"),
        Reply::TooLarge { error } => Verdict::unknown(format!(
            "{} answered with a reply the preflight does not read: {error}",
            t.address
        ))
        .fix("check that the address points at Redis: a Redis server answers PING and AUTH in a few bytes"),
        Reply::Broken { error } => {
            let answered = t.plaintext_answer.as_ref().map(|a| format!("; to PING it answered \"{a}\"")).unwrap_or_default();
            let v = Verdict::fail(format!("{} did not answer as a Redis server ({error}){answered}", t.address));
            let v = match &t.plaintext_answer {
                Some(a) => v.with("answer", a.clone()),
                None => v,
            };
            v.fix("check that the address points at Redis and that TLS on/off matches the server")
        }
        Reply::Error { code, message } => {
            let reply = format!("{code} {message}");
            match crate::facts::error_cause(&reply) {
                Some(cause) => Verdict::fail(format!("the server refused the connection: {reply}: {cause}"))
                    .with("reply", reply)
                    .fix("see the server's state in its log and INFO; the address must be a primary that serves commands"),
                None => Verdict::fail(format!("the server refused the connection: {reply}"))
                    .with("reply", reply)
                    .fix("see the server's reply; check the server's ACL rules and logs"),
            }
        }
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
    fn silence_after_a_tls_handshake_blames_what_is_behind_tls_not_the_mode() {
        let mut t = healthy_target("snapshot");
        crate::testing::with_tls(&mut t);
        assert!(t.tls_facts.handshake.as_ref().is_some_and(|h| h.completed));
        session(&mut t).login.as_mut().unwrap().reply = Reply::Timeout { after_ms: 1000 };
        let v = judge(t.clone());
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("the TLS handshake completed, then nothing answered over it"), "{}", v.message);
        assert!(!v.remediation.as_deref().unwrap_or("").contains("expects TLS"), "{v:?}");
        t.tls = false;
        let v = judge(t);
        assert!(v.remediation.as_deref().unwrap_or("").contains("expects TLS"), "{v:?}");
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
    fn a_block_without_an_auth_setting_is_not_told_to_turn_auth_on() {
        let mut t = healthy_target("sessions");
        t.components = vec!["ui".into()];
        t.auth.enabled_key = "glooUi.auth.oidc.session.redis has no auth setting".into();
        t.auth.settable = false;
        let s = session(&mut t);
        s.login = None;
        s.unauthenticated_ping = Reply::Ok;
        let v = judge(t);
        assert_eq!(v.outcome, Outcome::Warn);
        assert!(
            v.message
                .contains("(glooUi.auth.oidc.session.redis has no auth setting)"),
            "{}",
            v.message
        );
        let fix = v.remediation.unwrap();
        assert!(!fix.contains("turn on auth in the values"), "{fix}");
        assert!(!fix.contains("extAuthService"), "a fix of another component: {fix}");
        assert!(fix.contains("would lock ui out"), "{fix}");
    }

    #[test]
    fn a_server_that_cannot_persist_answers_ping_with_misconf_and_still_lets_anybody_in() {
        let mut t = healthy_target("snapshot");
        let s = session(&mut t);
        s.login = None;
        s.unauthenticated_ping = Reply::Error {
            code: "MISCONF".into(),
            message: "Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.".into(),
        };
        assert!(s.admitted());
        let v = judge(t);
        assert_eq!(v.outcome, Outcome::Warn, "{}", v.message);
        assert!(v.message.contains("accepts connections without credentials"), "{}", v.message);
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
    fn a_refusal_before_the_login_is_named_never_blamed_on_the_port() {
        use crate::facts::{Refusal, RefusalKind};
        let cases = [
            (
                RefusalKind::MaxClients,
                "ERR",
                "max number of clients reached",
                Outcome::Unknown,
                "every client slot is taken",
                "redis.capacity",
            ),
            (
                RefusalKind::ProtectedMode,
                "DENIED",
                "Redis is running in protected mode",
                Outcome::Fail,
                "protected mode",
                "protected-mode no",
            ),
            (
                RefusalKind::Loading,
                "LOADING",
                "Redis is loading the dataset in memory",
                Outcome::Unknown,
                "loading its dataset",
                "once the dataset is loaded",
            ),
            (
                RefusalKind::Busy,
                "BUSY",
                "Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
                Outcome::Unknown,
                "run past busy-reply-threshold",
                "SCRIPT KILL",
            ),
            (
                RefusalKind::MasterDown,
                "MASTERDOWN",
                "Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
                Outcome::Fail,
                "a replica whose link to its primary is down",
                "point the address at the primary",
            ),
        ];
        for (kind, code, message, outcome, fragment, fix) in cases {
            let mut t = healthy_target("snapshot");
            let s = session(&mut t);
            s.unauthenticated_ping = err(code, message);
            s.login.as_mut().unwrap().reply = Reply::Broken {
                error: "connection closed".into(),
            };
            s.refusal = Some(Refusal {
                kind,
                code: code.into(),
                message: message.into(),
            });
            let v = judge(t);
            assert_eq!(v.outcome, outcome, "{}", v.message);
            assert!(v.message.contains(fragment), "{}", v.message);
            assert!(!v.message.contains("Redis server ("), "{}", v.message);
            assert!(v.remediation.unwrap().contains(fix));
        }
    }

    #[test]
    fn the_fix_follows_the_server_identity() {
        // Redis 5: no ACL users, `AUTH user pass` is a wrong number of arguments.
        let mut t = healthy_target("snapshot");
        crate::testing::set_info(&mut t, "redis_version", Some("5.0.14"));
        session(&mut t).login.as_mut().unwrap().reply =
            err("ERR", "wrong number of arguments for 'auth' command");
        let v = judge(t.clone());
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.remediation.unwrap().contains(
                "redis 5.0.14 has no ACL users (it predates Redis 6): remove the username"
            )
        );
        // Not admitted, so no INFO: the probe's typed finding alone decides.
        let s = session(&mut t);
        s.info = Observed::not_attempted("not admitted");
        s.hello = Observed::not_attempted("not admitted");
        s.login.as_mut().unwrap().no_acl_users = true;
        assert!(judge(t).remediation.unwrap().contains("has no ACL users"));
        // A server with no password at all.
        let mut t = healthy_target("snapshot");
        let s = session(&mut t);
        s.unauthenticated_ping = Reply::Ok;
        s.login.as_mut().unwrap().reply = err(
            "ERR",
            "AUTH <password> called without any password configured for the default user.",
        );
        assert!(
            judge(t)
                .remediation
                .unwrap()
                .contains("the server has no password")
        );
    }

    #[test]
    fn an_open_default_user_beside_acl_users_gets_the_fix_for_its_cause() {
        let no_password = err(
            "ERR",
            "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        );
        // The secret's username is empty: the login is `default`'s, which has no password.
        let mut t = healthy_target("snapshot");
        let s = session(&mut t);
        s.unauthenticated_ping = Reply::Ok;
        let login = s.login.as_mut().unwrap();
        login.with_username = false;
        login.reply = no_password;
        let fix = judge(t).remediation.unwrap();
        assert!(
            fix.contains("log in as the default user (the secret has no username)")
                && !fix.contains("the server has no password"),
            "{fix}"
        );
        // Wrong credentials on a server whose default user is open too: not "no password".
        let mut t = healthy_target("snapshot");
        let s = session(&mut t);
        s.unauthenticated_ping = Reply::Ok;
        s.login.as_mut().unwrap().reply = err(
            "WRONGPASS",
            "invalid username-password pair or user is disabled.",
        );
        let v = judge(t);
        assert_eq!(v.outcome, Outcome::Fail);
        let fix = v.remediation.unwrap();
        assert!(
            fix.contains("(are they swapped?)") && !fix.contains("remove auth"),
            "{fix}"
        );
    }

    #[test]
    fn a_sentinel_is_named_as_the_cause() {
        let mut t = healthy_target("snapshot");
        crate::testing::set_info(&mut t, "redis_mode", Some("sentinel"));
        crate::testing::set_info(
            &mut t,
            "master0",
            Some("name=gloo,status=ok,address=10.0.0.5:6379,slaves=1,sentinels=3"),
        );
        let s = session(&mut t);
        s.unauthenticated_ping = Reply::Ok;
        let admitted = t.clone();
        session(&mut t).login.as_mut().unwrap().reply = err(
            "ERR",
            "AUTH <password> called without any password configured for the default user.",
        );
        let v = judge(t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("is a Redis Sentinel"), "{}", v.message);
        let fix = v.remediation.unwrap();
        assert!(
            fix.contains("(gloo at 10.0.0.5:6379)") && !fix.contains("remove auth"),
            "{fix}"
        );
        let v = judge(admitted);
        assert_eq!(v.outcome, Outcome::Skip);
        assert!(v.message.contains("see redis.role"), "{}", v.message);
    }

    #[test]
    fn no_session_fails() {
        let mut t = healthy_target("snapshot");
        t.session = Observed::failed(crate::facts::FailureKind::Reset, "connection reset");
        assert_eq!(judge(t).outcome, Outcome::Fail);
    }
}
