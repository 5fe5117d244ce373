//! The validated, normalised form of a policy.
//!
//! [`Policy::parse`] reads the text ([`crate::json`]), checks the IAM rules
//! for the [`PolicyKind`] (size quota, which elements are allowed, operator
//! names, principal forms…) and compiles every statement: action and
//! resource patterns are precompiled, policy variables pre-parsed, condition
//! values pre-typed for their operator, condition keys lower-cased.

pub mod err;
mod keys;
pub mod pattern;
mod rules;

pub use err::{PolicyError, PolicyErrorCode};
pub use keys::context_keys;
pub use pattern::{ArnPattern, Pattern, Variable, Variables};

use crate::json::{
    ConditionDocument, Located, PolicyDocument, Position, PrincipalDocument, StatementDocument,
    StringList,
};
use crate::value::{Cidr, Number};
use pattern::PatternOptions;
use std::collections::HashSet;
use std::fmt;
use tessera_arn::{Arn, ArnKind};

/// The policy language version (`Version` element).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Version {
    /// `2008-10-17` (also the default when `Version` is absent): no policy variables.
    V2008_10_17,
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
}

impl Version {
    /// The version string as written in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2008_10_17 => "2008-10-17",
            Version::V2012_10_17 => "2012-10-17",
        }
    }
}

/// Which IAM quota a size limit enforces (it decides the error message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SizeQuota {
    /// Customer managed policy (`PolicySize`), also used for permission boundaries.
    ManagedPolicy,
    /// Inline policy of a user.
    InlineUser,
    /// Inline policy of a role.
    InlineRole,
    /// Inline policy of a group.
    InlineGroup,
    /// Role trust policy (`ACLSizePerRole`).
    TrustPolicy,
    /// Session policy passed to STS.
    SessionPolicy,
    /// A resource-based policy with a caller-chosen limit.
    Other,
}

/// A size quota: the maximum number of characters and how they are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SizeLimit {
    /// Maximum size in characters.
    pub max: usize,
    /// Whether white space counts (IAM quotas do not count it; STS's
    /// plaintext session-policy limit does).
    pub count_whitespace: bool,
    /// The quota, for the error message.
    pub quota: SizeQuota,
}

impl SizeLimit {
    /// Customer managed policy: 6,144 characters without white space.
    pub const MANAGED: SizeLimit = SizeLimit::iam(6_144, SizeQuota::ManagedPolicy);
    /// Inline user policy: 2,048 characters without white space.
    pub const INLINE_USER: SizeLimit = SizeLimit::iam(2_048, SizeQuota::InlineUser);
    /// Inline role policy: 10,240 characters without white space.
    pub const INLINE_ROLE: SizeLimit = SizeLimit::iam(10_240, SizeQuota::InlineRole);
    /// Inline group policy: 5,120 characters without white space.
    pub const INLINE_GROUP: SizeLimit = SizeLimit::iam(5_120, SizeQuota::InlineGroup);
    /// Role trust policy: 2,048 characters without white space (the default quota).
    pub const TRUST: SizeLimit = SizeLimit::iam(2_048, SizeQuota::TrustPolicy);
    /// Session policy: 2,048 characters of plaintext.
    pub const SESSION: SizeLimit = SizeLimit {
        max: 2_048,
        count_whitespace: true,
        quota: SizeQuota::SessionPolicy,
    };
    /// No practical limit (for resource-based policies checked elsewhere).
    pub const UNLIMITED: SizeLimit = SizeLimit::iam(usize::MAX, SizeQuota::Other);

    const fn iam(max: usize, quota: SizeQuota) -> SizeLimit {
        SizeLimit {
            max,
            count_whitespace: false,
            quota,
        }
    }

    /// The size of `text` as this quota counts it.
    pub fn measure(&self, text: &str) -> usize {
        if self.count_whitespace {
            text.chars().count()
        } else {
            text.chars().filter(|c| !c.is_whitespace()).count()
        }
    }

    fn check(&self, text: &str) -> Result<(), PolicyError> {
        // Fast path: a text shorter in bytes than the limit is within it.
        if text.len() <= self.max {
            return Ok(());
        }
        let size = self.measure(text);
        if size <= self.max {
            return Ok(());
        }
        let max = self.max;
        let (code, message) = match self.quota {
            SizeQuota::ManagedPolicy => (
                PolicyErrorCode::LimitExceeded,
                format!("Cannot exceed quota for PolicySize: {max}"),
            ),
            SizeQuota::TrustPolicy => (
                PolicyErrorCode::LimitExceeded,
                format!("Cannot exceed quota for ACLSizePerRole: {max}"),
            ),
            SizeQuota::InlineUser => (
                PolicyErrorCode::LimitExceeded,
                format!("Maximum policy size of {max} bytes exceeded for user"),
            ),
            SizeQuota::InlineRole => (
                PolicyErrorCode::LimitExceeded,
                format!("Maximum policy size of {max} bytes exceeded for role"),
            ),
            SizeQuota::InlineGroup => (
                PolicyErrorCode::LimitExceeded,
                format!("Maximum policy size of {max} bytes exceeded for group"),
            ),
            SizeQuota::SessionPolicy => (
                PolicyErrorCode::PackedPolicyTooLarge,
                format!(
                    "Packed policy consumes {}% of allotted space, please use smaller policy.",
                    size.saturating_mul(100) / max.max(1)
                ),
            ),
            SizeQuota::Other => (
                PolicyErrorCode::LimitExceeded,
                format!("Policy size {size} exceeds the limit of {max}"),
            ),
        };
        Err(PolicyError {
            code,
            message,
            position: None,
            detail: Some(format!("size {size}, limit {max}")),
        })
    }
}

