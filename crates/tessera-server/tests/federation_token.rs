//! GetFederationToken: a broker user's rights narrowed by session policies.

mod common;

use common::{Creds, TestServer, session_creds as session, tag};
use tessera_token::Clock;

async fn federation_token(
    server: &TestServer,
    creds: &Creds,
    extra: &[(&str, &str)],
) -> (u16, String) {
    let mut params = vec![("Action", "GetFederationToken"), ("Version", "2011-06-15")];
    params.extend_from_slice(extra);
    server.call(creds, &params).await
}

#[tokio::test]
async fn broker_user_hands_out_narrowed_credentials() {
    let server = TestServer::start().await;
    let root = server.root.clone();
    let (status, body) = server
        .iam(&root, &[("Action", "CreateUser"), ("UserName", "broker")])
        .await;
    assert_eq!(status, 200, "{body}");
    let broker_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","iam:ListUsers","iam:ListRoles"],"Resource":"*"}]}"#;
    let (status, body) = server
        .iam(
            &root,
            &[
                ("Action", "PutUserPolicy"),
                ("UserName", "broker"),
                ("PolicyName", "p"),
                ("PolicyDocument", broker_policy),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = server
        .iam(
            &root,
            &[("Action", "CreateAccessKey"), ("UserName", "broker")],
        )
        .await;
    let broker = Creds {
        access_key_id: tag(&body, "AccessKeyId"),
        secret: tag(&body, "SecretAccessKey"),
        token: None,
    };

    let narrow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:CreateUser"],"Resource":"*"}]}"#;
    let (status, body) = federation_token(
        &server,
        &broker,
        &[
            ("Name", "carol"),
            ("Policy", narrow),
            ("DurationSeconds", "3600"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        tag(&body, "FederatedUserId"),
        format!("{}:carol", server.account_id)
    );
    let arn = format!("arn:aws:sts::{}:federated-user/carol", server.account_id);
    assert_eq!(tag(&body, "Arn"), arn);
    let carol = session(&body);
    let (_, who) = server
        .call(
            &carol,
            &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
        )
        .await;
    assert_eq!(tag(&who, "Arn"), arn);
    // Even allowed by both the broker's policy and the session policy, a
    // federated user may call no IAM action: AWS refuses them all.
    let (status, body) = server.iam(&carol, &[("Action", "ListRoles")]).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "AccessDenied".to_string())
    );
    assert!(
        tag(&body, "Message").contains("GetFederationToken"),
        "{body}"
    );
    // Allowed to the broker but not by the session policy.
    assert_eq!(server.iam(&carol, &[("Action", "ListUsers")]).await.0, 403);
    // Allowed by the session policy but not to the broker.
    assert_eq!(
        server
            .iam(&carol, &[("Action", "CreateUser"), ("UserName", "z")])
            .await
            .0,
        403
    );

    // Without session policies the federated user may do nothing.
    let (status, body) = federation_token(&server, &broker, &[("Name", "dave")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        server
            .iam(&session(&body), &[("Action", "ListRoles")])
            .await
            .0,
        403
    );

    // Session credentials cannot ask for federation tokens; names are validated.
    let (status, body) = federation_token(&server, &carol, &[("Name", "erin")]).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "AccessDenied".to_string())
    );
    let (status, body) = federation_token(&server, &broker, &[("Name", "x")]).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (400, "ValidationError".to_string())
    );
}

/// The managed session policies of a federation token must be the caller's
/// account's; another account's read exactly like missing ones.
#[tokio::test]
async fn policy_arns_are_the_callers_own() {
    let server = TestServer::start().await;
    let root = server.root.clone();
    let (store, keys) = common::open_store(&server.data).await;
    let b = server
        .data
        .create_account(&store, &keys, "b", server.clock.now())
        .await
        .expect("account b");
    let b_root = common::profile(&server.data, "b-root");
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;
    for creds in [&root, &b_root] {
        server
            .iam_ok(
                creds,
                &[
                    ("Action", "CreatePolicy"),
                    ("PolicyName", "narrow"),
                    ("PolicyDocument", document),
                ],
            )
            .await;
    }
    let broker_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","iam:ListUsers"],"Resource":"*"}]}"#;
    let broker = server
        .user_with_key(&root, "broker", Some(broker_policy))
        .await;
    let foreign = format!("arn:aws:iam::{}:policy/narrow", b.account_id);
    let missing = format!("arn:aws:iam::{}:policy/none", b.account_id);
    let mut answers = Vec::new();
    for policy in [&foreign, &missing] {
        let (status, body) = federation_token(
            &server,
            &broker,
            &[("Name", "carol"), ("PolicyArns.member.1.arn", policy)],
        )
        .await;
        answers.push((
            status,
            tag(&body, "Code"),
            tag(&body, "Message").replace(policy, "ARN"),
        ));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(
        answers[0],
        (
            404,
            "NoSuchEntity".to_string(),
            "Policy ARN does not exist or is not attachable.".to_string()
        )
    );
    let own = format!("arn:aws:iam::{}:policy/narrow", server.account_id);
    let (status, body) = federation_token(
        &server,
        &broker,
        &[("Name", "carol"), ("PolicyArns.member.1.arn", &own)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The account's own policy is accepted and packed into the session.
    assert!(tag(&body, "PackedPolicySize").parse::<u32>().expect("size") > 0);
    let carol = session(&body);
    let (status, body) = server
        .call(
            &carol,
            &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The federated user's name is ASCII `[\w+=,.@-]`: a look-alike letter
/// (Cyrillic а) is refused.
#[tokio::test]
async fn names_are_ascii_words() {
    let server = TestServer::start().await;
    let broker_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"}]}"#;
    let broker = server
        .user_with_key(&server.root.clone(), "broker", Some(broker_policy))
        .await;
    let (status, body) = federation_token(&server, &broker, &[("Name", "c\u{0430}rol")]).await;
    assert_eq!(
        (status, tag(&body, "Message")),
        (
            400,
            "1 validation error detected: Value 'c\u{0430}rol' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*".to_string()
        )
    );
}
