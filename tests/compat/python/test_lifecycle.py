"""The data directory across restarts, and the admin commands next to a running server."""

from __future__ import annotations

import os
import stat
import time

import pytest
from botocore.exceptions import ClientError

from compat_helpers import (
    ACCOUNT_RE,
    AKIA_RE,
    BASE64_CHARS,
    Creds,
    assert_client_error,
    assert_root_identity,
    flip_char,
    read_profiles,
)
from harness import ROOT_PROFILE, TesseraServer, token_key_id

ROTATION_PICKUP_TIMEOUT_S = 5.0


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_restart_keeps_accounts_keys_and_sessions(server):
    root_before = server.root
    account = assert_root_identity(server.client().get_caller_identity())
    session = server.session_creds(DurationSeconds=3600)
    assert_root_identity(server.client(session).get_caller_identity(), account=account)
    credentials_before = server.credentials_file.read_text()

    server.restart()

    assert server.credentials_file.read_text() == credentials_before, (
        "a restart rewrote root-credentials"
    )
    assert server.root == root_before
    assert_root_identity(server.client().get_caller_identity(), account=account)
    assert_root_identity(server.client(session).get_caller_identity(), account=account)
    assert server.client().get_access_key_info(AccessKeyId=session.access_key_id)[
        "Account"
    ] == account
    # Verification after the restart is as strict as before it.
    tampered = session.replace(session_token=flip_char(session.session_token, -3, BASE64_CHARS))
    with pytest.raises(ClientError) as excinfo:
        server.client(tampered).get_caller_identity()
    assert_client_error(excinfo, "InvalidClientTokenId", 403)


def test_restart_with_the_cli(server):
    """The aws CLI, as a user runs it, before and after a restart on the same port."""
    before = server.cli("sts", "get-caller-identity").json()
    session = Creds.from_sts(
        server.cli("sts", "get-session-token", "--duration-seconds", "900").json()["Credentials"]
    )
    server.restart()
    assert server.cli("sts", "get-caller-identity").json() == before
    after = server.cli("sts", "get-caller-identity", profile=None, creds=session).json()
    assert_root_identity(after, account=before["Account"])


def test_account_create_while_serving(server):
    root_account = assert_root_identity(server.client().get_caller_identity())

    result = server.tessera("account", "create", "team-b", "--data-dir", str(server.data_dir))
    assert result.returncode == 0, f"account create failed:\n{result.stderr}"
    new_account = result.stdout.strip()
    assert ACCOUNT_RE.match(new_account), f"account create printed {result.stdout!r}"
    assert new_account != root_account

    profiles = read_profiles(server.credentials_file)
    assert ROOT_PROFILE in profiles, "the tessera-root profile was lost"
    assert profiles[ROOT_PROFILE] == server.root
    assert "team-b-root" in profiles, f"no [team-b-root] in {sorted(profiles)}"
    team_b = profiles["team-b-root"]
    assert AKIA_RE.match(team_b.access_key_id), team_b.access_key_id
    assert len(team_b.secret_access_key) == 40
    assert team_b.access_key_id != server.root.access_key_id
    assert _mode(server.credentials_file) == 0o600, (
        f"root-credentials is {oct(_mode(server.credentials_file))} after account create"
    )
    assert team_b.secret_access_key not in result.stdout + result.stderr, (
        "account create printed the new secret"
    )

    # The running server sees the new account at once.
    identity = server.cli("sts", "get-caller-identity", profile="team-b-root").json()
    assert identity["Arn"] == f"arn:aws:iam::{new_account}:root", identity
    assert_root_identity(identity, account=new_account)
    # The new account's key is its own, and it can mint its own sessions.
    assert server.client().get_access_key_info(AccessKeyId=team_b.access_key_id)[
        "Account"
    ] == new_account
    session_b = server.session_creds(team_b, DurationSeconds=900)
    assert_root_identity(server.client(session_b).get_caller_identity(), account=new_account)
    # The first account is unchanged.
    assert_root_identity(server.client().get_caller_identity(), account=root_account)


def test_account_create_rejects_a_duplicate_name(server):
    server.tessera("account", "create", "dup", "--data-dir", str(server.data_dir), check=True)
    before = server.credentials_file.read_text()
    again = server.tessera("account", "create", "dup", "--data-dir", str(server.data_dir))
    assert again.returncode != 0, f"a second account named dup was created: {again.stdout!r}"
    assert server.credentials_file.read_text() == before, "root-credentials changed"


def test_keys_rotate_while_serving(server):
    account = assert_root_identity(server.client().get_caller_identity())
    before = server.session_creds(DurationSeconds=3600)
    old_key = token_key_id(before.session_token)

    server.tessera("keys", "rotate", "--data-dir", str(server.data_dir), check=True)

    # The token minted before the rotation keeps working throughout.
    assert_root_identity(server.client(before).get_caller_identity(), account=account)

    # Poll until the running server mints with the new key (it reloads within ~1 s).
    deadline = time.monotonic() + ROTATION_PICKUP_TIMEOUT_S
    after = server.session_creds(DurationSeconds=3600)
    while token_key_id(after.session_token) == old_key and time.monotonic() < deadline:
        time.sleep(0.25)
        after = server.session_creds(DurationSeconds=3600)
    assert token_key_id(after.session_token) != old_key, (
        f"still minting with token key {old_key} {ROTATION_PICKUP_TIMEOUT_S}s after keys rotate"
    )

    assert_root_identity(server.client(after).get_caller_identity(), account=account)
    assert_root_identity(server.client(before).get_caller_identity(), account=account)

    # Both keys survive a restart.
    server.restart()
    assert_root_identity(server.client(before).get_caller_identity(), account=account)
    assert_root_identity(server.client(after).get_caller_identity(), account=account)


