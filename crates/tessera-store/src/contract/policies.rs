use super::fixtures::{group, managed_policy, role, user};
use super::{POLICY, account, conflict, existing, missing, owner, quota, tagged, tags};
use crate::TaggedKind;
use crate::{
    Conflict, EntitiesForPolicy, EntityName, Existing, ManagedPolicy, Missing, OwnerKind,
    PolicyEntity, PolicyFilter, PolicyOwnerKind, PolicyUsage, PrincipalBinding, Quota, Role, Store,
};

fn binding(arn: &str, unique_id: &str) -> PrincipalBinding {
    PrincipalBinding {
        arn: arn.to_string(),
        unique_id: unique_id.to_string(),
    }
}

/// Roles: creation with tags, lookups regardless of case, listing,
/// updates, trust policies and their bindings, tags, deletion.
pub async fn roles(store: &dyn Store) {
    let acct = account(store, 6).await;
    let deploy = Role {
        path: "/ci/".into(),
        description: Some("ships".into()),
        max_session_duration: 7200,
        ..role(&acct, "AROACONTRACT6DEPLOY", "Deploy")
    };
    store
        .create_role(&deploy, &tags(&[("env", "prod")]))
        .await
        .expect("create");
    store
        .create_role(&role(&acct, "AROACONTRACT6AUDIT", "audit"), &[])
        .await
        .expect("create");
    assert_eq!(
        existing(
            store
                .create_role(&role(&acct, "AROACONTRACT6X", "DEPLOY"), &[])
                .await
        ),
        Existing::Role("DEPLOY".into())
    );
    let bounded = Role {
        permissions_boundary: Some(format!("arn:aws:iam::{acct}:policy/none")),
        ..role(&acct, "AROACONTRACT6B", "bounded")
    };
    assert_eq!(
        missing(store.create_role(&bounded, &[]).await),
        Missing::AttachablePolicy(format!("arn:aws:iam::{acct}:policy/none"))
    );

    assert_eq!(
        store.role_by_name(&acct, "deploy").await.expect("by name"),
        Some(deploy.clone())
    );
    assert_eq!(
        store.role_by_name(&acct, "none").await.expect("by name"),
        None
    );
    let listed = |roles: Vec<Role>| -> Vec<String> { roles.into_iter().map(|r| r.name).collect() };
    assert_eq!(
        listed(store.list_roles(&acct, "/", None, 10).await.expect("list")),
        ["audit", "Deploy"]
    );
    assert_eq!(
        listed(
            store
                .list_roles(&acct, "/ci/", None, 10)
                .await
                .expect("list")
        ),
        ["Deploy"]
    );
    assert_eq!(
        listed(
            store
                .list_roles(&acct, "/", Some("AUDIT"), 1)
                .await
                .expect("list")
        ),
        ["Deploy"]
    );

    // Updates change what they are given.
    store
        .update_role(&acct, "DEPLOY", None, Some(1800))
        .await
        .expect("update");
    store
        .update_role(&acct, "deploy", Some("ships it"), None)
        .await
        .expect("update");
    let updated = store
        .role_by_name(&acct, "deploy")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(updated.description.as_deref(), Some("ships it"));
    assert_eq!(updated.max_session_duration, 1800);
    assert_eq!(
        missing(store.update_role(&acct, "none", Some("x"), None).await),
        owner("role", "none")
    );

    let bindings = vec![binding(
        &format!("arn:aws:iam::{acct}:user/alice"),
        "AIDACONTRACT6ALICE",
    )];
    store
        .update_assume_role_policy(&acct, "deploy", "{\"trust\":2}", &bindings)
        .await
        .expect("trust");
    let trusted = store
        .role_by_name(&acct, "deploy")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(trusted.assume_role_policy, "{\"trust\":2}");
    assert_eq!(trusted.trust_bindings, Some(bindings.clone()));
    assert_eq!(
        missing(
            store
                .update_assume_role_policy(&acct, "none", "{}", &[])
                .await
        ),
        owner("role", "none")
    );

    // A role saved before binding existed is bound later.
    let unbound = Role {
        trust_bindings: None,
        ..role(&acct, "AROACONTRACT6OLD", "old")
    };
    store.create_role(&unbound, &[]).await.expect("create");
    let waiting: Vec<_> = store
        .roles_without_bindings()
        .await
        .expect("unbound")
        .into_iter()
        .map(|r| r.role_id)
        .collect();
    assert!(waiting.contains(&unbound.role_id), "{waiting:?}");
    assert!(!waiting.contains(&deploy.role_id), "{waiting:?}");
    store
        .set_trust_bindings(&unbound.role_id, &bindings)
        .await
        .expect("bind");
    assert!(
        !store
            .roles_without_bindings()
            .await
            .expect("unbound")
            .iter()
            .any(|r| r.role_id == unbound.role_id)
    );
    assert_eq!(
        store
            .role_by_name(&acct, "old")
            .await
            .expect("read")
            .and_then(|r| r.trust_bindings),
        Some(bindings)
    );

    // Tags.
    assert_eq!(
        store.tags(&deploy.role_id, None, 100).await.expect("tags"),
        tags(&[("env", "prod")])
    );
    store
        .tag(
            tagged(TaggedKind::Role, &acct, "deploy"),
            &tags(&[("ENV", "dev"), ("app", "web")]),
        )
        .await
        .expect("tag");
    assert_eq!(
        store.tags(&deploy.role_id, None, 100).await.expect("tags"),
        tags(&[("app", "web"), ("ENV", "dev")])
    );
    store
        .untag(
            tagged(TaggedKind::Role, &acct, "Deploy"),
            &["Env".into(), "absent".into()],
        )
        .await
        .expect("untag");
    assert_eq!(
        store.tags(&deploy.role_id, None, 100).await.expect("tags"),
        tags(&[("app", "web")])
    );
    assert_eq!(
        missing(
            store
                .tag(
                    tagged(TaggedKind::Role, &acct, "none"),
                    &tags(&[("a", "b")])
                )
                .await
        ),
        owner("role", "none")
    );

    // Deleting: inline policies first, then attached ones.
    store
        .put_inline_policy(&acct, PolicyOwnerKind::Role, "deploy", "p", POLICY, 10_240)
        .await
        .expect("inline");
    assert_eq!(
        conflict(store.delete_role(&acct, "deploy").await),
        Conflict::HasInlinePolicies
    );
    store
        .delete_inline_policy(&acct, PolicyOwnerKind::Role, "deploy", "p")
        .await
        .expect("delete inline");
    let policy = managed_policy(&acct, "RolePolicy", "/");
    store
        .create_policy(&policy, POLICY, &[])
        .await
        .expect("policy");
    store
        .attach_policy(&acct, OwnerKind::Role, "deploy", &policy.arn)
        .await
        .expect("attach");
    assert_eq!(
        conflict(store.delete_role(&acct, "deploy").await),
        Conflict::HasAttachedPolicies
    );
    store
        .detach_policy(&acct, OwnerKind::Role, "deploy", &policy.arn)
        .await
        .expect("detach");
    store.delete_role(&acct, "DEPLOY").await.expect("delete");
    assert_eq!(
        store.role_by_name(&acct, "deploy").await.expect("gone"),
        None
    );
    assert_eq!(
        store.tags(&deploy.role_id, None, 100).await.expect("tags"),
        []
    );
    assert_eq!(
        missing(store.delete_role(&acct, "deploy").await),
        owner("role", "deploy")
    );
}

