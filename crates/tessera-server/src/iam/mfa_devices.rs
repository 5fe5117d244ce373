//! IAM virtual MFA devices: create, enable, read, resynchronise,
//! deactivate, list, delete.

use super::common::{iso8601, request_tag_keys, user_arn, user_target};
use super::provider_params::{internal, optional_tags};
use super::tagging::{ListTags, Tag, Taggable, Untag};
use crate::action::members::{
    AssignmentStatus, AuthenticationCode, IamPath, Name, Page, SerialNumber, Tags,
};
use crate::action::{Access, Action, Context, Empty, Encode, Listing, Target};
use crate::actions::{ActionSpec, R, TAG_KEYS, TAGGING, spec};
use crate::mfa::{consecutive_codes, device_totp};
use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};
use base64::{Engine, engine::general_purpose::STANDARD};
use tessera_arn::Arn;
use tessera_store::{MfaDevice, MfaFilter, Missing, StoreError, TaggedKind, User};
use tessera_token::SessionPrincipal;
use totp_rs::Secret;

/// A user name that names an existing user (`existingUserNameType`).
type UserName = Name<128>;

fn no_such_user(name: &str) -> AwsError {
    AwsError::no_such_entity(format!("The user with name {name} cannot be found."))
}

/// The user `name`, or the calling user when there is none (`None` for an
/// account's root, which has no IAM user).
async fn subject(ctx: &Context<'_>, name: Option<&str>) -> Result<Option<User>, AwsError> {
    if let Some(name) = name {
        return ctx
            .store()
            .user_by_name(ctx.account_id(), name)
            .await?
            .map(Some)
            .ok_or_else(|| no_such_user(name));
    }
    match ctx.caller {
        Caller::Root { .. } => Ok(None),
        Caller::User { user, .. } => Ok(Some(user.as_ref().clone())),
        Caller::Session(claims) => match &claims.principal {
            SessionPrincipal::Root { .. } => Ok(None),
            SessionPrincipal::User {
                user_id, user_name, ..
            } => ctx
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

/// The access to the devices of the user `name` (or of the caller): the
/// action on that user, or on the account's root user.
async fn subject_access(
    ctx: &Context<'_>,
    name: Option<&str>,
) -> Result<(Access, Option<User>), AwsError> {
    let user = subject(ctx, name).await?;
    let target = match &user {
        Some(user) => user_target(ctx.state, user).await?,
        None => Target::named(Arn::root(ctx.partition(), ctx.account_id())),
    };
    Ok((Access::on(target), user))
}

/// The access to the devices of the user `name`, which must exist: an
/// unknown user is `NoSuchEntity` before authorization, as IAM answers it.
async fn named_user_access(ctx: &Context<'_>, name: &str) -> Result<(Access, User), AwsError> {
    let user = ctx
        .store()
        .user_by_name(ctx.account_id(), name)
        .await?
        .ok_or_else(|| no_such_user(name))?;
    let target = user_target(ctx.state, &user).await?;
    Ok((Access::on(target), user))
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

/// A new virtual MFA device: its serial number, its seed and the QR code
/// of its `otpauth://` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VirtualMfaDevice {
    pub serial_number: String,
    /// The Base32 seed.
    pub base32_seed: String,
    /// The PNG of the QR code.
    pub qr_code_png: Vec<u8>,
    pub tags: Vec<(String, String)>,
}

impl Encode for VirtualMfaDevice {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let mut device = vec![
            Xml::text("SerialNumber", self.serial_number),
            Xml::text(
                "Base32StringSeed",
                STANDARD.encode(self.base32_seed.as_bytes()),
            ),
            Xml::text("QRCodePNG", STANDARD.encode(&self.qr_code_png)),
        ];
        device.extend(optional_tags(&self.tags));
        vec![Xml::node("VirtualMFADevice", device)]
    }
}

/// A page of `ListMFADevices`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MfaDeviceListing(pub Listing<MfaDevice>);

impl Encode for MfaDeviceListing {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        self.0.xml("MFADevices", |d| {
            let user_name = d.user.map(|u| u.name).unwrap_or_default();
            vec![
                Xml::text("UserName", user_name),
                Xml::text("SerialNumber", d.serial_number),
                Xml::text("EnableDate", iso8601(d.enabled_at.unwrap_or(d.created_at))),
            ]
        })
    }
}

/// A page of `ListVirtualMFADevices`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VirtualMfaDeviceListing(pub Listing<MfaDevice>);

impl Encode for VirtualMfaDeviceListing {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        self.0.xml("VirtualMFADevices", |d| {
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
    }
}

/// `CreateVirtualMFADevice`: a device with a new seed, enabled for nobody.
#[derive(Debug, Clone)]
pub(super) struct CreateVirtualMfaDevice {
    pub name: Name<226>,
    pub path: IamPath,
    pub tags: Tags,
}

impl Action for CreateVirtualMfaDevice {
    const SPEC: ActionSpec = spec("iam:CreateVirtualMFADevice", R::Mfa, TAGGING);
    /// The serial number.
    type Found = String;
    type Output = VirtualMfaDevice;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("VirtualMFADeviceName"),
            path: d.member("Path").unwrap_or_else(IamPath::root),
            tags: d.member("Tags").unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, String), AwsError> {
        let serial_number =
            Arn::mfa_device(ctx.partition(), ctx.account_id(), &self.path, &self.name)
                .into_string();
        if serial_number.len() > 256 {
            return Err(AwsError::invalid_input(
                "The combined length of the path and name of the MFA device is too long.",
            ));
        }
        let target = Target::named(serial_number.clone());
        let keys = request_tag_keys(&self.tags);
        Ok((Access::On { target, keys }, serial_number))
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        serial_number: String,
    ) -> Result<VirtualMfaDevice, AwsError> {
        let account_id = ctx.account_id();
        let mut seed = [0u8; 20];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed)
            .map_err(|_| internal("no randomness"))?;
        let base32_seed = Secret::from(seed).to_base32();
        let sealed_seed = ctx
            .state
            .keys()
            .seal_stored_secret(&serial_number, &base32_seed)
            .map_err(internal)?;
        let account_name = ctx
            .store()
            .account_aliases(account_id)
            .await?
            .into_iter()
            .next()
            .unwrap_or_else(|| account_id.to_string());
        let uri = format!(
            "otpauth://totp/{}?secret={base32_seed}",
            tessera_sigv4::uri_encode(&format!("{}@{account_name}", self.name))
        );
        let qr_code_png = qr_png(&uri)?;
        ctx.store()
            .create_mfa_device(&MfaDevice {
                serial_number: serial_number.clone(),
                account_id: account_id.to_string(),
                sealed_seed,
                user: None,
                enabled_at: None,
                created_at: ctx.now(),
                last_used_step: None,
                tags: self.tags.0.clone(),
            })
            .await?;
        Ok(VirtualMfaDevice {
            serial_number,
            base32_seed,
            qr_code_png,
            tags: self.tags.0,
        })
    }
}

