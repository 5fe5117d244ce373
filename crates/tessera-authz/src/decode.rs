//! Strict percent-decoding and the small ARN splitter the profiles share.

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

/// The fields of an ARN: partition, service, region, account, resource.
pub(crate) struct ArnParts<'a> {
    pub(crate) partition: &'a str,
    pub(crate) service: &'a str,
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
    pub(crate) resource: &'a str,
}

/// Splits `arn:partition:service:region:account:resource`.
pub(crate) fn split_arn(arn: &str) -> Option<ArnParts<'_>> {
    let mut fields = arn.splitn(6, ':');
    if fields.next()? != "arn" {
        return None;
    }
    Some(ArnParts {
        partition: fields.next()?,
        service: fields.next()?,
        region: fields.next()?,
        account: fields.next()?,
        resource: fields.next()?,
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
        let parts = split_arn("arn:aws:s3:::bucket/a:b").expect("arn");
        assert_eq!(
            (
                parts.partition,
                parts.service,
                parts.region,
                parts.account,
                parts.resource
            ),
            ("aws", "s3", "", "", "bucket/a:b")
        );
        assert!(split_arn("arn:aws:s3").is_none());
        assert!(split_arn("nra:aws:s3:::b").is_none());
    }
}
