//! IAM service-linked roles: roles a service assumes on the account's
//! behalf, named `AWSServiceRoleFor…` at the path
//! `/aws-service-role/SERVICE/`, trusting that service alone.
//!
//! Only these actions create and delete them; every other change to one
//! but its description and tags is `UnmodifiableEntity`
//! ([`RoleKind::modifiable`](super::entities::EntityKind::modifiable)).
//! Deleting one is a task: the role goes at once unless a policy or an
//! instance profile still depends on it, and the outcome is kept for
//! `GetServiceLinkedRoleDeletionStatus`.

use super::entities::{RoleKind, entity_access, found};
use super::entity_params::token_error;
use super::roles::{RoleName, RoleResult, SERVICE_ROLE_PATH};
use crate::action::members::{DeletionTaskId, Name, RoleDescription};
use crate::action::{Access, Action, Context, Encode, Target};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_store::{DeletionStatus, Existing, Role, StoreError};
use tessera_token::new_unique_id;

/// `iam:AWSServiceName`: the service a service-linked role is for.
const AWS_SERVICE_NAME: &str = "iam:AWSServiceName";

/// The role-name part of the services whose service-linked roles IAM names
/// otherwise than by their principal's first label, and whether each takes
/// a custom suffix (as AWS's documentation of each service gives them).
const SERVICES: &[(&str, &str, bool)] = &[
    ("autoscaling.amazonaws.com", "AutoScaling", true),
    (
        "custom-resource.application-autoscaling.amazonaws.com",
        "ApplicationAutoScaling_CustomResource",
        false,
    ),
    (
        "dynamodb.application-autoscaling.amazonaws.com",
        "ApplicationAutoScaling_DynamoDBTable",
        false,
    ),
    (
        "ecs.application-autoscaling.amazonaws.com",
        "ApplicationAutoScaling_ECSService",
        false,
    ),
    ("elasticbeanstalk.amazonaws.com", "ElasticBeanstalk", true),
    ("ecs.amazonaws.com", "ECS", false),
    ("eks.amazonaws.com", "AmazonEKS", false),
    ("eks-nodegroup.amazonaws.com", "AmazonEKSNodegroup", false),
    ("es.amazonaws.com", "AmazonElasticsearchService", false),
    (
        "opensearchservice.amazonaws.com",
        "AmazonOpenSearchService",
        false,
    ),
    (
        "elasticloadbalancing.amazonaws.com",
        "ElasticLoadBalancing",
        false,
    ),
    ("rds.amazonaws.com", "RDS", false),
    ("redshift.amazonaws.com", "Redshift", false),
    ("elasticache.amazonaws.com", "ElastiCache", false),
    ("spot.amazonaws.com", "EC2Spot", false),
    ("batch.amazonaws.com", "Batch", false),
    ("cloud9.amazonaws.com", "AWSCloud9", false),
    ("acm.amazonaws.com", "CertificateManager", false),
    ("config.amazonaws.com", "Config", false),
    ("cloudtrail.amazonaws.com", "CloudTrail", false),
    ("organizations.amazonaws.com", "Organizations", false),
    ("sso.amazonaws.com", "SSO", false),
    ("guardduty.amazonaws.com", "AmazonGuardDuty", false),
    ("securityhub.amazonaws.com", "SecurityHub", false),
    ("ssm.amazonaws.com", "AmazonSSM", false),
    ("support.amazonaws.com", "Support", false),
    ("trustedadvisor.amazonaws.com", "TrustedAdvisor", false),
    ("kafka.amazonaws.com", "Kafka", false),
    (
        "globalaccelerator.amazonaws.com",
        "GlobalAccelerator",
        false,
    ),
    ("transitgateway.amazonaws.com", "VPCTransitGateway", false),
    ("elasticmapreduce.amazonaws.com", "EMRCleanup", false),
    ("backup.amazonaws.com", "Backup", false),
    (
        "replication.dynamodb.amazonaws.com",
        "DynamoDBReplication",
        false,
    ),
    ("lex.amazonaws.com", "LexBots", true),
];

