//! Probes observe; they never judge. Each phase runs under its own deadline and records what
//! it saw as facts.

pub mod behaviour;
pub mod bounded;
pub mod command;
pub mod dns;
pub mod go_hello;
pub mod session;
pub mod signatures;
pub mod socket;
pub mod target;
pub mod tcp;
pub mod tls;
pub mod write_access;

use std::time::Instant;

/// Milliseconds since `start`, for the facts' phase durations.
pub fn elapsed_ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}
