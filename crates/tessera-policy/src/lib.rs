//! tessera-policy: the AWS IAM policy language.
//!
//! Pure (no I/O, no clock): the server reads policies from its store and
//! the time from its clock, and hands both in.
//!
//! * [`json`] — the document shape users write, read with positions and
//!   written back ([`Policy::to_json`]).
//! * [`ast`] — [`Policy::parse`]: validation with AWS's
//!   `MalformedPolicyDocument` / `LimitExceeded` / `PackedPolicyTooLarge`
//!   errors and compiled statements, for documents being written;
//!   [`Policy::parse_stored`] for stored documents read back to evaluate
//!   (rules added since they were written are not applied to them).
//! * [`eval`] — [`RequestContext`] and the evaluation of one statement or
//!   condition.
//! * [`decide`](mod@decide) — [`decide()`]: the layered AWS decision with its
//!   explanation.
//!
//! ```
//! use tessera_policy::{decide, AuthorizationRequest, Policy, PolicyKind, Principal, RequestContext};
//!
//! let policy = Policy::parse(
//!     r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/*"}}"#,
//!     PolicyKind::inline_user(),
//! ).unwrap();
//! let trust = Policy::parse(
//!     r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}}"#,
//!     PolicyKind::trust(),
//! ).unwrap();
//! let ctx = RequestContext::new(
//!     Principal::user("arn:aws:iam::111122223333:user/alice").unwrap(),
//!     "sts:AssumeRole",
//!     "arn:aws:iam::111122223333:role/admin",
//! ).with_resource_account("111122223333");
//! let req = AuthorizationRequest::new(&ctx)
//!     .identity("user/alice/inline/assume", &policy)
//!     .trust("arn:aws:iam::111122223333:role/admin", &trust);
//! assert!(decide(&req).is_allowed());
//! ```

pub mod ast;
pub mod decide;
pub mod eval;
pub mod json;
mod value;

pub use ast::{
    Effect, Operator, Policy, PolicyError, PolicyErrorCode, PolicyKind, SizeLimit, SizeQuota,
    Statement, Version, context_keys,
};
pub use decide::{
    AuthorizationRequest, Decision, DecisionEffect, DecisionReason, Layer, LayerOutcome,
    LayerReport, MatchedStatement, PolicyRef, ResourcePolicy, ResourcePolicyKind, decide,
};
pub use eval::{
    ContextError, ContextKeys, ContextValue, EvalOptions, Principal, PrincipalKind, PrincipalMatch,
    RequestContext, StatementMatch, evaluate_condition, evaluate_statement,
};
pub use json::Position;
