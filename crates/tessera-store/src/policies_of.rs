//! The policies that apply to a principal, gathered for authorization.

/// A policy document with the id the explanation of a decision names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPolicy {
    /// `arn:…:policy/NAME` for managed policies, `user/NAME/POLICY` (or
    /// `group/…`, `role/…`) for inline ones.
    pub id: String,
    /// The JSON document.
    pub document: String,
}

/// The identity-based policies and boundary of a user or role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrincipalPolicies {
    /// Inline and attached managed policies of the principal and, for a
    /// user, of its groups.
    pub identity: Vec<NamedPolicy>,
    /// The permissions boundary, if one is set (its default version).
    pub boundary: Option<NamedPolicy>,
    /// The principal's own tags (`aws:PrincipalTag/…`); a group has none.
    pub tags: Vec<(String, String)>,
}

/// What role assumption reads of a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumableRole {
    /// The unique id (`AROA…`).
    pub role_id: String,
    /// The owning account.
    pub account_id: String,
    /// The name, as stored.
    pub name: String,
    /// The path.
    pub path: String,
    /// The trust policy (JSON).
    pub trust_policy: String,
    /// The longest session, in seconds.
    pub max_session_duration: i64,
    /// The role's tags (`iam:ResourceTag/…`, `aws:ResourceTag/…`).
    pub tags: Vec<(String, String)>,
    /// The trust policy's principal bindings; `None` if not bound yet.
    pub trust_bindings: Option<Vec<crate::PrincipalBinding>>,
}
