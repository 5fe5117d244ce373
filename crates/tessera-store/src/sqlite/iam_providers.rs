use crate::{ProviderStore, SqliteStore};
use async_trait::async_trait;

#[async_trait]
impl ProviderStore for SqliteStore {}
