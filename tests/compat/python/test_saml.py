"""AssumeRoleWithSAML against a SAML 2.0 identity provider made here.

The IdP (saml_idp.py) has its own RSA key and self-signed certificate; its
metadata is registered with IAM's CreateSAMLProvider, and its responses are
signed with signxml, independently of Tessera's verifier. Calls go out
unsigned, as AWS clients send them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Callable, Optional

import pytest
from botocore.exceptions import ClientError
from lxml import etree

from compat_helpers import ASIA_RE, Creds, assert_client_error, assert_expires_in, utcnow
from harness import TesseraServer
from saml_idp import (
    ATTR_ROLE,
    ATTR_SESSION_NAME,
    AWS_SAML_ENDPOINT,
    DS_NS,
    NAMEID_EMAIL,
    NAMEID_TRANSIENT,
    SAML_NS,
    STATUS_REQUESTER,
    WRAPPING_ATTACKS,
    IdentityProvider,
    SignedPart,
    SigningKey,
    assertion_of,
    attribute_values,
    build_response,
    encode,
    lenient_signature_check,
    name_id_of,
    to_xml,
)

PROVIDER_NAME = "TesseraCompatIdP"
ENTITY_ID = "https://idp.tessera.test/saml/metadata"
OTHER_URL = "https://elsewhere.example.com/saml"


# ---------------------------------------------------------------------------
# Clients and fixtures
# ---------------------------------------------------------------------------


def _trust(provider_arn: str, condition: Optional[dict], actions) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": actions,
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@dataclass
class Federation:
    """The IdP registered with the server, and a role that trusts it."""

    server: TesseraServer
    idp: IdentityProvider
    provider_arn: str
    role_arn: str

    @property
    def account(self) -> str:
        return self.provider_arn.split(":")[4]

    def make_role(self, condition: Optional[dict] = None, actions=None) -> str:
        name = f"saml-{uuid.uuid4().hex[:10]}"
        return self.server.client(service="iam").create_role(
            RoleName=name,
            AssumeRolePolicyDocument=_trust(
                self.provider_arn, condition, actions or "sts:AssumeRoleWithSAML"
            ),
        )["Role"]["Arn"]

    def grant(self, role_arn: Optional[str] = None, provider_arn: Optional[str] = None) -> str:
        """A Role attribute value: "role-arn,provider-arn"."""
        return f"{role_arn or self.role_arn},{provider_arn or self.provider_arn}"

    def response(
        self, part: SignedPart = "assertion", role_arn: Optional[str] = None, **claims
    ) -> etree._Element:
        """A response granting `role_arn` (by default the fixture's role)."""
        claims.setdefault("roles", [self.grant(role_arn)])
        return self.idp.response(part, **claims)

    def assertion(
        self, part: SignedPart = "assertion", role_arn: Optional[str] = None, **claims
    ) -> str:
        return encode(self.response(part, role_arn, **claims))

    def assume(self, assertion: str, role_arn: Optional[str] = None, **kwargs) -> dict:
        return self.server.anonymous_sts().assume_role_with_saml(
            RoleArn=role_arn or self.role_arn,
            PrincipalArn=self.provider_arn,
            SAMLAssertion=assertion,
            **kwargs,
        )

    def rejected(
        self,
        assertion: str,
        code: str,
        status: int = 400,
        role_arn: Optional[str] = None,
        **kwargs,
    ) -> dict:
        with pytest.raises(ClientError) as raised:
            self.assume(assertion, role_arn, **kwargs)
        return assert_client_error(raised, code, status)

    def assumed_role_arn(self, session_name: str, role_arn: Optional[str] = None) -> str:
        role_name = (role_arn or self.role_arn).rsplit("/", 1)[1]
        return f"arn:aws:sts::{self.account}:assumed-role/{role_name}/{session_name}"


@pytest.fixture(scope="module")
def idp() -> IdentityProvider:
    return IdentityProvider(ENTITY_ID)


def register(server: TesseraServer, idp: IdentityProvider, audience: str) -> Federation:
    """Registers `idp` with `server` and creates a role trusting it for
    assertions addressed to `audience` (the trust policy AWS's console
    writes for a SAML provider)."""
    iam = server.client(service="iam")
    provider_arn = iam.create_saml_provider(
        Name=PROVIDER_NAME, SAMLMetadataDocument=idp.metadata()
    )["SAMLProviderArn"]
    role_arn = iam.create_role(
        RoleName="saml-reader",
        AssumeRolePolicyDocument=_trust(
            provider_arn,
            {"StringEquals": {"SAML:aud": audience}},
            "sts:AssumeRoleWithSAML",
        ),
    )["Role"]["Arn"]
    return Federation(server, idp, provider_arn, role_arn)


@pytest.fixture(scope="module")
def fed(shared_server, idp) -> Federation:
    return register(shared_server, idp, AWS_SAML_ENDPOINT)


def expected_name_qualifier(issuer: str, account: str, provider_name: str) -> str:
    """AWS: BASE64(SHA1(Issuer + AccountId + "/" + ProviderName))."""
    digest = hashlib.sha1(f"{issuer}{account}/{provider_name}".encode()).digest()
    return base64.b64encode(digest).decode()


# ---------------------------------------------------------------------------
# Accepted responses
# ---------------------------------------------------------------------------


def test_signed_assertion_gets_role_credentials(fed):
    resp = fed.assume(fed.assertion(name_id="alice", session_name="alice"))
    creds = resp["Credentials"]
    assert ASIA_RE.match(creds["AccessKeyId"]), creds
    assert creds["SecretAccessKey"] and creds["SessionToken"]
    assert_expires_in(creds["Expiration"], 3600)
    expected_arn = fed.assumed_role_arn("alice")
    assert resp["AssumedRoleUser"]["Arn"] == expected_arn
    assert resp["AssumedRoleUser"]["AssumedRoleId"].endswith(":alice")
    assert resp["Subject"] == "alice"
    assert resp["SubjectType"] == "persistent"
    assert resp["Issuer"] == ENTITY_ID
    assert resp["Audience"] == AWS_SAML_ENDPOINT
    assert resp["NameQualifier"] == expected_name_qualifier(ENTITY_ID, fed.account, PROVIDER_NAME)
    assert "PackedPolicySize" not in resp
    assert "SourceIdentity" not in resp
    identity = fed.server.client(Creds.from_sts(creds)).get_caller_identity()
    assert identity["Arn"] == expected_arn
    assert identity["Account"] == fed.account


@pytest.mark.parametrize("part", ["response", "both"])
def test_signed_response_gets_role_credentials(fed, part):
    response = fed.response(part, name_id="carol", session_name="carol-session")
    assert lenient_signature_check(response, fed.idp.key.cert)
    resp = fed.assume(encode(response))
    assert ASIA_RE.match(resp["Credentials"]["AccessKeyId"])
    assert resp["AssumedRoleUser"]["Arn"] == fed.assumed_role_arn("carol-session")
    assert resp["Subject"] == "carol"


@pytest.mark.parametrize(
    "name_format, name_id, subject_type",
    [
        (NAMEID_TRANSIENT, "_f3a9c1d07be2", "transient"),
        (NAMEID_EMAIL, "alice@example.com", NAMEID_EMAIL),
    ],
    ids=["transient", "email"],
)
def test_subject_type_follows_the_name_id_format(fed, name_format, name_id, subject_type):
    resp = fed.assume(fed.assertion(name_id=name_id, name_id_format=name_format))
    assert resp["Subject"] == name_id
    assert resp["SubjectType"] == subject_type


def test_role_attribute_in_either_order_among_others(fed):
    other = fed.make_role()
    roles = [fed.grant(other), f"{fed.provider_arn},{fed.role_arn}"]
    resp = fed.assume(fed.assertion(roles=roles, session_name="reordered"))
    assert resp["AssumedRoleUser"]["Arn"] == fed.assumed_role_arn("reordered")
    resp = fed.assume(fed.assertion(roles=roles, session_name="other"), role_arn=other)
    assert resp["AssumedRoleUser"]["Arn"] == fed.assumed_role_arn("other", other)


def test_idp_variations_are_accepted(fed):
    """Millisecond timestamps (Okta, ADFS), no Destination, several audiences,
    a signature without KeyInfo."""
    for claims in (
        {"fractional_seconds": True},
        {"destination": None},
        {"audiences": ["urn:amazon:webservices", AWS_SAML_ENDPOINT]},
        {"embed_cert": False},
    ):
        resp = fed.assume(fed.assertion(**claims))
        assert ASIA_RE.match(resp["Credentials"]["AccessKeyId"]), claims


# ---------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------


def test_unsigned_response_is_invalid(fed):
    fed.rejected(fed.assertion("none"), "InvalidIdentityToken")


@pytest.mark.parametrize("part", ["assertion", "response", "both"])
def test_signed_by_a_key_not_in_the_metadata_is_invalid(fed, part):
    """The signature verifies under the certificate it carries, but that
    certificate is not the one in the provider's metadata."""
    intruder = SigningKey.generate(ENTITY_ID)
    response = fed.response(part, key=intruder)
    assert lenient_signature_check(response, intruder.cert)
    fed.rejected(encode(response), "InvalidIdentityToken")


def _set_name_id(doc: etree._Element) -> None:
    name_id_of(doc).text = "mallory"


def _set_session_name(doc: etree._Element) -> None:
    (value,) = attribute_values(doc, ATTR_SESSION_NAME)
    value.text = "mallory"


def _set_role(doc: etree._Element) -> None:
    (value,) = attribute_values(doc, ATTR_ROLE)
    value.text = value.text.replace(":role/", ":role/admin-")


def _flip_signature_value(doc: etree._Element) -> None:
    node = next(doc.iter(f"{{{DS_NS}}}SignatureValue"))
    raw = bytearray(base64.b64decode(node.text))
    raw[len(raw) // 2] ^= 0x01
    node.text = base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "part, tamper",
    [
        ("assertion", _set_name_id),
        ("assertion", _set_session_name),
        ("assertion", _set_role),
        ("assertion", _flip_signature_value),
        ("response", _set_name_id),
        ("response", _set_session_name),
        ("both", _set_session_name),
    ],
    ids=[
        "assertion-name-id",
        "assertion-session-name",
        "assertion-role",
        "assertion-signature-value",
        "response-name-id",
        "response-session-name",
        "both-session-name",
    ],
)
def test_tampered_after_signing_is_invalid(fed, part, tamper: Callable[[etree._Element], None]):
    response = fed.response(part)
    tamper(response)
    assert not lenient_signature_check(response, fed.idp.key.cert)
    fed.rejected(encode(response), "InvalidIdentityToken")


def test_bad_response_signature_over_a_good_assertion_signature_is_invalid(fed):
    """Both signed; the Response's signature is broken, the Assertion's is intact."""
    response = fed.response("both")
    _flip_signature_value(response)  # the first one in document order: the Response's
    assert lenient_signature_check(assertion_of(response), fed.idp.key.cert)
    fed.rejected(encode(response), "InvalidIdentityToken")


# ---------------------------------------------------------------------------
# Validity period, audience, recipient, issuer
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("expired", ["both", "conditions", "subject-confirmation"])
def test_expired_assertion(fed, expired):
    now = utcnow()
    past = now - dt.timedelta(minutes=10)
    an_hour_ago = now - dt.timedelta(hours=1)
    claims: dict = {"issue_instant": an_hour_ago, "not_before": an_hour_ago}
    if expired in ("both", "conditions"):
        claims["not_on_or_after"] = past
    if expired in ("both", "subject-confirmation"):
        claims["subject_not_on_or_after"] = past
    fed.rejected(fed.assertion(**claims), "ExpiredTokenException")


def test_not_yet_valid_assertion_is_invalid(fed):
    now = utcnow()
    claims = {
        "not_before": now + dt.timedelta(hours=1),
        "not_on_or_after": now + dt.timedelta(hours=2),
        "subject_not_on_or_after": now + dt.timedelta(hours=2),
    }
    fed.rejected(fed.assertion(**claims), "InvalidIdentityToken")


@pytest.mark.parametrize(
    "claims",
    [
        {"audiences": [OTHER_URL]},
        {"audiences": []},
        {"recipient": OTHER_URL},
        {"recipient": None},
        {"destination": OTHER_URL},
        {"issuer": "https://impostor.example.com/saml"},
        {"status": STATUS_REQUESTER},
    ],
    ids=[
        "wrong-audience",
        "no-audience",
        "wrong-recipient",
        "no-recipient",
        "wrong-destination",
        "wrong-issuer",
        "status-not-success",
    ],
)
def test_audience_recipient_issuer_status_are_checked(fed, claims):
    """Each response is properly signed by the registered IdP key."""
    response = fed.response(**claims)
    assert lenient_signature_check(response, fed.idp.key.cert)
    fed.rejected(encode(response), "InvalidIdentityToken")


# ---------------------------------------------------------------------------
# Signature wrapping and hostile documents
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("attack", sorted(WRAPPING_ATTACKS))
def test_signature_wrapping_is_refused(fed, attack):
    wrap, part = WRAPPING_ATTACKS[attack]
    # A response made the same way is good: what follows fails for the wrapping alone.
    assert fed.assume(fed.assertion(part, name_id="alice"))["Subject"] == "alice"
    signed = fed.response(part, name_id="alice", session_name="alice")
    evil_claims = fed.idp.claims(
        roles=[fed.grant()], name_id="mallory", session_name="mallory"
    )
    evil = assertion_of(build_response(evil_claims))
    document = wrap(signed, evil)
    # A lenient verifier finds the IdP's valid signature in the document...
    assert lenient_signature_check(document, fed.idp.key.cert)
    assert "mallory" in etree.tostring(document).decode()
    # ...Tessera gives no credentials at all.
    fed.rejected(encode(document), "InvalidIdentityToken")


def test_signature_must_sit_in_the_element_it_signs(fed):
    """The assertion's signature moved up to the Response, still naming the
    assertion: nothing is forged, but the signature no longer envelops what
    it signs, which the structural rules refuse."""
    document = fed.response("assertion")
    assertion = assertion_of(document)
    signature = assertion.find(f"{{{DS_NS}}}Signature")
    assert signature is not None
    assertion.remove(signature)
    issuer = document.find(f"{{{SAML_NS}}}Issuer")
    assert issuer is not None
    issuer.addnext(signature)
    assert lenient_signature_check(document, fed.idp.key.cert)
    fed.rejected(encode(document), "InvalidIdentityToken")


def _with_doctype(document: bytes, doctype: bytes) -> bytes:
    declaration_end = document.index(b"?>") + 2
    return document[:declaration_end] + b"\n" + doctype + document[declaration_end:]


def test_doctype_and_entities_are_refused(fed):
    signed = to_xml(fed.response(name_id="alice"))
    plain = _with_doctype(signed, b"<!DOCTYPE samlp:Response>")
    entity = _with_doctype(
        signed.replace(b">alice</saml:NameID>", b">&who;</saml:NameID>"),
        b'<!DOCTYPE samlp:Response [<!ENTITY who "alice">]>',
    )
    # With its entity expanded, the second document's signature is valid.
    parser = etree.XMLParser(resolve_entities=True)
    assert lenient_signature_check(etree.fromstring(entity, parser), fed.idp.key.cert)
    for document in (plain, entity):
        fed.rejected(encode(document), "InvalidIdentityToken")


def test_malformed_assertions_are_invalid(fed):
    signed = fed.response()
    lone_assertion = encode(assertion_of(signed))
    truncated = encode(to_xml(signed)[:-40])
    for value in (
        "%%% not base64 %%%",
        base64.b64encode(b"this is not XML at all").decode(),
        truncated,
        lone_assertion,
    ):
        fed.rejected(value, "InvalidIdentityToken")


# ---------------------------------------------------------------------------
# Who may have the role
# ---------------------------------------------------------------------------


def test_role_not_granted_by_the_assertion_is_denied(fed):
    other = fed.make_role()
    grants_other = fed.assertion(roles=[fed.grant(other)])
    fed.rejected(grants_other, "AccessDenied", 403)
    assert fed.assume(grants_other, role_arn=other)["Credentials"]
    # The right role, but paired with another provider.
    elsewhere = f"arn:aws:iam::{fed.account}:saml-provider/Elsewhere"
    fed.rejected(fed.assertion(roles=[fed.grant(provider_arn=elsewhere)]), "AccessDenied", 403)
    fed.rejected(fed.assertion(roles=[]), "AccessDenied", 403)


def test_sub_condition_in_trust_policy(fed):
    role = fed.make_role({"StringEquals": {"SAML:sub": "alice"}})
    resp = fed.assume(fed.assertion(role_arn=role, name_id="alice"), role_arn=role)
    assert resp["Subject"] == "alice"
    response = fed.rejected(
        fed.assertion(role_arn=role, name_id="bob", session_name="bob"), "AccessDenied", 403, role
    )
    assert "sts:AssumeRoleWithSAML" in response["Error"]["Message"]


def test_aud_condition_in_trust_policy(fed):
    # The fixture's role requires SAML:aud = AWS's endpoint; one requiring
    # another audience lets nobody in.
    assert fed.assume(fed.assertion())["Audience"] == AWS_SAML_ENDPOINT
    role = fed.make_role({"StringEquals": {"SAML:aud": OTHER_URL}})
    fed.rejected(fed.assertion(role_arn=role), "AccessDenied", 403, role)


def test_issuer_name_qualifier_and_subject_type_conditions(fed):
    qualifier = expected_name_qualifier(ENTITY_ID, fed.account, PROVIDER_NAME)
    role = fed.make_role(
        {
            "StringEquals": {
                "saml:iss": ENTITY_ID,
                "SAML:NameQualifier": qualifier,
                "Saml:Sub_Type": "persistent",
            }
        }
    )
    resp = fed.assume(fed.assertion(role_arn=role), role_arn=role)
    assert resp["NameQualifier"] == qualifier
    transient = fed.assertion(role_arn=role, name_id_format=NAMEID_TRANSIENT)
    fed.rejected(transient, "AccessDenied", 403, role)


# ---------------------------------------------------------------------------
# Session length, source identity, session tags, session policies
# ---------------------------------------------------------------------------


def test_duration_seconds(fed):
    resp = fed.assume(fed.assertion(), DurationSeconds=900)
    assert_expires_in(resp["Credentials"]["Expiration"], 900)


def test_session_duration_attribute(fed):
    resp = fed.assume(fed.assertion(session_duration=1800))
    assert_expires_in(resp["Credentials"]["Expiration"], 1800)
    # DurationSeconds, when given, is the session's length.
    resp = fed.assume(fed.assertion(session_duration=1800), DurationSeconds=900)
    assert_expires_in(resp["Credentials"]["Expiration"], 900)


def test_source_identity(fed):
    role = fed.make_role(actions=["sts:AssumeRoleWithSAML", "sts:SetSourceIdentity"])
    resp = fed.assume(fed.assertion(role_arn=role, source_identity="alice@corp"), role_arn=role)
    assert resp["SourceIdentity"] == "alice@corp"
    # The fixture's role does not allow sts:SetSourceIdentity.
    fed.rejected(fed.assertion(source_identity="alice@corp"), "AccessDenied", 403)


def test_session_tags_from_principal_tag_attributes(fed):
    tags = {"team": "blue", "cost-center": "1234"}
    tagging = ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    blue = fed.make_role({"StringEquals": {"aws:RequestTag/team": "blue"}}, actions=tagging)
    claims = {"principal_tags": tags, "transitive_tag_keys": ["team"]}
    resp = fed.assume(fed.assertion(role_arn=blue, **claims), role_arn=blue)
    assert ASIA_RE.match(resp["Credentials"]["AccessKeyId"])
    # The tags reach the trust policy: a role wanting another team refuses them.
    red = fed.make_role({"StringEquals": {"aws:RequestTag/team": "red"}}, actions=tagging)
    fed.rejected(fed.assertion(role_arn=red, **claims), "AccessDenied", 403, red)
    # Without sts:TagSession in the trust policy, tags are refused.
    fed.rejected(fed.assertion(**claims), "AccessDenied", 403)


def test_session_policy_reports_packed_size(fed):
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
    )
    resp = fed.assume(fed.assertion(), Policy=policy)
    assert resp["PackedPolicySize"] >= 1
    assert ASIA_RE.match(resp["Credentials"]["AccessKeyId"])