/// `EnableMFADevice`: a device enabled for a user, given two consecutive
/// codes of it.
#[derive(Debug, Clone)]
pub(super) struct EnableMfaDevice {
    pub user_name: UserName,
    pub serial_number: SerialNumber,
    pub code1: AuthenticationCode,
    pub code2: AuthenticationCode,
}

impl Action for EnableMfaDevice {
    const SPEC: ActionSpec = spec("iam:EnableMFADevice", R::User, &[]);
    type Found = User;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            user_name: d.required("UserName"),
            serial_number: d.required("SerialNumber"),
            code1: d.required("AuthenticationCode1"),
            code2: d.required("AuthenticationCode2"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, User), AwsError> {
        named_user_access(ctx, &self.user_name).await
    }

    async fn run(self, ctx: &Context<'_>, user: User) -> Result<Empty, AwsError> {
        let (account_id, serial_number) = (ctx.account_id(), &*self.serial_number);
        let device = ctx
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
        let step = device_totp(ctx.state, &device)
            .await
            .and_then(|totp| consecutive_codes(&totp, &self.code1, &self.code2, ctx.now()))
            .ok_or_else(AwsError::invalid_authentication_code)?;
        ctx.store()
            .enable_mfa_device(account_id, serial_number, &user.user_id, ctx.now(), step)
            .await?;
        Ok(Empty)
    }
}

/// `DeactivateMFADevice`: a device of the user (or of the caller) enabled
/// for nobody.
#[derive(Debug, Clone)]
pub(super) struct DeactivateMfaDevice {
    pub serial_number: SerialNumber,
    pub user_name: Option<UserName>,
}

