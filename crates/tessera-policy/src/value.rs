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

/// Reads a date as nanoseconds since the Unix epoch, as IAM reads it when a
/// policy is written.
///
/// Accepts integer epoch seconds (`aws:EpochTime`) and the ISO 8601 forms
/// IAM reads when a policy is written: a date (`2024-01-31`, `2024-031`,
/// `2024-W05-3`, or a year alone) optionally followed by `T`, a time of one-
/// or two-digit fields (`T2:00`, `T12:00:00.593194`, up to nine fraction
/// digits) and an offset (`Z`, `+02`, `+02:00`, `+0200`), or `T` and a time
/// alone (on 1970-01-01). `T` and `Z` may be lower-case. Anything else —
/// a month of 13, a one-digit offset, ten fraction digits, an epoch beyond
/// 64 bits — is no date.
pub fn parse_iam_date(s: &str) -> Option<i128> {
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

/// Reads a date for evaluation: what [`parse_iam_date`] reads, and the
/// fixed-width forms an older reading also took (`2024-01-31 12:00:00Z`),
/// so that a stored policy keeps its meaning.
pub fn parse_date(s: &str) -> Option<i128> {
    parse_iam_date(s).or_else(|| parse_fixed_iso8601(s.trim()))
}

/// The fixed-width ISO 8601 reading Tessera used before it read dates as
/// IAM does: four-digit years, two-digit fields, a space allowed for `T`.
/// Stored policies and context values written in it keep their meaning.
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

fn parse_fixed_iso8601(t: &str) -> Option<i128> {
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

/// The earliest and latest years IAM's date reader takes.
const YEARS: std::ops::RangeInclusive<i64> = -292_275_054..=292_278_993;

/// A cursor over the bytes of a date.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Consumes `c` (letters in either case).
    fn eat(&mut self, c: u8) -> bool {
        match self.peek() {
            Some(x) if x.eq_ignore_ascii_case(&c) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }

    /// Reads 1 to `max` digits.
    fn number(&mut self, max: usize) -> Option<i64> {
        let start = self.i;
        let mut v: i64 = 0;
        while self.i - start < max
            && let Some(d @ b'0'..=b'9') = self.peek()
        {
            v = v * 10 + i64::from(d - b'0');
            self.i += 1;
        }
        (self.i > start).then_some(v)
    }

    /// Reads exactly `n` digits.
    fn fixed(&mut self, n: usize) -> Option<i64> {
        let start = self.i;
        let v = self.number(n)?;
        (self.i - start == n).then_some(v)
    }

    /// Reads a signed year of 1 to 9 digits.
    fn year(&mut self) -> Option<i64> {
        let negative = self.eat(b'-') || {
            self.eat(b'+');
            false
        };
        let y = self.number(9)?;
        Some(if negative { -y } else { y })
    }

    /// Reads `.` or `,` and 1 to 9 digits as nanoseconds of one unit.
    fn fraction(&mut self) -> Option<Option<i128>> {
        if !(self.eat(b'.') || self.eat(b',')) {
            return Some(None);
        }
        let start = self.i;
        let digits = self.number(9)?;
        let n = self.i - start;
        let scale = 10i128.pow(u32::try_from(9 - n).ok()?);
        Some(Some(i128::from(digits) * scale))
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_days(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One way of reading the date part: the day it names and where it ends.
fn calendar_date(c: Cursor<'_>) -> Option<(Option<i64>, usize)> {
    let mut c = c;
    let y = c.year()?;
    let (mut m, mut d) = (1, 1);
    let mut month = c;
    if month.eat(b'-')
        && let Some(mm) = month.number(2)
    {
        m = mm;
        c = month;
        let mut day = c;
        if day.eat(b'-')
            && let Some(dd) = day.number(2)
        {
            d = dd;
            c = day;
        }
    }
    let valid = YEARS.contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= month_days(y, m);
    Some((valid.then(|| days_from_civil(y, m, d)), c.i))
}

fn ordinal_date(c: Cursor<'_>) -> Option<(Option<i64>, usize)> {
    let mut c = c;
    let y = c.year()?;
    if !c.eat(b'-') {
        return None;
    }
    let n = c.number(3)?;
    let max = if is_leap(y) { 366 } else { 365 };
    let valid = YEARS.contains(&y) && (1..=max).contains(&n);
    Some((valid.then(|| days_from_civil(y, 1, 1) + n - 1), c.i))
}

fn week_date(c: Cursor<'_>) -> Option<(Option<i64>, usize)> {
    let mut c = c;
    let y = c.year()?;
    if !(c.eat(b'-') && c.eat(b'W')) {
        return None;
    }
    let w = c.number(2)?;
    let mut e = 1;
    let mut probe = c;
    if probe.eat(b'-')
        && let Some(day) = probe.fixed(1)
    {
        e = day;
        c = probe;
    }
    let valid = YEARS.contains(&y) && (1..=53).contains(&w) && (1..=7).contains(&e);
    let jan4 = days_from_civil(y, 1, 4);
    let weekday = (jan4 + 3).rem_euclid(7) + 1; // Monday = 1
    let days = jan4 - (weekday - 1) + (w - 1) * 7 + (e - 1);
    Some((valid.then_some(days), c.i))
}

/// A time of day after `T`, in nanoseconds.
fn time_of_day(c: &mut Cursor<'_>) -> Option<i128> {
    const NS: i128 = 1_000_000_000;
    let h = c.number(2)?;
    if h > 23 {
        return None;
    }
    let mut nanos = i128::from(h) * 3600 * NS;
    if c.eat(b':') {
        let m = c.number(2)?;
        if m > 59 {
            return None;
        }
        nanos += i128::from(m) * 60 * NS;
        if c.eat(b':') {
            let s = c.number(2)?;
            if s > 59 {
                return None;
            }
            nanos += i128::from(s) * NS + c.fraction()?.unwrap_or(0);
        } else if let Some(f) = c.fraction()? {
            nanos += f * 60;
        }
    } else if let Some(f) = c.fraction()? {
        nanos += f * 3600;
    }
    Some(nanos)
}

/// `Z` or `±HH[[:]mm]`, in seconds east of UTC.
fn offset(c: &mut Cursor<'_>) -> Option<i64> {
    if c.eat(b'Z') {
        return Some(0);
    }
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return None,
    };
    c.i += 1;
    let h = c.fixed(2)?;
    let mut m = 0;
    let mut probe = *c;
    probe.eat(b':');
    if let Some(mm) = probe.fixed(2) {
        m = mm;
        *c = probe;
    }
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn parse_iso8601(t: &str) -> Option<i128> {
    let start = Cursor {
        b: t.as_bytes(),
        i: 0,
    };
    let (days, end) = if start.peek().is_some_and(|b| b.eq_ignore_ascii_case(&b'T')) {
        (0, 0)
    } else {
        // The reading that goes furthest wins (the first of equals), as
        // IAM's reader does; only then are its fields checked, so
        // `234-13` is month 13, not day 13.
        let mut best: Option<(Option<i64>, usize)> = None;
        for reading in [calendar_date(start), ordinal_date(start), week_date(start)]
            .into_iter()
            .flatten()
        {
            if best.is_none_or(|(_, end)| reading.1 > end) {
                best = Some(reading);
            }
        }
        let (days, end) = best?;
        (days?, end)
    };
    let mut c = Cursor { b: start.b, i: end };
    let mut nanos: i128 = 0;
    let mut offset_secs = 0;
    if c.eat(b'T') {
        if c.peek().is_some_and(|b| b.is_ascii_digit()) {
            nanos = time_of_day(&mut c)?;
        }
        if c.peek().is_some() {
            offset_secs = offset(&mut c)?;
        }
    }
    if c.peek().is_some() {
        return None;
    }
    Some((i128::from(days) * 86_400 - i128::from(offset_secs)) * 1_000_000_000 + nanos)
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
        assert_eq!(parse_date("2024-02-29"), parse_date("2024-060"));
        assert_eq!(parse_date("2024-W01-1"), parse_date("2024-01-01"));
        assert_eq!(parse_date("2021-W01"), parse_date("2021-01-04"));
        assert_eq!(parse_date("01T"), parse_date("0001-01-01"));
        assert_eq!(
            parse_date("2016-12-13t2:00:00.5+23"),
            Some(
                parse_date("2016-12-13T02:00:00Z").unwrap_or_default() - 23 * 3_600_000_000_000
                    + 500_000_000
            )
        );
        assert_eq!(parse_date("1970-01-01T01:30+0130"), Some(0));
        assert_eq!(parse_date("1970-01-01T00.5Z"), Some(1_800_000_000_000));
        assert!(parse_date("-292275054").is_some());
        for bad in [
            "234-13",
            "2016-12-13t2:00:00.593194+1",
            "2016-12-13t2:00:00.1999999999+10:59",
            "9223372036854775808",
            "sdfdsf",
            "2024-01-01T24:00",
            "2024-01-01T00:00:60",
        ] {
            assert_eq!(parse_iam_date(bad), None, "{bad}");
        }
        // Written policies are read as IAM reads them; stored ones also in
        // the fixed-width form with a space.
        assert_eq!(parse_iam_date("2024-01-01 00:00:00Z"), None);
        assert_eq!(
            parse_date("2024-01-01 00:00:00Z"),
            parse_date("2024-01-01T00:00:00Z")
        );
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
