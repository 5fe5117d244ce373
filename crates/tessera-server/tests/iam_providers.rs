//! IAM identity providers, virtual MFA devices, account alias and summary
//! over real HTTP, signed as the aws CLI signs.

mod common;

use base64::{Engine, engine::general_purpose::STANDARD};
use common::{Creds, TestServer, open_store, profile, tag};
use tessera_server::DataDir;
use tessera_token::{Clock, ManualClock};
use time::Duration;

const V: (&str, &str) = ("Version", "2010-05-08");

async fn iam(server: &TestServer, params: &[(&str, &str)]) -> (u16, String) {
    iam_as(server, &server.root, params).await
}

async fn iam_as(server: &TestServer, creds: &Creds, params: &[(&str, &str)]) -> (u16, String) {
    let mut all = params.to_vec();
    all.push(V);
    server.call_at(creds, &all, server.clock.now(), "iam").await
}

/// Asserts an error's status, code and (when given) message.
fn assert_error(response: &(u16, String), status: u16, code: &str, message: Option<&str>) {
    let (got, body) = response;
    assert_eq!(*got, status, "{body}");
    assert_eq!(tag(body, "Code"), code, "{body}");
    if let Some(message) = message {
        assert_eq!(tag(body, "Message"), message, "{body}");
    }
}

fn ok(response: &(u16, String)) -> &str {
    assert_eq!(response.0, 200, "{}", response.1);
    &response.1
}

/// All texts of `<name>` elements, in order.
fn tags(body: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let end = after.find(&close).expect("closing tag");
        out.push(after[..end].to_string());
        rest = &after[end + close.len()..];
    }
    out
}

fn pool_url(data: &DataDir) -> String {
    format!("sqlite://{}", data.database_path().display())
}

/// Inserts an IAM user directly (users are created by another area).
async fn insert_user(server: &TestServer, account_id: &str, name: &str) -> String {
    let pool = sqlx::SqlitePool::connect(&pool_url(&server.data))
        .await
        .expect("pool");
    let user_id = format!("AIDA{:0>17}", name.to_ascii_uppercase());
    sqlx::query(
        "INSERT INTO users (user_id, account_id, name, path, created_at) VALUES (?, ?, ?, '/', ?)",
    )
    .bind(&user_id)
    .bind(account_id)
    .bind(name)
    .bind(server.clock.now().unix_timestamp())
    .execute(&pool)
    .await
    .expect("insert user");
    pool.close().await;
    user_id
}

/// Gives a user an access key, sealed as the server seals keys.
async fn user_key(server: &TestServer, user_id: &str) -> Creds {
    let (_store, keys) = open_store(&server.data).await;
    let access_key_id = tessera_token::new_access_key_id(
        tessera_token::AccessKeyKind::LongTerm,
        &server.account_id,
    )
    .expect("key id");
    let secret = tessera_token::new_secret_access_key().expect("secret");
    let sealed = keys
        .current()
        .seal_secret(&access_key_id, &secret)
        .expect("seal");
    let pool = sqlx::SqlitePool::connect(&pool_url(&server.data))
        .await
        .expect("pool");
    sqlx::query(
        "INSERT INTO access_keys (access_key_id, account_id, user_id, sealed_secret, status, created_at)
         VALUES (?, ?, ?, ?, 'Active', ?)",
    )
    .bind(&access_key_id)
    .bind(&server.account_id)
    .bind(user_id)
    .bind(&sealed)
    .bind(server.clock.now().unix_timestamp())
    .execute(&pool)
    .await
    .expect("insert key");
    pool.close().await;
    Creds {
        access_key_id,
        secret,
        token: None,
    }
}

/// SAML metadata of an IdP with a signing certificate, padded past IAM's
/// 1000-character minimum.
fn saml_metadata(entity: &str, valid_until: Option<&str>) -> String {
    let certificate = STANDARD.encode([7u8; 600]);
    let valid = valid_until
        .map(|v| format!(" validUntil=\"{v}\""))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://{entity}/saml"{valid}>
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{certificate}
      </ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://{entity}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#
    )
}

const THUMB_A: &str = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
const THUMB_B: &str = "0000000000000000000000000000000000000001";

