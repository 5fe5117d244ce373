"""The audit trail: one CloudTrail-shaped JSON record per call and
decision, secrets never in it, reopened on SIGHUP, and in required mode a
request whose record cannot be written is refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from compat_helpers import Creds
from harness import TesseraServer, eventually, iam_client
from test_sts_roles import iam_form_post

FIELDS = {
    "eventVersion", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
    "userAgent", "userIdentity", "requestParameters", "responseElements", "errorCode",
    "errorMessage", "requestID", "eventID", "readOnly", "recipientAccountId",
}


def records(path) -> list[dict]:
    lines = path.read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture
def audited(tessera_bin, aws_cli, tmp_path, request) -> TesseraServer:
    server = TesseraServer(tessera_bin, aws_cli, tmp_path, ["--audit-log", str(tmp_path / "audit.log")])
    request.addfinalizer(server.stop)
    server.start()
    server.audit_path = tmp_path / "audit.log"
    return server


def request_id_of(error: ClientError) -> str:
    return error.response["ResponseMetadata"]["RequestId"]


def test_every_call_is_one_record_shaped_like_cloudtrail(audited):
    server = audited
    account = server.client().get_caller_identity()["Account"]
    iam = iam_client(server)
    name = f"audited-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    role = f"role-{uuid.uuid4().hex[:8]}"
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=role, PolicyName="list", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}))
    iam.put_user_policy(UserName=name, PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    user = Creds(key["AccessKeyId"], key["SecretAccessKey"])
    assumed = eventually(lambda: server.client(user).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="audited"))
    session = Creds.from_sts(assumed["Credentials"])
    iam_client(server, session).list_roles()
    with pytest.raises(ClientError) as wrong:
        server.client(Creds(key["AccessKeyId"], "x" * 40)).get_caller_identity()
    with pytest.raises(ClientError) as denied:
        iam_client(server, session).list_users()
    sent = 10  # the calls above (assume_role perhaps more than once, by eventually)

    def written() -> list[dict]:
        trail = records(server.audit_path)
        assert len(trail) >= sent
        return trail

    trail = eventually(written)
    for record in trail:
        assert FIELDS <= set(record), sorted(FIELDS - set(record))
        assert record["eventVersion"] == "1.08"
        assert record["eventTime"].endswith("Z")
        assert record["awsRegion"] == "us-east-1"
        assert record["sourceIPAddress"] == "127.0.0.1"
        assert "Boto3" in (record["userAgent"] or "") or "botocore" in (record["userAgent"] or "")
        assert record["eventSource"] in ("sts.amazonaws.com", "iam.amazonaws.com")
        uuid.UUID(record["eventID"])
    by_request = {r["requestID"]: r for r in trail}
    assert len(by_request) == len(trail), "one record per request"

    created = next(r for r in trail if r["eventName"] == "CreateUser")
    assert created["userIdentity"]["type"] == "Root"
    assert created["userIdentity"]["arn"] == f"arn:aws:iam::{account}:root"
    assert created["requestParameters"] == {"userName": name}
    assert created["responseElements"]["user"]["userName"] == name
    assert created["readOnly"] is False and created["recipientAccountId"] == account

    # The assumption records the issued key id, which links the session's
    # later calls to it.
    assumption = [r for r in trail if r["eventName"] == "AssumeRole" and r["errorCode"] is None][-1]
    assert assumption["userIdentity"]["type"] == "IAMUser"
    assert assumption["userIdentity"]["userName"] == name
    assert assumption["userIdentity"]["accessKeyId"] == key["AccessKeyId"]
    issued = assumption["responseElements"]["credentials"]["accessKeyId"]
    assert issued == session.access_key_id
    listed = next(r for r in trail if r["eventName"] == "ListRoles")
    identity = listed["userIdentity"]
    assert identity["type"] == "AssumedRole" and identity["accessKeyId"] == issued
    assert identity["arn"] == f"arn:aws:sts::{account}:assumed-role/{role}/audited"
    issuer = identity["sessionContext"]["sessionIssuer"]
    assert issuer["type"] == "Role" and issuer["arn"] == f"arn:aws:iam::{account}:role/{role}"
    assert identity["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    assert identity["sessionContext"]["attributes"]["creationDate"].endswith("Z")

    # Failures carry the code the response carried.
    refused = by_request[request_id_of(wrong.value)]
    assert refused["errorCode"] == "SignatureDoesNotMatch"
    assert refused["userIdentity"]["type"] == "Unknown"
    assert refused["userIdentity"]["accessKeyId"] == key["AccessKeyId"]
    no = by_request[request_id_of(denied.value)]
    assert no["errorCode"] == "AccessDenied" and no["errorMessage"].startswith("User: ")


def test_secrets_never_reach_the_trail(audited):
    server = audited
    iam = iam_client(server)
    name = f"secretive-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    password = "Corr3ct-Horse-Battery-Staple!"
    iam.create_login_profile(UserName=name, Password=password)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{name}-phone")["VirtualMFADevice"]
    session = server.session_creds()
    unsigned = server.anonymous_sts(validate_params=False)
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0cmFpbCJ9.c2lnbmF0dXJlLW9mLWF1ZGl0"
    with pytest.raises(ClientError):
        unsigned.assume_role_with_web_identity(
            RoleArn="arn:aws:iam::123456789012:role/x", RoleSessionName="s", WebIdentityToken=token)
    assertion = "PHNhbWxwOlJlc3BvbnNlIHNlY3JldC1hc3NlcnRpb24vPg=="
    with pytest.raises(ClientError):
        unsigned.assume_role_with_saml(
            RoleArn="arn:aws:iam::123456789012:role/x",
            PrincipalArn="arn:aws:iam::123456789012:saml-provider/x", SAMLAssertion=assertion)
    with pytest.raises(ClientError):
        server.client().get_session_token(SerialNumber=device["SerialNumber"], TokenCode="918273")
    text = server.audit_path.read_text()
    for secret in [key["SecretAccessKey"], password, session.secret_access_key, session.session_token,
                   token, assertion, "918273", device["Base32StringSeed"].decode(), server.root.secret_access_key]:
        assert secret not in text, f"a secret reached the trail: {secret[:6]}…"
    assert "HIDDEN_DUE_TO_SECURITY_REASONS" in text


def test_the_file_is_reopened_on_sighup(audited):
    server = audited
    server.client().get_caller_identity()
    rotated = server.audit_path.with_suffix(".log.1")
    os.rename(server.audit_path, rotated)
    server.proc.send_signal(signal.SIGHUP)

    def reopened():
        server.client().get_caller_identity()
        assert server.audit_path.exists() and records(server.audit_path)

    eventually(reopened, timeout=5)
    assert records(rotated)[0]["eventName"] == "GetCallerIdentity"


def _serve(server: TesseraServer, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [server.binary, "serve", "--data-dir", str(server.data_dir), "--listen", "127.0.0.1:0", *extra],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=server._server_env(), timeout=30)


def test_a_required_trail_that_cannot_be_written_refuses_requests(tessera_bin, aws_cli, tmp_path, request):
    # A sink that cannot be opened stops the start.
    probe = TesseraServer(tessera_bin, aws_cli, tmp_path / "probe")
    refused = _serve(probe, "--audit-log", str(tmp_path / "missing" / "audit.log"), "--audit-required")
    assert refused.returncode != 0 and "audit log" in refused.stderr.strip().splitlines()[-1], refused.stderr

    # A full disk: every write fails; every request is refused, in AWS's shape.
    full = TesseraServer(tessera_bin, aws_cli, tmp_path / "full", ["--audit-log", "/dev/full", "--audit-required"])
    request.addfinalizer(full.stop)
    full.start()
    response = iam_form_post(full, full.root, {"Action": "ListUsers"})
    assert response.status_code == 503, response.text
    root = ET.fromstring(response.content)
    code = root.find(".//{*}Code")
    assert code is not None and code.text == "ServiceUnavailable", response.text
    full.stop()

    # Not required: the same sink, and requests go on.
    lenient = TesseraServer(tessera_bin, aws_cli, tmp_path / "lenient", ["--audit-log", "/dev/full"])
    request.addfinalizer(lenient.stop)
    lenient.start()
    assert lenient.client().get_caller_identity()["Account"]


def test_a_required_trail_nobody_reads_refuses_once_its_buffer_is_full(tessera_bin, aws_cli, tmp_path, request):
    fifo = tmp_path / "audit.fifo"
    os.mkfifo(fifo)
    # A reader that holds the pipe open and never reads.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    request.addfinalizer(lambda: os.close(reader))
    server = TesseraServer(tessera_bin, aws_cli, tmp_path / "node", ["--audit-log", str(fifo), "--audit-required"])
    request.addfinalizer(server.stop)
    server.start()
    statuses = []
    started = time.monotonic()
    for _ in range(400):
        response = iam_form_post(server, server.root, {"Action": "ListUsers"})
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert "ServiceUnavailable" in response.text
            break
    assert statuses[0] == 200, "the pipe's own buffer takes the first records"
    assert statuses[-1] == 503, f"never refused after {len(statuses)} requests"
    assert time.monotonic() - started < 60
    # A reader drains the pipe: requests are answered again.
    drained = threading.Event()

    def drain():
        fd = os.open(fifo, os.O_RDONLY)
        while not drained.is_set():
            try:
                if not os.read(fd, 1 << 16):
                    time.sleep(0.01)
            except BlockingIOError:
                time.sleep(0.01)
        os.close(fd)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    request.addfinalizer(drained.set)
    eventually(lambda: _ok(iam_form_post(server, server.root, {"Action": "ListUsers"})), timeout=10)


def _ok(response) -> None:
    assert response.status_code == 200, response.text
