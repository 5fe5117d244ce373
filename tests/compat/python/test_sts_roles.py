"""Role assumption, federation tokens, MFA, session tags, revocation and
authorization messages, driven through boto3 and the real aws CLI.

These are the seed scenarios of the STS core: cross-account access, a third
party with an external id, a service-only trust policy, an MFA-protected role,
a federation broker, role chaining, session tags in conditions, a CLI profile
with `role_arn` + `source_profile`, session revocation, the parameter errors of
AssumeRole and DecodeAuthorizationMessage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import time
import uuid
import xml.etree.ElementTree as ET

import botocore.auth
import pytest
import requests
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from compat_helpers import (
    ASIA_RE,
    BASE64_CHARS,
    Creds,
    assert_client_error,
    flip_char,
    xml_text,
)
from harness import eventually, iam_client

ENCODED_MARKER = ". Encoded authorization failure message: "


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def sts_client(server, creds: Creds | None = None, validate_params: bool = True):
    return server.client(creds, validate_params=validate_params)


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", condition: dict | None = None) -> dict:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def trust(principal: dict, action="sts:AssumeRole", condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return document(statement)


def make_user(iam, *statements: dict) -> tuple[str, str, Creds]:
    """A user with an access key and (if given) an inline policy: (name, arn, creds)."""
    name = unique("user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=document(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, arn, Creds(key["AccessKeyId"], key["SecretAccessKey"])


def make_role(iam, trust_policy: str, *statements: dict, **kwargs) -> tuple[str, str]:
    """A role with the trust policy and (if given) an inline policy: (name, arn)."""
    name = unique("role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy, **kwargs)["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=document(*statements))
    return name, arn


def assume(server, creds: Creds, role_arn: str, session_name: str | None = None, **kwargs) -> tuple[dict, Creds]:
    resp = sts_client(server, creds).assume_role(
        RoleArn=role_arn, RoleSessionName=session_name or unique("s"), **kwargs
    )
    return resp, Creds.from_sts(resp["Credentials"])


def assert_denied(excinfo, principal_arn: str, action: str, resource: str | None = None) -> str:
    """An AccessDenied of a policy decision with AWS's message; returns the encoded message."""
    resp = assert_client_error(excinfo, "AccessDenied", 403)
    message = resp["Error"]["Message"]
    prefix = f"User: {principal_arn} is not authorized to perform: {action} on resource: "
    assert message.startswith(prefix), f"expected a message starting {prefix!r}, got {message!r}"
    assert ENCODED_MARKER in message, f"no encoded authorization message in {message!r}"
    got_resource, encoded = message[len(prefix):].split(ENCODED_MARKER, 1)
    if resource is not None:
        assert got_resource == resource, f"expected resource {resource!r} in {message!r}"
    assert encoded.strip(), f"empty encoded authorization message in {message!r}"
    return encoded.strip()


def assumed_role_arn(account: str, role_arn: str, session: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role_arn.rsplit('/', 1)[1]}/{session}"


