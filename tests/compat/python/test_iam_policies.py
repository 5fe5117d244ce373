"""boto3 and the aws CLI against a running tessera server: IAM roles, managed
policies and their versions, attachments, permission boundaries and the
policy simulator."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from compat_helpers import assert_client_error
from harness import iam_client

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
ALLOW_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
DENY_DELETE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def iam(shared_server):
    return iam_client(shared_server)


@pytest.fixture(scope="module")
def account(shared_server) -> str:
    return shared_server.client().get_caller_identity()["Account"]


def make_role(iam, name=None, **kwargs) -> dict:
    name = name or unique("role")
    return iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), **kwargs
    )["Role"]


def make_policy(iam, document=ALLOW_S3, name=None, **kwargs) -> dict:
    name = name or unique("policy")
    return iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document), **kwargs)[
        "Policy"
    ]


# ---- roles -----------------------------------------------------------------


def test_role_lifecycle(iam, account):
    name = unique("app")
    role = make_role(
        iam,
        name,
        Path="/svc/",
        Description="the app",
        MaxSessionDuration=7200,
        Tags=[{"Key": "team", "Value": "core"}],
    )
    assert role["Arn"] == f"arn:aws:iam::{account}:role/svc/{name}"
    assert role["RoleId"].startswith("AROA")
    assert role["MaxSessionDuration"] == 7200

    got = iam.get_role(RoleName=name)["Role"]
    assert got["AssumeRolePolicyDocument"] == TRUST  # botocore URL-decodes and parses it
    assert got["Description"] == "the app"
    assert got["Tags"] == [{"Key": "team", "Value": "core"}]
    assert got["CreateDate"].utcoffset().total_seconds() == 0
    assert "RoleLastUsed" in got

    iam.update_role(RoleName=name, Description="changed", MaxSessionDuration=43200)
    lambda_trust = json.loads(json.dumps(TRUST).replace("ec2", "lambda"))
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(lambda_trust))
    got = iam.get_role(RoleName=name)["Role"]
    assert (got["Description"], got["MaxSessionDuration"]) == ("changed", 43200)
    assert got["AssumeRolePolicyDocument"] == lambda_trust

    iam.tag_role(RoleName=name, Tags=[{"Key": "env", "Value": "prod"}])
    tags = iam.list_role_tags(RoleName=name)
    assert tags["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "core"}]
    assert tags["IsTruncated"] is False
    iam.untag_role(RoleName=name, TagKeys=["team"])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "env", "Value": "prod"}]

    iam.delete_role(RoleName=name)
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName=name)
    response = assert_client_error(excinfo, "NoSuchEntity", 404)
    assert response["Error"]["Message"] == f"The role with name {name} cannot be found."


def test_trust_policies_refuse_not_principal(iam, account):
    # With Allow, NotPrincipal would let everyone not listed assume the role.
    open_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "NotPrincipal": {"AWS": f"arn:aws:iam::{account}:user/nobody"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    name = unique("open")
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(open_trust))
    response = assert_client_error(excinfo, "MalformedPolicyDocument", 400)
    assert response["Error"]["Message"] == "Has prohibited field NotPrincipal"
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName=name)
    assert_client_error(excinfo, "NoSuchEntity", 404)

    role = make_role(iam)
    with pytest.raises(ClientError) as excinfo:
        iam.update_assume_role_policy(
            RoleName=role["RoleName"], PolicyDocument=json.dumps(open_trust)
        )
    response = assert_client_error(excinfo, "MalformedPolicyDocument", 400)
    assert response["Error"]["Message"] == "Has prohibited field NotPrincipal"
    trust = iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert trust == TRUST


def test_odd_policy_documents(iam):
    # A byte order mark is outside IAM's policy character set.
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName=unique("bom"), PolicyDocument="\ufeff" + json.dumps(ALLOW_S3))
    response = assert_client_error(excinfo, "ValidationError", 400)
    assert response["Error"]["Message"].endswith(
        "at 'policyDocument' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
    )
    # An IP range that is no range fails legacy parsing.
    for cidr in ["10.0.0.0/200", "2001:db8::/129", "10.0.0.256"]:
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": cidr}},
                }
            ],
        }
        with pytest.raises(ClientError) as excinfo:
            iam.create_policy(PolicyName=unique("cidr"), PolicyDocument=json.dumps(document))
        response = assert_client_error(excinfo, "MalformedPolicyDocument", 400)
        assert response["Error"]["Message"] == "The policy failed legacy parsing", cidr


def test_role_errors(iam, account, shared_server):
    name = unique("dup")
    make_role(iam, name)
    with pytest.raises(ClientError) as excinfo:
        make_role(iam, name.upper())
    response = assert_client_error(excinfo, "EntityAlreadyExists", 409)
    assert response["Error"]["Message"] == f"Role with name {name.upper()} already exists."
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName=unique("x"), AssumeRolePolicyDocument=json.dumps(ALLOW_S3))
    assert_client_error(excinfo, "MalformedPolicyDocument", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName=unique("x"), AssumeRolePolicyDocument="{oops")
    assert_client_error(excinfo, "MalformedPolicyDocument", 400)
    with pytest.raises(ClientError) as excinfo:
        make_role(
            iam,
            unique("x"),
            PermissionsBoundary=f"arn:aws:iam::{account}:policy/missing",
        )
    assert_client_error(excinfo, "NoSuchEntity", 404)

    unchecked = iam_client(shared_server, validate_params=False)
    with pytest.raises(ClientError) as excinfo:
        unchecked.create_role(
            RoleName=unique("x"), AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=60
        )
    assert_client_error(excinfo, "ValidationError", 400)
    with pytest.raises(ClientError) as excinfo:
        unchecked.create_role(RoleName="bad name", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert_client_error(excinfo, "ValidationError", 400)
    for call in (
        lambda: iam.delete_role(RoleName=unique("none")),
        lambda: iam.update_role(RoleName=unique("none"), Description="d"),
        lambda: iam.tag_role(RoleName=unique("none"), Tags=[{"Key": "k", "Value": "v"}]),
        lambda: iam.list_role_tags(RoleName=unique("none")),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert_client_error(excinfo, "NoSuchEntity", 404)


def test_list_roles_paginates(iam):
    path = f"/{unique('page')}/"
    names = sorted(unique("r") for _ in range(4))
    for name in names:
        make_role(iam, name, Path=path)
    pages = list(
        iam.get_paginator("list_roles").paginate(
            PathPrefix=path, PaginationConfig={"PageSize": 1}
        )
    )
    assert len(pages) == 4
    assert [r["RoleName"] for page in pages for r in page["Roles"]] == names
    assert iam.list_roles(PathPrefix="/nothing-here/")["Roles"] == []


# ---- managed policies --------------------------------------------------------


def test_managed_policy_versions(iam, account):
    name = unique("s3")
    policy = make_policy(iam, name=name, Path="/team/", Description="s3 access")
    arn = policy["Arn"]
    assert arn == f"arn:aws:iam::{account}:policy/team/{name}"
    assert policy["PolicyId"].startswith("ANPA")
    assert policy["DefaultVersionId"] == "v1"
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (got["AttachmentCount"], got["PermissionsBoundaryUsageCount"]) == (0, 0)
    assert got["IsAttachable"] is True
    assert got["Description"] == "s3 access"

    for i, default in enumerate([False, True, False, False]):
        version = iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=json.dumps(ALLOW_ALL), SetAsDefault=default
        )["PolicyVersion"]
        assert (version["VersionId"], version["IsDefaultVersion"]) == (f"v{i + 2}", default)
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(ALLOW_ALL))
    response = assert_client_error(excinfo, "LimitExceeded", 409)
    assert response["Error"]["Message"].startswith("A managed policy can have up to 5 versions.")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"

    pages = list(
        iam.get_paginator("list_policy_versions").paginate(
            PolicyArn=arn, PaginationConfig={"PageSize": 2}
        )
    )
    assert [v["VersionId"] for p in pages for v in p["Versions"]] == ["v5", "v4", "v3", "v2", "v1"]

    v1 = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert v1["Document"] == ALLOW_S3
    assert v1["IsDefaultVersion"] is False
    with pytest.raises(ClientError) as excinfo:
        iam.get_policy_version(PolicyArn=arn, VersionId="v9")
    assert_client_error(excinfo, "NoSuchEntity", 404)

    with pytest.raises(ClientError) as excinfo:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    response = assert_client_error(excinfo, "DeleteConflict", 409)
    assert response["Error"]["Message"] == "Cannot delete the default version of a policy."
    with pytest.raises(ClientError) as excinfo:
        iam.delete_policy(PolicyArn=arn)
    assert_client_error(excinfo, "DeleteConflict", 409)

    iam.set_default_policy_version(PolicyArn=arn, VersionId="v5")
    with pytest.raises(ClientError) as excinfo:
        iam.set_default_policy_version(PolicyArn=arn, VersionId="v8")
    assert_client_error(excinfo, "NoSuchEntity", 404)
    for v in ["v1", "v2", "v3", "v4"]:
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError) as excinfo:
        iam.get_policy(PolicyArn=arn)
    response = assert_client_error(excinfo, "NoSuchEntity", 404)
    assert response["Error"]["Message"] == f"Policy {arn} was not found."


def test_policy_errors_and_listing(iam):
    name = unique("dup")
    make_policy(iam, name=name)
    with pytest.raises(ClientError) as excinfo:
        make_policy(iam, name=name)
    response = assert_client_error(excinfo, "EntityAlreadyExists", 409)
    assert response["Error"]["Message"] == (
        f"A policy called {name} already exists. Duplicate names are not allowed."
    )
    with pytest.raises(ClientError) as excinfo:
        make_policy(iam, document=TRUST)
    assert_client_error(excinfo, "MalformedPolicyDocument", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.get_policy(PolicyArn="arn:aws:iam::123456789012:policy/none")
    assert_client_error(excinfo, "NoSuchEntity", 404)

    path = f"/{unique('list')}/"
    names = sorted(unique("p") for _ in range(3))
    for n in names:
        make_policy(iam, name=n, Path=path)
    pages = list(
        iam.get_paginator("list_policies").paginate(
            Scope="Local", PathPrefix=path, PaginationConfig={"PageSize": 1}
        )
    )
    assert [p["PolicyName"] for page in pages for p in page["Policies"]] == names
    assert iam.list_policies(Scope="AWS")["Policies"] == []
    assert iam.list_policies(PathPrefix=path, OnlyAttached=True)["Policies"] == []


# ---- attachments and boundaries ---------------------------------------------


def test_attachments_and_boundaries(iam, account):
    role = make_role(iam)["RoleName"]
    arn = make_policy(iam)["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)  # idempotent
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [arn]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == [role]
    assert entities["PolicyUsers"] == [] and entities["PolicyGroups"] == []
    assert iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="User")["PolicyRoles"] == []

    with pytest.raises(ClientError) as excinfo:
        iam.delete_role(RoleName=role)
    response = assert_client_error(excinfo, "DeleteConflict", 409)
    assert response["Error"]["Message"] == "Cannot delete entity, must detach all policies first."
    with pytest.raises(ClientError) as excinfo:
        iam.delete_policy(PolicyArn=arn)
    response = assert_client_error(excinfo, "DeleteConflict", 409)
    assert response["Error"]["Message"] == "Cannot delete a policy attached to entities."

    # Users and groups belong to another area; here only their absence.
    for call in (
        lambda: iam.attach_user_policy(UserName=unique("nobody"), PolicyArn=arn),
        lambda: iam.detach_user_policy(UserName=unique("nobody"), PolicyArn=arn),
        lambda: iam.list_attached_user_policies(UserName=unique("nobody")),
        lambda: iam.attach_group_policy(GroupName=unique("nogroup"), PolicyArn=arn),
        lambda: iam.detach_group_policy(GroupName=unique("nogroup"), PolicyArn=arn),
        lambda: iam.list_attached_group_policies(GroupName=unique("nogroup")),
        lambda: iam.put_user_permissions_boundary(
            UserName=unique("nobody"), PermissionsBoundary=arn
        ),
        lambda: iam.delete_user_permissions_boundary(UserName=unique("nobody")),
        lambda: iam.attach_role_policy(
            RoleName=role, PolicyArn=f"arn:aws:iam::{account}:policy/missing"
        ),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert_client_error(excinfo, "NoSuchEntity", 404)

    others = [make_policy(iam)["Arn"] for _ in range(10)]
    for other in others[:9]:
        iam.attach_role_policy(RoleName=role, PolicyArn=other)
    with pytest.raises(ClientError) as excinfo:
        iam.attach_role_policy(RoleName=role, PolicyArn=others[9])
    response = assert_client_error(excinfo, "LimitExceeded", 409)
    assert response["Error"]["Message"] == "Cannot exceed quota for PoliciesPerRole: 10"
    pages = list(
        iam.get_paginator("list_attached_role_policies").paginate(
            RoleName=role, PaginationConfig={"PageSize": 3}
        )
    )
    assert len(pages) == 4
    assert sum(len(p["AttachedPolicies"]) for p in pages) == 10
    for other in others[:9] + [arn]:
        iam.detach_role_policy(RoleName=role, PolicyArn=other)
    with pytest.raises(ClientError) as excinfo:
        iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    assert_client_error(excinfo, "NoSuchEntity", 404)

    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=arn)
    boundary = iam.get_role(RoleName=role)["Role"]["PermissionsBoundary"]
    assert boundary == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": arn,
    }
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    bounded = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsBoundary")
    assert [r["RoleName"] for r in bounded["PolicyRoles"]] == [role]
    listed = iam.list_policies(PolicyUsageFilter="PermissionsBoundary")["Policies"]
    assert arn in [p["Arn"] for p in listed]
    iam.delete_role_permissions_boundary(RoleName=role)
    assert "PermissionsBoundary" not in iam.get_role(RoleName=role)["Role"]
    iam.delete_policy(PolicyArn=arn)
    iam.delete_role(RoleName=role)


# ---- the policy simulator ----------------------------------------------------


def test_simulate_custom_policy(iam):
    results = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps(ALLOW_S3), json.dumps(DENY_DELETE)],
        ActionNames=["s3:GetObject", "s3:DeleteBucket", "ec2:RunInstances"],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "explicitDeny", "implicitDeny"]
    assert results[0]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    assert results[0]["MatchedStatements"][0]["StartPosition"]["Line"] == 1
    assert results[1]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.2"

    bounded = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps(ALLOW_ALL)],
        PermissionsBoundaryPolicyInputList=[json.dumps(ALLOW_S3)],
        ActionNames=["s3:GetObject", "iam:CreateUser"],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in bounded] == ["allowed", "implicitDeny"]

    conditional = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            }
        ],
    }
    missing = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps(conditional)], ActionNames=["s3:GetObject"]
    )["EvaluationResults"][0]
    assert missing["EvalDecision"] == "implicitDeny"
    assert missing["MissingContextValues"] == ["aws:RequestedRegion"]
    given = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps(conditional)],
        ActionNames=["s3:GetObject"],
        ContextEntries=[
            {
                "ContextKeyName": "aws:RequestedRegion",
                "ContextKeyValues": ["eu-west-1"],
                "ContextKeyType": "string",
            }
        ],
    )["EvaluationResults"][0]
    assert given["EvalDecision"] == "allowed"

    pages = list(
        iam.get_paginator("simulate_custom_policy").paginate(
            PolicyInputList=[json.dumps(ALLOW_S3)],
            ActionNames=["s3:GetObject", "s3:PutObject"],
            ResourceArns=["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"],
            PaginationConfig={"PageSize": 1},
        )
    )
    assert len(pages) == 4
    assert [
        (r["EvalActionName"], r["EvalResourceName"]) for p in pages for r in p["EvaluationResults"]
    ] == [
        ("s3:GetObject", "arn:aws:s3:::a/*"),
        ("s3:GetObject", "arn:aws:s3:::b/*"),
        ("s3:PutObject", "arn:aws:s3:::a/*"),
        ("s3:PutObject", "arn:aws:s3:::b/*"),
    ]
    with pytest.raises(ClientError) as excinfo:
        iam.simulate_custom_policy(PolicyInputList=["{"], ActionNames=["s3:GetObject"])
    assert_client_error(excinfo, "MalformedPolicyDocument", 400)


def test_simulate_principal_policy(iam, account):
    role = make_role(iam)
    everything = make_policy(iam, ALLOW_ALL)
    s3_only = make_policy(iam, ALLOW_S3)
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=everything["Arn"])
    results = iam.simulate_principal_policy(
        PolicySourceArn=role["Arn"], ActionNames=["s3:GetObject", "iam:CreateUser"]
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "allowed"]
    statement = results[0]["MatchedStatements"][0]
    assert statement["SourcePolicyId"] == everything["PolicyName"]
    assert statement["SourcePolicyType"] == "user-managed"

    # The boundary removes what the attached policy grants.
    iam.put_role_permissions_boundary(RoleName=role["RoleName"], PermissionsBoundary=s3_only["Arn"])
    results = iam.simulate_principal_policy(
        PolicySourceArn=role["Arn"],
        ActionNames=["s3:GetObject", "iam:CreateUser", "s3:DeleteBucket"],
        PolicyInputList=[json.dumps(DENY_DELETE)],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "implicitDeny", "explicitDeny"]
    pages = list(
        iam.get_paginator("simulate_principal_policy").paginate(
            PolicySourceArn=role["Arn"],
            ActionNames=["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
            PaginationConfig={"PageSize": 2},
        )
    )
    assert [len(p["EvaluationResults"]) for p in pages] == [2, 1]
    with pytest.raises(ClientError) as excinfo:
        iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{account}:role/{unique('none')}",
            ActionNames=["s3:GetObject"],
        )
    assert_client_error(excinfo, "NoSuchEntity", 404)


# ---- the aws CLI ---------------------------------------------------------------


def test_aws_cli(shared_server, account):
    role = unique("cli")
    created = shared_server.cli(
        "iam",
        "create-role",
        "--role-name",
        role,
        "--assume-role-policy-document",
        json.dumps(TRUST),
    ).json()["Role"]
    assert created["Arn"] == f"arn:aws:iam::{account}:role/{role}"
    listed = shared_server.cli("iam", "list-roles", "--page-size", "1").json()["Roles"]
    assert role in [r["RoleName"] for r in listed]
    policy = shared_server.cli(
        "iam",
        "create-policy",
        "--policy-name",
        unique("cli"),
        "--policy-document",
        json.dumps(ALLOW_S3),
    ).json()["Policy"]
    attach = shared_server.cli(
        "iam", "attach-role-policy", "--role-name", role, "--policy-arn", policy["Arn"]
    )
    assert attach.returncode == 0, attach.stderr
    attached = shared_server.cli(
        "iam", "list-attached-role-policies", "--role-name", role
    ).json()["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [policy["Arn"]]
    version = shared_server.cli(
        "iam",
        "create-policy-version",
        "--policy-arn",
        policy["Arn"],
        "--policy-document",
        json.dumps(ALLOW_ALL),
        "--set-as-default",
    ).json()["PolicyVersion"]
    assert version == {**version, "VersionId": "v2", "IsDefaultVersion": True}
    simulated = shared_server.cli(
        "iam",
        "simulate-principal-policy",
        "--policy-source-arn",
        created["Arn"],
        "--action-names",
        "iam:CreateUser",
    ).json()["EvaluationResults"]
    assert simulated[0]["EvalDecision"] == "allowed"
    failed = shared_server.cli("iam", "delete-role", "--role-name", role)
    assert failed.returncode != 0
    assert "DeleteConflict" in failed.stderr, failed.stderr
    missing = shared_server.cli("iam", "get-role", "--role-name", unique("none"))
    assert missing.returncode != 0
    assert "NoSuchEntity" in missing.stderr, missing.stderr


# ---- durability ------------------------------------------------------------------


def test_restart_keeps_roles_policies_and_attachments(server):
    iam = iam_client(server)
    role = make_role(iam, Tags=[{"Key": "k", "Value": "v"}])
    policy = make_policy(iam)
    iam.create_policy_version(
        PolicyArn=policy["Arn"], PolicyDocument=json.dumps(ALLOW_ALL), SetAsDefault=True
    )
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=policy["Arn"])
    iam.put_role_permissions_boundary(RoleName=role["RoleName"], PermissionsBoundary=policy["Arn"])

    server.restart()
    iam = iam_client(server)
    got = iam.get_role(RoleName=role["RoleName"])["Role"]
    assert got["PermissionsBoundary"]["PermissionsBoundaryArn"] == policy["Arn"]
    assert got["Tags"] == [{"Key": "k", "Value": "v"}]
    got = iam.get_policy(PolicyArn=policy["Arn"])["Policy"]
    assert (got["DefaultVersionId"], got["AttachmentCount"]) == ("v2", 1)
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [policy["Arn"]]


def test_simulate_with_resource_policy_and_list_context(iam):
    bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        ],
    }
    nothing = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
    }
    result = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps(nothing)],
        ResourcePolicy=json.dumps(bucket),
        ResourceOwner="111122223333",
        CallerArn="arn:aws:iam::111122223333:user/alice",
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::b/key"],
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyType"] == "resource"

    tagged = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:TagRole",
                "Resource": "*",
                "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
            }
        ],
    }
    for keys, decision in ((["team"], "allowed"), (["team", "owner"], "implicitDeny")):
        result = iam.simulate_custom_policy(
            PolicyInputList=[json.dumps(tagged)],
            ActionNames=["iam:TagRole"],
            ContextEntries=[
                {
                    "ContextKeyName": "aws:TagKeys",
                    "ContextKeyValues": keys,
                    "ContextKeyType": "stringList",
                }
            ],
        )["EvaluationResults"][0]
        assert result["EvalDecision"] == decision, (keys, result)


def test_policy_tags(iam, account):
    policy = make_policy(iam, Tags=[{"Key": "team", "Value": "blue"}])
    arn = policy["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "TEAM", "Value": "red"}, {"Key": "env", "Value": "prod"}])
    listed = iam.list_policy_tags(PolicyArn=arn, MaxItems=1)
    assert listed["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert listed["IsTruncated"] is True
    rest = iam.list_policy_tags(PolicyArn=arn, Marker=listed["Marker"])
    assert rest["Tags"] == [{"Key": "TEAM", "Value": "red"}]
    assert rest["IsTruncated"] is False
    iam.untag_policy(PolicyArn=arn, TagKeys=["team"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [{"Key": "env", "Value": "prod"}]

    missing = f"arn:aws:iam::{account}:policy/{unique('none')}"
    with pytest.raises(ClientError) as raised:
        iam.tag_policy(PolicyArn=missing, Tags=[{"Key": "a", "Value": "b"}])
    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("NoSuchEntity", f"Policy {missing} was not found.")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as raised:
        iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "aws:x", "Value": "b"}])
    assert raised.value.response["Error"]["Code"] == "InvalidInput"
