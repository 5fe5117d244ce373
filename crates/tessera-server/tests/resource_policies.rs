//! Resource policies: `PutResourcePolicy`, `GetResourcePolicy` and
//! `DeleteResourcePolicy` on the resources of configured services, and the
//! in-memory cache the authorizer reads, which follows the store within a
//! second.

mod common;

use common::{Creds, TestServer, code, tag};
use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tessera_authz::{S3Config, ServiceConfig, Services};
use tessera_server::{AppState, ResourcePolicyLookup};
use tessera_store::{ResourcePolicyRecord, ResourcePolicyStore};
use tessera_token::Clock;

const LOGS: &str = "arn:aws:s3:::logs";
const EMPTY: &str = "arn:aws:s3:::empty";
const PARTNER: &str = "arn:aws:s3:::partner";
const UNKNOWN_SERVICE: &str = "arn:aws:sqs:us-east-1:123456789012:queue";
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The S3 profile: buckets owned by `owner`, `partner` by `partner`.
fn services(owner: &str, partner: Option<&str>) -> Services {
    Services::new(
        vec![ServiceConfig::S3(S3Config {
            name: "store".to_string(),
            hosts: Vec::new(),
            owner_account: owner.to_string(),
            buckets: partner
                .map(|p| BTreeMap::from([("partner".to_string(), p.to_string())]))
                .unwrap_or_default(),
        })],
        "aws",
    )
    .expect("valid services")
}

/// A server whose S3 profile's buckets its bootstrap account owns, and its
/// state.
async fn server() -> (TestServer, AppState) {
    let kept = Arc::new(Mutex::new(None));
    let keep = Arc::clone(&kept);
    let server = TestServer::start_configured_in_account(move |state, account_id| {
        let state = state.with_authz_services(services(account_id, None));
        *keep.lock().expect("lock") = Some(state.clone());
        state
    })
    .await;
    let state = kept.lock().expect("lock").take().expect("state");
    (server, state)
}

fn read_logs(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"ReadLogs","Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:GetObject","Resource":"{LOGS}/*"}}]}}"#
    )
}

async fn put(server: &TestServer, creds: &Creds, arn: &str, document: &str) -> (u16, String) {
    server
        .iam(
            creds,
            &[
                ("Action", "PutResourcePolicy"),
                ("ResourceArn", arn),
                ("PolicyDocument", document),
            ],
        )
        .await
}

async fn get(server: &TestServer, creds: &Creds, arn: &str) -> (u16, String) {
    server
        .iam(
            creds,
            &[("Action", "GetResourcePolicy"), ("ResourceArn", arn)],
        )
        .await
}

async fn delete(server: &TestServer, creds: &Creds, arn: &str) -> (u16, String) {
    server
        .iam(
            creds,
            &[("Action", "DeleteResourcePolicy"), ("ResourceArn", arn)],
        )
        .await
}

