//! SAML 2.0 identity-provider metadata: what a SAML provider's metadata
//! document (IAM `CreateSAMLProvider`) tells Tessera about the IdP.

use super::{DSIG, METADATA, children, parse_xml};
use base64::{Engine, engine::general_purpose::STANDARD};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// An identity provider, as its metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    /// The `entityID` of the `EntityDescriptor`: the IdP's `Issuer`.
    pub entity_id: String,
    /// The DER certificates of the IdP's signing keys (a `KeyDescriptor`
    /// under `IDPSSODescriptor` with no `use`, or `use="signing"`).
    pub signing_certificates: Vec<Vec<u8>>,
    /// The metadata's `validUntil` (Unix seconds), if it has one.
    pub valid_until: Option<i64>,
}

/// Why a metadata document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SAML metadata: {0}")]
pub struct MetadataError(pub String);

impl IdpMetadata {
    /// Reads a metadata document whose root is an `EntityDescriptor` holding
    /// an `IDPSSODescriptor` with at least one signing certificate.
    pub fn parse(document: &str) -> Result<Self, MetadataError> {
        let error = |m: &str| MetadataError(m.to_string());
        let doc = parse_xml(document).map_err(|e| MetadataError(e.to_string()))?;
        let root = doc.root_element();
        if !root.has_tag_name((METADATA, "EntityDescriptor")) {
            return Err(error("the root element is not an md:EntityDescriptor"));
        }
        let entity_id = root
            .attribute("entityID")
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| error("the EntityDescriptor has no entityID"))?
            .to_string();
        let valid_until = root
            .attribute("validUntil")
            .map(|v| {
                OffsetDateTime::parse(v.trim(), &Rfc3339)
                    .map(OffsetDateTime::unix_timestamp)
                    .map_err(|_| error("validUntil is not an xs:dateTime"))
            })
            .transpose()?;
        let mut signing_certificates = Vec::new();
        for descriptor in children(root, METADATA, "IDPSSODescriptor") {
            for key in children(descriptor, METADATA, "KeyDescriptor") {
                if key.attribute("use").is_some_and(|u| u.trim() != "signing") {
                    continue;
                }
                for cert in key
                    .descendants()
                    .filter(|n| n.has_tag_name((DSIG, "X509Certificate")))
                {
                    let text: String = cert
                        .text()
                        .unwrap_or_default()
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    let der = STANDARD
                        .decode(text.as_bytes())
                        .map_err(|_| error("an X509Certificate is not base64"))?;
                    if der.is_empty() {
                        return Err(error("an X509Certificate is empty"));
                    }
                    signing_certificates.push(der);
                }
            }
        }
        if signing_certificates.is_empty() {
            return Err(error(
                "no IDPSSODescriptor signing KeyDescriptor with an X509Certificate",
            ));
        }
        Ok(Self {
            entity_id,
            signing_certificates,
            valid_until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(key_use: Option<&str>, cert: &str) -> String {
        let key_use = key_use.map(|u| format!(" use=\"{u}\"")).unwrap_or_default();
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml" validUntil="2030-01-01T00:00:00Z">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor{key_use}><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
      <ds:X509Certificate>{cert}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#
        )
    }

    #[test]
    fn reads_entity_id_certificates_and_valid_until() {
        let parsed = IdpMetadata::parse(&metadata(Some("signing"), "AQID\n BAU=")).expect("valid");
        assert_eq!(parsed.entity_id, "https://idp.example.com/saml");
        assert_eq!(parsed.signing_certificates, vec![vec![1, 2, 3, 4, 5]]);
        assert_eq!(parsed.valid_until, Some(1_893_456_000));
        assert!(IdpMetadata::parse(&metadata(None, "AQID")).is_ok());
    }

    #[test]
    fn refuses_metadata_without_a_usable_signing_certificate() {
        for bad in [
            metadata(Some("encryption"), "AQID"),
            metadata(Some("signing"), "not base64!"),
            metadata(Some("signing"), ""),
            "<EntityDescriptor entityID=\"x\"/>".to_string(),
            "not xml".to_string(),
            "<!DOCTYPE x [<!ENTITY a \"b\">]><x/>".to_string(),
        ] {
            assert!(IdpMetadata::parse(&bad).is_err(), "{bad}");
        }
    }
}
