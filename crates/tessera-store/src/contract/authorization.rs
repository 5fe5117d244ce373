use super::fixtures::{group, managed_policy, mfa_device, role, user};
use super::{account, key, missing, tags};
use crate::{
    HotReadStore, Missing, NamedPolicy, OwnerKind, PolicyOwnerKind, PrincipalBinding,
    PrincipalPolicies, ResourcePolicyRecord, Role, SealedKind, SessionOwner, Standing, Store, User,
};

fn named(id: &str, document: &str) -> NamedPolicy {
    NamedPolicy {
        id: id.to_string(),
        document: document.to_string(),
    }
}

/// The policies that apply to users (their own and their groups'),
/// groups and roles, boundaries, and what role assumption reads.
pub async fn policies_of(store: &dyn Store) {
    let acct = account(store, 14).await;
    let boundary = managed_policy(&acct, "Boundary", "/");
    store
        .create_policy(&boundary, "{\"boundary\":1}", &[])
        .await
        .expect("policy");
    store
        .create_policy_version(
            &acct,
            &boundary.arn,
            "{\"boundary\":2}",
            true,
            1_700_000_100,
        )
        .await
        .expect("version");
    let managed = managed_policy(&acct, "Managed", "/");
    store
        .create_policy(&managed, "{\"managed\":1}", &[])
        .await
        .expect("policy");
    let gone = managed_policy(&acct, "Gone", "/");
    store.create_policy(&gone, "{}", &[]).await.expect("policy");

    let ann = User {
        permissions_boundary: Some(boundary.arn.clone()),
        ..user(&acct, "AIDACONTRACT14ANN", "Ann", "/")
    };
    store
        .create_user(&ann, &tags(&[("team", "red")]))
        .await
        .expect("user");
    for (id, name) in [("AGPACONTRACT14B", "Beta"), ("AGPACONTRACT14A", "alpha")] {
        store
            .create_group(&group(&acct, id, name, "/"))
            .await
            .expect("group");
        store
            .add_user_to_group(&acct, name, "ann", 0)
            .await
            .expect("member");
        store
            .put_inline_policy(
                &acct,
                PolicyOwnerKind::Group,
                name,
                "g",
                "{\"group\":1}",
                5_120,
            )
            .await
            .expect("inline");
    }
    store
        .put_inline_policy(
            &acct,
            PolicyOwnerKind::User,
            "ann",
            "zeta",
            "{\"z\":1}",
            10_240,
        )
        .await
        .expect("inline");
    store
        .put_inline_policy(
            &acct,
            PolicyOwnerKind::User,
            "ann",
            "Alpha",
            "{\"a\":1}",
            10_240,
        )
        .await
        .expect("inline");
    store
        .attach_policy(&acct, OwnerKind::User, "ann", &managed.arn)
        .await
        .expect("attach");
    store
        .attach_policy(&acct, OwnerKind::Group, "beta", &managed.arn)
        .await
        .expect("attach");

    // The user's inline policies, then its managed ones, then each group's
    // (by group name) the same way; the boundary's default version.
    assert_eq!(
        store.policies_of_user(&ann.user_id).await.expect("of user"),
        PrincipalPolicies {
            identity: vec![
                named("user/Ann/Alpha", "{\"a\":1}"),
                named("user/Ann/zeta", "{\"z\":1}"),
                named(&managed.arn, "{\"managed\":1}"),
                named("group/alpha/g", "{\"group\":1}"),
                named("group/Beta/g", "{\"group\":1}"),
                named(&managed.arn, "{\"managed\":1}"),
            ],
            boundary: Some(named(&boundary.arn, "{\"boundary\":2}")),
            tags: tags(&[("team", "red")]),
        }
    );
    assert_eq!(
        store
            .policies_of_group("AGPACONTRACT14B")
            .await
            .expect("of group"),
        PrincipalPolicies {
            identity: vec![
                named("group/Beta/g", "{\"group\":1}"),
                named(&managed.arn, "{\"managed\":1}"),
            ],
            boundary: None,
            tags: Vec::new(),
        }
    );
    assert_eq!(
        store
            .policies_of_user("AIDANOBODY")
            .await
            .expect("of nobody"),
        PrincipalPolicies::default()
    );
    assert_eq!(
        store
            .policies_of_group("AGPANOBODY")
            .await
            .expect("of nobody"),
        PrincipalPolicies::default()
    );
    assert_eq!(
        store
            .policies_of_role("AROANOBODY")
            .await
            .expect("of nobody"),
        PrincipalPolicies::default()
    );

    // A role: its policies, and what assuming it reads.
    let bindings = vec![PrincipalBinding {
        arn: format!("arn:aws:iam::{acct}:user/Ann"),
        unique_id: ann.user_id.clone(),
    }];
    let runner = Role {
        path: "/svc/".into(),
        assume_role_policy: "{\"trust\":1}".into(),
        max_session_duration: 7200,
        permissions_boundary: Some(boundary.arn.clone()),
        trust_bindings: Some(bindings.clone()),
        ..role(&acct, "AROACONTRACT14", "Runner")
    };
    store
        .create_role(&runner, &tags(&[("env", "prod")]))
        .await
        .expect("role");
    store
        .put_inline_policy(
            &acct,
            PolicyOwnerKind::Role,
            "runner",
            "own",
            "{\"r\":1}",
            10_240,
        )
        .await
        .expect("inline");
    store
        .attach_policy(&acct, OwnerKind::Role, "runner", &managed.arn)
        .await
        .expect("attach");
    assert_eq!(
        store
            .policies_of_role(&runner.role_id)
            .await
            .expect("of role"),
        PrincipalPolicies {
            identity: vec![
                named("role/Runner/own", "{\"r\":1}"),
                named(&managed.arn, "{\"managed\":1}"),
            ],
            boundary: Some(named(&boundary.arn, "{\"boundary\":2}")),
            tags: tags(&[("env", "prod")]),
        }
    );
    let assumable = store
        .assumable_role(&acct, "RUNNER")
        .await
        .expect("assumable")
        .expect("exists");
    assert_eq!(
        (
            assumable.role_id.as_str(),
            assumable.name.as_str(),
            assumable.path.as_str(),
            assumable.trust_policy.as_str(),
            assumable.max_session_duration
        ),
        ("AROACONTRACT14", "Runner", "/svc/", "{\"trust\":1}", 7200)
    );
    assert_eq!(assumable.account_id, acct);
    assert_eq!(assumable.tags, tags(&[("env", "prod")]));
    assert_eq!(assumable.trust_bindings, Some(bindings));
    assert_eq!(
        store
            .assumable_role(&acct, "nobody")
            .await
            .expect("assumable"),
        None
    );

    assert_eq!(
        store
            .managed_policy_document(&boundary.arn)
            .await
            .expect("document"),
        Some("{\"boundary\":2}".to_string())
    );
    store.delete_policy(&acct, &gone.arn).await.expect("delete");
    assert_eq!(
        store
            .managed_policy_document(&gone.arn)
            .await
            .expect("document"),
        None
    );
}

