"""The load harness behind scripts/bench: starts a release Tessera on a
fresh data directory, creates what each row needs through the IAM API,
replays one signed request per row with wrk (a signed request may be
replayed within the 15-minute skew window), runs moto_server beside it for
the ratio, and prints one Markdown table: req/s, p50 and p99 latency,
non-2xx answers and the server's RSS.

Usage (scripts/bench sets the paths): bench.py --tessera BIN --wrk WRK
[--moto MOTO] [--scales 10,10000,100000] [--postgres URL] [--seconds 8]
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import boto3
import requests
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REGION = "us-east-1"
CONNECTIONS = 32
THREADS = 2
WARM_UP_SECONDS = 2
# The 1-minute load average after each row's runs.
LOAD_DURING: list = []
BUCKET = "bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not become ready")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --------------------------------------------------------------------------
# Signed requests, as wrk replays them
# --------------------------------------------------------------------------


@dataclass
class Replay:
    """One HTTP request wrk sends again and again."""

    method: str
    path: str
    headers: dict
    body: str = ""

    def lua(self) -> str:
        def text(value: str) -> str:
            return "[==[" + value + "]==]"

        lines = [f"wrk.method = {text(self.method)}", f"wrk.path = {text(self.path)}", f"wrk.body = {text(self.body)}"]
        lines += [f"wrk.headers[ {text(k)} ] = {text(v)}" for k, v in self.headers.items()]
        return "\n".join(lines) + "\n"


def signed_query(endpoint: str, creds: Credentials, service: str, params: dict) -> Replay:
    body = urllib.parse.urlencode(params)
    request = AWSRequest(
        method="POST", url=endpoint + "/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(creds, service, REGION).add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = urllib.parse.urlsplit(endpoint).netloc
    return Replay("POST", "/", headers, body)


def forwarded_get_object(secret: str, creds: Credentials) -> Replay:
    """The /forward call nginx's auth_request makes for an S3 GetObject."""
    host = "s3.bench.test"
    request = AWSRequest(method="GET", url=f"http://{host}/{BUCKET}/reports/q1.csv", headers={"Host": host})
    S3SigV4Auth(creds, "s3", REGION).add_auth(request)
    headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
    headers.update({
        "Host": "authz",
        "X-Forwarded-Method": "GET",
        "X-Forwarded-Host": host,
        "X-Forwarded-Uri": f"/{BUCKET}/reports/q1.csv",
        "X-Forwarded-Proto": "http",
        "X-Forwarded-For": "127.0.0.1",
        "X-Tessera-Service": "s3",
        "X-Tessera-Authz-Secret": secret,
    })
    return Replay("GET", "/forward", headers)


@dataclass
class Result:
    rate: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    # The rates of every run, when the result is the median of several.
    runs: tuple = ()


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def measure(args, url: str, replay: Replay, workdir: Path) -> Result:
    """A warm-up run (unmeasured: connections, caches and the CPU's clock
    settle), then `args.repeat` runs; the run of median rate, with every
    run's rate and the errors of all of them."""
    run_wrk(args.wrk, url, replay, WARM_UP_SECONDS, workdir)
    return median_of([run_wrk(args.wrk, url, replay, args.seconds, workdir) for _ in range(args.repeat)])


