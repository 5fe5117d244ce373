use super::rows::{AccessKeyRow, EntityRef, Flag, GroupRow, UserRow};
use super::{insert_access_key, limit, tags};
use crate::rules::conflicts::{self, GroupDependents, UserDependents};
use crate::rules::names::{exists_as, name_key};
use crate::rules::quotas;
use crate::{
    AccessKeyRecord, AccessKeyStatus, EntityStore, Existing, Group, InlinePolicy, Missing,
    OwnerKind, PolicyOwner, PolicyOwnerKind, SqlStore, StoreError, User, no_such_access_key,
    no_such_owner,
};
use async_trait::async_trait;
use sqlx::{AnyConnection, AnyPool, any::AnyRow};

/// The table of an entity kind and its unique-id column.
pub(crate) fn entity_table(kind: OwnerKind) -> (&'static str, &'static str) {
    match kind {
        OwnerKind::User => ("users", "user_id"),
        OwnerKind::Group => ("groups", "group_id"),
        OwnerKind::Role => ("roles", "role_id"),
    }
}

fn owner_kind(kind: PolicyOwnerKind) -> OwnerKind {
    match kind {
        PolicyOwnerKind::User => OwnerKind::User,
        PolicyOwnerKind::Group => OwnerKind::Group,
        PolicyOwnerKind::Role => OwnerKind::Role,
    }
}

/// The unique id, name and path of the user, group or role `name`.
pub(crate) async fn find_entity(
    conn: &mut AnyConnection,
    account_id: &str,
    kind: OwnerKind,
    name: &str,
) -> Result<Option<EntityRef>, StoreError> {
    let (table, id) = entity_table(kind);
    Ok(sqlx::query_as(&format!(
        "SELECT {id} AS id, name, path FROM {table} WHERE account_id = $1 AND name_key = $2"
    ))
    .bind(account_id)
    .bind(name_key(name))
    .fetch_optional(conn)
    .await?)
}

/// The user, group or role `name`; `NotFound` if there is none.
pub(crate) async fn existing_entity(
    conn: &mut AnyConnection,
    account_id: &str,
    kind: OwnerKind,
    name: &str,
) -> Result<EntityRef, StoreError> {
    find_entity(conn, account_id, kind, name)
        .await?
        .ok_or_else(|| {
            Missing::Owner {
                kind: kind.noun(),
                name: name.to_string(),
            }
            .into()
        })
}

/// Whether the managed policy `arn` exists (in `account_id`, if given).
pub(crate) async fn policy_exists(
    conn: &mut AnyConnection,
    account_id: Option<&str>,
    arn: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar::<_, Flag>(
        "SELECT EXISTS (SELECT 1 FROM managed_policies
                        WHERE arn = $1 AND ($2 IS NULL OR account_id = $2))",
    )
    .bind(arn)
    .bind(account_id)
    .fetch_one(conn)
    .await?
    .0)
}

/// The row of the user, group or role (`kind`, read as `R`) named `name`.
pub(crate) async fn find_named<R>(
    conn: &mut AnyConnection,
    kind: OwnerKind,
    account_id: &str,
    name: &str,
) -> Result<Option<R>, StoreError>
where
    R: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
{
    let (table, _) = entity_table(kind);
    Ok(sqlx::query_as(&format!(
        "SELECT * FROM {table} WHERE account_id = $1 AND name_key = $2"
    ))
    .bind(account_id)
    .bind(name_key(name))
    .fetch_optional(conn)
    .await?)
}

/// The rows of the users, groups or roles (`kind`, read as `R`) of
/// `account_id` whose path starts with `path_prefix` and whose name sorts
/// after `after`, by name regardless of case, at most `max`.
pub(crate) async fn list_named<R>(
    pool: &AnyPool,
    kind: OwnerKind,
    account_id: &str,
    path_prefix: &str,
    after: Option<&str>,
    max: usize,
) -> Result<Vec<R>, StoreError>
where
    R: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
{
    let (table, _) = entity_table(kind);
    Ok(sqlx::query_as(&format!(
        "SELECT * FROM {table}
         WHERE account_id = $1 AND substr(path, 1, length($2)) = $2
           AND ($3 IS NULL OR name_key > $3)
         ORDER BY name_key LIMIT $4"
    ))
    .bind(account_id)
    .bind(path_prefix)
    .bind(after.map(name_key))
    .bind(limit(max))
    .fetch_all(pool)
    .await?)
}

