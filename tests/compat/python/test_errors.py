"""Authentication failures and protocol errors, as AWS reports them."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.exceptions import ClientError

from compat_helpers import (
    BASE64_CHARS,
    STS_VERSION,
    Creds,
    assert_client_error,
    assert_root_identity,
    assert_xml_error,
    flip_char,
    request_id_header,
    signed_form_post,
    utcnow,
    xml_text,
)


@pytest.fixture(scope="module")
def root_account(shared_server) -> str:
    return assert_root_identity(shared_server.client().get_caller_identity())


@pytest.fixture(scope="module")
def two_sessions(shared_server) -> tuple[Creds, Creds]:
    return (
        shared_server.session_creds(DurationSeconds=900),
        shared_server.session_creds(DurationSeconds=900),
    )


def _call_fails(server, creds, code, status, region="us-east-1"):
    with pytest.raises(ClientError) as excinfo:
        server.client(creds, region=region).get_caller_identity()
    return assert_client_error(excinfo, code, status)


# ---- long-term keys --------------------------------------------------------


def test_wrong_secret_is_signature_does_not_match(shared_server):
    root = shared_server.root
    wrong = root.replace(secret_access_key=flip_char(root.secret_access_key, 7, BASE64_CHARS))
    _call_fails(shared_server, wrong, "SignatureDoesNotMatch", 403)


def test_unknown_access_key_is_invalid_client_token_id(shared_server):
    unknown = Creds("AKIAZZZZZZZZZZZZZZZZ", "x" * 40)
    assert unknown.access_key_id != shared_server.root.access_key_id
    _call_fails(shared_server, unknown, "InvalidClientTokenId", 403)


def test_unknown_session_key_without_token_is_invalid_client_token_id(shared_server):
    _call_fails(shared_server, Creds("ASIAZZZZZZZZZZZZZZZZ", "x" * 40), "InvalidClientTokenId", 403)


# ---- temporary credentials --------------------------------------------------


def test_session_credentials_work(shared_server, root_account, two_sessions):
    for session in two_sessions:
        identity = shared_server.client(session).get_caller_identity()
        assert_root_identity(identity, account=root_account)


@pytest.mark.parametrize("position", [0, 3, 10, "middle", -3], ids=str)
def test_tampered_session_token_is_invalid_client_token_id(shared_server, two_sessions, position):
    session = two_sessions[0]
    token = session.session_token
    index = len(token) // 2 if position == "middle" else position
    tampered = flip_char(token, index, BASE64_CHARS)
    assert tampered != token and len(tampered) == len(token)
    _call_fails(shared_server, session.replace(session_token=tampered), "InvalidClientTokenId", 403)


def test_truncated_session_token_is_invalid_client_token_id(shared_server, two_sessions):
    session = two_sessions[0]
    truncated = session.session_token[: len(session.session_token) // 2]
    _call_fails(shared_server, session.replace(session_token=truncated), "InvalidClientTokenId", 403)


@pytest.mark.parametrize("secret_of", ["other", "token-owner"])
def test_session_token_with_another_access_key_id(shared_server, two_sessions, secret_of):
    """A token presented with the key id of a different session is not accepted."""
    first, second = two_sessions
    assert first.access_key_id != second.access_key_id
    mixed = Creds(
        access_key_id=second.access_key_id,
        secret_access_key=(second if secret_of == "other" else first).secret_access_key,
        session_token=first.session_token,
    )
    _call_fails(shared_server, mixed, "InvalidClientTokenId", 403)


def test_session_token_with_the_root_access_key_id(shared_server, two_sessions):
    root = shared_server.root
    mixed = root.replace(session_token=two_sessions[0].session_token)
    _call_fails(shared_server, mixed, "InvalidClientTokenId", 403)


def test_session_key_with_wrong_secret_is_signature_does_not_match(shared_server, two_sessions):
    session = two_sessions[0]
    wrong = session.replace(
        secret_access_key=flip_char(session.secret_access_key, 5, BASE64_CHARS)
    )
    _call_fails(shared_server, wrong, "SignatureDoesNotMatch", 403)


# ---- unsigned and malformed requests ------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unsigned_request_is_missing_authentication_token(shared_server, method):
    params = {"Action": "GetCallerIdentity", "Version": STS_VERSION}
    if method == "GET":
        resp = requests.get(shared_server.endpoint + "/", params=params, timeout=15)
    else:
        resp = requests.post(shared_server.endpoint + "/", data=params, timeout=15)
    assert_xml_error(resp, "MissingAuthenticationToken", 403)


def test_signed_unknown_action_is_invalid_action(shared_server):
    resp = signed_form_post(
        shared_server.endpoint,
        shared_server.root,
        f"Action=NoSuchAction&Version={STS_VERSION}",
    )
    assert_xml_error(resp, "InvalidAction", 400)


def test_signed_form_post_of_a_known_action_succeeds(shared_server, root_account):
    """Control for the raw-signing helper: the same path with a real action works."""
    resp = signed_form_post(
        shared_server.endpoint,
        shared_server.root,
        f"Action=GetCallerIdentity&Version={STS_VERSION}",
        region="eu-west-3",
    )
    assert resp.status_code == 200, resp.text
    request_id_header(resp)
    root = ET.fromstring(resp.content)
    assert xml_text(root, "GetCallerIdentityResult", "Account") == root_account, resp.text


def test_request_signed_twenty_minutes_ago_is_rejected(shared_server, monkeypatch):
    """Beyond AWS's 15-minute skew a correct signature is refused (403)."""
    when = utcnow().replace(tzinfo=None) - dt.timedelta(minutes=20)
    resp = signed_form_post(
        shared_server.endpoint,
        shared_server.root,
        f"Action=GetCallerIdentity&Version={STS_VERSION}",
        when=when,
        monkeypatch=monkeypatch,
    )
    assert resp.request.headers["X-Amz-Date"] == when.strftime("%Y%m%dT%H%M%SZ")
    assert resp.status_code == 403, f"a 20-minute-old signature was accepted: {resp.text}"
    code = xml_text(ET.fromstring(resp.content), "Error", "Code")
    assert code in {"SignatureDoesNotMatch", "RequestExpired"}, resp.text
