"""Authorization of IAM calls through boto3 and the aws CLI: AccessDenied with
AWS's message and a decodable explanation, group inline and managed policies,
permission boundaries of users and roles, explicit denies, policy variables,
resource-level permissions, account isolation, a restart, and the policy
simulator agreeing with the real calls."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from compat_helpers import Creds, assert_client_error, read_profiles
from harness import iam_client

ENCODED = ". Encoded authorization failure message: "


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resource="*") -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def deny(actions, resource="*") -> dict:
    return {"Effect": "Deny", "Action": actions, "Resource": resource}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def iam(shared_server):
    return iam_client(shared_server)


@pytest.fixture(scope="module")
def account(shared_server) -> str:
    return shared_server.client().get_caller_identity()["Account"]


def make_user(iam, prefix: str = "user", path: str = "/") -> tuple[str, str, Creds]:
    """A user with an access key: (name, ARN, key)."""
    name = unique(prefix)
    arn = iam.create_user(UserName=name, Path=path)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, arn, Creds(key["AccessKeyId"], key["SecretAccessKey"])


def denied(call, principal_arn: str, action: str, resource: str, **kwargs) -> str:
    """Calls `call(**kwargs)`, expects AccessDenied (403) with AWS's message;
    returns the encoded authorization failure message."""
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    resp = assert_client_error(exc, "AccessDenied", 403)
    message = resp["Error"]["Message"]
    expected = (
        f"User: {principal_arn} is not authorized to perform: {action} "
        f"on resource: {resource}"
    )
    assert message.startswith(expected + ENCODED), (
        f"expected the message to begin {expected + ENCODED!r}, got {message!r}"
    )
    blob = message[len(expected + ENCODED) :]
    assert blob and " " not in blob, f"no encoded message in {message!r}"
    return blob


def decode(server, blob: str) -> dict:
    """DecodeAuthorizationMessage as the account root."""
    decoded = server.client().decode_authorization_message(EncodedMessage=blob)
    return json.loads(decoded["DecodedMessage"])


# ---------------------------------------------------------------------------
# 1. A user without policies is denied, with AWS's message
# ---------------------------------------------------------------------------


def test_unauthorized_user_is_denied_with_aws_message(shared_server, iam, account):
    name, arn, key = make_user(iam, "nobody")
    assert arn == f"arn:aws:iam::{account}:user/{name}"
    user_iam = iam_client(shared_server, key)

    # The key authenticates: the caller is the user.
    identity = shared_server.client(key).get_caller_identity()
    assert identity["Arn"] == arn

    blob = denied(user_iam.list_users, arn, "iam:ListUsers", f"arn:aws:iam::{account}:user/")
    role = unique("role")
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    denied(
        user_iam.create_role,
        arn,
        "iam:CreateRole",
        f"arn:aws:iam::{account}:role/{role}",
        RoleName=role,
        AssumeRolePolicyDocument=trust,
    )
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=role)  # nothing was created

    existing = iam.create_role(RoleName=unique("existing"), AssumeRolePolicyDocument=trust)["Role"]
    denied(
        user_iam.get_role,
        arn,
        "iam:GetRole",
        existing["Arn"],
        RoleName=existing["RoleName"],
    )
    pol = unique("pol")
    denied(
        user_iam.create_policy,
        arn,
        "iam:CreatePolicy",
        f"arn:aws:iam::{account}:policy/{pol}",
        PolicyName=pol,
        PolicyDocument=policy(allow("s3:GetObject")),
    )
    assert pol not in [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]

    # The explanation, decoded by the account's root.
    decoded = decode(shared_server, blob)
    assert decoded["allowed"] is False
    assert decoded["explicitDeny"] is False
    assert "matchedStatements" in decoded
    context = decoded["context"]
    assert context["action"] == "iam:ListUsers"
    assert context["resource"] == f"arn:aws:iam::{account}:user/"
    assert context["principal"]["arn"] == arn
    conditions = {
        c["key"]: [v["value"] for v in c["values"]["items"]]
        for c in context["conditions"]["items"]
    }
    assert conditions.get("aws:username") == [name], conditions


def test_unauthorized_user_is_denied_through_the_cli(shared_server, iam, account):
    name, arn, key = make_user(iam, "clinobody", path="/team/")
    assert arn == f"arn:aws:iam::{account}:user/team/{name}"
    result = shared_server.cli("iam", "list-users", creds=key)
    assert result.returncode != 0, result.stdout
    assert "AccessDenied" in result.stderr, result.stderr
    expected = (
        f"User: {arn} is not authorized to perform: iam:ListUsers "
        f"on resource: arn:aws:iam::{account}:user/{ENCODED}"
    )
    assert expected in result.stderr, result.stderr
    blob = result.stderr.split(ENCODED, 1)[1].split()[0]
    decoded = decode(shared_server, blob)
    assert decoded["allowed"] is False
    assert decoded["context"]["action"] == "iam:ListUsers"

    # The CLI decodes it too, as the root.
    decoded_cli = shared_server.cli(
        "sts", "decode-authorization-message", "--encoded-message", blob
    ).json()
    assert json.loads(decoded_cli["DecodedMessage"])["context"]["principal"]["arn"] == arn


# ---------------------------------------------------------------------------
# 2. Group policies, inline and managed
# ---------------------------------------------------------------------------


def test_group_inline_policy_allows_members_only(shared_server, iam, account):
    name, arn, key = make_user(iam, "reader")
    user_iam = iam_client(shared_server, key)
    group = unique("readers")
    iam.create_group(GroupName=group)
    iam.put_group_policy(
        GroupName=group,
        PolicyName="read",
        PolicyDocument=policy(allow(["iam:List*", "iam:Get*"])),
    )
    list_users_resource = f"arn:aws:iam::{account}:user/"
    denied(user_iam.list_users, arn, "iam:ListUsers", list_users_resource)

    iam.add_user_to_group(GroupName=group, UserName=name)
    users = [u["UserName"] for u in user_iam.list_users()["Users"]]
    assert name in users
    assert user_iam.get_group(GroupName=group)["Group"]["GroupName"] == group
    # Only List*/Get*: writes stay denied.
    other = unique("other")
    denied(
        user_iam.create_user,
        arn,
        "iam:CreateUser",
        f"arn:aws:iam::{account}:user/{other}",
        UserName=other,
    )
    # The aws CLI with the user's key now lists users.
    listed = shared_server.cli("iam", "list-users", creds=key).json()
    assert name in [u["UserName"] for u in listed["Users"]]

    iam.remove_user_from_group(GroupName=group, UserName=name)
    denied(user_iam.list_users, arn, "iam:ListUsers", list_users_resource)
    result = shared_server.cli("iam", "list-users", creds=key)
    assert result.returncode != 0 and "AccessDenied" in result.stderr, result.stderr


def test_group_managed_policy_allows_members_only(shared_server, iam, account):
    name, arn, key = make_user(iam, "mreader")
    user_iam = iam_client(shared_server, key)
    group = unique("mreaders")
    iam.create_group(GroupName=group)
    managed = iam.create_policy(
        PolicyName=unique("read"), PolicyDocument=policy(allow(["iam:List*", "iam:Get*"]))
    )["Policy"]["Arn"]
    iam.attach_group_policy(GroupName=group, PolicyArn=managed)
    resource = f"arn:aws:iam::{account}:user/"
    denied(user_iam.list_users, arn, "iam:ListUsers", resource)

    iam.add_user_to_group(GroupName=group, UserName=name)
    assert name in [u["UserName"] for u in user_iam.list_users()["Users"]]
    assert user_iam.get_policy(PolicyArn=managed)["Policy"]["Arn"] == managed

    iam.remove_user_from_group(GroupName=group, UserName=name)
    denied(user_iam.list_users, arn, "iam:ListUsers", resource)

    # Back in the group, detaching the policy removes the permission too.
    iam.add_user_to_group(GroupName=group, UserName=name)
    user_iam.list_users()
    iam.detach_group_policy(GroupName=group, PolicyArn=managed)
    denied(user_iam.list_users, arn, "iam:ListUsers", resource)


# ---------------------------------------------------------------------------
# 3. Permission boundaries
# ---------------------------------------------------------------------------


def bounded_user(iam) -> tuple[str, str, Creds, str]:
    """A user whose inline policy allows iam:* and whose boundary allows only
    iam:GetUser and iam:ListUsers: (name, ARN, key, boundary ARN)."""
    name, arn, key = make_user(iam, "bounded")
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=policy(allow("iam:*")))
    boundary = iam.create_policy(
        PolicyName=unique("boundary"),
        PolicyDocument=policy(allow(["iam:GetUser", "iam:ListUsers"])),
    )["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    return name, arn, key, boundary


def test_user_permission_boundary_removes_granted_permission(shared_server, iam, account):
    name, arn, key, boundary = bounded_user(iam)
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": boundary,
    }
    user_iam = iam_client(shared_server, key)
    assert name in [u["UserName"] for u in user_iam.list_users()["Users"]]
    assert user_iam.get_user(UserName=name)["User"]["Arn"] == arn
    new = unique("made")
    blob = denied(
        user_iam.create_user,
        arn,
        "iam:CreateUser",
        f"arn:aws:iam::{account}:user/{new}",
        UserName=new,
    )
    decoded = decode(shared_server, blob)
    assert decoded["allowed"] is False and decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "iam:CreateUser"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName=new)

    # The aws CLI sees the same denial.
    result = shared_server.cli("iam", "create-user", "--user-name", new, creds=key)
    assert result.returncode != 0 and "AccessDenied" in result.stderr, result.stderr
    assert f"User: {arn} is not authorized to perform: iam:CreateUser" in result.stderr

    iam.delete_user_permissions_boundary(UserName=name)
    assert "PermissionsBoundary" not in iam.get_user(UserName=name)["User"]
    created = user_iam.create_user(UserName=new)["User"]
    assert created["Arn"] == f"arn:aws:iam::{account}:user/{new}"


def test_role_permission_boundary_applies_to_assumed_sessions(shared_server, iam, account):
    name, user_arn, key = make_user(iam, "assumer")
    role_name = unique("bounded-role")
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(RoleName=role_name, PolicyName="all", PolicyDocument=policy(allow("iam:*")))
    boundary = iam.create_policy(
        PolicyName=unique("role-boundary"), PolicyDocument=policy(allow("iam:ListRoles"))
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=role_name, PermissionsBoundary=boundary)
    assert (
        iam.get_role(RoleName=role_name)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
        == boundary
    )
    iam.put_user_policy(
        UserName=name, PolicyName="assume", PolicyDocument=policy(allow("sts:AssumeRole", role["Arn"]))
    )

    assumed = shared_server.client(key).assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    session_arn = assumed["AssumedRoleUser"]["Arn"]
    assert session_arn == f"arn:aws:sts::{account}:assumed-role/{role_name}/s1"
    role_iam = iam_client(shared_server, Creds.from_sts(assumed["Credentials"]))
    assert role_name in [r["RoleName"] for r in role_iam.list_roles()["Roles"]]
    denied(role_iam.list_users, session_arn, "iam:ListUsers", f"arn:aws:iam::{account}:user/")

    # Without the boundary, a new session may list users.
    iam.delete_role_permissions_boundary(RoleName=role_name)
    again = shared_server.client(key).assume_role(RoleArn=role["Arn"], RoleSessionName="s2")
    iam_client(shared_server, Creds.from_sts(again["Credentials"])).list_users()


# ---------------------------------------------------------------------------
# 4. An explicit deny wins over a group's allow
# ---------------------------------------------------------------------------


def test_explicit_deny_wins(shared_server, iam, account):
    name, arn, key = make_user(iam, "admin")
    group = unique("admins")
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="all", PolicyDocument=policy(allow("iam:*")))
    iam.add_user_to_group(GroupName=group, UserName=name)
    iam.put_user_policy(
        UserName=name, PolicyName="no-delete", PolicyDocument=policy(deny("iam:DeleteUser"))
    )
    user_iam = iam_client(shared_server, key)

    victim = unique("victim")
    created = user_iam.create_user(UserName=victim)["User"]
    assert user_iam.get_user(UserName=victim)["User"]["Arn"] == created["Arn"]
    user_iam.tag_user(UserName=victim, Tags=[{"Key": "k", "Value": "v"}])
    assert victim in [u["UserName"] for u in user_iam.list_users()["Users"]]
    blob = denied(user_iam.delete_user, arn, "iam:DeleteUser", created["Arn"], UserName=victim)
    assert user_iam.get_user(UserName=victim)["User"]["UserName"] == victim
    decoded = decode(shared_server, blob)
    assert decoded["allowed"] is False
    assert decoded["explicitDeny"] is True
    assert decoded["context"]["action"] == "iam:DeleteUser"
    assert decoded["context"]["resource"] == created["Arn"]

    # The root deletes it; the deny binds only the user.
    iam.untag_user(UserName=victim, TagKeys=["k"])
    iam.delete_user(UserName=victim)


# ---------------------------------------------------------------------------
# 5. Policy variables: a user acts on itself only
# ---------------------------------------------------------------------------


def test_policy_variable_limits_user_to_itself(shared_server, iam, account):
    name, arn, key = make_user(iam, "self")
    other, other_arn, _ = make_user(iam, "neighbour")
    iam.put_user_policy(
        UserName=name,
        PolicyName="self-service",
        PolicyDocument=policy(
            allow(
                ["iam:GetUser", "iam:ListAccessKeys", "iam:CreateAccessKey"],
                f"arn:aws:iam::{account}:user/${{aws:username}}",
            )
        ),
    )
    user_iam = iam_client(shared_server, key)
    assert user_iam.get_user(UserName=name)["User"]["Arn"] == arn
    assert user_iam.get_user()["User"]["Arn"] == arn  # no name: the caller
    keys = user_iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [key.access_key_id]
    second = user_iam.create_access_key(UserName=name)["AccessKey"]
    assert second["UserName"] == name

    denied(user_iam.get_user, arn, "iam:GetUser", other_arn, UserName=other)
    denied(user_iam.list_access_keys, arn, "iam:ListAccessKeys", other_arn, UserName=other)
    denied(user_iam.create_access_key, arn, "iam:CreateAccessKey", other_arn, UserName=other)
    assert len(iam.list_access_keys(UserName=other)["AccessKeyMetadata"]) == 1


# ---------------------------------------------------------------------------
# 6. Resource-level permissions and paths
# ---------------------------------------------------------------------------


def test_resource_arn_with_path_limits_roles(shared_server, iam, account):
    name, arn, key = make_user(iam, "app-reader")
    iam.put_user_policy(
        UserName=name,
        PolicyName="app-roles",
        PolicyDocument=policy(allow("iam:GetRole", f"arn:aws:iam::{account}:role/app/*")),
    )
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    in_app = iam.create_role(
        RoleName=unique("in-app"), Path="/app/", AssumeRolePolicyDocument=trust
    )["Role"]
    at_root = iam.create_role(RoleName=unique("at-root"), AssumeRolePolicyDocument=trust)["Role"]
    assert in_app["Arn"] == f"arn:aws:iam::{account}:role/app/{in_app['RoleName']}"
    user_iam = iam_client(shared_server, key)
    assert user_iam.get_role(RoleName=in_app["RoleName"])["Role"]["Arn"] == in_app["Arn"]
    denied(user_iam.get_role, arn, "iam:GetRole", at_root["Arn"], RoleName=at_root["RoleName"])
    # Only GetRole was granted.
    denied(
        user_iam.list_role_tags,
        arn,
        "iam:ListRoleTags",
        in_app["Arn"],
        RoleName=in_app["RoleName"],
    )


# ---------------------------------------------------------------------------
# 7. Accounts are isolated
# ---------------------------------------------------------------------------


def test_accounts_are_isolated(shared_server, iam, account):
    a_user, a_user_arn, _ = make_user(iam, "a-user")
    a_role = iam.create_role(
        RoleName=unique("a-role"),
        AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ),
    )["Role"]
    a_policy = iam.create_policy(
        PolicyName=unique("a-policy"), PolicyDocument=policy(allow("s3:GetObject"))
    )["Policy"]

    created = shared_server.tessera(
        "account", "create", "b", "--data-dir", str(shared_server.data_dir), check=True
    )
    b_root = read_profiles(shared_server.credentials_file)["b-root"]
    b_identity = shared_server.client(b_root).get_caller_identity()
    b_account = b_identity["Account"]
    assert b_account != account
    assert b_account in created.stdout
    assert b_identity["Arn"] == f"arn:aws:iam::{b_account}:root"
    b_iam = iam_client(shared_server, b_root)

    # B sees nothing of A.
    assert b_iam.list_users()["Users"] == []
    assert b_iam.list_roles()["Roles"] == []
    assert b_iam.list_policies(Scope="Local")["Policies"] == []
    assert b_iam.list_groups()["Groups"] == []
    with pytest.raises(ClientError) as exc:
        b_iam.get_user(UserName=a_user)
    resp = assert_client_error(exc, "NoSuchEntity", 404)
    assert resp["Error"]["Message"] == f"The user with name {a_user} cannot be found."
    with pytest.raises(ClientError) as exc:
        b_iam.get_role(RoleName=a_role["RoleName"])
    assert_client_error(exc, "NoSuchEntity", 404)
    with pytest.raises(ClientError) as exc:
        b_iam.get_policy(PolicyArn=a_policy["Arn"])
    assert exc.value.response["Error"]["Code"] in ("NoSuchEntity", "AccessDenied")
    # The aws CLI with the [b-root] profile agrees.
    assert shared_server.cli("iam", "list-users", profile="b-root").json()["Users"] == []

    # B's entities, and A's root cannot reach them.
    b_user = unique("b-user")
    b_user_arn = b_iam.create_user(UserName=b_user)["User"]["Arn"]
    assert b_user_arn == f"arn:aws:iam::{b_account}:user/{b_user}"
    b_policy = b_iam.create_policy(
        PolicyName=unique("b-policy"), PolicyDocument=policy(allow("s3:GetObject"))
    )["Policy"]["Arn"]
    assert b_user not in [u["UserName"] for u in iam.list_users()["Users"]]
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName=b_user)
    assert_client_error(exc, "NoSuchEntity", 404)
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName=b_user)
    assert_client_error(exc, "NoSuchEntity", 404)
    for call, kwargs in [
        (iam.get_policy, {"PolicyArn": b_policy}),
        (iam.delete_policy, {"PolicyArn": b_policy}),
        (iam.attach_user_policy, {"UserName": a_user, "PolicyArn": b_policy}),
        (iam.simulate_principal_policy, {"PolicySourceArn": b_user_arn, "ActionNames": ["iam:ListUsers"]}),
    ]:
        with pytest.raises(ClientError) as exc:
            call(**kwargs)
        assert exc.value.response["Error"]["Code"] in ("NoSuchEntity", "AccessDenied"), (
            call.__name__,
            exc.value.response,
        )
    # Nothing of B changed.
    assert b_iam.get_user(UserName=b_user)["User"]["Arn"] == b_user_arn
    assert b_iam.get_policy(PolicyArn=b_policy)["Policy"]["AttachmentCount"] == 0
    assert iam.list_attached_user_policies(UserName=a_user)["AttachedPolicies"] == []
    # A user of A cannot be seen through B either: B's root cannot decode A's messages.
    nobody_name, nobody_arn, nobody_key = make_user(iam, "a-nobody")
    blob = denied(
        iam_client(shared_server, nobody_key).list_users,
        nobody_arn,
        "iam:ListUsers",
        f"arn:aws:iam::{account}:user/",
    )
    with pytest.raises(ClientError) as exc:
        shared_server.client(b_root).decode_authorization_message(EncodedMessage=blob)
    assert_client_error(exc, "InvalidAuthorizationMessageException", 400)


# ---------------------------------------------------------------------------
# 9. The simulator agrees with the real calls
# ---------------------------------------------------------------------------


def simulate(iam, arn: str) -> dict:
    results = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["iam:ListUsers", "iam:CreateUser"]
    )["EvaluationResults"]
    return {r["EvalActionName"]: r for r in results}


def test_simulator_agrees_with_real_calls(shared_server, iam, account):
    name, arn, key, boundary = bounded_user(iam)
    user_iam = iam_client(shared_server, key)

    results = simulate(iam, arn)
    assert results["iam:ListUsers"]["EvalDecision"] == "allowed"
    assert results["iam:CreateUser"]["EvalDecision"] == "implicitDeny"
    detail = results["iam:CreateUser"].get("PermissionsBoundaryDecisionDetail")
    assert detail == {"AllowedByPermissionsBoundary": False}, results["iam:CreateUser"]
    # The real calls agree.
    user_iam.list_users()
    target = unique("sim")
    denied(
        user_iam.create_user,
        arn,
        "iam:CreateUser",
        f"arn:aws:iam::{account}:user/{target}",
        UserName=target,
    )

    # Without the boundary, both agree again.
    iam.delete_user_permissions_boundary(UserName=name)
    results = simulate(iam, arn)
    assert results["iam:CreateUser"]["EvalDecision"] == "allowed"
    user_iam.create_user(UserName=target)


# ---------------------------------------------------------------------------
# 8. A restart keeps the authorization state
# ---------------------------------------------------------------------------


def test_restart_keeps_authorization_state(server):
    root_iam = iam_client(server)
    account = server.client().get_caller_identity()["Account"]
    reader, reader_arn, reader_key = make_user(root_iam, "reader")
    group = unique("readers")
    root_iam.create_group(GroupName=group)
    root_iam.put_group_policy(
        GroupName=group, PolicyName="read", PolicyDocument=policy(allow(["iam:List*", "iam:Get*"]))
    )
    root_iam.add_user_to_group(GroupName=group, UserName=reader)
    bounded, bounded_arn, bounded_key, _ = bounded_user(root_iam)
    iam_client(server, reader_key).list_users()
    iam_client(server, bounded_key).list_users()

    server.restart()

    users = f"arn:aws:iam::{account}:user/"
    reader_iam = iam_client(server, reader_key)
    assert reader in [u["UserName"] for u in reader_iam.list_users()["Users"]]
    target = unique("after")
    denied(
        reader_iam.create_user,
        reader_arn,
        "iam:CreateUser",
        f"arn:aws:iam::{account}:user/{target}",
        UserName=target,
    )
    bounded_iam = iam_client(server, bounded_key)
    bounded_iam.list_users()
    denied(
        bounded_iam.create_user,
        bounded_arn,
        "iam:CreateUser",
        f"arn:aws:iam::{account}:user/{target}",
        UserName=target,
    )
    # The group membership, still removable after the restart.
    root_iam = iam_client(server)
    root_iam.remove_user_from_group(GroupName=group, UserName=reader)
    denied(reader_iam.list_users, reader_arn, "iam:ListUsers", users)
