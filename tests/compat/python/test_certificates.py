"""IAM signing certificates, SSH public keys and server certificates,
driven through the real boto3 and aws CLI against a running tessera. The
certificates and keys are made here with the `cryptography` package."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from compat_helpers import Creds, assert_client_error
from harness import iam_client

ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def iam(server):
    return iam_client(server)


def account_of(server) -> str:
    return server.client().get_caller_identity()["Account"]


def rsa_key(bits: int = 2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def certificate(key, subject: str, issuer: str | None = None, issuer_key=None, days: int = 365):
    """A certificate of `key` for `subject`, signed by `issuer_key` (itself by default)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer or subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after((NOW + dt.timedelta(days=days)).replace(microsecond=0))
    )
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key, fmt=serialization.PrivateFormat.PKCS8) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, fmt, serialization.NoEncryption()
    ).decode()


def openssh(key, comment: str = "") -> str:
    line = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()
    return f"{line} {comment}".strip()


def md5_fingerprint(openssh_line: str) -> str:
    """What `ssh-keygen -l -E md5` prints: the MD5 of the key's wire form."""
    digest = hashlib.md5(base64.b64decode(openssh_line.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def user_with_key(iam, user: str) -> Creds:
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="all", PolicyDocument=ALLOW_ALL)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return Creds(key["AccessKeyId"], key["SecretAccessKey"])


def error_message(excinfo) -> str:
    return excinfo.value.response["Error"]["Message"]


# ------------------------------------------------------ signing certificates


def test_signing_certificates_of_a_user(iam):
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    first = pem(certificate(rsa_key(), "first"))
    uploaded = iam.upload_signing_certificate(UserName="alice", CertificateBody=first)[
        "Certificate"
    ]
    assert uploaded["UserName"] == "alice"
    assert re.fullmatch(r"[A-Z2-7]{32}", uploaded["CertificateId"]), uploaded
    assert uploaded["Status"] == "Active"
    assert uploaded["CertificateBody"] == first
    assert abs((uploaded["UploadDate"] - NOW).total_seconds()) < 300

    # The same certificate belongs to one user of the account.
    with pytest.raises(ClientError) as excinfo:
        iam.upload_signing_certificate(UserName="bob", CertificateBody=first)
    assert_client_error(excinfo, "DuplicateCertificate", 409)

    second = iam.upload_signing_certificate(
        UserName="alice", CertificateBody=pem(certificate(rsa_key(), "second"))
    )["Certificate"]
    with pytest.raises(ClientError) as excinfo:
        iam.upload_signing_certificate(
            UserName="alice", CertificateBody=pem(certificate(rsa_key(), "third"))
        )
    assert_client_error(excinfo, "LimitExceeded", 409)
    assert error_message(excinfo) == "Cannot exceed quota for CertificatesPerUser: 2"

    ids = sorted([uploaded["CertificateId"], second["CertificateId"]])
    page = iam.list_signing_certificates(UserName="alice", MaxItems=1)
    assert page["IsTruncated"] is True
    assert [c["CertificateId"] for c in page["Certificates"]] == ids[:1]
    rest = iam.list_signing_certificates(UserName="alice", Marker=page["Marker"])
    assert rest["IsTruncated"] is False and "Marker" not in rest
    assert [c["CertificateId"] for c in rest["Certificates"]] == ids[1:]
    walked = [
        c["CertificateId"]
        for p in iam.get_paginator("list_signing_certificates").paginate(
            UserName="alice", PaginationConfig={"PageSize": 1}
        )
        for c in p["Certificates"]
    ]
    assert walked == ids

    iam.update_signing_certificate(
        UserName="alice", CertificateId=uploaded["CertificateId"], Status="Inactive"
    )
    statuses = {
        c["CertificateId"]: c["Status"]
        for c in iam.list_signing_certificates(UserName="alice")["Certificates"]
    }
    assert statuses[uploaded["CertificateId"]] == "Inactive"

    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="alice")
    assert_client_error(excinfo, "DeleteConflict", 409)
    assert error_message(excinfo) == "Cannot delete entity, must delete signing certificates first."

    for certificate_id in ids:
        iam.delete_signing_certificate(UserName="alice", CertificateId=certificate_id)
    with pytest.raises(ClientError) as excinfo:
        iam.delete_signing_certificate(UserName="alice", CertificateId=ids[0])
    assert_client_error(excinfo, "NoSuchEntity", 404)
    assert error_message(excinfo) == f"The Certificate with id {ids[0]} cannot be found."
    assert iam.list_signing_certificates(UserName="alice")["Certificates"] == []
    iam.delete_user(UserName="alice")
    # Deleted, the certificate is free for another user.
    iam.upload_signing_certificate(UserName="bob", CertificateBody=first)


