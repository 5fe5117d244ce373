use super::put_tags;
use crate::rules::conflicts::{self, PolicyDependents, RoleDependents};
use crate::rules::{names::exists_as, quotas, versions};
use crate::{
    EntitiesForPolicy, EntityName, Existing, ManagedPolicy, OwnerKind, PolicyEntity, PolicyFilter,
    PolicyStore, PolicyUsage, PolicyVersion, PrincipalBinding, Role, SqliteStore, StoreError,
};
use async_trait::async_trait;
use sqlx::{Row, SqliteConnection, sqlite::SqliteRow};

fn role_from_row(row: &SqliteRow) -> Result<Role, StoreError> {
    let last_used_at: Option<i64> = row.try_get("last_used_at")?;
    let last_used_region: Option<String> = row.try_get("last_used_region")?;
    Ok(Role {
        role_id: row.try_get("role_id")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        assume_role_policy: row.try_get("assume_role_policy")?,
        description: row.try_get("description")?,
        max_session_duration: row.try_get("max_session_duration")?,
        permissions_boundary: row.try_get("permissions_boundary")?,
        created_at: row.try_get("created_at")?,
        last_used: last_used_at.map(|at| (at, last_used_region.unwrap_or_default())),
        trust_bindings: bindings_from_column(row.try_get("trust_bindings")?)?,
    })
}

/// The `trust_bindings` column: a JSON list, or NULL while unbound.
pub(crate) fn bindings_from_column(
    text: Option<String>,
) -> Result<Option<Vec<PrincipalBinding>>, StoreError> {
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| StoreError::Database(format!("trust bindings of a role: {e}")))
    })
    .transpose()
}

fn bindings_to_column(bindings: &[PrincipalBinding]) -> Result<String, StoreError> {
    serde_json::to_string(bindings)
        .map_err(|e| StoreError::Database(format!("trust bindings of a role: {e}")))
}

/// The tags of an owner (user, role, policy, …), by key.
pub(crate) async fn owner_tags(
    pool: &sqlx::SqlitePool,
    owner_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    sqlx::query("SELECT key, value FROM tags WHERE owner_id = ? ORDER BY key")
        .bind(owner_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("key")?, row.try_get("value")?)))
        .collect()
}

/// The columns of a managed policy with its usage counts.
const POLICY_COLUMNS: &str = "p.arn, p.policy_id, p.account_id, p.name, p.path, p.description,
    p.default_version, p.created_at, p.updated_at,
    (SELECT COUNT(*) FROM policy_attachments a WHERE a.policy_arn = p.arn) AS attachment_count,
    (SELECT COUNT(*) FROM users u WHERE u.permissions_boundary = p.arn)
      + (SELECT COUNT(*) FROM roles r WHERE r.permissions_boundary = p.arn) AS boundary_usage_count";

fn policy_from_row(row: &SqliteRow) -> Result<ManagedPolicy, StoreError> {
    Ok(ManagedPolicy {
        arn: row.try_get("arn")?,
        policy_id: row.try_get("policy_id")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        description: row.try_get("description")?,
        default_version: row.try_get("default_version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        attachment_count: row.try_get("attachment_count")?,
        boundary_usage_count: row.try_get("boundary_usage_count")?,
    })
}

fn version_from_row(row: &SqliteRow) -> Result<PolicyVersion, StoreError> {
    Ok(PolicyVersion {
        version_id: row.try_get("version_id")?,
        document: row.try_get("document")?,
        is_default: row.try_get("is_default")?,
        created_at: row.try_get("created_at")?,
    })
}

fn policy_not_found(arn: &str) -> StoreError {
    StoreError::NotFound(crate::Missing::Policy(arn.to_string()))
}

fn policy_not_attachable(arn: &str) -> StoreError {
    StoreError::NotFound(crate::Missing::AttachablePolicy(arn.to_string()))
}

/// The unique id of a user, group or role by name.
async fn owner_id(
    conn: &mut SqliteConnection,
    account_id: &str,
    kind: OwnerKind,
    name: &str,
) -> Result<String, StoreError> {
    let (table, id) = kind.table_and_id();
    let row = sqlx::query(&format!(
        "SELECT {id} AS id FROM {table} WHERE account_id = ? AND name = ?"
    ))
    .bind(account_id)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(row.try_get("id")?),
        None => Err(StoreError::NotFound(crate::Missing::Owner {
            kind: kind.noun(),
            name: name.to_string(),
        })),
    }
}