/// What a service-linked role for `service` is called, before any suffix,
/// and whether a custom suffix may follow: the known services' names, else
/// the principal's first label in upper camel case (`my-svc.amazonaws.com`
/// gives `MySvc`), without a suffix. `None` for a name that is not a
/// service principal (`….amazonaws.com`).
fn service_role_base(service: &str) -> Option<(String, bool)> {
    if let Some(&(_, base, suffix)) = SERVICES.iter().find(|(name, ..)| *name == service) {
        return Some((base.to_string(), suffix));
    }
    let label = service.strip_suffix(".amazonaws.com")?.split('.').next()?;
    let base: String = label
        .split(['-', '_'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    (!base.is_empty()).then_some((base, false))
}

/// The path of the service-linked roles for `service`.
fn service_role_path(service: &str) -> String {
    format!("{SERVICE_ROLE_PATH}{service}/")
}

/// The trust policy of a service-linked role for `service`.
fn service_trust(service: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }],
    })
    .to_string()
}

/// `CreateServiceLinkedRole`.
#[derive(Debug, Clone)]
pub(super) struct CreateServiceLinkedRole {
    /// The service's principal (`groupNameType`).
    pub service: Name<128>,
    pub description: Option<RoleDescription>,
    /// `customSuffixType`.
    pub suffix: Option<Name<64>>,
}

impl CreateServiceLinkedRole {
    /// The role's path.
    fn path(&self) -> String {
        service_role_path(&self.service)
    }

    /// The role's name, or why there is none.
    fn role_name(&self) -> Result<String, AwsError> {
        let (base, takes_suffix) = service_role_base(&self.service).ok_or_else(|| {
            AwsError::invalid_input(format!(
                "Invalid service name: {} is not a service principal.",
                &*self.service
            ))
        })?;
        let name = format!("AWSServiceRoleFor{base}");
        match &self.suffix {
            None => Ok(name),
            Some(_) if !takes_suffix => Err(AwsError::invalid_input(format!(
                "Custom suffix is not allowed for {}",
                &*self.service
            ))),
            Some(suffix) => {
                let name = format!("{name}_{}", &**suffix);
                if name.len() > 64 {
                    return Err(AwsError::invalid_input(format!(
                        "The role name {name} is longer than 64 characters; use a shorter suffix."
                    )));
                }
                Ok(name)
            }
        }
    }
}

impl Action for CreateServiceLinkedRole {
    const SPEC: ActionSpec = spec("iam:CreateServiceLinkedRole", R::Role, &[AWS_SERVICE_NAME]);
    type Found = String;
    type Output = RoleResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            service: d.required("AWSServiceName"),
            description: d.member("Description"),
            suffix: d.member("CustomSuffix"),
        })
    }

    /// Authorized on the role it would create, with `iam:AWSServiceName`.
    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, String), AwsError> {
        let name = self.role_name()?;
        let arn = Arn::role(ctx.partition(), ctx.account_id(), &self.path(), &name);
        let keys = vec![(
            AWS_SERVICE_NAME.to_string(),
            self.service.to_string().into(),
        )];
        let target = Target::named(arn.into_string());
        Ok((Access::On { target, keys }, name))
    }

    async fn run(self, ctx: &Context<'_>, name: String) -> Result<RoleResult, AwsError> {
        let trust = service_trust(&self.service);
        let role = Role {
            role_id: new_unique_id("AROA").map_err(token_error)?,
            account_id: ctx.account_id().to_string(),
            path: self.path(),
            name,
            assume_role_policy: trust.clone(),
            description: self.description.map(String::from),
            max_session_duration: 3600,
            permissions_boundary: None,
            created_at: ctx.now(),
            last_used: None,
            trust_bindings: Some(Vec::new()),
        };
        match ctx.store().create_role(&role, &[]).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists(Existing::Role(_))) => {
                return Err(AwsError::invalid_input(format!(
                    "Service role name {} has been taken in this account, please try a different suffix.",
                    role.name
                )));
            }
            Err(other) => return Err(other.into()),
        }
        Ok(RoleResult {
            role,
            trust,
            tags: Vec::new(),
            with_last_used: false,
        })
    }
}

