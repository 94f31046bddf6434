//! What the user hands the tool: Helm values and Kubernetes secret manifests.

pub mod duration;
pub mod secrets;
pub mod values;
