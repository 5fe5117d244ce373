//! `PutResourcePolicy`, `GetResourcePolicy` and `DeleteResourcePolicy`
//! (Tessera extensions of the IAM API): the resource-based policy of a
//! resource of a configured service (`[[authz.services]]`: an S3 bucket's
//! policy, a policy on a routes resource), which the authorizer evaluates
//! with the caller's own policies.
//!
//! Requests, signed for service `iam`:
//! * `Action=PutResourcePolicy&ResourceArn=ARN&PolicyDocument=JSON`;
//! * `Action=GetResourcePolicy&ResourceArn=ARN`, answering
//!   `<GetResourcePolicyResult><ResourceArn/><PolicyDocument/>` with the
//!   document URL-encoded, as IAM returns documents;
//! * `Action=DeleteResourcePolicy&ResourceArn=ARN`.
//!
//! Each is authorized as `iam:<Action>` on the resource ARN, in the account
//! that owns the resource (its service profile says which): only that
//! account's principals may manage its policy, since another account's
//! caller needs a resource policy to be allowed and these actions are
//! decided without one. The policy's user and role principals are bound to
//! their unique ids when it is saved, as in trust policies.

use super::bindings::{bind_principals, shown_bound_policy};
use super::common::{encode_policy_document, parse_policy};
use crate::action::members::Scalar;
use crate::action::{Access, Action, Context, Empty, Encode, Target};
use crate::actions::{ActionSpec, R, spec};
use crate::{
    AppState, AwsError,
    params::{Params, check_length, check_policy_characters},
    xml::Xml,
};
use std::ops::Deref;
use tessera_policy::PolicyKind;
use tessera_store::ResourcePolicyRecord;

/// The largest resource policy, in bytes: S3's limit for bucket policies
/// (20 KB).
pub const MAX_RESOURCE_POLICY_BYTES: usize = 20_480;

/// `ResourceArn`: 1 to 2,048 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct ResourceArn(String);

impl Scalar for ResourceArn {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        check_length(member, value, 1, 2048)?;
        Ok(Self(value.to_string()))
    }
}

