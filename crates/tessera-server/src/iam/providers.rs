//! IAM actions for identity providers (OIDC, SAML), virtual MFA devices and
//! the account (alias, summary).

use super::common::{
    Page, Target, authorize, authorize_on, iso8601, path_param, request_tag_keys, tags_param,
    tags_xml, user_arn, user_target, validate_name,
};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    params::check_length,
    xml::{Xml, members},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use tessera_arn::Arn;
use tessera_federation::saml::IdpMetadata;
use tessera_store::{MfaDevice, MfaFilter, OidcProvider, SamlProvider, User};
use tessera_token::SessionPrincipal;
use time::OffsetDateTime;
use totp_rs::{Algorithm, Secret, Totp};

/// Runs `name` if this area serves it.
pub async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let result = match name {
        "CreateOpenIDConnectProvider" => create_oidc_provider(state, caller, params).await,
        "GetOpenIDConnectProvider" => get_oidc_provider(state, caller, params).await,
        "ListOpenIDConnectProviders" => list_oidc_providers(state, caller).await,
        "DeleteOpenIDConnectProvider" => delete_oidc_provider(state, caller, params).await,
        "AddClientIDToOpenIDConnectProvider" => add_client_id(state, caller, params).await,
        "RemoveClientIDFromOpenIDConnectProvider" => remove_client_id(state, caller, params).await,
        "UpdateOpenIDConnectProviderThumbprint" => update_thumbprints(state, caller, params).await,
        "CreateSAMLProvider" => create_saml_provider(state, caller, params).await,
        "GetSAMLProvider" => get_saml_provider(state, caller, params).await,
        "ListSAMLProviders" => list_saml_providers(state, caller).await,
        "UpdateSAMLProvider" => update_saml_provider(state, caller, params).await,
        "DeleteSAMLProvider" => delete_saml_provider(state, caller, params).await,
        "CreateVirtualMFADevice" => create_virtual_mfa_device(state, caller, params).await,
        "EnableMFADevice" => enable_mfa_device(state, caller, params).await,
        "DeactivateMFADevice" => deactivate_mfa_device(state, caller, params).await,
        "ListMFADevices" => list_mfa_devices(state, caller, params).await,
        "ListVirtualMFADevices" => list_virtual_mfa_devices(state, caller, params).await,
        "DeleteVirtualMFADevice" => delete_virtual_mfa_device(state, caller, params).await,
        "CreateAccountAlias" => create_account_alias(state, caller, params).await,
        "ListAccountAliases" => list_account_aliases(state, caller, params).await,
        "DeleteAccountAlias" => delete_account_alias(state, caller, params).await,
        "GetAccountSummary" => get_account_summary(state, caller).await,
        _ => return None,
    };
    Some(result)
}

// ---------------------------------------------------------------- shared

/// A required ARN member (20 to 2048 characters).
fn arn_param<'a>(params: &'a Params, name: &str, member: &str) -> Result<&'a str, AwsError> {
    let value = params.required(name, member)?;
    check_length(member, value, 20, 2048)?;
    Ok(value)
}

fn internal(error: impl std::fmt::Display) -> AwsError {
    tracing::error!(%error, "IAM provider action failed");
    AwsError::internal()
}

/// `Tags` in a response, only when there are any (as IAM omits empty lists
/// of optional tags).
fn optional_tags(tags: &[(String, String)]) -> Option<Xml> {
    (!tags.is_empty()).then(|| tags_xml(tags))
}

// ---------------------------------------------------------------- OIDC

/// Most thumbprints an OIDC provider may have.
const MAX_THUMBPRINTS: usize = 5;
/// Most client ids an OIDC provider may have.
const MAX_CLIENT_IDS: usize = 100;

/// The provider's URL without `https://` (and without a trailing `/`), or
/// AWS's `InvalidInput`.
fn oidc_url(url: &str) -> Result<String, AwsError> {
    check_length("url", url, 1, 255)?;
    let invalid = || AwsError::invalid_input("Invalid Open ID Connect Provider URL");
    let rest = url
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .map(|_| &url[8..])
        .ok_or_else(invalid)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let host = rest.split('/').next().unwrap_or_default();
    let bad_char = |c: char| c.is_whitespace() || c.is_control() || "?#\\\"<>{}|^`".contains(c);
    if host.is_empty() || rest.contains("//") || rest.chars().any(bad_char) {
        return Err(invalid());
    }
    Ok(rest.to_string())
}

fn thumbprints_param(params: &Params) -> Result<Vec<String>, AwsError> {
    let list = params.list("ThumbprintList");
    if list.len() > MAX_THUMBPRINTS {
        return Err(AwsError::invalid_input(format!(
            "Thumbprint list must contain fewer than {} entries.",
            MAX_THUMBPRINTS + 1
        )));
    }
    for thumbprint in &list {
        if thumbprint.chars().count() != 40 {
            return Err(AwsError::validation(format!(
                "1 validation error detected: Value '[{}]' at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]",
                list.join(", ")
            )));
        }
        if !thumbprint.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(AwsError::invalid_input(format!(
                "Thumbprint {thumbprint} is not a valid hex string."
            )));
        }
    }
    Ok(list.into_iter().map(str::to_ascii_lowercase).collect())
}

fn client_id(member: &str, value: &str) -> Result<(), AwsError> {
    check_length(member, value, 1, 255)
}

