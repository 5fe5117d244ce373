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

import pytest
import requests

from compat_helpers import (
    HEX_CHARS,
    assert_root_identity,
    assert_xml_error,
    flip_char,
    local,
    request_id_header,
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

