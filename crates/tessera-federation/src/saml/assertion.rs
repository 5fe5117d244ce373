//! Step 4: the assertion's values, read from the signed bytes alone.

use super::{ASSERTION, IdpMetadata, PROTOCOL, SamlError, children, parse_xml, profile::Shape};
use roxmltree::{Document, Node};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// The clock skew tolerated on `NotBefore` and `NotOnOrAfter`, in seconds.
pub const LEEWAY: i64 = 60;
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/// What a verified assertion must match.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    /// The service provider's accepted audiences. Each `AudienceRestriction`
    /// must name one of them, and the bearer confirmation's `Recipient` and
    /// the Response's `Destination` (if any) must be one of them.
    pub audiences: &'a [String],
    /// The time now (Unix seconds).
    pub now: i64,
}

impl Expectations<'_> {
    fn accepts(&self, value: &str) -> bool {
        self.audiences.iter().any(|a| a == value)
    }
}

/// An `Attribute` of the assertion's `AttributeStatement`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlAttribute {
    /// Its `Name`.
    pub name: String,
    /// Its `AttributeValue`s, in order.
    pub values: Vec<String>,
}

/// A verified assertion's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlAssertion {
    /// The assertion's `Issuer` (the IdP's entity id).
    pub issuer: String,
    /// The `NameID` of the `Subject`.
    pub subject: String,
    /// The `NameID`'s `Format`.
    pub subject_format: String,
    /// The bearer confirmation's `Recipient`.
    pub recipient: String,
    /// The `Audience` values of the conditions.
    pub audiences: Vec<String>,
    /// The earliest `NotOnOrAfter` of the conditions and the confirmation.
    pub not_on_or_after: i64,
    /// The `AuthnStatement`'s `SessionNotOnOrAfter`, if any.
    pub session_not_on_or_after: Option<i64>,
    /// The attributes, merged by name in document order.
    pub attributes: Vec<SamlAttribute>,
}

impl SamlAssertion {
    /// The values of the attribute named `name`, if the assertion has it.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.as_slice())
    }

    /// The subject type AWS reports: `persistent` or `transient` for those
    /// name-id formats, the format itself otherwise.
    pub fn subject_type(&self) -> &str {
        match self.subject_format.as_str() {
            "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" => "persistent",
            "urn:oasis:names:tc:SAML:2.0:nameid-format:transient" => "transient",
            other => other,
        }
    }
}

fn invalid(reason: impl std::fmt::Display) -> SamlError {
    SamlError::invalid(format!("Invalid SAML response: {reason}"))
}

/// The text content of an element that must hold text only, trimmed.
fn text(node: Node<'_, '_>) -> Result<String, SamlError> {
    let mut out = String::new();
    for child in node.children() {
        if child.is_element() {
            return Err(invalid(format!(
                "{} must hold text only",
                node.tag_name().name()
            )));
        }
        if let Some(t) = child.text() {
            out.push_str(t);
        }
    }
    Ok(out.trim().to_string())
}

fn one<'a, 'input>(
    node: Node<'a, 'input>,
    ns: &'a str,
    name: &'a str,
) -> Result<Node<'a, 'input>, SamlError> {
    let mut found = children(node, ns, name);
    match (found.next(), found.next()) {
        (Some(n), None) => Ok(n),
        _ => Err(invalid(format!(
            "{} must hold exactly one {name}",
            node.tag_name().name()
        ))),
    }
}

fn instant(node: Node<'_, '_>, attribute: &str) -> Result<Option<i64>, SamlError> {
    node.attribute(attribute)
        .map(|v| {
            OffsetDateTime::parse(v.trim(), &Rfc3339)
                .map(OffsetDateTime::unix_timestamp)
                .map_err(|_| invalid(format!("{attribute} is not an xs:dateTime")))
        })
        .transpose()
}