async fn create_oidc_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let url = oidc_url(params.required("Url", "url")?)?;
    let mut client_ids: Vec<String> = Vec::new();
    for id in params.list("ClientIDList") {
        client_id("clientIDList.member", id)?;
        if !client_ids.iter().any(|c| c == id) {
            client_ids.push(id.to_string());
        }
    }
    if client_ids.len() > MAX_CLIENT_IDS {
        return Err(AwsError::limit_exceeded(format!(
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        )));
    }
    let thumbprints = thumbprints_param(params)?;
    let tags = tags_param(params)?;
    let account_id = caller.account_id();
    let provider_arn = Arn::oidc_provider(state.partition(), account_id, &url).into_string();
    authorize_on(
        state,
        caller,
        "CreateOpenIDConnectProvider",
        &Target::named(provider_arn.clone()),
        request_tag_keys(&tags),
    )
    .await?;
    state
        .store()
        .create_oidc_provider(&OidcProvider {
            arn: provider_arn.clone(),
            account_id: account_id.to_string(),
            url,
            client_ids,
            thumbprints,
            created_at: state.now().unix_timestamp(),
            tags: tags.clone(),
        })
        .await?;
    let mut result = vec![Xml::text("OpenIDConnectProviderArn", provider_arn)];
    result.extend(optional_tags(&tags));
    Ok(result)
}

/// The OIDC provider named by `OpenIDConnectProviderArn`, after the
/// caller is authorized for `action` on it.
async fn oidc_target<'a>(
    state: &AppState,
    caller: &Caller,
    params: &'a Params,
    action: &str,
) -> Result<&'a str, AwsError> {
    let provider_arn = arn_param(
        params,
        "OpenIDConnectProviderArn",
        "openIDConnectProviderArn",
    )?;
    let mut target = Target::named(provider_arn);
    if let Some(provider) = state
        .store()
        .oidc_provider(caller.account_id(), provider_arn)
        .await?
    {
        target.tags = provider.tags;
    }
    authorize_on(state, caller, action, &target, Vec::new()).await?;
    Ok(provider_arn)
}

async fn get_oidc_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = oidc_target(state, caller, params, "GetOpenIDConnectProvider").await?;
    let provider = state
        .store()
        .oidc_provider(caller.account_id(), provider_arn)
        .await?
        .ok_or_else(|| {
            AwsError::no_such_entity(format!(
                "OpenIDConnect Provider not found for arn {provider_arn}"
            ))
        })?;
    let mut result = vec![
        Xml::text("Url", provider.url),
        Xml::node(
            "ClientIDList",
            provider
                .client_ids
                .into_iter()
                .map(|c| Xml::text("member", c))
                .collect(),
        ),
        Xml::node(
            "ThumbprintList",
            provider
                .thumbprints
                .into_iter()
                .map(|t| Xml::text("member", t))
                .collect(),
        ),
        Xml::text("CreateDate", iso8601(provider.created_at)),
    ];
    result.extend(optional_tags(&provider.tags));
    Ok(result)
}

async fn list_oidc_providers(state: &AppState, caller: &Caller) -> Result<Vec<Xml>, AwsError> {
    authorize(state, caller, "ListOpenIDConnectProviders", "*").await?;
    let providers = state.store().oidc_providers(caller.account_id()).await?;
    Ok(vec![members(
        "OpenIDConnectProviderList",
        providers
            .into_iter()
            .map(|p| vec![Xml::text("Arn", p.arn)])
            .collect(),
    )])
}

async fn delete_oidc_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = oidc_target(state, caller, params, "DeleteOpenIDConnectProvider").await?;
    state
        .store()
        .delete_oidc_provider(caller.account_id(), provider_arn)
        .await?;
    Ok(Vec::new())
}

async fn add_client_id(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let id = params.required("ClientID", "clientID")?;
    client_id("clientID", id)?;
    let provider_arn =
        oidc_target(state, caller, params, "AddClientIDToOpenIDConnectProvider").await?;
    state
        .store()
        .add_oidc_client_id(caller.account_id(), provider_arn, id)
        .await?;
    Ok(Vec::new())
}

async fn remove_client_id(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let id = params.required("ClientID", "clientID")?;
    client_id("clientID", id)?;
    let provider_arn = oidc_target(
        state,
        caller,
        params,
        "RemoveClientIDFromOpenIDConnectProvider",
    )
    .await?;
    state
        .store()
        .remove_oidc_client_id(caller.account_id(), provider_arn, id)
        .await?;
    Ok(Vec::new())
}

async fn update_thumbprints(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let thumbprints = thumbprints_param(params)?;
    let provider_arn = oidc_target(
        state,
        caller,
        params,
        "UpdateOpenIDConnectProviderThumbprint",
    )
    .await?;
    state
        .store()
        .set_oidc_thumbprints(caller.account_id(), provider_arn, &thumbprints)
        .await?;
    Ok(Vec::new())
}

// ---------------------------------------------------------------- SAML

/// Reads SAML 2.0 IdP metadata (an `EntityDescriptor` with an `entityID`
/// and an `IDPSSODescriptor` holding a signing certificate); any other
/// input is AWS's `InvalidInput`.
fn parse_saml_metadata(document: &str) -> Result<IdpMetadata, AwsError> {
    IdpMetadata::parse(document).map_err(|_| AwsError::invalid_input("Could not parse metadata"))
}