def median_of(runs: list) -> Result:
    """The run of median rate, with every run's rate and the errors of all."""
    LOAD_DURING.append(os.getloadavg()[0])
    runs = sorted(runs, key=lambda r: r.rate)
    median = runs[len(runs) // 2]
    return Result(median.rate, median.p50_ms, median.p99_ms, sum(r.non_2xx for r in runs),
                  sum(r.errors for r in runs), tuple(r.rate for r in runs))


def run_wrk(wrk: str, url: str, replay: Replay, seconds: int, workdir: Path) -> Result:
    script = workdir / f"replay-{uuid.uuid4().hex[:8]}.lua"
    script.write_text(replay.lua())
    out = subprocess.run(
        [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\n\s+50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\n\s+99%\s+(\S+)", out).group(1))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
    errors = 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors = sum(int(g) for g in m.groups())
    return Result(rate, p50, p99, non_2xx, errors)


# --------------------------------------------------------------------------
# The servers
# --------------------------------------------------------------------------


@dataclass
class Tessera:
    binary: str
    workdir: Path
    store: Optional[str] = None
    extra: list = field(default_factory=list)
    proc: Optional[subprocess.Popen] = None
    port: int = 0
    authz_port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TESSERA_", "AWS_"))}
        if self.store:
            env["TESSERA_STORE"] = self.store
        return env

    def init(self) -> str:
        data = self.workdir / "data"
        out = subprocess.run(
            [self.binary, "init", "--data-dir", str(data)], capture_output=True, text=True, env=self.env(), check=True,
        ).stdout
        return re.search(r"account (\d{12})", out).group(1)

    def start(self, config: Optional[Path] = None) -> None:
        self.port, self.authz_port = free_port(), free_port()
        args = [
            self.binary, "serve", "--data-dir", str(self.workdir / "data"),
            "--listen", f"127.0.0.1:{self.port}", "--authz-listen", f"127.0.0.1:{self.authz_port}", *self.extra,
        ]
        if config:
            args += ["--config", str(config)]
        log = open(self.workdir / "server.log", "ab")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self.env())
        wait_ready(f"{self.endpoint}/readyz", self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def root(self) -> Credentials:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self.workdir / "data" / "root-credentials")
        section = parser[parser.sections()[0]]
        return Credentials(section["aws_access_key_id"], section["aws_secret_access_key"])

    def client(self, service: str, creds: Credentials):
        return boto3.session.Session(
            aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret_key,
            aws_session_token=creds.token, region_name=REGION,
        ).client(service, endpoint_url=self.endpoint, config=Config(retries={"max_attempts": 3, "mode": "standard"}))


def populate(server: Tessera, account: str, roles: int, users: int) -> tuple[Credentials, str]:
    """A user `bench` with a key, allowed to assume the bench roles and to
    read the bench bucket; `roles` roles and `users` users in all. Returns
    the user's key and the ARN of the role the rows assume."""
    iam = server.client("iam", server.root())
    iam.create_user(UserName="bench")
    iam.put_user_policy(UserName="bench", PolicyName="bench", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{account}:role/bench-*"}],
    }))
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    trust = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/bench"}, "Action": "sts:AssumeRole"}],
    })
    reader = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}],
    })

    def make_role(i: int) -> None:
        name = f"bench-{i:06d}"
        client = clients[i % len(clients)]
        client.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        client.put_role_policy(RoleName=name, PolicyName="reader", PolicyDocument=reader)

    def make_user(i: int) -> None:
        clients[i % len(clients)].create_user(UserName=f"user-{i:06d}")

    clients = [server.client("iam", server.root()) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(make_role, range(roles)))
        list(pool.map(make_user, range(max(users - 1, 0))))
    creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    # A policy change reaches the caches within a second.
    time.sleep(1.5)
    return creds, f"arn:aws:iam::{account}:role/bench-{roles - 1:06d}"


def authz_config(workdir: Path, account: str) -> Path:
    path = workdir / "tessera.toml"
    path.write_text(
        "[[authz.services]]\n"
        'name = "s3"\nkind = "s3"\nhosts = ["s3.bench.test"]\n'
        f'owner-account = "{account}"\n'
    )
    return path


