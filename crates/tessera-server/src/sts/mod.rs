//! The STS actions, each declared once (see [`crate::action`]).

mod assume_role;
mod decode;
mod federated;
mod federation_token;
mod identity;
mod inputs;
mod saml;
mod session_token;
mod web_identity;

use crate::action::{Action, UnsignedAction, run_unsigned};
use crate::actions::{ActionSpec, R, ROLE_SESSION, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_token::{
    AccessKeyKind, SessionClaims, new_access_key_id, new_secret_access_key, seal_session_token,
};
use time::OffsetDateTime;

/// The STS API version.
pub const VERSION: &str = "2011-06-15";

crate::action::action_table!(
    identity::GetCallerIdentity,
    identity::GetAccessKeyInfo,
    session_token::GetSessionToken,
    decode::DecodeAuthorizationMessage,
    assume_role::AssumeRole,
    federation_token::GetFederationToken,
);

/// The STS actions AWS serves unsigned: the credentials they hand out come
/// from a token in their parameters, whoever signed the request.
pub(crate) const UNSIGNED_SPECS: &[ActionSpec] = &[
    <web_identity::AssumeRoleWithWebIdentity as UnsignedAction>::SPEC,
    <saml::AssumeRoleWithSaml as UnsignedAction>::SPEC,
];

/// The actions a role assumption or a federation token may need besides
/// its own: their keys are the assumptions' too.
const ASSUMPTIONS: &[&ActionSpec] = &[
    &<assume_role::AssumeRole as Action>::SPEC,
    &<saml::AssumeRoleWithSaml as UnsignedAction>::SPEC,
    &<web_identity::AssumeRoleWithWebIdentity as UnsignedAction>::SPEC,
    &<federation_token::GetFederationToken as Action>::SPEC,
];

/// `sts:TagSession`: checked alongside a session that sets session tags.
pub(crate) const TAG_SESSION: ActionSpec =
    spec("sts:TagSession", R::Role, ROLE_SESSION).alongside(ASSUMPTIONS);
/// `sts:SetSourceIdentity`: checked alongside a session that sets a
/// source identity.
pub(crate) const SET_SOURCE_IDENTITY: ActionSpec =
    spec("sts:SetSourceIdentity", R::Role, &["sts:SourceIdentity"]).alongside(ASSUMPTIONS);
/// The actions no request names itself, checked alongside the others.
pub(crate) const ALONGSIDE: &[ActionSpec] = &[SET_SOURCE_IDENTITY, TAG_SESSION];

/// The actions checked alongside a new session that sets session tags
/// (`tagging`) or a source identity (`source`).
pub(crate) fn alongside(tagging: bool, source: bool) -> Vec<&'static ActionSpec> {
    let mut actions = Vec::new();
    if tagging {
        actions.push(&TAG_SESSION);
    }
    if source {
        actions.push(&SET_SOURCE_IDENTITY);
    }
    actions
}

/// Whether STS has an action named `name`.
pub fn serves(name: &str) -> bool {
    SPECS.iter().chain(UNSIGNED_SPECS).any(|s| s.name() == name)
}

/// Whether the action `name` is one AWS serves unsigned.
pub fn is_unsigned(name: &str) -> bool {
    UNSIGNED_SPECS.iter().any(|s| s.name() == name)
}

/// Runs the unsigned action `name`; `None` when it is not one.
pub async fn dispatch_unsigned(
    state: &AppState,
    name: &str,
    params: &Params,
) -> Option<Result<Vec<Xml>, AwsError>> {
    use saml::AssumeRoleWithSaml as Saml;
    use web_identity::AssumeRoleWithWebIdentity as Web;
    Some(match name {
        <Web as UnsignedAction>::NAME => run_unsigned::<Web>(state, params).await,
        <Saml as UnsignedAction>::NAME => run_unsigned::<Saml>(state, params).await,
        _ => return None,
    })
}

/// Decodes the input of STS action `name` (signed or unsigned) from
/// `params`, as [`dispatch`] and [`dispatch_unsigned`] do before running it;
/// `None` when STS has no such action.
pub fn decode_input(name: &str, params: &Params) -> Option<Result<(), AwsError>> {
    use saml::AssumeRoleWithSaml as Saml;
    use web_identity::AssumeRoleWithWebIdentity as Web;
    decode(name, params).or_else(|| {
        Some(match name {
            <Web as UnsignedAction>::NAME => <Web as UnsignedAction>::decode(params).map(drop),
            <Saml as UnsignedAction>::NAME => <Saml as UnsignedAction>::decode(params).map(drop),
            _ => return None,
        })
    })
}

