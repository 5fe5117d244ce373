"""The tessera server under test, and the isolated aws CLI next to it."""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import boto3
import requests
from botocore.config import Config

from compat_helpers import Creds, read_profiles

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
CLI_TIMEOUT_S = 60.0
ROOT_PROFILE = "tessera-root"


def venv_bin_dir() -> str:
    """The directory of the Python running the tests (its venv's bin)."""
    return os.path.dirname(sys.executable)


def token_key_id(session_token: str) -> int:
    """The token-key id in a session token's envelope header.

    DESIGN.md names the envelope's parts (version, key id, nonce, ciphertext);
    tessera-token lays them out as base64(version(1) ‖ key id(4, big-endian) ‖ …).
    Used only to observe that a key rotation took effect.
    """
    raw = base64.b64decode(session_token)
    return int.from_bytes(raw[1:5], "big")


def _client_config(validate_params: bool) -> Config:
    return Config(
        retries={"max_attempts": 1, "mode": "standard"},
        parameter_validation=validate_params,
        connect_timeout=5,
        read_timeout=30,
    )


def iam_client(server: "TesseraServer", creds: Optional[Creds] = None, validate_params: bool = True):
    """A boto3 IAM client of `server`, signing with `creds` (root by default)."""
    return server.client(creds, validate_params=validate_params, service="iam")


def eventually(check: Callable[[], object], timeout: float = 2.0, step: float = 0.1):
    """Runs `check` until it stops raising AssertionError (a change that
    takes effect "within 1 s"); returns its value, or re-raises the last
    failure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        time.sleep(step)


def sql_text(value: str) -> str:
    """`value` as an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class CliResult:
    args: list
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        assert self.returncode == 0, (
            f"aws {' '.join(self.args)} exited {self.returncode}\n"
            f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"
        )
        return json.loads(self.stdout)


# --------------------------------------------------------------------------
# The server under test
# --------------------------------------------------------------------------


# Every audit trail the servers of this run wrote, and every secret the
# run's boto3 clients sent or received: at the end of the run, no trail may
# hold any of them (conftest checks).
AUDIT_LOGS: list[Path] = []
SECRETS: set[str] = set()
_SECRET_PARAMETERS = {
    "Password", "OldPassword", "NewPassword", "WebIdentityToken", "SAMLAssertion", "PrivateKey",
}
_SECRET_ELEMENTS = {"SecretAccessKey", "SessionToken", "Password", "PrivateKey", "Base32StringSeed"}


def _collect_secrets(value, names) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in names and isinstance(item, (str, bytes)):
                text = item.decode() if isinstance(item, bytes) else item
                # Made-up values such as "x" * 40 stand in other values too.
                if len(text) >= 8 and len(set(text)) >= 5:
                    SECRETS.add(text)
            else:
                _collect_secrets(item, names)
    elif isinstance(value, list):
        for item in value:
            _collect_secrets(item, names)


def _remember_request_secrets(params, **_kwargs) -> None:
    _collect_secrets(params, _SECRET_PARAMETERS)


def _remember_response_secrets(parsed, **_kwargs) -> None:
    _collect_secrets(parsed, _SECRET_ELEMENTS)


def watch_secrets(client):
    """Registers `client`'s secrets (what it sends and receives) for the
    end-of-run check of the audit trails; returns the client."""
    client.meta.events.register("provide-client-params.*.*", _remember_request_secrets)
    client.meta.events.register("after-call.*.*", _remember_response_secrets)
    return client


