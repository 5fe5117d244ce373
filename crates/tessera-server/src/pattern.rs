//! The character classes of botocore's `pattern`s, matched as AWS matches
//! them: tag keys and values take any Unicode letter, separator or number
//! (`\p{L}\p{Z}\p{N}`). And the `aws:` prefix AWS reserves for itself.

use regex::Regex;
use std::sync::LazyLock;

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`, anchored.
static TAG_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$").expect("a valid constant pattern")
});

/// botocore's pattern of tag keys (`tagKeyType`, STS and IAM alike).
pub const TAG_KEY: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+";
/// botocore's pattern of tag values (`tagValueType`).
pub const TAG_VALUE: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";

/// [`TAG_VALUE`] (and [`TAG_KEY`] for a non-empty `value`).
pub fn is_tag_text(value: &str) -> bool {
    TAG_TEXT.is_match(value)
}

/// Whether `value` begins with `aws:`, in any case: AWS reserves it.
pub fn has_reserved_prefix(value: &str) -> bool {
    value
        .get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("aws:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_text_takes_unicode_letters_separators_and_numbers() {
        for good in [
            "",
            "Team",
            "équipe",
            "チーム",
            "a b",
            "a\u{00A0}b",
            "a\u{3000}b",
            "٣",
            "Ⅻ",
            "_.:/=+-@",
        ] {
            assert!(is_tag_text(good), "{good:?}");
        }
        // Controls are not separators; symbols and marks are not letters.
        for bad in ["a\tb", "a\nb", "a*b", "a,b", "Ⓐ", "e\u{0301}", "a\u{200B}b"] {
            assert!(!is_tag_text(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_reserved_prefix_is_matched_in_any_case() {
        for reserved in ["aws:", "aws:x", "AWS:x", "Aws:x", "aWs:"] {
            assert!(has_reserved_prefix(reserved), "{reserved}");
        }
        for free in ["", "aws", "awsx:", "x:aws:", "aws-x", "éaws:"] {
            assert!(!has_reserved_prefix(free), "{free}");
        }
    }
}
