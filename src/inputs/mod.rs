//! What the user hands the tool: Helm values and Kubernetes secret manifests.

pub mod duration;
mod file;
pub mod positions;
pub mod secrets;
pub mod times;
pub mod values;
pub mod yaml;

pub use file::read_capped;