/// `SAMLMetadataDocument` (1000 to 10,000,000 characters), parsed. The
/// length error does not echo the document back.
fn metadata_param(params: &Params) -> Result<(&str, IdpMetadata), AwsError> {
    const MEMBER: &str = "sAMLMetadataDocument";
    let document = params.required("SAMLMetadataDocument", MEMBER)?;
    let n = document.chars().count();
    if n < 1000 {
        return Err(AwsError::constraint(
            MEMBER,
            None,
            "Member must have length greater than or equal to 1000",
        ));
    }
    if n > 10_000_000 {
        return Err(AwsError::constraint(
            MEMBER,
            None,
            "Member must have length less than or equal to 10000000",
        ));
    }
    Ok((document, parse_saml_metadata(document)?))
}

fn saml_name(name: &str) -> Result<(), AwsError> {
    check_length("name", name, 1, 128)?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(AwsError::constraint(
            "name",
            Some(name),
            "Member must satisfy regular expression pattern: [\\w._-]+",
        ));
    }
    Ok(())
}

fn saml_not_found(provider_arn: &str) -> AwsError {
    AwsError::no_such_entity(format!("Manifest not found for arn {provider_arn}"))
}

async fn create_saml_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = params.required("Name", "name")?;
    saml_name(name)?;
    let (document, metadata) = metadata_param(params)?;
    let tags = tags_param(params)?;
    let account_id = caller.account_id();
    let provider_arn = Arn::saml_provider(state.partition(), account_id, name).into_string();
    authorize_on(
        state,
        caller,
        "CreateSAMLProvider",
        &Target::named(provider_arn.clone()),
        request_tag_keys(&tags),
    )
    .await?;
    state
        .store()
        .create_saml_provider(&SamlProvider {
            arn: provider_arn.clone(),
            account_id: account_id.to_string(),
            name: name.to_string(),
            metadata: document.to_string(),
            created_at: state.now().unix_timestamp(),
            valid_until: metadata.valid_until,
            tags: tags.clone(),
        })
        .await?;
    let mut result = vec![Xml::text("SAMLProviderArn", provider_arn)];
    result.extend(optional_tags(&tags));
    Ok(result)
}

/// Authorizes `action` on the SAML provider `provider_arn`, with its tags
/// when it exists.
async fn authorize_saml(
    state: &AppState,
    caller: &Caller,
    action: &str,
    provider_arn: &str,
) -> Result<(), AwsError> {
    let mut target = Target::named(provider_arn);
    if let Some(provider) = state
        .store()
        .saml_provider(caller.account_id(), provider_arn)
        .await?
    {
        target.tags = provider.tags;
    }
    authorize_on(state, caller, action, &target, Vec::new()).await
}

async fn get_saml_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = arn_param(params, "SAMLProviderArn", "sAMLProviderArn")?;
    authorize_saml(state, caller, "GetSAMLProvider", provider_arn).await?;
    let provider = state
        .store()
        .saml_provider(caller.account_id(), provider_arn)
        .await?
        .ok_or_else(|| saml_not_found(provider_arn))?;
    let mut result = vec![
        Xml::text("SAMLMetadataDocument", provider.metadata),
        Xml::text("CreateDate", iso8601(provider.created_at)),
    ];
    if let Some(valid_until) = provider.valid_until {
        result.push(Xml::text("ValidUntil", iso8601(valid_until)));
    }
    result.extend(optional_tags(&provider.tags));
    Ok(result)
}

async fn list_saml_providers(state: &AppState, caller: &Caller) -> Result<Vec<Xml>, AwsError> {
    authorize(state, caller, "ListSAMLProviders", "*").await?;
    let providers = state.store().saml_providers(caller.account_id()).await?;
    Ok(vec![members(
        "SAMLProviderList",
        providers
            .into_iter()
            .map(|p| {
                let mut entry = vec![Xml::text("Arn", p.arn)];
                if let Some(valid_until) = p.valid_until {
                    entry.push(Xml::text("ValidUntil", iso8601(valid_until)));
                }
                entry.push(Xml::text("CreateDate", iso8601(p.created_at)));
                entry
            })
            .collect(),
    )])
}

async fn update_saml_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = arn_param(params, "SAMLProviderArn", "sAMLProviderArn")?;
    let (document, metadata) = metadata_param(params)?;
    authorize_saml(state, caller, "UpdateSAMLProvider", provider_arn).await?;
    state
        .store()
        .update_saml_provider(
            caller.account_id(),
            provider_arn,
            document,
            metadata.valid_until,
        )
        .await?;
    Ok(vec![Xml::text("SAMLProviderArn", provider_arn)])
}

async fn delete_saml_provider(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let provider_arn = arn_param(params, "SAMLProviderArn", "sAMLProviderArn")?;
    authorize_saml(state, caller, "DeleteSAMLProvider", provider_arn).await?;
    state
        .store()
        .delete_saml_provider(caller.account_id(), provider_arn)
        .await?;
    Ok(Vec::new())
}

// ---------------------------------------------------------------- MFA

/// Seconds per TOTP time step (RFC 6238's default, as authenticator apps use).
const TOTP_STEP: i64 = 30;

/// The TOTP generator for a Base32 seed: SHA-1, 6 digits, 30-second steps;
/// `None` if the seed is not Base32 or too short.
fn totp(base32_seed: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(base32_seed).ok()?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(0)
        .with_step_duration(TOTP_STEP as u64)
        .with_secret(secret)
        .build()
        .ok()
}

/// Whether `code` is the code of time step `step`.
fn code_matches(totp: &Totp, code: &str, step: i64) -> bool {
    u64::try_from(step * TOTP_STEP)
        .ok()
        .is_some_and(|at| totp.check(code, at).is_some())
}

