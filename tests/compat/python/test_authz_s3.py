"""The authorizer in front of an S3 store: the real aws CLI, boto3 and plain
HTTP clients talk to nginx, which asks Tessera (`auth_request` to
/forward) before passing a request to moto's S3 server.

Each test checks what happened at the store: an allowed write leaves the
object in moto, a denied one leaves nothing and never reaches moto (its
request log), a denied delete leaves the object in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import urllib.parse
import xml.etree.ElementTree as ET

import botocore.auth
import pytest
import requests
from botocore.exceptions import ClientError

from authz_harness import (  # noqa: F401 - authz_stack is the module's fixture
    PARTNER_BUCKET,
    S3_SERVICE,
    S3_VIRTUAL_HOST,
    AwsCli,
    allow,
    assert_error,
    assume,
    assumed_role_arn,
    authz_stack,
    delete_resource_policy,
    deny,
    document,
    encoded_message,
    eventually,
    forward,
    get_resource_policy,
    make_role,
    make_user,
    managed_policy,
    presign,
    put_resource_policy,
    query_error,
    s3_client,
    send,
    set_bucket_policy,
    sign,
    status_of,
    unique,
    web_identity_role_creds,
)
from compat_helpers import BASE64_CHARS, Creds, flip_char, xml_text


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(authz_stack):
    return authz_stack


@pytest.fixture(scope="module")
def iam_a(stack):
    return stack.iam()


@pytest.fixture(scope="module")
def iam_b(stack):
    return stack.iam(stack.root_b)


@pytest.fixture(scope="module")
def cli(aws_cli, stack, tmp_path_factory) -> AwsCli:
    return AwsCli(aws_cli, stack, tmp_path_factory.mktemp("aws-cli"))


@pytest.fixture
def bucket(stack) -> str:
    """A fresh bucket in moto, owned (as the s3 profile says) by account A."""
    name = unique("bkt")
    stack.moto.create_bucket(name)
    return name


def objects(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}/*"


def rw_statements(bucket: str) -> list[dict]:
    return [
        allow("s3:ListAllMyBuckets"),
        allow("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
        allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], objects(bucket)),
    ]


def proxied_paths(stack, since: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in stack.moto.proxied()[since:]]


def get_status(stack, creds: Creds | None, bucket: str, key: str) -> int:
    """The status of a boto3 GetObject through nginx (200, or the error's)."""
    try:
        s3_client(stack, creds).get_object(Bucket=bucket, Key=key)["Body"].read()
        return 200
    except ClientError as exc:
        return exc.response["ResponseMetadata"]["HTTPStatusCode"]


def expect_get(stack, creds, bucket, key, status: int) -> None:
    got = get_status(stack, creds, bucket, key)
    assert got == status, f"GetObject {bucket}/{key}: expected {status}, got {got}"


# ---------------------------------------------------------------------------
# The aws CLI through nginx
# ---------------------------------------------------------------------------


def test_cli_reads_and_writes_through_nginx(stack, cli, iam_a, bucket, tmp_path):
    """aws s3 cp up and down, ls (a bucket and all buckets), s3api
    put-object and s3 rm, allowed by an identity policy, reach moto."""
    _, creds = make_user(iam_a, *rw_statements(bucket))
    source = tmp_path / "hello.txt"
    source.write_bytes(b"hello through the authorizer\n")

    cli(creds, "s3", "cp", str(source), f"s3://{bucket}/docs/hello.txt")
    assert stack.moto.get_object(bucket, "docs/hello.txt") == source.read_bytes()

    listing = cli(creds, "s3", "ls", f"s3://{bucket}/docs/").stdout
    assert "hello.txt" in listing, listing
    assert bucket in cli(creds, "s3", "ls").stdout

    cli(creds, "s3", "cp", f"s3://{bucket}/docs/hello.txt", str(tmp_path / "down.txt"))
    assert (tmp_path / "down.txt").read_bytes() == source.read_bytes()

    cli(creds, "s3api", "put-object", "--bucket", bucket, "--key", "api.txt", "--body", str(source))
    assert stack.moto.get_object(bucket, "api.txt") == source.read_bytes()

    before = stack.moto.proxied_count()
    cli(creds, "s3", "rm", f"s3://{bucket}/docs/hello.txt")
    assert stack.moto.get_object(bucket, "docs/hello.txt") is None
    assert f"DELETE /{bucket}/docs/hello.txt" in proxied_paths(stack, before)


def test_cli_without_identity_policy_is_denied_before_the_store(stack, cli, iam_a, bucket, tmp_path):
    """A user with no policy: every CLI call fails with 403 and nothing reaches moto."""
    stack.moto.put_object(bucket, "existing.txt", b"keep me")
    _, creds = make_user(iam_a)
    source = tmp_path / "f.txt"
    source.write_text("nope")
    before = stack.moto.proxied_count()

    for args in (
        ("s3", "cp", str(source), f"s3://{bucket}/new.txt"),
        ("s3", "ls", f"s3://{bucket}/"),
        ("s3", "rm", f"s3://{bucket}/existing.txt"),
        ("s3api", "get-object", "--bucket", bucket, "--key", "existing.txt", str(tmp_path / "out")),
    ):
        result = cli(creds, *args, check=False)
        assert result.returncode != 0, f"aws {' '.join(args)} succeeded: {result.stdout}"
        assert "403" in result.stderr or "Forbidden" in result.stderr, result.stderr

    assert proxied_paths(stack, before) == []
    assert stack.moto.keys(bucket) == ["existing.txt"]
    assert stack.moto.get_object(bucket, "existing.txt") == b"keep me"


def test_large_multipart_upload_streams_through(stack, cli, iam_a, bucket, tmp_path):
    """20 MiB with `aws s3 cp` (multipart from 5 MiB): every part is
    authorized and streamed to moto, which ends up with the same bytes; a
    user who may only read gets no part through."""
    data = os.urandom(20 * 1024 * 1024)
    big = tmp_path / "big.bin"
    big.write_bytes(data)
    _, writer = make_user(iam_a, allow(["s3:PutObject", "s3:GetObject"], objects(bucket)))

    before = stack.moto.proxied_count()
    cli(writer, "s3", "cp", str(big), f"s3://{bucket}/big.bin")
    stored = stack.moto.get_object(bucket, "big.bin")
    assert stored is not None and hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
    seen = proxied_paths(stack, before)
    assert any(p.startswith(f"POST /{bucket}/big.bin?uploads") for p in seen), seen
    parts = [p for p in seen if p.startswith(f"PUT /{bucket}/big.bin?") and "uploadId=" in p]
    assert len(parts) >= 4, seen

    cli(writer, "s3", "cp", f"s3://{bucket}/big.bin", str(tmp_path / "down.bin"))
    assert hashlib.sha256((tmp_path / "down.bin").read_bytes()).digest() == hashlib.sha256(data).digest()

    _, reader = make_user(iam_a, allow("s3:GetObject", objects(bucket)))
    before = stack.moto.proxied_count()
    result = cli(reader, "s3", "cp", str(big), f"s3://{bucket}/denied.bin", check=False)
    assert result.returncode != 0, result.stdout
    assert proxied_paths(stack, before) == []
    assert stack.moto.get_object(bucket, "denied.bin") is None


def test_cli_presigned_get(stack, cli, iam_a, bucket):
    """`aws s3 presign` (SigV4, with the role session's token in the URL)
    gives a URL that plain HTTP can GET through nginx; a URL with its
    signature altered is refused."""
    stack.moto.put_object(bucket, "report.csv", b"a,b\n1,2\n")
    role_arn = make_role(
        iam_a, {"AWS": f"arn:aws:iam::{stack.account_a}:root"}, allow("s3:GetObject", objects(bucket))
    )
    _, creds = assume(stack, stack.assumer(), role_arn, "presigner")
    url = cli(creds, "s3", "presign", f"s3://{bucket}/report.csv", "--expires-in", "300").stdout.strip()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"], url
    assert query["X-Amz-Security-Token"] == [creds.session_token], url

    resp = requests.get(url, timeout=15)
    assert resp.status_code == 200, resp.text
    assert resp.content == b"a,b\n1,2\n"

    signature = query["X-Amz-Signature"][0]
    altered = url.replace(signature, flip_char(signature, 5, "0123456789abcdef"))
    before = stack.moto.proxied_count()
    assert requests.get(altered, timeout=15).status_code == 401
    assert proxied_paths(stack, before) == []


def test_presigned_url_within_and_past_its_expiry(stack, iam_a, bucket):
    """A presigned GET works while valid; one of ExpiresIn=1 is refused two
    seconds later (401, S3's AccessDenied "Request has expired")."""
    stack.moto.put_object(bucket, "k.txt", b"timely")
    _, creds = make_user(iam_a, allow("s3:GetObject", objects(bucket)))
    url = f"{stack.s3_endpoint}/{bucket}/k.txt"

    fresh = presign(creds, url, expires=300)
    resp = requests.get(fresh, timeout=15)
    assert (resp.status_code, resp.content) == (200, b"timely"), resp.text

    short = presign(creds, url, expires=1)
    time.sleep(2.0)  # the expiry itself is what is tested
    before = stack.moto.proxied_count()
    assert requests.get(short, timeout=15).status_code == 401
    assert proxied_paths(stack, before) == []
    direct = forward(stack, S3_SERVICE, "GET", short, {"Host": urllib.parse.urlsplit(short).netloc})
    message = assert_error(direct, 401, "AccessDenied")
    assert "Request has expired" in message, message


# ---------------------------------------------------------------------------
# boto3, with each kind of credentials
# ---------------------------------------------------------------------------


CREDENTIAL_KINDS = ["user", "session-token", "role", "cross-account-role", "federation-token", "web-identity"]


def credentials_of_kind(stack, iam_a, iam_b, kind: str, bucket: str) -> tuple[Creds, str, str]:
    """Credentials of `kind` allowed to read and write `bucket`'s objects:
    (creds, the principal ARN GetCallerIdentity gives, its account)."""
    statements = [allow(["s3:GetObject", "s3:PutObject"], objects(bucket))]
    a_root = {"AWS": f"arn:aws:iam::{stack.account_a}:root"}
    if kind == "user":
        arn, creds = make_user(iam_a, *statements)
        return creds, arn, stack.account_a
    if kind == "session-token":
        arn, user = make_user(iam_a, *statements)
        resp = stack.sts(user).get_session_token(DurationSeconds=900)
        return Creds.from_sts(resp["Credentials"]), arn, stack.account_a
    if kind == "role":
        role_arn = make_role(iam_a, a_root, *statements)
        arn, creds = assume(stack, stack.assumer(), role_arn, "same-account")
        assert arn == assumed_role_arn(role_arn, "same-account")
        return creds, arn, stack.account_a
    if kind == "cross-account-role":
        # A role of account B, on the bucket B owns, assumed by a user of A.
        role_arn = make_role(iam_b, a_root, *statements)
        _, user = make_user(iam_a, allow("sts:AssumeRole", role_arn))
        arn, creds = assume(stack, user, role_arn, "from-a")
        assert arn.startswith(f"arn:aws:sts::{stack.account_b}:assumed-role/"), arn
        return creds, arn, stack.account_b
    if kind == "federation-token":
        _, broker = make_user(iam_a, *statements, allow("sts:GetFederationToken"))
        name = unique("fed")[:32]
        resp = stack.sts(broker).get_federation_token(
            Name=name, Policy=document(allow("s3:*", objects(bucket)))
        )
        arn = f"arn:aws:sts::{stack.account_a}:federated-user/{name}"
        assert resp["FederatedUser"]["Arn"] == arn
        return Creds.from_sts(resp["Credentials"]), arn, stack.account_a
    if kind == "web-identity":
        arn, creds = web_identity_role_creds(stack, *statements, session="oidc")
        return creds, arn, stack.account_a
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", CREDENTIAL_KINDS)
def test_boto3_with_each_kind_of_credentials(stack, iam_a, iam_b, kind):
    """PutObject and GetObject through nginx (boto3, path-style) with the
    credentials of GetSessionToken, AssumeRole (same and cross account),
    GetFederationToken and AssumeRoleWithWebIdentity; the authorizer names
    the principal as GetCallerIdentity does. DeleteObject, granted to none,
    is denied and the object stays."""
    if kind == "cross-account-role":
        bucket, key = PARTNER_BUCKET, f"{unique(kind)}/object.txt"
    else:
        bucket, key = unique("bkt"), "object.txt"
        stack.moto.create_bucket(bucket)
    creds, principal_arn, account = credentials_of_kind(stack, iam_a, iam_b, kind, bucket)
    assert stack.sts(creds).get_caller_identity()["Arn"] == principal_arn

    s3 = s3_client(stack, creds)
    body = f"written with {kind} credentials".encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert stack.moto.get_object(bucket, key) == body
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body

    url = f"{stack.s3_endpoint}/{bucket}/{key}"
    resp = forward(stack, S3_SERVICE, "GET", url, sign(creds, "GET", url))
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Tessera-Principal-Arn"] == principal_arn
    assert resp.headers["X-Tessera-Account-Id"] == account
    assert isinstance(json.loads(resp.headers["X-Tessera-Session-Tags"]), dict)

    before = stack.moto.proxied_count()
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=bucket, Key=key)
    assert status_of(exc) == 403
    assert proxied_paths(stack, before) == []
    assert stack.moto.get_object(bucket, key) == body


