"""Presigned GetCallerIdentity URLs made by boto3, fetched with plain HTTP.

botocore presigns an STS operation for the HTTP method of its model (POST) unless
`HttpMethod="GET"` is given; AWS checks the method it is fetched with against the
signature (boto/boto3#756: a default URL fetched with GET is SignatureDoesNotMatch).
So URLs meant for a GET are made with HttpMethod="GET", as users of AWS do, and
the default URL is fetched with an empty POST.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import botocore.auth
import pytest
import requests
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from compat_helpers import (
    HEX_CHARS,
    assert_expires_in,
    assert_root_identity,
    assert_xml_error,
    flip_char,
    local,
    parse_iso8601_utc,
    request_id_header,
    signed_form_post,
    xml_text,
)

SIGNATURE_RE = re.compile(r"([?&]X-Amz-Signature=)([0-9a-f]{64})")


@pytest.fixture(scope="module")
def root_account(shared_server) -> str:
    return assert_root_identity(shared_server.client().get_caller_identity())


def _credentials(server, kind):
    return server.root if kind == "root" else server.session_creds(DurationSeconds=900)


def _presign(server, creds, region="us-east-1", expires=60, method="GET") -> str:
    kwargs = {"ExpiresIn": expires}
    if method is not None:
        kwargs["HttpMethod"] = method
    url = server.client(creds, region=region).generate_presigned_url(
        "get_caller_identity", **kwargs
    )
    assert url.startswith(server.endpoint), url
    return url


def _assert_identity_document(resp: requests.Response, account: str) -> None:
    assert resp.status_code == 200, f"presigned URL refused ({resp.status_code}): {resp.text}"
    header_id = request_id_header(resp)
    root = ET.fromstring(resp.content)
    assert local(root.tag) == "GetCallerIdentityResponse", resp.text
    identity = {
        name: xml_text(root, "GetCallerIdentityResult", name)
        for name in ("UserId", "Account", "Arn")
    }
    assert_root_identity(identity, account=account)
    assert xml_text(root, "ResponseMetadata", "RequestId") == header_id, resp.text


@pytest.mark.parametrize("kind", ["root", "session"])
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-3"])
def test_presigned_get_caller_identity(shared_server, root_account, kind, region):
    creds = _credentials(shared_server, kind)
    url = _presign(shared_server, creds, region=region)
    assert "X-Amz-Signature=" in url and f"%2F{region}%2Fsts%2F" in url, url
    if kind == "session":
        assert "X-Amz-Security-Token=" in url, url

    _assert_identity_document(requests.get(url, timeout=15), root_account)


@pytest.mark.parametrize("kind", ["root", "session"])
def test_default_presigned_url_with_empty_post(shared_server, root_account, kind):
    url = _presign(shared_server, _credentials(shared_server, kind), method=None)
    _assert_identity_document(requests.post(url, timeout=15), root_account)


def test_post_presigned_url_fetched_with_get_is_rejected(shared_server):
    """As AWS: the method is part of the signature (boto/boto3#756)."""
    url = _presign(shared_server, shared_server.root, method=None)
    assert_xml_error(requests.get(url, timeout=15), "SignatureDoesNotMatch", 403)


@pytest.mark.parametrize("kind", ["root", "session"])
@pytest.mark.parametrize("position", [0, 31, 63])
def test_presigned_url_with_changed_signature(shared_server, kind, position):
    url = _presign(shared_server, _credentials(shared_server, kind))
    match = SIGNATURE_RE.search(url)
    assert match, f"no hex X-Amz-Signature in {url}"
    signature = match.group(2)
    tampered = url.replace(
        match.group(0), match.group(1) + flip_char(signature, position, HEX_CHARS)
    )
    assert tampered != url
    resp = requests.get(tampered, timeout=15)
    assert_xml_error(resp, "SignatureDoesNotMatch", 403)


def test_presigned_url_with_changed_parameter(shared_server):
    """Changing a signed query parameter (not the signature) also breaks the signature."""
    url = _presign(shared_server, shared_server.root)
    tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
    assert tampered != url, url
    assert_xml_error(requests.get(tampered, timeout=15), "SignatureDoesNotMatch", 403)



def _unsigned_payload_url(server, creds, params=None) -> str:
    """A URL presigned with `UNSIGNED-PAYLOAD` as its payload hash (botocore's
    S3 query signer; other presigners do the same), for `params` or for no
    parameters at all: then its query holds only the X-Amz-* fields."""
    request = AWSRequest(method="POST", url=server.endpoint + "/", params=params or {})
    credentials = Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    botocore.auth.S3SigV4QueryAuth(credentials, "sts", "us-east-1", expires=60).add_auth(request)
    url = request.prepare().url
    assert "X-Amz-Signature=" in url, url
    return url


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.mark.parametrize("unsigned_payload", [False, True])
def test_presigned_url_refuses_a_body(shared_server, unsigned_payload):
    """Only the signed query counts: a body cannot lengthen the session, even
    where the signature says `UNSIGNED-PAYLOAD` and so does not cover it."""
    if unsigned_payload:
        url = _unsigned_payload_url(
            shared_server,
            shared_server.root,
            {"Action": "GetSessionToken", "Version": "2011-06-15"},
        )
    else:
        url = shared_server.client(shared_server.root).generate_presigned_url(
            "get_session_token", ExpiresIn=60
        )
    resp = requests.post(url, data="DurationSeconds=129600", headers=FORM, timeout=15)
    assert_xml_error(resp, "SignatureDoesNotMatch", 403)

    resp = requests.post(url, timeout=15)
    assert resp.status_code == 200, resp.text
    root = ET.fromstring(resp.content)
    assert local(root.tag) == "GetSessionTokenResponse", resp.text


def test_bare_presigned_url_cannot_be_given_an_action(shared_server):
    """A URL carrying only X-Amz-* fields does not let its holder choose the call."""
    url = _unsigned_payload_url(shared_server, shared_server.root)
    assert "Action=" not in url, url
    body = "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=129600"
    resp = requests.post(url, data=body, headers=FORM, timeout=15)
    assert_xml_error(resp, "SignatureDoesNotMatch", 403)
    assert_xml_error(requests.post(url, timeout=15), "MissingAction", 400)


@pytest.mark.parametrize("content_type", [None, "text/plain", FORM["Content-Type"]])
def test_unsigned_content_type_cannot_drop_signed_parameters(shared_server, content_type):
    """A header signature without Content-Type still covers the body, so the
    body's parameters count whatever that unsigned header says."""
    body = "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900"
    creds = shared_server.root
    request = AWSRequest(method="POST", url=shared_server.endpoint + "/", data=body)
    credentials = Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    botocore.auth.SigV4Auth(credentials, "sts", "us-east-1").add_auth(request)
    assert "content-type" not in request.headers["Authorization"].lower()
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    resp = requests.post(shared_server.endpoint + "/", data=body, headers=headers, timeout=15)
    assert resp.status_code == 200, resp.text
    expiration = parse_iso8601_utc(
        xml_text(ET.fromstring(resp.content), "GetSessionTokenResult", "Credentials", "Expiration")
    )
    assert_expires_in(expiration, 900)


def test_a_parameter_given_twice_is_refused(shared_server):
    body = "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900&DurationSeconds=3600"
    resp = signed_form_post(shared_server.endpoint, shared_server.root, body)
    root = assert_xml_error(resp, "InvalidQueryParameter", 400)
    assert xml_text(root, "Error", "Message") == (
        "The request must contain the parameter DurationSeconds only once."
    )
