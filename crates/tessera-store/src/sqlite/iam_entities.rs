use super::access_key_from_row;
use super::put_tags;
use crate::rules::conflicts::{self, GroupDependents, UserDependents};
use crate::rules::{names::exists_as, quotas};
use crate::{
    AccessKeyRecord, AccessKeyStatus, EntityStore, Existing, Group, InlinePolicy, PolicyOwner,
    PolicyOwnerKind, SqliteStore, StoreError, User, no_such_access_key, no_such_owner,
};
use async_trait::async_trait;
use sqlx::{Row, SqliteConnection, sqlite::SqliteRow};

pub(crate) fn user_from_row(row: &SqliteRow) -> Result<User, StoreError> {
    Ok(User {
        user_id: row.try_get("user_id")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        permissions_boundary: row.try_get("permissions_boundary")?,
        created_at: row.try_get("created_at")?,
    })
}

fn group_from_row(row: &SqliteRow) -> Result<Group, StoreError> {
    Ok(Group {
        group_id: row.try_get("group_id")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        created_at: row.try_get("created_at")?,
    })
}

fn limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// What a user still has that keeps it from being deleted.
async fn user_dependents(
    conn: &mut SqliteConnection,
    user_id: &str,
) -> Result<UserDependents, StoreError> {
    let row = sqlx::query(
        "SELECT EXISTS (SELECT 1 FROM access_keys WHERE user_id = ?1) AS access_keys,
                EXISTS (SELECT 1 FROM inline_policies WHERE owner_id = ?1) AS inline_policies,
                EXISTS (SELECT 1 FROM policy_attachments WHERE owner_id = ?1) AS attached_policies,
                EXISTS (SELECT 1 FROM group_members WHERE user_id = ?1) AS groups_,
                EXISTS (SELECT 1 FROM mfa_devices WHERE user_id = ?1) AS mfa_device",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(UserDependents {
        access_keys: row.try_get("access_keys")?,
        inline_policies: row.try_get("inline_policies")?,
        attached_policies: row.try_get("attached_policies")?,
        groups: row.try_get("groups_")?,
        mfa_device: row.try_get("mfa_device")?,
    })
}

/// What a group still has that keeps it from being deleted.
async fn group_dependents(
    conn: &mut SqliteConnection,
    group_id: &str,
) -> Result<GroupDependents, StoreError> {
    let row = sqlx::query(
        "SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = ?1) AS members,
                EXISTS (SELECT 1 FROM inline_policies WHERE owner_id = ?1) AS inline_policies,
                EXISTS (SELECT 1 FROM policy_attachments WHERE owner_id = ?1) AS attached_policies",
    )
    .bind(group_id)
    .fetch_one(conn)
    .await?;
    Ok(GroupDependents {
        members: row.try_get("members")?,
        inline_policies: row.try_get("inline_policies")?,
        attached_policies: row.try_get("attached_policies")?,
    })
}

async fn user_in(
    conn: &mut SqliteConnection,
    account_id: &str,
    name: &str,
) -> Result<User, StoreError> {
    sqlx::query("SELECT * FROM users WHERE account_id = ? AND name = ?")
        .bind(account_id)
        .bind(name)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()?
        .ok_or_else(|| no_such_owner(PolicyOwnerKind::User, name))
}

async fn group_in(
    conn: &mut SqliteConnection,
    account_id: &str,
    name: &str,
) -> Result<Group, StoreError> {
    sqlx::query("SELECT * FROM groups WHERE account_id = ? AND name = ?")
        .bind(account_id)
        .bind(name)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(group_from_row)
        .transpose()?
        .ok_or_else(|| no_such_owner(PolicyOwnerKind::Group, name))
}

async fn owner_in(
    conn: &mut SqliteConnection,
    account_id: &str,
    kind: PolicyOwnerKind,
    name: &str,
) -> Result<Option<PolicyOwner>, StoreError> {
    let query = match kind {
        PolicyOwnerKind::User => {
            "SELECT user_id AS id, name, path FROM users WHERE account_id = ? AND name = ?"
        }
        PolicyOwnerKind::Group => {
            "SELECT group_id AS id, name, path FROM groups WHERE account_id = ? AND name = ?"
        }
        PolicyOwnerKind::Role => {
            "SELECT role_id AS id, name, path FROM roles WHERE account_id = ? AND name = ?"
        }
    };
    let Some(row) = sqlx::query(query)
        .bind(account_id)
        .bind(name)
        .fetch_optional(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(PolicyOwner {
        kind,
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
    }))
}

