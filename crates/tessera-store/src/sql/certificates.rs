//! [`CertificateStore`] for SQLite: signing certificates, SSH public keys
//! and server certificates.

use super::rows::{ServerCertificateRow, SigningCertificateRow, SshPublicKeyRow};
use super::{limit, tags};
use crate::rules::names::{exists_as, name_key};
use crate::rules::quotas;
use crate::{
    AccessKeyStatus, CertificateStore, Existing, Missing, ServerCertificate, SigningCertificate,
    SqlStore, SshPublicKey, StoreError,
};
use async_trait::async_trait;
use sqlx::AnyConnection;

/// A signing certificate's owner: a user, or (`$2` NULL) the root user.
const CERT_OWNER: &str = "account_id = $1 AND user_id IS NOT DISTINCT FROM $2";

fn no_signing_certificate(certificate_id: &str) -> StoreError {
    Missing::SigningCertificate(certificate_id.to_string()).into()
}

fn no_ssh_public_key(ssh_public_key_id: &str) -> StoreError {
    Missing::SshPublicKey(ssh_public_key_id.to_string()).into()
}

fn no_server_certificate(name: &str) -> StoreError {
    Missing::ServerCertificate(name.to_string()).into()
}

const SERVER_SELECT: &str = "SELECT server_certificate_id, account_id, name, path, body, chain,
        sealed_private_key, expiration, uploaded_at
    FROM server_certificates";

/// The server certificate `name` (regardless of case) of `account_id`,
/// without its tags.
async fn find_server_certificate(
    conn: &mut AnyConnection,
    account_id: &str,
    name: &str,
) -> Result<Option<ServerCertificateRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "{SERVER_SELECT} WHERE account_id = $1 AND name_key = $2"
    ))
    .bind(account_id)
    .bind(name_key(name))
    .fetch_optional(conn)
    .await?)
}

