//! The authorizer's decision, called as the proxies' endpoints call it:
//! SigV4 under S3's rules, the S3 profile's mapping, and the caller's
//! policies; and that the decision depends on neither header-name case nor
//! the order of query parameters.

mod common;

use common::{Creds, TestServer, s3_services, session_creds, sign_s3};
use proptest::prelude::*;
use std::time::Duration;
use tessera_server::authorizer::{OriginalRequest, Outcome, Target, authorize};
use tessera_token::Clock;

const READER: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]},
  {"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/secret/*"}]}"#;

/// A server with the S3 profile and a user allowed to read `reports`.
async fn setup() -> (TestServer, Creds) {
    let server =
        TestServer::start_with(|state, account| state.with_authz_services(s3_services(account)))
            .await;
    let user = server
        .user_with_key(&server.root.clone(), "reader", Some(READER))
        .await;
    let body = server
        .call(
            &user,
            &[("Action", "GetSessionToken"), ("Version", "2011-06-15")],
        )
        .await
        .1;
    (server, session_creds(&body))
}

/// The signed request as forward auth describes it.
fn original(request: &http::Request<Vec<u8>>) -> OriginalRequest {
    let uri = request.uri();
    let host = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    let mut headers = request.headers().clone();
    headers.insert("host", host.parse().expect("host"));
    OriginalRequest {
        method: request.method().to_string(),
        host: host.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers,
        source_ip: Some("192.0.2.1".parse().expect("ip")),
        secure: true,
        payload_sha256: None,
    }
}

fn signed(server: &TestServer, creds: &Creds, method: &str, url: &str) -> OriginalRequest {
    let mut request = http::Request::builder()
        .method(method)
        .uri(url)
        .body(Vec::new())
        .expect("request");
    sign_s3(&mut request, creds, server.clock.now(), None);
    original(&request)
}

async fn outcome(server: &TestServer, request: &OriginalRequest) -> Outcome {
    authorize(&server.state, Target::Service("s3"), request)
        .await
        .outcome
}

#[tokio::test]
async fn identity_policies_decide_s3_requests() {
    let (server, creds) = setup().await;
    let cases = [
        (
            "GET",
            "http://s3.example.test/reports/2026/q1.csv",
            Outcome::Allowed,
        ),
        (
            "GET",
            "http://reports.s3.example.test/2026/q1.csv",
            Outcome::Allowed,
        ),
        (
            "GET",
            "http://s3.example.test/reports?list-type=2&prefix=2026/",
            Outcome::Allowed,
        ),
        (
            "GET",
            "http://s3.example.test/reports/secret/plan.txt",
            Outcome::Denied,
        ),
        (
            "PUT",
            "http://s3.example.test/reports/new.csv",
            Outcome::Denied,
        ),
        ("GET", "http://s3.example.test/other/file", Outcome::Denied),
        (
            "GET",
            "http://s3.example.test/reports/a?unknown-subresource",
            Outcome::Refused,
        ),
    ];
    for (method, url, want) in cases {
        let request = signed(&server, &creds, method, url);
        assert_eq!(outcome(&server, &request).await, want, "{method} {url}");
    }
}

#[tokio::test]
async fn a_denial_is_explained_and_an_allow_names_the_caller() {
    let (server, creds) = setup().await;
    let allowed = authorize(
        &server.state,
        Target::Service("s3"),
        &signed(
            &server,
            &creds,
            "GET",
            "http://s3.example.test/reports/a.csv",
        ),
    )
    .await;
    let principal = allowed.principal.expect("principal");
    assert!(principal.arn.ends_with(":user/reader"), "{}", principal.arn);
    assert_eq!(
        principal.account_id.as_deref(),
        Some(server.account_id.as_str())
    );
    let denied = authorize(
        &server.state,
        Target::Service("s3"),
        &signed(
            &server,
            &creds,
            "GET",
            "http://s3.example.test/reports/secret/x",
        ),
    )
    .await;
    assert_eq!(denied.outcome, Outcome::Denied);
    let error = denied.error.expect("error");
    assert_eq!(error.code, "AccessDenied");
    assert!(error.message.contains("s3:GetObject"), "{}", error.message);
    assert!(denied.encoded_message.is_some());
    assert_eq!(denied.checks[0].effect, "ExplicitDeny");
}

