//! TLS versions and alerts by the names people read: `TLS 1.2`, `handshake_failure`.

pub(in crate::probe) fn version_name(major: u8, minor: u8) -> String {
    match (major, minor) {
        (3, 0) => "SSL 3.0".into(),
        (3, m) => format!("TLS 1.{}", m - 1),
        _ => format!("0x{major:02x}{minor:02x}"),
    }
}

/// A TLS alert by its RFC 8446 name.
pub(in crate::probe) fn alert_name(code: u8) -> String {
    match code {
        0 => "close_notify".into(),
        10 => "unexpected_message".into(),
        20 => "bad_record_mac".into(),
        22 => "record_overflow".into(),
        40 => "handshake_failure".into(),
        42 => "bad_certificate".into(),
        43 => "unsupported_certificate".into(),
        44 => "certificate_revoked".into(),
        45 => "certificate_expired".into(),
        46 => "certificate_unknown".into(),
        48 => "unknown_ca".into(),
        49 => "access_denied".into(),
        50 => "decode_error".into(),
        51 => "decrypt_error".into(),
        86 => "inappropriate_fallback".into(),
        90 => "user_canceled".into(),
        109 => "missing_extension".into(),
        110 => "unsupported_extension".into(),
        116 => "certificate_required".into(),
        120 => "no_application_protocol".into(),
        70 => "protocol_version".into(),
        71 => "insufficient_security".into(),
        47 => "illegal_parameter".into(),
        80 => "internal_error".into(),
        112 => "unrecognized_name".into(),
        other => format!("alert {other}"),
    }
}
