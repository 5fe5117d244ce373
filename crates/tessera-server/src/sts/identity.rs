//! `GetCallerIdentity` and `GetAccessKeyInfo`.

use crate::action::members::Scalar;
use crate::action::{Access, Action, Context, Encode};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_token::{AccessKeyKind, account_of_access_key_id};

/// `GetCallerIdentity`: needs no permission, as in AWS.
#[derive(Debug, Clone)]
pub(crate) struct GetCallerIdentity;

/// Who called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    /// `UserId`.
    pub user_id: String,
    /// `Account`.
    pub account: String,
    /// `Arn`.
    pub arn: String,
}

impl Encode for Identity {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![
            Xml::text("UserId", self.user_id),
            Xml::text("Account", self.account),
            Xml::text("Arn", self.arn),
        ]
    }
}

impl Action for GetCallerIdentity {
    const SPEC: ActionSpec = spec("sts:GetCallerIdentity", R::None, &[]);
    type Found = ();
    type Output = Identity;

    fn decode(_params: &Params) -> Result<Self, AwsError> {
        Ok(Self)
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::Unconditional, ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<Identity, AwsError> {
        let (user_id, arn) = ctx.caller.identity(ctx.partition());
        Ok(Identity {
            user_id,
            account: ctx.account_id().to_string(),
            arn,
        })
    }
}

/// The `AccessKeyId` of `GetAccessKeyInfo` (STS's `accessKeyIdType`): 16 to
/// 128 word characters, worded as STS words it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct KeyIdToLookUp(pub String);

impl Scalar for KeyIdToLookUp {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        if !(16..=128).contains(&value.len()) {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must have length between 16 and 128",
            ));
        }
        super::inputs::pattern(member, value, "", "[\\w]*")?;
        Ok(Self(value.to_string()))
    }
}

/// `GetAccessKeyInfo`: the account that owns any `AKIA`/`ASIA` key id.
#[derive(Debug, Clone)]
pub(crate) struct GetAccessKeyInfo {
    pub key_id: KeyIdToLookUp,
}

/// The account of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyAccount(pub String);

impl Encode for KeyAccount {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![Xml::text("Account", self.0)]
    }
}

impl Action for GetAccessKeyInfo {
    const SPEC: ActionSpec = spec("sts:GetAccessKeyInfo", R::None, &[]);
    type Found = ();
    type Output = KeyAccount;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            key_id: d.required("AccessKeyId"),
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<KeyAccount, AwsError> {
        let key_id = self.key_id.0.as_str();
        let stored = match AccessKeyKind::of(key_id) {
            Some(AccessKeyKind::LongTerm) => {
                ctx.store().access_key(key_id).await?.map(|k| k.account_id)
            }
            _ => None,
        };
        let account = stored
            .or_else(|| account_of_access_key_id(key_id))
            .ok_or_else(|| {
                AwsError::validation(format!("The access key ID {key_id} is not valid."))
            })?;
        Ok(KeyAccount(account))
    }
}
