//! `GetCallerIdentity` and `GetAccessKeyInfo`.

use crate::{AppState, AwsError, Caller, authz::authorize, params::Params, xml::Xml};
use tessera_token::{AccessKeyKind, account_of_access_key_id};

/// `GetCallerIdentity`: needs no permission, as in AWS.
pub(super) fn get_caller_identity(state: &AppState, caller: &Caller) -> Vec<Xml> {
    let (user_id, arn) = caller.identity(state.partition());
    vec![
        Xml::text("UserId", user_id),
        Xml::text("Account", caller.account_id()),
        Xml::text("Arn", arn),
    ]
}

/// `GetAccessKeyInfo`: the account that owns any `AKIA`/`ASIA` key id.
pub(super) async fn get_access_key_info(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let key_id = params.required("AccessKeyId", "accessKeyId")?;
    if !(16..=128).contains(&key_id.len()) {
        return Err(AwsError::constraint(
            "accessKeyId",
            Some(key_id),
            "Member must have length between 16 and 128",
        ));
    }
    if !key_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(AwsError::constraint(
            "accessKeyId",
            Some(key_id),
            "Member must satisfy regular expression pattern: [\\w]*",
        ));
    }
    authorize(
        state,
        caller,
        "sts:GetAccessKeyInfo",
        "*",
        caller.account_id(),
    )
    .await?;
    let stored = match AccessKeyKind::of(key_id) {
        Some(AccessKeyKind::LongTerm) => state
            .store()
            .access_key(key_id)
            .await?
            .map(|k| k.account_id),
        _ => None,
    };
    let account = stored
        .or_else(|| account_of_access_key_id(key_id))
        .ok_or_else(|| AwsError::validation(format!("The access key ID {key_id} is not valid.")))?;
    Ok(vec![Xml::text("Account", account)])
}
