"""The authorizer's test stack: Tessera with `--authz-listen`, a real S3
upstream (moto's server), a counting HTTP API upstream, and Debian's nginx
in front of both with `auth_request` to Tessera, configured from
examples/nginx/tessera-authz.conf.

Everything listens on 127.0.0.1 on free ports, runs as the test user from
temporary directories, and is stopped at teardown; on a failure the logs of
every process are attached to the report (see conftest.py).

    client (aws CLI, boto3, curl, requests)
      -> nginx :S3 / :ORDERS --auth_request--> tessera /forward (authz listener)
      -> moto S3 server / RoutesUpstream

The upstreams check nothing themselves, so whatever reaches them was let
through by Tessera. The tests check what arrived: moto's request log (each
line names the client address; nginx connects from 127.0.0.1 while the
tests' own inspection client binds 127.0.0.2, so the two never mix) and the
object state in moto, and the routes upstream's record of every request.

Test modules import the fixtures they use from here (`authz_stack`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable, Optional

import boto3
import botocore.auth
import pytest
import requests
from botocore import UNSIGNED
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from requests.adapters import HTTPAdapter

from compat_helpers import Creds, local, xml_text
from harness import TesseraServer, eventually, free_port, venv_bin_dir  # noqa: F401 - eventually is re-exported

REPO_ROOT = Path(__file__).resolve().parents[3]
NGINX_TEMPLATE = REPO_ROOT / "examples" / "nginx" / "tessera-authz.conf"
NGINX_BIN = os.environ.get("TESSERA_NGINX", "/usr/sbin/nginx")

REGION = "us-east-1"
S3_SERVICE = "s3"
ORDERS_SERVICE = "orders"
# Virtual-hosted buckets are addressed as BUCKET.<this host>.
S3_VIRTUAL_HOST = "s3.example.test"
# A bucket the configuration says account B owns; every other bucket is A's.
PARTNER_BUCKET = "partner-data"
SECRET_HEADER = "X-Tessera-Authz-Secret"
SERVICE_HEADER = "X-Tessera-Service"
# The address the tests' own requests to moto come from (never nginx's).
INSPECTOR_ADDRESS = "127.0.0.2"
# moto skips its own ACL checks for a request that looks signed (it verifies nothing).
INSPECTOR_AUTH = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=inspector/20260101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host, Signature=00"
}

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
CLI_TIMEOUT_S = 120.0
ENCODED_MARKER = "Encoded authorization failure message: "


# ---------------------------------------------------------------------------
# Small utilities
# ---------------------------------------------------------------------------


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, step: float = 0.05) -> None:
    """Polls `predicate` until it holds; fails naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - a probe that fails is a "not yet"
            pass
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(step)


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


PLACEHOLDER_RE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def render_template(text: str, values: dict[str, str]) -> str:
    """Fills the `${NAME}` placeholders (upper-case names only, as envsubst
    with an explicit list would); every placeholder must have a value and
    every value must be used."""
    used = set(PLACEHOLDER_RE.findall(text))
    missing = used - values.keys()
    unused = values.keys() - used
    assert not missing, f"no value for the placeholders {sorted(missing)}"
    assert not unused, f"values for placeholders the template does not have: {sorted(unused)}"
    return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], text)


def _clean_env() -> dict:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "BOTO_", "TESSERA_", "MOTO_")) and k != "RUST_LOG"
    }


class Process:
    """A child process whose output goes to a log file; stopped by its pid."""

    def __init__(self, name: str, argv: list, log_path: Path, env: Optional[dict] = None, cwd=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = log_path
        self.env = env if env is not None else _clean_env()
        self.cwd = cwd
        self.proc: Optional[subprocess.Popen] = None
        self._log = None

    def start(self) -> None:
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            env=self.env,
            cwd=self.cwd,
        )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT_S)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


# ---------------------------------------------------------------------------
# The S3 upstream: moto's server
# ---------------------------------------------------------------------------


class _BindAdapter(HTTPAdapter):
    """Connects from a chosen local address (moto's log then tells us apart from nginx)."""

    def __init__(self, source: str):
        self._source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)


