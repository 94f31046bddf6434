use super::*;
use crate::facts::Login;
use crate::testing::{healthy_target, session};
use reports::Outcome;

fn judge(t: TargetFacts) -> Verdict {
    crate::testing::judge(&AuthSecret, &t)
}

fn with_secret(lookup: SecretLookup) -> TargetFacts {
    let mut t = healthy_target("snapshot");
    t.auth.secret = lookup;
    t
}

fn found(username: Option<Credential>, password: Option<Credential>) -> SecretLookup {
    SecretLookup::Found {
        keys: vec!["username".into()],
        username,
        password,
    }
}

const OK: Credential = Credential {
    len: 8,
    stray_whitespace: false,
    expires_at: None,
};
const NEWLINE: Credential = Credential {
    len: 9,
    stray_whitespace: true,
    expires_at: None,
};

#[test]
fn a_token_as_password_expires() {
    let token = |expires_at| Credential {
        expires_at: Some(expires_at),
        ..OK
    };
    // The facts' clock is 1_795_000_000 (2026-11-18 11:06:40 UTC).
    let v = judge(with_secret(found(Some(OK), Some(token(1_795_003_600)))));
    assert_eq!(v.outcome, Outcome::Warn);
    assert!(
        v.message.contains("that expires at 2026-11-18 12:06 UTC (in 1h0m0s)"),
        "{}",
        v.message
    );
    assert_eq!(v.evidence["token_expires_at"], 1_795_003_600);
    // Expired, and the server took it: a password that looks like a token.
    let expired = with_secret(found(Some(OK), Some(token(1_794_999_000))));
    assert_eq!(judge(expired.clone()).outcome, Outcome::Pass);
    let mut refused = expired;
    session(&mut refused).login = Some(Login {
        with_username: true,
        reply: Reply::Error {
            code: "WRONGPASS".into(),
            message: "invalid username-password pair or user is disabled.".into(),
        },
        trimmed_reply: None,
        no_acl_users: false,
    });
    let v = judge(refused);
    assert_eq!(v.outcome, Outcome::Fail);
    assert!(
        v.message
            .contains("that expired at 2026-11-18 10:50 UTC: the server refuses the login (WRONGPASS)"),
        "{}",
        v.message
    );
    assert!(v.remediation.unwrap().contains("does not expire"));
}

#[test]
fn outcomes() {
    let cases = [
        (
            with_secret(SecretLookup::NotNeeded),
            Outcome::Skip,
            "authentication is off in the values (redis.auth.enabled)",
        ),
        (
            with_secret(SecretLookup::NotFound {
                searched: "secrets.yaml".into(),
            }),
            Outcome::Fail,
            "secret redis-auth-secrets not found in namespace gloo-mesh",
        ),
        (
            with_secret(SecretLookup::Unavailable {
                reason: "forbidden (secrets is forbidden)".into(),
                kind: FailureKind::Forbidden,
            }),
            Outcome::Unknown,
            "forbidden",
        ),
        (
            with_secret(found(Some(OK), None)),
            Outcome::Fail,
            "has no key \"password\" (keys present: username)",
        ),
        (
            with_secret(found(
                Some(OK),
                Some(Credential {
                    len: 0,
                    stray_whitespace: false,
                    expires_at: None,
                }),
            )),
            Outcome::Fail,
            "is empty",
        ),
        (
            with_secret(found(None, Some(OK))),
            Outcome::Warn,
            "log in as the default user",
        ),
        (
            with_secret(found(Some(OK), Some(OK))),
            Outcome::Pass,
            "holds \"username\" and \"password\"",
        ),
        (
            with_secret(found(Some(OK), Some(NEWLINE))),
            Outcome::Warn,
            "accepts the value as stored",
        ),
    ];
    for (t, outcome, fragment) in cases {
        let v = judge(t);
        assert_eq!(v.outcome, outcome, "{}", v.message);
        assert!(v.message.contains(fragment), "{}", v.message);
    }
}

#[test]
fn the_fix_follows_the_failure_kind_not_its_text() {
    let v = judge(with_secret(SecretLookup::Unavailable {
        reason: "Forbidden".into(),
        kind: FailureKind::Unreachable,
    }));
    assert!(v.remediation.unwrap().contains("--kubeconfig"));
    let v = judge(with_secret(SecretLookup::Unavailable {
        reason: "403".into(),
        kind: FailureKind::Forbidden,
    }));
    assert!(v.remediation.unwrap().contains("redis-preflight rbac"));
}

#[test]
fn no_username_is_right_for_a_server_without_acl_users() {
    let mut t = with_secret(found(None, Some(OK)));
    crate::testing::set_info(&mut t, "redis_version", Some("5.0.14"));
    let v = judge(t);
    assert_eq!(v.outcome, Outcome::Pass, "{}", v.message);
    assert!(
        v.message.contains("redis 5.0.14 (no ACL users)"),
        "{}",
        v.message
    );
}

#[test]
fn a_newline_that_breaks_the_login_fails_and_says_whether_trimming_helps() {
    let mut t = with_secret(found(Some(OK), Some(NEWLINE)));
    session(&mut t).login = Some(Login {
        with_username: true,
        reply: Reply::Error {
            code: "WRONGPASS".into(),
            message: "invalid".into(),
        },
        trimmed_reply: Some(Reply::Ok),
        no_acl_users: false,
    });
    let v = judge(t);
    assert_eq!(v.outcome, Outcome::Fail);
    assert!(
        v.message
            .contains("rejects the value as stored; the trimmed value is accepted"),
        "{}",
        v.message
    );
}