impl Action for DeactivateMfaDevice {
    const SPEC: ActionSpec = spec("iam:DeactivateMFADevice", R::User, &[]);
    type Found = Option<User>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            serial_number: d.required("SerialNumber"),
            user_name: d.member("UserName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        subject_access(ctx, self.user_name.as_deref()).await
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Empty, AwsError> {
        let user = user.ok_or_else(|| {
            AwsError::no_such_entity(format!(
                "MFA Device with serial number {} does not exist.",
                self.serial_number
            ))
        })?;
        ctx.store()
            .deactivate_mfa_device(ctx.account_id(), &self.serial_number, &user.user_id)
            .await?;
        Ok(Empty)
    }
}

/// `ListMFADevices`: the devices enabled for the user (or the caller).
#[derive(Debug, Clone)]
pub(super) struct ListMfaDevices {
    pub page: Page,
    pub user_name: Option<UserName>,
}

impl Action for ListMfaDevices {
    const SPEC: ActionSpec = spec("iam:ListMFADevices", R::User, &[]);
    type Found = Option<User>;
    type Output = MfaDeviceListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            page: d.read(Page::read(params)).unwrap_or_default(),
            user_name: d.member("UserName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        subject_access(ctx, self.user_name.as_deref()).await
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        user: Option<User>,
    ) -> Result<MfaDeviceListing, AwsError> {
        let rows = match &user {
            Some(user) => {
                ctx.store()
                    .mfa_devices(
                        ctx.account_id(),
                        MfaFilter::User(&user.user_id),
                        self.page.after.as_deref(),
                        self.page.fetch_limit(),
                    )
                    .await?
            }
            None => Vec::new(),
        };
        Ok(MfaDeviceListing(
            self.page.finish(rows, |d| d.serial_number.clone()),
        ))
    }
}

/// `NoSuchEntity` for a device that is not enabled for the user asked
/// about.
fn no_such_device(serial_number: &str) -> AwsError {
    AwsError::no_such_entity(format!(
        "MFA Device with serial number {serial_number} does not exist."
    ))
}

/// The device `serial_number` enabled for `user`, or `NoSuchEntity`.
async fn enabled_device(
    ctx: &Context<'_>,
    user: Option<&User>,
    serial_number: &str,
) -> Result<MfaDevice, AwsError> {
    let device = ctx
        .store()
        .mfa_device(ctx.account_id(), serial_number)
        .await?;
    device
        .filter(|device| {
            let holder = device.user.as_ref().map(|u| &u.user_id);
            holder.is_some() && holder == user.map(|u| &u.user_id)
        })
        .ok_or_else(|| no_such_device(serial_number))
}

/// `GetMFADevice`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MfaDeviceResult(pub MfaDevice);

impl Encode for MfaDeviceResult {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let device = self.0;
        let mut out = Vec::new();
        if let Some(user) = device.user {
            out.push(Xml::text("UserName", user.name));
        }
        out.push(Xml::text("SerialNumber", device.serial_number));
        if let Some(at) = device.enabled_at {
            out.push(Xml::text("EnableDate", iso8601(at)));
        }
        out
    }
}

/// `GetMFADevice`: a device enabled for the user (or the caller). Virtual
/// devices carry no certifications.
#[derive(Debug, Clone)]
pub(super) struct GetMfaDevice {
    pub serial_number: SerialNumber,
    /// `userNameType` here, not `existingUserNameType`.
    pub user_name: Option<Name<64>>,
}

impl Action for GetMfaDevice {
    const SPEC: ActionSpec = spec("iam:GetMFADevice", R::User, &[]);
    type Found = Option<User>;
    type Output = MfaDeviceResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            serial_number: d.required("SerialNumber"),
            user_name: d.member("UserName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        subject_access(ctx, self.user_name.as_deref()).await
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<MfaDeviceResult, AwsError> {
        let device = enabled_device(ctx, user.as_ref(), &self.serial_number).await?;
        Ok(MfaDeviceResult(device))
    }
}

/// `ResyncMFADevice`: two consecutive codes of a device enabled for the
/// user. A virtual device keeps to the clock, so there is no drift to
/// record: the codes must be those of the current time step and the one
/// before (give or take a step), and each is then spent, as a sign-in
/// would spend it.
#[derive(Debug, Clone)]
pub(super) struct ResyncMfaDevice {
    pub user_name: UserName,
    pub serial_number: SerialNumber,
    pub code1: AuthenticationCode,
    pub code2: AuthenticationCode,
}

impl Action for ResyncMfaDevice {
    const SPEC: ActionSpec = spec("iam:ResyncMFADevice", R::User, &[]);
    type Found = User;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            user_name: d.required("UserName"),
            serial_number: d.required("SerialNumber"),
            code1: d.required("AuthenticationCode1"),
            code2: d.required("AuthenticationCode2"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, User), AwsError> {
        named_user_access(ctx, &self.user_name).await
    }