def test_virtual_hosted_request_by_host_header(stack, iam_a, bucket):
    """A request signed for BUCKET.s3.example.test (a host of the profile)
    is mapped to that bucket: allowed for it, denied for another bucket
    whose object has the same key."""
    other = unique("bkt")
    stack.moto.create_bucket(other)
    stack.moto.put_object(bucket, "v.txt", b"virtual-hosted")
    stack.moto.put_object(other, "v.txt", b"not yours")
    _, creds = make_user(iam_a, allow("s3:GetObject", objects(bucket)))

    url = f"http://{bucket}.{S3_VIRTUAL_HOST}:{stack.s3_port}/v.txt"
    resp = send(url, "GET", sign(creds, "GET", url), connect_to=stack.s3_endpoint)
    assert (resp.status_code, resp.content) == (200, b"virtual-hosted"), resp.text

    url = f"http://{other}.{S3_VIRTUAL_HOST}:{stack.s3_port}/v.txt"
    before = stack.moto.proxied_count()
    resp = send(url, "GET", sign(creds, "GET", url), connect_to=stack.s3_endpoint)
    assert resp.status_code == 403, resp.text
    assert proxied_paths(stack, before) == []


# ---------------------------------------------------------------------------
# Policy evaluation
# ---------------------------------------------------------------------------


