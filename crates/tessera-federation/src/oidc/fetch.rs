//! Keys over HTTPS: the discovery document
//! (`ISSUER/.well-known/openid-configuration`) names `jwks_uri`, which
//! holds the key set. Servers are trusted through the system's roots plus
//! any extra CA certificates given; every request has a timeout and a size
//! limit, and plain HTTP is refused.

use super::{OidcError, cache::Fetch, keys::KeySet};
use std::time::Duration;

/// How long one request to an identity provider may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest discovery document or key set read.
const MAX_DOCUMENT: usize = 1024 * 1024;

/// Fetches discovery documents and key sets over HTTPS.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    client: Result<reqwest::Client, String>,
}

fn communication(message: impl Into<String>) -> OidcError {
    OidcError::Communication(message.into())
}

impl HttpFetcher {
    /// A fetcher trusting the system's roots and the CA certificates in
    /// `extra_ca_pem` (a PEM bundle), if given; an unreadable bundle or a
    /// client that cannot be built is an error.
    pub fn new(extra_ca_pem: Option<&[u8]>) -> Result<Self, OidcError> {
        let mut builder = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(REQUEST_TIMEOUT)
            .https_only(true)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = extra_ca_pem {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| communication(format!("cannot read the CA certificates: {e}")))?;
            if certificates.is_empty() {
                return Err(communication("the CA file holds no PEM certificate"));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder
            .build()
            .map_err(|e| communication(format!("cannot set up the HTTPS client: {e}")))?;
        Ok(Self { client: Ok(client) })
    }

    /// A fetcher trusting the system's roots. Should the client fail to
    /// build, every fetch reports it as a communication error.
    pub fn system_roots() -> Self {
        match Self::new(None) {
            Ok(fetcher) => fetcher,
            Err(error) => Self {
                client: Err(error.to_string()),
            },
        }
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, OidcError> {
        let client = self.client.as_ref().map_err(|e| communication(e.clone()))?;
        let failed = |e: reqwest::Error| {
            tracing::warn!(%url, error = %e, "identity provider request failed");
            communication(format!(
                "Couldn't retrieve verification key from your identity provider ({url})"
            ))
        };
        let mut response = client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(failed)?;
        if !response.status().is_success() {
            return Err(communication(format!(
                "The identity provider answered {} for {url}",
                response.status().as_u16()
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MAX_DOCUMENT {
                return Err(communication(format!(
                    "The identity provider's document at {url} is too large"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

impl Fetch for HttpFetcher {
    async fn fetch(&self, issuer: &str) -> Result<KeySet, OidcError> {
        let discovery = self
            .get(&format!("{issuer}/.well-known/openid-configuration"))
            .await?;
        let discovery: serde_json::Value = serde_json::from_slice(&discovery)
            .map_err(|_| communication("The identity provider's discovery document is not JSON"))?;
        let Some(jwks_uri) = discovery.get("jwks_uri").and_then(|v| v.as_str()) else {
            return Err(communication(
                "The identity provider's discovery document has no jwks_uri",
            ));
        };
        if !jwks_uri.starts_with("https://") {
            return Err(communication(
                "The identity provider's jwks_uri is not HTTPS",
            ));
        }
        KeySet::from_jwks(&self.get(jwks_uri).await?)
    }
}
