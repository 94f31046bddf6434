use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{Credential, FailureKind, Observed, Reply, SecretLookup, TargetFacts};

crate::check! {
    /// ## What it checks
    /// When the values turn authentication on, the secret they name exists and holds a
    /// non-empty password under `passwordKey` and a username under `usernameKey`, neither with
    /// stray whitespace or a trailing newline. Only key names and lengths are ever reported.
    /// A password that is a token (a JWT, as an Azure Entra ID access token is) warns with its
    /// expiry, read from its `exp` claim (never the token), and fails once it has expired and
    /// the server refuses it.
    ///
    /// ## Why Gloo needs it
    /// The components read `REDIS_USERNAME` / `REDIS_PASSWORD` from this secret. A missing key
    /// leaves them sending an empty password; a newline from `echo … | base64` becomes part of
    /// the password Redis compares. Without a username they log in as the `default` user.
    ///
    /// ## How to fix
    /// Create the secret in the namespace the message names, with the keys the values expect:
    /// `kubectl create secret generic redis-auth-secrets -n gloo-mesh --from-literal=username=… --from-literal=password=…`
    /// (`--from-literal` adds no newline, unlike `echo`).
    ///
    /// ## On managed services
    /// ElastiCache with AUTH token only has no username: set `username` to `default`. Azure
    /// Cache with Entra ID authentication takes an access token of about an hour as the
    /// password: the components cannot renew it, so use an access key.
    AuthSecret {
        id: "auth.secret",
        title: "the auth secret holds a username and password",
        scope: Target,
        phase: Inputs,
        requires: [],
    }
}

impl Check for AuthSecret {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let a = &t.auth;
        let secret = format!("{}/{}", a.namespace, a.secret_name);
        let create = format!(
            "kubectl create secret generic {} -n {} --from-literal={}=<user> --from-literal={}=<password>",
            a.secret_name, a.namespace, a.username_key, a.password_key
        );
        let holder = match &a.secret {
            SecretLookup::NotNeeded => {
                return Verdict::skip(format!(
                    "authentication is off in the values ({})",
                    a.enabled_key
                ));
            }
            SecretLookup::NotFound { searched } => {
                return Verdict::fail(format!(
                    "secret {} not found in namespace {} ({searched})",
                    a.secret_name, a.namespace
                ))
                .with("secret", secret)
                .fix(create);
            }
            SecretLookup::Unavailable { reason, kind } => {
                return Verdict::unknown(format!("could not read secret {secret}: {reason}"))
                    .with("secret", secret)
                    .fix(unreadable_fix(*kind));
            }
            SecretLookup::EnvUnset { location, variable } => {
                return Verdict::skip(format!(
                    "{location} reads its credentials from ${{env:{variable}}}, which is not set where the preflight runs"
                ))
                .with("variable", variable.clone());
            }
            SecretLookup::Found {
                keys,
                username,
                password,
            } => Holder {
                what: format!("secret {secret}"),
                username_key: &a.username_key,
                password_key: &a.password_key,
                keys: Some(keys),
                username: *username,
                password: *password,
                fix: create,
            },
            SecretLookup::Inline {
                location,
                username,
                password,
            } => Holder {
                what: format!("exporter {location}"),
                username_key: "username",
                password_key: "password",
                keys: None,
                username: *username,
                password: *password,
                fix: format!("set username and password under {location}"),
            },
        };
        let mut base = Verdict::pass("");
        if let Some(keys) = holder.keys {
            base = base
                .with("secret", secret.clone())
                .with("keys_present", keys.clone());
        }
        let with = |v: Verdict| Verdict {
            evidence: base.evidence.clone(),
            ..v
        };
        let what = &holder.what;
        let Some(password) = holder.password else {
            let present = holder.keys.map(|k| k.join(", ")).unwrap_or_default();
            return with(Verdict::fail(format!(
                "{what} has no key \"{}\" (keys present: {present})",
                holder.password_key
            )))
            .fix(format!(
                "add the password under \"{}\", or set passwordKey to the key that holds it",
                holder.password_key
            ));
        };
        if password.len == 0 {
            return with(Verdict::fail(format!(
                "{what} key \"{}\" is empty",
                holder.password_key
            )))
            .fix(holder.fix);
        }
        if let Some(v) = judge_whitespace(t, &holder, password) {
            return with(v);
        }
        if let Some(expires_at) = password.expires_at
            && let Some(v) = judge_token(t, subject.facts.observed_at, expires_at, &holder)
        {
            return with(v).with("token_expires_at", expires_at);
        }
        let server = crate::server::of_target(t);
        match holder.username {
            Some(u) if u.len > 0 => with(Verdict::pass(format!(
                "{what} holds \"{}\" and \"{}\"",
                holder.username_key, holder.password_key
            ))),
            // A server without ACL users knows only `AUTH password`: no username is right.
            _ if server.as_ref().and_then(|s| s.acl_users) == Some(false) => {
                let label = server.map(|s| s.label()).unwrap_or_default();
                with(Verdict::pass(format!(
                    "{what} holds \"{}\" and no username, as {label} (no ACL users) needs",
                    holder.password_key
                )))
            }
            _ => with(Verdict::warn(format!(
                "{what} has no username under \"{}\"; the components log in as the default user",
                holder.username_key
            )))
            .fix(format!(
                "add \"{}\" (use `default` if Redis has no ACL users) to make the login explicit",
                holder.username_key
            )),
        }
    }
}