#[async_trait]
impl CertificateStore for SqlStore {
    async fn upload_signing_certificate(
        &self,
        certificate: &SigningCertificate,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM signing_certificates WHERE {CERT_OWNER}"
        ))
        .bind(&certificate.account_id)
        .bind(&certificate.user_id)
        .fetch_one(&mut *tx)
        .await?;
        quotas::new_signing_certificate(count)?;
        sqlx::query(
            "INSERT INTO signing_certificates (certificate_id, account_id, user_id, body,
                                               fingerprint, status, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&certificate.certificate_id)
        .bind(&certificate.account_id)
        .bind(&certificate.user_id)
        .bind(&certificate.body)
        .bind(&certificate.fingerprint)
        .bind(certificate.status.as_str())
        .bind(certificate.uploaded_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::SigningCertificate))?;
        tx.commit().await?;
        Ok(())
    }

    async fn signing_certificates(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<SigningCertificate>, StoreError> {
        let rows: Vec<SigningCertificateRow> = sqlx::query_as(&format!(
            "SELECT certificate_id, account_id, user_id, body, fingerprint, status, uploaded_at
             FROM signing_certificates
             WHERE {CERT_OWNER} AND ($3 IS NULL OR certificate_id > $3)
             ORDER BY certificate_id LIMIT $4"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SigningCertificate::try_from).collect()
    }

    async fn set_signing_certificate_status(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        certificate_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let updated = sqlx::query(&format!(
            "UPDATE signing_certificates SET status = $4 WHERE {CERT_OWNER} AND certificate_id = $3"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(certificate_id)
        .bind(status.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(no_signing_certificate(certificate_id));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_signing_certificate(
        &self,
        account_id: &str,
        user_id: Option<&str>,
        certificate_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query(&format!(
            "DELETE FROM signing_certificates WHERE {CERT_OWNER} AND certificate_id = $3"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(certificate_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted == 0 {
            return Err(no_signing_certificate(certificate_id));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn upload_ssh_public_key(&self, key: &SshPublicKey) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ssh_public_keys WHERE account_id = $1 AND user_id = $2",
        )
        .bind(&key.account_id)
        .bind(&key.user_id)
        .fetch_one(&mut *tx)
        .await?;
        quotas::new_ssh_public_key(count)?;
        sqlx::query(
            "INSERT INTO ssh_public_keys (ssh_public_key_id, account_id, user_id, body,
                                          fingerprint, status, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&key.ssh_public_key_id)
        .bind(&key.account_id)
        .bind(&key.user_id)
        .bind(&key.body)
        .bind(&key.fingerprint)
        .bind(key.status.as_str())
        .bind(key.uploaded_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::SshPublicKey))?;
        tx.commit().await?;
        Ok(())
    }

    async fn ssh_public_key(
        &self,
        account_id: &str,
        user_id: &str,
        ssh_public_key_id: &str,
    ) -> Result<Option<SshPublicKey>, StoreError> {
        let row: Option<SshPublicKeyRow> = sqlx::query_as(
            "SELECT ssh_public_key_id, account_id, user_id, body, fingerprint, status, uploaded_at
             FROM ssh_public_keys
             WHERE account_id = $1 AND user_id = $2 AND ssh_public_key_id = $3",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(ssh_public_key_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(SshPublicKey::try_from).transpose()
    }

    async fn ssh_public_keys(
        &self,
        account_id: &str,
        user_id: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<SshPublicKey>, StoreError> {
        let rows: Vec<SshPublicKeyRow> = sqlx::query_as(
            "SELECT ssh_public_key_id, account_id, user_id, body, fingerprint, status, uploaded_at
             FROM ssh_public_keys
             WHERE account_id = $1 AND user_id = $2 AND ($3 IS NULL OR ssh_public_key_id > $3)
             ORDER BY ssh_public_key_id LIMIT $4",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(after)
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SshPublicKey::try_from).collect()
    }

    async fn set_ssh_public_key_status(
        &self,
        account_id: &str,
        user_id: &str,
        ssh_public_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let updated = sqlx::query(
            "UPDATE ssh_public_keys SET status = $4
             WHERE account_id = $1 AND user_id = $2 AND ssh_public_key_id = $3",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(ssh_public_key_id)
        .bind(status.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(no_ssh_public_key(ssh_public_key_id));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_ssh_public_key(
        &self,
        account_id: &str,
        user_id: &str,
        ssh_public_key_id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query(
            "DELETE FROM ssh_public_keys
             WHERE account_id = $1 AND user_id = $2 AND ssh_public_key_id = $3",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(ssh_public_key_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted == 0 {
            return Err(no_ssh_public_key(ssh_public_key_id));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_server_certificate(
        &self,
        certificate: &ServerCertificate,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        if find_server_certificate(&mut tx, &certificate.account_id, &certificate.name)
            .await?
            .is_some()
        {
            return Err(Existing::ServerCertificate(certificate.name.clone()).into());
        }
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM server_certificates WHERE account_id = $1")
                .bind(&certificate.account_id)
                .fetch_one(&mut *tx)
                .await?;
        quotas::new_server_certificate(count)?;
        sqlx::query(
            "INSERT INTO server_certificates (server_certificate_id, account_id, name, name_key,
                                              path, body, chain, sealed_private_key, expiration,
                                              uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&certificate.server_certificate_id)
        .bind(&certificate.account_id)
        .bind(&certificate.name)
        .bind(name_key(&certificate.name))
        .bind(&certificate.path)
        .bind(&certificate.body)
        .bind(&certificate.chain)
        .bind(&certificate.sealed_private_key)
        .bind(certificate.expiration)
        .bind(certificate.uploaded_at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::ServerCertificate(
            certificate.name.clone(),
        )))?;
        tags::put(
            &mut tx,
            &certificate.server_certificate_id,
            &certificate.tags,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn server_certificate(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<ServerCertificate>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let Some(row) = find_server_certificate(&mut conn, account_id, name).await? else {
            return Ok(None);
        };
        let tags = tags::of(&mut conn, row.id(), None, None).await?;
        Ok(Some(row.with_tags(tags)))
    }

    async fn server_certificates(
        &self,
        account_id: &str,
        path_prefix: &str,
        after: Option<&str>,
        max: usize,
    ) -> Result<Vec<ServerCertificate>, StoreError> {
        let rows: Vec<ServerCertificateRow> = sqlx::query_as(&format!(
            "{SERVER_SELECT}
             WHERE account_id = $1 AND substr(path, 1, length($2)) = $2
               AND ($3 IS NULL OR name_key > $3)
             ORDER BY name_key LIMIT $4"
        ))
        .bind(account_id)
        .bind(path_prefix)
        .bind(after.map(name_key))
        .bind(limit(max))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| row.with_tags(Vec::new()))
            .collect())
    }

    async fn update_server_certificate(
        &self,
        account_id: &str,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<ServerCertificate, StoreError> {
        let mut tx = self.write().await?;
        let row = find_server_certificate(&mut tx, account_id, name)
            .await?
            .ok_or_else(|| no_server_certificate(name))?;
        let tags = tags::of(&mut tx, row.id(), None, None).await?;
        let mut certificate = row.with_tags(tags);
        if let Some(new_name) = new_name {
            certificate.name = new_name.to_string();
        }
        if let Some(new_path) = new_path {
            certificate.path = new_path.to_string();
        }
        sqlx::query(
            "UPDATE server_certificates SET name = $1, name_key = $2, path = $3
             WHERE server_certificate_id = $4",
        )
        .bind(&certificate.name)
        .bind(name_key(&certificate.name))
        .bind(&certificate.path)
        .bind(&certificate.server_certificate_id)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(exists_as(Existing::ServerCertificate(
            certificate.name.clone(),
        )))?;
        tx.commit().await?;
        Ok(certificate)
    }

    async fn delete_server_certificate(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let row = find_server_certificate(&mut tx, account_id, name)
            .await?
            .ok_or_else(|| no_server_certificate(name))?;
        tags::clear(&mut tx, row.id()).await?;
        sqlx::query("DELETE FROM server_certificates WHERE server_certificate_id = $1")
            .bind(row.id())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