def test_signing_certificates_of_the_caller_and_of_the_root_user(server, iam):
    user = iam_client(server, user_with_key(iam, "carol"))
    mine = user.upload_signing_certificate(CertificateBody=pem(certificate(rsa_key(), "carol")))[
        "Certificate"
    ]
    assert mine["UserName"] == "carol"
    listed = iam.list_signing_certificates(UserName="carol")["Certificates"]
    assert [c["CertificateId"] for c in listed] == [mine["CertificateId"]]

    # Without a user name the root user's own certificates.
    root = iam.upload_signing_certificate(CertificateBody=pem(certificate(rsa_key(), "root")))[
        "Certificate"
    ]
    assert [c["CertificateId"] for c in iam.list_signing_certificates()["Certificates"]] == [
        root["CertificateId"]
    ]
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AccountSigningCertificatesPresent"] == 1
    assert summary["SigningCertificatesPerUserQuota"] == 2
    # Another owner's certificate is not found.
    with pytest.raises(ClientError) as excinfo:
        iam.update_signing_certificate(CertificateId=mine["CertificateId"], Status="Inactive")
    assert_client_error(excinfo, "NoSuchEntity", 404)
    iam.delete_signing_certificate(CertificateId=root["CertificateId"])
    user.delete_signing_certificate(CertificateId=mine["CertificateId"])


