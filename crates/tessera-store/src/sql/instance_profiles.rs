//! [`InstanceProfileStore`] for SQLite: profiles in `instance_profiles`,
//! the roles they hold in `instance_profile_roles`, their tags under the
//! profile's unique id.

use super::iam_entities::existing_entity;
use super::rows::{InstanceProfileRow, RoleRow};
use super::{limit, tags};
use crate::rules::names::{exists_as, name_key};
use crate::rules::{conflicts, quotas};
use crate::{
    Existing, InstanceProfile, InstanceProfileStore, Missing, OwnerKind, Role, SqlStore, StoreError,
};
use async_trait::async_trait;
use sqlx::AnyConnection;

/// The columns of an instance profile, as `p`.
const PROFILE_SELECT: &str = "SELECT p.instance_profile_id, p.account_id, p.name, p.path,
    p.created_at FROM instance_profiles p";

fn no_such_profile(name: &str) -> StoreError {
    Missing::InstanceProfile(name.to_string()).into()
}

fn no_such_role(name: &str) -> StoreError {
    Missing::Owner {
        kind: OwnerKind::Role.noun(),
        name: name.to_string(),
    }
    .into()
}

/// The row of the instance profile `name` of `account_id`.
async fn find_row(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<Option<InstanceProfileRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "{PROFILE_SELECT} WHERE p.account_id = $1 AND p.name_key = $2"
    ))
    .bind(account_id)
    .bind(name_key(name))
    .fetch_optional(conn)
    .await?)
}

/// The unique id of the instance profile `name`; `NotFound` if there is
/// none.
pub(crate) async fn existing_profile_id(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<String, StoreError> {
    find_row(conn, account_id, name)
        .await?
        .map(|row| row.instance_profile_id)
        .ok_or_else(|| no_such_profile(name))
}

/// The roles the instance profile `profile_id` holds, in the order added.
async fn roles_of(conn: &mut AnyConnection, profile_id: &str) -> Result<Vec<Role>, StoreError> {
    let rows: Vec<RoleRow> = sqlx::query_as(
        "SELECT r.* FROM roles r JOIN instance_profile_roles m ON m.role_id = r.role_id
         WHERE m.instance_profile_id = $1 ORDER BY m.added_at, r.name_key",
    )
    .bind(profile_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Role::try_from).collect()
}

/// How many roles the instance profile `profile_id` holds.
async fn role_count(conn: &mut AnyConnection, profile_id: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM instance_profile_roles WHERE instance_profile_id = $1",
    )
    .bind(profile_id)
    .fetch_one(conn)
    .await?)
}

/// The profiles of `rows`, each with the roles it holds.
async fn with_roles(
    conn: &mut AnyConnection,
    rows: Vec<InstanceProfileRow>,
) -> Result<Vec<InstanceProfile>, StoreError> {
    let mut profiles = Vec::with_capacity(rows.len());
    for row in rows {
        let roles = roles_of(conn, &row.instance_profile_id).await?;
        profiles.push(row.with_roles(roles));
    }
    Ok(profiles)
}

#[async_trait]
impl InstanceProfileStore for SqlStore {
    async fn create_instance_profile(
        &self,
        profile: &InstanceProfile,
        tags: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO instance_profiles (instance_profile_id, account_id, name, name_key, path,
                                            created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&profile.instance_profile_id)
        .bind(&profile.account_id)
        .bind(&profile.name)
        .bind(name_key(&profile.name))
        .bind(&profile.path)
        .bind(profile.created_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::InstanceProfile(profile.name.clone())))?;
        tags::put(&mut tx, &profile.instance_profile_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn instance_profile(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<InstanceProfile>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let Some(row) = find_row(&mut conn, account_id, name).await? else {
            return Ok(None);
        };
        let roles = roles_of(&mut conn, &row.instance_profile_id).await?;
        Ok(Some(row.with_roles(roles)))
    }

    async fn list_instance_profiles(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<InstanceProfile>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<InstanceProfileRow> = sqlx::query_as(&format!(
            "{PROFILE_SELECT}
             WHERE p.account_id = $1 AND substr(p.path, 1, length($2)) = $2
               AND ($3 IS NULL OR p.name_key > $3)
             ORDER BY p.name_key LIMIT $4"
        ))
        .bind(account_id)
        .bind(path_prefix)
        .bind(after.map(name_key))
        .bind(limit(max))
        .fetch_all(&mut *conn)
        .await?;
        with_roles(&mut conn, rows).await
    }

    async fn delete_instance_profile(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let id = existing_profile_id(&mut tx, account_id, name).await?;
        conflicts::delete_instance_profile(role_count(&mut tx, &id).await?)?;
        tags::clear(&mut tx, &id).await?;
        sqlx::query("DELETE FROM instance_profiles WHERE instance_profile_id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_role_to_instance_profile(
        &self,
        account_id: &str,
        profile_name: &str,
        role_name: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let id = existing_profile_id(&mut tx, account_id, profile_name).await?;
        let role = existing_entity(&mut tx, account_id, OwnerKind::Role, role_name).await?;
        quotas::new_instance_profile_role(role_count(&mut tx, &id).await?)?;
        sqlx::query(
            "INSERT INTO instance_profile_roles (instance_profile_id, role_id, added_at)
             VALUES ($1, $2, $3)",
        )
        .bind(&id)
        .bind(&role.id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_role_from_instance_profile(
        &self,
        account_id: &str,
        profile_name: &str,
        role_name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let id = existing_profile_id(&mut tx, account_id, profile_name).await?;
        let role = existing_entity(&mut tx, account_id, OwnerKind::Role, role_name).await?;
        let done = sqlx::query(
            "DELETE FROM instance_profile_roles WHERE instance_profile_id = $1 AND role_id = $2",
        )
        .bind(&id)
        .bind(&role.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(no_such_role(role_name));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn instance_profiles_for_role(
        &self,
        role_id: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<InstanceProfile>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<InstanceProfileRow> = sqlx::query_as(&format!(
            "{PROFILE_SELECT} JOIN instance_profile_roles m
               ON m.instance_profile_id = p.instance_profile_id
             WHERE m.role_id = $1 AND ($2 IS NULL OR p.name_key > $2)
             ORDER BY p.name_key LIMIT $3"
        ))
        .bind(role_id)
        .bind(after.map(name_key))
        .bind(limit(max))
        .fetch_all(&mut *conn)
        .await?;
        with_roles(&mut conn, rows).await
    }
}
