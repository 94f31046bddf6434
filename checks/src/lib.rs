//! The judging half of redis-preflight: the [`Facts`] model the probes fill, the [`Check`]
//! trait, and the [`CATALOG`] of checks — one file per check under `catalog/`.
//!
//! Checks are pure functions of facts: no I/O, no clock, no async. [`evaluate`] runs the whole
//! catalog over a set of facts, marking a check `skip` when a prerequisite did not pass.
//!
//! ```
//! use checks::{evaluate, testing};
//! let facts = testing::facts(vec![testing::healthy_target("snapshot")]);
//! let judged = evaluate(&facts);
//! let noeviction = judged.iter().find(|j| j.meta.id == "redis.noeviction").unwrap();
//! assert_eq!(noeviction.verdict.outcome, reports::Outcome::Pass);
//! ```
#![deny(missing_docs)]

pub mod catalog;
pub mod check;
pub mod choices;
pub mod duration;
pub mod evaluate;
pub mod facts;
pub mod info;
pub mod instance;
pub mod server;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use catalog::{CATALOG, find};
pub use check::{Check, Meta, Phase, Scope, Subject, Verdict};
pub use choices::{LayoutPolicy, Profile, UseCase};
pub use evaluate::{Judged, evaluate};
pub use facts::Facts;
