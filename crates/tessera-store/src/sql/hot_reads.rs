use super::iam_policies::find_role;
use super::rows::{AccessKeyRow, Flag, UserRow};
use super::tags;
use crate::rules::names::name_key;
use crate::{
    AccessKeyRecord, AssumableRole, HotReadStore, NamedPolicy, PrincipalPolicies, SessionOwner,
    SqlStore, Standing, StoreError, User,
};
use async_trait::async_trait;
use sqlx::AnyConnection;

/// Inline policies and default versions of attached managed policies of
/// the owners (a user and its groups, or a role: unique id, kind, name),
/// inline first.
async fn identity_policies(
    conn: &mut AnyConnection,
    owners: &[(String, &str, String)],
) -> Result<Vec<NamedPolicy>, StoreError> {
    let mut policies = Vec::new();
    for (owner_id, kind, owner_name) in owners {
        let inline: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, document FROM inline_policies WHERE owner_id = $1 ORDER BY name_key",
        )
        .bind(owner_id)
        .fetch_all(&mut *conn)
        .await?;
        for (name, document) in inline {
            policies.push(NamedPolicy {
                id: format!("{}/{owner_name}/{name}", kind.to_ascii_lowercase()),
                document,
            });
        }
        let managed: Vec<(String, String)> = sqlx::query_as(
            "SELECT a.policy_arn, v.document
             FROM policy_attachments a
             JOIN managed_policies p ON p.arn = a.policy_arn
             JOIN policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version
             WHERE a.owner_id = $1 ORDER BY a.policy_arn",
        )
        .bind(owner_id)
        .fetch_all(&mut *conn)
        .await?;
        for (id, document) in managed {
            policies.push(NamedPolicy { id, document });
        }
    }
    Ok(policies)
}

async fn default_document(
    conn: &mut AnyConnection,
    arn: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT v.document FROM managed_policies p
         JOIN policy_versions v ON v.policy_arn = p.arn AND v.version_id = p.default_version
         WHERE p.arn = $1",
    )
    .bind(arn)
    .fetch_optional(conn)
    .await?)
}

async fn boundary(
    conn: &mut AnyConnection,
    arn: Option<String>,
) -> Result<Option<NamedPolicy>, StoreError> {
    let Some(arn) = arn else { return Ok(None) };
    // A boundary whose policy is gone allows nothing: an empty document
    // fails closed when parsed.
    let document = default_document(conn, &arn).await?.unwrap_or_default();
    Ok(Some(NamedPolicy { id: arn, document }))
}

/// The reads themselves, each from the database.
impl SqlStore {
    async fn read_access_key(
        &self,
        access_key_id: &str,
    ) -> Result<Option<AccessKeyRecord>, StoreError> {
        let row: Option<AccessKeyRow> =
            sqlx::query_as("SELECT * FROM access_keys WHERE access_key_id = $1")
                .bind(access_key_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(AccessKeyRecord::try_from).transpose()
    }

    async fn read_user_by_id(&self, user_id: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(User::from))
    }

    async fn read_policies_of_user(&self, user_id: &str) -> Result<PrincipalPolicies, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let Some((user_name, permissions_boundary)): Option<(String, Option<String>)> =
            sqlx::query_as("SELECT name, permissions_boundary FROM users WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&mut *conn)
                .await?
        else {
            return Ok(PrincipalPolicies::default());
        };
        let groups: Vec<(String, String)> = sqlx::query_as(
            "SELECT g.group_id, g.name FROM group_members m
             JOIN groups g ON g.group_id = m.group_id WHERE m.user_id = $1 ORDER BY g.name_key",
        )
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut owners = vec![(user_id.to_string(), "User", user_name)];
        owners.extend(groups.into_iter().map(|(id, name)| (id, "Group", name)));
        Ok(PrincipalPolicies {
            identity: identity_policies(&mut conn, &owners).await?,
            boundary: boundary(&mut conn, permissions_boundary).await?,
            tags: tags::of(&mut conn, user_id, None, None).await?,
        })
    }