def test_explicit_deny_wins(stack, iam_a, bucket):
    """s3:* allowed, s3:DeleteObject denied under keep/: that delete is
    refused and the object stays; a delete elsewhere goes through."""
    stack.moto.put_object(bucket, "keep/x.txt", b"x")
    stack.moto.put_object(bucket, "tmp/y.txt", b"y")
    _, creds = make_user(
        iam_a, allow("s3:*", objects(bucket)), deny("s3:DeleteObject", f"arn:aws:s3:::{bucket}/keep/*")
    )
    s3 = s3_client(stack, creds)
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=bucket, Key="keep/x.txt")
    assert status_of(exc) == 403
    assert stack.moto.get_object(bucket, "keep/x.txt") == b"x"
    s3.delete_object(Bucket=bucket, Key="tmp/y.txt")
    assert stack.moto.get_object(bucket, "tmp/y.txt") is None


def test_session_policy_narrows_a_role_session(stack, iam_a, bucket):
    """The role may do s3:*; the session policy passed to AssumeRole only
    GetObject: reads work, writes are denied."""
    stack.moto.put_object(bucket, "r.txt", b"readable")
    role_arn = make_role(iam_a, {"AWS": f"arn:aws:iam::{stack.account_a}:root"}, allow("s3:*"))
    _, creds = assume(
        stack, stack.assumer(), role_arn, "narrowed", Policy=document(allow("s3:GetObject", objects(bucket)))
    )
    s3 = s3_client(stack, creds)
    assert s3.get_object(Bucket=bucket, Key="r.txt")["Body"].read() == b"readable"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="w.txt", Body=b"no")
    assert status_of(exc) == 403
    assert stack.moto.get_object(bucket, "w.txt") is None