/// Checks a validity window against the clock.
fn check_window(
    not_before: Option<i64>,
    not_on_or_after: Option<i64>,
    now: i64,
) -> Result<(), SamlError> {
    if not_before.is_some_and(|t| now + LEEWAY < t) {
        return Err(invalid("the assertion is not yet valid"));
    }
    if not_on_or_after.is_some_and(|t| now - LEEWAY >= t) {
        return Err(SamlError::Expired(
            "Token is expired: the SAML assertion is past its NotOnOrAfter".into(),
        ));
    }
    Ok(())
}

/// Reads and checks the assertion. `document` is the whole Response as
/// received, consulted only for what can reject it (the status and
/// destination of an unsigned Response); everything else comes from
/// `signed`, the canonical XML of the signed element.
pub(crate) fn read(
    document: &Document<'_>,
    shape: &Shape,
    signed: &str,
    idp: &IdpMetadata,
    expect: &Expectations<'_>,
) -> Result<SamlAssertion, SamlError> {
    let signed_doc =
        parse_xml(signed).map_err(|_| SamlError::invalid("Response signature invalid"))?;
    let (response, assertion) = signed_parts(document, signed_doc.root_element(), shape)?;
    check_response(response, expect)?;
    let issuer = issuer_of(assertion, idp)?;
    let subject = confirmed_subject(assertion, expect)?;
    let (conditions_end, audiences) = conditions_of(assertion, expect)?;
    Ok(SamlAssertion {
        issuer,
        subject: subject.name,
        subject_format: subject.format,
        recipient: subject.recipient,
        audiences,
        not_on_or_after: conditions_end.map_or(subject.end, |c| c.min(subject.end)),
        session_not_on_or_after: session_end(assertion)?,
        attributes: attributes_of(assertion)?,
    })
}

/// The Response and the Assertion, each taken from the signed bytes where
/// the signature covers it (the whole response, or the assertion alone).
fn signed_parts<'a>(
    document: &'a Document<'_>,
    signed_root: Node<'a, 'a>,
    shape: &Shape,
) -> Result<(Node<'a, 'a>, Node<'a, 'a>), SamlError> {
    let is = |node: Node<'_, '_>, ns: &str, name: &str, id: &str| {
        node.has_tag_name((ns, name)) && node.attribute("ID") == Some(id)
    };
    if shape.response_signed {
        if !is(signed_root, PROTOCOL, "Response", &shape.response_id) {
            return Err(invalid("the signed element is not the response"));
        }
        let assertion = one(signed_root, ASSERTION, "Assertion")?;
        if !is(assertion, ASSERTION, "Assertion", &shape.assertion_id) {
            return Err(invalid("the signed response holds another assertion"));
        }
        Ok((signed_root, assertion))
    } else {
        if !is(signed_root, ASSERTION, "Assertion", &shape.assertion_id) {
            return Err(invalid("the signed element is not the assertion"));
        }
        Ok((document.root_element(), signed_root))
    }
}

/// The Response: successful, and for this service provider.
fn check_response(response: Node<'_, '_>, expect: &Expectations<'_>) -> Result<(), SamlError> {
    let status = one(one(response, PROTOCOL, "Status")?, PROTOCOL, "StatusCode")?;
    if status.attribute("Value") != Some(SUCCESS) {
        return Err(invalid("the identity provider did not report success"));
    }
    if response
        .attribute("Destination")
        .is_some_and(|d| !expect.accepts(d))
    {
        return Err(invalid("the response's Destination is not this service"));
    }
    Ok(())
}

/// The Assertion's Issuer, which must be the provider's IdP.
fn issuer_of(assertion: Node<'_, '_>, idp: &IdpMetadata) -> Result<String, SamlError> {
    let issuer = text(one(assertion, ASSERTION, "Issuer")?)?;
    if issuer != idp.entity_id {
        return Err(invalid(
            "the assertion's Issuer is not the provider's entity ID",
        ));
    }
    Ok(issuer)
}

/// The subject, confirmed (bearer) for this recipient and now.
struct ConfirmedSubject {
    name: String,
    format: String,
    recipient: String,
    /// The confirmation's NotOnOrAfter.
    end: i64,
}