def test_signing_certificate_errors(iam):
    iam.create_user(UserName="dave")
    for body in ["not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]:
        with pytest.raises(ClientError) as excinfo:
            iam.upload_signing_certificate(UserName="dave", CertificateBody=body)
        assert_client_error(excinfo, "MalformedCertificate", 400)
        assert error_message(excinfo) == (
            "Unable to parse certificate. Please ensure the certificate is in PEM format."
        )
    expired = certificate(rsa_key(), "old", days=-1)
    with pytest.raises(ClientError) as excinfo:
        iam.upload_signing_certificate(UserName="dave", CertificateBody=pem(expired))
    assert_client_error(excinfo, "MalformedCertificate", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.upload_signing_certificate(
            UserName="nobody", CertificateBody=pem(certificate(rsa_key(), "x"))
        )
    assert_client_error(excinfo, "NoSuchEntity", 404)
    assert error_message(excinfo) == "The user with name nobody cannot be found."
    with pytest.raises(ClientError) as excinfo:
        iam.update_signing_certificate(
            UserName="dave", CertificateId="A" * 32, Status="Expired"
        )
    assert_client_error(excinfo, "InvalidInput", 400)


def test_signing_certificate_ids_are_validated(server):
    loose = iam_client(server, validate_params=False)
    with pytest.raises(ClientError) as excinfo:
        loose.delete_signing_certificate(CertificateId="short")
    assert_client_error(excinfo, "ValidationError", 400)
    with pytest.raises(ClientError) as excinfo:
        loose.update_signing_certificate(CertificateId="B" * 32, Status="Sleeping")
    assert_client_error(excinfo, "ValidationError", 400)


# ----------------------------------------------------------- SSH public keys


def test_ssh_public_keys_of_a_user(iam):
    iam.create_user(UserName="erin")
    key = rsa_key()
    line = openssh(key, "erin@laptop")
    uploaded = iam.upload_ssh_public_key(UserName="erin", SSHPublicKeyBody=line)["SSHPublicKey"]
    key_id = uploaded["SSHPublicKeyId"]
    assert re.fullmatch(r"APKA[A-Z2-7]{16}", key_id), uploaded
    assert uploaded["Fingerprint"] == md5_fingerprint(line)
    assert uploaded["SSHPublicKeyBody"] == openssh(key)  # the comment is not kept
    assert uploaded["Status"] == "Active"

    as_pem = iam.get_ssh_public_key(UserName="erin", SSHPublicKeyId=key_id, Encoding="PEM")[
        "SSHPublicKey"
    ]
    assert as_pem["SSHPublicKeyBody"].startswith("-----BEGIN PUBLIC KEY-----")
    loaded = serialization.load_pem_public_key(as_pem["SSHPublicKeyBody"].encode())
    assert loaded.public_numbers() == key.public_key().public_numbers()
    as_ssh = iam.get_ssh_public_key(UserName="erin", SSHPublicKeyId=key_id, Encoding="SSH")[
        "SSHPublicKey"
    ]
    assert as_ssh["SSHPublicKeyBody"] == openssh(key)
    assert as_ssh["Fingerprint"] == uploaded["Fingerprint"]

    # The same key again, in PEM this time, is a duplicate.
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="erin", SSHPublicKeyBody=as_pem["SSHPublicKeyBody"])
    assert_client_error(excinfo, "DuplicateSSHPublicKey", 400)

    # A key given as PEM is kept as its ssh-rsa line; five keys in all.
    other = rsa_key()
    other_pem = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    from_pem = iam.upload_ssh_public_key(UserName="erin", SSHPublicKeyBody=other_pem.decode())[
        "SSHPublicKey"
    ]
    assert from_pem["SSHPublicKeyBody"] == openssh(other)
    ids = [key_id, from_pem["SSHPublicKeyId"]]
    for _ in range(3):
        ids.append(
            iam.upload_ssh_public_key(UserName="erin", SSHPublicKeyBody=openssh(rsa_key()))[
                "SSHPublicKey"
            ]["SSHPublicKeyId"]
        )
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="erin", SSHPublicKeyBody=openssh(rsa_key()))
    assert_client_error(excinfo, "LimitExceeded", 409)

    walked = []
    for page in iam.get_paginator("list_ssh_public_keys").paginate(
        UserName="erin", PaginationConfig={"PageSize": 2}
    ):
        assert len(page["SSHPublicKeys"]) <= 2
        walked.extend(page["SSHPublicKeys"])
    assert [k["SSHPublicKeyId"] for k in walked] == sorted(ids)
    assert all(k["UserName"] == "erin" and "SSHPublicKeyBody" not in k for k in walked)

    iam.update_ssh_public_key(UserName="erin", SSHPublicKeyId=key_id, Status="Inactive")
    got = iam.get_ssh_public_key(UserName="erin", SSHPublicKeyId=key_id, Encoding="SSH")
    assert got["SSHPublicKey"]["Status"] == "Inactive"

    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="erin")
    assert_client_error(excinfo, "DeleteConflict", 409)
    assert error_message(excinfo) == "Cannot delete entity, must delete SSH public keys first."
    for each in ids:
        iam.delete_ssh_public_key(UserName="erin", SSHPublicKeyId=each)
    with pytest.raises(ClientError) as excinfo:
        iam.get_ssh_public_key(UserName="erin", SSHPublicKeyId=key_id, Encoding="SSH")
    assert_client_error(excinfo, "NoSuchEntity", 404)
    assert error_message(excinfo) == f"The Public Key with id {key_id} cannot be found."
    iam.delete_user(UserName="erin")


def test_ssh_public_keys_iam_does_not_take(server, iam):
    iam.create_user(UserName="frank")
    ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPbJ1xK1l8m4V0yqJ1D3q0Xo7ZGQ0c8fYt0e6fJj3s6Q frank"
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="frank", SSHPublicKeyBody=ed25519)
    assert_client_error(excinfo, "UnrecognizedPublicKeyEncoding", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="frank", SSHPublicKeyBody="hello world")
    assert_client_error(excinfo, "UnrecognizedPublicKeyEncoding", 400)
    for body in [openssh(rsa_key(1024)), "ssh-rsa AAAAB3NzaC1yc2E= frank"]:
        with pytest.raises(ClientError) as excinfo:
            iam.upload_ssh_public_key(UserName="frank", SSHPublicKeyBody=body)
        assert_client_error(excinfo, "InvalidPublicKey", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="nobody", SSHPublicKeyBody=openssh(rsa_key()))
    assert_client_error(excinfo, "NoSuchEntity", 404)
    with pytest.raises(ClientError) as excinfo:
        iam.update_ssh_public_key(UserName="frank", SSHPublicKeyId="APKA" + "A" * 16, Status="Active")
    assert_client_error(excinfo, "NoSuchEntity", 404)
    loose = iam_client(server, validate_params=False)
    with pytest.raises(ClientError) as excinfo:
        loose.get_ssh_public_key(UserName="frank", SSHPublicKeyId="APKA" + "A" * 16, Encoding="DER")
    assert_client_error(excinfo, "ValidationError", 400)
    with pytest.raises(ClientError) as excinfo:
        loose.upload_ssh_public_key(UserName="frank")
    assert_client_error(excinfo, "ValidationError", 400)