/// The step of the second of two consecutive codes, if `code1` and `code2`
/// are the codes of two consecutive steps ending at most one step from `now`.
pub(crate) fn consecutive_codes(totp: &Totp, code1: &str, code2: &str, now: i64) -> Option<i64> {
    let current = now.div_euclid(TOTP_STEP);
    (current - 1..=current + 1)
        .find(|&second| code_matches(totp, code1, second - 1) && code_matches(totp, code2, second))
}

/// The step whose code `code` is, within one step of `now`.
pub(crate) fn matching_step(totp: &Totp, code: &str, now: i64) -> Option<i64> {
    let current = now.div_euclid(TOTP_STEP);
    (current - 1..=current + 1).find(|&step| code_matches(totp, code, step))
}

fn invalid_authentication_code() -> AwsError {
    AwsError::invalid_authentication_code()
}

/// The device's TOTP generator, from its unsealed seed; `None` (logged for
/// the operator) when the key ring cannot open the seed or it is not a
/// seed: such a device accepts no code, as if every code were wrong.
fn device_totp(state: &AppState, device: &MfaDevice) -> Option<Totp> {
    let seed = state
        .keys()
        .open_stored_secret(&device.serial_number, &device.sealed_seed)
        .map_err(|error| {
            tracing::error!(
                %error,
                serial_number = %device.serial_number,
                key_id = ?tessera_token::sealed_secret_key_id(&device.sealed_seed),
                "the stored seed of an MFA device cannot be opened with the key ring"
            );
        })
        .ok()?;
    let totp = totp(&seed);
    if totp.is_none() {
        tracing::error!(
            serial_number = %device.serial_number,
            "the stored seed of an MFA device is not a TOTP seed"
        );
    }
    totp
}

/// Verifies a TOTP `code` of the MFA device `serial_number` enabled for
/// user `user_id` in `account_id`, at time `at`: the code of the current
/// step or of one step either side, never a step already accepted (the step
/// is recorded atomically, so a code is accepted once even under concurrent
/// use). `Ok(false)` for any code that is not accepted.
pub(crate) async fn verify_mfa_code(
    state: &AppState,
    account_id: &str,
    user_id: &str,
    serial_number: &str,
    code: &str,
    at: OffsetDateTime,
) -> Result<bool, AwsError> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(false);
    }
    let Some(device) = state.store().mfa_device(account_id, serial_number).await? else {
        return Ok(false);
    };
    if device.user.as_ref().map(|u| u.user_id.as_str()) != Some(user_id) {
        return Ok(false);
    }
    let Some(totp) = device_totp(state, &device) else {
        return Ok(false);
    };
    let Some(step) = matching_step(&totp, code, at.unix_timestamp()) else {
        return Ok(false);
    };
    Ok(state.store().accept_mfa_step(serial_number, step).await?)
}

/// A serial number member (9 to 256 characters of `[\w+=/:,.@-]`).
fn serial_param(params: &Params) -> Result<&str, AwsError> {
    let serial = params.required("SerialNumber", "serialNumber")?;
    check_length("serialNumber", serial, 9, 256)?;
    if !serial
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c))
    {
        return Err(AwsError::constraint(
            "serialNumber",
            Some(serial),
            "Member must satisfy regular expression pattern: [\\w+=/:,.@-]+",
        ));
    }
    Ok(serial)
}

fn code_param<'a>(params: &'a Params, name: &str, member: &str) -> Result<&'a str, AwsError> {
    let code = params.required(name, member)?;
    check_length(member, code, 6, 6)?;
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AwsError::constraint(
            member,
            Some(code),
            "Member must satisfy regular expression pattern: [\\d]+",
        ));
    }
    Ok(code)
}

fn no_such_user(name: &str) -> AwsError {
    AwsError::no_such_entity(format!("The user with name {name} cannot be found."))
}

/// The user named by `UserName`, or the calling user when it is absent
/// (`None` for an account's root, which has no IAM user).
async fn user_param(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Option<User>, AwsError> {
    if let Some(name) = params.get("UserName") {
        validate_name("userName", name, 128)?;
        return state
            .store()
            .user_by_name(caller.account_id(), name)
            .await?
            .map(Some)
            .ok_or_else(|| no_such_user(name));
    }
    match caller {
        Caller::Root { .. } => Ok(None),
        Caller::User { user, .. } => Ok(Some(user.as_ref().clone())),
        Caller::Session(claims) => match &claims.principal {
            SessionPrincipal::Root { .. } => Ok(None),
            SessionPrincipal::User {
                user_id, user_name, ..
            } => state
                .store()
                .user_by_id(user_id)
                .await?
                .map(Some)
                .ok_or_else(|| no_such_user(user_name)),
            _ => Err(AwsError::validation(
                "Must specify userName when calling with non-User credentials",
            )),
        },
    }
}

/// The PNG of a QR code (black on white, 4 pixels a module, 4-module quiet
/// zone) encoding `text`.
fn qr_png(text: &str) -> Result<Vec<u8>, AwsError> {
    const SCALE: usize = 4;
    const BORDER: usize = 4;
    let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium)
        .map_err(|e| internal(format!("{e:?}")))?;
    let modules = usize::try_from(qr.size()).map_err(internal)?;
    let side = (modules + 2 * BORDER) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            if qr.get_module(x as i32, y as i32) {
                for dy in 0..SCALE {
                    let row = ((y + BORDER) * SCALE + dy) * side;
                    let start = row + (x + BORDER) * SCALE;
                    pixels[start..start + SCALE].fill(0);
                }
            }
        }
    }
    let mut png_bytes = Vec::new();
    let side_u32 = u32::try_from(side).map_err(internal)?;
    let mut encoder = png::Encoder::new(&mut png_bytes, side_u32, side_u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(internal)?;
    writer.write_image_data(&pixels).map_err(internal)?;
    writer.finish().map_err(internal)?;
    Ok(png_bytes)
}

