//! A real Tessera server on a free port with a temporary data directory and
//! a clock the test moves; requests signed by the independent `aws-sigv4`.

#![allow(dead_code)]

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tessera_server::{AppState, DataDir, KeyRingHandle};
use tessera_store::SqlStore;
use tessera_token::{Clock, ManualClock};
use time::{OffsetDateTime, macros::datetime};
use tokio::sync::oneshot;

pub const START: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

/// Credentials a test signs with.
#[derive(Debug, Clone)]
pub struct Creds {
    pub access_key_id: String,
    pub secret: String,
    pub token: Option<String>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub clock: ManualClock,
    pub data: DataDir,
    pub root: Creds,
    pub account_id: String,
    /// The state the server serves (shared with it).
    pub state: AppState,
    _dir: Option<tempfile::TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    pub client: reqwest::Client,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Reads `[profile]` from a shared-credentials file.
pub fn profile(data: &DataDir, profile: &str) -> Creds {
    let text = std::fs::read_to_string(data.credentials_path()).expect("credentials file");
    let mut section = None;
    let (mut id, mut secret) = (None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = Some(line.trim_matches(|c| c == '[' || c == ']').to_string());
        } else if section.as_deref() == Some(profile)
            && let Some((k, v)) = line.split_once('=')
        {
            match k.trim() {
                "aws_access_key_id" => id = Some(v.trim().to_string()),
                "aws_secret_access_key" => secret = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    Creds {
        access_key_id: id.expect("key id"),
        secret: secret.expect("secret"),
        token: None,
    }
}

impl TestServer {
    /// A new server on a new data directory.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path().join("data"));
        let mut server = Self::start_on(data, ManualClock::new(START)).await;
        server._dir = Some(dir);
        server
    }

    /// A new server whose state `configure` adjusts before it serves.
    pub async fn start_configured(configure: impl FnOnce(AppState) -> AppState) -> Self {
        Self::start_with(|state, _| configure(state)).await
    }

    /// A new server whose state `configure` adjusts, knowing the id of the
    /// bootstrapped account, before it serves.
    pub async fn start_with(configure: impl FnOnce(AppState, &str) -> AppState) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = DataDir::new(dir.path().join("data"));
        let mut server = Self::start_on_with(data, ManualClock::new(START), configure).await;
        server._dir = Some(dir);
        server
    }

    /// [`TestServer::start_with`], by another name.
    pub async fn start_configured_in_account(
        configure: impl FnOnce(AppState, &str) -> AppState,
    ) -> Self {
        Self::start_with(configure).await
    }

    /// A server over an existing (or new) data directory and clock.
    pub async fn start_on(data: DataDir, clock: ManualClock) -> Self {
        Self::start_on_with(data, clock, |state, _| state).await
    }

    /// [`TestServer::start_on`], with the state adjusted by `configure`.
    pub async fn start_on_configured(
        data: DataDir,
        clock: ManualClock,
        configure: impl FnOnce(AppState) -> AppState,
    ) -> Self {
        Self::start_on_with(data, clock, |state, _| configure(state)).await
    }

    async fn start_on_with(
        data: DataDir,
        clock: ManualClock,
        configure: impl FnOnce(AppState, &str) -> AppState,
    ) -> Self {
        let (store, keys, created) = open_or_bootstrap(&data, clock.now()).await;
        let account_id = match created {
            Some(account) => account.account_id,
            None => tessera_store::AccountStore::accounts(&store)
                .await
                .expect("accounts")[0]
                .id
                .clone(),
        };
        let root = profile(&data, "tessera-root");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let keys = Arc::new(keys);
        keys.follow();
        let state = configure(
            AppState::new(Arc::new(store), keys, Arc::new(clock.clone())),
            &account_id,
        );
        tessera_server::spawn_resource_policy_refresh(state.clone())
            .await
            .expect("resource policies");
        let (tx, rx) = oneshot::channel();
        tokio::spawn(tessera_server::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        Self {
            addr,
            clock,
            data,
            root,
            account_id,
            state,
            _dir: None,
            shutdown: Some(tx),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
        }
    }

    /// A second server process over the same data directory (its own store
    /// connection and key ring handle), sharing the clock.
    pub async fn sibling(&self) -> Self {
        let (store, keys) = open_store(&self.data).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let keys = Arc::new(keys);
        keys.follow();
        let state = AppState::new(Arc::new(store), keys, Arc::new(self.clock.clone()));
        tessera_server::spawn_resource_policy_refresh(state.clone())
            .await
            .expect("resource policies");
        let (tx, rx) = oneshot::channel();
        tokio::spawn(tessera_server::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        Self {
            addr,
            clock: self.clock.clone(),
            data: self.data.clone(),
            root: self.root.clone(),
            account_id: self.account_id.clone(),
            state,
            _dir: None,
            shutdown: Some(tx),
            client: self.client.clone(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// POSTs a form-encoded STS call signed at the server's clock time.
    pub async fn call(&self, creds: &Creds, params: &[(&str, &str)]) -> (u16, String) {
        self.call_at(creds, params, self.clock.now(), "sts").await
    }

    /// POSTs a form-encoded call signed at `at` for `service`.
    pub async fn call_at(
        &self,
        creds: &Creds,
        params: &[(&str, &str)],
        at: OffsetDateTime,
        service: &str,
    ) -> (u16, String) {
        let body = form(params);
        let mut request = http::Request::builder()
            .method("POST")
            .uri(self.url())
            .header("host", self.addr.to_string())
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body.clone().into_bytes())
            .expect("request");
        sign_request(&mut request, creds, at, service, false);
        self.send(request).await
    }

    /// A presigned GET URL for `params`.
    pub fn presigned_url(
        &self,
        creds: &Creds,
        params: &[(&str, &str)],
        at: OffsetDateTime,
    ) -> String {
        let mut request = http::Request::builder()
            .method("GET")
            .uri(format!("{}?{}", self.url(), form(params)))
            .header("host", self.addr.to_string())
            .body(Vec::new())
            .expect("request");
        sign_request(&mut request, creds, at, "sts", true);
        request.uri().to_string()
    }

    pub async fn send(&self, request: http::Request<Vec<u8>>) -> (u16, String) {
        let (parts, body) = request.into_parts();
        let mut builder = self.client.request(parts.method, parts.uri.to_string());
        for (name, value) in &parts.headers {
            if name != "host" {
                builder = builder.header(name, value);
            }
        }
        let response = builder.body(body).send().await.expect("send");
        let status = response.status().as_u16();
        assert!(
            response.headers().contains_key("x-amzn-requestid"),
            "every response has a request id"
        );
        (status, response.text().await.expect("body"))
    }

    pub async fn get(&self, url: &str) -> (u16, String) {
        let response = self.client.get(url).send().await.expect("send");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// GetSessionToken with `creds`; returns the new credentials.
    pub async fn session_token(&self, creds: &Creds, duration: Option<&str>) -> Creds {
        let mut params = vec![("Action", "GetSessionToken"), ("Version", "2011-06-15")];
        if let Some(d) = duration {
            params.push(("DurationSeconds", d));
        }
        let (status, body) = self.call(creds, &params).await;
        assert_eq!(status, 200, "{body}");
        Creds {
            access_key_id: tag(&body, "AccessKeyId"),
            secret: tag(&body, "SecretAccessKey"),
            token: Some(tag(&body, "SessionToken")),
        }
    }
}

pub fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                tessera_sigv4::uri_encode(k),
                tessera_sigv4::uri_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub fn sign_request(
    request: &mut http::Request<Vec<u8>>,
    creds: &Creds,
    at: OffsetDateTime,
    service: &str,
    presigned: bool,
) {
    sign_request_with(request, creds, at, service, presigned, false);
}

/// [`sign_request`], with `UNSIGNED-PAYLOAD` as the payload hash when
/// `unsigned_payload` (as S3-style presigners do).
pub fn sign_request_with(
    request: &mut http::Request<Vec<u8>>,
    creds: &Creds,
    at: OffsetDateTime,
    service: &str,
    presigned: bool,
    unsigned_payload: bool,
) {
    let mut settings = SigningSettings::default();
    if presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(60));
    }
    sign_with_settings(request, creds, at, service, settings, unsigned_payload);
}

/// Signs `request` with the independent `aws-sigv4` signer, as `service` in
/// `us-east-1` at `at`, with `settings`; the payload is the body, or
/// `UNSIGNED-PAYLOAD` when `unsigned_payload`.
fn sign_with_settings(
    request: &mut http::Request<Vec<u8>>,
    creds: &Creds,
    at: OffsetDateTime,
    service: &str,
    settings: SigningSettings,
    unsigned_payload: bool,
) {
    let identity = Credentials::new(
        &creds.access_key_id,
        &creds.secret,
        creds.token.clone(),
        None,
        "test",
    )
    .into();
    let system_time = std::time::UNIX_EPOCH + Duration::from_secs(at.unix_timestamp() as u64);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(system_time)
        .settings(settings)
        .build()
        .expect("params")
        .into();
    let uri = request.uri().to_string();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().expect("ascii").to_string()))
        .collect();
    let body = request.body().clone();
    let signable = SignableRequest::new(
        request.method().as_str(),
        &uri,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        if unsigned_payload {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(&body)
        },
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    instructions.apply_to_request_http1x(request);
}

/// The text of the first `<name>` element.
pub fn tag(body: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body
        .find(&open)
        .unwrap_or_else(|| panic!("no <{name}> in {body}"))
        + open.len();
    let end = body[start..].find(&close).expect("closing tag") + start;
    body[start..end].to_string()
}

/// Opens the store directly, as another process would.
pub async fn open_store(data: &DataDir) -> (SqlStore, KeyRingHandle) {
    let store = SqlStore::open_sqlite(&data.database_path())
        .await
        .expect("store");
    let keys = data
        .open_keys(Arc::new(store.clone()))
        .await
        .expect("key ring");
    (store, keys)
}

/// Opens the directory's embedded store and its key ring, bootstrapping
/// them on first use, as `tessera serve` does.
pub async fn open_or_bootstrap(
    data: &DataDir,
    now: time::OffsetDateTime,
) -> (SqlStore, KeyRingHandle, Option<tessera_server::NewAccount>) {
    data.create().expect("data directory");
    let store = SqlStore::open_sqlite(&data.database_path())
        .await
        .expect("store");
    let (keys, created) = data
        .open_or_bootstrap(Arc::new(store.clone()), now)
        .await
        .expect("bootstrap");
    (store, keys, created)
}

/// Rotates the key ring as `tessera keys rotate` does, over a store
/// connection of its own.
pub async fn rotate_keys(data: &DataDir, now: time::OffsetDateTime) -> tessera_server::Rotation {
    let (store, _) = open_store(data).await;
    let rotation = data.rotate_keys(&store, now).await.expect("rotate");
    store.close().await;
    // Servers on the directory read the new ring, and the re-sealed
    // secrets, the next time they look at the store (every 250 ms).
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    rotation
}

/// `tessera init` on `data`, over a store connection of its own.
pub async fn init(
    data: &DataDir,
    now: time::OffsetDateTime,
) -> Result<tessera_server::NewAccount, tessera_server::SetupError> {
    let store = SqlStore::open_sqlite(&data.database_path())
        .await
        .expect("store");
    let result = data.init(Arc::new(store.clone()), now).await;
    store.close().await;
    result
}

impl TestServer {
    /// An IAM call (`Version=2010-05-08`, signed for `iam`).
    pub async fn iam(&self, creds: &Creds, params: &[(&str, &str)]) -> (u16, String) {
        let mut all = params.to_vec();
        all.push(("Version", "2010-05-08"));
        self.call_at(creds, &all, self.clock.now(), "iam").await
    }

    /// An IAM call that must succeed; returns the body.
    pub async fn iam_ok(&self, creds: &Creds, params: &[(&str, &str)]) -> String {
        let (status, body) = self.iam(creds, params).await;
        assert_eq!(status, 200, "{params:?}: {body}");
        body
    }

    /// Creates user `name` (with an inline policy, if given) and an access
    /// key for it, as `admin`; returns the key.
    pub async fn user_with_key(&self, admin: &Creds, name: &str, policy: Option<&str>) -> Creds {
        self.iam_ok(admin, &[("Action", "CreateUser"), ("UserName", name)])
            .await;
        if let Some(policy) = policy {
            self.iam_ok(
                admin,
                &[
                    ("Action", "PutUserPolicy"),
                    ("UserName", name),
                    ("PolicyName", "p"),
                    ("PolicyDocument", policy),
                ],
            )
            .await;
        }
        let body = self
            .iam_ok(admin, &[("Action", "CreateAccessKey"), ("UserName", name)])
            .await;
        Creds {
            access_key_id: tag(&body, "AccessKeyId"),
            secret: tag(&body, "SecretAccessKey"),
            token: None,
        }
    }
}

/// The temporary credentials in a response's `<Credentials>`.
pub fn session_creds(body: &str) -> Creds {
    Creds {
        access_key_id: tag(body, "AccessKeyId"),
        secret: tag(body, "SecretAccessKey"),
        token: Some(tag(body, "SessionToken")),
    }
}

/// The error code of an error response.
pub fn code(body: &str) -> String {
    tag(body, "Code")
}

/// Signs `request` as S3 clients do (canonical URI as sent, neither
/// normalised nor encoded again; `x-amz-content-sha256` set to
/// `UNSIGNED-PAYLOAD`), in us-east-1 at `at`; or presigns it for
/// `presign_for` when given.
pub fn sign_s3(
    request: &mut http::Request<Vec<u8>>,
    creds: &Creds,
    at: OffsetDateTime,
    presign_for: Option<Duration>,
) {
    use aws_sigv4::http_request::{
        PayloadChecksumKind, PercentEncodingMode, UriPathNormalizationMode,
    };
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    if let Some(expires) = presign_for {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(expires);
    } else {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    sign_with_settings(request, creds, at, "s3", settings, true);
}

/// The S3 profile's configuration for the authorizer: buckets of
/// `account`, virtual-hosted under `s3.example.test`.
pub fn s3_services(account: &str) -> tessera_authz::Services {
    let config = format!(
        "[[services]]\nname = \"s3\"\nkind = \"s3\"\nhosts = [\"s3.example.test\"]\nowner-account = \"{account}\"\n"
    );
    #[derive(serde::Deserialize)]
    struct File {
        services: Vec<tessera_authz::ServiceConfig>,
    }
    let file: File = toml::from_str(&config).expect("config");
    tessera_authz::Services::new(file.services, "aws").expect("services")
}
