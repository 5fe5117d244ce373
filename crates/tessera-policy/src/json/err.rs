//! Errors of the JSON layer.

use super::pos::Position;

/// The policy text is not JSON, or not the JSON shape a policy has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail} at line {}, column {}", pos.line, pos.column)]
pub struct JsonError {
    /// What is wrong, for people.
    pub detail: String,
    /// Where it is.
    pub pos: Position,
}
