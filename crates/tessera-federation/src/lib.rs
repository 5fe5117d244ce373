//! tessera-federation: identity federation for Tessera.
//!
//! * [`oidc`] — OpenID Connect: discovery, a JWKS cache per issuer and JWT
//!   verification for `AssumeRoleWithWebIdentity`.
//! * [`saml`] — SAML 2.0: IdP metadata, and signed Response verification
//!   for `AssumeRoleWithSAML`.
//!
//! Time is always passed in: nothing here reads a clock.

pub mod oidc;
pub mod saml;
