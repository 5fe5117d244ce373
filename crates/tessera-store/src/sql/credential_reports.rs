//! [`CredentialReportStore`] for SQLite: one row per account in
//! `credential_reports`.

use crate::{CredentialReport, CredentialReportStore, SqlStore, StoreError};
use async_trait::async_trait;

#[derive(sqlx::FromRow)]
struct ReportRow {
    account_id: String,
    generated_at: i64,
    content: String,
}

#[async_trait]
impl CredentialReportStore for SqlStore {
    async fn credential_report(
        &self,
        account_id: &str,
    ) -> Result<Option<CredentialReport>, StoreError> {
        let row: Option<ReportRow> = sqlx::query_as(
            "SELECT account_id, generated_at, content FROM credential_reports
             WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| CredentialReport {
            account_id: row.account_id,
            generated_at: row.generated_at,
            content: row.content,
        }))
    }

    async fn save_credential_report(
        &self,
        report: &CredentialReport,
        stale_before: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "INSERT INTO credential_reports (account_id, generated_at, content)
             VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE SET
                 generated_at = excluded.generated_at,
                 content = excluded.content
             WHERE credential_reports.generated_at < $4",
        )
        .bind(&report.account_id)
        .bind(report.generated_at)
        .bind(&report.content)
        .bind(stale_before)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}
