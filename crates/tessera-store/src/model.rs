/// An account: the unit of ownership and isolation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    /// The account's name (unique, used for the CLI's profiles).
    pub name: String,
    /// Creation time (Unix seconds).
    pub created_at: i64,
}

/// Whether a long-term key may authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKeyStatus {
    /// The key authenticates.
    Active,
    /// The key exists but fails authentication.
    Inactive,
}

impl AccessKeyStatus {
    /// The status as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }

    /// Parses AWS's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// A long-term access key. The secret is stored sealed by the key ring.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    /// The key id (`AKIA…`).
    pub access_key_id: String,
    /// The owning account.
    pub account_id: String,
    /// The owning IAM user's unique id, or `None` for the account's root user.
    pub user_id: Option<String>,
    /// The secret, encrypted.
    pub sealed_secret: String,
    /// Active or inactive.
    pub status: AccessKeyStatus,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Last use (Unix seconds), service and region.
    pub last_used: Option<(i64, String, String)>,
}

impl std::fmt::Debug for AccessKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyRecord")
            .field("access_key_id", &self.access_key_id)
            .field("account_id", &self.account_id)
            .field("user_id", &self.user_id)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}
