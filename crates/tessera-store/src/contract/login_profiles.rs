//! Login profiles, password histories and password policies.

use super::fixtures::user;
use super::{account, conflict, existing, key, missing, owner};
use crate::{
    Conflict, Existing, LoginProfileChange, Missing, NewPassword, PASSWORDS_REMEMBERED,
    PasswordPolicy, Store,
};

fn password(hash: &str, at: i64) -> NewPassword {
    NewPassword {
        hash: hash.to_string(),
        at,
    }
}

/// Login profiles: one per user, read by the user's name regardless of
/// case, changed in part, replaced only while the password is the one
/// proved, deleted; each password remembered (the newest 24); a profile
/// keeps its user from being deleted.
pub async fn login_profiles(store: &dyn Store) {
    let acct = account(store, 47).await;
    let alice = user(&acct, "AIDACONTRACT47ALICE", "Alice", "/");
    store.create_user(&alice, &[]).await.expect("create user");

    assert_eq!(
        missing(store.login_profile(&acct, "alice").await),
        Missing::LoginProfile("alice".into())
    );
    assert_eq!(
        missing(store.login_profile(&acct, "nobody").await),
        owner("user", "nobody")
    );
    assert_eq!(
        missing(
            store
                .create_login_profile(&acct, "nobody", &password("$h0", 10), false, None)
                .await
        ),
        owner("user", "nobody")
    );

    let created = store
        .create_login_profile(&acct, "ALICE", &password("$h1", 100), true, Some(3600))
        .await
        .expect("create");
    assert_eq!(
        (
            created.user_id.as_str(),
            created.user_name.as_str(),
            created.password_hash.as_str(),
            created.password_reset_required,
            created.max_signin_session_duration,
            created.created_at,
            created.password_changed_at,
        ),
        (
            "AIDACONTRACT47ALICE",
            "Alice",
            "$h1",
            true,
            Some(3600),
            100,
            100
        )
    );
    assert_eq!(
        store.login_profile(&acct, "alice").await.expect("read"),
        created
    );
    assert!(
        !format!("{created:?}").contains("$h1"),
        "Debug leaves the hash out"
    );
    assert_eq!(
        existing(
            store
                .create_login_profile(&acct, "alice", &password("$h2", 110), false, None)
                .await
        ),
        Existing::LoginProfile("alice".into())
    );
    // Another account does not see it.
    let other = account(store, 48).await;
    assert_eq!(
        missing(store.login_profile(&other, "alice").await),
        owner("user", "alice")
    );

    // A change of the reset flag alone keeps the password and its date.
    let flag = LoginProfileChange {
        password_reset_required: Some(false),
        ..LoginProfileChange::default()
    };
    assert!(
        store
            .update_login_profile(&acct, "alice", &flag)
            .await
            .expect("update")
    );
    let read = store.login_profile(&acct, "alice").await.expect("read");
    assert_eq!(
        (
            read.password_hash.as_str(),
            read.password_changed_at,
            read.password_reset_required,
            read.max_signin_session_duration
        ),
        ("$h1", 100, false, Some(3600))
    );

    // A new password is dated and remembered; the session limit cleared.
    let change = LoginProfileChange {
        password: Some(password("$h2", 200)),
        max_signin_session_duration: Some(None),
        ..LoginProfileChange::default()
    };
    assert!(
        store
            .update_login_profile(&acct, "alice", &change)
            .await
            .expect("update")
    );
    let read = store.login_profile(&acct, "alice").await.expect("read");
    assert_eq!(
        (
            read.password_hash.as_str(),
            read.created_at,
            read.password_changed_at,
            read.max_signin_session_duration
        ),
        ("$h2", 100, 200, None)
    );
    assert_eq!(
        store
            .password_history(&acct, "alice", 10)
            .await
            .expect("history"),
        ["$h2", "$h1"]
    );
    assert_eq!(
        store
            .password_history(&acct, "alice", 1)
            .await
            .expect("history"),
        ["$h2"]
    );

    // Replacing a password that is no longer the current one changes nothing.
    let stale = LoginProfileChange {
        password: Some(password("$h3", 300)),
        password_reset_required: Some(true),
        replacing: Some("$h1".into()),
        ..LoginProfileChange::default()
    };
    assert!(
        !store
            .update_login_profile(&acct, "alice", &stale)
            .await
            .expect("update")
    );
    let unchanged = store.login_profile(&acct, "alice").await.expect("read");
    assert_eq!(
        (
            unchanged.password_hash.as_str(),
            unchanged.password_reset_required
        ),
        ("$h2", false)
    );
    let fresh = LoginProfileChange {
        replacing: Some("$h2".into()),
        ..stale
    };
    assert!(
        store
            .update_login_profile(&acct, "alice", &fresh)
            .await
            .expect("update")
    );
    assert_eq!(
        store
            .login_profile(&acct, "alice")
            .await
            .expect("read")
            .password_hash,
        "$h3"
    );

    // The newest 24 passwords are remembered, newest first.
    for n in 4..40 {
        let change = LoginProfileChange {
            password: Some(password(&format!("$h{n}"), 300 + n)),
            ..LoginProfileChange::default()
        };
        store
            .update_login_profile(&acct, "alice", &change)
            .await
            .expect("update");
    }
    let history = store
        .password_history(&acct, "alice", 100)
        .await
        .expect("history");
    let expected: Vec<String> = (16..40).rev().map(|n| format!("$h{n}")).collect();
    assert_eq!(history, expected);
    assert_eq!(history.len() as i64, PASSWORDS_REMEMBERED);

    // The profile keeps the user from being deleted, before its keys.
    store
        .create_access_key(&key("AKIACONTRACT47ALICE", &acct, Some(&alice.user_id)))
        .await
        .expect("key");
    assert_eq!(
        conflict(store.delete_user(&acct, "alice").await),
        Conflict::HasLoginProfile
    );
    store
        .delete_login_profile(&acct, "Alice")
        .await
        .expect("delete");
    assert_eq!(
        missing(store.delete_login_profile(&acct, "alice").await),
        Missing::LoginProfile("alice".into())
    );
    assert_eq!(
        missing(store.delete_login_profile(&acct, "nobody").await),
        owner("user", "nobody")
    );
    assert_eq!(
        missing(store.update_login_profile(&acct, "alice", &flag).await),
        Missing::LoginProfile("alice".into())
    );
    // The history outlives the profile…
    assert_eq!(
        store
            .password_history(&acct, "alice", 1)
            .await
            .expect("history"),
        ["$h39"]
    );
    assert_eq!(
        conflict(store.delete_user(&acct, "alice").await),
        Conflict::HasAccessKeys
    );
    store
        .delete_access_key(&acct, Some(&alice.user_id), "AKIACONTRACT47ALICE")
        .await
        .expect("delete key");
    store
        .delete_user(&acct, "alice")
        .await
        .expect("delete user");
    // …and goes with the user: a new user of the name starts afresh.
    store
        .create_user(&user(&acct, "AIDACONTRACT47ALICE2", "alice", "/"), &[])
        .await
        .expect("create user");
    assert!(
        store
            .password_history(&acct, "alice", 24)
            .await
            .expect("history")
            .is_empty()
    );
}

