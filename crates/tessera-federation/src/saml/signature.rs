//! Step 3: the signatures, verified by libxmlsec1 through `samael`.
//!
//! Only the metadata's certificates are keys: a certificate the Response
//! carries in `KeyInfo` is never used. Every signature in the document must
//! verify. The result is the pre-digest content of the signed element, the
//! exact canonical bytes the digest covers (the Response's, when both the
//! Response and its Assertion are signed), and nothing else.

use super::SamlError;
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, CryptoProvider, ReduceMode, XmlSec,
};

/// The algorithms `profile` admits, as `samael` names them.
const ALLOWED: [AllowedSignatureAlgorithm; 6] = [
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// A document that takes `samael` as far as libxmlsec1's initialisation
/// (a signature with allowed algorithms), and no further: its key is not
/// a certificate.
const INITIALISE: &str = concat!(
    r#"<r xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:Signature><ds:SignedInfo>"#,
    r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
    r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#,
    r#"<ds:Reference URI=""><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
    r#"<ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo>"#,
    r#"<ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature></r>"#,
);

/// Once per process: libxmlsec1's reports of what it refuses become log
/// events instead of lines on stderr. `samael` initialises libxmlsec1 on
/// first use, and that initialisation replaces the error callback; so the
/// default output goes off first, `samael` initialises, and the callback
/// is set after it.
fn route_xmlsec_errors() {
    static ROUTED: std::sync::Once = std::sync::Once::new();
    ROUTED.call_once(|| {
        tessera_xmlsec_errors::install();
        let not_a_certificate = [CertificateDer::from(vec![0u8])];
        let initialised = XmlSec::reduce_xml_to_signed_with_allowed_algorithms(
            INITIALISE,
            &not_a_certificate,
            ReduceMode::PreDigest,
            Some(&ALLOWED),
        );
        debug_assert!(initialised.is_err());
        tessera_xmlsec_errors::install();
    });
}

/// Verifies every signature in `xml` with one of `certificates` (DER) and
/// returns the canonical XML of the signed element.
pub(super) fn verify(xml: &str, certificates: &[Vec<u8>]) -> Result<String, SamlError> {
    let keys: Vec<CertificateDer> = certificates
        .iter()
        .map(|der| CertificateDer::from(der.clone()))
        .collect();
    route_xmlsec_errors();
    XmlSec::reduce_xml_to_signed_with_allowed_algorithms(
        xml,
        &keys,
        ReduceMode::PreDigest,
        Some(&ALLOWED),
    )
    .map_err(|error| {
        tracing::debug!(%error, "SAML signature verification failed");
        SamlError::invalid("Response signature invalid")
    })
}
