"""AssumeRoleWithWebIdentity against a real OIDC issuer.

The test starts its own issuer on loopback over HTTPS (discovery document and
JWKS, served by Python's http.server with a certificate from a private CA made
here), and Tessera trusts that CA through `--idp-ca-file`. Tokens are signed
with PyJWT, independently of Tessera's verifier.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from compat_helpers import ASIA_RE, Creds, assert_client_error
from harness import TesseraServer

CLIENT_ID = "tessera-compat"
# Tessera asks an issuer for its keys at most once per this many seconds.
REFRESH_INTERVAL_S = 5.0


# ---------------------------------------------------------------------------
# A loopback OIDC issuer
# ---------------------------------------------------------------------------


def _pem_private(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _make_tls(directory: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1; returns (ca, cert, key)."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tessera test IdP CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (directory / n for n in ("ca.pem", "server.pem", "server.key"))
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_pem_private(key))
    return ca_path, cert_path, key_path


class Issuer:
    """Discovery + JWKS over HTTPS on 127.0.0.1; its signing keys can rotate."""

    def __init__(self, directory: Path):
        self.ca_path, cert_path, key_path = _make_tls(directory)
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.published: list[str] = []
        self.jwks_fetches: list[float] = []
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks"}
                elif self.path == "/jwks":
                    issuer.jwks_fetches.append(time.monotonic())
                    body = issuer.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"https://{self.host}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.add_key("key-1")

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_key(self, kid: str, publish_only: bool = False) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.published = [kid] if publish_only else [*self.published, kid]

    def public_pem(self, kid: str) -> bytes:
        return self.keys[kid].public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwks(self) -> dict:
        keys = []
        for kid in self.published:
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def claims(self, **overrides) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": "alice",
            "aud": CLIENT_ID,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, kid: str | None = None, **overrides) -> str:
        """A token signed with `kid` (by default the newest published key)."""
        kid = kid or self.published[-1]
        return jwt.encode(
            self.claims(**overrides),
            _pem_private(self.keys[kid]),
            algorithm="RS256",
            headers={"kid": kid},
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    idp = Issuer(tmp_path_factory.mktemp("idp"))
    yield idp
    idp.stop()


@pytest.fixture(scope="module")
def tessera(tessera_bin, aws_cli, issuer, tmp_path_factory, request) -> TesseraServer:
    server = TesseraServer(
        tessera_bin,
        aws_cli,
        tmp_path_factory.mktemp("tessera"),
        extra_args=["--idp-ca-file", str(issuer.ca_path)],
    )
    request.addfinalizer(server.stop)
    server.start()
    return server


@pytest.fixture(scope="module")
def provider_arn(tessera, issuer) -> str:
    iam = tessera.client(service="iam")
    resp = iam.create_open_id_connect_provider(
        Url=issuer.url, ClientIDList=[CLIENT_ID], ThumbprintList=["a" * 40]
    )
    return resp["OpenIDConnectProviderArn"]


def _role(tessera, provider_arn: str, condition: dict | None = None, actions=None) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": actions or "sts:AssumeRoleWithWebIdentity",
    }
    if condition:
        statement["Condition"] = condition
    name = f"web-{uuid.uuid4().hex[:10]}"
    iam = tessera.client(service="iam")
    return iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )["Role"]["Arn"]


@pytest.fixture(scope="module")
def role_arn(tessera, issuer, provider_arn) -> str:
    return _role(tessera, provider_arn, {"StringEquals": {f"{issuer.host}:aud": CLIENT_ID}})


def _assume(tessera, role_arn: str, token: str, **kwargs) -> dict:
    return tessera.anonymous_sts().assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName="web-session", WebIdentityToken=token, **kwargs
    )


def _assert_rejected(tessera, role_arn, token, code, status=400):
    with pytest.raises(ClientError) as raised:
        _assume(tessera, role_arn, token)
    assert_client_error(raised, code, status)


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def test_valid_token_gets_role_credentials(tessera, issuer, provider_arn, role_arn):
    resp = _assume(tessera, role_arn, issuer.token(), DurationSeconds=900)
    creds = resp["Credentials"]
    assert ASIA_RE.match(creds["AccessKeyId"])
    assert resp["SubjectFromWebIdentityToken"] == "alice"
    assert resp["Audience"] == CLIENT_ID
    assert resp["Provider"] == provider_arn
    role_name = role_arn.rsplit("/", 1)[1]
    account = role_arn.split(":")[4]
    expected_arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/web-session"
    assert resp["AssumedRoleUser"]["Arn"] == expected_arn
    assert "PackedPolicySize" not in resp
    identity = tessera.client(Creds.from_sts(creds)).get_caller_identity()
    assert identity["Arn"] == expected_arn
    assert identity["Account"] == account


def test_session_policy_reports_packed_size(tessera, issuer, role_arn):
    policy = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    )
    resp = _assume(tessera, role_arn, issuer.token(), Policy=policy)
    assert resp["PackedPolicySize"] >= 1


def test_wrong_audience_is_invalid(tessera, issuer, role_arn):
    _assert_rejected(tessera, role_arn, issuer.token(aud="someone-else"), "InvalidIdentityToken")


def test_expired_token(tessera, issuer, role_arn):
    now = int(time.time())
    token = issuer.token(iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    _assert_rejected(tessera, role_arn, token, "ExpiredTokenException")


def test_unregistered_issuer_is_invalid(tessera, issuer, role_arn):
    for iss in (f"{issuer.url}/other", "https://idp.invalid", f"http://{issuer.host}"):
        _assert_rejected(tessera, role_arn, issuer.token(iss=iss), "InvalidIdentityToken")


def test_alg_none_is_invalid(tessera, issuer, role_arn):
    kid = issuer.published[-1]
    token = jwt.encode(issuer.claims(), None, algorithm="none", headers={"kid": kid})
    _assert_rejected(tessera, role_arn, token, "InvalidIdentityToken")
    # Also with an "alg: none" header glued to a real signature.
    real = issuer.token().split(".")
    header = _b64(json.dumps({"alg": "none", "kid": kid}).encode())
    _assert_rejected(tessera, role_arn, f"{header}.{real[1]}.{real[2]}", "InvalidIdentityToken")


def test_hmac_with_the_public_key_as_secret_is_invalid(tessera, issuer, role_arn):
    kid = issuer.published[-1]
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = _b64(json.dumps(issuer.claims()).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(issuer.public_pem(kid), signing_input, hashlib.sha256).digest()
    token = f"{header}.{payload}.{_b64(signature)}"
    _assert_rejected(tessera, role_arn, token, "InvalidIdentityToken")


def test_tampered_claims_are_invalid(tessera, issuer, role_arn):
    header, _, signature = issuer.token().split(".")
    payload = _b64(json.dumps(issuer.claims(sub="admin")).encode())
    _assert_rejected(tessera, role_arn, f"{header}.{payload}.{signature}", "InvalidIdentityToken")


def test_sub_condition_in_trust_policy(tessera, issuer, provider_arn):
    role = _role(tessera, provider_arn, {"StringEquals": {f"{issuer.host}:sub": "alice"}})
    assert _assume(tessera, role, issuer.token(sub="alice"))["SubjectFromWebIdentityToken"] == "alice"
    with pytest.raises(ClientError) as raised:
        _assume(tessera, role, issuer.token(sub="mallory"))
    assert_client_error(raised, "AccessDenied", 403)
    assert "Not authorized to perform sts:AssumeRoleWithWebIdentity" in str(raised.value)


def test_session_tags_from_the_token(tessera, issuer, provider_arn):
    tags = {"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": ["team"]}
    token = issuer.token(**{"https://aws.amazon.com/tags": tags})
    # Without sts:TagSession in the trust policy, tags are refused.
    plain = _role(tessera, provider_arn)
    with pytest.raises(ClientError) as raised:
        _assume(tessera, plain, token)
    assert_client_error(raised, "AccessDenied", 403)
    tagging = _role(
        tessera,
        provider_arn,
        {"StringEquals": {"aws:RequestTag/team": "blue"}},
        actions=["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
    )
    resp = _assume(tessera, tagging, token)
    assert resp["PackedPolicySize"] >= 1


def test_parameter_errors(tessera, issuer, role_arn):
    sts = tessera.anonymous_sts(validate_params=False)
    with pytest.raises(ClientError) as raised:
        sts.assume_role_with_web_identity(
            RoleArn=role_arn, RoleSessionName="s", WebIdentityToken=issuer.token()
        )
    assert_client_error(raised, "ValidationError", 400)
    for junk in ("abcd", "a.b.c", "x" * 100):
        _assert_rejected(tessera, role_arn, junk, "InvalidIdentityToken")


def test_unknown_kid_then_rotated_keys(tessera, issuer, provider_arn):
    role = _role(tessera, provider_arn)
    assert _assume(tessera, role, issuer.token("key-1"))["Credentials"]
    # A flood of made-up key ids asks the issuer at most once per refresh
    # interval (5 s, counted in whole seconds of Tessera's clock, so two
    # fetches are more than 4 s apart, less the requests' own latency, which
    # is allowed half a second): once more while the flood is short, and no
    # more often than that on a slow machine.
    before = len(issuer.jwks_fetches)
    started = time.monotonic()
    for n in range(15):
        _assert_rejected(tessera, role, _forged_kid(issuer, f"bogus-{n}"), "InvalidIdentityToken")
    elapsed = time.monotonic() - started
    fetches = issuer.jwks_fetches[before:]
    min_gap = REFRESH_INTERVAL_S - 1.5
    assert len(fetches) <= 1 + int(elapsed // min_gap), (fetches, elapsed)
    assert all(b - a > min_gap for a, b in zip(fetches, fetches[1:])), fetches
    # The issuer rotates to a new key; once the refresh interval has passed
    # since Tessera last asked, a token under the new key is accepted.
    issuer.add_key("key-2", publish_only=True)
    wait = REFRESH_INTERVAL_S + 0.5 - (time.monotonic() - issuer.jwks_fetches[-1])
    if wait > 0:
        time.sleep(wait)
    resp = _assume(tessera, role, issuer.token("key-2"))
    assert resp["Credentials"]["AccessKeyId"]
    # The retired key is gone from the cache too.
    _assert_rejected(tessera, role, issuer.token("key-1"), "InvalidIdentityToken")


def _forged_kid(issuer: Issuer, kid: str) -> str:
    """A token signed with a fresh key under an id the issuer never published."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(issuer.claims(), _pem_private(key), algorithm="RS256", headers={"kid": kid})


