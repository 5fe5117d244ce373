//! Step 2: the shape of a Response Tessera is willing to verify.
//!
//! XML signature wrapping works by making the element a verifier checked
//! differ from the element an application reads. It needs room: a second
//! assertion, a moved one, a duplicate `ID`, a reference to somewhere else,
//! an `Object` to hide a copy in. This profile leaves none, before any
//! signature is verified:
//! * the root is a `samlp:Response` with an `ID`;
//! * the document holds exactly one `saml:Assertion`, a direct child of the
//!   root, with an `ID`; no `EncryptedAssertion`;
//! * `ID` values are unique in the document, and no element has an `xml:id`;
//! * each `ds:Signature` is a direct child of the Response or of the
//!   Assertion, at most one each, and holds exactly `SignedInfo`,
//!   `SignatureValue` and optionally `KeyInfo` (without `RetrievalMethod`);
//!   no `ds:Object` or `ds:Manifest` anywhere;
//! * its `SignedInfo` uses exclusive canonicalisation, an allowed signature
//!   method, and exactly one `Reference` whose `URI` is `#` + its parent's
//!   `ID`, with only the enveloped-signature and exclusive-canonicalisation
//!   transforms and an allowed digest.

use super::{ASSERTION, DSIG, PROTOCOL, SamlError};
use roxmltree::{Document, Node};
use std::collections::HashSet;

/// The `xml:` namespace.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// Exclusive XML canonicalisation 1.0 (without comments).
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The enveloped-signature transform.
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// The signature methods accepted (RSA PKCS#1 v1.5 and ECDSA, SHA-2).
const SIGNATURE_METHODS: [&str; 6] = [
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
];
/// The digest methods accepted.
const DIGEST_METHODS: [&str; 3] = [
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
];

/// What the profile found: the two elements, and which of them are signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The Response's `ID`.
    pub response_id: String,
    /// The Assertion's `ID`.
    pub assertion_id: String,
    /// Whether the Response carries a signature of itself.
    pub response_signed: bool,
    /// Whether the Assertion carries a signature of itself.
    pub assertion_signed: bool,
}

fn refuse(reason: &str) -> SamlError {
    SamlError::invalid(format!("Invalid SAML response: {reason}"))
}

fn id_of(node: Node<'_, '_>, what: &str) -> Result<String, SamlError> {
    node.attribute("ID")
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .ok_or_else(|| refuse(&format!("the {what} has no ID")))
}

/// Checks the document against the profile above.
pub(crate) fn check(document: &Document<'_>) -> Result<Shape, SamlError> {
    let root = document.root_element();
    if !root.has_tag_name((PROTOCOL, "Response")) {
        return Err(refuse("the root element is not a samlp:Response"));
    }
    let response_id = id_of(root, "Response")?;

    let mut ids = HashSet::new();
    let mut assertions = Vec::new();
    let mut signatures = Vec::new();
    for node in root.descendants().filter(Node::is_element) {
        if let Some(id) = node.attribute("ID")
            && !ids.insert(id)
        {
            return Err(refuse("an ID appears more than once"));
        }
        // libxml2 resolves references to `xml:id` too: no second kind of ID.
        if node.attribute((XML_NS, "id")).is_some() {
            return Err(refuse("xml:id is not allowed"));
        }
        let tag = node.tag_name();
        match (tag.namespace(), tag.name()) {
            (Some(ASSERTION), "Assertion") => assertions.push(node),
            (Some(ASSERTION), "EncryptedAssertion") => {
                return Err(refuse("encrypted assertions are not supported"));
            }
            (Some(DSIG), "Signature") => signatures.push(node),
            (Some(DSIG), "Object" | "Manifest" | "RetrievalMethod") => {
                return Err(refuse(&format!("ds:{} is not allowed", tag.name())));
            }
            _ => {}
        }
    }
    let [assertion] = assertions[..] else {
        return Err(refuse("the response must hold exactly one assertion"));
    };
    if assertion.parent_element() != Some(root) {
        return Err(refuse("the assertion is not a child of the response"));
    }
    let assertion_id = id_of(assertion, "Assertion")?;

    let mut shape = Shape {
        response_id,
        assertion_id,
        response_signed: false,
        assertion_signed: false,
    };
    for signature in signatures {
        let parent = signature.parent_element();
        let (signed, parent_id) = if parent == Some(root) {
            (&mut shape.response_signed, &shape.response_id)
        } else if parent == Some(assertion) {
            (&mut shape.assertion_signed, &shape.assertion_id)
        } else {
            return Err(refuse(
                "a signature is not a child of the response or the assertion",
            ));
        };
        if *signed {
            return Err(refuse("an element carries more than one signature"));
        }
        check_signature(signature, parent_id)?;
        *signed = true;
    }
    if !shape.response_signed && !shape.assertion_signed {
        return Err(refuse("the response is not signed"));
    }
    Ok(shape)
}

