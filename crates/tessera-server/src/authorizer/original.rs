//! The client's original request, as a proxy or a resource server
//! describes it: nginx `auth_request` / Traefik / Caddy forward auth,
//! Envoy's ext_authz HTTP filter, or the JSON call.

use http::{HeaderMap, HeaderName, HeaderValue};
use std::net::IpAddr;

/// The request a client sent to a resource server.
#[derive(Debug, Clone)]
pub struct OriginalRequest {
    /// The method.
    pub method: String,
    /// The `Host` the client addressed (the signed `host` header).
    pub host: String,
    /// The path exactly as sent (still percent-encoded).
    pub path: String,
    /// The query exactly as sent, without the `?`.
    pub query: String,
    /// The client's headers, `host` included.
    pub headers: HeaderMap,
    /// The client's address (`aws:SourceIp`).
    pub source_ip: Option<IpAddr>,
    /// Whether the client used TLS (`aws:SecureTransport`).
    pub secure: bool,
    /// The payload's SHA-256 (hex), when the resource server knows it.
    pub payload_sha256: Option<String>,
}

/// Why the original request cannot be read: the proxy's description of it
/// is incomplete (a configuration mistake, answered 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undescribed(pub String);

/// Headers the proxy adds to describe the request; they are not the
/// client's and never take part in its signature.
const PROXY_HEADERS: &[&str] = &[
    super::secret::SECRET_HEADER,
    super::SERVICE_HEADER,
    "x-forwarded-method",
    "x-forwarded-host",
    "x-forwarded-uri",
    "x-forwarded-proto",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-server",
    "x-forwarded-content-length",
    "x-original-method",
    "x-original-uri",
    "x-original-url",
    "x-real-ip",
    "content-length",
    "transfer-encoding",
    "connection",
];

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The client address: the last `X-Forwarded-For` entry (the one the
/// authenticated proxy added; entries before it come from the client and
/// are not believed), else the proxy's own peer address.
pub fn client_address(headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
    let mut entries = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty());
    match entries.next_back() {
        Some(entry) => entry.parse().ok().or(peer),
        None => peer,
    }
}

/// Splits `path?query`.
pub fn split_uri(uri: &str) -> (String, String) {
    match uri.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (uri.to_string(), String::new()),
    }
}

/// The client's headers out of the proxy's: the proxy's own removed,
/// `host` set to the host the client addressed, and `content-length`
/// restored from `X-Forwarded-Content-Length` (the subrequest has no body,
/// but the client may have signed its length).
fn client_headers(headers: &HeaderMap, host: &str) -> Result<HeaderMap, Undescribed> {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if name == http::header::HOST || PROXY_HEADERS.contains(&name.as_str()) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    let host = HeaderValue::from_str(host)
        .map_err(|_| Undescribed("the original Host is not a valid header value".into()))?;
    out.insert(http::header::HOST, host);
    if let Some(length) = headers.get("x-forwarded-content-length")
        && !length.is_empty()
    {
        out.insert(HeaderName::from_static("content-length"), length.clone());
    }
    Ok(out)
}

impl OriginalRequest {
    /// The request behind a forward-auth call: `X-Forwarded-Method`,
    /// `X-Forwarded-Host`, `X-Forwarded-Uri` and `X-Forwarded-Proto` (or
    /// `X-Original-Method` and `X-Original-URI`), the client's headers, and
    /// the proxy's `X-Forwarded-For`.
    pub fn from_forward(headers: &HeaderMap, peer: Option<IpAddr>) -> Result<Self, Undescribed> {
        let method = text(headers, "x-forwarded-method")
            .or_else(|| text(headers, "x-original-method"))
            .ok_or_else(|| Undescribed("X-Forwarded-Method is missing".into()))?;
        let uri = text(headers, "x-forwarded-uri")
            .or_else(|| text(headers, "x-original-uri"))
            .ok_or_else(|| Undescribed("X-Forwarded-Uri is missing".into()))?;
        let host = text(headers, "x-forwarded-host")
            .or_else(|| text(headers, "host"))
            .ok_or_else(|| Undescribed("X-Forwarded-Host is missing".into()))?;
        Self::described(method, host, uri, headers, peer)
    }