    async fn read_policies_of_group(
        &self,
        group_id: &str,
    ) -> Result<PrincipalPolicies, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let Some(name): Option<String> =
            sqlx::query_scalar("SELECT name FROM groups WHERE group_id = $1")
                .bind(group_id)
                .fetch_optional(&mut *conn)
                .await?
        else {
            return Ok(PrincipalPolicies::default());
        };
        let owners = vec![(group_id.to_string(), "Group", name)];
        Ok(PrincipalPolicies {
            identity: identity_policies(&mut conn, &owners).await?,
            boundary: None,
            tags: Vec::new(),
        })
    }

    async fn read_policies_of_role(&self, role_id: &str) -> Result<PrincipalPolicies, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let Some((name, permissions_boundary)): Option<(String, Option<String>)> =
            sqlx::query_as("SELECT name, permissions_boundary FROM roles WHERE role_id = $1")
                .bind(role_id)
                .fetch_optional(&mut *conn)
                .await?
        else {
            return Ok(PrincipalPolicies::default());
        };
        let owners = vec![(role_id.to_string(), "Role", name)];
        Ok(PrincipalPolicies {
            identity: identity_policies(&mut conn, &owners).await?,
            boundary: boundary(&mut conn, permissions_boundary).await?,
            tags: tags::of(&mut conn, role_id, None, None).await?,
        })
    }

    async fn read_assumable_role(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<AssumableRole>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let Some(role) = find_role(&mut conn, account_id, name).await? else {
            return Ok(None);
        };
        Ok(Some(AssumableRole {
            tags: tags::of(&mut conn, &role.role_id, None, None).await?,
            trust_bindings: role.trust_bindings,
            role_id: role.role_id,
            account_id: role.account_id,
            name: role.name,
            path: role.path,
            trust_policy: role.assume_role_policy,
            max_session_duration: role.max_session_duration,
        }))
    }

    async fn read_managed_policy_document(&self, arn: &str) -> Result<Option<String>, StoreError> {
        default_document(&mut *self.pool.acquire().await?, arn).await
    }

    async fn read_session_standing(&self, owner: SessionOwner<'_>) -> Result<Standing, StoreError> {
        // One read: whether the owner exists, and its latest mark.
        let (exists, own, other) = match owner {
            SessionOwner::Root { account_id } => (
                "SELECT 1 FROM accounts WHERE id = $1",
                account_id,
                account_id,
            ),
            SessionOwner::User { user_id } => {
                ("SELECT 1 FROM users WHERE user_id = $1", user_id, user_id)
            }
            SessionOwner::Role { role_id } => {
                ("SELECT 1 FROM roles WHERE role_id = $1", role_id, role_id)
            }
            SessionOwner::FederatedUser {
                federated_id,
                creator_id,
            } => (
                "SELECT 1 FROM users WHERE user_id = $1 UNION ALL SELECT 1 FROM accounts WHERE id = $1",
                creator_id,
                federated_id,
            ),
        };
        let (present, revoked_before): (Flag, Option<i64>) = sqlx::query_as(&format!(
            "SELECT EXISTS ({exists}),
                    (SELECT max(revoked_before) FROM session_revocations_by_id
                     WHERE principal_id IN ($1, $2))"
        ))
        .bind(own)
        .bind(other)
        .fetch_one(&self.pool)
        .await?;
        Ok(if present.0 {
            Standing::Present { revoked_before }
        } else {
            Standing::Gone
        })
    }
}

/// The reads through this node's cache (see [`super::cache`]).
#[async_trait]
impl HotReadStore for SqlStore {
    async fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        let cache = &self.cache;
        cache
            .get_or_read(
                &cache.access_keys,
                access_key_id,
                self.read_access_key(access_key_id),
            )
            .await
    }

    async fn user_by_id(&self, user_id: &str) -> Result<Option<User>, StoreError> {
        let cache = &self.cache;
        cache
            .get_or_read(&cache.users, user_id, self.read_user_by_id(user_id))
            .await
    }

    async fn policies_of_user(&self, user_id: &str) -> Result<PrincipalPolicies, StoreError> {
        let cache = &self.cache;
        cache
            .get_or_read(
                &cache.user_policies,
                user_id,
                self.read_policies_of_user(user_id),
            )
            .await
    }

    async fn policies_of_group(&self, group_id: &str) -> Result<PrincipalPolicies, StoreError> {
        let cache = &self.cache;
        cache
            .get_or_read(
                &cache.group_policies,
                group_id,
                self.read_policies_of_group(group_id),
            )
            .await
    }

    async fn policies_of_role(&self, role_id: &str) -> Result<PrincipalPolicies, StoreError> {
        let cache = &self.cache;
        cache
            .get_or_read(
                &cache.role_policies,
                role_id,
                self.read_policies_of_role(role_id),
            )
            .await
    }

    async fn assumable_role(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<AssumableRole>, StoreError> {
        let cache = &self.cache;
        let key = format!("{account_id}/{}", name_key(name));
        cache
            .get_or_read(
                &cache.roles,
                &key,
                self.read_assumable_role(account_id, name),
            )
            .await
    }

    async fn managed_policy_document(&self, arn: &str) -> Result<Option<String>, StoreError> {
        let cache = &self.cache;
        cache
            .get_or_read(
                &cache.documents,
                arn,
                self.read_managed_policy_document(arn),
            )
            .await
    }

    async fn session_standing(&self, owner: SessionOwner<'_>) -> Result<Standing, StoreError> {
        let cache = &self.cache;
        let key = match owner {
            SessionOwner::Root { account_id } => format!("root/{account_id}"),
            SessionOwner::User { user_id } => format!("user/{user_id}"),
            SessionOwner::Role { role_id } => format!("role/{role_id}"),
            SessionOwner::FederatedUser {
                federated_id,
                creator_id,
            } => format!("federated/{federated_id}/{creator_id}"),
        };
        cache
            .get_or_read(&cache.standings, &key, self.read_session_standing(owner))
            .await
    }
}
