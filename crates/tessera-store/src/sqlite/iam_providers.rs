use super::put_tags;
use crate::rules::mfa::{self, Assignment};
use crate::rules::{names::exists_as, quotas};
use crate::{
    AccountCounts, Existing, MfaDevice, MfaFilter, OidcProvider, ProviderStore, SamlProvider,
    SqliteStore, StoreError, User,
};
use async_trait::async_trait;
use sqlx::{Row, SqliteConnection, sqlite::SqliteRow};

fn oidc_not_found(arn: &str) -> StoreError {
    StoreError::NotFound(crate::Missing::OidcProvider(arn.to_string()))
}

fn saml_not_found(arn: &str) -> StoreError {
    StoreError::NotFound(crate::Missing::SamlProvider(arn.to_string()))
}

async fn delete_tags(conn: &mut SqliteConnection, owner_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM tags WHERE owner_id = ?")
        .bind(owner_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Touches the OIDC provider's row, locking it where the database locks
/// rows (SQLite's write transaction holds the whole database already);
/// `NotFound` if the provider is not in the account.
async fn lock_oidc(
    conn: &mut SqliteConnection,
    account_id: &str,
    arn: &str,
) -> Result<(), StoreError> {
    let touched =
        sqlx::query("UPDATE oidc_providers SET url = url WHERE arn = ? AND account_id = ?")
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

fn mfa_from_row(row: &SqliteRow) -> Result<MfaDevice, StoreError> {
    let user_id: Option<String> = row.try_get("user_id")?;
    let user = match (user_id, row.try_get::<Option<String>, _>("u_name")?) {
        (Some(user_id), Some(name)) => Some(User {
            user_id,
            account_id: row.try_get("account_id")?,
            name,
            path: row.try_get("u_path")?,
            permissions_boundary: row.try_get("u_boundary")?,
            created_at: row.try_get("u_created_at")?,
        }),
        _ => None,
    };
    Ok(MfaDevice {
        serial_number: row.try_get("serial_number")?,
        account_id: row.try_get("account_id")?,
        sealed_seed: row.try_get("sealed_seed")?,
        user,
        enabled_at: row.try_get("enabled_at")?,
        created_at: row.try_get("created_at")?,
        last_used_step: row.try_get("last_used_step")?,
        tags: Vec::new(),
    })
}

/// Whether the device is enabled for a user; `None` if it is not in the account.
async fn assignment(
    conn: &mut SqliteConnection,
    account_id: &str,
    serial_number: &str,
) -> Result<Option<Assignment>, StoreError> {
    let user: Option<Option<String>> = sqlx::query_scalar(
        "SELECT user_id FROM mfa_devices WHERE serial_number = ? AND account_id = ?",
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

impl SqliteStore {
    async fn tags_of(&self, owner_id: &str) -> Result<Vec<(String, String)>, StoreError> {
        sqlx::query("SELECT key, value FROM tags WHERE owner_id = ? ORDER BY key")
            .bind(owner_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("key")?, row.try_get("value")?)))
            .collect()
    }

    async fn oidc_from_row(&self, row: &SqliteRow) -> Result<OidcProvider, StoreError> {
        let arn: String = row.try_get("arn")?;
        let client_ids = sqlx::query(
            "SELECT client_id FROM oidc_client_ids WHERE provider_arn = ? ORDER BY rowid",
        )
        .bind(&arn)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get("client_id"))
        .collect::<Result<Vec<String>, _>>()?;
        let thumbprints = sqlx::query(
            "SELECT thumbprint FROM oidc_thumbprints WHERE provider_arn = ? ORDER BY position",
        )
        .bind(&arn)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get("thumbprint"))
        .collect::<Result<Vec<String>, _>>()?;
        Ok(OidcProvider {
            tags: self.tags_of(&arn).await?,
            account_id: row.try_get("account_id")?,
            url: row.try_get("url")?,
            created_at: row.try_get("created_at")?,
            client_ids,
            thumbprints,
            arn,
        })
    }

    async fn saml_from_row(&self, row: &SqliteRow) -> Result<SamlProvider, StoreError> {
        let arn: String = row.try_get("arn")?;
        Ok(SamlProvider {
            tags: self.tags_of(&arn).await?,
            account_id: row.try_get("account_id")?,
            name: row.try_get("name")?,
            metadata: row.try_get("metadata")?,
            created_at: row.try_get("created_at")?,
            valid_until: row.try_get("valid_until")?,
            arn,
        })
    }

    async fn with_tags(&self, mut device: MfaDevice) -> Result<MfaDevice, StoreError> {
        device.tags = self.tags_of(&device.serial_number).await?;
        Ok(device)
    }
}

async fn insert_thumbprints(
    conn: &mut SqliteConnection,
    arn: &str,
    thumbprints: &[String],
) -> Result<(), StoreError> {
    for (position, thumbprint) in thumbprints.iter().enumerate() {
        sqlx::query(
            "INSERT INTO oidc_thumbprints (provider_arn, position, thumbprint) VALUES (?, ?, ?)",
        )
        .bind(arn)
        .bind(position as i64)
        .bind(thumbprint)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl ProviderStore for SqliteStore {
    async fn create_oidc_provider(&self, provider: &OidcProvider) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO oidc_providers (arn, account_id, url, created_at) VALUES (?, ?, ?, ?)",
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
            sqlx::query(
                "INSERT OR IGNORE INTO oidc_client_ids (provider_arn, client_id) VALUES (?, ?)",
            )
            .bind(&provider.arn)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        }
        insert_thumbprints(&mut tx, &provider.arn, &provider.thumbprints).await?;
        put_tags(&mut tx, &provider.arn, &provider.tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn oidc_provider(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<OidcProvider>, StoreError> {
        let row = sqlx::query("SELECT * FROM oidc_providers WHERE arn = ? AND account_id = ?")
            .bind(arn)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.oidc_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    async fn oidc_provider_by_url(
        &self,
        account_id: &str,
        url: &str,
    ) -> Result<Option<OidcProvider>, StoreError> {
        let row = sqlx::query("SELECT * FROM oidc_providers WHERE account_id = ? AND url = ?")
            .bind(account_id)
            .bind(url)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.oidc_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    async fn oidc_providers(&self, account_id: &str) -> Result<Vec<OidcProvider>, StoreError> {
        let rows = sqlx::query("SELECT * FROM oidc_providers WHERE account_id = ? ORDER BY arn")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        let mut providers = Vec::with_capacity(rows.len());
        for row in &rows {
            providers.push(self.oidc_from_row(row).await?);
        }
        Ok(providers)
    }

    async fn delete_oidc_provider(&self, account_id: &str, arn: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query("DELETE FROM oidc_providers WHERE arn = ? AND account_id = ?")
            .bind(arn)
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(oidc_not_found(arn));
        }
        delete_tags(&mut tx, arn).await?;
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
        let present =
            sqlx::query("SELECT 1 FROM oidc_client_ids WHERE provider_arn = ? AND client_id = ?")
                .bind(arn)
                .bind(client_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if present {
            return Ok(());
        }
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM oidc_client_ids WHERE provider_arn = ?")
                .bind(arn)
                .fetch_one(&mut *tx)
                .await?;
        quotas::new_client_id(count)?;
        sqlx::query("INSERT INTO oidc_client_ids (provider_arn, client_id) VALUES (?, ?)")
            .bind(arn)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
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
        sqlx::query("DELETE FROM oidc_client_ids WHERE provider_arn = ? AND client_id = ?")
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
        sqlx::query("DELETE FROM oidc_thumbprints WHERE provider_arn = ?")
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
            "INSERT INTO saml_providers (arn, account_id, name, metadata, created_at, valid_until)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&provider.arn)
        .bind(&provider.account_id)
        .bind(&provider.name)
        .bind(&provider.metadata)
        .bind(provider.created_at)
        .bind(provider.valid_until)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::SamlProvider(provider.name.clone())))?;
        put_tags(&mut tx, &provider.arn, &provider.tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn saml_provider(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<SamlProvider>, StoreError> {
        let row = sqlx::query("SELECT * FROM saml_providers WHERE arn = ? AND account_id = ?")
            .bind(arn)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.saml_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    async fn saml_providers(&self, account_id: &str) -> Result<Vec<SamlProvider>, StoreError> {
        let rows = sqlx::query("SELECT * FROM saml_providers WHERE account_id = ? ORDER BY name")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        let mut providers = Vec::with_capacity(rows.len());
        for row in &rows {
            providers.push(self.saml_from_row(row).await?);
        }
        Ok(providers)
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
            "UPDATE saml_providers SET metadata = ?, valid_until = ? WHERE arn = ? AND account_id = ?",
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
        let deleted = sqlx::query("DELETE FROM saml_providers WHERE arn = ? AND account_id = ?")
            .bind(arn)
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(saml_not_found(arn));
        }
        delete_tags(&mut tx, arn).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_mfa_device(&self, device: &MfaDevice) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO mfa_devices (serial_number, account_id, sealed_seed, created_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(&device.serial_number)
        .bind(&device.account_id)
        .bind(&device.sealed_seed)
        .bind(device.created_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::MfaDevice))?;
        put_tags(&mut tx, &device.serial_number, &device.tags).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
    ) -> Result<Option<MfaDevice>, StoreError> {
        let row = sqlx::query(&format!(
            "{MFA_SELECT} WHERE d.serial_number = ? AND d.account_id = ?"
        ))
        .bind(serial_number)
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(self.with_tags(mfa_from_row(&row)?).await?)),
            None => Ok(None),
        }
    }

    async fn mfa_devices(
        &self,
        account_id: &str,
        filter: MfaFilter<'_>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<MfaDevice>, StoreError> {
        let condition = match filter {
            MfaFilter::Any => "1 = 1",
            MfaFilter::Assigned => "d.user_id IS NOT NULL",
            MfaFilter::Unassigned => "d.user_id IS NULL",
            MfaFilter::User(_) => "d.user_id = ?",
        };
        let sql = format!(
            "{MFA_SELECT} WHERE d.account_id = ? AND {condition} AND d.serial_number > ?
             ORDER BY d.serial_number LIMIT ?"
        );
        let mut query = sqlx::query(&sql).bind(account_id);
        if let MfaFilter::User(user_id) = filter {
            query = query.bind(user_id);
        }
        let rows = query
            .bind(after.unwrap_or(""))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        let mut devices = Vec::with_capacity(rows.len());
        for row in &rows {
            devices.push(self.with_tags(mfa_from_row(row)?).await?);
        }
        Ok(devices)
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
        let enabled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mfa_devices WHERE user_id = ?")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        mfa::enable(serial_number, device, enabled)?;
        sqlx::query(
            "UPDATE mfa_devices SET user_id = ?, enabled_at = ?, last_used_step = ?
             WHERE serial_number = ? AND account_id = ?",
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
             WHERE serial_number = ? AND account_id = ? AND user_id = ?",
        )
        .bind(serial_number)
        .bind(account_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound(crate::Missing::UserMfaDevice(
                serial_number.to_string(),
            )));
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
        sqlx::query("DELETE FROM mfa_devices WHERE serial_number = ? AND account_id = ?")
            .bind(serial_number)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        delete_tags(&mut tx, serial_number).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn accept_mfa_step(&self, serial_number: &str, step: i64) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let Some(row) =
            sqlx::query("SELECT user_id, last_used_step FROM mfa_devices WHERE serial_number = ?")
                .bind(serial_number)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(false);
        };
        let user_id: Option<String> = row.try_get("user_id")?;
        let last_used: Option<i64> = row.try_get("last_used_step")?;
        if !mfa::accepts_step(Assignment::of(user_id.as_deref()), last_used, step) {
            return Ok(false);
        }
        sqlx::query("UPDATE mfa_devices SET last_used_step = ? WHERE serial_number = ?")
            .bind(step)
            .bind(serial_number)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_account_alias(&self, account_id: &str, alias: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM account_aliases WHERE account_id = ?")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO account_aliases (account_id, alias) VALUES (?, ?)")
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
        sqlx::query("SELECT alias FROM account_aliases WHERE account_id = ? ORDER BY alias")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| row.try_get("alias").map_err(StoreError::from))
            .collect()
    }

    async fn delete_account_alias(&self, account_id: &str, alias: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query("DELETE FROM account_aliases WHERE account_id = ? AND alias = ?")
            .bind(account_id)
            .bind(alias)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound(crate::Missing::AccountAlias(
                alias.to_string(),
            )));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn account_counts(&self, account_id: &str) -> Result<AccountCounts, StoreError> {
        let row = sqlx::query(
            "SELECT
                (SELECT COUNT(*) FROM users WHERE account_id = ?1) AS users,
                (SELECT COUNT(*) FROM groups WHERE account_id = ?1) AS groups_,
                (SELECT COUNT(*) FROM roles WHERE account_id = ?1) AS roles,
                (SELECT COUNT(*) FROM managed_policies WHERE account_id = ?1) AS policies,
                (SELECT COUNT(DISTINCT a.policy_arn) FROM policy_attachments a
                    JOIN managed_policies p ON p.arn = a.policy_arn
                    WHERE p.account_id = ?1) AS versions_in_use,
                (SELECT COUNT(*) FROM mfa_devices WHERE account_id = ?1) AS mfa,
                (SELECT COUNT(*) FROM mfa_devices WHERE account_id = ?1 AND user_id IS NOT NULL)
                    AS mfa_in_use,
                (SELECT COUNT(*) FROM oidc_providers WHERE account_id = ?1)
                    + (SELECT COUNT(*) FROM saml_providers WHERE account_id = ?1) AS providers,
                (SELECT COUNT(*) FROM access_keys WHERE account_id = ?1 AND user_id IS NULL)
                    AS root_keys",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(AccountCounts {
            users: row.try_get("users")?,
            groups: row.try_get("groups_")?,
            roles: row.try_get("roles")?,
            policies: row.try_get("policies")?,
            policy_versions_in_use: row.try_get("versions_in_use")?,
            mfa_devices: row.try_get("mfa")?,
            mfa_devices_in_use: row.try_get("mfa_in_use")?,
            providers: row.try_get("providers")?,
            root_access_keys: row.try_get("root_keys")?,
        })
    }
}
