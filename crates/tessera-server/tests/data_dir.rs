//! The data directory over its life: key rotations years apart while a
//! server runs, stored secrets the key ring cannot open, and the modes of
//! the files it holds.

mod common;

use base64::{Engine, engine::general_purpose::STANDARD};
use common::{Creds, TestServer, code, tag};
use std::sync::{Arc, Mutex, OnceLock};
use tessera_token::{Clock, KeyRing};
use time::Duration;

const IDENTITY: &[(&str, &str)] = &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")];
const ALLOW_STS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}"#;
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";

/// Every error event of this test binary, as text.
fn error_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    Arc::clone(LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::ERROR)
            .with_ansi(false)
            .with_writer(move || Sink(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("subscriber");
        log
    }))
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged(log: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&log.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

/// The TOTP code of a Base32 seed at the server's clock time.
fn code_now(server: &TestServer, base32_seed: &str) -> String {
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(base32_seed).expect("base32"))
        .build()
        .expect("totp")
        .generate(server.clock.now().unix_timestamp() as u64)
        .to_string()
}

/// A virtual MFA device.
struct Device {
    serial: String,
    seed: String,
}

/// Creates a virtual MFA device as root; enabled for `user` if given.
async fn device(server: &TestServer, name: &str, user: Option<&str>) -> Device {
    let body = server
        .iam_ok(
            &server.root,
            &[
                ("Action", "CreateVirtualMFADevice"),
                ("VirtualMFADeviceName", name),
            ],
        )
        .await;
    let seed = STANDARD
        .decode(tag(&body, "Base32StringSeed"))
        .expect("base64 seed");
    let device = Device {
        serial: tag(&body, "SerialNumber"),
        seed: String::from_utf8(seed).expect("base32 text"),
    };
    if let Some(user) = user {
        let now = server.clock.now().unix_timestamp() as u64;
        let totp = totp_rs::Builder::new()
            .with_secret(totp_rs::Secret::try_from_base32(&device.seed).expect("base32"))
            .build()
            .expect("totp");
        server
            .iam_ok(
                &server.root,
                &[
                    ("Action", "EnableMFADevice"),
                    ("UserName", user),
                    ("SerialNumber", &device.serial),
                    ("AuthenticationCode1", &totp.generate(now - 30).to_string()),
                    ("AuthenticationCode2", &totp.generate(now).to_string()),
                ],
            )
            .await;
    }
    device
}

/// GetSessionToken as `creds` with a code of `device`.
async fn session_with_mfa(
    server: &TestServer,
    creds: &Creds,
    device: &Device,
    token_code: &str,
) -> (u16, String) {
    server
        .call(
            creds,
            &[
                ("Action", "GetSessionToken"),
                ("Version", "2011-06-15"),
                ("SerialNumber", &device.serial),
                ("TokenCode", token_code),
            ],
        )
        .await
}

/// The root key, an IAM user's key and the user's MFA device all work, and
/// a wrong MFA code is still refused.
async fn assert_every_credential_works(server: &TestServer, bob: &Creds, phone: &Device) {
    for creds in [&server.root, bob] {
        let (status, body) = server.call(creds, IDENTITY).await;
        assert_eq!(status, 200, "{}: {body}", creds.access_key_id);
    }
    let (status, body) = session_with_mfa(server, bob, phone, &code_now(server, &phone.seed)).await;
    assert_eq!(status, 200, "MFA: {body}");
    let session = common::session_creds(&body);
    let (status, body) = server.call(&session, IDENTITY).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = session_with_mfa(server, bob, phone, "000000").await;
    assert_eq!((status, code(&body)), (403, "AccessDenied".to_string()));
}

