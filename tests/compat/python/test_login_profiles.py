"""Console passwords: login profiles, a user changing its own password with
its own access key, and the account password policy that every new password
is held to, driven through the real boto3 and aws CLI against a running
tessera."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from compat_helpers import Creds, assert_client_error
from harness import iam_client

STRONG = "Tr0ub4dor&3-horse"
STRONGER = "C0rrect-Horse-Battery"
THIRD = "Th1rd-Password-Here"
PASSWORD_PATTERN = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"


@pytest.fixture
def iam(server):
    return iam_client(server)


def account_of(server) -> str:
    return server.client().get_caller_identity()["Account"]


def error(call, code: str, status: int, **kwargs) -> str:
    """Calls `call(**kwargs)`, expects `code` (`status`); returns the message."""
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return assert_client_error(excinfo, code, status)["Error"]["Message"]


def user_with_key(iam, name: str) -> Creds:
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Creds(key["AccessKeyId"], key["SecretAccessKey"])


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# ------------------------------------------------------------ login profiles


def test_login_profile_lifecycle(server, iam):
    iam.create_user(UserName="alice")
    created = iam.create_login_profile(
        UserName="ALICE", Password=STRONG, PasswordResetRequired=True
    )["LoginProfile"]
    assert created["UserName"] == "alice"
    assert created["PasswordResetRequired"] is True
    assert created["CreateDate"].tzinfo is not None
    assert set(created) == {"UserName", "CreateDate", "PasswordResetRequired"}

    got = iam.get_login_profile(UserName="alice")["LoginProfile"]
    assert got == created, "never the password"

    message = error(
        iam.create_login_profile, "EntityAlreadyExists", 409, UserName="alice", Password=STRONGER
    )
    assert message == "Login Profile for user alice already exists."

    iam.update_login_profile(
        UserName="alice",
        Password=STRONGER,
        PasswordResetRequired=False,
        MaxSigninSessionDuration=7200,
    )
    got = iam.get_login_profile(UserName="alice")["LoginProfile"]
    assert got["PasswordResetRequired"] is False
    assert got["MaxSigninSessionDuration"] == 7200
    assert got["CreateDate"] == created["CreateDate"]
    # Only what is given changes; the session limit is reset on request.
    iam.update_login_profile(UserName="alice", ResetMaxSigninSessionDuration=True)
    got = iam.get_login_profile(UserName="alice")["LoginProfile"]
    assert "MaxSigninSessionDuration" not in got and got["PasswordResetRequired"] is False

    message = error(iam.delete_user, "DeleteConflict", 409, UserName="alice")
    assert message == "Cannot delete entity, must delete login profile first."

    iam.delete_login_profile(UserName="alice")
    for call in (iam.get_login_profile, iam.delete_login_profile):
        message = error(call, "NoSuchEntity", 404, UserName="alice")
        assert message == "Login Profile for User alice cannot be found."
    message = error(
        iam.update_login_profile, "NoSuchEntity", 404, UserName="alice", Password=STRONG
    )
    assert message == "Login Profile for User alice cannot be found."
    iam.delete_user(UserName="alice")


def test_unknown_users_are_no_such_entity(server, iam):
    calls = [
        (iam.create_login_profile, {"Password": STRONG}),
        (iam.get_login_profile, {}),
        (iam.update_login_profile, {"Password": STRONG}),
        (iam.delete_login_profile, {}),
    ]
    for call, extra in calls:
        message = error(call, "NoSuchEntity", 404, UserName="nobody", **extra)
        assert message == "The user with name nobody cannot be found."


def test_bad_input_never_echoes_a_password(server):
    iam = iam_client(server, validate_params=False)
    iam_client(server).create_user(UserName="bob")
    secret = "S3cret-" + "x" * 130
    for bad, constraint in [
        ("", "Member must have length greater than or equal to 1"),
        (secret, "Member must have length less than or equal to 128"),
        (
            "Euro-1234€-Password",
            f"Member must satisfy regular expression pattern: {PASSWORD_PATTERN}",
        ),
    ]:
        message = error(
            iam.create_login_profile, "ValidationError", 400, UserName="bob", Password=bad
        )
        assert message == (
            "1 validation error detected: Value at 'password' failed to satisfy constraint: "
            + constraint
        )
        message = error(
            iam.change_password, "ValidationError", 400, OldPassword=STRONG, NewPassword=bad
        )
        assert message.startswith("1 validation error detected: Value at 'newPassword'")
        assert "S3cret" not in message and "Euro" not in message

    message = error(iam.update_login_profile, "ValidationError", 400, Password=STRONG)
    assert message == (
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: "
        "Member must not be null"
    )
    message = error(iam.get_login_profile, "ValidationError", 400, UserName="bad name")
    assert "'bad name'" in message and "[\\w+=,.@-]+" in message
    message = error(
        iam.create_login_profile,
        "ValidationError",
        400,
        UserName="bob",
        Password=STRONG,
        MaxSigninSessionDuration=60,
    )
    assert "Member must have value greater than or equal to 3600" in message
    error(
        iam.update_login_profile,
        "InvalidInput",
        400,
        UserName="bob",
        MaxSigninSessionDuration=3600,
        ResetMaxSigninSessionDuration=True,
    )
    # Without a name, the root user has no login profile to be about.
    error(iam.get_login_profile, "ValidationError", 400)


def test_login_profiles_with_the_cli(server, iam):
    iam.create_user(UserName="carol")
    created = server.cli(
        "iam",
        "create-login-profile",
        "--user-name",
        "carol",
        "--password",
        STRONG,
        "--password-reset-required",
    ).json()["LoginProfile"]
    assert (created["UserName"], created["PasswordResetRequired"]) == ("carol", True)
    got = server.cli("iam", "get-login-profile", "--user-name", "carol").json()["LoginProfile"]
    assert got["UserName"] == "carol" and "Password" not in got
    updated = server.cli(
        "iam",
        "update-login-profile",
        "--user-name",
        "carol",
        "--password",
        STRONGER,
        "--no-password-reset-required",
    )
    assert updated.returncode == 0, updated.stderr
    weak = server.cli("iam", "update-login-profile", "--user-name", "carol", "--password", "weakpw")
    assert weak.returncode != 0 and "PasswordPolicyViolation" in weak.stderr, weak.stderr
    assert "weakpw" not in server.log(), "no password in the server's log"
    deleted = server.cli("iam", "delete-login-profile", "--user-name", "carol")
    assert deleted.returncode == 0, deleted.stderr


# ---------------------------------------------------------- password policy


def test_password_policy_lifecycle(server, iam):
    account = account_of(server)
    missing = f"The Password Policy with domain name {account} cannot be found."
    assert error(iam.get_account_password_policy, "NoSuchEntity", 404) == missing
    assert error(iam.delete_account_password_policy, "NoSuchEntity", 404) == missing

    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
        HardExpiry=False,
    )
    got = iam.get_account_password_policy()["PasswordPolicy"]
    assert got == {
        "MinimumPasswordLength": 14,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True,
        "ExpirePasswords": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24,
        "HardExpiry": False,
    }

    # No partial updates: what is left out takes its default.
    iam.update_account_password_policy(RequireNumbers=True)
    got = iam.get_account_password_policy()["PasswordPolicy"]
    assert got == {
        "MinimumPasswordLength": 6,
        "RequireSymbols": False,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": False,
    }

    iam.delete_account_password_policy()
    assert error(iam.get_account_password_policy, "NoSuchEntity", 404) == missing


def test_password_policy_bad_input(server):
    iam = iam_client(server, validate_params=False)
    for member, value, constraint in [
        ("MinimumPasswordLength", 5, "greater than or equal to 6"),
        ("MinimumPasswordLength", 129, "less than or equal to 128"),
        ("MaxPasswordAge", 0, "greater than or equal to 1"),
        ("MaxPasswordAge", 1096, "less than or equal to 1095"),
        ("PasswordReusePrevention", 25, "less than or equal to 24"),
    ]:
        message = error(
            iam.update_account_password_policy, "ValidationError", 400, **{member: value}
        )
        field = member[0].lower() + member[1:]
        assert message == (
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must have value {constraint}"
        )
    error(iam_client(server).get_account_password_policy, "NoSuchEntity", 404)


def test_password_policy_with_the_cli(server):
    set_ = server.cli(
        "iam",
        "update-account-password-policy",
        "--minimum-password-length",
        "12",
        "--require-numbers",
        "--max-password-age",
        "30",
    )
    assert set_.returncode == 0, set_.stderr
    got = server.cli("iam", "get-account-password-policy").json()["PasswordPolicy"]
    assert (got["MinimumPasswordLength"], got["RequireNumbers"], got["ExpirePasswords"]) == (
        12,
        True,
        True,
    )
    assert got["MaxPasswordAge"] == 30
    deleted = server.cli("iam", "delete-account-password-policy")
    assert deleted.returncode == 0, deleted.stderr
    gone = server.cli("iam", "get-account-password-policy")
    assert gone.returncode != 0 and "NoSuchEntity" in gone.stderr


def test_new_passwords_are_held_to_the_policy(server, iam):
    iam.create_user(UserName="dave")
    # Without a policy, AWS's default one: 8 characters, three kinds of them.
    message = error(
        iam.create_login_profile, "PasswordPolicyViolation", 400, UserName="dave", Password="Ab1!"
    )
    assert message == "Password should have a minimum length of 8"
    error(
        iam.create_login_profile,
        "PasswordPolicyViolation",
        400,
        UserName="dave",
        Password="onlylowercase1",
    )

    iam.update_account_password_policy(
        MinimumPasswordLength=10,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        PasswordReusePrevention=2,
    )
    for weak, expected in [
        ("Sh0rt!", "Password should have a minimum length of 10"),
        ("NoSymbols123", "Password should have at least one symbol"),
        ("No-Numbers-Here", "Password should have at least one number"),
        ("no-upper-case-1", "Password should have at least one uppercase letter"),
        ("NO-LOWER-CASE-1", "Password should have at least one lowercase letter"),
    ]:
        message = error(
            iam.create_login_profile, "PasswordPolicyViolation", 400, UserName="dave", Password=weak
        )
        assert message == expected
        assert weak not in message
    iam.create_login_profile(UserName="dave", Password=STRONG)

    # The last two passwords may not come back.
    reused = "Password should not be one of your 2 previous passwords"
    message = error(
        iam.update_login_profile, "PasswordPolicyViolation", 400, UserName="dave", Password=STRONG
    )
    assert message == reused
    iam.update_login_profile(UserName="dave", Password=STRONGER)
    message = error(
        iam.update_login_profile, "PasswordPolicyViolation", 400, UserName="dave", Password=STRONG
    )
    assert message == reused
    iam.update_login_profile(UserName="dave", Password=THIRD)
    iam.update_login_profile(UserName="dave", Password=STRONG)
    # The weak ones never reached the store, nor the log.
    log = server.log()
    assert all(secret not in log for secret in (STRONG, STRONGER, THIRD, "NoSymbols123"))


# ---------------------------------------------------------- ChangePassword


def test_a_user_changes_its_own_password(server, iam):
    account = account_of(server)
    creds = user_with_key(iam, "erin")
    iam.create_login_profile(UserName="erin", Password=STRONG, PasswordResetRequired=True)
    erin = iam_client(server, creds)
    user_arn = f"arn:aws:iam::{account}:user/erin"

    # Neither its policies nor the account's password policy allow it yet.
    message = error(
        erin.change_password, "AccessDenied", 403, OldPassword=STRONG, NewPassword=STRONGER
    )
    assert message.startswith(
        f"User: {user_arn} is not authorized to perform: iam:ChangePassword on resource: {user_arn}"
    )
    error(erin.get_account_password_policy, "AccessDenied", 403)

    # AllowUsersToChangePassword lets every user change its own password and
    # read the policy, with no policy of its own.
    iam.update_account_password_policy(AllowUsersToChangePassword=True, PasswordReusePrevention=3)
    assert erin.get_account_password_policy()["PasswordPolicy"]["AllowUsersToChangePassword"]

    message = error(
        erin.change_password,
        "AccessDenied",
        403,
        OldPassword="Wr0ng-Password!",
        NewPassword=STRONGER,
    )
    assert message == "The old password is incorrect."
    message = error(
        erin.change_password, "PasswordPolicyViolation", 400, OldPassword=STRONG, NewPassword=STRONG
    )
    assert message == "Password should not be one of your 3 previous passwords"
    message = error(
        erin.change_password, "PasswordPolicyViolation", 400, OldPassword=STRONG, NewPassword="abc"
    )
    assert message == "Password should have a minimum length of 6"

    erin.change_password(OldPassword=STRONG, NewPassword=STRONGER)
    profile = iam.get_login_profile(UserName="erin")["LoginProfile"]
    assert profile["PasswordResetRequired"] is False, "a change clears the reset"
    # The old password no longer proves anything; the new one does.
    error(erin.change_password, "AccessDenied", 403, OldPassword=STRONG, NewPassword=THIRD)
    erin.change_password(OldPassword=STRONGER, NewPassword=THIRD)

    # Its other credentials' calls are still its own: it reads only its own
    # login profile, with its own policy.
    message = error(erin.get_login_profile, "AccessDenied", 403)
    assert f"iam:GetLoginProfile on resource: {user_arn}" in message
    iam.put_user_policy(
        UserName="erin",
        PolicyName="self",
        PolicyDocument=policy(
            {"Effect": "Allow", "Action": "iam:GetLoginProfile", "Resource": user_arn}
        ),
    )
    assert erin.get_login_profile()["LoginProfile"]["UserName"] == "erin"

    # An explicit deny outweighs the account's grant.
    iam.put_user_policy(
        UserName="erin",
        PolicyName="no-change",
        PolicyDocument=policy({"Effect": "Deny", "Action": "iam:ChangePassword", "Resource": "*"}),
    )
    error(erin.change_password, "AccessDenied", 403, OldPassword=THIRD, NewPassword=STRONG)


def test_change_password_by_its_own_policy(server, iam):
    account = account_of(server)
    creds = user_with_key(iam, "frank")
    iam.create_login_profile(UserName="frank", Password=STRONG)
    iam.put_user_policy(
        UserName="frank",
        PolicyName="own-password",
        PolicyDocument=policy(
            {
                "Effect": "Allow",
                "Action": "iam:ChangePassword",
                "Resource": f"arn:aws:iam::{account}:user/${{aws:username}}",
            }
        ),
    )
    frank = iam_client(server, creds)
    frank.change_password(OldPassword=STRONG, NewPassword=STRONGER)
    # Without a policy of its own an account's default rules still apply.
    message = error(
        frank.change_password,
        "PasswordPolicyViolation",
        400,
        OldPassword=STRONGER,
        NewPassword="weakpassword",
    )
    assert message.startswith("Password should have at least three of the following")

    # A user without a password has none to change.
    creds = user_with_key(iam, "grace")
    iam.put_user_policy(
        UserName="grace",
        PolicyName="own-password",
        PolicyDocument=policy({"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": "*"}),
    )
    message = error(
        iam_client(server, creds).change_password,
        "NoSuchEntity",
        404,
        OldPassword=STRONG,
        NewPassword=STRONGER,
    )
    assert message == "Login Profile for User grace cannot be found."


def test_only_iam_users_change_their_own_password(server, iam):
    message = error(
        iam.change_password, "InvalidUserType", 400, OldPassword=STRONG, NewPassword=STRONGER
    )
    assert message == "Only IAM users can change their own password."

    account = account_of(server)
    iam.create_role(
        RoleName="worker",
        AssumeRolePolicyDocument=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    creds = user_with_key(iam, "henry")
    iam.put_user_policy(
        UserName="henry",
        PolicyName="assume",
        PolicyDocument=policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    )
    session = server.client(creds).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/worker", RoleSessionName="worker-session"
    )["Credentials"]
    role_iam = iam_client(server, Creds.from_sts(session))
    error(
        role_iam.change_password, "InvalidUserType", 400, OldPassword=STRONG, NewPassword=STRONGER
    )


def test_change_password_with_the_cli(server, iam):
    creds = user_with_key(iam, "ivy")
    iam.create_login_profile(UserName="ivy", Password=STRONG)
    iam.update_account_password_policy(AllowUsersToChangePassword=True)
    changed = server.cli(
        "iam", "change-password", "--old-password", STRONG, "--new-password", STRONGER, creds=creds
    )
    assert changed.returncode == 0, changed.stderr
    again = server.cli(
        "iam", "change-password", "--old-password", STRONG, "--new-password", THIRD, creds=creds
    )
    assert again.returncode != 0 and "AccessDenied" in again.stderr, again.stderr
