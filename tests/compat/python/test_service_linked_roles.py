"""Service-linked roles through the real boto3 and aws CLI against a running
tessera: AWS's names and paths, the trust policy of the service, the
protection of the role from every change but its description and tags,
deletion as a task with its status, UpdateRoleDescription, AWS's errors, and
the authorization of each call."""

from __future__ import annotations

import json
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
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture()
def iam(server):
    return iam_client(server)


@pytest.fixture()
def account(server) -> str:
    return server.client().get_caller_identity()["Account"]


def error(excinfo, code: str, status: int) -> str:
    return assert_client_error(excinfo, code, status)["Error"]["Message"]


def cli_json(server, *args: str) -> dict:
    result = server.cli(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def protected(name: str) -> str:
    return (
        f"Cannot perform the operation on the protected role '{name}'"
        " - this role is only modifiable by AWS"
    )


def test_a_service_linked_role_is_named_placed_and_trusts_its_service(iam, account):
    role = iam.create_service_linked_role(
        AWSServiceName="autoscaling.amazonaws.com", Description="scales the fleet"
    )["Role"]
    name = "AWSServiceRoleForAutoScaling"
    assert role["RoleName"] == name
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    assert role["Arn"] == (
        f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/{name}"
    )
    assert role["RoleId"].startswith("AROA")
    assert role["Description"] == "scales the fleet"
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "autoscaling.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    assert iam.get_role(RoleName=name)["Role"]["Arn"] == role["Arn"]

    # One per service, unless a suffix tells them apart.
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    assert error(excinfo, "InvalidInput", 400) == (
        f"Service role name {name} has been taken in this account, please try a different suffix."
    )
    suffixed = iam.create_service_linked_role(
        AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="web"
    )["Role"]
    assert suffixed["RoleName"] == "AWSServiceRoleForAutoScaling_web"

    # Services that take no suffix, and known services' own names.
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com", CustomSuffix="x")
    assert error(excinfo, "InvalidInput", 400) == "Custom suffix is not allowed for ecs.amazonaws.com"
    ecs = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]
    assert ecs["RoleName"] == "AWSServiceRoleForECS"
    es = iam.create_service_linked_role(AWSServiceName="es.amazonaws.com")["Role"]
    assert es["RoleName"] == "AWSServiceRoleForAmazonElasticsearchService"

    listed = iam.list_roles(PathPrefix="/aws-service-role/")["Roles"]
    assert sorted(r["RoleName"] for r in listed) == sorted(
        [name, "AWSServiceRoleForAutoScaling_web", "AWSServiceRoleForECS", es["RoleName"]]
    )


def test_bad_service_names_and_suffixes_are_refused(server, iam):
    with pytest.raises(ClientError) as excinfo:
        iam.create_service_linked_role(AWSServiceName="example.com")
    assert error(excinfo, "InvalidInput", 400).startswith("Invalid service name")
    raw = iam_client(server, validate_params=False)
    with pytest.raises(ClientError) as excinfo:
        raw.create_service_linked_role(AWSServiceName="a b", CustomSuffix="x" * 65)
    message = error(excinfo, "ValidationError", 400)
    assert message.startswith("2 validation errors detected: ")
    assert "Value 'a b' at 'aWSServiceName'" in message
    assert "at 'customSuffix' failed to satisfy constraint" in message


def test_the_path_is_reserved_for_service_linked_roles(iam):
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(
            RoleName=unique("fake"),
            Path="/aws-service-role/ec2.amazonaws.com/",
            AssumeRolePolicyDocument=TRUST,
        )
    assert error(excinfo, "InvalidInput", 400) == (
        "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles"
    )


def test_only_the_description_and_tags_of_a_service_linked_role_change(iam, account):
    name = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")[
        "Role"
    ]["RoleName"]
    policy_arn = iam.create_policy(PolicyName=unique("p"), PolicyDocument=POLICY)["Policy"]["Arn"]
    refusals = [
        lambda: iam.delete_role(RoleName=name),
        lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=TRUST),
        lambda: iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=POLICY),
        lambda: iam.delete_role_policy(RoleName=name, PolicyName="p"),
        lambda: iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn),
        lambda: iam.detach_role_policy(RoleName=name, PolicyArn=policy_arn),
        lambda: iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=policy_arn),
        lambda: iam.delete_role_permissions_boundary(RoleName=name),
    ]
    for refused in refusals:
        with pytest.raises(ClientError) as excinfo:
            refused()
        assert error(excinfo, "UnmodifiableEntity", 400) == protected(name)

    described = iam.update_role_description(RoleName=name, Description="beanstalk")["Role"]
    assert described["RoleName"] == name
    assert described["Description"] == "beanstalk"
    iam.tag_role(RoleName=name, Tags=[{"Key": "team", "Value": "web"}])
    got = iam.get_role(RoleName=name)["Role"]
    assert got["Description"] == "beanstalk"
    assert got["Tags"] == [{"Key": "team", "Value": "web"}]
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []


