use super::*;

fn err(code: &str, message: &str) -> Reply {
    Reply::Error {
        code: code.into(),
        message: message.into(),
    }
}

#[test]
fn refusals_are_typed_from_the_error_code() {
    let closed = Reply::Broken {
        error: "broken pipe".into(),
    };
    let kind = |ping: Reply, login: Option<&Reply>| refusal(&ping, login).map(|r| r.kind);
    let cases = [
        (
            err("ERR", "max number of clients reached"),
            None,
            Some(RefusalKind::MaxClients),
        ),
        (
            err("DENIED", "Redis is running in protected mode"),
            Some(&closed),
            Some(RefusalKind::ProtectedMode),
        ),
        (
            err("LOADING", "Redis is loading the dataset in memory"),
            None,
            Some(RefusalKind::Loading),
        ),
        (
            err("ERR", "something else"),
            Some(&closed),
            Some(RefusalKind::Other),
        ),
        (
            err("BUSY", "Redis is busy running a script."),
            Some(&Reply::Ok),
            Some(RefusalKind::Busy),
        ),
        (
            err("MASTERDOWN", "Link with MASTER is down"),
            None,
            Some(RefusalKind::MasterDown),
        ),
        // An ordinary error on a live connection is no refusal.
        (err("ERR", "something else"), Some(&Reply::Ok), None),
        (
            err("NOAUTH", "Authentication required."),
            Some(&Reply::Ok),
            None,
        ),
        (Reply::Ok, Some(&Reply::Ok), None),
    ];
    for (ping, login, expected) in cases {
        assert_eq!(kind(ping.clone(), login), expected, "{ping:?} {login:?}");
    }
    let login_loading = err("LOADING", "Redis is loading");
    assert_eq!(
        kind(
            err("NOAUTH", "Authentication required."),
            Some(&login_loading)
        ),
        Some(RefusalKind::Loading)
    );
}

#[test]
fn only_ok_is_a_successful_auth() {
    assert_eq!(expect_ok("AUTH", Ok(Value::Okay)), Reply::Ok);
    for value in [Value::Nil, Value::Int(1), Value::Array(vec![])] {
        assert!(matches!(
            expect_ok("AUTH", Ok(value)),
            Reply::Broken { error } if error.starts_with("AUTH answered") && error.ends_with("not OK")
        ));
    }
}
