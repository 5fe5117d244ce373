//! tessera-federation: identity federation for Tessera.
//!
//! * [`oidc`] — OpenID Connect: discovery, a JWKS cache per issuer and JWT
//!   verification for `AssumeRoleWithWebIdentity`.
//!
//! Time is always passed in: nothing here reads a clock.

pub mod oidc;
