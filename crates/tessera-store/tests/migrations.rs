//! Data directories written by earlier versions open, migrate, and read
//! back as they were: one from before the name keys (migrations 0001–0004
//! only), one from before the credential reports (0001–0008).

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::path::Path;
use tessera_store::{
    AccessKeyStatus, AccountStore, EntitiesForPolicy, EntityStore, HotReadStore, MfaFilter,
    OwnerKind, PolicyOwnerKind, PolicyStore, PolicyUsage, ProviderStore, SealedStore, SessionOwner,
    SqlStore, Standing, StoreError, TagStore,
};

const ACCOUNT: &str = "111122223333";

/// A new database at `db` with the migrations before `first_new` applied
/// (`count` of them), open.
async fn database_before(db: &Path, first_new: &str, count: usize) -> sqlx::SqlitePool {
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let old = tempfile::tempdir().expect("dir");
    let mut names: Vec<_> = std::fs::read_dir(&all)
        .expect("migrations")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    names.sort();
    for name in names
        .iter()
        .filter(|n| n.to_string_lossy().as_ref() < first_new)
    {
        std::fs::copy(all.join(name), old.path().join(name)).expect("copy");
    }
    let migrator = sqlx::migrate::Migrator::new(old.path())
        .await
        .expect("migrator");
    assert_eq!(migrator.iter().count(), count);
    let pool = SqlitePoolOptions::new()
        .connect_with(
            SqliteConnectOptions::new()
                .filename(db)
                .create_if_missing(true)
                .foreign_keys(true),
        )
        .await
        .expect("open");
    migrator.run(&pool).await.expect("migrate");
    pool
}

/// Applies the migrations before `first_new` to a new database at `db`.
async fn migrate_up_to(db: &Path, first_new: &str) {
    let pool = database_before(db, first_new, 4).await;
    // Rows as the store wrote them then, names in mixed case.
    for sql in [
        "INSERT INTO accounts (id, name, created_at) VALUES ('111122223333', 'main', 1)",
        "INSERT INTO access_keys (access_key_id, account_id, user_id, sealed_secret, status, created_at)
         VALUES ('AKIAROOT', '111122223333', NULL, 'v1:root', 'Active', 1),
                ('AKIAALICE', '111122223333', 'AIDAALICE', 'v1:alice', 'Inactive', 2)",
        "INSERT INTO users (user_id, account_id, name, path, permissions_boundary, created_at)
         VALUES ('AIDAALICE', '111122223333', 'Alice', '/ops/', 'arn:aws:iam::111122223333:policy/Bound', 3),
                ('AIDABOB', '111122223333', 'bob', '/', NULL, 4)",
        "INSERT INTO groups (group_id, account_id, name, path, created_at)
         VALUES ('AGPADEV', '111122223333', 'Dev', '/', 5)",
        "INSERT INTO group_members (group_id, user_id, added_at) VALUES ('AGPADEV', 'AIDAALICE', 6)",
        "INSERT INTO roles (role_id, account_id, name, path, assume_role_policy, description,
                            max_session_duration, created_at, trust_bindings)
         VALUES ('AROADEPLOY', '111122223333', 'Deploy', '/', '{\"trust\":1}', 'ships', 7200, 7,
                 '[{\"arn\":\"arn:aws:iam::111122223333:user/Alice\",\"unique_id\":\"AIDAALICE\"}]')",
        "INSERT INTO managed_policies (arn, policy_id, account_id, name, path, description,
                                       default_version, next_version, created_at, updated_at)
         VALUES ('arn:aws:iam::111122223333:policy/Bound', 'ANPABOUND', '111122223333', 'Bound',
                 '/', NULL, 'v2', 3, 8, 9)",
        "INSERT INTO policy_versions (policy_arn, version_id, document, created_at)
         VALUES ('arn:aws:iam::111122223333:policy/Bound', 'v1', '{\"v\":1}', 8),
                ('arn:aws:iam::111122223333:policy/Bound', 'v2', '{\"v\":2}', 9)",
        "INSERT INTO policy_attachments (policy_arn, owner_id, owner_kind)
         VALUES ('arn:aws:iam::111122223333:policy/Bound', 'AGPADEV', 'Group'),
                ('arn:aws:iam::111122223333:policy/Bound', 'AROADEPLOY', 'Role')",
        "INSERT INTO inline_policies (owner_id, owner_kind, name, document)
         VALUES ('AIDAALICE', 'User', 'ReadOnly', '{\"inline\":1}')",
        "INSERT INTO tags (owner_id, key, value)
         VALUES ('AIDAALICE', 'Team', 'ops'), ('AIDAALICE', 'cost', '7'),
                ('AROADEPLOY', 'Env', 'prod')",
        "INSERT INTO oidc_providers (arn, account_id, url, created_at)
         VALUES ('arn:aws:iam::111122223333:oidc-provider/id.example', '111122223333',
                 'id.example', 10)",
        "INSERT INTO oidc_client_ids (provider_arn, client_id)
         VALUES ('arn:aws:iam::111122223333:oidc-provider/id.example', 'zeta'),
                ('arn:aws:iam::111122223333:oidc-provider/id.example', 'alpha')",
        "INSERT INTO oidc_thumbprints (provider_arn, position, thumbprint)
         VALUES ('arn:aws:iam::111122223333:oidc-provider/id.example', 0, 'ab')",
        "INSERT INTO saml_providers (arn, account_id, name, metadata, created_at, valid_until)
         VALUES ('arn:aws:iam::111122223333:saml-provider/Corp', '111122223333', 'Corp',
                 '<md/>', 11, NULL)",
        "INSERT INTO mfa_devices (serial_number, account_id, sealed_seed, user_id, enabled_at,
                                  created_at, last_used_step)
         VALUES ('arn:aws:iam::111122223333:mfa/phone', '111122223333', 'v1:seed', 'AIDAALICE',
                 12, 12, 40)",
        "INSERT INTO account_aliases (account_id, alias) VALUES ('111122223333', 'main-alias')",
        "INSERT INTO session_revocations_by_id (principal_id, revoked_before)
         VALUES ('AROADEPLOY', 13)",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    pool.close().await;
}