#[tokio::test]
async fn oidc_provider_lifecycle() {
    let server = TestServer::start().await;
    let created = iam(
        &server,
        &[
            ("Action", "CreateOpenIDConnectProvider"),
            ("Url", "https://issuer.example.com/tenant"),
            ("ClientIDList.member.1", "app-1"),
            ("ClientIDList.member.2", "app-2"),
            ("ThumbprintList.member.1", THUMB_A),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "id"),
        ],
    )
    .await;
    let body = ok(&created);
    let provider_arn = format!(
        "arn:aws:iam::{}:oidc-provider/issuer.example.com/tenant",
        server.account_id
    );
    assert_eq!(tag(body, "OpenIDConnectProviderArn"), provider_arn);
    assert!(body.contains("<Key>team</Key>"), "{body}");

    let arn_param = ("OpenIDConnectProviderArn", provider_arn.as_str());
    let got = iam(
        &server,
        &[("Action", "GetOpenIDConnectProvider"), arn_param],
    )
    .await;
    let body = ok(&got);
    assert_eq!(tag(body, "Url"), "issuer.example.com/tenant");
    assert_eq!(
        tags(&tag(body, "ClientIDList"), "member"),
        ["app-1", "app-2"]
    );
    assert_eq!(tags(&tag(body, "ThumbprintList"), "member"), [THUMB_A]);
    assert_eq!(tag(body, "CreateDate"), "2026-03-01T12:00:00Z");
    assert_eq!(tag(body, "Value"), "id");

    // Same URL again: EntityAlreadyExists.
    let again = iam(
        &server,
        &[
            ("Action", "CreateOpenIDConnectProvider"),
            ("Url", "https://issuer.example.com/tenant"),
        ],
    )
    .await;
    assert_error(
        &again,
        409,
        "EntityAlreadyExists",
        Some("Provider with url https://issuer.example.com/tenant already exists."),
    );

    // Client ids: add (twice is harmless), remove.
    for _ in 0..2 {
        let added = iam(
            &server,
            &[
                ("Action", "AddClientIDToOpenIDConnectProvider"),
                arn_param,
                ("ClientID", "app-3"),
            ],
        )
        .await;
        ok(&added);
    }
    let removed = iam(
        &server,
        &[
            ("Action", "RemoveClientIDFromOpenIDConnectProvider"),
            arn_param,
            ("ClientID", "app-1"),
        ],
    )
    .await;
    ok(&removed);
    let updated = iam(
        &server,
        &[
            ("Action", "UpdateOpenIDConnectProviderThumbprint"),
            arn_param,
            ("ThumbprintList.member.1", THUMB_B),
            ("ThumbprintList.member.2", THUMB_A),
        ],
    )
    .await;
    ok(&updated);
    let got = iam(
        &server,
        &[("Action", "GetOpenIDConnectProvider"), arn_param],
    )
    .await;
    let body = ok(&got);
    assert_eq!(
        tags(&tag(body, "ClientIDList"), "member"),
        ["app-2", "app-3"]
    );
    assert_eq!(
        tags(&tag(body, "ThumbprintList"), "member"),
        [THUMB_B, THUMB_A]
    );

    // The store's lookup by URL, as federation uses it.
    let (store, _) = open_store(&server.data).await;
    let found = tessera_store::ProviderStore::oidc_provider_by_url(
        &store,
        &server.account_id,
        "issuer.example.com/tenant",
    )
    .await
    .expect("lookup")
    .expect("found");
    assert_eq!(found.client_ids, ["app-2", "app-3"]);
    assert_eq!(found.arn, provider_arn);

    let second = iam(
        &server,
        &[
            ("Action", "CreateOpenIDConnectProvider"),
            ("Url", "https://accounts.example.org"),
            ("ClientIDList.member.1", "x"),
        ],
    )
    .await;
    ok(&second);
    let listed = iam(&server, &[("Action", "ListOpenIDConnectProviders")]).await;
    let body = ok(&listed);
    assert_eq!(
        tags(body, "Arn"),
        [
            format!(
                "arn:aws:iam::{}:oidc-provider/accounts.example.org",
                server.account_id
            ),
            provider_arn.clone()
        ]
    );

    let deleted = iam(
        &server,
        &[("Action", "DeleteOpenIDConnectProvider"), arn_param],
    )
    .await;
    ok(&deleted);
    // AWS documents the deletion as idempotent: a second one succeeds.
    let again = iam(
        &server,
        &[("Action", "DeleteOpenIDConnectProvider"), arn_param],
    )
    .await;
    ok(&again);
    let message = format!("OpenIDConnect Provider not found for arn {provider_arn}");
    for action in [
        "GetOpenIDConnectProvider",
        "UpdateOpenIDConnectProviderThumbprint",
    ] {
        let gone = iam(&server, &[("Action", action), arn_param]).await;
        assert_error(&gone, 404, "NoSuchEntity", Some(&message));
    }
    let gone = iam(
        &server,
        &[
            ("Action", "AddClientIDToOpenIDConnectProvider"),
            arn_param,
            ("ClientID", "a"),
        ],
    )
    .await;
    assert_error(&gone, 404, "NoSuchEntity", Some(&message));
}

