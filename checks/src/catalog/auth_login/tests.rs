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
