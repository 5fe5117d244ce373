use super::fixtures::{group, managed_policy, mfa_device, role, user};
use super::{POLICY, account, conflict, existing, key, missing, owner, quota, tag, tagged, tags};
use crate::TaggedKind;
use crate::{
    AccessKeyStatus, Conflict, Existing, Group, Missing, OwnerKind, PolicyOwnerKind, Quota, Store,
    User,
};

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}

/// Users: creation, lookups by id and by name regardless of case, listing
/// by path and page, renames, tags, and what keeps a user from being deleted.
pub async fn users(store: &dyn Store) {
    let acct = account(store, 2).await;
    let alice = user(&acct, "AIDACONTRACT2ALICE", "Alice", "/ops/");
    store
        .create_user(&alice, &tags(&[("Team", "ops"), ("cost", "7")]))
        .await
        .expect("create");
    store
        .create_user(&user(&acct, "AIDACONTRACT2BOB", "bob", "/"), &[])
        .await
        .expect("create");
    store
        .create_user(&user(&acct, "AIDACONTRACT2CAROL", "Carol", "/ops/db/"), &[])
        .await
        .expect("create");

    assert_eq!(
        store.user_by_id(&alice.user_id).await.expect("by id"),
        Some(alice.clone())
    );
    assert_eq!(
        store.user_by_name(&acct, "ALICE").await.expect("by name"),
        Some(alice.clone())
    );
    assert_eq!(
        store.user_by_name(&acct, "dave").await.expect("by name"),
        None
    );
    assert_eq!(store.user_by_id("AIDANOBODY").await.expect("by id"), None);
    // Another account does not see them.
    assert_eq!(
        store
            .user_by_name("900000000001", "alice")
            .await
            .expect("by name"),
        None
    );

    // Names are unique regardless of case; the error names the new one.
    let clash = user(&acct, "AIDACONTRACT2CLASH", "BOB", "/");
    assert_eq!(
        existing(store.create_user(&clash, &[]).await),
        Existing::User("BOB".into())
    );
    assert_eq!(
        store.user_by_id("AIDACONTRACT2CLASH").await.expect("id"),
        None
    );
    // A boundary must name a managed policy.
    let bounded = User {
        permissions_boundary: Some(format!("arn:aws:iam::{acct}:policy/none")),
        ..user(&acct, "AIDACONTRACT2BOUND", "bounded", "/")
    };
    assert_eq!(
        missing(store.create_user(&bounded, &[]).await),
        Missing::AttachablePolicy(format!("arn:aws:iam::{acct}:policy/none"))
    );

    // Listed by name regardless of case, by path prefix, a page at a time.
    let all = store.list_users(&acct, "/", None, 10).await.expect("list");
    assert_eq!(names(&all), ["Alice", "bob", "Carol"]);
    let ops = store
        .list_users(&acct, "/ops/", None, 10)
        .await
        .expect("list");
    assert_eq!(names(&ops), ["Alice", "Carol"]);
    let first = store.list_users(&acct, "/", None, 1).await.expect("page");
    assert_eq!(names(&first), ["Alice"]);
    let next = store
        .list_users(&acct, "/", Some("ALICE"), 1)
        .await
        .expect("page");
    assert_eq!(names(&next), ["bob"]);
    let last = store
        .list_users(&acct, "/", Some("bob"), 5)
        .await
        .expect("page");
    assert_eq!(names(&last), ["Carol"]);

    // Renames and moves.
    let renamed = store
        .update_user(&acct, "carol", Some("Caroline"), Some("/db/"))
        .await
        .expect("rename");
    assert_eq!(
        (renamed.name.as_str(), renamed.path.as_str()),
        ("Caroline", "/db/")
    );
    assert_eq!(store.user_by_name(&acct, "carol").await.expect("old"), None);
    let found = store
        .user_by_name(&acct, "caroline")
        .await
        .expect("new")
        .expect("renamed");
    assert_eq!(found.user_id, "AIDACONTRACT2CAROL");
    let recased = store
        .update_user(&acct, "bob", Some("Bob"), None)
        .await
        .expect("a user may take its own name in another case");
    assert_eq!((recased.name.as_str(), recased.path.as_str()), ("Bob", "/"));
    assert_eq!(
        existing(store.update_user(&acct, "bob", Some("alice"), None).await),
        Existing::User("alice".into())
    );
    assert_eq!(
        missing(store.update_user(&acct, "nobody", None, Some("/x/")).await),
        owner("user", "nobody")
    );

    // Tags: by key regardless of case, a page at a time, at most 50.
    let id = &alice.user_id;
    assert_eq!(
        store.tags(id, None, 10).await.expect("tags"),
        tags(&[("cost", "7"), ("Team", "ops")])
    );
    assert_eq!(
        store.tags(id, Some("COST"), 10).await.expect("tags"),
        tags(&[("Team", "ops")])
    );
    assert_eq!(
        store.tags(id, None, 1).await.expect("tags"),
        tags(&[("cost", "7")])
    );
    store
        .tag(
            tagged(TaggedKind::User, &acct, "alice"),
            &tags(&[("TEAM", "dev"), ("env", "prod")]),
        )
        .await
        .expect("tag");
    assert_eq!(
        store.tags(id, None, 10).await.expect("tags"),
        tags(&[("cost", "7"), ("env", "prod"), ("TEAM", "dev")])
    );
    // IAM's quota: 50 tags.
    let many: Vec<_> = (0..48).map(|i| tag(&format!("k{i:02}"), "v")).collect();
    assert_eq!(
        quota(
            store
                .tag(tagged(TaggedKind::User, &acct, "alice"), &many)
                .await
        ),
        Quota::Tags
    );
    assert_eq!(store.tags(id, None, 100).await.expect("tags").len(), 3);
    store
        .tag(tagged(TaggedKind::User, &acct, "alice"), &many[..47])
        .await
        .expect("up to the limit");
    assert_eq!(store.tags(id, None, 100).await.expect("tags").len(), 50);
    let keys: Vec<String> = (0..47).map(|i| format!("K{i:02}")).collect();
    store
        .untag(tagged(TaggedKind::User, &acct, "Alice"), &keys)
        .await
        .expect("untag");
    store
        .untag(
            tagged(TaggedKind::User, &acct, "alice"),
            &["ENV".into(), "absent".into()],
        )
        .await
        .expect("untag");
    assert_eq!(
        store.tags(id, None, 10).await.expect("tags"),
        tags(&[("cost", "7"), ("TEAM", "dev")])
    );
    assert_eq!(
        missing(
            store
                .tag(
                    tagged(TaggedKind::User, &acct, "nobody"),
                    &tags(&[("a", "b")])
                )
                .await
        ),
        owner("user", "nobody")
    );
    assert_eq!(
        missing(
            store
                .untag(tagged(TaggedKind::User, &acct, "nobody"), &["a".into()])
                .await
        ),
        owner("user", "nobody")
    );

    // Deleting: what the user still has keeps it, in IAM's order.
    store
        .create_access_key(&key("AKIACONTRACT2ALICE", &acct, Some(id)))
        .await
        .expect("key");
    store
        .put_inline_policy(&acct, PolicyOwnerKind::User, "alice", "p", POLICY, 10_240)
        .await
        .expect("inline");
    let policy = managed_policy(&acct, "UserPolicy", "/");
    store
        .create_policy(&policy, POLICY, &[])
        .await
        .expect("policy");
    store
        .attach_policy(&acct, OwnerKind::User, "alice", &policy.arn)
        .await
        .expect("attach");
    store
        .create_group(&group(&acct, "AGPACONTRACT2", "Staff", "/"))
        .await
        .expect("group");
    store
        .add_user_to_group(&acct, "staff", "alice", 1_700_000_050)
        .await
        .expect("member");
    let device = mfa_device(&acct, "alice-phone");
    store.create_mfa_device(&device).await.expect("device");
    store
        .enable_mfa_device(&acct, &device.serial_number, id, 1_700_000_060, 1)
        .await
        .expect("enable");

    let order = [
        Conflict::HasAccessKeys,
        Conflict::HasInlinePolicies,
        Conflict::HasAttachedPolicies,
        Conflict::HasGroupMembers,
        Conflict::HasMfaDevice,
    ];
    for expected in order {
        assert_eq!(conflict(store.delete_user(&acct, "ALICE").await), expected);
        match expected {
            Conflict::HasAccessKeys => store
                .delete_access_key(&acct, Some(id), "AKIACONTRACT2ALICE")
                .await
                .expect("delete key"),
            Conflict::HasInlinePolicies => store
                .delete_inline_policy(&acct, PolicyOwnerKind::User, "alice", "p")
                .await
                .expect("delete inline"),
            Conflict::HasAttachedPolicies => store
                .detach_policy(&acct, OwnerKind::User, "alice", &policy.arn)
                .await
                .expect("detach"),
            Conflict::HasGroupMembers => store
                .remove_user_from_group(&acct, "staff", "alice")
                .await
                .expect("leave"),
            _ => store
                .deactivate_mfa_device(&acct, &device.serial_number, id)
                .await
                .expect("deactivate"),
        }
    }
    store.delete_user(&acct, "ALICE").await.expect("delete");
    assert_eq!(store.user_by_id(id).await.expect("by id"), None);
    assert_eq!(store.tags(id, None, 10).await.expect("tags"), []);
    assert_eq!(
        missing(store.delete_user(&acct, "alice").await),
        owner("user", "alice")
    );
    // The name is free again.
    store
        .create_user(&user(&acct, "AIDACONTRACT2ALICE2", "alice", "/"), &[])
        .await
        .expect("create again");
    assert_eq!(
        store
            .tags("AIDACONTRACT2ALICE2", None, 10)
            .await
            .expect("tags"),
        []
    );
}