#[tokio::test]
async fn unusable_authentication_is_told_apart_from_a_denial() {
    let (server, creds) = setup().await;
    let url = "http://s3.example.test/reports/a.csv";
    let mut tampered = signed(&server, &creds, "GET", url);
    tampered.path = "/reports/b.csv".to_string();
    let verdict = authorize(&server.state, Target::Service("s3"), &tampered).await;
    assert_eq!(verdict.outcome, Outcome::Unauthenticated);
    assert_eq!(verdict.error.expect("error").code, "SignatureDoesNotMatch");

    let mut bad_token = creds.clone();
    // One character of the envelope's middle changed, always to another.
    bad_token.token = bad_token.token.map(|t| {
        let at = t.len() / 2;
        let other = if &t[at..=at] == "A" { "B" } else { "A" };
        format!("{}{other}{}", &t[..at], &t[at + 1..])
    });
    let verdict = authorize(
        &server.state,
        Target::Service("s3"),
        &signed(&server, &bad_token, "GET", url),
    )
    .await;
    assert_eq!(verdict.outcome, Outcome::Unauthenticated);
    assert_eq!(verdict.error.expect("error").code, "InvalidToken");

    // A presigned URL: valid within its expiry, refused after it; and once
    // the credentials that signed it expire, so is the URL.
    let mut request = http::Request::builder()
        .uri(url)
        .body(Vec::new())
        .expect("request");
    sign_s3(
        &mut request,
        &creds,
        server.clock.now(),
        Some(Duration::from_secs(3600)),
    );
    let presigned = original(&request);
    assert_eq!(outcome(&server, &presigned).await, Outcome::Allowed);
    server.clock.advance(time::Duration::minutes(61));
    let verdict = authorize(&server.state, Target::Service("s3"), &presigned).await;
    assert_eq!(verdict.outcome, Outcome::Unauthenticated);
    let error = verdict.error.expect("error");
    assert_eq!(
        (error.code.as_ref(), error.message.as_str()),
        ("AccessDenied", "Request has expired")
    );
}

#[tokio::test]
async fn anonymous_requests_are_denied_without_a_resource_policy() {
    let (server, _) = setup().await;
    let request = OriginalRequest {
        headers: {
            let mut h = http::HeaderMap::new();
            h.insert("host", "s3.example.test".parse().expect("host"));
            h
        },
        ..signed(
            &server,
            &server.root.clone(),
            "GET",
            "http://s3.example.test/reports/a",
        )
    };
    let verdict = authorize(&server.state, Target::Service("s3"), &request).await;
    assert_eq!(verdict.outcome, Outcome::Denied);
    assert_eq!(verdict.principal.expect("principal").arn, "*");
}

/// Rewrites a header name with the case `mask` gives its letters.
fn recase(name: &str, mask: &[bool]) -> String {
    name.chars()
        .zip(mask.iter().cycle())
        .map(|(c, upper)| if *upper { c.to_ascii_uppercase() } else { c })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_decision_ignores_header_case_and_query_order(
        mask in proptest::collection::vec(any::<bool>(), 1..8),
        rotate in 0usize..4,
        prefix in prop_oneof![Just("2026/"), Just("secret/"), Just("")],
        max_keys in 1u32..1000,
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let (server, creds) = setup().await;
            let url = format!(
                "http://s3.example.test/reports?list-type=2&prefix={prefix}&max-keys={max_keys}&delimiter=%2F"
            );
            let request = signed(&server, &creds, "GET", &url);
            let reference = authorize(&server.state, Target::Service("s3"), &request).await;

            let mut shuffled = request.clone();
            let mut pairs: Vec<&str> = request.query.split('&').collect();
            let turn = rotate % pairs.len();
            pairs.rotate_left(turn);
            shuffled.query = pairs.join("&");
            let mut headers = http::HeaderMap::new();
            for (name, value) in &request.headers {
                let name = http::HeaderName::from_bytes(recase(name.as_str(), &mask).as_bytes()).expect("name");
                headers.append(name, value.clone());
            }
            shuffled.headers = headers;
            let other = authorize(&server.state, Target::Service("s3"), &shuffled).await;
            prop_assert_eq!(reference.outcome, other.outcome);
            prop_assert_eq!(reference.outcome, Outcome::Allowed);
            let effects = |v: &tessera_server::authorizer::Verdict| {
                v.checks.iter().map(|c| (c.action.clone(), c.resource.clone(), c.effect.clone())).collect::<Vec<_>>()
            };
            prop_assert_eq!(effects(&reference), effects(&other));
            Ok(())
        })?;
    }
}