#[tokio::test]
async fn every_credential_survives_rotations_years_apart() {
    let server = TestServer::start().await;
    let bob = server
        .user_with_key(&server.root, "bob", Some(ALLOW_STS))
        .await;
    let phone = device(&server, "bob-phone", Some("bob")).await;
    // Past the step whose code enabled the device.
    server.clock.advance(Duration::seconds(30));
    assert_every_credential_works(&server, &bob, &phone).await;

    for year in 1..=4u32 {
        server.clock.advance(Duration::days(365));
        let rotation = common::rotate_keys(&server.data, server.clock.now()).await;
        assert_eq!(rotation.active, year + 1);
        assert_eq!(rotation.resealed, 3, "root key, bob's key, bob's device");
        assert_eq!(rotation.unopenable, 0);
        // The key retired a year ago seals nothing any more: dropped. The
        // one retired just now stays for the tokens it minted.
        let expected: Vec<u32> = (year >= 2).then_some(year - 1).into_iter().collect();
        assert_eq!(rotation.dropped, expected, "year {year}");
        let (_, keys) = common::open_store(&server.data).await;
        assert_eq!(keys.current().keys().len(), 2);
        // At once, on the server that was running all along.
        assert_every_credential_works(&server, &bob, &phone).await;
    }
    // And on a process started afresh.
    let fresh = server.sibling().await;
    server.clock.advance(Duration::seconds(30));
    assert_every_credential_works(&fresh, &bob, &phone).await;
}

#[tokio::test]
async fn a_rotation_cut_short_changes_nothing() {
    let server = TestServer::start().await;
    let bob = server
        .user_with_key(&server.root, "bob", Some(ALLOW_STS))
        .await;
    let phone = device(&server, "bob-phone", Some("bob")).await;
    // A rotation's transaction, cut short after the new ring and one
    // re-sealed secret are written: rolled back.
    server.clock.advance(Duration::days(365));
    let (store, _) = common::open_store(&server.data).await;
    let master = tessera_token::MasterKey::read(server.data.master_key_path()).expect("master");
    let stored = tessera_store::KeyRingStore::ring_keys(&store)
        .await
        .expect("ring");
    let mut ring = master
        .open_ring(&tessera_server::sealed_ring_keys(&stored))
        .expect("open");
    ring.add_key(server.clock.now()).expect("add");
    let mut tx = tessera_store::SealedStore::begin_sealed(&store)
        .await
        .expect("begin");
    let value = tx.sealed_values().await.expect("values").remove(0);
    let resealed = ring
        .reseal_secret(&value.owner, &value.sealed)
        .expect("reseal")
        .expect("under the new key");
    tx.replace_sealed(value.kind, &value.owner, &resealed)
        .await
        .expect("replace");
    tx.replace_ring(&tessera_server::ring_key_records(
        &master.seal_ring(&ring).expect("seal"),
    ))
    .await
    .expect("ring");
    drop(tx);
    store.close().await;
    let (_, reopened) = common::open_store(&server.data).await;
    assert_eq!(reopened.current().active_id().expect("active"), 1);
    assert_every_credential_works(&server, &bob, &phone).await;
    // Later rotations complete the work; nothing was lost in between.
    for _ in 0..2 {
        server.clock.advance(Duration::days(365));
        let rotation = common::rotate_keys(&server.data, server.clock.now()).await;
        assert_eq!(rotation.resealed, 3);
        assert_every_credential_works(&server, &bob, &phone).await;
    }
}