# ---------------------------------------------------------------------------
# The aws CLI
# ---------------------------------------------------------------------------


def test_aws_cli_assume_role_with_saml(fed, tmp_path):
    assertion_file = tmp_path / "assertion.b64"
    assertion_file.write_text(fed.assertion(name_id="alice", session_name="cli-session"))
    result = fed.server.cli(
        "sts",
        "assume-role-with-saml",
        "--no-sign-request",
        "--role-arn",
        fed.role_arn,
        "--principal-arn",
        fed.provider_arn,
        "--saml-assertion",
        f"file://{assertion_file}",
        profile=None,
    ).json()
    assert ASIA_RE.match(result["Credentials"]["AccessKeyId"])
    assert result["AssumedRoleUser"]["Arn"] == fed.assumed_role_arn("cli-session")
    assert result["Subject"] == "alice"
    assert result["Issuer"] == ENTITY_ID


# ---------------------------------------------------------------------------
# Configured audiences
# ---------------------------------------------------------------------------

OWN_AUDIENCE = "https://sts.tessera.test/saml"


def test_configured_audiences_replace_the_default(tessera_bin, aws_cli, idp, tmp_path, request):
    """`--saml-audience` (repeatable) sets the audiences, recipients and
    destinations accepted; AWS's sign-in URL is then no longer one of them."""
    server = TesseraServer(
        tessera_bin,
        aws_cli,
        tmp_path,
        extra_args=["--saml-audience", OWN_AUDIENCE, "--saml-audience", OTHER_URL],
    )
    request.addfinalizer(server.stop)
    server.start()
    fed = register(server, idp, OWN_AUDIENCE)

    ours = dict(audiences=[OWN_AUDIENCE], recipient=OWN_AUDIENCE, destination=OWN_AUDIENCE)
    resp = fed.assume(fed.assertion(**ours))
    assert ASIA_RE.match(resp["Credentials"]["AccessKeyId"])
    assert resp["Audience"] == OWN_AUDIENCE
    # The second configured audience is accepted too (the trust policy's
    # SAML:aud condition then decides).
    other = dict(audiences=[OTHER_URL], recipient=OTHER_URL, destination=OTHER_URL)
    fed.rejected(fed.assertion(**other), "AccessDenied", 403)
    # AWS's default is no longer accepted, in any of the three places.
    fed.rejected(fed.assertion(), "InvalidIdentityToken")
    for field_name, value in (
        ("audiences", [AWS_SAML_ENDPOINT]),
        ("recipient", AWS_SAML_ENDPOINT),
        ("destination", AWS_SAML_ENDPOINT),
    ):
        fed.rejected(fed.assertion(**{**ours, field_name: value}), "InvalidIdentityToken")