def test_update_role_description_on_an_ordinary_role(iam):
    name = unique("plain")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Description="old")
    role = iam.update_role_description(RoleName=name, Description="new")["Role"]
    assert role["Description"] == "new"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"
    }
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "new"
    with pytest.raises(ClientError) as excinfo:
        iam.update_role_description(RoleName=unique("none"), Description="x")
    assert error(excinfo, "NoSuchEntity", 404).startswith("The role with name ")


def test_deletion_is_a_task_whose_status_is_kept(iam, account):
    name = iam.create_service_linked_role(AWSServiceName="rds.amazonaws.com")["Role"]["RoleName"]
    assert name == "AWSServiceRoleForRDS"
    # While an instance profile holds the role, the deletion fails and says why.
    profile = unique("ip")
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=name)
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    assert task.startswith(f"task/aws-service-role/rds.amazonaws.com/{name}/")
    uuid.UUID(task.rsplit("/", 1)[1])
    failed = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert failed["Status"] == "FAILED"
    assert failed["Reason"]["Reason"]
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name

    iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=name)
    task2 = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    assert task2 != task
    done = iam.get_service_linked_role_deletion_status(DeletionTaskId=task2)
    assert done["Status"] == "SUCCEEDED"
    assert "Reason" not in done
    with pytest.raises(ClientError) as excinfo:
        iam.get_role(RoleName=name)
    assert_client_error(excinfo, "NoSuchEntity", 404)
    # The first task still reads as it ended.
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "FAILED"

    # Gone now.
    with pytest.raises(ClientError) as excinfo:
        iam.delete_service_linked_role(RoleName=name)
    assert_client_error(excinfo, "NoSuchEntity", 404)
    plain = unique("plain")
    iam.create_role(RoleName=plain, AssumeRolePolicyDocument=TRUST)
    with pytest.raises(ClientError) as excinfo:
        iam.delete_service_linked_role(RoleName=plain)
    assert error(excinfo, "InvalidInput", 400) == f"Role {plain} is not a service-linked role."

    unknown = f"task/aws-service-role/rds.amazonaws.com/{name}/{uuid.uuid4()}"
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_linked_role_deletion_status(DeletionTaskId=unknown)
    assert error(excinfo, "NoSuchEntity", 404) == f"Deletion task {unknown} does not exist."
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_linked_role_deletion_status(DeletionTaskId="task/nothing")
    assert error(excinfo, "InvalidInput", 400) == "Invalid deletion task id: task/nothing"


def test_the_cli_creates_and_deletes(server, account):
    out = cli_json(server, "iam", "create-service-linked-role", "--aws-service-name", "batch.amazonaws.com")
    assert out["Role"]["RoleName"] == "AWSServiceRoleForBatch"
    task = cli_json(
        server, "iam", "delete-service-linked-role", "--role-name", "AWSServiceRoleForBatch"
    )["DeletionTaskId"]
    status = cli_json(
        server, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", task
    )
    assert status["Status"] == "SUCCEEDED"


def test_each_call_is_authorized_on_the_role(server, iam, account):
    user = unique("ops")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    ops = iam_client(server, Creds(key["AccessKeyId"], key["SecretAccessKey"]))
    arn = f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    with pytest.raises(ClientError) as excinfo:
        ops.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    assert error(excinfo, "AccessDenied", 403).startswith(
        f"User: arn:aws:iam::{account}:user/{user} is not authorized to perform:"
        f" iam:CreateServiceLinkedRole on resource: {arn}"
    )
    # Allowed for one service only, by iam:AWSServiceName.
    iam.put_user_policy(
        UserName=user,
        PolicyName="slr",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:CreateServiceLinkedRole",
                        "Resource": "*",
                        "Condition": {
                            "StringEquals": {"iam:AWSServiceName": "autoscaling.amazonaws.com"}
                        },
                    },
                    {
                        "Effect": "Allow",
                        "Action": [
                            "iam:DeleteServiceLinkedRole",
                            "iam:GetServiceLinkedRoleDeletionStatus",
                        ],
                        "Resource": "arn:aws:iam::*:role/aws-service-role/autoscaling.amazonaws.com/*",
                    },
                ],
            }
        ),
    )
    ops.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    with pytest.raises(ClientError) as excinfo:
        ops.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    assert_client_error(excinfo, "AccessDenied", 403)
    task = ops.delete_service_linked_role(RoleName="AWSServiceRoleForAutoScaling")["DeletionTaskId"]
    assert ops.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    with pytest.raises(ClientError) as excinfo:
        ops.update_role_description(RoleName="AWSServiceRoleForECS", Description="x")
    assert_client_error(excinfo, "AccessDenied", 403)
