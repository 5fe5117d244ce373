"""A SAML 2.0 identity provider for the AssumeRoleWithSAML compatibility tests.

It makes an RSA-2048 signing key with a self-signed certificate, publishes IdP
metadata that IAM's CreateSAMLProvider accepts, and issues SAML Responses the
way AWS expects them from an IdP (ADFS, Okta, Keycloak...). Signatures are made
by signxml, independently of Tessera's verifier: enveloped, exclusive
canonicalization, RSA-SHA256 over a SHA-256 digest, one Reference to the
signed element's ID, the ds:Signature right after that element's saml:Issuer.

It also builds the classic XML signature-wrapping attacks out of a legitimately
signed response, for the tests to check that none of them gets through.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Literal, Optional

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XS_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"samlp": SAMLP_NS, "saml": SAML_NS, "ds": DS_NS, "md": MD_NS}

# AWS's sign-in endpoint: the audience and recipient AWS (and Tessera) expect.
AWS_SAML_ENDPOINT = "https://signin.aws.amazon.com/saml"

STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
STATUS_REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
NAMEID_TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
CM_BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
ATTRNAME_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
AUTHN_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

ATTR_PREFIX = "https://aws.amazon.com/SAML/Attributes/"
ATTR_ROLE = ATTR_PREFIX + "Role"
ATTR_SESSION_NAME = ATTR_PREFIX + "RoleSessionName"
ATTR_SESSION_DURATION = ATTR_PREFIX + "SessionDuration"
ATTR_SOURCE_IDENTITY = ATTR_PREFIX + "SourceIdentity"
ATTR_PRINCIPAL_TAG = ATTR_PREFIX + "PrincipalTag:"
ATTR_TRANSITIVE_TAG_KEYS = ATTR_PREFIX + "TransitiveTagKeys"

SignedPart = Literal["none", "assertion", "response", "both"]


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def saml_time(when: dt.datetime, fractional: bool = False) -> str:
    """An xs:dateTime in UTC, as IdPs write them (optionally with milliseconds)."""
    when = when.astimezone(dt.timezone.utc)
    if fractional:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    """A fresh xs:ID (an NCName, so it never starts with a digit)."""
    return "_" + uuid.uuid4().hex


# ---------------------------------------------------------------------------
# Keys and certificates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    """An RSA-2048 key and its self-signed X.509 certificate."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @classmethod
    def generate(cls, common_name: str) -> "SigningKey":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = utcnow()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def cert_base64(self) -> str:
        """The DER certificate in base64, as in ds:X509Certificate."""
        return base64.b64encode(self.cert.public_bytes(serialization.Encoding.DER)).decode()


# ---------------------------------------------------------------------------
# What an assertion says
# ---------------------------------------------------------------------------


@dataclass
class Claims:
    """The content of one SAML Response and its Assertion."""

    issuer: str
    roles: list[str] = field(default_factory=list)
    name_id: str = "alice"
    name_id_format: Optional[str] = NAMEID_PERSISTENT
    session_name: Optional[str] = "alice"
    session_duration: Optional[int] = None
    source_identity: Optional[str] = None
    principal_tags: dict[str, str] = field(default_factory=dict)
    transitive_tag_keys: list[str] = field(default_factory=list)
    extra_attributes: dict[str, list[str]] = field(default_factory=dict)
    audiences: list[str] = field(default_factory=lambda: [AWS_SAML_ENDPOINT])
    recipient: Optional[str] = AWS_SAML_ENDPOINT
    # The Response's Destination attribute; None leaves it out.
    destination: Optional[str] = AWS_SAML_ENDPOINT
    # The Response's own saml:Issuer; None means the same as the assertion's.
    response_issuer: Optional[str] = None
    status: str = STATUS_SUCCESS
    issue_instant: dt.datetime = field(default_factory=utcnow)
    not_before: Optional[dt.datetime] = field(
        default_factory=lambda: utcnow() - dt.timedelta(minutes=1)
    )
    not_on_or_after: Optional[dt.datetime] = field(
        default_factory=lambda: utcnow() + dt.timedelta(minutes=5)
    )
    subject_not_on_or_after: Optional[dt.datetime] = field(
        default_factory=lambda: utcnow() + dt.timedelta(minutes=5)
    )
    fractional_seconds: bool = False
    response_id: str = field(default_factory=new_id)
    assertion_id: str = field(default_factory=new_id)

    def attributes(self) -> list[tuple[str, list[str]]]:
        attrs: list[tuple[str, list[str]]] = []
        if self.roles:
            attrs.append((ATTR_ROLE, list(self.roles)))
        if self.session_name is not None:
            attrs.append((ATTR_SESSION_NAME, [self.session_name]))
        if self.session_duration is not None:
            attrs.append((ATTR_SESSION_DURATION, [str(self.session_duration)]))
        if self.source_identity is not None:
            attrs.append((ATTR_SOURCE_IDENTITY, [self.source_identity]))
        for key, value in self.principal_tags.items():
            attrs.append((ATTR_PRINCIPAL_TAG + key, [value]))
        if self.transitive_tag_keys:
            attrs.append((ATTR_TRANSITIVE_TAG_KEYS, list(self.transitive_tag_keys)))
        attrs.extend((name, list(values)) for name, values in self.extra_attributes.items())
        return attrs


