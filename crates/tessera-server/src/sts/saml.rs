//! `AssumeRoleWithSAML`: temporary credentials for a role, for the bearer
//! of a SAML 2.0 Response signed by an IdP the role's account registered
//! (`CreateSAMLProvider`). The request is unsigned; the Response must verify
//! with the provider's metadata certificates, name the requested role and
//! provider in its `Role` attribute, and the role's trust policy decides,
//! with the provider as `Federated` principal and the assertion's values as
//! `saml:*` condition keys.

use super::{
    assume_role::role_arn_parts,
    federated::{FederatedRequest, Federation, IdpClaims, Issued, issue, prepare},
    inputs::{Sensitive, SessionPolicies},
};
use crate::action::members::{ArnText, Integer};
use crate::action::{Encode, SessionAccess, UnsignedAction};
use crate::actions::{ActionSpec, R, REQUEST_TAG, TAG_KEYS, spec};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use base64::{Engine, engine::general_purpose::STANDARD};
use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use tessera_federation::saml::{
    Expectations, IdpMetadata, MAX_ASSERTION_LEN, SamlAssertion, SamlError, verify_response,
};
use tessera_policy::{ContextValue, Principal};

/// The prefix of the attributes AWS reads from an assertion.
const AWS_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/";

/// Attributes AWS maps to `saml:` condition keys, by their OID names.
const ATTRIBUTE_KEYS: [(&str, &str); 21] = [
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
        "saml:edupersonaffiliation",
    ),
    ("urn:oid:1.3.6.1.4.1.5923.1.1.1.2", "saml:edupersonnickname"),
    ("urn:oid:1.3.6.1.4.1.5923.1.1.1.3", "saml:edupersonorgdn"),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.4",
        "saml:edupersonorgunitdn",
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.5",
        "saml:edupersonprimaryaffiliation",
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",
        "saml:edupersonprincipalname",
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.7",
        "saml:edupersonentitlement",
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.8",
        "saml:edupersonprimaryorgunitdn",
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.9",
        "saml:edupersonscopedaffiliation",
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.10",
        "saml:edupersontargetedid",
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.11",
        "saml:edupersonassurance",
    ),
    ("urn:oid:1.3.6.1.4.1.5923.1.2.1.2", "saml:eduorghomepageuri"),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.3",
        "saml:eduorgidentityauthnpolicyuri",
    ),
    ("urn:oid:1.3.6.1.4.1.5923.1.2.1.4", "saml:eduorglegalname"),
    ("urn:oid:1.3.6.1.4.1.5923.1.2.1.5", "saml:eduorgsuperioruri"),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.6",
        "saml:eduorgwhitepagesuri",
    ),
    ("urn:oid:2.5.4.3", "saml:cn"),
    ("urn:oid:2.5.4.4", "saml:surname"),
    ("urn:oid:2.5.4.42", "saml:givenName"),
    ("urn:oid:0.9.2342.19200300.100.1.1", "saml:uid"),
    ("urn:oid:0.9.2342.19200300.100.1.3", "saml:mail"),
];

fn invalid_token(message: impl Into<String>) -> AwsError {
    AwsError::invalid_identity_token(message)
}

impl From<SamlError> for AwsError {
    fn from(error: SamlError) -> Self {
        match error {
            SamlError::Invalid(message) => invalid_token(message),
            SamlError::Expired(message) => AwsError::expired_token_exception(message),
        }
    }
}

/// The one value of an AWS attribute, if the assertion has it.
fn single<'a>(assertion: &'a SamlAssertion, name: &str) -> Result<Option<&'a str>, AwsError> {
    match assertion.attribute(&format!("{AWS_ATTRIBUTE}{name}")) {
        None => Ok(None),
        Some([value]) => Ok(Some(value.as_str())),
        Some(_) => Err(invalid_token(format!(
            "{name} in AuthnResponse must have exactly one value"
        ))),
    }
}

/// Whether the `Role` attribute names this role with this provider
/// (`role-arn,provider-arn`, in either order).
fn role_granted(assertion: &SamlAssertion, role_arn: &str, provider_arn: &str) -> bool {
    let Some(values) = assertion.attribute(&format!("{AWS_ATTRIBUTE}Role")) else {
        return false;
    };
    values.iter().any(|value| {
        let mut parts = value.split(',').map(str::trim);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), None) => {
                (a == role_arn && b == provider_arn) || (a == provider_arn && b == role_arn)
            }
            _ => false,
        }
    })
}