impl Deref for ResourceArn {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// A resource policy document, checked before it is read as a policy: 1
/// to [`MAX_RESOURCE_POLICY_BYTES`] bytes of the policy character set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct ResourcePolicyDocument(String);

impl Scalar for ResourcePolicyDocument {
    fn parse(member: &str, document: &str) -> Result<Self, AwsError> {
        if document.is_empty() {
            return Err(AwsError::constraint(
                member,
                Some(document),
                "Member must have length greater than or equal to 1",
            ));
        }
        if document.len() > MAX_RESOURCE_POLICY_BYTES {
            return Err(AwsError::constraint(
                member,
                Some(document),
                &format!(
                    "Member must have length less than or equal to {MAX_RESOURCE_POLICY_BYTES}"
                ),
            ));
        }
        check_policy_characters(member, document)?;
        Ok(Self(document.to_string()))
    }
}

impl Deref for ResourcePolicyDocument {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// Checks a resource policy document before it is read as a policy, or
/// AWS's `ValidationError` for the `policyDocument` member.
pub fn check_resource_policy_document(document: &str) -> Result<(), AwsError> {
    ResourcePolicyDocument::parse("policyDocument", document).map(drop)
}

/// The account owning `arn`, a resource of a configured service.
///
/// An ARN no configured service owns names no resource Tessera knows. IAM
/// answers an ARN it cannot resolve to a resource at all (a
/// `PermissionsBoundary` or `PolicyArn` that names no policy) with
/// `InvalidInput` "ARN … is not valid.", and keeps `NoSuchEntity` for a
/// resource it knows that lacks what is asked; this is the former. So is
/// an ARN that holds no policy of its own: an S3 object, whose bucket's
/// policy governs it.
fn resource_owner(state: &AppState, arn: &str) -> Result<String, AwsError> {
    let services = state.authz_services();
    let holds_policies = services.policy_holder(arn).as_deref() == Some(arn);
    services
        .owner_of(arn)
        .filter(|_| holds_policies)
        .map(str::to_string)
        .ok_or_else(|| AwsError::invalid_input(format!("ARN {arn} is not valid.")))
}

/// The access to the policy of resource `arn`: the action on it, in the
/// account that owns it (which is returned).
async fn resource_access(ctx: &Context<'_>, arn: &str) -> Result<(Access, String), AwsError> {
    let owner = resource_owner(ctx.state, arn)?;
    let access = Access::Owned {
        target: Target::named(arn),
        account: owner.clone(),
    };
    Ok((access, owner))
}

/// The `NoSuchEntity` answer for a resource without a policy.
fn no_such_policy(arn: &str) -> AwsError {
    AwsError::no_such_entity(format!(
        "The resource policy of resource {arn} cannot be found."
    ))
}

/// Validates `document` as a resource policy, binds its principals and
/// saves it as the policy of `arn` (owned by `owner`); the cache sees it at
/// once.
async fn save(state: &AppState, arn: &str, owner: &str, document: &str) -> Result<(), AwsError> {
    let policy = parse_policy(document, PolicyKind::resource())?;
    let principal_bindings = bind_principals(state, &policy).await?;
    state
        .store()
        .put_resource_policy(&ResourcePolicyRecord {
            resource_arn: arn.to_string(),
            owner_account_id: owner.to_string(),
            document: document.to_string(),
            principal_bindings,
            updated_at: state.now().unix_timestamp(),
        })
        .await?;
    refresh_cache(state).await;
    Ok(())
}

/// Reloads the cache after a write; on failure the refresh task catches up.
async fn refresh_cache(state: &AppState) {
    if let Err(error) = state.resource_policies().refresh(state.store()).await {
        tracing::warn!(%error, "cannot reload resource policies after a write; the next refresh will");
    }
}

/// The policy of `arn` as IAM shows it (bound principals by their current
/// ARNs), or `NoSuchEntity`.
async fn shown(state: &AppState, arn: &str) -> Result<String, AwsError> {
    let record = state
        .store()
        .resource_policy(arn)
        .await?
        .ok_or_else(|| no_such_policy(arn))?;
    shown_bound_policy(state, &record.document, Some(&record.principal_bindings)).await
}

/// Deletes the policy of `arn`, or `NoSuchEntity`.
async fn delete(state: &AppState, arn: &str) -> Result<(), AwsError> {
    if !state.store().delete_resource_policy(arn).await? {
        return Err(no_such_policy(arn));
    }
    refresh_cache(state).await;
    Ok(())
}

/// Saves, as the operator, the policy of `arn` (a resource of a configured
/// service): what `tessera resource-policy put` does. No IAM authorization;
/// the document is checked and its principals bound as for
/// `PutResourcePolicy`.
pub async fn put_resource_policy_as_operator(
    state: &AppState,
    arn: &str,
    document: &str,
) -> Result<(), AwsError> {
    let owner = resource_owner(state, arn)?;
    check_resource_policy_document(document)?;
    save(state, arn, &owner, document).await
}

/// The policy of `arn`, as the operator reads it (`tessera resource-policy
/// get`): the JSON document, bound principals shown by their current ARNs;
/// `NoSuchEntity` when the resource has none.
pub async fn get_resource_policy_as_operator(
    state: &AppState,
    arn: &str,
) -> Result<String, AwsError> {
    resource_owner(state, arn)?;
    shown(state, arn).await
}

/// Deletes, as the operator, the policy of `arn` (`tessera resource-policy
/// delete`); `NoSuchEntity` when the resource has none.
pub async fn delete_resource_policy_as_operator(
    state: &AppState,
    arn: &str,
) -> Result<(), AwsError> {
    resource_owner(state, arn)?;
    delete(state, arn).await
}

/// `PutResourcePolicy`.
#[derive(Debug, Clone)]
pub(super) struct PutResourcePolicy {
    pub arn: ResourceArn,
    pub document: ResourcePolicyDocument,
}

impl Action for PutResourcePolicy {
    const SPEC: ActionSpec = spec("iam:PutResourcePolicy", R::ServiceResource, &[]);
    /// The account owning the resource.
    type Found = String;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            arn: d.required("ResourceArn"),
            document: d.required("PolicyDocument"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, String), AwsError> {
        resource_access(ctx, &self.arn).await
    }

