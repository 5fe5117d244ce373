//! Revocation: sessions issued up to a mark stop working on every node at
//! once; later sessions work.

mod common;

use common::{TestServer, tag};
use tessera_store::{HotReadStore, RevocationStore, SessionOwner, Standing};
use tessera_token::Clock;
use time::Duration;

const IDENTITY: &[(&str, &str)] = &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")];

#[tokio::test]
async fn revoke_sessions_action_invalidates_earlier_sessions_everywhere() {
    let a = TestServer::start().await;
    let b = a.sibling().await;
    let before = a.session_token(&a.root, None).await;
    let root_arn = format!("arn:aws:iam::{}:root", a.account_id);

    a.clock.advance(Duration::seconds(5));
    let (status, body) = a
        .call_at(
            &a.root,
            &[
                ("Action", "RevokeSessions"),
                ("Version", "2010-05-08"),
                ("PrincipalArn", &root_arn),
            ],
            a.clock.now(),
            "iam",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tag(&body, "PrincipalArn"), root_arn);
    assert!(
        body.contains(
            "<RevokeSessionsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
        )
    );

    for server in [&a, &b] {
        let (status, body) = server.call(&before, IDENTITY).await;
        assert_eq!(
            (status, tag(&body, "Code")),
            (403, "InvalidClientTokenId".to_string()),
            "{body}"
        );
    }
    // The long-term key is untouched, and a session issued later works.
    a.clock.advance(Duration::seconds(1));
    let after = a.session_token(&a.root, None).await;
    for server in [&a, &b] {
        assert_eq!(server.call(&a.root, IDENTITY).await.0, 200);
        let (status, body) = server.call(&after, IDENTITY).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test]
async fn revocation_written_by_another_process_applies_at_once() {
    let server = TestServer::start().await;
    let session = server.session_token(&server.root, None).await;
    let (store, _) = common::open_store(&server.data).await;
    // Marks are kept by unique id: the account id for its root user.
    let root_id = server.account_id.clone();
    store
        .revoke_sessions(&root_id, server.clock.now().unix_timestamp())
        .await
        .expect("revoke");
    let (status, body) = server.call(&session, IDENTITY).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "InvalidClientTokenId".to_string()),
        "{body}"
    );
    // An older mark never shortens a newer one.
    store.revoke_sessions(&root_id, 0).await.expect("revoke");
    assert_eq!(
        store
            .session_standing(SessionOwner::Root {
                account_id: &root_id
            })
            .await
            .expect("read"),
        Standing::Present {
            revoked_before: Some(server.clock.now().unix_timestamp())
        }
    );
}

#[tokio::test]
async fn revoke_sessions_validates_its_principal() {
    let server = TestServer::start().await;
    for arn in [
        "arn:aws:iam::111122223333:role/other-account",
        "arn:aws:iam::111122223333:policy/p",
        "nonsense",
    ] {
        let arn = arn.replace(
            "111122223333",
            if arn.contains("other") {
                "111122223333"
            } else {
                &server.account_id
            },
        );
        let (status, body) = server
            .call_at(
                &server.root,
                &[
                    ("Action", "RevokeSessions"),
                    ("Version", "2010-05-08"),
                    ("PrincipalArn", &arn),
                ],
                server.clock.now(),
                "iam",
            )
            .await;
        assert_eq!(
            (status, tag(&body, "Code")),
            (400, "InvalidInput".to_string()),
            "{arn}: {body}"
        );
    }
    let (status, body) = server
        .call_at(
            &server.root,
            &[("Action", "RevokeSessions"), ("Version", "2010-05-08")],
            server.clock.now(),
            "iam",
        )
        .await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (400, "ValidationError".to_string()),
        "{body}"
    );
}
