//! The STS API over real HTTP, with expiry driven by the injected clock.

mod common;

use common::{Creds, START, TestServer, open_store, profile, tag};
use tessera_token::Clock;
use time::Duration;

const IDENTITY: &[(&str, &str)] = &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")];

fn code(body: &str) -> String {
    tag(body, "Code")
}

#[tokio::test]
async fn root_caller_identity() {
    let server = TestServer::start().await;
    let (status, body) = server.call(&server.root, IDENTITY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tag(&body, "Account"), server.account_id);
    assert_eq!(tag(&body, "UserId"), server.account_id);
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{}:root", server.account_id)
    );
    assert!(body.contains(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    assert!(!tag(&body, "RequestId").is_empty());
}

#[tokio::test]
async fn session_credentials_expire_exactly_at_their_expiration() {
    let server = TestServer::start().await;
    let session = server.session_token(&server.root, Some("900")).await;
    assert!(session.access_key_id.starts_with("ASIA"));
    assert_eq!(session.secret.len(), 40);

    let (status, body) = server.call(&session, IDENTITY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{}:root", server.account_id)
    );

    server.clock.advance(Duration::seconds(899));
    let (status, body) = server.call(&session, IDENTITY).await;
    assert_eq!(status, 200, "{body}");

    server.clock.advance(Duration::seconds(1));
    let (status, body) = server.call(&session, IDENTITY).await;
    assert_eq!(
        (status, code(&body)),
        (403, "ExpiredToken".to_string()),
        "{body}"
    );
    assert_eq!(
        tag(&body, "Message"),
        "The security token included in the request is expired"
    );
}

#[tokio::test]
async fn root_sessions_last_one_hour_at_most() {
    let server = TestServer::start().await;
    for (requested, expected) in [(None, 3600), (Some("129600"), 3600), (Some("1800"), 1800)] {
        let mut params = vec![("Action", "GetSessionToken"), ("Version", "2011-06-15")];
        if let Some(d) = requested {
            params.push(("DurationSeconds", d));
        }
        let (status, body) = server.call(&server.root, &params).await;
        assert_eq!(status, 200, "{body}");
        let expiration = time::OffsetDateTime::parse(
            &tag(&body, "Expiration"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("ISO 8601");
        assert_eq!(
            expiration - START,
            Duration::seconds(expected),
            "{requested:?}"
        );
        assert!(tag(&body, "Expiration").ends_with('Z'));
    }
}

#[tokio::test]
async fn duration_out_of_range_is_a_validation_error() {
    let server = TestServer::start().await;
    for (value, message) in [
        (
            "899",
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
        ),
        (
            "129601",
            "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
        ),
    ] {
        let (status, body) = server
            .call(
                &server.root,
                &[
                    ("Action", "GetSessionToken"),
                    ("Version", "2011-06-15"),
                    ("DurationSeconds", value),
                ],
            )
            .await;
        assert_eq!((status, code(&body)), (400, "ValidationError".to_string()));
        assert_eq!(tag(&body, "Message"), message);
    }
}

#[tokio::test]
async fn session_credentials_cannot_get_another_session_token() {
    let server = TestServer::start().await;
    let session = server.session_token(&server.root, None).await;
    let (status, body) = server
        .call(
            &session,
            &[("Action", "GetSessionToken"), ("Version", "2011-06-15")],
        )
        .await;
    assert_eq!((status, code(&body)), (403, "AccessDenied".to_string()));
}

#[tokio::test]
async fn tampered_or_misused_tokens_are_rejected() {
    let server = TestServer::start().await;
    let session = server.session_token(&server.root, None).await;
    let other = server.session_token(&server.root, None).await;

    let token = session.token.clone().expect("token");
    let mut chars: Vec<char> = token.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    let tampered = Creds {
        token: Some(chars.into_iter().collect()),
        ..session.clone()
    };
    let (status, body) = server.call(&tampered, IDENTITY).await;
    assert_eq!(
        (status, code(&body)),
        (403, "InvalidClientTokenId".to_string()),
        "{body}"
    );

    // The token of one session with the key id and secret of another.
    let swapped = Creds {
        token: other.token.clone(),
        ..session.clone()
    };
    let (status, body) = server.call(&swapped, IDENTITY).await;
    assert_eq!(
        (status, code(&body)),
        (403, "InvalidClientTokenId".to_string()),
        "{body}"
    );

    // No token at all with a temporary key id.
    let bare = Creds {
        token: None,
        ..session.clone()
    };
    let (status, body) = server.call(&bare, IDENTITY).await;
    assert_eq!(
        (status, code(&body)),
        (403, "InvalidClientTokenId".to_string()),
        "{body}"
    );

    // The right token with the wrong secret.
    let wrong_secret = Creds {
        secret: other.secret.clone(),
        ..session.clone()
    };
    let (status, body) = server.call(&wrong_secret, IDENTITY).await;
    assert_eq!(
        (status, code(&body)),
        (403, "SignatureDoesNotMatch".to_string()),
        "{body}"
    );
}

#[tokio::test]
async fn long_term_key_failures() {
    let server = TestServer::start().await;
    let wrong = Creds {
        secret: "x".repeat(40),
        ..server.root.clone()
    };
    let (status, body) = server.call(&wrong, IDENTITY).await;
    assert_eq!(
        (status, code(&body)),
        (403, "SignatureDoesNotMatch".to_string())
    );

    let unknown = Creds {
        access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
        ..server.root.clone()
    };
    let (status, body) = server.call(&unknown, IDENTITY).await;
    assert_eq!(
        (status, code(&body)),
        (403, "InvalidClientTokenId".to_string())
    );
    assert_eq!(
        tag(&body, "Message"),
        "The security token included in the request is invalid."
    );
}

#[tokio::test]
async fn clock_skew_beyond_fifteen_minutes_is_refused() {
    let server = TestServer::start().await;
    let (status, body) = server
        .call_at(&server.root, IDENTITY, START - Duration::minutes(16), "sts")
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, "SignatureDoesNotMatch".to_string())
    );
    assert!(
        tag(&body, "Message")
            .starts_with("Signature expired: 20260301T114400Z is now earlier than"),
        "{body}"
    );

    let (status, body) = server
        .call_at(&server.root, IDENTITY, START + Duration::minutes(16), "sts")
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, "SignatureDoesNotMatch".to_string())
    );
    assert!(
        tag(&body, "Message").starts_with("Signature not yet current"),
        "{body}"
    );

    let (status, _) = server
        .call_at(&server.root, IDENTITY, START - Duration::minutes(14), "sts")
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn protocol_errors() {
    let server = TestServer::start().await;
    let (status, body) = server
        .get(&format!(
            "{}?Action=GetCallerIdentity&Version=2011-06-15",
            server.url()
        ))
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, "MissingAuthenticationToken".to_string())
    );

    let (status, body) = server
        .call(
            &server.root,
            &[("Action", "NoSuchAction"), ("Version", "2011-06-15")],
        )
        .await;
    assert_eq!((status, code(&body)), (400, "InvalidAction".to_string()));

    let (status, body) = server
        .call(
            &server.root,
            &[("Action", "GetCallerIdentity"), ("Version", "2010-05-08")],
        )
        .await;
    assert_eq!((status, code(&body)), (400, "InvalidAction".to_string()));

    let (status, body) = server
        .call(&server.root, &[("Action", "GetCallerIdentity")])
        .await;
    assert_eq!((status, code(&body)), (400, "MissingParameter".to_string()));

    let (status, body) = server
        .call(&server.root, &[("Version", "2011-06-15")])
        .await;
    assert_eq!((status, code(&body)), (400, "MissingAction".to_string()));

    let (status, body) = server
        .call(
            &server.root,
            &[("Action", "GetAccessKeyInfo"), ("Version", "2011-06-15")],
        )
        .await;
    assert_eq!((status, code(&body)), (400, "ValidationError".to_string()));
    assert_eq!(
        tag(&body, "Message"),
        "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null"
    );

    let (status, body) = server
        .call_at(&server.root, IDENTITY, server.clock.now(), "s3")
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, "SignatureDoesNotMatch".to_string())
    );

    let (status, body) = server.get(&format!("http://{}/healthz", server.addr)).await;
    assert_eq!((status, body.as_str()), (200, "ok"));

    // Ready, naming the key this node mints session tokens with.
    let (status, body) = server.get(&format!("http://{}/readyz", server.addr)).await;
    let ready: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let active = server
        .state
        .keys()
        .current()
        .active_id()
        .expect("active key");
    assert_eq!(
        (status, ready),
        (
            200,
            serde_json::json!({"status": "ready", "store": "ok", "token_key_id": active})
        )
    );
}

