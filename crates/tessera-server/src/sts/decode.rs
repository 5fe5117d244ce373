//! `DecodeAuthorizationMessage`.

use crate::{AppState, AwsError, Caller, authz::authorize, params::Params, xml::Xml};

/// `DecodeAuthorizationMessage`: the JSON behind an encoded
/// authorization failure message of the caller's account.
pub(super) async fn decode_authorization_message(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let encoded = params.required("EncodedMessage", "encodedMessage")?;
    if encoded.is_empty() || encoded.len() > 10_240 {
        return Err(AwsError::constraint(
            "encodedMessage",
            Some(encoded),
            "Member must have length less than or equal to 10240",
        ));
    }
    authorize(
        state,
        caller,
        "sts:DecodeAuthorizationMessage",
        "*",
        caller.account_id(),
    )
    .await?;
    let decoded = crate::authz::decode_authorization_message(state, caller.account_id(), encoded)
        .ok_or_else(AwsError::invalid_authorization_message)?;
    Ok(vec![Xml::text("DecodedMessage", decoded)])
}