#[tokio::test]
async fn a_database_of_the_first_four_migrations_migrates_and_reads_back() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("tessera.db");
    migrate_up_to(&db, "0005").await;
    let store = SqlStore::open_sqlite(&db).await.expect("open and migrate");

    // Accounts and keys.
    assert_eq!(store.accounts().await.expect("accounts").len(), 1);
    let key = store
        .access_key("AKIAALICE")
        .await
        .expect("key")
        .expect("exists");
    assert_eq!(key.status, AccessKeyStatus::Inactive);
    assert_eq!(key.user_id.as_deref(), Some("AIDAALICE"));

    // Users by name, in any case; the listing in name order regardless of case.
    let alice = store
        .user_by_name(ACCOUNT, "ALICE")
        .await
        .expect("user")
        .expect("exists");
    assert_eq!(
        (alice.name.as_str(), alice.path.as_str()),
        ("Alice", "/ops/")
    );
    let names: Vec<_> = store
        .list_users(ACCOUNT, "/", None, 10)
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["Alice", "bob"]);
    let after_alice: Vec<_> = store
        .list_users(ACCOUNT, "/", Some("alice"), 10)
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(after_alice, ["bob"]);

    // Groups and membership survive the rebuild of both tables.
    let members = store
        .group_members("AGPADEV", None, 10)
        .await
        .expect("members");
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].user_id, "AIDAALICE");
    let groups = store
        .groups_for_user("AIDAALICE", None, 10)
        .await
        .expect("groups");
    assert_eq!(groups[0].name, "Dev");

    // Tags, case-insensitive keys and key order.
    let tags = store.tags("AIDAALICE", None, 10).await.expect("tags");
    assert_eq!(
        tags,
        [
            ("cost".to_string(), "7".to_string()),
            ("Team".to_string(), "ops".to_string())
        ]
    );
    store
        .tag(
            tessera_store::Tagged {
                kind: tessera_store::TaggedKind::User,
                account_id: ACCOUNT,
                name: "alice",
            },
            &[("TEAM".into(), "dev".into())],
        )
        .await
        .expect("tag");
    let tags = store.tags("AIDAALICE", None, 10).await.expect("tags");
    assert_eq!(tags[1], ("TEAM".to_string(), "dev".to_string()));

    // Inline policies.
    let inline = store
        .inline_policy(ACCOUNT, PolicyOwnerKind::User, "alice", "readonly")
        .await
        .expect("inline");
    assert_eq!(inline.name, "ReadOnly");

    // Roles, with their trust bindings and tags.
    let role = store
        .assumable_role(ACCOUNT, "deploy")
        .await
        .expect("role")
        .expect("exists");
    assert_eq!(role.max_session_duration, 7200);
    assert_eq!(
        role.trust_bindings.expect("bound")[0].unique_id,
        "AIDAALICE"
    );
    assert_eq!(role.tags, [("Env".to_string(), "prod".to_string())]);

    // Managed policies, their versions and attachments.
    let arn = "arn:aws:iam::111122223333:policy/Bound";
    let policy = store
        .managed_policy(ACCOUNT, arn)
        .await
        .expect("policy")
        .expect("exists");
    assert_eq!(
        (policy.attachment_count, policy.boundary_usage_count),
        (2, 1)
    );
    let versions: Vec<_> = store
        .policy_versions(ACCOUNT, arn)
        .await
        .expect("versions")
        .into_iter()
        .map(|v| (v.version_id, v.is_default))
        .collect();
    assert_eq!(versions, [("v2".into(), true), ("v1".into(), false)]);
    let attached = store
        .entities_for_policy(&EntitiesForPolicy {
            account_id: ACCOUNT,
            arn,
            usage: PolicyUsage::Permissions,
            kind: None,
            path_prefix: "/",
            after: None,
            limit: 10,
        })
        .await
        .expect("entities");
    let attached: Vec<_> = attached.into_iter().map(|e| (e.kind, e.name)).collect();
    assert_eq!(
        attached,
        [
            (OwnerKind::Group, "Dev".to_string()),
            (OwnerKind::Role, "Deploy".to_string())
        ]
    );
    let of_alice = store.policies_of_user("AIDAALICE").await.expect("of");
    assert_eq!(of_alice.identity.len(), 2);
    assert_eq!(
        of_alice.boundary.map(|b| b.document),
        Some("{\"v\":2}".to_string())
    );
    // The next version continues the counter.
    let v3 = store
        .create_policy_version(ACCOUNT, arn, "{}", false, 20)
        .await
        .expect("version");
    assert_eq!(v3, "v3");

    // Providers, the client ids in the order they were added.
    let oidc = store
        .oidc_provider_by_url(ACCOUNT, "id.example")
        .await
        .expect("oidc")
        .expect("exists");
    assert_eq!(oidc.client_ids, ["zeta", "alpha"]);
    assert_eq!(oidc.thumbprints, ["ab"]);
    store
        .add_oidc_client_id(ACCOUNT, &oidc.arn, "beta")
        .await
        .expect("client id");
    let oidc = store
        .oidc_provider(ACCOUNT, &oidc.arn)
        .await
        .expect("oidc")
        .expect("exists");
    assert_eq!(oidc.client_ids, ["zeta", "alpha", "beta"]);
    let saml = store.saml_providers(ACCOUNT).await.expect("saml");
    assert_eq!(saml[0].name, "Corp");

    // The MFA device with its user, and what it keeps a user from.
    let devices = store
        .mfa_devices(ACCOUNT, MfaFilter::User("AIDAALICE"), None, 10)
        .await
        .expect("devices");
    assert_eq!(
        devices[0].user.as_ref().map(|u| u.name.as_str()),
        Some("Alice")
    );
    assert_eq!(devices[0].last_used_step, Some(40));
    assert!(matches!(
        store.delete_user(ACCOUNT, "ALICE").await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.account_aliases(ACCOUNT).await.expect("aliases"),
        ["main-alias"]
    );

    // Revocations and sealed values.
    assert_eq!(
        store
            .session_standing(SessionOwner::Role {
                role_id: "AROADEPLOY"
            })
            .await
            .expect("standing"),
        Standing::Present {
            revoked_before: Some(13)
        }
    );
    let mut sealed = store.begin_sealed().await.expect("sealed");
    assert_eq!(sealed.sealed_values().await.expect("values").len(), 3);
    drop(sealed);

    // Names stay unique regardless of case, now by their keys.
    let clash = tessera_store::User {
        user_id: "AIDACLASH".into(),
        account_id: ACCOUNT.into(),
        name: "BOB".into(),
        path: "/".into(),
        permissions_boundary: None,
        created_at: 30,
    };
    assert!(matches!(
        store.create_user(&clash, &[]).await,
        Err(StoreError::AlreadyExists(tessera_store::Existing::User(name))) if name == "BOB"
    ));
    store.close().await;

    // Opening again changes nothing.
    let again = SqlStore::open_sqlite(&db).await.expect("reopen");
    assert_eq!(
        again
            .list_users(ACCOUNT, "/", None, 10)
            .await
            .expect("list")
            .len(),
        2
    );
    again.close().await;
}

