"""Several `tessera serve` nodes on one PostgreSQL database: any node
answers, a change on one reaches the others within a second, conflicting
writes across nodes get one answer each, and nothing acknowledged is lost
when a node is killed or the database goes away for a while."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from compat_helpers import Creds, assert_root_identity
from harness import TesseraServer, eventually, free_port, iam_client, token_key_id
from test_sts_roles import iam_form_post
from postgres_harness import Database, Throwaway

MISMATCH = "does not open this store's key ring"
WITHIN = 1.0  # a change on one node reaches the others within this
CACHE_LIFETIME = 10.0  # the longest a node keeps a read


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}


class Cluster:
    """Nodes a, b, c… on one store: the first bootstraps it, the others
    start with a copy of its master key."""

    def __init__(self, binary: str, aws_cli: str, workdir: Path, store: str, count: int = 3):
        self.store = store
        self.nodes = [
            TesseraServer(binary, aws_cli, workdir / name, store=store)
            for name in "abcdefgh"[:count]
        ]
        first = self.nodes[0]
        first.start()
        for node in self.nodes[1:]:
            node.data_dir.mkdir(parents=True, mode=0o700)
            shutil.copy2(first.data_dir / "master.key", node.data_dir / "master.key")
            node.start()
        self.root = first.root

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        first = self.nodes[0]
        return first.tessera(*args, "--data-dir", str(first.data_dir), check=check)

    def failure_logs(self) -> list[tuple[str, str]]:
        return [(f"node {n.workdir.name} log", n.log_tail(60)) for n in self.nodes]


@pytest.fixture
def cluster(tessera_bin, aws_cli, tmp_path, request) -> Cluster:
    """Three nodes on a database of the test's own."""
    database = Database()
    request.addfinalizer(database.drop)
    nodes = Cluster(tessera_bin, aws_cli, tmp_path, database.url)
    request.addfinalizer(nodes.stop)
    return nodes


def sts(node: TesseraServer, creds: Creds):
    return node.client(creds)


def readiness(node: TesseraServer) -> tuple[int, dict]:
    response = requests.get(f"{node.endpoint}/readyz", timeout=5)
    return response.status_code, response.json()


def make_user(node: TesseraServer, root: Creds, *statements: dict) -> tuple[str, str, Creds]:
    iam = iam_client(node, root)
    name = unique("user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=document(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, arn, Creds(key["AccessKeyId"], key["SecretAccessKey"])


def refused_with(code: str, call):
    """A check for `eventually`: `call` fails with `code`."""

    def check():
        try:
            call()
        except ClientError as error:
            assert error.response["Error"]["Code"] == code, error.response
            return
        raise AssertionError(f"expected {code}, the call succeeded")

    return check


# --------------------------------------------------------------------------
# One service from any node
# --------------------------------------------------------------------------


def test_every_node_is_ready_on_one_account(cluster):
    account = assert_root_identity(sts(cluster.nodes[0], cluster.root).get_caller_identity())
    for node in cluster.nodes:
        assert_root_identity(sts(node, cluster.root).get_caller_identity(), account=account)
        status, body = readiness(node)
        assert status == 200 and body["store"] == "ok", body
        # Only the first node bootstrapped: only it wrote root credentials.
        assert node.credentials_file.exists() == (node is cluster.nodes[0])


def test_a_user_made_on_one_node_has_a_key_that_signs_on_another(cluster):
    a, b, _ = cluster.nodes
    _, arn, creds = make_user(a, cluster.root)
    assert sts(b, creds).get_caller_identity()["Arn"] == arn


def test_credentials_from_assume_role_on_one_node_work_on_another(cluster):
    a, b, c = cluster.nodes
    account = sts(a, cluster.root).get_caller_identity()["Account"]
    _, _, user = make_user(a, cluster.root, allow("sts:AssumeRole"))
    role = unique("role")
    iam_client(a, cluster.root).create_role(
        RoleName=role,
        AssumeRolePolicyDocument=document(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}
        ),
    )
    iam_client(a, cluster.root).put_role_policy(
        RoleName=role, PolicyName="list", PolicyDocument=document(allow("iam:ListRoles"))
    )
    resp = sts(b, user).assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="on-b")
    session = Creds.from_sts(resp["Credentials"])
    assert sts(c, session).get_caller_identity()["Arn"] == resp["AssumedRoleUser"]["Arn"]
    assert "Roles" in iam_client(c, session).list_roles()


