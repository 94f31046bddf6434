//! What Go's TLS client offers by default (its TLS 1.2 cipher suites, elliptic curves and
//! signature schemes) and the ClientHello that carries the offer; the server's answer is read
//! against the same lists.

/// Go's default TLS 1.2 cipher suites (crypto/tls, Go 1.22 on), by code and IANA name, and
/// whether the suite is CBC (which rustls does not implement).
pub(super) const GO_SUITES: &[(u16, &str, bool)] = &[
    (0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false),
    (0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false),
    (0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false),
    (0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false),
    (
        0xcca9,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        false,
    ),
    (0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false),
    (0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", true),
    (0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", true),
    (0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", true),
    (0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", true),
];

/// Go's elliptic curves (x25519, P-256, P-384, P-521), with the length of a public key
/// (a point of x25519, an uncompressed point of the others).
pub(super) const GO_CURVES: &[(u16, usize)] =
    &[(0x001d, 32), (0x0017, 65), (0x0018, 97), (0x0019, 133)];

/// Go's TLS 1.2 signature schemes, in its order.
pub(super) const GO_SCHEMES: &[u16] = &[
    0x0804, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603, 0x0201, 0x0203,
];

/// The ClientHello's random. It need not be random: no key is ever derived from this exchange.
pub(super) const CLIENT_RANDOM: [u8; 32] = [0x5a; 32];

/// A TLS 1.2 ClientHello (TLS 1.0 to 1.2 allowed by its version field) with Go's suites,
/// curves and signature schemes, and the host as SNI when it is a name.
pub(super) fn client_hello(host: &str) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend(CLIENT_RANDOM);
    body.push(0); // no session id
    let suites: Vec<u8> = GO_SUITES
        .iter()
        .flat_map(|(code, _, _)| code.to_be_bytes())
        .collect();
    body.extend(u16_len(&suites));
    body.extend([1, 0]); // compression: null only
    let mut extensions = Vec::new();
    if host.parse::<std::net::IpAddr>().is_err() && !host.is_empty() && host.len() < 256 {
        let mut name = vec![0]; // host_name
        name.extend(u16_len(host.as_bytes()));
        extensions.extend(extension(0x0000, &u16_len(&name)));
    }
    let groups: Vec<u8> = GO_CURVES
        .iter()
        .flat_map(|(g, _)| g.to_be_bytes())
        .collect();
    extensions.extend(extension(0x000a, &u16_len(&groups)));
    extensions.extend(extension(0x000b, &[1, 0])); // uncompressed points
    let schemes: Vec<u8> = GO_SCHEMES.iter().flat_map(|s| s.to_be_bytes()).collect();
    extensions.extend(extension(0x000d, &u16_len(&schemes)));
    extensions.extend(extension(0x0017, &[])); // extended master secret
    extensions.extend(extension(0xff01, &[0])); // secure renegotiation, initial
    body.extend(u16_len(&extensions));
    let mut handshake = vec![0x01];
    handshake.extend(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend(body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend(u16_len(&handshake));
    record
}

fn extension(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_be_bytes().to_vec();
    out.extend(u16_len(data));
    out
}

/// `data` after its length as two bytes.
fn u16_len(data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(data);
    out
}