/// Waits, a second at most, until the cache's answer for `arn` satisfies
/// `seen`.
async fn eventually(
    state: &AppState,
    arn: &str,
    seen: impl Fn(&ResourcePolicyLookup) -> bool,
) -> ResourcePolicyLookup {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let lookup = state.resource_policies().get(arn);
        if seen(&lookup) {
            return lookup;
        }
        assert!(
            Instant::now() < deadline,
            "not seen within a second: {lookup:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn record(arn: &str, owner: &str, document: &str) -> ResourcePolicyRecord {
    ResourcePolicyRecord {
        resource_arn: arn.to_string(),
        owner_account_id: owner.to_string(),
        document: document.to_string(),
        principal_bindings: Vec::new(),
        updated_at: 0,
    }
}

#[tokio::test]
async fn a_change_made_through_the_store_reaches_the_cache_within_a_second() {
    let (server, state) = server().await;
    assert!(matches!(
        state.resource_policies().get(LOGS),
        ResourcePolicyLookup::Absent
    ));
    // Another process on the same data directory.
    let (store, _) = common::open_store(&server.data).await;
    let document = read_logs(&server.account_id);
    store
        .put_resource_policy(&record(LOGS, &server.account_id, &document))
        .await
        .expect("put");
    let ResourcePolicyLookup::Policy(loaded) = eventually(&state, LOGS, |l| {
        matches!(l, ResourcePolicyLookup::Policy(_))
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(loaded.resource_arn, LOGS);
    assert_eq!(loaded.owner_account_id, server.account_id);
    assert_eq!(
        loaded.policy.statements()[0].sid.as_deref(),
        Some("ReadLogs")
    );

    assert!(store.delete_resource_policy(LOGS).await.expect("delete"));
    eventually(&state, LOGS, |l| matches!(l, ResourcePolicyLookup::Absent)).await;
}

#[tokio::test]
async fn a_stored_document_that_no_longer_parses_fails_closed() {
    let (server, state) = server().await;
    let (store, _) = common::open_store(&server.data).await;
    store
        .put_resource_policy(&record(
            LOGS,
            &server.account_id,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        ))
        .await
        .expect("put");
    eventually(&state, LOGS, |l| {
        matches!(l, ResourcePolicyLookup::Unreadable)
    })
    .await;
    // Other resources are unaffected.
    assert!(matches!(
        state.resource_policies().get(EMPTY),
        ResourcePolicyLookup::Absent
    ));
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_read() {
    let (server, _state) = server().await;
    let root = server.root.clone();

    let (status, body) = server
        .iam(
            &root,
            &[("Action", "PutResourcePolicy"), ("PolicyDocument", "{}")],
        )
        .await;
    assert_eq!((status, code(&body)), (400, "ValidationError".into()));
    assert_eq!(
        tag(&body, "Message"),
        "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null"
    );
    let (status, body) = server
        .iam(
            &root,
            &[("Action", "PutResourcePolicy"), ("ResourceArn", LOGS)],
        )
        .await;
    assert_eq!((status, code(&body)), (400, "ValidationError".into()));
    assert!(tag(&body, "Message").contains("'policyDocument'"), "{body}");

    // Larger than a bucket policy may be.
    let padding = " ".repeat(tessera_server::MAX_RESOURCE_POLICY_BYTES);
    let (status, body) = put(
        &server,
        &root,
        LOGS,
        &format!("{}{padding}", read_logs("*")),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "ValidationError".into()));
    assert!(
        tag(&body, "Message").ends_with("Member must have length less than or equal to 20480"),
        "{body}"
    );

    // An ARN of no configured service, and an object, whose bucket's
    // policy governs it.
    let object = format!("{LOGS}/2026/a.log");
    for arn in [UNKNOWN_SERVICE, object.as_str()] {
        for (status, body) in [
            put(&server, &root, arn, &read_logs("*")).await,
            get(&server, &root, arn).await,
            delete(&server, &root, arn).await,
        ] {
            assert_eq!(
                (status, code(&body)),
                (400, "InvalidInput".into()),
                "{body}"
            );
            assert_eq!(tag(&body, "Message"), format!("ARN {arn} is not valid."));
        }
    }
}

#[tokio::test]
async fn put_get_and_delete_round_trip() {
    let (server, state) = server().await;
    let root = server.root.clone();
    let alice_arn = format!("arn:aws:iam::{}:user/alice", server.account_id);
    server
        .iam_ok(&root, &[("Action", "CreateUser"), ("UserName", "alice")])
        .await;
    let document = read_logs(&alice_arn);

    let (status, body) = get(&server, &root, LOGS).await;
    assert_eq!(
        (status, code(&body)),
        (404, "NoSuchEntity".into()),
        "{body}"
    );
    assert_eq!(
        tag(&body, "Message"),
        format!("The resource policy of resource {LOGS} cannot be found.")
    );

    let (status, body) = put(&server, &root, LOGS, &document).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<PutResourcePolicyResponse"), "{body}");
    // A write through this server is in its cache at once.
    assert!(matches!(
        state.resource_policies().get(LOGS),
        ResourcePolicyLookup::Policy(_)
    ));

    let (status, body) = get(&server, &root, LOGS).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<GetResourcePolicyResult>"), "{body}");
    assert_eq!(tag(&body, "ResourceArn"), LOGS);
    // URL-encoded, as IAM returns policy documents.
    assert_eq!(
        tag(&body, "PolicyDocument"),
        tessera_sigv4::uri_encode(&document)
    );

    // Saving again replaces it.
    let everyone = read_logs("*");
    assert_eq!(put(&server, &root, LOGS, &everyone).await.0, 200);
    let (_, body) = get(&server, &root, LOGS).await;
    assert_eq!(
        tag(&body, "PolicyDocument"),
        tessera_sigv4::uri_encode(&everyone)
    );

    let (status, body) = delete(&server, &root, LOGS).await;
    assert_eq!(status, 200, "{body}");
    assert!(matches!(
        state.resource_policies().get(LOGS),
        ResourcePolicyLookup::Absent
    ));
    let (status, body) = delete(&server, &root, LOGS).await;
    assert_eq!(
        (status, code(&body)),
        (404, "NoSuchEntity".into()),
        "{body}"
    );
    let (status, _) = get(&server, &root, LOGS).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn documents_are_validated_as_resource_policies() {
    let (server, _state) = server().await;
    let root = server.root.clone();
    let cases = [
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/*"}]}"#.to_string(),
            "Missing required field Principal".to_string(),
        ),
        (
            r#"{"Version":"2012-10-17","Statement":"#.to_string(),
            String::new(),
        ),
        (
            read_logs(&format!("arn:aws:iam::{}:user/nobody", server.account_id)),
            format!(
                "Invalid principal in policy: \"AWS\":\"arn:aws:iam::{}:user/nobody\"",
                server.account_id
            ),
        ),
    ];
    for (document, message) in cases {
        let (status, body) = put(&server, &root, LOGS, &document).await;
        assert_eq!(
            (status, code(&body)),
            (400, "MalformedPolicyDocument".into()),
            "{document}: {body}"
        );
        if !message.is_empty() {
            assert_eq!(tag(&body, "Message"), message);
        }
    }
    // Nothing was saved.
    assert_eq!(get(&server, &root, LOGS).await.0, 404);
}

#[tokio::test]
async fn principals_are_bound_to_the_entities_that_existed() {
    let (server, _state) = server().await;
    let root = server.root.clone();
    let alice_arn = format!("arn:aws:iam::{}:user/alice", server.account_id);
    let body = server
        .iam_ok(&root, &[("Action", "CreateUser"), ("UserName", "alice")])
        .await;
    let alice_id = tag(&body, "UserId");
    assert_eq!(
        put(&server, &root, LOGS, &read_logs(&alice_arn)).await.0,
        200
    );
    // Alice re-created is another user: the policy shows the first one's
    // unique id.
    server
        .iam_ok(&root, &[("Action", "DeleteUser"), ("UserName", "alice")])
        .await;
    server
        .iam_ok(&root, &[("Action", "CreateUser"), ("UserName", "alice")])
        .await;
    let (_, body) = get(&server, &root, LOGS).await;
    assert_eq!(
        tag(&body, "PolicyDocument"),
        tessera_sigv4::uri_encode(&read_logs(&alice_id))
    );
}

#[tokio::test]
async fn users_of_the_owner_account_need_the_actions() {
    let (server, _state) = server().await;
    let root = server.root.clone();
    assert_eq!(put(&server, &root, LOGS, &read_logs("*")).await.0, 200);
    let reader = server
        .user_with_key(
            &root,
            "reader",
            Some(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:GetResourcePolicy","Resource":"{LOGS}"}}]}}"#
            )),
        )
        .await;
    assert_eq!(get(&server, &reader, LOGS).await.0, 200);
    let (status, body) = get(&server, &reader, EMPTY).await;
    assert_eq!(
        (status, code(&body)),
        (403, "AccessDenied".into()),
        "{body}"
    );
    for (status, body) in [
        put(&server, &reader, LOGS, &read_logs("*")).await,
        delete(&server, &reader, LOGS).await,
    ] {
        assert_eq!(
            (status, code(&body)),
            (403, "AccessDenied".into()),
            "{body}"
        );
        assert!(
            tag(&body, "Message").contains(&format!("on resource: {LOGS}")),
            "{body}"
        );
    }
}

/// Decodes the explanation of an `AccessDenied` as its caller.
async fn explanation(server: &TestServer, creds: &Creds, body: &str) -> serde_json::Value {
    let message = tag(body, "Message");
    let encoded = message
        .split("Encoded authorization failure message: ")
        .nth(1)
        .expect("encoded message");
    let (status, body) = server
        .call(
            creds,
            &[
                ("Action", "DecodeAuthorizationMessage"),
                ("Version", "2011-06-15"),
                ("EncodedMessage", encoded),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&tag(&body, "DecodedMessage").replace("&quot;", "\"")).expect("JSON")
}

#[tokio::test]
async fn another_account_cannot_manage_the_policy_nor_tell_whether_there_is_one() {
    let kept = Arc::new(Mutex::new(None));
    let keep = Arc::clone(&kept);
    let base = TestServer::start().await;
    let (store, keys) = common::open_store(&base.data).await;
    let b = base
        .data
        .create_account(&store, &keys, "b", base.clock.now())
        .await
        .expect("account b");
    let (a_id, b_id) = (base.account_id.clone(), b.account_id.clone());
    // A server whose buckets account a owns, but `partner`, which b owns.
    let server = TestServer::start_on_configured(base.data.clone(), base.clock.clone(), move |s| {
        let s = s.with_authz_services(services(&a_id, Some(&b_id)));
        *keep.lock().expect("lock") = Some(s.clone());
        s
    })
    .await;
    let a_root = server.root.clone();
    let b_root = common::profile(&server.data, "b-root");
    let b_admin = server
        .user_with_key(&b_root, "admin", Some(ALLOW_ALL))
        .await;
    assert_eq!(put(&server, &a_root, LOGS, &read_logs("*")).await.0, 200);

    for creds in [&b_root, &b_admin] {
        for (status, body) in [
            put(&server, creds, LOGS, &read_logs("*")).await,
            put(&server, creds, EMPTY, &read_logs("*")).await,
            get(&server, creds, LOGS).await,
            delete(&server, creds, LOGS).await,
        ] {
            assert_eq!(
                (status, code(&body)),
                (403, "AccessDenied".into()),
                "{body}"
            );
        }
    }
    // The policy is untouched.
    assert_eq!(get(&server, &a_root, LOGS).await.0, 200);

    // The explanation reads the same for a bucket with a policy and one
    // without, and shows nothing of the policy.
    let (_, with_policy) = get(&server, &b_admin, LOGS).await;
    let (_, without) = get(&server, &b_admin, EMPTY).await;
    let with_policy = explanation(&server, &b_admin, &with_policy).await;
    let without = explanation(&server, &b_admin, &without).await;
    assert!(
        !with_policy.to_string().contains("ReadLogs"),
        "{with_policy}"
    );
    assert_eq!(
        with_policy.to_string(),
        without.to_string().replace(EMPTY, LOGS)
    );

    // The bucket b owns is b's to manage, not a's.
    assert_eq!(put(&server, &b_root, PARTNER, &read_logs("*")).await.0, 200);
    let (status, body) = get(&server, &a_root, PARTNER).await;
    assert_eq!(
        (status, code(&body)),
        (403, "AccessDenied".into()),
        "{body}"
    );
    let state = kept.lock().expect("lock").take().expect("state");
    let ResourcePolicyLookup::Policy(loaded) = state.resource_policies().get(PARTNER) else {
        panic!("partner's policy is loaded");
    };
    assert_eq!(loaded.owner_account_id, b.account_id);
}

#[tokio::test]
async fn the_operator_manages_policies_without_iam_authorization() {
    let (server, state) = server().await;
    let bob_arn = format!("arn:aws:iam::{}:user/bob", server.account_id);
    let error = tessera_server::put_resource_policy_as_operator(&state, LOGS, &read_logs(&bob_arn))
        .await
        .expect_err("no bob");
    assert_eq!(error.code, "MalformedPolicyDocument");
    server
        .iam_ok(
            &server.root,
            &[("Action", "CreateUser"), ("UserName", "bob")],
        )
        .await;
    tessera_server::put_resource_policy_as_operator(&state, LOGS, &read_logs(&bob_arn))
        .await
        .expect("put");
    assert_eq!(
        tessera_server::get_resource_policy_as_operator(&state, LOGS)
            .await
            .expect("get"),
        read_logs(&bob_arn)
    );
    tessera_server::delete_resource_policy_as_operator(&state, LOGS)
        .await
        .expect("delete");
    let error = tessera_server::delete_resource_policy_as_operator(&state, LOGS)
        .await
        .expect_err("gone");
    assert_eq!(error.code, "NoSuchEntity");
}

#[tokio::test]
async fn the_operator_too_needs_a_resource_of_a_configured_service() {
    let (_server, state) = server().await;
    for error in [
        tessera_server::put_resource_policy_as_operator(&state, UNKNOWN_SERVICE, &read_logs("*"))
            .await
            .expect_err("unknown service"),
        tessera_server::get_resource_policy_as_operator(&state, UNKNOWN_SERVICE)
            .await
            .expect_err("unknown service"),
        tessera_server::delete_resource_policy_as_operator(&state, UNKNOWN_SERVICE)
            .await
            .expect_err("unknown service"),
    ] {
        assert_eq!(error.code, "InvalidInput");
    }
}