/// New temporary credentials for `principal`, valid `duration` seconds from
/// now; the caller fills in the rest of the claims.
pub(super) fn new_claims(
    state: &AppState,
    principal: tessera_token::SessionPrincipal,
    duration: i64,
) -> Result<SessionClaims, AwsError> {
    let now = state.now().unix_timestamp();
    Ok(SessionClaims {
        access_key_id: new_access_key_id(AccessKeyKind::Temporary, principal.account_id())
            .map_err(internal)?,
        secret_access_key: new_secret_access_key().map_err(internal)?,
        principal,
        issued_at: now,
        expires_at: now + duration,
        session_policies: Vec::new(),
        policy_arns: Vec::new(),
        tags: Vec::new(),
        transitive_tag_keys: Vec::new(),
        source_identity: None,
        mfa_authenticated_at: None,
        chain_depth: 0,
    })
}

/// A new session's credentials, its token sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    /// The temporary access key id (`ASIA…`).
    pub access_key_id: String,
    /// Its secret.
    pub secret_access_key: String,
    /// The sealed session token.
    pub session_token: String,
    /// When the session ends (Unix seconds).
    pub expiration: i64,
}

impl Credentials {
    /// The `<Credentials>` element.
    pub(crate) fn xml(self) -> Xml {
        Xml::node(
            "Credentials",
            vec![
                Xml::text("AccessKeyId", self.access_key_id),
                Xml::text("SecretAccessKey", self.secret_access_key),
                Xml::text("SessionToken", self.session_token),
                Xml::text("Expiration", crate::xml::iso8601(self.expiration)),
            ],
        )
    }
}

/// Seals `claims` into a session token with the key ring's current key.
pub(super) fn seal(state: &AppState, claims: &SessionClaims) -> Result<Credentials, AwsError> {
    let session_token = seal_session_token(&state.keys().current(), claims).map_err(internal)?;
    let expiration = OffsetDateTime::from_unix_timestamp(claims.expires_at)
        .map_err(internal)?
        .unix_timestamp();
    Ok(Credentials {
        access_key_id: claims.access_key_id.clone(),
        secret_access_key: claims.secret_access_key.clone(),
        session_token,
        expiration,
    })
}

pub(super) fn internal(error: impl std::fmt::Display) -> AwsError {
    tracing::error!(%error, "failed to mint credentials");
    AwsError::internal()
}

#[cfg(test)]
mod tests {
    use super::assume_role::AssumeRole;
    use super::federation_token::GetFederationToken;
    use super::identity::{GetAccessKeyInfo, GetCallerIdentity, KeyIdToLookUp};
    use super::inputs::{FederatedName, SessionName, SessionPolicies};
    use crate::action::members::ArnText;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;

    #[tokio::test]
    async fn the_root_user_is_who_it_says() {
        let fx = Fixture::new().await;
        let identity = fx.call(GetCallerIdentity).await.expect("identity");
        assert_eq!(identity.account, fx.account_id);
        assert_eq!(identity.user_id, fx.account_id);
        assert_eq!(identity.arn, format!("arn:aws:iam::{}:root", fx.account_id));
    }

    #[tokio::test]
    async fn a_key_id_names_its_account() {
        let fx = Fixture::new().await;
        let info = fx
            .call(GetAccessKeyInfo {
                key_id: KeyIdToLookUp::parse("accessKeyId", "ASIAQNZGKIQY56JQ7WML").expect("id"),
            })
            .await
            .expect("account");
        assert_eq!(info.0.len(), 12);
        assert!(info.0.bytes().all(|b| b.is_ascii_digit()));
    }

    #[tokio::test]
    async fn root_may_not_assume_roles() {
        let fx = Fixture::new().await;
        let role_arn = format!("arn:aws:iam::{}:role/admin", fx.account_id);
        let error = fx
            .call(AssumeRole {
                role_arn: ArnText::parse("roleArn", &role_arn).expect("arn"),
                session_name: SessionName("s1".into()),
                requested: None,
                external_id: None,
                source_identity: None,
                requested_tags: Default::default(),
                transitive: Default::default(),
                policies: SessionPolicies::default(),
                mfa: None,
            })
            .await
            .expect_err("root");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            ("AccessDenied", "Roles may not be assumed by root accounts.")
        );
    }

    #[tokio::test]
    async fn a_federation_token_of_root_lasts_an_hour() {
        let fx = Fixture::new().await;
        let session = fx
            .call(GetFederationToken {
                name: FederatedName("broker".into()),
                duration: None,
                tags: Default::default(),
                policies: SessionPolicies::default(),
            })
            .await
            .expect("session");
        let now = fx.state.now().unix_timestamp();
        assert_eq!(session.credentials.expiration, now + 3_600);
        assert!(session.credentials.access_key_id.starts_with("ASIA"));
        assert_eq!(
            session.federated_user,
            (
                format!("{}:broker", fx.account_id),
                format!("arn:aws:sts::{}:federated-user/broker", fx.account_id)
            )
        );
        assert_eq!(session.packed_percent, None);
    }
}