    async fn run(self, ctx: &Context<'_>, owner: String) -> Result<Empty, AwsError> {
        save(ctx.state, &self.arn, &owner, &self.document).await?;
        Ok(Empty)
    }
}

/// A resource's policy, as `GetResourcePolicy` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ResourcePolicy {
    pub arn: String,
    /// The JSON document, bound principals by their current ARNs.
    pub document: String,
}

impl Encode for ResourcePolicy {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![
            Xml::text("ResourceArn", self.arn),
            Xml::text("PolicyDocument", encode_policy_document(&self.document)),
        ]
    }
}

/// `GetResourcePolicy`.
#[derive(Debug, Clone)]
pub(super) struct GetResourcePolicy {
    pub arn: ResourceArn,
}

impl Action for GetResourcePolicy {
    const SPEC: ActionSpec = spec("iam:GetResourcePolicy", R::ServiceResource, &[]);
    type Found = String;
    type Output = ResourcePolicy;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            arn: d.required("ResourceArn"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, String), AwsError> {
        resource_access(ctx, &self.arn).await
    }

    async fn run(self, ctx: &Context<'_>, _owner: String) -> Result<ResourcePolicy, AwsError> {
        let document = shown(ctx.state, &self.arn).await?;
        Ok(ResourcePolicy {
            arn: self.arn.0,
            document,
        })
    }
}

/// `DeleteResourcePolicy`.
#[derive(Debug, Clone)]
pub(super) struct DeleteResourcePolicy {
    pub arn: ResourceArn,
}

impl Action for DeleteResourcePolicy {
    const SPEC: ActionSpec = spec("iam:DeleteResourcePolicy", R::ServiceResource, &[]);
    type Found = String;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            arn: d.required("ResourceArn"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, String), AwsError> {
        resource_access(ctx, &self.arn).await
    }

    async fn run(self, ctx: &Context<'_>, _owner: String) -> Result<Empty, AwsError> {
        delete(ctx.state, &self.arn).await?;
        Ok(Empty)
    }
}

