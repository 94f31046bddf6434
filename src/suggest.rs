//! Did-you-mean: one likeness (Jaro-Winkler, which favours a shared beginning, as typos of
//! identifiers have) and one threshold for every suggestion the tool makes: check IDs,
//! waivers, rule variables and fields, values keys.

/// How alike a word and a candidate must be for the candidate to be a likely meaning.
pub const LIKELY: f64 = 0.8;

/// The candidates by likeness to `word`, most alike first (ties keep their order).
pub fn ranked<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<(f64, &'a str)> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
}

/// The most alike candidate, however little: for messages that always name one.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    ranked(word, candidates).first().map(|(_, c)| *c)
}

/// Up to `n` candidates alike enough to be what `word` meant, most alike first.
pub fn likely<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    ranked(word, candidates)
        .into_iter()
        .take_while(|(score, _)| *score > LIKELY)
        .take(n)
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word_and_strangers_find_none() {
        let ids = ["redis.noeviction", "redis.role", "auth.login"];
        assert_eq!(likely("redis.noevicton", ids, 1), ["redis.noeviction"]);
        assert_eq!(likely("auth.logn", ids, 2), ["auth.login"]);
        assert!(likely("zzz", ids, 1).is_empty());
        assert_eq!(closest("redis.rol", ids), Some("redis.role"));
        assert_eq!(closest("x", []), None);
    }
}
