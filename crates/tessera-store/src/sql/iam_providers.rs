use super::rows::{Flag, MfaRow, OidcRow, SamlRow};
use super::{limit, tags};
use crate::rules::mfa::{self, Assignment};
use crate::rules::names::{exists_as, name_key};
use crate::rules::quotas;
use crate::{
    AccountCounts, Existing, MfaDevice, MfaFilter, Missing, OidcProvider, ProviderStore,
    SamlProvider, SqlStore, StoreError,
};
use async_trait::async_trait;
use sqlx::AnyConnection;

fn oidc_not_found(arn: &str) -> StoreError {
    Missing::OidcProvider(arn.to_string()).into()
}

fn saml_not_found(arn: &str) -> StoreError {
    Missing::SamlProvider(arn.to_string()).into()
}

/// Touches the OIDC provider's row, locking it where the database locks
/// rows (SQLite's write transaction holds the whole database already);
/// `NotFound` if the provider is not in the account.
async fn lock_oidc(
    conn: &mut AnyConnection,
    account_id: &str,
    arn: &str,
) -> Result<(), StoreError> {
    let touched =
        sqlx::query("UPDATE oidc_providers SET url = url WHERE arn = $1 AND account_id = $2")
            .bind(arn)
            .bind(account_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if touched == 0 {
        return Err(oidc_not_found(arn));
    }
    Ok(())
}

/// Whether the device is enabled for a user; `None` if it is not in the account.
async fn assignment(
    conn: &mut AnyConnection,
    account_id: &str,
    serial_number: &str,
) -> Result<Option<Assignment>, StoreError> {
    let user: Option<Option<String>> = sqlx::query_scalar(
        "SELECT user_id FROM mfa_devices WHERE serial_number = $1 AND account_id = $2",
    )
    .bind(serial_number)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(user.map(|user| Assignment::of(user.as_deref())))
}

const MFA_SELECT: &str = "SELECT d.serial_number, d.account_id, d.sealed_seed, d.user_id,
        d.enabled_at, d.created_at, d.last_used_step, u.name AS u_name, u.path AS u_path,
        u.permissions_boundary AS u_boundary, u.created_at AS u_created_at
    FROM mfa_devices d LEFT JOIN users u ON u.user_id = d.user_id";

const OIDC_SELECT: &str = "SELECT arn, account_id, url, created_at FROM oidc_providers";

const SAML_SELECT: &str =
    "SELECT arn, account_id, name, metadata, created_at, valid_until FROM saml_providers";

impl SqlStore {
    /// OIDC providers with their client ids, thumbprints and tags.
    async fn oidc_with_lists(&self, rows: Vec<OidcRow>) -> Result<Vec<OidcProvider>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut providers = Vec::with_capacity(rows.len());
        for row in rows {
            let client_ids = sqlx::query_scalar(
                "SELECT client_id FROM oidc_client_ids WHERE provider_arn = $1 ORDER BY position",
            )
            .bind(&row.arn)
            .fetch_all(&mut *conn)
            .await?;
            let thumbprints = sqlx::query_scalar(
                "SELECT thumbprint FROM oidc_thumbprints WHERE provider_arn = $1 ORDER BY position",
            )
            .bind(&row.arn)
            .fetch_all(&mut *conn)
            .await?;
            providers.push(OidcProvider {
                tags: tags::of(&mut conn, &row.arn, None, None).await?,
                client_ids,
                thumbprints,
                arn: row.arn,
                account_id: row.account_id,
                url: row.url,
                created_at: row.created_at,
            });
        }
        Ok(providers)
    }

    async fn saml_with_tags(&self, rows: Vec<SamlRow>) -> Result<Vec<SamlProvider>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut providers = Vec::with_capacity(rows.len());
        for row in rows {
            let tags = tags::of(&mut conn, row.arn(), None, None).await?;
            providers.push(row.with_tags(tags));
        }
        Ok(providers)
    }

    async fn mfa_with_tags(&self, rows: Vec<MfaRow>) -> Result<Vec<MfaDevice>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut devices = Vec::with_capacity(rows.len());
        for row in rows {
            let tags = tags::of(&mut conn, row.serial_number(), None, None).await?;
            devices.push(row.with_tags(tags));
        }
        Ok(devices)
    }
}