def test_boto3_web_identity_environment(tessera, issuer, role_arn, tmp_path):
    """The Kubernetes pattern: boto3 reads a token file named by the
    environment and calls AssumeRoleWithWebIdentity by itself."""
    token_file = tmp_path / "token"
    token_file.write_text(issuer.token(sub="system:serviceaccount:default:app"))
    empty = tmp_path / "empty"
    empty.write_text("")
    env = {
        "PATH": os.defpath,
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "AWS_ROLE_ARN": role_arn,
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
        "AWS_ROLE_SESSION_NAME": "pod-session",
        "AWS_ENDPOINT_URL_STS": tessera.endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    script = "import boto3, json; print(json.dumps(boto3.client('sts').get_caller_identity()))"
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    identity = json.loads(proc.stdout)
    role_name = role_arn.rsplit("/", 1)[1]
    assert identity["Arn"] == f"arn:aws:sts::{role_arn.split(':')[4]}:assumed-role/{role_name}/pod-session"


def test_aws_cli_assume_role_with_web_identity(tessera, issuer, role_arn):
    """The README's walkthrough command, with the real aws CLI."""
    result = tessera.cli(
        "sts",
        "assume-role-with-web-identity",
        "--no-sign-request",
        "--role-arn",
        role_arn,
        "--role-session-name",
        "cli-session",
        "--web-identity-token",
        issuer.token(),
        profile=None,
    ).json()
    assert ASIA_RE.match(result["Credentials"]["AccessKeyId"])
    role_name = role_arn.rsplit("/", 1)[1]
    assert result["AssumedRoleUser"]["Arn"].endswith(f":assumed-role/{role_name}/cli-session")
