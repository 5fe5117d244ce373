"""The authorizer's other entry points and its shared secret.

* /envoy/<path>: what Envoy's ext_authz HTTP filter sends with
  `path_prefix: /envoy` (Envoy is not in Debian, so requests replays it: a
  client signs for the real host, the same method and headers go to the
  authorizer with the original path after the prefix, plus the
  `headers_to_add` of the filter: X-Tessera-Service and the secret).
* POST /v1/authorize: the JSON call, by service profile or with an explicit
  action, resource and condition keys.
* X-Tessera-Authz-Secret on every endpoint, from DATA_DIR/authz-secret or
  --authz-secret-file.
"""

from __future__ import annotations

import json
import stat
import types

import pytest
import requests
from botocore.exceptions import ClientError

from authz_harness import (  # noqa: F401 - authz_stack is the module's fixture
    ORDERS_SERVICE,
    REGION,
    S3_SERVICE,
    SECRET_HEADER,
    allow,
    assert_error,
    authorize,
    authz_config,
    authz_stack,
    deny,
    encoded_message,
    envoy,
    forward,
    init_data_dir,
    json_request,
    make_user,
    s3_client,
    sha256_hex,
    sign,
    start_authz_server,
    unique,
)
from compat_helpers import BASE64_CHARS, Creds, flip_char

# The host clients address; path-style (not a host of the s3 profile).
STORE = "http://storage.internal.test"
API = "http://orders.internal.test"


@pytest.fixture(scope="module")
def stack(authz_stack):
    return authz_stack


@pytest.fixture(scope="module")
def iam_a(stack):
    return stack.iam()


@pytest.fixture(scope="module")
def reader(stack, iam_a) -> tuple[str, Creds, str]:
    """A user allowed s3:GetObject in one bucket and orders:GetOrder on
    order/1: (user ARN, creds, bucket)."""
    bucket = unique("bkt")
    arn, creds = make_user(
        iam_a,
        allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"),
        allow("orders:GetOrder", f"arn:aws:orders:{REGION}:{stack.account_a}:order/1"),
    )
    return arn, creds, bucket


def _core(checks: list) -> list:
    """The action, resource and decision of each check (the answer adds its
    resource account, effect and reason)."""
    return [{k: c[k] for k in ("action", "resource", "decision")} for c in checks]


def order_arn(stack, order: str) -> str:
    return f"arn:aws:orders:{REGION}:{stack.account_a}:order/{order}"


# ---------------------------------------------------------------------------
# Envoy ext_authz
# ---------------------------------------------------------------------------


def test_envoy_s3_allow_and_deny(stack, reader):
    """Allowed: 200 with the X-Tessera-* headers; another bucket: 403 with
    S3's AccessDenied carrying an encoded message."""
    user_arn, creds, bucket = reader
    url = f"{STORE}/{bucket}/report.txt"
    resp = envoy(stack, S3_SERVICE, "GET", url, sign(creds, "GET", url))
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Tessera-Principal-Arn"] == user_arn
    assert resp.headers["X-Tessera-Account-Id"] == stack.account_a
    assert json.loads(resp.headers["X-Tessera-Session-Tags"]) == {}

    url = f"{STORE}/{unique('other')}/report.txt"
    resp = envoy(stack, S3_SERVICE, "GET", url, sign(creds, "GET", url))
    message = assert_error(resp, 403, "AccessDenied")
    assert encoded_message(message)
    assert "X-Tessera-Principal-Arn" not in resp.headers


