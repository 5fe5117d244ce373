//! What can go wrong verifying a web identity token, in the four kinds AWS
//! reports.

/// A web identity token that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    /// Malformed, wrongly signed, of a forbidden algorithm, for another
    /// audience or issuer, or not yet valid (`InvalidIdentityToken`).
    #[error("{0}")]
    InvalidToken(String),
    /// Past its `exp` (`ExpiredTokenException`).
    #[error("{0}")]
    Expired(String),
    /// The issuer's discovery document or keys could not be fetched
    /// (`IDPCommunicationError`).
    #[error("{0}")]
    Communication(String),
    /// A claim the token carries cannot be honoured (`IDPRejectedClaim`).
    #[error("{0}")]
    RejectedClaim(String),
}

impl OidcError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidToken(message.into())
    }
}
