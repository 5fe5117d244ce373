"""Policy documents that IAM and STS refuse, through boto3 against a running
tessera server, with AWS's code, HTTP status and exact message.

The cases are those of tessera-policy's validation corpus
(`crates/tessera-policy/tests/corpus/validation.json`): each one is sent to
the actions that take a policy of its kind — managed policies to
CreatePolicy and CreatePolicyVersion, inline policies to
Put{User,Group,Role}Policy, trust policies to CreateRole and
UpdateAssumeRolePolicy, session policies to AssumeRole — and must be
answered as the corpus says. A managed policy stored before IAM's newer
rules (written into the store directly, as no API takes it now) still
evaluates."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from compat_helpers import Creds, assert_client_error
from harness import iam_client, sql_text

CORPUS = (
    Path(__file__).resolve().parents[3]
    / "crates"
    / "tessera-policy"
    / "tests"
    / "corpus"
    / "validation.json"
)
CASES = json.loads(CORPUS.read_text())["cases"]
STATUS = {"MalformedPolicyDocument": 400, "LimitExceeded": 409, "PackedPolicyTooLarge": 400}
# What IAM's PolicyDocument parameter may hold (its model's pattern).
SENDABLE = re.compile(r"^[\t\n\r\u0020-\u00ff]+$")
# Cases whose answer depends on more than the document: the server, as IAM,
# also refuses principals naming users and roles that do not exist.
NOT_DOCUMENT_ALONE = {"trust policy with AWS, Service and Federated"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def expand(text: str) -> str:
    """The corpus's placeholders: {PAD:n} is n letters a, {WS:n} n spaces."""
    text = re.sub(r"\{PAD:(\d+)\}", lambda m: "a" * int(m.group(1)), text)
    return re.sub(r"\{WS:(\d+)\}", lambda m: " " * int(m.group(1)), text)


def text_of(case: dict) -> str:
    if "text" in case:
        return expand(case["text"])
    return json.dumps(case["document"], indent=2, sort_keys=True)


def cases(*kinds: str, max_len: int = 131072) -> list:
    """The corpus cases of `kinds` that the parameter's constraints let
    through to the policy validator."""
    picked = []
    for case in CASES:
        if case.get("kind", "managed") not in kinds or case["name"] in NOT_DOCUMENT_ALONE:
            continue
        text = text_of(case)
        if SENDABLE.match(text) and len(text) <= max_len:
            picked.append(pytest.param(case, id=case["name"]))
    return picked


def check(call, case: dict):
    """Runs `call(text)`; checks the answer against the corpus case."""
    text = text_of(case)
    expected = case.get("expect_error")
    if expected is None:
        return call(text)
    with pytest.raises(ClientError) as excinfo:
        call(text)
    code = expected["code"]
    response = assert_client_error(excinfo, code, STATUS[code])
    if "message" in expected:
        assert response["Error"]["Message"] == expected["message"], case["name"]
    return None


@pytest.fixture(scope="module")
def iam(shared_server):
    return iam_client(shared_server)


@pytest.fixture(scope="module")
def account(shared_server) -> str:
    return shared_server.client().get_caller_identity()["Account"]


TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
ALLOW_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


@pytest.fixture(scope="module")
def holders(iam) -> dict:
    """A user, a group, a role and a managed policy to write policies to."""
    user = unique("user")
    group = unique("group")
    role = unique("role")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    policy = iam.create_policy(PolicyName=unique("policy"), PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
    return {"user": user, "group": group, "role": role, "policy": policy}


# ---- managed policies ------------------------------------------------------


@pytest.mark.parametrize("case", cases("managed", "boundary"))
def test_create_policy(iam, case):
    created = check(
        lambda text: iam.create_policy(PolicyName=unique("p"), PolicyDocument=text), case
    )
    if created is not None:
        iam.delete_policy(PolicyArn=created["Policy"]["Arn"])


@pytest.mark.parametrize(
    "case", [c for c in cases("managed", "boundary") if "expect_error" in c.values[0]][::3]
)
def test_create_policy_version(iam, holders, case):
    check(
        lambda text: iam.create_policy_version(PolicyArn=holders["policy"], PolicyDocument=text),
        case,
    )


def test_create_policy_version_takes_a_valid_document(iam, holders):
    version = iam.create_policy_version(
        PolicyArn=holders["policy"],
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "iam: Get User", "Resource": ["arn:aws:iam:::user/u", None]},
            }
        ),
    )["PolicyVersion"]["VersionId"]
    iam.delete_policy_version(PolicyArn=holders["policy"], VersionId=version)


# ---- inline policies -------------------------------------------------------


@pytest.mark.parametrize("case", cases("inline_user"))
def test_put_user_policy(iam, holders, case):
    check(
        lambda text: iam.put_user_policy(
            UserName=holders["user"], PolicyName="p", PolicyDocument=text
        ),
        case,
    )


