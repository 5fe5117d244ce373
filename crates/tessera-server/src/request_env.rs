//! What a request's connection tells about it, for the global condition
//! keys `aws:SourceIp` and `aws:UserAgent`: set by the HTTP front for the
//! duration of one request, read by the authorizer.

use std::net::IpAddr;

/// The environment of the request being served.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestEnv {
    /// The client's address: the peer's, or, when the peer is a trusted
    /// proxy, the nearest untrusted address of `X-Forwarded-For`.
    pub source_ip: Option<IpAddr>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// Whether the request came over TLS (`aws:SecureTransport`).
    pub secure: bool,
}

/// Marks a request that came over TLS (a request extension).
#[derive(Debug, Clone, Copy)]
pub struct OverTls;

tokio::task_local! {
    static REQUEST_ENV: RequestEnv;
}

/// Runs `future` as the request `env` describes.
pub async fn scope<F: std::future::Future>(env: RequestEnv, future: F) -> F::Output {
    REQUEST_ENV.scope(env, future).await
}

/// The environment of the request being served, if any.
pub fn current() -> Option<RequestEnv> {
    REQUEST_ENV.try_with(Clone::clone).ok()
}

/// The client address of a request from `peer`: the peer itself, unless it
/// is one of the `trusted` proxies; then the right-most address of
/// `forwarded_for` (the `X-Forwarded-For` values, in order) that is not a
/// trusted proxy. Malformed entries end the walk at the last good address.
pub fn source_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded_for
        .iter()
        .rev()
        .flat_map(|value| value.rsplit(','))
    {
        let Ok(ip) = entry.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|n| n.parse().expect("net")).collect()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let peer: IpAddr = "10.0.0.5".parse().expect("ip");
        let xff = ["203.0.113.7, 10.0.0.9"];
        assert_eq!(source_ip(peer, &xff, &[]), peer);
        assert_eq!(
            source_ip(peer, &xff, &nets(&["10.0.0.0/8"])),
            "203.0.113.7".parse::<IpAddr>().expect("ip")
        );
        // A client cannot push a trusted-looking address past the proxy.
        let spoof = ["10.1.1.1, 198.51.100.2"];
        assert_eq!(
            source_ip(peer, &spoof, &nets(&["10.0.0.0/8"])),
            "198.51.100.2".parse::<IpAddr>().expect("ip")
        );
        assert_eq!(source_ip(peer, &["garbage"], &nets(&["10.0.0.0/8"])), peer);
        assert_eq!(
            source_ip(
                peer,
                &["198.51.100.1", "198.51.100.2"],
                &nets(&["10.0.0.0/8"])
            ),
            "198.51.100.2".parse::<IpAddr>().expect("ip")
        );
    }
}