/// What a policy is used as; decides the rules and the size quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An identity-based policy (managed, inline, or a permission boundary):
    /// no `Principal`, `Action` and `Resource` required.
    Identity {
        /// The size quota.
        limit: SizeLimit,
    },
    /// A role trust policy: `Principal` required, no `Resource`.
    Trust {
        /// The size quota.
        limit: SizeLimit,
    },
    /// A session policy passed to `AssumeRole*` / `GetFederationToken`.
    Session {
        /// The size quota.
        limit: SizeLimit,
    },
    /// Any other resource-based policy: `Principal` and `Resource` required.
    Resource {
        /// The size quota.
        limit: SizeLimit,
    },
}

impl PolicyKind {
    /// A customer managed policy (6,144).
    pub const fn managed() -> PolicyKind {
        PolicyKind::Identity {
            limit: SizeLimit::MANAGED,
        }
    }
    /// A managed policy used as a permission boundary (6,144).
    pub const fn permission_boundary() -> PolicyKind {
        PolicyKind::managed()
    }
    /// An inline user policy (2,048).
    pub const fn inline_user() -> PolicyKind {
        PolicyKind::Identity {
            limit: SizeLimit::INLINE_USER,
        }
    }
    /// An inline role policy (10,240).
    pub const fn inline_role() -> PolicyKind {
        PolicyKind::Identity {
            limit: SizeLimit::INLINE_ROLE,
        }
    }
    /// An inline group policy (5,120).
    pub const fn inline_group() -> PolicyKind {
        PolicyKind::Identity {
            limit: SizeLimit::INLINE_GROUP,
        }
    }
    /// A role trust policy (2,048 by default).
    pub const fn trust() -> PolicyKind {
        PolicyKind::Trust {
            limit: SizeLimit::TRUST,
        }
    }
    /// A session policy (2,048).
    pub const fn session() -> PolicyKind {
        PolicyKind::Session {
            limit: SizeLimit::SESSION,
        }
    }
    /// A resource-based policy without a size quota.
    pub const fn resource() -> PolicyKind {
        PolicyKind::Resource {
            limit: SizeLimit::UNLIMITED,
        }
    }

    /// The size quota of this kind.
    pub fn limit(&self) -> SizeLimit {
        match *self {
            PolicyKind::Identity { limit }
            | PolicyKind::Trust { limit }
            | PolicyKind::Session { limit }
            | PolicyKind::Resource { limit } => limit,
        }
    }

    fn has_principal(&self) -> bool {
        matches!(self, PolicyKind::Trust { .. } | PolicyKind::Resource { .. })
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Effect {
    /// `"Effect": "Allow"`
    Allow,
    /// `"Effect": "Deny"`
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// A parsed, validated policy, ready to evaluate; serializes back to JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    document: PolicyDocument,
    version: Version,
    kind: PolicyKind,
    statements: Vec<Statement>,
}

impl serde::Serialize for Policy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.document.serialize(s)
    }
}

/// `Action` / `NotAction`: case-insensitive patterns over `service:action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionSet {
    /// `NotAction` rather than `Action`.
    pub negated: bool,
    /// Lower-cased patterns.
    pub patterns: Vec<Pattern>,
}

/// `Resource` / `NotResource`: ARN patterns, case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSet {
    /// `NotResource` rather than `Resource`.
    pub negated: bool,
    /// The patterns (policy variables resolved at evaluation).
    pub patterns: Vec<ArnPattern>,
}

/// One `AWS` principal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AwsPrincipal {
    /// `"AWS": "*"`: every AWS principal.
    Any,
    /// An account: `123456789012` or `arn:aws:iam::123456789012:root`.
    Account(String),
    /// A user, role, assumed-role session or federated-user ARN.
    Arn(String),
    /// A user or role as bound when the policy was saved: its unique id
    /// (`AIDA…`, `AROA…`). It matches that entity alone, under whatever name
    /// it has now, and nobody once the entity is deleted.
    UniqueId(String),
}

impl AwsPrincipal {
    /// Whether this is the ARN of an IAM user or role (not a session).
    pub fn names_entity(&self) -> Option<&str> {
        match self {
            AwsPrincipal::Arn(arn) => {
                let kind = Arn::parse(arn.as_str()).ok()?.kind();
                matches!(kind, ArnKind::User | ArnKind::Role).then_some(arn.as_str())
            }
            _ => None,
        }
    }
}

/// `Principal` / `NotPrincipal`, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrincipalSet {
    /// `NotPrincipal` rather than `Principal`.
    pub negated: bool,
    /// `"Principal": "*"`: everyone, including anonymous callers.
    pub any: bool,
    /// `AWS` principals.
    pub aws: Vec<AwsPrincipal>,
    /// `Service` principals, lower-cased.
    pub services: Vec<String>,
    /// `Federated` principals (OIDC provider host or SAML/OIDC provider ARN).
    pub federated: Vec<String>,
    /// `CanonicalUser` ids.
    pub canonical_users: Vec<String>,
}