/// `RoleSessionName`, required and as AWS constrains it.
fn session_name(assertion: &SamlAssertion) -> Result<String, AwsError> {
    let name = single(assertion, "RoleSessionName")?
        .ok_or_else(|| invalid_token("RoleSessionName is required in AuthnResponse"))?;
    let valid = (2..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if valid {
        Ok(name.to_string())
    } else {
        Err(invalid_token(
            "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
        ))
    }
}

/// `SessionDuration` (900 to 43200 seconds), if set.
fn session_duration(assertion: &SamlAssertion) -> Result<Option<i64>, AwsError> {
    single(assertion, "SessionDuration")?
        .map(|text| {
            text.parse::<i64>()
                .ok()
                .filter(|d| (900..=43_200).contains(d))
                .ok_or_else(|| {
                    invalid_token("SessionDuration in AuthnResponse must be between 900 and 43200")
                })
        })
        .transpose()
}

/// Session tags as (key, value) pairs, and the transitive keys.
type RequestedTags = (Vec<(String, String)>, Vec<String>);

/// `PrincipalTag:*` and `TransitiveTagKeys`.
fn requested_tags(assertion: &SamlAssertion) -> Result<RequestedTags, AwsError> {
    let prefix = format!("{AWS_ATTRIBUTE}PrincipalTag:");
    let mut tags = Vec::new();
    for attribute in &assertion.attributes {
        if let Some(key) = attribute.name.strip_prefix(&prefix) {
            let [value] = attribute.values.as_slice() else {
                return Err(invalid_token(format!(
                    "PrincipalTag:{key} in AuthnResponse must have exactly one value"
                )));
            };
            tags.push((key.to_string(), value.clone()));
        }
    }
    let transitive = assertion
        .attribute(&format!("{AWS_ATTRIBUTE}TransitiveTagKeys"))
        .unwrap_or_default()
        .to_vec();
    Ok((tags, transitive))
}

/// AWS's `NameQualifier`: base64(SHA-1(issuer ‖ account ‖ "/" ‖ provider
/// name)), a stable pseudonym of the IdP within the account.
fn name_qualifier(issuer: &str, account: &str, provider_name: &str) -> String {
    let input = format!("{issuer}{account}/{provider_name}");
    STANDARD.encode(digest(&SHA1_FOR_LEGACY_USE_ONLY, input.as_bytes()))
}

/// The trust policy's `saml:*` keys.
fn condition_keys(
    assertion: &SamlAssertion,
    qualifier: &str,
    account: &str,
    provider_name: &str,
) -> Vec<(String, ContextValue)> {
    let mut keys: Vec<(String, ContextValue)> = vec![
        ("saml:aud".into(), assertion.recipient.clone().into()),
        ("saml:sub".into(), assertion.subject.clone().into()),
        ("saml:sub_type".into(), assertion.subject_type().into()),
        ("saml:iss".into(), assertion.issuer.clone().into()),
        ("saml:namequalifier".into(), qualifier.into()),
        (
            "saml:doc".into(),
            format!("{account}/{provider_name}").into(),
        ),
    ];
    for (oid, key) in ATTRIBUTE_KEYS {
        if let Some(values) = assertion.attribute(oid) {
            keys.push((key.to_string(), values.to_vec().into()));
        }
    }
    keys
}

/// `AssumeRoleWithSAML`.
#[derive(Debug, Clone)]
pub(crate) struct AssumeRoleWithSaml {
    pub role_arn: ArnText,
    pub provider_arn: ArnText,
    pub response: Sensitive<4, MAX_ASSERTION_LEN>,
    pub duration: Option<Integer<900, 43_200>>,
    pub policies: SessionPolicies,
}

/// What the verified assertion says, for the answer.
#[derive(Debug)]
pub(crate) struct SamlIdentity {
    federation: Federation,
    assertion: SamlAssertion,
    qualifier: String,
}

/// The SAML session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SamlSession {
    pub issued: Issued,
    pub subject: String,
    pub subject_type: String,
    pub issuer: String,
    pub audience: String,
    pub name_qualifier: String,
}