/// True if the managed policy exists in the account.
async fn policy_exists(
    conn: &mut SqliteConnection,
    account_id: &str,
    arn: &str,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("SELECT 1 FROM managed_policies WHERE account_id = ? AND arn = ?")
            .bind(account_id)
            .bind(arn)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

async fn count(conn: &mut SqliteConnection, sql: &str, key: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar::<_, i64>(sql)
        .bind(key)
        .fetch_one(&mut *conn)
        .await?)
}

#[async_trait]
impl PolicyStore for SqliteStore {
    async fn create_role(&self, role: &Role, tags: &[(String, String)]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if let Some(boundary) = &role.permissions_boundary
            && !policy_exists(&mut tx, &role.account_id, boundary).await?
        {
            return Err(policy_not_attachable(boundary));
        }
        sqlx::query(
            "INSERT INTO roles (role_id, account_id, name, path, assume_role_policy, description,
                                max_session_duration, permissions_boundary, created_at,
                                trust_bindings)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&role.role_id)
        .bind(&role.account_id)
        .bind(&role.name)
        .bind(&role.path)
        .bind(&role.assume_role_policy)
        .bind(&role.description)
        .bind(role.max_session_duration)
        .bind(&role.permissions_boundary)
        .bind(role.created_at)
        .bind(
            role.trust_bindings
                .as_deref()
                .map(bindings_to_column)
                .transpose()?,
        )
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::Role(role.name.clone())))?;
        put_tags(&mut tx, &role.role_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn role_by_name(&self, account_id: &str, name: &str) -> Result<Option<Role>, StoreError> {
        sqlx::query("SELECT * FROM roles WHERE account_id = ? AND name = ?")
            .bind(account_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(role_from_row)
            .transpose()
    }

    async fn list_roles(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Role>, StoreError> {
        sqlx::query(
            "SELECT * FROM roles
             WHERE account_id = ? AND substr(path, 1, length(?)) = ? AND (? IS NULL OR name > ?)
             ORDER BY name LIMIT ?",
        )
        .bind(account_id)
        .bind(path_prefix)
        .bind(path_prefix)
        .bind(after)
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(role_from_row)
        .collect()
    }

    async fn update_role(
        &self,
        account_id: &str,
        name: &str,
        description: Option<&str>,
        max_session_duration: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE roles SET description = COALESCE(?, description),
                              max_session_duration = COALESCE(?, max_session_duration)
             WHERE account_id = ? AND name = ?",
        )
        .bind(description)
        .bind(max_session_duration)
        .bind(account_id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(crate::Missing::Owner {
                kind: OwnerKind::Role.noun(),
                name: name.to_string(),
            }));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn update_assume_role_policy(
        &self,
        account_id: &str,
        name: &str,
        document: &str,
        bindings: &[PrincipalBinding],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE roles SET assume_role_policy = ?, trust_bindings = ?
             WHERE account_id = ? AND name = ?",
        )
        .bind(document)
        .bind(bindings_to_column(bindings)?)
        .bind(account_id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(crate::Missing::Owner {
                kind: OwnerKind::Role.noun(),
                name: name.to_string(),
            }));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_role(&self, account_id: &str, name: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let role_id = owner_id(&mut tx, account_id, OwnerKind::Role, name).await?;
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM inline_policies WHERE owner_id = ?1) AS inline_policies,
                    EXISTS (SELECT 1 FROM policy_attachments WHERE owner_id = ?1) AS attached",
        )
        .bind(&role_id)
        .fetch_one(&mut *tx)
        .await?;
        conflicts::delete_role(&RoleDependents {
            inline_policies: row.try_get("inline_policies")?,
            attached_policies: row.try_get("attached")?,
        })?;
        sqlx::query("DELETE FROM tags WHERE owner_id = ?")
            .bind(&role_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM roles WHERE role_id = ?")
            .bind(&role_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn policy_area_tags(&self, owner_id: &str) -> Result<Vec<(String, String)>, StoreError> {
        owner_tags(&self.pool, owner_id).await
    }

    async fn tag_role(
        &self,
        account_id: &str,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let role_id = owner_id(&mut tx, account_id, OwnerKind::Role, name).await?;
        put_tags(&mut tx, &role_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn untag_role(
        &self,
        account_id: &str,
        name: &str,
        keys: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let role_id = owner_id(&mut tx, account_id, OwnerKind::Role, name).await?;
        for key in keys {
            sqlx::query("DELETE FROM tags WHERE owner_id = ? AND key = ?")
                .bind(&role_id)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_permissions_boundary(
        &self,
        account_id: &str,
        kind: OwnerKind,
        name: &str,
        policy_arn: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let id = owner_id(&mut tx, account_id, kind, name).await?;
        if let Some(arn) = policy_arn
            && !policy_exists(&mut tx, account_id, arn).await?
        {
            return Err(policy_not_attachable(arn));
        }
        let (table, id_column) = kind.table_and_id();
        sqlx::query(&format!(
            "UPDATE {table} SET permissions_boundary = ? WHERE {id_column} = ?"
        ))
        .bind(policy_arn)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_policy(
        &self,
        policy: &ManagedPolicy,
        document: &str,
        tags: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO managed_policies (arn, policy_id, account_id, name, path, description,
                                           default_version, next_version, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&policy.arn)
        .bind(&policy.policy_id)
        .bind(&policy.account_id)
        .bind(&policy.name)
        .bind(&policy.path)
        .bind(&policy.description)
        .bind(versions::FIRST_VERSION)
        .bind(versions::AFTER_FIRST_VERSION)
        .bind(policy.created_at)
        .bind(policy.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::Policy(policy.name.clone())))?;
        sqlx::query(
            "INSERT INTO policy_versions (policy_arn, version_id, document, created_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(&policy.arn)
        .bind(versions::FIRST_VERSION)
        .bind(document)
        .bind(policy.created_at)
        .execute(&mut *tx)
        .await?;
        put_tags(&mut tx, &policy.policy_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn managed_policy(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<ManagedPolicy>, StoreError> {
        sqlx::query(&format!(
            "SELECT {POLICY_COLUMNS} FROM managed_policies p WHERE p.account_id = ? AND p.arn = ?"
        ))
        .bind(account_id)
        .bind(arn)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(policy_from_row)
        .transpose()
    }

    async fn list_policies(
        &self,
        account_id: &str,
        filter: &PolicyFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ManagedPolicy>, StoreError> {
        let prefix = filter.path_prefix.as_deref().unwrap_or("/");
        let usage = filter.usage.map(|u| match u {
            PolicyUsage::Permissions => "Permissions",
            PolicyUsage::Boundary => "Boundary",
        });
        sqlx::query(&format!(
            "SELECT {POLICY_COLUMNS} FROM managed_policies p
             WHERE p.account_id = ? AND substr(p.path, 1, length(?)) = ?
               AND (? = 0 OR EXISTS (SELECT 1 FROM policy_attachments a WHERE a.policy_arn = p.arn))
               AND (? IS NULL
                    OR (? = 'Permissions' AND attachment_count > 0)
                    OR (? = 'Boundary' AND boundary_usage_count > 0))
               AND (? IS NULL OR p.name > ?)
             ORDER BY p.name LIMIT ?"
        ))
        .bind(account_id)
        .bind(prefix)
        .bind(prefix)
        .bind(filter.only_attached)
        .bind(usage)
        .bind(usage)
        .bind(usage)
        .bind(after)
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(policy_from_row)
        .collect()
    }

    async fn delete_policy(&self, account_id: &str, arn: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let Some(row) = sqlx::query(&format!(
            "SELECT {POLICY_COLUMNS} FROM managed_policies p WHERE p.account_id = ? AND p.arn = ?"
        ))
        .bind(account_id)
        .bind(arn)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(policy_not_found(arn));
        };
        let policy = policy_from_row(&row)?;
        conflicts::delete_policy(&PolicyDependents {
            attachments: policy.attachment_count,
            boundary_uses: policy.boundary_usage_count,
            versions: count(
                &mut tx,
                "SELECT COUNT(*) FROM policy_versions WHERE policy_arn = ?",
                arn,
            )
            .await?,
        })?;
        sqlx::query("DELETE FROM tags WHERE owner_id = ?")
            .bind(&policy.policy_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM policy_versions WHERE policy_arn = ?")
            .bind(arn)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM managed_policies WHERE arn = ?")
            .bind(arn)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        document: &str,
        set_as_default: bool,
        now: i64,
    ) -> Result<String, StoreError> {
        let mut tx = self.write().await?;
        let Some(row) = sqlx::query(
            "SELECT next_version, default_version FROM managed_policies
             WHERE account_id = ? AND arn = ?",
        )
        .bind(account_id)
        .bind(arn)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(policy_not_found(arn));
        };
        let next: i64 = row.try_get("next_version")?;
        let default: String = row.try_get("default_version")?;
        let count = count(
            &mut tx,
            "SELECT COUNT(*) FROM policy_versions WHERE policy_arn = ?",
            arn,
        )
        .await?;
        let (version_id, default) = versions::new_version(count, next, &default, set_as_default)?;
        sqlx::query(
            "INSERT INTO policy_versions (policy_arn, version_id, document, created_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(arn)
        .bind(&version_id)
        .bind(document)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE managed_policies SET next_version = ?, updated_at = ?, default_version = ?
             WHERE arn = ?",
        )
        .bind(next + 1)
        .bind(now)
        .bind(&default)
        .bind(arn)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version_id)
    }

    async fn policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
    ) -> Result<Option<PolicyVersion>, StoreError> {
        sqlx::query(
            "SELECT v.version_id, v.document, v.created_at,
                    (v.version_id = p.default_version) AS is_default
             FROM policy_versions v JOIN managed_policies p ON p.arn = v.policy_arn
             WHERE p.account_id = ? AND p.arn = ? AND v.version_id = ?",
        )
        .bind(account_id)
        .bind(arn)
        .bind(version_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(version_from_row)
        .transpose()
    }

    async fn policy_versions(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Vec<PolicyVersion>, StoreError> {
        let mut found = sqlx::query(
            "SELECT v.version_id, v.document, v.created_at,
                    (v.version_id = p.default_version) AS is_default
             FROM policy_versions v JOIN managed_policies p ON p.arn = v.policy_arn
             WHERE p.account_id = ? AND p.arn = ?",
        )
        .bind(account_id)
        .bind(arn)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(version_from_row)
        .collect::<Result<Vec<_>, _>>()?;
        versions::newest_first(&mut found);
        Ok(found)
    }

    async fn delete_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let Some(row) = sqlx::query(
            "SELECT default_version FROM managed_policies WHERE account_id = ? AND arn = ?",
        )
        .bind(account_id)
        .bind(arn)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(policy_not_found(arn));
        };
        let default: String = row.try_get("default_version")?;
        versions::delete_version(&default, version_id)?;
        let done =
            sqlx::query("DELETE FROM policy_versions WHERE policy_arn = ? AND version_id = ?")
                .bind(arn)
                .bind(version_id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(versions::missing(arn, version_id));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_default_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if !policy_exists(&mut tx, account_id, arn).await? {
            return Err(policy_not_found(arn));
        }
        let exists =
            sqlx::query("SELECT 1 FROM policy_versions WHERE policy_arn = ? AND version_id = ?")
                .bind(arn)
                .bind(version_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if !exists {
            return Err(versions::missing(arn, version_id));
        }
        sqlx::query(
            "UPDATE managed_policies SET default_version = ?, updated_at = ? WHERE arn = ?",
        )
        .bind(version_id)
        .bind(now)
        .bind(arn)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn attach_policy(
        &self,
        account_id: &str,
        kind: OwnerKind,
        owner_name: &str,
        arn: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let owner = owner_id(&mut tx, account_id, kind, owner_name).await?;
        if !policy_exists(&mut tx, account_id, arn).await? {
            return Err(policy_not_attachable(arn));
        }
        let already =
            sqlx::query("SELECT 1 FROM policy_attachments WHERE policy_arn = ? AND owner_id = ?")
                .bind(arn)
                .bind(&owner)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if already {
            return Ok(());
        }
        let attached = count(
            &mut tx,
            "SELECT COUNT(*) FROM policy_attachments WHERE owner_id = ?",
            &owner,
        )
        .await?;
        quotas::new_attachment(kind, attached)?;
        sqlx::query(
            "INSERT INTO policy_attachments (policy_arn, owner_id, owner_kind) VALUES (?, ?, ?)",
        )
        .bind(arn)
        .bind(&owner)
        .bind(kind.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn detach_policy(
        &self,
        account_id: &str,
        kind: OwnerKind,
        owner_name: &str,
        arn: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let owner = owner_id(&mut tx, account_id, kind, owner_name).await?;
        let done =
            sqlx::query("DELETE FROM policy_attachments WHERE policy_arn = ? AND owner_id = ?")
                .bind(arn)
                .bind(&owner)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(policy_not_found(arn));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn attached_policies(
        &self,
        account_id: &str,
        kind: OwnerKind,
        owner_name: &str,
        path_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let owner = owner_id(&mut tx, account_id, kind, owner_name).await?;
        let rows = sqlx::query(
            "SELECT p.name AS name, p.arn AS arn
             FROM policy_attachments a JOIN managed_policies p ON p.arn = a.policy_arn
             WHERE a.owner_id = ? AND substr(p.path, 1, length(?)) = ? AND (? IS NULL OR p.name > ?)
             ORDER BY p.name LIMIT ?",
        )
        .bind(&owner)
        .bind(path_prefix)
        .bind(path_prefix)
        .bind(after)
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter()
            .map(|row| Ok((row.try_get("name")?, row.try_get("arn")?)))
            .collect()
    }

    async fn entities_for_policy(
        &self,
        query: &EntitiesForPolicy<'_>,
    ) -> Result<Vec<PolicyEntity>, StoreError> {
        let EntitiesForPolicy {
            account_id,
            arn,
            usage,
            kind,
            path_prefix,
            after,
            limit,
        } = *query;
        let mut tx = self.pool.begin().await?;
        if !policy_exists(&mut tx, account_id, arn).await? {
            return Err(policy_not_found(arn));
        }
        let (after_kind, after_name) = match after.and_then(|a| a.split_once('/')) {
            Some((k, n)) => (Some(k), Some(n)),
            None => (None, None),
        };
        let sources = match usage {
            PolicyUsage::Permissions => {
                "SELECT 'Group' AS kind, g.name AS name, g.group_id AS id, g.path AS path
                   FROM policy_attachments a JOIN groups g ON g.group_id = a.owner_id
                   WHERE a.policy_arn = ?1
                 UNION ALL
                 SELECT 'Role', r.name, r.role_id, r.path
                   FROM policy_attachments a JOIN roles r ON r.role_id = a.owner_id
                   WHERE a.policy_arn = ?1
                 UNION ALL
                 SELECT 'User', u.name, u.user_id, u.path
                   FROM policy_attachments a JOIN users u ON u.user_id = a.owner_id
                   WHERE a.policy_arn = ?1"
            }
            PolicyUsage::Boundary => {
                "SELECT 'Role' AS kind, r.name AS name, r.role_id AS id, r.path AS path
                   FROM roles r WHERE r.permissions_boundary = ?1
                 UNION ALL
                 SELECT 'User', u.name, u.user_id, u.path
                   FROM users u WHERE u.permissions_boundary = ?1"
            }
        };
        let rows = sqlx::query(&format!(
            "SELECT kind, name, id FROM ({sources})
             WHERE (?2 IS NULL OR kind = ?2) AND substr(path, 1, length(?3)) = ?3
               AND (?4 IS NULL OR kind > ?4 OR (kind = ?4 AND name > ?5 COLLATE NOCASE))
             ORDER BY kind, name COLLATE NOCASE LIMIT ?6"
        ))
        .bind(arn)
        .bind(kind.map(OwnerKind::as_str))
        .bind(path_prefix)
        .bind(after_kind)
        .bind(after_name)
        .bind(limit as i64)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(PolicyEntity {
                    kind: OwnerKind::parse(&kind)
                        .ok_or_else(|| StoreError::Database(format!("unknown kind {kind:?}")))?,
                    name: row.try_get("name")?,
                    id: row.try_get("id")?,
                })
            })
            .collect()
    }

    async fn entity_by_id(&self, unique_id: &str) -> Result<Option<EntityName>, StoreError> {
        sqlx::query(
            "SELECT 'User' AS kind, account_id, path, name FROM users WHERE user_id = ?1
             UNION ALL SELECT 'Group', account_id, path, name FROM groups WHERE group_id = ?1
             UNION ALL SELECT 'Role', account_id, path, name FROM roles WHERE role_id = ?1",
        )
        .bind(unique_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok(EntityName {
                kind: OwnerKind::parse(&kind)
                    .ok_or_else(|| StoreError::Database(format!("entity kind {kind}")))?,
                account_id: row.try_get("account_id")?,
                path: row.try_get("path")?,
                name: row.try_get("name")?,
            })
        })
        .transpose()
    }

    async fn roles_without_bindings(&self) -> Result<Vec<Role>, StoreError> {
        sqlx::query("SELECT * FROM roles WHERE trust_bindings IS NULL ORDER BY role_id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(role_from_row)
            .collect()
    }

    async fn set_trust_bindings(
        &self,
        role_id: &str,
        bindings: &[PrincipalBinding],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE roles SET trust_bindings = ? WHERE role_id = ?")
            .bind(bindings_to_column(bindings)?)
            .bind(role_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn entity_ref(
        &self,
        account_id: &str,
        kind: OwnerKind,
        name: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let (table, id) = kind.table_and_id();
        sqlx::query(&format!(
            "SELECT {id} AS id, path FROM {table} WHERE account_id = ? AND name = ?"
        ))
        .bind(account_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| Ok((row.try_get("id")?, row.try_get("path")?)))
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PoliciesOfStore, SqliteStore};

    const ACCOUNT: &str = "111122223333";
    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

    async fn store() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqliteStore::open(&dir.path().join("db.sqlite"))
            .await
            .expect("open");
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES (?, 'a', 0)")
            .bind(ACCOUNT)
            .execute(&store.pool)
            .await
            .expect("account");
        for (id, name) in [("AIDAALICE", "alice"), ("AIDABOB", "bob")] {
            sqlx::query(
                "INSERT INTO users (user_id, account_id, name, path, created_at) VALUES (?, ?, ?, '/', 0)",
            )
            .bind(id)
            .bind(ACCOUNT)
            .bind(name)
            .execute(&store.pool)
            .await
            .expect("user");
        }
        sqlx::query(
            "INSERT INTO groups (group_id, account_id, name, path, created_at) VALUES ('AGPADEV', ?, 'dev', '/', 0)",
        )
        .bind(ACCOUNT)
        .execute(&store.pool)
        .await
        .expect("group");
        sqlx::query("INSERT INTO group_members (group_id, user_id, added_at) VALUES ('AGPADEV', 'AIDAALICE', 0)")
            .execute(&store.pool)
            .await
            .expect("member");
        (store, dir)
    }

    async fn policy(store: &SqliteStore, name: &str) -> String {
        let arn = format!("arn:aws:iam::{ACCOUNT}:policy/{name}");
        let policy = ManagedPolicy {
            arn: arn.clone(),
            policy_id: format!("ANPA{name}"),
            account_id: ACCOUNT.to_string(),
            name: name.to_string(),
            path: "/".to_string(),
            description: None,
            default_version: "v1".to_string(),
            created_at: 0,
            updated_at: 0,
            attachment_count: 0,
            boundary_usage_count: 0,
        };
        store
            .create_policy(&policy, DOC, &[])
            .await
            .expect("policy");
        arn
    }

    #[tokio::test]
    async fn users_and_groups_take_attachments_and_boundaries() {
        let (store, _dir) = store().await;
        let arn = policy(&store, "p").await;
        store
            .attach_policy(ACCOUNT, OwnerKind::User, "alice", &arn)
            .await
            .expect("user");
        store
            .attach_policy(ACCOUNT, OwnerKind::Group, "DEV", &arn)
            .await
            .expect("group");
        let attached = store
            .attached_policies(ACCOUNT, OwnerKind::Group, "dev", "/", None, 10)
            .await
            .expect("list");
        assert_eq!(attached, vec![("p".to_string(), arn.clone())]);

        // Walk the entities one by one: groups, then users.
        let mut after: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let page = store
                .entities_for_policy(&EntitiesForPolicy {
                    account_id: ACCOUNT,
                    arn: &arn,
                    usage: PolicyUsage::Permissions,
                    kind: None,
                    path_prefix: "/",
                    after: after.as_deref(),
                    limit: 1,
                })
                .await
                .expect("entities");
            let Some(entity) = page.into_iter().next() else {
                break;
            };
            after = Some(format!("{}/{}", entity.kind.as_str(), entity.name));
            seen.push((entity.kind, entity.name));
        }
        assert_eq!(
            seen,
            vec![
                (OwnerKind::Group, "dev".to_string()),
                (OwnerKind::User, "alice".to_string())
            ]
        );

        // alice gets the policy directly and through her group.
        let of_alice = store.policies_of_user("AIDAALICE").await.expect("of");
        assert_eq!(of_alice.identity.len(), 2);

        store
            .set_permissions_boundary(ACCOUNT, OwnerKind::User, "bob", Some(&arn))
            .await
            .expect("boundary");
        let of_bob = store.policies_of_user("AIDABOB").await.expect("of");
        assert_eq!(of_bob.boundary.map(|b| b.id), Some(arn.clone()));
        let bounded = store
            .entities_for_policy(&EntitiesForPolicy {
                account_id: ACCOUNT,
                arn: &arn,
                usage: PolicyUsage::Boundary,
                kind: None,
                path_prefix: "/",
                after: None,
                limit: 10,
            })
            .await
            .expect("bounded");
        assert_eq!(bounded.len(), 1);
        assert_eq!(bounded[0].name, "bob");
        let counted = store
            .managed_policy(ACCOUNT, &arn)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(
            (counted.attachment_count, counted.boundary_usage_count),
            (2, 1)
        );
        assert!(matches!(
            store.delete_policy(ACCOUNT, &arn).await,
            Err(StoreError::Conflict(_))
        ));

        // The quota per user.
        for i in 0..9 {
            let other = policy(&store, &format!("q{i}")).await;
            store
                .attach_policy(ACCOUNT, OwnerKind::User, "alice", &other)
                .await
                .expect("attach");
        }
        let last = policy(&store, "last").await;
        match store
            .attach_policy(ACCOUNT, OwnerKind::User, "alice", &last)
            .await
        {
            Err(StoreError::LimitExceeded(quota)) => {
                assert_eq!(quota, crate::Quota::AttachedPolicies("PoliciesPerUser", 10))
            }
            other => panic!("{other:?}"),
        }
        match store
            .detach_policy(ACCOUNT, OwnerKind::Group, "nobody", &arn)
            .await
        {
            Err(StoreError::NotFound(missing)) => {
                assert_eq!(
                    missing,
                    crate::Missing::Owner {
                        kind: "group",
                        name: "nobody".to_string()
                    }
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
