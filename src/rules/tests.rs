use checks::facts::Observed;

use super::*;
use checks::testing::{facts, healthy_target, session};

fn judge_one(when: &str, target: TargetFacts) -> Verdict {
    let dir = std::env::temp_dir().join(format!("rules-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let path = dir.join(format!("{n}.yaml"));
    let text = format!(
        "rules:\n  - id: org.t\n    title: t\n    fix: the fix\n    severity: warn\n    when: '{}'\n",
        when.replace('\'', "''")
    );
    std::fs::write(&path, text).unwrap();
    let set = RuleSet::load(std::slice::from_ref(&path)).unwrap();
    let _ = std::fs::remove_file(&path);
    let facts = facts(vec![target]);
    let judged = checks::evaluate(&facts);
    let all = set.beside(
        &facts,
        judged,
        Instant::now() + std::time::Duration::from_secs(60),
    );
    all.into_iter()
        .find(|j| j.meta.id == "org.t")
        .unwrap()
        .verdict
}

#[test]
fn false_is_the_severity_with_the_observed_values_and_the_fix() {
    let v = judge_one(
        "config[\"maxmemory-policy\"] == \"allkeys-lru\"",
        healthy_target("snapshot"),
    );
    assert_eq!(v.outcome, Outcome::Warn);
    assert!(
        v.message
            .starts_with("config[\"maxmemory-policy\"] is \"noeviction\"; the rule wants"),
        "{}",
        v.message
    );
    assert_eq!(v.remediation.as_deref(), Some("the fix"));
}

#[test]
fn a_refused_read_is_unknown_naming_it_never_a_fail() {
    let mut t = healthy_target("snapshot");
    let s = session(&mut t);
    s.info = Observed::Refused {
        error: "NOPERM this user has no permissions to run the 'info' command".into(),
    };
    s.config.insert(
        "maxmemory".into(),
        Observed::Refused {
            error: "ERR unknown command 'CONFIG'".into(),
        },
    );
    let v = judge_one("info.memory.used_memory != \"0\"", t.clone());
    assert_eq!(v.outcome, Outcome::Unknown);
    assert!(
        v.message.contains("INFO was not readable (NOPERM"),
        "{}",
        v.message
    );
    let v = judge_one("config[\"maxmemory\"] != \"0\"", t);
    assert_eq!(v.outcome, Outcome::Unknown);
    assert!(
        v.message
            .contains("the server refused CONFIG GET maxmemory (ERR unknown command"),
        "{}",
        v.message
    );
    assert!(v.remediation.unwrap().starts_with("verify by hand"));
}

#[test]
fn a_value_that_is_not_a_boolean_is_unknown() {
    let v = judge_one("target.name", healthy_target("snapshot"));
    assert_eq!(v.outcome, Outcome::Unknown);
    assert!(
        v.message.contains("gave \"snapshot\", not true or false"),
        "{}",
        v.message
    );
}

#[test]
fn without_a_login_a_rule_is_skipped_naming_auth_login() {
    let mut t = healthy_target("snapshot");
    session(&mut t).login.as_mut().unwrap().reply = checks::facts::Reply::Error {
        code: "WRONGPASS".into(),
        message: "invalid username-password pair".into(),
    };
    let v = judge_one("target.tls", t);
    assert_eq!(v.outcome, Outcome::Skip);
    assert!(
        v.message.starts_with("skipped: auth.login failed"),
        "{}",
        v.message
    );
}