/// Extra parameters, then the expected status and code.
type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);

#[tokio::test]
async fn oidc_bad_input_is_rejected_without_effect() {
    let server = TestServer::start().await;
    let cases: Vec<Case> = vec![
        (vec![], 400, "ValidationError"),
        (
            vec![("Url", "http://insecure.example.com")],
            400,
            "InvalidInput",
        ),
        (vec![("Url", "https://")], 400, "InvalidInput"),
        (
            vec![
                ("Url", "https://a.example.com"),
                ("ThumbprintList.member.1", "abc"),
            ],
            400,
            "ValidationError",
        ),
        (
            vec![
                ("Url", "https://a.example.com"),
                (
                    "ThumbprintList.member.1",
                    "zz99a48a9960b14926bb7f3b02e22da2b0ab7280",
                ),
            ],
            400,
            "InvalidInput",
        ),
        (
            vec![
                ("Url", "https://a.example.com"),
                ("ThumbprintList.member.1", THUMB_A),
                ("ThumbprintList.member.2", THUMB_A),
                ("ThumbprintList.member.3", THUMB_A),
                ("ThumbprintList.member.4", THUMB_A),
                ("ThumbprintList.member.5", THUMB_A),
                ("ThumbprintList.member.6", THUMB_A),
            ],
            400,
            "InvalidInput",
        ),
        (
            vec![
                ("Url", "https://a.example.com"),
                ("ClientIDList.member.1", ""),
            ],
            400,
            "ValidationError",
        ),
    ];
    for (params, status, code) in cases {
        let mut all = vec![("Action", "CreateOpenIDConnectProvider")];
        all.extend(params);
        let response = iam(&server, &all).await;
        assert_error(&response, status, code, None);
    }
    let missing = iam(&server, &[("Action", "CreateOpenIDConnectProvider")]).await;
    assert_error(
        &missing,
        400,
        "ValidationError",
        Some(
            "1 validation error detected: Value null at 'url' failed to satisfy constraint: Member must not be null",
        ),
    );
    let listed = iam(&server, &[("Action", "ListOpenIDConnectProviders")]).await;
    assert!(tags(ok(&listed), "Arn").is_empty(), "nothing was written");
    let short_arn = iam(
        &server,
        &[
            ("Action", "GetOpenIDConnectProvider"),
            ("OpenIDConnectProviderArn", "arn:short"),
        ],
    )
    .await;
    assert_error(&short_arn, 400, "ValidationError", None);
}

#[tokio::test]
async fn saml_provider_lifecycle() {
    let server = TestServer::start().await;
    let metadata = saml_metadata("idp.example.com", Some("2030-01-01T00:00:00Z"));
    let created = iam(
        &server,
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "Corp_IdP"),
            ("SAMLMetadataDocument", &metadata),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", "v"),
        ],
    )
    .await;
    let provider_arn = format!("arn:aws:iam::{}:saml-provider/Corp_IdP", server.account_id);
    assert_eq!(tag(ok(&created), "SAMLProviderArn"), provider_arn);
    let arn_param = ("SAMLProviderArn", provider_arn.as_str());

    let got = iam(&server, &[("Action", "GetSAMLProvider"), arn_param]).await;
    let body = ok(&got);
    assert!(
        body.contains("<SAMLMetadataDocument>&lt;?xml version=\"1.0\""),
        "{body}"
    );
    assert_eq!(tag(body, "ValidUntil"), "2030-01-01T00:00:00Z");
    assert_eq!(tag(body, "CreateDate"), "2026-03-01T12:00:00Z");
    assert_eq!(tag(body, "Key"), "k");

    let dup = iam(
        &server,
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "corp_idp"),
            ("SAMLMetadataDocument", &metadata),
        ],
    )
    .await;
    assert_error(
        &dup,
        409,
        "EntityAlreadyExists",
        Some("Provider with name corp_idp already exists."),
    );

    let newer = saml_metadata("idp2.example.com", None);
    let updated = iam(
        &server,
        &[
            ("Action", "UpdateSAMLProvider"),
            arn_param,
            ("SAMLMetadataDocument", &newer),
        ],
    )
    .await;
    assert_eq!(tag(ok(&updated), "SAMLProviderArn"), provider_arn);
    let got = iam(&server, &[("Action", "GetSAMLProvider"), arn_param]).await;
    let body = ok(&got);
    assert!(body.contains("idp2.example.com/sso"), "{body}");
    assert!(!body.contains("<ValidUntil>"), "{body}");

    let listed = iam(&server, &[("Action", "ListSAMLProviders")]).await;
    let body = ok(&listed);
    assert_eq!(tags(body, "Arn"), [provider_arn.as_str()]);
    assert_eq!(tag(body, "CreateDate"), "2026-03-01T12:00:00Z");

    let deleted = iam(&server, &[("Action", "DeleteSAMLProvider"), arn_param]).await;
    ok(&deleted);
    let message = format!("Manifest not found for arn {provider_arn}");
    let gone = iam(&server, &[("Action", "GetSAMLProvider"), arn_param]).await;
    assert_error(&gone, 404, "NoSuchEntity", Some(&message));
    let gone = iam(&server, &[("Action", "DeleteSAMLProvider"), arn_param]).await;
    assert_error(&gone, 404, "NoSuchEntity", Some(&message));
    let gone = iam(
        &server,
        &[
            ("Action", "UpdateSAMLProvider"),
            arn_param,
            ("SAMLMetadataDocument", &newer),
        ],
    )
    .await;
    assert_error(&gone, 404, "NoSuchEntity", Some(&message));
}

