"""IAM instance profiles through the real boto3 and aws CLI against a running
tessera: create, read, list (by path, a page at a time), delete, the one role
a profile holds, the profiles of a role, tags, AWS's errors, and the
authorization of each call (iam:PassRole for a role put in a profile)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from botocore.exceptions import ClientError

from compat_helpers import Creds, assert_client_error
from harness import iam_client

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
DELETE_CONFLICT = "Cannot delete entity, must remove roles from instance profile first."
QUOTA = "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def iam(shared_server):
    return iam_client(shared_server)


@pytest.fixture(scope="module")
def account(shared_server) -> str:
    return shared_server.client().get_caller_identity()["Account"]


def error(excinfo, code: str, status: int) -> str:
    return assert_client_error(excinfo, code, status)["Error"]["Message"]


def make_role(iam, prefix: str = "role") -> dict:
    return iam.create_role(RoleName=unique(prefix), AssumeRolePolicyDocument=TRUST)["Role"]


def test_a_created_profile_is_read_back_with_its_tags(iam, account):
    name = unique("Web")
    created = iam.create_instance_profile(
        InstanceProfileName=name,
        Path="/app/web/",
        Tags=[{"Key": "team", "Value": "blue"}],
    )["InstanceProfile"]
    assert created["InstanceProfileName"] == name
    assert created["Path"] == "/app/web/"
    assert created["Arn"] == f"arn:aws:iam::{account}:instance-profile/app/web/{name}"
    assert re.fullmatch(r"AIPA[A-Z0-9]{17}", created["InstanceProfileId"]), created
    assert created["Roles"] == []
    assert created["Tags"] == [{"Key": "team", "Value": "blue"}]

    # Found by its name in any case.
    got = iam.get_instance_profile(InstanceProfileName=name.upper())["InstanceProfile"]
    assert got == created

    # Unique regardless of case.
    with pytest.raises(ClientError) as excinfo:
        iam.create_instance_profile(InstanceProfileName=name.lower())
    assert error(excinfo, "EntityAlreadyExists", 409) == (
        f"Instance Profile {name.lower()} already exists."
    )

    # Without tags, there are none.
    plain = iam.create_instance_profile(InstanceProfileName=unique("plain"))["InstanceProfile"]
    assert plain["Path"] == "/" and "Tags" not in plain
    iam.delete_instance_profile(InstanceProfileName=plain["InstanceProfileName"])


def test_missing_profiles_and_roles_are_no_such_entity(iam):
    missing = unique("none")
    calls = [
        lambda: iam.get_instance_profile(InstanceProfileName=missing),
        lambda: iam.delete_instance_profile(InstanceProfileName=missing),
        lambda: iam.add_role_to_instance_profile(InstanceProfileName=missing, RoleName="r"),
        lambda: iam.remove_role_from_instance_profile(InstanceProfileName=missing, RoleName="r"),
        lambda: iam.tag_instance_profile(
            InstanceProfileName=missing, Tags=[{"Key": "k", "Value": "v"}]
        ),
        lambda: iam.untag_instance_profile(InstanceProfileName=missing, TagKeys=["k"]),
        lambda: iam.list_instance_profile_tags(InstanceProfileName=missing),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error(excinfo, "NoSuchEntity", 404) == f"Instance Profile {missing} cannot be found."

    profile = unique("p")
    iam.create_instance_profile(InstanceProfileName=profile)
    ghost = unique("ghost")
    for call in [
        lambda: iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=ghost),
        lambda: iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=ghost),
        lambda: iam.list_instance_profiles_for_role(RoleName=ghost),
    ]:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error(excinfo, "NoSuchEntity", 404) == f"The role with name {ghost} cannot be found."
    iam.delete_instance_profile(InstanceProfileName=profile)


def test_a_profile_holds_one_role_and_neither_goes_while_it_does(iam):
    profile = unique("holder")
    iam.create_instance_profile(InstanceProfileName=profile)
    role = make_role(iam, "worker")
    other = make_role(iam, "other")

    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role["RoleName"])
    for name in (other["RoleName"], role["RoleName"]):
        with pytest.raises(ClientError) as excinfo:
            iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=name)
        assert error(excinfo, "LimitExceeded", 409) == QUOTA

    got = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
    (held,) = got["Roles"]
    for field in ("RoleName", "RoleId", "Arn", "Path", "CreateDate", "MaxSessionDuration"):
        assert held[field] == role[field], field
    assert held["AssumeRolePolicyDocument"] == json.loads(TRUST)

    # A role may be in several profiles.
    second = unique("second")
    iam.create_instance_profile(InstanceProfileName=second)
    iam.add_role_to_instance_profile(InstanceProfileName=second, RoleName=role["RoleName"])
    listed = iam.list_instance_profiles_for_role(RoleName=role["RoleName"])
    assert sorted(p["InstanceProfileName"] for p in listed["InstanceProfiles"]) == sorted(
        [profile, second]
    )
    assert listed["IsTruncated"] is False
    assert iam.list_instance_profiles_for_role(RoleName=other["RoleName"])["InstanceProfiles"] == []

    # Neither the profile nor the role goes while the one holds the other.
    with pytest.raises(ClientError) as excinfo:
        iam.delete_instance_profile(InstanceProfileName=profile)
    assert error(excinfo, "DeleteConflict", 409) == DELETE_CONFLICT
    with pytest.raises(ClientError) as excinfo:
        iam.delete_role(RoleName=role["RoleName"])
    assert error(excinfo, "DeleteConflict", 409) == DELETE_CONFLICT

    # Removing a role the profile does not hold.
    with pytest.raises(ClientError) as excinfo:
        iam.remove_role_from_instance_profile(
            InstanceProfileName=profile, RoleName=other["RoleName"]
        )
    assert error(excinfo, "NoSuchEntity", 404) == (
        f"The role with name {other['RoleName']} cannot be found."
    )

    for name in (profile, second):
        iam.remove_role_from_instance_profile(
            InstanceProfileName=name.upper(), RoleName=role["RoleName"].upper()
        )
    assert iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"] == []
    iam.delete_role(RoleName=role["RoleName"])
    iam.delete_role(RoleName=other["RoleName"])
    for name in (profile, second):
        iam.delete_instance_profile(InstanceProfileName=name)
    with pytest.raises(ClientError) as excinfo:
        iam.get_instance_profile(InstanceProfileName=profile)
    assert_client_error(excinfo, "NoSuchEntity", 404)


def test_profiles_are_listed_by_name_under_a_path_a_page_at_a_time(iam):
    base = f"/{unique('list')}/"
    names = sorted(unique(f"p{i}") for i in range(5))
    for i, name in enumerate(names):
        iam.create_instance_profile(InstanceProfileName=name, Path=base if i % 2 else f"{base}sub/")
    role = make_role(iam, "listed")
    iam.add_role_to_instance_profile(InstanceProfileName=names[0], RoleName=role["RoleName"])

    everything = iam.list_instance_profiles(PathPrefix=base)
    assert [p["InstanceProfileName"] for p in everything["InstanceProfiles"]] == names
    assert everything["IsTruncated"] is False and "Marker" not in everything
    # Listings carry the roles, not the tags.
    first = everything["InstanceProfiles"][0]
    assert [r["RoleName"] for r in first["Roles"]] == [role["RoleName"]]
    assert all("Tags" not in p for p in everything["InstanceProfiles"])

    under = iam.list_instance_profiles(PathPrefix=f"{base}sub/")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in under] == names[0::2]

    page = iam.list_instance_profiles(PathPrefix=base, MaxItems=2)
    assert page["IsTruncated"] is True and page["Marker"]
    rest = iam.list_instance_profiles(PathPrefix=base, MaxItems=2, Marker=page["Marker"])
    assert [p["InstanceProfileName"] for p in page["InstanceProfiles"] + rest["InstanceProfiles"]] == (
        names[:4]
    )

    paginator = iam.get_paginator("list_instance_profiles")
    pages = list(paginator.paginate(PathPrefix=base, PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    assert [p["InstanceProfileName"] for pg in pages for p in pg["InstanceProfiles"]] == names

    # The profiles of a role, a page at a time.
    for name in names[1:3]:
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    paginator = iam.get_paginator("list_instance_profiles_for_role")
    pages = list(
        paginator.paginate(RoleName=role["RoleName"], PaginationConfig={"PageSize": 1})
    )
    assert len(pages) == 3
    assert [p["InstanceProfileName"] for pg in pages for p in pg["InstanceProfiles"]] == names[:3]

    for name in names[:3]:
        iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    for name in names:
        iam.delete_instance_profile(InstanceProfileName=name)
    iam.delete_role(RoleName=role["RoleName"])


def test_tags_are_put_replaced_removed_and_listed_a_page_at_a_time(iam):
    name = unique("tagged")
    iam.create_instance_profile(InstanceProfileName=name, Tags=[{"Key": "Env", "Value": "dev"}])
    iam.tag_instance_profile(
        InstanceProfileName=name,
        Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "blue"}],
    )
    tags = iam.list_instance_profile_tags(InstanceProfileName=name)
    assert tags["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "blue"}]
    assert tags["IsTruncated"] is False

    first = iam.list_instance_profile_tags(InstanceProfileName=name, MaxItems=1)
    assert first["IsTruncated"] is True
    second = iam.list_instance_profile_tags(
        InstanceProfileName=name, MaxItems=1, Marker=first["Marker"]
    )
    assert [t["Key"] for t in first["Tags"] + second["Tags"]] == ["env", "team"]

    iam.untag_instance_profile(InstanceProfileName=name, TagKeys=["ENV", "absent"])
    got = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    assert got["Tags"] == [{"Key": "team", "Value": "blue"}]

    with pytest.raises(ClientError) as excinfo:
        iam.tag_instance_profile(
            InstanceProfileName=name,
            Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)],
        )
    assert_client_error(excinfo, "LimitExceeded", 409)
    with pytest.raises(ClientError) as excinfo:
        iam.tag_instance_profile(InstanceProfileName=name, Tags=[{"Key": "aws:x", "Value": "v"}])
    assert_client_error(excinfo, "InvalidInput", 400)
    iam.delete_instance_profile(InstanceProfileName=name)


def test_bad_names_and_paths_are_validation_errors(shared_server):
    raw = iam_client(shared_server, validate_params=False)
    cases = [
        (
            lambda: raw.create_instance_profile(InstanceProfileName="web server"),
            "1 validation error detected: Value 'web server' at 'instanceProfileName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        ),
        (
            lambda: raw.create_instance_profile(InstanceProfileName="a" * 129),
            None,
        ),
        (
            lambda: raw.create_instance_profile(InstanceProfileName="ok", Path="no-slash"),
            None,
        ),
        (
            lambda: raw.get_instance_profile(InstanceProfileName=""),
            None,
        ),
        (
            lambda: raw.list_instance_profiles(MaxItems=0),
            None,
        ),
        (
            lambda: raw.add_role_to_instance_profile(InstanceProfileName="ok", RoleName="r" * 65),
            None,
        ),
    ]
    for call, message in cases:
        with pytest.raises(ClientError) as excinfo:
            call()
        got = error(excinfo, "ValidationError", 400)
        if message is not None:
            assert got == message
    with pytest.raises(ClientError) as excinfo:
        raw.list_instance_profiles(Marker="not a marker!")
    assert_client_error(excinfo, "InvalidInput", 400)


def test_the_account_summary_counts_instance_profiles(server):
    iam = iam_client(server)
    assert iam.get_account_summary()["SummaryMap"]["InstanceProfiles"] == 0
    for name in ("a", "b"):
        iam.create_instance_profile(InstanceProfileName=name)
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["InstanceProfiles"], summary["InstanceProfilesQuota"]) == (2, 1000)
    iam.delete_instance_profile(InstanceProfileName="a")
    assert iam.get_account_summary()["SummaryMap"]["InstanceProfiles"] == 1


def test_each_call_is_authorized_on_the_profile_and_passing_the_role_needs_pass_role(
    shared_server, iam, account
):
    user = unique("ops")
    user_arn = iam.create_user(UserName=user)["User"]["Arn"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    ops = iam_client(shared_server, Creds(key["AccessKeyId"], key["SecretAccessKey"]))
    profile = unique("guarded")
    profile_arn = f"arn:aws:iam::{account}:instance-profile/{profile}"
    role = make_role(iam, "passed")

    def denied(call, action: str, resource: str) -> None:
        with pytest.raises(ClientError) as excinfo:
            call()
        message = error(excinfo, "AccessDenied", 403)
        expected = f"User: {user_arn} is not authorized to perform: {action} on resource: {resource}"
        assert message.startswith(expected), message

    denied(
        lambda: ops.create_instance_profile(InstanceProfileName=profile),
        "iam:CreateInstanceProfile",
        profile_arn,
    )
    denied(
        lambda: ops.list_instance_profiles(),
        "iam:ListInstanceProfiles",
        f"arn:aws:iam::{account}:instance-profile/",
    )

    # Creating with tags is decided with aws:RequestTag and aws:TagKeys.
    iam.put_user_policy(
        UserName=user,
        PolicyName="profiles",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "iam:CreateInstanceProfile",
                            "iam:TagInstanceProfile",
                        ],
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}},
                    },
                    {
                        "Effect": "Allow",
                        "Action": [
                            "iam:GetInstanceProfile",
                            "iam:AddRoleToInstanceProfile",
                            "iam:RemoveRoleFromInstanceProfile",
                            "iam:DeleteInstanceProfile",
                            "iam:ListInstanceProfileTags",
                        ],
                        "Resource": f"arn:aws:iam::{account}:instance-profile/*",
                        "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}},
                    },
                    {
                        "Effect": "Allow",
                        "Action": "iam:UntagInstanceProfile",
                        "Resource": "*",
                        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}},
                    },
                ],
            }
        ),
    )
    denied(
        lambda: ops.create_instance_profile(
            InstanceProfileName=profile, Tags=[{"Key": "team", "Value": "red"}]
        ),
        "iam:CreateInstanceProfile",
        profile_arn,
    )
    ops.create_instance_profile(InstanceProfileName=profile, Tags=[{"Key": "team", "Value": "blue"}])
    assert ops.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Arn"] == (
        profile_arn
    )
    ops.tag_instance_profile(
        InstanceProfileName=profile,
        Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "dev"}],
    )
    ops.untag_instance_profile(InstanceProfileName=profile, TagKeys=["env"])
    denied(
        lambda: ops.untag_instance_profile(InstanceProfileName=profile, TagKeys=["team"]),
        "iam:UntagInstanceProfile",
        profile_arn,
    )
    denied(
        lambda: ops.list_instance_profiles_for_role(RoleName=role["RoleName"]),
        "iam:ListInstanceProfilesForRole",
        role["Arn"],
    )

    # Putting a role in the profile passes it: iam:PassRole on the role.
    denied(
        lambda: ops.add_role_to_instance_profile(
            InstanceProfileName=profile, RoleName=role["RoleName"]
        ),
        "iam:PassRole",
        role["Arn"],
    )
    iam.put_user_policy(
        UserName=user,
        PolicyName="pass",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role["Arn"]}
                ],
            }
        ),
    )
    ops.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role["RoleName"])
    held = ops.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]
    assert [r["RoleName"] for r in held] == [role["RoleName"]]
    ops.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=role["RoleName"])
    ops.delete_instance_profile(InstanceProfileName=profile)
    iam.delete_role(RoleName=role["RoleName"])


def test_instance_profiles_with_the_cli(shared_server):
    name = unique("cli")
    created = shared_server.cli(
        "iam", "create-instance-profile", "--instance-profile-name", name, "--path", "/cli/"
    )
    assert created.returncode == 0, created.stderr
    assert created.json()["InstanceProfile"]["Path"] == "/cli/"
    role = shared_server.cli(
        "iam", "create-role", "--role-name", name, "--assume-role-policy-document", TRUST
    )
    assert role.returncode == 0, role.stderr
    added = shared_server.cli(
        "iam", "add-role-to-instance-profile", "--instance-profile-name", name, "--role-name", name
    )
    assert added.returncode == 0, added.stderr
    listed = shared_server.cli("iam", "list-instance-profiles", "--path-prefix", "/cli/").json()
    assert [p["InstanceProfileName"] for p in listed["InstanceProfiles"]] == [name]
    for_role = shared_server.cli("iam", "list-instance-profiles-for-role", "--role-name", name)
    assert [p["InstanceProfileName"] for p in for_role.json()["InstanceProfiles"]] == [name]
    conflict = shared_server.cli("iam", "delete-instance-profile", "--instance-profile-name", name)
    assert conflict.returncode != 0 and "DeleteConflict" in conflict.stderr, conflict.stderr
    for argv in (
        ("remove-role-from-instance-profile", "--instance-profile-name", name, "--role-name", name),
        ("delete-instance-profile", "--instance-profile-name", name),
        ("delete-role", "--role-name", name),
    ):
        done = shared_server.cli("iam", *argv)
        assert done.returncode == 0, done.stderr
    gone = shared_server.cli("iam", "get-instance-profile", "--instance-profile-name", name)
    assert gone.returncode != 0 and "NoSuchEntity" in gone.stderr, gone.stderr
