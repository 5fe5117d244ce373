"""The length limits of the IAM name members, as botocore's IAM model gives
them per operation: `UserName` is `userNameType` (at most 64) in some
operations and `existingUserNameType` (at most 128) in others, and so on.

Each operation Tessera serves (the IAM actions of `tessera actions`) is
called with a name one character over its model's limit (AWS's
`ValidationError` naming that limit) and with one at the limit (never a
length error). The other required members get valid values.
"""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET

import botocore.loaders
import pytest

from compat_helpers import local
from test_sts_roles import iam_form_post

NAME_MEMBERS = ("UserName", "GroupName", "RoleName", "PolicyName")
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


def _model():
    return botocore.loaders.Loader().load_service_model("iam", "service-2")


def _filler(member: str, shape: dict) -> str:
    """A valid value for a required member other than the name under test."""
    if member == "PolicyArn":
        return "arn:aws:iam::aws:policy/ReadOnlyAccess"
    if member == "PermissionsBoundary":
        return "arn:aws:iam::aws:policy/ReadOnlyAccess"
    if member in ("PolicyDocument",):
        return POLICY
    if member == "AssumeRolePolicyDocument":
        return TRUST
    if member == "SerialNumber":
        return "arn:aws:iam::123456789012:mfa/device"
    if member.startswith("AuthenticationCode"):
        return "123456"
    if member == "AccessKeyId":
        return "AKIAAAAAAAAAAAAAAAAA"
    if member == "Status":
        return "Active"
    if member in NAME_MEMBERS:
        return "name"
    return "a" * max(int(shape.get("min", 1)), 1)


def _served() -> set[str]:
    """The IAM operations Tessera serves, from its action table."""
    binary = os.environ.get("TESSERA_BIN")
    if not binary:
        return set()
    table = json.loads(subprocess.run([binary, "actions"], capture_output=True, check=True, text=True).stdout)
    return {a["action"].split(":", 1)[1] for a in table["actions"] if a["action"].startswith("iam:")}


def _cases():
    model = _model()
    served = _served()
    shapes = model["shapes"]
    for operation, spec in sorted(model["operations"].items()):
        input_name = spec.get("input", {}).get("shape")
        if not input_name or operation not in served:
            continue
        members = shapes[input_name].get("members", {})
        required = shapes[input_name].get("required", [])
        for member in NAME_MEMBERS:
            if member not in members:
                continue
            shape = shapes[members[member]["shape"]]
            if shape.get("type") != "string" or "max" not in shape:
                continue
            others = {
                m: _filler(m, shapes[members[m]["shape"]])
                for m in required
                if m != member and shapes[members[m]["shape"]].get("type") == "string"
            }
            yield pytest.param(operation, member, int(shape["max"]), others, id=f"{operation}.{member}")


def _error(response) -> tuple[str, str]:
    root = ET.fromstring(response.text)
    code = next((e.text for e in root.iter() if local(e.tag) == "Code"), "")
    message = next((e.text for e in root.iter() if local(e.tag) == "Message"), "")
    return code or "", message or ""


@pytest.mark.parametrize("operation, member, limit, others", list(_cases()))
def test_name_members_follow_the_model(shared_server, operation, member, limit, others):
    member_name = member[0].lower() + member[1:]
    over = iam_form_post(shared_server, shared_server.root, {"Action": operation, **others, member: "n" * (limit + 1)})
    code, message = _error(over) if over.status_code != 200 else ("", "")
    assert (over.status_code, code) == (400, "ValidationError"), over.text
    assert f"at '{member_name}' failed to satisfy constraint: Member must have length less than or equal to {limit}" in message, message

    at_limit = iam_form_post(shared_server, shared_server.root, {"Action": operation, **others, member: "n" * limit})
    if at_limit.status_code != 200:
        _, message = _error(at_limit)
        assert f"at '{member_name}' failed to satisfy constraint: Member must have length" not in message, at_limit.text
