//! Strict percent-decoding and the name checks the profiles share.

use percent_encoding::percent_decode_str;

/// Percent-decodes `raw` (`+` stays `+`), or `None` when an escape is
/// malformed or the bytes are not UTF-8.
pub(crate) fn decode(raw: &str) -> Option<String> {
    if !escapes_well_formed(raw) {
        return None;
    }
    percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|text| text.into_owned())
}

/// Whether every `%` in `raw` starts a two-hex-digit escape.
pub(crate) fn escapes_well_formed(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    })
}

/// Whether `text` is a region or partition name: `[a-z0-9-]+`.
pub(crate) fn is_region_like(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_arn::Arn;

    #[test]
    fn decodes_strictly() {
        assert_eq!(decode("a%20b+c").as_deref(), Some("a b+c"));
        assert_eq!(decode("%E2%9C%93").as_deref(), Some("\u{2713}"));
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("a%2"), None);
        assert_eq!(decode("%FF"), None);
    }

    #[test]
    fn splits_arns() {
        let parts: Arn = "arn:aws:s3:::bucket/a:b".parse().expect("arn");
        assert_eq!(
            (
                parts.partition(),
                parts.service(),
                parts.region(),
                parts.account(),
                parts.resource()
            ),
            ("aws", "s3", "", "", "bucket/a:b")
        );
        assert!("arn:aws:s3".parse::<Arn>().is_err());
        assert!("nra:aws:s3:::b".parse::<Arn>().is_err());
    }
}