def test_ssh_public_keys_of_the_caller_with_the_cli(server, iam, tmp_path):
    user = iam_client(server, user_with_key(iam, "gina"))
    key = rsa_key()
    path = tmp_path / "id_rsa.pub"
    path.write_text(openssh(key, "gina@host") + "\n")
    uploaded = server.cli(
        "iam", "upload-ssh-public-key", "--user-name", "gina", "--ssh-public-key-body", f"file://{path}"
    )
    assert uploaded.returncode == 0, uploaded.stderr
    key_id = uploaded.json()["SSHPublicKey"]["SSHPublicKeyId"]
    # Without a user name, the calling user's keys.
    assert [k["SSHPublicKeyId"] for k in user.list_ssh_public_keys()["SSHPublicKeys"]] == [key_id]
    # The root user has none.
    assert iam.list_ssh_public_keys()["SSHPublicKeys"] == []
    listed = server.cli("iam", "list-ssh-public-keys", "--user-name", "gina").json()
    assert [k["SSHPublicKeyId"] for k in listed["SSHPublicKeys"]] == [key_id]
    deleted = server.cli(
        "iam", "delete-ssh-public-key", "--user-name", "gina", "--ssh-public-key-id", key_id
    )
    assert deleted.returncode == 0, deleted.stderr


# ------------------------------------------------------- server certificates


@pytest.fixture(scope="module")
def chain():
    """A CA, an intermediate it signed, and a leaf the intermediate signed."""
    ca_key, intermediate_key, leaf_key = rsa_key(), rsa_key(), rsa_key()
    ca = certificate(ca_key, "Test Root")
    intermediate = certificate(intermediate_key, "Test Intermediate", "Test Root", ca_key)
    leaf = certificate(leaf_key, "www.example.test", "Test Intermediate", intermediate_key)
    return {
        "ca": ca,
        "intermediate": intermediate,
        "leaf": leaf,
        "leaf_key": leaf_key,
        "ca_key": ca_key,
    }


def test_server_certificate_lifecycle(server, iam, chain):
    account = account_of(server)
    leaf = pem(chain["leaf"])
    chain_pem = pem(chain["intermediate"]) + pem(chain["ca"])
    private_key = key_pem(chain["leaf_key"], serialization.PrivateFormat.TraditionalOpenSSL)
    uploaded = iam.upload_server_certificate(
        ServerCertificateName="www",
        Path="/sites/",
        CertificateBody=leaf,
        PrivateKey=private_key,
        CertificateChain=chain_pem,
        Tags=[{"Key": "team", "Value": "web"}],
    )
    meta = uploaded["ServerCertificateMetadata"]
    assert meta["Arn"] == f"arn:aws:iam::{account}:server-certificate/sites/www"
    assert meta["Path"] == "/sites/" and meta["ServerCertificateName"] == "www"
    assert re.fullmatch(r"ASCA[A-Z2-7]{17}", meta["ServerCertificateId"]), meta
    assert meta["Expiration"] == chain["leaf"].not_valid_after_utc
    assert uploaded["Tags"] == [{"Key": "team", "Value": "web"}]

    got = iam.get_server_certificate(ServerCertificateName="WWW")["ServerCertificate"]
    assert got["ServerCertificateMetadata"] == meta
    assert got["CertificateBody"] == leaf
    assert got["CertificateChain"] == chain_pem
    assert got["Tags"] == [{"Key": "team", "Value": "web"}]
    assert "PrivateKey" not in got

    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="WWW", CertificateBody=leaf, PrivateKey=private_key
        )
    assert_client_error(excinfo, "EntityAlreadyExists", 409)
    assert error_message(excinfo) == "The Server Certificate with name WWW already exists."

    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == 1

    iam.update_server_certificate(
        ServerCertificateName="www", NewServerCertificateName="web", NewPath="/moved/"
    )
    with pytest.raises(ClientError) as excinfo:
        iam.get_server_certificate(ServerCertificateName="www")
    assert_client_error(excinfo, "NoSuchEntity", 404)
    assert error_message(excinfo) == "The Server Certificate with name www cannot be found."
    moved = iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    assert moved["ServerCertificateMetadata"]["Arn"].endswith(":server-certificate/moved/web")
    assert moved["ServerCertificateMetadata"]["ServerCertificateId"] == meta["ServerCertificateId"]

    iam.delete_server_certificate(ServerCertificateName="web")
    with pytest.raises(ClientError) as excinfo:
        iam.delete_server_certificate(ServerCertificateName="web")
    assert_client_error(excinfo, "NoSuchEntity", 404)
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []


