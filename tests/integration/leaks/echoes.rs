//! Servers that echo credentials: a stand-in that plants them in every field it supplies
//! (`ci/echo_server.py`), a real Redis with AUTH renamed away (a password echoed whole, or cut
//! at 128 characters), a real Redis refusing INFO to a restricted user.

use libtest_mimic::Failed;

use super::outputs::{
    consumers_agree, exit, expect, no_control, no_leak, no_piece, outputs, run, secret,
    secrets_file, user,
};
use crate::lab::Lab;
use crate::tool;

pub(super) fn echo_server(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("echo");
    secrets_file(&dir, "planted-user", "Pl4nted-pass-9f2c")?;
    let out = run(&dir, &format!("127.0.0.1:{}", lab.port("ECHO")), &[]);
    let texts = outputs(&dir, &out);
    no_leak(&texts, &[user("planted-user"), secret("Pl4nted-pass-9f2c")])?;
    no_control(&texts)?;
    // The stand-in accepts the login; what it said about itself is shown as text.
    expect(&dir, "auth.login", "pass", "accepts the credentials")?;
    expect(&dir, "redis.version", "pass", "\\x1b[2J")?;
    // No replica (connected_slaves:0) is the one failure.
    expect(&dir, "redis.ha-replica", "fail", "no replica")?;
    exit(&out, 3)?;
    consumers_agree(&dir)?;
    // A facts file is untrusted too: escapes put back into it stay text when it is judged again.
    let facts = std::fs::read_to_string(dir.join("facts.json")).map_err(|e| e.to_string())?;
    let hostile = facts.replace("7.2.4 ", "7.2.4 \\u001b[2J\\r\\u202e");
    if hostile == facts {
        return Err("the saved facts should hold the server's version".into());
    }
    std::fs::write(dir.join("facts.json"), hostile).map_err(|e| e.to_string())?;
    let out = tool::run(&dir, ["run", "--facts", "facts.json", "-o", "out"]);
    no_control(&outputs(&dir, &out))?;
    expect(&dir, "redis.version", "pass", "7.2.4 \\x1b[2J\\r\\u{202e}")?;
    exit(&out, 3)
}

pub(super) fn auth_renamed(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("auth-renamed");
    secrets_file(&dir, "gloo", "gloo-pass")?;
    let out = run(
        &dir,
        &format!("127.0.0.1:{}", lab.port("AUTH_RENAMED")),
        &[],
    );
    let texts = outputs(&dir, &out);
    no_leak(&texts, &[user("gloo"), secret("gloo-pass")])?;
    no_control(&texts)?;
    // Redis said `ERR unknown command 'AUTH', with args beginning with: 'gloo' 'gloo-pass'`:
    // the cause is named, the values are not, and the namespace gloo-mesh is left alone.
    expect(
        &dir,
        "auth.login",
        "fail",
        "unknown command 'AUTH', with args beginning with: '<redacted>' '<redacted>'",
    )?;
    expect(
        &dir,
        "auth.login",
        "fail",
        "secret gloo-mesh/redis-auth-secrets",
    )?;
    exit(&out, 3)
}

pub(super) fn noperm(lab: &Lab) -> Result<(), Failed> {
    // `app` may not run INFO, ROLE or CONFIG; Redis 7.2+ names the user in NOPERM
    // (`User app has no permissions…`), older ones do not. Either way it must not show.
    let dir = tool::scratch("noperm");
    secrets_file(&dir, "app", "app-pass")?;
    let out = run(&dir, &format!("127.0.0.1:{}", lab.port("PRIMARY")), &[]);
    let texts = outputs(&dir, &out);
    no_leak(&texts, &[user("app"), secret("app-pass")])?;
    no_control(&texts)?;
    expect(&dir, "auth.login", "pass", "accepts the credentials")?;
    expect(&dir, "redis.noeviction", "unknown", "NOPERM")?;
    exit(&out, 4)
}

/// Redis echoes 128 characters of an unknown command's arguments: with AUTH renamed away, a
/// 200-character password comes back cut, where the whole-value scrub cannot see it.
pub(super) fn long_password_cut(lab: &Lab) -> Result<(), Failed> {
    let dir = tool::scratch("long-password");
    let password: String = (0..200)
        .map(|i| {
            char::from(
                b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"[(i * 13 + i / 7) % 57],
            )
        })
        .collect();
    let manifest = tool::kubectl_secret(&[
        "generic".to_string(),
        "redis-auth-secrets".into(),
        "-n".into(),
        "gloo-mesh".into(),
        format!("--from-literal=password={password}"),
    ])?;
    std::fs::write(dir.join("secrets.yaml"), manifest).map_err(|e| e.to_string())?;
    let out = run(
        &dir,
        &format!("127.0.0.1:{}", lab.port("AUTH_RENAMED")),
        &[],
    );
    let texts = outputs(&dir, &out);
    no_piece(&texts, &password)?;
    // The cause is still named: what was cut away is the password, not the reason.
    expect(&dir, "auth.login", "fail", "unknown command 'AUTH'")?;
    exit(&out, 3)
}
