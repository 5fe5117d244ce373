use super::iam_entities::{
    entity_table, existing_entity, find_entity, find_named, list_named, policy_exists,
};
use super::rows::{
    EntityNameRow, Flag, PolicyEntityRow, PolicyRow, RoleRow, VersionRow, bindings_to_json,
};
use super::{limit, tags};
use crate::rules::conflicts::{self, PolicyDependents, RoleDependents};
use crate::rules::names::{exists_as, name_key};
use crate::rules::{quotas, versions};
use crate::{
    EntitiesForPolicy, EntityName, Existing, ManagedPolicy, Missing, OwnerKind, PolicyEntity,
    PolicyFilter, PolicyStore, PolicyUsage, PolicyVersion, PrincipalBinding, Role, SqlStore,
    StoreError,
};
use async_trait::async_trait;
use sqlx::AnyConnection;

const TRUST_BINDINGS: &str = "trust bindings of a role";

/// A managed policy with its usage counts, as `p`.
const POLICY_SELECT: &str = "SELECT p.arn, p.policy_id, p.account_id, p.name, p.name_key, p.path,
    p.description, p.default_version, p.created_at, p.updated_at,
    (SELECT COUNT(*) FROM policy_attachments a WHERE a.policy_arn = p.arn) AS attachment_count,
    (SELECT COUNT(*) FROM users u WHERE u.permissions_boundary = p.arn)
      + (SELECT COUNT(*) FROM roles r WHERE r.permissions_boundary = p.arn) AS boundary_usage_count
    FROM managed_policies p";

/// Versions of a managed policy, with whether each is the default.
const VERSION_SELECT: &str = "SELECT v.version_id, v.document, v.created_at,
    (v.version_id = p.default_version) AS is_default
    FROM policy_versions v JOIN managed_policies p ON p.arn = v.policy_arn
    WHERE p.account_id = $1 AND p.arn = $2";

fn policy_not_found(arn: &str) -> StoreError {
    Missing::Policy(arn.to_string()).into()
}

fn policy_not_attachable(arn: &str) -> StoreError {
    Missing::AttachablePolicy(arn.to_string()).into()
}

fn no_such_role(name: &str) -> StoreError {
    Missing::Owner {
        kind: OwnerKind::Role.noun(),
        name: name.to_string(),
    }
    .into()
}

/// The role `name` of `account_id`.
pub(crate) async fn find_role(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<Option<Role>, StoreError> {
    let row: Option<RoleRow> = find_named(conn, OwnerKind::Role, account_id, name).await?;
    row.map(Role::try_from).transpose()
}

async fn find_policy(
    conn: &mut AnyConnection,
    account_id: &str,
    arn: &str,
) -> Result<Option<ManagedPolicy>, StoreError> {
    let row: Option<PolicyRow> = sqlx::query_as(&format!(
        "{POLICY_SELECT} WHERE p.account_id = $1 AND p.arn = $2"
    ))
    .bind(account_id)
    .bind(arn)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(ManagedPolicy::from))
}

async fn insert_version(
    conn: &mut AnyConnection,
    arn: &str,
    version_id: &str,
    document: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO policy_versions (policy_arn, version_id, document, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(arn)
    .bind(version_id)
    .bind(document)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn version_count(conn: &mut AnyConnection, arn: &str) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM policy_versions WHERE policy_arn = $1")
            .bind(arn)
            .fetch_one(conn)
            .await?,
    )
}

/// Deletes the role `name` of `account_id` with its tags, within the
/// caller's transaction: `NotFound` if there is none, `Conflict` (with
/// nothing written) while policies or an instance profile depend on it.
pub(super) async fn delete_role_in(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<(), StoreError> {
    let role = existing_entity(conn, account_id, OwnerKind::Role, name).await?;
    let (Flag(inline_policies), Flag(attached_policies), Flag(instance_profiles)) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM inline_policies WHERE owner_id = $1),
                EXISTS (SELECT 1 FROM policy_attachments WHERE owner_id = $1),
                EXISTS (SELECT 1 FROM instance_profile_roles WHERE role_id = $1)",
    )
    .bind(&role.id)
    .fetch_one(&mut *conn)
    .await?;
    conflicts::delete_role(&RoleDependents {
        inline_policies,
        attached_policies,
        instance_profiles,
    })?;
    tags::clear(conn, &role.id).await?;
    sqlx::query("DELETE FROM roles WHERE role_id = $1")
        .bind(&role.id)
        .execute(conn)
        .await?;
    Ok(())
}