/// A deletion task's id: `task/aws-service-role/SERVICE/ROLE/UUID`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TaskId<'a> {
    service: &'a str,
    role: &'a str,
}

impl<'a> TaskId<'a> {
    /// The task id as IAM forms it, for a new deletion of `role`; `None`
    /// unless `role` is a service-linked role.
    fn for_role(role: &Role) -> Option<String> {
        let service = role
            .path
            .strip_prefix(SERVICE_ROLE_PATH)?
            .strip_suffix('/')?;
        Some(format!(
            "task{SERVICE_ROLE_PATH}{service}/{}/{}",
            role.name,
            uuid::Uuid::new_v4()
        ))
    }

    /// The service and role a task id names; `None` if it is not one.
    fn parse(text: &'a str) -> Option<Self> {
        let rest = text.strip_prefix("task")?.strip_prefix(SERVICE_ROLE_PATH)?;
        let (rest, task) = rest.rsplit_once('/')?;
        let (service, role) = rest.rsplit_once('/')?;
        uuid::Uuid::parse_str(task).ok()?;
        (!service.is_empty() && !role.is_empty()).then_some(Self { service, role })
    }

    /// The ARN of the role the task deletes.
    fn role_arn(&self, ctx: &Context<'_>) -> String {
        let path = service_role_path(self.service);
        Arn::role(ctx.partition(), ctx.account_id(), &path, self.role).into_string()
    }
}

/// `DeleteServiceLinkedRole`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DeletionTaskStarted(pub String);

impl Encode for DeletionTaskStarted {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![Xml::text("DeletionTaskId", self.0)]
    }
}

/// `DeleteServiceLinkedRole`.
#[derive(Debug, Clone)]
pub(super) struct DeleteServiceLinkedRole {
    pub name: RoleName,
}

impl Action for DeleteServiceLinkedRole {
    const SPEC: ActionSpec = spec("iam:DeleteServiceLinkedRole", R::Role, &[]);
    type Found = Option<Role>;
    type Output = DeletionTaskStarted;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("RoleName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<Role>), AwsError> {
        entity_access::<RoleKind>(ctx, &self.name, Vec::new()).await
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        role: Option<Role>,
    ) -> Result<DeletionTaskStarted, AwsError> {
        let role = found::<RoleKind>(role, &self.name)?;
        let task_id = TaskId::for_role(&role).ok_or_else(|| {
            AwsError::invalid_input(format!("Role {} is not a service-linked role.", role.name))
        })?;
        let task = ctx
            .store()
            .delete_service_linked_role(&role.name, &task_id, ctx.account_id(), ctx.now())
            .await?;
        Ok(DeletionTaskStarted(task.task_id))
    }
}

/// `GetServiceLinkedRoleDeletionStatus`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DeletionTaskStatus {
    pub status: DeletionStatus,
    /// Why it failed.
    pub reason: Option<String>,
}

impl Encode for DeletionTaskStatus {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let mut out = vec![Xml::text("Status", self.status.as_str())];
        if let Some(reason) = self.reason {
            out.push(Xml::node("Reason", vec![Xml::text("Reason", reason)]));
        }
        out
    }
}

/// `GetServiceLinkedRoleDeletionStatus`: authorized on the role the task
/// deleted, which its id names.
#[derive(Debug, Clone)]
pub(super) struct GetServiceLinkedRoleDeletionStatus {
    pub task_id: DeletionTaskId,
}

fn no_such_task(task_id: &str) -> AwsError {
    AwsError::no_such_entity(format!("Deletion task {task_id} does not exist."))
}