def test_a_policy_change_on_one_node_is_obeyed_on_another_within_a_second(cluster):
    a, b, _ = cluster.nodes
    name, _, user = make_user(a, cluster.root, allow("iam:ListUsers"))
    iam_on_b = iam_client(b, user)
    iam_on_b.list_users()  # b has read, and keeps, the user's policies
    iam_client(a, cluster.root).delete_user_policy(UserName=name, PolicyName="inline")
    changed = time.monotonic()
    eventually(refused_with("AccessDenied", iam_on_b.list_users), timeout=WITHIN)
    assert time.monotonic() - changed <= WITHIN + 0.2
    # And back: an allow is obeyed as quickly.
    iam_client(a, cluster.root).put_user_policy(
        UserName=name, PolicyName="again", PolicyDocument=document(allow("iam:ListUsers"))
    )
    eventually(lambda: iam_on_b.list_users(), timeout=WITHIN)


def test_a_key_deactivated_on_one_node_is_refused_on_another_within_a_second(cluster):
    a, _, c = cluster.nodes
    name, arn, user = make_user(a, cluster.root)
    assert sts(c, user).get_caller_identity()["Arn"] == arn
    iam_client(a, cluster.root).update_access_key(
        UserName=name, AccessKeyId=user.access_key_id, Status="Inactive"
    )
    eventually(refused_with("InvalidClientTokenId", sts(c, user).get_caller_identity), timeout=WITHIN)


def test_a_revocation_on_one_node_is_refused_on_another_within_a_second(cluster):
    a, _, c = cluster.nodes
    _, arn, user = make_user(a, cluster.root)
    session = Creds.from_sts(sts(a, user).get_session_token()["Credentials"])
    assert sts(a, session).get_caller_identity()["Arn"] == arn
    cluster.cli("sessions", "revoke", "--user", arn)
    eventually(refused_with("InvalidClientTokenId", sts(a, session).get_caller_identity), timeout=WITHIN)
    # The same through the API on node c.
    later_user = make_user(a, cluster.root)
    later = Creds.from_sts(sts(a, later_user[2]).get_session_token()["Credentials"])
    assert sts(a, later).get_caller_identity()["Arn"] == later_user[1]
    response = iam_form_post(c, cluster.root, {"Action": "RevokeSessions", "PrincipalArn": later_user[1]})
    assert response.status_code == 200, response.text
    eventually(refused_with("InvalidClientTokenId", sts(a, later).get_caller_identity), timeout=WITHIN)


def test_keys_rotate_reaches_every_node_within_a_second(cluster):
    before = {node.workdir.name: readiness(node)[1]["token_key_id"] for node in cluster.nodes}
    assert len(set(before.values())) == 1, before
    old = next(iter(before.values()))
    minted = {node.workdir.name: node.session_creds(cluster.root, DurationSeconds=900) for node in cluster.nodes}
    cluster.cli("keys", "rotate")
    rotated = time.monotonic()

    def all_rotated():
        for node in cluster.nodes:
            assert readiness(node)[1]["token_key_id"] == old + 1, node.workdir.name

    eventually(all_rotated, timeout=WITHIN, step=0.05)
    assert time.monotonic() - rotated <= WITHIN + 0.2
    for node in cluster.nodes:
        fresh = node.session_creds(cluster.root, DurationSeconds=900)
        assert token_key_id(fresh.session_token) == old + 1
        # Tokens minted under the older key, on any node, verify on every node.
        for creds in minted.values():
            assert_root_identity(sts(node, creds).get_caller_identity())
    listed = cluster.cli("keys", "list").stdout.splitlines()
    assert listed[1].split()[0] == str(old + 1) and "active" in listed[1], listed
    assert listed[2].split()[0] == str(old) and "verifying" in listed[2], listed


