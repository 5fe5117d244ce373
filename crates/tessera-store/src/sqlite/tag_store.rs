//! [`TagStore`](crate::TagStore) over the tag rows of [`super::tags`], for
//! the users and roles [`super::iam_entities`] finds.

use super::iam_entities::existing_entity;
use super::tags::{of, put, remove};
use crate::StoreError;

#[async_trait::async_trait]
impl crate::TagStore for super::SqliteStore {
    async fn tags(
        &self,
        owner_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StoreError> {
        of(
            &mut *self.pool.acquire().await?,
            owner_id,
            after,
            Some(limit),
        )
        .await
    }

    async fn tag(
        &self,
        owner: crate::Tagged<'_>,
        tags: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let entity = existing_entity(
            &mut tx,
            owner.account_id,
            owner.kind.owner_kind(),
            owner.name,
        )
        .await?;
        put(&mut tx, &entity.id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn untag(&self, owner: crate::Tagged<'_>, keys: &[String]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let entity = existing_entity(
            &mut tx,
            owner.account_id,
            owner.kind.owner_kind(),
            owner.name,
        )
        .await?;
        remove(&mut tx, &entity.id, keys).await?;
        tx.commit().await?;
        Ok(())
    }
}
