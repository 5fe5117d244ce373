//! Signing certificates, SSH public keys and server certificates.

use super::fixtures::user;
use super::{account, conflict, existing, missing, quota, tagged, tags};
use crate::{
    AccessKeyStatus, AccountCounts, Conflict, Existing, Missing, Quota, SealedKind,
    ServerCertificate, SigningCertificate, SshPublicKey, Store, TaggedKind,
};

fn signing(account_id: &str, id: &str, user_id: Option<&str>) -> SigningCertificate {
    SigningCertificate {
        certificate_id: id.to_string(),
        account_id: account_id.to_string(),
        user_id: user_id.map(str::to_string),
        body: format!("-----BEGIN CERTIFICATE-----\n{id}\n-----END CERTIFICATE-----\n"),
        fingerprint: format!("sha256-of-{id}"),
        status: AccessKeyStatus::Active,
        uploaded_at: 1_700_000_100,
    }
}

fn ssh(account_id: &str, id: &str, user_id: &str, fingerprint: &str) -> SshPublicKey {
    SshPublicKey {
        ssh_public_key_id: id.to_string(),
        account_id: account_id.to_string(),
        user_id: user_id.to_string(),
        body: format!("ssh-rsa AAAA{id}"),
        fingerprint: fingerprint.to_string(),
        status: AccessKeyStatus::Active,
        uploaded_at: 1_700_000_110,
    }
}

fn server(account_id: &str, id: &str, name: &str, path: &str) -> ServerCertificate {
    ServerCertificate {
        server_certificate_id: id.to_string(),
        account_id: account_id.to_string(),
        name: name.to_string(),
        path: path.to_string(),
        body: format!("-----BEGIN CERTIFICATE-----\n{name}\n-----END CERTIFICATE-----\n"),
        chain: None,
        sealed_private_key: format!("v1:key-of-{id}"),
        expiration: 1_800_000_000,
        uploaded_at: 1_700_000_120,
        tags: Vec::new(),
    }
}

/// Signing certificates of users and of the root user: two per owner, one
/// certificate once per account, a status each, and a user that has one
/// is not deleted.
pub async fn signing_certificates(store: &dyn Store) {
    let acct = account(store, 80).await;
    for (id, name) in [("AIDACONTRACT80A", "a"), ("AIDACONTRACT80B", "b")] {
        store
            .create_user(&user(&acct, id, name, "/"), &[])
            .await
            .expect("user");
    }
    let a = Some("AIDACONTRACT80A");
    for id in [
        "CERTB80000000000000000000000000B",
        "CERTA80000000000000000000000000A",
    ] {
        store
            .upload_signing_certificate(&signing(&acct, id, a))
            .await
            .expect("upload");
    }
    assert_eq!(
        quota(
            store
                .upload_signing_certificate(&signing(&acct, "CERTC80", a))
                .await
        ),
        Quota::SigningCertificatesPerUser(2)
    );
    // The same certificate for another owner of the account is a duplicate.
    let again = SigningCertificate {
        certificate_id: "CERTD80".to_string(),
        ..signing(
            &acct,
            "CERTA80000000000000000000000000A",
            Some("AIDACONTRACT80B"),
        )
    };
    assert_eq!(
        existing(store.upload_signing_certificate(&again).await),
        Existing::SigningCertificate
    );
    store
        .upload_signing_certificate(&signing(&acct, "CERTROOT80", None))
        .await
        .expect("root's");

    let listed = store
        .signing_certificates(&acct, a, None, 10)
        .await
        .expect("list");
    let ids: Vec<_> = listed.iter().map(|c| c.certificate_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CERTA80000000000000000000000000A",
            "CERTB80000000000000000000000000B"
        ]
    );
    assert_eq!(
        listed[0],
        signing(&acct, "CERTA80000000000000000000000000A", a)
    );
    let page = store
        .signing_certificates(&acct, a, Some(ids[0]), 10)
        .await
        .expect("page");
    assert_eq!(page.len(), 1);
    let roots = store
        .signing_certificates(&acct, None, None, 10)
        .await
        .expect("root's");
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].user_id, None);

    store
        .set_signing_certificate_status(
            &acct,
            a,
            "CERTB80000000000000000000000000B",
            AccessKeyStatus::Inactive,
        )
        .await
        .expect("status");
    let listed = store
        .signing_certificates(&acct, a, Some(ids[0]), 1)
        .await
        .expect("list");
    assert_eq!(listed[0].status, AccessKeyStatus::Inactive);
    // Another owner's certificate is not found.
    assert_eq!(
        missing(
            store
                .set_signing_certificate_status(
                    &acct,
                    None,
                    "CERTB80000000000000000000000000B",
                    AccessKeyStatus::Active,
                )
                .await
        ),
        Missing::SigningCertificate("CERTB80000000000000000000000000B".into())
    );
    assert_eq!(
        store.account_counts(&acct).await.expect("counts"),
        AccountCounts {
            users: 2,
            root_access_keys: 1,
            root_signing_certificates: 1,
            ..AccountCounts::default()
        }
    );

    assert_eq!(
        conflict(store.delete_user(&acct, "a").await),
        Conflict::HasSigningCertificates
    );
    for id in [
        "CERTA80000000000000000000000000A",
        "CERTB80000000000000000000000000B",
    ] {
        store
            .delete_signing_certificate(&acct, a, id)
            .await
            .expect("delete");
    }
    assert_eq!(
        missing(
            store
                .delete_signing_certificate(&acct, a, "CERTA80000000000000000000000000A")
                .await
        ),
        Missing::SigningCertificate("CERTA80000000000000000000000000A".into())
    );
    store.delete_user(&acct, "a").await.expect("deleted");
    // Once deleted, the certificate may be uploaded again.
    store
        .upload_signing_certificate(&again)
        .await
        .expect("uploaded again");
}

