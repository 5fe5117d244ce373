//! `AssumeRoleWithWebIdentity`: temporary credentials for a role, for the
//! holder of an OpenID Connect token. The request is unsigned; the token's
//! issuer must be an OIDC provider of the role's account, the token must
//! verify with the issuer's keys, and the role's trust policy alone decides,
//! with the provider as `Federated` principal and the token's claims as
//! condition keys (`HOST/PATH:aud`, `:sub`, `:amr`, `:oaud`).

use super::{
    assume_role::role_arn_parts,
    federated::{FederatedRequest, Federation, IdpClaims, Issued, issue, prepare},
    inputs::{Bounded, Sensitive, SessionName, SessionPolicies},
};
use crate::action::members::{ArnText, Integer};
use crate::action::{Encode, SessionAccess, UnsignedAction};
use crate::actions::{ActionSpec, R, REQUEST_TAG, TAG_KEYS, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_federation::oidc::{Provider, unverified_issuer};
use tessera_policy::{ContextValue, Principal};

fn invalid_token(message: impl Into<String>) -> AwsError {
    AwsError::invalid_identity_token(message)
}

/// `AssumeRoleWithWebIdentity`.
#[derive(Debug, Clone)]
pub(crate) struct AssumeRoleWithWebIdentity {
    pub role_arn: ArnText,
    pub session_name: SessionName,
    pub token: Sensitive<4, 20_000>,
    pub duration: Option<Integer<900, 43_200>>,
    pub policies: SessionPolicies,
}

/// What the verified token says, for the answer.
#[derive(Debug)]
pub(crate) struct WebIdentity {
    federation: Federation,
    subject: String,
    provider: String,
    audience: String,
}

/// The web identity session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebIdentitySession {
    pub issued: Issued,
    pub subject: String,
    /// `Provider`: the IAM OIDC provider that verified the token, by its
    /// ARN. AWS's reference describes it as the token's `iss`, but AWS
    /// answers with the provider's ARN
    /// (`arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH`), and clients read
    /// that.
    pub provider: String,
    pub audience: String,
}

impl Encode for WebIdentitySession {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let issued = self.issued.xml();
        let mut result = vec![
            issued.credentials,
            Xml::text("SubjectFromWebIdentityToken", self.subject),
            issued.assumed_role_user,
            Xml::text("Provider", self.provider),
            Xml::text("Audience", self.audience),
        ];
        result.extend(issued.packed_policy_size);
        result.extend(issued.source_identity);
        result
    }
}

impl UnsignedAction for AssumeRoleWithWebIdentity {
    const SPEC: ActionSpec = spec(
        "sts:AssumeRoleWithWebIdentity",
        R::Role,
        &[
            REQUEST_TAG,
            TAG_KEYS,
            "${OidcProvider}:amr",
            "${OidcProvider}:aud",
            "${OidcProvider}:oaud",
            "${OidcProvider}:sub",
            "sts:RoleSessionName",
            "sts:SourceIdentity",
            "sts:TransitiveTagKeys",
        ],
    );
    type Found = WebIdentity;
    type Output = WebIdentitySession;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            role_arn: d.required("RoleArn"),
            session_name: d.required("RoleSessionName"),
            token: {
                let token = d.required("WebIdentityToken");
                // OAuth 2.0 providers (`ProviderId`) are not served: the
                // member is checked as AWS checks it, and otherwise unused.
                d.member::<Bounded<4, 2048>>("ProviderId");
                token
            },
            duration: d.member("DurationSeconds"),
            policies: d.read(SessionPolicies::read(params)).unwrap_or_default(),
        })
    }

    async fn access(
        &self,
        state: &AppState,
    ) -> Result<(Principal, SessionAccess, WebIdentity), AwsError> {
        let token = self.token.0.as_str();
        let role = role_arn_parts(state, &self.role_arn)?;
        let account = &role.0;

        // The issuer chooses the provider, in the role's account.
        let issuer = unverified_issuer(token)?;
        let no_provider = || {
            invalid_token(format!(
                "No OpenIDConnect provider found in your account for {issuer}"
            ))
        };
        let url = issuer
            .strip_prefix("https://")
            .map(|rest| rest.strip_suffix('/').unwrap_or(rest))
            .filter(|url| !url.is_empty())
            .ok_or_else(no_provider)?;
        let provider = state
            .store()
            .oidc_provider_by_url(account, url)
            .await?
            .ok_or_else(no_provider)?;
        let verified = state
            .oidc()
            .verify(
                token,
                Provider {
                    url: &provider.url,
                    client_ids: &provider.client_ids,
                },
                state.now().unix_timestamp(),
            )
            .await?;
        let claims = IdpClaims::check(
            &verified.session_tags,
            &verified.transitive_tag_keys,
            || Ok(verified.source_identity.as_deref()),
            &self.policies,
        )?;

        // The trust policy decides, with the token's claims as condition keys.
        let prefix = &provider.url;
        let mut keys: Vec<(String, ContextValue)> = vec![
            (format!("{prefix}:aud"), verified.audience.clone().into()),
            (format!("{prefix}:sub"), verified.subject.clone().into()),
        ];
        if !verified.amr.is_empty() {
            keys.push((format!("{prefix}:amr"), verified.amr.clone().into()));
        }
        if !verified.other_audiences.is_empty() {
            keys.push((
                format!("{prefix}:oaud"),
                verified.other_audiences.clone().into(),
            ));
        }
        let (access, federation) = prepare(
            state,
            FederatedRequest {
                action: Self::SPEC.action,
                provider_arn: &provider.arn,
                role: &role,
                session_name: &self.session_name.0,
                keys,
                claims,
                duration: self.duration.map(|d| d.0),
                not_after: None,
                policies: &self.policies,
            },
        )
        .await?;
        let found = WebIdentity {
            federation,
            subject: verified.subject,
            provider: provider.arn.clone(),
            audience: verified.audience,
        };
        Ok((Principal::web_identity(provider.arn), access, found))
    }

    async fn run(
        self,
        state: &AppState,
        found: WebIdentity,
    ) -> Result<WebIdentitySession, AwsError> {
        Ok(WebIdentitySession {
            issued: issue(state, found.federation).await?,
            subject: found.subject,
            provider: found.provider,
            audience: found.audience,
        })
    }
}