fn resource_policy(arn: &str, document: &str, at: i64) -> ResourcePolicyRecord {
    ResourcePolicyRecord {
        resource_arn: arn.to_string(),
        owner_account_id: "900000000015".to_string(),
        document: document.to_string(),
        principal_bindings: vec![PrincipalBinding {
            arn: "arn:aws:iam::900000000015:user/ann".to_string(),
            unique_id: "AIDACONTRACT15".to_string(),
        }],
        updated_at: at,
    }
}

/// Resource policies: put, replaced, read, listed, deleted, and a
/// generation that grows with every change.
pub async fn resource_policies(store: &dyn Store) {
    let logs = resource_policy("arn:aws:s3:::contract-logs", "{\"v\":1}", 10);
    let data = ResourcePolicyRecord {
        principal_bindings: Vec::new(),
        ..resource_policy("arn:aws:s3:::contract-data", "{\"v\":2}", 11)
    };
    let start = store
        .resource_policy_generation()
        .await
        .expect("generation");
    assert_eq!(
        store
            .resource_policy(&logs.resource_arn)
            .await
            .expect("read"),
        None
    );
    store.put_resource_policy(&logs).await.expect("put");
    let after_put = store
        .resource_policy_generation()
        .await
        .expect("generation");
    assert!(after_put > start, "{after_put} > {start}");
    store.put_resource_policy(&data).await.expect("put");
    assert_eq!(
        store
            .resource_policy(&logs.resource_arn)
            .await
            .expect("read"),
        Some(logs.clone())
    );
    let mine = |all: Vec<ResourcePolicyRecord>| -> Vec<ResourcePolicyRecord> {
        all.into_iter()
            .filter(|p| p.resource_arn.starts_with("arn:aws:s3:::contract-"))
            .collect()
    };
    assert_eq!(
        mine(store.resource_policies().await.expect("list")),
        [data.clone(), logs.clone()]
    );

    // A put replaces the whole policy, and is a change even when equal.
    let replaced = ResourcePolicyRecord {
        owner_account_id: "900000000016".into(),
        document: "{\"v\":3}".into(),
        principal_bindings: Vec::new(),
        updated_at: 12,
        ..logs.clone()
    };
    let before = store
        .resource_policy_generation()
        .await
        .expect("generation");
    store.put_resource_policy(&replaced).await.expect("replace");
    store.put_resource_policy(&replaced).await.expect("again");
    let after_replace = store
        .resource_policy_generation()
        .await
        .expect("generation");
    assert!(
        after_replace >= before + 2,
        "{after_replace} after {before}"
    );
    assert_eq!(
        store
            .resource_policy(&logs.resource_arn)
            .await
            .expect("read"),
        Some(replaced)
    );

    // Deleting: whether there was one; deleting nothing changes nothing.
    assert!(
        !store
            .delete_resource_policy("arn:aws:s3:::contract-none")
            .await
            .expect("delete nothing")
    );
    assert_eq!(
        store
            .resource_policy_generation()
            .await
            .expect("generation"),
        after_replace
    );
    assert!(
        store
            .delete_resource_policy(&logs.resource_arn)
            .await
            .expect("delete")
    );
    assert!(
        store
            .resource_policy_generation()
            .await
            .expect("generation")
            > after_replace
    );
    assert!(
        !store
            .delete_resource_policy(&logs.resource_arn)
            .await
            .expect("delete again")
    );
    assert_eq!(mine(store.resource_policies().await.expect("list")), [data]);
}

