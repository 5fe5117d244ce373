//! Where an S3 request points: the account's bucket list, a bucket, or an
//! object, from the host (virtual-hosted style) or the path (path style).

use crate::decode::decode;
use crate::mapping::MapError;

/// What an S3 request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// No bucket: `GET /` lists the caller's buckets.
    Service,
    /// A bucket.
    Bucket(String),
    /// An object: its bucket and its key, percent-decoded.
    Object { bucket: String, key: String },
}

/// Resolves `host` and the raw `path` against the configured virtual-host
/// suffixes (lower-case).
pub(crate) fn locate(hosts: &[String], host: &str, path: &str) -> Result<Target, MapError> {
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| MapError::Unmappable(format!("path {path:?} does not start with '/'")))?;
    let host = normalize_host(host);
    let (bucket, key) = match virtual_bucket(hosts, &host) {
        Some(bucket) => (bucket.to_string(), rest),
        None => {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() && key.is_empty() {
                return Ok(Target::Service);
            }
            (bucket.to_string(), key)
        }
    };
    if !is_bucket_name(&bucket) {
        return Err(MapError::Unmappable(format!(
            "{bucket:?} is not a bucket name"
        )));
    }
    if key.is_empty() {
        return Ok(Target::Bucket(bucket));
    }
    let key = decode(key).ok_or_else(|| {
        MapError::Unmappable("the object key is not percent-encoded UTF-8".into())
    })?;
    Ok(Target::Object { bucket, key })
}

/// The host without a port or a final dot, lower-cased.
fn normalize_host(host: &str) -> String {
    let host = if host.starts_with('[') {
        host.find(']').map_or(host, |end| &host[..=end])
    } else {
        match host.rsplit_once(':') {
            Some((name, port))
                if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) =>
            {
                name
            }
            _ => host,
        }
    };
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

/// The bucket named by a virtual-hosted `host`: the part before the most
/// specific configured suffix, unless the host is itself a configured host.
fn virtual_bucket<'h>(hosts: &[String], host: &'h str) -> Option<&'h str> {
    if hosts.iter().any(|h| h == host) {
        return None;
    }
    hosts
        .iter()
        .filter_map(|h| {
            let bucket = host.strip_suffix(h.as_str())?.strip_suffix('.')?;
            (!bucket.is_empty()).then_some((h.len(), bucket))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, bucket)| bucket)
}

/// The S3 bucket naming rules for general purpose buckets: 3 to 63
/// lower-case letters, digits, dots and hyphens, starting and ending with a
/// letter or digit, no `..`, not an IPv4 address, and none of the reserved
/// prefixes and suffixes.
pub(crate) fn is_bucket_name(name: &str) -> bool {
    const PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
    const SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    let bytes = name.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && edge_ok(bytes.first())
        && edge_ok(bytes.last())
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
        && !PREFIXES.iter().any(|p| name.starts_with(p))
        && !SUFFIXES.iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_hosts() {
        assert_eq!(normalize_host("S3.Example.Test:9000"), "s3.example.test");
        assert_eq!(normalize_host("b.s3.example.test."), "b.s3.example.test");
        assert_eq!(normalize_host("[::1]:9000"), "[::1]");
        assert_eq!(normalize_host("::1"), "::1");
    }

    #[test]
    fn picks_the_most_specific_host() {
        let hosts = vec!["example.test".to_string(), "s3.example.test".to_string()];
        assert_eq!(virtual_bucket(&hosts, "b.s3.example.test"), Some("b"));
        assert_eq!(virtual_bucket(&hosts, "s3.example.test"), None);
        assert_eq!(virtual_bucket(&hosts, "a.b.example.test"), Some("a.b"));
        assert_eq!(virtual_bucket(&hosts, "xexample.test"), None);
    }

    #[test]
    fn bucket_names() {
        for good in ["abc", "my.bucket-1", "0ab", &"a".repeat(63)] {
            assert!(is_bucket_name(good), "{good}");
        }
        for bad in [
            "ab",
            "Abc",
            "a_b",
            "-ab",
            "ab-",
            "a..b",
            "192.168.1.1",
            "xn--ab",
            "ab-s3alias",
            &"a".repeat(64),
            "",
        ] {
            assert!(!is_bucket_name(bad), "{bad}");
        }
    }
}
