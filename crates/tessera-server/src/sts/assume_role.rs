//! `AssumeRole`: temporary credentials for a role, after the caller's
//! identity policies and the role's trust policy both allow it (one of them
//! suffices in the same account, as AWS decides), with session policies,
//! session tags, source identity and role chaining as AWS defines them.

use super::{
    Credentials,
    inputs::{
        ExternalId, MfaCode, SessionName, SessionPolicies, SessionTags, SourceIdentity,
        check_policy_arns, invalid_tag, packed_percent, tags_packed, verify_mfa,
    },
    new_claims, seal,
};
use crate::action::members::{ArnText, Integer, TextList};
use crate::action::{Access, Action, Context, Encode, SessionAccess, Trust};
use crate::actions::{ActionSpec, IAM_RESOURCE_TAG, R, REQUEST_TAG, TAG_KEYS, spec};
use crate::{AppState, AwsError, Caller, authz::request_tag_keys, params::Params, xml::Xml};
use tessera_arn::{Arn, ArnKind};
use tessera_policy::ContextValue;
use tessera_store::AssumableRole;
use tessera_token::{SessionClaims, SessionPrincipal};

/// The trust policy an unknown role is checked with: it trusts nobody.
const TRUSTS_NOBODY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}"#;

/// A role session assuming another role lives at most one hour.
const CHAINED_MAX: i64 = 3_600;
const DEFAULT_DURATION: i64 = 3_600;

/// The account, path and name of a role ARN `arn:P:iam::ACCT:role/PATH/NAME`.
pub(super) fn parse_role_arn(partition: &str, arn: &str) -> Option<(String, String, String)> {
    let arn = Arn::parse(arn).ok()?;
    let account = arn.account();
    if arn.partition() != partition
        || !arn.region().is_empty()
        || arn.kind() != ArnKind::Role
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (path, name) = (arn.path()?, arn.name()?);
    (!name.is_empty()).then(|| (account.to_string(), path.to_string(), name.to_string()))
}

/// The length of a session of `role`: `requested`, which may not exceed the
/// role's `MaxSessionDuration`, or one hour.
pub(super) fn role_session_duration(
    role: &AssumableRole,
    requested: Option<i64>,
) -> Result<i64, AwsError> {
    match requested {
        Some(d) if d > role.max_session_duration => Err(AwsError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )),
        Some(d) => Ok(d),
        None => Ok(DEFAULT_DURATION),
    }
}

/// New claims for a session of `role` named `session_name`, valid
/// `duration` seconds; the caller fills in the rest.
pub(super) fn role_session_claims(
    state: &AppState,
    role: &AssumableRole,
    session_name: &str,
    duration: i64,
) -> Result<SessionClaims, AwsError> {
    let principal = SessionPrincipal::AssumedRole {
        account_id: role.account_id.clone(),
        role_id: role.role_id.clone(),
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        session_name: session_name.to_string(),
    };
    new_claims(state, principal, duration)
}

/// The ARN of `role` as stored.
pub(super) fn role_arn_of(state: &AppState, role: &AssumableRole) -> String {
    Arn::role(state.partition(), &role.account_id, &role.path, &role.name).into_string()
}

/// `AssumedRoleId` and `Arn` of a session of `role` named `session_name`.
pub(super) fn assumed_role_user(
    state: &AppState,
    role: &AssumableRole,
    session_name: &str,
) -> (String, String) {
    let arn = Arn::assumed_role(
        state.partition(),
        &role.account_id,
        &role.name,
        session_name,
    );
    (
        format!("{}:{session_name}", role.role_id),
        arn.into_string(),
    )
}

/// [`parse_role_arn`] in the server's partition, or the `ValidationError`
/// for an ARN that names no role.
pub(super) fn role_arn_parts(
    state: &AppState,
    role_arn: &str,
) -> Result<(String, String, String), AwsError> {
    parse_role_arn(state.partition(), role_arn)
        .ok_or_else(|| AwsError::validation(format!("{role_arn} is not a valid role ARN")))
}

/// `AssumeRole`, its parameters validated in the order AWS checks them.
#[derive(Debug, Clone)]
pub(crate) struct AssumeRole {
    pub role_arn: ArnText,
    pub session_name: SessionName,
    pub requested: Option<Integer<900, 43_200>>,
    pub external_id: Option<ExternalId>,
    pub source_identity: Option<SourceIdentity>,
    /// The tags the request sets.
    pub requested_tags: SessionTags,
    /// The transitive tag keys the request names.
    pub transitive: TextList,
    pub policies: SessionPolicies,
    pub mfa: Option<MfaCode>,
}

