//! The authorizer's hot path: a GetObject signed with temporary
//! credentials, mapped by the S3 profile, its signature verified, the
//! session's standing read, and decided against the caller's policies
//! (kept for a second) — everything but HTTP.

#[path = "../tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;

use common::{TestServer, s3_services, session_creds, sign_s3};
use criterion::{Criterion, criterion_group, criterion_main};
use tessera_server::authorizer::{OriginalRequest, Outcome, Target, authorize};
use tessera_token::Clock;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]},
  {"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (server, request) = runtime.block_on(async {
        let server = TestServer::start_with(|state, account| {
            state.with_authz_services(s3_services(account))
        })
        .await;
        let user = server
            .user_with_key(&server.root.clone(), "reader", Some(POLICY))
            .await;
        let body = server
            .call(
                &user,
                &[("Action", "GetSessionToken"), ("Version", "2011-06-15")],
            )
            .await
            .1;
        let creds = session_creds(&body);
        let mut signed = http::Request::builder()
            .uri("http://s3.example.test/reports/2026/q1.csv")
            .body(Vec::new())
            .expect("request");
        sign_s3(&mut signed, &creds, server.clock.now(), None);
        let mut headers = signed.headers().clone();
        headers.insert("host", "s3.example.test".parse().expect("host"));
        let request = OriginalRequest {
            method: "GET".to_string(),
            host: "s3.example.test".to_string(),
            path: "/reports/2026/q1.csv".to_string(),
            query: String::new(),
            headers,
            source_ip: Some("192.0.2.1".parse().expect("ip")),
            secure: true,
            payload_sha256: None,
        };
        (server, request)
    });
    let verdict = runtime.block_on(authorize(&server.state, Target::Service("s3"), &request));
    assert_eq!(verdict.outcome, Outcome::Allowed, "{:?}", verdict.error);

    let services = server.state.authz_services().clone();
    c.bench_function("map: GetObject (S3 profile)", |b| {
        b.iter(|| {
            let mapped = services.map(
                "s3",
                &tessera_authz::ResourceRequest {
                    method: &request.method,
                    host: &request.host,
                    path: &request.path,
                    query: &request.query,
                    headers: &request.headers,
                    region: Some("us-east-1"),
                },
            );
            std::hint::black_box(mapped)
        })
    });
    c.bench_function(
        "authorize: temporary-credential GetObject (map, verify, standing, decide)",
        |b| {
            b.iter(|| {
                let verdict =
                    runtime.block_on(authorize(&server.state, Target::Service("s3"), &request));
                std::hint::black_box(verdict)
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