def test_envoy_keeps_the_query_and_the_method(stack, iam_a):
    """ListObjectsV2 with a prefix (the query after the prefix path) under
    an s3:prefix condition; DELETE is s3:DeleteObject, not allowed."""
    bucket = unique("bkt")
    _, creds = make_user(
        iam_a,
        allow("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"StringEquals": {"s3:prefix": "team/"}}),
        allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"),
    )
    for prefix, status in (("team/", 200), ("other/", 403)):
        url = f"{STORE}/{bucket}?list-type=2&prefix={prefix.replace('/', '%2F')}"
        resp = envoy(stack, S3_SERVICE, "GET", url, sign(creds, "GET", url))
        assert resp.status_code == status, (prefix, resp.text)
    url = f"{STORE}/{bucket}/k.txt"
    assert envoy(stack, S3_SERVICE, "GET", url, sign(creds, "GET", url)).status_code == 200
    assert_error(envoy(stack, S3_SERVICE, "DELETE", url, sign(creds, "DELETE", url)), 403, "AccessDenied")


def test_envoy_routes(stack, reader):
    user_arn, creds, _ = reader
    for path, status in (("/orders/1", 200), ("/orders/2", 403), ("/customers/1", 403)):
        url = API + path
        resp = envoy(stack, ORDERS_SERVICE, "GET", url, sign(creds, "GET", url, service=ORDERS_SERVICE))
        assert resp.status_code == status, (path, resp.text)
    url = API + "/orders/1"
    resp = envoy(stack, ORDERS_SERVICE, "GET", url, sign(creds, "GET", url, service=ORDERS_SERVICE))
    assert resp.headers["X-Tessera-Principal-Arn"] == user_arn


def test_envoy_trusts_its_forwarded_proto(stack, iam_a):
    """aws:SecureTransport comes from Envoy's X-Forwarded-Proto."""
    bucket = unique("bkt")
    _, creds = make_user(
        iam_a,
        allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"),
        deny("s3:*", "*", {"Bool": {"aws:SecureTransport": "false"}}),
    )
    url = f"{STORE}/{bucket}/tls-only.txt"
    assert envoy(stack, S3_SERVICE, "GET", url, sign(creds, "GET", url), proto="https").status_code == 200
    assert_error(envoy(stack, S3_SERVICE, "GET", url, sign(creds, "GET", url), proto="http"), 403, "AccessDenied")
    # Through nginx (plain http) the same user is denied too.
    with pytest.raises(ClientError) as exc:
        s3_client(stack, creds).get_object(Bucket=bucket, Key="tls-only.txt")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_envoy_unusable_credentials(stack, reader):
    _, creds, bucket = reader
    url = f"{STORE}/{bucket}/k.txt"
    unknown = Creds("AKIAZZZZZZZZZZZZZZZZ", "x" * 40)
    assert_error(envoy(stack, S3_SERVICE, "GET", url, sign(unknown, "GET", url)), 401, "InvalidAccessKeyId")
    wrong = creds.replace(secret_access_key="y" * 40)
    assert_error(envoy(stack, S3_SERVICE, "GET", url, sign(wrong, "GET", url)), 401, "SignatureDoesNotMatch")
    # A request signed for another host than the one Envoy names.
    headers = sign(creds, "GET", url)
    headers["Host"] = "elsewhere.internal.test"
    assert_error(envoy(stack, S3_SERVICE, "GET", url, headers), 401, "SignatureDoesNotMatch")


# ---------------------------------------------------------------------------
# POST /v1/authorize
# ---------------------------------------------------------------------------


def test_json_by_service_allow(stack, reader):
    user_arn, creds, bucket = reader
    url = f"{STORE}/{bucket}/a.txt"
    resp = authorize(stack, {"service": S3_SERVICE, "request": json_request("GET", url, sign(creds, "GET", url))})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["decision"] == "Allow", body
    principal = body["principal"]
    assert principal["arn"] == user_arn
    assert principal["accountId"] == stack.account_a
    assert principal["userId"].startswith("AIDA"), principal
    assert principal["sessionTags"] == {}
    assert principal["sourceIdentity"] is None, principal
    assert body["action"] == "s3:GetObject"
    assert body["resource"] == f"arn:aws:s3:::{bucket}/a.txt"
    assert _core(body["checks"]) == [
        {"action": "s3:GetObject", "resource": f"arn:aws:s3:::{bucket}/a.txt", "decision": "Allow"}
    ]
    assert isinstance(body["matchedStatements"], list) and body["matchedStatements"], body


def test_json_denial_message_decodes_for_the_callers_account(stack, reader):
    """A Deny carries an encodedMessage that the caller's account decodes
    (DecodeAuthorizationMessage) and another account cannot."""
    user_arn, creds, _ = reader
    bucket = unique("closed")
    url = f"{STORE}/{bucket}/a.txt"
    body = authorize(stack, {"service": S3_SERVICE, "request": json_request("GET", url, sign(creds, "GET", url))}).json()
    assert body["decision"] == "Deny", body
    assert body["checks"][0]["decision"] == "Deny", body
    decoded = json.loads(
        stack.sts().decode_authorization_message(EncodedMessage=body["encodedMessage"])["DecodedMessage"]
    )
    assert decoded["allowed"] is False
    assert decoded["context"]["action"] == "s3:GetObject"
    assert decoded["context"]["resource"] == f"arn:aws:s3:::{bucket}/a.txt"
    assert decoded["context"]["principal"]["arn"] == user_arn
    with pytest.raises(ClientError) as exc:
        stack.sts(stack.root_b).decode_authorization_message(EncodedMessage=body["encodedMessage"])
    assert exc.value.response["Error"]["Code"] == "InvalidAuthorizationMessageException"


def test_json_explicit_action_resource_and_context(stack, iam_a):
    """An explicit action on an explicit resource, with the condition keys
    given as context; the request is still the caller's signed request."""
    _, creds = make_user(
        iam_a,
        allow("orders:GetOrder", order_arn(stack, "*"), {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}),
    )
    url = f"{API}/anything"
    signed = json_request("GET", url, sign(creds, "GET", url, service=ORDERS_SERVICE))

    def decide(ip: str, action: str = "orders:GetOrder") -> dict:
        resp = authorize(
            stack,
            {"action": action, "resource": order_arn(stack, "42"), "context": {"aws:SourceIp": [ip]}, "request": signed},
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    allowed = decide("192.0.2.7")
    assert allowed["decision"] == "Allow", allowed
    assert (allowed["action"], allowed["resource"]) == ("orders:GetOrder", order_arn(stack, "42"))
    assert decide("198.51.100.1")["decision"] == "Deny"
    assert decide("192.0.2.7", action="orders:DeleteOrder")["decision"] == "Deny"


def test_json_copy_object_has_two_checks(stack, iam_a):
    """CopyObject: s3:PutObject on the destination, s3:GetObject on the source."""
    src, dst = unique("src"), unique("dst")
    _, dest_only = make_user(iam_a, allow("s3:PutObject", f"arn:aws:s3:::{dst}/*"))
    _, both = make_user(
        iam_a, allow("s3:PutObject", f"arn:aws:s3:::{dst}/*"), allow("s3:GetObject", f"arn:aws:s3:::{src}/*")
    )
    url = f"{STORE}/{dst}/copy.txt"
    put_check = {"action": "s3:PutObject", "resource": f"arn:aws:s3:::{dst}/copy.txt"}
    get_check = {"action": "s3:GetObject", "resource": f"arn:aws:s3:::{src}/orig.txt"}

    def decide(creds: Creds) -> dict:
        headers = sign(creds, "PUT", url, headers={"x-amz-copy-source": f"/{src}/orig.txt"})
        resp = authorize(stack, {"service": S3_SERVICE, "request": json_request("PUT", url, headers)})
        assert resp.status_code == 200, resp.text
        return resp.json()

    denied = decide(dest_only)
    assert denied["decision"] == "Deny", denied
    checks = {(c["action"], c["resource"]): c["decision"] for c in denied["checks"]}
    assert checks.get((put_check["action"], put_check["resource"])) == "Allow", denied
    assert checks.get((get_check["action"], get_check["resource"])) == "Deny", denied

    allowed = decide(both)
    assert allowed["decision"] == "Allow", allowed
    assert _core(allowed["checks"]) == [{**put_check, "decision": "Allow"}, {**get_check, "decision": "Allow"}]
    assert all(c["resourceAccount"] == stack.account_a for c in allowed["checks"]), allowed


def test_json_payload_hash(stack, iam_a):
    """A routes request with a body: the signature covers its hash, given
    as payloadSha256; a different hash does not verify."""
    _, creds = make_user(iam_a, allow("orders:CreateOrder", order_arn(stack, "*")))
    url = f"{API}/orders"
    body = b'{"item": "widget", "count": 3}'
    headers = sign(creds, "POST", url, service=ORDERS_SERVICE, headers={"Content-Type": "application/json"}, body=body)
    good = authorize(stack, {"service": ORDERS_SERVICE, "request": json_request("POST", url, headers, sha256_hex(body))})
    assert good.json()["decision"] == "Allow", good.text
    bad = authorize(stack, {"service": ORDERS_SERVICE, "request": json_request("POST", url, headers, sha256_hex(b"other"))})
    assert bad.status_code == 200, bad.text
    assert bad.json()["decision"] == "Deny"
    assert bad.json()["error"]["code"] == "SignatureDoesNotMatch", bad.text


def test_json_authentication_errors(stack, reader):
    """Authentication failures are Deny with an error: S3's codes for the
    s3 profile, STS-style for an explicit action."""
    _, creds, bucket = reader
    url = f"{STORE}/{bucket}/a.txt"
    session = stack.sts(creds).get_session_token(DurationSeconds=900)["Credentials"]
    session_creds = Creds.from_sts(session)
    tampered = session_creds.replace(
        session_token=flip_char(session_creds.session_token, len(session_creds.session_token) // 2, BASE64_CHARS)
    )
    unknown = Creds("AKIAZZZZZZZZZZZZZZZZ", "x" * 40)
    wrong = creds.replace(secret_access_key="y" * 40)
    for bad, code in ((unknown, "InvalidAccessKeyId"), (wrong, "SignatureDoesNotMatch"), (tampered, "InvalidToken")):
        resp = authorize(stack, {"service": S3_SERVICE, "request": json_request("GET", url, sign(bad, "GET", url))})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["decision"] == "Deny" and body["error"]["code"] == code, (code, body)
        assert body["error"]["message"], body

    api_url = f"{API}/orders/1"
    for bad, code in ((unknown, "InvalidClientTokenId"), (wrong, "SignatureDoesNotMatch"), (tampered, "InvalidClientTokenId")):
        request = json_request("GET", api_url, sign(bad, "GET", api_url, service=ORDERS_SERVICE))
        body = authorize(stack, {"action": "orders:GetOrder", "resource": order_arn(stack, "1"), "request": request}).json()
        assert body["decision"] == "Deny" and body["error"]["code"] == code, (code, body)


def test_unknown_service_is_forbidden(stack, reader):
    _, creds, bucket = reader
    url = f"{STORE}/{bucket}/a.txt"
    headers = sign(creds, "GET", url)
    assert forward(stack, "no-such-service", "GET", url, headers).status_code == 403
    assert forward(stack, None, "GET", url, headers).status_code == 403
    assert envoy(stack, "no-such-service", "GET", url, headers).status_code == 403
    body = authorize(stack, {"service": "no-such-service", "request": json_request("GET", url, headers)}).json()
    assert body["decision"] == "Deny", body
    # The same request is fine for the right profile.
    assert forward(stack, S3_SERVICE, "GET", url, headers).status_code == 200


# ---------------------------------------------------------------------------
# The shared secret
# ---------------------------------------------------------------------------


def calls_with_secret(stack, creds: Creds, bucket: str, secret):
    """The same allowed request on each endpoint, with `secret`."""
    url = f"{STORE}/{bucket}/a.txt"
    headers = sign(creds, "GET", url)
    yield "forward", forward(stack, S3_SERVICE, "GET", url, headers, secret=secret)
    yield "envoy", envoy(stack, S3_SERVICE, "GET", url, headers, secret=secret)
    yield "authorize", authorize(
        stack, {"service": S3_SERVICE, "request": json_request("GET", url, headers)}, secret=secret
    )


def test_secret_is_required_on_every_endpoint(stack, reader):
    """No secret, a wrong one, or the right one with a character changed:
    401 with next to no body and no X-Tessera-* header; the right one works."""
    user_arn, creds, bucket = reader
    secret = stack.secret
    altered = ("a" if secret[0] != "a" else "b") + secret[1:]
    for wrong in (None, "", "not-the-secret", altered, secret + "x"):
        for endpoint, resp in calls_with_secret(stack, creds, bucket, wrong):
            assert resp.status_code == 401, (endpoint, wrong, resp.text)
            assert len(resp.content) < 256, (endpoint, resp.text)
            assert user_arn not in resp.text and "decision" not in resp.text, (endpoint, resp.text)
            assert not [h for h in resp.headers if h.lower().startswith("x-tessera-")], (endpoint, resp.headers)
    for endpoint, resp in calls_with_secret(stack, creds, bucket, "stack"):
        assert resp.status_code == 200, (endpoint, resp.text)


def test_secret_file_is_private_and_random(stack):
    path = stack.data_dir / "authz-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
    assert len(stack.secret) >= 16, "the generated secret is too short"


def test_authz_secret_file_option(tessera_bin, aws_cli, tmp_path):
    """--authz-secret-file: its content, whitespace trimmed, is the secret."""
    _, account_a, account_b = init_data_dir(tessera_bin, tmp_path)
    secret_file = tmp_path / "secret"
    secret_file.write_text("  operator-chosen-secret-0123456789 \n")
    secret_file.chmod(0o600)
    server, authz_url = start_authz_server(
        tessera_bin, aws_cli, tmp_path, authz_config(account_a, account_b),
        extra_args=["--authz-secret-file", str(secret_file)],
    )
    try:
        own = types.SimpleNamespace(authz_url=authz_url, secret="operator-chosen-secret-0123456789")
        url = f"{STORE}/{unique('bkt')}/a.txt"
        request = {"service": S3_SERVICE, "request": json_request("GET", url, sign(server.root, "GET", url))}
        resp = authorize(own, request)
        assert resp.status_code == 200, resp.text
        assert resp.json()["decision"] == "Allow", resp.text  # the root user of the bucket's owner
        assert authorize(own, request, secret="operator-chosen-secret").status_code == 401
        generated = server.data_dir / "authz-secret"
        if generated.exists() and generated.read_text().strip():
            assert authorize(own, request, secret=generated.read_text().strip()).status_code == 401
    finally:
        server.stop()


def test_json_bad_calls_are_validation_errors(stack, reader):
    """A call that is not an authorization request, or that gives neither a
    service nor an action, or whose context speaks for the caller, is Deny
    with ValidationError; still 200, and never a decision."""
    _, creds, bucket = reader
    url = f"{STORE}/{bucket}/a.txt"
    request = json_request("GET", url, sign(creds, "GET", url))
    garbage = requests.post(
        stack.authz_url + "/v1/authorize",
        data=b"{not json",
        headers={SECRET_HEADER: stack.secret, "Content-Type": "application/json"},
        timeout=15,
    )
    bad_calls = [
        {"request": request},
        {"service": S3_SERVICE, "action": "s3:GetObject", "resource": f"arn:aws:s3:::{bucket}/a.txt", "request": request},
        {"action": "s3:GetObject", "resource": f"arn:aws:s3:::{bucket}/a.txt", "request": request,
         "context": {"aws:PrincipalArn": ["arn:aws:iam::123456789012:root"]}},
        {"service": S3_SERVICE, "request": {**request, "uri": "a.txt"}},
        {"service": S3_SERVICE, "request": request, "unknown": 1},
    ]
    answers = [garbage] + [authorize(stack, call) for call in bad_calls]
    for resp in answers:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["decision"] == "Deny", body
        assert body["error"]["code"] == "ValidationError", body
        assert "principal" not in body, body
    assert "aws:PrincipalArn" in answers[3].json()["error"]["message"]


def test_forward_without_the_original_request_is_forbidden(stack, reader):
    """A proxy that does not describe the original request gets 403, never a
    decision about something else."""
    _, creds, bucket = reader
    url = f"{STORE}/{bucket}/a.txt"
    headers = {**sign(creds, "GET", url), SECRET_HEADER: stack.secret, "X-Tessera-Service": S3_SERVICE}
    missing_uri = requests.get(
        stack.authz_url + "/forward", headers={**headers, "X-Forwarded-Method": "GET"}, timeout=15
    )
    assert missing_uri.status_code == 403, missing_uri.text
    assert "X-Forwarded-Uri" in missing_uri.text
