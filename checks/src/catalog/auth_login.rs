use crate::check::{Check, Meta, Subject, Verdict};
use crate::duration::go_duration;
use crate::facts::{ErrorCode, ErrorMeaning, Observed, RefusalKind, Reply, TargetFacts};

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
            let state = reply.error_code().and_then(ErrorCode::cause);
            let reply = format!("{code} {message}");
            match state {
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
mod tests;