/// Gives the user, group or role with unique id `id` its name and path.
async fn rename(
    conn: &mut AnyConnection,
    kind: OwnerKind,
    id: &str,
    name: &str,
    path: &str,
) -> Result<(), StoreError> {
    let (table, id_column) = entity_table(kind);
    sqlx::query(&format!(
        "UPDATE {table} SET name = $1, name_key = $2, path = $3 WHERE {id_column} = $4"
    ))
    .bind(name)
    .bind(name_key(name))
    .bind(path)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

async fn find_user(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = find_named(conn, OwnerKind::User, account_id, name).await?;
    Ok(row.map(User::from))
}

async fn existing_user(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<User, StoreError> {
    find_user(conn, account_id, name)
        .await?
        .ok_or_else(|| no_such_owner(PolicyOwnerKind::User, name))
}

async fn find_group(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<Option<Group>, StoreError> {
    let row: Option<GroupRow> = find_named(conn, OwnerKind::Group, account_id, name).await?;
    Ok(row.map(Group::from))
}

async fn existing_group(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<Group, StoreError> {
    find_group(conn, account_id, name)
        .await?
        .ok_or_else(|| no_such_owner(PolicyOwnerKind::Group, name))
}

async fn find_owner(
    conn: &mut AnyConnection,
    account_id: &str,
    kind: PolicyOwnerKind,
    name: &str,
) -> Result<Option<PolicyOwner>, StoreError> {
    let found = find_entity(conn, account_id, owner_kind(kind), name).await?;
    Ok(found.map(|entity| PolicyOwner {
        kind,
        id: entity.id,
        name: entity.name,
        path: entity.path,
    }))
}

async fn existing_owner(
    conn: &mut AnyConnection,
    account_id: &str,
    kind: PolicyOwnerKind,
    name: &str,
) -> Result<PolicyOwner, StoreError> {
    find_owner(conn, account_id, kind, name)
        .await?
        .ok_or_else(|| no_such_owner(kind, name))
}

/// What a user still has that keeps it from being deleted.
async fn user_dependents(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<UserDependents, StoreError> {
    let row: (Flag, Flag, Flag, Flag, Flag, Flag, Flag, Flag) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM login_profiles WHERE user_id = $1),
                EXISTS (SELECT 1 FROM access_keys WHERE user_id = $1),
                EXISTS (SELECT 1 FROM signing_certificates WHERE user_id = $1),
                EXISTS (SELECT 1 FROM ssh_public_keys WHERE user_id = $1),
                EXISTS (SELECT 1 FROM inline_policies WHERE owner_id = $1),
                EXISTS (SELECT 1 FROM policy_attachments WHERE owner_id = $1),
                EXISTS (SELECT 1 FROM group_members WHERE user_id = $1),
                EXISTS (SELECT 1 FROM mfa_devices WHERE user_id = $1)",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    let (login_profile, access_keys, signing_certificates, ssh_public_keys) =
        (row.0.0, row.1.0, row.2.0, row.3.0);
    let (inline_policies, attached_policies, groups, mfa_device) =
        (row.4.0, row.5.0, row.6.0, row.7.0);
    Ok(UserDependents {
        login_profile,
        access_keys,
        signing_certificates,
        ssh_public_keys,
        inline_policies,
        attached_policies,
        groups,
        mfa_device,
    })
}

/// What a group still has that keeps it from being deleted.
async fn group_dependents(
    conn: &mut AnyConnection,
    group_id: &str,
) -> Result<GroupDependents, StoreError> {
    let (Flag(members), Flag(inline_policies), Flag(attached_policies)) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = $1),
                EXISTS (SELECT 1 FROM inline_policies WHERE owner_id = $1),
                EXISTS (SELECT 1 FROM policy_attachments WHERE owner_id = $1)",
    )
    .bind(group_id)
    .fetch_one(conn)
    .await?;
    Ok(GroupDependents {
        members,
        inline_policies,
        attached_policies,
    })
}

fn no_such_policy(kind: PolicyOwnerKind, policy_name: &str) -> StoreError {
    Missing::InlinePolicy {
        kind: kind.noun(),
        policy_name: policy_name.to_string(),
    }
    .into()
}

/// Access keys of one owner; `user_id` `NULL` is the root user's.
const KEY_OWNER: &str = "account_id = $1 AND user_id IS NOT DISTINCT FROM $2";

#[async_trait]
impl EntityStore for SqlStore {
    async fn user_by_name(&self, account_id: &str, name: &str) -> Result<Option<User>, StoreError> {
        find_user(&mut *self.pool.acquire().await?, account_id, name).await
    }

    async fn create_user(&self, user: &User, tags: &[(String, String)]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if let Some(boundary) = &user.permissions_boundary
            && !policy_exists(&mut tx, None, boundary).await?
        {
            return Err(Missing::AttachablePolicy(boundary.to_string()).into());
        }
        sqlx::query(
            "INSERT INTO users (user_id, account_id, name, name_key, path, permissions_boundary,
                                created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&user.user_id)
        .bind(&user.account_id)
        .bind(&user.name)
        .bind(name_key(&user.name))
        .bind(&user.path)
        .bind(&user.permissions_boundary)
        .bind(user.created_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::User(user.name.clone())))?;
        tags::put(&mut tx, &user.user_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_users(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = list_named(
            &self.pool,
            OwnerKind::User,
            account_id,
            path_prefix,
            after,
            max,
        )
        .await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn update_user(
        &self,
        account_id: &str,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<User, StoreError> {
        let mut tx = self.write().await?;
        let mut user = existing_user(&mut tx, account_id, name).await?;
        if let Some(new_name) = new_name {
            user.name = new_name.to_string();
        }
        if let Some(new_path) = new_path {
            user.path = new_path.to_string();
        }
        rename(
            &mut tx,
            OwnerKind::User,
            &user.user_id,
            &user.name,
            &user.path,
        )
        .await
        .map_err(exists_as(Existing::User(user.name.clone())))?;
        tx.commit().await?;
        Ok(user)
    }

    async fn delete_user(&self, account_id: &str, name: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let user = existing_user(&mut tx, account_id, name).await?;
        conflicts::delete_user(&user_dependents(&mut tx, &user.user_id).await?)?;
        tags::clear(&mut tx, &user.user_id).await?;
        sqlx::query("DELETE FROM users WHERE user_id = $1")
            .bind(&user.user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM access_keys WHERE {KEY_OWNER}"
        ))
        .bind(&key.account_id)
        .bind(&key.user_id)
        .fetch_one(&mut *tx)
        .await?;
        quotas::new_access_key(count)?;
        insert_access_key(&mut tx, key).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn access_keys_of(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        let rows: Vec<AccessKeyRow> = sqlx::query_as(&format!(
            "SELECT * FROM access_keys WHERE {KEY_OWNER} AND ($3 IS NULL OR access_key_id > $3)
             ORDER BY access_key_id LIMIT $4"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AccessKeyRecord::try_from).collect()
    }

    async fn set_access_key_status(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query(&format!(
            "UPDATE access_keys SET status = $4 WHERE {KEY_OWNER} AND access_key_id = $3"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(access_key_id)
        .bind(status.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(no_such_access_key(access_key_id));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_access_key(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        access_key_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query(&format!(
            "DELETE FROM access_keys WHERE {KEY_OWNER} AND access_key_id = $3"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(access_key_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(no_such_access_key(access_key_id));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_group(&self, group: &Group) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO groups (group_id, account_id, name, name_key, path, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&group.group_id)
        .bind(&group.account_id)
        .bind(&group.name)
        .bind(name_key(&group.name))
        .bind(&group.path)
        .bind(group.created_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::Group(group.name.clone())))?;
        tx.commit().await?;
        Ok(())
    }

    async fn group_by_name(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<Group>, StoreError> {
        find_group(&mut *self.pool.acquire().await?, account_id, name).await
    }

    async fn list_groups(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<Group>, StoreError> {
        let rows: Vec<GroupRow> = list_named(
            &self.pool,
            OwnerKind::Group,
            account_id,
            path_prefix,
            after,
            max,
        )
        .await?;
        Ok(rows.into_iter().map(Group::from).collect())
    }

    async fn update_group(
        &self,
        account_id: &str,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<Group, StoreError> {
        let mut tx = self.write().await?;
        let mut group = existing_group(&mut tx, account_id, name).await?;
        if let Some(new_name) = new_name {
            group.name = new_name.to_string();
        }
        if let Some(new_path) = new_path {
            group.path = new_path.to_string();
        }
        rename(
            &mut tx,
            OwnerKind::Group,
            &group.group_id,
            &group.name,
            &group.path,
        )
        .await
        .map_err(exists_as(Existing::Group(group.name.clone())))?;
        tx.commit().await?;
        Ok(group)
    }

    async fn delete_group(&self, account_id: &str, name: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let group = existing_group(&mut tx, account_id, name).await?;
        conflicts::delete_group(&group_dependents(&mut tx, &group.group_id).await?)?;
        sqlx::query("DELETE FROM groups WHERE group_id = $1")
            .bind(&group.group_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_user_to_group(
        &self,
        account_id: &str,
        group_name: &str,
        user_name: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let group = existing_group(&mut tx, account_id, group_name).await?;
        let user = existing_user(&mut tx, account_id, user_name).await?;
        sqlx::query(
            "INSERT INTO group_members (group_id, user_id, added_at) VALUES ($1, $2, $3)
             ON CONFLICT (group_id, user_id) DO NOTHING",
        )
        .bind(&group.group_id)
        .bind(&user.user_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_user_from_group(
        &self,
        account_id: &str,
        group_name: &str,
        user_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let group = existing_group(&mut tx, account_id, group_name).await?;
        let user = existing_user(&mut tx, account_id, user_name).await?;
        sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(&group.group_id)
            .bind(&user.user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn group_members(
        &self,
        group_id: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = sqlx::query_as(
            "SELECT u.* FROM group_members m JOIN users u ON u.user_id = m.user_id
             WHERE m.group_id = $1 AND ($2 IS NULL OR u.name_key > $2)
             ORDER BY u.name_key LIMIT $3",
        )
        .bind(group_id)
        .bind(after.map(name_key))
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn groups_for_user(
        &self,
        user_id: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<Group>, StoreError> {
        let rows: Vec<GroupRow> = sqlx::query_as(
            "SELECT g.* FROM group_members m JOIN groups g ON g.group_id = m.group_id
             WHERE m.user_id = $1 AND ($2 IS NULL OR g.name_key > $2)
             ORDER BY g.name_key LIMIT $3",
        )
        .bind(user_id)
        .bind(after.map(name_key))
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Group::from).collect())
    }

    async fn policy_owner(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        name: &str,
    ) -> Result<Option<PolicyOwner>, StoreError> {
        find_owner(&mut *self.pool.acquire().await?, account_id, kind, name).await
    }

    async fn put_inline_policy(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        owner_name: &str,
        policy_name: &str,
        document: &str,
        max_total_size: usize,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let owner = existing_owner(&mut tx, account_id, kind, owner_name).await?;
        let others: Vec<String> = sqlx::query_scalar(
            "SELECT document FROM inline_policies WHERE owner_id = $1 AND name_key <> $2",
        )
        .bind(&owner.id)
        .bind(name_key(policy_name))
        .fetch_all(&mut *tx)
        .await?;
        quotas::inline_policies_size(kind, &owner.name, &others, document, max_total_size)?;
        sqlx::query(
            "INSERT INTO inline_policies (owner_id, owner_kind, name, name_key, document)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (owner_id, name_key) DO UPDATE SET document = excluded.document",
        )
        .bind(&owner.id)
        .bind(kind.as_str())
        .bind(policy_name)
        .bind(name_key(policy_name))
        .bind(document)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn inline_policy(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        owner_name: &str,
        policy_name: &str,
    ) -> Result<InlinePolicy, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let owner = existing_owner(&mut conn, account_id, kind, owner_name).await?;
        let (name, document) = sqlx::query_as(
            "SELECT name, document FROM inline_policies WHERE owner_id = $1 AND name_key = $2",
        )
        .bind(&owner.id)
        .bind(name_key(policy_name))
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| no_such_policy(kind, policy_name))?;
        Ok(InlinePolicy {
            owner_name: owner.name,
            name,
            document,
        })
    }

    async fn delete_inline_policy(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        owner_name: &str,
        policy_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let owner = existing_owner(&mut tx, account_id, kind, owner_name).await?;
        let done = sqlx::query("DELETE FROM inline_policies WHERE owner_id = $1 AND name_key = $2")
            .bind(&owner.id)
            .bind(name_key(policy_name))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(no_such_policy(kind, policy_name));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn inline_policy_names(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        owner_name: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let owner = existing_owner(&mut conn, account_id, kind, owner_name).await?;
        Ok(sqlx::query_scalar(
            "SELECT name FROM inline_policies
             WHERE owner_id = $1 AND ($2 IS NULL OR name_key > $2)
             ORDER BY name_key LIMIT $3",
        )
        .bind(&owner.id)
        .bind(after.map(name_key))
        .bind(limit(max))
        .fetch_all(&mut *conn)
        .await?)
    }
}