crate::action::action_table!(PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Caller, DataDir, ResourcePolicyLookup};
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use tessera_authz::{S3Config, ServiceConfig, Services};
    use tessera_token::ManualClock;
    use time::macros::datetime;

    const BUCKET: &str = "arn:aws:s3:::logs";
    const ALICE_ID: &str = "AIDAAAAAAAAAAAAAAAAA1";
    const PARTNER: &str = "arn:aws:s3:::partner";
    const OTHER_ACCOUNT: &str = "111122223333";

    /// A state over a new data directory whose account has user alice.
    async fn state() -> (AppState, String, tempfile::TempDir) {
        let now = datetime!(2026-03-01 12:00 UTC);
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path().join("data"));
        data.create().expect("data directory");
        let store: Arc<dyn tessera_store::Store> = Arc::new(
            tessera_store::SqlStore::open_sqlite(&data.database_path())
                .await
                .expect("store"),
        );
        let (keys, created) = data
            .open_or_bootstrap(Arc::clone(&store), now)
            .await
            .expect("bootstrap");
        let account_id = created.expect("new account").account_id;
        let pool =
            sqlx::SqlitePool::connect(&format!("sqlite://{}", data.database_path().display()))
                .await
                .expect("pool");
        sqlx::query(
            "INSERT INTO users (user_id, account_id, name, path, created_at) VALUES (?, ?, 'alice', '/', 0)",
        )
        .bind(ALICE_ID)
        .bind(&account_id)
        .execute(&pool)
        .await
        .expect("user");
        pool.close().await;
        let state = AppState::new(store, Arc::new(keys), Arc::new(ManualClock::new(now)))
            .with_authz_services(services(&account_id));
        (state, account_id, dir)
    }

    /// S3's profile: buckets owned by `owner`, but `partner`, owned by
    /// another account.
    fn services(owner: &str) -> Services {
        Services::new(
            vec![ServiceConfig::S3(S3Config {
                name: "store".to_string(),
                hosts: Vec::new(),
                owner_account: owner.to_string(),
                buckets: BTreeMap::from([("partner".to_string(), OTHER_ACCOUNT.to_string())]),
            })],
            "aws",
        )
        .expect("valid services")
    }

    /// Calls `input` as the root user of `account_id`.
    async fn call<A: Action>(
        state: &AppState,
        account_id: &str,
        input: A,
    ) -> Result<A::Output, AwsError> {
        let root = Caller::Root {
            account_id: account_id.to_string(),
            access_key_id: "AKIAROOT".to_string(),
        };
        let spec = A::SPEC;
        crate::action::call(&Context::new(state, &root, &spec), input).await
    }

    fn arn(text: &str) -> ResourceArn {
        ResourceArn::parse("resourceArn", text).expect("valid ARN")
    }

    fn document(text: &str) -> ResourcePolicyDocument {
        ResourcePolicyDocument::parse("policyDocument", text).expect("valid document")
    }

    fn read_logs(principal: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:GetObject","Resource":"{BUCKET}/*"}}]}}"#
        )
    }

    #[tokio::test]
    async fn a_saved_policy_is_validated_bound_and_in_the_cache_at_once() {
        let (state, account_id, _dir) = state().await;
        state
            .resource_policies()
            .refresh(state.store())
            .await
            .expect("load");

        let no_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/*"}]}"#;
        let nobody = format!("arn:aws:iam::{account_id}:user/nobody");
        for (document, message) in [
            (
                no_principal.to_string(),
                "Missing required field Principal".to_string(),
            ),
            (
                read_logs(&nobody),
                format!("Invalid principal in policy: \"AWS\":\"{nobody}\""),
            ),
        ] {
            let error = save(&state, BUCKET, &account_id, &document)
                .await
                .expect_err("refused");
            assert_eq!(
                (error.code.as_ref(), error.message.as_str()),
                ("MalformedPolicyDocument", message.as_str())
            );
        }
        assert_eq!(
            state.store().resource_policy(BUCKET).await.expect("read"),
            None
        );

        let alice = format!("arn:aws:iam::{account_id}:user/alice");
        let document = read_logs(&alice);
        save(&state, BUCKET, &account_id, &document)
            .await
            .expect("saved");
        let record = state
            .store()
            .resource_policy(BUCKET)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(record.owner_account_id, account_id);
        assert_eq!(record.principal_bindings.len(), 1);
        assert_eq!(record.principal_bindings[0].arn, alice);
        assert_eq!(record.principal_bindings[0].unique_id, ALICE_ID);
        let ResourcePolicyLookup::Policy(loaded) = state.resource_policies().get(BUCKET) else {
            panic!("not in the cache at once");
        };
        assert!(loaded.policy.named_entities().is_empty(), "bound");
        assert_eq!(shown(&state, BUCKET).await.expect("shown"), document);

        delete(&state, BUCKET).await.expect("deleted");
        assert!(matches!(
            state.resource_policies().get(BUCKET),
            ResourcePolicyLookup::Absent
        ));
        for error in [
            delete(&state, BUCKET).await.expect_err("gone"),
            shown(&state, BUCKET).await.expect_err("gone"),
        ] {
            assert_eq!(
                (error.code.as_ref(), error.message.as_str()),
                (
                    "NoSuchEntity",
                    "The resource policy of resource arn:aws:s3:::logs cannot be found."
                )
            );
        }
    }

    #[test]
    fn documents_are_checked_before_they_are_parsed() {
        assert!(check_resource_policy_document(&read_logs("*")).is_ok());
        let padded = format!(
            "{}{}",
            read_logs("*"),
            " ".repeat(MAX_RESOURCE_POLICY_BYTES)
        );
        for bad in [String::new(), padded, "{\u{201c}}".to_string()] {
            let error = check_resource_policy_document(&bad).expect_err("refused");
            assert_eq!(error.code, "ValidationError");
            assert!(
                error.message.contains("'policyDocument'"),
                "{}",
                error.message
            );
        }
        // Bytes, not characters: 20,480 bytes of two-byte characters is the
        // limit too.
        let latin = "é".repeat(MAX_RESOURCE_POLICY_BYTES / 2);
        assert!(check_resource_policy_document(&latin).is_ok());
        assert!(check_resource_policy_document(&format!("{latin} ")).is_err());
    }

    #[tokio::test]
    async fn a_policy_is_put_read_back_and_deleted() {
        let (state, account_id, _dir) = state().await;
        let alice = format!("arn:aws:iam::{account_id}:user/alice");
        call(
            &state,
            &account_id,
            PutResourcePolicy {
                arn: arn(BUCKET),
                document: document(&read_logs(&alice)),
            },
        )
        .await
        .expect("put");
        let read = call(&state, &account_id, GetResourcePolicy { arn: arn(BUCKET) })
            .await
            .expect("read");
        assert_eq!(
            read,
            ResourcePolicy {
                arn: BUCKET.to_string(),
                document: read_logs(&alice),
            }
        );
        call(
            &state,
            &account_id,
            DeleteResourcePolicy { arn: arn(BUCKET) },
        )
        .await
        .expect("deleted");
        let error = call(&state, &account_id, GetResourcePolicy { arn: arn(BUCKET) })
            .await
            .expect_err("gone");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }

    #[tokio::test]
    async fn only_the_owner_account_manages_a_resource_of_a_configured_service() {
        let (state, account_id, _dir) = state().await;
        for resource in [
            "arn:aws:sqs:us-east-1:123456789012:queue",
            "arn:aws:s3:::logs/key",
        ] {
            let error = call(
                &state,
                &account_id,
                GetResourcePolicy { arn: arn(resource) },
            )
            .await
            .expect_err("not a resource holding a policy");
            assert_eq!(
                (error.code.as_ref(), error.message),
                ("InvalidInput", format!("ARN {resource} is not valid."))
            );
        }
        let error = call(
            &state,
            &account_id,
            PutResourcePolicy {
                arn: arn(PARTNER),
                document: document(&read_logs("*")),
            },
        )
        .await
        .expect_err("another account's bucket");
        assert_eq!(error.code.as_ref(), "AccessDenied");
        assert!(
            error.message.contains(&format!(
                "is not authorized to perform: iam:PutResourcePolicy on resource: {PARTNER}"
            )),
            "{}",
            error.message
        );
        assert_eq!(
            state.store().resource_policy(PARTNER).await.expect("read"),
            None
        );
    }

    #[test]
    fn members_are_checked_as_decoded() {
        let params = |query: &str| {
            Params::from_request(query, None, b"", crate::params::BodyRule::ByContentType)
                .expect("params")
        };
        let error =
            PutResourcePolicy::decode(&params("PolicyDocument=%7B%7D")).expect_err("no ARN");
        assert_eq!(
            error.message,
            "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null"
        );
        let error = PutResourcePolicy::decode(&params("ResourceArn=arn:aws:s3:::logs"))
            .expect_err("no document");
        assert!(
            error.message.contains("at 'policyDocument'"),
            "{}",
            error.message
        );
        let read =
            GetResourcePolicy::decode(&params("ResourceArn=arn:aws:s3:::logs")).expect("decoded");
        assert_eq!(&*read.arn, BUCKET);
    }
}
