//! The AWS SDK for Rust (`aws-sdk-sts`) against a real Tessera server.

use aws_credential_types::Credentials;
use aws_sdk_sts::{Client, config::Region, error::ProvideErrorMetadata};
use std::sync::Arc;
use tessera_server::{AppState, DataDir};
use tessera_token::{Clock, SystemClock};
use tokio::sync::oneshot;

struct Server {
    endpoint: String,
    data: DataDir,
    account_id: String,
    _dir: tempfile::TempDir,
    _shutdown: oneshot::Sender<()>,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().expect("dir");
    let data = DataDir::new(dir.path().join("data"));
    let clock = SystemClock;
    data.create().expect("data directory");
    let store = tessera_store::SqlStore::open_sqlite(&data.database_path())
        .await
        .expect("store");
    let (keys, created) = data
        .open_or_bootstrap(std::sync::Arc::new(store.clone()), clock.now())
        .await
        .expect("bootstrap");
    let account_id = created.expect("new data dir").account_id;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState::new(Arc::new(store), Arc::new(keys), Arc::new(clock));
    let (tx, rx) = oneshot::channel();
    tokio::spawn(tessera_server::serve(listener, state, async {
        let _ = rx.await;
    }));
    Server {
        endpoint,
        data,
        account_id,
        _dir: dir,
        _shutdown: tx,
    }
}

fn root_credentials(data: &DataDir) -> Credentials {
    let text = std::fs::read_to_string(data.credentials_path()).expect("credentials");
    let value = |key: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|r| r.trim().strip_prefix('='))
                    .map(|v| v.trim().to_string())
            })
            .expect("key in file")
    };
    Credentials::new(
        value("aws_access_key_id"),
        value("aws_secret_access_key"),
        None,
        None,
        "root-credentials",
    )
}

async fn client(endpoint: &str, credentials: Credentials, region: &'static str) -> Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .load()
        .await;
    Client::new(&config)
}

#[tokio::test]
async fn sdk_caller_identity_session_token_and_errors() {
    let server = start().await;
    let root = root_credentials(&server.data);
    let sts = client(&server.endpoint, root.clone(), "us-east-1").await;

    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .expect("root identity");
    assert_eq!(identity.account(), Some(server.account_id.as_str()));
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:iam::{}:root", server.account_id).as_str())
    );

    let session = sts
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .expect("session token");
    let creds = session.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    let remaining = creds.expiration().secs() - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((890..=900).contains(&remaining), "expires in {remaining}s");

    let temporary = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_string()),
        None,
        "session",
    );
    let session_sts = client(&server.endpoint, temporary, "eu-central-1").await;
    let identity = session_sts
        .get_caller_identity()
        .send()
        .await
        .expect("session identity");
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:iam::{}:root", server.account_id).as_str())
    );

    let info = session_sts
        .get_access_key_info()
        .access_key_id(creds.access_key_id())
        .send()
        .await
        .expect("key info");
    assert_eq!(info.account(), Some(server.account_id.as_str()));

    let wrong = Credentials::new(root.access_key_id(), "x".repeat(40), None, None, "wrong");
    let err = client(&server.endpoint, wrong, "us-east-1")
        .await
        .get_caller_identity()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));

    let mut token = creds.session_token().to_string();
    token.replace_range(10..11, if &token[10..11] == "A" { "B" } else { "A" });
    let tampered = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(token),
        None,
        "t",
    );
    let err = client(&server.endpoint, tampered, "us-east-1")
        .await
        .get_caller_identity()
        .send()
        .await
        .expect_err("tampered token");
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
}
