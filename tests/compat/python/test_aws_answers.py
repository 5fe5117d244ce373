"""Details of IAM's answers that tools read as AWS writes them: which
members a response carries, idempotent deletions, and validation errors
reported together. Driven through the real boto3 against a running tessera."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from compat_helpers import assert_client_error
from harness import iam_client

DOCUMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


@pytest.fixture(scope="module")
def iam(shared_server):
    return iam_client(shared_server)


def test_create_policy_answers_without_description_and_get_policy_with_empty_tags(iam):
    created = iam.create_policy(
        PolicyName="answers-described", PolicyDocument=DOCUMENT, Description="reads objects"
    )["Policy"]
    # AWS leaves the description out of CreatePolicy's answer, and writes no
    # Tags when none were given.
    assert "Description" not in created
    assert "Tags" not in created
    got = iam.get_policy(PolicyArn=created["Arn"])["Policy"]
    assert got["Description"] == "reads objects"
    assert got["Tags"] == []

    tagged = iam.create_policy(
        PolicyName="answers-tagged",
        PolicyDocument=DOCUMENT,
        Tags=[{"Key": "team", "Value": "blue"}],
    )["Policy"]
    assert tagged["Tags"] == [{"Key": "team", "Value": "blue"}]
    listed = [
        p
        for p in iam.list_policies(Scope="Local")["Policies"]
        if p["PolicyName"].startswith("answers-")
    ]
    assert [p["PolicyName"] for p in listed] == ["answers-described", "answers-tagged"]
    assert all("Description" not in p and "Tags" not in p for p in listed)


def test_get_of_a_provider_without_tags_answers_an_empty_tag_list(iam):
    arn = iam.create_open_id_connect_provider(
        Url="https://answers.example.com", ClientIDList=["app"]
    )["OpenIDConnectProviderArn"]
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Tags"] == []


def test_deleting_a_missing_oidc_provider_succeeds_as_aws_documents(iam):
    arn = iam.create_open_id_connect_provider(
        Url="https://gone.example.com", ClientIDList=["app"]
    )["OpenIDConnectProviderArn"]
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    # "This operation is idempotent; it does not fail or return an error if
    # you call the operation for a provider that does not exist."
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with pytest.raises(ClientError) as excinfo:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert_client_error(excinfo, "NoSuchEntity", 404)
    # SAML providers are not documented so: an unknown one is NoSuchEntity.
    account = arn.split(":")[4]
    with pytest.raises(ClientError) as excinfo:
        iam.delete_saml_provider(SAMLProviderArn=f"arn:aws:iam::{account}:saml-provider/none")
    assert_client_error(excinfo, "NoSuchEntity", 404)


def test_every_broken_member_is_reported_in_one_validation_error(shared_server):
    raw = iam_client(shared_server, validate_params=False)
    url = "https://" + "a" * 300
    with pytest.raises(ClientError) as excinfo:
        raw.create_open_id_connect_provider(
            Url=url, ThumbprintList=["abc"], Tags=[{"Key": "bad*key", "Value": "v"}]
        )
    response = assert_client_error(excinfo, "ValidationError", 400)
    assert response["Error"]["Message"] == (
        "3 validation errors detected: "
        f"Value '{url}' at 'url' failed to satisfy constraint: "
        "Member must have length less than or equal to 255; "
        "Value '[abc]' at 'thumbprintList' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 40, "
        "Member must have length greater than or equal to 40]; "
        "Value 'bad*key' at 'tags.1.member.key' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"
    )

    with pytest.raises(ClientError) as excinfo:
        raw.create_user(UserName="no spaces", Path="nope")
    response = assert_client_error(excinfo, "ValidationError", 400)
    assert response["Error"]["Message"].startswith("2 validation errors detected: ")
    assert "at 'userName'" in response["Error"]["Message"]
    assert "at 'path'" in response["Error"]["Message"]


def test_a_request_with_more_than_50_tags_breaks_the_models_length(shared_server, iam):
    """51 tags on CreatePolicy (as on any Create or Tag call) break the
    model's bound on the list: a ValidationError, not a quota. Tag values
    and keys are held to the model's patterns, each named by its path."""
    raw = iam_client(shared_server, validate_params=False)
    document = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'
    tags = [{"Key": f"k{i}", "Value": f"v{i}"} for i in range(51)]
    with pytest.raises(ClientError) as excinfo:
        raw.create_policy(PolicyName="too-many-tags", PolicyDocument=document, Tags=tags)
    message = assert_client_error(excinfo, "ValidationError", 400)["Error"]["Message"]
    assert "failed to satisfy constraint: Member must have length less than or equal to 50" in message
    assert message.startswith("1 validation error detected: Value '[{Key: k0,Value: v0}, ")
    assert " at 'tags' " in message
    with pytest.raises(ClientError) as excinfo:
        iam.get_policy(PolicyArn=f"arn:aws:iam::{account_of(shared_server)}:policy/too-many-tags")
    assert_client_error(excinfo, "NoSuchEntity", 404)

    with pytest.raises(ClientError) as excinfo:
        raw.create_policy(
            PolicyName="bad-tag-value",
            PolicyDocument=document,
            Tags=[{"Key": "ok", "Value": "v"}, {"Key": "team", "Value": "a*b"}],
        )
    message = assert_client_error(excinfo, "ValidationError", 400)["Error"]["Message"]
    assert message == (
        "1 validation error detected: Value 'a*b' at 'tags.2.member.value' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"
    )


def account_of(server) -> str:
    return server.client().get_caller_identity()["Account"]