#[tokio::test]
async fn saml_metadata_must_be_idp_metadata_with_a_signing_certificate() {
    let server = TestServer::start().await;
    let good = saml_metadata("idp.example.com", None);
    let padding = "x".repeat(1200);
    let no_certificate = good.replace("use=\"signing\"", "use=\"encryption\"");
    let not_xml = format!("<md:EntityDescriptor>{padding}");
    let other_root = format!("<Foo><IDPSSODescriptor/>{padding}</Foo>");
    let bad_date = saml_metadata("idp.example.com", Some("tomorrow"));
    for document in [&no_certificate, &not_xml, &other_root, &bad_date] {
        let response = iam(
            &server,
            &[
                ("Action", "CreateSAMLProvider"),
                ("Name", "p"),
                ("SAMLMetadataDocument", document),
            ],
        )
        .await;
        assert_error(
            &response,
            400,
            "InvalidInput",
            Some("Could not parse metadata"),
        );
    }
    let short = iam(
        &server,
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "p"),
            ("SAMLMetadataDocument", "<x/>"),
        ],
    )
    .await;
    assert_error(&short, 400, "ValidationError", None);
    let bad_name = iam(
        &server,
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "bad name"),
            ("SAMLMetadataDocument", &good),
        ],
    )
    .await;
    assert_error(&bad_name, 400, "ValidationError", None);
    let listed = iam(&server, &[("Action", "ListSAMLProviders")]).await;
    assert!(tags(ok(&listed), "Arn").is_empty(), "nothing was written");
}

/// The TOTP codes of a Base32 seed at a Unix time.
fn code_at(base32_seed: &str, unix: i64) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(base32_seed).expect("base32"))
        .build()
        .expect("totp");
    totp.generate(unix as u64).to_string()
}

/// Creates a virtual MFA device; returns its serial number and Base32 seed.
async fn create_device(server: &TestServer, name: &str) -> (String, String) {
    let created = iam(
        server,
        &[
            ("Action", "CreateVirtualMFADevice"),
            ("VirtualMFADeviceName", name),
        ],
    )
    .await;
    let body = ok(&created);
    let seed = STANDARD
        .decode(tag(body, "Base32StringSeed"))
        .expect("base64 seed");
    (
        tag(body, "SerialNumber"),
        String::from_utf8(seed).expect("base32 text"),
    )
}

