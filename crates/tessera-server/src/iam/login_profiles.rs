//! Console passwords: IAM users' login profiles, a user changing its own
//! password, and the account's password policy that every new password is
//! held to.
//!
//! A password is hashed ([`crate::passwords`]) before the store sees it,
//! and never logged, returned or echoed in an error.

use super::common::{iso8601, user_target};
use super::entities::{UserKind, find};
use super::entity_params::calling_user;
use crate::action::members::{Flag, Integer, Name, Password};
use crate::action::{Access, Action, Context, Empty, Encode, Target};
use crate::actions::{ActionSpec, R, spec};
use crate::passwords::{self, Rules};
use crate::{AppState, AwsError, Caller, params::Params, xml::Xml};
use tessera_store::{
    LoginProfile, LoginProfileChange, Missing, NewPassword, PasswordPolicy, StoreError, User,
};
use tessera_token::SessionPrincipal;

/// A user name as the login profile actions take it (`userNameType`).
type UserName = Name<64>;
/// `MaxSigninSessionDuration` (`maxSigninSessionDurationType`): one hour to
/// 90 days, in seconds.
type SigninSessionDuration = Integer<3600, 7_776_000>;

/// The user `name` (as stored, if it exists, with its [`Target`]), or the
/// calling user when the request names none (refused to callers that are
/// no IAM user).
async fn subject(
    ctx: &Context<'_>,
    name: Option<&str>,
) -> Result<(Target, Option<User>), AwsError> {
    match name {
        Some(name) => find::<UserKind>(ctx, name).await,
        None => {
            let user = calling_user(ctx.state, ctx.caller).await?;
            Ok((user_target(ctx.state, &user).await?, Some(user)))
        }
    }
}

/// The user [`subject`] found, or `NoSuchEntity` for the name asked for.
fn found(user: Option<User>, name: Option<&str>) -> Result<User, AwsError> {
    super::entities::found::<UserKind>(user, name.unwrap_or_default())
}

/// The rules a new password of the caller's account is held to: its
/// password policy, or AWS's default one.
async fn account_rules(ctx: &Context<'_>) -> Result<(Option<PasswordPolicy>, String), AwsError> {
    let store = ctx.store();
    let policy = store.password_policy(ctx.account_id()).await?;
    let account_name = store
        .account(ctx.account_id())
        .await?
        .map(|account| account.name)
        .unwrap_or_default();
    Ok((policy, account_name))
}

/// Holds `password`, a new password of the user `user_name`, to the
/// account's rules and to the user's latest passwords, then hashes it.
async fn new_password(
    ctx: &Context<'_>,
    user_name: &str,
    password: &Password,
) -> Result<NewPassword, AwsError> {
    let (policy, account_name) = account_rules(ctx).await?;
    let rules = Rules::of(policy.as_ref(), &account_name);
    rules.check(password.secret())?;
    let reuse = rules.reuse_prevention();
    if reuse > 0 {
        let history = ctx
            .store()
            .password_history(ctx.account_id(), user_name, reuse)
            .await?;
        if passwords::matches_any(password, history).await? {
            return Err(passwords::reused(reuse));
        }
    }
    Ok(NewPassword {
        hash: passwords::hash(password).await?,
        at: ctx.now(),
    })
}

/// A user's `LoginProfile`, without its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LoginProfileResult(pub LoginProfile);

impl Encode for LoginProfileResult {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let profile = self.0;
        let mut fields = vec![
            Xml::text("UserName", profile.user_name),
            Xml::text("CreateDate", iso8601(profile.created_at)),
            Xml::text(
                "PasswordResetRequired",
                profile.password_reset_required.to_string(),
            ),
        ];
        if let Some(duration) = profile.max_signin_session_duration {
            fields.push(Xml::text("MaxSigninSessionDuration", duration.to_string()));
        }
        vec![Xml::node("LoginProfile", fields)]
    }
}

/// `CreateLoginProfile`: a console password for the user named (or the
/// caller).
#[derive(Debug, Clone)]
pub(super) struct CreateLoginProfile {
    pub name: Option<UserName>,
    pub password: Option<Password>,
    pub password_reset_required: bool,
    pub max_signin_session_duration: Option<i64>,
}

