use std::borrow::Cow;

use checks::facts::TargetFacts;

use super::*;
use crate::inputs::address::without_userinfo;

fn scrubber(users: &[&str], secrets: &[&str]) -> Scrubber {
    let mut s = Scrubber::default();
    users.iter().for_each(|u| s.username(u));
    secrets.iter().for_each(|v| s.secret(v.as_bytes()));
    s
}

#[test]
fn a_value_inside_a_public_name_stays_there_and_goes_everywhere_else() {
    // The password `gloo` (the lab's swapped secret): `<redacted>-mesh` where everybody
    // knows the namespace gloo-mesh would tell it.
    let mut s = scrubber(&[], &["gloo"]);
    s.public = vec!["gloo-mesh".into(), "redis-auth-secrets".into()];
    assert_eq!(
        s.text("secret gloo-mesh/redis-auth-secrets: ERR args 'gloo' 'gloo-ish'"),
        "secret gloo-mesh/redis-auth-secrets: ERR args '<redacted>' '<redacted>-ish'"
    );
    // A value that contains a public name goes whole, before any shorter one is judged.
    let mut s = scrubber(&[], &["gloo-mesh-pw", "gloo"]);
    s.public = vec!["gloo-mesh".into()];
    assert_eq!(
        s.text("ns gloo-mesh: 'gloo-mesh-pw'"),
        "ns gloo-mesh: '<redacted>'"
    );
    // A value equal to a public name is not shielded by it.
    let mut s = scrubber(&[], &["gloo-mesh"]);
    s.public = vec!["gloo-mesh".into()];
    assert_eq!(s.text("'gloo-mesh'"), "'<redacted>'");
}

#[test]
fn credentials_go_and_controls_show() {
    let table: &[(&str, &[&str], &[&str], &str)] = &[
        (
            "ERR unknown command 'AUTH', with args beginning with: 'gloo' 'gloo-pass' ",
            &["gloo"],
            &["gloo-pass"],
            "ERR unknown command 'AUTH', with args beginning with: '<redacted>' '<redacted>' ",
        ),
        (
            "User app has no permissions to run the 'info' command",
            &["app"],
            &["app-pass"],
            "User <redacted> has no permissions to run the 'info' command",
        ),
        // Short values go only as whole tokens: `app` inside `happy` stays.
        ("happy app", &["app"], &[], "happy <redacted>"),
        // A username goes as a whole name: the namespace gloo-mesh stays.
        (
            "secret gloo-mesh/auth: 'gloo' User gloo has",
            &["gloo"],
            &[],
            "secret gloo-mesh/auth: '<redacted>' User <redacted> has",
        ),
        ("x", &[], &["x"], "<redacted>"),
        ("max x-y", &[], &["x"], "max <redacted>-y"),
        // The base64 of a secret goes too (padded or not).
        ("Z2xvby1wYXNz", &[], &["gloo-pass"], "<redacted>"),
        ("Z2xvby1wYXNzIQ==", &[], &["gloo-pass!"], "<redacted>=="),
        // A secret stored with a newline is sent raw and trimmed: both go.
        (
            "'s3cret\n' 's3cret'",
            &[],
            &["s3cret\n"],
            "'<redacted>' '<redacted>'",
        ),
        // `default` is Redis' built-in user, not a secret.
        (
            "User default has no permissions",
            &["default"],
            &[],
            "User default has no permissions",
        ),
        (
            "\x1b[2J\r✔ every check passed",
            &[],
            &[],
            "\\x1b[2J\\r✔ every check passed",
        ),
        ("7.2.4", &["gloo"], &["gloo-pass"], "7.2.4"),
    ];
    for (text, users, secrets, expected) in table {
        assert_eq!(scrubber(users, secrets).text(text), *expected, "{text:?}");
    }
}

