//! The context keys policies refer to: `GetContextKeysForCustomPolicy` and
//! `GetContextKeysForPrincipalPolicy`, what a caller must give the policy
//! simulator for its statements' conditions and variables.

use super::common::same_entity_arn;
use super::entities::entity_target;
use crate::action::members::{ArnValue, List, PolicyDocument};
use crate::action::{Access, Action, Context, Encode, Target};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_policy::{Policy, PolicyKind};
use tessera_store::OwnerKind;

/// `PolicyInputList` (`SimulationPolicyListType`): policy documents.
type PolicyInputList = List<PolicyDocument>;

/// Parses the documents a request gives: a document that is no valid
/// policy is `InvalidInput`, as these actions answer it.
fn input_policies(documents: &PolicyInputList) -> Result<Vec<Policy>, AwsError> {
    documents
        .iter()
        .map(|document| {
            Policy::parse(document, PolicyKind::inline_role())
                .map_err(|error| AwsError::invalid_input(error.message))
        })
        .collect()
}

/// `ContextKeyNames`: each key once, as the policies first write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ContextKeyNames(pub Vec<String>);

impl Encode for ContextKeyNames {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![Xml::node(
            "ContextKeyNames",
            self.0
                .into_iter()
                .map(|key| Xml::text("member", key))
                .collect(),
        )]
    }
}

/// `GetContextKeysForCustomPolicy`: the keys of the given policies.
#[derive(Debug, Clone)]
pub(super) struct GetContextKeysForCustomPolicy {
    /// `PolicyInputList`.
    pub policies: PolicyInputList,
}

impl Action for GetContextKeysForCustomPolicy {
    const SPEC: ActionSpec = spec("iam:GetContextKeysForCustomPolicy", R::None, &[]);
    type Found = ();
    type Output = ContextKeyNames;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            policies: d.required("PolicyInputList"),
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, _ctx: &Context<'_>, (): ()) -> Result<ContextKeyNames, AwsError> {
        let policies = input_policies(&self.policies)?;
        Ok(ContextKeyNames(tessera_policy::context_keys(&policies)))
    }
}

/// The user, group or role `PolicySourceArn` names, as stored (`None` when
/// the caller's account has no such entity at that path).
#[derive(Debug)]
pub(super) struct PolicySource {
    kind: OwnerKind,
    /// The name in the ARN.
    name: String,
    /// The entity's unique id.
    unique_id: Option<String>,
}

/// `GetContextKeysForPrincipalPolicy`: the keys of the identity policies
/// of a user (its own and its groups'), a group or a role, and of the
/// given policies.
#[derive(Debug, Clone)]
pub(super) struct GetContextKeysForPrincipalPolicy {
    /// `PolicySourceArn`.
    pub source: ArnValue,
    /// `PolicyInputList`, read after the entity's policies.
    pub policies: PolicyInputList,
}

impl Action for GetContextKeysForPrincipalPolicy {
    const SPEC: ActionSpec = spec("iam:GetContextKeysForPrincipalPolicy", R::User, &[]);
    type Found = PolicySource;
    type Output = ContextKeyNames;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            source: d.required("PolicySourceArn"),
            policies: d.member("PolicyInputList").unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, PolicySource), AwsError> {
        let source: &str = &self.source;
        let invalid = || AwsError::invalid_input(format!("ARN {source} is not valid."));
        let arn = Arn::parse(source).map_err(|_| invalid())?;
        let resource = arn.resource();
        let (noun, kind) = if resource.starts_with("user/") {
            ("user", OwnerKind::User)
        } else if resource.starts_with("group/") {
            ("group", OwnerKind::Group)
        } else if resource.starts_with("role/") {
            ("role", OwnerKind::Role)
        } else {
            return Err(invalid());
        };
        let name = resource.rsplit('/').next().unwrap_or_default().to_string();
        // The entity as stored, by its name and exact path in the caller's
        // account; authorized on by its stored ARN, or by the ARN given
        // when there is no such entity.
        let found = match arn.service() == "iam" && arn.account() == ctx.account_id() {
            true => entity_target(ctx.state, ctx.account_id(), noun, &name)
                .await?
                .filter(|(_, target)| same_entity_arn(source, &target.arn)),
            false => None,
        };
        let (unique_id, target) = match found {
            Some((unique_id, target)) => (Some(unique_id), target),
            None => (None, Target::named(source)),
        };
        let source = PolicySource {
            kind,
            name,
            unique_id,
        };
        Ok((Access::on(target), source))
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        source: PolicySource,
    ) -> Result<ContextKeyNames, AwsError> {
        let Some(unique_id) = source.unique_id else {
            return Err(AwsError::no_such_entity(
                source.kind.not_found(&source.name),
            ));
        };
        let given = input_policies(&self.policies)?;
        let store = ctx.store();
        let stored = match source.kind {
            OwnerKind::User => store.policies_of_user(&unique_id).await?,
            OwnerKind::Group => store.policies_of_group(&unique_id).await?,
            OwnerKind::Role => store.policies_of_role(&unique_id).await?,
        };
        // A stored document that no longer reads as a policy refers to no
        // key.
        let mut policies: Vec<Policy> = stored
            .identity
            .iter()
            .filter_map(|p| Policy::parse(&p.document, PolicyKind::inline_role()).ok())
            .collect();
        policies.extend(given);
        Ok(ContextKeyNames(tessera_policy::context_keys(&policies)))
    }
}