fn version_ids(versions: Vec<crate::PolicyVersion>) -> Vec<(String, bool)> {
    versions
        .into_iter()
        .map(|v| (v.version_id, v.is_default))
        .collect()
}

/// Managed policies: creation with `v1`, lookups, listing with filters,
/// versions (at most five, ids never reused, the default kept), tags,
/// and what keeps a policy from being deleted.
pub async fn managed_policies(store: &dyn Store) {
    let acct = account(store, 7).await;
    let read = managed_policy(&acct, "Read", "/team/");
    store
        .create_policy(&read, POLICY, &tags(&[("owner", "team")]))
        .await
        .expect("create");
    let write = managed_policy(&acct, "write", "/");
    store
        .create_policy(&write, "{}", &[])
        .await
        .expect("create");
    let clash = ManagedPolicy {
        arn: format!("arn:aws:iam::{acct}:policy/READ"),
        policy_id: "ANPACONTRACT7CLASH".into(),
        ..managed_policy(&acct, "READ", "/")
    };
    assert_eq!(
        existing(store.create_policy(&clash, POLICY, &[]).await),
        Existing::Policy("READ".into())
    );

    let found = store
        .managed_policy(&acct, &read.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(found, read);
    assert_eq!(
        store
            .managed_policy("900000000001", &read.arn)
            .await
            .expect("other account"),
        None
    );
    assert_eq!(
        store.tags(&read.policy_id, None, 100).await.expect("tags"),
        tags(&[("owner", "team")])
    );

    let listed = |policies: Vec<ManagedPolicy>| -> Vec<String> {
        policies.into_iter().map(|p| p.name).collect()
    };
    let all = PolicyFilter::default();
    assert_eq!(
        listed(
            store
                .list_policies(&acct, &all, None, 10)
                .await
                .expect("list")
        ),
        ["Read", "write"]
    );
    assert_eq!(
        listed(
            store
                .list_policies(&acct, &all, Some("READ"), 10)
                .await
                .expect("list")
        ),
        ["write"]
    );
    assert_eq!(
        listed(
            store
                .list_policies(&acct, &all, None, 1)
                .await
                .expect("list")
        ),
        ["Read"]
    );
    let team = PolicyFilter {
        path_prefix: Some("/team/".into()),
        ..PolicyFilter::default()
    };
    assert_eq!(
        listed(
            store
                .list_policies(&acct, &team, None, 10)
                .await
                .expect("list")
        ),
        ["Read"]
    );

    // Versions: v2, v3, … ; five at most; the default one stays.
    assert_eq!(
        version_ids(
            store
                .policy_versions(&acct, &read.arn)
                .await
                .expect("versions")
        ),
        [("v1".to_string(), true)]
    );
    let v2 = store
        .create_policy_version(&acct, &read.arn, "{\"v\":2}", false, 1_700_000_100)
        .await
        .expect("v2");
    assert_eq!(v2, "v2");
    let v3 = store
        .create_policy_version(&acct, &read.arn, "{\"v\":3}", true, 1_700_000_200)
        .await
        .expect("v3");
    assert_eq!(v3, "v3");
    let after = store
        .managed_policy(&acct, &read.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        (after.default_version.as_str(), after.updated_at),
        ("v3", 1_700_000_200)
    );
    let v2_read = store
        .policy_version(&acct, &read.arn, "v2")
        .await
        .expect("version")
        .expect("exists");
    assert_eq!(
        (
            v2_read.document.as_str(),
            v2_read.is_default,
            v2_read.created_at
        ),
        ("{\"v\":2}", false, 1_700_000_100)
    );
    assert_eq!(
        store
            .policy_version(&acct, &read.arn, "v9")
            .await
            .expect("version"),
        None
    );
    for n in 4..=5 {
        store
            .create_policy_version(&acct, &read.arn, "{}", false, 1_700_000_300)
            .await
            .unwrap_or_else(|e| panic!("v{n}: {e:?}"));
    }
    assert_eq!(
        quota(
            store
                .create_policy_version(&acct, &read.arn, "{}", false, 1_700_000_400)
                .await
        ),
        Quota::PolicyVersions(5)
    );
    assert_eq!(
        conflict(store.delete_policy_version(&acct, &read.arn, "v3").await),
        Conflict::DefaultVersion
    );
    store
        .delete_policy_version(&acct, &read.arn, "v5")
        .await
        .expect("delete v5");
    assert_eq!(
        missing(store.delete_policy_version(&acct, &read.arn, "v5").await),
        Missing::PolicyVersion {
            arn: read.arn.clone(),
            version_id: "v5".into()
        }
    );
    // A deleted version's id is not given again.
    let v6 = store
        .create_policy_version(&acct, &read.arn, "{}", false, 1_700_000_500)
        .await
        .expect("v6");
    assert_eq!(v6, "v6");
    assert_eq!(
        version_ids(
            store
                .policy_versions(&acct, &read.arn)
                .await
                .expect("versions")
        ),
        [
            ("v6".to_string(), false),
            ("v4".to_string(), false),
            ("v3".to_string(), true),
            ("v2".to_string(), false),
            ("v1".to_string(), false)
        ]
    );
    store
        .set_default_policy_version(&acct, &read.arn, "v1", 1_700_000_600)
        .await
        .expect("default");
    let back = store
        .managed_policy(&acct, &read.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        (back.default_version.as_str(), back.updated_at),
        ("v1", 1_700_000_600)
    );
    assert_eq!(
        missing(
            store
                .set_default_policy_version(&acct, &read.arn, "v5", 0)
                .await
        ),
        Missing::PolicyVersion {
            arn: read.arn.clone(),
            version_id: "v5".into()
        }
    );
    let nowhere = format!("arn:aws:iam::{acct}:policy/none");
    assert_eq!(
        missing(
            store
                .create_policy_version(&acct, &nowhere, "{}", false, 0)
                .await
        ),
        Missing::Policy(nowhere.clone())
    );
    assert_eq!(
        missing(
            store
                .set_default_policy_version(&acct, &nowhere, "v1", 0)
                .await
        ),
        Missing::Policy(nowhere.clone())
    );
    assert_eq!(
        missing(store.delete_policy_version(&acct, &nowhere, "v1").await),
        Missing::Policy(nowhere.clone())
    );
    assert_eq!(
        store
            .policy_versions(&acct, &nowhere)
            .await
            .expect("versions"),
        []
    );

    // Deleting: not while in use, not while it has other versions.
    store
        .create_user(&user(&acct, "AIDACONTRACT7", "holder", "/"), &[])
        .await
        .expect("user");
    store
        .attach_policy(&acct, OwnerKind::User, "holder", &write.arn)
        .await
        .expect("attach");
    assert_eq!(
        conflict(store.delete_policy(&acct, &write.arn).await),
        Conflict::PolicyAttached
    );
    store
        .detach_policy(&acct, OwnerKind::User, "holder", &write.arn)
        .await
        .expect("detach");
    store
        .set_permissions_boundary(&acct, OwnerKind::User, "holder", Some(&write.arn))
        .await
        .expect("boundary");
    assert_eq!(
        conflict(store.delete_policy(&acct, &write.arn).await),
        Conflict::PolicyAttached
    );
    store
        .set_permissions_boundary(&acct, OwnerKind::User, "holder", None)
        .await
        .expect("no boundary");
    store
        .delete_policy(&acct, &write.arn)
        .await
        .expect("delete");
    assert_eq!(
        store.managed_policy(&acct, &write.arn).await.expect("gone"),
        None
    );
    assert_eq!(
        conflict(store.delete_policy(&acct, &read.arn).await),
        Conflict::PolicyHasVersions
    );
    for version in ["v2", "v3", "v4", "v6"] {
        store
            .delete_policy_version(&acct, &read.arn, version)
            .await
            .expect("delete version");
    }
    store.delete_policy(&acct, &read.arn).await.expect("delete");
    assert_eq!(
        store.tags(&read.policy_id, None, 100).await.expect("tags"),
        []
    );
    assert_eq!(
        missing(store.delete_policy(&acct, &read.arn).await),
        Missing::Policy(read.arn.clone())
    );
    // The name is free again.
    store
        .create_policy(&managed_policy(&acct, "read", "/"), POLICY, &[])
        .await
        .expect("create again");
}

fn entities(found: Vec<PolicyEntity>) -> Vec<(OwnerKind, String)> {
    found.into_iter().map(|e| (e.kind, e.name)).collect()
}

/// Attaching managed policies to users, groups and roles (at most ten
/// each), permission boundaries, the entities that use a policy, and
/// entities by unique id.
pub async fn attachments(store: &dyn Store) {
    let acct = account(store, 8).await;
    let shared = managed_policy(&acct, "Shared", "/");
    store
        .create_policy(&shared, POLICY, &[])
        .await
        .expect("policy");
    let other = managed_policy(&acct, "Other", "/x/");
    store
        .create_policy(&other, POLICY, &[])
        .await
        .expect("policy");
    store
        .create_user(&user(&acct, "AIDACONTRACT8ANN", "ann", "/"), &[])
        .await
        .expect("user");
    store
        .create_user(&user(&acct, "AIDACONTRACT8BO", "Bo", "/b/"), &[])
        .await
        .expect("user");
    store
        .create_group(&group(&acct, "AGPACONTRACT8", "Crew", "/"))
        .await
        .expect("group");
    store
        .create_role(&role(&acct, "AROACONTRACT8", "Robot"), &[])
        .await
        .expect("role");

    for (kind, name) in [
        (OwnerKind::User, "ANN"),
        (OwnerKind::User, "bo"),
        (OwnerKind::Group, "crew"),
        (OwnerKind::Role, "robot"),
        (OwnerKind::Role, "robot"),
    ] {
        store
            .attach_policy(&acct, kind, name, &shared.arn)
            .await
            .expect("attach (twice changes nothing)");
    }
    store
        .attach_policy(&acct, OwnerKind::User, "ann", &other.arn)
        .await
        .expect("attach");
    let nowhere = format!("arn:aws:iam::{acct}:policy/none");
    assert_eq!(
        missing(
            store
                .attach_policy(&acct, OwnerKind::User, "ann", &nowhere)
                .await
        ),
        Missing::AttachablePolicy(nowhere.clone())
    );
    assert_eq!(
        missing(
            store
                .attach_policy(&acct, OwnerKind::Group, "none", &shared.arn)
                .await
        ),
        owner("group", "none")
    );
    let counted = store
        .managed_policy(&acct, &shared.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(counted.attachment_count, 4);

    let attached = store
        .attached_policies(&acct, OwnerKind::User, "ann", "/", None, 10)
        .await
        .expect("attached");
    assert_eq!(
        attached,
        [
            ("Other".to_string(), other.arn.clone()),
            ("Shared".to_string(), shared.arn.clone())
        ]
    );
    assert_eq!(
        store
            .attached_policies(&acct, OwnerKind::User, "ann", "/x/", None, 10)
            .await
            .expect("attached"),
        [("Other".to_string(), other.arn.clone())]
    );
    assert_eq!(
        store
            .attached_policies(&acct, OwnerKind::User, "ann", "/", Some("other"), 10)
            .await
            .expect("attached"),
        [("Shared".to_string(), shared.arn.clone())]
    );
    assert_eq!(
        missing(
            store
                .attached_policies(&acct, OwnerKind::Role, "none", "/", None, 10)
                .await
        ),
        owner("role", "none")
    );

    // The entities using a policy: by kind, then name; a page at a time.
    let account_id = acct.as_str();
    let shared_arn = shared.arn.as_str();
    let query = |after: Option<&'static str>, kind: Option<OwnerKind>, limit: usize| async move {
        store
            .entities_for_policy(&EntitiesForPolicy {
                account_id,
                arn: shared_arn,
                usage: PolicyUsage::Permissions,
                kind,
                path_prefix: "/",
                after,
                limit,
            })
            .await
            .expect("entities")
    };
    assert_eq!(
        entities(query(None, None, 10).await),
        [
            (OwnerKind::Group, "Crew".to_string()),
            (OwnerKind::Role, "Robot".to_string()),
            (OwnerKind::User, "ann".to_string()),
            (OwnerKind::User, "Bo".to_string())
        ]
    );
    assert_eq!(
        entities(query(Some("Role/Robot"), None, 1).await),
        [(OwnerKind::User, "ann".to_string())]
    );
    assert_eq!(
        entities(query(Some("User/ANN"), None, 10).await),
        [(OwnerKind::User, "Bo".to_string())]
    );
    assert_eq!(
        entities(query(None, Some(OwnerKind::User), 10).await),
        [
            (OwnerKind::User, "ann".to_string()),
            (OwnerKind::User, "Bo".to_string())
        ]
    );
    let ids: Vec<_> = query(None, Some(OwnerKind::Group), 10)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, ["AGPACONTRACT8"]);
    let under_b = store
        .entities_for_policy(&EntitiesForPolicy {
            account_id: &acct,
            arn: &shared.arn,
            usage: PolicyUsage::Permissions,
            kind: None,
            path_prefix: "/b/",
            after: None,
            limit: 10,
        })
        .await
        .expect("entities");
    assert_eq!(entities(under_b), [(OwnerKind::User, "Bo".to_string())]);
    assert_eq!(
        missing(
            store
                .entities_for_policy(&EntitiesForPolicy {
                    account_id: &acct,
                    arn: &nowhere,
                    usage: PolicyUsage::Permissions,
                    kind: None,
                    path_prefix: "/",
                    after: None,
                    limit: 10,
                })
                .await
        ),
        Missing::Policy(nowhere.clone())
    );

    // Boundaries of users and roles.
    store
        .set_permissions_boundary(&acct, OwnerKind::Role, "ROBOT", Some(&other.arn))
        .await
        .expect("boundary");
    store
        .set_permissions_boundary(&acct, OwnerKind::User, "bo", Some(&other.arn))
        .await
        .expect("boundary");
    assert_eq!(
        missing(
            store
                .set_permissions_boundary(&acct, OwnerKind::User, "bo", Some(&nowhere))
                .await
        ),
        Missing::AttachablePolicy(nowhere.clone())
    );
    assert_eq!(
        missing(
            store
                .set_permissions_boundary(&acct, OwnerKind::Role, "none", Some(&other.arn))
                .await
        ),
        owner("role", "none")
    );
    let bounded = store
        .entities_for_policy(&EntitiesForPolicy {
            account_id: &acct,
            arn: &other.arn,
            usage: PolicyUsage::Boundary,
            kind: None,
            path_prefix: "/",
            after: None,
            limit: 10,
        })
        .await
        .expect("entities");
    assert_eq!(
        entities(bounded),
        [
            (OwnerKind::Role, "Robot".to_string()),
            (OwnerKind::User, "Bo".to_string())
        ]
    );
    let counted = store
        .managed_policy(&acct, &other.arn)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        (counted.attachment_count, counted.boundary_usage_count),
        (1, 2)
    );
    let bo = store
        .user_by_name(&acct, "bo")
        .await
        .expect("user")
        .expect("exists");
    assert_eq!(bo.permissions_boundary.as_deref(), Some(other.arn.as_str()));
    store
        .set_permissions_boundary(&acct, OwnerKind::User, "bo", None)
        .await
        .expect("removed");
    assert_eq!(
        store
            .user_by_name(&acct, "bo")
            .await
            .expect("user")
            .and_then(|u| u.permissions_boundary),
        None
    );

    // Listing by use.
    let listed = |filter: PolicyFilter| async move {
        store
            .list_policies(account_id, &filter, None, 10)
            .await
            .expect("list")
            .into_iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
    };
    let unused = managed_policy(&acct, "Unused", "/");
    store
        .create_policy(&unused, POLICY, &[])
        .await
        .expect("policy");
    assert_eq!(
        listed(PolicyFilter {
            only_attached: true,
            ..PolicyFilter::default()
        })
        .await,
        ["Other", "Shared"]
    );
    assert_eq!(
        listed(PolicyFilter {
            usage: Some(PolicyUsage::Boundary),
            ..PolicyFilter::default()
        })
        .await,
        ["Other"]
    );
    assert_eq!(
        listed(PolicyFilter {
            usage: Some(PolicyUsage::Permissions),
            ..PolicyFilter::default()
        })
        .await,
        ["Other", "Shared"]
    );

    // Detaching.
    store
        .detach_policy(&acct, OwnerKind::User, "ann", &other.arn)
        .await
        .expect("detach");
    assert_eq!(
        missing(
            store
                .detach_policy(&acct, OwnerKind::User, "ann", &other.arn)
                .await
        ),
        Missing::Policy(other.arn.clone())
    );
    assert_eq!(
        missing(
            store
                .detach_policy(&acct, OwnerKind::Group, "nobody", &other.arn)
                .await
        ),
        owner("group", "nobody")
    );

    // At most ten attached to one entity.
    for n in 0..9 {
        let extra = managed_policy(&acct, &format!("Extra{n}"), "/");
        store
            .create_policy(&extra, POLICY, &[])
            .await
            .expect("policy");
        store
            .attach_policy(&acct, OwnerKind::Group, "crew", &extra.arn)
            .await
            .expect("attach");
    }
    assert_eq!(
        quota(
            store
                .attach_policy(&acct, OwnerKind::Group, "crew", &unused.arn)
                .await
        ),
        Quota::AttachedPolicies("PoliciesPerGroup", 10)
    );
    store
        .attach_policy(&acct, OwnerKind::Group, "crew", &shared.arn)
        .await
        .expect("attaching again is no new attachment");

    // Entities by unique id and by name.
    assert_eq!(
        store.entity_by_id("AROACONTRACT8").await.expect("by id"),
        Some(EntityName {
            kind: OwnerKind::Role,
            account_id: acct.clone(),
            path: "/".into(),
            name: "Robot".into()
        })
    );
    assert_eq!(
        store
            .entity_by_id("AIDACONTRACT8BO")
            .await
            .expect("by id")
            .map(|e| (e.kind, e.path)),
        Some((OwnerKind::User, "/b/".to_string()))
    );
    assert_eq!(
        store
            .entity_by_id("AGPACONTRACT8")
            .await
            .expect("by id")
            .map(|e| e.kind),
        Some(OwnerKind::Group)
    );
    assert_eq!(store.entity_by_id("AIDANOBODY").await.expect("by id"), None);
    assert_eq!(
        store
            .entity_ref(&acct, OwnerKind::User, "BO")
            .await
            .expect("ref"),
        Some(("AIDACONTRACT8BO".to_string(), "/b/".to_string()))
    );
    assert_eq!(
        store
            .entity_ref(&acct, OwnerKind::Group, "none")
            .await
            .expect("ref"),
        None
    );
}