MOTO_LOG_RE = re.compile(r'^(\S+) - - \[[^\]]*\] "(\S+) (\S+) HTTP/[\d.]+" (\d{3})')


@dataclasses.dataclass(frozen=True)
class LoggedRequest:
    client: str
    method: str
    path: str  # path and query as received
    status: int


class MotoS3:
    """`python -m moto.server` on a free port, serving S3 (its default
    service for requests it cannot place otherwise, and the service of
    every request signed for s3). It authenticates nothing."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process(
            "moto",
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", self.port],
            workdir / "moto.log",
            env={**_clean_env(), "PYTHONUNBUFFERED": "1"},
            cwd=workdir,
        )
        self.inspector = requests.Session()
        self.inspector.mount("http://", _BindAdapter(INSPECTOR_ADDRESS))

    def start(self) -> None:
        self.process.start()

        def ready() -> bool:
            assert self.process.running(), f"moto exited:\n{self.process.log_tail()}"
            return self.inspector.get(self.url + "/", timeout=2).status_code == 200

        wait_until(ready, START_TIMEOUT_S, "moto's S3 server")

    def stop(self) -> None:
        self.inspector.close()
        self.process.stop()

    # ---- state, read and seeded directly (not through nginx) -------------

    def create_bucket(self, bucket: str) -> None:
        resp = self.inspector.put(f"{self.url}/{bucket}", timeout=10)
        assert resp.status_code == 200, f"moto CreateBucket {bucket}: {resp.status_code} {resp.text}"

    def put_object(self, bucket: str, key: str, body: bytes, public_read: bool = False) -> None:
        """Seeds an object. `public_read` sets the object's ACL in moto, which
        otherwise refuses unsigned reads itself; Tessera's decision is what
        the tests check, the ACL only keeps moto out of the way."""
        headers = {"x-amz-acl": "public-read"} if public_read else {}
        resp = self.inspector.put(f"{self.url}/{bucket}/{key}", data=body, headers=headers, timeout=30)
        assert resp.status_code == 200, f"moto PutObject {bucket}/{key}: {resp.status_code} {resp.text}"

    def get_object(self, bucket: str, key: str) -> Optional[bytes]:
        """The object's content, or None when moto has no such object."""
        resp = self.inspector.get(
            f"{self.url}/{bucket}/{urllib.parse.quote(key)}",
            headers=INSPECTOR_AUTH,
            timeout=30,
        )
        if resp.status_code == 404:
            return None
        assert resp.status_code == 200, f"moto GetObject {bucket}/{key}: {resp.status_code} {resp.text}"
        return resp.content

    def keys(self, bucket: str) -> list[str]:
        resp = self.inspector.get(
            f"{self.url}/{bucket}?list-type=2", headers=INSPECTOR_AUTH, timeout=10
        )
        assert resp.status_code == 200, f"moto ListObjectsV2 {bucket}: {resp.status_code} {resp.text}"
        root = ET.fromstring(resp.content)
        return sorted(
            key.text or ""
            for contents in root
            if local(contents.tag) == "Contents"
            for key in contents
            if local(key.tag) == "Key"
        )

    # ---- what nginx passed through ------------------------------------

    def proxied(self) -> list[LoggedRequest]:
        """Every request moto received from anyone but the tests' inspector,
        i.e. from nginx, in order."""
        out = []
        for line in self.process.log().splitlines():
            match = MOTO_LOG_RE.match(line)
            if match and match.group(1) != INSPECTOR_ADDRESS:
                out.append(LoggedRequest(match.group(1), match.group(2), match.group(3), int(match.group(4))))
        return out

    def proxied_count(self) -> int:
        return len(self.proxied())


# ---------------------------------------------------------------------------
# The routes upstream: an HTTP API that records what it receives
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict  # lower-cased names
    body: bytes

    @property
    def principal_arn(self) -> Optional[str]:
        return self.headers.get("x-tessera-principal-arn")

    @property
    def account_id(self) -> Optional[str]:
        return self.headers.get("x-tessera-account-id")

    @property
    def session_tags(self) -> Optional[dict]:
        raw = self.headers.get("x-tessera-session-tags")
        return None if raw is None else json.loads(raw)


