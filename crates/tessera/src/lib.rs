//! The `tessera` command's library: the configuration file and what its
//! values mean, the store a node opens, and the errors that stop a command.
//! The binary is the command line over these.

pub mod config;
pub mod error;
pub mod store;