/// Long-term keys of users and of the root user: at most two each, listed
/// by id, activated, deactivated and deleted only by their owner.
pub async fn access_keys(store: &dyn Store) {
    let acct = account(store, 3).await;
    let user_id = "AIDACONTRACT3DEV";
    store
        .create_user(&user(&acct, user_id, "dev", "/"), &[])
        .await
        .expect("user");
    store
        .create_access_key(&key("AKIACONTRACT3B", &acct, Some(user_id)))
        .await
        .expect("first");
    store
        .create_access_key(&key("AKIACONTRACT3A", &acct, Some(user_id)))
        .await
        .expect("second");
    assert_eq!(
        quota(
            store
                .create_access_key(&key("AKIACONTRACT3C", &acct, Some(user_id)))
                .await
        ),
        Quota::AccessKeysPerUser(2)
    );
    assert_eq!(store.access_key("AKIACONTRACT3C").await.expect("key"), None);

    // The root user has one key from its account's creation.
    store
        .create_access_key(&key("AKIACONTRACT3ROOT", &acct, None))
        .await
        .expect("second root key");
    assert_eq!(
        quota(
            store
                .create_access_key(&key("AKIACONTRACT3ROOT2", &acct, None))
                .await
        ),
        Quota::AccessKeysPerUser(2)
    );

    let ids = |keys: Vec<crate::AccessKeyRecord>| -> Vec<String> {
        keys.into_iter().map(|k| k.access_key_id).collect()
    };
    assert_eq!(
        ids(store
            .access_keys_of(&acct, Some(user_id), None, 10)
            .await
            .expect("keys")),
        ["AKIACONTRACT3A", "AKIACONTRACT3B"]
    );
    assert_eq!(
        ids(store
            .access_keys_of(&acct, Some(user_id), Some("AKIACONTRACT3A"), 10)
            .await
            .expect("keys")),
        ["AKIACONTRACT3B"]
    );
    assert_eq!(
        ids(store
            .access_keys_of(&acct, Some(user_id), None, 1)
            .await
            .expect("keys")),
        ["AKIACONTRACT3A"]
    );
    assert_eq!(
        ids(store
            .access_keys_of(&acct, None, None, 10)
            .await
            .expect("keys")),
        ["AKIACONTRACT3ROOT", "AKIAROOT03"]
    );

    store
        .set_access_key_status(
            &acct,
            Some(user_id),
            "AKIACONTRACT3A",
            AccessKeyStatus::Inactive,
        )
        .await
        .expect("deactivate");
    let inactive = store
        .access_key("AKIACONTRACT3A")
        .await
        .expect("key")
        .expect("exists");
    assert_eq!(inactive.status, AccessKeyStatus::Inactive);
    assert_eq!(inactive.user_id.as_deref(), Some(user_id));
    // Only the owner's keys: the root user cannot reach the user's.
    assert_eq!(
        missing(
            store
                .set_access_key_status(&acct, None, "AKIACONTRACT3A", AccessKeyStatus::Active)
                .await
        ),
        Missing::AccessKey("AKIACONTRACT3A".into())
    );
    assert_eq!(
        missing(store.delete_access_key(&acct, None, "AKIACONTRACT3B").await),
        Missing::AccessKey("AKIACONTRACT3B".into())
    );
    assert_eq!(
        missing(
            store
                .delete_access_key("900000000001", Some(user_id), "AKIACONTRACT3B")
                .await
        ),
        Missing::AccessKey("AKIACONTRACT3B".into())
    );
    store
        .delete_access_key(&acct, Some(user_id), "AKIACONTRACT3B")
        .await
        .expect("delete");
    assert_eq!(store.access_key("AKIACONTRACT3B").await.expect("key"), None);
    // Room for another now.
    store
        .create_access_key(&key("AKIACONTRACT3C", &acct, Some(user_id)))
        .await
        .expect("replacement");
}

