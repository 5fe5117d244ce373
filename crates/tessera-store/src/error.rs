use thiserror::Error;

/// A store operation's failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness rule was violated: the entity exists already.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The entity does not exist (the message is AWS's `NoSuchEntity` text).
    #[error("{0}")]
    NotFound(String),
    /// The entity is still in use (AWS's `DeleteConflict` text).
    #[error("{0}")]
    Conflict(String),
    /// A quota would be exceeded (AWS's `LimitExceeded` text).
    #[error("{0}")]
    LimitExceeded(String),
    /// The database could not be opened, migrated or queried.
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            return Self::AlreadyExists(db.message().to_string());
        }
        Self::Database(error.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Self::Database(error.to_string())
    }
}
