//! IAM virtual MFA devices: create, enable, deactivate, list, delete.

use super::common::{
    Page, Target, authorize, authorize_on, iso8601, path_param, request_tag_keys, tags_param,
    user_arn, user_target, validate_name,
};
use super::provider_params::{internal, optional_tags};
use crate::mfa::{consecutive_codes, device_totp};
use crate::{
    AppState, AwsError, Caller,
    params::Params,
    params::check_length,
    xml::{Xml, members},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use tessera_arn::Arn;
use tessera_store::{MfaDevice, MfaFilter, User};
use tessera_token::SessionPrincipal;
use totp_rs::Secret;

/// Runs `name` if this area (MFA devices) serves it.
pub(super) async fn dispatch(
    state: &AppState,
    caller: &Caller,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    let (_s, _c, _p) = (state, caller, params);
    Some(match name {
        "CreateVirtualMFADevice" => create_virtual_mfa_device(state, caller, params).await,
        "EnableMFADevice" => enable_mfa_device(state, caller, params).await,
        "DeactivateMFADevice" => deactivate_mfa_device(state, caller, params).await,
        "ListMFADevices" => list_mfa_devices(state, caller, params).await,
        "ListVirtualMFADevices" => list_virtual_mfa_devices(state, caller, params).await,
        "DeleteVirtualMFADevice" => delete_virtual_mfa_device(state, caller, params).await,
        _ => return None,
    })
}

/// A serial number member (9 to 256 characters of `[\w+=/:,.@-]`).
pub(super) fn serial_param(params: &Params) -> Result<&str, AwsError> {
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

pub(super) fn code_param<'a>(
    params: &'a Params,
    name: &str,
    member: &str,
) -> Result<&'a str, AwsError> {
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

pub(super) fn no_such_user(name: &str) -> AwsError {
    AwsError::no_such_entity(format!("The user with name {name} cannot be found."))
}

/// The user named by `UserName`, or the calling user when it is absent
/// (`None` for an account's root, which has no IAM user).
pub(super) async fn user_param(
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
pub(super) fn qr_png(text: &str) -> Result<Vec<u8>, AwsError> {
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

pub(super) async fn create_virtual_mfa_device(
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

pub(super) async fn enable_mfa_device(
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
        .ok_or_else(AwsError::invalid_authentication_code)?;
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

pub(super) async fn deactivate_mfa_device(
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

pub(super) async fn list_mfa_devices(
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

pub(super) async fn list_virtual_mfa_devices(
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

pub(super) async fn delete_virtual_mfa_device(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mfa::verify_mfa_code;
    use crate::{DataDir, KeyRingHandle};
    use std::sync::Arc;
    use tessera_token::ManualClock;
    use time::OffsetDateTime;
    use time::macros::datetime;
    use totp_rs::Totp;

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
}