async fn create_virtual_mfa_device(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = params.required("VirtualMFADeviceName", "virtualMFADeviceName")?;
    validate_name("virtualMFADeviceName", name, 226)?;
    let path = path_param(params, "Path", "path")?;
    let tags = tags_param(params)?;
    let account_id = caller.account_id();
    let serial_number = Arn::mfa_device(state.partition(), account_id, &path, name).into_string();
    if serial_number.len() > 256 {
        return Err(AwsError::invalid_input(
            "The combined length of the path and name of the MFA device is too long.",
        ));
    }
    authorize_on(
        state,
        caller,
        "CreateVirtualMFADevice",
        &Target::named(serial_number.clone()),
        request_tag_keys(&tags),
    )
    .await?;

    let mut seed = [0u8; 20];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed)
        .map_err(|_| internal("no randomness"))?;
    let base32_seed = Secret::from(seed).to_base32();
    let sealed_seed = state
        .keys()
        .seal_stored_secret(&serial_number, &base32_seed)
        .map_err(internal)?;
    let account_name = state
        .store()
        .account_aliases(account_id)
        .await?
        .into_iter()
        .next()
        .unwrap_or_else(|| account_id.to_string());
    let uri = format!(
        "otpauth://totp/{}?secret={base32_seed}",
        tessera_sigv4::uri_encode(&format!("{name}@{account_name}"))
    );
    let png = qr_png(&uri)?;
    state
        .store()
        .create_mfa_device(&MfaDevice {
            serial_number: serial_number.clone(),
            account_id: account_id.to_string(),
            sealed_seed,
            user: None,
            enabled_at: None,
            created_at: state.now().unix_timestamp(),
            last_used_step: None,
            tags: tags.clone(),
        })
        .await?;
    let mut device = vec![
        Xml::text("SerialNumber", serial_number),
        Xml::text("Base32StringSeed", STANDARD.encode(base32_seed.as_bytes())),
        Xml::text("QRCodePNG", STANDARD.encode(&png)),
    ];
    device.extend(optional_tags(&tags));
    Ok(vec![Xml::node("VirtualMFADevice", device)])
}

async fn enable_mfa_device(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let name = params.required("UserName", "userName")?;
    validate_name("userName", name, 128)?;
    let serial_number = serial_param(params)?;
    let code1 = code_param(params, "AuthenticationCode1", "authenticationCode1")?;
    let code2 = code_param(params, "AuthenticationCode2", "authenticationCode2")?;
    let account_id = caller.account_id();
    let user = state
        .store()
        .user_by_name(account_id, name)
        .await?
        .ok_or_else(|| no_such_user(name))?;
    authorize_on(
        state,
        caller,
        "EnableMFADevice",
        &user_target(state, &user).await?,
        Vec::new(),
    )
    .await?;
    let device = state
        .store()
        .mfa_device(account_id, serial_number)
        .await?
        .ok_or_else(|| {
            AwsError::no_such_entity(format!(
                "VirtualMFADevice with serial number {serial_number} doesn't exist."
            ))
        })?;
    if device.user.is_some() {
        return Err(AwsError::entity_already_exists(
            "MFA Device is already in use.",
        ));
    }
    let step = device_totp(state, &device)
        .and_then(|totp| consecutive_codes(&totp, code1, code2, state.now().unix_timestamp()))
        .ok_or_else(invalid_authentication_code)?;
    state
        .store()
        .enable_mfa_device(
            account_id,
            serial_number,
            &user.user_id,
            state.now().unix_timestamp(),
            step,
        )
        .await?;
    Ok(Vec::new())
}

async fn deactivate_mfa_device(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let serial_number = serial_param(params)?;
    let not_found = || {
        AwsError::no_such_entity(format!(
            "MFA Device with serial number {serial_number} does not exist."
        ))
    };
    let user = user_param(state, caller, params).await?;
    let target = match &user {
        Some(user) => user_target(state, user).await?,
        None => Target::named(Arn::root(state.partition(), caller.account_id())),
    };
    authorize_on(state, caller, "DeactivateMFADevice", &target, Vec::new()).await?;
    let user = user.ok_or_else(not_found)?;
    state
        .store()
        .deactivate_mfa_device(caller.account_id(), serial_number, &user.user_id)
        .await?;
    Ok(Vec::new())
}

async fn list_mfa_devices(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let page = Page::from_params(params)?;
    let user = user_param(state, caller, params).await?;
    let target = match &user {
        Some(user) => user_target(state, user).await?,
        None => Target::named(Arn::root(state.partition(), caller.account_id())),
    };
    authorize_on(state, caller, "ListMFADevices", &target, Vec::new()).await?;
    let rows = match &user {
        Some(user) => {
            state
                .store()
                .mfa_devices(
                    caller.account_id(),
                    MfaFilter::User(&user.user_id),
                    page.after.as_deref(),
                    page.fetch_limit(),
                )
                .await?
        }
        None => Vec::new(),
    };
    let (rows, tail) = page.finish(rows, |d| d.serial_number.clone());
    let mut result = vec![members(
        "MFADevices",
        rows.into_iter()
            .map(|d| {
                let user_name = d.user.map(|u| u.name).unwrap_or_default();
                vec![
                    Xml::text("UserName", user_name),
                    Xml::text("SerialNumber", d.serial_number),
                    Xml::text("EnableDate", iso8601(d.enabled_at.unwrap_or(d.created_at))),
                ]
            })
            .collect(),
    )];
    result.extend(tail);
    Ok(result)
}