#[tokio::test]
async fn virtual_mfa_device_lifecycle() {
    let server = TestServer::start().await;
    let created = iam(
        &server,
        &[
            ("Action", "CreateVirtualMFADevice"),
            ("VirtualMFADeviceName", "alice-phone"),
            ("Path", "/team/"),
            ("Tags.member.1.Key", "owner"),
            ("Tags.member.1.Value", "alice"),
        ],
    )
    .await;
    let body = ok(&created).to_string();
    let serial = format!("arn:aws:iam::{}:mfa/team/alice-phone", server.account_id);
    assert_eq!(tag(&body, "SerialNumber"), serial);
    let seed = String::from_utf8(
        STANDARD
            .decode(tag(&body, "Base32StringSeed"))
            .expect("base64"),
    )
    .expect("utf-8");
    assert_eq!(seed.len(), 32, "160 bits of seed in Base32");
    assert!(totp_rs::Secret::try_from_base32(&seed).is_ok());
    let png = STANDARD.decode(tag(&body, "QRCodePNG")).expect("base64");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG image");
    assert_eq!(tag(&body, "Key"), "owner");

    let dup = iam(
        &server,
        &[
            ("Action", "CreateVirtualMFADevice"),
            ("VirtualMFADeviceName", "alice-phone"),
            ("Path", "/team/"),
        ],
    )
    .await;
    assert_error(
        &dup,
        409,
        "EntityAlreadyExists",
        Some("MFADevice entity at the same path and name already exists."),
    );

    let user_id = insert_user(&server, &server.account_id, "alice").await;
    let now = server.clock.now().unix_timestamp();
    let (c1, c2) = (code_at(&seed, now - 30), code_at(&seed, now));

    let enable = |code1: String, code2: String, user: &'static str| {
        let serial = serial.clone();
        let server = &server;
        async move {
            iam(
                server,
                &[
                    ("Action", "EnableMFADevice"),
                    ("UserName", user),
                    ("SerialNumber", &serial),
                    ("AuthenticationCode1", &code1),
                    ("AuthenticationCode2", &code2),
                ],
            )
            .await
        }
    };
    // Codes in the wrong order, or not consecutive, are refused.
    let wrong = enable(c2.clone(), c1.clone(), "alice").await;
    assert_error(
        &wrong,
        403,
        "InvalidAuthenticationCode",
        Some("Authentication code for device is not valid."),
    );
    let far = enable(
        code_at(&seed, now - 300),
        code_at(&seed, now - 270),
        "alice",
    )
    .await;
    assert_error(&far, 403, "InvalidAuthenticationCode", None);
    let nobody = enable(c1.clone(), c2.clone(), "nobody").await;
    assert_error(
        &nobody,
        404,
        "NoSuchEntity",
        Some("The user with name nobody cannot be found."),
    );
    let bad_code = enable("12345".into(), c2.clone(), "alice").await;
    assert_error(&bad_code, 400, "ValidationError", None);

    let enabled = enable(c1.clone(), c2.clone(), "alice").await;
    ok(&enabled);
    let again = enable(c1.clone(), c2.clone(), "alice").await;
    assert_error(&again, 409, "EntityAlreadyExists", None);

    let listed = iam(
        &server,
        &[("Action", "ListMFADevices"), ("UserName", "alice")],
    )
    .await;
    let body = ok(&listed);
    assert_eq!(tag(body, "SerialNumber"), serial);
    assert_eq!(tag(body, "UserName"), "alice");
    assert_eq!(tag(body, "EnableDate"), "2026-03-01T12:00:00Z");
    assert_eq!(tag(body, "IsTruncated"), "false");

    let (other_serial, _) = create_device(&server, "spare").await;
    let assigned = iam(
        &server,
        &[
            ("Action", "ListVirtualMFADevices"),
            ("AssignmentStatus", "Assigned"),
        ],
    )
    .await;
    let body = ok(&assigned);
    assert_eq!(tags(body, "SerialNumber"), [serial.as_str()]);
    assert_eq!(tag(body, "UserId"), user_id);
    assert_eq!(
        tag(body, "Arn"),
        format!("arn:aws:iam::{}:user/alice", server.account_id)
    );
    let unassigned = iam(
        &server,
        &[
            ("Action", "ListVirtualMFADevices"),
            ("AssignmentStatus", "Unassigned"),
        ],
    )
    .await;
    assert_eq!(
        tags(ok(&unassigned), "SerialNumber"),
        [other_serial.as_str()]
    );
    let any = iam(&server, &[("Action", "ListVirtualMFADevices")]).await;
    assert_eq!(tags(ok(&any), "SerialNumber").len(), 2);
    let bad_status = iam(
        &server,
        &[
            ("Action", "ListVirtualMFADevices"),
            ("AssignmentStatus", "Some"),
        ],
    )
    .await;
    assert_error(&bad_status, 400, "ValidationError", None);

    let conflict = iam(
        &server,
        &[
            ("Action", "DeleteVirtualMFADevice"),
            ("SerialNumber", &serial),
        ],
    )
    .await;
    assert_error(
        &conflict,
        409,
        "DeleteConflict",
        Some("MFA Device is already in use."),
    );

    let deactivated = iam(
        &server,
        &[
            ("Action", "DeactivateMFADevice"),
            ("UserName", "alice"),
            ("SerialNumber", &serial),
        ],
    )
    .await;
    ok(&deactivated);
    let twice = iam(
        &server,
        &[
            ("Action", "DeactivateMFADevice"),
            ("UserName", "alice"),
            ("SerialNumber", &serial),
        ],
    )
    .await;
    assert_error(&twice, 404, "NoSuchEntity", None);
    let listed = iam(
        &server,
        &[("Action", "ListMFADevices"), ("UserName", "alice")],
    )
    .await;
    assert!(tags(ok(&listed), "SerialNumber").is_empty());

    for s in [&serial, &other_serial] {
        let deleted = iam(
            &server,
            &[("Action", "DeleteVirtualMFADevice"), ("SerialNumber", s)],
        )
        .await;
        ok(&deleted);
    }
    let gone = iam(
        &server,
        &[
            ("Action", "DeleteVirtualMFADevice"),
            ("SerialNumber", &serial),
        ],
    )
    .await;
    assert_error(
        &gone,
        404,
        "NoSuchEntity",
        Some(&format!(
            "VirtualMFADevice with serial number {serial} doesn't exist."
        )),
    );
    // The root has no MFA devices of its own.
    let root_list = iam(&server, &[("Action", "ListMFADevices")]).await;
    assert!(tags(ok(&root_list), "SerialNumber").is_empty());
}

