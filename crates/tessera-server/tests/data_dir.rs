//! The data directory over its life: the modes of the files it holds.

mod common;

use common::TestServer;

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_its_journal_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start().await;
    server
        .iam_ok(
            &server.root,
            &[("Action", "CreateUser"), ("UserName", "bob")],
        )
        .await;
    let db = server.data.database_path();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let mode = std::fs::metadata(&name)
            .unwrap_or_else(|e| panic!("{name:?}: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name:?}");
    }
}