def _time(claims: Claims, when: dt.datetime) -> str:
    return saml_time(when, claims.fractional_seconds)


def build_response(claims: Claims) -> etree._Element:
    """An unsigned samlp:Response holding one saml:Assertion."""
    response = etree.Element(
        _q(SAMLP_NS, "Response"),
        nsmap={"samlp": SAMLP_NS, "saml": SAML_NS, "xs": XS_NS, "xsi": XSI_NS},
    )
    response.set("ID", claims.response_id)
    response.set("Version", "2.0")
    response.set("IssueInstant", _time(claims, claims.issue_instant))
    if claims.destination is not None:
        response.set("Destination", claims.destination)
    issuer = etree.SubElement(response, _q(SAML_NS, "Issuer"))
    issuer.text = claims.response_issuer or claims.issuer
    status = etree.SubElement(response, _q(SAMLP_NS, "Status"))
    etree.SubElement(status, _q(SAMLP_NS, "StatusCode"), Value=claims.status)
    response.append(build_assertion(claims))
    return response


def build_assertion(claims: Claims) -> etree._Element:
    assertion = etree.Element(_q(SAML_NS, "Assertion"), nsmap={"saml": SAML_NS})
    assertion.set("ID", claims.assertion_id)
    assertion.set("Version", "2.0")
    assertion.set("IssueInstant", _time(claims, claims.issue_instant))
    etree.SubElement(assertion, _q(SAML_NS, "Issuer")).text = claims.issuer

    subject = etree.SubElement(assertion, _q(SAML_NS, "Subject"))
    name_id = etree.SubElement(subject, _q(SAML_NS, "NameID"))
    if claims.name_id_format is not None:
        name_id.set("Format", claims.name_id_format)
    name_id.text = claims.name_id
    confirmation = etree.SubElement(subject, _q(SAML_NS, "SubjectConfirmation"), Method=CM_BEARER)
    data = etree.SubElement(confirmation, _q(SAML_NS, "SubjectConfirmationData"))
    if claims.subject_not_on_or_after is not None:
        data.set("NotOnOrAfter", _time(claims, claims.subject_not_on_or_after))
    if claims.recipient is not None:
        data.set("Recipient", claims.recipient)

    conditions = etree.SubElement(assertion, _q(SAML_NS, "Conditions"))
    if claims.not_before is not None:
        conditions.set("NotBefore", _time(claims, claims.not_before))
    if claims.not_on_or_after is not None:
        conditions.set("NotOnOrAfter", _time(claims, claims.not_on_or_after))
    restriction = etree.SubElement(conditions, _q(SAML_NS, "AudienceRestriction"))
    for audience in claims.audiences:
        etree.SubElement(restriction, _q(SAML_NS, "Audience")).text = audience

    authn = etree.SubElement(
        assertion,
        _q(SAML_NS, "AuthnStatement"),
        AuthnInstant=_time(claims, claims.issue_instant),
        SessionIndex=claims.assertion_id,
    )
    context = etree.SubElement(authn, _q(SAML_NS, "AuthnContext"))
    etree.SubElement(context, _q(SAML_NS, "AuthnContextClassRef")).text = AUTHN_PASSWORD

    attributes = claims.attributes()
    if attributes:
        statement = etree.SubElement(assertion, _q(SAML_NS, "AttributeStatement"))
        for name, values in attributes:
            attribute = etree.SubElement(
                statement, _q(SAML_NS, "Attribute"), Name=name, NameFormat=ATTRNAME_URI
            )
            for value in values:
                node = etree.SubElement(
                    attribute, _q(SAML_NS, "AttributeValue"), {_q(XSI_NS, "type"): "xs:string"}
                )
                node.text = value
    return assertion


