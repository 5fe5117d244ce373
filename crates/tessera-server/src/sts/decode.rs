//! `DecodeAuthorizationMessage`.

use crate::action::members::Scalar;
use crate::action::{Access, Action, Context, Encode};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};

/// An `EncodedMessage` (`encodedMessageType`): 1 to 10,240 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct EncodedMessage(pub String);

impl Scalar for EncodedMessage {
    fn parse(member: &str, value: &str) -> Result<Self, AwsError> {
        if value.is_empty() || value.len() > 10_240 {
            return Err(AwsError::constraint(
                member,
                Some(value),
                "Member must have length less than or equal to 10240",
            ));
        }
        Ok(Self(value.to_string()))
    }
}

/// `DecodeAuthorizationMessage`: the JSON behind an encoded authorization
/// failure message of the caller's account.
#[derive(Debug, Clone)]
pub(crate) struct DecodeAuthorizationMessage {
    pub encoded: EncodedMessage,
}

/// `DecodedMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded(pub String);

impl Encode for Decoded {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![Xml::text("DecodedMessage", self.0)]
    }
}

impl Action for DecodeAuthorizationMessage {
    const SPEC: ActionSpec = spec("sts:DecodeAuthorizationMessage", R::None, &[]);
    type Found = ();
    type Output = Decoded;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            encoded: d.required("EncodedMessage"),
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<Decoded, AwsError> {
        crate::authz::decode_authorization_message(ctx.state, ctx.account_id(), &self.encoded.0)
            .await
            .map(Decoded)
            .ok_or_else(AwsError::invalid_authorization_message)
    }
}