def test_the_private_key_is_never_returned(server, iam, chain):
    private_key = key_pem(chain["leaf_key"])
    iam.upload_server_certificate(
        ServerCertificateName="secret", CertificateBody=pem(chain["leaf"]), PrivateKey=private_key
    )
    raw = server.cli("iam", "get-server-certificate", "--server-certificate-name", "secret")
    assert raw.returncode == 0, raw.stderr
    marker = private_key.splitlines()[1]
    assert marker not in raw.stdout
    listed = server.cli("iam", "list-server-certificates")
    assert marker not in listed.stdout
    assert marker not in server.log()


def test_server_certificates_that_do_not_validate(iam, chain):
    leaf = pem(chain["leaf"])
    good_key = key_pem(chain["leaf_key"])
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="a", CertificateBody=leaf, PrivateKey=key_pem(chain["ca_key"])
        )
    assert_client_error(excinfo, "KeyPairMismatch", 400)
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="a", CertificateBody=leaf, PrivateKey="not a key"
        )
    assert_client_error(excinfo, "MalformedCertificate", 400)
    assert error_message(excinfo) == "Unable to validate certificate's private key."
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="a", CertificateBody="junk", PrivateKey=good_key
        )
    assert_client_error(excinfo, "MalformedCertificate", 400)
    # The chain must start with the leaf's issuer: the root first is out of order.
    wrong_order = pem(chain["ca"]) + pem(chain["intermediate"])
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="a",
            CertificateBody=leaf,
            PrivateKey=good_key,
            CertificateChain=wrong_order,
        )
    assert_client_error(excinfo, "MalformedCertificate", 400)
    assert error_message(excinfo).startswith("Unable to validate certificate chain.")
    assert error_message(excinfo).endswith("The index within the chain of the invalid certificate is: 0")
    expired_key = rsa_key()
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="a",
            CertificateBody=pem(certificate(expired_key, "old", days=-1)),
            PrivateKey=key_pem(expired_key),
        )
    assert_client_error(excinfo, "MalformedCertificate", 400)
    # ECDSA certificates with SEC1 keys are taken.
    ec_key = ec.generate_private_key(ec.SECP256R1())
    iam.upload_server_certificate(
        ServerCertificateName="ec",
        CertificateBody=pem(certificate(ec_key, "ec.example.test")),
        PrivateKey=key_pem(ec_key, serialization.PrivateFormat.TraditionalOpenSSL),
    )
    assert [
        m["ServerCertificateName"] for m in iam.list_server_certificates()["ServerCertificateMetadataList"]
    ] == ["ec"]


def test_server_certificates_are_listed_by_path_a_page_at_a_time(iam, chain):
    leaf, key = pem(chain["leaf"]), key_pem(chain["leaf_key"])
    for name_, path in [("c", "/web/"), ("a", "/web/"), ("b", "/"), ("d", "/web/old/")]:
        iam.upload_server_certificate(
            ServerCertificateName=name_, Path=path, CertificateBody=leaf, PrivateKey=key
        )
    names = [
        m["ServerCertificateName"]
        for page in iam.get_paginator("list_server_certificates").paginate(
            PathPrefix="/web/", PaginationConfig={"PageSize": 1}
        )
        for m in page["ServerCertificateMetadataList"]
    ]
    assert names == ["a", "c", "d"]
    first = iam.list_server_certificates(MaxItems=2)
    assert first["IsTruncated"] is True
    rest = iam.list_server_certificates(Marker=first["Marker"])
    assert [m["ServerCertificateName"] for m in first["ServerCertificateMetadataList"] + rest["ServerCertificateMetadataList"]] == ["a", "b", "c", "d"]
    assert all("Tags" not in m for m in rest["ServerCertificateMetadataList"])

    with pytest.raises(ClientError) as excinfo:
        iam.update_server_certificate(ServerCertificateName="a", NewServerCertificateName="B")
    assert_client_error(excinfo, "EntityAlreadyExists", 409)
    with pytest.raises(ClientError) as excinfo:
        iam.update_server_certificate(ServerCertificateName="zz", NewPath="/x/")
    assert_client_error(excinfo, "NoSuchEntity", 404)