#[tokio::test]
async fn a_denial_encoded_after_a_rotation_decodes_on_a_process_that_has_not_reloaded() {
    let a = TestServer::start().await;
    let bob = a.user_with_key(&a.root, "bob", None).await;
    // Minted before the rotation: using it makes `a` reload nothing.
    let session = a.session_token(&a.root, None).await;
    common::rotate_keys(&a.data, a.clock.now()).await;
    let b = a.sibling().await;
    let (status, body) = b.iam(&bob, &[("Action", "ListUsers")]).await;
    assert_eq!(status, 403, "{body}");
    let encoded = tag(&body, "Message")
        .split("Encoded authorization failure message: ")
        .nth(1)
        .expect("an encoded message")
        .to_string();
    assert_eq!(tessera_token::sealed_message_key_id(&encoded), Some(2));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await; // past the reload rate limit
    let (status, body) = a
        .call(
            &session,
            &[
                ("Action", "DecodeAuthorizationMessage"),
                ("Version", "2011-06-15"),
                ("EncodedMessage", &encoded),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Overwrites a sealed column of the store, as damage or a foreign key
/// ring would leave it.
async fn overwrite(server: &TestServer, sql: &str, sealed: &str, owner: &str) {
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        server.data.database_path().display()
    ))
    .await
    .expect("pool");
    let done = sqlx::query(sql)
        .bind(sealed)
        .bind(owner)
        .execute(&pool)
        .await
        .expect("update");
    assert_eq!(done.rows_affected(), 1);
    pool.close().await;
}

const SET_SECRET: &str = "UPDATE access_keys SET sealed_secret = ? WHERE access_key_id = ?";
const SET_SEED: &str = "UPDATE mfa_devices SET sealed_seed = ? WHERE serial_number = ?";

#[tokio::test]
async fn stored_secrets_that_cannot_be_opened_fail_closed() {
    let log = error_log();
    let server = TestServer::start().await;
    let bob = server
        .user_with_key(&server.root, "bob", Some(ALLOW_STS))
        .await;
    let phone = device(&server, "bob-phone", Some("bob")).await;
    let spare = device(&server, "spare", None).await;
    let foreign = KeyRing::generate(server.clock.now()).expect("ring");
    server.clock.advance(Duration::seconds(30));
    assert_every_credential_works(&server, &bob, &phone).await;
    server.clock.advance(Duration::seconds(30));

    // An MFA seed that cannot be opened: the device accepts no code.
    let foreign_seed = foreign
        .seal_secret(&phone.serial, &phone.seed)
        .expect("seal");
    overwrite(&server, SET_SEED, &foreign_seed, &phone.serial).await;
    let (status, body) =
        session_with_mfa(&server, &bob, &phone, &code_now(&server, &phone.seed)).await;
    assert_eq!((status, code(&body)), (403, "AccessDenied".to_string()));
    let spare_seed = foreign
        .seal_secret(&spare.serial, &spare.seed)
        .expect("seal");
    overwrite(&server, SET_SEED, &spare_seed, &spare.serial).await;
    let now = server.clock.now().unix_timestamp();
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(&spare.seed).expect("base32"))
        .build()
        .expect("totp");
    server
        .iam_ok(
            &server.root,
            &[("Action", "CreateUser"), ("UserName", "carol")],
        )
        .await;
    let (status, body) = server
        .iam(
            &server.root,
            &[
                ("Action", "EnableMFADevice"),
                ("UserName", "carol"),
                ("SerialNumber", &spare.serial),
                (
                    "AuthenticationCode1",
                    &totp.generate(now as u64 - 30).to_string(),
                ),
                (
                    "AuthenticationCode2",
                    &totp.generate(now as u64).to_string(),
                ),
            ],
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, "InvalidAuthenticationCode".to_string()),
        "{body}"
    );

    // An access key whose secret cannot be opened: sealed by a foreign ring
    // under a key id the ring holds, under one it does not hold, or not
    // sealed at all.
    let mut other_id = KeyRing::generate(server.clock.now()).expect("ring");
    for _ in 0..98 {
        other_id.add_key(server.clock.now()).expect("add");
    }
    for sealed in [
        foreign
            .seal_secret(&bob.access_key_id, &bob.secret)
            .expect("seal"),
        other_id
            .seal_secret(&bob.access_key_id, &bob.secret)
            .expect("seal"),
        "v1:!!".to_string(),
        bob.secret.clone(),
    ] {
        overwrite(&server, SET_SECRET, &sealed, &bob.access_key_id).await;
        let (status, body) = server.call(&bob, IDENTITY).await;
        assert_eq!(
            (status, code(&body), tag(&body, "Message")),
            (
                403,
                "InvalidClientTokenId".to_string(),
                INVALID_TOKEN.to_string()
            ),
        );
    }

    // A rotation leaves what it cannot open as it is, and re-seals the rest.
    let rotation = common::rotate_keys(&server.data, server.clock.now()).await;
    assert_eq!((rotation.resealed, rotation.unopenable), (1, 3));
    let (status, body) = server.call(&server.root, IDENTITY).await;
    assert_eq!(status, 200, "{body}");

    // The operator is told which secret failed; the secrets never appear.
    let text = logged(&log);
    assert!(
        text.contains("the stored secret of an access key cannot be opened")
            && text.contains(&bob.access_key_id),
        "{text}"
    );
    assert!(
        text.contains("the stored seed of an MFA device cannot be opened")
            && text.contains(&phone.serial),
        "{text}"
    );
    assert!(text.contains("a stored secret cannot be opened with the key ring; left as it is"));
    for secret in [&bob.secret, &phone.seed, &spare.seed, &server.root.secret] {
        assert!(!text.contains(secret.as_str()), "a secret was logged");
    }
}

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