async fn existing_owner(
    conn: &mut SqliteConnection,
    account_id: &str,
    kind: PolicyOwnerKind,
    name: &str,
) -> Result<PolicyOwner, StoreError> {
    owner_in(conn, account_id, kind, name)
        .await?
        .ok_or_else(|| no_such_owner(kind, name))
}

fn no_such_policy(kind: PolicyOwnerKind, policy_name: &str) -> StoreError {
    StoreError::NotFound(crate::Missing::InlinePolicy {
        kind: kind.noun(),
        policy_name: policy_name.to_string(),
    })
}

/// Access keys of one owner: `user_id IS ?` matches NULL (root) too.
const KEY_OWNER: &str = "account_id = ?1 AND user_id IS ?2";

#[async_trait]
impl EntityStore for SqliteStore {
    async fn user_by_id(&self, user_id: &str) -> Result<Option<User>, StoreError> {
        sqlx::query("SELECT * FROM users WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn user_by_name(&self, account_id: &str, name: &str) -> Result<Option<User>, StoreError> {
        sqlx::query("SELECT * FROM users WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn create_user(&self, user: &User, tags: &[(String, String)]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if let Some(boundary) = &user.permissions_boundary {
            let exists = sqlx::query("SELECT 1 FROM managed_policies WHERE arn = ?")
                .bind(boundary)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            if !exists {
                return Err(StoreError::NotFound(crate::Missing::AttachablePolicy(
                    boundary.to_string(),
                )));
            }
        }
        sqlx::query(
            "INSERT INTO users (user_id, account_id, name, path, permissions_boundary, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.user_id)
        .bind(&user.account_id)
        .bind(&user.name)
        .bind(&user.path)
        .bind(&user.permissions_boundary)
        .bind(user.created_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::User(user.name.clone())))?;
        put_tags(&mut tx, &user.user_id, tags).await?;
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
        sqlx::query(
            "SELECT * FROM users
             WHERE account_id = ?1 AND substr(path, 1, length(?2)) = ?2 AND (?3 IS NULL OR name > ?3)
             ORDER BY name LIMIT ?4",
        )
        .bind(account_id)
        .bind(path_prefix)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(user_from_row)
        .collect()
    }

    async fn update_user(
        &self,
        account_id: &str,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<User, StoreError> {
        let mut tx = self.write().await?;
        let mut user = user_in(&mut tx, account_id, name).await?;
        if let Some(new_name) = new_name {
            user.name = new_name.to_string();
        }
        if let Some(new_path) = new_path {
            user.path = new_path.to_string();
        }
        sqlx::query("UPDATE users SET name = ?, path = ? WHERE user_id = ?")
            .bind(&user.name)
            .bind(&user.path)
            .bind(&user.user_id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)
            .map_err(exists_as(Existing::User(user.name.clone())))?;
        tx.commit().await?;
        Ok(user)
    }

    async fn delete_user(&self, account_id: &str, name: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let user = user_in(&mut tx, account_id, name).await?;
        conflicts::delete_user(&user_dependents(&mut tx, &user.user_id).await?)?;
        sqlx::query("DELETE FROM tags WHERE owner_id = ?")
            .bind(&user.user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM users WHERE user_id = ?")
            .bind(&user.user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn user_tags(
        &self,
        user_id: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<(String, String)>, StoreError> {
        sqlx::query(
            "SELECT key, value FROM tags WHERE owner_id = ?1 AND (?2 IS NULL OR key > ?2)
             ORDER BY key LIMIT ?3",
        )
        .bind(user_id)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("key")?, row.try_get("value")?)))
        .collect()
    }

    async fn tag_user(
        &self,
        account_id: &str,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let user = user_in(&mut tx, account_id, name).await?;
        put_tags(&mut tx, &user.user_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn untag_user(
        &self,
        account_id: &str,
        name: &str,
        keys: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let user = user_in(&mut tx, account_id, name).await?;
        for key in keys {
            sqlx::query("DELETE FROM tags WHERE owner_id = ? AND key = ?")
                .bind(&user.user_id)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
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
        sqlx::query(
            "INSERT INTO access_keys (access_key_id, account_id, user_id, sealed_secret, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.access_key_id)
        .bind(&key.account_id)
        .bind(&key.user_id)
        .bind(&key.sealed_secret)
        .bind(key.status.as_str())
        .bind(key.created_at)
        .execute(&mut *tx)
        .await?;
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
        sqlx::query(&format!(
            "SELECT * FROM access_keys WHERE {KEY_OWNER} AND (?3 IS NULL OR access_key_id > ?3)
             ORDER BY access_key_id LIMIT ?4"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(access_key_from_row)
        .collect()
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
            "UPDATE access_keys SET status = ?4 WHERE {KEY_OWNER} AND access_key_id = ?3"
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
            "DELETE FROM access_keys WHERE {KEY_OWNER} AND access_key_id = ?3"
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
            "INSERT INTO groups (group_id, account_id, name, path, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&group.group_id)
        .bind(&group.account_id)
        .bind(&group.name)
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
        sqlx::query("SELECT * FROM groups WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(group_from_row)
            .transpose()
    }

    async fn list_groups(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<Group>, StoreError> {
        sqlx::query(
            "SELECT * FROM groups
             WHERE account_id = ?1 AND substr(path, 1, length(?2)) = ?2 AND (?3 IS NULL OR name > ?3)
             ORDER BY name LIMIT ?4",
        )
        .bind(account_id)
        .bind(path_prefix)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(group_from_row)
        .collect()
    }

    async fn update_group(
        &self,
        account_id: &str,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<Group, StoreError> {
        let mut tx = self.write().await?;
        let mut group = group_in(&mut tx, account_id, name).await?;
        if let Some(new_name) = new_name {
            group.name = new_name.to_string();
        }
        if let Some(new_path) = new_path {
            group.path = new_path.to_string();
        }
        sqlx::query("UPDATE groups SET name = ?, path = ? WHERE group_id = ?")
            .bind(&group.name)
            .bind(&group.path)
            .bind(&group.group_id)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)
            .map_err(exists_as(Existing::Group(group.name.clone())))?;
        tx.commit().await?;
        Ok(group)
    }

    async fn delete_group(&self, account_id: &str, name: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let group = group_in(&mut tx, account_id, name).await?;
        conflicts::delete_group(&group_dependents(&mut tx, &group.group_id).await?)?;
        sqlx::query("DELETE FROM groups WHERE group_id = ?")
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
        let group = group_in(&mut tx, account_id, group_name).await?;
        let user = user_in(&mut tx, account_id, user_name).await?;
        sqlx::query(
            "INSERT INTO group_members (group_id, user_id, added_at) VALUES (?, ?, ?)
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
        let group = group_in(&mut tx, account_id, group_name).await?;
        let user = user_in(&mut tx, account_id, user_name).await?;
        sqlx::query("DELETE FROM group_members WHERE group_id = ? AND user_id = ?")
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
        sqlx::query(
            "SELECT u.* FROM group_members m JOIN users u ON u.user_id = m.user_id
             WHERE m.group_id = ?1 AND (?2 IS NULL OR u.name > ?2)
             ORDER BY u.name LIMIT ?3",
        )
        .bind(group_id)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(user_from_row)
        .collect()
    }

    async fn groups_for_user(
        &self,
        user_id: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<Group>, StoreError> {
        sqlx::query(
            "SELECT g.* FROM group_members m JOIN groups g ON g.group_id = m.group_id
             WHERE m.user_id = ?1 AND (?2 IS NULL OR g.name > ?2)
             ORDER BY g.name LIMIT ?3",
        )
        .bind(user_id)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(group_from_row)
        .collect()
    }

    async fn policy_owner(
        &self,
        account_id: &str,
        kind: PolicyOwnerKind,
        name: &str,
    ) -> Result<Option<PolicyOwner>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        owner_in(&mut conn, account_id, kind, name).await
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
            "SELECT document FROM inline_policies WHERE owner_id = ? AND name <> ?",
        )
        .bind(&owner.id)
        .bind(policy_name)
        .fetch_all(&mut *tx)
        .await?;
        quotas::inline_policies_size(kind, &owner.name, &others, document, max_total_size)?;
        sqlx::query(
            "INSERT INTO inline_policies (owner_id, owner_kind, name, document) VALUES (?, ?, ?, ?)
             ON CONFLICT (owner_id, name) DO UPDATE SET document = excluded.document",
        )
        .bind(&owner.id)
        .bind(kind.as_str())
        .bind(policy_name)
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
        let row = sqlx::query(
            "SELECT name, document FROM inline_policies WHERE owner_id = ? AND name = ?",
        )
        .bind(&owner.id)
        .bind(policy_name)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| no_such_policy(kind, policy_name))?;
        Ok(InlinePolicy {
            owner_name: owner.name,
            name: row.try_get("name")?,
            document: row.try_get("document")?,
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
        let done = sqlx::query("DELETE FROM inline_policies WHERE owner_id = ? AND name = ?")
            .bind(&owner.id)
            .bind(policy_name)
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
        sqlx::query_scalar(
            "SELECT name FROM inline_policies WHERE owner_id = ?1 AND (?2 IS NULL OR name > ?2)
             ORDER BY name LIMIT ?3",
        )
        .bind(&owner.id)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&mut *conn)
        .await
        .map_err(StoreError::from)
    }
}
