//! SAML 2.0 for `AssumeRoleWithSAML`: an IdP's metadata, and the signed
//! Response a user's browser carried from it.
//!
//! A Response is accepted in four steps, each over the output of the one
//! before:
//! 1. [`decode`]: base64, UTF-8, and well-formed XML without a DTD.
//! 2. [`profile`]: the shape a signed Response must have before any
//!    signature is looked at: one Assertion, a direct child of the Response;
//!    each `ds:Signature` a direct child of the element it signs, with one
//!    same-document reference to that element and only the algorithms and
//!    transforms allowed here. Anything else, including every known form of
//!    signature wrapping, is refused here.
//! 3. [`signature`]: the signatures, verified by libxmlsec1 (through
//!    `samael`) against the metadata's certificates only, yielding the exact
//!    bytes the signature covers.
//! 4. [`assertion`]: every value is read from those signed bytes alone, and
//!    checked against the expected audience, recipient, issuer and clock.

pub mod assertion;
mod decode;
mod error;
pub mod metadata;
mod profile;
mod signature;

pub use assertion::{Expectations, SamlAssertion};
pub use error::SamlError;
pub use metadata::{IdpMetadata, MetadataError};

/// The SAML 2.0 protocol namespace (`samlp`).
pub const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// The SAML 2.0 assertion namespace (`saml`).
pub const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The SAML 2.0 metadata namespace (`md`).
pub const METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// The XML-DSig namespace (`ds`).
pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The audience and recipient AWS expects, and Tessera by default.
pub const DEFAULT_AUDIENCE: &str = "https://signin.aws.amazon.com/saml";
/// The largest `SAMLAssertion` AWS accepts, in characters.
pub const MAX_ASSERTION_LEN: usize = 100_000;

/// Parses XML as Tessera reads every untrusted document: no DTD (so no
/// entity expansion), at most `MAX_NODES` nodes.
pub(crate) fn parse_xml(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    const MAX_NODES: u32 = 100_000;
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: MAX_NODES,
            ..roxmltree::ParsingOptions::default()
        },
    )
}

/// The element children of `node` named `{ns}name`.
pub(crate) fn children<'a, 'input: 'a>(
    node: roxmltree::Node<'a, 'input>,
    ns: &'a str,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> + 'a {
    node.children().filter(move |n| n.has_tag_name((ns, name)))
}

/// Verifies a base64 SAML Response (the `SAMLAssertion` parameter) signed by
/// the IdP that `idp` describes, and returns its assertion's values, read
/// only from what the signature covers.
pub fn verify_response(
    response_base64: &str,
    idp: &IdpMetadata,
    expect: &Expectations<'_>,
) -> Result<SamlAssertion, SamlError> {
    let xml = decode::decode(response_base64)?;
    let document =
        parse_xml(&xml).map_err(|e| SamlError::invalid(format!("Invalid SAML response: {e}")))?;
    let shape = profile::check(&document)?;
    let signed = signature::verify(&xml, &idp.signing_certificates)?;
    assertion::read(&document, &shape, &signed, idp, expect)
}

/// Fuzzing only: steps 1, 2 and 4 over a Response as if it were its own
/// signed content, so that the reader is reached without a valid signature.
/// Not compiled into any other build.
#[cfg(fuzzing)]
pub fn read_without_signature(
    response_base64: &str,
    idp: &IdpMetadata,
    expect: &Expectations<'_>,
) -> Result<SamlAssertion, SamlError> {
    let xml = decode::decode(response_base64)?;
    let document = parse_xml(&xml).map_err(|e| SamlError::invalid(e.to_string()))?;
    let shape = profile::check(&document)?;
    assertion::read(&document, &shape, &xml, idp, expect)
}
