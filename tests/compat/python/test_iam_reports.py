"""Account-wide reports: the credential report (GenerateCredentialReport,
GetCredentialReport), GetAccountAuthorizationDetails, and the context keys
of custom and principal policies, driven through the real boto3 against a
running tessera."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time

import pytest
from botocore.exceptions import ClientError

from compat_helpers import Creds, assert_client_error
from harness import iam_client
from test_certificates import certificate, pem, rsa_key
from test_iam_providers import two_codes

STRONG = "Tr0ub4dor&3-horse"
COLUMNS = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
]
NO_KEY = ["false", "N/A", "N/A", "N/A", "N/A"]


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


TRUST = policy(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
)
BY_NAME = policy(
    {
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::bucket/${aws:username}/*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
)
BY_TIME = policy(
    {
        "Effect": "Allow",
        "Action": "dynamodb:*",
        "Resource": "*",
        "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2015-08-16T12:00:00Z"}},
    }
)
BY_IP = policy(
    {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }
)


@pytest.fixture
def iam(server):
    return iam_client(server)


def account_of(server) -> str:
    return server.client().get_caller_identity()["Account"]


def error(call, code: str, status: int, **kwargs) -> dict:
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return assert_client_error(excinfo, code, status)


def user_with_key(iam, name: str) -> Creds:
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Creds(key["AccessKeyId"], key["SecretAccessKey"])


def at(text: str) -> dt.datetime:
    """A time of the report: ISO 8601 with the offset `+00:00`."""
    assert text.endswith("+00:00"), text
    return dt.datetime.fromisoformat(text)


def report_rows(iam) -> list[dict[str, str]]:
    got = iam.get_credential_report()
    assert got["ReportFormat"] == "text/csv"
    assert got["GeneratedTime"].tzinfo is not None
    text = got["Content"].decode()
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    assert header == COLUMNS
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in reader]
    return rows


def age_report(server, seconds: int) -> None:
    """Moves the stored report `seconds` into the past, as if generated then."""
    server.execute_sql(f"UPDATE credential_reports SET generated_at = generated_at - {int(seconds)}")


# ---------------------------------------------------------- credential report


def test_credential_report_columns(server, iam):
    account = account_of(server)
    # Before any report.
    response = error(iam.get_credential_report, "ReportNotPresent", 410)
    assert "Message" not in response["Error"], response

    iam.update_account_password_policy(MinimumPasswordLength=8, MaxPasswordAge=90)
    # alice: a password, two keys (the first used, the second inactive), an
    # MFA device and a signing certificate.
    alice = user_with_key(iam, "alice")
    profile = iam.create_login_profile(UserName="alice", Password=STRONG)["LoginProfile"]
    # Keys are ordered by creation, to the second.
    time.sleep(1.1)
    second = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.update_access_key(UserName="alice", AccessKeyId=second["AccessKeyId"], Status="Inactive")
    server.client(creds=alice).get_caller_identity()
    used = iam.get_access_key_last_used(AccessKeyId=alice.access_key_id)["AccessKeyLastUsed"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")["VirtualMFADevice"]
    code1, code2 = two_codes(device["Base32StringSeed"].decode())
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=code1,
        AuthenticationCode2=code2,
    )
    cert = iam.upload_signing_certificate(
        UserName="alice", CertificateBody=pem(certificate(rsa_key(), "alice"))
    )["Certificate"]
    # bob: nothing but himself.
    iam.create_user(UserName="bob")

    started = iam.generate_credential_report()
    assert (started["State"], started["Description"]) == (
        "STARTED",
        "No report exists. Starting a new report generation task",
    )
    complete = iam.generate_credential_report()
    assert complete["State"] == "COMPLETE" and "Description" not in complete

    rows = report_rows(iam)
    assert [r["user"] for r in rows] == ["<root_account>", "alice", "bob"]
    root, alice_row, bob_row = rows

    assert root["arn"] == f"arn:aws:iam::{account}:root"
    at(root["user_creation_time"])
    for column in ("password_enabled", "password_last_changed", "password_next_rotation"):
        assert root[column] == "not_supported", column
    assert root["password_last_used"] == "no_information"
    assert root["mfa_active"] == "false"
    # The root user's key, which made every call above.
    assert root["access_key_1_active"] == "true"
    at(root["access_key_1_last_rotated"])
    root_used = iam.get_access_key_last_used(AccessKeyId=server.root.access_key_id)[
        "AccessKeyLastUsed"
    ]
    assert at(root["access_key_1_last_used_date"]) == root_used["LastUsedDate"]
    assert root["access_key_1_last_used_service"] == root_used["ServiceName"]
    assert root["access_key_1_last_used_region"] == root_used["Region"]
    assert [root[f"access_key_2_{c}"] for c in ("active", "last_rotated", "last_used_date",
                                                 "last_used_region", "last_used_service")] == NO_KEY
    assert [root[c] for c in ("cert_1_active", "cert_1_last_rotated", "cert_2_active",
                              "cert_2_last_rotated")] == ["false", "N/A", "false", "N/A"]

    user = iam.get_user(UserName="alice")["User"]
    keys = {
        k["AccessKeyId"]: k for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    }
    assert alice_row["arn"] == user["Arn"]
    assert at(alice_row["user_creation_time"]) == user["CreateDate"]
    assert alice_row["password_enabled"] == "true"
    assert alice_row["password_last_used"] == "no_information"
    assert at(alice_row["password_last_changed"]) == profile["CreateDate"]
    assert at(alice_row["password_next_rotation"]) == profile["CreateDate"] + dt.timedelta(days=90)
    assert alice_row["mfa_active"] == "true"
    assert alice_row["access_key_1_active"] == "true"
    assert at(alice_row["access_key_1_last_rotated"]) == keys[alice.access_key_id]["CreateDate"]
    assert at(alice_row["access_key_1_last_used_date"]) == used["LastUsedDate"]
    assert alice_row["access_key_1_last_used_region"] == used["Region"]
    assert alice_row["access_key_1_last_used_service"] == used["ServiceName"] == "sts"
    assert alice_row["access_key_2_active"] == "false"
    assert at(alice_row["access_key_2_last_rotated"]) == keys[second["AccessKeyId"]]["CreateDate"]
    for column in ("last_used_date", "last_used_region", "last_used_service"):
        assert alice_row[f"access_key_2_{column}"] == "N/A", column
    assert alice_row["cert_1_active"] == "true"
    assert at(alice_row["cert_1_last_rotated"]) == cert["UploadDate"]
    assert (alice_row["cert_2_active"], alice_row["cert_2_last_rotated"]) == ("false", "N/A")

    assert bob_row["arn"] == f"arn:aws:iam::{account}:user/bob"
    assert [bob_row[c] for c in COLUMNS[3:8]] == ["false", "N/A", "N/A", "N/A", "false"]
    assert [bob_row[c] for c in COLUMNS[8:]] == NO_KEY + NO_KEY + ["false", "N/A", "false", "N/A"]

    # A fresh report is not regenerated: carol is not in it yet.
    iam.create_user(UserName="carol")
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    assert "carol" not in [r["user"] for r in report_rows(iam)]


def test_a_report_older_than_four_hours_expires(server, iam):
    iam.generate_credential_report()
    iam.create_user(UserName="dave")
    # The report lives in the store: aged there, every node sees it expired.
    age_report(server, 4 * 3600 + 60)
    response = error(iam.get_credential_report, "ReportExpired", 410)
    assert "Message" not in response["Error"], response
    regenerated = iam.generate_credential_report()
    assert regenerated["State"] == "STARTED" and "Description" not in regenerated
    assert "dave" in [r["user"] for r in report_rows(iam)]
    assert iam.generate_credential_report()["State"] == "COMPLETE"


# ------------------------------------------------- account authorization details


def build_account(iam) -> str:
    arn = iam.create_policy(PolicyName="shared", PolicyDocument=BY_TIME, Description="both")[
        "Policy"
    ]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=BY_IP, SetAsDefault=True)
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "blue"}],
                    PermissionsBoundary=arn)
    iam.create_user(UserName="bob")
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=BY_NAME)
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.put_group_policy(GroupName="devs", PolicyName="time", PolicyDocument=BY_TIME)
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=TRUST,
                    Tags=[{"Key": "env", "Value": "prod"}])
    iam.attach_role_policy(RoleName="web", PolicyArn=arn)
    iam.create_instance_profile(InstanceProfileName="web-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="web-profile", RoleName="web")
    return arn


def test_account_authorization_details(iam):
    arn = build_account(iam)
    details = iam.get_account_authorization_details()
    assert details["IsTruncated"] is False and "Marker" not in details

    users = {u["UserName"]: u for u in details["UserDetailList"]}
    assert list(users) == ["alice", "bob"]
    alice = users["alice"]
    assert alice["Arn"] == iam.get_user(UserName="alice")["User"]["Arn"]
    # boto3 URL-decodes the documents IAM sends encoded.
    assert alice["UserPolicyList"] == [{"PolicyName": "own", "PolicyDocument": json.loads(BY_NAME)}]
    assert alice["GroupList"] == ["devs"]
    assert alice["AttachedManagedPolicies"] == [{"PolicyName": "shared", "PolicyArn": arn}]
    assert alice["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": arn,
    }
    assert alice["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert users["bob"]["UserPolicyList"] == [] and users["bob"]["GroupList"] == []
    assert "PermissionsBoundary" not in users["bob"]

    (group,) = details["GroupDetailList"]
    assert group["GroupName"] == "devs"
    assert group["GroupPolicyList"] == [{"PolicyName": "time", "PolicyDocument": json.loads(BY_TIME)}]
    assert group["AttachedManagedPolicies"] == []

    (role,) = details["RoleDetailList"]
    assert role["RoleName"] == "web"
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    (profile,) = role["InstanceProfileList"]
    assert profile["InstanceProfileName"] == "web-profile"
    assert [r["RoleName"] for r in profile["Roles"]] == ["web"]
    assert role["RolePolicyList"] == []
    assert role["AttachedManagedPolicies"] == [{"PolicyName": "shared", "PolicyArn": arn}]
    assert role["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert role["RoleLastUsed"] == {}

    (managed,) = details["Policies"]
    assert (managed["Arn"], managed["DefaultVersionId"], managed["Description"]) == (
        arn,
        "v2",
        "both",
    )
    assert (managed["AttachmentCount"], managed["PermissionsBoundaryUsageCount"]) == (2, 1)
    versions = {v["VersionId"]: v for v in managed["PolicyVersionList"]}
    assert versions["v1"]["Document"] == json.loads(BY_TIME)
    assert versions["v2"]["Document"] == json.loads(BY_IP)
    assert versions["v2"]["IsDefaultVersion"] is True and versions["v1"]["IsDefaultVersion"] is False


def test_account_authorization_details_pages_and_filters(iam):
    build_account(iam)
    # Five items in all: two users, a group, a role, a policy.
    seen = []
    marker = None
    pages = 0
    while True:
        kwargs = {"MaxItems": 2} | ({"Marker": marker} if marker else {})
        page = iam.get_account_authorization_details(**kwargs)
        pages += 1
        seen += [u["UserName"] for u in page["UserDetailList"]]
        seen += [g["GroupName"] for g in page["GroupDetailList"]]
        seen += [r["RoleName"] for r in page["RoleDetailList"]]
        seen += [p["PolicyName"] for p in page["Policies"]]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert (seen, pages) == (["alice", "bob", "devs", "web", "shared"], 3)

    paginator = iam.get_paginator("get_account_authorization_details")
    whole = paginator.paginate(PaginationConfig={"PageSize": 3}).build_full_result()
    assert [u["UserName"] for u in whole["UserDetailList"]] == ["alice", "bob"]
    assert [p["PolicyName"] for p in whole["Policies"]] == ["shared"]

    only = iam.get_account_authorization_details(Filter=["Role", "LocalManagedPolicy"])
    assert only["UserDetailList"] == [] and only["GroupDetailList"] == []
    assert [r["RoleName"] for r in only["RoleDetailList"]] == ["web"]
    assert [p["PolicyName"] for p in only["Policies"]] == ["shared"]
    assert iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])["Policies"] == []
    users = iam.get_account_authorization_details(Filter=["User"], MaxItems=1)
    assert [u["UserName"] for u in users["UserDetailList"]] == ["alice"]
    rest = iam.get_account_authorization_details(Filter=["User"], Marker=users["Marker"])
    assert [u["UserName"] for u in rest["UserDetailList"]] == ["bob"]
    assert rest["IsTruncated"] is False


def test_account_authorization_details_errors(server):
    raw = iam_client(server, validate_params=False)
    message = error(raw.get_account_authorization_details, "ValidationError", 400,
                    Filter=["Users"])["Error"]["Message"]
    assert "Member must satisfy enum value set" in message
    error(raw.get_account_authorization_details, "ValidationError", 400, MaxItems=0)


# ------------------------------------------------------------- context keys


def test_context_keys_for_custom_policies(iam):
    # AWS's example: the variable of the resource, then the condition key.
    example = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}'
    )
    got = iam.get_context_keys_for_custom_policy(PolicyInputList=[example])
    assert got["ContextKeyNames"] == ["aws:username", "aws:CurrentTime"]
    got = iam.get_context_keys_for_custom_policy(PolicyInputList=[BY_NAME, BY_TIME, BY_NAME])
    assert got["ContextKeyNames"] == ["aws:username", "aws:SecureTransport", "aws:CurrentTime"]
    none = policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    assert iam.get_context_keys_for_custom_policy(PolicyInputList=[none])["ContextKeyNames"] == []

    error(iam.get_context_keys_for_custom_policy, "InvalidInput", 400,
          PolicyInputList=["{not a policy"])
    error(iam.get_context_keys_for_custom_policy, "InvalidInput", 400,
          PolicyInputList=[BY_NAME, json.dumps({"Version": "2012-10-17"})])


def test_context_keys_for_custom_policies_validation(server):
    raw = iam_client(server, validate_params=False)
    message = error(raw.get_context_keys_for_custom_policy, "ValidationError", 400)["Error"][
        "Message"
    ]
    assert "'policyInputList'" in message and "Member must not be null" in message


def test_context_keys_for_principal_policies(server, iam):
    account = account_of(server)
    iam.create_user(UserName="alice", Path="/team/")
    iam.put_user_policy(UserName="alice", PolicyName="own", PolicyDocument=BY_NAME)
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    arn = iam.create_policy(PolicyName="time", PolicyDocument=BY_TIME)["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="devs", PolicyArn=arn)
    iam.create_role(RoleName="web", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="web", PolicyName="ip", PolicyDocument=BY_IP)

    alice = f"arn:aws:iam::{account}:user/team/alice"
    # The user's own policy, then its group's.
    got = iam.get_context_keys_for_principal_policy(PolicySourceArn=alice)
    assert got["ContextKeyNames"] == ["aws:username", "aws:SecureTransport", "aws:CurrentTime"]
    got = iam.get_context_keys_for_principal_policy(PolicySourceArn=alice, PolicyInputList=[BY_IP])
    assert got["ContextKeyNames"][-1] == "aws:SourceIp"
    group = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{account}:group/devs"
    )
    assert group["ContextKeyNames"] == ["aws:CurrentTime"]
    role = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{account}:role/web"
    )
    assert role["ContextKeyNames"] == ["aws:SourceIp"]

    message = error(iam.get_context_keys_for_principal_policy, "NoSuchEntity", 404,
                    PolicySourceArn=f"arn:aws:iam::{account}:user/nobody")["Error"]["Message"]
    assert message == "The user with name nobody cannot be found."
    # The path is part of the ARN.
    error(iam.get_context_keys_for_principal_policy, "NoSuchEntity", 404,
          PolicySourceArn=f"arn:aws:iam::{account}:user/alice")
    error(iam.get_context_keys_for_principal_policy, "InvalidInput", 400,
          PolicySourceArn=alice, PolicyInputList=["[1, 2]"])


# ------------------------------------------------------------- authorization


def test_each_report_needs_its_permission(server, iam):
    account = account_of(server)
    mallory = server.client(creds=user_with_key(iam, "mallory"), service="iam")
    calls = [
        ("GenerateCredentialReport", mallory.generate_credential_report, {}),
        ("GetCredentialReport", mallory.get_credential_report, {}),
        ("GetAccountAuthorizationDetails", mallory.get_account_authorization_details, {}),
        ("GetContextKeysForCustomPolicy", mallory.get_context_keys_for_custom_policy,
         {"PolicyInputList": [BY_NAME]}),
        ("GetContextKeysForPrincipalPolicy", mallory.get_context_keys_for_principal_policy,
         {"PolicySourceArn": f"arn:aws:iam::{account}:user/mallory"}),
    ]
    for action, call, kwargs in calls:
        message = error(call, "AccessDenied", 403, **kwargs)["Error"]["Message"]
        assert f"iam:{action}" in message, (action, message)

    # Allowed, each works for the user.
    iam.put_user_policy(
        UserName="mallory",
        PolicyName="reports",
        PolicyDocument=policy(
            {"Effect": "Allow", "Action": [f"iam:{a}" for a, _, _ in calls], "Resource": "*"}
        ),
    )
    assert mallory.generate_credential_report()["State"] == "STARTED"
    assert "mallory" in mallory.get_credential_report()["Content"].decode()
    assert mallory.get_account_authorization_details(Filter=["User"])["UserDetailList"]
    assert mallory.get_context_keys_for_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{account}:user/mallory"
    )["ContextKeyNames"] == []