/// A condition operator without its qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPERATORS: [(&str, BaseOperator); 27] = [
    ("StringEquals", BaseOperator::StringEquals),
    ("StringNotEquals", BaseOperator::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        BaseOperator::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        BaseOperator::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", BaseOperator::StringLike),
    ("StringNotLike", BaseOperator::StringNotLike),
    ("NumericEquals", BaseOperator::NumericEquals),
    ("NumericNotEquals", BaseOperator::NumericNotEquals),
    ("NumericLessThan", BaseOperator::NumericLessThan),
    ("NumericLessThanEquals", BaseOperator::NumericLessThanEquals),
    ("NumericGreaterThan", BaseOperator::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        BaseOperator::NumericGreaterThanEquals,
    ),
    ("DateEquals", BaseOperator::DateEquals),
    ("DateNotEquals", BaseOperator::DateNotEquals),
    ("DateLessThan", BaseOperator::DateLessThan),
    ("DateLessThanEquals", BaseOperator::DateLessThanEquals),
    ("DateGreaterThan", BaseOperator::DateGreaterThan),
    ("DateGreaterThanEquals", BaseOperator::DateGreaterThanEquals),
    ("Bool", BaseOperator::Bool),
    ("BinaryEquals", BaseOperator::BinaryEquals),
    ("IpAddress", BaseOperator::IpAddress),
    ("NotIpAddress", BaseOperator::NotIpAddress),
    ("ArnEquals", BaseOperator::ArnEquals),
    ("ArnLike", BaseOperator::ArnLike),
    ("ArnNotEquals", BaseOperator::ArnNotEquals),
    ("ArnNotLike", BaseOperator::ArnNotLike),
    ("Null", BaseOperator::Null),
];

impl BaseOperator {
    /// The operator's name as written in policies.
    pub fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map(|(n, _)| *n)
            .unwrap_or("Null")
    }

    /// Negated operators (`StringNotEquals`, `NotIpAddress`, …) are true when
    /// no value matches, and true when the key is absent.
    pub fn is_negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Whether policy variables are substituted in this operator's values.
    pub fn supports_variables(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringEquals
                | StringNotEquals
                | StringEqualsIgnoreCase
                | StringNotEqualsIgnoreCase
                | StringLike
                | StringNotLike
                | Bool
                | ArnEquals
                | ArnLike
                | ArnNotEquals
                | ArnNotLike
        )
    }
}

/// `ForAllValues:` / `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOperator {
    /// Every context value must match (true when the key is absent).
    ForAllValues,
    /// At least one context value must match (false when the key is absent).
    ForAnyValue,
}

/// A full condition operator: set qualifier, base operator, `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    /// `ForAllValues:` / `ForAnyValue:` prefix.
    pub set: Option<SetOperator>,
    /// The base operator.
    pub base: BaseOperator,
    /// `…IfExists` suffix: true when the key is absent.
    pub if_exists: bool,
}

impl Operator {
    /// Reads an operator name such as `ForAnyValue:StringLikeIfExists`.
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetOperator::ForAllValues), r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), r)
        } else {
            (None, name)
        };
        let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let base = OPERATORS
            .iter()
            .find(|(n, _)| *n == base_name)
            .map(|(_, op)| *op)?;
        if if_exists && base == BaseOperator::Null {
            return None;
        }
        Some(Operator {
            set,
            base,
            if_exists,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.set {
            Some(SetOperator::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetOperator::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// A condition value compiled for its operator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ValueMatcher {
    /// String operators (and `Bool`, lower-cased): pattern with variables.
    Text(Pattern),
    /// ARN operators.
    Arn(ArnPattern),
    /// Numeric operators; `None` if the value is not a number (never matches).
    Number(Option<Number>),
    /// Date operators; `None` if the value is not a date.
    Date(Option<i128>),
    /// IP operators: a network (a value that is not one fails validation).
    Ip(Cidr),
    /// `BinaryEquals`: base64 text compared exactly.
    Binary(String),
    /// `Null`: `true` (key absent) / `false` (key present).
    Null(Option<bool>),
}

impl ValueMatcher {
    /// A typed value that did not read as its type.
    fn is_unreadable(&self) -> bool {
        matches!(
            self,
            ValueMatcher::Number(None) | ValueMatcher::Date(None) | ValueMatcher::Null(None)
        )
    }
}

/// One condition: operator, key and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// The key as written.
    pub key: String,
    pub(crate) key_lc: String,
    pub(crate) values: Vec<ValueMatcher>,
    /// Some value does not read as its operator's type (a number, date or
    /// `Null` value that does not parse); see [`crate::evaluate_condition`].
    pub(crate) unreadable: bool,
}

/// A compiled statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Zero-based position in the policy's statement list.
    pub index: usize,
    /// `Sid`, if any.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action` / `NotAction`.
    pub actions: ActionSet,
    /// `Resource` / `NotResource` (absent in trust policies).
    pub resources: Option<ResourceSet>,
    /// `Principal` / `NotPrincipal` (absent in identity policies).
    pub principals: Option<PrincipalSet>,
    /// Conditions, all of which must hold.
    pub conditions: Vec<Condition>,
}

fn syntax(pos: Position, detail: impl Into<String>) -> PolicyError {
    PolicyError::malformed("Syntax errors in policy.", Some(pos)).with_detail(detail)
}

fn legacy(pos: Position, detail: impl Into<String>) -> PolicyError {
    PolicyError::malformed("The policy failed legacy parsing", Some(pos)).with_detail(detail)
}

/// How strictly a document is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A document being written: every rule IAM checks.
    Write,
    /// A document read back for evaluation: it was accepted when written,
    /// so rules that came later (and the size quota) are not applied again.
    Stored,
}

