"""Small assertion helpers shared by the compatibility tests."""

from __future__ import annotations

import configparser
import dataclasses
import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import botocore.auth
import requests
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ACCOUNT_RE = re.compile(r"^\d{12}$")
ROOT_ARN_RE = re.compile(r"^arn:aws:iam::(\d{12}):root$")
AKIA_RE = re.compile(r"^AKIA[A-Z2-7]{16}$")
ASIA_RE = re.compile(r"^ASIA[A-Z2-7]{16}$")
ISO8601_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
STS_VERSION = "2011-06-15"


@dataclass(frozen=True)
class Creds:
    access_key_id: str
    secret_access_key: str
    session_token: Optional[str] = None

    @classmethod
    def from_sts(cls, credentials: dict) -> "Creds":
        return cls(
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials["SessionToken"],
        )

    def replace(self, **changes) -> "Creds":
        return dataclasses.replace(self, **changes)


def read_profiles(path: Path) -> dict[str, Creds]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return {
        name: Creds(
            parser[name]["aws_access_key_id"], parser[name]["aws_secret_access_key"]
        )
        for name in parser.sections()
    }


def assert_root_identity(identity: dict, account: str | None = None) -> str:
    """Checks a GetCallerIdentity result for an account's root user; returns the account."""
    arn = identity.get("Arn", "")
    match = ROOT_ARN_RE.match(arn)
    assert match, f"expected a root ARN arn:aws:iam::<12 digits>:root, got {identity!r}"
    assert ACCOUNT_RE.match(identity.get("Account", "")), f"Account is not 12 digits: {identity!r}"
    assert match.group(1) == identity["Account"], f"ARN and Account disagree: {identity!r}"
    assert identity.get("UserId") == identity["Account"], (
        f"a root user's UserId is its account id (as AWS): {identity!r}"
    )
    if account is not None:
        assert identity["Account"] == account, (
            f"expected account {account}, got {identity['Account']}"
        )
    return identity["Account"]


def assert_client_error(excinfo, code: str, status: int) -> dict:
    """Checks a botocore ClientError's code and HTTP status; returns the error response."""
    err = excinfo.value
    assert isinstance(err, ClientError), f"expected ClientError, got {err!r}"
    response = err.response
    got_code = response.get("Error", {}).get("Code")
    got_status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    assert (got_code, got_status) == (code, status), (
        f"expected {code} ({status}), got {got_code} ({got_status}): {response!r}"
    )
    assert response["ResponseMetadata"].get("RequestId"), f"no RequestId in {response!r}"
    return response


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xml_find(root: ET.Element, *path: str) -> ET.Element | None:
    """Finds a descendant by local names, ignoring XML namespaces."""
    node = root
    for name in path:
        node = next((child for child in node if local(child.tag) == name), None)
        if node is None:
            return None
    return node


def xml_text(root: ET.Element, *path: str) -> str | None:
    node = xml_find(root, *path)
    return None if node is None else (node.text or "")


def request_id_header(resp: requests.Response) -> str:
    value = resp.headers.get("x-amzn-RequestId")
    assert value, (
        f"missing x-amzn-RequestId header (status {resp.status_code}, "
        f"headers {dict(resp.headers)!r})"
    )
    return value


def assert_xml_error(resp: requests.Response, code: str, status: int) -> ET.Element:
    """Checks an AWS Query-protocol error response received over plain HTTP."""
    assert resp.status_code == status, (
        f"expected HTTP {status} ({code}), got {resp.status_code}: {resp.text}"
    )
    header_id = request_id_header(resp)
    try:
        root = ET.fromstring(resp.content)
    except ET.ParseError as exc:  # pragma: no cover - reported as a failure
        raise AssertionError(f"error body is not XML ({exc}): {resp.text!r}")
    assert local(root.tag) == "ErrorResponse", f"root element is not ErrorResponse: {resp.text}"
    assert xml_text(root, "Error", "Code") == code, f"expected Code {code}: {resp.text}"
    assert xml_text(root, "Error", "Type") == "Sender", f"expected Type Sender: {resp.text}"
    assert xml_text(root, "Error", "Message"), f"empty error Message: {resp.text}"
    assert xml_text(root, "RequestId") == header_id, (
        f"<RequestId> differs from the x-amzn-RequestId header {header_id!r}: {resp.text}"
    )
    return root


def signed_form_post(
    endpoint: str,
    creds,
    body: str,
    region: str = "us-east-1",
    when: dt.datetime | None = None,
    monkeypatch=None,
) -> requests.Response:
    """POSTs a raw form body signed with botocore's SigV4Auth, sent with requests."""
    request = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    credentials = Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    signer = botocore.auth.SigV4Auth(credentials, "sts", region)
    if when is not None:
        assert monkeypatch is not None, "signing at another time needs monkeypatch"
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when)
    signer.add_auth(request)
    prepared = request.prepare()
    return requests.post(
        prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=15
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def parse_iso8601_utc(value: str) -> dt.datetime:
    assert ISO8601_UTC_RE.match(value), f"not an ISO 8601 UTC timestamp: {value!r}"
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_expires_in(expiration: dt.datetime, seconds: int, slack: int = 120) -> None:
    assert expiration.tzinfo is not None, f"Expiration has no time zone: {expiration!r}"
    delta = (expiration - utcnow()).total_seconds()
    assert seconds - slack <= delta <= seconds + 5, (
        f"Expiration {expiration.isoformat()} is {delta:.0f}s from now, expected about {seconds}s"
    )


def flip_char(text: str, index: int, alphabet: str) -> str:
    """Replaces the character at `index` with another one from `alphabet`."""
    index = index % len(text)
    old = text[index]
    # Half the alphabet away: flips the most significant bit the character encodes,
    # so the decoded bytes always change (never only base64 padding bits).
    new = alphabet[(alphabet.index(old) + len(alphabet) // 2) % len(alphabet)]
    return text[:index] + new + text[index + 1 :]


BASE64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
HEX_CHARS = "0123456789abcdef"