#[tokio::test]
async fn access_key_info_names_the_owner_of_any_key() {
    let server = TestServer::start().await;
    let session = server.session_token(&server.root, None).await;
    for key in [&server.root.access_key_id, &session.access_key_id] {
        let (status, body) = server
            .call(
                &server.root,
                &[
                    ("Action", "GetAccessKeyInfo"),
                    ("Version", "2011-06-15"),
                    ("AccessKeyId", key),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(tag(&body, "Account"), server.account_id);
    }
}

#[tokio::test]
async fn presigned_urls_work_and_cannot_be_altered() {
    let server = TestServer::start().await;
    let session = server.session_token(&server.root, None).await;
    for creds in [&server.root, &session] {
        let url = server.presigned_url(creds, IDENTITY, server.clock.now());
        let (status, body) = server.get(&url).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(tag(&body, "Account"), server.account_id);

        let altered = url.replace("Action=GetCallerIdentity", "Action=GetSessionToken");
        let (status, body) = server.get(&altered).await;
        assert_eq!(
            (status, code(&body)),
            (403, "SignatureDoesNotMatch".to_string())
        );
    }
    let url = server.presigned_url(&server.root, IDENTITY, server.clock.now());
    server.clock.advance(Duration::seconds(61));
    let (status, body) = server.get(&url).await;
    assert_eq!(
        (status, code(&body)),
        (403, "SignatureDoesNotMatch".to_string()),
        "{body}"
    );
}

#[tokio::test]
async fn tokens_verify_on_any_process_with_the_key_ring_across_rotation() {
    let a = TestServer::start().await;
    let before = a.session_token(&a.root, None).await;

    // Rotate as `tessera keys rotate` does, then start a second process.
    common::rotate_keys(&a.data, a.clock.now()).await;
    let b = a.sibling().await;
    let after = b.session_token(&b.root, None).await;
    assert_ne!(
        tessera_token::token_key_id(before.token.as_deref().expect("t")),
        tessera_token::token_key_id(after.token.as_deref().expect("t"))
    );
    tokio::time::sleep(std::time::Duration::from_millis(150)).await; // past the reload rate limit
    for server in [&a, &b] {
        for creds in [&before, &after] {
            let (status, body) = server.call(creds, IDENTITY).await;
            assert_eq!(status, 200, "{body}");
        }
    }
}

#[tokio::test]
async fn accounts_created_by_another_process_are_seen_at_once() {
    let server = TestServer::start().await;
    let (store, keys) = open_store(&server.data).await;
    let created = server
        .data
        .create_account(&store, &keys, "team-b", server.clock.now())
        .await
        .expect("create");
    let creds = profile(&server.data, "team-b-root");
    assert_eq!(creds.access_key_id, created.access_key_id);
    let (status, body) = server.call(&creds, IDENTITY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{}:root", created.account_id)
    );
    assert_ne!(created.account_id, server.account_id);
    let duplicate = server
        .data
        .create_account(&store, &keys, "team-b", server.clock.now())
        .await;
    assert!(duplicate.is_err());
}

#[tokio::test]
async fn restart_keeps_keys_and_sessions() {
    let dir = tempfile::tempdir().expect("dir");
    let data = tessera_server::DataDir::new(dir.path().join("data"));
    let clock = tessera_token::ManualClock::new(START);
    let first = TestServer::start_on(data.clone(), clock.clone()).await;
    let session = first.session_token(&first.root, None).await;
    let account = first.account_id.clone();
    drop(first);

    let second = TestServer::start_on(data, clock).await;
    assert_eq!(second.account_id, account);
    for creds in [&second.root, &session] {
        let (status, body) = second.call(creds, IDENTITY).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test]
async fn secrets_are_not_stored_in_plain_text() {
    let server = TestServer::start().await;
    let (status, _) = server.call(&server.root, IDENTITY).await;
    assert_eq!(status, 200);
    let secret = server.root.secret.as_bytes();
    for entry in std::fs::read_dir(server.data.root()).expect("dir") {
        let path = entry.expect("entry").path();
        if path == server.data.credentials_path() {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "{} holds the secret in plain text",
            path.display()
        );
    }
}

#[tokio::test]
async fn init_refuses_an_existing_data_dir() {
    let server = TestServer::start().await;
    let err = common::init(&server.data, server.clock.now())
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("refusing to overwrite"), "{err}");
}

#[tokio::test]
async fn foreign_or_garbage_authorization_messages_are_refused() {
    let server = TestServer::start().await;
    for message in ["garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let (status, body) = server
            .call(
                &server.root,
                &[
                    ("Action", "DecodeAuthorizationMessage"),
                    ("Version", "2011-06-15"),
                    ("EncodedMessage", message),
                ],
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (400, "InvalidAuthorizationMessageException".to_string()),
            "{body}"
        );
    }
}

/// A POST presigned for `query` with `UNSIGNED-PAYLOAD` as its payload
/// hash, sent with `body`.
async fn send_presigned(server: &TestServer, query: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("{}?{}", server.url(), common::form(query)))
        .header("host", server.addr.to_string())
        .body(Vec::new())
        .expect("request");
    common::sign_request_with(
        &mut request,
        &server.root,
        server.clock.now(),
        "sts",
        true,
        true,
    );
    let mut request = request.map(|_| body.as_bytes().to_vec());
    request.headers_mut().insert(
        "content-type",
        http::HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
    );
    server.send(request).await
}

/// Only the signed query string of a presigned request counts: a body it
/// does not sign can neither lengthen a session nor choose the action.
#[tokio::test]
async fn a_presigned_request_takes_nothing_from_its_body() {
    let server = TestServer::start().await;
    let get_session_token = [("Action", "GetSessionToken"), ("Version", "2011-06-15")];
    for (query, body) in [
        (&get_session_token[..], "DurationSeconds=129600"),
        (
            &[][..],
            "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=129600",
        ),
    ] {
        let (status, body) = send_presigned(&server, query, body).await;
        assert_eq!(
            (status, code(&body)),
            (403, "SignatureDoesNotMatch".to_string()),
            "{query:?}: {body}"
        );
    }
    // The same URLs with the empty body they were signed for.
    let (status, body) = send_presigned(&server, &get_session_token, "").await;
    assert_eq!(status, 200, "{body}");
    let expiration = time::OffsetDateTime::parse(
        &tag(&body, "Expiration"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("expiration");
    assert_eq!(expiration, server.clock.now() + Duration::hours(1));
    let (status, body) = send_presigned(&server, &[], "").await;
    assert_eq!((status, code(&body)), (400, "MissingAction".to_string()));
}

/// A header signature that leaves `Content-Type` out still covers the body:
/// the body is parameters whatever that unsigned header says, so stripping
/// or changing it cannot drop signed parameters (here, a short duration).
#[tokio::test]
async fn an_unsigned_content_type_cannot_drop_signed_parameters() {
    let server = TestServer::start().await;
    let body = common::form(&[
        ("Action", "GetSessionToken"),
        ("Version", "2011-06-15"),
        ("DurationSeconds", "900"),
    ]);
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = http::Request::builder()
            .method("POST")
            .uri(server.url())
            .header("host", server.addr.to_string())
            .body(body.clone().into_bytes())
            .expect("request");
        common::sign_request(&mut request, &server.root, server.clock.now(), "sts", false);
        if let Some(content_type) = content_type {
            request.headers_mut().insert(
                "content-type",
                http::HeaderValue::from_str(content_type).expect("header"),
            );
        }
        let (status, response) = server.send(request).await;
        assert_eq!(status, 200, "{content_type:?}: {response}");
        let expiration = time::OffsetDateTime::parse(
            &tag(&response, "Expiration"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("expiration");
        assert_eq!(
            expiration,
            server.clock.now() + Duration::seconds(900),
            "{content_type:?}"
        );
    }
}

/// A parameter both in the query and in the body (or twice in either) is
/// refused rather than resolved by a guess.
#[tokio::test]
async fn a_parameter_given_twice_is_refused() {
    let server = TestServer::start().await;
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("{}?DurationSeconds=900", server.url()))
        .header("host", server.addr.to_string())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"Action=GetSessionToken&Version=2011-06-15&DurationSeconds=129600".to_vec())
        .expect("request");
    common::sign_request(&mut request, &server.root, server.clock.now(), "sts", false);
    let (status, body) = server.send(request).await;
    assert_eq!(
        (status, code(&body)),
        (400, "InvalidQueryParameter".to_string()),
        "{body}"
    );
    assert_eq!(
        tag(&body, "Message"),
        "The request must contain the parameter DurationSeconds only once."
    );
}