# ---------------------------------------------------------------------------
# Finding parts of a response
# ---------------------------------------------------------------------------


def assertion_of(response: etree._Element) -> etree._Element:
    """The saml:Assertion that is a direct child of the response."""
    found = response.find(_q(SAML_NS, "Assertion"))
    assert found is not None, "the response has no direct saml:Assertion"
    return found


def signature_of(element: etree._Element) -> etree._Element:
    """The ds:Signature that is a direct child of `element`."""
    found = element.find(_q(DS_NS, "Signature"))
    assert found is not None, f"{element.tag} has no direct ds:Signature"
    return found


def name_id_of(response: etree._Element) -> etree._Element:
    found = assertion_of(response).find(f"{_q(SAML_NS, 'Subject')}/{_q(SAML_NS, 'NameID')}")
    assert found is not None
    return found


def attribute_values(response: etree._Element, name: str) -> list[etree._Element]:
    """The saml:AttributeValue nodes of the assertion's attribute `name`."""
    return assertion_of(response).xpath(
        "saml:AttributeStatement/saml:Attribute[@Name=$name]/saml:AttributeValue",
        namespaces=NSMAP,
        name=name,
    )


# ---------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------


def _signer() -> XMLSigner:
    return XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )


def sign_element(
    response: etree._Element,
    target: Literal["assertion", "response"],
    key: SigningKey,
    embed_cert: bool = True,
) -> etree._Element:
    """Returns a copy of `response` with its assertion or itself (`target`) signed.

    The enveloped ds:Signature goes right after the element's saml:Issuer, by
    signxml's placeholder mechanism; its one Reference is "#<ID>". KeyInfo holds
    the signer's own certificate (or nothing with embed_cert=False).
    """
    doc = copy.deepcopy(response)
    element = assertion_of(doc) if target == "assertion" else doc
    element_id = element.get("ID")
    assert element_id, f"{element.tag} has no ID to sign"
    placeholder = etree.Element(_q(DS_NS, "Signature"), Id="placeholder", nsmap={"ds": DS_NS})
    issuer = element.find(_q(SAML_NS, "Issuer"))
    if issuer is not None:
        issuer.addnext(placeholder)
    else:
        element.insert(0, placeholder)
    signer = _signer()
    if not embed_cert:
        signer.signature_annotators = []
    return signer.sign(
        doc,
        key=key.key,
        cert=[key.cert] if embed_cert else None,
        reference_uri=f"#{element_id}",
        id_attribute="ID",
    )


def sign(
    response: etree._Element, key: SigningKey, part: SignedPart, embed_cert: bool = True
) -> etree._Element:
    """Signs the assertion, the response, both (assertion first) or nothing."""
    if part in ("assertion", "both"):
        response = sign_element(response, "assertion", key, embed_cert)
    if part in ("response", "both"):
        response = sign_element(response, "response", key, embed_cert)
    return response