def test_init_refuses_an_existing_data_dir(server):
    files_before = {p.name: p.read_bytes() for p in server.data_dir.iterdir() if p.is_file()
                    and p.name in ("root-credentials", "master.key")}
    result = server.tessera("init", "--data-dir", str(server.data_dir))
    assert result.returncode != 0, f"init on an existing data dir exited 0: {result.stdout!r}"
    for name, content in files_before.items():
        assert (server.data_dir / name).read_bytes() == content, f"init changed {name}"
    assert_root_identity(server.client().get_caller_identity())


def test_init_then_serve(tessera_bin, aws_cli, tmp_path, request):
    """`tessera init` bootstraps; a later `serve` reuses that account and key."""
    srv = TesseraServer(tessera_bin, aws_cli, tmp_path)
    result = srv.tessera("init", "--data-dir", str(srv.data_dir), check=True)
    assert _mode(srv.credentials_file) == 0o600
    root = srv.root
    assert root.secret_access_key not in result.stdout + result.stderr, "init printed the secret"
    assert AKIA_RE.match(root.access_key_id)

    again = srv.tessera("init", "--data-dir", str(srv.data_dir))
    assert again.returncode != 0, "a second init on the same data dir exited 0"
    assert srv.root == root

    request.addfinalizer(srv.stop)
    srv.start()
    assert_root_identity(srv.client(root).get_caller_identity())


def test_root_credentials_file_and_log_hygiene(server):
    path = server.credentials_file
    assert _mode(path) == 0o600, f"root-credentials has mode {oct(_mode(path))}, expected 0o600"
    content = path.read_text()
    assert content.lstrip().startswith(f"[{ROOT_PROFILE}]"), content.splitlines()[:1]

    # Exercise the server, including failures, then read its whole log.
    root = server.root
    session = server.session_creds(DurationSeconds=900)
    server.client(session).get_caller_identity()
    wrong = root.replace(secret_access_key=flip_char(root.secret_access_key, 0, BASE64_CHARS))
    with pytest.raises(ClientError):
        server.client(wrong).get_caller_identity()
    with pytest.raises(ClientError):
        server.client(
            session.replace(session_token=flip_char(session.session_token, 20, BASE64_CHARS))
        ).get_caller_identity()
    server.tessera("account", "create", "team-c", "--data-dir", str(server.data_dir), check=True)
    team_c = server.profiles()["team-c-root"]
    server.client(team_c).get_caller_identity()
    server.restart()

    log = server.log()
    assert "root-credentials" in log or str(server.data_dir) in log, (
        "the server log says nothing about where the credentials are"
    )
    for label, secret in [
        ("root secret", root.secret_access_key),
        ("wrong secret", wrong.secret_access_key),
        ("team-c secret", team_c.secret_access_key),
        ("session secret", session.secret_access_key),
        ("session token", session.session_token),
    ]:
        assert secret not in log, f"the {label} appears in the server's log"


def test_backup_while_serving_holds_every_write_acknowledged_before_it(server, tmp_path):
    import base64
    import threading

    from harness import iam_client

    if server.store:
        refused = server.tessera("backup", "--to", str(tmp_path / "b.db"), "--data-dir", str(server.data_dir))
        assert refused.returncode != 0 and "pg_dump" in refused.stderr, refused.stderr
        return
    iam = iam_client(server)
    before = [f"before-{n}" for n in range(20)]
    for name in before:
        iam.create_user(UserName=name)
    stop = threading.Event()
    during: list[str] = []

    def writer() -> None:
        writes = iam_client(server)
        n = 0
        while not stop.is_set():
            name = f"during-{n}"
            n += 1
            writes.create_user(UserName=name)
            during.append(name)

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.3)
    acknowledged = set(before) | set(during)
    backup = tmp_path / "backup.db"
    result = server.tessera("backup", "--to", str(backup), "--data-dir", str(server.data_dir), check=True)
    stop.set()
    thread.join(timeout=30)
    assert str(backup) in result.stdout
    assert _mode(backup) == 0o600
    again = server.tessera("backup", "--to", str(backup), "--data-dir", str(server.data_dir))
    assert again.returncode != 0, "a backup over an existing file"

    # Restored into a new data directory, with the master key (which the
    # backup does not hold), it is a store a server starts on.
    restored = TesseraServer(server.binary, server.aws_cli, tmp_path / "restored")
    wrong_key = tmp_path / "wrong.key"
    wrong_key.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    refused = server.tessera(
        "restore", "--from", str(backup), "--data-dir", str(restored.data_dir), "--master-key-file", str(wrong_key)
    )
    assert refused.returncode != 0 and "does not open this store's key ring" in refused.stderr, refused.stderr
    assert not (restored.data_dir / "tessera.db").exists(), "a failed restore left the store behind"
    server.tessera(
        "restore", "--from", str(backup), "--data-dir", str(restored.data_dir),
        "--master-key-file", str(server.data_dir / "master.key"), check=True,
    )
    assert _mode(restored.data_dir / "master.key") == 0o600
    assert _mode(restored.data_dir / "tessera.db") == 0o600
    again = server.tessera(
        "restore", "--from", str(backup), "--data-dir", str(restored.data_dir),
        "--master-key-file", str(server.data_dir / "master.key"),
    )
    assert again.returncode != 0, "a restore over an existing store"
    try:
        restored.start()
        names = set()
        for page in iam_client(restored, server.root).get_paginator("list_users").paginate():
            names.update(u["UserName"] for u in page["Users"])
        assert acknowledged <= names, sorted(acknowledged - names)[:5]
    finally:
        restored.stop()
