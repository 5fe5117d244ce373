//! OpenID Connect web identity tokens, verified as
//! `AssumeRoleWithWebIdentity` needs: the header is read first (refusing
//! `none`, HMAC and other algorithms), the key comes from the issuer's
//! discovery document and JWKS ([`KeyCache`], refreshed for an unknown
//! `kid` at a bounded rate), the signature is checked for one algorithm
//! that fits the key's type, and the claims against the provider and a
//! time passed in.

mod cache;
mod err;
mod fetch;
pub mod jwt;
mod keys;

pub use cache::{CachePolicy, Fetch, KeyCache};
pub use err::OidcError;
pub use fetch::{HttpFetcher, REQUEST_TIMEOUT};
pub use jwt::{Expected, TokenHeader, VerifiedToken, read_header, unverified_issuer};
pub use keys::{KeyKind, KeySet, PublicKey};

/// A registered OIDC provider, as a token is checked against it.
#[derive(Debug, Clone, Copy)]
pub struct Provider<'a> {
    /// The issuer URL without `https://` (as IAM stores it).
    pub url: &'a str,
    /// The audiences accepted.
    pub client_ids: &'a [String],
}

/// Verifies web identity tokens with keys fetched by `F`.
#[derive(Debug)]
pub struct Verifier<F = HttpFetcher> {
    cache: KeyCache<F>,
}

impl<F: Fetch> Verifier<F> {
    /// A verifier over `fetcher`.
    pub fn new(fetcher: F, policy: CachePolicy) -> Self {
        Self {
            cache: KeyCache::new(fetcher, policy),
        }
    }

    /// Verifies `token` for `provider` at time `now` (Unix seconds).
    pub async fn verify(
        &self,
        token: &str,
        provider: Provider<'_>,
        now: i64,
    ) -> Result<VerifiedToken, OidcError> {
        let header = read_header(token)?;
        let issuer = format!("https://{}", provider.url);
        let kid = header.kid.as_deref();
        let keys = self
            .cache
            .keys(&issuer, now, |keys| {
                !keys.candidates(kid, header.alg).is_empty()
            })
            .await?;
        let candidates = keys.candidates(kid, header.alg);
        if candidates.is_empty() {
            return Err(OidcError::invalid(
                "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements",
            ));
        }
        let expected = Expected {
            issuer: &issuer,
            client_ids: provider.client_ids,
        };
        let mut last = None;
        for key in candidates {
            match jwt::verified_claims(token, &header, key) {
                Ok(claims) => return jwt::check_claims(&claims, expected, now),
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or_else(|| OidcError::invalid("The token signature is invalid")))
    }
}

impl Default for Verifier<HttpFetcher> {
    fn default() -> Self {
        Self::new(HttpFetcher::system_roots(), CachePolicy::default())
    }
}
