//! Durations as Go prints them (`3s`, `512ms`, `1m30s`): the spelling of the Helm values the
//! messages quote, shared by the checks and the probes' messages.

/// A duration in milliseconds as a Go-style duration string (`3s`, `512ms`, `1m30s`).
pub fn go_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (h, m, s, rest) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let mut out = String::new();
    if h > 0 {
        out += &format!("{h}h");
    }
    if h > 0 || m > 0 {
        out += &format!("{m}m");
    }
    if rest == 0 {
        out += &format!("{s}s");
    } else {
        out += &format!("{s}.{}s", format!("{rest:03}").trim_end_matches('0'));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn go_duration_reads_like_go() {
        for (ms, text) in [
            (0, "0s"),
            (512, "512ms"),
            (3000, "3s"),
            (90_000, "1m30s"),
            (1500, "1.5s"),
            (3_600_000, "1h0m0s"),
        ] {
            assert_eq!(super::go_duration(ms), text);
        }
    }
}
