//! Fresh PostgreSQL databases for tests: each test creates its own on the
//! server `TESSERA_TEST_POSTGRES` names (by default
//! `postgres://root@127.0.0.1:5432/postgres`) and drops it when done. A
//! server that cannot be reached fails the test: PostgreSQL is never
//! skipped silently.

use sqlx::{Connection, Executor, PgConnection};

/// The server tests use, as an administrator's URL.
pub fn server_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "postgres://root@127.0.0.1:5432/postgres".to_string())
}

/// `url` with its database replaced by `name`, its options kept.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |at| at + 3);
    let host_end = base[authority..]
        .find('/')
        .map_or(base.len(), |at| authority + at);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A database created for one test.
#[derive(Debug)]
pub struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates an empty database with a name of its own.
    pub async fn create() -> Self {
        let admin = server_url();
        let name = format!("tessera_test_{}", uuid_like());
        let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|error| {
            panic!(
                "PostgreSQL for the tests is not reachable at {admin} ({error}); \
                 set TESSERA_TEST_POSTGRES, or run scripts/test, which starts one"
            )
        });
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the test database");
        conn.close().await.ok();
        let url = with_database(&admin, &name);
        Self { admin, name, url }
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops it, closing whatever connections are left.
    pub async fn drop_database(self) {
        let mut conn = PgConnection::connect(&self.admin)
            .await
            .expect("connect to drop the test database");
        conn.execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await
            .expect("drop the test database");
        conn.close().await.ok();
    }
}

/// 24 hexadecimal digits from the clock and the process, unique enough for
/// tests that run at once.
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:x}_{:x}_{:x}",
        nanos & 0xffff_ffff_ffff,
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://root@127.0.0.1:5432/postgres", "t1"),
            "postgres://root@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@db:5/x?sslmode=require", "t2"),
            "postgres://u:p@db:5/t2?sslmode=require"
        );
        assert_eq!(with_database("postgres://db", "t3"), "postgres://db/t3");
    }
}