impl Encode for SamlSession {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let issued = self.issued.xml();
        let mut result = vec![issued.credentials, issued.assumed_role_user];
        result.extend(issued.packed_policy_size);
        result.extend([
            Xml::text("Subject", self.subject),
            Xml::text("SubjectType", self.subject_type),
            Xml::text("Issuer", self.issuer),
            Xml::text("Audience", self.audience),
            Xml::text("NameQualifier", self.name_qualifier),
        ]);
        result.extend(issued.source_identity);
        result
    }
}

impl UnsignedAction for AssumeRoleWithSaml {
    const SPEC: ActionSpec = spec(
        "sts:AssumeRoleWithSAML",
        R::Role,
        &[
            REQUEST_TAG,
            TAG_KEYS,
            "saml:aud",
            "saml:cn",
            "saml:doc",
            "saml:eduorghomepageuri",
            "saml:eduorgidentityauthnpolicyuri",
            "saml:eduorglegalname",
            "saml:eduorgsuperioruri",
            "saml:eduorgwhitepagesuri",
            "saml:edupersonaffiliation",
            "saml:edupersonassurance",
            "saml:edupersonentitlement",
            "saml:edupersonnickname",
            "saml:edupersonorgdn",
            "saml:edupersonorgunitdn",
            "saml:edupersonprimaryaffiliation",
            "saml:edupersonprimaryorgunitdn",
            "saml:edupersonprincipalname",
            "saml:edupersonscopedaffiliation",
            "saml:edupersontargetedid",
            "saml:givenName",
            "saml:iss",
            "saml:mail",
            "saml:namequalifier",
            "saml:sub",
            "saml:sub_type",
            "saml:surname",
            "saml:uid",
            "sts:RoleSessionName",
            "sts:SourceIdentity",
            "sts:TransitiveTagKeys",
        ],
    );
    type Found = SamlIdentity;
    type Output = SamlSession;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            role_arn: d.required("RoleArn"),
            provider_arn: d.required("PrincipalArn"),
            response: d.required("SAMLAssertion"),
            duration: d.member("DurationSeconds"),
            policies: d.read(SessionPolicies::read(params)).unwrap_or_default(),
        })
    }

    async fn access(
        &self,
        state: &AppState,
    ) -> Result<(Principal, SessionAccess, SamlIdentity), AwsError> {
        let (role_arn, provider_arn) = (&*self.role_arn, &*self.provider_arn);
        let role = role_arn_parts(state, role_arn)?;
        let account = &role.0;

        // The provider, in the role's account, chooses the keys.
        let provider = state
            .store()
            .saml_provider(account, provider_arn)
            .await?
            .ok_or_else(|| {
                invalid_token(format!(
                    "SAML provider {provider_arn} does not exist in the role's account"
                ))
            })?;
        let now = state.now().unix_timestamp();
        if provider.valid_until.is_some_and(|until| until <= now) {
            return Err(invalid_token("The SAML provider's metadata has expired"));
        }
        let idp = IdpMetadata::parse(&provider.metadata).map_err(|error| {
            tracing::error!(%error, provider = %provider.arn, "stored SAML metadata is unreadable");
            invalid_token("The SAML provider's metadata cannot be used")
        })?;
        let audiences = state.saml_audiences().to_vec();
        let response = self.response.0.clone();
        let assertion = tokio::task::spawn_blocking(move || {
            verify_response(
                &response,
                &idp,
                &Expectations {
                    audiences: &audiences,
                    now,
                },
            )
        })
        .await
        .map_err(super::internal)??;

        // The assertion must offer this role through this provider.
        if !role_granted(&assertion, role_arn, provider_arn) {
            return Err(AwsError::access_denied(format!(
                "Not authorized to perform {}",
                Self::SPEC.action
            )));
        }
        let session_name = session_name(&assertion)?;
        let (requested_tags, transitive) = requested_tags(&assertion)?;
        let claims = IdpClaims::check(
            &requested_tags,
            &transitive,
            || single(&assertion, "SourceIdentity"),
            &self.policies,
        )?;
        let qualifier = name_qualifier(&assertion.issuer, account, &provider.name);
        let keys = condition_keys(&assertion, &qualifier, account, &provider.name);
        let duration = match self.duration {
            Some(d) => Some(d.0),
            None => session_duration(&assertion)?,
        };

        let (access, federation) = prepare(
            state,
            FederatedRequest {
                action: Self::SPEC.action,
                provider_arn: &provider.arn,
                role: &role,
                session_name: &session_name,
                keys,
                claims,
                duration,
                not_after: assertion.session_not_on_or_after,
                policies: &self.policies,
            },
        )
        .await?;
        let found = SamlIdentity {
            federation,
            assertion,
            qualifier,
        };
        Ok((Principal::saml(provider.arn), access, found))
    }

    async fn run(self, state: &AppState, found: SamlIdentity) -> Result<SamlSession, AwsError> {
        let assertion = found.assertion;
        Ok(SamlSession {
            issued: issue(state, found.federation).await?,
            subject_type: assertion.subject_type().to_string(),
            subject: assertion.subject,
            issuer: assertion.issuer,
            audience: assertion.recipient,
            name_qualifier: found.qualifier,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_federation::saml::assertion::SamlAttribute;

    fn assertion(attributes: &[(&str, &[&str])]) -> SamlAssertion {
        SamlAssertion {
            issuer: "https://idp.example.com/saml".into(),
            subject: "alice".into(),
            subject_format: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into(),
            recipient: "https://signin.aws.amazon.com/saml".into(),
            audiences: vec!["https://signin.aws.amazon.com/saml".into()],
            not_on_or_after: 0,
            session_not_on_or_after: None,
            attributes: attributes
                .iter()
                .map(|(name, values)| SamlAttribute {
                    name: format!("{AWS_ATTRIBUTE}{name}"),
                    values: values.iter().map(|v| v.to_string()).collect(),
                })
                .collect(),
        }
    }

    const ROLE: &str = "arn:aws:iam::123456789012:role/admin";
    const PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/corp";

    #[test]
    fn the_role_attribute_must_pair_the_role_with_the_provider() {
        let pair = format!("{ROLE},{PROVIDER}");
        let reversed = format!("{PROVIDER}, {ROLE}");
        assert!(role_granted(
            &assertion(&[("Role", &[&pair])]),
            ROLE,
            PROVIDER
        ));
        assert!(role_granted(
            &assertion(&[("Role", &["x,y", &reversed])]),
            ROLE,
            PROVIDER
        ));
        let other = format!("{ROLE},arn:aws:iam::123456789012:saml-provider/other");
        assert!(!role_granted(
            &assertion(&[("Role", &[&other])]),
            ROLE,
            PROVIDER
        ));
        assert!(!role_granted(
            &assertion(&[("Role", &[ROLE])]),
            ROLE,
            PROVIDER
        ));
        assert!(!role_granted(&assertion(&[]), ROLE, PROVIDER));
    }

    #[test]
    fn session_name_and_duration_follow_aws_rules() {
        assert_eq!(
            session_name(&assertion(&[("RoleSessionName", &["alice@corp"])])).expect("valid"),
            "alice@corp"
        );
        for bad in [
            assertion(&[]),
            assertion(&[("RoleSessionName", &["a"])]),
            assertion(&[("RoleSessionName", &["has space"])]),
            assertion(&[("RoleSessionName", &["one", "two"])]),
        ] {
            assert_eq!(
                session_name(&bad).expect_err("invalid").code,
                "InvalidIdentityToken"
            );
        }
        assert_eq!(
            session_duration(&assertion(&[("SessionDuration", &["1800"])])).expect("valid"),
            Some(1800)
        );
        assert_eq!(session_duration(&assertion(&[])).expect("none"), None);
        for bad in ["899", "43201", "an hour"] {
            assert!(session_duration(&assertion(&[("SessionDuration", &[bad])])).is_err());
        }
    }

    #[test]
    fn principal_tags_come_from_their_attributes() {
        let (tags, transitive) = requested_tags(&assertion(&[
            ("PrincipalTag:Project", &["blue"]),
            ("TransitiveTagKeys", &["Project"]),
        ]))
        .expect("valid");
        assert_eq!(tags, vec![("Project".to_string(), "blue".to_string())]);
        assert_eq!(transitive, vec!["Project".to_string()]);
    }

    #[test]
    fn name_qualifier_is_awss_hash() {
        // `printf %s https://idp.example.com/saml123456789012/corp |
        //  openssl dgst -sha1 -binary | base64`
        assert_eq!(
            name_qualifier("https://idp.example.com/saml", "123456789012", "corp"),
            "HahBW48oNiXLlr28VT6/xduH27c="
        );
    }
}
