//! IAM access keys of users and of the root user.

use super::common::{Page, Target, authorize_on, iso8601, user_target};
use super::entity_params::{access_key_id_param, key_owner, listing, now, root_arn, token_error};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    xml::{Xml, members},
};
use tessera_arn::Arn;
use tessera_store::{AccessKeyRecord, AccessKeyStatus, no_such_access_key};
use tessera_token::{AccessKeyKind, new_access_key_id, new_secret_access_key};

/// Runs `name` if this area (access keys) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    Some(match name {
        "CreateAccessKey" => create_access_key(state, caller, params).await,
        "ListAccessKeys" => list_access_keys(state, caller, params).await,
        "UpdateAccessKey" => update_access_key(state, caller, params).await,
        "DeleteAccessKey" => delete_access_key(state, caller, params).await,
        "GetAccessKeyLastUsed" => get_access_key_last_used(state, caller, params).await,
        _ => return None,
    })
}

/// `CreateAccessKey`: the only response that ever holds the secret.
pub(super) async fn create_access_key(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let owner = key_owner(state, caller, "CreateAccessKey", params).await?;
    let account = caller.account_id();
    let access_key_id = new_access_key_id(AccessKeyKind::LongTerm, account).map_err(token_error)?;
    let secret = new_secret_access_key().map_err(token_error)?;
    let sealed_secret = state
        .keys()
        .seal_stored_secret(&access_key_id, &secret)
        .map_err(token_error)?;
    let record = AccessKeyRecord {
        access_key_id,
        account_id: account.to_string(),
        user_id: owner.user_id().map(str::to_string),
        sealed_secret,
        status: AccessKeyStatus::Active,
        created_at: now(state),
        last_used: None,
    };
    state.store().create_access_key(&record).await?;
    let mut fields: Vec<Xml> = owner.name_xml().into_iter().collect();
    fields.extend([
        Xml::text("AccessKeyId", record.access_key_id.clone()),
        Xml::text("Status", record.status.as_str()),
        Xml::text("SecretAccessKey", secret),
        Xml::text("CreateDate", iso8601(record.created_at)),
    ]);
    Ok(vec![Xml::node("AccessKey", fields)])
}

/// `ListAccessKeys`.
pub(super) async fn list_access_keys(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let page = Page::from_params(params)?;
    let owner = key_owner(state, caller, "ListAccessKeys", params).await?;
    let rows = state
        .store()
        .access_keys_of(
            caller.account_id(),
            owner.user_id(),
            page.after.as_deref(),
            page.fetch_limit(),
        )
        .await?;
    let (rows, tail) = page.finish(rows, |k| k.access_key_id.clone());
    let keys = rows
        .iter()
        .map(|key| {
            let mut fields: Vec<Xml> = owner.name_xml().into_iter().collect();
            fields.extend([
                Xml::text("AccessKeyId", key.access_key_id.clone()),
                Xml::text("Status", key.status.as_str()),
                Xml::text("CreateDate", iso8601(key.created_at)),
            ]);
            fields
        })
        .collect();
    Ok(listing(members("AccessKeyMetadata", keys), tail))
}

/// `Status`: `Active` or `Inactive` (`Expired` is IAM's own to set).
pub(super) fn status_param(params: &Params) -> Result<AccessKeyStatus, AwsError> {
    let value = params.required("Status", "status")?;
    match value {
        "Expired" => Err(AwsError::invalid_input(
            "The status of an access key can only be set to Active or Inactive.",
        )),
        other => AccessKeyStatus::parse(other).ok_or_else(|| {
            AwsError::constraint(
                "status",
                Some(other),
                "Member must satisfy enum value set: [Active, Inactive, Expired]",
            )
        }),
    }
}

/// `UpdateAccessKey`: an inactive key fails authentication.
pub(super) async fn update_access_key(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let access_key_id = access_key_id_param(params)?;
    let status = status_param(params)?;
    let owner = key_owner(state, caller, "UpdateAccessKey", params).await?;
    state
        .store()
        .set_access_key_status(caller.account_id(), owner.user_id(), access_key_id, status)
        .await?;
    Ok(Vec::new())
}

/// `DeleteAccessKey`.
pub(super) async fn delete_access_key(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let access_key_id = access_key_id_param(params)?;
    let owner = key_owner(state, caller, "DeleteAccessKey", params).await?;
    state
        .store()
        .delete_access_key(caller.account_id(), owner.user_id(), access_key_id)
        .await?;
    Ok(Vec::new())
}

/// `GetAccessKeyLastUsed`: `N/A` service and region for a key never used.
pub(super) async fn get_access_key_last_used(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let access_key_id = access_key_id_param(params)?;
    let account = caller.account_id();
    let key = state
        .store()
        .access_key(access_key_id)
        .await?
        .filter(|k| k.account_id == account);
    let owner = match key.as_ref().and_then(|k| k.user_id.as_deref()) {
        Some(user_id) => state.store().user_by_id(user_id).await?,
        None => None,
    };
    let target = match (&key, &owner) {
        (Some(_), Some(user)) => user_target(state, user).await?,
        (Some(_), None) => Target::named(root_arn(state, account)),
        (None, _) => Target::named(Arn::user(state.partition(), account, "/", "").into_string()),
    };
    authorize_on(state, caller, "GetAccessKeyLastUsed", &target, Vec::new()).await?;
    let key = key.ok_or_else(|| AwsError::from(no_such_access_key(access_key_id)))?;
    let last_used = match &key.last_used {
        Some((at, service, region)) => vec![
            Xml::text("LastUsedDate", iso8601(*at)),
            Xml::text("ServiceName", service.clone()),
            Xml::text("Region", region.clone()),
        ],
        None => vec![Xml::text("ServiceName", "N/A"), Xml::text("Region", "N/A")],
    };
    let mut out: Vec<Xml> = owner
        .map(|user| Xml::text("UserName", user.name))
        .into_iter()
        .collect();
    out.push(Xml::node("AccessKeyLastUsed", last_used));
    Ok(out)
}
