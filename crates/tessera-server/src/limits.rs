//! The bounds a listener keeps, so that a slow, oversized or too eager
//! client costs a bounded share of the node: sizes and times of a request,
//! connections at once, the wait for requests in flight at shutdown, and
//! the request rate of each caller.

use governor::{DefaultKeyedRateLimiter, Quota};
use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

/// What a listener bounds. Every field has a default (the associated
/// constants), and the command line can change each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest request body; a longer one is `RequestEntityTooLarge`
    /// (413).
    pub max_body_bytes: usize,
    /// The largest request head (request line and headers); a longer one is
    /// answered 431 and the connection closed.
    pub max_header_bytes: usize,
    /// The most headers a request may carry; more are answered 431.
    pub max_headers: usize,
    /// How long a client has to send a whole request head, counted from when
    /// the server starts waiting for one: when the connection opens, and on
    /// a keep-alive connection when the previous response is done (hyper
    /// arms its header timer as soon as a connection is idle). It is thus
    /// also the idle keep-alive timeout. On expiry the connection is closed
    /// without a response.
    pub header_read_timeout: Duration,
    /// How long a request may take from its head to its answer, receiving
    /// the body included; after it the answer is 408.
    pub request_timeout: Duration,
    /// Connections served at once; further clients wait in the listen
    /// backlog until one closes.
    pub max_connections: usize,
    /// At shutdown, how long requests in flight may take to finish before
    /// their connections are closed.
    pub shutdown_grace: Duration,
    /// Requests a second each caller may make (a burst of twice as many);
    /// unlimited when `None`.
    pub rate_limit: Option<NonZeroU32>,
}

impl Limits {
    /// Default [`Limits::max_body_bytes`]: 1 MiB, well above the largest
    /// session policy or SAML assertion.
    pub const MAX_BODY_BYTES: usize = 1024 * 1024;
    /// Default [`Limits::max_header_bytes`]: 64 KiB.
    pub const MAX_HEADER_BYTES: usize = 64 * 1024;
    /// The smallest [`Limits::max_header_bytes`]: 8 KiB (hyper's smallest
    /// read buffer).
    pub const MIN_HEADER_BYTES: usize = 8 * 1024;
    /// Default [`Limits::max_headers`]: 100.
    pub const MAX_HEADERS: usize = 100;
    /// Default [`Limits::header_read_timeout`]: 10 seconds.
    pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default [`Limits::request_timeout`]: 30 seconds.
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default [`Limits::max_connections`]: 10,000.
    pub const MAX_CONNECTIONS: usize = 10_000;
    /// Default [`Limits::shutdown_grace`]: 10 seconds.
    pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: Self::MAX_BODY_BYTES,
            max_header_bytes: Self::MAX_HEADER_BYTES,
            max_headers: Self::MAX_HEADERS,
            header_read_timeout: Self::HEADER_READ_TIMEOUT,
            request_timeout: Self::REQUEST_TIMEOUT,
            max_connections: Self::MAX_CONNECTIONS,
            shutdown_grace: Self::SHUTDOWN_GRACE,
            rate_limit: None,
        }
    }
}

/// Whose requests one rate applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum RateKey {
    /// An authenticated caller, by the access key id it signed with.
    AccessKey(String),
    /// A caller that did not authenticate, by its source address.
    Address(IpAddr),
}

/// How often callers back at a full burst are forgotten.
const SWEEP_INTERVAL: Duration = Duration::from_secs(10);

/// A token bucket (GCRA) per [`RateKey`], refilled at the rate and holding
/// twice the rate.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    buckets: DefaultKeyedRateLimiter<RateKey>,
    started: Instant,
    /// Milliseconds after `started` of the last sweep.
    swept_at: AtomicU64,
}

impl RateLimiter {
    /// `per_second` requests a second per key, with a burst of twice that.
    pub fn new(per_second: NonZeroU32) -> Self {
        let burst = NonZeroU32::new(per_second.get().saturating_mul(2)).unwrap_or(per_second);
        Self {
            buckets: DefaultKeyedRateLimiter::keyed(
                Quota::per_second(per_second).allow_burst(burst),
            ),
            started: Instant::now(),
            swept_at: AtomicU64::new(0),
        }
    }

    /// Whether `key` may make one more request now; a request admitted
    /// spends one from its bucket.
    pub fn admit(&self, key: &RateKey) -> bool {
        self.sweep();
        self.buckets.check_key(key).is_ok()
    }

    /// Keys seen so far and not yet forgotten.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.buckets.len()
    }

    /// Every [`SWEEP_INTERVAL`], forgets the keys whose buckets are full
    /// again, so that the callers of long ago hold no memory.
    fn sweep(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.swept_at.load(Ordering::Relaxed);
        let interval = u64::try_from(SWEEP_INTERVAL.as_millis()).unwrap_or(u64::MAX);
        if now.saturating_sub(last) < interval {
            return;
        }
        if self
            .swept_at
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.buckets.retain_recent();
            self.buckets.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_has_a_burst_of_twice_its_rate_and_others_are_apart() {
        let limiter = RateLimiter::new(NonZeroU32::new(5).expect("non-zero"));
        let key = RateKey::AccessKey("AKIAEXAMPLE".to_string());
        let admitted = (0..20).filter(|_| limiter.admit(&key)).count();
        assert_eq!(admitted, 10);
        let other = RateKey::Address("192.0.2.1".parse().expect("address"));
        assert!(limiter.admit(&other));
        assert_eq!(limiter.tracked(), 2);
    }

    #[test]
    fn a_spent_bucket_refills_at_the_rate() {
        let limiter = RateLimiter::new(NonZeroU32::new(50).expect("non-zero"));
        let key = RateKey::Address("192.0.2.9".parse().expect("address"));
        while limiter.admit(&key) {}
        assert!(!limiter.admit(&key));
        // Sleeping takes at least this long, so at least 4 are back.
        std::thread::sleep(Duration::from_millis(100));
        let refilled = (0..100).filter(|_| limiter.admit(&key)).count();
        assert!((4..100).contains(&refilled), "{refilled} refilled");
    }
}