def totp(seed, step: int) -> str:
    """RFC 6238 TOTP (SHA-1, 6 digits) of a Base32 seed at time step `step`."""
    if isinstance(seed, bytes):
        seed = seed.decode("ascii")
    seed = seed.strip().upper()
    key = base64.b32decode(seed + "=" * (-len(seed) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def enable_virtual_mfa(iam, user_name: str) -> tuple[str, str]:
    """Enables a new virtual MFA device for the user with the codes of the
    previous and the current 30-second step; returns (serial number, the code
    of the next step), which the server accepts once until a minute from now."""
    created = iam.create_virtual_mfa_device(VirtualMFADeviceName=unique("mfa"))["VirtualMFADevice"]
    serial, seed = created["SerialNumber"], created["Base32StringSeed"]
    if time.time() % 30 > 27:  # keep clear of a step boundary while enabling
        time.sleep(30 - time.time() % 30 + 0.2)
    step = int(time.time()) // 30
    iam.enable_mfa_device(
        UserName=user_name,
        SerialNumber=serial,
        AuthenticationCode1=totp(seed, step - 1),
        AuthenticationCode2=totp(seed, step),
    )
    return serial, totp(seed, step + 1)


def sleep_to_next_second() -> None:
    """Revocation has one-second granularity: sessions issued in a later second work."""
    time.sleep(1.05 - time.time() % 1)


def iam_form_post(server, creds: Creds, params: dict) -> requests.Response:
    """An IAM-namespace Query request signed for service `iam` with botocore's SigV4Auth."""
    body = requests.models.RequestEncodingMixin._encode_params({**params, "Version": "2010-05-08"})
    request = AWSRequest(
        method="POST",
        url=server.endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    credentials = Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    botocore.auth.SigV4Auth(credentials, "iam", "us-east-1").add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=15)


# ---------------------------------------------------------------------------
# Fixtures: one server, account A (the bootstrap account) and account B
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def srv(shared_server):
    return shared_server


@pytest.fixture(scope="module")
def account_a(srv) -> str:
    return srv.client().get_caller_identity()["Account"]


@pytest.fixture(scope="module")
def iam_a(srv):
    return iam_client(srv)


@pytest.fixture(scope="module")
def partner(srv) -> tuple[str, Creds]:
    """Account B, created with `tessera account create` while the server runs."""
    name = unique("partner")
    result = srv.tessera("account", "create", name, "--data-dir", str(srv.data_dir), check=True)
    account = result.stdout.strip()
    assert account.isdigit() and len(account) == 12, f"not an account id: {result.stdout!r}"
    creds = srv.profiles()[f"{name}-root"]
    identity = srv.client(creds).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{account}:root"
    return account, creds


@pytest.fixture(scope="module")
def account_b(partner) -> str:
    return partner[0]


@pytest.fixture(scope="module")
def iam_b(srv, partner):
    return iam_client(srv, partner[1])


# ---------------------------------------------------------------------------
# (1) Cross-account access
# ---------------------------------------------------------------------------


def test_cross_account_role(srv, iam_a, iam_b, account_a, account_b):
    role_name, role_arn = make_role(
        iam_b,
        trust({"AWS": f"arn:aws:iam::{account_a}:root"}),
        allow(["iam:ListUsers", "iam:GetUser"]),
    )
    b_user = iam_b.create_user(UserName=unique("b-user"))["User"]["UserName"]
    a_name, a_arn, a_creds = make_user(iam_a, allow("sts:AssumeRole", role_arn))
    # Without an identity policy in A, B's trust alone is not enough.
    _, bare_arn, bare_creds = make_user(iam_a)
    with pytest.raises(ClientError) as exc:
        assume(srv, bare_creds, role_arn)
    assert_denied(exc, bare_arn, "sts:AssumeRole", role_arn)

    resp, creds = assume(srv, a_creds, role_arn, "cross")
    assert resp["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account_b}:assumed-role/{role_name}/cross"
    role_id = iam_b.get_role(RoleName=role_name)["Role"]["RoleId"]
    assert resp["AssumedRoleUser"]["AssumedRoleId"] == f"{role_id}:cross"
    assert ASIA_RE.match(creds.access_key_id)
    identity = srv.client(creds).get_caller_identity()
    assert identity["Account"] == account_b
    assert identity["Arn"] == resp["AssumedRoleUser"]["Arn"]

    session_iam = iam_client(srv, creds)
    names = {u["UserName"] for u in session_iam.list_users()["Users"]}
    assert b_user in names, f"B's user missing from {names}"
    assert a_name not in names, f"A's user listed in B: {names}"
    assert session_iam.get_user(UserName=b_user)["User"]["Arn"] == f"arn:aws:iam::{account_b}:user/{b_user}"

    denied_name = unique("nope")
    with pytest.raises(ClientError) as exc:
        session_iam.create_user(UserName=denied_name)
    assert_denied(
        exc, resp["AssumedRoleUser"]["Arn"], "iam:CreateUser", f"arn:aws:iam::{account_b}:user/{denied_name}"
    )
    with pytest.raises(iam_b.exceptions.NoSuchEntityException):
        iam_b.get_user(UserName=denied_name)


# ---------------------------------------------------------------------------
# (2) A third party with an external id
# ---------------------------------------------------------------------------


def test_external_id(srv, iam_a, iam_b, account_a, account_b):
    external_id = unique("ext")
    role_name, role_arn = make_role(
        iam_b,
        trust(
            {"AWS": f"arn:aws:iam::{account_a}:root"},
            condition={"StringEquals": {"sts:ExternalId": external_id}},
        ),
        allow("iam:ListRoles"),
    )
    _, user_arn, creds = make_user(iam_a, allow("sts:AssumeRole"))
    with pytest.raises(ClientError) as exc:
        assume(srv, creds, role_arn)
    assert_denied(exc, user_arn, "sts:AssumeRole", role_arn)
    with pytest.raises(ClientError) as exc:
        assume(srv, creds, role_arn, ExternalId=external_id + "-wrong")
    assert_denied(exc, user_arn, "sts:AssumeRole", role_arn)

    resp, session = assume(srv, creds, role_arn, "third-party", ExternalId=external_id)
    assert resp["AssumedRoleUser"]["Arn"] == assumed_role_arn(account_b, role_arn, "third-party")
    assert srv.client(session).get_caller_identity()["Account"] == account_b
    roles = {r["RoleName"] for r in iam_client(srv, session).list_roles()["Roles"]}
    assert role_name in roles


# ---------------------------------------------------------------------------
# (3) A service-only trust policy
# ---------------------------------------------------------------------------


def test_service_only_trust_policy(srv, iam_a, account_a):
    _, lambda_arn = make_role(iam_a, trust({"Service": "lambda.amazonaws.com"}), allow("iam:ListUsers"))
    _, user_arn, user_creds = make_user(iam_a, allow("sts:AssumeRole", lambda_arn))
    with pytest.raises(ClientError) as exc:
        assume(srv, user_creds, lambda_arn)
    assert_denied(exc, user_arn, "sts:AssumeRole", lambda_arn)

    # A role session allowed sts:AssumeRole on everything is refused as well.
    _, hop_arn = make_role(iam_a, trust({"AWS": f"arn:aws:iam::{account_a}:root"}), allow("sts:AssumeRole"))
    _, _, user2_creds = make_user(iam_a, allow("sts:AssumeRole"))
    resp, hop = assume(srv, user2_creds, hop_arn, "hop")
    with pytest.raises(ClientError) as exc:
        assume(srv, hop, lambda_arn)
    assert_denied(exc, resp["AssumedRoleUser"]["Arn"], "sts:AssumeRole", lambda_arn)


# ---------------------------------------------------------------------------
# (4) An MFA-protected role; GetSessionToken with and without MFA
# ---------------------------------------------------------------------------


def test_mfa_protected_role(srv, iam_a, account_a):
    _, role_arn = make_role(
        iam_a,
        trust(
            {"AWS": f"arn:aws:iam::{account_a}:root"},
            condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        ),
        allow("iam:ListRoles"),
    )
    name, user_arn, creds = make_user(iam_a, allow("sts:AssumeRole", role_arn))
    serial, code = enable_virtual_mfa(iam_a, name)
    assert serial == f"arn:aws:iam::{account_a}:mfa/" + serial.rsplit("/", 1)[1]

    with pytest.raises(ClientError) as exc:
        assume(srv, creds, role_arn)
    assert_denied(exc, user_arn, "sts:AssumeRole", role_arn)

    resp, session = assume(srv, creds, role_arn, "with-mfa", SerialNumber=serial, TokenCode=code)
    assert resp["AssumedRoleUser"]["Arn"] == assumed_role_arn(account_a, role_arn, "with-mfa")
    assert iam_client(srv, session).list_roles()["Roles"]

    # The same code a second time: refused.
    with pytest.raises(ClientError) as exc:
        assume(srv, creds, role_arn, SerialNumber=serial, TokenCode=code)
    assert_client_error(exc, "AccessDenied", 403)


def test_get_session_token_with_and_without_mfa(srv, iam_a, account_a):
    _, mfa_role_arn = make_role(
        iam_a,
        trust(
            {"AWS": f"arn:aws:iam::{account_a}:root"},
            condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        ),
        allow("iam:ListRoles"),
    )
    name, user_arn, creds = make_user(iam_a, allow(["iam:ListUsers", "sts:AssumeRole"]))
    serial, code = enable_virtual_mfa(iam_a, name)

    with_mfa = srv.session_creds(creds, SerialNumber=serial, TokenCode=code, DurationSeconds=900)
    identity = srv.client(with_mfa).get_caller_identity()
    assert identity["Arn"] == user_arn
    assert identity["Account"] == account_a
    users = {u["UserName"] for u in iam_client(srv, with_mfa).list_users()["Users"]}
    assert name in users
    # ... but only as the user's policies allow.
    with pytest.raises(ClientError) as exc:
        iam_client(srv, with_mfa).list_roles()
    assert_denied(exc, user_arn, "iam:ListRoles")
    # The MFA session carries aws:MultiFactorAuthPresent into AssumeRole.
    resp, _ = assume(srv, with_mfa, mfa_role_arn, "from-mfa-session")
    assert resp["AssumedRoleUser"]["Arn"] == assumed_role_arn(account_a, mfa_role_arn, "from-mfa-session")

    without_mfa = srv.session_creds(creds, DurationSeconds=900)
    assert srv.client(without_mfa).get_caller_identity()["Arn"] == user_arn
    with pytest.raises(ClientError) as exc:
        iam_client(srv, without_mfa).list_users()
    assert_client_error(exc, "AccessDenied", 403)
    with pytest.raises(ClientError) as exc:
        assume(srv, without_mfa, mfa_role_arn)
    assert_denied(exc, user_arn, "sts:AssumeRole", mfa_role_arn)


# ---------------------------------------------------------------------------
# (5) A federation broker
# ---------------------------------------------------------------------------


def test_federation_broker(srv, iam_a, account_a):
    _, broker_arn, broker = make_user(
        iam_a, allow(["sts:GetFederationToken", "iam:ListUsers", "iam:ListRoles"])
    )
    fed_name = f"fed{uuid.uuid4().hex[:8]}"
    resp = sts_client(srv, broker).get_federation_token(
        Name=fed_name,
        Policy=document(allow(["iam:ListRoles", "iam:ListGroups"])),
        DurationSeconds=900,
    )
    fed_arn = f"arn:aws:sts::{account_a}:federated-user/{fed_name}"
    assert resp["FederatedUser"] == {"Arn": fed_arn, "FederatedUserId": f"{account_a}:{fed_name}"}
    fed = Creds.from_sts(resp["Credentials"])
    identity = srv.client(fed).get_caller_identity()
    assert identity["Arn"] == fed_arn and identity["Account"] == account_a

    # AWS lets a federated user call no IAM action and no STS action but
    # GetCallerIdentity, whatever the broker's and the session's policies say.
    fed_iam = iam_client(srv, fed)
    for call, action in [
        (fed_iam.list_roles, "iam:ListRoles"),  # both allow it
        (fed_iam.list_users, "iam:ListUsers"),  # the broker may, the session policy does not
        (fed_iam.list_groups, "iam:ListGroups"),  # the session policy may, the broker does not
        (lambda: fed_iam.create_access_key(UserName="broker"), "iam:CreateAccessKey"),
    ]:
        with pytest.raises(ClientError) as exc:
            call()
        resp = assert_client_error(exc, "AccessDenied", 403)
        assert resp["Error"]["Message"].startswith(
            f"User: {fed_arn} is not authorized to perform: {action} on resource: "
        ), resp["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        sts_client(srv, fed).decode_authorization_message(EncodedMessage="x")
    assert_client_error(exc, "AccessDenied", 403)

    bare_name = f"bare{uuid.uuid4().hex[:8]}"
    bare = Creds.from_sts(
        sts_client(srv, broker).get_federation_token(Name=bare_name, DurationSeconds=900)["Credentials"]
    )
    with pytest.raises(ClientError) as exc:
        iam_client(srv, bare).list_roles()
    assert_client_error(exc, "AccessDenied", 403)

    # A user without sts:GetFederationToken cannot broker.
    _, plain_arn, plain = make_user(iam_a, allow("iam:ListRoles"))
    with pytest.raises(ClientError) as exc:
        sts_client(srv, plain).get_federation_token(Name="nobody", Policy=document(allow("iam:ListRoles")))
    assert_denied(exc, plain_arn, "sts:GetFederationToken")


# ---------------------------------------------------------------------------
# (6) Role chaining capped at one hour; transitive tags carry over
# ---------------------------------------------------------------------------


def test_role_chaining_is_capped_at_one_hour(srv, iam_a, account_a):
    root_trust = trust({"AWS": f"arn:aws:iam::{account_a}:root"}, action=["sts:AssumeRole", "sts:TagSession"])
    _, first_arn = make_role(iam_a, root_trust, allow(["sts:AssumeRole", "sts:TagSession"]))
    _, second_arn = make_role(
        iam_a,
        root_trust,
        allow("iam:ListUsers", condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
        MaxSessionDuration=43200,
    )
    _, _, user = make_user(iam_a, allow(["sts:AssumeRole", "sts:TagSession"]))
    # The user itself may have two hours of the second role.
    resp, _ = assume(srv, user, second_arn, DurationSeconds=7200)
    assert resp["Credentials"]["Expiration"].timestamp() - time.time() > 7000

    _, first = assume(
        srv,
        user,
        first_arn,
        "first",
        Tags=[{"Key": "team", "Value": "blue"}],
        TransitiveTagKeys=["team"],
    )
    with pytest.raises(ClientError) as exc:
        assume(srv, first, second_arn, DurationSeconds=7200)
    resp = assert_client_error(exc, "ValidationError", 400)
    assert "DurationSeconds" in resp["Error"]["Message"] or "1 hour" in resp["Error"]["Message"] or (
        "3600" in resp["Error"]["Message"]
    ), resp["Error"]["Message"]

    resp, chained = assume(srv, first, second_arn, "second", DurationSeconds=3600)
    expected = assumed_role_arn(account_a, second_arn, "second")
    assert resp["AssumedRoleUser"]["Arn"] == expected
    assert srv.client(chained).get_caller_identity()["Arn"] == expected
    # The transitive tag team=blue satisfies the second role's condition.
    assert "Users" in iam_client(srv, chained).list_users()


# ---------------------------------------------------------------------------
# (7) Session tags in a condition of the role's policy
# ---------------------------------------------------------------------------


def test_session_tags_in_conditions(srv, iam_a, account_a):
    _, role_arn = make_role(
        iam_a,
        trust({"AWS": f"arn:aws:iam::{account_a}:root"}, action=["sts:AssumeRole", "sts:TagSession"]),
        allow("iam:ListUsers", condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
    )
    _, _, user = make_user(iam_a, allow(["sts:AssumeRole", "sts:TagSession"], role_arn))

    _, blue = assume(srv, user, role_arn, "blue", Tags=[{"Key": "team", "Value": "blue"}])
    assert "Users" in iam_client(srv, blue).list_users()

    resp, red = assume(srv, user, role_arn, "red", Tags=[{"Key": "team", "Value": "red"}])
    with pytest.raises(ClientError) as exc:
        iam_client(srv, red).list_users()
    assert_denied(exc, resp["AssumedRoleUser"]["Arn"], "iam:ListUsers")

    resp, untagged = assume(srv, user, role_arn, "untagged")
    with pytest.raises(ClientError) as exc:
        iam_client(srv, untagged).list_users()
    assert_denied(exc, resp["AssumedRoleUser"]["Arn"], "iam:ListUsers")

    # Passing tags needs sts:TagSession from the caller's own policies.
    _, no_tag_arn, no_tag = make_user(iam_a, allow("sts:AssumeRole", role_arn))
    with pytest.raises(ClientError) as exc:
        assume(srv, no_tag, role_arn, Tags=[{"Key": "team", "Value": "blue"}])
    assert_denied(exc, no_tag_arn, "sts:TagSession", role_arn)
    assume(srv, no_tag, role_arn)


# ---------------------------------------------------------------------------
# (8) An aws CLI profile with role_arn + source_profile
# ---------------------------------------------------------------------------


def test_cli_profile_assumes_role_transparently(srv, iam_a, account_a, tmp_path):
    role_name, role_arn = make_role(
        iam_a, trust({"AWS": f"arn:aws:iam::{account_a}:root"}), allow("iam:ListUsers")
    )
    user_name, _, user = make_user(iam_a, allow("sts:AssumeRole", role_arn))
    config = tmp_path / "config"
    config.write_text(
        "[profile source]\n"
        f"aws_access_key_id = {user.access_key_id}\n"
        f"aws_secret_access_key = {user.secret_access_key}\n"
        "region = us-east-1\n"
        "\n"
        "[profile deploy]\n"
        f"role_arn = {role_arn}\n"
        "source_profile = source\n"
        "role_session_name = cli-session\n"
        "region = us-east-1\n"
    )
    env = {
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_ENDPOINT_URL_STS": srv.endpoint,
        "AWS_ENDPOINT_URL_IAM": srv.endpoint,
    }
    identity = srv.cli("sts", "get-caller-identity", profile="deploy", endpoint_flag=False, extra_env=env).json()
    assert identity["Arn"] == f"arn:aws:sts::{account_a}:assumed-role/{role_name}/cli-session"
    assert identity["Account"] == account_a

    users = srv.cli("iam", "list-users", profile="deploy", endpoint_flag=False, extra_env=env).json()
    assert user_name in {u["UserName"] for u in users["Users"]}
    denied = srv.cli(
        "iam", "list-roles", profile="deploy", endpoint_flag=False, extra_env=env
    )
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr and "iam:ListRoles" in denied.stderr, denied.stderr

    # The source profile is still the user itself.
    source = srv.cli("sts", "get-caller-identity", profile="source", endpoint_flag=False, extra_env=env).json()
    assert source["Arn"] == f"arn:aws:iam::{account_a}:user/{user_name}"


# ---------------------------------------------------------------------------
# (9) Revocation
# ---------------------------------------------------------------------------


def test_revocation(srv, iam_a, account_a):
    root_trust = trust({"AWS": f"arn:aws:iam::{account_a}:root"})
    _, role_arn = make_role(iam_a, root_trust, allow("iam:ListRoles"))
    _, other_arn = make_role(iam_a, root_trust, allow("iam:ListRoles"))
    _, _, user = make_user(iam_a, allow("sts:AssumeRole"))

    _, early = assume(srv, user, role_arn, "early")
    _, other = assume(srv, user, other_arn, "other")
    assert srv.client(early).get_caller_identity()["Arn"] == assumed_role_arn(account_a, role_arn, "early")

    srv.tessera("sessions", "revoke", "--role", role_arn, "--data-dir", str(srv.data_dir), check=True)

    def refused(call) -> None:
        try:
            call()
        except ClientError as error:
            assert error.response["Error"]["Code"] == "InvalidClientTokenId", error.response
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403, error.response
        else:
            raise AssertionError("the revoked session still works")

    # The CLI wrote the mark; the server sees it within a second.
    eventually(lambda: refused(lambda: srv.client(early).get_caller_identity()), timeout=1.0)
    refused(lambda: iam_client(srv, early).list_roles())
    # Another role's sessions are untouched.
    assert srv.client(other).get_caller_identity()["Arn"] == assumed_role_arn(account_a, other_arn, "other")

    sleep_to_next_second()
    _, later = assume(srv, user, role_arn, "later")
    assert srv.client(later).get_caller_identity()["Arn"] == assumed_role_arn(account_a, role_arn, "later")
    assert "Roles" in iam_client(srv, later).list_roles()

    # The same through the API action RevokeSessions, signed for iam by the root.
    resp = iam_form_post(srv, srv.root, {"Action": "RevokeSessions", "PrincipalArn": role_arn})
    assert resp.status_code == 200, resp.text
    root = ET.fromstring(resp.content)
    assert xml_text(root, "RevokeSessionsResult", "PrincipalArn") == role_arn, resp.text
    assert xml_text(root, "RevokeSessionsResult", "RevokedBefore"), resp.text
    with pytest.raises(ClientError) as exc:
        srv.client(later).get_caller_identity()
    assert_client_error(exc, "InvalidClientTokenId", 403)
    sleep_to_next_second()
    _, latest = assume(srv, user, role_arn, "latest")
    assert srv.client(latest).get_caller_identity()["Arn"] == assumed_role_arn(account_a, role_arn, "latest")

    # A user without iam:RevokeSessions may not revoke.
    _, user2_arn, user2 = make_user(iam_a)
    resp = iam_form_post(srv, user2, {"Action": "RevokeSessions", "PrincipalArn": role_arn})
    assert resp.status_code == 403, resp.text
    assert xml_text(ET.fromstring(resp.content), "Error", "Code") == "AccessDenied", resp.text
    assert srv.client(latest).get_caller_identity()["Arn"] == assumed_role_arn(account_a, role_arn, "latest")


# ---------------------------------------------------------------------------
# (10) Parameter errors of AssumeRole
# ---------------------------------------------------------------------------


def test_assume_role_parameter_errors(srv, iam_a, account_a):
    _, role_arn = make_role(iam_a, trust({"AWS": f"arn:aws:iam::{account_a}:root"}), allow("iam:ListRoles"))
    _, user_arn, user = make_user(iam_a, allow("sts:AssumeRole"))
    raw = sts_client(srv, user, validate_params=False)

    def error(expected_code: str, status: int, **params) -> dict:
        params.setdefault("RoleArn", role_arn)
        params.setdefault("RoleSessionName", "errors")
        with pytest.raises(ClientError) as exc:
            raw.assume_role(**params)
        return assert_client_error(exc, expected_code, status)

    error("ValidationError", 400, RoleSessionName="a")
    error("ValidationError", 400, RoleSessionName="x" * 65)
    error("ValidationError", 400, RoleSessionName="has space")
    error("ValidationError", 400, DurationSeconds=899)
    error("ValidationError", 400, DurationSeconds=3601)  # the role's MaxSessionDuration is 3600
    error("ValidationError", 400, ExternalId="e")
    error("ValidationError", 400, SourceIdentity="s")
    error("MalformedPolicyDocument", 400, Policy="{not json")
    error("MalformedPolicyDocument", 400, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}))

    unknown = f"arn:aws:iam::{account_a}:role/{unique('missing')}"
    with pytest.raises(ClientError) as exc:
        raw.assume_role(RoleArn=unknown, RoleSessionName="errors")
    resp = assert_client_error(exc, "AccessDenied", 403)
    assert resp["Error"]["Message"].startswith(
        f"User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {unknown}"
    ), resp["Error"]["Message"]

    with pytest.raises(ClientError) as exc:
        sts_client(srv, validate_params=False).assume_role(RoleArn=role_arn, RoleSessionName="as-root")
    assert_client_error(exc, "AccessDenied", 403)

    # The limits themselves are accepted.
    resp = raw.assume_role(RoleArn=role_arn, RoleSessionName="ab", DurationSeconds=900)
    assert resp["AssumedRoleUser"]["Arn"].endswith("/ab")
    raw.assume_role(RoleArn=role_arn, RoleSessionName="y" * 64, DurationSeconds=3600)


def test_unknown_role_is_denied_like_a_forbidden_one(srv, iam_a, iam_b, account_b):
    """Role names of another account must not leak through AssumeRole's answers."""
    _, existing = make_role(iam_b, trust({"AWS": f"arn:aws:iam::{account_b}:root"}))
    unknown = f"arn:aws:iam::{account_b}:role/{unique('missing')}"
    _, _, user = make_user(iam_a, allow("sts:AssumeRole"))
    messages = {}
    for arn in (existing, unknown):
        with pytest.raises(ClientError) as exc:
            assume(srv, user, arn)
        resp = assert_client_error(exc, "AccessDenied", 403)
        message = resp["Error"]["Message"]
        messages[arn] = message.split(ENCODED_MARKER, 1)[0].replace(arn, "ROLE") + (
            ENCODED_MARKER if ENCODED_MARKER in message else ""
        )
    assert messages[existing] == messages[unknown], messages


# ---------------------------------------------------------------------------
# (11) DecodeAuthorizationMessage
# ---------------------------------------------------------------------------


def test_decode_authorization_message(srv, iam_a, account_a, partner):
    _, user_arn, user = make_user(iam_a, allow("iam:ListRoles"))
    target = unique("victim")
    with pytest.raises(ClientError) as exc:
        iam_client(srv, user).create_user(UserName=target)
    encoded = assert_denied(exc, user_arn, "iam:CreateUser", f"arn:aws:iam::{account_a}:user/{target}")

    decoded = json.loads(srv.client().decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])
    assert decoded["allowed"] is False
    assert decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "iam:CreateUser"
    assert decoded["context"]["resource"] == f"arn:aws:iam::{account_a}:user/{target}"
    assert decoded["context"]["principal"]["arn"] == user_arn

    # A user allowed nothing for it may not decode.
    with pytest.raises(ClientError) as exc:
        srv.client(user).decode_authorization_message(EncodedMessage=encoded)
    assert_denied(exc, user_arn, "sts:DecodeAuthorizationMessage")

    tampered = flip_char(encoded, len(encoded) // 2, BASE64_CHARS)
    with pytest.raises(ClientError) as exc:
        srv.client().decode_authorization_message(EncodedMessage=tampered)
    assert_client_error(exc, "InvalidAuthorizationMessageException", 400)

    # Another account cannot read it.
    with pytest.raises(ClientError) as exc:
        srv.client(partner[1]).decode_authorization_message(EncodedMessage=encoded)
    assert_client_error(exc, "InvalidAuthorizationMessageException", 400)
