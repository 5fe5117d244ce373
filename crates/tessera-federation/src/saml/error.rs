//! What can go wrong verifying a SAML response, in the kinds AWS reports.

/// A SAML response that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    /// Malformed, unsigned or wrongly signed, of a refused shape or
    /// algorithm, for another audience, recipient or issuer, or not yet
    /// valid (`InvalidIdentityToken`).
    #[error("{0}")]
    Invalid(String),
    /// Past its `NotOnOrAfter` (`ExpiredTokenException`).
    #[error("{0}")]
    Expired(String),
}

impl SamlError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
}