/// Password policies: one per account, replaced whole, deleted.
pub async fn password_policies(store: &dyn Store) {
    let acct = account(store, 49).await;
    assert_eq!(store.password_policy(&acct).await.expect("read"), None);
    assert_eq!(
        missing(store.delete_password_policy(&acct).await),
        Missing::PasswordPolicy(acct.clone())
    );
    let strict = PasswordPolicy {
        minimum_password_length: 14,
        require_symbols: true,
        require_numbers: true,
        require_uppercase_characters: true,
        require_lowercase_characters: false,
        allow_users_to_change_password: true,
        max_password_age: Some(90),
        password_reuse_prevention: Some(24),
        hard_expiry: Some(false),
    };
    store
        .set_password_policy(&acct, &strict)
        .await
        .expect("set");
    assert_eq!(
        store.password_policy(&acct).await.expect("read"),
        Some(strict.clone())
    );
    let defaults = PasswordPolicy {
        minimum_password_length: 6,
        require_symbols: false,
        require_numbers: false,
        require_uppercase_characters: false,
        require_lowercase_characters: true,
        allow_users_to_change_password: false,
        max_password_age: None,
        password_reuse_prevention: None,
        hard_expiry: None,
    };
    store
        .set_password_policy(&acct, &defaults)
        .await
        .expect("replace");
    assert_eq!(
        store.password_policy(&acct).await.expect("read"),
        Some(defaults)
    );
    // Another account has none.
    let other = account(store, 50).await;
    assert_eq!(store.password_policy(&other).await.expect("read"), None);
    store.delete_password_policy(&acct).await.expect("delete");
    assert_eq!(store.password_policy(&acct).await.expect("read"), None);
}
