//! Errors of building a request context.

/// A request context could not be built from the given values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    /// The ARN is not of the form the principal kind needs.
    #[error("invalid principal ARN: {0}")]
    InvalidArn(String),
}
