//! Typed readings of condition values: numbers, dates and IP ranges.
//!
//! Context values arrive as strings; the operator that reads a key decides
//! its type. A value that does not read as that type never matches.

use std::cmp::Ordering;
use std::net::IpAddr;

/// A number as the `Numeric*` operators compare it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer.
    Int(i64),
    /// Anything else that reads as a decimal number.
    Float(f64),
}

impl Number {
    /// Reads an integer or decimal number (no hex, no NaN/inf).
    pub fn parse(s: &str) -> Option<Number> {
        let t = s.trim();
        if t.is_empty() {
            return None;
        }
        if let Ok(i) = t.parse::<i64>() {
            return Some(Number::Int(i));
        }
        let ok = t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
        if !ok {
            return None;
        }
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Number::Float)
    }

    /// Compares two numbers.
    pub fn compare(self, other: Number) -> Option<Ordering> {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// Reads a date as nanoseconds since the Unix epoch.
///
/// Accepts the ISO 8601 forms AWS documents (`2024-01-31`,
/// `2024-01-31T12:00Z`, `2024-01-31T12:00:00.5+02:00`, …) and integer epoch
/// seconds (`aws:EpochTime`).
pub fn parse_date(s: &str) -> Option<i128> {
    let t = s.trim();
    if !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && !t.contains("--")
        && let Ok(secs) = t.parse::<i64>()
    {
        return Some(i128::from(secs) * 1_000_000_000);
    }
    parse_iso8601(t)
}

fn digits(s: &[u8], n: usize) -> Option<u32> {
    if s.len() < n || !s[..n].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v = 0u32;
    for &b in &s[..n] {
        v = v * 10 + u32::from(b - b'0');
    }
    Some(v)
}

fn parse_iso8601(t: &str) -> Option<i128> {
    let b = t.as_bytes();
    let year = i32::try_from(digits(b, 4)?).ok()?;
    if b.get(4) != Some(&b'-') {
        return None;
    }
    let month = u8::try_from(digits(&b[5..], 2)?).ok()?;
    if b.get(7) != Some(&b'-') {
        return None;
    }
    let day = u8::try_from(digits(b.get(8..)?, 2)?).ok()?;
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let mut i = 10;
    let (mut h, mut m, mut sec, mut nanos) = (0u32, 0u32, 0u32, 0u32);
    let mut offset_secs: i64 = 0;
    if i < b.len() {
        if !matches!(b[i], b'T' | b't' | b' ') {
            return None;
        }
        i += 1;
        h = digits(b.get(i..)?, 2)?;
        i += 2;
        if b.get(i) != Some(&b':') {
            return None;
        }
        m = digits(b.get(i + 1..)?, 2)?;
        i += 3;
        if b.get(i) == Some(&b':') {
            sec = digits(b.get(i + 1..)?, 2)?;
            i += 3;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let frac = t.get(start..i)?;
                if frac.is_empty() {
                    return None;
                }
                let mut scaled = String::from(frac);
                scaled.truncate(9);
                while scaled.len() < 9 {
                    scaled.push('0');
                }
                nanos = scaled.parse().ok()?;
            }
        }
        match b.get(i) {
            None => {}
            Some(b'Z' | b'z') if i + 1 == b.len() => {}
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(b.get(i + 1..)?, 2)?;
                let rest = b.get(i + 3..)?;
                let om = match rest {
                    [] => 0,
                    [b':', r @ ..] if r.len() == 2 => digits(r, 2)?,
                    r if r.len() == 2 => digits(r, 2)?,
                    _ => return None,
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                let off = i64::from(oh * 3600 + om * 60);
                offset_secs = if sign == b'+' { off } else { -off };
            }
            _ => return None,
        }
        if h > 23 || m > 59 || sec > 60 {
            return None;
        }
    }
    let days = i64::from(date.to_julian_day()) - 2_440_588; // Julian day of 1970-01-01
    let secs = days * 86_400 + i64::from(h * 3600 + m * 60 + sec) - offset_secs;
    Some(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
}

/// An IPv4 or IPv6 network in CIDR form (a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Reads `203.0.113.0/24`, `2001:db8::/32` or a bare address.
    pub fn parse(s: &str) -> Option<Cidr> {
        let t = s.trim();
        let (a, p) = match t.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (t, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        if prefix > max {
            return None;
        }
        Some(Cidr { addr, prefix })
    }

    /// True when `ip` lies inside this network (same address family only).
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(self.prefix))
                };
                u32::from(net) & mask == u32::from(*ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(self.prefix))
                };
                u128::from(net) & mask == u128::from(*ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("86400"), Some(86_400_000_000_000));
        assert_eq!(
            parse_date("1970-01-01T02:00:00+02:00"),
            parse_date("1970-01-01T00:00:00Z")
        );
        assert_eq!(parse_date("1970-01-01T00:00:00.5Z"), Some(500_000_000));
        assert_eq!(parse_date("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert!(parse_date("2024-01-01T00:00Z") < parse_date("2024-01-01T00:01Z"));
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("203.0.113.0/24").expect("cidr");
        assert!(c.contains(&"203.0.113.7".parse().expect("ip")));
        assert!(!c.contains(&"203.0.114.7".parse().expect("ip")));
        let c6 = Cidr::parse("2001:DB8:1234:5678::/64").expect("cidr");
        assert!(c6.contains(&"2001:db8:1234:5678::1".parse().expect("ip")));
        assert!(!c6.contains(&"203.0.113.7".parse().expect("ip")));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .expect("cidr")
                .contains(&"1.2.3.4".parse().expect("ip"))
        );
        assert!(Cidr::parse("1.2.3.4/33").is_none());
    }

    #[test]
    fn numbers() {
        assert_eq!(Number::parse("10"), Some(Number::Int(10)));
        assert_eq!(
            Number::parse("1.5").and_then(|n| n.compare(Number::Int(1))),
            Some(Ordering::Greater)
        );
        assert_eq!(Number::parse("abc"), None);
        assert_eq!(Number::parse("NaN"), None);
    }
}
