//! Credential reports: `GenerateCredentialReport` and
//! `GetCredentialReport`, the account's users and the state of their
//! passwords, MFA devices, access keys and signing certificates, as a CSV
//! file in AWS's columns.
//!
//! The report is kept in the store, so that every node serves the same one.
//! A report is generated at once; a new one only once the last is older
//! than four hours, the age past which `GetCredentialReport` no longer
//! serves it.

use super::common::{iso8601, user_arn};
use crate::action::{Access, Action, Context, Encode};
use crate::actions::{ActionSpec, R, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::STANDARD};
use std::future::Future;
use tessera_arn::Arn;
use tessera_store::{
    AccessKeyRecord, AccessKeyStatus, CredentialReport, LoginProfile, MfaFilter,
    SigningCertificate, StoreError,
};

/// How long a report is fresh, in seconds: four hours.
pub(super) const FRESH_FOR: i64 = 4 * 3600;

/// The report's columns, in AWS's order.
pub(super) const COLUMNS: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// What a field holds when there is nothing it applies to.
const NOT_APPLICABLE: &str = "N/A";
/// What the root user's row holds where the field does not apply to it.
const NOT_SUPPORTED: &str = "not_supported";
/// A password's last use when none was recorded (Tessera records no
/// console sign-in).
const NO_INFORMATION: &str = "no_information";
/// The name of the root user's row.
const ROOT_ACCOUNT: &str = "<root_account>";

/// How many items a page of the store's listings holds while a report is
/// read.
pub(super) const PAGE: usize = 1000;

/// A time in the report: ISO 8601, with the offset as `+00:00`.
fn report_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]+00:00"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// `true` / `false`, as the report writes them.
fn flag(value: bool) -> String {
    value.to_string()
}

/// A CSV field: quoted (its quotes doubled) when it holds a comma, a quote
/// or a line break (names and paths may hold commas).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Every item of a listing that `fetch(after)` reads page by page, each
/// page sorted by `key` and holding at most [`PAGE`] items.
pub(super) async fn every<T, Fut>(
    mut fetch: impl FnMut(Option<String>) -> Fut,
    key: impl Fn(&T) -> String,
) -> Result<Vec<T>, StoreError>
where
    Fut: Future<Output = Result<Vec<T>, StoreError>>,
{
    let mut all: Vec<T> = Vec::new();
    let mut after = None;
    loop {
        let page = fetch(after).await?;
        let full = page.len() >= PAGE;
        all.extend(page);
        if !full {
            return Ok(all);
        }
        after = all.last().map(&key);
    }
}

/// The credentials of one row: the owner's access keys and signing
/// certificates, oldest first.
struct Credentials {
    keys: Vec<AccessKeyRecord>,
    certificates: Vec<SigningCertificate>,
}

impl Credentials {
    /// The keys and certificates of the user `user_id` (`None`: the root
    /// user).
    async fn of(ctx: &Context<'_>, user_id: Option<&str>) -> Result<Self, AwsError> {
        let store = ctx.store();
        let account = ctx.account_id();
        let mut keys = every(
            move |after| async move {
                store
                    .access_keys_of(account, user_id, after.as_deref(), PAGE)
                    .await
            },
            |k: &AccessKeyRecord| k.access_key_id.clone(),
        )
        .await?;
        keys.sort_by(|a, b| (a.created_at, &a.access_key_id).cmp(&(b.created_at, &b.access_key_id)));
        let mut certificates = every(
            move |after| async move {
                store
                    .signing_certificates(account, user_id, after.as_deref(), PAGE)
                    .await
            },
            |c: &SigningCertificate| c.certificate_id.clone(),
        )
        .await?;
        certificates.sort_by(|a, b| {
            (a.uploaded_at, &a.certificate_id).cmp(&(b.uploaded_at, &b.certificate_id))
        });
        Ok(Self { keys, certificates })
    }

    /// The fields from `access_key_1_active` to `cert_2_last_rotated`.
    fn fields(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(14);
        for slot in 0..2 {
            out.extend(key_fields(self.keys.get(slot)));
        }
        for slot in 0..2 {
            match self.certificates.get(slot) {
                Some(cert) => {
                    out.push(flag(cert.status == AccessKeyStatus::Active));
                    out.push(report_time(cert.uploaded_at));
                }
                None => {
                    out.push(flag(false));
                    out.push(NOT_APPLICABLE.to_string());
                }
            }
        }
        out
    }
}

/// `access_key_N_active`, `…_last_rotated`, `…_last_used_date`,
/// `…_last_used_region` and `…_last_used_service` of one key slot.
fn key_fields(key: Option<&AccessKeyRecord>) -> [String; 5] {
    let na = || NOT_APPLICABLE.to_string();
    let Some(key) = key else {
        return [flag(false), na(), na(), na(), na()];
    };
    let (used, region, service) = match &key.last_used {
        Some((at, service, region)) => (report_time(*at), region.clone(), service.clone()),
        None => (na(), na(), na()),
    };
    [
        flag(key.status == AccessKeyStatus::Active),
        report_time(key.created_at),
        used,
        region,
        service,
    ]
}

/// The password fields of a user: `password_enabled`,
/// `password_last_used`, `password_last_changed` and
/// `password_next_rotation` (when the account's policy makes passwords
/// expire after `max_age` days).
fn password_fields(profile: Option<&LoginProfile>, max_age: Option<i64>) -> [String; 4] {
    let na = || NOT_APPLICABLE.to_string();
    let Some(profile) = profile else {
        return [flag(false), na(), na(), na()];
    };
    let next = max_age.map_or_else(na, |days| {
        report_time(profile.password_changed_at.saturating_add(days.saturating_mul(86_400)))
    });
    [
        flag(true),
        NO_INFORMATION.to_string(),
        report_time(profile.password_changed_at),
        next,
    ]
}