impl AssumeRole {
    /// The condition keys the request sets for the trust policy.
    fn trust_keys(&self, state: &AppState, mfa: Option<i64>) -> Vec<(String, ContextValue)> {
        let mut keys: Vec<(String, ContextValue)> = vec![(
            "sts:RoleSessionName".into(),
            self.session_name.0.as_str().into(),
        )];
        if let Some(at) = mfa {
            keys.push(("aws:MultiFactorAuthPresent".into(), true.into()));
            keys.push((
                "aws:MultiFactorAuthAge".into(),
                (state.now().unix_timestamp() - at).into(),
            ));
        }
        if let Some(id) = &self.external_id {
            keys.push(("sts:ExternalId".into(), id.0.as_str().into()));
        }
        if let Some(id) = &self.source_identity {
            keys.push(("sts:SourceIdentity".into(), id.0.as_str().into()));
        }
        keys.extend(request_tag_keys(&self.requested_tags.0));
        if !self.transitive.0.is_empty() {
            keys.push((
                "sts:TransitiveTagKeys".into(),
                self.transitive.0.clone().into(),
            ));
        }
        keys
    }
}

/// What `AssumeRole` found before the role's trust policy decided.
#[derive(Debug)]
pub(crate) struct Assumption {
    /// The role, as stored; `None` when no role has that ARN.
    role: Option<AssumableRole>,
    /// The session's tags and transitive keys, with those carried over.
    tags: Vec<tessera_token::SessionTag>,
    transitive_keys: Vec<String>,
    /// The source identity, carried over or set.
    source: Option<String>,
    /// When the caller authenticated with MFA.
    mfa: Option<i64>,
    packed_percent: usize,
    /// The calling session's chain depth, when it is one.
    chain_depth: Option<u8>,
}

/// A new role session: `<Credentials>`, `<AssumedRoleUser>`, and
/// `PackedPolicySize` and `SourceIdentity` when they apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleSession {
    pub credentials: Credentials,
    /// `AssumedRoleId` and `Arn`.
    pub assumed_role: (String, String),
    pub packed_percent: Option<usize>,
    pub source_identity: Option<String>,
}

impl Encode for RoleSession {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let (id, arn) = self.assumed_role;
        let mut result = vec![
            self.credentials.xml(),
            Xml::node(
                "AssumedRoleUser",
                vec![Xml::text("AssumedRoleId", id), Xml::text("Arn", arn)],
            ),
        ];
        if let Some(percent) = self.packed_percent {
            result.push(Xml::text("PackedPolicySize", percent.to_string()));
        }
        if let Some(source) = self.source_identity {
            result.push(Xml::text("SourceIdentity", source));
        }
        result
    }
}

/// The caller's session, if it has one, and whether assuming the role
/// chains roles; root users and federated users may not assume roles.
fn calling_session<'c>(
    state: &AppState,
    caller: &'c Caller,
    role_arn: &str,
) -> Result<(Option<&'c SessionClaims>, bool), AwsError> {
    let root = || AwsError::access_denied("Roles may not be assumed by root accounts.");
    match caller {
        Caller::Root { .. } => Err(root()),
        Caller::User { .. } => Ok((None, false)),
        Caller::Session(claims) => match claims.principal {
            SessionPrincipal::Root { .. } => Err(root()),
            SessionPrincipal::User { .. } => Ok((Some(claims.as_ref()), false)),
            SessionPrincipal::AssumedRole { .. } => Ok((Some(claims.as_ref()), true)),
            SessionPrincipal::FederatedUser { .. } => {
                let arn = caller.arn(state.partition());
                Err(AwsError::access_denied(format!(
                    "User: {arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
                )))
            }
        },
    }
}

/// What a new session inherits from the calling one: its transitive tags
/// (added to `tags` and `transitive_keys`) and its source identity, which
/// the request may repeat but not change.
fn carry_over(
    previous: &SessionClaims,
    tags: &mut Vec<tessera_token::SessionTag>,
    transitive_keys: &mut Vec<String>,
    source: &mut Option<String>,
) -> Result<(), AwsError> {
    for tag in previous.tags.iter().filter(|t| {
        previous
            .transitive_tag_keys
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&t.key))
    }) {
        if tags.iter().any(|t| t.key.eq_ignore_ascii_case(&tag.key)) {
            return Err(invalid_tag(
                "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
            ));
        }
        tags.push(tag.clone());
        transitive_keys.push(tag.key.clone());
    }
    if let Some(earlier) = &previous.source_identity {
        if source.as_ref().is_some_and(|s| s != earlier) {
            return Err(AwsError::invalid_input(
                "The source identity set earlier in the role chain cannot be changed.",
            ));
        }
        *source = Some(earlier.clone());
    }
    Ok(())
}

