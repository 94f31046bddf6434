//! The userinfo of an address (`redis://user:pass@host:6379`): found to be scrubbed, and
//! left out wherever an address is shown.

use std::borrow::Cow;

/// The `user:pass` of `scheme://user:pass@host:port` (or `user:pass@host:port`).
pub fn userinfo(address: &str) -> Option<&str> {
    userinfo_at(address).map(|(start, end)| &address[start..end])
}

/// Where the userinfo of an address starts and ends (before its `@`).
fn userinfo_at(address: &str) -> Option<(usize, usize)> {
    let start = address.find("://").map_or(0, |at| at + 3);
    let rest = &address[start..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rfind('@').map(|at| (start, start + at))
}

/// An address as it may be shown: without its userinfo (`redis://host:6379`).
pub fn without_userinfo(address: &str) -> Cow<'_, str> {
    match userinfo_at(address) {
        Some((start, end)) => Cow::Owned(format!("{}{}", &address[..start], &address[end + 1..])),
        None => Cow::Borrowed(address),
    }
}