def test_permissions_boundary_narrows_a_user(stack, iam_a, bucket):
    """A user's inline policy allows s3:*, its boundary only GetObject."""
    stack.moto.put_object(bucket, "r.txt", b"readable")
    boundary = managed_policy(iam_a, allow("s3:GetObject", "*"))
    _, creds = make_user(iam_a, allow("s3:*", "*"), boundary=boundary)
    s3 = s3_client(stack, creds)
    assert s3.get_object(Bucket=bucket, Key="r.txt")["Body"].read() == b"readable"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="w.txt", Body=b"no")
    assert status_of(exc) == 403
    assert stack.moto.get_object(bucket, "w.txt") is None


def test_bucket_policy_for_another_account_needs_its_identity_policy_too(stack, iam_a, iam_b, bucket):
    """A's bucket policy grants account B; B's user with an identity policy
    for the objects gets them, B's user without one does not; before the
    bucket policy, neither does."""
    stack.moto.put_object(bucket, "shared.txt", b"for B")
    _, with_policy = make_user(iam_b, allow("s3:GetObject", objects(bucket)))
    _, without_policy = make_user(iam_b)
    expect_get(stack, with_policy, bucket, "shared.txt", 403)

    set_bucket_policy(
        stack,
        bucket,
        allow("s3:GetObject", objects(bucket), Principal={"AWS": f"arn:aws:iam::{stack.account_b}:root"}),
    )
    eventually(lambda: expect_get(stack, with_policy, bucket, "shared.txt", 200))
    expect_get(stack, without_policy, bucket, "shared.txt", 403)