impl Action for GetServiceLinkedRoleDeletionStatus {
    const SPEC: ActionSpec = spec("iam:GetServiceLinkedRoleDeletionStatus", R::Role, &[]);
    type Found = ();
    type Output = DeletionTaskStatus;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            task_id: d.required("DeletionTaskId"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let task = TaskId::parse(&self.task_id).ok_or_else(|| {
            AwsError::invalid_input(format!("Invalid deletion task id: {}", &*self.task_id))
        })?;
        Ok((Access::on_arn(task.role_arn(ctx)), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<DeletionTaskStatus, AwsError> {
        let task = ctx
            .store()
            .deletion_task(ctx.account_id(), &self.task_id)
            .await?
            .ok_or_else(|| no_such_task(&self.task_id))?;
        Ok(DeletionTaskStatus {
            status: task.status,
            reason: task.reason,
        })
    }
}

crate::action::action_table!(
    CreateServiceLinkedRole,
    DeleteServiceLinkedRole,
    GetServiceLinkedRoleDeletionStatus,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::testing::{Fixture, params};
    use crate::iam::entities::EntityKind;

    #[test]
    fn service_role_names_follow_the_service() {
        assert_eq!(
            service_role_base("autoscaling.amazonaws.com"),
            Some(("AutoScaling".into(), true))
        );
        assert_eq!(
            service_role_base("ecs.amazonaws.com"),
            Some(("ECS".into(), false))
        );
        assert_eq!(
            service_role_base("my-svc.amazonaws.com"),
            Some(("MySvc".into(), false))
        );
        assert_eq!(service_role_base("example.com"), None);
        assert_eq!(service_role_base(".amazonaws.com"), None);
    }

    #[test]
    fn task_ids_name_their_role() {
        let id = "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/ec720f7a-c0ba-4838-be33-f72e1873dd52";
        assert_eq!(
            TaskId::parse(id),
            Some(TaskId {
                service: "autoscaling.amazonaws.com",
                role: "AWSServiceRoleForAutoScaling"
            })
        );
        for bad in [
            "task/aws-service-role/x/y",
            "task/aws-service-role//y/ec720f7a-c0ba-4838-be33-f72e1873dd52",
            "task/other/x/y/ec720f7a-c0ba-4838-be33-f72e1873dd52",
            "task/aws-service-role/x/y/not-a-uuid",
        ] {
            assert_eq!(TaskId::parse(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn created_deleted_and_protected_meanwhile() {
        let f = Fixture::new().await;
        let created = CreateServiceLinkedRole::decode(&params(&[
            ("AWSServiceName", "autoscaling.amazonaws.com"),
            ("CustomSuffix", "web"),
        ]))
        .expect("decode");
        let role = f.call(created).await.expect("create").role;
        assert_eq!(role.name, "AWSServiceRoleForAutoScaling_web");
        assert_eq!(role.path, "/aws-service-role/autoscaling.amazonaws.com/");
        assert!(RoleKind::modifiable(&role).is_err());

        let again = CreateServiceLinkedRole::decode(&params(&[
            ("AWSServiceName", "autoscaling.amazonaws.com"),
            ("CustomSuffix", "web"),
        ]))
        .expect("decode");
        let taken = f.call(again).await.expect_err("taken");
        assert_eq!(taken.code, "InvalidInput");

        let delete = DeleteServiceLinkedRole::decode(&params(&[(
            "RoleName",
            "AWSServiceRoleForAutoScaling_web",
        )]))
        .expect("decode");
        let task = f.call(delete).await.expect("delete").0;
        let status = GetServiceLinkedRoleDeletionStatus::decode(&params(&[(
            "DeletionTaskId",
            task.as_str(),
        )]))
        .expect("decode");
        let status = f.call(status).await.expect("status");
        assert_eq!(status.status, DeletionStatus::Succeeded);
        assert_eq!(
            f.state
                .store()
                .role_by_name(&f.account_id, "AWSServiceRoleForAutoScaling_web")
                .await
                .expect("read"),
            None
        );
    }
}