impl PolicyKind {
    /// Identity-based and session policies are checked by IAM's policy
    /// validator; trust and other resource-based policies answer some
    /// faults with messages of their own.
    fn iam_validator(&self) -> bool {
        matches!(
            self,
            PolicyKind::Identity { .. } | PolicyKind::Session { .. }
        )
    }

    /// A customer managed policy (or a permissions boundary, which is one).
    fn is_managed(&self) -> bool {
        matches!(self, PolicyKind::Identity { limit } if limit.quota == SizeQuota::ManagedPolicy)
    }
}

/// The message a resource-based validator gives for a missing element.
fn missing_field(kind: PolicyKind, field: &str, pos: Position) -> PolicyError {
    if kind.iam_validator() {
        syntax(pos, format!("{field} is required"))
    } else {
        PolicyError::malformed(format!("Missing required field {field}"), Some(pos))
    }
}

impl Policy {
    /// Parses and validates a policy text being written (CreatePolicy,
    /// PutUserPolicy, CreateRole, a session policy…) for its kind: size
    /// quota first, then JSON syntax, then IAM's rules in the order IAM
    /// applies them (the shape of every statement, `Version`, legacy
    /// parsing, `Sid`s, then each statement's principals, resources and
    /// actions).
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        kind.limit().check(text)?;
        let doc = read_document(text, kind)?;
        Policy::compile(doc, kind, Mode::Write)
    }

    /// Parses a stored policy for evaluation. It was validated when it was
    /// written, perhaps under rules that have since been tightened, so only
    /// what evaluation needs is checked: JSON, the shape of the elements,
    /// the principals and the actions. No size quota, no `Version` rule, no
    /// rule on empty statement lists, resource ARNs or date values: a
    /// policy that once was accepted keeps evaluating as it did.
    pub fn parse_stored(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let doc = read_document(text, kind)?;
        Policy::compile(doc, kind, Mode::Stored)
    }

    /// Validates and compiles an already-read document being written (no
    /// size check).
    pub fn from_document(
        document: PolicyDocument,
        kind: PolicyKind,
    ) -> Result<Policy, PolicyError> {
        Policy::compile(document, kind, Mode::Write)
    }

    fn compile(
        document: PolicyDocument,
        kind: PolicyKind,
        mode: Mode,
    ) -> Result<Policy, PolicyError> {
        // The shape: Version, Statement, and every statement's elements.
        let version = match &document.version {
            None => None,
            Some(v) if v.value == "2012-10-17" => Some(Version::V2012_10_17),
            Some(v) if v.value == "2008-10-17" => Some(Version::V2008_10_17),
            Some(v) => {
                return Err(syntax(
                    v.pos,
                    format!(
                        "Version must be \"2012-10-17\" or \"2008-10-17\", not \"{}\"",
                        v.value
                    ),
                ));
            }
        };
        let Some(stmts) = &document.statement else {
            return Err(missing_field(kind, "Statement", document.pos));
        };
        let list = stmts.value.as_slice();
        if list.is_empty() && mode == Mode::Write {
            return Err(syntax(stmts.pos, "Statement holds no statement"));
        }
        for st in list {
            check_shape(st, kind)?;
        }
        // A managed policy must use the current language version.
        if mode == Mode::Write && kind.is_managed() && version != Some(Version::V2012_10_17) {
            return Err(PolicyError::malformed(
                "Policy document must be version 2012-10-17 or greater.",
                Some(document.version.as_ref().map_or(document.pos, |v| v.pos)),
            ));
        }
        let version = version.unwrap_or(Version::V2008_10_17);
        for st in list {
            check_legacy(st, kind, mode)?;
        }
        let mut sids = HashSet::new();
        for st in list {
            statement_sid(st, kind)?;
            if let Some(sid) = &st.sid
                && !sid.value.is_empty()
                && !sids.insert(sid.value.as_str())
            {
                return Err(PolicyError::malformed(
                    "Statement IDs (SID) in a single policy must be unique.",
                    Some(sid.pos),
                ));
            }
        }
        let statements = list
            .iter()
            .enumerate()
            .map(|(index, st)| compile_statement(st, index, version, kind, mode))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            document,
            version,
            kind,
            statements,
        })
    }

    /// The compiled statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The user and role ARNs that `Principal` / `NotPrincipal` elements
    /// name, each once, in order of appearance.
    pub fn named_entities(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for set in self.statements.iter().filter_map(|s| s.principals.as_ref()) {
            for arn in set.aws.iter().filter_map(AwsPrincipal::names_entity) {
                if !out.contains(&arn) {
                    out.push(arn);
                }
            }
        }
        out
    }

    /// This policy with every user or role ARN principal replaced by the
    /// unique id `bound` gives it ([`AwsPrincipal::UniqueId`]); an ARN it
    /// gives none for matches nobody (bound to no entity).
    pub fn bind_principals<'a>(&self, bound: impl Fn(&str) -> Option<&'a str>) -> Policy {
        let mut policy = self.clone();
        for set in policy
            .statements
            .iter_mut()
            .filter_map(|s| s.principals.as_mut())
        {
            for principal in &mut set.aws {
                if let Some(arn) = principal.names_entity() {
                    *principal = AwsPrincipal::UniqueId(bound(arn).unwrap_or_default().to_string());
                }
            }
        }
        policy
    }

    /// The language version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The kind the policy was validated as.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// `Id`, if any.
    pub fn id(&self) -> Option<&str> {
        self.document.id.as_ref().map(|i| i.value.as_str())
    }

    /// The document as written (for serialization).
    pub fn document(&self) -> &PolicyDocument {
        &self.document
    }

    /// Compact JSON text of the policy.
    pub fn to_json(&self) -> String {
        self.document.to_json()
    }

    /// Indented JSON text of the policy.
    pub fn to_json_pretty(&self) -> String {
        self.document.to_json_pretty()
    }
}

