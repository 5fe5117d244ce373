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
        keys.sort_by(|a, b| {
            (a.created_at, &a.access_key_id).cmp(&(b.created_at, &b.access_key_id))
        });
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
        report_time(
            profile
                .password_changed_at
                .saturating_add(days.saturating_mul(86_400)),
        )
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
        if last
            .as_ref()
            .is_some_and(|r| r.generated_at >= stale_before)
        {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Caller;
    use crate::action::testing::Fixture;
    use tessera_store::{MfaDevice, NewPassword, PasswordPolicy, User};

    fn error_of<T: std::fmt::Debug>(result: Result<T, AwsError>) -> (String, u16, String) {
        let error = result.expect_err("an error");
        (error.code.to_string(), error.status.as_u16(), error.message)
    }

    /// The user `name` of the fixture's account, created at `at`.
    async fn user(fx: &Fixture, id: &str, name: &str, at: i64) -> User {
        let user = User {
            user_id: id.to_string(),
            account_id: fx.account_id.clone(),
            name: name.to_string(),
            path: "/".to_string(),
            permissions_boundary: None,
            created_at: at,
        };
        fx.state
            .store()
            .create_user(&user, &[])
            .await
            .expect("user");
        user
    }

    fn key(fx: &Fixture, id: &str, user_id: Option<&str>, at: i64) -> AccessKeyRecord {
        AccessKeyRecord {
            access_key_id: id.to_string(),
            account_id: fx.account_id.clone(),
            user_id: user_id.map(str::to_string),
            sealed_secret: "v1:sealed".to_string(),
            status: AccessKeyStatus::Active,
            created_at: at,
            last_used: None,
        }
    }

    /// The report's rows, each a map of column to field.
    fn rows(content: &str) -> Vec<Vec<(String, String)>> {
        let mut lines = content.split('\n');
        let header: Vec<&str> = lines.next().expect("header").split(',').collect();
        assert_eq!(header, COLUMNS);
        lines
            .map(|line| {
                let fields: Vec<&str> = line.split(',').collect();
                assert_eq!(fields.len(), COLUMNS.len(), "{line}");
                COLUMNS
                    .iter()
                    .zip(fields)
                    .map(|(c, f)| (c.to_string(), f.to_string()))
                    .collect()
            })
            .collect()
    }

    fn field<'a>(row: &'a [(String, String)], column: &str) -> &'a str {
        &row.iter().find(|(c, _)| c == column).expect("column").1
    }

    #[tokio::test]
    async fn the_report_is_generated_once_then_served() {
        let fx = Fixture::new().await;
        let store = fx.state.store();
        let acct = fx.account_id.clone();
        let now = fx.state.now().unix_timestamp();
        assert_eq!(
            error_of(fx.call(GetCredentialReport).await),
            ("ReportNotPresent".into(), 410, String::new())
        );

        // alice: a password, an expiring policy, two keys (the older one
        // used, the newer inactive), an MFA device and a certificate.
        let alice = user(&fx, "AIDAREPORTALICE", "alice", now - 900).await;
        store
            .create_login_profile(
                &acct,
                "alice",
                &NewPassword {
                    hash: "$argon2id$x".into(),
                    at: now - 800,
                },
                false,
                None,
            )
            .await
            .expect("profile");
        store
            .set_password_policy(
                &acct,
                &PasswordPolicy {
                    minimum_password_length: 8,
                    require_symbols: false,
                    require_numbers: false,
                    require_uppercase_characters: false,
                    require_lowercase_characters: false,
                    allow_users_to_change_password: false,
                    max_password_age: Some(90),
                    password_reuse_prevention: None,
                    hard_expiry: None,
                },
            )
            .await
            .expect("policy");
        let mut newer = key(&fx, "AKIAREPORTALICE2", Some(&alice.user_id), now - 500);
        newer.status = AccessKeyStatus::Inactive;
        store.create_access_key(&newer).await.expect("key");
        store
            .create_access_key(&key(
                &fx,
                "AKIAREPORTALICE3",
                Some(&alice.user_id),
                now - 700,
            ))
            .await
            .expect("key");
        store
            .record_access_key_use("AKIAREPORTALICE3", now - 100, "sts", "eu-west-1")
            .await
            .expect("use");
        let device = MfaDevice {
            serial_number: format!("arn:aws:iam::{acct}:mfa/alice"),
            account_id: acct.clone(),
            sealed_seed: "v1:seed".into(),
            user: None,
            enabled_at: None,
            created_at: now - 600,
            last_used_step: None,
            tags: Vec::new(),
        };
        store.create_mfa_device(&device).await.expect("device");
        store
            .enable_mfa_device(&acct, &device.serial_number, &alice.user_id, now - 600, 1)
            .await
            .expect("enabled");
        store
            .upload_signing_certificate(&SigningCertificate {
                certificate_id: "CERTALICE".into(),
                account_id: acct.clone(),
                user_id: Some(alice.user_id.clone()),
                body: "-----BEGIN CERTIFICATE-----".into(),
                fingerprint: "ab".into(),
                status: AccessKeyStatus::Active,
                uploaded_at: now - 400,
            })
            .await
            .expect("certificate");
        // bob, with a comma in his name: nothing but himself.
        user(&fx, "AIDAREPORTBOB", "bob,jr", now - 300).await;

        let started = fx.call(GenerateCredentialReport).await.expect("generated");
        assert_eq!(
            started,
            GenerationState {
                state: ReportState::Started,
                description: Some("No report exists. Starting a new report generation task"),
            }
        );
        let again = fx.call(GenerateCredentialReport).await.expect("fresh");
        assert_eq!(again.state, ReportState::Complete);
        assert_eq!(again.description, None);

        let report = fx.call(GetCredentialReport).await.expect("report").0;
        assert_eq!(report.generated_at, now);
        // bob's name is quoted: read his row apart.
        let (content, bob) = report.content.rsplit_once('\n').expect("rows");
        assert!(
            bob.starts_with(&format!(
                "\"bob,jr\",\"arn:aws:iam::{acct}:user/bob,jr\",{},false,N/A,N/A,N/A,false,",
                report_time(now - 300)
            )),
            "{bob}"
        );
        assert!(
            bob.ends_with("false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"),
            "{bob}"
        );
        let rows = rows(content);
        assert_eq!(rows.len(), 2);
        let root = &rows[0];
        let account_created = store
            .account(&acct)
            .await
            .expect("account")
            .expect("exists")
            .created_at;
        for (column, value) in [
            ("user", "<root_account>".to_string()),
            ("arn", format!("arn:aws:iam::{acct}:root")),
            ("user_creation_time", report_time(account_created)),
            ("password_enabled", "not_supported".into()),
            ("password_last_used", "no_information".into()),
            ("password_last_changed", "not_supported".into()),
            ("password_next_rotation", "not_supported".into()),
            ("mfa_active", "false".into()),
            // The root key the account was made with.
            ("access_key_1_active", "true".into()),
            ("access_key_2_active", "false".into()),
            ("cert_1_active", "false".into()),
        ] {
            assert_eq!(field(root, column), value, "root {column}");
        }
        let alice_row = &rows[1];
        for (column, value) in [
            ("user", "alice".to_string()),
            ("arn", format!("arn:aws:iam::{acct}:user/alice")),
            ("user_creation_time", report_time(now - 900)),
            ("password_enabled", "true".into()),
            ("password_last_used", "no_information".into()),
            ("password_last_changed", report_time(now - 800)),
            (
                "password_next_rotation",
                report_time(now - 800 + 90 * 86_400),
            ),
            ("mfa_active", "true".into()),
            ("access_key_1_active", "true".into()),
            ("access_key_1_last_rotated", report_time(now - 700)),
            ("access_key_1_last_used_date", report_time(now - 100)),
            ("access_key_1_last_used_region", "eu-west-1".into()),
            ("access_key_1_last_used_service", "sts".into()),
            ("access_key_2_active", "false".into()),
            ("access_key_2_last_rotated", report_time(now - 500)),
            ("access_key_2_last_used_date", "N/A".into()),
            ("access_key_2_last_used_region", "N/A".into()),
            ("access_key_2_last_used_service", "N/A".into()),
            ("cert_1_active", "true".into()),
            ("cert_1_last_rotated", report_time(now - 400)),
            ("cert_2_active", "false".into()),
            ("cert_2_last_rotated", "N/A".into()),
        ] {
            assert_eq!(field(alice_row, column), value, "alice {column}");
        }

        let xml = format!("{:?}", ReportResult(report.clone()).encode(&fx.state));
        assert!(xml.contains(&STANDARD.encode(&report.content)), "{xml}");
        assert!(xml.contains("text/csv"), "{xml}");
    }

    #[tokio::test]
    async fn a_report_older_than_four_hours_is_expired_and_replaced() {
        let fx = Fixture::new().await;
        let store = fx.state.store();
        let now = fx.state.now().unix_timestamp();
        let old = CredentialReport {
            account_id: fx.account_id.clone(),
            generated_at: now - FRESH_FOR - 1,
            content: COLUMNS.join(","),
        };
        assert!(store.save_credential_report(&old, 0).await.expect("saved"));
        assert_eq!(
            error_of(fx.call(GetCredentialReport).await),
            ("ReportExpired".into(), 410, String::new())
        );
        let started = fx.call(GenerateCredentialReport).await.expect("started");
        assert_eq!(
            started,
            GenerationState {
                state: ReportState::Started,
                description: None,
            }
        );
        let report = fx.call(GetCredentialReport).await.expect("report").0;
        assert_eq!(report.generated_at, now);
        assert!(report.content.contains("<root_account>"));

        // Exactly four hours old, it is still fresh.
        let edge = CredentialReport {
            generated_at: now - FRESH_FOR,
            ..old
        };
        assert!(
            store
                .save_credential_report(&edge, now + 1)
                .await
                .expect("saved")
        );
        assert_eq!(
            fx.call(GenerateCredentialReport)
                .await
                .expect("fresh")
                .state,
            ReportState::Complete
        );
        assert!(fx.call(GetCredentialReport).await.is_ok());
    }

    #[tokio::test]
    async fn a_user_without_permission_is_denied_both() {
        let fx = Fixture::new().await;
        let carol = user(&fx, "AIDAREPORTCAROL", "carol", 1).await;
        let caller = Caller::User {
            user: Box::new(carol),
            access_key_id: "AKIACAROL".into(),
        };
        let (code, status, message) = error_of(fx.call_as(&caller, GenerateCredentialReport).await);
        assert_eq!((code.as_str(), status), ("AccessDenied", 403));
        assert!(
            message.contains("iam:GenerateCredentialReport"),
            "{message}"
        );
        let (code, _, message) = error_of(fx.call_as(&caller, GetCredentialReport).await);
        assert_eq!(code, "AccessDenied");
        assert!(message.contains("iam:GetCredentialReport"), "{message}");
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(csv_field("alice"), "alice");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(report_time(0), "1970-01-01T00:00:00+00:00");
    }
}