async fn list_virtual_mfa_devices(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let filter = match params.get("AssignmentStatus") {
        None | Some("Any") => MfaFilter::Any,
        Some("Assigned") => MfaFilter::Assigned,
        Some("Unassigned") => MfaFilter::Unassigned,
        Some(other) => {
            return Err(AwsError::constraint(
                "assignmentStatus",
                Some(other),
                "Member must satisfy enum value set: [Any, Assigned, Unassigned]",
            ));
        }
    };
    let page = Page::from_params(params)?;
    authorize(state, caller, "ListVirtualMFADevices", "*").await?;
    let rows = state
        .store()
        .mfa_devices(
            caller.account_id(),
            filter,
            page.after.as_deref(),
            page.fetch_limit(),
        )
        .await?;
    let (rows, tail) = page.finish(rows, |d| d.serial_number.clone());
    let mut result = vec![members(
        "VirtualMFADevices",
        rows.into_iter()
            .map(|d| {
                let mut entry = vec![Xml::text("SerialNumber", d.serial_number.clone())];
                if let Some(user) = &d.user {
                    entry.push(Xml::node(
                        "User",
                        vec![
                            Xml::text("Path", user.path.clone()),
                            Xml::text("UserName", user.name.clone()),
                            Xml::text("UserId", user.user_id.clone()),
                            Xml::text("Arn", user_arn(state, user)),
                            Xml::text("CreateDate", iso8601(user.created_at)),
                        ],
                    ));
                }
                if let Some(enabled_at) = d.enabled_at {
                    entry.push(Xml::text("EnableDate", iso8601(enabled_at)));
                }
                entry.extend(optional_tags(&d.tags));
                entry
            })
            .collect(),
    )];
    result.extend(tail);
    Ok(result)
}

async fn delete_virtual_mfa_device(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let serial_number = serial_param(params)?;
    let mut target = Target::named(serial_number);
    if let Some(device) = state
        .store()
        .mfa_device(caller.account_id(), serial_number)
        .await?
    {
        target.tags = device.tags;
    }
    authorize_on(state, caller, "DeleteVirtualMFADevice", &target, Vec::new()).await?;
    state
        .store()
        .delete_mfa_device(caller.account_id(), serial_number)
        .await?;
    Ok(Vec::new())
}

// ---------------------------------------------------------------- account

/// Validates an account alias: `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`.
fn validate_alias(alias: &str) -> Result<(), AwsError> {
    check_length("accountAlias", alias, 3, 63)?;
    let bytes = alias.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ok = bytes.first().copied().is_some_and(edge)
        && bytes.last().copied().is_some_and(edge)
        && bytes.iter().all(|&b| edge(b) || b == b'-')
        && !alias.contains("--");
    if !ok {
        return Err(AwsError::constraint(
            "accountAlias",
            Some(alias),
            "Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$",
        ));
    }
    Ok(())
}

async fn create_account_alias(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let alias = params.required("AccountAlias", "accountAlias")?;
    validate_alias(alias)?;
    authorize(state, caller, "CreateAccountAlias", "*").await?;
    state
        .store()
        .set_account_alias(caller.account_id(), alias)
        .await?;
    Ok(Vec::new())
}

async fn list_account_aliases(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let page = Page::from_params(params)?;
    authorize(state, caller, "ListAccountAliases", "*").await?;
    let aliases: Vec<String> = state
        .store()
        .account_aliases(caller.account_id())
        .await?
        .into_iter()
        .filter(|a| page.after.as_ref().is_none_or(|after| a > after))
        .take(page.fetch_limit())
        .collect();
    let (aliases, tail) = page.finish(aliases, Clone::clone);
    let mut result = vec![Xml::node(
        "AccountAliases",
        aliases
            .into_iter()
            .map(|a| Xml::text("member", a))
            .collect(),
    )];
    result.extend(tail);
    Ok(result)
}

async fn delete_account_alias(
    state: &AppState,
    caller: &Caller,
    params: &Params,
) -> Result<Vec<Xml>, AwsError> {
    let alias = params.required("AccountAlias", "accountAlias")?;
    validate_alias(alias)?;
    authorize(state, caller, "DeleteAccountAlias", "*").await?;
    state
        .store()
        .delete_account_alias(caller.account_id(), alias)
        .await?;
    Ok(Vec::new())
}

