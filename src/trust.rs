//! The trust anchors a target's components use: the CA from the certs secret, or the system
//! roots when the values name none (as Go's crypto/tls does in the component's container).

use std::sync::Arc;

use checks::facts::{CaFacts, CaStatus};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::credentials::{Lookup, SecretSource};
use crate::plan::TlsPlan;
use crate::probe::tls::cert_info;

/// The system's roots, read once however many targets use them.
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: std::sync::OnceLock<Arc<RootCertStore>> = std::sync::OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            Arc::new(roots)
        })
        .clone()
}

/// Loads the CA of `tls`: facts for the checks, the store for the handshake.
pub fn load(tls: &TlsPlan, secrets: &SecretSource) -> (CaFacts, Arc<RootCertStore>) {
    let mut roots = RootCertStore::empty();
    if !tls.enabled {
        return (CaFacts::default(), Arc::new(roots));
    }
    let Some(ca) = &tls.ca else {
        let system = system_roots();
        let facts = CaFacts {
            source: "system roots".into(),
            status: CaStatus::System {
                count: system.len(),
            },
        };
        return (facts, system);
    };
    let source = format!("secret {}/{} key {}", ca.namespace, ca.secret, ca.key);
    let broken = |problem: String| CaFacts {
        source: source.clone(),
        status: CaStatus::Broken { problem },
    };
    let secret = format!("secret {}/{}", ca.namespace, ca.secret);
    let data = match secrets.get(&ca.namespace, &ca.secret) {
        Lookup::Found(data) => data,
        Lookup::NotFound(searched) => {
            return (
                broken(format!("{secret} not found ({searched})")),
                Arc::new(roots),
            );
        }
        Lookup::Unavailable(kind, reason) => {
            return (
                CaFacts {
                    source,
                    status: CaStatus::Unavailable { reason, kind },
                },
                Arc::new(roots),
            );
        }
    };
    let Some(pem) = data.get(&ca.key) else {
        let keys: Vec<&str> = data.keys().map(String::as_str).collect();
        return (
            broken(format!(
                "{secret} has no key \"{}\" (keys present: {})",
                ca.key,
                keys.join(", ")
            )),
            Arc::new(roots),
        );
    };
    if pem.iter().all(u8::is_ascii_whitespace) {
        return (
            broken(format!("{secret} key \"{}\" is empty", ca.key)),
            Arc::new(roots),
        );
    }
    let certs: Result<Vec<CertificateDer<'static>>, _> =
        CertificateDer::pem_slice_iter(pem).collect();
    let certs = match certs {
        Ok(c) if !c.is_empty() => c,
        Ok(_) => {
            return (
                broken(format!(
                    "{secret} key \"{}\" holds no PEM certificate",
                    ca.key
                )),
                Arc::new(roots),
            );
        }
        Err(e) => {
            return (
                broken(format!(
                    "{secret} key \"{}\" is not a valid PEM certificate: {e}",
                    ca.key
                )),
                Arc::new(roots),
            );
        }
    };
    let mut infos = Vec::new();
    for cert in certs {
        match cert_info(&cert) {
            Some(info) => infos.push(info),
            None => {
                return (
                    broken(format!(
                        "{secret} key \"{}\" holds a certificate that does not parse",
                        ca.key
                    )),
                    Arc::new(roots),
                );
            }
        }
        if let Err(e) = roots.add(cert) {
            return (
                broken(format!(
                    "{secret} key \"{}\" holds a certificate rustls cannot use as a trust anchor: {e}",
                    ca.key
                )),
                Arc::new(roots),
            );
        }
    }
    if !infos.iter().any(|c| c.is_ca) && infos.len() == 1 {
        // Go trusts a server certificate placed directly in the pool; webpki may not, and the
        // verdict then names the cause.
        let subject = infos[0].subject.clone();
        let mut facts = CaFacts {
            source,
            status: CaStatus::Loaded { certs: infos },
        };
        facts.source = format!("{} (not a CA certificate: {subject})", facts.source);
        return (facts, Arc::new(roots));
    }
    (
        CaFacts {
            source,
            status: CaStatus::Loaded { certs: infos },
        },
        Arc::new(roots),
    )
}