def prepare(args, roles: int, users: int, extra: list, store: Optional[str], workdir: Path) -> tuple:
    """Starts a fresh Tessera in `workdir` holding `roles` roles and `users`
    users; returns it and {row: (url, signed request)}."""
    server = Tessera(args.tessera, workdir, store=store, extra=extra)
    account = server.init()
    server.start(authz_config(workdir, account))
    user, role_arn = populate(server, account, roles, users)
    sts = server.client("sts", user)
    session = sts.assume_role(RoleArn=role_arn, RoleSessionName="bench", DurationSeconds=3600)["Credentials"]
    temp = Credentials(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
    secret = (workdir / "data" / "authz-secret").read_text().strip()
    replays = {
        "AssumeRole": (server.endpoint, signed_query(server.endpoint, user, "sts", {
            "Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": role_arn, "RoleSessionName": "bench"})),
        "GetCallerIdentity (long-term key)": (server.endpoint, signed_query(server.endpoint, user, "sts", {
            "Action": "GetCallerIdentity", "Version": "2011-06-15"})),
        "GetCallerIdentity (temporary credentials)": (server.endpoint, signed_query(server.endpoint, temp, "sts", {
            "Action": "GetCallerIdentity", "Version": "2011-06-15"})),
        "Authorizer /forward, S3 GetObject": (f"http://127.0.0.1:{server.authz_port}",
                                              forwarded_get_object(secret, temp)),
    }
    return server, replays


def tessera_rows(args, label: str, roles: int, users: int, extra: list, store: Optional[str], rows: list[str]) -> dict:
    """Runs `rows` against a fresh Tessera holding `roles` roles and `users`
    users; returns {row: Result} and the RSS."""
    workdir = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
    server = None
    results = {}
    try:
        server, replays = prepare(args, roles, users, extra, store, workdir)
        for row in rows:
            url, replay = replays[row]
            results[row] = measure(args, url, replay, workdir)
            print(f"  {label}: {row}: {results[row].rate:,.0f} req/s", file=sys.stderr)
        results["rss"] = rss_kib(server.proc.pid)
    finally:
        if server:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def paired_rows(args, label: str, n: int, extra: list, rows: list[str]) -> tuple[dict, dict]:
    """Runs `rows` on two fresh servers at once, one as the other rows run
    it and one with `extra`, their runs alternating (a warm-up of each,
    then `args.repeat` runs of each in turn), so that both meet the same
    moments of a noisy machine; returns both {row: Result}."""
    workdirs = [Path(tempfile.mkdtemp(prefix="tessera-bench-")) for _ in range(2)]
    sides = []
    try:
        for workdir, options in zip(workdirs, ([], extra)):
            sides.append(prepare(args, n, n, options, None, workdir))
        results = ({}, {})
        for row in rows:
            runs = ([], [])
            for (_, replays), workdir in zip(sides, workdirs):
                run_wrk(args.wrk, *replays[row], WARM_UP_SECONDS, workdir)
            for _ in range(args.repeat):
                for side, ((_, replays), workdir) in enumerate(zip(sides, workdirs)):
                    runs[side].append(run_wrk(args.wrk, *replays[row], args.seconds, workdir))
            for side in (0, 1):
                results[side][row] = median_of(runs[side])
            print(f"  {label}: {row}: {results[0][row].rate:,.0f} req/s without, "
                  f"{results[1][row].rate:,.0f} with", file=sys.stderr)
    finally:
        for server, _ in sides:
            server.stop()
        for workdir in workdirs:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def instructions_per_request(args, label: str = "", extra: tuple = (), count: int = 200) -> dict:
    """Instructions per request under callgrind: the server runs under
    `valgrind --tool=callgrind` (with `extra` arguments) and instrumentation
    off until the rows' requests are ready; then, per row, the counters are
    zeroed, `count` requests are sent one after another on one connection,
    and the dump's total is divided by `count`."""
    workdir = Path(tempfile.mkdtemp(prefix="tessera-callgrind-"))
    server = Tessera(args.tessera, workdir)
    results = {}
    try:
        account = server.init()
        server.port, server.authz_port = free_port(), free_port()
        argv = [
            args.valgrind, "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={workdir}/callgrind.out.%p",
            args.tessera, "serve", "--data-dir", str(workdir / "data"), "--listen", f"127.0.0.1:{server.port}",
            "--authz-listen", f"127.0.0.1:{server.authz_port}", "--config", str(authz_config(workdir, account)),
            *[str(a).replace("{workdir}", str(workdir)).replace("{port}", str(free_port())) for a in extra],
        ]
        log = open(workdir / "server.log", "ab")
        server.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=server.env())
        wait_ready(f"{server.endpoint}/readyz", server.proc, timeout=300)
        user, role_arn = populate(server, account, 10, 10)
        session = server.client("sts", user).assume_role(RoleArn=role_arn, RoleSessionName="bench")["Credentials"]
        temp = Credentials(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])
        replays = {
            f"AssumeRole{label}": signed_query(server.endpoint, user, "sts", {
                "Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": role_arn, "RoleSessionName": "bench"}),
            f"GetCallerIdentity (temporary credentials){label}": signed_query(server.endpoint, temp, "sts", {
                "Action": "GetCallerIdentity", "Version": "2011-06-15"}),
        }
        control = shutil.which("callgrind_control") or "callgrind_control"
        pid = str(server.proc.pid)
        subprocess.run([control, "-i", "on", pid], check=True, capture_output=True)
        http = requests.Session()
        for row, replay in replays.items():
            # Warm: the first requests fill the caches.
            for _ in range(20):
                http.post(server.endpoint + "/", data=replay.body, headers=replay.headers, timeout=60)
            subprocess.run([control, "-z", pid], check=True, capture_output=True)
            for _ in range(count):
                answer = http.post(server.endpoint + "/", data=replay.body, headers=replay.headers, timeout=60)
                assert answer.status_code == 200, answer.text
            before = set(workdir.glob("callgrind.out.*"))
            subprocess.run([control, "-d", pid], check=True, capture_output=True)
            dumps = sorted(set(workdir.glob("callgrind.out.*")) - before, key=lambda p: p.stat().st_mtime)
            total = 0
            for dump in dumps:
                for line in dump.read_text(errors="replace").splitlines():
                    if line.startswith(("summary:", "totals:")):
                        total = max(total, int(line.split()[1]))
            results[row] = total / count
            print(f"  callgrind: {row}: {results[row]:,.0f} instructions per request", file=sys.stderr)
            if args.callgrind_dir:
                keep = Path(args.callgrind_dir)
                keep.mkdir(parents=True, exist_ok=True)
                slug = "".join(c if c.isalnum() else "-" for c in row).strip("-").lower()
                for n, dump in enumerate(dumps):
                    shutil.copy(dump, keep / f"callgrind.{slug}.{n}")
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def moto_rows(args) -> dict:
    if not args.moto:
        return {}
    workdir = Path(tempfile.mkdtemp(prefix="moto-bench-"))
    port = free_port()
    proc = subprocess.Popen([args.moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    results = {}
    try:
        wait_ready(f"{endpoint}/moto-api/", proc)
        creds = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        for row, params in [
            ("AssumeRole", {"Action": "AssumeRole", "Version": "2011-06-15",
                            "RoleArn": "arn:aws:iam::123456789012:role/bench", "RoleSessionName": "bench"}),
            ("GetCallerIdentity (long-term key)", {"Action": "GetCallerIdentity", "Version": "2011-06-15"}),
        ]:
            results[row] = measure(args, endpoint, signed_query(endpoint, creds, "sts", params), workdir)
            print(f"  moto_server: {row}: {results[row].rate:,.0f} req/s", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    return results


ROWS = [
    "AssumeRole",
    "GetCallerIdentity (long-term key)",
    "GetCallerIdentity (temporary credentials)",
    "Authorizer /forward, S3 GetObject",
]


def cell(result: Optional[Result]) -> str:
    if result is None:
        return "-"
    spread = f" (runs {min(result.runs):,.0f}–{max(result.runs):,.0f})" if len(result.runs) > 1 else ""
    return (f"{result.rate:,.0f} req/s{spread}, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
            f"non-2xx {result.non_2xx}, socket errors {result.errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tessera", required=True)
    parser.add_argument("--wrk", required=True)
    parser.add_argument("--moto")
    parser.add_argument("--postgres", help="also run the rows on this PostgreSQL server (a database is made and dropped)")
    parser.add_argument("--scales", default="10,10000,100000")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the median is reported")
    parser.add_argument("--valgrind", help="also count instructions per request under this valgrind")
    parser.add_argument("--only-callgrind", action="store_true", help="count instructions, run no load")
    parser.add_argument("--callgrind-dir", help="keep the callgrind dumps here, for callgrind_annotate")
    args = parser.parse_args()
    if args.valgrind:
        counts = instructions_per_request(args)
        counts |= instructions_per_request(
            args, ", audit trail and metrics on",
            ("--audit-log", "{workdir}/audit.log", "--metrics-listen", "127.0.0.1:{port}"),
        )
        print("| row | instructions per request (callgrind) |\n| --- | --- |")
        for row, count in counts.items():
            print(f"| {row} | {count:,.0f} |")
        print()
        if args.only_callgrind:
            return
    scales = [int(n) for n in args.scales.split(",")]
    load_before = os.getloadavg()
    table: list[tuple[str, str, str]] = []

    base = tessera_rows(args, "sqlite", scales[0], scales[0], [], None, ROWS)
    moto = moto_rows(args)
    for row in ROWS:
        table.append((row, "SQLite, 10 roles and users", cell(base.get(row))))
    for row in ("AssumeRole", "GetCallerIdentity (long-term key)"):
        if row in moto:
            ratio = base[row].rate / moto[row].rate
            table.append((row, "moto_server", f"{cell(moto[row])} (Tessera {ratio:,.0f}x)"))
    table.append(("RSS", "SQLite, 10 roles and users", f"{base['rss'] / 1024:.1f} MiB"))
    for n in scales[1:]:
        roles = tessera_rows(args, f"{n} roles", n, 10, [], None, ["AssumeRole"])
        table.append(("AssumeRole", f"SQLite, {n:,} roles", cell(roles["AssumeRole"])))
        table.append(("RSS", f"SQLite, {n:,} roles", f"{roles['rss'] / 1024:.1f} MiB"))
        users = tessera_rows(args, f"{n} users", 10, n, [], None, ["GetCallerIdentity (long-term key)"])
        table.append(("GetCallerIdentity (long-term key)", f"SQLite, {n:,} users",
                      cell(users["GetCallerIdentity (long-term key)"])))
    with tempfile.TemporaryDirectory() as scratch:
        plain, observed = paired_rows(
            args, "audit+metrics", scales[0],
            ["--audit-log", f"{scratch}/audit.log", "--metrics-listen", f"127.0.0.1:{free_port()}"], ROWS,
        )
    for row in ROWS:
        change = (observed[row].rate / plain[row].rate - 1) * 100
        table.append((row, "SQLite, audit trail and metrics on",
                      f"{cell(observed[row])} ({change:+.0f} % against {plain[row].rate:,.0f} req/s without, "
                      f"runs alternating)"))
    if args.postgres:
        database = f"tessera_bench_{uuid.uuid4().hex[:8]}"
        admin = args.postgres
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True)
        try:
            url = admin.rsplit("/", 1)[0] + "/" + database
            pg = tessera_rows(args, "postgres", scales[0], scales[0], [], url, ROWS)
            for row in ROWS:
                table.append((row, "PostgreSQL, 10 roles and users", cell(pg[row])))
        finally:
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE {database} WITH (FORCE)"], check=False)
    load_after = os.getloadavg()
    during = f"{min(LOAD_DURING):.2f}–{max(LOAD_DURING):.2f}" if LOAD_DURING else "-"
    print(f"wrk -t{THREADS} -c{CONNECTIONS} -d{args.seconds}s, {args.repeat} runs per row after a "
          f"{WARM_UP_SECONDS} s warm-up; load average (1 min) before {load_before[0]:.2f}, during {during}, "
          f"after {load_after[0]:.2f}; {os.cpu_count()} CPUs\n")
    print("| row | setup | result |\n| --- | --- | --- |")
    for row, setup, result in table:
        print(f"| {row} | {setup} | {result} |")


if __name__ == "__main__":
    main()