    async fn run(self, ctx: &Context<'_>, user: User) -> Result<Empty, AwsError> {
        let device = enabled_device(ctx, Some(&user), &self.serial_number).await?;
        let step = device_totp(ctx.state, &device)
            .await
            .and_then(|totp| consecutive_codes(&totp, &self.code1, &self.code2, ctx.now()))
            .ok_or_else(AwsError::invalid_authentication_code)?;
        if !ctx
            .store()
            .accept_mfa_step(&device.serial_number, step)
            .await?
        {
            return Err(AwsError::invalid_authentication_code());
        }
        Ok(Empty)
    }
}

/// `ListVirtualMFADevices`: the account's devices, by assignment.
#[derive(Debug, Clone)]
pub(super) struct ListVirtualMfaDevices {
    pub status: AssignmentStatus,
    pub page: Page,
}

impl Action for ListVirtualMfaDevices {
    const SPEC: ActionSpec = spec("iam:ListVirtualMFADevices", R::None, &[]);
    type Found = ();
    type Output = VirtualMfaDeviceListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            status: d.member("AssignmentStatus").unwrap_or_default(),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<VirtualMfaDeviceListing, AwsError> {
        let filter = match self.status {
            AssignmentStatus::Any => MfaFilter::Any,
            AssignmentStatus::Assigned => MfaFilter::Assigned,
            AssignmentStatus::Unassigned => MfaFilter::Unassigned,
        };
        let rows = ctx
            .store()
            .mfa_devices(
                ctx.account_id(),
                filter,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(VirtualMfaDeviceListing(
            self.page.finish(rows, |d| d.serial_number.clone()),
        ))
    }
}

/// `DeleteVirtualMFADevice`: a device enabled for nobody.
#[derive(Debug, Clone)]
pub(super) struct DeleteVirtualMfaDevice {
    pub serial_number: SerialNumber,
}

impl Action for DeleteVirtualMfaDevice {
    const SPEC: ActionSpec = spec("iam:DeleteVirtualMFADevice", R::Mfa, &[]);
    type Found = ();
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            serial_number: d.required("SerialNumber"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let (target, _) = device_target(ctx, &self.serial_number).await?;
        Ok((Access::on(target), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<Empty, AwsError> {
        ctx.store()
            .delete_mfa_device(ctx.account_id(), &self.serial_number)
            .await?;
        Ok(Empty)
    }
}

/// The virtual MFA device `serial_number` of the caller's account as
/// stored, with its [`Target`]: its serial, with its tags when it exists.
async fn device_target(
    ctx: &Context<'_>,
    serial_number: &str,
) -> Result<(Target, Option<MfaDevice>), AwsError> {
    let device = ctx
        .store()
        .mfa_device(ctx.account_id(), serial_number)
        .await?;
    let mut target = Target::named(serial_number);
    if let Some(device) = &device {
        target.tags = device.tags.clone();
    }
    Ok((target, device))
}

/// Virtual MFA devices, as things that carry tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct MfaDevices;

impl Taggable for MfaDevices {
    type Key = SerialNumber;
    type Stored = MfaDevice;
    const KEY_MEMBER: &'static str = "SerialNumber";
    const TAGGED: TaggedKind = TaggedKind::MfaDevice;
    const TAG: ActionSpec = spec("iam:TagMFADevice", R::Mfa, TAGGING);
    const UNTAG: ActionSpec = spec("iam:UntagMFADevice", R::Mfa, &[TAG_KEYS]);
    const LIST_TAGS: ActionSpec = spec("iam:ListMFADeviceTags", R::Mfa, &[]);

    async fn find(
        ctx: &Context<'_>,
        serial_number: &str,
    ) -> Result<(Target, Option<MfaDevice>), AwsError> {
        device_target(ctx, serial_number).await
    }

    /// A device's tags are kept under its serial number.
    fn owner_id(device: &MfaDevice) -> &str {
        &device.serial_number
    }

    fn not_found(serial_number: &str) -> AwsError {
        StoreError::from(Missing::MfaDevice(serial_number.to_string())).into()
    }
}

crate::action::action_table!(
    CreateVirtualMfaDevice,
    EnableMfaDevice,
    GetMfaDevice,
    ResyncMfaDevice,
    DeactivateMfaDevice,
    ListMfaDevices,
    ListVirtualMfaDevices,
    DeleteVirtualMfaDevice,
    Tag<MfaDevices>,
    Untag<MfaDevices>,
    ListTags<MfaDevices>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::Scalar;
    use crate::action::testing::{Fixture, params};
    use crate::mfa::verify_mfa_code;
    use time::OffsetDateTime;
    use time::macros::datetime;
    use totp_rs::Totp;

    const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

    /// A new account with users alice and bob.
    async fn fixture() -> Fixture {
        let f = Fixture::new().await;
        for (user_id, name) in [
            ("AIDAAAAAAAAAAAAAAAAA1", "alice"),
            ("AIDAAAAAAAAAAAAAAAAA2", "bob"),
        ] {
            let user = User {
                user_id: user_id.to_string(),
                account_id: f.account_id.clone(),
                name: name.to_string(),
                path: "/".to_string(),
                permissions_boundary: None,
                created_at: 0,
            };
            f.state.store().create_user(&user, &[]).await.expect("user");
        }
        f
    }

    fn member<T: Scalar>(text: &str) -> T {
        T::parse("member", text).expect("valid member")
    }

    fn create(name: &str) -> CreateVirtualMfaDevice {
        CreateVirtualMfaDevice {
            name: member(name),
            path: IamPath::root(),
            tags: Tags::default(),
        }
    }

    /// The codes of the steps before and at `at`.
    fn codes(totp: &Totp, at: OffsetDateTime) -> (AuthenticationCode, AuthenticationCode) {
        let at = at.unix_timestamp() as u64;
        (
            member(&totp.generate(at - 30).to_string()),
            member(&totp.generate(at).to_string()),
        )
    }

    /// Creates a device and enables it for alice with the codes of the
    /// steps before and at `NOW`; returns its serial number and TOTP.
    async fn enabled_device(f: &Fixture) -> (String, Totp) {
        let created = f.call(create("phone")).await.expect("create");
        let serial = created.serial_number;
        let device = f
            .state
            .store()
            .mfa_device(&f.account_id, &serial)
            .await
            .expect("read")
            .expect("device");
        let totp = device_totp(&f.state, &device).await.expect("totp");
        let (code1, code2) = codes(&totp, NOW);
        f.call(EnableMfaDevice {
            user_name: member("alice"),
            serial_number: member(&serial),
            code1,
            code2,
        })
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
        f.call(DeactivateMfaDevice {
            serial_number: member(&serial),
            user_name: Some(member("alice")),
        })
        .await
        .expect("deactivate");
        assert!(!verify(code(far), alice, far).await);
    }

    #[tokio::test]
    async fn a_device_is_read_for_its_user_only() {
        let f = fixture().await;
        let (serial, _) = enabled_device(&f).await;
        let get = |user: &str| GetMfaDevice {
            serial_number: member(&serial),
            user_name: Some(member(user)),
        };
        let device = f.call(get("alice")).await.expect("get").0;
        assert_eq!(device.user.map(|u| u.name).as_deref(), Some("alice"));
        assert_eq!(device.enabled_at, Some(NOW.unix_timestamp()));
        let error = f.call(get("bob")).await.expect_err("not bob's");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
        let error = f.call(get("carol")).await.expect_err("no such user");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }

    #[tokio::test]
    async fn resync_takes_two_fresh_consecutive_codes() {
        let f = fixture().await;
        let (serial, totp) = enabled_device(&f).await;
        let resync = |user: &str, (code1, code2): (AuthenticationCode, AuthenticationCode)| {
            ResyncMfaDevice {
                user_name: member(user),
                serial_number: member(&serial),
                code1,
                code2,
            }
        };
        let next = NOW + time::Duration::seconds(30);
        // The enabling codes are spent.
        let error = f
            .call(resync("alice", codes(&totp, NOW)))
            .await
            .expect_err("spent");
        assert_eq!(error.code.as_ref(), "InvalidAuthenticationCode");
        // Out of order.
        let (code1, code2) = codes(&totp, next);
        let error = f
            .call(resync("alice", (code2.clone(), code1.clone())))
            .await
            .expect_err("out of order");
        assert_eq!(error.code.as_ref(), "InvalidAuthenticationCode");
        let error = f
            .call(resync("bob", (code1.clone(), code2.clone())))
            .await
            .expect_err("not bob's");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
        f.call(resync("alice", (code1.clone(), code2.clone())))
            .await
            .expect("resync");
        let error = f
            .call(resync("alice", (code1, code2)))
            .await
            .expect_err("replayed");
        assert_eq!(error.code.as_ref(), "InvalidAuthenticationCode");
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

    fn serials(listing: &Listing<MfaDevice>) -> Vec<&str> {
        listing
            .items
            .iter()
            .map(|d| d.serial_number.as_str())
            .collect()
    }

    #[tokio::test]
    async fn devices_are_listed_by_assignment_a_page_at_a_time() {
        let f = fixture().await;
        let (enabled, _) = enabled_device(&f).await;
        for name in ["tablet", "watch"] {
            f.call(create(name)).await.expect("created");
        }
        let arn = |name: &str| format!("arn:aws:iam::{}:mfa/{name}", f.account_id);
        let list = |status, after: Option<String>| ListVirtualMfaDevices {
            status,
            page: Page {
                after,
                max_items: 2,
            },
        };
        let first = f
            .call(list(AssignmentStatus::Any, None))
            .await
            .expect("page")
            .0;
        assert_eq!(
            (serials(&first), first.truncated),
            (vec![arn("phone").as_str(), arn("tablet").as_str()], true)
        );
        let after = first.items.last().map(|d| d.serial_number.clone());
        let second = f
            .call(list(AssignmentStatus::Any, after))
            .await
            .expect("page")
            .0;
        assert_eq!(
            (serials(&second), second.truncated, second.marker.is_none()),
            (vec![arn("watch").as_str()], false, true)
        );
        let assigned = f
            .call(list(AssignmentStatus::Assigned, None))
            .await
            .expect("assigned")
            .0;
        assert_eq!(serials(&assigned), vec![enabled.as_str()]);
        let user = assigned.items[0].user.as_ref().map(|u| u.name.as_str());
        assert_eq!(user, Some("alice"));
        let unassigned = f
            .call(list(AssignmentStatus::Unassigned, None))
            .await
            .expect("unassigned")
            .0;
        assert_eq!(
            serials(&unassigned),
            vec![arn("tablet").as_str(), arn("watch").as_str()]
        );

        let of = |name: Option<&str>| ListMfaDevices {
            page: Page::default(),
            user_name: name.map(member),
        };
        let alices = f.call(of(Some("alice"))).await.expect("alice's").0;
        assert_eq!(serials(&alices), vec![enabled.as_str()]);
        assert!(
            f.call(of(Some("bob")))
                .await
                .expect("bob's")
                .0
                .items
                .is_empty()
        );
        assert!(f.call(of(None)).await.expect("root's").0.items.is_empty());
    }

    #[tokio::test]
    async fn a_device_in_use_is_neither_enabled_again_nor_deleted() {
        let f = fixture().await;
        let (serial, totp) = enabled_device(&f).await;
        let (code1, code2) = codes(&totp, NOW + time::Duration::seconds(60));
        let error = f
            .call(EnableMfaDevice {
                user_name: member("bob"),
                serial_number: member(&serial),
                code1,
                code2,
            })
            .await
            .expect_err("in use");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            ("EntityAlreadyExists", "MFA Device is already in use.")
        );
        let error = f
            .call(DeleteVirtualMfaDevice {
                serial_number: member(&serial),
            })
            .await
            .expect_err("in use");
        assert_eq!(error.status.as_u16(), 409);
        f.call(DeactivateMfaDevice {
            serial_number: member(&serial),
            user_name: Some(member("alice")),
        })
        .await
        .expect("deactivated");
        f.call(DeleteVirtualMfaDevice {
            serial_number: member(&serial),
        })
        .await
        .expect("deleted");
        let error = f
            .call(DeleteVirtualMfaDevice {
                serial_number: member(&serial),
            })
            .await
            .expect_err("gone");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }

    #[tokio::test]
    async fn unknown_users_devices_and_wrong_codes_are_refused() {
        let f = fixture().await;
        let serial = f
            .call(create("phone"))
            .await
            .expect("created")
            .serial_number;
        let enable = |user: &str, serial: &str| EnableMfaDevice {
            user_name: member(user),
            serial_number: member(serial),
            code1: member("000000"),
            code2: member("000000"),
        };
        let error = f
            .call(enable("nobody", &serial))
            .await
            .expect_err("no user");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            ("NoSuchEntity", "The user with name nobody cannot be found.")
        );
        let missing = format!("arn:aws:iam::{}:mfa/missing", f.account_id);
        let error = f
            .call(enable("alice", &missing))
            .await
            .expect_err("no device");
        assert_eq!(
            error.message,
            format!("VirtualMFADevice with serial number {missing} doesn't exist.")
        );
        let error = f
            .call(enable("alice", &serial))
            .await
            .expect_err("wrong codes");
        assert_eq!(error.code.as_ref(), "InvalidAuthenticationCode");
        // The root user has no IAM user, hence no device to deactivate.
        let error = f
            .call(DeactivateMfaDevice {
                serial_number: member(&serial),
                user_name: None,
            })
            .await
            .expect_err("root");
        assert_eq!(
            error.message,
            format!("MFA Device with serial number {serial} does not exist.")
        );
    }

    #[tokio::test]
    async fn a_created_device_has_a_base32_seed_and_a_png_qr_code() {
        let f = fixture().await;
        let device = f
            .call(CreateVirtualMfaDevice {
                name: member("phone"),
                path: member("/team/"),
                tags: Tags(vec![("k".into(), "v".into())]),
            })
            .await
            .expect("created");
        assert_eq!(
            device.serial_number,
            format!("arn:aws:iam::{}:mfa/team/phone", f.account_id)
        );
        assert!(crate::mfa::totp(&device.base32_seed).is_some());
        assert!(device.qr_code_png.starts_with(b"\x89PNG"));
        assert_eq!(device.tags, vec![("k".into(), "v".into())]);
        let error = f
            .call(CreateVirtualMfaDevice {
                name: member("phone"),
                path: member("/team/"),
                tags: Tags::default(),
            })
            .await
            .expect_err("taken");
        assert_eq!(error.code.as_ref(), "EntityAlreadyExists");
        let error = f
            .call(CreateVirtualMfaDevice {
                name: member(&"a".repeat(226)),
                path: member(&format!("/{}/", "p".repeat(20))),
                tags: Tags::default(),
            })
            .await
            .expect_err("too long");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            (
                "InvalidInput",
                "The combined length of the path and name of the MFA device is too long."
            )
        );
    }

    #[tokio::test]
    async fn virtual_device_pages_are_stable_under_inserts() {
        let f = fixture().await;
        let list = async |pairs: &[(&str, &str)]| {
            let input = ListVirtualMfaDevices::decode(&params(pairs))?;
            Ok::<_, AwsError>(f.call(input).await?.0)
        };
        for name in ["d1", "d3", "d5", "d7"] {
            f.call(create(name)).await.expect("created");
        }
        let (mut seen, mut marker, mut pages) = (Vec::new(), None::<String>, 0);
        loop {
            let mut pairs = vec![("MaxItems", "1")];
            if let Some(m) = &marker {
                pairs.push(("Marker", m));
            }
            let listing = list(&pairs).await.expect("listed");
            assert_eq!(listing.items.len(), 1, "{listing:?}");
            seen.extend(listing.items.iter().map(|d| d.serial_number.clone()));
            pages += 1;
            if pages == 2 {
                // An insert before the marker and one after it.
                f.call(create("d0")).await.expect("created");
                f.call(create("d9")).await.expect("created");
            }
            if !listing.truncated {
                assert_eq!(listing.marker, None);
                break;
            }
            marker = listing.marker;
        }
        let names: Vec<&str> = seen
            .iter()
            .map(|s| s.rsplit('/').next().unwrap_or_default())
            .collect();
        assert_eq!(names, ["d1", "d3", "d5", "d7", "d9"]);

        let bad_marker = list(&[("Marker", "%%%")]).await.expect_err("marker");
        assert_eq!(
            (bad_marker.code.as_ref(), bad_marker.status.as_u16()),
            ("InvalidInput", 400)
        );
        let bad_max = list(&[("MaxItems", "0")]).await.expect_err("max items");
        assert_eq!(
            (bad_max.code.as_ref(), bad_max.status.as_u16()),
            ("ValidationError", 400)
        );
    }
}