#[tokio::test]
async fn rows_written_without_their_key_get_it_from_the_name() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("tessera.db");
    let store = SqlStore::open_sqlite(&db).await.expect("open");
    store.close().await;
    let pool = SqlitePoolOptions::new()
        .connect_with(SqliteConnectOptions::new().filename(&db).foreign_keys(true))
        .await
        .expect("open");
    sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, 'main', 1)")
        .bind(ACCOUNT)
        .execute(&pool)
        .await
        .expect("account");
    sqlx::query(
        "INSERT INTO users (user_id, account_id, name, path, created_at)
         VALUES ('AIDACAROL', $1, 'Carol', '/', 1)",
    )
    .bind(ACCOUNT)
    .execute(&pool)
    .await
    .expect("user without a key");
    let clash = sqlx::query(
        "INSERT INTO users (user_id, account_id, name, path, created_at)
         VALUES ('AIDACAROL2', $1, 'CAROL', '/', 1)",
    )
    .bind(ACCOUNT)
    .execute(&pool)
    .await;
    assert!(clash.is_err(), "{clash:?}");
    let stale = sqlx::query("UPDATE users SET name = 'Dave' WHERE user_id = 'AIDACAROL'")
        .execute(&pool)
        .await;
    assert!(
        stale.is_err(),
        "a key that does not match its name: {stale:?}"
    );
    pool.close().await;

    let store = SqlStore::open_sqlite(&db).await.expect("open");
    let carol = store
        .user_by_name(ACCOUNT, "carol")
        .await
        .expect("user")
        .expect("found by its key");
    assert_eq!(carol.user_id, "AIDACAROL");
    store.close().await;
}

