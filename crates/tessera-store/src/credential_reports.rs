//! Credential reports: the latest report of each account, as
//! `GenerateCredentialReport` made it and `GetCredentialReport` returns it.
//!
//! An account has at most one report. A new one replaces it only once it is
//! stale, so that nodes generating at the same time keep one report.

use crate::StoreError;
use async_trait::async_trait;

/// An account's credential report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialReport {
    /// The account it reports on.
    pub account_id: String,
    /// When it was generated (Unix seconds).
    pub generated_at: i64,
    /// The report: CSV text, header row first.
    pub content: String,
}

/// The accounts' credential reports.
#[async_trait]
pub trait CredentialReportStore: Send + Sync {
    /// The latest credential report of `account_id`, if one was generated.
    async fn credential_report(
        &self,
        account_id: &str,
    ) -> Result<Option<CredentialReport>, StoreError>;
    /// Keeps `report` as its account's report, replacing one generated
    /// before `stale_before`. Answers `false`, keeping the report stored,
    /// when the account has one generated at or after `stale_before` (a
    /// fresh report another request generated meanwhile).
    async fn save_credential_report(
        &self,
        report: &CredentialReport,
        stale_before: i64,
    ) -> Result<bool, StoreError>;
}
