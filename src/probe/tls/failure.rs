//! A failed handshake's error read: whether the server refused the versions or suites offered
//! (`refused_offer`), whether its handshake message was over rustls' 64 KiB (`too_large`), and
//! the failure in a user's words (`describe`), never as Rust debug output.

/// The server's alert says it accepts none of the versions or cipher suites offered.
pub(super) fn refused_offer(e: &std::io::Error) -> bool {
    use rustls::AlertDescription::{HandshakeFailure, InsufficientSecurity, ProtocolVersion};
    matches!(
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        Some(rustls::Error::AlertReceived(
            HandshakeFailure | ProtocolVersion | InsufficientSecurity
        ))
    )
}

/// A rustls reason (a variant name such as `NoCipherSuitesInCommon`) as words: "no cipher
/// suites in common". A reason that carries data keeps only its name.
fn words(name: &str) -> String {
    let name = name.split(['(', ' ', '{']).next().unwrap_or_default();
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        let starts_word = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if starts_word {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The server sent a handshake message over rustls' 64 KiB (a long chain, thousands of SANs).
pub(super) fn too_large(e: &std::io::Error) -> bool {
    use rustls::InvalidMessage::{HandshakePayloadTooLarge, MessageTooLarge};
    matches!(
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        Some(rustls::Error::InvalidMessage(
            HandshakePayloadTooLarge | MessageTooLarge
        ))
    )
}

/// A rustls failure in a user's words.
pub(super) fn describe(e: &std::io::Error) -> String {
    if too_large(e) {
        return "the server's handshake message (its certificates) is over 64 KiB, the most this tool's TLS library reads".into();
    }
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidMessage(m)) => {
            format!(
                "the server did not answer with TLS ({})",
                words(&format!("{m:?}"))
            )
        }
        Some(rustls::Error::AlertReceived(alert)) => format!(
            "the server sent TLS alert {}",
            crate::probe::go_hello::alert_name(u8::from(*alert))
        ),
        Some(rustls::Error::PeerIncompatible(p)) => format!(
            "the server is incompatible with the handshake offered: {}",
            words(&format!("{p:?}"))
        ),
        Some(rustls::Error::PeerMisbehaved(p)) => format!(
            "the server broke the TLS protocol: {}",
            words(&format!("{p:?}"))
        ),
        Some(other) => other.to_string(),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the server closed the connection during the handshake".into()
        }
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_reasons_are_told_in_words_never_as_rust_debug_output() {
        assert_eq!(
            words("NoCipherSuitesInCommon"),
            "no cipher suites in common"
        );
        assert_eq!(words("InvalidContentType"), "invalid content type");
        assert_eq!(words("UnknownCA"), "unknown ca");
        assert_eq!(
            words("ServerSentHelloRetryRequestWithUnknownExtension"),
            "server sent hello retry request with unknown extension"
        );
        assert_eq!(words("Other(x)"), "other");
        let alert = std::io::Error::other(rustls::Error::AlertReceived(
            rustls::AlertDescription::HandshakeFailure,
        ));
        assert_eq!(
            describe(&alert),
            "the server sent TLS alert handshake_failure"
        );
    }
}
