//! Service-linked roles' deletions, and each account's STS preferences.
//!
//! A service-linked role is a role under the path `/aws-service-role/`;
//! it is created and deleted through its own actions. Deleting one is a
//! task whose outcome is kept for `GetServiceLinkedRoleDeletionStatus`.

use crate::StoreError;
use async_trait::async_trait;

/// The state of a service-linked role's deletion (`DeletionTaskStatusType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionStatus {
    /// The role is deleted.
    Succeeded,
    /// The deletion is under way.
    InProgress,
    /// The role could not be deleted; see the task's reason.
    Failed,
    /// The deletion has not started.
    NotStarted,
}

impl DeletionStatus {
    /// The status as IAM writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "SUCCEEDED",
            Self::InProgress => "IN_PROGRESS",
            Self::Failed => "FAILED",
            Self::NotStarted => "NOT_STARTED",
        }
    }

    /// The status IAM writes as `text`.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Succeeded,
            Self::InProgress,
            Self::Failed,
            Self::NotStarted,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// One `DeleteServiceLinkedRole` request and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionTask {
    /// `task/aws-service-role/SERVICE/ROLE/UUID`.
    pub task_id: String,
    /// The account whose role it deletes.
    pub account_id: String,
    /// Where it stands.
    pub status: DeletionStatus,
    /// Why it failed, when it did: what still depends on the role.
    pub reason: Option<String>,
    /// When it was asked for (Unix seconds).
    pub created_at: i64,
}

/// Deletions of service-linked roles, and STS preferences.
#[async_trait]
pub trait ServiceRoleStore: Send + Sync {
    /// Deletes the role `role_name` of `task.account_id` (`NotFound` if it
    /// does not exist) unless something depends on it, as `DeleteRole`
    /// would refuse, and records the outcome under `task.task_id`: the task
    /// as recorded, `Succeeded`, or `Failed` with the conflict's text as
    /// reason and the role left as it was.
    async fn delete_service_linked_role(
        &self,
        role_name: &str,
        task_id: &str,
        account_id: &str,
        at: i64,
    ) -> Result<DeletionTask, StoreError>;
    /// The deletion task `task_id` of `account_id`.
    async fn deletion_task(
        &self,
        account_id: &str,
        task_id: &str,
    ) -> Result<Option<DeletionTask>, StoreError>;
    /// The token version (1 or 2) the account chose for the global STS
    /// endpoint; `None` until it chooses.
    async fn global_endpoint_token_version(
        &self,
        account_id: &str,
    ) -> Result<Option<i64>, StoreError>;
    /// Sets the account's global endpoint token version (1 or 2).
    async fn set_global_endpoint_token_version(
        &self,
        account_id: &str,
        version: i64,
    ) -> Result<(), StoreError>;
}
