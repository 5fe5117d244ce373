"""IAM users, access keys, groups and inline policies through boto3 and the aws CLI."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from compat_helpers import AKIA_RE, Creds, assert_client_error
from harness import iam_client, sql_text

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def iam(shared_server):
    return iam_client(shared_server)


@pytest.fixture(scope="module")
def account(shared_server) -> str:
    return shared_server.client().get_caller_identity()["Account"]


def user_key(iam, name: str) -> Creds:
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Creds(key["AccessKeyId"], key["SecretAccessKey"])


# ---------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------


def test_user_lifecycle(iam, account):
    name = unique("alice")
    created = iam.create_user(
        UserName=name, Path="/team/", Tags=[{"Key": "dept", "Value": "eng"}]
    )["User"]
    assert created["UserName"] == name
    assert created["Path"] == "/team/"
    assert created["Arn"] == f"arn:aws:iam::{account}:user/team/{name}"
    assert created["UserId"].startswith("AIDA")
    assert created["CreateDate"].tzinfo is not None
    assert created["Tags"] == [{"Key": "dept", "Value": "eng"}]

    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName=name.upper())
    resp = assert_client_error(exc, "EntityAlreadyExists", 409)
    assert resp["Error"]["Message"] == f"User with name {name.upper()} already exists."

    got = iam.get_user(UserName=name)["User"]
    assert got["UserId"] == created["UserId"]
    assert got["Tags"] == [{"Key": "dept", "Value": "eng"}]

    iam.tag_user(UserName=name, Tags=[{"Key": "cost", "Value": "42"}])
    assert iam.list_user_tags(UserName=name)["Tags"] == [
        {"Key": "cost", "Value": "42"},
        {"Key": "dept", "Value": "eng"},
    ]
    iam.untag_user(UserName=name, TagKeys=["dept"])
    assert iam.list_user_tags(UserName=name)["Tags"] == [{"Key": "cost", "Value": "42"}]

    new_name = unique("alicia")
    iam.update_user(UserName=name, NewUserName=new_name, NewPath="/ops/")
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName=name)
    resp = assert_client_error(exc, "NoSuchEntity", 404)
    assert resp["Error"]["Message"] == f"The user with name {name} cannot be found."
    moved = iam.get_user(UserName=new_name)["User"]
    assert moved["Arn"] == f"arn:aws:iam::{account}:user/ops/{new_name}"

    iam.delete_user(UserName=new_name)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_user(UserName=new_name)


def test_root_get_user_without_a_name(iam, account):
    user = iam.get_user()["User"]
    assert user["UserId"] == account
    assert user["Arn"] == f"arn:aws:iam::{account}:root"
    assert "UserName" not in user


def test_list_users_paginates_with_path_prefix(iam):
    path = f"/{unique('pg')}/"
    names = sorted(unique(f"p{i}") for i in range(5))
    for name in names:
        iam.create_user(UserName=name, Path=path)
    pages = list(
        iam.get_paginator("list_users").paginate(
            PathPrefix=path, PaginationConfig={"PageSize": 1}
        )
    )
    assert len(pages) == 5
    assert [u["UserName"] for p in pages for u in p["Users"]] == names
    assert all(p["IsTruncated"] for p in pages[:-1]) and not pages[-1]["IsTruncated"]
    first = iam.list_users(PathPrefix=path, MaxItems=2)
    assert first["IsTruncated"] and first["Marker"]
    rest = iam.list_users(PathPrefix=path, Marker=first["Marker"])
    assert [u["UserName"] for u in first["Users"] + rest["Users"]] == names
    # Listings leave out tags and boundaries, as IAM's do.
    assert all("Tags" not in u for u in rest["Users"])


def test_user_validation_errors(shared_server, iam, account):
    raw = iam_client(shared_server, validate_params=False)
    with pytest.raises(ClientError) as exc:
        raw.create_user(UserName="bad name")
    resp = assert_client_error(exc, "ValidationError", 400)
    assert "Member must satisfy regular expression pattern: [\\w+=,.@-]+" in resp["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        raw.create_user(UserName="x" * 65)
    assert_client_error(exc, "ValidationError", 400)
    with pytest.raises(ClientError) as exc:
        raw.create_user(UserName=unique("u"), Path="nopath")
    assert_client_error(exc, "ValidationError", 400)
    with pytest.raises(ClientError) as exc:
        raw.list_users(MaxItems=0)
    assert_client_error(exc, "ValidationError", 400)
    missing = f"arn:aws:iam::{account}:policy/does-not-exist"
    name = unique("bounded")
    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName=name, PermissionsBoundary=missing)
    resp = assert_client_error(exc, "NoSuchEntity", 404)
    assert resp["Error"]["Message"] == f"Policy {missing} does not exist or is not attachable."
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName=name)
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    with pytest.raises(ClientError) as exc:
        raw.create_user(UserName=name, Tags=tags)
    message = assert_client_error(exc, "ValidationError", 400)["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value '[{Key: k0,Value: v}, ")
    assert message.endswith(
        "' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"
    )


def insert_managed_policy(server, account: str, name: str) -> str:
    """A managed policy row as CreatePolicy stores it (another part of IAM)."""
    arn = f"arn:aws:iam::{account}:policy/{name}"
    now = int(time.time())
    policy_id = "ANPA" + uuid.uuid4().hex[:17].upper()
    server.execute_sql(
        "INSERT INTO managed_policies (arn, policy_id, account_id, name, name_key, path,"
        " default_version, next_version, created_at, updated_at)"
        f" VALUES ({sql_text(arn)}, {sql_text(policy_id)}, {sql_text(account)}, {sql_text(name)},"
        f" {sql_text(name.lower())}, '/', 'v1', 2, {now}, {now})"
    )
    server.execute_sql(
        "INSERT INTO policy_versions (policy_arn, version_id, document, created_at)"
        f" VALUES ({sql_text(arn)}, 'v1', {sql_text(json.dumps(POLICY))}, {now})"
    )
    return arn


def test_permissions_boundary_names_a_managed_policy(shared_server, iam, account):
    arn = insert_managed_policy(shared_server, account, unique("boundary"))
    name = unique("bounded")
    created = iam.create_user(UserName=name, PermissionsBoundary=arn)["User"]
    expected = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}
    assert created["PermissionsBoundary"] == expected
    assert iam.get_user(UserName=name)["User"]["PermissionsBoundary"] == expected
    iam.delete_user(UserName=name)


def test_concurrent_creates_of_one_name(shared_server):
    name = unique("race")
    results: list = []

    def create():
        client = iam_client(shared_server)
        try:
            client.create_user(UserName=name)
            results.append("ok")
        except ClientError as err:
            results.append(err.response["Error"]["Code"])

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["EntityAlreadyExists"] * 3 + ["ok"], results


# ---------------------------------------------------------------------------
# Access keys
# ---------------------------------------------------------------------------


def test_access_keys(shared_server, iam, account):
    name = unique("carol")
    iam.create_user(UserName=name, Path="/dev/")
    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert AKIA_RE.match(key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert key["Status"] == "Active" and key["UserName"] == name
    creds = Creds(key["AccessKeyId"], key["SecretAccessKey"])
    second = user_key(iam, name)
    with pytest.raises(ClientError) as exc:
        iam.create_access_key(UserName=name)
    resp = assert_client_error(exc, "LimitExceeded", 409)
    assert resp["Error"]["Message"] == "Cannot exceed quota for AccessKeysPerUser: 2"

    pages = list(
        iam.get_paginator("list_access_keys").paginate(
            UserName=name, PaginationConfig={"PageSize": 1}
        )
    )
    listed = [k["AccessKeyId"] for p in pages for k in p["AccessKeyMetadata"]]
    assert listed == sorted([creds.access_key_id, second.access_key_id])
    assert len(pages) == 2

    last = iam.get_access_key_last_used(AccessKeyId=creds.access_key_id)
    assert last["UserName"] == name
    assert last["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    assert last["AccessKeyLastUsed"]["Region"] == "N/A"
    assert "LastUsedDate" not in last["AccessKeyLastUsed"]

    identity = shared_server.client(creds).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{account}:user/dev/{name}"
    used = iam.get_access_key_last_used(AccessKeyId=creds.access_key_id)["AccessKeyLastUsed"]
    assert used["ServiceName"] == "sts" and used["Region"] == "us-east-1"
    assert used["LastUsedDate"].tzinfo is not None

    iam.update_access_key(UserName=name, AccessKeyId=creds.access_key_id, Status="Inactive")
    statuses = {
        k["AccessKeyId"]: k["Status"]
        for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    }
    assert statuses[creds.access_key_id] == "Inactive"
    with pytest.raises(ClientError) as exc:
        shared_server.client(creds).get_caller_identity()
    assert_client_error(exc, "InvalidClientTokenId", 403)
    iam.update_access_key(UserName=name, AccessKeyId=creds.access_key_id, Status="Active")
    shared_server.client(creds).get_caller_identity()

    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName=name)
    resp = assert_client_error(exc, "DeleteConflict", 409)
    assert resp["Error"]["Message"] == "Cannot delete entity, must delete access keys first."
    for key_id in (creds.access_key_id, second.access_key_id):
        iam.delete_access_key(UserName=name, AccessKeyId=key_id)
    with pytest.raises(ClientError) as exc:
        iam.delete_access_key(UserName=name, AccessKeyId=creds.access_key_id)
    resp = assert_client_error(exc, "NoSuchEntity", 404)
    assert resp["Error"]["Message"] == (
        f"The Access Key with id {creds.access_key_id} cannot be found."
    )
    with pytest.raises(ClientError) as exc:
        shared_server.client(creds).get_caller_identity()
    assert_client_error(exc, "InvalidClientTokenId", 403)
    iam.delete_user(UserName=name)


def test_root_lists_its_own_keys(shared_server, iam):
    keys = iam.list_access_keys()["AccessKeyMetadata"]
    assert shared_server.root.access_key_id in [k["AccessKeyId"] for k in keys]


# ---------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------


def test_groups_and_membership(iam, account):
    group = unique("devs")
    created = iam.create_group(GroupName=group, Path="/eng/")["Group"]
    assert created["Arn"] == f"arn:aws:iam::{account}:group/eng/{group}"
    assert created["GroupId"].startswith("AGPA")
    with pytest.raises(ClientError) as exc:
        iam.create_group(GroupName=group)
    resp = assert_client_error(exc, "EntityAlreadyExists", 409)
    assert resp["Error"]["Message"] == f"Group with name {group} already exists."

    users = sorted(unique(f"m{i}") for i in range(3))
    for user in users:
        iam.create_user(UserName=user)
        iam.add_user_to_group(GroupName=group, UserName=user)
    pages = list(
        iam.get_paginator("get_group").paginate(
            GroupName=group, PaginationConfig={"PageSize": 1}
        )
    )
    assert [u["UserName"] for p in pages for u in p["Users"]] == users
    assert all(p["Group"]["GroupName"] == group for p in pages)

    other = unique("admins")
    iam.create_group(GroupName=other)
    iam.add_user_to_group(GroupName=other, UserName=users[0])
    in_groups = iam.list_groups_for_user(UserName=users[0])["Groups"]
    assert sorted(g["GroupName"] for g in in_groups) == sorted([group, other])
    listed = [
        g["GroupName"]
        for p in iam.get_paginator("list_groups").paginate(
            PathPrefix="/eng/", PaginationConfig={"PageSize": 1}
        )
        for g in p["Groups"]
    ]
    assert group in listed and other not in listed

    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName=group)
    resp = assert_client_error(exc, "DeleteConflict", 409)
    assert resp["Error"]["Message"] == "Cannot delete entity, must remove users from group first."
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName=users[1])
    assert_client_error(exc, "DeleteConflict", 409)
    with pytest.raises(ClientError) as exc:
        iam.add_user_to_group(GroupName=group, UserName=unique("ghost"))
    assert_client_error(exc, "NoSuchEntity", 404)

    for user in users:
        iam.remove_user_from_group(GroupName=group, UserName=user)
    renamed = unique("builders")
    iam.update_group(GroupName=group, NewGroupName=renamed, NewPath="/")
    assert iam.get_group(GroupName=renamed)["Users"] == []
    iam.delete_group(GroupName=renamed)
    with pytest.raises(ClientError) as exc:
        iam.get_group(GroupName=renamed)
    resp = assert_client_error(exc, "NoSuchEntity", 404)
    assert resp["Error"]["Message"] == f"The group with name {renamed} cannot be found."


# ---------------------------------------------------------------------------
# Inline policies
# ---------------------------------------------------------------------------


def test_user_and_group_inline_policies(iam):
    user = unique("erin")
    iam.create_user(UserName=user)
    pretty = json.dumps(POLICY, indent=2)
    names = ["alpha", "mid", "zeta"]
    for policy in reversed(names):
        iam.put_user_policy(UserName=user, PolicyName=policy, PolicyDocument=pretty)
    got = iam.get_user_policy(UserName=user, PolicyName="alpha")
    # botocore URL-decodes and parses the document IAM returns encoded.
    assert got["PolicyDocument"] == POLICY
    assert got["UserName"] == user and got["PolicyName"] == "alpha"
    pages = list(
        iam.get_paginator("list_user_policies").paginate(
            UserName=user, PaginationConfig={"PageSize": 1}
        )
    )
    assert [n for p in pages for n in p["PolicyNames"]] == names

    with pytest.raises(ClientError) as exc:
        iam.put_user_policy(UserName=user, PolicyName="bad", PolicyDocument='{"Version":"2012-10-17"}')
    assert_client_error(exc, "MalformedPolicyDocument", 400)
    with pytest.raises(ClientError) as exc:
        iam.get_user_policy(UserName=user, PolicyName="bad")
    resp = assert_client_error(exc, "NoSuchEntity", 404)
    assert resp["Error"]["Message"] == "The user policy with name bad cannot be found."
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName=user)
    resp = assert_client_error(exc, "DeleteConflict", 409)
    assert resp["Error"]["Message"] == "Cannot delete entity, must delete policies first."
    for policy in names:
        iam.delete_user_policy(UserName=user, PolicyName=policy)
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == []
    iam.delete_user(UserName=user)

    group = unique("g")
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="p", PolicyDocument=json.dumps(POLICY))
    assert iam.get_group_policy(GroupName=group, PolicyName="p")["PolicyDocument"] == POLICY
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == ["p"]
    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName=group)
    assert_client_error(exc, "DeleteConflict", 409)
    iam.delete_group_policy(GroupName=group, PolicyName="p")
    with pytest.raises(ClientError) as exc:
        iam.delete_group_policy(GroupName=group, PolicyName="p")
    resp = assert_client_error(exc, "NoSuchEntity", 404)
    assert resp["Error"]["Message"] == "The group policy with name p cannot be found."
    iam.delete_group(GroupName=group)


def test_role_inline_policies_need_a_role(iam):
    role = unique("r")
    message = f"The role with name {role} cannot be found."
    calls = [
        lambda: iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=json.dumps(POLICY)),
        lambda: iam.get_role_policy(RoleName=role, PolicyName="p"),
        lambda: iam.delete_role_policy(RoleName=role, PolicyName="p"),
        lambda: iam.list_role_policies(RoleName=role),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        resp = assert_client_error(exc, "NoSuchEntity", 404)
        assert resp["Error"]["Message"] == message


def insert_role(server, account: str, name: str) -> None:
    """A role row as CreateRole stores it (roles are another part of IAM)."""
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    role_id = "AROA" + uuid.uuid4().hex[:17].upper()
    server.execute_sql(
        "INSERT INTO roles (role_id, account_id, name, name_key, path, assume_role_policy, created_at)"
        f" VALUES ({sql_text(role_id)}, {sql_text(account)}, {sql_text(name)}, {sql_text(name.lower())},"
        f" '/svc/', {sql_text(trust)}, {int(time.time())})"
    )


def test_role_inline_policies(shared_server, iam, account):
    role = unique("svc")
    insert_role(shared_server, account, role)
    for policy in ("b", "a"):
        iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(POLICY))
    got = iam.get_role_policy(RoleName=role, PolicyName="a")
    assert got["RoleName"] == role and got["PolicyDocument"] == POLICY
    pages = list(
        iam.get_paginator("list_role_policies").paginate(
            RoleName=role, PaginationConfig={"PageSize": 1}
        )
    )
    assert [n for p in pages for n in p["PolicyNames"]] == ["a", "b"]
    with pytest.raises(ClientError) as exc:
        iam.put_role_policy(RoleName=role, PolicyName="bad", PolicyDocument="not json")
    assert_client_error(exc, "MalformedPolicyDocument", 400)
    iam.delete_role_policy(RoleName=role, PolicyName="a")
    with pytest.raises(ClientError) as exc:
        iam.get_role_policy(RoleName=role, PolicyName="a")
    resp = assert_client_error(exc, "NoSuchEntity", 404)
    assert resp["Error"]["Message"] == "The role policy with name a cannot be found."
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["b"]


# ---------------------------------------------------------------------------
# Users as callers
# ---------------------------------------------------------------------------


def test_user_credentials_authenticate_and_are_denied_iam(shared_server, iam, account):
    name = unique("frank")
    iam.create_user(UserName=name, Path="/a/b/")
    creds = user_key(iam, name)
    arn = f"arn:aws:iam::{account}:user/a/b/{name}"
    assert shared_server.client(creds).get_caller_identity()["Arn"] == arn
    session = shared_server.session_creds(creds, DurationSeconds=900)
    assert shared_server.client(session).get_caller_identity()["Arn"] == arn
    with pytest.raises(ClientError) as exc:
        iam_client(shared_server, creds).list_users()
    resp = assert_client_error(exc, "AccessDenied", 403)
    expected = (
        f"User: {arn} is not authorized to perform: iam:ListUsers "
        f"on resource: arn:aws:iam::{account}:user/"
    )
    message = resp["Error"]["Message"]
    # Optionally followed by an encoded explanation of the decision.
    assert message == expected or message.startswith(
        expected + ". Encoded authorization failure message: "
    ), message


# ---------------------------------------------------------------------------
# The aws CLI
# ---------------------------------------------------------------------------


def test_cli_users_keys_groups_and_policies(shared_server, account, tmp_path):
    cli = shared_server.cli
    name = unique("cli")
    user = cli("iam", "create-user", "--user-name", name, "--path", "/cli/").json()["User"]
    assert user["Arn"] == f"arn:aws:iam::{account}:user/cli/{name}"
    listed = cli("iam", "list-users", "--path-prefix", "/cli/", "--page-size", "1").json()
    assert name in [u["UserName"] for u in listed["Users"]]
    key = cli("iam", "create-access-key", "--user-name", name).json()["AccessKey"]
    assert AKIA_RE.match(key["AccessKeyId"])
    keys = cli("iam", "list-access-keys", "--user-name", name).json()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [key["AccessKeyId"]]
    identity = cli(
        "sts", "get-caller-identity",
        creds=Creds(key["AccessKeyId"], key["SecretAccessKey"]),
    ).json()
    assert identity["Arn"] == user["Arn"]

    doc = tmp_path / "policy.json"
    doc.write_text(json.dumps(POLICY))
    put = cli(
        "iam", "put-user-policy", "--user-name", name,
        "--policy-name", "read", "--policy-document", f"file://{doc}",
    )
    assert put.returncode == 0, put.stderr
    got = cli("iam", "get-user-policy", "--user-name", name, "--policy-name", "read").json()
    assert got["PolicyDocument"] == POLICY
    names = cli("iam", "list-user-policies", "--user-name", name).json()["PolicyNames"]
    assert names == ["read"]

    group = unique("cligroup")
    cli("iam", "create-group", "--group-name", group).json()
    assert cli("iam", "add-user-to-group", "--group-name", group, "--user-name", name).returncode == 0
    members = cli("iam", "get-group", "--group-name", group).json()["Users"]
    assert [u["UserName"] for u in members] == [name]
    groups = cli("iam", "list-groups-for-user", "--user-name", name).json()["Groups"]
    assert [g["GroupName"] for g in groups] == [group]

    failed = cli("iam", "delete-user", "--user-name", name)
    assert failed.returncode != 0
    assert "DeleteConflict" in failed.stderr, failed.stderr
    missing = cli("iam", "get-user", "--user-name", unique("nobody"))
    assert missing.returncode != 0 and "NoSuchEntity" in missing.stderr, missing.stderr

    for args in (
        ("remove-user-from-group", "--group-name", group, "--user-name", name),
        ("delete-group", "--group-name", group),
        ("delete-user-policy", "--user-name", name, "--policy-name", "read"),
        ("delete-access-key", "--user-name", name, "--access-key-id", key["AccessKeyId"]),
        ("delete-user", "--user-name", name),
    ):
        result = cli("iam", *args)
        assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------
# Durability
# ---------------------------------------------------------------------------


def test_restart_keeps_every_entity(server):
    iam = iam_client(server)
    iam.create_user(UserName="gina", Tags=[{"Key": "k", "Value": "v"}])
    creds = user_key(iam, "gina")
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="ops", UserName="gina")
    iam.put_user_policy(UserName="gina", PolicyName="p", PolicyDocument=json.dumps(POLICY))
    server.restart()

    iam = iam_client(server)
    assert iam.get_user(UserName="gina")["User"]["Tags"] == [{"Key": "k", "Value": "v"}]
    assert [u["UserName"] for u in iam.get_group(GroupName="ops")["Users"]] == ["gina"]
    assert iam.get_user_policy(UserName="gina", PolicyName="p")["PolicyDocument"] == POLICY
    keys = iam.list_access_keys(UserName="gina")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [creds.access_key_id]
    assert server.client(creds).get_caller_identity()["Arn"].endswith(":user/gina")