def to_xml(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def encode(document: etree._Element | bytes | str) -> str:
    """The SAMLResponse form value: base64 of the XML document."""
    if isinstance(document, etree._Element):
        document = to_xml(document)
    if isinstance(document, str):
        document = document.encode()
    return base64.b64encode(document).decode()


# ---------------------------------------------------------------------------
# The identity provider
# ---------------------------------------------------------------------------


class IdentityProvider:
    """An IdP with one signing key, its metadata, and a response factory."""

    def __init__(self, entity_id: str, key: Optional[SigningKey] = None):
        self.entity_id = entity_id
        self.key = key or SigningKey.generate(f"{entity_id} signing")

    def metadata(self) -> str:
        """IdP metadata naming the signing certificate (IAM wants >= 1000 characters)."""
        cert = self.key.cert_base64()
        sso = self.entity_id.rstrip("/") + "/sso"
        document = f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="{MD_NS}" xmlns:ds="{DS_NS}" entityID="{self.entity_id}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="{PROTOCOL}">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo>
        <ds:X509Data>
          <ds:X509Certificate>{cert}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>{NAMEID_PERSISTENT}</md:NameIDFormat>
    <md:NameIDFormat>{NAMEID_TRANSIENT}</md:NameIDFormat>
    <md:NameIDFormat>{NAMEID_EMAIL}</md:NameIDFormat>
    <md:SingleSignOnService Binding="{BINDING_POST}" Location="{sso}"/>
    <md:SingleSignOnService Binding="{BINDING_REDIRECT}" Location="{sso}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""
        assert len(document) >= 1000, len(document)
        return document

    def claims(self, **overrides) -> Claims:
        overrides.setdefault("issuer", self.entity_id)
        return Claims(**overrides)

    def response(
        self,
        part: SignedPart = "assertion",
        key: Optional[SigningKey] = None,
        embed_cert: bool = True,
        **overrides,
    ) -> etree._Element:
        """A response built from claims(**overrides), signed as `part` says."""
        response = build_response(self.claims(**overrides))
        return sign(response, key or self.key, part, embed_cert)


def lenient_signature_check(doc: etree._Element, cert: x509.Certificate) -> bool:
    """Whether `doc` holds a ds:Signature that a lenient verifier would accept.

    Lenient the way wrapping attacks exploit: the signature may sit anywhere,
    its Reference may resolve to any element carrying the ID (wherever it is,
    duplicates included), and the enveloped transform only drops that
    signature from the referenced element. A document for which this holds
    carries a signature that really is the IdP's, over some element.
    """
    public_key = cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    for signature in doc.iter(_q(DS_NS, "Signature")):
        signed_info = signature.find(_q(DS_NS, "SignedInfo"))
        value = signature.findtext(_q(DS_NS, "SignatureValue"))
        if signed_info is None or not value:
            continue
        reference = signed_info.find(_q(DS_NS, "Reference"))
        digest_text = signed_info.findtext(f".//{_q(DS_NS, 'DigestValue')}")
        if reference is None or not digest_text:
            continue
        wanted = base64.b64decode(digest_text)
        target_id = (reference.get("URI") or "").lstrip("#")
        digest_ok = False
        for candidate in doc.xpath("//*[@ID=$id]", id=target_id):
            element = copy.deepcopy(candidate)
            for inner in element.findall(_q(DS_NS, "Signature")):
                if inner.findtext(_q(DS_NS, "SignatureValue")) == value:
                    element.remove(inner)
            digest = hashes.Hash(hashes.SHA256())
            digest.update(etree.tostring(element, method="c14n", exclusive=True))
            if digest.finalize() == wanted:
                digest_ok = True
                break
        if not digest_ok:
            continue
        signed_bytes = etree.tostring(copy.deepcopy(signed_info), method="c14n", exclusive=True)
        try:
            public_key.verify(
                base64.b64decode(value), signed_bytes, padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            continue
        return True
    return False


# ---------------------------------------------------------------------------
# XML signature wrapping
#
# Each function takes a legitimately signed response and an attacker's
# unsigned assertion and returns a new document. In each, a verifier that
# checks "some signature verifies over the element its Reference names" and
# then reads "the" assertion elsewhere would be fooled.
# ---------------------------------------------------------------------------


def _detached_copy(element: etree._Element) -> etree._Element:
    return copy.deepcopy(element)


def _extensions_slot(response: etree._Element) -> int:
    """Where samlp:Extensions goes: after the Issuer and the Signature, if any."""
    index = 0
    for child in response:
        if child.tag in (_q(SAML_NS, "Issuer"), _q(DS_NS, "Signature")):
            index = response.index(child) + 1
    return index


def _evil_response(
    template: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """A new response root, like `template` but with a new ID and no signature."""
    evil = etree.Element(template.tag, dict(template.attrib), nsmap=template.nsmap)
    evil.set("ID", new_id())
    for child in template:
        if child.tag in (_q(SAML_NS, "Issuer"), _q(SAMLP_NS, "Status")):
            evil.append(_detached_copy(child))
    evil.append(_detached_copy(evil_assertion))
    return evil


def wrap_evil_assertion_first(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(a) The evil assertion goes before the signed one: two assertions."""
    doc = _detached_copy(signed)
    assertion_of(doc).addprevious(_detached_copy(evil_assertion))
    return doc


def wrap_evil_assertion_last(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(a') The evil assertion goes after the signed one, for readers taking the last."""
    doc = _detached_copy(signed)
    assertion_of(doc).addnext(_detached_copy(evil_assertion))
    return doc


def wrap_signed_assertion_in_extensions(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(b) The signed assertion moves into samlp:Extensions; the evil one takes its place."""
    doc = _detached_copy(signed)
    original = assertion_of(doc)
    original.addprevious(_detached_copy(evil_assertion))
    extensions = etree.Element(_q(SAMLP_NS, "Extensions"))
    doc.insert(_extensions_slot(doc), extensions)
    extensions.append(original)
    return doc


def wrap_evil_assertion_with_same_id(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(c) The evil assertion carries the signed assertion's ID and comes first."""
    doc = _detached_copy(signed)
    original = assertion_of(doc)
    evil = _detached_copy(evil_assertion)
    evil.set("ID", original.get("ID"))
    original.addprevious(evil)
    return doc


def wrap_same_id_signed_in_extensions(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(c') Same ID, with the signed assertion hidden in samlp:Extensions."""
    doc = wrap_signed_assertion_in_extensions(signed, evil_assertion)
    hidden = doc.find(f"{_q(SAMLP_NS, 'Extensions')}/{_q(SAML_NS, 'Assertion')}")
    assert hidden is not None
    assertion_of(doc).set("ID", hidden.get("ID"))
    return doc


def wrap_response_in_extensions(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(d) A new evil response whose samlp:Extensions holds the original signed response."""
    evil = _evil_response(signed, evil_assertion)
    extensions = etree.Element(_q(SAMLP_NS, "Extensions"))
    evil.insert(_extensions_slot(evil), extensions)
    extensions.append(_detached_copy(signed))
    return evil


def wrap_response_in_signature_object(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(d') XSW1: the evil response carries the original response's signature,
    and the original response (without that signature) sits in its ds:Object.

    The Reference still names the original response's ID, whose digest was
    computed without the enveloped signature: it still matches.
    """
    original = _detached_copy(signed)
    signature = signature_of(original)
    original.remove(signature)
    evil = _evil_response(signed, evil_assertion)
    evil.insert(_extensions_slot(evil), signature)
    obj = etree.SubElement(signature, _q(DS_NS, "Object"))
    obj.append(original)
    return evil


def wrap_assertion_in_signature_object(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(e) XSW8: the evil assertion takes the original assertion's signature,
    and the original assertion (without it) moves into that signature's ds:Object.
    """
    doc = _detached_copy(signed)
    original = assertion_of(doc)
    signature = signature_of(original)
    original.remove(signature)
    evil = _detached_copy(evil_assertion)
    evil_issuer = evil.find(_q(SAML_NS, "Issuer"))
    assert evil_issuer is not None
    evil_issuer.addnext(signature)
    obj = etree.SubElement(signature, _q(DS_NS, "Object"))
    original.addprevious(evil)
    obj.append(original)
    return doc


def wrap_signed_assertion_in_evil_advice(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(b') The signed assertion goes into the evil assertion's saml:Advice."""
    doc = _detached_copy(signed)
    original = assertion_of(doc)
    evil = _detached_copy(evil_assertion)
    conditions = evil.find(_q(SAML_NS, "Conditions"))
    assert conditions is not None
    advice = etree.Element(_q(SAML_NS, "Advice"))
    conditions.addnext(advice)
    original.addprevious(evil)
    advice.append(original)
    return doc


def wrap_signature_moved_to_evil_assertion(
    signed: etree._Element, evil_assertion: etree._Element
) -> etree._Element:
    """(e') XSW7: the evil assertion takes the original's signature (still
    referencing the original's ID); the original, without it, hides in
    samlp:Extensions.
    """
    doc = _detached_copy(signed)
    original = assertion_of(doc)
    signature = signature_of(original)
    original.remove(signature)
    evil = _detached_copy(evil_assertion)
    evil_issuer = evil.find(_q(SAML_NS, "Issuer"))
    assert evil_issuer is not None
    evil_issuer.addnext(signature)
    original.addprevious(evil)
    extensions = etree.Element(_q(SAMLP_NS, "Extensions"))
    doc.insert(_extensions_slot(doc), extensions)
    extensions.append(original)
    return doc


WRAPPING_ATTACKS = {
    "evil-assertion-first": (wrap_evil_assertion_first, "assertion"),
    "evil-assertion-last": (wrap_evil_assertion_last, "assertion"),
    "signed-assertion-in-evil-advice": (wrap_signed_assertion_in_evil_advice, "assertion"),
    "signature-moved-to-evil-assertion": (wrap_signature_moved_to_evil_assertion, "assertion"),
    "signed-assertion-in-extensions": (wrap_signed_assertion_in_extensions, "assertion"),
    "evil-assertion-same-id": (wrap_evil_assertion_with_same_id, "assertion"),
    "same-id-signed-in-extensions": (wrap_same_id_signed_in_extensions, "assertion"),
    "signed-response-in-extensions": (wrap_response_in_extensions, "response"),
    "signed-response-in-signature-object": (wrap_response_in_signature_object, "response"),
    "signed-assertion-in-signature-object": (wrap_assertion_in_signature_object, "assertion"),
}