async fn standing(store: &dyn Store, owner: SessionOwner<'_>) -> Standing {
    store.session_standing(owner).await.expect("standing")
}

/// Revocation marks by unique id, and the standing of a session's owner.
pub async fn revocations(store: &dyn Store) {
    let acct = account(store, 17).await;
    let ann = "AIDACONTRACT17ANN";
    store
        .create_user(&user(&acct, ann, "ann", "/"), &[])
        .await
        .expect("user");
    let role_id = "AROACONTRACT17";
    store
        .create_role(&role(&acct, role_id, "r"), &[])
        .await
        .expect("role");
    let present = |revoked_before| Standing::Present { revoked_before };

    assert_eq!(
        standing(store, SessionOwner::User { user_id: ann }).await,
        present(None)
    );
    store.revoke_sessions(ann, 100).await.expect("revoke");
    assert_eq!(
        standing(store, SessionOwner::User { user_id: ann }).await,
        present(Some(100))
    );
    // A later mark replaces an earlier one; an earlier one never shortens it.
    store.revoke_sessions(ann, 200).await.expect("revoke");
    store.revoke_sessions(ann, 150).await.expect("revoke");
    assert_eq!(
        standing(store, SessionOwner::User { user_id: ann }).await,
        present(Some(200))
    );

    assert_eq!(
        standing(store, SessionOwner::Role { role_id }).await,
        present(None)
    );
    store.revoke_sessions(role_id, 300).await.expect("revoke");
    assert_eq!(
        standing(store, SessionOwner::Role { role_id }).await,
        present(Some(300))
    );
    assert_eq!(
        standing(store, SessionOwner::Root { account_id: &acct }).await,
        present(None)
    );
    store.revoke_sessions(&acct, 50).await.expect("revoke");
    assert_eq!(
        standing(store, SessionOwner::Root { account_id: &acct }).await,
        present(Some(50))
    );

    // A federated user stands by its creator, and by the later mark of
    // the two.
    let federated_id = format!("{acct}:fed");
    let by_ann = SessionOwner::FederatedUser {
        federated_id: &federated_id,
        creator_id: ann,
    };
    let by_root = SessionOwner::FederatedUser {
        federated_id: &federated_id,
        creator_id: &acct,
    };
    assert_eq!(standing(store, by_ann).await, present(Some(200)));
    assert_eq!(standing(store, by_root).await, present(Some(50)));
    store
        .revoke_sessions(&federated_id, 250)
        .await
        .expect("revoke");
    assert_eq!(standing(store, by_ann).await, present(Some(250)));
    assert_eq!(standing(store, by_root).await, present(Some(250)));

    // Gone with the entity; a new one of the same name starts clean.
    store.delete_user(&acct, "ann").await.expect("delete");
    assert_eq!(
        standing(store, SessionOwner::User { user_id: ann }).await,
        Standing::Gone
    );
    assert_eq!(standing(store, by_ann).await, Standing::Gone);
    store.delete_role(&acct, "r").await.expect("delete");
    assert_eq!(
        standing(store, SessionOwner::Role { role_id }).await,
        Standing::Gone
    );
    assert_eq!(
        standing(
            store,
            SessionOwner::Root {
                account_id: "900000000099"
            }
        )
        .await,
        Standing::Gone
    );
    store
        .create_user(&user(&acct, "AIDACONTRACT17ANN2", "ann", "/"), &[])
        .await
        .expect("user again");
    assert_eq!(
        standing(
            store,
            SessionOwner::User {
                user_id: "AIDACONTRACT17ANN2"
            }
        )
        .await,
        present(None)
    );
}

