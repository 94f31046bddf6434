use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{AuthFacts, Credential, Observed, Reply, SecretLookup, TargetFacts};

crate::check! {
    /// ## What it checks
    /// When the values turn authentication on, the secret they name exists and holds a
    /// non-empty password under `passwordKey` and a username under `usernameKey`, neither with
    /// stray whitespace or a trailing newline. Only key names and lengths are ever reported.
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
    /// ElastiCache with AUTH token only has no username: set `username` to `default`.
    AuthSecret {
        id: "auth.secret",
        title: "the auth secret holds a username and password",
        scope: Target,
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
        let (keys, username, password) = match &a.secret {
            SecretLookup::NotNeeded => {
                return Verdict::skip(format!(
                    "authentication is off ({} is false)",
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
            SecretLookup::Unavailable { reason } => {
                return Verdict::unknown(format!("could not read secret {secret}: {reason}"))
                    .with("secret", secret)
                    .fix("grant `get` on this secret to the identity running the preflight, or pass the manifest with --secrets");
            }
            SecretLookup::Found {
                keys,
                username,
                password,
            } => (keys, username, password),
        };
        let base = |v: Verdict| {
            v.with("secret", secret.clone())
                .with("keys_present", keys.clone())
        };
        let present = keys.join(", ");
        let Some(password) = password else {
            return base(Verdict::fail(format!(
                "secret {secret} has no key \"{}\" (keys present: {present})",
                a.password_key
            )))
            .fix(format!(
                "add the password under \"{}\", or set passwordKey to the key that holds it",
                a.password_key
            ));
        };
        if password.len == 0 {
            return base(Verdict::fail(format!(
                "secret {secret} key \"{}\" is empty",
                a.password_key
            )))
            .fix(create);
        }
        if let Some(v) = judge_whitespace(t, a, *username, *password) {
            return base(v);
        }
        match username {
            Some(u) if u.len > 0 => base(Verdict::pass(format!(
                "secret {secret} holds \"{}\" and \"{}\"",
                a.username_key, a.password_key
            ))),
            _ => base(Verdict::warn(format!(
                "secret {secret} has no username under \"{}\"; the components log in as the default user",
                a.username_key
            )))
            .fix(format!("add \"{}\" (use `default` if Redis has no ACL users) to make the login explicit", a.username_key)),
        }
    }
}

/// Stray whitespace fails when it breaks the login, and warns when the server accepts it.
fn judge_whitespace(
    t: &TargetFacts,
    a: &AuthFacts,
    username: Option<Credential>,
    password: Credential,
) -> Option<Verdict> {
    let mut culprits = Vec::new();
    if username.is_some_and(|u| u.stray_whitespace) {
        culprits.push(a.username_key.as_str());
    }
    if password.stray_whitespace {
        culprits.push(a.password_key.as_str());
    }
    if culprits.is_empty() {
        return None;
    }
    let what = format!(
        "secret {}/{} key(s) \"{}\" have leading or trailing whitespace (a newline from `echo`?)",
        a.namespace,
        a.secret_name,
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
mod tests {
    use super::*;
    use crate::facts::Login;
    use crate::testing::{facts, healthy_target, session};
    use reports::Outcome;

    fn judge(t: TargetFacts) -> Verdict {
        let f = facts(vec![t]);
        AuthSecret.judge(Subject {
            facts: &f,
            target: Some(&f.targets[0]),
        })
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
    };
    const NEWLINE: Credential = Credential {
        len: 9,
        stray_whitespace: true,
    };

    #[test]
    fn outcomes() {
        let cases = [
            (
                with_secret(SecretLookup::NotNeeded),
                Outcome::Skip,
                "authentication is off (redis.auth.enabled is false)",
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
                    reason: "forbidden".into(),
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
    fn a_newline_that_breaks_the_login_fails_and_says_whether_trimming_helps() {
        let mut t = with_secret(found(Some(OK), Some(NEWLINE)));
        session(&mut t).login = Some(Login {
            with_username: true,
            reply: Reply::Error {
                code: "WRONGPASS".into(),
                message: "invalid".into(),
            },
            trimmed_reply: Some(Reply::Ok),
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
}
