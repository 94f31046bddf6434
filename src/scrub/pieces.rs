//! The [`PIECE`]-byte windows of the long credentials, kept as a set of 128-bit words: a text
//! is searched by looking each of its windows up, one pass whatever the number of windows.
//!
//! Every piece has the same length, so "which windows of the text are pieces" is exactly what
//! a multi-pattern automaton over the pieces would find. The set costs far less to build: a
//! certificate kept in a secret the run reads (a CA) is some thousands of windows raw and in
//! base64, and an automaton over them took longer to build than a three-target run's probing.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use super::PIECE;

const _: () = assert!(PIECE == 16, "a piece is one 128-bit word");

/// The windows, as words.
#[derive(Default)]
pub(super) struct Pieces(HashSet<u128, BuildHasherDefault<WordHasher>>);

impl Pieces {
    /// Adds every window of `form`.
    pub fn add_windows(&mut self, form: &[u8]) {
        self.0.extend(form.windows(PIECE).map(word));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The start of every window of `text` that is a piece, in order.
    pub fn starts<'a>(&'a self, text: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        // Nothing to look up: no window is visited.
        let text = if self.0.is_empty() { &text[..0] } else { text };
        text.windows(PIECE)
            .enumerate()
            .filter(|(_, w)| self.0.contains(&word(w)))
            .map(|(at, _)| at)
    }
}

fn word(window: &[u8]) -> u128 {
    u128::from_le_bytes(window.try_into().expect("a window of PIECE bytes"))
}

/// A multiply-and-fold hash of one word. The set's words come from the run's credentials,
/// never from a server, so what a server sends cannot lengthen a lookup.
#[derive(Default)]
pub(super) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u128(&mut self, word: u128) {
        let (low, high) = (word as u64, (word >> 64) as u64);
        let product =
            u128::from(low ^ 0x9e37_79b9_7f4a_7c15) * u128::from(high ^ 0xd6e8_feb8_6659_fd93);
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only words are hashed; any other input still hashes (FNV-1a).
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
