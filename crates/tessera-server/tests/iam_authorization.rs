//! Every IAM call is authorized through tessera-policy: identity policies of
//! the user and its groups, permission boundaries, explicit denies, and the
//! encoded explanation of a denial.

mod common;

use common::{TestServer, code, tag};
use tessera_token::Clock;

const LIST_USERS: &[(&str, &str)] = &[("Action", "ListUsers")];

#[tokio::test]
async fn a_user_without_policies_is_denied_with_a_decodable_explanation() {
    let server = TestServer::start().await;
    let bob = server.user_with_key(&server.root, "bob", None).await;
    let (status, body) = server.iam(&bob, LIST_USERS).await;
    assert_eq!(
        (status, code(&body)),
        (403, "AccessDenied".to_string()),
        "{body}"
    );
    let message = tag(&body, "Message");
    let expected = format!(
        "User: arn:aws:iam::{}:user/bob is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::{}:user/",
        server.account_id, server.account_id
    );
    assert!(message.starts_with(&expected), "{message}");
    let encoded = message
        .split("Encoded authorization failure message: ")
        .nth(1)
        .expect("an encoded message")
        .to_string();

    let (status, body) = server
        .call(
            &server.root,
            &[
                ("Action", "DecodeAuthorizationMessage"),
                ("Version", "2011-06-15"),
                ("EncodedMessage", &encoded),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let decoded: serde_json::Value =
        serde_json::from_str(&tag(&body, "DecodedMessage").replace("&quot;", "\"")).expect("JSON");
    assert_eq!(decoded["allowed"], false);
    assert_eq!(decoded["explicitDeny"], false);
    assert_eq!(decoded["context"]["action"], "iam:ListUsers");
    assert_eq!(
        decoded["context"]["principal"]["arn"],
        format!("arn:aws:iam::{}:user/bob", server.account_id)
    );

    // Another account cannot read it, and an altered message is refused.
    let (store, keys) = common::open_store(&server.data).await;
    server
        .data
        .create_account(&store, &keys, "other", server.clock.now())
        .await
        .expect("account");
    let other = common::profile(&server.data, "other-root");
    let mut altered = encoded.clone();
    altered.replace_range(8..9, if &altered[8..9] == "A" { "B" } else { "A" });
    for (creds, message) in [(&other, &encoded), (&server.root, &altered)] {
        let (status, body) = server
            .call(
                creds,
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

#[tokio::test]
async fn a_group_policy_allows_and_an_explicit_deny_wins() {
    let server = TestServer::start().await;
    let bob = server.user_with_key(&server.root, "bob", None).await;
    server
        .iam_ok(
            &server.root,
            &[("Action", "CreateGroup"), ("GroupName", "readers")],
        )
        .await;
    server.iam_ok(
        &server.root,
        &[
            ("Action", "PutGroupPolicy"),
            ("GroupName", "readers"),
            ("PolicyName", "read"),
            (
                "PolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*","iam:Get*"],"Resource":"*"}]}"#,
            ),
        ],
    )
    .await;
    assert_eq!(
        server.iam(&bob, LIST_USERS).await.0,
        403,
        "not yet a member"
    );
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "AddUserToGroup"),
                ("GroupName", "readers"),
                ("UserName", "bob"),
            ],
        )
        .await;
    let body = server.iam_ok(&bob, LIST_USERS).await;
    assert!(body.contains("<UserName>bob</UserName>"), "{body}");

    // Writing is still denied: nothing allows iam:CreateUser.
    let (status, body) = server
        .iam(&bob, &[("Action", "CreateUser"), ("UserName", "eve")])
        .await;
    assert_eq!((status, code(&body)), (403, "AccessDenied".to_string()));

    server.iam_ok(
        &server.root,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "bob"),
            ("PolicyName", "no-listing"),
            (
                "PolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoList","Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}"#,
            ),
        ],
    )
    .await;
    let (status, body) = server.iam(&bob, LIST_USERS).await;
    assert_eq!(
        (status, code(&body)),
        (403, "AccessDenied".to_string()),
        "{body}"
    );
    // Other listings still allowed by the group.
    server.iam_ok(&bob, &[("Action", "ListGroups")]).await;
}

#[tokio::test]
async fn a_permission_boundary_removes_what_an_identity_policy_grants() {
    let server = TestServer::start().await;
    let bob = server.user_with_key(&server.root, "bob", None).await;
    server.iam_ok(
        &server.root,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "bob"),
            ("PolicyName", "all-iam"),
            ("PolicyDocument", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#),
        ],
    )
    .await;
    server.iam_ok(&bob, LIST_USERS).await;
    let body = server.iam_ok(
        &server.root,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "only-get"),
            ("PolicyDocument", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#),
        ],
    )
    .await;
    let boundary = tag(&body, "Arn");
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "PutUserPermissionsBoundary"),
                ("UserName", "bob"),
                ("PermissionsBoundary", &boundary),
            ],
        )
        .await;
    let (status, body) = server.iam(&bob, LIST_USERS).await;
    assert_eq!(
        (status, code(&body)),
        (403, "AccessDenied".to_string()),
        "{body}"
    );
    server.iam_ok(&bob, &[("Action", "GetUser")]).await;

    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "DeleteUserPermissionsBoundary"),
                ("UserName", "bob"),
            ],
        )
        .await;
    server.iam_ok(&bob, LIST_USERS).await;
}

#[tokio::test]
async fn user_sessions_carry_the_user_and_cannot_call_iam_without_mfa() {
    let server = TestServer::start().await;
    let bob = server.user_with_key(&server.root, "bob", None).await;
    server.iam_ok(
        &server.root,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "bob"),
            ("PolicyName", "all-iam"),
            ("PolicyDocument", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#),
        ],
    )
    .await;
    let session = server.session_token(&bob, None).await;
    let (status, body) = server
        .call(
            &session,
            &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{}:user/bob", server.account_id)
    );
    let (status, body) = server.iam(&session, LIST_USERS).await;
    assert_eq!(
        (status, code(&body)),
        (403, "AccessDenied".to_string()),
        "{body}"
    );
}

#[tokio::test]
async fn the_simulator_answers_for_a_group() {
    let server = TestServer::start().await;
    let body = server
        .iam_ok(
            &server.root,
            &[("Action", "CreateGroup"), ("GroupName", "listers")],
        )
        .await;
    let group_arn = tag(&body, "Arn");
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "PutGroupPolicy"),
                ("GroupName", "listers"),
                ("PolicyName", "list"),
                (
                    "PolicyDocument",
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#,
                ),
            ],
        )
        .await;
    let body = server
        .iam_ok(
            &server.root,
            &[
                ("Action", "SimulatePrincipalPolicy"),
                ("PolicySourceArn", &group_arn),
                ("ActionNames.member.1", "iam:ListUsers"),
                ("ActionNames.member.2", "iam:CreateUser"),
            ],
        )
        .await;
    let decisions: Vec<&str> = body
        .split("<EvalDecision>")
        .skip(1)
        .filter_map(|rest| rest.split("</EvalDecision>").next())
        .collect();
    assert_eq!(decisions, vec!["allowed", "implicitDeny"], "{body}");

    let missing = group_arn.replace("listers", "nobody");
    let (status, body) = server
        .iam(
            &server.root,
            &[
                ("Action", "SimulatePrincipalPolicy"),
                ("PolicySourceArn", &missing),
                ("ActionNames.member.1", "iam:ListUsers"),
            ],
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (404, "NoSuchEntity".to_string()),
        "{body}"
    );
}
