//! Go duration strings, as `time.ParseDuration` reads them: `5s`, `1m0s`, `1.5h`, `300µs`, `-2s`.
//! No crate parses Go's grammar faithfully (humantime accepts `1d`, others panic on `µs`).

/// Parses a Go duration into signed nanoseconds.
pub fn parse(text: &str) -> Result<i128, String> {
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(format!("\"{text}\" is not a Go duration"));
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(format!("\"{text}\" is not a Go duration"));
        }
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("\"{text}\" has no unit")),
            unit => return Err(format!("\"{text}\" has an unknown unit \"{unit}\"")),
        };
        rest = &rest[unit_len..];
        total += number.parse::<f64>().map_err(|e| e.to_string())? * scale;
    }
    // Go keeps a duration in an int64 of nanoseconds and rejects what does not fit: a
    // larger value must not wrap around into a short (or zero) deadline.
    if total >= 9_223_372_036_854_775_807.0 {
        return Err(format!(
            "\"{text}\" is out of range: a Go duration ends at 2562047h47m16s (about 292 years)"
        ));
    }
    let ns = total.round() as i128;
    Ok(if negative { -ns } else { ns })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_go_durations() {
        let ok = [
            ("5s", 5_000_000_000),
            ("1m0s", 60_000_000_000),
            ("512ms", 512_000_000),
            ("1h30m", 5_400_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("300us", 300_000),
            ("2µs", 2_000),
            ("2μs", 2_000),
            ("0", 0),
            ("-5s", -5_000_000_000),
            ("+1s", 1_000_000_000),
            (".5s", 500_000_000),
            ("2562047h", 2_562_047 * 3_600_000_000_000),
        ];
        for (text, ns) in ok {
            assert_eq!(parse(text), Ok(ns), "{text}");
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        for text in [
            "",
            "5",
            "-1",
            "1d",
            "1 m",
            "s",
            "5 seconds",
            "1..5s",
            "-",
            "9223372036854775807s",
            "99999999999h",
            "2562048h",
        ] {
            assert!(parse(text).is_err(), "{text} should be rejected");
        }
    }
}
