use serde::{Deserialize, Serialize};

/// Who a temporary session acts for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionPrincipal {
    /// The root user of an account (GetSessionToken as root).
    Root {
        /// The account id.
        account_id: String,
    },
    /// An IAM user (GetSessionToken).
    User {
        /// The account id.
        account_id: String,
        /// The user's unique id (`AIDA…`).
        user_id: String,
        /// The user's name.
        user_name: String,
        /// The user's path (`/` by default).
        path: String,
    },
    /// A role session (AssumeRole and federation).
    AssumedRole {
        /// The role's account id.
        account_id: String,
        /// The role's unique id (`AROA…`).
        role_id: String,
        /// The role's name.
        role_name: String,
        /// The role's path.
        role_path: String,
        /// The session name.
        session_name: String,
    },
    /// A federated user (GetFederationToken).
    FederatedUser {
        /// The account id.
        account_id: String,
        /// The federated user's name.
        name: String,
        /// The unique id of the IAM user (or account) that asked for it.
        caller_id: String,
    },
}

impl SessionPrincipal {
    /// The account the session belongs to.
    pub fn account_id(&self) -> &str {
        match self {
            Self::Root { account_id }
            | Self::User { account_id, .. }
            | Self::AssumedRole { account_id, .. }
            | Self::FederatedUser { account_id, .. } => account_id,
        }
    }
}

/// A session tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTag {
    /// The tag key.
    pub key: String,
    /// The tag value.
    pub value: String,
}

/// Everything a session token asserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The temporary access key id (`ASIA…`), also bound as associated data.
    pub access_key_id: String,
    /// The temporary secret access key.
    pub secret_access_key: String,
    /// Who the session acts for.
    pub principal: SessionPrincipal,
    /// Issue time (Unix seconds).
    pub issued_at: i64,
    /// Expiry time (Unix seconds).
    pub expires_at: i64,
    /// Inline session policies (JSON documents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session_policies: Vec<String>,
    /// Managed session policies (ARNs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_arns: Vec<String>,
    /// Session tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<SessionTag>,
    /// Tag keys that pass on to chained role sessions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tag_keys: Vec<String>,
    /// The source identity, once set never changed in a chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// When MFA was verified for this session (Unix seconds), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_authenticated_at: Option<i64>,
    /// How many role assumptions led to this session (0 for a first one).
    #[serde(default)]
    pub chain_depth: u8,
}
