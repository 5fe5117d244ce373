"""Prometheus metrics on a listener of their own, parsed with
prometheus-client's text parser."""

from __future__ import annotations


import pytest
import requests
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

from compat_helpers import Creds
from harness import TesseraServer, free_port, iam_client



@pytest.fixture
def measured(tessera_bin, aws_cli, tmp_path, request) -> TesseraServer:
    metrics, authz = free_port(), free_port()
    server = TesseraServer(
        tessera_bin,
        aws_cli,
        tmp_path,
        ["--metrics-listen", f"127.0.0.1:{metrics}", "--authz-listen", f"127.0.0.1:{authz}"],
    )
    request.addfinalizer(server.stop)
    server.start()
    server.metrics_url = f"http://127.0.0.1:{metrics}/metrics"
    server.authz_url = f"http://127.0.0.1:{authz}"
    return server


def scrape(server: TesseraServer) -> dict[str, list]:
    response = requests.get(server.metrics_url, timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    families = {}
    for family in text_string_to_metric_families(response.text):
        families[family.name] = family.samples
    return families


def value(samples, name: str, **labels) -> float:
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found)


def test_the_documented_metrics_are_served(measured):
    server = measured
    server.client().get_caller_identity()
    server.client().get_caller_identity()
    server.session_creds()
    iam = iam_client(server)
    with pytest.raises(ClientError):
        iam.get_user(UserName="nobody-here")
    with pytest.raises(ClientError):
        server.client(Creds(server.root.access_key_id, "x" * 40)).get_caller_identity()
    secret = (server.data_dir / "authz-secret").read_text().strip()
    refused = requests.get(f"{server.authz_url}/forward", headers={"X-Tessera-Authz-Secret": secret}, timeout=5)
    assert refused.status_code == 403

    families = scrape(server)
    requests_total = families["tessera_requests"]
    assert value(requests_total, "tessera_requests_total", action="GetCallerIdentity", code="OK") == 2
    assert value(requests_total, "tessera_requests_total", action="GetUser", code="NoSuchEntity") == 1
    assert value(requests_total, "tessera_requests_total", action="GetCallerIdentity", code="SignatureDoesNotMatch") == 1
    latency = families["tessera_request_duration_seconds"]
    assert value(latency, "tessera_request_duration_seconds_count", action="GetCallerIdentity") == 3
    assert any(s.name == "tessera_request_duration_seconds_bucket" and s.labels.get("le") == "+Inf" for s in latency)
    assert value(families["tessera_tokens_issued"], "tessera_tokens_issued_total", kind="GetSessionToken") == 1
    assert value(families["tessera_authz_decisions"], "tessera_authz_decisions_total", decision="Refused") == 1
    assert value(families["tessera_build_info"], "tessera_build_info") == 1
    ages = families["tessera_key_ring_key_age_seconds"]
    assert [s.labels["state"] for s in ages] == ["active"] and ages[0].value >= 0
    cache = families["tessera_cache_requests"]
    assert value(cache, "tessera_cache_requests_total", result="hit") >= 1
    assert value(cache, "tessera_cache_requests_total", result="miss") >= 1
    assert value(families["tessera_store_query_duration_seconds"], "tessera_store_query_duration_seconds_count", kind="read") >= 1

    # The API's own listener serves no metrics, and /metrics is never limited.
    assert requests.get(f"{server.endpoint}/metrics", timeout=5).status_code != 200
