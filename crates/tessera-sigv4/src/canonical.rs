//! The canonical request and the string to sign.

use crate::{
    ALGORITHM,
    auth::{Authentication, AuthenticationForm},
    http_request::HttpRequest,
    query::query_pairs,
    rules::UriRule,
};
use percent_encoding::{
    AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode, utf8_percent_encode,
};
use ring::digest;

/// Everything but the unreserved characters of RFC 3986.
const SIGV4_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The payload hash that presigned URLs may use instead of the body's hash.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Percent-encodes every byte except the RFC 3986 unreserved characters,
/// with upper-case hex digits, as SigV4 requires.
pub fn uri_encode(text: &str) -> String {
    utf8_percent_encode(text, SIGV4_ENCODE).to_string()
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, bytes))
}

/// The canonical URI: the path normalised (no empty, `.` or `..` segments)
/// and each segment encoded once more on top of its encoding on the wire,
/// as every service but S3 does.
fn canonical_uri(raw_path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw_path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut uri = String::from("/");
    uri.push_str(
        &segments
            .iter()
            .map(|s| uri_encode(s))
            .collect::<Vec<_>>()
            .join("/"),
    );
    if !segments.is_empty() && raw_path.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// S3's canonical URI: each segment of the path as received percent-decoded
/// and encoded once, segments kept as they are (empty, `.` and `..` too).
fn encoded_once_uri(raw_path: &str) -> String {
    let mut uri = String::with_capacity(raw_path.len() + 1);
    if !raw_path.starts_with('/') {
        uri.push('/');
    }
    for (i, segment) in raw_path.split('/').enumerate() {
        if i > 0 {
            uri.push('/');
        }
        let bytes: Vec<u8> = percent_decode_str(segment).collect();
        uri.extend(percent_encode(&bytes, SIGV4_ENCODE));
    }
    uri
}

fn canonical_query(raw_query: &str, form: AuthenticationForm) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(raw_query)
        .into_iter()
        .filter(|(k, _)| {
            !(matches!(form, AuthenticationForm::Presigned { .. }) && k == "X-Amz-Signature")
        })
        .map(|(k, v)| (uri_encode(&k), uri_encode(&v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Appends a header value to `out`, trimmed and with each run of
/// whitespace collapsed to one space.
fn push_canonical_header_value(out: &mut String, value: &[u8]) {
    let text = String::from_utf8_lossy(value);
    // Most values (a token, a date, a host) have no whitespace to collapse.
    if !text.contains(char::is_whitespace) {
        out.push_str(&text);
        return;
    }
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

fn canonical_headers(headers: &http::HeaderMap, signed: &[String]) -> String {
    let mut out = String::new();
    for name in signed {
        out.push_str(name);
        out.push(':');
        for (i, value) in headers.get_all(name.as_str()).iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_canonical_header_value(&mut out, value.as_bytes());
        }
        out.push('\n');
    }
    out
}

/// The canonical request for `request` as authenticated by `auth`, with the
/// given payload hash and the URI normalised and double-encoded (the
/// Query-protocol APIs' rule, [`UriRule::Normalised`]).
pub fn canonical_request(
    request: &HttpRequest<'_>,
    auth: &Authentication,
    payload_hash: &str,
) -> String {
    canonical_request_with(request, auth, payload_hash, UriRule::Normalised)
}

/// [`canonical_request`] with the canonical URI built by `uri`.
pub fn canonical_request_with(
    request: &HttpRequest<'_>,
    auth: &Authentication,
    payload_hash: &str,
    uri: UriRule,
) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        match uri {
            UriRule::Normalised => canonical_uri(request.path),
            UriRule::EncodedOnce => encoded_once_uri(request.path),
        },
        canonical_query(request.query, auth.form),
        canonical_headers(request.headers, &auth.signed_headers),
        auth.signed_headers.join(";"),
        payload_hash
    )
}

/// The string to sign for a canonical request.
pub fn string_to_sign(auth: &Authentication, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        auth.amz_date,
        auth.scope.to_scope_string(),
        hex_sha256(canonical_request.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encoding_keeps_only_unreserved() {
        assert_eq!(uri_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(uri_encode("a b+c=/"), "a%20b%2Bc%3D%2F");
        assert_eq!(uri_encode("ሴ"), "%E1%88%B4");
    }

    #[test]
    fn uri_is_normalised_and_double_encoded() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/./"), "/");
        assert_eq!(canonical_uri("/example/.."), "/");
        assert_eq!(canonical_uri("//example//"), "/example/");
        assert_eq!(canonical_uri("/example/../foo"), "/foo");
        assert_eq!(canonical_uri("/example%20space/"), "/example%2520space/");
    }

    #[test]
    fn s3_uri_is_kept_and_encoded_once() {
        let uri = encoded_once_uri;
        assert_eq!(uri(""), "/");
        assert_eq!(uri("/"), "/");
        assert_eq!(uri("/./"), "/./");
        assert_eq!(uri("/bucket/a/../b"), "/bucket/a/../b");
        assert_eq!(uri("//key//"), "//key//");
        assert_eq!(uri("/my%20key+1"), "/my%20key%2B1");
        assert_eq!(uri("/a%2fb"), "/a%2Fb");
        assert_eq!(uri("/%7Euser/%e1%88%b4"), "/~user/%E1%88%B4");
        assert_eq!(uri("/100%"), "/100%25");
        // A byte sequence that is not UTF-8 is encoded as bytes.
        assert_eq!(uri("/%FF"), "/%FF");
    }

    #[test]
    fn query_is_sorted_by_key_then_value() {
        let q = canonical_query("b=2&a=2&a=1&c", AuthenticationForm::Header);
        assert_eq!(q, "a=1&a=2&b=2&c=");
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        let canonical = |value: &[u8]| {
            let mut out = String::new();
            push_canonical_header_value(&mut out, value);
            out
        };
        assert_eq!(canonical(b"  a   b  c "), "a b c");
        assert_eq!(canonical(b"a\tb"), "a b");
        assert_eq!(canonical(b"IQoJb3JpZ2luX2VjEJr//"), "IQoJb3JpZ2luX2VjEJr//");
        assert_eq!(canonical(b""), "");
    }
}
