//! Hand-made facts for the checks' table tests: a healthy target to start from, and helpers
//! to change one observation at a time.
//!
//! Built for tests only (`cfg(test)`, or the `testing` feature that the workspace's
//! dev-dependencies turn on): it is not part of the crate's API.

use std::collections::BTreeMap;

use crate::check::{Check, Subject, Verdict};
use crate::facts::*;

/// Facts holding `targets`, observed at a fixed time.
pub fn facts(targets: Vec<TargetFacts>) -> Facts {
    Facts {
        schema: FACTS_SCHEMA.into(),
        observed_at: 1_795_000_000,
        profile: "preflight".into(),
        layout_policy: "any".into(),
        api_key_secret: None,
        allow_write: false,
        cert_warn_days: 30,
        values_issues: Vec::new(),
        no_redis_values: false,
        no_redis_client: None,
        rendered: None,
        targets,
        values: serde_json::Value::Null,
    }
}

/// A target every check passes: resolvable, reachable, authenticated, a noeviction primary
/// with one online replica, cluster mode off.
pub fn healthy_target(name: &str) -> TargetFacts {
    let info: Info = [
        ("redis_version", "7.2.4"),
        ("redis_mode", "standalone"),
        ("run_id", "0123456789abcdef0123456789abcdef01234567"),
        ("role", "master"),
        ("connected_slaves", "1"),
        (
            "slave0",
            "ip=10.0.0.2,port=6379,state=online,offset=100,lag=0",
        ),
        ("maxmemory_policy", "noeviction"),
        ("cluster_enabled", "0"),
        ("loading", "0"),
        ("rdb_last_bgsave_status", "ok"),
        ("aof_enabled", "1"),
        ("aof_last_write_status", "ok"),
        ("used_memory", "1048576"),
        ("evicted_keys", "0"),
        ("rejected_connections", "0"),
        ("connected_clients", "5"),
    ]
    .into_iter()
    .collect();
    let hello = [
        ("server", "redis"),
        ("version", "7.2.4"),
        ("mode", "standalone"),
        ("role", "master"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    TargetFacts {
        name: name.to_string(),
        use_case: name.split('/').next().unwrap_or(name).to_string(),
        components: vec!["management-server".into()],
        address: "redis.example:6379".into(),
        address_key: "redis.address".into(),
        host: "redis.example".into(),
        port: 6379,
        builtin: false,
        tls: false,
        expect_cluster: false,
        dial_timeout_ms: 5000,
        read_timeout_ms: Some(3000),
        idle_timeout_ms: Some(300_000),
        idle_timeout_key: None,
        pool_size: 0,
        max_conn_age_ms: Some(1_800_000),
        max_conn_age_key: None,
        auth: AuthFacts {
            enabled: true,
            enabled_key: "redis.auth.enabled".into(),
            settable: true,
            namespace: "gloo-mesh".into(),
            secret_name: "redis-auth-secrets".into(),
            username_key: "username".into(),
            password_key: "password".into(),
            secret: SecretLookup::Found {
                keys: vec!["password".into(), "username".into()],
                username: Some(Credential {
                    len: 4,
                    stray_whitespace: false,
                    expires_at: None,
                }),
                password: Some(Credential {
                    len: 12,
                    stray_whitespace: false,
                    expires_at: None,
                }),
            },
        },
        dns: Observed::Ok {
            value: Dns {
                literal: false,
                addresses: vec!["10.0.0.1".into()],
                duration_ms: 1.0,
            },
        },
        tcp: Observed::Ok {
            value: Tcp {
                peer: "10.0.0.1:6379".into(),
                duration_ms: 0.5,
            },
        },
        tls_facts: TlsFacts::default(),
        plaintext_answer: None,
        session: Observed::Ok {
            value: Session {
                unauthenticated_ping: Reply::Error {
                    code: "NOAUTH".into(),
                    message: "Authentication required.".into(),
                },
                login: Some(Login {
                    with_username: true,
                    reply: Reply::Ok,
                    trimmed_reply: None,
                    no_acl_users: false,
                }),
                select: None,
                hello: Observed::Ok { value: hello },
                info: Observed::Ok { value: info },
                info_sections: BTreeMap::new(),
                role: Observed::Ok {
                    value: vec!["master".into(), "100".into(), "10.0.0.2:6379".into()],
                },
                config: [
                    ("maxmemory-policy", "noeviction"),
                    ("timeout", "0"),
                    ("maxclients", "10000"),
                    ("save", "3600 1 300 100 60 10000"),
                    ("appendonly", "yes"),
                    ("stop-writes-on-bgsave-error", "yes"),
                ]
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        Observed::Ok {
                            value: v.to_string(),
                        },
                    )
                })
                .collect(),
                snapshot: Observed::Ok {
                    value: SnapshotKeys {
                        set_type: "set".into(),
                        members: 2,
                        sample: vec![
                            ("cluster1~apps~v1~Deployment".into(), "hash".into()),
                            ("cluster1~~v1~Service".into(), "hash".into()),
                        ],
                    },
                },
                write_probe: Observed::Ok {
                    value: WriteProbe {
                        key: "redis-preflight:write-probe:1".into(),
                        set: Reply::Ok,
                        read_back: true,
                        del: Reply::Ok,
                    },
                },
                write_access: Observed::Ok {
                    value: WriteAccess {
                        key: "redis-preflight:write-check".into(),
                        attempts: [
                            ("SET", "x EX 0", "invalid expire time in 'set' command"),
                            (
                                "HSET",
                                "f v f",
                                "wrong number of arguments for 'hset' command",
                            ),
                            (
                                "XADD",
                                "MAXLEN -1 * f v",
                                "The MAXLEN argument must be >= 0.",
                            ),
                            ("INCRBY", "x", "value is not an integer or out of range"),
                            ("EXPIRE", "x", "value is not an integer or out of range"),
                        ]
                        .into_iter()
                        .map(|(command, args, message)| WriteAttempt {
                            command: command.into(),
                            sent: format!("{command} redis-preflight:write-check {args}"),
                            reply: Reply::Error {
                                code: "ERR".into(),
                                message: message.into(),
                            },
                            kind: WriteKind::Allowed,
                        })
                        .collect(),
                    },
                },
                field: FieldFacts {
                    pings: Observed::Ok {
                        value: Pings {
                            asked: 20,
                            samples_ms: vec![0.2; 20],
                            session_round_trips: 0,
                            stopped_by: None,
                        },
                    },
                    latencystats: Observed::Ok {
                        value: [(
                            "latency_percentiles_usec_ping".to_string(),
                            "p50=1.003,p99=2.007,p99.9=3.007".to_string(),
                        )]
                        .into_iter()
                        .collect(),
                    },
                    multikey: Observed::Ok {
                        value: MultiKey {
                            keys: vec!["{a}".into(), "{b}".into()],
                            read: Reply::Ok,
                            transaction: Reply::Ok,
                        },
                    },
                },
                duration_ms: 2.0,
                refusal: None,
                dropped_at: None,
                cut_mid_reply: false,
            },
        },
    }
}