@pytest.mark.parametrize("case", cases("inline_group"))
def test_put_group_policy(iam, holders, case):
    check(
        lambda text: iam.put_group_policy(
            GroupName=holders["group"], PolicyName="p", PolicyDocument=text
        ),
        case,
    )


@pytest.mark.parametrize("case", cases("inline_role"))
def test_put_role_policy(iam, holders, case):
    check(
        lambda text: iam.put_role_policy(
            RoleName=holders["role"], PolicyName="p", PolicyDocument=text
        ),
        case,
    )


# ---- trust policies --------------------------------------------------------


@pytest.mark.parametrize("case", cases("trust"))
def test_create_role(iam, case):
    name = unique("r")
    created = check(
        lambda text: iam.create_role(RoleName=name, AssumeRolePolicyDocument=text), case
    )
    if created is not None:
        iam.delete_role(RoleName=name)


@pytest.mark.parametrize("case", cases("trust"))
def test_update_assume_role_policy(iam, holders, case):
    check(
        lambda text: iam.update_assume_role_policy(
            RoleName=holders["role"], PolicyDocument=text
        ),
        case,
    )


def test_refused_trust_policy_leaves_the_role_as_it_was(iam):
    role = unique("kept")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    with pytest.raises(ClientError) as excinfo:
        iam.update_assume_role_policy(RoleName=role, PolicyDocument='{"Version": ')
    response = assert_client_error(excinfo, "MalformedPolicyDocument", 400)
    assert response["Error"]["Message"] == "This policy contains invalid Json"
    after = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    assert after == json.loads(TRUST)


# ---- permissions boundaries ------------------------------------------------


def test_boundary_is_a_managed_policy(iam, holders, account):
    """A boundary is given by ARN; its document was checked by CreatePolicy,
    which refuses one without Version."""
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(
            PolicyName=unique("b"),
            PolicyDocument=json.dumps({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}),
        )
    response = assert_client_error(excinfo, "MalformedPolicyDocument", 400)
    assert response["Error"]["Message"] == "Policy document must be version 2012-10-17 or greater."
    iam.put_user_permissions_boundary(UserName=holders["user"], PermissionsBoundary=holders["policy"])
    iam.put_role_permissions_boundary(RoleName=holders["role"], PermissionsBoundary=holders["policy"])
    assert iam.get_user(UserName=holders["user"])["User"]["PermissionsBoundary"][
        "PermissionsBoundaryArn"
    ] == holders["policy"]
    iam.delete_user_permissions_boundary(UserName=holders["user"])
    iam.delete_role_permissions_boundary(RoleName=holders["role"])


# ---- session policies ------------------------------------------------------


@pytest.fixture(scope="module")
def assumer(shared_server, iam, account) -> tuple[Creds, str]:
    """A user allowed to assume a role of its account: (creds, role ARN)."""
    user = unique("assumer")
    iam.create_user(UserName=user)
    iam.put_user_policy(
        UserName=user,
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
            }
        ),
    )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    role = unique("target")
    arn = iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole"},
            }
        ),
    )["Role"]["Arn"]
    return Creds(key["AccessKeyId"], key["SecretAccessKey"]), arn


@pytest.mark.parametrize("case", cases("session", max_len=2048))
def test_assume_role_session_policy(shared_server, assumer, case):
    creds, role_arn = assumer
    sts = shared_server.client(creds)
    check(
        lambda text: sts.assume_role(RoleArn=role_arn, RoleSessionName=unique("s"), Policy=text),
        case,
    )


# ---- a document stored before the rules were tightened ---------------------


def test_stored_policy_accepted_before_still_evaluates(server):
    """A managed policy without Version, stored when that was accepted,
    still grants what it says (as 2008-10-17) after a restart."""
    iam = iam_client(server)
    user = unique("old")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    creds = Creds(key["AccessKeyId"], key["SecretAccessKey"])
    arn = iam.create_policy(PolicyName=unique("old"), PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    as_user = iam_client(server, creds)
    with pytest.raises(ClientError) as excinfo:
        as_user.get_user(UserName=user)
    assert_client_error(excinfo, "AccessDenied", 403)

    old = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:GetUser",
                    "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:CurrentTime": "2999-01-01 00:00:00Z"}},
                }
            ]
        }
    )
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=old, SetAsDefault=True)
    response = assert_client_error(excinfo, "MalformedPolicyDocument", 400)
    assert response["Error"]["Message"] == "Policy document must be version 2012-10-17 or greater."

    server.stop()
    changed = server.execute_sql(
        f"UPDATE policy_versions SET document = {sql_text(old)} WHERE policy_arn = {sql_text(arn)}"
    )
    assert changed == 1
    server.start()

    iam = iam_client(server)
    as_user = iam_client(server, creds)
    assert as_user.get_user(UserName=user)["User"]["UserName"] == user
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    stored = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    assert stored == json.loads(old)