/// Groups: creation, lookups regardless of case, listing, renames,
/// membership, and what keeps a group from being deleted.
pub async fn groups(store: &dyn Store) {
    let acct = account(store, 4).await;
    let dev = group(&acct, "AGPACONTRACT4DEV", "Dev", "/eng/");
    store.create_group(&dev).await.expect("create");
    store
        .create_group(&group(&acct, "AGPACONTRACT4OPS", "ops", "/"))
        .await
        .expect("create");
    assert_eq!(
        existing(
            store
                .create_group(&group(&acct, "AGPACONTRACT4X", "DEV", "/"))
                .await
        ),
        Existing::Group("DEV".into())
    );
    assert_eq!(
        store.group_by_name(&acct, "dev").await.expect("by name"),
        Some(dev.clone())
    );
    assert_eq!(
        store.group_by_name(&acct, "qa").await.expect("by name"),
        None
    );

    let listed =
        |groups: Vec<Group>| -> Vec<String> { groups.into_iter().map(|g| g.name).collect() };
    assert_eq!(
        listed(store.list_groups(&acct, "/", None, 10).await.expect("list")),
        ["Dev", "ops"]
    );
    assert_eq!(
        listed(
            store
                .list_groups(&acct, "/eng/", None, 10)
                .await
                .expect("list")
        ),
        ["Dev"]
    );
    assert_eq!(
        listed(
            store
                .list_groups(&acct, "/", Some("DEV"), 10)
                .await
                .expect("list")
        ),
        ["ops"]
    );
    assert_eq!(
        listed(store.list_groups(&acct, "/", None, 1).await.expect("list")),
        ["Dev"]
    );

    let renamed = store
        .update_group(&acct, "OPS", Some("Operations"), Some("/run/"))
        .await
        .expect("rename");
    assert_eq!(
        (
            renamed.name.as_str(),
            renamed.path.as_str(),
            renamed.group_id.as_str()
        ),
        ("Operations", "/run/", "AGPACONTRACT4OPS")
    );
    assert_eq!(
        existing(
            store
                .update_group(&acct, "operations", Some("dev"), None)
                .await
        ),
        Existing::Group("dev".into())
    );
    assert_eq!(
        missing(store.update_group(&acct, "ops", None, None).await),
        owner("group", "ops")
    );

    // Membership: adding twice changes nothing; members and groups by name.
    for (id, name) in [
        ("AIDACONTRACT4ZOE", "zoe"),
        ("AIDACONTRACT4AMY", "Amy"),
        ("AIDACONTRACT4BEN", "ben"),
    ] {
        store
            .create_user(&user(&acct, id, name, "/"), &[])
            .await
            .expect("user");
    }
    for name in ["zoe", "AMY", "amy", "ben"] {
        store
            .add_user_to_group(&acct, "dev", name, 1_700_000_050)
            .await
            .expect("add");
    }
    store
        .add_user_to_group(&acct, "operations", "amy", 1_700_000_050)
        .await
        .expect("add");
    assert_eq!(
        missing(store.add_user_to_group(&acct, "qa", "amy", 0).await),
        owner("group", "qa")
    );
    assert_eq!(
        missing(store.add_user_to_group(&acct, "dev", "nobody", 0).await),
        owner("user", "nobody")
    );
    let members = store
        .group_members(&dev.group_id, None, 10)
        .await
        .expect("members");
    assert_eq!(names(&members), ["Amy", "ben", "zoe"]);
    let page = store
        .group_members(&dev.group_id, Some("amy"), 1)
        .await
        .expect("members");
    assert_eq!(names(&page), ["ben"]);
    assert_eq!(
        listed(
            store
                .groups_for_user("AIDACONTRACT4AMY", None, 10)
                .await
                .expect("groups")
        ),
        ["Dev", "Operations"]
    );
    assert_eq!(
        listed(
            store
                .groups_for_user("AIDACONTRACT4AMY", Some("dev"), 10)
                .await
                .expect("groups")
        ),
        ["Operations"]
    );

    // Deleting: members first, then policies.
    assert_eq!(
        conflict(store.delete_group(&acct, "dev").await),
        Conflict::HasGroupMembers
    );
    for name in ["zoe", "amy", "ben", "ben"] {
        store
            .remove_user_from_group(&acct, "dev", name)
            .await
            .expect("remove");
    }
    assert_eq!(
        store
            .group_members(&dev.group_id, None, 10)
            .await
            .expect("members"),
        []
    );
    store
        .put_inline_policy(&acct, PolicyOwnerKind::Group, "dev", "p", POLICY, 5_120)
        .await
        .expect("inline");
    assert_eq!(
        conflict(store.delete_group(&acct, "dev").await),
        Conflict::HasInlinePolicies
    );
    store
        .delete_inline_policy(&acct, PolicyOwnerKind::Group, "dev", "p")
        .await
        .expect("delete inline");
    let policy = managed_policy(&acct, "GroupPolicy", "/");
    store
        .create_policy(&policy, POLICY, &[])
        .await
        .expect("policy");
    store
        .attach_policy(&acct, OwnerKind::Group, "dev", &policy.arn)
        .await
        .expect("attach");
    assert_eq!(
        conflict(store.delete_group(&acct, "dev").await),
        Conflict::HasAttachedPolicies
    );
    store
        .detach_policy(&acct, OwnerKind::Group, "dev", &policy.arn)
        .await
        .expect("detach");
    store.delete_group(&acct, "DEV").await.expect("delete");
    assert_eq!(store.group_by_name(&acct, "dev").await.expect("gone"), None);
    assert_eq!(
        missing(store.delete_group(&acct, "dev").await),
        owner("group", "dev")
    );
}

