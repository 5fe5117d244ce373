"""GetMFADevice, ResyncMFADevice and SetSecurityTokenServicePreferences
through the real boto3 and aws CLI against a running tessera: a device read
for its user only, resynchronisation with two fresh consecutive codes, the
global endpoint token version kept and summarised, AWS's errors, and the
authorization of each call."""

from __future__ import annotations

import time
import uuid

import pytest
from botocore.exceptions import ClientError

from compat_helpers import Creds, assert_client_error
from harness import iam_client
from test_sts_roles import totp


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture()
def iam(server):
    return iam_client(server)


@pytest.fixture()
def account(server) -> str:
    return server.client().get_caller_identity()["Account"]


def clear_of_a_step_boundary(margin: float = 4.0) -> int:
    """The current 30-second step, waiting first when it ends within
    `margin` seconds."""
    if time.time() % 30 > 30 - margin:
        time.sleep(30 - time.time() % 30 + 0.2)
    return int(time.time()) // 30


def enabled_device(iam, user: str) -> tuple[str, str, int]:
    """A new virtual device enabled for `user` with the codes of the steps
    before and at now: (serial number, seed, the enabling step)."""
    created = iam.create_virtual_mfa_device(VirtualMFADeviceName=unique("mfa"))["VirtualMFADevice"]
    serial, seed = created["SerialNumber"], created["Base32StringSeed"].decode("ascii")
    step = clear_of_a_step_boundary()
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=serial,
        AuthenticationCode1=totp(seed, step - 1),
        AuthenticationCode2=totp(seed, step),
    )
    return serial, seed, step


def test_a_device_is_read_for_its_user(iam, account):
    alice, bob = unique("alice"), unique("bob")
    iam.create_user(UserName=alice)
    iam.create_user(UserName=bob)
    serial, _, _ = enabled_device(iam, alice)
    got = iam.get_mfa_device(SerialNumber=serial, UserName=alice)
    assert got["UserName"] == alice
    assert got["SerialNumber"] == serial
    listed = iam.list_mfa_devices(UserName=alice)["MFADevices"][0]
    assert got["EnableDate"] == listed["EnableDate"]
    assert "Certifications" not in got
    for other in (bob, None):
        with pytest.raises(ClientError) as excinfo:
            if other:
                iam.get_mfa_device(SerialNumber=serial, UserName=other)
            else:
                iam.get_mfa_device(SerialNumber=serial)  # the root user's own
        message = assert_client_error(excinfo, "NoSuchEntity", 404)["Error"]["Message"]
        assert message == f"MFA Device with serial number {serial} does not exist."
    with pytest.raises(ClientError) as excinfo:
        iam.get_mfa_device(SerialNumber=serial, UserName=unique("nobody"))
    assert_client_error(excinfo, "NoSuchEntity", 404)


def test_resync_takes_two_fresh_consecutive_codes(iam):
    user = unique("carol")
    iam.create_user(UserName=user)
    serial, seed, step = enabled_device(iam, user)

    def resync(code1: str, code2: str):
        return iam.resync_mfa_device(
            UserName=user,
            SerialNumber=serial,
            AuthenticationCode1=code1,
            AuthenticationCode2=code2,
        )

    for codes in [
        (totp(seed, step - 1), totp(seed, step)),  # spent by the enabling
        (totp(seed, step + 1), totp(seed, step)),  # out of order
        ("000000", "111111"),
    ]:
        with pytest.raises(ClientError) as excinfo:
            resync(*codes)
        message = assert_client_error(excinfo, "InvalidAuthenticationCode", 403)["Error"]["Message"]
        assert message == "Authentication code for device is not valid."
    resync(totp(seed, step), totp(seed, step + 1))
    with pytest.raises(ClientError) as excinfo:
        resync(totp(seed, step), totp(seed, step + 1))
    assert_client_error(excinfo, "InvalidAuthenticationCode", 403)

    other = unique("dave")
    iam.create_user(UserName=other)
    with pytest.raises(ClientError) as excinfo:
        iam.resync_mfa_device(
            UserName=other,
            SerialNumber=serial,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    assert_client_error(excinfo, "NoSuchEntity", 404)


def test_resync_codes_are_validated_together(server):
    raw = iam_client(server, validate_params=False)
    with pytest.raises(ClientError) as excinfo:
        raw.resync_mfa_device(
            UserName="u", SerialNumber="s" * 9, AuthenticationCode1="12345", AuthenticationCode2="abcdef"
        )
    message = assert_client_error(excinfo, "ValidationError", 400)["Error"]["Message"]
    assert message.startswith("2 validation errors detected: ")
    assert "at 'authenticationCode1'" in message and "at 'authenticationCode2'" in message


def summary_version(iam) -> int:
    return iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"]


def test_the_global_endpoint_token_version_is_kept(server, iam):
    assert summary_version(iam) == 1
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert summary_version(iam) == 2
    result = server.cli(
        "iam", "set-security-token-service-preferences", "--global-endpoint-token-version", "v1Token"
    )
    assert result.returncode == 0, result.stderr
    assert summary_version(iam) == 1
    raw = iam_client(server, validate_params=False)
    with pytest.raises(ClientError) as excinfo:
        raw.set_security_token_service_preferences(GlobalEndpointTokenVersion="v3Token")
    message = assert_client_error(excinfo, "ValidationError", 400)["Error"]["Message"]
    assert message == (
        "1 validation error detected: Value 'v3Token' at 'globalEndpointTokenVersion' failed to"
        " satisfy constraint: Member must satisfy enum value set: [v1Token, v2Token]"
    )
    # Tokens of the global endpoint keep working whichever version is chosen.
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert server.client().get_session_token()["Credentials"]["SessionToken"]


def test_each_call_is_authorized(server, iam, account):
    user = unique("ops")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    ops = iam_client(server, Creds(key["AccessKeyId"], key["SecretAccessKey"]))
    calls = {
        "iam:SetSecurityTokenServicePreferences": lambda: ops.set_security_token_service_preferences(
            GlobalEndpointTokenVersion="v2Token"
        ),
        "iam:GetMFADevice": lambda: ops.get_mfa_device(
            SerialNumber=f"arn:aws:iam::{account}:mfa/x", UserName=user
        ),
        "iam:ResyncMFADevice": lambda: ops.resync_mfa_device(
            UserName=user,
            SerialNumber=f"arn:aws:iam::{account}:mfa/x",
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        ),
    }
    for action, call in calls.items():
        with pytest.raises(ClientError) as excinfo:
            call()
        message = assert_client_error(excinfo, "AccessDenied", 403)["Error"]["Message"]
        assert f"is not authorized to perform: {action} on resource: " in message, message
