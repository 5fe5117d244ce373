use thiserror::Error;

/// Why a token, key ring or sealed secret could not be used.
#[derive(Debug, Error)]
pub enum TokenError {
    /// The token is not a well-formed envelope, was minted under an unknown
    /// key, was altered, or belongs to another access key id.
    #[error("the security token is invalid")]
    Invalid,
    /// A sealed secret did not decrypt under any key of the ring.
    #[error("a stored secret could not be decrypted")]
    SecretUndecryptable,
    /// The key ring has no active key.
    #[error("the key ring has no active key")]
    NoActiveKey,
    /// The key ring file is unreadable or malformed.
    #[error("key ring {path}: {reason}")]
    KeyRingFile {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The master key file is unreadable or malformed.
    #[error("master key {path}: {reason}")]
    MasterKeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The master key does not open the key ring the store keeps.
    #[error("the master key does not open this store's key ring")]
    MasterKeyMismatch,
    /// The system random generator failed.
    #[error("the system random generator failed")]
    Random,
}