/// Every sealed value read and replaced in one write transaction, all or
/// nothing.
pub async fn sealed_values(store: &dyn Store) {
    let acct = account(store, 18).await;
    store
        .create_user(&user(&acct, "AIDACONTRACT18", "u", "/"), &[])
        .await
        .expect("user");
    store
        .create_access_key(&key("AKIACONTRACT18", &acct, Some("AIDACONTRACT18")))
        .await
        .expect("key");
    let device = mfa_device(&acct, "sealed");
    store.create_mfa_device(&device).await.expect("device");
    let root_key = "AKIAROOT18";

    let owners = ["AKIACONTRACT18", root_key, device.serial_number.as_str()];
    let mine = |values: Vec<crate::SealedValue>| -> Vec<(SealedKind, String, String)> {
        values
            .into_iter()
            .filter(|v| owners.contains(&v.owner.as_str()))
            .map(|v| (v.kind, v.owner, v.sealed))
            .collect()
    };
    let mut tx = store.begin_sealed().await.expect("begin");
    assert_eq!(
        mine(tx.sealed_values().await.expect("values")),
        [
            (
                SealedKind::AccessKeySecret,
                "AKIACONTRACT18".to_string(),
                "v1:secret-of-AKIACONTRACT18".to_string()
            ),
            (
                SealedKind::AccessKeySecret,
                root_key.to_string(),
                format!("v1:secret-of-{root_key}")
            ),
            (
                SealedKind::MfaSeed,
                device.serial_number.clone(),
                device.sealed_seed.clone()
            ),
        ]
    );
    tx.replace_sealed(SealedKind::AccessKeySecret, root_key, "v2:root")
        .await
        .expect("replace");
    assert_eq!(
        missing(
            tx.replace_sealed(
                SealedKind::MfaSeed,
                "arn:aws:iam::900000000018:mfa/none",
                "x"
            )
            .await
        ),
        Missing::SealedValue("arn:aws:iam::900000000018:mfa/none".into())
    );
    // Dropped without a commit: nothing changed.
    drop(tx);
    assert_eq!(
        store
            .access_key(root_key)
            .await
            .expect("key")
            .map(|k| k.sealed_secret),
        Some(format!("v1:secret-of-{root_key}"))
    );

    let mut tx = store.begin_sealed().await.expect("begin");
    tx.replace_sealed(SealedKind::AccessKeySecret, root_key, "v2:root")
        .await
        .expect("replace");
    tx.replace_sealed(SealedKind::MfaSeed, &device.serial_number, "v2:seed")
        .await
        .expect("replace");
    tx.commit().await.expect("commit");
    assert_eq!(
        store
            .access_key(root_key)
            .await
            .expect("key")
            .map(|k| k.sealed_secret),
        Some("v2:root".to_string())
    );
    assert_eq!(
        store
            .mfa_device(&acct, &device.serial_number)
            .await
            .expect("device")
            .map(|d| d.sealed_seed),
        Some("v2:seed".to_string())
    );
}

