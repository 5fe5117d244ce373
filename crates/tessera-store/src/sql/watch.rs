//! How a node learns that the store changed: every counted write adds one
//! to `store_changes.version`, and a task of each open store looks at it,
//! emptying the cache of hot reads when it moved. On PostgreSQL, a write
//! also sends a notification on [`CHANNEL`] when it commits, which the task
//! listens for, so that a change reaches every node within milliseconds;
//! the counter is still polled, at [`POSTGRES_POLL`], for a notification
//! that was lost while the listening connection was down.

use super::{Backend, SqlStore, cache::HotCache};
use sqlx::AnyPool;
use std::{
    sync::{Arc, Weak},
    time::Duration,
};

/// The channel PostgreSQL notifies on.
pub(crate) const CHANNEL: &str = "tessera_changes";
/// What a write runs so that PostgreSQL notifies [`CHANNEL`] when it
/// commits (a rolled-back write notifies nothing).
pub(crate) const NOTIFY: &str = "SELECT pg_notify('tessera_changes', '')";
/// How often an SQLite store looks at the counter: its writers are this
/// node and the CLI on the same machine.
const SQLITE_POLL: Duration = Duration::from_millis(250);
/// How often a PostgreSQL store looks at the counter, besides listening.
const POSTGRES_POLL: Duration = Duration::from_secs(1);
/// How long the listener waits before connecting again.
const RECONNECT: Duration = Duration::from_millis(500);

impl SqlStore {
    /// Starts the task that polls the change counter; it ends with the
    /// store.
    pub(super) fn watch(&self) {
        let every = match self.backend {
            Backend::Sqlite => SQLITE_POLL,
            Backend::Postgres => POSTGRES_POLL,
        };
        tokio::spawn(poll(self.pool.clone(), Arc::downgrade(&self.cache), every));
    }

    /// Starts both tasks of a PostgreSQL store: the poll, and the listener.
    pub(super) fn watch_postgres(&self, url: String) {
        self.watch();
        tokio::spawn(listen(url, Arc::downgrade(&self.cache)));
    }
}

async fn version(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM store_changes WHERE id = 1")
        .fetch_one(pool)
        .await
}

async fn poll(pool: AnyPool, cache: Weak<HotCache>, every: Duration) {
    let mut seen = version(&pool).await.ok();
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(cache) = cache.upgrade() else { return };
        if pool.is_closed() {
            return;
        }
        match version(&pool).await {
            Ok(now) if Some(now) != seen => {
                seen = Some(now);
                cache.clear();
            }
            Ok(_) => {}
            // Unreachable: what is kept ages out on its own (see `cache`).
            Err(sqlx::Error::PoolClosed) => return,
            Err(_) => {}
        }
    }
}

async fn listen(url: String, cache: Weak<HotCache>) {
    loop {
        if cache.upgrade().is_none() {
            return;
        }
        match listen_once(&url, &cache).await {
            Ok(()) => return,
            Err(error) => {
                tracing::debug!(%error, "store change listener disconnected");
                tokio::time::sleep(RECONNECT).await;
            }
        }
    }
}

/// Listens on one connection until it fails (`Err`) or the store is gone.
async fn listen_once(url: &str, cache: &Weak<HotCache>) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.ignore_pool_close_event(true);
    listener.listen(CHANNEL).await?;
    // Whatever changed while no one listened is unknown.
    match cache.upgrade() {
        Some(cache) => cache.clear(),
        None => return Ok(()),
    }
    loop {
        let notified = tokio::time::timeout(POSTGRES_POLL, listener.try_recv()).await;
        let Some(cache) = cache.upgrade() else {
            return Ok(());
        };
        match notified {
            // A notification, or the connection was lost and made again
            // (notifications may have been missed): either way, empty.
            Ok(Ok(_)) => cache.clear(),
            Ok(Err(error)) => return Err(error),
            Err(_elapsed) => {}
        }
    }
}