/// Inline policies of users, groups and roles: put, replaced, read and
/// deleted by name regardless of case, listed, and their total size.
pub async fn inline_policies(store: &dyn Store) {
    let acct = account(store, 5).await;
    store
        .create_user(&user(&acct, "AIDACONTRACT5", "Writer", "/w/"), &[])
        .await
        .expect("user");
    store
        .create_group(&group(&acct, "AGPACONTRACT5", "Readers", "/"))
        .await
        .expect("group");
    store
        .create_role(&role(&acct, "AROACONTRACT5", "Runner"), &[])
        .await
        .expect("role");

    for (kind, name) in [
        (PolicyOwnerKind::User, "writer"),
        (PolicyOwnerKind::Group, "READERS"),
        (PolicyOwnerKind::Role, "runner"),
    ] {
        let owner_entity = store
            .policy_owner(&acct, kind, name)
            .await
            .expect("owner")
            .expect("exists");
        assert_eq!(owner_entity.kind, kind);
        for policy in ["Zeta", "alpha", "Beta"] {
            store
                .put_inline_policy(&acct, kind, name, policy, POLICY, 10_240)
                .await
                .expect("put");
        }
        // Replacing keeps the name as first written.
        store
            .put_inline_policy(&acct, kind, name, "ZETA", "{}", 10_240)
            .await
            .expect("replace");
        let zeta = store
            .inline_policy(&acct, kind, name, "zeta")
            .await
            .expect("read");
        assert_eq!((zeta.name.as_str(), zeta.document.as_str()), ("Zeta", "{}"));
        assert_eq!(zeta.owner_name, owner_entity.name);
        assert_eq!(
            store
                .inline_policy_names(&acct, kind, name, None, 10)
                .await
                .expect("names"),
            ["alpha", "Beta", "Zeta"]
        );
        assert_eq!(
            store
                .inline_policy_names(&acct, kind, name, Some("ALPHA"), 1)
                .await
                .expect("names"),
            ["Beta"]
        );
        store
            .delete_inline_policy(&acct, kind, name, "BETA")
            .await
            .expect("delete");
        assert_eq!(
            missing(store.delete_inline_policy(&acct, kind, name, "beta").await),
            Missing::InlinePolicy {
                kind: kind.noun(),
                policy_name: "beta".into()
            }
        );
        assert_eq!(
            missing(store.inline_policy(&acct, kind, name, "beta").await),
            Missing::InlinePolicy {
                kind: kind.noun(),
                policy_name: "beta".into()
            }
        );
    }

    // The size of all of an owner's policies together, white space aside;
    // the one replaced does not count twice.
    let doc = |n: usize| format!("{{\"a\": \"{}\"}}", "x".repeat(n));
    // `{"a":"…"}` without its white space.
    let size = |n: usize| n + 8;
    for policy in ["alpha", "Zeta"] {
        store
            .put_inline_policy(
                &acct,
                PolicyOwnerKind::User,
                "writer",
                policy,
                &doc(100),
                10_240,
            )
            .await
            .expect("put");
    }
    let total = size(100) + size(200);
    store
        .put_inline_policy(
            &acct,
            PolicyOwnerKind::User,
            "writer",
            "ALPHA",
            &doc(200),
            total,
        )
        .await
        .expect("exactly at the limit");
    assert_eq!(
        quota(
            store
                .put_inline_policy(
                    &acct,
                    PolicyOwnerKind::User,
                    "writer",
                    "new",
                    "{}",
                    total + 1
                )
                .await
        ),
        Quota::InlinePolicySize {
            owner_kind: "user",
            owner_name: "Writer".into(),
            max_bytes: total + 1
        }
    );
    store
        .put_inline_policy(
            &acct,
            PolicyOwnerKind::User,
            "writer",
            "new",
            "{ }",
            total + 2,
        )
        .await
        .expect("within the limit");

    assert_eq!(
        store
            .policy_owner(&acct, PolicyOwnerKind::Role, "nobody")
            .await
            .expect("owner"),
        None
    );
    assert_eq!(
        missing(
            store
                .put_inline_policy(&acct, PolicyOwnerKind::Group, "nobody", "p", POLICY, 5_120)
                .await
        ),
        owner("group", "nobody")
    );
    assert_eq!(
        missing(
            store
                .inline_policy_names(&acct, PolicyOwnerKind::Role, "nobody", None, 10)
                .await
        ),
        owner("role", "nobody")
    );
}
