use crate::{PolicyStore, SqliteStore};
use async_trait::async_trait;

#[async_trait]
impl PolicyStore for SqliteStore {}
