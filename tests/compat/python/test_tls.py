"""HTTPS with rustls on the API and authorizer listeners, trusted through a
CA the test makes; the certificate reloaded on SIGHUP without dropping a
connection; `aws:SecureTransport` true over TLS."""

from __future__ import annotations

import datetime
import ipaddress
import json
import signal
import socket
import ssl
from pathlib import Path

import pytest
import requests

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from compat_helpers import Creds
from harness import TesseraServer, eventually, free_port, iam_client


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(directory: Path, label: str):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"Test CA {label}"))
        .issuer_name(_name(f"Test CA {label}"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    path = directory / f"ca-{label}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def issue(ca_key, ca_cert, cert_path: Path, key_path: Path) -> None:
    """A server certificate for 127.0.0.1 and localhost, written over the files."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("tessera.test"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)



@pytest.fixture
def secure(tessera_bin, aws_cli, tmp_path, request):
    ca_key, ca_cert, ca_path = make_ca(tmp_path, "one")
    cert, key = tmp_path / "server.pem", tmp_path / "server.key"
    issue(ca_key, ca_cert, cert, key)
    authz = free_port()
    server = TesseraServer(
        tessera_bin, aws_cli, tmp_path / "node",
        ["--tls-cert", str(cert), "--tls-key", str(key), "--authz-listen", f"127.0.0.1:{authz}"],
    )
    server.ca_bundle = ca_path
    request.addfinalizer(server.stop)
    server.start()
    server.authz_url = f"https://127.0.0.1:{authz}"
    server.cert_files = (cert, key)
    return server


def peer_certificate_serial(port: int, ca: Path) -> int:
    context = ssl.create_default_context(cafile=str(ca))
    with socket.create_connection(("127.0.0.1", port)) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            der = tls.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der).serial_number


def test_boto3_and_the_cli_speak_https_trusting_the_tests_ca(secure):
    server = secure
    assert server.endpoint.startswith("https://")
    account = server.client().get_caller_identity()["Account"]
    identity = server.cli("sts", "get-caller-identity").json()
    assert identity["Account"] == account
    # Plain HTTP on the TLS listener is refused, never answered.
    with pytest.raises(requests.RequestException):
        requests.get(f"http://127.0.0.1:{server.port}/healthz", timeout=5).raise_for_status()
    # The authorizer's listener serves TLS too.
    secret = (server.data_dir / "authz-secret").read_text().strip()
    answer = requests.get(f"{server.authz_url}/forward", headers={"X-Tessera-Authz-Secret": secret},
                          verify=str(server.ca_bundle), timeout=5)
    assert answer.status_code == 403


def test_secure_transport_is_true_over_tls(secure):
    server = secure
    iam = iam_client(server)
    name = "tls-only"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="tls", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                       "Condition": {"Bool": {"aws:SecureTransport": "true"}}}],
    }))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    user = Creds(key["AccessKeyId"], key["SecretAccessKey"])
    assert eventually(lambda: iam_client(server, user).list_users())["Users"]


def test_a_new_certificate_is_served_after_sighup_without_dropping_connections(secure, tmp_path):
    server = secure
    cert, key = server.cert_files
    kept = requests.Session()
    ca_one = str(server.ca_bundle)
    assert kept.get(f"{server.endpoint}/healthz", verify=ca_one, timeout=5).status_code == 200
    before = peer_certificate_serial(server.port, server.ca_bundle)

    ca2_key, ca2_cert, ca2_path = make_ca(tmp_path, "two")
    issue(ca2_key, ca2_cert, cert, key)
    server.proc.send_signal(signal.SIGHUP)

    def reloaded():
        try:
            serial = peer_certificate_serial(server.port, ca2_path)
        except ssl.SSLError as error:
            raise AssertionError(f"still the old certificate: {error}") from error
        assert serial != before

    eventually(reloaded, timeout=5)
    # The connection opened before the reload still works.
    assert kept.get(f"{server.endpoint}/healthz", verify=ca_one, timeout=5).status_code == 200
    # New clients trust the new CA; the old one no longer verifies.
    server.ca_bundle = ca2_path
    assert server.client().get_caller_identity()["Account"]
    assert server.cli("sts", "get-caller-identity").json()["Account"]
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{server.endpoint}/healthz", verify=str(tmp_path / "ca-one.pem"), timeout=5)

    # A certificate that does not load leaves the one loaded before.
    cert.write_text("not a certificate\n")
    server.proc.send_signal(signal.SIGHUP)
    eventually(lambda: _assert_in(server.log(), "TLS certificate not reloaded"), timeout=5)
    assert server.client().get_caller_identity()["Account"]


def _assert_in(text: str, part: str) -> None:
    assert part in text


def test_a_certificate_that_does_not_load_stops_the_start(tessera_bin, aws_cli, tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("nothing here\n")
    probe = TesseraServer(tessera_bin, aws_cli, tmp_path / "node")
    import subprocess

    result = subprocess.run(
        [tessera_bin, "serve", "--data-dir", str(probe.data_dir), "--listen", "127.0.0.1:0",
         "--tls-cert", str(bad), "--tls-key", str(bad)],
        capture_output=True, text=True, env=probe._server_env(), timeout=30,
    )
    assert result.returncode != 0
    assert "TLS certificate" in result.stderr.strip().splitlines()[-1], result.stderr