/// The fix for a secret that could not be read: RBAC, or no way to the cluster.
pub(crate) fn unreadable_fix(kind: FailureKind) -> &'static str {
    if kind == FailureKind::Forbidden {
        "grant the identity running the preflight `get` on this secret (see `redis-preflight rbac`), or pass the manifest with --secrets"
    } else {
        "check --kubeconfig / --context and that the API server is reachable from here, or pass the manifests with --secrets"
    }
}

/// Where the credentials are kept, described for messages.
struct Holder<'a> {
    what: String,
    username_key: &'a str,
    password_key: &'a str,
    keys: Option<&'a Vec<String>>,
    username: Option<Credential>,
    password: Option<Credential>,
    fix: String,
}

/// A password that is a token (JWT) with an expiry: the components send it as a fixed
/// password, so where the server checks it (Azure Cache with Entra ID) it works until then and
/// never after. Expiring warns; expired fails, unless the server took it all the same (then it
/// is a password that looks like a token, and `None` lets the usual judgement stand).
fn judge_token(t: &TargetFacts, now: i64, expires_at: i64, holder: &Holder<'_>) -> Option<Verdict> {
    use crate::catalog::tls_expiry::date;
    let when = format!(
        "{} {:02}:{:02} UTC",
        date(expires_at),
        expires_at.rem_euclid(86_400) / 3600,
        expires_at.rem_euclid(3600) / 60
    );
    let what = format!(
        "{} key \"{}\" holds a token (a JWT, such as an Azure Entra ID access token)",
        holder.what, holder.password_key
    );
    let fix = "put a credential that does not expire into the secret (an access key), or have something renew the token in the secret and restart the components after each renewal (they read it at start)";
    if expires_at > now {
        let left = crate::duration::go_duration(((expires_at - now) as u64).saturating_mul(1000));
        return Some(
            Verdict::warn(format!(
                "{what} that expires at {when} (in {left}): the components send it as a fixed password, so every login fails after that"
            ))
            .fix(fix),
        );
    }
    let login = match &t.session {
        Observed::Ok { value } => value.login.as_ref().map(|l| &l.reply),
        _ => None,
    };
    let refused = match login {
        Some(Reply::Ok) => return None,
        Some(Reply::Error { code, .. }) => format!("the server refuses the login ({code})"),
        _ => "a server that checks it (Azure Cache with Entra ID) refuses it".to_string(),
    };
    Some(Verdict::fail(format!("{what} that expired at {when}: {refused}")).fix(fix))
}

/// Stray whitespace fails when it breaks the login, and warns when the server accepts it.
fn judge_whitespace(t: &TargetFacts, holder: &Holder<'_>, password: Credential) -> Option<Verdict> {
    let mut culprits = Vec::new();
    if holder.username.is_some_and(|u| u.stray_whitespace) {
        culprits.push(holder.username_key);
    }
    if password.stray_whitespace {
        culprits.push(holder.password_key);
    }
    if culprits.is_empty() {
        return None;
    }
    let what = format!(
        "{} key(s) \"{}\" have leading or trailing whitespace (a newline from `echo`?)",
        holder.what,
        culprits.join("\", \"")
    );
    let fix = "recreate the secret without the whitespace (kubectl create secret … --from-literal adds no newline)";
    let login = match &t.session {
        Observed::Ok { value } => value.login.as_ref(),
        _ => None,
    };
    Some(match login {
        Some(l) if l.reply == Reply::Ok => {
            Verdict::warn(format!("{what}; the server accepts the value as stored")).fix(fix)
        }
        Some(l) => {
            let trimmed = match &l.trimmed_reply {
                Some(Reply::Ok) => "; the trimmed value is accepted",
                Some(_) => "; the trimmed value is rejected too",
                None => "",
            };
            Verdict::fail(format!(
                "{what}; the server rejects the value as stored{trimmed}"
            ))
            .fix(fix)
        }
        None => Verdict::warn(format!("{what}; the login could not be tried")).fix(fix),
    })
}

#[cfg(test)]
mod tests;