def test_conflicting_writes_across_nodes_get_one_success_each(cluster):
    names = [unique("same") for _ in range(5)]

    def create(node: TesseraServer, name: str) -> str:
        try:
            iam_client(node, cluster.root).create_user(UserName=name)
            return "created"
        except ClientError as error:
            return error.response["Error"]["Code"]

    attempts = [(node, name) for name in names for node in cluster.nodes for _ in range(2)]
    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        outcomes = list(pool.map(lambda a: (a[1], create(*a)), attempts))
    for name in names:
        mine = sorted(outcome for n, outcome in outcomes if n == name)
        assert mine == ["EntityAlreadyExists"] * 5 + ["created"], (name, mine)
    # Nothing half-written: each user once, with no key, on every node.
    for node in cluster.nodes:
        iam = iam_client(node, cluster.root)
        for name in names:
            assert iam.get_user(UserName=name)["User"]["UserName"] == name
            assert iam.list_access_keys(UserName=name)["AccessKeyMetadata"] == []


def test_a_node_killed_under_write_load_loses_no_acknowledged_write(cluster):
    a, b, c = cluster.nodes
    prefix = unique("load")
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(node: TesseraServer, worker: int) -> None:
        iam = iam_client(node, cluster.root)
        n = 0
        while not stop.is_set():
            name = f"{prefix}-{node.workdir.name}-{worker}-{n}"
            n += 1
            try:
                iam.create_user(UserName=name)
            except Exception:  # noqa: BLE001 - a write to the killed node may fail
                continue
            with lock:
                acknowledged.append(name)

    threads = [threading.Thread(target=writer, args=(node, w)) for node in (a, b) for w in range(3)]

    def writes_at_least(count: int) -> None:
        with lock:
            assert len(acknowledged) >= count, f"{len(acknowledged)} writes acknowledged"

    for thread in threads:
        thread.start()
    # Under way on both nodes before the kill, and still after it.
    eventually(lambda: writes_at_least(20), timeout=30)
    b.proc.send_signal(signal.SIGKILL)
    b.proc.wait(timeout=10)
    b.stop()
    with lock:
        killed = len(acknowledged)
    eventually(lambda: writes_at_least(killed + 20), timeout=30)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert killed > 0 and len(acknowledged) > killed, "writes went on after the kill"
    # The nodes left kept serving, and every acknowledged write is there.
    users = set()
    for page in iam_client(c, cluster.root).get_paginator("list_users").paginate():
        users.update(u["UserName"] for u in page["Users"])
    missing = [name for name in acknowledged if name not in users]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged writes lost: {missing[:5]}"
    # The killed node comes back on the same store.
    b.start()
    assert_root_identity(sts(b, cluster.root).get_caller_identity())


# --------------------------------------------------------------------------
# Bootstrapping together
# --------------------------------------------------------------------------


