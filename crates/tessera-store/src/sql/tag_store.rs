//! [`TagStore`](crate::TagStore) over the tag rows of [`super::tags`], for
//! the users, roles, managed policies, identity providers, MFA devices and
//! server certificates and instance profiles it finds.

use super::iam_entities::existing_entity;
use super::instance_profiles::existing_profile_id;
use super::tags::{of, put, remove};
use crate::rules::names::name_key;
use crate::{Missing, OwnerKind, StoreError, Tagged, TaggedKind};
use sqlx::AnyConnection;

/// The unique id the tags of `owner` are kept under; `NotFound` if there
/// is no such entity.
async fn owner_id(conn: &mut AnyConnection, owner: Tagged<'_>) -> Result<String, StoreError> {
    let kind = match owner.kind {
        TaggedKind::User => OwnerKind::User,
        TaggedKind::Role => OwnerKind::Role,
        TaggedKind::Policy => {
            let id: Option<String> = sqlx::query_scalar(
                "SELECT policy_id FROM managed_policies WHERE account_id = $1 AND arn = $2",
            )
            .bind(owner.account_id)
            .bind(owner.name)
            .fetch_optional(conn)
            .await?;
            return id.ok_or_else(|| Missing::Policy(owner.name.to_string()).into());
        }
        TaggedKind::ServerCertificate => {
            // A server certificate's tags are kept under its unique id.
            let id: Option<String> = sqlx::query_scalar(
                "SELECT server_certificate_id FROM server_certificates
                 WHERE account_id = $1 AND name_key = $2",
            )
            .bind(owner.account_id)
            .bind(name_key(owner.name))
            .fetch_optional(conn)
            .await?;
            return id.ok_or_else(|| Missing::ServerCertificate(owner.name.to_string()).into());
        }
        TaggedKind::InstanceProfile => {
            return existing_profile_id(conn, owner.account_id, owner.name).await;
        }
        TaggedKind::OidcProvider | TaggedKind::SamlProvider | TaggedKind::MfaDevice => {
            let (table, column, missing): (_, _, fn(String) -> Missing) = match owner.kind {
                TaggedKind::OidcProvider => ("oidc_providers", "arn", Missing::OidcProvider),
                TaggedKind::SamlProvider => ("saml_providers", "arn", Missing::SamlProvider),
                _ => ("mfa_devices", "serial_number", Missing::MfaDevice),
            };
            // A provider's tags are kept under its ARN, a device's under
            // its serial number.
            let found: Option<String> = sqlx::query_scalar(&format!(
                "SELECT {column} FROM {table} WHERE account_id = $1 AND {column} = $2"
            ))
            .bind(owner.account_id)
            .bind(owner.name)
            .fetch_optional(conn)
            .await?;
            return found.ok_or_else(|| missing(owner.name.to_string()).into());
        }
    };
    Ok(existing_entity(conn, owner.account_id, kind, owner.name)
        .await?
        .id)
}

#[async_trait::async_trait]
impl crate::TagStore for super::SqlStore {
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
        let id = owner_id(&mut tx, owner).await?;
        put(&mut tx, &id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn untag(&self, owner: crate::Tagged<'_>, keys: &[String]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let id = owner_id(&mut tx, owner).await?;
        remove(&mut tx, &id, keys).await?;
        tx.commit().await?;
        Ok(())
    }
}