fn confirmed_subject(
    assertion: Node<'_, '_>,
    expect: &Expectations<'_>,
) -> Result<ConfirmedSubject, SamlError> {
    let subject = one(assertion, ASSERTION, "Subject")?;
    let name_id = one(subject, ASSERTION, "NameID")?;
    let name = text(name_id)?;
    if name.is_empty() {
        return Err(invalid("the NameID is empty"));
    }
    let format = name_id
        .attribute("Format")
        .unwrap_or(UNSPECIFIED)
        .to_string();
    let confirmation = one(subject, ASSERTION, "SubjectConfirmation")?;
    if confirmation.attribute("Method") != Some(BEARER) {
        return Err(invalid("the subject confirmation method is not bearer"));
    }
    let confirmation = one(confirmation, ASSERTION, "SubjectConfirmationData")?;
    let recipient = confirmation
        .attribute("Recipient")
        .unwrap_or_default()
        .to_string();
    if !expect.accepts(&recipient) {
        return Err(invalid("the Recipient is not this service"));
    }
    let end = instant(confirmation, "NotOnOrAfter")?
        .ok_or_else(|| invalid("the SubjectConfirmationData has no NotOnOrAfter"))?;
    check_window(instant(confirmation, "NotBefore")?, Some(end), expect.now)?;
    Ok(ConfirmedSubject {
        name,
        format,
        recipient,
        end,
    })
}

/// The Conditions: their NotOnOrAfter, once they hold now, and the
/// audiences, every restriction of which must name this service.
fn conditions_of(
    assertion: Node<'_, '_>,
    expect: &Expectations<'_>,
) -> Result<(Option<i64>, Vec<String>), SamlError> {
    let conditions = one(assertion, ASSERTION, "Conditions")?;
    let end = instant(conditions, "NotOnOrAfter")?;
    check_window(instant(conditions, "NotBefore")?, end, expect.now)?;
    let mut audiences = Vec::new();
    let mut restrictions = 0;
    for restriction in children(conditions, ASSERTION, "AudienceRestriction") {
        restrictions += 1;
        let mut listed = false;
        for audience in children(restriction, ASSERTION, "Audience") {
            let audience = text(audience)?;
            listed |= expect.accepts(&audience);
            audiences.push(audience);
        }
        if !listed {
            return Err(invalid("the assertion is for another audience"));
        }
    }
    if restrictions == 0 {
        return Err(invalid("the assertion has no AudienceRestriction"));
    }
    Ok((end, audiences))
}

/// The earliest SessionNotOnOrAfter of the AuthnStatements.
fn session_end(assertion: Node<'_, '_>) -> Result<Option<i64>, SamlError> {
    let mut session_not_on_or_after = None;
    for statement in children(assertion, ASSERTION, "AuthnStatement") {
        if let Some(end) = instant(statement, "SessionNotOnOrAfter")? {
            session_not_on_or_after =
                Some(session_not_on_or_after.map_or(end, |s: i64| s.min(end)));
        }
    }
    Ok(session_not_on_or_after)
}

/// The attributes of every AttributeStatement, values of one name merged.
fn attributes_of(assertion: Node<'_, '_>) -> Result<Vec<SamlAttribute>, SamlError> {
    let mut attributes: Vec<SamlAttribute> = Vec::new();
    for statement in children(assertion, ASSERTION, "AttributeStatement") {
        for attribute in children(statement, ASSERTION, "Attribute") {
            let name = attribute
                .attribute("Name")
                .ok_or_else(|| invalid("an Attribute has no Name"))?;
            let values = children(attribute, ASSERTION, "AttributeValue")
                .map(text)
                .collect::<Result<Vec<_>, _>>()?;
            match attributes.iter_mut().find(|a| a.name == name) {
                Some(existing) => existing.values.extend(values),
                None => attributes.push(SamlAttribute {
                    name: name.to_string(),
                    values,
                }),
            }
        }
    }
    Ok(attributes)
}