/// One CSV line.
fn line(fields: impl IntoIterator<Item = String>) -> String {
    fields
        .into_iter()
        .map(|f| csv_field(&f))
        .collect::<Vec<_>>()
        .join(",")
}

/// The report of the caller's account as of now: the header, the root
/// user's row, then a row for each user, by name.
async fn generate(ctx: &Context<'_>) -> Result<String, AwsError> {
    let store = ctx.store();
    let account = ctx.account_id();
    let max_age = store
        .password_policy(account)
        .await?
        .and_then(|policy| policy.max_password_age)
        .filter(|days| *days > 0);
    let created = store
        .account(account)
        .await?
        .map(|a| a.created_at)
        .unwrap_or_default();

    let mut lines = vec![COLUMNS.join(",")];
    let mut root = vec![
        ROOT_ACCOUNT.to_string(),
        Arn::root(ctx.partition(), account).into_string(),
        report_time(created),
        NOT_SUPPORTED.to_string(),
        NO_INFORMATION.to_string(),
        NOT_SUPPORTED.to_string(),
        NOT_SUPPORTED.to_string(),
        // The root user has no MFA device in Tessera.
        flag(false),
    ];
    root.extend(Credentials::of(ctx, None).await?.fields());
    lines.push(line(root));

    let users = every(
        move |after| async move { store.list_users(account, "/", after.as_deref(), PAGE).await },
        |u: &tessera_store::User| u.name.clone(),
    )
    .await?;
    for user in users {
        let profile = match store.login_profile(account, &user.name).await {
            Ok(profile) => Some(profile),
            Err(StoreError::NotFound(_)) => None,
            Err(other) => return Err(other.into()),
        };
        let mfa = !store
            .mfa_devices(account, MfaFilter::User(&user.user_id), None, 1)
            .await?
            .is_empty();
        let mut row = vec![
            user.name.clone(),
            user_arn(ctx.state, &user),
            report_time(user.created_at),
        ];
        row.extend(password_fields(profile.as_ref(), max_age));
        row.push(flag(mfa));
        row.extend(Credentials::of(ctx, Some(&user.user_id)).await?.fields());
        lines.push(line(row));
    }
    Ok(lines.join("\n"))
}

/// The state of a report generation (`ReportStateType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReportState {
    /// A new report was started.
    Started,
    /// The account's report is fresh.
    Complete,
}

/// The result of `GenerateCredentialReport`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GenerationState {
    /// `State`.
    pub state: ReportState,
    /// `Description`, when the account had no report.
    pub description: Option<&'static str>,
}

impl Encode for GenerationState {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let state = match self.state {
            ReportState::Started => "STARTED",
            ReportState::Complete => "COMPLETE",
        };
        let mut out = vec![Xml::text("State", state)];
        out.extend(self.description.map(|d| Xml::text("Description", d)));
        out
    }
}

/// `GenerateCredentialReport`: a new report unless the account's is fresh.
#[derive(Debug, Clone)]
pub(super) struct GenerateCredentialReport;

impl Action for GenerateCredentialReport {
    const SPEC: ActionSpec = spec("iam:GenerateCredentialReport", R::None, &[]);
    type Found = ();
    type Output = GenerationState;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        params.decoder().finish(Self)
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<GenerationState, AwsError> {
        let store = ctx.store();
        let account = ctx.account_id();
        let now = ctx.now();
        let stale_before = now - FRESH_FOR;
        let complete = GenerationState {
            state: ReportState::Complete,
            description: None,
        };
        let last = store.credential_report(account).await?;
        if last.as_ref().is_some_and(|r| r.generated_at >= stale_before) {
            return Ok(complete);
        }
        let report = CredentialReport {
            account_id: account.to_string(),
            generated_at: now,
            content: generate(ctx).await?,
        };
        // Another request may have saved a report meanwhile: that one is
        // the account's.
        if !store.save_credential_report(&report, stale_before).await? {
            return Ok(complete);
        }
        Ok(GenerationState {
            state: ReportState::Started,
            description: last
                .is_none()
                .then_some("No report exists. Starting a new report generation task"),
        })
    }
}

/// The result of `GetCredentialReport`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ReportResult(pub CredentialReport);

impl Encode for ReportResult {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![
            Xml::text("Content", STANDARD.encode(self.0.content.as_bytes())),
            Xml::text("ReportFormat", "text/csv"),
            Xml::text("GeneratedTime", iso8601(self.0.generated_at)),
        ]
    }
}

/// `ReportNotPresent` (410): the account has no report.
fn report_not_present() -> AwsError {
    AwsError::new(StatusCode::GONE, "ReportNotPresent", "")
}

/// `ReportExpired` (410): the account's report is older than four hours.
fn report_expired() -> AwsError {
    AwsError::new(StatusCode::GONE, "ReportExpired", "")
}

/// `GetCredentialReport`: the account's report, while it is fresh.
#[derive(Debug, Clone)]
pub(super) struct GetCredentialReport;

impl Action for GetCredentialReport {
    const SPEC: ActionSpec = spec("iam:GetCredentialReport", R::None, &[]);
    type Found = ();
    type Output = ReportResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        params.decoder().finish(Self)
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<ReportResult, AwsError> {
        let report = ctx
            .store()
            .credential_report(ctx.account_id())
            .await?
            .ok_or_else(report_not_present)?;
        if report.generated_at < ctx.now() - FRESH_FOR {
            return Err(report_expired());
        }
        Ok(ReportResult(report))
    }
}

crate::action::action_table!(GenerateCredentialReport, GetCredentialReport);