#[tokio::test]
async fn an_account_or_role_removed_leaves_no_instance_profile_rows() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("tessera.db");
    let store = SqlStore::open_sqlite(&db).await.expect("open");
    store.close().await;
    let pool = SqlitePoolOptions::new()
        .connect_with(SqliteConnectOptions::new().filename(&db).foreign_keys(true))
        .await
        .expect("open");
    for sql in [
        "INSERT INTO accounts (id, name, created_at) VALUES ('111122223333', 'main', 1)",
        "INSERT INTO roles (role_id, account_id, name, name_key, path, assume_role_policy, created_at)
         VALUES ('AROAONE', '111122223333', 'One', 'one', '/', '{}', 1),
                ('AROATWO', '111122223333', 'Two', 'two', '/', '{}', 1)",
        // Written without its key, it gets it from the name.
        "INSERT INTO instance_profiles (instance_profile_id, account_id, name, path, created_at)
         VALUES ('AIPAONE', '111122223333', 'Web', '/', 2),
                ('AIPATWO', '111122223333', 'Db', '/', 2)",
        "INSERT INTO instance_profile_roles (instance_profile_id, role_id, added_at)
         VALUES ('AIPAONE', 'AROAONE', 3), ('AIPATWO', 'AROATWO', 3)",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    let clash = sqlx::query(
        "INSERT INTO instance_profiles (instance_profile_id, account_id, name, path, created_at)
         VALUES ('AIPAWEB', '111122223333', 'WEB', '/', 2)",
    )
    .execute(&pool)
    .await;
    assert!(clash.is_err(), "{clash:?}");
    let count = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };

    // A role removed takes the rows that put it in a profile.
    sqlx::query("DELETE FROM roles WHERE role_id = 'AROAONE'")
        .execute(&pool)
        .await
        .expect("role");
    assert_eq!(count("instance_profile_roles").await, 1);
    // An account removed takes its profiles and theirs.
    sqlx::query("DELETE FROM accounts WHERE id = '111122223333'")
        .execute(&pool)
        .await
        .expect("account");
    assert_eq!(count("instance_profiles").await, 0);
    assert_eq!(count("instance_profile_roles").await, 0);
    let dangling: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&pool)
        .await
        .expect("check");
    assert!(dangling.is_empty(), "{dangling:?}");
    pool.close().await;
}

#[tokio::test]
async fn a_database_of_the_first_eight_migrations_gains_credential_reports() {
    use tessera_store::{CredentialReport, CredentialReportStore, LoginProfileStore};
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("tessera.db");
    let pool = database_before(&db, "0009", 8).await;
    for sql in [
        "INSERT INTO accounts (id, name, created_at) VALUES ('111122223333', 'main', 1)",
        "INSERT INTO users (user_id, account_id, name, name_key, path, created_at)
         VALUES ('AIDAALICE', '111122223333', 'Alice', 'alice', '/', 2)",
        "INSERT INTO login_profiles (user_id, password_hash, password_reset_required,
                                     created_at, password_changed_at)
         VALUES ('AIDAALICE', '$argon2id$x', 0, 3, 4)",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    pool.close().await;

    let store = SqlStore::open_sqlite(&db).await.expect("open and migrate");
    let profile = store
        .login_profile(ACCOUNT, "alice")
        .await
        .expect("the profile reads back");
    assert_eq!(profile.password_changed_at, 4);
    assert_eq!(store.credential_report(ACCOUNT).await.expect("read"), None);
    let report = CredentialReport {
        account_id: ACCOUNT.into(),
        generated_at: 10,
        content: "user,arn\n".into(),
    };
    assert!(
        store
            .save_credential_report(&report, 0)
            .await
            .expect("save")
    );
    assert_eq!(
        store.credential_report(ACCOUNT).await.expect("read"),
        Some(report)
    );
    store.close().await;

    // An account removed takes its report.
    let pool = SqlitePoolOptions::new()
        .connect_with(SqliteConnectOptions::new().filename(&db).foreign_keys(true))
        .await
        .expect("open");
    for sql in [
        "DELETE FROM login_profiles",
        "DELETE FROM users",
        "DELETE FROM accounts",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credential_reports")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(left, 0);
    pool.close().await;
}