/// IAM's quotas, as `GetAccountSummary` reports them.
const QUOTAS: &[(&str, i64)] = &[
    ("UsersQuota", 5000),
    ("GroupsQuota", 300),
    ("RolesQuota", 1000),
    ("PoliciesQuota", 1500),
    ("ServerCertificatesQuota", 20),
    ("InstanceProfilesQuota", 1000),
    ("AccessKeysPerUserQuota", 2),
    ("SigningCertificatesPerUserQuota", 2),
    ("GroupsPerUserQuota", 10),
    ("AttachedPoliciesPerUserQuota", 10),
    ("AttachedPoliciesPerGroupQuota", 10),
    ("AttachedPoliciesPerRoleQuota", 10),
    ("UserPolicySizeQuota", 2048),
    ("GroupPolicySizeQuota", 5120),
    ("RolePolicySizeQuota", 10240),
    ("PolicySizeQuota", 6144),
    ("AssumeRolePolicySizeQuota", 2048),
    ("VersionsPerPolicyQuota", 5),
    ("PolicyVersionsInUseQuota", 10000),
    ("GlobalEndpointTokenVersion", 1),
];

async fn get_account_summary(state: &AppState, caller: &Caller) -> Result<Vec<Xml>, AwsError> {
    authorize(state, caller, "GetAccountSummary", "*").await?;
    let counts = state.store().account_counts(caller.account_id()).await?;
    let mut entries: Vec<(&str, i64)> = vec![
        ("Users", counts.users),
        ("Groups", counts.groups),
        ("Roles", counts.roles),
        ("Policies", counts.policies),
        ("PolicyVersionsInUse", counts.policy_versions_in_use),
        ("MFADevices", counts.mfa_devices),
        ("MFADevicesInUse", counts.mfa_devices_in_use),
        ("Providers", counts.providers),
        ("AccountMFAEnabled", 0),
        (
            "AccountAccessKeysPresent",
            i64::from(counts.root_access_keys > 0),
        ),
        ("AccountPasswordPresent", 0),
        ("AccountSigningCertificatesPresent", 0),
        ("ServerCertificates", 0),
        ("InstanceProfiles", 0),
    ];
    entries.extend_from_slice(QUOTAS);
    Ok(vec![Xml::node(
        "SummaryMap",
        entries
            .into_iter()
            .map(|(key, value)| {
                Xml::node(
                    "entry",
                    vec![Xml::text("key", key), Xml::text("value", value.to_string())],
                )
            })
            .collect(),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DataDir, KeyRingHandle};
    use std::sync::Arc;
    use tessera_token::ManualClock;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

    struct Fixture {
        state: AppState,
        root: Caller,
        account_id: String,
        _dir: tempfile::TempDir,
    }

    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path().join("data"));
        let (store, keys, created) = data.open_or_bootstrap(NOW).await.expect("bootstrap");
        let account_id = created.expect("new account").account_id;
        let pool =
            sqlx::SqlitePool::connect(&format!("sqlite://{}", data.database_path().display()))
                .await
                .expect("pool");
        for (user_id, name) in [
            ("AIDAAAAAAAAAAAAAAAAA1", "alice"),
            ("AIDAAAAAAAAAAAAAAAAA2", "bob"),
        ] {
            sqlx::query(
                "INSERT INTO users (user_id, account_id, name, path, created_at) VALUES (?, ?, ?, '/', 0)",
            )
            .bind(user_id)
            .bind(&account_id)
            .bind(name)
            .execute(&pool)
            .await
            .expect("user");
        }
        pool.close().await;
        let keys: Arc<KeyRingHandle> = Arc::new(keys);
        let state = AppState::new(Arc::new(store), keys, Arc::new(ManualClock::new(NOW)));
        Fixture {
            state,
            root: Caller::Root {
                account_id: account_id.clone(),
                access_key_id: "AKIAROOT".to_string(),
            },
            account_id,
            _dir: dir,
        }
    }

    fn params(pairs: &[(&str, &str)]) -> Params {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        Params::from_request(&query, None, b"", crate::params::BodyRule::ByContentType)
            .expect("params")
    }

    /// Creates a device and enables it for alice with the codes of the
    /// steps before and at `NOW`; returns its serial number and TOTP.
    async fn enabled_device(f: &Fixture) -> (String, Totp) {
        let created = create_virtual_mfa_device(
            &f.state,
            &f.root,
            &params(&[("VirtualMFADeviceName", "phone")]),
        )
        .await
        .expect("create");
        let Some(Xml::Node(_, fields)) = created.first() else {
            panic!("no device in {created:?}");
        };
        let serial = match fields.first() {
            Some(Xml::Text(_, serial)) => serial.clone(),
            other => panic!("no serial: {other:?}"),
        };
        let device = f
            .state
            .store()
            .mfa_device(&f.account_id, &serial)
            .await
            .expect("read")
            .expect("device");
        let totp = device_totp(&f.state, &device).expect("totp");
        let now = NOW.unix_timestamp() as u64;
        let (c1, c2) = (
            totp.generate(now - 30).to_string(),
            totp.generate(now).to_string(),
        );
        enable_mfa_device(
            &f.state,
            &f.root,
            &params(&[
                ("UserName", "alice"),
                ("SerialNumber", &serial),
                ("AuthenticationCode1", &c1),
                ("AuthenticationCode2", &c2),
            ]),
        )
        .await
        .expect("enable");
        (serial, totp)
    }

    #[tokio::test]
    async fn a_code_is_accepted_once_and_never_before_the_enabling_codes() {
        let f = fixture().await;
        let (serial, totp) = enabled_device(&f).await;
        let alice = "AIDAAAAAAAAAAAAAAAAA1";
        let code = |at: OffsetDateTime| totp.generate(at.unix_timestamp() as u64).to_string();
        let verify = |code: String, user: &'static str, at: OffsetDateTime| {
            let state = f.state.clone();
            let account_id = f.account_id.clone();
            let serial = serial.clone();
            async move {
                verify_mfa_code(&state, &account_id, user, &serial, &code, at)
                    .await
                    .expect("verify")
            }
        };
        // The enabling code (step of NOW) is used up.
        assert!(!verify(code(NOW), alice, NOW).await);
        // The next step's code, at the next step: accepted once.
        let next = NOW + time::Duration::seconds(30);
        assert!(
            !verify(code(next), "AIDAAAAAAAAAAAAAAAAA2", next).await,
            "other user"
        );
        assert!(verify(code(next), alice, next).await);
        assert!(!verify(code(next), alice, next).await, "replay");
        // An older step after a newer one was accepted: refused.
        let later = NOW + time::Duration::seconds(120);
        assert!(verify(code(later), alice, later).await);
        assert!(!verify(code(later - time::Duration::seconds(30)), alice, later).await);
        // Codes too far from the clock, or malformed, are refused.
        let far = NOW + time::Duration::seconds(600);
        assert!(!verify(code(far), alice, far - time::Duration::seconds(90)).await);
        assert!(!verify("12a456".into(), alice, far).await);
        assert!(!verify("1234567".into(), alice, far).await);
        // A deactivated device accepts nothing.
        deactivate_mfa_device(
            &f.state,
            &f.root,
            &params(&[("UserName", "alice"), ("SerialNumber", &serial)]),
        )
        .await
        .expect("deactivate");
        assert!(!verify(code(far), alice, far).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_uses_of_one_code_accept_it_once() {
        let f = fixture().await;
        let (serial, totp) = enabled_device(&f).await;
        let at = NOW + time::Duration::seconds(30);
        let code = totp.generate(at.unix_timestamp() as u64).to_string();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (state, account_id) = (f.state.clone(), f.account_id.clone());
                let (serial, code) = (serial.clone(), code.clone());
                tokio::spawn(async move {
                    verify_mfa_code(
                        &state,
                        &account_id,
                        "AIDAAAAAAAAAAAAAAAAA1",
                        &serial,
                        &code,
                        at,
                    )
                    .await
                })
            })
            .collect();
        let mut accepted = 0;
        for task in tasks {
            if task.await.expect("task").expect("verify") {
                accepted += 1;
            }
        }
        assert_eq!(accepted, 1);
    }

    #[test]
    fn consecutive_codes_must_be_in_order_and_near_the_clock() {
        let totp = totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").expect("totp");
        let now = NOW.unix_timestamp();
        let code = |at: i64| totp.generate(at as u64).to_string();
        assert_eq!(
            consecutive_codes(&totp, &code(now - 30), &code(now), now),
            Some(now / 30)
        );
        assert_eq!(
            consecutive_codes(&totp, &code(now), &code(now + 30), now),
            Some(now / 30 + 1)
        );
        assert_eq!(
            consecutive_codes(&totp, &code(now), &code(now - 30), now),
            None
        );
        assert_eq!(
            consecutive_codes(&totp, &code(now - 60), &code(now), now),
            None
        );
        assert_eq!(
            consecutive_codes(&totp, &code(now - 120), &code(now - 90), now),
            None
        );
    }

    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 Appendix B: T = 59 s, SHA-1, key "12345678901234567890".
        let seed = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        let totp = totp(&seed).expect("totp");
        assert_eq!(totp.generate(59).to_string(), "287082");
        assert_eq!(matching_step(&totp, "287082", 59), Some(1));
    }

    #[test]
    fn saml_metadata_needs_an_idp_signing_certificate() {
        let cert = STANDARD.encode([1u8; 32]);
        let doc = |key_use: &str| {
            format!(
                r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml" validUntil="2030-01-01T00:00:00Z"><IDPSSODescriptor><KeyDescriptor{key_use}><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>"#
            )
        };
        let parsed = parse_saml_metadata(&doc("")).expect("no use = signing");
        assert_eq!(
            parsed.valid_until,
            Some(datetime!(2030-01-01 0:00 UTC).unix_timestamp())
        );
        assert!(parse_saml_metadata(&doc(r#" use="signing""#)).is_ok());
        assert!(parse_saml_metadata(&doc(r#" use="encryption""#)).is_err());
        let sp = doc("").replace("IDPSSODescriptor", "SPSSODescriptor");
        assert!(parse_saml_metadata(&sp).is_err());
        let not_base64 = doc("").replace(&cert, "not base64!");
        assert!(parse_saml_metadata(&not_base64).is_err());
        let two_roots = format!("{}{}", doc(""), doc(""));
        assert!(parse_saml_metadata(&two_roots).is_err());
        assert!(parse_saml_metadata("<EntityDescriptor>").is_err());
    }

    #[test]
    fn aliases_follow_iams_pattern() {
        for good in ["abc", "a-b-c", "123", "my-company-2"] {
            assert!(validate_alias(good).is_ok(), "{good}");
        }
        for bad in ["ab", "-ab", "ab-", "a--b", "ABC", "a_b", &"a".repeat(64)] {
            assert!(validate_alias(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn oidc_urls_lose_the_scheme_and_trailing_slash() {
        assert_eq!(
            oidc_url("https://example.com/a/").expect("valid"),
            "example.com/a"
        );
        assert_eq!(
            oidc_url("HTTPS://example.com").expect("valid"),
            "example.com"
        );
        for bad in [
            "http://example.com",
            "https://",
            "https://a b",
            "example.com",
            "https://a?x=1",
        ] {
            assert!(oidc_url(bad).is_err(), "{bad}");
        }
    }
}
