//! The character classes of botocore's `pattern`s, matched as AWS matches
//! them (Java regular expressions without `UNICODE_CHARACTER_CLASS`): `\w`
//! is ASCII `[A-Za-z0-9_]` only, while tag keys and values take any Unicode
//! letter, separator or number (`\p{L}\p{Z}\p{N}`). And the `aws:` prefix
//! AWS reserves for itself.

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

/// `\w` as AWS reads it: an ASCII letter, digit or underscore.
pub fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `[\w<extra>]*`: every character of `value` is [`is_word`] or in `extra`.
pub fn is_words(value: &str, extra: &str) -> bool {
    value.chars().all(|c| is_word(c) || extra.contains(c))
}

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
    use proptest::prelude::*;

    #[test]
    fn word_is_ascii() {
        assert!(is_words("Session_1+=,.@-", "+=,.@-"));
        // Cyrillic а, Greek ο, full-width Ａ, Arabic-Indic ٣, superscript ²:
        // letters and digits to Unicode, not to `\w`.
        for look_alike in [
            "sess\u{0430}",
            "r\u{03BF}le",
            "\u{FF21}",
            "\u{0663}",
            "x\u{00B2}",
        ] {
            assert!(!is_words(look_alike, "+=,.@-"), "{look_alike}");
        }
        assert!(!is_words("a b", "+=,.@-"));
    }

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

    proptest! {
        #[test]
        fn no_non_ascii_character_is_a_word_character(
            prefix in "[A-Za-z0-9_]{0,8}",
            c in any::<char>().prop_filter("non-ASCII", |c| !c.is_ascii()),
            suffix in "[A-Za-z0-9_]{0,8}",
        ) {
            let value = format!("{prefix}{c}{suffix}");
            prop_assert!(!is_words(&value, "+=,.@:/-"));
        }

        #[test]
        fn every_ascii_word_is_a_word(value in "[A-Za-z0-9_+=,.@-]{0,64}") {
            prop_assert!(is_words(&value, "+=,.@-"));
        }
    }
}
