//! Credential reports.

use super::account;
use crate::{CredentialReport, Store};

fn report(account_id: &str, generated_at: i64, content: &str) -> CredentialReport {
    CredentialReport {
        account_id: account_id.to_string(),
        generated_at,
        content: content.to_string(),
    }
}

/// Credential reports: none until one is saved; one per account, read back
/// as saved; a new one replaces it only once it is stale (generated before
/// the time given), else the stored one stays; accounts keep their own.
pub async fn credential_reports(store: &dyn Store) {
    let acct = account(store, 95).await;
    let other = account(store, 96).await;
    assert_eq!(store.credential_report(&acct).await.expect("read"), None);

    let first = report(&acct, 1_000, "user,arn\n<root_account>,a\n");
    assert!(
        store
            .save_credential_report(&first, 1_000 - 14_400)
            .await
            .expect("save"),
        "the first report is saved"
    );
    assert_eq!(
        store.credential_report(&acct).await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(store.credential_report(&other).await.expect("read"), None);

    // While it is fresh, another report does not replace it.
    let second = report(&acct, 2_000, "user,arn\n<root_account>,b\n");
    assert!(
        !store
            .save_credential_report(&second, 1_000)
            .await
            .expect("save"),
        "a report generated at the limit is fresh"
    );
    assert_eq!(
        store.credential_report(&acct).await.expect("read"),
        Some(first)
    );

    // Once stale, it is replaced.
    assert!(
        store
            .save_credential_report(&second, 1_001)
            .await
            .expect("save"),
        "a stale report is replaced"
    );
    assert_eq!(
        store.credential_report(&acct).await.expect("read"),
        Some(second.clone())
    );

    let theirs = report(&other, 3_000, "user,arn\n<root_account>,c\n");
    assert!(
        store
            .save_credential_report(&theirs, 0)
            .await
            .expect("save")
    );
    assert_eq!(
        store.credential_report(&acct).await.expect("read"),
        Some(second)
    );
    assert_eq!(
        store.credential_report(&other).await.expect("read"),
        Some(theirs)
    );
}
