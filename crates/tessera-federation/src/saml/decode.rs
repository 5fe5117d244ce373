//! Step 1: from the `SAMLAssertion` parameter to XML text.

use super::{MAX_ASSERTION_LEN, SamlError};
use base64::{Engine, engine::general_purpose::STANDARD};

/// Decodes base64 (line breaks and spaces allowed, as IdPs wrap it) into
/// UTF-8 text.
pub(super) fn decode(response_base64: &str) -> Result<String, SamlError> {
    if response_base64.len() > MAX_ASSERTION_LEN {
        return Err(SamlError::invalid("The SAML response is too large"));
    }
    let compact: String = response_base64
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = STANDARD.decode(compact.as_bytes()).map_err(|_| {
        SamlError::invalid("Invalid base64 SAMLResponse (check that you have properly encoded it)")
    })?;
    String::from_utf8(bytes).map_err(|_| SamlError::invalid("The SAML response is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_wrapped_base64_and_refuses_the_rest() {
        assert_eq!(decode("PHgv\nPg==").expect("valid"), "<x/>");
        assert!(decode("<x/>").is_err());
        assert!(decode(&STANDARD.encode([0xff, 0xfe])).is_err());
        assert!(decode(&"A".repeat(MAX_ASSERTION_LEN + 4)).is_err());
    }
}