#[tokio::test]
async fn enable_checks_codes_at_the_server_clock() {
    let server = TestServer::start().await;
    let (serial, seed) = create_device(&server, "clocked").await;
    insert_user(&server, &server.account_id, "bob").await;
    // Codes made for a time an hour ahead are refused now and accepted then.
    let later = server.clock.now().unix_timestamp() + 3600;
    let (c1, c2) = (code_at(&seed, later - 30), code_at(&seed, later));
    let params = [
        ("Action", "EnableMFADevice"),
        ("UserName", "bob"),
        ("SerialNumber", serial.as_str()),
        ("AuthenticationCode1", c1.as_str()),
        ("AuthenticationCode2", c2.as_str()),
    ];
    let early = iam(&server, &params).await;
    assert_error(&early, 403, "InvalidAuthenticationCode", None);
    server.clock.advance(Duration::hours(1));
    let on_time = iam(&server, &params).await;
    ok(&on_time);
}

#[tokio::test]
async fn concurrent_creates_of_one_name_give_one_success() {
    let server = TestServer::start().await;
    let metadata = saml_metadata("idp.example.com", None);
    let requests: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("Action", "CreateOpenIDConnectProvider"),
            ("Url", "https://race.example.com"),
        ],
        vec![
            ("Action", "CreateSAMLProvider"),
            ("Name", "race"),
            ("SAMLMetadataDocument", &metadata),
        ],
        vec![
            ("Action", "CreateVirtualMFADevice"),
            ("VirtualMFADeviceName", "race"),
        ],
    ];
    for params in requests {
        let (a, b) = tokio::join!(iam(&server, &params), iam(&server, &params));
        let mut statuses = [a.0, b.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{}\n{}", a.1, b.1);
        let conflict = if a.0 == 409 { &a } else { &b };
        assert_error(conflict, 409, "EntityAlreadyExists", None);
    }
}

