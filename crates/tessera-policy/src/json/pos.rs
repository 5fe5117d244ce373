//! Positions inside the policy text, shared by the reader and its errors.

/// A 1-based line and column (in characters) inside the policy text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct Position {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column number in characters, starting at 1.
    pub column: u32,
}
