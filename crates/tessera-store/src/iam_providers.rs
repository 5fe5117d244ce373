//! OIDC and SAML providers, virtual MFA devices and account aliases.

use async_trait::async_trait;

/// Identity providers, MFA devices and account aliases.
#[async_trait]
pub trait ProviderStore: Send + Sync {}
