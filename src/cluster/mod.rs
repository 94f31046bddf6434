//! What the tool reads from a live cluster, by name and under a deadline: the Secrets the
//! targets name (`secrets.rs`, with the kube client's configuration) and, for
//! `--from-cluster`, the release's component objects (`objects.rs`). Nothing here probes Redis.

pub mod objects;
pub mod secrets;

pub use secrets::{Access, Fetched, config, fetch};