/// Sets the PING round trips of a target built by [`healthy_target`].
pub fn set_pings(target: &mut TargetFacts, samples_ms: &[f64]) {
    session(target).field.pings = Observed::Ok {
        value: Pings {
            asked: samples_ms.len(),
            samples_ms: samples_ms.to_vec(),
            session_round_trips: 0,
            stopped_by: None,
        },
    };
}

/// The session of a target built by [`healthy_target`], for changing one observation.
pub fn session(target: &mut TargetFacts) -> &mut Session {
    match &mut target.session {
        Observed::Ok { value } => value,
        _ => panic!("the target has no session"),
    }
}

/// Sets (or, with `None`, removes) one INFO field.
pub fn set_info(target: &mut TargetFacts, field: &str, value: Option<&str>) {
    if let Observed::Ok { value: info } = &mut session(target).info {
        let mut fields: BTreeMap<&str, &str> = info.iter().collect();
        match value {
            Some(v) => fields.insert(field, v),
            None => fields.remove(field),
        };
        *info = fields.into_iter().collect();
    }
}

/// Makes every zero-effect write of a target built by [`healthy_target`] meet `code message`
/// (classified as `kind`), as a server in that state answers them all.
pub fn set_writes(target: &mut TargetFacts, kind: WriteKind, code: &str, message: &str) {
    if let Observed::Ok { value } = &mut session(target).write_access {
        for a in &mut value.attempts {
            a.kind = kind;
            a.reply = Reply::Error {
                code: code.into(),
                message: message.into(),
            };
        }
    }
}

/// A refusal as a restricted ACL user or a managed service would answer.
pub fn refused<T>(command: &str) -> Observed<T> {
    Observed::Refused {
        error: format!("NOPERM User app has no permissions to run the '{command}' command"),
    }
}

/// A certificate valid for `days_left` more days from [`facts`]' clock.
pub fn cert(subject: &str, issuer: &str, days_left: i64, sans: &[&str], is_ca: bool) -> CertInfo {
    let now = 1_795_000_000;
    CertInfo {
        subject: subject.into(),
        issuer: issuer.into(),
        not_before: now - 86_400 * 30,
        not_after: now + 86_400 * days_left,
        sans: sans.iter().map(|s| s.to_string()).collect(),
        is_ca,
        version: 3,
        negative_serial: false,
    }
}

/// Turns a healthy target into one that speaks TLS with a good chain from `CN=lab CA`.
pub fn with_tls(target: &mut TargetFacts) {
    target.tls = true;
    let ca = cert("CN=lab CA", "CN=lab CA", 3650, &[], true);
    target.tls_facts = TlsFacts {
        ca: CaFacts {
            source: "secret gloo-mesh/redis-certs key ca.crt".into(),
            status: CaStatus::Loaded { certs: vec![ca] },
        },
        client_cert_configured: false,
        handshake: Some(Handshake {
            completed: true,
            error: None,
            version: Some("TLS 1.3".into()),
            chain: vec![cert(
                "CN=redis.example",
                "CN=lab CA",
                365,
                &["redis.example"],
                false,
            )],
            chain_trust: Some(Ok(())),
            name_match: Some(Ok(())),
            client_cert_requested: false,
            client_cert_rejection: None,
            message_too_large: false,
            duration_ms: 1.0,
            go_hello: None,
            trust_failure: None,
        }),
        speaks_other_mode: None,
    };
}

/// The handshake of a TLS 1.2 server with CBC suites only, whose certificates were read
/// from the flight Go's offer got.
pub fn with_cbc_only_tls(t: &mut TargetFacts) {
    with_tls(t);
    let h = t.tls_facts.handshake.as_mut().unwrap();
    h.completed = false;
    h.version = None;
    h.error = Some("the server sent TLS alert handshake_failure".into());
    h.go_hello = Some(GoHello::Chose {
        version: "TLS 1.2".into(),
        version_ok: true,
        cipher_suite: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA".into(),
        cbc: true,
        flight_read: true,
    });
    t.session = Observed::not_attempted(
        "the server offers only CBC cipher suites (TLS 1.2), which this tool cannot speak; the components (Go) connect with TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    );
}

/// Judges one target alone with `check`, for the table tests.
pub fn judge(check: &dyn Check, target: &TargetFacts) -> Verdict {
    let f = facts(vec![target.clone()]);
    check.judge(Subject {
        facts: &f,
        target: Some(&f.targets[0]),
    })
}
