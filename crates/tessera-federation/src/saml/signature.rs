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

/// Verifies every signature in `xml` with one of `certificates` (DER) and
/// returns the canonical XML of the signed element.
pub(super) fn verify(xml: &str, certificates: &[Vec<u8>]) -> Result<String, SamlError> {
    let keys: Vec<CertificateDer> = certificates
        .iter()
        .map(|der| CertificateDer::from(der.clone()))
        .collect();
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
