//! A state over a new data directory, for calling actions in unit tests.

use super::{Action, Context, call};
use crate::{AppState, AwsError, Caller, DataDir};
use std::sync::Arc;
use tessera_token::ManualClock;
use time::macros::datetime;

/// The parameters of a request that carries `pairs`.
pub fn params(pairs: &[(&str, &str)]) -> crate::params::Params {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    crate::params::Params::from_request(&query, None, b"", crate::params::BodyRule::ByContentType)
        .expect("parameters")
}

/// A bootstrapped account and its root user.
pub struct Fixture {
    /// The state.
    pub state: AppState,
    /// The account's root user.
    pub root: Caller,
    /// The account.
    pub account_id: String,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// A new data directory with one account, at 2026-03-01 12:00 UTC.
    pub async fn new() -> Self {
        let now = datetime!(2026-03-01 12:00 UTC);
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path().join("data"));
        data.create().expect("data directory");
        let store: Arc<dyn tessera_store::Store> = Arc::new(
            tessera_store::SqlStore::open_sqlite(&data.database_path())
                .await
                .expect("store"),
        );
        let (keys, created) = data
            .open_or_bootstrap(Arc::clone(&store), now)
            .await
            .expect("bootstrap");
        let account_id = created.expect("new account").account_id;
        let state = AppState::new(store, Arc::new(keys), Arc::new(ManualClock::new(now)));
        Self {
            state,
            root: Caller::Root {
                account_id: account_id.clone(),
                access_key_id: "AKIAROOT".to_string(),
            },
            account_id,
            _dir: dir,
        }
    }

    /// Calls `input` as `caller`, authorized as the runner does.
    pub async fn call_as<A: Action>(
        &self,
        caller: &Caller,
        input: A,
    ) -> Result<A::Output, AwsError> {
        let spec = A::SPEC;
        call(&Context::new(&self.state, caller, &spec), input).await
    }

    /// Calls `input` as the account's root user.
    pub async fn call<A: Action>(&self, input: A) -> Result<A::Output, AwsError> {
        self.call_as(&self.root, input).await
    }
}