#[tokio::test]
async fn account_alias_and_isolation_between_accounts() {
    let server = TestServer::start().await;
    let (store, keys) = open_store(&server.data).await;
    server
        .data
        .create_account(&store, &keys, "other", server.clock.now())
        .await
        .expect("second account");
    let other = profile(&server.data, "other-root");

    let created = iam(
        &server,
        &[("Action", "CreateAccountAlias"), ("AccountAlias", "my-co")],
    )
    .await;
    ok(&created);
    let listed = iam(&server, &[("Action", "ListAccountAliases")]).await;
    let body = ok(&listed);
    assert_eq!(tags(&tag(body, "AccountAliases"), "member"), ["my-co"]);
    assert_eq!(tag(body, "IsTruncated"), "false");

    // Taken by another account.
    let taken = iam_as(
        &server,
        &other,
        &[("Action", "CreateAccountAlias"), ("AccountAlias", "my-co")],
    )
    .await;
    assert_error(
        &taken,
        409,
        "EntityAlreadyExists",
        Some("The account alias my-co already exists."),
    );
    // A new alias replaces the account's old one.
    let replaced = iam(
        &server,
        &[
            ("Action", "CreateAccountAlias"),
            ("AccountAlias", "my-co-2"),
        ],
    )
    .await;
    ok(&replaced);
    let listed = iam(&server, &[("Action", "ListAccountAliases")]).await;
    assert_eq!(
        tags(&tag(ok(&listed), "AccountAliases"), "member"),
        ["my-co-2"]
    );
    let freed = iam_as(
        &server,
        &other,
        &[("Action", "CreateAccountAlias"), ("AccountAlias", "my-co")],
    )
    .await;
    ok(&freed);

    for bad in ["ab", "My-co", "a--b", "-abc", "abc-", "a_b"] {
        let response = iam(
            &server,
            &[("Action", "CreateAccountAlias"), ("AccountAlias", bad)],
        )
        .await;
        assert_error(&response, 400, "ValidationError", None);
    }
    let wrong = iam(
        &server,
        &[("Action", "DeleteAccountAlias"), ("AccountAlias", "my-co")],
    )
    .await;
    assert_error(
        &wrong,
        404,
        "NoSuchEntity",
        Some("The account alias my-co cannot be found."),
    );
    let deleted = iam(
        &server,
        &[
            ("Action", "DeleteAccountAlias"),
            ("AccountAlias", "my-co-2"),
        ],
    )
    .await;
    ok(&deleted);
    let listed = iam(&server, &[("Action", "ListAccountAliases")]).await;
    assert!(tags(&tag(ok(&listed), "AccountAliases"), "member").is_empty());

    // Entities of one account are invisible to the other.
    let created = iam(
        &server,
        &[
            ("Action", "CreateOpenIDConnectProvider"),
            ("Url", "https://mine.example.com"),
        ],
    )
    .await;
    let provider_arn = tag(ok(&created), "OpenIDConnectProviderArn");
    let theirs = iam_as(
        &server,
        &other,
        &[
            ("Action", "GetOpenIDConnectProvider"),
            ("OpenIDConnectProviderArn", &provider_arn),
        ],
    )
    .await;
    assert_error(&theirs, 404, "NoSuchEntity", None);
    let deleted = iam_as(
        &server,
        &other,
        &[
            ("Action", "DeleteOpenIDConnectProvider"),
            ("OpenIDConnectProviderArn", &provider_arn),
        ],
    )
    .await;
    // The other account has no such provider, and deleting none succeeds
    // (idempotent, as AWS documents it); the owner's is untouched.
    ok(&deleted);
    let still = iam(
        &server,
        &[
            ("Action", "GetOpenIDConnectProvider"),
            ("OpenIDConnectProviderArn", &provider_arn),
        ],
    )
    .await;
    ok(&still);
    let listed = iam_as(&server, &other, &[("Action", "ListOpenIDConnectProviders")]).await;
    assert!(tags(ok(&listed), "Arn").is_empty());
    // The same URL is free in the other account.
    let same_url = iam_as(
        &server,
        &other,
        &[
            ("Action", "CreateOpenIDConnectProvider"),
            ("Url", "https://mine.example.com"),
        ],
    )
    .await;
    ok(&same_url);
}

fn summary(body: &str, key: &str) -> i64 {
    let marker = format!("<key>{key}</key>");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("{key} in {body}"))
        + marker.len();
    tag(&body[start..], "value").parse().expect("number")
}

#[tokio::test]
async fn account_summary_counts_the_account() {
    let server = TestServer::start().await;
    let initial = iam(&server, &[("Action", "GetAccountSummary")]).await;
    let body = ok(&initial);
    assert_eq!(summary(body, "Users"), 0);
    assert_eq!(summary(body, "Providers"), 0);
    assert_eq!(summary(body, "AccessKeysPerUserQuota"), 2);
    assert_eq!(summary(body, "AccountMFAEnabled"), 0);
    assert_eq!(summary(body, "AccountAccessKeysPresent"), 1);

    insert_user(&server, &server.account_id, "carol").await;
    let (serial, seed) = create_device(&server, "carol").await;
    create_device(&server, "unused").await;
    let now = server.clock.now().unix_timestamp();
    let enabled = iam(
        &server,
        &[
            ("Action", "EnableMFADevice"),
            ("UserName", "carol"),
            ("SerialNumber", &serial),
            ("AuthenticationCode1", &code_at(&seed, now - 30)),
            ("AuthenticationCode2", &code_at(&seed, now)),
        ],
    )
    .await;
    ok(&enabled);
    ok(&iam(
        &server,
        &[
            ("Action", "CreateOpenIDConnectProvider"),
            ("Url", "https://s.example.com"),
        ],
    )
    .await);
    let metadata = saml_metadata("idp.example.com", None);
    ok(&iam(
        &server,
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "s"),
            ("SAMLMetadataDocument", &metadata),
        ],
    )
    .await);
    let after = iam(&server, &[("Action", "GetAccountSummary")]).await;
    let body = ok(&after);
    assert_eq!(summary(body, "Users"), 1);
    assert_eq!(summary(body, "MFADevices"), 2);
    assert_eq!(summary(body, "MFADevicesInUse"), 1);
    assert_eq!(summary(body, "Providers"), 2);
    assert_eq!(summary(body, "UsersQuota"), 5000);
}