def test_bucket_policy_alone_suffices_in_the_same_account(stack, iam_a, bucket):
    """A user of A with no identity policy reads A's bucket once its bucket
    policy names the user, and no longer once the policy is deleted."""
    stack.moto.put_object(bucket, "mine.txt", b"same account")
    user_arn, creds = make_user(iam_a)
    expect_get(stack, creds, bucket, "mine.txt", 403)
    set_bucket_policy(stack, bucket, allow("s3:GetObject", objects(bucket), Principal={"AWS": user_arn}))
    eventually(lambda: expect_get(stack, creds, bucket, "mine.txt", 200))

    resp = delete_resource_policy(stack, f"arn:aws:s3:::{bucket}")
    assert resp.status_code == 200, resp.text
    eventually(lambda: expect_get(stack, creds, bucket, "mine.txt", 403))


def test_anonymous_reads_only_through_a_public_bucket_policy(stack, bucket):
    """Unsigned requests: denied until a bucket policy with Principal "*"
    allows GetObject; then boto3 UNSIGNED and plain GETs read, an unsigned
    PUT is still denied, and a bucket without such a policy stays closed."""
    closed = unique("bkt")
    stack.moto.create_bucket(closed)
    for name in (bucket, closed):
        stack.moto.put_object(name, "index.html", b"<h1>public</h1>", public_read=True)
    url = f"{stack.s3_endpoint}/{bucket}/index.html"
    assert requests.get(url, timeout=15).status_code == 403

    set_bucket_policy(stack, bucket, allow("s3:GetObject", objects(bucket), Principal="*"))
    eventually(lambda: expect_get(stack, None, bucket, "index.html", 200))
    resp = requests.get(url, timeout=15)
    assert (resp.status_code, resp.content) == (200, b"<h1>public</h1>")

    before = stack.moto.proxied_count()
    with pytest.raises(ClientError) as exc:
        s3_client(stack, None).put_object(Bucket=bucket, Key="defaced.html", Body=b"x")
    assert status_of(exc) == 403
    assert requests.get(f"{stack.s3_endpoint}/{closed}/index.html", timeout=15).status_code == 403
    assert proxied_paths(stack, before) == []
    assert stack.moto.get_object(bucket, "defaced.html") is None