impl Action for AssumeRole {
    const SPEC: ActionSpec = spec(
        "sts:AssumeRole",
        R::Role,
        &[
            REQUEST_TAG,
            TAG_KEYS,
            IAM_RESOURCE_TAG,
            "sts:ExternalId",
            "sts:RoleSessionName",
            "sts:SourceIdentity",
            "sts:TransitiveTagKeys",
        ],
    );
    type Found = Assumption;
    type Output = RoleSession;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        let role_arn = d.required("RoleArn");
        let session_name = d.required("RoleSessionName");
        let requested = d.member("DurationSeconds");
        let external_id = d.member("ExternalId");
        let source_identity = d.member("SourceIdentity");
        let requested_tags: SessionTags = d.member("Tags").unwrap_or_default();
        let transitive: TextList = d.member("TransitiveTagKeys").unwrap_or_default();
        let policies = d.read(SessionPolicies::read(params)).unwrap_or_default();
        let mfa = d.read(MfaCode::read(params)).flatten();
        // The members' constraints come first; the tags are read together
        // only once each is well formed.
        d.finish(())?;
        if transitive.0.iter().any(|k| {
            !requested_tags
                .0
                .iter()
                .any(|t| t.key.eq_ignore_ascii_case(k))
        }) {
            return Err(invalid_tag(
                "The specified transitive tag key must be included in the requested tags.",
            ));
        }
        d.finish(Self {
            role_arn,
            session_name,
            requested,
            external_id,
            source_identity,
            requested_tags,
            transitive,
            policies,
            mfa,
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Assumption), AwsError> {
        let (state, caller, role_arn) = (ctx.state, ctx.caller, &*self.role_arn);
        // Who may assume roles, and what a chain carries over.
        let (caller_session, chained) = calling_session(state, caller, role_arn)?;
        let mut tags = self.requested_tags.0.clone();
        let mut transitive_keys = self.transitive.0.clone();
        let mut source = self.source_identity.as_ref().map(|s| s.0.clone());
        if let Some(previous) = caller_session {
            carry_over(previous, &mut tags, &mut transitive_keys, &mut source)?;
        }
        let requested = self.requested.map(|d| d.0);
        if chained && requested.is_some_and(|d| d > CHAINED_MAX) {
            return Err(AwsError::validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            ));
        }
        let packed_percent = packed_percent(self.policies.packed + tags_packed(&tags))?;

        // The role. An unknown role goes through the same checks with a trust
        // policy that trusts nobody, so that it is denied exactly like a
        // forbidden one and role names do not leak.
        let (account, path, name) = role_arn_parts(state, role_arn)?;
        let role = ctx
            .store()
            .assumable_role(&account, &name)
            .await?
            .filter(|r| r.path == path);
        let mfa = verify_mfa(state, caller, self.mfa.as_ref()).await?;
        // The role is decided on as stored (its stored name, path and tags); an
        // unknown one by the ARN the request names.
        let access = SessionAccess {
            resource: role
                .as_ref()
                .map_or_else(|| role_arn.to_string(), |r| role_arn_of(state, r)),
            account,
            trust: Some(Trust {
                policy: role
                    .as_ref()
                    .map_or(TRUSTS_NOBODY, |r| r.trust_policy.as_str())
                    .to_string(),
                bindings: role.as_ref().and_then(|r| r.trust_bindings.clone()),
            }),
            tags: role.as_ref().map(|r| r.tags.clone()).unwrap_or_default(),
            keys: self.trust_keys(state, mfa),
            alongside: super::alongside(
                !self.requested_tags.0.is_empty() || !self.transitive.0.is_empty(),
                self.source_identity.is_some(),
            ),
        };
        let found = Assumption {
            role,
            tags,
            transitive_keys,
            source,
            mfa,
            packed_percent,
            chain_depth: caller_session.map(|c| c.chain_depth),
        };
        Ok((Access::Session(access), found))
    }

    async fn run(self, ctx: &Context<'_>, found: Assumption) -> Result<RoleSession, AwsError> {
        let state = ctx.state;
        let account = found
            .role
            .as_ref()
            .map_or_else(|| ctx.account_id().to_string(), |r| r.account_id.clone());
        check_policy_arns(state, &account, &self.policies.arns).await?;
        let Some(role) = found.role else {
            // Unreachable: nobody is trusted by an unknown role.
            return Err(AwsError::access_denied(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                ctx.caller.arn(state.partition()),
                &*self.role_arn
            )));
        };

        let session_name = self.session_name.0.as_str();
        let duration = role_session_duration(&role, self.requested.map(|d| d.0))?;
        let mut claims = role_session_claims(state, &role, session_name, duration)?;
        let packed = self.policies.packed + tags_packed(&found.tags);
        claims.session_policies = self.policies.policy.into_iter().collect();
        claims.policy_arns = self.policies.arns;
        claims.tags = found.tags;
        claims.transitive_tag_keys = found.transitive_keys;
        claims.source_identity = found.source.clone();
        claims.mfa_authenticated_at = found.mfa;
        claims.chain_depth = found.chain_depth.map_or(0, |d| d.saturating_add(1));

        Ok(RoleSession {
            credentials: seal(state, &claims)?,
            assumed_role: assumed_role_user(state, &role, session_name),
            packed_percent: (packed > 0).then_some(found.packed_percent),
            source_identity: found.source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_role_arn;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("aws", "arn:aws:iam::123456789012:role/admin"),
            Some(("123456789012".into(), "/".into(), "admin".into()))
        );
        assert_eq!(
            parse_role_arn("aws", "arn:aws:iam::123456789012:role/a/b/admin"),
            Some(("123456789012".into(), "/a/b/".into(), "admin".into()))
        );
        for bad in [
            "arn:aws:iam::123456789012:user/admin",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam::123456789012:role/",
            "role/x",
        ] {
            assert_eq!(parse_role_arn("aws", bad), None, "{bad}");
        }
    }
}
