//! Errors of parsing and validating a policy.

use crate::json::Position;
use std::fmt;

/// The AWS error code a rejected policy maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PolicyErrorCode {
    /// The document is not a valid policy (`MalformedPolicyDocument`, HTTP 400).
    MalformedPolicyDocument,
    /// An IAM size quota was exceeded (`LimitExceeded`, HTTP 409).
    LimitExceeded,
    /// A session policy is too large (`PackedPolicyTooLarge`, HTTP 400).
    PackedPolicyTooLarge,
}

impl PolicyErrorCode {
    /// The code exactly as AWS spells it in `<Code>`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyErrorCode::MalformedPolicyDocument => "MalformedPolicyDocument",
            PolicyErrorCode::LimitExceeded => "LimitExceeded",
            PolicyErrorCode::PackedPolicyTooLarge => "PackedPolicyTooLarge",
        }
    }
}

impl fmt::Display for PolicyErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a policy was rejected: AWS code, AWS-style message, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// The AWS error code.
    pub code: PolicyErrorCode,
    /// The message AWS returns in `<Message>`.
    pub message: String,
    /// Line and column of the offending element, when there is one.
    pub position: Option<Position>,
    /// A longer explanation for people (not part of AWS's message).
    pub detail: Option<String>,
}

impl PolicyError {
    pub(crate) fn malformed(message: impl Into<String>, position: Option<Position>) -> Self {
        PolicyError {
            code: PolicyErrorCode::MalformedPolicyDocument,
            message: message.into(),
            position,
            detail: None,
        }
    }

    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(p) = self.position {
            write!(f, " (line {}, column {})", p.line, p.column)?;
        }
        if let Some(d) = &self.detail {
            write!(f, " [{d}]")?;
        }
        Ok(())
    }
}
