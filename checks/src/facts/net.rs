//! Name resolution and the TCP connect.

use serde::{Deserialize, Serialize};

/// Name resolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dns {
    /// The host was an IP literal; nothing was asked.
    pub literal: bool,
    /// Resolved addresses.
    pub addresses: Vec<String>,
    /// Time taken, in milliseconds.
    pub duration_ms: f64,
}

/// A TCP connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tcp {
    /// The address connected to.
    pub peer: String,
    /// Time taken, in milliseconds.
    pub duration_ms: f64,
}