fn algorithm<'a>(node: Node<'a, '_>) -> Result<&'a str, SamlError> {
    node.attribute("Algorithm")
        .ok_or_else(|| refuse("an algorithm is missing"))
}

/// The element children of `node`, which must be exactly `names` in order
/// (a name ending in `?` is optional).
fn expect_children<'a, 'input>(
    node: Node<'a, 'input>,
    names: &[&str],
) -> Result<Vec<Option<Node<'a, 'input>>>, SamlError> {
    let mut elements = node.children().filter(Node::is_element).peekable();
    let mut found = Vec::with_capacity(names.len());
    for name in names {
        let (name, optional) = match name.strip_suffix('?') {
            Some(n) => (n, true),
            None => (*name, false),
        };
        match elements.peek() {
            Some(e) if e.has_tag_name((DSIG, name)) => found.push(elements.next()),
            _ if optional => found.push(None),
            _ => return Err(refuse(&format!("ds:{name} is missing or out of place"))),
        }
    }
    if elements.next().is_some() {
        return Err(refuse(&format!(
            "unexpected content in ds:{}",
            node.tag_name().name()
        )));
    }
    Ok(found)
}

fn check_signature(signature: Node<'_, '_>, parent_id: &str) -> Result<(), SamlError> {
    let parts = expect_children(signature, &["SignedInfo", "SignatureValue", "KeyInfo?"])?;
    let signed_info = parts[0].ok_or_else(|| refuse("ds:SignedInfo is missing"))?;
    let info = expect_children(
        signed_info,
        &["CanonicalizationMethod", "SignatureMethod", "Reference"],
    )?;
    let [Some(c14n), Some(method), Some(reference)] = info[..] else {
        return Err(refuse("ds:SignedInfo is incomplete"));
    };
    if algorithm(c14n)? != EXC_C14N {
        return Err(refuse(
            "the canonicalization method is not exclusive canonicalization",
        ));
    }
    if !SIGNATURE_METHODS.contains(&algorithm(method)?) {
        return Err(refuse("the signature method is not allowed"));
    }
    if reference.attribute("URI") != Some(&format!("#{parent_id}")) {
        return Err(refuse(
            "the signature does not reference the element that holds it",
        ));
    }
    let refs = expect_children(reference, &["Transforms?", "DigestMethod", "DigestValue"])?;
    if let Some(transforms) = refs[0] {
        let mut any = false;
        for transform in transforms.children().filter(Node::is_element) {
            if !transform.has_tag_name((DSIG, "Transform")) {
                return Err(refuse("unexpected content in ds:Transforms"));
            }
            match algorithm(transform)? {
                ENVELOPED if transform.children().all(|c| !c.is_element()) => {}
                EXC_C14N
                    if transform.children().all(|c| {
                        !c.is_element() || c.has_tag_name((EXC_C14N, "InclusiveNamespaces"))
                    }) => {}
                _ => return Err(refuse("a transform is not allowed")),
            }
            any = true;
        }
        if !any {
            return Err(refuse("ds:Transforms is empty"));
        }
    }
    let digest = refs[1].ok_or_else(|| refuse("ds:DigestMethod is missing"))?;
    if !DIGEST_METHODS.contains(&algorithm(digest)?) {
        return Err(refuse("the digest method is not allowed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::parse_xml;

    const SIGNATURE: &str = r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#REF"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>"##;

    fn signature(reference: &str) -> String {
        SIGNATURE.replace("REF", reference)
    }

    fn response(inner: &str) -> String {
        format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1">{inner}</samlp:Response>"#
        )
    }

    fn check_text(xml: &str) -> Result<Shape, SamlError> {
        check(&parse_xml(xml).expect("well-formed"))
    }

    #[test]
    fn accepts_a_signed_assertion_a_signed_response_or_both() {
        let assertion_signed = response(&format!(
            r#"<saml:Assertion ID="a1">{}</saml:Assertion>"#,
            signature("a1")
        ));
        let shape = check_text(&assertion_signed).expect("valid");
        assert!(shape.assertion_signed && !shape.response_signed);
        let both = response(&format!(
            r#"{}<saml:Assertion ID="a1">{}</saml:Assertion>"#,
            signature("r1"),
            signature("a1")
        ));
        let shape = check_text(&both).expect("valid");
        assert!(shape.assertion_signed && shape.response_signed);
        assert_eq!(
            (shape.response_id.as_str(), shape.assertion_id.as_str()),
            ("r1", "a1")
        );
    }

    #[test]
    fn refuses_every_shape_that_leaves_room_for_wrapping() {
        let signed_assertion = format!(
            r#"<saml:Assertion ID="a1">{}</saml:Assertion>"#,
            signature("a1")
        );
        let cases = [
            // unsigned
            response(r#"<saml:Assertion ID="a1"/>"#),
            // two assertions
            response(&format!(r#"<saml:Assertion ID="evil"/>{signed_assertion}"#)),
            // the signed assertion moved into Extensions
            response(&format!(
                r#"<samlp:Extensions>{signed_assertion}</samlp:Extensions><saml:Assertion ID="evil"/>"#
            )),
            // a duplicate ID
            response(&format!(r#"<saml:Assertion ID="a1"><x ID="a1"/>{}</saml:Assertion>"#, signature("a1"))),
            // an xml:id naming the signed assertion
            response(&format!(r#"<x xml:id="a1"/>{signed_assertion}"#)),
            // a reference to another element
            response(&format!(r#"<saml:Assertion ID="a1">{}</saml:Assertion>"#, signature("r1"))),
            // a second reference in SignedInfo
            response(&format!(
                r#"<saml:Assertion ID="a1">{}</saml:Assertion>"#,
                signature("a1").replace(
                    "</ds:SignedInfo>",
                    "<ds:Reference URI=\"#r1\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference></ds:SignedInfo>"
                )
            )),
            // a signature that is not a child of what it signs
            response(&format!(r#"<saml:Assertion ID="a1"><x>{}</x></saml:Assertion>"#, signature("a1"))),
            // a ds:Object hiding a copy
            response(&format!(
                r#"<saml:Assertion ID="a1">{}</saml:Assertion>"#,
                signature("a1").replace(
                    "</ds:Signature>",
                    "<ds:Object><saml:Assertion ID=\"a2\"/></ds:Object></ds:Signature>"
                )
            )),
            // inclusive canonicalization
            response(&format!(
                r#"<saml:Assertion ID="a1">{}</saml:Assertion>"#,
                signature("a1").replace(
                    r#"CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#""#,
                    r#"CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315""#
                )
            )),
            // SHA-1
            response(&format!(
                r#"<saml:Assertion ID="a1">{}</saml:Assertion>"#,
                signature("a1").replace("xmldsig-more#rsa-sha256", "xmldsig#rsa-sha1")
            )),
            // an XPath transform
            response(&format!(
                r#"<saml:Assertion ID="a1">{}</saml:Assertion>"#,
                signature("a1").replace(
                    "xmldsig#enveloped-signature\"/>",
                    "xmldsig#enveloped-signature\"><ds:XPath>1</ds:XPath></ds:Transform>"
                )
            )),
            // encrypted
            response(r#"<saml:EncryptedAssertion/>"#),
            // not a Response
            format!(r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a1">{}</saml:Assertion>"#, signature("a1")),
        ];
        for case in cases {
            assert!(
                matches!(check_text(&case), Err(SamlError::Invalid(_))),
                "accepted: {case}"
            );
        }
    }
}
