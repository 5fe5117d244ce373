"""The authorizer in front of an HTTP API described by a routes profile:
curl signs with `--aws-sigv4 "aws:amz:us-east-1:orders"`, nginx asks
Tessera (/forward), and the routes upstream records what reaches it,
with the X-Tessera-* identity headers nginx passes along.

The profile (authz_harness.ORDERS_ROUTES):
  GET    /orders/{id}  orders:GetOrder     arn:aws:orders:{region}:{account}:order/{id}
  POST   /orders       orders:CreateOrder  arn:aws:orders:{region}:{account}:order/*
  DELETE /orders/{id}  orders:DeleteOrder  arn:aws:orders:{region}:{account}:order/{id}
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from authz_harness import (  # noqa: F401 - authz_stack is the module's fixture
    ORDERS_SERVICE,
    REGION,
    allow,
    assert_error,
    assume,
    authz_stack,
    deny,
    document,
    eventually,
    forward,
    iam_post,
    make_role,
    make_user,
    put_resource_policy,
    sign,
    unique,
)
from compat_helpers import BASE64_CHARS, Creds, flip_char


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
def curl_bin() -> str:
    found = shutil.which("curl")
    if not found:
        pytest.fail("curl is not installed (7.75 or later has --aws-sigv4)", pytrace=False)
    return found


def order_arn(account: str, order: str) -> str:
    return f"arn:aws:orders:{REGION}:{account}:order/{order}"


def curl(curl_bin: str, creds: Creds | None, method: str, url: str, *headers: str) -> tuple[int, str]:
    """curl with AWS SigV4 for the orders service (unsigned when `creds` is
    None), the session token in x-amz-security-token; (status, body)."""
    argv = [curl_bin, "-sS", "-X", method, "-w", "\n%{http_code}", "--max-time", "15"]
    if creds is not None:
        argv += ["--aws-sigv4", f"aws:amz:{REGION}:{ORDERS_SERVICE}", "--user", f"{creds.access_key_id}:{creds.secret_access_key}"]
        if creds.session_token:
            argv += ["-H", f"x-amz-security-token: {creds.session_token}"]
    for header in headers:
        argv += ["-H", header]
    argv.append(url)
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"curl failed ({result.returncode}): {result.stderr}"
    body, _, status = result.stdout.rpartition("\n")
    return int(status), body


def reader_session(stack, iam_a, order: str, **assume_kwargs) -> tuple[str, str, Creds]:
    """A role allowed orders:GetOrder on one order, and a session of it:
    (role ARN, session ARN, credentials)."""
    role_arn = make_role(
        iam_a,
        {"AWS": f"arn:aws:iam::{stack.account_a}:root"},
        allow("orders:GetOrder", order_arn(stack.account_a, order)),
        action=["sts:AssumeRole", "sts:TagSession"],
    )
    session_arn, creds = assume(stack, stack.assumer(), role_arn, "orders-reader", **assume_kwargs)
    return role_arn, session_arn, creds


def test_allowed_request_reaches_the_upstream_with_the_callers_identity(stack, iam_a, curl_bin):
    """GET /orders/ID allowed by the role: the upstream gets exactly that
    request, with the session's ARN, account and tags; an
    X-Tessera-Principal-Arn the client sends itself is replaced."""
    order = unique("o")
    _, session_arn, creds = reader_session(stack, iam_a, order, Tags=[{"Key": "team", "Value": "blue"}])
    url = f"{stack.orders_endpoint}/orders/{order}"
    status, body = curl(curl_bin, creds, "GET", url, "X-Tessera-Principal-Arn: arn:aws:iam::999999999999:root")
    assert status == 200, body
    assert json.loads(body)["principal"] == session_arn

    received = stack.orders.requests_to(f"/orders/{order}")
    assert len(received) == 1, received
    assert received[0].method == "GET"
    assert received[0].principal_arn == session_arn
    assert received[0].account_id == stack.account_a
    assert received[0].session_tags == {"team": "blue"}


def test_denied_request_never_reaches_the_upstream(stack, iam_a, curl_bin):
    """The same session asks for another order: 403, and the upstream sees nothing."""
    order, other = unique("o"), unique("o")
    _, _, creds = reader_session(stack, iam_a, order)
    status, _ = curl(curl_bin, creds, "GET", f"{stack.orders_endpoint}/orders/{other}")
    assert status == 403
    assert stack.orders.requests_to(f"/orders/{other}") == []
    status, _ = curl(curl_bin, creds, "DELETE", f"{stack.orders_endpoint}/orders/{order}")
    assert status == 403
    assert stack.orders.requests_to(f"/orders/{order}") == []


def test_request_no_route_matches_is_forbidden_even_for_root(stack, curl_bin):
    """No route, no decision: 403 for the account's root user too (who may
    do anything in the account), and nothing reaches the upstream."""
    order = unique("o")
    for method, path in (("GET", f"/customers/{order}"), ("PUT", f"/orders/{order}"), ("GET", f"/orders/{order}/items")):
        status, _ = curl(curl_bin, stack.root_a, method, stack.orders_endpoint + path)
        assert status == 403, (method, path)
        assert stack.orders.requests_to(path) == [], path
    status, _ = curl(curl_bin, stack.root_a, "GET", f"{stack.orders_endpoint}/orders/{order}")
    assert status == 200


def test_create_order_needs_its_action(stack, iam_a, curl_bin):
    """POST /orders is orders:CreateOrder on order/*."""
    before = len(stack.orders.requests_to("/orders"))
    _, creator = make_user(iam_a, allow("orders:CreateOrder", order_arn(stack.account_a, "*")))
    _, reader = make_user(iam_a, allow("orders:GetOrder", order_arn(stack.account_a, "*")))
    status, _ = curl(curl_bin, reader, "POST", f"{stack.orders_endpoint}/orders")
    assert status == 403
    assert len(stack.orders.requests_to("/orders")) == before
    status, _ = curl(curl_bin, creator, "POST", f"{stack.orders_endpoint}/orders")
    assert status == 200
    received = stack.orders.requests_to("/orders")
    assert len(received) == before + 1 and received[-1].method == "POST"


def test_explicit_deny_in_the_identity_policy(stack, iam_a, curl_bin):
    order = unique("o")
    _, creds = make_user(
        iam_a, allow("orders:*", "*"), deny("orders:DeleteOrder", order_arn(stack.account_a, order))
    )
    assert curl(curl_bin, creds, "GET", f"{stack.orders_endpoint}/orders/{order}")[0] == 200
    assert curl(curl_bin, creds, "DELETE", f"{stack.orders_endpoint}/orders/{order}")[0] == 403
    assert [r.method for r in stack.orders.requests_to(f"/orders/{order}")] == ["GET"]


def test_unsigned_request_is_denied(stack, curl_bin):
    order = unique("o")
    assert curl(curl_bin, None, "GET", f"{stack.orders_endpoint}/orders/{order}")[0] == 403
    assert stack.orders.requests_to(f"/orders/{order}") == []


def test_unusable_credentials_are_401_with_sts_codes(stack, iam_a, curl_bin):
    """Unknown key, wrong secret, tampered token: 401 through nginx; the
    routes profile answers with the STS-style codes at /forward."""
    order = unique("o")
    _, _, creds = reader_session(stack, iam_a, order)
    url = f"{stack.orders_endpoint}/orders/{order}"
    cases = {
        "InvalidClientTokenId": Creds("AKIAZZZZZZZZZZZZZZZZ", "x" * 40),
        "SignatureDoesNotMatch": creds.replace(secret_access_key="y" * 40),
    }
    tampered = creds.replace(
        session_token=flip_char(creds.session_token, len(creds.session_token) // 2, BASE64_CHARS)
    )
    for code, bad in cases.items():
        assert curl(curl_bin, bad, "GET", url)[0] == 401, code
        assert_error(forward(stack, ORDERS_SERVICE, "GET", url, sign(bad, "GET", url, service=ORDERS_SERVICE)), 401, code)
    assert curl(curl_bin, tampered, "GET", url)[0] == 401
    resp = forward(stack, ORDERS_SERVICE, "GET", url, sign(tampered, "GET", url, service=ORDERS_SERVICE))
    assert_error(resp, 401, "InvalidClientTokenId")
    assert stack.orders.requests_to(f"/orders/{order}") == []


def test_revoke_sessions_reaches_the_authorizer(stack, iam_a, curl_bin):
    """RevokeSessions (signed for iam by the root): the role's session is
    refused with 401 InvalidClientTokenId within about a second."""
    order = unique("o")
    role_arn, _, creds = reader_session(stack, iam_a, order)
    url = f"{stack.orders_endpoint}/orders/{order}"
    assert curl(curl_bin, creds, "GET", url)[0] == 200

    resp = iam_post(stack, stack.root_a, {"Action": "RevokeSessions", "PrincipalArn": role_arn})
    assert resp.status_code == 200, resp.text

    def refused():
        assert curl(curl_bin, creds, "GET", url)[0] == 401

    eventually(refused)
    assert len(stack.orders.requests_to(f"/orders/{order}")) == 1
    resp = forward(stack, ORDERS_SERVICE, "GET", url, sign(creds, "GET", url, service=ORDERS_SERVICE))
    assert_error(resp, 401, "InvalidClientTokenId")


def test_resource_policy_on_a_route_resource(stack, iam_a, iam_b, curl_bin):
    """A policy on arn:aws:orders:…:order/ID: in A it alone lets a user
    without identity policy in; for B's user it must meet B's identity
    policy (cross-account needs both)."""
    mine, shared = unique("o"), unique("o")
    user_arn, a_user = make_user(iam_a)
    _, b_user = make_user(iam_b, allow("orders:GetOrder", order_arn(stack.account_a, shared)))
    _, b_bare = make_user(iam_b)
    mine_url, shared_url = f"{stack.orders_endpoint}/orders/{mine}", f"{stack.orders_endpoint}/orders/{shared}"
    assert curl(curl_bin, a_user, "GET", mine_url)[0] == 403
    assert curl(curl_bin, b_user, "GET", shared_url)[0] == 403

    resp = put_resource_policy(
        stack,
        order_arn(stack.account_a, mine),
        document(allow("orders:GetOrder", order_arn(stack.account_a, mine), Principal={"AWS": user_arn})),
    )
    assert resp.status_code == 200, resp.text
    resp = put_resource_policy(
        stack,
        order_arn(stack.account_a, shared),
        document(
            allow(
                "orders:GetOrder",
                order_arn(stack.account_a, shared),
                Principal={"AWS": f"arn:aws:iam::{stack.account_b}:root"},
            )
        ),
    )
    assert resp.status_code == 200, resp.text

    def granted():
        assert curl(curl_bin, a_user, "GET", mine_url)[0] == 200
        assert curl(curl_bin, b_user, "GET", shared_url)[0] == 200

    eventually(granted)
    assert curl(curl_bin, b_bare, "GET", shared_url)[0] == 403
    received = stack.orders.requests_to(f"/orders/{mine}")
    assert received and {r.principal_arn for r in received} == {user_arn}, received
