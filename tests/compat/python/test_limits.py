"""The limits an operator sets: a per-key rate answered with AWS's
`Throttling` (which the SDKs retry), health and metrics never limited; and
a graceful stop under load, within `--shutdown-grace`."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Optional
from urllib.parse import urlencode

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError

from compat_helpers import Creds, assert_root_identity
from harness import TesseraServer, free_port, watch_secrets

RATE = 3



@pytest.fixture
def limited(tessera_bin, aws_cli, tmp_path, request):
    metrics = free_port()
    server = TesseraServer(
        tessera_bin, aws_cli, tmp_path / "node",
        ["--rate-limit", str(RATE), "--metrics-listen", f"127.0.0.1:{metrics}"],
    )
    request.addfinalizer(server.stop)
    server.start()
    server.metrics_url = f"http://127.0.0.1:{metrics}/metrics"
    return server


def _sts(server: TesseraServer, creds: Creds, attempts: int):
    session = boto3.session.Session(
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
        region_name="us-east-1",
    )
    config = Config(retries={"max_attempts": attempts, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    return watch_secrets(session.client("sts", endpoint_url=server.endpoint, config=config))


def _throttled(call, times: int) -> list[ClientError]:
    """The errors of `times` calls made at once."""

    def one(_) -> Optional[ClientError]:
        try:
            call()
        except ClientError as error:
            return error
        return None

    with ThreadPoolExecutor(max_workers=times) as pool:
        return [error for error in pool.map(one, range(times)) if error is not None]


def test_a_key_over_its_rate_is_throttled_as_aws_throttles(limited):
    server = limited
    session = server.session_creds()
    root = _sts(server, server.root, attempts=1)
    errors = _throttled(root.get_caller_identity, 4 * RATE)
    assert errors, "no call was throttled"
    for error in errors:
        assert error.response["Error"]["Code"] == "Throttling"
        assert error.response["Error"]["Message"] == "Rate exceeded"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert error.response["ResponseMetadata"]["RequestId"]
    # The rate is each key's own: a session's key still has all of its own.
    assert_root_identity(_sts(server, session, attempts=1).get_caller_identity())
    # The aws CLI shows the same error, once its one attempt is spent, while
    # another client of the same key keeps the key at its rate.
    stop = threading.Event()

    def burn() -> None:
        while not stop.is_set():
            _throttled(root.get_caller_identity, 1)

    burners = [threading.Thread(target=burn) for _ in range(3)]
    for burner in burners:
        burner.start()
    try:
        # The CLI may now and then win the race for a token.
        for _ in range(5):
            result = server.cli("sts", "get-caller-identity", extra_env={"AWS_MAX_ATTEMPTS": "1"})
            if result.returncode != 0:
                break
    finally:
        stop.set()
        for burner in burners:
            burner.join(timeout=30)
    assert result.returncode != 0, result.stdout
    assert "(Throttling)" in result.stderr and "Rate exceeded" in result.stderr, result.stderr


def test_the_sdks_retry_throttling_until_the_rate_allows(limited):
    server = limited
    patient = _sts(server, server.root, attempts=10)
    retried = 0
    for _ in range(4 * RATE):
        response = patient.get_caller_identity()
        assert_root_identity(response)
        retried += response["ResponseMetadata"]["RetryAttempts"]
    assert retried > 0, "no call needed a retry"


def test_unsigned_callers_are_limited_by_address_and_health_never_is(limited):
    server = limited
    anonymous = boto3.session.Session(region_name="us-east-1").client(
        "sts", endpoint_url=server.endpoint,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, signature_version=botocore_unsigned()),
    )
    errors = _throttled(
        lambda: anonymous.assume_role_with_web_identity(
            RoleArn="arn:aws:iam::123456789012:role/none", RoleSessionName="session", WebIdentityToken="a.b.c",
        ),
        4 * RATE,
    )
    codes = [error.response["Error"]["Code"] for error in errors]
    assert "Throttling" in codes, codes
    # A burst of twice the rate was answered as it would have been.
    assert codes.count("InvalidIdentityToken") >= 2 * RATE, codes
    for _ in range(6 * RATE):
        assert requests.get(f"{server.endpoint}/healthz", timeout=5).status_code == 200
        assert requests.get(f"{server.endpoint}/readyz", timeout=5).status_code == 200
        assert requests.get(server.metrics_url, timeout=5).status_code == 200
    scraped = requests.get(server.metrics_url, timeout=5).text
    assert 'code="Throttling"' in scraped, scraped


def botocore_unsigned():
    from botocore import UNSIGNED

    return UNSIGNED


# --------------------------------------------------------------------------
# A graceful stop
# --------------------------------------------------------------------------


def _signed_request(server: TesseraServer) -> tuple[dict, bytes]:
    """The headers and body of a signed GetCallerIdentity, for a raw
    connection."""
    creds = server.root
    body = urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"}).encode()
    request = AWSRequest(
        method="POST", url=f"{server.endpoint}/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials(creds.access_key_id, creds.secret_access_key), "sts", "us-east-1").add_auth(request)
    return dict(request.headers.items()), body


class Outcome:
    """What every request of the load ended as."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answered = 0
        self.refused = 0
        self.cut_off: list[str] = []

    def add(self, kind: str, detail: str = "") -> None:
        with self.lock:
            if kind == "answered":
                self.answered += 1
            elif kind == "refused":
                self.refused += 1
            else:
                self.cut_off.append(detail)