/// SSH public keys of users: five per user, one key once per user, a
/// status each, and a user that has one is not deleted.
pub async fn ssh_public_keys(store: &dyn Store) {
    let acct = account(store, 81).await;
    let (a, b) = ("AIDACONTRACT81A", "AIDACONTRACT81B");
    for (id, name) in [(a, "a"), (b, "b")] {
        store
            .create_user(&user(&acct, id, name, "/"), &[])
            .await
            .expect("user");
    }
    for n in (1..=5).rev() {
        store
            .upload_ssh_public_key(&ssh(&acct, &format!("APKA81{n}"), a, &format!("fp{n}")))
            .await
            .expect("upload");
    }
    assert_eq!(
        quota(
            store
                .upload_ssh_public_key(&ssh(&acct, "APKA816", a, "fp6"))
                .await
        ),
        Quota::SshPublicKeysPerUser(5)
    );
    // Another user may have the same key, once.
    store
        .upload_ssh_public_key(&ssh(&acct, "APKA81B1", b, "fp1"))
        .await
        .expect("another user's");
    assert_eq!(
        existing(
            store
                .upload_ssh_public_key(&ssh(&acct, "APKA81B2", b, "fp1"))
                .await
        ),
        Existing::SshPublicKey
    );

    let first = store
        .ssh_public_keys(&acct, a, None, 2)
        .await
        .expect("list");
    let ids: Vec<_> = first.iter().map(|k| k.ssh_public_key_id.as_str()).collect();
    assert_eq!(ids, ["APKA811", "APKA812"]);
    let rest = store
        .ssh_public_keys(&acct, a, Some("APKA812"), 10)
        .await
        .expect("list");
    assert_eq!(rest.len(), 3);
    assert_eq!(
        store
            .ssh_public_key(&acct, a, "APKA813")
            .await
            .expect("read"),
        Some(ssh(&acct, "APKA813", a, "fp3"))
    );
    assert_eq!(
        store
            .ssh_public_key(&acct, b, "APKA813")
            .await
            .expect("read"),
        None
    );
    store
        .set_ssh_public_key_status(&acct, a, "APKA813", AccessKeyStatus::Inactive)
        .await
        .expect("status");
    let read = store
        .ssh_public_key(&acct, a, "APKA813")
        .await
        .expect("read");
    assert_eq!(read.map(|k| k.status), Some(AccessKeyStatus::Inactive));
    assert_eq!(
        missing(
            store
                .set_ssh_public_key_status(&acct, b, "APKA813", AccessKeyStatus::Active)
                .await
        ),
        Missing::SshPublicKey("APKA813".into())
    );

    assert_eq!(
        conflict(store.delete_user(&acct, "b").await),
        Conflict::HasSshPublicKeys
    );
    store
        .delete_ssh_public_key(&acct, b, "APKA81B1")
        .await
        .expect("delete");
    assert_eq!(
        missing(store.delete_ssh_public_key(&acct, b, "APKA81B1").await),
        Missing::SshPublicKey("APKA81B1".into())
    );
    store.delete_user(&acct, "b").await.expect("deleted");
}