def test_json_logs_stay_json_when_signatures_are_refused(tessera_bin, aws_cli, idp, tmp_path, request):
    """libxmlsec1 reports every refused signature; with `--log-format json`
    those reports arrive as JSON log lines like every other."""
    server = TesseraServer(tessera_bin, aws_cli, tmp_path / "node", ["--log-format", "json"])
    request.addfinalizer(server.stop)
    server.start()
    fed = register(server, idp, AWS_SAML_ENDPOINT)
    for part in ("assertion", "response", "both"):
        fed.rejected(encode(fed.response(part, key=SigningKey.generate(ENTITY_ID))), "InvalidIdentityToken")
        tampered = fed.response(part)
        _flip_signature_value(tampered)
        fed.rejected(encode(tampered), "InvalidIdentityToken")
    fed.rejected("PHNhbWxwOlJlc3BvbnNlPjwv", "InvalidIdentityToken")
    fed.assume(fed.assertion())
    server.stop()
    lines = [line for line in server.log().splitlines() if line and not line.startswith("=== start")]
    assert lines
    for line in lines:
        record = json.loads(line)
        assert isinstance(record, dict) and "level" in record, line
    assert any(
        "xmlsec" in json.dumps(json.loads(line).get("target", "")) for line in lines
    ), "libxmlsec1's reports are not among the log lines"