def _load(server: TesseraServer, stop: threading.Event, outcome: Outcome) -> None:
    headers, body = _signed_request(server)
    while not stop.is_set():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.request("POST", "/", body=body, headers=headers)
        except OSError:
            # Not connected, or closed before the request was sent: refused.
            outcome.add("refused")
            time.sleep(0.01)
            continue
        try:
            response = connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            # Closed without a byte of an answer: refused.
            outcome.add("refused")
            continue
        except (http.client.HTTPException, OSError) as error:
            outcome.add("cut off", f"status line: {error!r}")
            continue
        try:
            text = response.read()
        except (http.client.HTTPException, OSError) as error:
            outcome.add("cut off", f"body: {error!r}")
            continue
        finally:
            connection.close()
        if response.status == 200 and b"<GetCallerIdentityResult>" in text and text.rstrip().endswith(
            b"</GetCallerIdentityResponse>"
        ):
            outcome.add("answered")
        else:
            outcome.add("cut off", f"{response.status}: {text[:200]!r}")


def test_sigterm_under_load_finishes_what_it_began_and_exits_zero(tessera_bin, aws_cli, tmp_path, request):
    server = TesseraServer(tessera_bin, aws_cli, tmp_path / "node", ["--shutdown-grace", "5"])
    request.addfinalizer(server.stop)
    server.start()
    outcome = Outcome()
    stop = threading.Event()
    workers = [threading.Thread(target=_load, args=(server, stop, outcome)) for _ in range(6)]
    for worker in workers:
        worker.start()
    # A request whose body is still arriving when the signal comes.
    headers, body = _signed_request(server)
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    slow.sendall(head.encode() + body[:10])
    deadline = time.monotonic() + 30
    while outcome.answered < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert outcome.answered >= 50, "the load never got going"
    server.proc.terminate()
    time.sleep(0.3)
    slow.sendall(body[10:])
    answer = b""
    while chunk := slow.recv(65536):
        answer += chunk
    slow.close()
    code = server.proc.wait(timeout=15)
    stop.set()
    for worker in workers:
        worker.join(timeout=30)
    assert code == 0, server.log_tail()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert answer.rstrip().endswith(b"</GetCallerIdentityResponse>"), answer[-300:]
    assert not outcome.cut_off, outcome.cut_off[:5]
    assert outcome.answered >= 50 and outcome.refused > 0, (outcome.answered, outcome.refused)