/// Server certificates: named uniquely per account regardless of case,
/// listed by path and name, renamed and moved, tagged, their private keys
/// sealed, at most twenty per account.
pub async fn server_certificates(store: &dyn Store) {
    let acct = account(store, 82).await;
    let web = ServerCertificate {
        chain: Some("-----BEGIN CERTIFICATE-----\nchain\n-----END CERTIFICATE-----\n".into()),
        tags: tags(&[("b", "2"), ("A", "1")]),
        ..server(&acct, "ASCACONTRACT82WEB", "Web", "/sites/")
    };
    store.create_server_certificate(&web).await.expect("create");
    store
        .create_server_certificate(&server(&acct, "ASCACONTRACT82API", "api", "/"))
        .await
        .expect("create");
    store
        .create_server_certificate(&server(&acct, "ASCACONTRACT82OLD", "old", "/sites/old/"))
        .await
        .expect("create");
    assert_eq!(
        existing(
            store
                .create_server_certificate(&server(&acct, "ASCACONTRACT82DUP", "WEB", "/"))
                .await
        ),
        Existing::ServerCertificate("WEB".into())
    );

    let read = store
        .server_certificate(&acct, "web")
        .await
        .expect("read")
        .expect("found regardless of case");
    assert_eq!(read.tags, tags(&[("A", "1"), ("b", "2")]));
    assert_eq!(
        read,
        ServerCertificate {
            tags: read.tags.clone(),
            ..web.clone()
        }
    );
    assert_eq!(
        store
            .server_certificate("900000000001", "web")
            .await
            .expect("read"),
        None,
        "another account's"
    );

    let names = |certificates: Vec<ServerCertificate>| -> Vec<String> {
        certificates.into_iter().map(|c| c.name).collect()
    };
    assert_eq!(
        names(
            store
                .server_certificates(&acct, "/", None, 10)
                .await
                .expect("list")
        ),
        ["api", "old", "Web"]
    );
    assert_eq!(
        names(
            store
                .server_certificates(&acct, "/sites/", None, 1)
                .await
                .expect("list")
        ),
        ["old"]
    );
    assert_eq!(
        names(
            store
                .server_certificates(&acct, "/sites/", Some("old"), 10)
                .await
                .expect("list")
        ),
        ["Web"]
    );

    // Tags through TagStore, by name regardless of case.
    let cert = |name| tagged(TaggedKind::ServerCertificate, &acct, name);
    store
        .tag(cert("WEB"), &tags(&[("c", "3")]))
        .await
        .expect("tag");
    store
        .untag(cert("web"), &["a".to_string()])
        .await
        .expect("untag");
    assert_eq!(
        store
            .tags("ASCACONTRACT82WEB", None, 10)
            .await
            .expect("tags"),
        tags(&[("b", "2"), ("c", "3")])
    );
    assert_eq!(
        missing(store.tag(cert("none"), &tags(&[("c", "3")])).await),
        Missing::ServerCertificate("none".into())
    );

    // Renames and moves keep the id and the tags; a taken name is refused.
    assert_eq!(
        existing(
            store
                .update_server_certificate(&acct, "api", Some("OLD"), None)
                .await
        ),
        Existing::ServerCertificate("OLD".into())
    );
    let moved = store
        .update_server_certificate(&acct, "web", Some("www"), Some("/moved/"))
        .await
        .expect("update");
    assert_eq!(
        (
            moved.name.as_str(),
            moved.path.as_str(),
            moved.server_certificate_id.as_str()
        ),
        ("www", "/moved/", "ASCACONTRACT82WEB")
    );
    assert_eq!(moved.tags, tags(&[("b", "2"), ("c", "3")]));
    assert!(
        store
            .server_certificate(&acct, "web")
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(
        missing(
            store
                .update_server_certificate(&acct, "web", None, Some("/"))
                .await
        ),
        Missing::ServerCertificate("web".into())
    );

    // The private key is a sealed value, bound to the unique id.
    let mut tx = store.begin_sealed().await.expect("begin");
    let sealed: Vec<_> = tx
        .sealed_values()
        .await
        .expect("values")
        .into_iter()
        .filter(|v| v.owner == "ASCACONTRACT82WEB")
        .map(|v| (v.kind, v.sealed))
        .collect();
    assert_eq!(
        sealed,
        [(
            SealedKind::ServerCertificateKey,
            "v1:key-of-ASCACONTRACT82WEB".to_string()
        )]
    );
    tx.replace_sealed(
        SealedKind::ServerCertificateKey,
        "ASCACONTRACT82WEB",
        "v2:key",
    )
    .await
    .expect("replace");
    tx.commit().await.expect("commit");
    let read = store.server_certificate(&acct, "www").await.expect("read");
    assert_eq!(read.map(|c| c.sealed_private_key), Some("v2:key".into()));

    assert_eq!(
        store.account_counts(&acct).await.expect("counts"),
        AccountCounts {
            root_access_keys: 1,
            server_certificates: 3,
            ..AccountCounts::default()
        }
    );
    for n in 3..20 {
        store
            .create_server_certificate(&server(
                &acct,
                &format!("ASCACONTRACT82N{n}"),
                &format!("n{n}"),
                "/",
            ))
            .await
            .expect("create");
    }
    assert_eq!(
        quota(
            store
                .create_server_certificate(&server(&acct, "ASCACONTRACT82N20", "n20", "/"))
                .await
        ),
        Quota::ServerCertificatesPerAccount(20)
    );

    store
        .delete_server_certificate(&acct, "WWW")
        .await
        .expect("delete");
    assert!(
        store
            .tags("ASCACONTRACT82WEB", None, 10)
            .await
            .expect("tags")
            .is_empty(),
        "tags go with the certificate"
    );
    assert_eq!(
        missing(store.delete_server_certificate(&acct, "www").await),
        Missing::ServerCertificate("www".into())
    );
}