def test_server_certificate_tags(server, iam, chain):
    iam.upload_server_certificate(
        ServerCertificateName="tagged",
        CertificateBody=pem(chain["leaf"]),
        PrivateKey=key_pem(chain["leaf_key"]),
    )
    assert iam.list_server_certificate_tags(ServerCertificateName="tagged")["Tags"] == []
    iam.tag_server_certificate(
        ServerCertificateName="Tagged",
        Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}, {"Key": "c", "Value": "3"}],
    )
    page = iam.list_server_certificate_tags(ServerCertificateName="tagged", MaxItems=2)
    assert page["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert page["IsTruncated"] is True
    rest = iam.list_server_certificate_tags(ServerCertificateName="tagged", Marker=page["Marker"])
    assert rest["Tags"] == [{"Key": "c", "Value": "3"}]
    iam.untag_server_certificate(ServerCertificateName="tagged", TagKeys=["A", "c"])
    assert iam.list_server_certificate_tags(ServerCertificateName="tagged")["Tags"] == [
        {"Key": "b", "Value": "2"}
    ]
    for call, kwargs in [
        (iam.tag_server_certificate, {"Tags": [{"Key": "k", "Value": "v"}]}),
        (iam.untag_server_certificate, {"TagKeys": ["k"]}),
        (iam.list_server_certificate_tags, {}),
    ]:
        with pytest.raises(ClientError) as excinfo:
            call(ServerCertificateName="none", **kwargs)
        assert_client_error(excinfo, "NoSuchEntity", 404)


def test_server_certificates_are_authorized_by_their_tags(server, iam, chain):
    iam.create_user(UserName="ops")
    iam.put_user_policy(
        UserName="ops",
        PolicyName="web-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:GetServerCertificate",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:ResourceTag/team": "web"}},
                    }
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="ops")["AccessKey"]
    ops = iam_client(server, Creds(key["AccessKeyId"], key["SecretAccessKey"]))
    for name_, team in [("web", "web"), ("db", "db")]:
        iam.upload_server_certificate(
            ServerCertificateName=name_,
            CertificateBody=pem(chain["leaf"]),
            PrivateKey=key_pem(chain["leaf_key"]),
            Tags=[{"Key": "team", "Value": team}],
        )
    assert ops.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    with pytest.raises(ClientError) as excinfo:
        ops.get_server_certificate(ServerCertificateName="db")
    assert_client_error(excinfo, "AccessDenied", 403)
    assert ":server-certificate/db" in error_message(excinfo)
    with pytest.raises(ClientError) as excinfo:
        ops.delete_server_certificate(ServerCertificateName="web")
    assert_client_error(excinfo, "AccessDenied", 403)


def test_server_certificates_with_the_cli(server, chain, tmp_path):
    (tmp_path / "cert.pem").write_text(pem(chain["leaf"]))
    (tmp_path / "key.pem").write_text(key_pem(chain["leaf_key"]))
    (tmp_path / "chain.pem").write_text(pem(chain["intermediate"]))
    uploaded = server.cli(
        "iam",
        "upload-server-certificate",
        "--server-certificate-name",
        "cli-cert",
        "--path",
        "/cloudfront/test/",
        "--certificate-body",
        f"file://{tmp_path / 'cert.pem'}",
        "--private-key",
        f"file://{tmp_path / 'key.pem'}",
        "--certificate-chain",
        f"file://{tmp_path / 'chain.pem'}",
    )
    assert uploaded.returncode == 0, uploaded.stderr
    meta = uploaded.json()["ServerCertificateMetadata"]
    assert meta["Path"] == "/cloudfront/test/"
    listed = server.cli("iam", "list-server-certificates", "--path-prefix", "/cloudfront/").json()
    assert [m["ServerCertificateName"] for m in listed["ServerCertificateMetadataList"]] == ["cli-cert"]
    missing = server.cli("iam", "get-server-certificate", "--server-certificate-name", "nope")
    assert missing.returncode != 0 and "NoSuchEntity" in missing.stderr, missing.stderr
    deleted = server.cli("iam", "delete-server-certificate", "--server-certificate-name", "cli-cert")
    assert deleted.returncode == 0, deleted.stderr
