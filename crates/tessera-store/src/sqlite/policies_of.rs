use super::iam_policies::{bindings_from_column, owner_tags};
use crate::{
    AssumableRole, NamedPolicy, PoliciesOfStore, PrincipalPolicies, SqliteStore, StoreError,
};
use async_trait::async_trait;
use sqlx::Row;

impl SqliteStore {
    /// Inline policies and default versions of attached managed policies of
    /// the owners (a user and its groups, or a role), inline first.
    async fn identity_policies(
        &self,
        owners: &[(String, &str, String)],
    ) -> Result<Vec<NamedPolicy>, StoreError> {
        let mut policies = Vec::new();
        for (owner_id, kind, owner_name) in owners {
            let inline = sqlx::query(
                "SELECT name, document FROM inline_policies WHERE owner_id = ? ORDER BY name",
            )
            .bind(owner_id)
            .fetch_all(&self.pool)
            .await?;
            for row in inline {
                let name: String = row.try_get("name")?;
                policies.push(NamedPolicy {
                    id: format!("{}/{owner_name}/{name}", kind.to_ascii_lowercase()),
                    document: row.try_get("document")?,
                });
            }
            let managed = sqlx::query(
                "SELECT a.policy_arn AS arn, v.document AS document
                 FROM policy_attachments a
                 JOIN managed_policies p ON p.arn = a.policy_arn
                 JOIN policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version
                 WHERE a.owner_id = ? ORDER BY a.policy_arn",
            )
            .bind(owner_id)
            .fetch_all(&self.pool)
            .await?;
            for row in managed {
                policies.push(NamedPolicy {
                    id: row.try_get("arn")?,
                    document: row.try_get("document")?,
                });
            }
        }
        Ok(policies)
    }

    async fn boundary(&self, arn: Option<String>) -> Result<Option<NamedPolicy>, StoreError> {
        let Some(arn) = arn else { return Ok(None) };
        // A boundary whose policy is gone allows nothing: an empty document
        // fails closed when parsed.
        let document = self
            .managed_policy_document(&arn)
            .await?
            .unwrap_or_default();
        Ok(Some(NamedPolicy { id: arn, document }))
    }
}

#[async_trait]
impl PoliciesOfStore for SqliteStore {
    async fn policies_of_user(&self, user_id: &str) -> Result<PrincipalPolicies, StoreError> {
        let Some(user) =
            sqlx::query("SELECT name, permissions_boundary FROM users WHERE user_id = ?")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(PrincipalPolicies::default());
        };
        let user_name: String = user.try_get("name")?;
        let mut owners = vec![(user_id.to_string(), "User", user_name)];
        let groups = sqlx::query(
            "SELECT g.group_id AS group_id, g.name AS name FROM group_members m
             JOIN groups g ON g.group_id = m.group_id WHERE m.user_id = ? ORDER BY g.name",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        for row in groups {
            owners.push((row.try_get("group_id")?, "Group", row.try_get("name")?));
        }
        Ok(PrincipalPolicies {
            identity: self.identity_policies(&owners).await?,
            boundary: self.boundary(user.try_get("permissions_boundary")?).await?,
            tags: owner_tags(&self.pool, user_id).await?,
        })
    }

    async fn policies_of_group(&self, group_id: &str) -> Result<PrincipalPolicies, StoreError> {
        let Some(group) = sqlx::query("SELECT name FROM groups WHERE group_id = ?")
            .bind(group_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(PrincipalPolicies::default());
        };
        let owners = vec![(group_id.to_string(), "Group", group.try_get("name")?)];
        Ok(PrincipalPolicies {
            identity: self.identity_policies(&owners).await?,
            boundary: None,
            tags: Vec::new(),
        })
    }

    async fn assumable_role(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<AssumableRole>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT role_id, account_id, name, path, assume_role_policy, max_session_duration,
                    trust_bindings
             FROM roles WHERE account_id = ? AND name = ?",
        )
        .bind(account_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let role_id: String = row.try_get("role_id")?;
        Ok(Some(AssumableRole {
            tags: owner_tags(&self.pool, &role_id).await?,
            trust_bindings: bindings_from_column(row.try_get("trust_bindings")?)?,
            role_id,
            account_id: row.try_get("account_id")?,
            name: row.try_get("name")?,
            path: row.try_get("path")?,
            trust_policy: row.try_get("assume_role_policy")?,
            max_session_duration: row.try_get("max_session_duration")?,
        }))
    }

    async fn managed_policy_document(&self, arn: &str) -> Result<Option<String>, StoreError> {
        sqlx::query(
            "SELECT v.document AS document FROM managed_policies p
             JOIN policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version
             WHERE p.arn = ?",
        )
        .bind(arn)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| row.try_get("document"))
        .transpose()
        .map_err(StoreError::from)
    }

    async fn policies_of_role(&self, role_id: &str) -> Result<PrincipalPolicies, StoreError> {
        let Some(role) =
            sqlx::query("SELECT name, permissions_boundary FROM roles WHERE role_id = ?")
                .bind(role_id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(PrincipalPolicies::default());
        };
        let owners = vec![(role_id.to_string(), "Role", role.try_get("name")?)];
        Ok(PrincipalPolicies {
            identity: self.identity_policies(&owners).await?,
            boundary: self.boundary(role.try_get("permissions_boundary")?).await?,
            tags: owner_tags(&self.pool, role_id).await?,
        })
    }
}
