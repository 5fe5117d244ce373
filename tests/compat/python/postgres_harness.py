"""PostgreSQL for the compatibility tests: a database of its own per test
on the server TESSERA_TEST_POSTGRES names (scripts/test sets it; the
default is postgres://root@127.0.0.1:5432/postgres), and throwaway clusters
for the tests of an outage. A server that cannot be reached fails the
test: PostgreSQL is never skipped silently."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Optional

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "test-postgres"


def admin_url() -> str:
    return os.environ.get("TESSERA_TEST_POSTGRES") or "postgres://root@127.0.0.1:5432/postgres"


def with_database(url: str, name: str) -> str:
    """`url` with its database replaced by `name`, its options kept."""
    base, _, query = url.partition("?")
    authority = base.find("://") + 3
    slash = base.find("/", authority)
    host = base if slash < 0 else base[:slash]
    return f"{host}/{name}" + (f"?{query}" if query else "")


def psql(url: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        pytest.fail(f"psql {url}: {result.stderr.strip()}", pytrace=False)
    return result.stdout.strip()


class Database:
    """A database created for one test, dropped by `drop`."""

    def __init__(self, admin: Optional[str] = None):
        self.admin = admin or admin_url()
        self.name = f"tessera_compat_{uuid.uuid4().hex[:16]}"
        psql(self.admin, f"CREATE DATABASE {self.name}")
        self.url = with_database(self.admin, self.name)

    def query(self, sql: str) -> str:
        return psql(self.url, sql)

    def drop(self) -> None:
        psql(self.admin, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


class Throwaway:
    """A PostgreSQL cluster of the tests' own (scripts/test-postgres
    --throwaway), which a test may stop and start again."""

    def __init__(self):
        result = subprocess.run(
            [str(SCRIPT), "--throwaway"], capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            pytest.fail(f"no throwaway PostgreSQL cluster: {result.stderr.strip()}", pytrace=False)
        self.url, self.dir = result.stdout.strip().splitlines()[:2]

    def _run(self, flag: str) -> None:
        subprocess.run([str(SCRIPT), flag, self.dir], check=True, capture_output=True, timeout=120)

    def halt(self) -> None:
        """Stops the server at once, as a crash would."""
        self._run("--halt")

    def resume(self) -> None:
        self._run("--resume")

    def remove(self) -> None:
        self._run("--stop")
