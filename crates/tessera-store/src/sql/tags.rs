//! Tags of every kind of entity, by the owner's unique id (or ARN for
//! providers and MFA devices), written as the tag rules say.

use super::limit;
use crate::StoreError;
use crate::rules::{self, names::name_key};
use sqlx::AnyConnection;

/// Puts tags on an entity, as [`rules::tags::put`] says.
pub(crate) async fn put(
    conn: &mut AnyConnection,
    owner_id: &str,
    tags: &[(String, String)],
) -> Result<(), StoreError> {
    let existing: Vec<String> = sqlx::query_scalar("SELECT key FROM tags WHERE owner_id = $1")
        .bind(owner_id)
        .fetch_all(&mut *conn)
        .await?;
    let writes = rules::tags::put(existing.iter().map(String::as_str), tags)?;
    for (key, value) in &writes {
        sqlx::query(
            "INSERT INTO tags (owner_id, key, lower_key, value) VALUES ($1, $2, $3, $4)
             ON CONFLICT (owner_id, lower_key) DO UPDATE SET key = excluded.key, value = excluded.value",
        )
        .bind(owner_id)
        .bind(key)
        .bind(name_key(key))
        .bind(value)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Removes tags of an entity by key; absent keys are ignored.
pub(crate) async fn remove(
    conn: &mut AnyConnection,
    owner_id: &str,
    keys: &[String],
) -> Result<(), StoreError> {
    for key in keys {
        sqlx::query("DELETE FROM tags WHERE owner_id = $1 AND lower_key = $2")
            .bind(owner_id)
            .bind(name_key(key))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Removes every tag of an entity.
pub(crate) async fn clear(conn: &mut AnyConnection, owner_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM tags WHERE owner_id = $1")
        .bind(owner_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Tags of an entity by key: those whose key sorts after `after`, at most
/// `max` (`None`: all).
pub(crate) async fn of(
    conn: &mut AnyConnection,
    owner_id: &str,
    after: Option<&str>,
    max: Option<usize>,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT key, value FROM tags WHERE owner_id = $1 AND ($2 IS NULL OR lower_key > $2)
         ORDER BY lower_key LIMIT $3",
    )
    .bind(owner_id)
    .bind(after.map(name_key))
    .bind(max.map_or(i64::MAX, limit))
    .fetch_all(&mut *conn)
    .await?)
}
