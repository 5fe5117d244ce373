"""Fixtures for the black-box compatibility tests.

The tests drive a real `tessera serve` process (found through the TESSERA_BIN
environment variable) with the real aws CLI and boto3, exactly as users run
them. Every server gets its own temporary data directory and a free port on
127.0.0.1; nothing from the caller's AWS configuration leaks in.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from harness import AUDIT_LOGS, SECRETS, TesseraServer, venv_bin_dir
from postgres_harness import Database


# --------------------------------------------------------------------------
# Locating the programs under test
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tessera_bin() -> str:
    value = os.environ.get("TESSERA_BIN")
    if not value:
        pytest.fail(
            "TESSERA_BIN is not set: point it at the tessera binary "
            "(e.g. TESSERA_BIN=target/debug/tessera) before running the compat tests",
            pytrace=False,
        )
    path = Path(value)
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"TESSERA_BIN={value!r} is not an executable file", pytrace=False)
    return str(path.resolve())


@pytest.fixture(scope="session")
def aws_cli() -> str:
    """The aws CLI of the venv running pytest (then the PATH as a fallback)."""
    found = shutil.which("aws", path=venv_bin_dir()) or shutil.which("aws")
    if not found:
        pytest.fail(
            f"the aws CLI was not found next to {sys.executable} nor on PATH; "
            "install tests/compat/requirements.txt into the venv running pytest",
            pytrace=False,
        )
    return found


# --------------------------------------------------------------------------
# Isolation of the in-process AWS SDK (boto3) from the caller's environment
# --------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _isolated_aws_environment(tmp_path_factory):
    """boto3 reads AWS_* variables and ~/.aws; make sure it reads nothing."""
    home = tmp_path_factory.mktemp("aws-home")
    empty = home / "empty-config"
    empty.write_text("")
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("AWS_") or name.startswith("BOTO_"):
                mp.delenv(name)
        mp.setenv("AWS_CONFIG_FILE", str(empty))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield


@pytest.fixture(scope="session", autouse=True)
def _no_secret_in_any_audit_trail():
    """After the whole run: every audit trail its servers wrote is free of
    every secret its boto3 clients sent or received."""
    yield
    leaks = []
    for path in AUDIT_LOGS:
        if not path.exists():
            continue
        text = path.read_text(errors="replace")
        leaks += [f"{path}: {secret[:6]}…" for secret in SECRETS if secret in text]
    assert not leaks, f"secrets in audit trails: {leaks[:10]}"


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------


def _make_server(binary: str, aws_cli: str, workdir: Path, request) -> TesseraServer:
    """A server on the data directory's SQLite store, or, when
    TESSERA_COMPAT_STORE=postgres, on a PostgreSQL database of its own."""
    store = None
    if os.environ.get("TESSERA_COMPAT_STORE") == "postgres":
        database = Database()
        request.addfinalizer(database.drop)
        store = database.url
    server = TesseraServer(binary, aws_cli, workdir, store=store)
    request.addfinalizer(server.stop)
    server.start()
    return server


@pytest.fixture(scope="module")
def shared_server(tessera_bin, aws_cli, tmp_path_factory, request) -> TesseraServer:
    """A server shared by the tests of one module that do not change its state."""
    return _make_server(tessera_bin, aws_cli, tmp_path_factory.mktemp("tessera"), request)


@pytest.fixture
def server(tessera_bin, aws_cli, tmp_path, request) -> TesseraServer:
    """A server of its own for a test that restarts it or changes its data dir."""
    return _make_server(tessera_bin, aws_cli, tmp_path, request)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, attach the tail of each server's log to the report
    (and every log of a fixture that offers `failure_logs()`, such as the
    authorizer's stack of tessera, nginx and the upstreams)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        funcargs = item.funcargs if hasattr(item, "funcargs") else {}
        for name in ("server", "shared_server"):
            srv = funcargs.get(name)
            if isinstance(srv, TesseraServer):
                report.sections.append((f"tessera log ({name})", srv.log_tail()))
        reported = set()
        for name, value in funcargs.items():
            logs = getattr(value, "failure_logs", None)
            if callable(logs) and id(value) not in reported:
                reported.add(id(value))
                for title, text in logs():
                    report.sections.append((f"{title} ({name})", text))
