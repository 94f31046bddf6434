//! What the user hands the tool: Helm values, Kubernetes secret manifests and rendered objects
//! (from files, or read from the cluster by name).

pub mod address;
pub mod duration;
mod file;
pub mod manifests;
pub mod positions;
pub mod secrets;
pub mod setting;
pub mod times;
pub mod values;

pub use file::{input_name, read_capped, read_input};
