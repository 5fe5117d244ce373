"""The key ring in the store, sealed by the master key: the upgrade of a
data directory whose ring was `keyring.json`, `keys list`, and the master
keys a node refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
import struct
import subprocess
import tarfile
import sqlite3
import time
from pathlib import Path

from compat_helpers import Creds, assert_root_identity, read_profiles
from harness import TesseraServer, iam_client, token_key_id

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "data-dir-with-keyring-json.tar.gz"
MISMATCH = "does not open this store's key ring"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _totp(base32_seed: str, step: int) -> str:
    key = base64.b32decode(base32_seed.strip() + "=" * (-len(base32_seed.strip()) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _keys_list(server: TesseraServer, *extra: str) -> list[list[str]]:
    out = server.tessera("keys", "list", "--data-dir", str(server.data_dir), *extra, check=True).stdout
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["ID", "PURPOSE", "STATE"], out
    return [line.split() for line in lines[1:]]


def _run_serve(server: TesseraServer, *extra: str) -> subprocess.CompletedProcess:
    """`tessera serve` expected to refuse to start: it must exit by itself."""
    return subprocess.run(
        [server.binary, "serve", "--data-dir", str(server.data_dir), "--listen", "127.0.0.1:0", *extra],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=server._server_env(),
        timeout=30,
    )


def test_a_data_directory_of_the_earlier_release_moves_its_ring_into_the_store(tessera_bin, aws_cli, tmp_path, request):
    with tarfile.open(FIXTURE) as archive:
        archive.extractall(tmp_path, filter="data")
    server = TesseraServer(tessera_bin, aws_cli, tmp_path)
    data = server.data_dir
    assert (data / "keyring.json").exists() and not (data / "master.key").exists()
    request.addfinalizer(server.stop)
    server.start()

    # The ring is in the store now, sealed; the file with the plain keys is gone.
    assert not (data / "keyring.json").exists()
    assert _mode(data / "master.key") == 0o600
    assert "key ring moved into the store" in server.log()

    # Everything sealed by the old ring still opens: the root key, the
    # user's key, the MFA device's seed.
    account = assert_root_identity(server.client().get_caller_identity())
    user = read_profiles(data / "user-credentials")["upgrader"]
    identity = server.client(user).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{account}:user/fixture/upgrader"
    assert iam_client(server, user).get_user()["User"]["UserName"] == "upgrader"
    role = server.client(user).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/reader", RoleSessionName="after-upgrade"
    )["Credentials"]
    session = server.session_creds(DurationSeconds=900)
    assert token_key_id(session.session_token) == 1
    seed = (data / "mfa-seed").read_text()
    step = int(time.time()) // 30
    iam = iam_client(server)
    iam.enable_mfa_device(
        UserName="upgrader",
        SerialNumber=f"arn:aws:iam::{account}:mfa/upgrader-phone",
        AuthenticationCode1=_totp(seed, step - 1),
        AuthenticationCode2=_totp(seed, step),
    )

    # A rotation: the minted tokens keep working, new ones use key 2.
    rows = _keys_list(server)
    assert [(r[0], r[-3]) for r in rows] == [("1", "active")], rows
    server.tessera("keys", "rotate", "--data-dir", str(data), check=True)
    rows = _keys_list(server)
    assert [(r[0], r[-3]) for r in rows] == [("2", "active"), ("1", "verifying")], rows
    assert_root_identity(server.client(session).get_caller_identity(), account=account)
    assert server.client(Creds.from_sts(role)).get_caller_identity()["Arn"].endswith(":assumed-role/reader/after-upgrade")
    server.restart()
    assert_root_identity(server.client().get_caller_identity(), account=account)
    assert server.client(user).get_caller_identity()["Arn"] == identity["Arn"]
    assert token_key_id(server.session_creds(DurationSeconds=900).session_token) == 2


def test_a_master_key_that_does_not_open_the_ring_is_refused(server, tmp_path):
    other = tmp_path / "other.key"
    other.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    server.stop()
    refused = _run_serve(server, "--master-key-file", str(other))
    assert refused.returncode != 0
    last = refused.stderr.strip().splitlines()[-1]
    assert MISMATCH in last, refused.stderr
    # The same for every command that opens the ring.
    listed = server.tessera("keys", "list", "--data-dir", str(server.data_dir), "--master-key-file", str(other))
    assert listed.returncode != 0 and MISMATCH in listed.stderr.strip().splitlines()[-1], listed.stderr
    server.start()
    assert_root_identity(server.client().get_caller_identity())


def test_a_missing_master_key_is_created_at_bootstrap_only(server, tmp_path):
    missing = tmp_path / "elsewhere" / "master.key"
    missing.parent.mkdir()
    server.stop()
    refused = _run_serve(server, "--master-key-file", str(missing))
    assert refused.returncode != 0
    assert "does not exist" in refused.stderr.strip().splitlines()[-1], refused.stderr
    assert not missing.exists(), "a master key was made for a store that has a ring"

    # On an empty store, the file named is created, private, and used.
    fresh = TesseraServer(server.binary, server.aws_cli, tmp_path / "fresh", ["--master-key-file", str(missing)])
    try:
        fresh.start()
        assert _mode(missing) == 0o600
        assert not (fresh.data_dir / "master.key").exists()
        assert_root_identity(fresh.client().get_caller_identity())
        rows = _keys_list(fresh, "--master-key-file", str(missing))
        assert rows[0][0] == "1" and rows[0][-3] == "active", rows
    finally:
        fresh.stop()


def test_a_store_whose_ring_is_lost_is_refused_not_given_a_new_one(server):
    server.stop()
    with sqlite3.connect(server.data_dir / "tessera.db") as db:
        db.execute("DELETE FROM key_ring")
    refused = _run_serve(server)
    assert refused.returncode != 0
    last = refused.stderr.strip().splitlines()[-1]
    assert "the store holds accounts but no key ring" in last, refused.stderr
    with sqlite3.connect(server.data_dir / "tessera.db") as db:
        assert db.execute("SELECT count(*) FROM key_ring").fetchone()[0] == 0, "no ring was made in its place"