def _serve(binary: str, data_dir: Path, store: str, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TESSERA_", "AWS_"))}
    return subprocess.Popen(
        [binary, "serve", "--data-dir", str(data_dir), "--store", store, "--listen", f"127.0.0.1:{port}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _healthy(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("same_master_key", [True, False], ids=["one-master-key", "two-master-keys"])
def test_two_nodes_bootstrapping_one_empty_store_make_one_account(tessera_bin, tmp_path, same_master_key):
    db = Database()
    procs = []
    try:
        dirs = [tmp_path / "x", tmp_path / "y"]
        for d in dirs:
            d.mkdir(mode=0o700)
        if same_master_key:
            key = base64.b64encode(os.urandom(32)).decode() + "\n"
            for d in dirs:
                (d / "master.key").write_text(key)
                os.chmod(d / "master.key", 0o600)
        ports = [free_port()]
        while len(ports) < 2:
            port = free_port()
            if port not in ports:
                ports.append(port)
        procs = [_serve(tessera_bin, d, db.url, p) for d, p in zip(dirs, ports)]
        healthy = [_healthy(p, proc) for p, proc in zip(ports, procs)]
        assert db.query("SELECT count(*) FROM accounts") == "1"
        assert db.query("SELECT count(*) FROM key_ring") == "1"
        credentials = [(d / "root-credentials").exists() for d in dirs]
        assert sorted(credentials) == [False, True], "exactly one node bootstraps the account"
        if same_master_key:
            if healthy != [True, True]:
                for proc in procs:
                    if proc.poll() is None:
                        proc.terminate()
                pytest.fail("a node did not start: " + " | ".join(p.stderr.read()[-2000:] for p in procs))
        else:
            # The node whose master key lost the race refuses, and says why
            # as its last line; the master key it made is gone again.
            assert sorted(healthy) == [False, True]
            loser = healthy.index(False)
            assert procs[loser].wait(timeout=10) != 0
            last = procs[loser].stderr.read().strip().splitlines()[-1]
            assert MISMATCH in last, last
            assert not (dirs[loser] / "master.key").exists()
            assert credentials[loser] is False
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
        db.drop()


# --------------------------------------------------------------------------
# PostgreSQL going away, and coming back
# --------------------------------------------------------------------------


def test_an_outage_of_postgresql_is_service_unavailable_and_heals(tessera_bin, aws_cli, tmp_path, request):
    cluster_pg = Throwaway()
    request.addfinalizer(cluster_pg.remove)
    db = Database(cluster_pg.url)
    nodes = Cluster(tessera_bin, aws_cli, tmp_path, db.url, count=2)
    request.addfinalizer(nodes.stop)
    a, b = nodes.nodes
    session = a.session_creds(nodes.root, DurationSeconds=900)
    assert_root_identity(sts(b, session).get_caller_identity())
    standing_read = time.monotonic()

    cluster_pg.halt()
    # A request that needs the store: ServiceUnavailable, in AWS's shape,
    # within 2 seconds; never a hang. (One request, timed at the wire: an
    # SDK may retry a 503.)
    started = time.monotonic()
    response = iam_form_post(a, nodes.root, {"Action": "CreateUser", "UserName": unique("during")})
    took = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert "<Code>ServiceUnavailable</Code>" in response.text and "<Type>Receiver</Type>" in response.text, response.text
    assert response.headers.get("x-amzn-RequestId"), response.headers
    assert took < 2.0, f"answered after {took:.2f}s"
    iam = iam_client(a, nodes.root)
    with pytest.raises(ClientError) as raised:
        iam.list_users()
    assert raised.value.response["Error"]["Code"] == "ServiceUnavailable"
    for node in nodes.nodes:
        ready = requests.get(f"{node.endpoint}/readyz", timeout=5)
        assert ready.status_code == 503, ready.text
        assert requests.get(f"{node.endpoint}/healthz", timeout=5).status_code == 200
    # A temporary credential whose standing the node keeps verifies with no
    # store read, for the cache's lifetime (10 s); then it fails closed.
    assert_root_identity(sts(b, session).get_caller_identity())
    time.sleep(max(0.0, standing_read + CACHE_LIFETIME + 0.5 - time.monotonic()))
    with pytest.raises(ClientError) as raised:
        sts(b, session).get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "ServiceUnavailable", raised.value.response

    cluster_pg.resume()

    def healed():
        for node in nodes.nodes:
            assert requests.get(f"{node.endpoint}/readyz", timeout=5).status_code == 200

    eventually(healed, timeout=15.0, step=0.2)
    name = unique("after")
    iam.create_user(UserName=name)
    assert iam_client(b, nodes.root).get_user(UserName=name)["User"]["UserName"] == name
