//! Reading certificates' DER: the parts a signature covers (`signed_parts`), an element's
//! contents (`der_contents`), and what the facts record of a certificate (`cert_info`: subject,
//! issuer, validity, SANs, the CA flag, version and the serial's sign).

use checks::facts::CertInfo;

/// A certificate's signed part (the whole TBSCertificate element), its signature algorithm
/// (the contents of the AlgorithmIdentifier) and its signature (the BIT STRING's bytes).
pub(super) fn signed_parts(cert: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    use crate::probe::signatures::der_take;
    let (certificate, _) = der_take(cert, 0x30)?;
    let (_, rest) = der_take(certificate, 0x30)?;
    let tbs = &certificate[..certificate.len() - rest.len()];
    let (algorithm, rest) = der_take(rest, 0x30)?;
    let (bits, rest) = der_take(rest, 0x03)?;
    match (bits.split_first(), rest.is_empty()) {
        (Some((0, signature)), true) => Some((tbs, algorithm, signature)),
        _ => None,
    }
}

/// The contents of a DER element: what follows its tag and length.
pub(super) fn der_contents(der: &[u8]) -> &[u8] {
    match der.get(1) {
        Some(&n) if n < 0x80 => der.get(2..).unwrap_or_default(),
        Some(&n) => der.get(2 + usize::from(n & 0x7f)..).unwrap_or_default(),
        None => &[],
    }
}

/// Subject, issuer, validity, SANs and the CA flag of one DER certificate.
pub fn cert_info(der: &[u8]) -> Option<CertInfo> {
    let (_, x) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = x.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                x509_parser::extensions::GeneralName::DNSName(d) => sans.push(d.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(ip) => {
                    let addr = match ip.len() {
                        4 => <[u8; 4]>::try_from(*ip)
                            .ok()
                            .map(|b| std::net::IpAddr::from(b).to_string()),
                        16 => <[u8; 16]>::try_from(*ip)
                            .ok()
                            .map(|b| std::net::IpAddr::from(b).to_string()),
                        _ => None,
                    };
                    sans.extend(addr);
                }
                _ => {}
            }
        }
    }
    Some(CertInfo {
        subject: x.subject().to_string(),
        issuer: x.issuer().to_string(),
        not_before: x.validity().not_before.timestamp(),
        not_after: x.validity().not_after.timestamp(),
        sans,
        is_ca: x.is_ca(),
        // The field holds the version minus one.
        version: x.version().0 + 1,
        negative_serial: x.raw_serial().first().is_some_and(|b| b & 0x80 != 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `contents` as a DER SEQUENCE.
    fn der_sequence(contents: &[u8]) -> Vec<u8> {
        let len = contents.len();
        let mut der = vec![0x30];
        if len < 0x80 {
            der.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            der.push(0x80 | bytes.len() as u8);
            der.extend(bytes);
        }
        der.extend_from_slice(contents);
        der
    }

    #[test]
    fn der_headers_round_trip() {
        for len in [0usize, 5, 127, 128, 255, 256, 70_000] {
            let contents = vec![7u8; len];
            let der = der_sequence(&contents);
            assert_eq!(der[0], 0x30);
            assert_eq!(der_contents(&der), contents.as_slice(), "{len}");
        }
    }
}
