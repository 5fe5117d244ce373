"""boto3 against a running tessera server: the STS actions and their errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from compat_helpers import (
    AKIA_RE,
    ASIA_RE,
    Creds,
    assert_client_error,
    assert_expires_in,
    assert_root_identity,
)


@pytest.fixture(scope="module")
def root_account(shared_server) -> str:
    return assert_root_identity(shared_server.client().get_caller_identity())


@pytest.fixture(scope="module")
def session(shared_server) -> Creds:
    return shared_server.session_creds(DurationSeconds=900)


def test_get_caller_identity_as_root(shared_server, root_account):
    resp = shared_server.client().get_caller_identity()
    assert_root_identity(resp, account=root_account)
    meta = resp["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 200
    assert meta["RequestId"], f"no <RequestId> in the response: {meta!r}"
    assert meta["HTTPHeaders"].get("x-amzn-requestid") == meta["RequestId"], (
        f"x-amzn-RequestId header differs from <RequestId>: {meta!r}"
    )


def test_request_ids_are_unique(shared_server):
    client = shared_server.client()
    ids = {client.get_caller_identity()["ResponseMetadata"]["RequestId"] for _ in range(5)}
    assert len(ids) == 5, f"request ids repeat: {ids!r}"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-3", "ap-southeast-2"])
def test_any_region_in_the_credential_scope(shared_server, root_account, region):
    identity = shared_server.client(region=region).get_caller_identity()
    assert_root_identity(identity, account=root_account)


def test_get_session_token_as_root_is_capped_at_one_hour(shared_server, root_account):
    resp = shared_server.client().get_session_token(DurationSeconds=7200)
    creds = resp["Credentials"]
    assert ASIA_RE.match(creds["AccessKeyId"]), f"not an ASIA key id: {creds['AccessKeyId']!r}"
    assert len(creds["SecretAccessKey"]) == 40, "secret is not 40 characters"
    assert creds["SessionToken"], "empty SessionToken"
    # botocore parsed <Expiration> as a timestamp: it is well-formed and in UTC.
    assert_expires_in(creds["Expiration"], 3600)
    assert creds["Expiration"].utcoffset().total_seconds() == 0, creds["Expiration"]

    identity = shared_server.client(Creds.from_sts(creds)).get_caller_identity()
    assert_root_identity(identity, account=root_account)


def test_session_credentials_are_distinct(shared_server):
    a = shared_server.session_creds(DurationSeconds=900)
    b = shared_server.session_creds(DurationSeconds=900)
    assert a.access_key_id != b.access_key_id
    assert a.secret_access_key != b.secret_access_key
    assert a.session_token != b.session_token


@pytest.mark.parametrize("caller", ["root", "session"])
@pytest.mark.parametrize("key", ["AKIA", "ASIA"])
def test_get_access_key_info(shared_server, root_account, session, caller, key):
    root = shared_server.root
    assert AKIA_RE.match(root.access_key_id), f"root key is not AKIA: {root.access_key_id!r}"
    key_id = root.access_key_id if key == "AKIA" else session.access_key_id
    client = shared_server.client(root if caller == "root" else session)
    resp = client.get_access_key_info(AccessKeyId=key_id)
    assert resp["Account"] == root_account, f"GetAccessKeyInfo({key_id}) -> {resp!r}"


def test_get_access_key_info_reads_aws_key_ids(shared_server):
    # Any AWS key id names its account in its bits: AWS's documented example
    # key belongs to 581039954779.
    resp = shared_server.client().get_access_key_info(AccessKeyId="AKIAIOSFODNN7EXAMPLE")
    assert resp["Account"] == "581039954779", resp


@pytest.mark.parametrize(
    "duration, message",
    [
        (
            100,
            "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value greater than or equal to 900",
        ),
        (
            129601,
            "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value less than or equal to 129600",
        ),
    ],
)
def test_get_session_token_duration_out_of_range(shared_server, duration, message):
    # botocore checks the model's minimum itself; turn that off to reach the server.
    client = shared_server.client(validate_params=False)
    with pytest.raises(ClientError) as excinfo:
        client.get_session_token(DurationSeconds=duration)
    response = assert_client_error(excinfo, "ValidationError", 400)
    assert response["Error"]["Message"] == message
    assert response["Error"].get("Type") == "Sender", response["Error"]


def test_get_session_token_with_session_credentials_is_denied(shared_server, session):
    with pytest.raises(ClientError) as excinfo:
        shared_server.client(session).get_session_token()
    assert_client_error(excinfo, "AccessDenied", 403)


def test_session_credentials_survive_many_calls(shared_server, root_account, session):
    client = shared_server.client(session)
    for _ in range(3):
        assert_root_identity(client.get_caller_identity(), account=root_account)