impl Action for CreateLoginProfile {
    const SPEC: ActionSpec = spec("iam:CreateLoginProfile", R::User, &[]);
    type Found = Option<User>;
    type Output = LoginProfileResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.member("UserName"),
            password: d.member("Password"),
            password_reset_required: d
                .member::<Flag>("PasswordResetRequired")
                .unwrap_or_default()
                .0,
            max_signin_session_duration: d
                .member::<SigninSessionDuration>("MaxSigninSessionDuration")
                .map(|d| d.0),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = subject(ctx, self.name.as_deref()).await?;
        Ok((Access::on(target), user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Self::Output, AwsError> {
        let user = found(user, self.name.as_deref())?;
        let name = self.name.as_deref().unwrap_or(&user.name);
        // Only an account's root user, in a session of its own, may leave
        // the password out (for itself); an IAM user always has one.
        let password = self
            .password
            .ok_or_else(|| AwsError::constraint("password", None, "Member must not be null"))?;
        match ctx.store().login_profile(ctx.account_id(), name).await {
            Ok(_) => return Err(tessera_store::Existing::LoginProfile(name.to_string()).into()),
            Err(StoreError::NotFound(Missing::LoginProfile(_))) => {}
            Err(other) => return Err(other.into()),
        }
        let new = new_password(ctx, name, &password).await?;
        let profile = ctx
            .store()
            .create_login_profile(
                ctx.account_id(),
                name,
                &new,
                self.password_reset_required,
                self.max_signin_session_duration,
            )
            .await?;
        Ok(LoginProfileResult(profile))
    }
}

/// `GetLoginProfile`: the user's login profile, never its password.
#[derive(Debug, Clone)]
pub(super) struct GetLoginProfile {
    pub name: Option<UserName>,
}

impl Action for GetLoginProfile {
    const SPEC: ActionSpec = spec("iam:GetLoginProfile", R::User, &[]);
    type Found = Option<User>;
    type Output = LoginProfileResult;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.member("UserName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = subject(ctx, self.name.as_deref()).await?;
        Ok((Access::on(target), user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Self::Output, AwsError> {
        let user = found(user, self.name.as_deref())?;
        let name = self.name.as_deref().unwrap_or(&user.name);
        let profile = ctx.store().login_profile(ctx.account_id(), name).await?;
        Ok(LoginProfileResult(profile))
    }
}

/// `UpdateLoginProfile`: a new password, whether it must be reset, and
/// the longest console session, each changed only when given.
#[derive(Debug, Clone)]
pub(super) struct UpdateLoginProfile {
    pub name: UserName,
    pub password: Option<Password>,
    pub password_reset_required: Option<bool>,
    pub max_signin_session_duration: Option<i64>,
    pub reset_max_signin_session_duration: bool,
}

impl Action for UpdateLoginProfile {
    const SPEC: ActionSpec = spec("iam:UpdateLoginProfile", R::User, &[]);
    type Found = Option<User>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        let input = Self {
            name: d.required("UserName"),
            password: d.member("Password"),
            password_reset_required: d.member::<Flag>("PasswordResetRequired").map(|f| f.0),
            max_signin_session_duration: d
                .member::<SigninSessionDuration>("MaxSigninSessionDuration")
                .map(|d| d.0),
            reset_max_signin_session_duration: d
                .member::<Flag>("ResetMaxSigninSessionDuration")
                .unwrap_or_default()
                .0,
        };
        let input = d.finish(input)?;
        if input.max_signin_session_duration.is_some() && input.reset_max_signin_session_duration {
            return Err(AwsError::invalid_input(
                "MaxSigninSessionDuration cannot be specified when ResetMaxSigninSessionDuration is true.",
            ));
        }
        Ok(input)
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = find::<UserKind>(ctx, &self.name).await?;
        Ok((Access::on(target), user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Empty, AwsError> {
        found(user, Some(&self.name))?;
        let store = ctx.store();
        // The profile first: a missing one is named before the password
        // is judged.
        store.login_profile(ctx.account_id(), &self.name).await?;
        let password = match &self.password {
            Some(password) => Some(new_password(ctx, &self.name, password).await?),
            None => None,
        };
        let max_signin_session_duration = if self.reset_max_signin_session_duration {
            Some(None)
        } else {
            self.max_signin_session_duration.map(Some)
        };
        let change = LoginProfileChange {
            password,
            password_reset_required: self.password_reset_required,
            max_signin_session_duration,
            replacing: None,
        };
        store
            .update_login_profile(ctx.account_id(), &self.name, &change)
            .await?;
        Ok(Empty)
    }
}

/// `DeleteLoginProfile`: the user keeps its access keys, and its password
/// history.
#[derive(Debug, Clone)]
pub(super) struct DeleteLoginProfile {
    pub name: Option<UserName>,
}

impl Action for DeleteLoginProfile {
    const SPEC: ActionSpec = spec("iam:DeleteLoginProfile", R::User, &[]);
    type Found = Option<User>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.member("UserName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = subject(ctx, self.name.as_deref()).await?;
        Ok((Access::on(target), user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Empty, AwsError> {
        let user = found(user, self.name.as_deref())?;
        let name = self.name.as_deref().unwrap_or(&user.name);
        ctx.store()
            .delete_login_profile(ctx.account_id(), name)
            .await?;
        Ok(Empty)
    }
}

/// Whether the caller is an IAM user, with one of its keys or a session
/// of its own.
fn is_iam_user(caller: &Caller) -> bool {
    match caller {
        Caller::User { .. } => true,
        Caller::Session(claims) => matches!(claims.principal, SessionPrincipal::User { .. }),
        Caller::Root { .. } => false,
    }
}

/// The IAM user a caller is, for a call a user makes about itself alone:
/// `InvalidUserType` for an account's root user, a role's session and a
/// federated user.
async fn user_itself(ctx: &Context<'_>) -> Result<User, AwsError> {
    if !is_iam_user(ctx.caller) {
        return Err(AwsError::invalid_user_type(
            "Only IAM users can change their own password.",
        ));
    }
    calling_user(ctx.state, ctx.caller).await
}

/// What a password policy with `AllowUsersToChangePassword` grants every
/// IAM user: `action` on `resource`.
fn user_grant(action: &str, resource: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    })
    .to_string()
}

/// Whether the caller is an IAM user whom the account's password policy
/// lets change its own password.
async fn users_may_change_passwords(ctx: &Context<'_>) -> Result<bool, AwsError> {
    if !is_iam_user(ctx.caller) {
        return Ok(false);
    }
    Ok(ctx
        .store()
        .password_policy(ctx.account_id())
        .await?
        .is_some_and(|policy| policy.allow_users_to_change_password))
}

/// `ChangePassword`: an IAM user, calling with its own credentials,
/// replaces its password after proving the old one. Its policies must
/// allow `iam:ChangePassword` on itself, unless the account's password
/// policy lets every user change its own.
#[derive(Debug, Clone)]
pub(super) struct ChangePassword {
    pub old_password: Password,
    pub new_password: Password,
}

impl Action for ChangePassword {
    const SPEC: ActionSpec = spec("iam:ChangePassword", R::User, &[]);
    type Found = User;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            old_password: d.required("OldPassword"),
            new_password: d.required("NewPassword"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, User), AwsError> {
        let user = user_itself(ctx).await?;
        let target = user_target(ctx.state, &user).await?;
        let grant = users_may_change_passwords(ctx)
            .await?
            .then(|| user_grant(Self::SPEC.action, &target.arn));
        Ok((Access::Granted { target, grant }, user))
    }

    async fn run(self, ctx: &Context<'_>, user: User) -> Result<Empty, AwsError> {
        let store = ctx.store();
        let profile = store.login_profile(ctx.account_id(), &user.name).await?;
        if !passwords::verify(&self.old_password, &profile.password_hash).await? {
            return Err(AwsError::access_denied("The old password is incorrect."));
        }
        let new = new_password(ctx, &user.name, &self.new_password).await?;
        let change = LoginProfileChange {
            password: Some(new),
            password_reset_required: Some(false),
            max_signin_session_duration: None,
            replacing: Some(profile.password_hash),
        };
        if !store
            .update_login_profile(ctx.account_id(), &user.name, &change)
            .await?
        {
            return Err(AwsError::entity_temporarily_unmodifiable(format!(
                "Login Profile for User {} is being changed by another request; try again.",
                user.name
            )));
        }
        Ok(Empty)
    }
}

/// `UpdateAccountPasswordPolicy`: every setting at once, those left out
/// taking their defaults.
#[derive(Debug, Clone)]
pub(super) struct UpdateAccountPasswordPolicy {
    pub policy: PasswordPolicy,
}

impl Action for UpdateAccountPasswordPolicy {
    const SPEC: ActionSpec = spec("iam:UpdateAccountPasswordPolicy", R::None, &[]);
    type Found = ();
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        let flag = |name: &str| -> Result<bool, AwsError> {
            Ok(params.member::<Flag>(name)?.unwrap_or_default().0)
        };
        d.finish(Self {
            policy: PasswordPolicy {
                minimum_password_length: d
                    .member::<Integer<6, 128>>("MinimumPasswordLength")
                    .map_or(6, |n| n.0),
                require_symbols: flag("RequireSymbols")?,
                require_numbers: flag("RequireNumbers")?,
                require_uppercase_characters: flag("RequireUppercaseCharacters")?,
                require_lowercase_characters: flag("RequireLowercaseCharacters")?,
                allow_users_to_change_password: flag("AllowUsersToChangePassword")?,
                max_password_age: d.member::<Integer<1, 1095>>("MaxPasswordAge").map(|n| n.0),
                password_reuse_prevention: d
                    .member::<Integer<1, 24>>("PasswordReusePrevention")
                    .map(|n| n.0),
                hard_expiry: d.member::<Flag>("HardExpiry").map(|f| f.0),
            },
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<Empty, AwsError> {
        ctx.store()
            .set_password_policy(ctx.account_id(), &self.policy)
            .await?;
        Ok(Empty)
    }
}

/// The account's `PasswordPolicy`: `ExpirePasswords` when `MaxPasswordAge`
/// is set, and the optional settings only when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PasswordPolicyResult(pub PasswordPolicy);

impl Encode for PasswordPolicyResult {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let policy = self.0;
        let flag = |name: &'static str, value: bool| Xml::text(name, value.to_string());
        let mut fields = vec![
            Xml::text(
                "MinimumPasswordLength",
                policy.minimum_password_length.to_string(),
            ),
            flag("RequireSymbols", policy.require_symbols),
            flag("RequireNumbers", policy.require_numbers),
            flag(
                "RequireUppercaseCharacters",
                policy.require_uppercase_characters,
            ),
            flag(
                "RequireLowercaseCharacters",
                policy.require_lowercase_characters,
            ),
            flag(
                "AllowUsersToChangePassword",
                policy.allow_users_to_change_password,
            ),
            flag(
                "ExpirePasswords",
                policy.max_password_age.is_some_and(|days| days > 0),
            ),
        ];
        if let Some(days) = policy.max_password_age {
            fields.push(Xml::text("MaxPasswordAge", days.to_string()));
        }
        if let Some(n) = policy.password_reuse_prevention {
            fields.push(Xml::text("PasswordReusePrevention", n.to_string()));
        }
        if let Some(hard) = policy.hard_expiry {
            fields.push(flag("HardExpiry", hard));
        }
        vec![Xml::node("PasswordPolicy", fields)]
    }
}

/// `GetAccountPasswordPolicy`: IAM users may read it without a policy of
/// their own when it lets them change their passwords.
#[derive(Debug, Clone)]
pub(super) struct GetAccountPasswordPolicy;

impl Action for GetAccountPasswordPolicy {
    const SPEC: ActionSpec = spec("iam:GetAccountPasswordPolicy", R::None, &[]);
    type Found = ();
    type Output = PasswordPolicyResult;

    fn decode(_params: &Params) -> Result<Self, AwsError> {
        Ok(Self)
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let grant = users_may_change_passwords(ctx)
            .await?
            .then(|| user_grant(Self::SPEC.action, "*"));
        let target = Target::named("*");
        Ok((Access::Granted { target, grant }, ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<PasswordPolicyResult, AwsError> {
        let account = ctx.account_id();
        let policy = ctx
            .store()
            .password_policy(account)
            .await?
            .ok_or_else(|| AwsError::from(Missing::PasswordPolicy(account.to_string())))?;
        Ok(PasswordPolicyResult(policy))
    }
}

/// `DeleteAccountPasswordPolicy`: the account's users are held to AWS's
/// default policy again.
#[derive(Debug, Clone)]
pub(super) struct DeleteAccountPasswordPolicy;

impl Action for DeleteAccountPasswordPolicy {
    const SPEC: ActionSpec = spec("iam:DeleteAccountPasswordPolicy", R::None, &[]);
    type Found = ();
    type Output = Empty;

    fn decode(_params: &Params) -> Result<Self, AwsError> {
        Ok(Self)
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<Empty, AwsError> {
        ctx.store().delete_password_policy(ctx.account_id()).await?;
        Ok(Empty)
    }
}

crate::action::action_table!(
    CreateLoginProfile,
    GetLoginProfile,
    UpdateLoginProfile,
    DeleteLoginProfile,
    ChangePassword,
    UpdateAccountPasswordPolicy,
    GetAccountPasswordPolicy,
    DeleteAccountPasswordPolicy,
);

#[cfg(test)]
mod tests {
    use super::super::entities::DeleteEntity;
    use super::super::users::{CreateUser, UserResult};
    use super::*;
    use crate::action::members::{IamPath, Scalar, Tags};
    use crate::action::testing::Fixture;

    fn name(text: &str) -> UserName {
        Name::parse("userName", text).expect("valid name")
    }

    fn password(text: &str) -> Password {
        Password::parse("password", text).expect("valid password")
    }

    const STRONG: &str = "Tr0ub4dor&3-horse";
    const STRONGER: &str = "C0rrect-Horse-Battery";

    /// A user `user_name` of the fixture's account, and the caller it is
    /// with a key of its own.
    async fn user(fx: &Fixture, user_name: &str) -> Caller {
        let created = fx
            .call(CreateUser {
                name: Name::parse("userName", user_name).expect("name"),
                path: IamPath::root(),
                boundary: None,
                tags: Tags::default(),
            })
            .await
            .expect("user");
        let UserResult::User(user, _) = created else {
            panic!("a user");
        };
        Caller::User {
            user: Box::new(user),
            access_key_id: "AKIAUSER".to_string(),
        }
    }

    fn create(user_name: &str, secret: &str) -> CreateLoginProfile {
        CreateLoginProfile {
            name: Some(name(user_name)),
            password: Some(password(secret)),
            password_reset_required: true,
            max_signin_session_duration: None,
        }
    }

    fn error_of<T: std::fmt::Debug>(result: Result<T, AwsError>) -> (String, u16, String) {
        let error = result.expect_err("an error");
        (error.code.to_string(), error.status.as_u16(), error.message)
    }

    async fn stored_hash(fx: &Fixture, user_name: &str) -> String {
        fx.state
            .store()
            .login_profile(&fx.account_id, user_name)
            .await
            .expect("profile")
            .password_hash
    }

    #[tokio::test]
    async fn a_login_profile_is_created_read_updated_and_deleted() {
        let fx = Fixture::new().await;
        user(&fx, "alice").await;
        let created = fx.call(create("ALICE", STRONG)).await.expect("created").0;
        assert_eq!(
            (
                created.user_name.as_str(),
                created.password_reset_required,
                created.created_at
            ),
            ("alice", true, fx.state.now().unix_timestamp())
        );
        let hash = stored_hash(&fx, "alice").await;
        assert!(hash.starts_with("$argon2id$") && !hash.contains(STRONG));
        assert!(
            passwords::verify(&password(STRONG), &hash)
                .await
                .expect("verify")
        );

        let xml = format!(
            "{:?}",
            LoginProfileResult(created.clone()).encode(&fx.state)
        );
        assert!(!xml.contains("argon2") && !xml.contains(STRONG), "{xml}");
        assert!(xml.contains("PasswordResetRequired"), "{xml}");

        let read = fx
            .call(GetLoginProfile {
                name: Some(name("alice")),
            })
            .await
            .expect("read");
        assert_eq!(read.0, created);

        assert_eq!(
            error_of(fx.call(create("alice", STRONGER)).await),
            (
                "EntityAlreadyExists".into(),
                409,
                "Login Profile for user alice already exists.".into()
            )
        );

        fx.call(UpdateLoginProfile {
            name: name("alice"),
            password: Some(password(STRONGER)),
            password_reset_required: Some(false),
            max_signin_session_duration: Some(7200),
            reset_max_signin_session_duration: false,
        })
        .await
        .expect("updated");
        let read = fx
            .call(GetLoginProfile {
                name: Some(name("alice")),
            })
            .await
            .expect("read")
            .0;
        assert_eq!(
            (
                read.password_reset_required,
                read.max_signin_session_duration
            ),
            (false, Some(7200))
        );
        let hash = stored_hash(&fx, "alice").await;
        assert!(
            passwords::verify(&password(STRONGER), &hash)
                .await
                .expect("verify")
        );

        // The user cannot be deleted while it has a password.
        assert_eq!(
            error_of(
                fx.call(DeleteEntity::<UserKind> {
                    name: Name::parse("userName", "alice").expect("name"),
                })
                .await
            ),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete entity, must delete login profile first.".into()
            )
        );
        fx.call(DeleteLoginProfile {
            name: Some(name("alice")),
        })
        .await
        .expect("deleted");
        assert_eq!(
            error_of(
                fx.call(GetLoginProfile {
                    name: Some(name("alice")),
                })
                .await
            ),
            (
                "NoSuchEntity".into(),
                404,
                "Login Profile for User alice cannot be found.".into()
            )
        );
        fx.call(DeleteEntity::<UserKind> {
            name: Name::parse("userName", "alice").expect("name"),
        })
        .await
        .expect("user deleted");
    }

    #[tokio::test]
    async fn unknown_users_and_missing_profiles_are_no_such_entity() {
        let fx = Fixture::new().await;
        assert_eq!(
            error_of(fx.call(create("nobody", STRONG)).await),
            (
                "NoSuchEntity".into(),
                404,
                "The user with name nobody cannot be found.".into()
            )
        );
        user(&fx, "bob").await;
        for error in [
            error_of(
                fx.call(DeleteLoginProfile {
                    name: Some(name("bob")),
                })
                .await,
            ),
            error_of(
                fx.call(UpdateLoginProfile {
                    name: name("bob"),
                    password: Some(password(STRONG)),
                    password_reset_required: None,
                    max_signin_session_duration: None,
                    reset_max_signin_session_duration: false,
                })
                .await,
            ),
        ] {
            assert_eq!(
                error,
                (
                    "NoSuchEntity".into(),
                    404,
                    "Login Profile for User bob cannot be found.".into()
                )
            );
        }
        // The root user names the user; only IAM users may leave it out.
        let error = error_of(fx.call(GetLoginProfile { name: None }).await);
        assert_eq!((error.0.as_str(), error.1), ("ValidationError", 400));
    }

    #[tokio::test]
    async fn passwords_are_held_to_the_policy_or_the_default_one() {
        let fx = Fixture::new().await;
        user(&fx, "carol").await;
        // No policy: AWS's default one.
        assert_eq!(
            error_of(fx.call(create("carol", "short1A")).await),
            (
                "PasswordPolicyViolation".into(),
                400,
                "Password should have a minimum length of 8".into()
            )
        );
        assert_eq!(
            error_of(fx.call(create("carol", "alllowercase")).await).0,
            "PasswordPolicyViolation"
        );
        fx.call(UpdateAccountPasswordPolicy {
            policy: PasswordPolicy {
                minimum_password_length: 12,
                require_symbols: false,
                require_numbers: true,
                require_uppercase_characters: true,
                require_lowercase_characters: false,
                allow_users_to_change_password: false,
                max_password_age: None,
                password_reuse_prevention: Some(2),
                hard_expiry: None,
            },
        })
        .await
        .expect("policy");
        assert_eq!(
            error_of(fx.call(create("carol", "nouppercase123")).await).2,
            "Password should have at least one uppercase letter"
        );
        assert_eq!(
            error_of(fx.call(create("carol", "NoNumbersHere")).await).2,
            "Password should have at least one number"
        );
        fx.call(create("carol", "Uppercase1234"))
            .await
            .expect("keeps the policy");

        // The last two passwords may not be used again.
        let update = |secret: &str| UpdateLoginProfile {
            name: name("carol"),
            password: Some(password(secret)),
            password_reset_required: None,
            max_signin_session_duration: None,
            reset_max_signin_session_duration: false,
        };
        assert_eq!(
            error_of(fx.call(update("Uppercase1234")).await),
            (
                "PasswordPolicyViolation".into(),
                400,
                "Password should not be one of your 2 previous passwords".into()
            )
        );
        fx.call(update("Uppercase5678")).await.expect("a new one");
        assert_eq!(
            error_of(fx.call(update("Uppercase1234")).await).0,
            "PasswordPolicyViolation"
        );
        fx.call(update("Uppercase9999")).await.expect("a new one");
        fx.call(update("Uppercase1234"))
            .await
            .expect("three passwords back");
    }

    #[tokio::test]
    async fn a_user_changes_its_own_password_when_allowed() {
        let fx = Fixture::new().await;
        let dave = user(&fx, "dave").await;
        fx.call(create("dave", STRONG)).await.expect("created");
        let change = |old: &str, new: &str| ChangePassword {
            old_password: password(old),
            new_password: password(new),
        };

        // Neither its policies nor the account allow it yet.
        let (code, status, message) = error_of(fx.call_as(&dave, change(STRONG, STRONGER)).await);
        assert_eq!((code.as_str(), status), ("AccessDenied", 403));
        assert!(message.contains("iam:ChangePassword"), "{message}");

        fx.call(UpdateAccountPasswordPolicy {
            policy: PasswordPolicy {
                minimum_password_length: 6,
                require_symbols: false,
                require_numbers: false,
                require_uppercase_characters: false,
                require_lowercase_characters: false,
                allow_users_to_change_password: true,
                max_password_age: Some(90),
                password_reuse_prevention: None,
                hard_expiry: None,
            },
        })
        .await
        .expect("policy");
        // The account's grant lets it read the policy, too.
        let policy = fx
            .call_as(&dave, GetAccountPasswordPolicy)
            .await
            .expect("read by the user")
            .0;
        assert_eq!(policy.max_password_age, Some(90));

        assert_eq!(
            error_of(
                fx.call_as(&dave, change("not-the-password", STRONGER))
                    .await
            ),
            (
                "AccessDenied".into(),
                403,
                "The old password is incorrect.".into()
            )
        );
        fx.call_as(&dave, change(STRONG, STRONGER))
            .await
            .expect("changed");
        let hash = stored_hash(&fx, "dave").await;
        assert!(
            passwords::verify(&password(STRONGER), &hash)
                .await
                .expect("verify")
        );
        let profile = fx
            .call(GetLoginProfile {
                name: Some(name("dave")),
            })
            .await
            .expect("read")
            .0;
        assert!(
            !profile.password_reset_required,
            "a change clears the reset"
        );

        // The new password is held to the policy.
        assert_eq!(
            error_of(fx.call_as(&dave, change(STRONGER, "short")).await).2,
            "Password should have a minimum length of 6"
        );
        // The root user has no password to change.
        assert_eq!(
            error_of(fx.call(change(STRONGER, STRONG)).await),
            (
                "InvalidUserType".into(),
                400,
                "Only IAM users can change their own password.".into()
            )
        );
        // Nor has a user without a login profile.
        let erin = user(&fx, "erin").await;
        assert_eq!(
            error_of(fx.call_as(&erin, change(STRONG, STRONGER)).await),
            (
                "NoSuchEntity".into(),
                404,
                "Login Profile for User erin cannot be found.".into()
            )
        );
        // Another user's name is not the caller's to change.
        let (code, _, _) = error_of(
            fx.call_as(
                &erin,
                GetLoginProfile {
                    name: Some(name("dave")),
                },
            )
            .await,
        );
        assert_eq!(code, "AccessDenied");
    }

    #[tokio::test]
    async fn the_password_policy_is_set_read_and_deleted() {
        let fx = Fixture::new().await;
        let missing = (
            "NoSuchEntity".to_string(),
            404,
            format!(
                "The Password Policy with domain name {} cannot be found.",
                fx.account_id
            ),
        );
        assert_eq!(error_of(fx.call(GetAccountPasswordPolicy).await), missing);
        assert_eq!(
            error_of(fx.call(DeleteAccountPasswordPolicy).await),
            missing
        );
        let input = UpdateAccountPasswordPolicy::decode(&crate::action::testing::params(&[
            ("MinimumPasswordLength", "14"),
            ("RequireSymbols", "true"),
            ("MaxPasswordAge", "90"),
            ("HardExpiry", "false"),
        ]))
        .expect("decoded");
        fx.call(input).await.expect("set");
        let policy = fx.call(GetAccountPasswordPolicy).await.expect("read");
        let xml = format!("{:?}", policy.clone().encode(&fx.state));
        assert!(
            xml.contains("ExpirePasswords") && xml.contains("HardExpiry"),
            "{xml}"
        );
        assert!(!xml.contains("PasswordReusePrevention"), "{xml}");
        assert_eq!(
            policy.0,
            PasswordPolicy {
                minimum_password_length: 14,
                require_symbols: true,
                require_numbers: false,
                require_uppercase_characters: false,
                require_lowercase_characters: false,
                allow_users_to_change_password: false,
                max_password_age: Some(90),
                password_reuse_prevention: None,
                hard_expiry: Some(false),
            }
        );
        // Every update replaces the whole policy.
        let defaults = UpdateAccountPasswordPolicy::decode(&crate::action::testing::params(&[]))
            .expect("decoded");
        fx.call(defaults).await.expect("set");
        let policy = fx.call(GetAccountPasswordPolicy).await.expect("read").0;
        assert_eq!(
            (policy.minimum_password_length, policy.max_password_age),
            (6, None)
        );
        for (member, value, message) in [
            (
                "MinimumPasswordLength",
                "5",
                "1 validation error detected: Value '5' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value greater than or equal to 6",
            ),
            (
                "MaxPasswordAge",
                "1096",
                "1 validation error detected: Value '1096' at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095",
            ),
            (
                "PasswordReusePrevention",
                "0",
                "1 validation error detected: Value '0' at 'passwordReusePrevention' failed to satisfy constraint: Member must have value greater than or equal to 1",
            ),
        ] {
            let error = UpdateAccountPasswordPolicy::decode(&crate::action::testing::params(&[(
                member, value,
            )]))
            .expect_err("out of range");
            assert_eq!(error.message, message);
        }
        fx.call(DeleteAccountPasswordPolicy).await.expect("deleted");
        assert_eq!(error_of(fx.call(GetAccountPasswordPolicy).await), missing);
    }

    #[test]
    fn a_session_limit_is_set_or_reset_not_both() {
        let error = UpdateLoginProfile::decode(&crate::action::testing::params(&[
            ("UserName", "alice"),
            ("MaxSigninSessionDuration", "3600"),
            ("ResetMaxSigninSessionDuration", "true"),
        ]))
        .expect_err("both");
        assert_eq!(error.code, "InvalidInput");
        let error = CreateLoginProfile::decode(&crate::action::testing::params(&[(
            "MaxSigninSessionDuration",
            "60",
        )]))
        .expect_err("too short");
        assert_eq!(error.code, "ValidationError");
    }
}