/// Reads the JSON of a policy. Text that is not JSON is a syntax error; a
/// trust policy's validator says its JSON is invalid.
fn read_document(text: &str, kind: PolicyKind) -> Result<PolicyDocument, PolicyError> {
    PolicyDocument::parse_split(text).map_err(|e| match e {
        Ok(e) if matches!(kind, PolicyKind::Trust { .. }) => {
            PolicyError::malformed("This policy contains invalid Json", Some(e.pos))
                .with_detail(e.detail)
        }
        Ok(e) | Err(e) => syntax(e.pos, e.detail),
    })
}

/// The first of two exclusive elements that are both written, if any.
fn both<A, B>(a: &Option<Located<A>>, b: &Option<Located<B>>) -> Option<Position> {
    match (a, b) {
        (Some(_), Some(b)) => Some(b.pos),
        _ => None,
    }
}

/// The checks IAM makes of a statement's shape before anything else:
/// `Effect` present and `Allow` or `Deny` in some case; at most one of
/// `Action`/`NotAction`, `Resource`/`NotResource`, `Principal`/
/// `NotPrincipal`; known condition operators (an operator with no keys is
/// not read at all).
fn check_shape(st: &StatementDocument, kind: PolicyKind) -> Result<(), PolicyError> {
    match &st.effect {
        None => return Err(missing_field(kind, "Effect", st.pos)),
        Some(e)
            if !e.value.eq_ignore_ascii_case("allow") && !e.value.eq_ignore_ascii_case("deny") =>
        {
            return Err(syntax(
                e.pos,
                format!("Effect must be \"Allow\" or \"Deny\", not \"{}\"", e.value),
            ));
        }
        Some(_) => {}
    }
    for (pos, what) in [
        (both(&st.action, &st.not_action), "Action and NotAction"),
        (
            both(&st.resource, &st.not_resource),
            "Resource and NotResource",
        ),
        (
            both(&st.principal, &st.not_principal),
            "Principal and NotPrincipal",
        ),
    ] {
        if let Some(pos) = pos {
            return Err(syntax(pos, format!("a statement cannot hold both {what}")));
        }
    }
    if let Some(c) = &st.condition {
        for block in c.value.blocks.iter().filter(|b| !b.entries.is_empty()) {
            let name = block.operator.value.as_str();
            if Operator::parse(name).is_none() {
                let pos = block.operator.pos;
                return Err(if kind.iam_validator() {
                    syntax(pos, format!("unknown condition operator {name}"))
                } else {
                    PolicyError::malformed(format!("Invalid Condition type : {name}"), Some(pos))
                });
            }
        }
    }
    Ok(())
}

