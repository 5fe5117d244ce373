use super::fixtures::role;
use super::{account, conflict, existing, missing, owner, quota, tagged, tags};
use crate::{Conflict, Existing, InstanceProfile, Missing, Quota, Store, StoreError, TaggedKind};

fn profile(account_id: &str, id: &str, name: &str, path: &str) -> InstanceProfile {
    InstanceProfile {
        instance_profile_id: id.to_string(),
        account_id: account_id.to_string(),
        name: name.to_string(),
        path: path.to_string(),
        created_at: 1_700_000_100,
        roles: Vec::new(),
    }
}

fn names(profiles: Result<Vec<InstanceProfile>, StoreError>) -> Vec<String> {
    profiles
        .expect("list")
        .into_iter()
        .map(|p| p.name)
        .collect()
}

/// Instance profiles: named uniquely regardless of case, listed by name
/// under a path, holding one role at most, a role in several of them, and
/// neither deleted while the one holds the other.
pub async fn instance_profiles(store: &dyn Store) {
    let acct = account(store, 61).await;
    let other = account(store, 62).await;
    let web = profile(&acct, "AIPACONTRACT61WEB", "Web", "/app/");
    store
        .create_instance_profile(&web, &tags(&[("team", "blue"), ("Env", "prod")]))
        .await
        .expect("create");
    store
        .create_instance_profile(&profile(&acct, "AIPACONTRACT61DB", "db", "/"), &[])
        .await
        .expect("create");
    assert_eq!(
        existing(
            store
                .create_instance_profile(&profile(&acct, "AIPACONTRACT61X", "WEB", "/"), &[])
                .await
        ),
        Existing::InstanceProfile("WEB".into())
    );
    // Another account has names of its own.
    store
        .create_instance_profile(&profile(&other, "AIPACONTRACT62WEB", "web", "/"), &[])
        .await
        .expect("create in another account");

    assert_eq!(
        store.instance_profile(&acct, "WEB").await.expect("read"),
        Some(web.clone())
    );
    assert_eq!(
        store.instance_profile(&acct, "none").await.expect("read"),
        None
    );
    assert_eq!(
        store
            .tags(&web.instance_profile_id, None, 50)
            .await
            .expect("tags"),
        tags(&[("Env", "prod"), ("team", "blue")])
    );
    assert_eq!(
        names(store.list_instance_profiles(&acct, "/", None, 10).await),
        ["db", "Web"]
    );
    assert_eq!(
        names(store.list_instance_profiles(&acct, "/app/", None, 10).await),
        ["Web"]
    );
    assert_eq!(
        names(
            store
                .list_instance_profiles(&acct, "/", Some("DB"), 1)
                .await
        ),
        ["Web"]
    );
    assert_eq!(
        names(store.list_instance_profiles(&acct, "/", None, 1).await),
        ["db"]
    );

    // One role per profile; a role in several profiles.
    for (id, name) in [("AROACONTRACT61W", "worker"), ("AROACONTRACT61O", "other")] {
        store
            .create_role(&role(&acct, id, name), &[])
            .await
            .expect("role");
    }
    let worker = store
        .role_by_name(&acct, "worker")
        .await
        .expect("role")
        .expect("exists");
    assert_eq!(
        missing(
            store
                .add_role_to_instance_profile(&acct, "nope", "worker", 1_700_000_110)
                .await
        ),
        Missing::InstanceProfile("nope".into())
    );
    assert_eq!(
        missing(
            store
                .add_role_to_instance_profile(&acct, "web", "ghost", 1_700_000_110)
                .await
        ),
        owner("role", "ghost")
    );
    store
        .add_role_to_instance_profile(&acct, "web", "WORKER", 1_700_000_110)
        .await
        .expect("add");
    for role_name in ["other", "worker"] {
        assert_eq!(
            quota(
                store
                    .add_role_to_instance_profile(&acct, "Web", role_name, 1_700_000_111)
                    .await
            ),
            Quota::RolesPerInstanceProfile(1)
        );
    }
    store
        .add_role_to_instance_profile(&acct, "db", "worker", 1_700_000_112)
        .await
        .expect("add to a second profile");
    let read = store
        .instance_profile(&acct, "web")
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.roles, std::slice::from_ref(&worker));
    let listed = store
        .list_instance_profiles(&acct, "/", None, 10)
        .await
        .expect("list");
    assert!(listed.iter().all(|p| p.roles == [worker.clone()]));
    assert_eq!(
        names(
            store
                .instance_profiles_for_role(&worker.role_id, None, 10)
                .await
        ),
        ["db", "Web"]
    );
    assert_eq!(
        names(
            store
                .instance_profiles_for_role(&worker.role_id, Some("DB"), 1)
                .await
        ),
        ["Web"]
    );
    assert_eq!(
        names(
            store
                .instance_profiles_for_role("AROACONTRACT61O", None, 10)
                .await
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        store
            .account_counts(&acct)
            .await
            .expect("counts")
            .instance_profiles,
        2
    );

    // Neither goes while the one holds the other.
    assert_eq!(
        conflict(store.delete_instance_profile(&acct, "web").await),
        Conflict::InstanceProfileRole
    );
    assert_eq!(
        conflict(store.delete_role(&acct, "worker").await),
        Conflict::InstanceProfileRole
    );

    // Removing: the profile must exist and hold the role.
    assert_eq!(
        missing(
            store
                .remove_role_from_instance_profile(&acct, "nope", "worker")
                .await
        ),
        Missing::InstanceProfile("nope".into())
    );
    assert_eq!(
        missing(
            store
                .remove_role_from_instance_profile(&acct, "web", "other")
                .await
        ),
        owner("role", "other")
    );
    assert_eq!(
        missing(
            store
                .remove_role_from_instance_profile(&acct, "web", "ghost")
                .await
        ),
        owner("role", "ghost")
    );
    store
        .remove_role_from_instance_profile(&acct, "WEB", "Worker")
        .await
        .expect("remove");
    assert_eq!(
        missing(
            store
                .remove_role_from_instance_profile(&acct, "web", "worker")
                .await
        ),
        owner("role", "worker")
    );
    assert_eq!(
        store
            .instance_profile(&acct, "web")
            .await
            .expect("read")
            .map(|p| p.roles),
        Some(Vec::new())
    );
    assert_eq!(
        conflict(store.delete_role(&acct, "worker").await),
        Conflict::InstanceProfileRole
    );
    store
        .remove_role_from_instance_profile(&acct, "db", "worker")
        .await
        .expect("remove");
    store
        .delete_role(&acct, "worker")
        .await
        .expect("a role in no profile goes");

    // Tags through TagStore, under the profile's unique id.
    store
        .tag(
            tagged(TaggedKind::InstanceProfile, &acct, "WEB"),
            &tags(&[("TEAM", "red")]),
        )
        .await
        .expect("tag");
    store
        .untag(
            tagged(TaggedKind::InstanceProfile, &acct, "web"),
            &["env".to_string()],
        )
        .await
        .expect("untag");
    assert_eq!(
        store
            .tags(&web.instance_profile_id, None, 50)
            .await
            .expect("tags"),
        tags(&[("TEAM", "red")])
    );
    assert_eq!(
        missing(
            store
                .tag(
                    tagged(TaggedKind::InstanceProfile, &acct, "none"),
                    &tags(&[("a", "b")]),
                )
                .await
        ),
        Missing::InstanceProfile("none".into())
    );

    // Deleted with its tags; the other account's profile stays.
    store
        .delete_instance_profile(&acct, "Web")
        .await
        .expect("delete");
    assert_eq!(
        store.instance_profile(&acct, "web").await.expect("read"),
        None
    );
    assert_eq!(
        store
            .tags(&web.instance_profile_id, None, 50)
            .await
            .expect("tags"),
        Vec::new()
    );
    assert_eq!(
        missing(store.delete_instance_profile(&acct, "web").await),
        Missing::InstanceProfile("web".into())
    );
    assert_eq!(
        names(store.list_instance_profiles(&other, "/", None, 10).await),
        ["web"]
    );
    assert_eq!(
        store
            .account_counts(&acct)
            .await
            .expect("counts")
            .instance_profiles,
        1
    );
}
