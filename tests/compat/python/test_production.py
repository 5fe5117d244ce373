"""The README's production setup, tried as an operator would: the systemd
unit of examples/systemd checked by systemd's own tools, and its command
line run over its configuration file (paths moved into a scratch
directory), serving HTTPS, the audit trail and metrics; reloaded as
`systemctl reload` does, and stopped as `systemctl stop` does."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from compat_helpers import assert_root_identity, read_profiles
from harness import AUDIT_LOGS, free_port, venv_bin_dir
from test_tls import issue, make_ca

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "systemd"
UNIT = EXAMPLES / "tessera.service"
CONFIG = EXAMPLES / "tessera.toml"


def _unit() -> dict[str, list[str]]:
    """The unit's settings, by key (a key may repeat)."""
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings



def test_the_unit_is_valid_and_hardened(tmp_path):
    settings = _unit()
    for key, value in [
        ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
        ("ProtectHome", "yes"), ("StateDirectory", "tessera"), ("LogsDirectory", "tessera"),
    ]:
        assert settings.get(key) == [value], (key, settings.get(key))
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # systemd's own checks, with the binary where the unit expects it.
    binary = os.environ["TESSERA_BIN"]
    unit = tmp_path / "tessera.service"
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/tessera", binary))
    verify = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stderr
    security = subprocess.run(
        [analyze, "security", "--offline=true", "--threshold=20", str(unit)],
        capture_output=True, text=True, timeout=60,
    )
    assert security.returncode == 0, security.stdout + security.stderr
    assert "Overall exposure level for tessera.service: 1." in security.stdout, security.stdout


def _scratch_config(root: Path, port: int, metrics: int) -> Path:
    """The example configuration with its directories moved under `root`."""
    text = CONFIG.read_text()
    for path, moved in [("/var/lib/tessera", "state"), ("/var/log/tessera", "logs"), ("/etc/tessera", "etc")]:
        text = text.replace(path, str(root / moved))
    text = text.replace('"0.0.0.0:9440"', f'"127.0.0.1:{port}"').replace('"127.0.0.1:9441"', f'"127.0.0.1:{metrics}"')
    config = root / "etc" / "tessera.toml"
    config.write_text(text)
    return config


def test_the_unit_serves_tls_the_audit_trail_and_metrics(tmp_path, aws_cli):
    settings = _unit()
    command = shlex.split(settings["ExecStart"][0])
    assert command[:2] == ["/usr/local/bin/tessera", "serve"], command
    # What systemd makes before the start: the state and log directories
    # (mode 0700), and the operator the configuration directory.
    for name in ("state", "logs", "etc/tls"):
        (tmp_path / name).mkdir(parents=True, mode=0o700)
    ca_key, ca_cert, ca = make_ca(tmp_path, "production")
    issue(ca_key, ca_cert, tmp_path / "etc/tls/cert.pem", tmp_path / "etc/tls/key.pem")
    port, metrics = free_port(), free_port()
    config = _scratch_config(tmp_path, port, metrics)
    command = [os.environ["TESSERA_BIN"], *command[1:]]
    command[command.index("/etc/tessera/tessera.toml")] = str(config)
    env = {"PATH": os.defpath, "NO_COLOR": "1"}
    log = open(tmp_path / "journal.log", "wb")
    audit = tmp_path / "logs" / "audit.log"
    AUDIT_LOGS.append(audit)
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
        cwd=tmp_path / "state", preexec_fn=lambda: os.umask(0o077),
    )
    try:
        endpoint = f"https://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{endpoint}/readyz", verify=str(ca), timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "journal.log").read_text()
            time.sleep(0.1)
        root = read_profiles(tmp_path / "state" / "root-credentials")["tessera-root"]
        cli_env = {
            "PATH": os.pathsep.join([venv_bin_dir(), os.defpath]),
            "HOME": str(tmp_path), "AWS_CA_BUNDLE": str(ca), "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": root.access_key_id, "AWS_SECRET_ACCESS_KEY": root.secret_access_key,
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }

        def aws(*args: str) -> dict:
            result = subprocess.run(
                [aws_cli, "--output", "json", "--endpoint-url", endpoint, *args],
                capture_output=True, text=True, env=cli_env, timeout=60,
            )
            assert result.returncode == 0, result.stderr
            return json.loads(result.stdout)

        assert_root_identity(aws("sts", "get-caller-identity"))
        # `systemctl reload`: the unit's ExecReload sends SIGHUP; it goes on serving.
        assert _unit()["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
        proc.send_signal(signal.SIGHUP)
        aws("iam", "create-user", "--user-name", "operator")
        records = [json.loads(line) for line in audit.read_text().splitlines()]
        assert {r["eventName"] for r in records} >= {"GetCallerIdentity", "CreateUser"}, records
        assert (audit.stat().st_mode & 0o777) == 0o600
        scraped = requests.get(f"http://127.0.0.1:{metrics}/metrics", timeout=5).text
        names = {family.name for family in text_string_to_metric_families(scraped)}
        assert {"tessera_requests", "tessera_build_info"} <= names, names
        # Plain HTTP is refused on the TLS listener.
        with pytest.raises(requests.RequestException):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).raise_for_status()
    finally:
        # `systemctl stop`: KillSignal=SIGTERM, then TimeoutStopSec.
        assert _unit()["KillSignal"] == ["SIGTERM"]
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=int(_unit()["TimeoutStopSec"][0]))
        log.close()
    assert code == 0, (tmp_path / "journal.log").read_text()
    journal = (tmp_path / "journal.log").read_text().splitlines()
    assert journal and all(json.loads(line) for line in journal), journal[:3]
    # Nothing the node wrote is readable by others.
    for path in (tmp_path / "state").rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path