def test_list_bucket_limited_by_s3_prefix(stack, cli, iam_a, bucket):
    """ListBucket allowed only with s3:prefix under home/alice/."""
    for key in ("home/alice/a.txt", "home/bob/b.txt"):
        stack.moto.put_object(bucket, key, b".")
    _, creds = make_user(
        iam_a,
        allow("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"StringLike": {"s3:prefix": ["home/alice/*"]}}),
    )
    s3 = s3_client(stack, creds)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="home/alice/")
    assert [o["Key"] for o in listed["Contents"]] == ["home/alice/a.txt"]
    assert "a.txt" in cli(creds, "s3", "ls", f"s3://{bucket}/home/alice/").stdout
    for prefix in ("home/bob/", ""):
        with pytest.raises(ClientError) as exc:
            s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
        assert status_of(exc) == 403, prefix


def test_source_ip_is_the_last_forwarded_for_entry(stack, iam_a, bucket):
    """aws:SourceIp is the address nginx appends: a policy for 127.0.0.1/32
    allows, one for 10.0.0.0/8 denies even when the client sends
    X-Forwarded-For: 10.1.2.3 itself."""
    stack.moto.put_object(bucket, "ip.txt", b"by address")
    _, loopback = make_user(
        iam_a, allow("s3:GetObject", objects(bucket), {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}})
    )
    _, private = make_user(
        iam_a, allow("s3:GetObject", objects(bucket), {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    )
    url = f"{stack.s3_endpoint}/{bucket}/ip.txt"
    expect_get(stack, loopback, bucket, "ip.txt", 200)
    expect_get(stack, private, bucket, "ip.txt", 403)

    for creds, status in ((private, 403), (loopback, 200)):
        headers = sign(creds, "GET", url)
        headers["X-Forwarded-For"] = "10.1.2.3"
        assert send(url, "GET", headers).status_code == status


# ---------------------------------------------------------------------------
# Unusable credentials
# ---------------------------------------------------------------------------


def test_unusable_credentials_are_401_with_s3_codes(stack, iam_a, bucket, monkeypatch):
    """Unknown key, wrong secret, tampered token and a clock 20 minutes off:
    401 through nginx and nothing at moto; /forward gives S3's codes."""
    stack.moto.put_object(bucket, "k.txt", b"k")
    role_arn = make_role(
        iam_a, {"AWS": f"arn:aws:iam::{stack.account_a}:root"}, allow("s3:GetObject", objects(bucket))
    )
    _, creds = assume(stack, stack.assumer(), role_arn, "valid")
    url = f"{stack.s3_endpoint}/{bucket}/k.txt"
    assert send(url, "GET", sign(creds, "GET", url)).status_code == 200

    cases = {
        "InvalidAccessKeyId": Creds("AKIAZZZZZZZZZZZZZZZZ", "x" * 40),
        "SignatureDoesNotMatch": creds.replace(secret_access_key="y" * 40),
        "InvalidToken": creds.replace(
            session_token=flip_char(creds.session_token, len(creds.session_token) // 2, BASE64_CHARS)
        ),
    }
    before = stack.moto.proxied_count()
    for code, bad in cases.items():
        headers = sign(bad, "GET", url)
        assert send(url, "GET", headers).status_code == 401, code
        assert_error(forward(stack, S3_SERVICE, "GET", url, headers), 401, code)

    skewed = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: skewed)
    assert send(url, "GET", sign(creds, "GET", url)).status_code == 401
    assert proxied_paths(stack, before) == []


def test_revoked_role_session_is_refused(stack, iam_a, bucket):
    """`tessera sessions revoke --role` ends the role's sessions at the
    authorizer too (InvalidToken); a session issued afterwards works."""
    stack.moto.put_object(bucket, "k.txt", b"k")
    role_arn = make_role(
        iam_a, {"AWS": f"arn:aws:iam::{stack.account_a}:root"}, allow("s3:GetObject", objects(bucket))
    )
    _, creds = assume(stack, stack.assumer(), role_arn, "doomed")
    expect_get(stack, creds, bucket, "k.txt", 200)

    stack.tessera.tessera("sessions", "revoke", "--role", role_arn, "--data-dir", str(stack.data_dir), check=True)
    eventually(lambda: expect_get(stack, creds, bucket, "k.txt", 401))
    url = f"{stack.s3_endpoint}/{bucket}/k.txt"
    assert_error(forward(stack, S3_SERVICE, "GET", url, sign(creds, "GET", url)), 401, "InvalidToken")

    time.sleep(1.05 - time.time() % 1)  # revocation has one-second granularity
    _, later = assume(stack, stack.assumer(), role_arn, "later")
    expect_get(stack, later, bucket, "k.txt", 200)


# ---------------------------------------------------------------------------
# CopyObject, denial messages
# ---------------------------------------------------------------------------


def test_copy_object_needs_source_and_destination_rights(stack, iam_a):
    """CopyObject needs s3:PutObject on the destination and s3:GetObject on
    the source; with only one of them it is denied and nothing is written."""
    src, dst = unique("src"), unique("dst")
    for name in (src, dst):
        stack.moto.create_bucket(name)
    stack.moto.put_object(src, "orig.txt", b"copy me")
    _, both = make_user(iam_a, allow("s3:GetObject", objects(src)), allow("s3:PutObject", objects(dst)))
    _, dest_only = make_user(iam_a, allow("s3:PutObject", objects(dst)))
    _, source_only = make_user(iam_a, allow("s3:GetObject", objects(src)))
    copy_source = {"Bucket": src, "Key": "orig.txt"}

    for name, creds in (("dest-only", dest_only), ("source-only", source_only)):
        with pytest.raises(ClientError) as exc:
            s3_client(stack, creds).copy_object(Bucket=dst, Key=f"{name}.txt", CopySource=copy_source)
        assert status_of(exc) == 403, name
        assert stack.moto.get_object(dst, f"{name}.txt") is None

    s3_client(stack, both).copy_object(Bucket=dst, Key="copied.txt", CopySource=copy_source)
    assert stack.moto.get_object(dst, "copied.txt") == b"copy me"


def test_denial_carries_a_decodable_message(stack, iam_a, bucket):
    """/forward's 403 is S3's AccessDenied; its encoded authorization
    message decodes, for the caller's account, to the denied request."""
    user_arn, creds = make_user(iam_a)
    url = f"{stack.s3_endpoint}/{bucket}/secret.txt"
    message = assert_error(forward(stack, S3_SERVICE, "GET", url, sign(creds, "GET", url)), 403, "AccessDenied")
    decoded = json.loads(
        stack.sts().decode_authorization_message(EncodedMessage=encoded_message(message))["DecodedMessage"]
    )
    assert decoded["allowed"] is False
    assert decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "s3:GetObject"
    assert decoded["context"]["resource"] == f"arn:aws:s3:::{bucket}/secret.txt"
    assert decoded["context"]["principal"]["arn"] == user_arn


# ---------------------------------------------------------------------------
# Managing bucket policies
# ---------------------------------------------------------------------------


def test_get_resource_policy_returns_the_url_encoded_document(stack, bucket):
    arn = f"arn:aws:s3:::{bucket}"
    policy = document(allow("s3:GetObject", objects(bucket), Principal={"AWS": f"arn:aws:iam::{stack.account_b}:root"}))
    assert put_resource_policy(stack, arn, policy).status_code == 200
    resp = get_resource_policy(stack, arn)
    assert resp.status_code == 200, resp.text
    root = ET.fromstring(resp.content)
    assert xml_text(root, "GetResourcePolicyResult", "ResourceArn") == arn, resp.text
    raw = xml_text(root, "GetResourcePolicyResult", "PolicyDocument") or ""
    assert raw.startswith("%7B"), f"not URL-encoded: {raw!r}"
    assert json.loads(urllib.parse.unquote(raw)) == json.loads(policy)


def test_bucket_policy_without_principal_is_malformed(stack, bucket):
    resp = put_resource_policy(stack, f"arn:aws:s3:::{bucket}", document(allow("s3:GetObject", objects(bucket))))
    assert resp.status_code == 400, resp.text
    assert query_error(resp) == "MalformedPolicyDocument", resp.text


def test_only_the_owner_account_manages_a_bucket_policy(stack, iam_b, bucket):
    """B may not put a policy on A's bucket (nor A on B's); B's own bucket is B's to manage."""
    grant_b = document(allow("s3:*", objects(bucket), Principal={"AWS": f"arn:aws:iam::{stack.account_b}:root"}))
    resp = put_resource_policy(stack, f"arn:aws:s3:::{bucket}", grant_b, creds=stack.root_b)
    assert resp.status_code == 403, resp.text
    assert query_error(resp) == "AccessDenied", resp.text
    _, b_user = make_user(iam_b, allow("s3:*", objects(bucket)))
    stack.moto.put_object(bucket, "a-only.txt", b"A's")
    expect_get(stack, b_user, bucket, "a-only.txt", 403)

    partner_policy = document(
        allow("s3:GetObject", objects(PARTNER_BUCKET), Principal={"AWS": f"arn:aws:iam::{stack.account_a}:root"})
    )
    resp = put_resource_policy(stack, f"arn:aws:s3:::{PARTNER_BUCKET}", partner_policy)
    assert resp.status_code == 403, resp.text
    resp = put_resource_policy(stack, f"arn:aws:s3:::{PARTNER_BUCKET}", partner_policy, creds=stack.root_b)
    assert resp.status_code == 200, resp.text


def test_resource_policy_command_line(stack, bucket, tmp_path):
    """`tessera resource-policy put|get|delete` on the data directory, while
    the server runs: the public policy takes effect, and stops on delete."""
    arn = f"arn:aws:s3:::{bucket}"
    stack.moto.put_object(bucket, "cli.txt", b"via the command line", public_read=True)
    policy = {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", objects(bucket), Principal="*")]}
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy))
    # The command reads the services (the buckets' owners) from the same
    # configuration file as the server.
    where = ["--data-dir", str(stack.data_dir), "--config", str(stack.data_dir.parent / "tessera.toml")]

    stack.tessera.tessera("resource-policy", "put", arn, str(path), *where, check=True)
    got = stack.tessera.tessera("resource-policy", "get", arn, *where, check=True)
    assert json.loads(got.stdout) == policy
    eventually(lambda: expect_get(stack, None, bucket, "cli.txt", 200))

    stack.tessera.tessera("resource-policy", "delete", arn, *where, check=True)
    eventually(lambda: expect_get(stack, None, bucket, "cli.txt", 403))
