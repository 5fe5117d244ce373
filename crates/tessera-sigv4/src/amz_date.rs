use time::{
    OffsetDateTime, PrimitiveDateTime, format_description::FormatItem, macros::format_description,
};

const AMZ_DATE: &[FormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// Parses an `X-Amz-Date` value (`YYYYMMDDTHHMMSSZ`, always UTC).
pub fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    if text.len() != 16 {
        return None;
    }
    PrimitiveDateTime::parse(text, AMZ_DATE)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Formats a time as an `X-Amz-Date` value.
pub fn format_amz_date(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.format(AMZ_DATE).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trip() {
        let at = datetime!(2015-08-30 12:36:00 UTC);
        assert_eq!(format_amz_date(at), "20150830T123600Z");
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(at));
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "20150830T123600",
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "20150830T123600Z0",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }
}
