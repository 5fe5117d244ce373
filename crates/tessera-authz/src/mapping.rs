//! From a resource server's request to the accesses it needs.

/// A request to a resource server, as the proxy saw it.
#[derive(Debug, Clone, Copy)]
pub struct ResourceRequest<'a> {
    /// The method, e.g. `GET`.
    pub method: &'a str,
    /// The `Host` the client addressed (may carry a port).
    pub host: &'a str,
    /// The path exactly as the client sent it (still percent-encoded).
    pub path: &'a str,
    /// The query exactly as the client sent it, without the `?`.
    pub query: &'a str,
    /// The client's headers.
    pub headers: &'a http::HeaderMap,
    /// The region of the credential scope, when the request is signed.
    pub region: Option<&'a str>,
}

/// One access a request needs: an action on a resource, with the
/// condition keys the request sets for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The IAM action, e.g. `s3:GetObject`.
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// The account owning the resource; `None` for the caller's own
    /// account (`s3:ListAllMyBuckets` on `*`).
    pub resource_account: Option<String>,
    /// Condition keys the request sets (`s3:prefix`, `s3:x-amz-acl`, …), each
    /// with its values, in a stable order.
    pub keys: Vec<(String, Vec<String>)>,
}

/// How the canonical URI of a request is formed when its signature is
/// checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriRule {
    /// S3's rule: the path as sent, neither normalised nor encoded again.
    S3,
    /// Every other service's: normalised, each segment encoded once more.
    Normalized,
}

/// What a request needs, and how it was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Every access that must be allowed; the first is the request's
    /// primary action (CopyObject's `s3:PutObject` before the source's
    /// `s3:GetObject`).
    pub accesses: Vec<Access>,
    /// The signing name the credential scope must carry.
    pub signing_name: String,
    /// The canonical-URI rule of the service.
    pub uri_rule: UriRule,
}

/// Why a request cannot be mapped: the authorizer denies it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// No service of this name is configured.
    #[error("no service named {0:?} is configured")]
    UnknownService(String),
    /// The request is not one the profile knows.
    #[error("{0}")]
    Unmappable(String),
}
