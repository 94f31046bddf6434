use super::*;
use crate::facts::Observed;
use crate::testing::{facts, healthy_target};

fn outcome_of<'a>(judged: &'a [Judged], id: &str) -> &'a Verdict {
    &judged.iter().find(|j| j.meta.id == id).unwrap().verdict
}

// See: issue 19, item 4.
#[test]
fn cbc_only_judges_the_certificates_and_passes_nothing_of_the_session() {
    let mut t = healthy_target("snapshot");
    crate::testing::with_cbc_only_tls(&mut t);
    let judged = evaluate(&facts(vec![t]));
    for id in [
        "tls.mode",
        "tls.ca-trust",
        "tls.hostname",
        "tls.expiry",
        "tls.client-cert",
    ] {
        assert_eq!(outcome_of(&judged, id).outcome, Outcome::Pass, "{id}");
    }
    let login = outcome_of(&judged, "auth.login");
    assert_eq!(login.outcome, Outcome::Unknown);
    assert!(
        login.message.contains("the server offers only CBC cipher suites (TLS 1.2), which this tool cannot speak; the components (Go) connect with TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
        "{}",
        login.message
    );
    assert!(
        login
            .remediation
            .as_deref()
            .unwrap()
            .contains("redis-cli --tls")
    );
    for j in judged
        .iter()
        .filter(|j| j.meta.phase == Phase::Session && j.target != "*")
    {
        assert_ne!(j.verdict.outcome, Outcome::Pass, "{}", j.meta.id);
    }
}

#[test]
fn a_closed_port_skips_every_redis_check_naming_net_tcp() {
    let mut t = healthy_target("snapshot");
    t.tcp = Observed::failed(crate::facts::FailureKind::Refused, "connection refused");
    t.session = Observed::not_attempted("no TCP connection");
    let judged = evaluate(&facts(vec![t]));
    for id in [
        "auth.login",
        "redis.role",
        "redis.noeviction",
        "redis.ha-replica",
    ] {
        let v = outcome_of(&judged, id);
        assert_eq!(v.outcome, Outcome::Skip, "{id}");
        assert!(v.message.contains("net.tcp failed"), "{id}: {}", v.message);
    }
    assert_eq!(outcome_of(&judged, "net.dns").outcome, Outcome::Pass);
}

#[test]
fn a_sentinel_is_judged_only_by_the_checks_of_the_server_kind() {
    let mut t = healthy_target("snapshot");
    crate::testing::set_info(&mut t, "redis_mode", Some("sentinel"));
    crate::testing::session(&mut t).role = Observed::Ok {
        value: vec!["sentinel".into(), "mymaster".into()],
    };
    let judged = evaluate(&facts(vec![t]));
    assert_eq!(outcome_of(&judged, "redis.role").outcome, Outcome::Fail);
    assert_eq!(
        outcome_of(&judged, "redis.non-cluster").outcome,
        Outcome::Fail
    );
    for j in judged.iter().filter(|j| {
        j.meta.phase == Phase::Session
            && !JUDGE_THE_SERVER_KIND.contains(&j.meta.id)
            && j.target != "*"
    }) {
        assert_eq!(j.verdict.outcome, Outcome::Skip, "{}", j.meta.id);
        assert!(
            j.verdict.message.contains("is a Redis Sentinel"),
            "{}: {}",
            j.meta.id,
            j.verdict.message
        );
    }
    assert_eq!(outcome_of(&judged, "net.tcp").outcome, Outcome::Pass);
}

#[test]
fn an_unknown_on_a_session_the_server_closed_names_where_it_closed() {
    let mut t = healthy_target("snapshot");
    let s = crate::testing::session(&mut t);
    let kind = crate::facts::FailureKind::Reset;
    s.hello = Observed::failed(kind, "broken pipe");
    s.info = Observed::failed(kind, "broken pipe");
    s.role = Observed::failed(kind, "broken pipe");
    s.config.clear();
    s.dropped_at = Some("HELLO".into());
    let judged = evaluate(&facts(vec![t]));
    let v = outcome_of(&judged, "redis.noeviction");
    assert_eq!(v.outcome, Outcome::Unknown);
    assert!(
        v.message
            .contains("the server closed the connection at HELLO, which every Redis answers"),
        "{}",
        v.message
    );
    assert!(
        v.remediation
            .as_deref()
            .unwrap()
            .starts_with("point the address at a Redis server (a primary), not a proxy")
    );
    // Passes and fails keep their own words.
    assert_eq!(outcome_of(&judged, "net.tcp").outcome, Outcome::Pass);
    assert!(!outcome_of(&judged, "auth.login").message.contains("closed"));
}

#[test]
fn a_probe_cut_short_by_the_run_deadline_is_unknown() {
    let mut t = healthy_target("snapshot");
    t.session = Observed::not_attempted(DEADLINE_REACHED);
    let judged = evaluate(&facts(vec![t]));
    let login = outcome_of(&judged, "auth.login");
    assert_eq!(login.outcome, Outcome::Unknown);
    assert!(login.message.contains("run deadline reached"));
    assert!(
        login
            .message
            .contains("during the Redis session (login and reads) of "),
        "{}",
        login.message
    );
    let mut t = healthy_target("snapshot");
    t.tcp = Observed::not_attempted(DEADLINE_REACHED);
    t.session = Observed::not_attempted(DEADLINE_REACHED);
    let judged = evaluate(&facts(vec![t]));
    let tcp = outcome_of(&judged, "net.tcp");
    assert_eq!(tcp.outcome, Outcome::Unknown);
    assert!(
        tcp.message.contains("during the TCP connection of "),
        "{}",
        tcp.message
    );
    assert_eq!(outcome_of(&judged, "redis.role").outcome, Outcome::Skip);
}

#[test]
fn offline_verdicts_stand_before_the_prerequisites() {
    use crate::facts::CaStatus;
    let mut t = healthy_target("snapshot");
    crate::testing::with_tls(&mut t);
    t.dns = Observed::failed(crate::facts::FailureKind::NxDomain, "NXDOMAIN");
    t.tcp = Observed::not_attempted("the host did not resolve");
    t.session = Observed::not_attempted("the host did not resolve");
    t.tls_facts.handshake = None;
    t.tls_facts.ca.status = CaStatus::Broken {
        problem: "secret gloo-mesh/redis-certs not found".into(),
    };
    let judged = evaluate(&facts(vec![t]));
    let trust = outcome_of(&judged, "tls.ca-trust");
    assert_eq!(trust.outcome, Outcome::Fail, "{}", trust.message);
    assert!(trust.message.contains("redis-certs not found"));
    // Checks without an offline verdict still wait for the network.
    assert_eq!(outcome_of(&judged, "tls.hostname").outcome, Outcome::Skip);
    assert!(
        outcome_of(&judged, "auth.login")
            .message
            .contains("net.dns failed")
    );
}

#[test]
fn the_deadline_cuts_only_the_checks_whose_phase_it_stopped() {
    let mut t = healthy_target("snapshot");
    t.dns = Observed::not_attempted(DEADLINE_REACHED);
    t.session = Observed::not_attempted(DEADLINE_REACHED);
    let judged = evaluate(&facts(vec![t]));
    assert_eq!(find("net.dns").unwrap().meta().phase, Phase::Dns);
    assert_eq!(outcome_of(&judged, "net.dns").outcome, Outcome::Unknown);
    assert_eq!(find("auth.secret").unwrap().meta().phase, Phase::Inputs);
    assert_eq!(outcome_of(&judged, "auth.secret").outcome, Outcome::Pass);
}

#[test]
fn healthy_facts_pass_everything() {
    let mut targets = vec![healthy_target("snapshot"), healthy_target("telemetry")];
    targets.iter_mut().for_each(crate::testing::with_tls);
    let mut f = facts(targets);
    // values.rendered is judged only with values and rendered objects both given.
    f.rendered = Some(Default::default());
    let judged = evaluate(&f);
    for j in &judged {
        assert_eq!(
            j.verdict.outcome,
            Outcome::Pass,
            "{}: {}",
            j.meta.id,
            j.verdict.message
        );
    }
}