/// The hot authorization reads, through the trait a cache wraps.
pub async fn hot_reads(store: &dyn Store) {
    let acct = account(store, 19).await;
    let ann = user(&acct, "AIDACONTRACT19", "ann", "/");
    store
        .create_user(&ann, &tags(&[("team", "red")]))
        .await
        .expect("user");
    store
        .create_access_key(&key("AKIACONTRACT19", &acct, Some(&ann.user_id)))
        .await
        .expect("key");
    let policy = managed_policy(&acct, "Hot", "/");
    store
        .create_policy(&policy, "{\"hot\":1}", &[])
        .await
        .expect("policy");
    store
        .attach_policy(&acct, OwnerKind::User, "ann", &policy.arn)
        .await
        .expect("attach");
    let runner = role(&acct, "AROACONTRACT19", "runner");
    store.create_role(&runner, &[]).await.expect("role");
    store
        .put_inline_policy(&acct, PolicyOwnerKind::Role, "runner", "p", "{}", 10_240)
        .await
        .expect("inline");
    store
        .revoke_sessions(&runner.role_id, 42)
        .await
        .expect("revoke");

    let hot: &dyn HotReadStore = store;
    let signing = hot.access_key("AKIACONTRACT19").await.expect("hot");
    assert_eq!(
        signing.map(|k| (k.account_id, k.user_id)),
        Some((acct.clone(), Some(ann.user_id.clone())))
    );
    assert_eq!(hot.access_key("AKIANONE").await.expect("hot"), None);
    assert_eq!(
        hot.user_by_id(&ann.user_id).await.expect("hot"),
        Some(ann.clone())
    );
    assert_eq!(hot.user_by_id("AIDANONE").await.expect("hot"), None);
    let of_ann = hot.policies_of_user(&ann.user_id).await.expect("hot");
    assert_eq!(of_ann.identity, [named(&policy.arn, "{\"hot\":1}")]);
    let of_runner = hot.policies_of_role(&runner.role_id).await.expect("hot");
    assert_eq!(of_runner.identity.len(), 1);
    let assumable = hot.assumable_role(&acct, "RUNNER").await.expect("hot");
    assert_eq!(assumable.map(|r| r.name), Some("runner".to_string()));
    assert_eq!(hot.assumable_role(&acct, "none").await.expect("hot"), None);
    assert_eq!(
        hot.managed_policy_document(&policy.arn).await.expect("hot"),
        Some("{\"hot\":1}".to_string())
    );
    assert_eq!(
        hot.session_standing(SessionOwner::Role {
            role_id: &runner.role_id
        })
        .await
        .expect("hot"),
        Standing::Present {
            revoked_before: Some(42)
        }
    );
    assert_eq!(
        hot.session_standing(SessionOwner::User {
            user_id: "AIDANONE"
        })
        .await
        .expect("hot"),
        Standing::Gone
    );
}