#[async_trait]
impl PolicyStore for SqlStore {
    async fn create_role(&self, role: &Role, tags: &[(String, String)]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if let Some(boundary) = &role.permissions_boundary
            && !policy_exists(&mut tx, Some(&role.account_id), boundary).await?
        {
            return Err(policy_not_attachable(boundary));
        }
        sqlx::query(
            "INSERT INTO roles (role_id, account_id, name, name_key, path, assume_role_policy,
                                description, max_session_duration, permissions_boundary,
                                created_at, trust_bindings)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&role.role_id)
        .bind(&role.account_id)
        .bind(&role.name)
        .bind(name_key(&role.name))
        .bind(&role.path)
        .bind(&role.assume_role_policy)
        .bind(&role.description)
        .bind(role.max_session_duration)
        .bind(&role.permissions_boundary)
        .bind(role.created_at)
        .bind(
            role.trust_bindings
                .as_deref()
                .map(|b| bindings_to_json(b, TRUST_BINDINGS))
                .transpose()?,
        )
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::Role(role.name.clone())))?;
        tags::put(&mut tx, &role.role_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn role_by_name(&self, account_id: &str, name: &str) -> Result<Option<Role>, StoreError> {
        find_role(&mut *self.pool.acquire().await?, account_id, name).await
    }

    async fn list_roles(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<Role>, StoreError> {
        let rows: Vec<RoleRow> = list_named(
            &self.pool,
            OwnerKind::Role,
            account_id,
            path_prefix,
            after,
            max,
        )
        .await?;
        rows.into_iter().map(Role::try_from).collect()
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
            "UPDATE roles SET description = COALESCE($1, description),
                              max_session_duration = COALESCE($2, max_session_duration)
             WHERE account_id = $3 AND name_key = $4",
        )
        .bind(description)
        .bind(max_session_duration)
        .bind(account_id)
        .bind(name_key(name))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(no_such_role(name));
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
            "UPDATE roles SET assume_role_policy = $1, trust_bindings = $2
             WHERE account_id = $3 AND name_key = $4",
        )
        .bind(document)
        .bind(bindings_to_json(bindings, TRUST_BINDINGS)?)
        .bind(account_id)
        .bind(name_key(name))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(no_such_role(name));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_role(&self, account_id: &str, name: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        delete_role_in(&mut tx, account_id, name).await?;
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
        let entity = existing_entity(&mut tx, account_id, kind, name).await?;
        if let Some(arn) = policy_arn
            && !policy_exists(&mut tx, Some(account_id), arn).await?
        {
            return Err(policy_not_attachable(arn));
        }
        let (table, id_column) = entity_table(kind);
        sqlx::query(&format!(
            "UPDATE {table} SET permissions_boundary = $1 WHERE {id_column} = $2"
        ))
        .bind(policy_arn)
        .bind(&entity.id)
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
            "INSERT INTO managed_policies (arn, policy_id, account_id, name, name_key, path,
                                           description, default_version, next_version,
                                           created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&policy.arn)
        .bind(&policy.policy_id)
        .bind(&policy.account_id)
        .bind(&policy.name)
        .bind(name_key(&policy.name))
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
        insert_version(
            &mut tx,
            &policy.arn,
            versions::FIRST_VERSION,
            document,
            policy.created_at,
        )
        .await?;
        tags::put(&mut tx, &policy.policy_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn managed_policy(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<ManagedPolicy>, StoreError> {
        find_policy(&mut *self.pool.acquire().await?, account_id, arn).await
    }

    async fn list_policies(
        &self,
        account_id: &str,
        filter: &PolicyFilter,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<ManagedPolicy>, StoreError> {
        let usage = filter.usage.map(|u| match u {
            PolicyUsage::Permissions => "Permissions",
            PolicyUsage::Boundary => "Boundary",
        });
        let rows: Vec<PolicyRow> = sqlx::query_as(&format!(
            "SELECT * FROM ({POLICY_SELECT} WHERE p.account_id = $1) AS q
             WHERE substr(q.path, 1, length($2)) = $2
               AND (NOT $3 OR q.attachment_count > 0)
               AND ($4 IS NULL
                    OR ($4 = 'Permissions' AND q.attachment_count > 0)
                    OR ($4 = 'Boundary' AND q.boundary_usage_count > 0))
               AND ($5 IS NULL OR q.name_key > $5)
             ORDER BY q.name_key LIMIT $6"
        ))
        .bind(account_id)
        .bind(filter.path_prefix.as_deref().unwrap_or("/"))
        .bind(filter.only_attached)
        .bind(usage)
        .bind(after.map(name_key))
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ManagedPolicy::from).collect())
    }

    async fn delete_policy(&self, account_id: &str, arn: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let policy = find_policy(&mut tx, account_id, arn)
            .await?
            .ok_or_else(|| policy_not_found(arn))?;
        conflicts::delete_policy(&PolicyDependents {
            attachments: policy.attachment_count,
            boundary_uses: policy.boundary_usage_count,
            versions: version_count(&mut tx, arn).await?,
        })?;
        tags::clear(&mut tx, &policy.policy_id).await?;
        sqlx::query("DELETE FROM policy_versions WHERE policy_arn = $1")
            .bind(arn)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM managed_policies WHERE arn = $1")
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
        let (next, default): (i64, String) = sqlx::query_as(
            "SELECT next_version, default_version FROM managed_policies
             WHERE account_id = $1 AND arn = $2",
        )
        .bind(account_id)
        .bind(arn)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| policy_not_found(arn))?;
        let count = version_count(&mut tx, arn).await?;
        let (version_id, default) = versions::new_version(count, next, &default, set_as_default)?;
        insert_version(&mut tx, arn, &version_id, document, now).await?;
        sqlx::query(
            "UPDATE managed_policies SET next_version = $1, updated_at = $2, default_version = $3
             WHERE arn = $4",
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
        let row: Option<VersionRow> =
            sqlx::query_as(&format!("{VERSION_SELECT} AND v.version_id = $3"))
                .bind(account_id)
                .bind(arn)
                .bind(version_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(PolicyVersion::from))
    }

    async fn policy_versions(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Vec<PolicyVersion>, StoreError> {
        let rows: Vec<VersionRow> = sqlx::query_as(VERSION_SELECT)
            .bind(account_id)
            .bind(arn)
            .fetch_all(&self.pool)
            .await?;
        let mut found: Vec<PolicyVersion> = rows.into_iter().map(PolicyVersion::from).collect();
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
        let default: String = sqlx::query_scalar(
            "SELECT default_version FROM managed_policies WHERE account_id = $1 AND arn = $2",
        )
        .bind(account_id)
        .bind(arn)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| policy_not_found(arn))?;
        versions::delete_version(&default, version_id)?;
        let done =
            sqlx::query("DELETE FROM policy_versions WHERE policy_arn = $1 AND version_id = $2")
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
        if !policy_exists(&mut tx, Some(account_id), arn).await? {
            return Err(policy_not_found(arn));
        }
        let Flag(exists) = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM policy_versions WHERE policy_arn = $1 AND version_id = $2)",
        )
        .bind(arn)
        .bind(version_id)
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            return Err(versions::missing(arn, version_id));
        }
        sqlx::query(
            "UPDATE managed_policies SET default_version = $1, updated_at = $2 WHERE arn = $3",
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
        let owner = existing_entity(&mut tx, account_id, kind, owner_name).await?;
        if !policy_exists(&mut tx, Some(account_id), arn).await? {
            return Err(policy_not_attachable(arn));
        }
        let (Flag(already), attached): (Flag, i64) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM policy_attachments WHERE policy_arn = $1 AND owner_id = $2),
                    (SELECT COUNT(*) FROM policy_attachments WHERE owner_id = $2)",
        )
        .bind(arn)
        .bind(&owner.id)
        .fetch_one(&mut *tx)
        .await?;
        if already {
            return Ok(());
        }
        quotas::new_attachment(kind, attached)?;
        sqlx::query(
            "INSERT INTO policy_attachments (policy_arn, owner_id, owner_kind) VALUES ($1, $2, $3)",
        )
        .bind(arn)
        .bind(&owner.id)
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
        let owner = existing_entity(&mut tx, account_id, kind, owner_name).await?;
        let done =
            sqlx::query("DELETE FROM policy_attachments WHERE policy_arn = $1 AND owner_id = $2")
                .bind(arn)
                .bind(&owner.id)
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
        max: usize,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut tx = self.read().await?;
        let owner = existing_entity(&mut tx, account_id, kind, owner_name).await?;
        let attached = sqlx::query_as(
            "SELECT p.name, p.arn
             FROM policy_attachments a JOIN managed_policies p ON p.arn = a.policy_arn
             WHERE a.owner_id = $1 AND substr(p.path, 1, length($2)) = $2
               AND ($3 IS NULL OR p.name_key > $3)
             ORDER BY p.name_key LIMIT $4",
        )
        .bind(&owner.id)
        .bind(path_prefix)
        .bind(after.map(name_key))
        .bind(limit(max))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(attached)
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
            limit: max,
        } = *query;
        let mut tx = self.read().await?;
        if !policy_exists(&mut tx, Some(account_id), arn).await? {
            return Err(policy_not_found(arn));
        }
        let (after_kind, after_name) = match after.and_then(|a| a.split_once('/')) {
            Some((k, n)) => (Some(k), Some(n)),
            None => (None, None),
        };
        let sources = match usage {
            PolicyUsage::Permissions => {
                "SELECT 'Group' AS kind, g.name AS name, g.name_key AS name_key,
                        g.group_id AS id, g.path AS path
                   FROM policy_attachments a JOIN groups g ON g.group_id = a.owner_id
                   WHERE a.policy_arn = $1
                 UNION ALL
                 SELECT 'Role', r.name, r.name_key, r.role_id, r.path
                   FROM policy_attachments a JOIN roles r ON r.role_id = a.owner_id
                   WHERE a.policy_arn = $1
                 UNION ALL
                 SELECT 'User', u.name, u.name_key, u.user_id, u.path
                   FROM policy_attachments a JOIN users u ON u.user_id = a.owner_id
                   WHERE a.policy_arn = $1"
            }
            PolicyUsage::Boundary => {
                "SELECT 'Role' AS kind, r.name AS name, r.name_key AS name_key,
                        r.role_id AS id, r.path AS path
                   FROM roles r WHERE r.permissions_boundary = $1
                 UNION ALL
                 SELECT 'User', u.name, u.name_key, u.user_id, u.path
                   FROM users u WHERE u.permissions_boundary = $1"
            }
        };
        let rows: Vec<PolicyEntityRow> = sqlx::query_as(&format!(
            "SELECT kind, name, id FROM ({sources}) AS e
             WHERE ($2 IS NULL OR kind = $2) AND substr(path, 1, length($3)) = $3
               AND ($4 IS NULL OR kind > $4 OR (kind = $4 AND name_key > $5))
             ORDER BY kind, name_key LIMIT $6"
        ))
        .bind(arn)
        .bind(kind.map(OwnerKind::as_str))
        .bind(path_prefix)
        .bind(after_kind)
        .bind(after_name.map(name_key))
        .bind(limit(max))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.into_iter().map(PolicyEntity::try_from).collect()
    }

    async fn entity_by_id(&self, unique_id: &str) -> Result<Option<EntityName>, StoreError> {
        let row: Option<EntityNameRow> = sqlx::query_as(
            "SELECT 'User' AS kind, account_id, path, name FROM users WHERE user_id = $1
             UNION ALL SELECT 'Group', account_id, path, name FROM groups WHERE group_id = $1
             UNION ALL SELECT 'Role', account_id, path, name FROM roles WHERE role_id = $1",
        )
        .bind(unique_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(EntityName::try_from).transpose()
    }

    async fn roles_without_bindings(&self) -> Result<Vec<Role>, StoreError> {
        let rows: Vec<RoleRow> =
            sqlx::query_as("SELECT * FROM roles WHERE trust_bindings IS NULL ORDER BY role_id")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(Role::try_from).collect()
    }

    async fn set_trust_bindings(
        &self,
        role_id: &str,
        bindings: &[PrincipalBinding],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE roles SET trust_bindings = $1 WHERE role_id = $2")
            .bind(bindings_to_json(bindings, TRUST_BINDINGS)?)
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
        let found = find_entity(&mut *self.pool.acquire().await?, account_id, kind, name).await?;
        Ok(found.map(|entity| (entity.id, entity.path)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HotReadStore, SqlStore};

    const ACCOUNT: &str = "111122223333";
    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

    async fn store() -> (SqlStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqlStore::open_sqlite(&dir.path().join("db.sqlite"))
            .await
            .expect("open");
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, 'a', 0)")
            .bind(ACCOUNT)
            .execute(&store.pool)
            .await
            .expect("account");
        for (id, name) in [("AIDAALICE", "alice"), ("AIDABOB", "bob")] {
            sqlx::query(
                "INSERT INTO users (user_id, account_id, name, path, created_at) VALUES ($1, $2, $3, '/', 0)",
            )
            .bind(id)
            .bind(ACCOUNT)
            .bind(name)
            .execute(&store.pool)
            .await
            .expect("user");
        }
        sqlx::query(
            "INSERT INTO groups (group_id, account_id, name, path, created_at) VALUES ('AGPADEV', $1, 'dev', '/', 0)",
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

    async fn policy(store: &SqlStore, name: &str) -> String {
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
