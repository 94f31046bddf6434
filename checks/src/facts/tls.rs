//! TLS: the trusted CA, the handshake as the tool made it, and what Go would do.

use serde::{Deserialize, Serialize};

use super::*;

/// TLS as observed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsFacts {
    /// The CA the components trust.
    pub ca: CaFacts,
    /// The components present a client certificate of their own (telemetry `cert_file`).
    pub client_cert_configured: bool,
    /// The handshake as the components make it (TLS targets only).
    pub handshake: Option<Handshake>,
    /// Whether the port speaks the other mode than the values say: plaintext Redis for a TLS
    /// target whose handshake failed, TLS for a plaintext target whose session failed.
    /// `None` when not asked.
    pub speaks_other_mode: Option<bool>,
}

/// The trust anchors the components use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaFacts {
    /// `system roots`, or `secret ns/name key k`.
    pub source: String,
    /// What loading it gave.
    pub status: CaStatus,
}

/// The result of loading the CA.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CaStatus {
    /// TLS is off; no CA was loaded.
    #[default]
    NotNeeded,
    /// The system roots (Go's crypto/tls in the component's container does the same).
    System {
        /// How many roots were found.
        count: usize,
    },
    /// Certificates from the secret.
    Loaded {
        /// The certificates.
        certs: Vec<CertInfo>,
    },
    /// The secret, its key, or a usable PEM certificate is missing.
    Broken {
        /// What is wrong, naming the secret and key.
        problem: String,
    },
    /// The secret could not be read (RBAC, no cluster).
    Unavailable {
        /// Why.
        reason: String,
        /// What kind of failure (`forbidden` for RBAC).
        #[serde(default)]
        kind: FailureKind,
    },
}

/// What a certificate says about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertInfo {
    /// Subject, RFC 4514-ish.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// Unix time of notBefore.
    pub not_before: i64,
    /// Unix time of notAfter.
    pub not_after: i64,
    /// DNS and IP subject alternative names.
    pub sans: Vec<String>,
    /// basicConstraints CA flag.
    pub is_ca: bool,
    /// The X.509 version: 1 for a certificate made without extensions (`openssl x509 -req`
    /// without `-extfile`), which can name no host.
    #[serde(default = "x509_v3")]
    pub version: u32,
    /// The serial number is negative (its DER integer's top bit is set): Go refuses to parse
    /// such a certificate since Go 1.23 ("x509: negative serial number"); webpki accepts it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub negative_serial: bool,
}

fn x509_v3() -> u32 {
    3
}

/// A TLS handshake, with the server's chain captured even when verification failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Handshake {
    /// The handshake completed with verification on.
    pub completed: bool,
    /// Why it did not, in rustls' words.
    pub error: Option<String>,
    /// Negotiated protocol version.
    pub version: Option<String>,
    /// The server's certificates, leaf first.
    pub chain: Vec<CertInfo>,
    /// The chain verifies against the configured CA, checked at a time inside its validity
    /// (so that expiry is judged apart): `Err` holds webpki's reason.
    pub chain_trust: Option<Result<(), String>>,
    /// The leaf is valid for the host in the address: `Err` holds the reason.
    pub name_match: Option<Result<(), String>>,
    /// The server sent a CertificateRequest.
    pub client_cert_requested: bool,
    /// The server ended the connection for want of a client certificate (its alert).
    pub client_cert_rejection: Option<String>,
    /// Time of the handshake, in milliseconds.
    pub duration_ms: f64,
    /// When the server refused this handshake with an alert: what it answers a ClientHello
    /// offering what Go offers (TLS 1.0 to 1.2 and Go's default cipher suites, the CBC ones
    /// this tool cannot speak among them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_hello: Option<GoHello>,
    /// Why `chain_trust` failed, for the checks to tell causes apart (never by the text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_failure: Option<TrustFailure>,
    /// The server sent a handshake message (its certificates) over 64 KiB, the most rustls
    /// reads: Go reads a certificate message of up to 256 KiB, so the server does speak TLS
    /// and the components may well connect.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub message_too_large: bool,
}

impl Handshake {
    /// The cipher suite Go negotiates when the server speaks TLS 1.2 with CBC suites only,
    /// which this tool cannot speak, and its certificates were read from the flight that Go's
    /// offer got (`chain` holds them): the certificate checks judge them, and nothing behind
    /// TLS (the login, the reads) could be checked.
    pub fn cbc_only(&self) -> Option<&str> {
        match &self.go_hello {
            Some(GoHello::Chose {
                cipher_suite,
                version_ok: true,
                cbc: true,
                flight_read: true,
                ..
            }) if !self.completed && !self.chain.is_empty() => Some(cipher_suite),
            _ => None,
        }
    }
}

/// Why a chain did not verify against the trusted CAs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustFailure {
    /// No trusted CA is named as the issuer.
    UnknownIssuer,
    /// A trusted CA has the issuer's name, but the signature does not verify with its key
    /// (a CA made again under the same name, say).
    BadSignature,
    /// Signed with an algorithm Go verifies and this tool does not (ECDSA with SHA-512 from a
    /// P-256 or P-384 key, say).
    UnsupportedAlgorithm,
    /// The server certificate's extended key usage leaves out server authentication (Go:
    /// "certificate specifies an incompatible key usage").
    NotForServers,
    /// A certificate of the chain is signed with SHA-1, which Go (1.18 on) refuses as
    /// webpki does: "x509: cannot verify signature: insecure algorithm".
    Sha1,
    /// Anything else (the reason is in `chain_trust`).
    Other,
}

/// A server's answer to a ClientHello offering what Go's defaults offer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GoHello {
    /// It chose a version and a cipher suite.
    Chose {
        /// The version it chose, e.g. `TLS 1.2`.
        version: String,
        /// TLS 1.2 or later: what Go's components accept (their minimum).
        version_ok: bool,
        /// The suite it chose, by its IANA name.
        cipher_suite: String,
        /// A CBC suite, which Go accepts and this tool does not speak.
        cbc: bool,
        /// For TLS 1.2 with a CBC suite: the server's flight after its ServerHello was read
        /// through ServerHelloDone, well-formed as Go reads it, its key exchange signed with
        /// the leaf's key. The certificates it sent in the clear are the handshake's `chain`,
        /// verified as any other.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        flight_read: bool,
    },
    /// It refused that too, with this alert.
    Alert {
        /// The alert, e.g. `handshake_failure`.
        description: String,
    },
    /// No answer, or not a TLS one.
    Nothing,
}