/// What IAM's legacy parser refuses: `Effect` in another case than `Allow`
/// / `Deny`, IP ranges that are none, and in documents being written, date
/// values that are no date and malformed resource ARNs.
fn check_legacy(st: &StatementDocument, kind: PolicyKind, mode: Mode) -> Result<(), PolicyError> {
    if let Some(e) = &st.effect
        && e.value != "Allow"
        && e.value != "Deny"
    {
        return Err(legacy(
            e.pos,
            format!("Effect must be \"Allow\" or \"Deny\", not \"{}\"", e.value),
        ));
    }
    if mode == Mode::Write && kind.iam_validator() {
        for list in [&st.resource, &st.not_resource].into_iter().flatten() {
            for r in list.value.as_slice() {
                if rules::fails_legacy_parsing(&r.value) {
                    return Err(legacy(r.pos, format!("\"{}\" is not a valid ARN", r.value)));
                }
            }
        }
    }
    let Some(c) = &st.condition else {
        return Ok(());
    };
    for block in &c.value.blocks {
        let Some(op) = Operator::parse(&block.operator.value) else {
            continue;
        };
        for value in block.entries.iter().flat_map(|e| e.values.as_slice()) {
            let text = value.value.as_text();
            use BaseOperator::*;
            match op.base {
                IpAddress | NotIpAddress if Cidr::parse(&text).is_none() => {
                    return Err(legacy(
                        value.pos,
                        format!("\"{text}\" is not an IP address or CIDR block"),
                    ));
                }
                DateEquals
                | DateNotEquals
                | DateLessThan
                | DateLessThanEquals
                | DateGreaterThan
                | DateGreaterThanEquals
                    if mode == Mode::Write && crate::value::parse_iam_date(&text).is_none() =>
                {
                    return Err(legacy(value.pos, format!("\"{text}\" is not a date")));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A statement's `Sid`: alphanumeric except in resource-based policies.
fn statement_sid(st: &StatementDocument, kind: PolicyKind) -> Result<Option<String>, PolicyError> {
    Ok(match &st.sid {
        Some(s) => {
            if !matches!(kind, PolicyKind::Resource { .. })
                && !s.value.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(PolicyError::malformed(
                    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
                    Some(s.pos),
                ));
            }
            Some(s.value.clone())
        }
        None => None,
    })
}

/// A statement's `Effect` (its shape already checked).
fn statement_effect(st: &StatementDocument) -> Result<Effect, PolicyError> {
    Ok(match &st.effect {
        Some(e) if e.value == "Allow" => Effect::Allow,
        Some(e) if e.value == "Deny" => Effect::Deny,
        Some(e) => return Err(legacy(e.pos, "Effect must be \"Allow\" or \"Deny\"")),
        None => return Err(syntax(st.pos, "Effect is required")),
    })
}

/// A statement's `Principal` or `NotPrincipal`, where its kind of policy
/// requires or refuses one.
fn statement_principals(
    st: &StatementDocument,
    kind: PolicyKind,
    effect: Effect,
) -> Result<Option<PrincipalSet>, PolicyError> {
    Ok(match (&st.principal, &st.not_principal) {
        (Some(p), _) | (None, Some(p)) if !kind.has_principal() => {
            return Err(PolicyError::malformed(
                "Policy document should not specify a principal.",
                Some(p.pos),
            ));
        }
        (Some(p), _) => Some(compile_principal(p, false)?),
        (None, Some(p)) => {
            check_not_principal(kind, effect, p.pos)?;
            Some(compile_principal(p, true)?)
        }
        (None, None) if kind.has_principal() => {
            return Err(PolicyError::malformed(
                "Missing required field Principal",
                Some(st.pos),
            ));
        }
        (None, None) => None,
    })
}

/// An element and whether it is the `Not…` form.
fn one_of<'a, T>(
    plain: &'a Option<Located<T>>,
    not: &'a Option<Located<T>>,
) -> Option<(&'a Located<T>, bool)> {
    plain
        .as_ref()
        .map(|v| (v, false))
        .or_else(|| not.as_ref().map(|v| (v, true)))
}

fn compile_statement(
    st: &StatementDocument,
    index: usize,
    version: Version,
    kind: PolicyKind,
    mode: Mode,
) -> Result<Statement, PolicyError> {
    let sid = statement_sid(st, kind)?;
    let effect = statement_effect(st)?;
    let principals = statement_principals(st, kind, effect)?;
    let variables = version == Version::V2012_10_17;
    let trust = matches!(kind, PolicyKind::Trust { .. });

    // Resources are checked before actions; a missing action is reported
    // before a missing resource.
    let written_resources = one_of(&st.resource, &st.not_resource);
    if trust && let Some((r, negated)) = written_resources {
        let field = if negated { "NotResource" } else { "Resource" };
        return Err(PolicyError::malformed(
            format!("Has prohibited field {field}"),
            Some(r.pos),
        ));
    }
    let resources = match written_resources {
        Some((r, negated)) => compile_resources(r, negated, variables, kind, mode)?,
        None => None,
    };
    let actions = match one_of(&st.action, &st.not_action) {
        Some((a, negated)) => compile_actions(a, negated)?,
        None => None,
    };
    let Some(actions) = actions else {
        let pos = one_of(&st.action, &st.not_action).map_or(st.pos, |(a, _)| a.pos);
        return Err(PolicyError::malformed(
            "Policy statement must contain actions.",
            Some(pos),
        ));
    };
    if !trust && resources.is_none() {
        let pos = written_resources.map_or(st.pos, |(r, _)| r.pos);
        return Err(PolicyError::malformed(
            "Policy statement must contain resources.",
            Some(pos),
        ));
    }
    let conditions = match &st.condition {
        Some(c) => compile_conditions(c, variables)?,
        None => Vec::new(),
    };

    Ok(Statement {
        index,
        sid,
        effect,
        actions,
        resources,
        principals,
        conditions,
    })
}

/// `NotPrincipal` is refused in role trust policies, and with `Allow` in
/// any policy: AWS supports it only with `Deny` in resource-based policies
/// (an `Allow` with `NotPrincipal` would grant everyone not listed,
/// anonymous callers included).
fn check_not_principal(kind: PolicyKind, effect: Effect, pos: Position) -> Result<(), PolicyError> {
    let why = if matches!(kind, PolicyKind::Trust { .. }) {
        "role trust policies do not support NotPrincipal"
    } else if effect == Effect::Allow {
        "NotPrincipal must be used with \"Effect\": \"Deny\""
    } else {
        return Ok(());
    };
    Err(PolicyError::malformed("Has prohibited field NotPrincipal", Some(pos)).with_detail(why))
}

const VENDOR_MESSAGE: &str =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";

/// `Action` / `NotAction`: `*` or `vendor:name` with one colon and a vendor
/// of letters, digits, `-`, `_`, `.` and wildcards. IAM does not read the
/// name (`iam: Get User` is taken; it names no action, so matches none).
/// `None` for an empty list.
fn compile_actions(
    list: &Located<StringList>,
    negated: bool,
) -> Result<Option<ActionSet>, PolicyError> {
    let items = list.value.as_slice();
    if items.is_empty() {
        return Ok(None);
    }
    let mut patterns = Vec::with_capacity(items.len());
    for a in items {
        let text = a.value.as_str();
        if text != "*" {
            let Some((vendor, name)) = text.split_once(':') else {
                return Err(PolicyError::malformed(VENDOR_MESSAGE, Some(a.pos))
                    .with_detail(format!("action \"{text}\"")));
            };
            if name.contains(':') {
                return Err(PolicyError::malformed(
                    "Actions/Condition can contain only one colon.",
                    Some(a.pos),
                )
                .with_detail(format!("action \"{text}\"")));
            }
            let valid_char =
                |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '?' | '.');
            if vendor.is_empty() || !vendor.chars().all(valid_char) {
                return Err(PolicyError::malformed(
                    format!("Vendor {vendor} is not valid"),
                    Some(a.pos),
                ));
            }
        }
        patterns.push(Pattern::compile(
            text,
            PatternOptions {
                wildcards: true,
                variables: false,
                lowercase: true,
            },
        ));
    }
    Ok(Some(ActionSet { negated, patterns }))
}

/// `Resource` / `NotResource`; `None` for an empty list. Documents being
/// written are checked as IAM checks them ([`rules`]) or, for resource-based
/// policies, need ARNs; stored documents are taken as they are.
fn compile_resources(
    list: &Located<StringList>,
    negated: bool,
    variables: bool,
    kind: PolicyKind,
    mode: Mode,
) -> Result<Option<ResourceSet>, PolicyError> {
    let items = list.value.as_slice();
    if items.is_empty() {
        return Ok(None);
    }
    let mut patterns = Vec::with_capacity(items.len());
    for r in items {
        let text = r.value.as_str();
        let refused = match mode {
            Mode::Stored => None,
            Mode::Write if kind.iam_validator() => rules::resource_error(text),
            Mode::Write => (text != "*" && !text.starts_with("arn:"))
                .then(|| format!("Resource {text} must be in ARN format or \"*\".")),
        };
        if let Some(message) = refused {
            return Err(PolicyError::malformed(message, Some(r.pos)));
        }
        patterns.push(ArnPattern::compile(
            text,
            PatternOptions {
                wildcards: true,
                variables,
                lowercase: false,
            },
        ));
    }
    Ok(Some(ResourceSet { negated, patterns }))
}

fn invalid_principal(kind: &str, value: &str, pos: Position) -> PolicyError {
    PolicyError::malformed(
        format!("Invalid principal in policy: \"{kind}\":\"{value}\""),
        Some(pos),
    )
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Normalises one `AWS` principal value, or `None` if AWS would reject it.
pub(crate) fn parse_aws_principal(value: &str) -> Option<AwsPrincipal> {
    if value == "*" {
        return Some(AwsPrincipal::Any);
    }
    if is_account_id(value) {
        return Some(AwsPrincipal::Account(value.to_string()));
    }
    if value.contains('*') || value.contains('?') {
        return None;
    }
    let arn = Arn::parse(value).ok()?;
    let (partition, region, account) = (arn.partition(), arn.region(), arn.account());
    if partition.is_empty()
        || !region.is_empty()
        || !is_account_id(account)
        || arn.resource().is_empty()
    {
        return None;
    }
    let named = |name: Option<&str>| name.is_some_and(|n| !n.is_empty());
    let ok = match arn.kind() {
        ArnKind::Root => return Some(AwsPrincipal::Account(account.to_string())),
        ArnKind::User | ArnKind::Role => named(arn.name()),
        ArnKind::AssumedRole => named(arn.role_name()) && named(arn.session_name()),
        ArnKind::FederatedUser => named(arn.name()),
        _ => false,
    };
    ok.then(|| AwsPrincipal::Arn(value.to_string()))
}

fn compile_principal(
    p: &Located<PrincipalDocument>,
    negated: bool,
) -> Result<PrincipalSet, PolicyError> {
    let mut set = PrincipalSet {
        negated,
        ..Default::default()
    };
    match &p.value {
        PrincipalDocument::Str(s) if s == "*" => set.any = true,
        PrincipalDocument::Str(s) => return Err(invalid_principal("AWS", s, p.pos)),
        PrincipalDocument::Map(entries) => {
            if entries.is_empty() {
                return Err(PolicyError::malformed(
                    "Invalid principal in policy",
                    Some(p.pos),
                ));
            }
            for e in entries {
                let kind = e.kind.value.as_str();
                let values = e.values.as_slice();
                if values.is_empty() {
                    return Err(invalid_principal(kind, "", e.kind.pos));
                }
                for v in values {
                    let text = v.value.as_str();
                    if text.trim().is_empty() {
                        return Err(invalid_principal(kind, text, v.pos));
                    }
                    match kind {
                        "AWS" => match parse_aws_principal(text) {
                            Some(a) => set.aws.push(a),
                            None => return Err(invalid_principal(kind, text, v.pos)),
                        },
                        "Service" => {
                            if text.contains(char::is_whitespace) {
                                return Err(invalid_principal(kind, text, v.pos));
                            }
                            set.services.push(text.to_ascii_lowercase());
                        }
                        "Federated" => set.federated.push(text.to_string()),
                        "CanonicalUser" => set.canonical_users.push(text.to_string()),
                        _ => return Err(invalid_principal(kind, text, e.kind.pos)),
                    }
                }
            }
        }
    }
    Ok(set)
}

/// The conditions of a statement. An operator block without keys tests
/// nothing and is skipped (IAM takes it whatever the operator's name);
/// condition keys are taken as written, with or without a vendor prefix.
fn compile_conditions(
    c: &Located<ConditionDocument>,
    variables: bool,
) -> Result<Vec<Condition>, PolicyError> {
    let mut out = Vec::new();
    for block in c.value.blocks.iter().filter(|b| !b.entries.is_empty()) {
        let op_name = block.operator.value.as_str();
        let Some(operator) = Operator::parse(op_name) else {
            return Err(syntax(
                block.operator.pos,
                format!("unknown condition operator {op_name}"),
            ));
        };
        for entry in &block.entries {
            let key = entry.key.value.as_str();
            let vars = variables && operator.base.supports_variables();
            let values = entry
                .values
                .as_slice()
                .iter()
                .map(|v| compile_value(operator.base, &v.value.as_text(), vars, v.pos))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(Condition {
                operator,
                key: key.to_string(),
                key_lc: key.to_ascii_lowercase(),
                unreadable: values.iter().any(ValueMatcher::is_unreadable),
                values,
            });
        }
    }
    Ok(out)
}

/// Compiles one condition value for its operator. IP ranges are checked
/// here, as AWS checks them when a policy is written: a value that is not an
/// IPv4 or IPv6 address or CIDR block fails legacy parsing.
fn compile_value(
    op: BaseOperator,
    text: &str,
    variables: bool,
    pos: Position,
) -> Result<ValueMatcher, PolicyError> {
    use BaseOperator::*;
    let opts = |wildcards, lowercase| PatternOptions {
        wildcards,
        variables,
        lowercase,
    };
    Ok(match op {
        StringEquals | StringNotEquals => {
            ValueMatcher::Text(Pattern::compile(text, opts(false, false)))
        }
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            ValueMatcher::Text(Pattern::compile(text, opts(false, true)))
        }
        StringLike | StringNotLike => ValueMatcher::Text(Pattern::compile(text, opts(true, false))),
        Bool => ValueMatcher::Text(Pattern::compile(text, opts(false, true))),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
            ValueMatcher::Arn(ArnPattern::compile(text, opts(true, false)))
        }
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => ValueMatcher::Number(Number::parse(text)),
        DateEquals
        | DateNotEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => ValueMatcher::Date(crate::value::parse_date(text)),
        IpAddress | NotIpAddress => match Cidr::parse(text) {
            Some(cidr) => ValueMatcher::Ip(cidr),
            None => {
                return Err(legacy(
                    pos,
                    format!("\"{text}\" is not an IP address or CIDR block"),
                ));
            }
        },
        BinaryEquals => ValueMatcher::Binary(text.to_string()),
        Null => ValueMatcher::Null(match text.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        Policy::parse(text, kind)
    }

    #[test]
    fn identity_policy_rejects_principal() {
        let e = parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#,
            PolicyKind::managed(),
        )
        .expect_err("principal");
        assert_eq!(e.message, "Policy document should not specify a principal.");
        assert_eq!(
            e.position,
            Some(Position {
                line: 1,
                column: 67
            })
        );
    }

    #[test]
    fn operators_parse() {
        let op = Operator::parse("ForAnyValue:StringLikeIfExists").expect("valid");
        assert_eq!(op.set, Some(SetOperator::ForAnyValue));
        assert!(op.if_exists);
        assert_eq!(op.to_string(), "ForAnyValue:StringLikeIfExists");
        assert!(Operator::parse("StringEqualz").is_none());
        assert!(Operator::parse("NullIfExists").is_none());
    }

    #[test]
    fn size_limits() {
        let big = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::{}"}}}}"#,
            "a".repeat(2100)
        );
        let e = parse(&big, PolicyKind::inline_user()).expect_err("too big");
        assert_eq!(e.code, PolicyErrorCode::LimitExceeded);
        assert!(parse(&big, PolicyKind::managed()).is_ok());
        let e = parse(&big, PolicyKind::session()).expect_err("too big");
        assert_eq!(e.code, PolicyErrorCode::PackedPolicyTooLarge);
    }

    #[test]
    fn principals_normalise() {
        assert_eq!(
            parse_aws_principal("arn:aws:iam::123456789012:root"),
            Some(AwsPrincipal::Account("123456789012".into()))
        );
        assert!(parse_aws_principal("arn:aws:iam::123456789012:user/*").is_none());
        assert!(parse_aws_principal("arn:aws:s3:::bucket").is_none());
        assert!(parse_aws_principal("arn:aws:sts::123456789012:assumed-role/R/s").is_some());
    }

    #[test]
    fn principal_arns_need_a_name() {
        let accepted = [
            "arn:aws:iam::123456789012:user/a",
            "arn:aws:iam::123456789012:user/p/a",
            "arn:aws:iam::123456789012:user/p:q/a",
            "arn:aws:iam::123456789012:role/a",
            "arn:aws-cn:sts::123456789012:assumed-role/R/s/t",
            "arn:aws:sts::123456789012:federated-user/f",
        ];
        for text in accepted {
            let parsed = parse_aws_principal(text);
            assert_eq!(parsed, Some(AwsPrincipal::Arn(text.into())), "{text}");
            assert_eq!(
                parsed
                    .as_ref()
                    .and_then(AwsPrincipal::names_entity)
                    .is_some(),
                !text.contains(":sts:"),
                "{text}"
            );
        }
        let refused = [
            "arn:aws:iam::123456789012:user/",
            "arn:aws:iam::123456789012:user/a/",
            "arn:aws:iam::123456789012:user",
            "arn:aws:iam::123456789012:group/g",
            "arn:aws:iam::123456789012:",
            "arn::iam::123456789012:user/a",
            "arn:aws:iam:us-east-1:123456789012:user/a",
            "arn:aws:iam::12345678901:user/a",
            "arn:aws:sts::123456789012:assumed-role/R",
            "arn:aws:sts::123456789012:assumed-role/R/",
            "arn:aws:sts::123456789012:assumed-role//s",
            "arn:aws:sts::123456789012:federated-user/",
            "arn:aws:sts::123456789012:root",
            "arn:aws:iam::123456789012",
            "nra:aws:iam::123456789012:user/a",
        ];
        for text in refused {
            assert_eq!(parse_aws_principal(text), None, "{text}");
        }
    }
}