#[test]
fn no_piece_of_a_long_credential_shows_raw_or_in_base64() {
    use base64::Engine;
    let token: String = (0..200)
        .map(|i| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 5) % 36]))
        .collect();
    let s = scrubber(&[], &[&token]);
    // Redis echoes 128 characters of an unknown command's arguments.
    let echoed = format!(
        "ERR unknown command 'AUTH', with args beginning with: '{}",
        &token[..115]
    );
    assert_eq!(
        s.text(&echoed),
        "ERR unknown command 'AUTH', with args beginning with: '<redacted>"
    );
    // Any 16 characters of it, wherever they stand; 15 are not a piece.
    assert_eq!(s.text(&format!("x{}y", &token[40..56])), "x<redacted>y");
    assert_eq!(s.text(&token[40..55]), &token[40..55]);
    // The base64 of a cut value, whatever the alignment of the cut.
    for start in [0, 1, 2, 30] {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&token[start..start + 90]);
        let shown = s.text(&b64);
        for window in b64.as_bytes().windows(PIECE) {
            let window = std::str::from_utf8(window).unwrap();
            assert!(!shown.contains(window), "{start}: {shown}");
        }
    }
    // Short credentials keep their whole-value rules: nothing else is taken.
    assert_eq!(scrubber(&[], &["gloo-pass"]).text("gloo-pas"), "gloo-pas");
}

#[test]
fn values_credentials_go_everywhere_but_placeholders_stay_words() {
    let values = serde_json::json!({
        "licensing": {"glooMeshLicenseKey": "Lic3nse-key-a1b2c3"},
        "telemetryGatewayCustomization": {"extraExporters": {"clickhouse": {
            "username": "default", "password": "default"}}},
        "glooPortalServer": {"apiKeyStorage": {"secretKey": "k3y"}},
    });
    let mut s = Scrubber::default();
    s.credentials_of(&values);
    assert_eq!(s.text("key 'Lic3nse-key-a1b2c3'"), "key '<redacted>'");
    // The chart's own placeholder, and a short value: redacted by key, not blanked
    // from every message.
    assert_eq!(
        s.text("so `address` keeps the chart's default: k3y"),
        "so `address` keeps the chart's default: k3y"
    );
}

#[test]
fn userinfo_is_a_credential_and_never_shown() {
    let mut s = Scrubber::default();
    s.address("redis://admin:hunter22@redis.example:6379");
    assert_eq!(
        s.text("dial redis://admin:hunter22@h: admin hunter22"),
        "dial redis://<redacted>@h: <redacted> <redacted>"
    );
    for (address, shown) in [
        (
            "redis://admin:hunter22@redis.example:6379",
            "redis://redis.example:6379",
        ),
        ("admin:hunter22@redis.example:6379", "redis.example:6379"),
        ("rediss://tok@h:1/0", "rediss://h:1/0"),
        ("a://a@h:1", "a://h:1"),
        ("h:1/x@y", "h:1/x@y"),
        ("redis.example:6379", "redis.example:6379"),
    ] {
        assert_eq!(without_userinfo(address), shown);
    }
}

#[test]
fn every_string_of_the_facts_is_scrubbed_keys_too() {
    use checks::testing;
    let mut facts = testing::healthy_target("snapshot");
    testing::with_tls(&mut facts);
    let handshake = facts.tls_facts.handshake.clone();
    testing::set_info(&mut facts, "redis_version", Some("7.2.4\x1b[2J"));
    testing::set_info(&mut facts, "planted-gloo-pass", Some("gloo-pass"));
    facts.address = "gloo:gloo-pass@h:1".into();
    let clean = scrubber(&["gloo"], &["gloo-pass"]).target(facts);
    let json = serde_json::to_string(&clean).unwrap();
    assert!(!json.contains("gloo-pass"), "{json}");
    assert!(!json.contains("\\u001b"), "{json}");
    // Everything else survives the round trip as it was (results, tuples, numbers).
    assert_eq!(clean.tls_facts.handshake, handshake);
    let s = clean.session.ok().unwrap();
    assert_eq!(s.info_field("redis_version"), Some("7.2.4\\x1b[2J"));
    let info = s.info.ok().unwrap();
    assert_eq!(info.get("planted-<redacted>"), Some("<redacted>"));
}