crate::action::action_table!(
    GetContextKeysForCustomPolicy,
    GetContextKeysForPrincipalPolicy
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Caller;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;
    use tessera_store::{Group, PolicyOwnerKind, User};

    const BY_NAME: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}"#;
    const BY_TIME: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"StringEquals":{"AWS:UserName":"x"}}}}"#;
    const BY_IP: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}"#;

    fn inputs(documents: &[&str]) -> PolicyInputList {
        List(
            documents
                .iter()
                .map(|d| PolicyDocument::parse("policyInputList.member", d).expect("document"))
                .collect(),
        )
    }

    fn error_of<T: std::fmt::Debug>(result: Result<T, AwsError>) -> (String, u16, String) {
        let error = result.expect_err("an error");
        (error.code.to_string(), error.status.as_u16(), error.message)
    }

    fn principal(arn: &str, documents: &[&str]) -> GetContextKeysForPrincipalPolicy {
        GetContextKeysForPrincipalPolicy {
            source: ArnValue::parse("policySourceArn", arn).expect("arn"),
            policies: inputs(documents),
        }
    }

    #[tokio::test]
    async fn custom_policies_list_each_key_once() {
        let fx = Fixture::new().await;
        let keys = fx
            .call(GetContextKeysForCustomPolicy {
                policies: inputs(&[BY_NAME, BY_TIME]),
            })
            .await
            .expect("keys");
        assert_eq!(
            keys.0,
            ["aws:username", "aws:SecureTransport", "aws:CurrentTime"]
        );
        let xml = format!("{:?}", keys.encode(&fx.state));
        assert!(xml.contains("ContextKeyNames"), "{xml}");

        let (code, status, _) = error_of(
            fx.call(GetContextKeysForCustomPolicy {
                policies: inputs(&["{not json"]),
            })
            .await,
        );
        assert_eq!((code.as_str(), status), ("InvalidInput", 400));
        let error = GetContextKeysForCustomPolicy::decode(&crate::action::testing::params(&[]))
            .expect_err("required");
        assert_eq!(error.code, "ValidationError");
    }

    #[tokio::test]
    async fn a_users_keys_include_its_groups_and_the_given_policies() {
        let fx = Fixture::new().await;
        let store = fx.state.store();
        let acct = fx.account_id.clone();
        let user = User {
            user_id: "AIDAKEYSALICE".into(),
            account_id: acct.clone(),
            name: "alice".into(),
            path: "/team/".into(),
            permissions_boundary: None,
            created_at: 1,
        };
        store.create_user(&user, &[]).await.expect("user");
        store
            .put_inline_policy(&acct, PolicyOwnerKind::User, "alice", "own", BY_NAME, 2048)
            .await
            .expect("inline");
        store
            .create_group(&Group {
                group_id: "AGPAKEYSDEVS".into(),
                account_id: acct.clone(),
                name: "devs".into(),
                path: "/".into(),
                created_at: 1,
            })
            .await
            .expect("group");
        store
            .put_inline_policy(&acct, PolicyOwnerKind::Group, "devs", "time", BY_TIME, 5120)
            .await
            .expect("inline");
        store
            .add_user_to_group(&acct, "devs", "alice", 2)
            .await
            .expect("member");

        let arn = format!("arn:aws:iam::{acct}:user/team/alice");
        let keys = fx.call(principal(&arn, &[BY_IP])).await.expect("keys").0;
        assert_eq!(
            keys,
            [
                "aws:username",
                "aws:SecureTransport",
                "aws:CurrentTime",
                "aws:SourceIp"
            ]
        );
        let group = format!("arn:aws:iam::{acct}:group/devs");
        let keys = fx.call(principal(&group, &[])).await.expect("keys").0;
        assert_eq!(keys, ["aws:CurrentTime", "AWS:UserName"]);

        // Another path, an unknown user, a role of no such name.
        for (arn, message) in [
            (
                format!("arn:aws:iam::{acct}:user/alice"),
                "The user with name alice cannot be found.",
            ),
            (
                format!("arn:aws:iam::{acct}:role/nobody"),
                "The role with name nobody cannot be found.",
            ),
        ] {
            assert_eq!(
                error_of(fx.call(principal(&arn, &[])).await),
                ("NoSuchEntity".into(), 404, message.into())
            );
        }
        let (code, status, _) = error_of(fx.call(principal(&arn, &["[]"])).await);
        assert_eq!((code.as_str(), status), ("InvalidInput", 400));
        let (code, _, _) = error_of(
            fx.call(principal(&format!("arn:aws:iam::{acct}:policy/p"), &[]))
                .await,
        );
        assert_eq!(code, "InvalidInput");

        // A user without permission is denied both.
        let caller = Caller::User {
            user: Box::new(user),
            access_key_id: "AKIAALICE".into(),
        };
        let (code, _, message) = error_of(fx.call_as(&caller, principal(&arn, &[])).await);
        assert_eq!(code, "AccessDenied");
        assert!(
            message.contains("iam:GetContextKeysForPrincipalPolicy"),
            "{message}"
        );
        let (code, _, message) = error_of(
            fx.call_as(
                &caller,
                GetContextKeysForCustomPolicy {
                    policies: inputs(&[BY_IP]),
                },
            )
            .await,
        );
        assert_eq!(code, "AccessDenied");
        assert!(
            message.contains("iam:GetContextKeysForCustomPolicy"),
            "{message}"
        );
    }
}
