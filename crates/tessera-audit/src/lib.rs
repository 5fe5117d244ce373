//! The audit trail: one JSON object per line for every STS and IAM call and
//! every authorizer decision, shaped like a CloudTrail record
//! ([`AuditRecord`]), with every secret the request or response carried
//! replaced by [`HIDDEN`] ([`redact`]). [`AuditLog`] writes the lines to a
//! file (reopened on demand, for log rotation) or standard output; in
//! required mode a request whose record cannot be written is refused.

mod log;
mod record;
pub mod redact;

pub use log::{AuditError, AuditLog, AuditTarget, MAX_PENDING};
pub use record::{AuditRecord, SessionContext, SessionIssuer, UserIdentity};
pub use redact::HIDDEN;