#[test]
fn a_credential_that_is_a_field_or_variant_name_leaves_the_shape_intact() {
    // A password `password` is inside the field names password_key and password; `reset`
    // and `master` are words the facts use for kinds and roles. Only data changes.
    use checks::testing;
    for password in [
        "password",
        "reset",
        "key",
        "session",
        "failed",
        "refused",
        "not_attempted",
        "loaded",
        "ok",
    ] {
        let mut facts = testing::healthy_target("snapshot");
        testing::with_tls(&mut facts);
        testing::set_info(&mut facts, "planted", Some(&format!("x {password} y")));
        let clean = scrubber(&["gloo"], &[password]).target(facts.clone());
        let s = clean.session.ok().unwrap();
        assert_eq!(
            s.info.ok().unwrap().get("planted"),
            Some("x <redacted> y"),
            "{password}"
        );
        // The facts keep their shape: every check still reads them, and the password's
        // shape (field `password` of the secret lookup) is still there.
        assert_eq!(
            clean.tls_facts.handshake, facts.tls_facts.handshake,
            "{password}"
        );
        let shape = |t: &TargetFacts| match &t.auth.secret {
            checks::facts::SecretLookup::Found { password, .. } => *password,
            _ => None,
        };
        assert!(shape(&facts).is_some());
        assert_eq!(shape(&clean), shape(&facts), "{password}");
    }
}

#[test]
fn clean_facts_pass_unchanged_and_the_quick_test_is_sure() {
    let s = scrubber(&["gloo"], &["gloo-pass"]);
    let mut facts = checks::testing::healthy_target("snapshot");
    facts.auth.namespace = "gloo-mesh".into();
    let before = serde_json::to_string(&facts).unwrap();
    let dirty = |item: &TargetFacts| strings::any(item, |t| matches!(s.text(t), Cow::Owned(_)));
    assert!(!dirty(&facts), "gloo-mesh is not the user gloo");
    assert_eq!(serde_json::to_string(&s.target(facts)).unwrap(), before);
    // Anything planted in a server's text is seen by the quick look.
    for planted in [
        "'gloo'",
        "xgloo-passx",
        "a\x01b",
        "\u{202e}",
        "\n",
        "Z2xvby1wYXNz",
    ] {
        let mut facts = checks::testing::healthy_target("snapshot");
        checks::testing::set_info(&mut facts, "redis_version", Some(planted));
        assert!(dirty(&facts), "{planted:?}");
    }
}

#[test]
fn the_run_knows_every_credential_in_play() {
    use crate::inputs::secrets::SecretFiles;
    use crate::plan::{self, Namespaces};
    let mut values = Values::default();
    values
        .merge_yaml(
            "values.yaml",
            "glooUi: {enabled: true}\ntelemetryGateway: {enabled: true}\nredis:\n  address: redis://ui-user:ui-pass-77@h:1\n  auth: {enabled: true}\ntelemetryGatewayCustomization:\n  extraPipelines: {logs/a: {exporters: [redisstream/a]}}\n  extraExporters:\n    redisstream/a: {endpoint: 'h:2', username: tele-user, password: '${env:PATH}'}\n",
        )
        .unwrap();
    let plans = plan::targets(
        &values,
        &Namespaces {
            management: "gloo-mesh".into(),
            addons: "gloo-mesh-addons".into(),
        },
    );
    let mut files = SecretFiles::default();
    files
        .add(
            "secrets.yaml",
            "kind: Secret\nmetadata: {name: redis-auth-secrets, namespace: gloo-mesh}\nstringData: {username: sec-user, password: sec-pass-1, extra: other-value-9}\n",
        )
        .unwrap();
    let s = Scrubber::for_run(&values, &plans, &SecretSource::Files(files));
    let path = std::env::var("PATH").expect("PATH is set");
    for value in [
        "ui-user",
        "ui-pass-77",
        "tele-user",
        &path,
        "sec-user",
        "sec-pass-1",
        "other-value-9",
    ] {
        assert_eq!(s.text(&format!("'{value}'")), "'<redacted>'", "{value}");
    }
}