    /// The request behind an Envoy ext_authz check: its method, the path
    /// after the filter's `path_prefix`, its `Host` and headers, and Envoy's
    /// `X-Forwarded-For` / `X-Forwarded-Proto`.
    pub fn from_envoy(
        method: &str,
        uri: &str,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Result<Self, Undescribed> {
        let host = text(headers, "host")
            .ok_or_else(|| Undescribed("the original Host is missing".into()))?;
        Self::described(method, host, uri, headers, peer)
    }

    fn described(
        method: &str,
        host: &str,
        uri: &str,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
    ) -> Result<Self, Undescribed> {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Undescribed(format!("{method:?} is not an HTTP method")));
        }
        if !uri.starts_with('/') {
            return Err(Undescribed(
                "the original URI must be a path starting with /".into(),
            ));
        }
        let (path, query) = split_uri(uri);
        Ok(Self {
            method: method.to_ascii_uppercase(),
            host: host.to_string(),
            path,
            query,
            headers: client_headers(headers, host)?,
            source_ip: client_address(headers, peer),
            secure: text(headers, "x-forwarded-proto")
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https")),
            payload_sha256: None,
        })
    }

    /// The request a JSON call describes.
    pub fn from_json(request: &super::json::RequestJson) -> Result<Self, Undescribed> {
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Undescribed(format!("{name:?} is not a header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| Undescribed(format!("the value of {name} is not a header value")))?;
            headers.append(name, value);
        }
        let host = request
            .host
            .clone()
            .or_else(|| text(&headers, "host").map(str::to_string))
            .ok_or_else(|| Undescribed("request.host is missing".into()))?;
        let mut original = Self::described(&request.method, &host, &request.uri, &headers, None)?;
        if let Some(ip) = &request.source_ip {
            original.source_ip = Some(
                ip.parse()
                    .map_err(|_| Undescribed(format!("{ip:?} is not an IP address")))?,
            );
        }
        if let Some(scheme) = &request.scheme {
            original.secure = scheme.eq_ignore_ascii_case("https");
        }
        original.payload_sha256 = request.payload_sha256.clone();
        Ok(original)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        map
    }

    #[test]
    fn forward_auth_describes_the_client_request() {
        let h = headers(&[
            ("host", "127.0.0.1:9441"),
            ("x-forwarded-method", "put"),
            ("x-forwarded-host", "s3.example.test:8080"),
            ("x-forwarded-uri", "/bucket/a%20b?tagging"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-for", "10.9.9.9, 192.0.2.10"),
            ("x-forwarded-content-length", "11"),
            ("content-length", ""),
            ("x-tessera-authz-secret", "s"),
            ("x-tessera-service", "s3"),
            ("authorization", "AWS4-HMAC-SHA256 …"),
            ("x-amz-date", "20260101T000000Z"),
        ]);
        let original = OriginalRequest::from_forward(&h, None).expect("described");
        assert_eq!(original.method, "PUT");
        assert_eq!(original.path, "/bucket/a%20b");
        assert_eq!(original.query, "tagging");
        assert!(original.secure);
        assert_eq!(original.source_ip, Some("192.0.2.10".parse().expect("ip")));
        assert_eq!(original.headers["host"], "s3.example.test:8080");
        assert_eq!(original.headers["content-length"], "11");
        assert!(original.headers.get("x-tessera-authz-secret").is_none());
        assert!(original.headers.get("x-forwarded-for").is_none());
        assert_eq!(original.headers["x-amz-date"], "20260101T000000Z");
    }

    #[test]
    fn original_headers_are_accepted_and_gaps_refused() {
        let h = headers(&[
            ("host", "api.example.test"),
            ("x-original-method", "GET"),
            ("x-original-uri", "/orders/1"),
        ]);
        let original = OriginalRequest::from_forward(&h, Some("127.0.0.1".parse().expect("ip")))
            .expect("described");
        assert_eq!(original.host, "api.example.test");
        assert_eq!(original.source_ip, Some("127.0.0.1".parse().expect("ip")));
        assert!(!original.secure);
        assert!(OriginalRequest::from_forward(&headers(&[("host", "h")]), None).is_err());
        let relative = headers(&[
            ("host", "h"),
            ("x-forwarded-method", "GET"),
            ("x-forwarded-uri", "orders"),
        ]);
        assert!(OriginalRequest::from_forward(&relative, None).is_err());
    }
}