class TesseraServer:
    """One `tessera serve` process over a data directory, restartable. It
    keeps an audit trail in `workdir/audit.log` unless told otherwise."""

    def __init__(
        self,
        binary: str,
        aws_cli: str,
        workdir: Path,
        extra_args: Optional[list] = None,
        store: Optional[str] = None,
    ):
        self.binary = binary
        self.extra_args = list(extra_args or [])
        # The store URL, for `serve` and every CLI command (TESSERA_STORE);
        # the data directory's SQLite database when None.
        self.store = store
        # A CA bundle clients trust, for a server with --tls-cert.
        self.ca_bundle: Optional[Path] = None
        self.audit_log = workdir / "audit.log"
        if "--audit-log" not in self.extra_args:
            self.extra_args += ["--audit-log", str(self.audit_log)]
            AUDIT_LOGS.append(self.audit_log)
        self.aws_cli = aws_cli
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.log_path = workdir / "server.log"
        self.port: Optional[int] = None
        self.proc: Optional[subprocess.Popen] = None
        self._log_file = None
        self._starts = 0
        self._aws_home = workdir / "aws-home"
        self._aws_home.mkdir(parents=True, exist_ok=True)
        self._empty_config = self._aws_home / "config"
        self._empty_config.write_text("")

    # ---- process management -------------------------------------------------

    @property
    def endpoint(self) -> str:
        scheme = "https" if "--tls-cert" in self.extra_args else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def verify(self):
        """What clients trust: the CA bundle given to the server's tests
        (`ca_bundle`), else the system's."""
        return str(self.ca_bundle) if self.ca_bundle else True

    def _server_env(self) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TESSERA_", "AWS_")) and k != "RUST_LOG"
        }
        env["NO_COLOR"] = "1"
        if self.store:
            env["TESSERA_STORE"] = self.store
        return env

    def start(self, port: Optional[int] = None) -> None:
        assert self.proc is None, "server already running"
        last_error = ""
        for _attempt in range(3):
            self.port = port or free_port()
            self._starts += 1
            self._log_file = open(self.log_path, "ab")
            self._log_file.write(f"\n=== start #{self._starts} on port {self.port}\n".encode())
            self._log_file.flush()
            self.proc = subprocess.Popen(
                [
                    self.binary,
                    "serve",
                    "--data-dir",
                    str(self.data_dir),
                    "--listen",
                    f"127.0.0.1:{self.port}",
                    *self.extra_args,
                ],
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=self._log_file,
                env=self._server_env(),
                cwd=self.workdir,
            )
            if self._wait_healthy():
                return
            last_error = self.log_tail()
            self.stop()
            if port is not None:
                # A fixed port (restart) gets a short grace period to free up.
                time.sleep(0.2)
        raise AssertionError(
            f"tessera serve did not become healthy on 127.0.0.1:{self.port}\n"
            f"--- server log (tail) ---\n{last_error}"
        )

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        url = f"{self.endpoint}/healthz"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if requests.get(url, timeout=1, verify=self.verify).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=STOP_TIMEOUT_S)
            self.proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def restart(self, same_port: bool = True) -> None:
        """Stop the server and start it again over the same data directory."""
        port = self.port if same_port else None
        self.stop()
        self.start(port=port)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    # ---- the store, from outside ---------------------------------------------

    def execute_sql(self, statement: str) -> int:
        """Runs one SQL statement on the server's store (SQLite or
        PostgreSQL), as a tool outside Tessera would; returns how many rows
        it changed. Values are written into the statement with `sql_text`."""
        if self.store:
            result = subprocess.run(
                ["psql", self.store, "-X", "-v", "ON_ERROR_STOP=1", "-c", statement],
                capture_output=True,
                text=True,
                timeout=CLI_TIMEOUT_S,
            )
            assert result.returncode == 0, result.stderr
            # The command tag: "INSERT 0 1", "UPDATE 2", …
            return int(result.stdout.strip().split()[-1])
        db = sqlite3.connect(self.data_dir / "tessera.db", timeout=10)
        try:
            with db:
                return db.execute(statement).rowcount
        finally:
            db.close()

    # ---- the tessera command line ------------------------------------------

    def tessera(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [self.binary, *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=self._server_env(),
            cwd=self.workdir,
            timeout=CLI_TIMEOUT_S,
        )
        if check:
            assert result.returncode == 0, (
                f"tessera {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    # ---- credentials ---------------------------------------------------------

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / "root-credentials"

    def profiles(self) -> dict[str, Creds]:
        return read_profiles(self.credentials_file)

    @property
    def root(self) -> Creds:
        return self.profiles()[ROOT_PROFILE]

    # ---- the aws CLI ---------------------------------------------------------

    def cli_env(self, region: str = "us-east-1", creds: Optional[Creds] = None, **extra) -> dict:
        """A fully isolated environment for the aws CLI."""
        env = {
            "PATH": os.pathsep.join([venv_bin_dir(), os.defpath]),
            "HOME": str(self._aws_home),
            "LANG": "C.UTF-8",
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
            "AWS_CONFIG_FILE": str(self._empty_config),
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
        }
        if self.ca_bundle:
            env["AWS_CA_BUNDLE"] = str(self.ca_bundle)
        if creds is not None:
            env["AWS_ACCESS_KEY_ID"] = creds.access_key_id
            env["AWS_SECRET_ACCESS_KEY"] = creds.secret_access_key
            if creds.session_token:
                env["AWS_SESSION_TOKEN"] = creds.session_token
        env.update(extra)
        return env

    def cli(
        self,
        *args: str,
        profile: Optional[str] = ROOT_PROFILE,
        creds: Optional[Creds] = None,
        region: str = "us-east-1",
        endpoint_flag: bool = True,
        extra_env: Optional[dict] = None,
    ) -> CliResult:
        argv = [self.aws_cli, "--output", "json"]
        if endpoint_flag:
            argv += ["--endpoint-url", self.endpoint]
        if profile is not None and creds is None:
            argv += ["--profile", profile]
        argv += list(args)
        env = self.cli_env(region=region, creds=creds, **(extra_env or {}))
        proc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            cwd=self.workdir,
            timeout=CLI_TIMEOUT_S,
        )
        return CliResult(argv[1:], proc.returncode, proc.stdout, proc.stderr)

    # ---- boto3 ---------------------------------------------------------------

    def client(
        self,
        creds: Optional[Creds] = None,
        region: str = "us-east-1",
        validate_params: bool = True,
        service: str = "sts",
    ):
        """A boto3 client of `service` signing with `creds` (root by default)."""
        creds = creds or self.root
        session = boto3.session.Session(
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            region_name=region,
        )
        return watch_secrets(
            session.client(
                service,
                endpoint_url=self.endpoint,
                config=_client_config(validate_params),
                verify=self.verify,
            )
        )

    def anonymous_sts(self, validate_params: bool = True):
        """An STS client with no credentials at all: its calls go out unsigned."""
        return watch_secrets(
            boto3.session.Session(region_name="us-east-1").client(
                "sts", endpoint_url=self.endpoint, config=_client_config(validate_params), verify=self.verify
            )
        )

    def session_creds(self, creds: Optional[Creds] = None, **kwargs) -> Creds:
        resp = self.client(creds).get_session_token(**kwargs)
        return Creds.from_sts(resp["Credentials"])
