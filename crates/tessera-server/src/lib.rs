//! The Tessera HTTP service: the AWS Query protocol in and out,
//! authentication of every request, authorization of every call, and the STS
//! actions as plain functions over a [`Caller`] and the [`AppState`].

mod action;
pub mod actions;
mod audit;
mod auth;
pub mod authorizer;
mod authz;
mod caller;
pub mod catalog;
mod data_dir;
mod error;
mod http;
mod iam;
mod keys;
mod limits;
pub mod metrics;
mod mfa;
pub mod params;
mod passwords;
mod pattern;
mod pki;
mod policy_cache;
mod request_env;
mod resource_policies;
mod sts;
pub mod tls;
mod xml;

pub use caller::Caller;
pub use data_dir::{DataDir, NewAccount, Rotation, SetupError};
pub use error::AwsError;
pub use http::{decode_request, router, serve};
pub use iam::{
    MAX_RESOURCE_POLICY_BYTES, bind_unbound_trust_policies, delete_resource_policy_as_operator,
    get_resource_policy_as_operator, is_revocable_principal, put_resource_policy_as_operator,
    revoke_sessions_of,
};
pub use keys::{KeyRingHandle, RingError, ring_key_records, sealed_ring_keys};
pub use limits::Limits;
pub use resource_policies::{
    LoadedResourcePolicy, REFRESH_INTERVAL as RESOURCE_POLICY_REFRESH_INTERVAL,
    ResourcePolicyCache, ResourcePolicyLookup, spawn_resource_policy_refresh,
};

use std::sync::Arc;
pub use tessera_federation::oidc::Verifier as OidcVerifier;
use tessera_store::Store;
use tessera_token::Clock;

/// The longest any session lives (GetSessionToken / GetFederationToken:
/// 36 hours); retired keys are kept at least this long.
pub const MAX_SESSION_LIFETIME: time::Duration = time::Duration::hours(36);

/// What every request handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    keys: Arc<KeyRingHandle>,
    clock: Arc<dyn Clock>,
    partition: String,
    policies: policy_cache::PolicyCache,
    signing_keys: tessera_sigv4::SigningKeys,
    oidc: OidcVerifier,
    saml_audiences: Vec<String>,
    trusted_proxies: Vec<ipnet::IpNet>,
    services: Arc<tessera_authz::Services>,
    audit: Option<Arc<tessera_audit::AuditLog>>,
    tls: Option<Arc<tls::Tls>>,
    limits: Limits,
    rate_limiter: Option<limits::RateLimiter>,
    resource_policies: resource_policies::ResourcePolicyCache,
}

impl AppState {
    /// State over a store, a key ring and a clock, in partition `aws`;
    /// identity providers are trusted through the system's roots.
    pub fn new(store: Arc<dyn Store>, keys: Arc<KeyRingHandle>, clock: Arc<dyn Clock>) -> Self {
        Self::with_oidc(store, keys, clock, OidcVerifier::default())
    }

    /// State as [`AppState::new`], verifying web identity tokens with `oidc`.
    pub fn with_oidc(
        store: Arc<dyn Store>,
        keys: Arc<KeyRingHandle>,
        clock: Arc<dyn Clock>,
        oidc: OidcVerifier,
    ) -> Self {
        Self::with_federation(
            store,
            keys,
            clock,
            oidc,
            vec![tessera_federation::saml::DEFAULT_AUDIENCE.to_string()],
        )
    }

    /// State as [`AppState::with_oidc`], accepting SAML assertions for
    /// `saml_audiences` (their `Audience`, `Recipient` and `Destination`).
    pub fn with_federation(
        store: Arc<dyn Store>,
        keys: Arc<KeyRingHandle>,
        clock: Arc<dyn Clock>,
        oidc: OidcVerifier,
        saml_audiences: Vec<String>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                keys,
                clock,
                partition: "aws".to_string(),
                policies: policy_cache::PolicyCache::default(),
                signing_keys: tessera_sigv4::SigningKeys::default(),
                oidc,
                saml_audiences,
                trusted_proxies: Vec::new(),
                services: Arc::default(),
                audit: None,
                tls: None,
                limits: Limits::default(),
                rate_limiter: None,
                resource_policies: resource_policies::ResourcePolicyCache::default(),
            }),
        }
    }

    /// The state, trusting `X-Forwarded-For` from peers in `proxies` for
    /// `aws:SourceIp`. Call before the state is shared.
    pub fn with_trusted_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.trusted_proxies = proxies;
        }
        self
    }

    /// The state, with an audit trail for every call and decision. Call
    /// before the state is shared.
    pub fn with_audit(mut self, log: Arc<tessera_audit::AuditLog>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.audit = Some(log);
        }
        self
    }

    /// The state, serving HTTPS with `tls` on the API and authorizer
    /// listeners. Call before the state is shared.
    pub fn with_tls(mut self, tls: Arc<tls::Tls>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.tls = Some(tls);
        }
        self
    }

    /// The state, serving within `limits` (and limiting each caller's rate
    /// when they set one). Call before the state is shared.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.limits = limits;
            inner.rate_limiter = limits.rate_limit.map(limits::RateLimiter::new);
        }
        self
    }

    /// The bounds the listeners keep.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The per-caller rate limit, if one is set.
    pub(crate) fn rate_limiter(&self) -> Option<&limits::RateLimiter> {
        self.inner.rate_limiter.as_ref()
    }

    /// The listeners' TLS configuration, if they serve HTTPS.
    pub fn tls(&self) -> Option<&Arc<tls::Tls>> {
        self.inner.tls.as_ref()
    }

    /// The audit trail, if one is kept.
    pub fn audit(&self) -> Option<&tessera_audit::AuditLog> {
        self.inner.audit.as_deref()
    }

    /// The state, with the authorizer's service profiles. Call before the
    /// state is shared.
    pub fn with_authz_services(mut self, services: tessera_authz::Services) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.services = Arc::new(services);
        }
        self
    }

    /// The authorizer's service profiles (resource owners, request mapping).
    pub fn authz_services(&self) -> &tessera_authz::Services {
        &self.inner.services
    }

    /// The resource policies of the store, in memory (see
    /// [`spawn_resource_policy_refresh`]).
    pub fn resource_policies(&self) -> &ResourcePolicyCache {
        &self.inner.resource_policies
    }

    /// The proxies whose `X-Forwarded-For` is believed.
    pub(crate) fn trusted_proxies(&self) -> &[ipnet::IpNet] {
        &self.inner.trusted_proxies
    }

    /// The web identity token verifier.
    pub(crate) fn oidc(&self) -> &OidcVerifier {
        &self.inner.oidc
    }

    /// The audiences SAML assertions may be for.
    pub(crate) fn saml_audiences(&self) -> &[String] {
        &self.inner.saml_audiences
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The key ring.
    pub fn keys(&self) -> &KeyRingHandle {
        &self.inner.keys
    }

    /// The current time.
    pub fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }

    /// Parsed policies, shared by content.
    pub(crate) fn policies(&self) -> &policy_cache::PolicyCache {
        &self.inner.policies
    }

    /// The SigV4 signing keys derived so far, kept by access key and scope.
    pub(crate) fn signing_keys(&self) -> &tessera_sigv4::SigningKeys {
        &self.inner.signing_keys
    }

    /// The ARN partition.
    pub fn partition(&self) -> &str {
        &self.inner.partition
    }
}
