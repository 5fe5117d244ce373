"""Every operation of botocore's IAM model is either served (in the table
`tessera actions` prints) or listed in the README's "IAM operations not
served", with its reason; never both, never neither."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess

from botocore.loaders import Loader

README = pathlib.Path(__file__).resolve().parents[3] / "README.md"
# Tessera's own extensions of the IAM API.
EXTENSIONS = {"DeleteResourcePolicy", "GetResourcePolicy", "PutResourcePolicy", "RevokeSessions"}


def served() -> set[str]:
    out = subprocess.run(
        [os.environ["TESSERA_BIN"], "actions"], check=True, capture_output=True, text=True
    ).stdout
    # An action checked only alongside others (iam:PassRole with
    # AddRoleToInstanceProfile) is not an operation a request names.
    return {
        a["action"].split(":", 1)[1]
        for a in json.loads(out)["actions"]
        if a["action"].startswith("iam:") and not a["checkedWith"]
    }


def not_served() -> dict[str, str]:
    text = README.read_text()
    section = text.split("### IAM operations not served", 1)[1].split("\n### ", 1)[0]
    listed: dict[str, str] = {}
    for row in section.splitlines():
        if not row.startswith("| `"):
            continue
        _, operations, why, _ = row.split("|")
        for name in re.findall(r"`([A-Za-z]+)`", operations):
            assert name not in listed, f"{name} is listed twice"
            listed[name] = why.strip()
    return listed


def test_every_model_operation_is_served_or_listed_with_its_reason():
    model = set(Loader().load_service_model("iam", "service-2")["operations"])
    implemented = served()
    listed = not_served()
    assert implemented - model == EXTENSIONS
    assert sorted(model - implemented - set(listed)) == [], "served nowhere and not listed"
    assert sorted(set(listed) & implemented) == [], "served but listed as not served"
    assert sorted(set(listed) - model) == [], "listed but not in the model"
    assert all(listed.values()), "every listed operation has a reason"