/// Deletes the provider `arn` of `account_id` from `table` (what it owns
/// goes with it) and its tags; whether there was one.
async fn delete_provider(
    conn: &mut AnyConnection,
    table: &str,
    account_id: &str,
    arn: &str,
) -> Result<bool, StoreError> {
    let deleted = sqlx::query(&format!(
        "DELETE FROM {table} WHERE arn = $1 AND account_id = $2"
    ))
    .bind(arn)
    .bind(account_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if deleted > 0 {
        tags::clear(conn, arn).await?;
    }
    Ok(deleted > 0)
}

async fn insert_thumbprints(
    conn: &mut AnyConnection,
    arn: &str,
    thumbprints: &[String],
) -> Result<(), StoreError> {
    for (position, thumbprint) in (0_i64..).zip(thumbprints) {
        sqlx::query(
            "INSERT INTO oidc_thumbprints (provider_arn, position, thumbprint) VALUES ($1, $2, $3)",
        )
        .bind(arn)
        .bind(position)
        .bind(thumbprint)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn insert_client_id(
    conn: &mut AnyConnection,
    arn: &str,
    client_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO oidc_client_ids (provider_arn, client_id, position)
         SELECT $1, $2, COALESCE(MAX(position), 0) + 1 FROM oidc_client_ids WHERE provider_arn = $1
         ON CONFLICT (provider_arn, client_id) DO NOTHING",
    )
    .bind(arn)
    .bind(client_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl ProviderStore for SqlStore {
    async fn create_oidc_provider(&self, provider: &OidcProvider) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO oidc_providers (arn, account_id, url, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&provider.arn)
        .bind(&provider.account_id)
        .bind(&provider.url)
        .bind(provider.created_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::OidcProvider(provider.url.clone())))?;
        for client_id in &provider.client_ids {
            insert_client_id(&mut tx, &provider.arn, client_id).await?;
        }
        insert_thumbprints(&mut tx, &provider.arn, &provider.thumbprints).await?;
        tags::put(&mut tx, &provider.arn, &provider.tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn oidc_provider(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<OidcProvider>, StoreError> {
        let rows = sqlx::query_as(&format!("{OIDC_SELECT} WHERE arn = $1 AND account_id = $2"))
            .bind(arn)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(self.oidc_with_lists(rows).await?.into_iter().next())
    }

    async fn oidc_provider_by_url(
        &self,
        account_id: &str,
        url: &str,
    ) -> Result<Option<OidcProvider>, StoreError> {
        let rows = sqlx::query_as(&format!("{OIDC_SELECT} WHERE account_id = $1 AND url = $2"))
            .bind(account_id)
            .bind(url)
            .fetch_all(&self.pool)
            .await?;
        Ok(self.oidc_with_lists(rows).await?.into_iter().next())
    }

    async fn oidc_providers(&self, account_id: &str) -> Result<Vec<OidcProvider>, StoreError> {
        let rows = sqlx::query_as(&format!("{OIDC_SELECT} WHERE account_id = $1 ORDER BY arn"))
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        self.oidc_with_lists(rows).await
    }

    async fn delete_oidc_provider(&self, account_id: &str, arn: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if !delete_provider(&mut tx, "oidc_providers", account_id, arn).await? {
            return Err(oidc_not_found(arn));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn add_oidc_client_id(
        &self,
        account_id: &str,
        arn: &str,
        client_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        lock_oidc(&mut tx, account_id, arn).await?;
        let (Flag(present), count): (Flag, i64) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM oidc_client_ids WHERE provider_arn = $1 AND client_id = $2),
                    (SELECT COUNT(*) FROM oidc_client_ids WHERE provider_arn = $1)",
        )
        .bind(arn)
        .bind(client_id)
        .fetch_one(&mut *tx)
        .await?;
        if present {
            return Ok(());
        }
        quotas::new_client_id(count)?;
        insert_client_id(&mut tx, arn, client_id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_oidc_client_id(
        &self,
        account_id: &str,
        arn: &str,
        client_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        lock_oidc(&mut tx, account_id, arn).await?;
        sqlx::query("DELETE FROM oidc_client_ids WHERE provider_arn = $1 AND client_id = $2")
            .bind(arn)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_oidc_thumbprints(
        &self,
        account_id: &str,
        arn: &str,
        thumbprints: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        lock_oidc(&mut tx, account_id, arn).await?;
        sqlx::query("DELETE FROM oidc_thumbprints WHERE provider_arn = $1")
            .bind(arn)
            .execute(&mut *tx)
            .await?;
        insert_thumbprints(&mut tx, arn, thumbprints).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_saml_provider(&self, provider: &SamlProvider) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO saml_providers (arn, account_id, name, name_key, metadata, created_at,
                                         valid_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&provider.arn)
        .bind(&provider.account_id)
        .bind(&provider.name)
        .bind(name_key(&provider.name))
        .bind(&provider.metadata)
        .bind(provider.created_at)
        .bind(provider.valid_until)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::SamlProvider(provider.name.clone())))?;
        tags::put(&mut tx, &provider.arn, &provider.tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn saml_provider(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<SamlProvider>, StoreError> {
        let rows = sqlx::query_as(&format!("{SAML_SELECT} WHERE arn = $1 AND account_id = $2"))
            .bind(arn)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(self.saml_with_tags(rows).await?.into_iter().next())
    }

    async fn saml_providers(&self, account_id: &str) -> Result<Vec<SamlProvider>, StoreError> {
        let rows = sqlx::query_as(&format!(
            "{SAML_SELECT} WHERE account_id = $1 ORDER BY name_key"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        self.saml_with_tags(rows).await
    }

    async fn update_saml_provider(
        &self,
        account_id: &str,
        arn: &str,
        metadata: &str,
        valid_until: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let updated = sqlx::query(
            "UPDATE saml_providers SET metadata = $1, valid_until = $2
             WHERE arn = $3 AND account_id = $4",
        )
        .bind(metadata)
        .bind(valid_until)
        .bind(arn)
        .bind(account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(saml_not_found(arn));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_saml_provider(&self, account_id: &str, arn: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if !delete_provider(&mut tx, "saml_providers", account_id, arn).await? {
            return Err(saml_not_found(arn));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_mfa_device(&self, device: &MfaDevice) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO mfa_devices (serial_number, account_id, sealed_seed, created_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&device.serial_number)
        .bind(&device.account_id)
        .bind(&device.sealed_seed)
        .bind(device.created_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::MfaDevice))?;
        tags::put(&mut tx, &device.serial_number, &device.tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
    ) -> Result<Option<MfaDevice>, StoreError> {
        let rows = sqlx::query_as(&format!(
            "{MFA_SELECT} WHERE d.serial_number = $1 AND d.account_id = $2"
        ))
        .bind(serial_number)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(self.mfa_with_tags(rows).await?.into_iter().next())
    }

    async fn mfa_devices(
        &self,
        account_id: &str,
        filter: MfaFilter<'_>,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<MfaDevice>, StoreError> {
        let (filter, user_id) = match filter {
            MfaFilter::Any => ("Any", None),
            MfaFilter::Assigned => ("Assigned", None),
            MfaFilter::Unassigned => ("Unassigned", None),
            MfaFilter::User(user_id) => ("User", Some(user_id)),
        };
        let rows = sqlx::query_as(&format!(
            "{MFA_SELECT}
             WHERE d.account_id = $1
               AND ($2 = 'Any'
                    OR ($2 = 'Assigned' AND d.user_id IS NOT NULL)
                    OR ($2 = 'Unassigned' AND d.user_id IS NULL)
                    OR ($2 = 'User' AND d.user_id = $3))
               AND d.serial_number > $4
             ORDER BY d.serial_number LIMIT $5"
        ))
        .bind(account_id)
        .bind(filter)
        .bind(user_id)
        .bind(after.unwrap_or(""))
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?;
        self.mfa_with_tags(rows).await
    }

    async fn enable_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        user_id: &str,
        at: i64,
        step: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let device = assignment(&mut tx, account_id, serial_number).await?;
        let enabled: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mfa_devices WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
        mfa::enable(serial_number, device, enabled)?;
        sqlx::query(
            "UPDATE mfa_devices SET user_id = $1, enabled_at = $2, last_used_step = $3
             WHERE serial_number = $4 AND account_id = $5",
        )
        .bind(user_id)
        .bind(at)
        .bind(step)
        .bind(serial_number)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn deactivate_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        user_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let updated = sqlx::query(
            "UPDATE mfa_devices SET user_id = NULL, enabled_at = NULL
             WHERE serial_number = $1 AND account_id = $2 AND user_id = $3",
        )
        .bind(serial_number)
        .bind(account_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(Missing::UserMfaDevice(serial_number.to_string()).into());
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let device = assignment(&mut tx, account_id, serial_number).await?;
        mfa::delete(serial_number, device)?;
        sqlx::query("DELETE FROM mfa_devices WHERE serial_number = $1 AND account_id = $2")
            .bind(serial_number)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        tags::clear(&mut tx, serial_number).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn accept_mfa_step(&self, serial_number: &str, step: i64) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let Some((user_id, last_used)): Option<(Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT user_id, last_used_step FROM mfa_devices WHERE serial_number = $1",
        )
        .bind(serial_number)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(false);
        };
        if !mfa::accepts_step(Assignment::of(user_id.as_deref()), last_used, step) {
            return Ok(false);
        }
        sqlx::query("UPDATE mfa_devices SET last_used_step = $1 WHERE serial_number = $2")
            .bind(step)
            .bind(serial_number)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_account_alias(&self, account_id: &str, alias: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM account_aliases WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO account_aliases (account_id, alias) VALUES ($1, $2)")
            .bind(account_id)
            .bind(alias)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)
            .map_err(exists_as(Existing::AccountAlias(alias.to_string())))?;
        tx.commit().await?;
        Ok(())
    }

    async fn account_aliases(&self, account_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT alias FROM account_aliases WHERE account_id = $1 ORDER BY alias",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn delete_account_alias(&self, account_id: &str, alias: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let deleted =
            sqlx::query("DELETE FROM account_aliases WHERE account_id = $1 AND alias = $2")
                .bind(account_id)
                .bind(alias)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if deleted == 0 {
            return Err(Missing::AccountAlias(alias.to_string()).into());
        }
        tx.commit().await?;
        Ok(())
    }

    async fn account_counts(&self, account_id: &str) -> Result<AccountCounts, StoreError> {
        let counts: CountsRow = sqlx::query_as(
            "SELECT
                (SELECT COUNT(*) FROM users WHERE account_id = $1) AS users,
                (SELECT COUNT(*) FROM groups WHERE account_id = $1) AS groups_,
                (SELECT COUNT(*) FROM roles WHERE account_id = $1) AS roles,
                (SELECT COUNT(*) FROM managed_policies WHERE account_id = $1) AS policies,
                (SELECT COUNT(DISTINCT a.policy_arn) FROM policy_attachments a
                    JOIN managed_policies p ON p.arn = a.policy_arn
                    WHERE p.account_id = $1) AS versions_in_use,
                (SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1) AS mfa,
                (SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND user_id IS NOT NULL)
                    AS mfa_in_use,
                (SELECT COUNT(*) FROM oidc_providers WHERE account_id = $1)
                    + (SELECT COUNT(*) FROM saml_providers WHERE account_id = $1) AS providers,
                (SELECT COUNT(*) FROM access_keys WHERE account_id = $1 AND user_id IS NULL)
                    AS root_keys,
                (SELECT COUNT(*) FROM signing_certificates
                    WHERE account_id = $1 AND user_id IS NULL) AS root_certificates,
                (SELECT COUNT(*) FROM server_certificates WHERE account_id = $1)
                    AS server_certificates,
                (SELECT COUNT(*) FROM instance_profiles WHERE account_id = $1)
                    AS instance_profiles",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(AccountCounts {
            users: counts.users,
            groups: counts.groups_,
            roles: counts.roles,
            policies: counts.policies,
            policy_versions_in_use: counts.versions_in_use,
            mfa_devices: counts.mfa,
            mfa_devices_in_use: counts.mfa_in_use,
            providers: counts.providers,
            root_access_keys: counts.root_keys,
            root_signing_certificates: counts.root_certificates,
            server_certificates: counts.server_certificates,
            instance_profiles: counts.instance_profiles,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CountsRow {
    users: i64,
    groups_: i64,
    roles: i64,
    policies: i64,
    versions_in_use: i64,
    mfa: i64,
    mfa_in_use: i64,
    providers: i64,
    root_keys: i64,
    root_certificates: i64,
    server_certificates: i64,
    instance_profiles: i64,
}
