use super::fixtures::role;
use super::{POLICY, account, missing, owner, tags};
use crate::{DeletionStatus, DeletionTask, PolicyOwnerKind, Role, Store};

/// Service-linked roles: a deletion refused while a policy depends on the
/// role (recorded as failed, the role kept), then done, each task read
/// back in its own account only; the STS token version per account.
pub async fn service_roles(store: &dyn Store) {
    let acct = account(store, 91).await;
    let other = account(store, 92).await;
    let linked = Role {
        path: "/aws-service-role/autoscaling.amazonaws.com/".into(),
        ..role(&acct, "AROACONTRACT91SLR", "AWSServiceRoleForAutoScaling")
    };
    store
        .create_role(&linked, &tags(&[("team", "ops")]))
        .await
        .expect("create");
    store
        .put_inline_policy(
            &acct,
            PolicyOwnerKind::Role,
            "AWSServiceRoleForAutoScaling",
            "extra",
            POLICY,
            10_240,
        )
        .await
        .expect("put");

    let failed = store
        .delete_service_linked_role("awsservicerolefor autoscaling", "task/none", &acct, 10)
        .await;
    assert_eq!(
        missing(failed),
        owner("role", "awsservicerolefor autoscaling")
    );
    let first = store
        .delete_service_linked_role("AWSServiceRoleForAutoScaling", "task/1", &acct, 11)
        .await
        .expect("delete");
    assert_eq!(first.status, DeletionStatus::Failed);
    assert!(first.reason.is_some(), "{first:?}");
    assert!(
        store
            .role_by_name(&acct, "AWSServiceRoleForAutoScaling")
            .await
            .expect("read")
            .is_some(),
        "a failed deletion keeps the role"
    );
    store
        .delete_inline_policy(
            &acct,
            PolicyOwnerKind::Role,
            "AWSServiceRoleForAutoScaling",
            "extra",
        )
        .await
        .expect("delete policy");
    let second = store
        .delete_service_linked_role("awsserviceroleforautoscaling", "task/2", &acct, 12)
        .await
        .expect("delete");
    assert_eq!(
        second,
        DeletionTask {
            task_id: "task/2".into(),
            account_id: acct.clone(),
            status: DeletionStatus::Succeeded,
            reason: None,
            created_at: 12,
        }
    );
    assert_eq!(
        store
            .role_by_name(&acct, "AWSServiceRoleForAutoScaling")
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        store
            .tags("AROACONTRACT91SLR", None, 50)
            .await
            .expect("tags"),
        Vec::new(),
        "the role's tags go with it"
    );
    assert_eq!(
        store.deletion_task(&acct, "task/1").await.expect("read"),
        Some(first)
    );
    assert_eq!(
        store.deletion_task(&acct, "task/2").await.expect("read"),
        Some(second)
    );
    assert_eq!(
        store.deletion_task(&other, "task/2").await.expect("read"),
        None
    );
    assert_eq!(
        store.deletion_task(&acct, "task/3").await.expect("read"),
        None
    );

    assert_eq!(
        store
            .global_endpoint_token_version(&acct)
            .await
            .expect("read"),
        None
    );
    store
        .set_global_endpoint_token_version(&acct, 2)
        .await
        .expect("set");
    assert_eq!(
        store
            .global_endpoint_token_version(&acct)
            .await
            .expect("read"),
        Some(2)
    );
    store
        .set_global_endpoint_token_version(&acct, 1)
        .await
        .expect("set");
    assert_eq!(
        store
            .global_endpoint_token_version(&acct)
            .await
            .expect("read"),
        Some(1)
    );
    assert_eq!(
        store
            .global_endpoint_token_version(&other)
            .await
            .expect("read"),
        None
    );
}