class RoutesUpstream:
    """A threaded http.server answering every request 200 with a JSON echo,
    and recording each one (method, path, headers, body)."""

    def __init__(self):
        self.received: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = ReceivedRequest(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with upstream._lock:
                    upstream.received.append(record)
                data = json.dumps(
                    {"method": self.command, "path": self.path, "principal": record.principal_arn}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests_to(self, path: str) -> list[ReceivedRequest]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def log_tail(self) -> str:
        with self._lock:
            return "\n".join(
                f"{r.method} {r.path} principal={r.principal_arn}" for r in self.received[-40:]
            )


# ---------------------------------------------------------------------------
# nginx
# ---------------------------------------------------------------------------


MAIN_CONF = """\
# Generated by the compatibility tests: nginx as the test user, everything
# under the prefix {prefix}.
{user}worker_processes 1;
events {{ worker_connections 512; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/client_body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/conf.d/tessera-authz.conf;
}}
"""


class Nginx:
    """Debian's nginx in the foreground with a generated main configuration
    that includes examples/nginx/tessera-authz.conf, filled in."""

    def __init__(self, workdir: Path, values: dict[str, str], template: Path = NGINX_TEMPLATE):
        self.prefix = workdir / "nginx"
        (self.prefix / "conf.d").mkdir(parents=True, exist_ok=True)
        (self.prefix / "tmp").mkdir(exist_ok=True)
        self.site_conf = self.prefix / "conf.d" / "tessera-authz.conf"
        self.site_conf.write_text(render_template(template.read_text(), values))
        self.main_conf = self.prefix / "nginx.conf"
        # As root, nginx's workers would run as nobody and could not use the
        # temporary directories; as anyone else the `user` directive is moot.
        user = "user root;\n" if os.geteuid() == 0 else ""
        self.main_conf.write_text(MAIN_CONF.format(prefix=self.prefix, user=user))
        self.ports = [int(values[name].rsplit(":", 1)[1]) for name in values if name.endswith("_LISTEN")]
        globals_ = f"daemon off; pid {self.prefix}/nginx.pid; error_log {self.prefix}/error.log info;"
        self.argv = [NGINX_BIN, "-p", str(self.prefix), "-c", str(self.main_conf), "-g", globals_]
        self.process = Process("nginx", self.argv, self.prefix / "stderr.log")

    def start(self) -> None:
        if not os.access(NGINX_BIN, os.X_OK):
            pytest.fail(
                f"{NGINX_BIN} is missing: install Debian's nginx-light (scripts/system-deps does)",
                pytrace=False,
            )
        check = subprocess.run([*self.argv, "-t"], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, f"nginx -t rejected the configuration:\n{check.stderr}"
        self.process.start()

        def ready() -> bool:
            assert self.process.running(), f"nginx exited:\n{self.logs()}"
            return all(port_open(port) for port in self.ports)

        wait_until(ready, START_TIMEOUT_S, "nginx")

    def stop(self) -> None:
        self.process.stop()

    def logs(self) -> str:
        parts = []
        for name in ("stderr.log", "error.log", "access.log"):
            path = self.prefix / name
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-40:]
                parts.append(f"--- nginx {name}\n" + "\n".join(lines))
        return "\n".join(parts)


# ---------------------------------------------------------------------------
# Tessera with its authorizer
# ---------------------------------------------------------------------------


ORDERS_ROUTES = [
    ("GET", "/orders/{id}", "orders:GetOrder", "arn:aws:orders:{region}:{account}:order/{id}"),
    ("POST", "/orders", "orders:CreateOrder", "arn:aws:orders:{region}:{account}:order/*"),
    ("DELETE", "/orders/{id}", "orders:DeleteOrder", "arn:aws:orders:{region}:{account}:order/{id}"),
]


def authz_config(account_a: str, account_b: str) -> str:
    """The `[[authz.services]]` profiles of the stack, as TOML."""
    routes = ",\n".join(
        f'  {{ method = "{m}", path = "{p}", action = "{a}", resource = "{r}" }}'
        for m, p, a, r in ORDERS_ROUTES
    )
    return (
        "[[authz.services]]\n"
        f'name = "{S3_SERVICE}"\n'
        'kind = "s3"\n'
        f'hosts = ["{S3_VIRTUAL_HOST}"]\n'
        f'owner-account = "{account_a}"\n'
        f'buckets = {{ "{PARTNER_BUCKET}" = "{account_b}" }}\n'
        "\n"
        "[[authz.services]]\n"
        f'name = "{ORDERS_SERVICE}"\n'
        'kind = "routes"\n'
        f'owner-account = "{account_a}"\n'
        f"routes = [\n{routes},\n]\n"
    )


def init_data_dir(binary: str, workdir: Path) -> tuple[str, str, str]:
    """`tessera init` and `tessera account create partner` before the first
    start (the profiles need the account ids); returns (data dir, A, B)."""
    data_dir = workdir / "data"
    env = _clean_env()
    init = subprocess.run(
        [binary, "init", "--data-dir", str(data_dir)], capture_output=True, text=True, env=env, timeout=60
    )
    assert init.returncode == 0, f"tessera init failed:\n{init.stdout}\n{init.stderr}"
    match = re.search(r"\baccount (\d{12})\b", init.stdout)
    assert match, f"tessera init printed no account id:\n{init.stdout}"
    partner = subprocess.run(
        [binary, "account", "create", "partner", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert partner.returncode == 0, f"tessera account create failed:\n{partner.stdout}\n{partner.stderr}"
    account_b = partner.stdout.strip()
    assert re.fullmatch(r"\d{12}", account_b), f"not an account id: {partner.stdout!r}"
    return str(data_dir), match.group(1), account_b


def start_authz_server(
    binary: str,
    aws_cli: str,
    workdir: Path,
    config_text: str,
    extra_args: Optional[list] = None,
) -> tuple[TesseraServer, str]:
    """Starts `tessera serve --authz-listen` over workdir/data with the
    configuration; returns the server and the authorizer's base URL, once
    the authorizer answers."""
    config_path = workdir / "tessera.toml"
    config_path.write_text(config_text)
    authz_port = free_port()
    server = TesseraServer(
        binary,
        aws_cli,
        workdir,
        extra_args=[
            "--authz-listen",
            f"127.0.0.1:{authz_port}",
            "--config",
            str(config_path),
            *(extra_args or []),
        ],
    )
    server.start()
    authz_url = f"http://127.0.0.1:{authz_port}"

    def answers() -> bool:
        assert server.proc is not None and server.proc.poll() is None, server.log_tail()
        requests.post(f"{authz_url}/v1/authorize", json={}, timeout=2)
        return True

    try:
        wait_until(answers, START_TIMEOUT_S, f"the authorizer on {authz_url}")
    except BaseException:
        server.stop()
        raise
    return server, authz_url


@dataclasses.dataclass
class AuthzStack:
    """One running stack; see the module docstring."""

    tessera: TesseraServer
    authz_url: str
    account_a: str
    account_b: str
    moto: MotoS3
    orders: RoutesUpstream
    nginx: Nginx
    s3_port: int
    orders_port: int
    issuer: object  # test_web_identity.Issuer, trusted by the server
    _assumer: Optional[Creds] = None

    @property
    def data_dir(self) -> Path:
        return self.tessera.data_dir

    @property
    def secret(self) -> str:
        return (self.data_dir / "authz-secret").read_text().strip()

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def orders_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.orders_port}"

    @property
    def root_a(self) -> Creds:
        return self.tessera.root

    @property
    def root_b(self) -> Creds:
        return self.tessera.profiles()["partner-root"]

    def assumer(self) -> Creds:
        """A user of account A allowed sts:AssumeRole and sts:TagSession on
        any role (a root user may not assume roles); made once per stack."""
        if self._assumer is None:
            _, self._assumer = make_user(self.iam(), allow(["sts:AssumeRole", "sts:TagSession"]))
        return self._assumer

    def iam(self, creds: Optional[Creds] = None):
        return self.tessera.client(creds, service="iam")

    def sts(self, creds: Optional[Creds] = None):
        return self.tessera.client(creds, service="sts")

    def failure_logs(self) -> list[tuple[str, str]]:
        return [
            ("tessera log", self.tessera.log_tail(60)),
            ("nginx logs", self.nginx.logs()),
            ("moto log", self.moto.process.log_tail(40)),
            ("routes upstream", self.orders.log_tail()),
        ]


@pytest.fixture(scope="module")
def authz_stack(tessera_bin, aws_cli, tmp_path_factory, request) -> AuthzStack:
    """Tessera (accounts A and B, the s3 and orders profiles, an OIDC issuer
    trusted through --idp-ca-file), moto, the routes upstream and nginx; one
    per test module."""
    from test_web_identity import Issuer  # the OIDC issuer of the web-identity tests

    workdir = tmp_path_factory.mktemp("authz")
    issuer = Issuer(workdir)
    request.addfinalizer(issuer.stop)
    _, account_a, account_b = init_data_dir(tessera_bin, workdir)
    server, authz_url = start_authz_server(
        tessera_bin,
        aws_cli,
        workdir,
        authz_config(account_a, account_b),
        extra_args=["--idp-ca-file", str(issuer.ca_path)],
    )
    request.addfinalizer(server.stop)
    secret_path = server.data_dir / "authz-secret"
    wait_until(secret_path.exists, 5, f"{secret_path}")

    moto = MotoS3(workdir)
    request.addfinalizer(moto.stop)
    moto.start()
    orders = RoutesUpstream()
    request.addfinalizer(orders.stop)
    orders.start()

    s3_port, orders_port = free_port(), free_port()
    nginx = Nginx(
        workdir,
        {
            "TESSERA_AUTHZ": authz_url.removeprefix("http://"),
            "TESSERA_AUTHZ_SECRET": secret_path.read_text().strip(),
            "S3_LISTEN": f"127.0.0.1:{s3_port}",
            "S3_UPSTREAM": f"127.0.0.1:{moto.port}",
            "S3_SERVICE": S3_SERVICE,
            "ORDERS_LISTEN": f"127.0.0.1:{orders_port}",
            "ORDERS_UPSTREAM": f"127.0.0.1:{orders.port}",
            "ORDERS_SERVICE": ORDERS_SERVICE,
        },
    )
    request.addfinalizer(nginx.stop)
    nginx.start()
    moto.create_bucket(PARTNER_BUCKET)
    return AuthzStack(
        tessera=server,
        authz_url=authz_url,
        account_a=account_a,
        account_b=account_b,
        moto=moto,
        orders=orders,
        nginx=nginx,
        s3_port=s3_port,
        orders_port=orders_port,
        issuer=issuer,
    )


# ---------------------------------------------------------------------------
# Policies and principals
# ---------------------------------------------------------------------------


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", condition: Optional[dict] = None, **extra) -> dict:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    if condition:
        statement["Condition"] = condition
    return statement


def deny(action, resource="*", condition: Optional[dict] = None, **extra) -> dict:
    statement = {"Effect": "Deny", "Action": action, "Resource": resource, **extra}
    if condition:
        statement["Condition"] = condition
    return statement


def make_user(iam, *statements: dict, boundary: Optional[str] = None) -> tuple[str, Creds]:
    """A user with an access key, an inline policy of `statements` (if any)
    and a permissions boundary (a managed policy's ARN, if given): (arn, creds)."""
    name = unique("user")
    kwargs = {"PermissionsBoundary": boundary} if boundary else {}
    arn = iam.create_user(UserName=name, **kwargs)["User"]["Arn"]
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=document(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, Creds(key["AccessKeyId"], key["SecretAccessKey"])


def make_role(
    iam, trusted_principal: dict, *statements: dict, action="sts:AssumeRole", condition: Optional[dict] = None
) -> str:
    """A role trusting `trusted_principal` (for `action`, under `condition`)
    with an inline policy of `statements`; its ARN."""
    trust_statement = {"Effect": "Allow", "Principal": trusted_principal, "Action": action}
    if condition:
        trust_statement["Condition"] = condition
    trust = document(trust_statement)
    arn = iam.create_role(RoleName=unique("role"), AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    if statements:
        iam.put_role_policy(
            RoleName=arn.rsplit("/", 1)[1], PolicyName="inline", PolicyDocument=document(*statements)
        )
    return arn


def managed_policy(iam, *statements: dict) -> str:
    return iam.create_policy(PolicyName=unique("policy"), PolicyDocument=document(*statements))["Policy"]["Arn"]


def assume(stack: AuthzStack, creds: Creds, role_arn: str, session: str = "session", **kwargs) -> tuple[str, Creds]:
    """AssumeRole; returns (the session's ARN, its credentials)."""
    resp = stack.sts(creds).assume_role(RoleArn=role_arn, RoleSessionName=session, **kwargs)
    return resp["AssumedRoleUser"]["Arn"], Creds.from_sts(resp["Credentials"])


def assumed_role_arn(role_arn: str, session: str) -> str:
    account = role_arn.split(":")[4]
    return f"arn:aws:sts::{account}:assumed-role/{role_arn.rsplit('/', 1)[1]}/{session}"


def web_identity_role_creds(stack: AuthzStack, *statements: dict, session: str = "web") -> tuple[str, Creds]:
    """A role trusting the stack's OIDC issuer with `statements`, assumed
    with a token of that issuer: (the session's ARN, its credentials)."""
    from test_web_identity import CLIENT_ID

    iam = stack.iam()
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    if providers:
        provider_arn = providers[0]["Arn"]
    else:
        provider_arn = iam.create_open_id_connect_provider(
            Url=stack.issuer.url, ClientIDList=[CLIENT_ID], ThumbprintList=["a" * 40]
        )["OpenIDConnectProviderArn"]
    role_arn = make_role(
        iam,
        {"Federated": provider_arn},
        *statements,
        action="sts:AssumeRoleWithWebIdentity",
        condition={"StringEquals": {f"{stack.issuer.host}:aud": CLIENT_ID}},
    )
    resp = boto3.session.Session(region_name=REGION).client(
        "sts", endpoint_url=stack.tessera.endpoint, config=Config(signature_version=UNSIGNED)
    ).assume_role_with_web_identity(
        RoleArn=role_arn, RoleSessionName=session, WebIdentityToken=stack.issuer.token()
    )
    return resp["AssumedRoleUser"]["Arn"], Creds.from_sts(resp["Credentials"])


# ---------------------------------------------------------------------------
# Resource policies (IAM-namespace extension actions, signed for iam)
# ---------------------------------------------------------------------------


def iam_post(stack: AuthzStack, creds: Creds, params: dict) -> requests.Response:
    """An IAM Query request to Tessera's API signed for `iam` with botocore."""
    body = urllib.parse.urlencode({**params, "Version": "2010-05-08"})
    request = AWSRequest(
        method="POST",
        url=stack.tessera.endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    credentials = Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    botocore.auth.SigV4Auth(credentials, "iam", REGION).add_auth(request)
    prepared = request.prepare()
    return requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=15)


def put_resource_policy(stack: AuthzStack, arn: str, policy: str, creds: Optional[Creds] = None) -> requests.Response:
    return iam_post(
        stack, creds or stack.root_a, {"Action": "PutResourcePolicy", "ResourceArn": arn, "PolicyDocument": policy}
    )


def get_resource_policy(stack: AuthzStack, arn: str, creds: Optional[Creds] = None) -> requests.Response:
    return iam_post(stack, creds or stack.root_a, {"Action": "GetResourcePolicy", "ResourceArn": arn})


def delete_resource_policy(stack: AuthzStack, arn: str, creds: Optional[Creds] = None) -> requests.Response:
    return iam_post(stack, creds or stack.root_a, {"Action": "DeleteResourcePolicy", "ResourceArn": arn})


def set_bucket_policy(stack: AuthzStack, bucket: str, *statements: dict) -> None:
    resp = put_resource_policy(stack, f"arn:aws:s3:::{bucket}", document(*statements))
    assert resp.status_code == 200, f"PutResourcePolicy on {bucket}: {resp.status_code} {resp.text}"


def query_error(resp: requests.Response) -> str:
    """The Code of a Query-protocol error response."""
    return xml_text(ET.fromstring(resp.content), "Error", "Code") or ""


# ---------------------------------------------------------------------------
# Clients of the proxied services
# ---------------------------------------------------------------------------


def s3_client(stack: AuthzStack, creds: Optional[Creds], addressing_style: str = "path"):
    """boto3 S3 through nginx; `creds=None` sends every request unsigned."""
    config = Config(
        signature_version=UNSIGNED if creds is None else "s3v4",
        s3={"addressing_style": addressing_style},
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
    )
    kwargs = {}
    if creds is not None:
        kwargs = dict(
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
        )
    session = boto3.session.Session(region_name=REGION, **kwargs)
    return session.client("s3", endpoint_url=stack.s3_endpoint, config=config)


def status_of(excinfo) -> int:
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def sign(
    creds: Creds,
    method: str,
    url: str,
    service: str = S3_SERVICE,
    headers: Optional[dict] = None,
    body: bytes = b"",
    region: str = REGION,
) -> dict:
    """The headers (Host included, as signed) of a SigV4-signed request,
    signed by botocore: S3's variant (x-amz-content-sha256, the path as
    sent) for s3, the generic one otherwise."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    credentials = Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    auth_class = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
    auth_class(credentials, service, region).add_auth(request)
    out = dict(request.headers.items())
    out["Host"] = urllib.parse.urlsplit(url).netloc
    return out


def presign(creds: Creds, url: str, expires: int, method: str = "GET", region: str = REGION) -> str:
    """A presigned S3 URL (query-string SigV4) made by botocore."""
    request = AWSRequest(method=method, url=url)
    credentials = Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    botocore.auth.S3SigV4QueryAuth(credentials, "s3", region, expires=expires).add_auth(request)
    return request.url


def send(url: str, method: str, headers: dict, body: bytes = b"", connect_to: Optional[str] = None) -> requests.Response:
    """Sends a request exactly as signed; `connect_to` (a base URL) sends it
    there while keeping the signed Host header (virtual-hosted buckets)."""
    target = url
    if connect_to is not None:
        parts = urllib.parse.urlsplit(url)
        target = connect_to + parts.path + (f"?{parts.query}" if parts.query else "")
    return requests.request(method, target, headers=headers, data=body or None, timeout=30)


class AwsCli:
    """The real aws CLI against nginx, with an isolated configuration:
    SigV4 for S3 (also for `presign`), path-style, multipart from 5 MiB."""

    def __init__(self, aws_cli: str, stack: AuthzStack, workdir: Path):
        self.aws_cli = aws_cli
        self.stack = stack
        self.home = workdir
        self.config = workdir / "config"
        self.config.write_text(
            "[default]\n"
            f"region = {REGION}\n"
            "s3 =\n"
            "    addressing_style = path\n"
            "    signature_version = s3v4\n"
            "    multipart_threshold = 5MB\n"
            "    multipart_chunksize = 5MB\n"
        )
        self.empty = workdir / "credentials"
        self.empty.write_text("")

    def __call__(self, creds: Creds, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {
            "PATH": os.pathsep.join([venv_bin_dir(), os.defpath]),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "AWS_CONFIG_FILE": str(self.config),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.empty),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_ACCESS_KEY_ID": creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        }
        if creds.session_token:
            env["AWS_SESSION_TOKEN"] = creds.session_token
        argv = [self.aws_cli, "--endpoint-url", self.stack.s3_endpoint, *args]
        result = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=CLI_TIMEOUT_S
        )
        if check:
            assert result.returncode == 0, (
                f"aws {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result


# ---------------------------------------------------------------------------
# The authorizer's endpoints, called directly (as nginx, Envoy or an
# application would)
# ---------------------------------------------------------------------------


def forward(
    stack: AuthzStack,
    service: Optional[str],
    method: str,
    url: str,
    headers: dict,
    proto: str = "http",
    client_ip: str = "127.0.0.1",
    secret: Optional[str] = "stack",
    content_length: Optional[int] = None,
) -> requests.Response:
    """A /forward call with the headers the example nginx configuration
    sends for a client request `method url` carrying `headers` (Host
    included); `secret=None` leaves the secret out."""
    parts = urllib.parse.urlsplit(url)
    out = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}
    out.update(
        {
            "X-Forwarded-Method": method,
            "X-Forwarded-Host": headers.get("Host", parts.netloc),
            "X-Forwarded-Uri": parts.path + (f"?{parts.query}" if parts.query else ""),
            "X-Forwarded-Proto": proto,
            "X-Forwarded-For": client_ip,
        }
    )
    if content_length is not None:
        out["X-Forwarded-Content-Length"] = str(content_length)
    if service is not None:
        out[SERVICE_HEADER] = service
    if secret is not None:
        out[SECRET_HEADER] = stack.secret if secret == "stack" else secret
    return requests.get(stack.authz_url + "/forward", headers=out, timeout=15)


def envoy(
    stack: AuthzStack,
    service: Optional[str],
    method: str,
    url: str,
    headers: dict,
    proto: str = "http",
    client_ip: str = "127.0.0.1",
    secret: Optional[str] = "stack",
) -> requests.Response:
    """What Envoy's ext_authz HTTP filter (`path_prefix: /envoy`) sends for
    a client request: the same method, /envoy + the original path and query,
    the original headers with Host = the original authority, Envoy's
    X-Forwarded-For/-Proto, and the headers_to_add (service, secret)."""
    parts = urllib.parse.urlsplit(url)
    out = dict(headers)
    out.setdefault("Host", parts.netloc)
    out["X-Forwarded-For"] = client_ip
    out["X-Forwarded-Proto"] = proto
    if service is not None:
        out[SERVICE_HEADER] = service
    if secret is not None:
        out[SECRET_HEADER] = stack.secret if secret == "stack" else secret
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return requests.request(method, stack.authz_url + "/envoy" + path, headers=out, timeout=15)


def authorize(stack: AuthzStack, payload: dict, secret: Optional[str] = "stack") -> requests.Response:
    """POST /v1/authorize with `payload`."""
    headers = {}
    if secret is not None:
        headers[SECRET_HEADER] = stack.secret if secret == "stack" else secret
    return requests.post(stack.authz_url + "/v1/authorize", json=payload, headers=headers, timeout=15)


def json_request(method: str, url: str, headers: dict, payload_sha256: Optional[str] = None) -> dict:
    """The `request` member of a /v1/authorize body for a signed request."""
    parts = urllib.parse.urlsplit(url)
    out = {
        "method": method,
        "host": headers.get("Host", parts.netloc),
        "uri": parts.path + (f"?{parts.query}" if parts.query else ""),
        "headers": {k: v for k, v in headers.items() if k.lower() != "host"},
    }
    if payload_sha256 is not None:
        out["payloadSha256"] = payload_sha256
    return out


def error_of(resp: requests.Response) -> tuple[str, str]:
    """(Code, Message) of an AWS XML error body (S3's <Error> or the Query
    protocol's <ErrorResponse><Error>)."""
    try:
        root = ET.fromstring(resp.content)
    except ET.ParseError as exc:
        raise AssertionError(f"not an XML error body ({exc}): {resp.status_code} {resp.text!r}")
    error = root if local(root.tag) == "Error" else next((c for c in root if local(c.tag) == "Error"), None)
    assert error is not None, f"no <Error> in {resp.text!r}"
    return xml_text(error, "Code") or "", xml_text(error, "Message") or ""


def assert_error(resp: requests.Response, status: int, code: str) -> str:
    """The response is `status` with an XML error of `code`; returns its message."""
    assert resp.status_code == status, f"expected {status} {code}, got {resp.status_code}: {resp.text}"
    got_code, message = error_of(resp)
    assert got_code == code, f"expected error code {code}, got {got_code}: {resp.text}"
    return message


def encoded_message(message: str) -> str:
    """The encoded authorization failure message inside an AccessDenied message."""
    assert ENCODED_MARKER in message, f"no encoded authorization message in {message!r}"
    return message.split(ENCODED_MARKER, 1)[1].strip()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