#[tokio::test]
async fn only_the_root_is_allowed_until_policies_grant_more() {
    let server = TestServer::start().await;
    let user_id = insert_user(&server, &server.account_id, "dave").await;
    let creds = user_key(&server, &user_id).await;
    let denied = iam_as(
        &server,
        &creds,
        &[
            ("Action", "CreateOpenIDConnectProvider"),
            ("Url", "https://denied.example.com"),
        ],
    )
    .await;
    let provider_arn = format!(
        "arn:aws:iam::{}:oidc-provider/denied.example.com",
        server.account_id
    );
    assert_error(&denied, 403, "AccessDenied", None);
    let expected = format!(
        "User: arn:aws:iam::{}:user/dave is not authorized to perform: iam:CreateOpenIDConnectProvider on resource: {provider_arn}. Encoded authorization failure message: ",
        server.account_id
    );
    assert!(
        tag(&denied.1, "Message").starts_with(&expected),
        "{}",
        denied.1
    );
    let denied = iam_as(
        &server,
        &creds,
        &[
            ("Action", "CreateVirtualMFADevice"),
            ("VirtualMFADeviceName", "x"),
        ],
    )
    .await;
    assert_error(&denied, 403, "AccessDenied", None);
    let listed = iam(&server, &[("Action", "ListOpenIDConnectProviders")]).await;
    assert!(tags(ok(&listed), "Arn").is_empty(), "no effect when denied");
    let any = iam(&server, &[("Action", "ListVirtualMFADevices")]).await;
    assert!(
        tags(ok(&any), "SerialNumber").is_empty(),
        "no effect when denied"
    );
}

#[tokio::test]
async fn everything_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = DataDir::new(dir.path().join("data"));
    let clock = ManualClock::new(common::START);
    let metadata = saml_metadata("idp.example.com", None);
    let (serial, seed) = {
        let server = TestServer::start_on(data.clone(), clock.clone()).await;
        ok(&iam(
            &server,
            &[
                ("Action", "CreateOpenIDConnectProvider"),
                ("Url", "https://keep.example.com"),
                ("ClientIDList.member.1", "app"),
                ("ThumbprintList.member.1", THUMB_A),
            ],
        )
        .await);
        ok(&iam(
            &server,
            &[
                ("Action", "CreateSAMLProvider"),
                ("Name", "keep"),
                ("SAMLMetadataDocument", &metadata),
            ],
        )
        .await);
        ok(&iam(
            &server,
            &[
                ("Action", "CreateAccountAlias"),
                ("AccountAlias", "keep-me"),
            ],
        )
        .await);
        insert_user(&server, &server.account_id, "erin").await;
        let (serial, seed) = create_device(&server, "keep").await;
        let now = server.clock.now().unix_timestamp();
        ok(&iam(
            &server,
            &[
                ("Action", "EnableMFADevice"),
                ("UserName", "erin"),
                ("SerialNumber", &serial),
                ("AuthenticationCode1", &code_at(&seed, now - 30)),
                ("AuthenticationCode2", &code_at(&seed, now)),
            ],
        )
        .await);
        (serial, seed)
    };
    let server = TestServer::start_on(data, clock).await;
    let oidc = iam(
        &server,
        &[
            ("Action", "GetOpenIDConnectProvider"),
            (
                "OpenIDConnectProviderArn",
                &format!(
                    "arn:aws:iam::{}:oidc-provider/keep.example.com",
                    server.account_id
                ),
            ),
        ],
    )
    .await;
    let body = ok(&oidc);
    assert_eq!(tags(&tag(body, "ClientIDList"), "member"), ["app"]);
    assert_eq!(tags(&tag(body, "ThumbprintList"), "member"), [THUMB_A]);
    let saml = iam(&server, &[("Action", "ListSAMLProviders")]).await;
    assert_eq!(tags(ok(&saml), "Arn").len(), 1);
    let aliases = iam(&server, &[("Action", "ListAccountAliases")]).await;
    assert_eq!(
        tags(&tag(ok(&aliases), "AccountAliases"), "member"),
        ["keep-me"]
    );
    let devices = iam(
        &server,
        &[("Action", "ListMFADevices"), ("UserName", "erin")],
    )
    .await;
    assert_eq!(tags(ok(&devices), "SerialNumber"), [serial.as_str()]);
    // The sealed seed still opens: the device still refuses a re-enable
    // (in use) rather than failing.
    let now = server.clock.now().unix_timestamp();
    let again = iam(
        &server,
        &[
            ("Action", "EnableMFADevice"),
            ("UserName", "erin"),
            ("SerialNumber", &serial),
            ("AuthenticationCode1", &code_at(&seed, now - 30)),
            ("AuthenticationCode2", &code_at(&seed, now)),
        ],
    )
    .await;
    assert_error(&again, 409, "EntityAlreadyExists", None);
}
