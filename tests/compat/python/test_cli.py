"""The real aws CLI against a running tessera server."""

from __future__ import annotations

import pytest

from compat_helpers import (
    ASIA_RE,
    Creds,
    assert_expires_in,
    assert_root_identity,
    parse_iso8601_utc,
)


@pytest.fixture(scope="module")
def root_account(shared_server) -> str:
    return assert_root_identity(shared_server.client().get_caller_identity())


@pytest.mark.parametrize(
    "endpoint_via, region",
    [
        ("--endpoint-url", "us-east-1"),
        ("AWS_ENDPOINT_URL_STS", "us-east-1"),
        ("--endpoint-url", "eu-west-3"),
        ("AWS_ENDPOINT_URL_STS", "eu-west-3"),
    ],
)
def test_cli_get_caller_identity_as_root(shared_server, root_account, endpoint_via, region):
    by_flag = endpoint_via == "--endpoint-url"
    result = shared_server.cli(
        "--debug",
        "sts",
        "get-caller-identity",
        region=region,
        endpoint_flag=by_flag,
        extra_env=None if by_flag else {"AWS_ENDPOINT_URL_STS": shared_server.endpoint},
    )
    identity = result.json()
    assert_root_identity(identity, account=root_account)
    # The request really went to tessera, signed for the region asked for.
    assert f"/{region}/sts/aws4_request" in result.stderr, (
        f"the CLI did not sign for {region}: credential scope missing from its debug log"
    )
    assert f"127.0.0.1:{shared_server.port}" in result.stderr, (
        "the CLI did not send the request to the tessera endpoint"
    )


@pytest.mark.parametrize(
    "requested, expected",
    [(None, 3600), (7200, 3600), (900, 900)],
    ids=["default", "7200-capped", "900"],
)
def test_cli_get_session_token_as_root(shared_server, root_account, requested, expected):
    args = ["sts", "get-session-token"]
    if requested is not None:
        args += ["--duration-seconds", str(requested)]
    creds = shared_server.cli(*args).json()["Credentials"]

    assert ASIA_RE.match(creds["AccessKeyId"]), f"not an ASIA key id: {creds['AccessKeyId']!r}"
    assert len(creds["SecretAccessKey"]) == 40, f"secret is not 40 characters: {creds!r}"
    assert creds["SessionToken"], "empty SessionToken"
    # awscli v1 prints the timestamp exactly as the server sent it.
    expiration = parse_iso8601_utc(creds["Expiration"])
    assert_expires_in(expiration, expected)


def test_cli_session_credentials_from_environment(shared_server, root_account):
    raw = shared_server.cli("sts", "get-session-token", "--duration-seconds", "7200").json()
    session = Creds.from_sts(raw["Credentials"])
    # No --profile: the CLI takes AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN.
    identity = shared_server.cli("sts", "get-caller-identity", profile=None, creds=session).json()
    assert_root_identity(identity, account=root_account)

    # Without the session token the same key id is not accepted.
    bare = shared_server.cli(
        "sts", "get-caller-identity", profile=None, creds=session.replace(session_token=None)
    )
    assert bare.returncode != 0, f"an ASIA key without its token was accepted: {bare.stdout}"
    assert "InvalidClientTokenId" in bare.stderr, bare.stderr


def test_cli_wrong_secret_is_signature_does_not_match(shared_server):
    root = shared_server.root
    wrong = root.replace(secret_access_key=root.secret_access_key[::-1])
    result = shared_server.cli("sts", "get-caller-identity", profile=None, creds=wrong)
    assert result.returncode != 0, f"a wrong secret was accepted: {result.stdout}"
    assert "SignatureDoesNotMatch" in result.stderr, result.stderr
