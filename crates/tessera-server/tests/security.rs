//! Regression tests of the decision path: entities are authorized as
//! stored, the condition keys guardrails rely on are set, sessions of
//! deleted principals and federated users are held to AWS's rules, and
//! revocation is keyed by unique id.

mod common;

use common::{Creds, TestServer, code, session_creds, tag};
use tessera_token::Clock;

fn doc(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

const ALLOW_ALL: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;

fn trusting(principal: &str) -> String {
    doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":["sts:AssumeRole","sts:TagSession"]}}"#
    ))
}

impl TestServer {
    fn arn(&self, resource: &str) -> String {
        format!("arn:aws:iam::{}:{resource}", self.account_id)
    }

    async fn create_role(&self, name: &str, trust: &str) -> String {
        let body = self
            .iam_ok(
                &self.root,
                &[
                    ("Action", "CreateRole"),
                    ("RoleName", name),
                    ("AssumeRolePolicyDocument", trust),
                ],
            )
            .await;
        tag(&body, "Arn")
    }

    async fn revoke(&self, arn: String) -> (u16, String) {
        self.iam(
            &self.root,
            &[("Action", "RevokeSessions"), ("PrincipalArn", &arn)],
        )
        .await
    }

    async fn assume(&self, creds: &Creds, role_arn: &str) -> (u16, String) {
        self.call(
            creds,
            &[
                ("Action", "AssumeRole"),
                ("Version", "2011-06-15"),
                ("RoleArn", role_arn),
                ("RoleSessionName", "s1"),
            ],
        )
        .await
    }
}

fn denied((status, body): (u16, String)) {
    assert_eq!(
        (status, code(&body)),
        (403, "AccessDenied".to_string()),
        "{body}"
    );
}

#[tokio::test]
async fn a_names_case_does_not_bypass_deny_or_widen_allow() {
    let server = TestServer::start().await;
    let protected = server.arn("role/rt-admin-role");
    let trust = trusting(&server.arn("root"));
    server.create_role("rt-admin-role", &trust).await;
    let policy = doc(&format!(
        r#"{{"Effect":"Allow","Action":["iam:*","sts:*"],"Resource":"*"}},
           {{"Effect":"Deny","Action":"*","Resource":"{protected}"}}"#
    ));
    let user = server
        .user_with_key(&server.root, "operator", Some(&policy))
        .await;
    let managed = server
        .iam_ok(
            &server.root,
            &[
                ("Action", "CreatePolicy"),
                ("PolicyName", "admin"),
                ("PolicyDocument", &doc(ALLOW_ALL)),
            ],
        )
        .await;
    let policy_arn = tag(&managed, "Arn");
    for name in ["RT-ADMIN-ROLE", "Rt-Admin-Role", "rt-admin-role"] {
        for params in [
            vec![("Action", "GetRole"), ("RoleName", name)],
            vec![
                ("Action", "UpdateAssumeRolePolicy"),
                ("RoleName", name),
                ("PolicyDocument", &trust),
            ],
            vec![
                ("Action", "AttachRolePolicy"),
                ("RoleName", name),
                ("PolicyArn", &policy_arn),
            ],
            vec![
                ("Action", "DeleteRolePermissionsBoundary"),
                ("RoleName", name),
            ],
            vec![
                ("Action", "TagRole"),
                ("RoleName", name),
                ("Tags.member.1.Key", "k"),
                ("Tags.member.1.Value", "v"),
            ],
            vec![("Action", "UpdateRole"), ("RoleName", name)],
            vec![("Action", "DeleteRole"), ("RoleName", name)],
            vec![
                ("Action", "PutRolePolicy"),
                ("RoleName", name),
                ("PolicyName", "p"),
                ("PolicyDocument", &doc(ALLOW_ALL)),
            ],
        ] {
            denied(server.iam(&user, &params).await);
        }
        denied(
            server
                .assume(&user, &server.arn(&format!("role/{name}")))
                .await,
        );
        let (status, body) = server
            .iam(
                &user,
                &[
                    ("Action", "SimulatePrincipalPolicy"),
                    ("PolicySourceArn", &server.arn(&format!("role/{name}"))),
                    ("ActionNames.member.1", "s3:GetObject"),
                ],
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (403, "AccessDenied".to_string()),
            "{body}"
        );
    }

    // An Allow on role/App* does not reach a role stored as `apple`.
    server.create_role("apple", &trust).await;
    let narrow = doc(&format!(
        r#"{{"Effect":"Allow","Action":["iam:GetRole","sts:AssumeRole"],"Resource":"{}"}}"#,
        server.arn("role/App*")
    ));
    let app_user = server
        .user_with_key(&server.root, "app-admin", Some(&narrow))
        .await;
    denied(
        server
            .iam(&app_user, &[("Action", "GetRole"), ("RoleName", "Apple")])
            .await,
    );
    denied(server.assume(&app_user, &server.arn("role/Apple")).await);

    // Users and groups likewise.
    server
        .iam_ok(
            &server.root,
            &[("Action", "CreateUser"), ("UserName", "alice")],
        )
        .await;
    server
        .iam_ok(
            &server.root,
            &[("Action", "CreateGroup"), ("GroupName", "ops")],
        )
        .await;
    let deny_alice = doc(&format!(
        r#"{{"Effect":"Allow","Action":"iam:*","Resource":"*"}},
           {{"Effect":"Deny","Action":"*","Resource":["{}","{}"]}}"#,
        server.arn("user/alice"),
        server.arn("group/ops")
    ));
    let second = server
        .user_with_key(&server.root, "second", Some(&deny_alice))
        .await;
    for params in [
        vec![
            ("Action", "AttachUserPolicy"),
            ("UserName", "ALICE"),
            ("PolicyArn", policy_arn.as_str()),
        ],
        vec![
            ("Action", "PutUserPermissionsBoundary"),
            ("UserName", "Alice"),
            ("PermissionsBoundary", policy_arn.as_str()),
        ],
        vec![
            ("Action", "AttachGroupPolicy"),
            ("GroupName", "OPS"),
            ("PolicyArn", policy_arn.as_str()),
        ],
        vec![("Action", "CreateAccessKey"), ("UserName", "aLiCe")],
    ] {
        denied(server.iam(&second, &params).await);
    }
}

#[tokio::test]
async fn simulate_principal_policy_needs_the_stored_path() {
    let server = TestServer::start().await;
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "CreateUser"),
                ("UserName", "pathy"),
                ("Path", "/team/"),
            ],
        )
        .await;
    let (status, body) = server
        .iam(
            &server.root,
            &[
                ("Action", "SimulatePrincipalPolicy"),
                ("PolicySourceArn", &server.arn("user/pathy")),
                ("ActionNames.member.1", "s3:GetObject"),
            ],
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (404, "NoSuchEntity".to_string()),
        "{body}"
    );
    let body = server
        .iam_ok(
            &server.root,
            &[
                ("Action", "SimulatePrincipalPolicy"),
                ("PolicySourceArn", &server.arn("user/team/PATHY")),
                ("ActionNames.member.1", "s3:GetObject"),
            ],
        )
        .await;
    assert_eq!(tag(&body, "EvalDecision"), "implicitDeny");
}

#[tokio::test]
async fn principal_resource_boundary_and_policy_keys_are_set() {
    let server = TestServer::start().await;
    let admin_policy = doc(&format!(
        r#"{ALLOW_ALL},
           {{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"contractor"}}}}}}"#
    ));
    let contractor = server
        .user_with_key(&server.root, "contractor", Some(&admin_policy))
        .await;
    let staff = server
        .user_with_key(&server.root, "staff", Some(&admin_policy))
        .await;
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "TagUser"),
                ("UserName", "contractor"),
                ("Tags.member.1.Key", "team"),
                ("Tags.member.1.Value", "contractor"),
            ],
        )
        .await;
    denied(server.iam(&contractor, &[("Action", "ListUsers")]).await);
    server.iam_ok(&staff, &[("Action", "ListUsers")]).await;
    // A session of the tagged user carries the tag too.
    let session = server.session_token(&contractor, None).await;
    denied(
        server
            .call(
                &session,
                &[
                    ("Action", "AssumeRole"),
                    ("Version", "2011-06-15"),
                    ("RoleArn", &server.arn("role/x")),
                    ("RoleSessionName", "s1"),
                ],
            )
            .await,
    );

    // A role tagged protected=true is out of reach of a guardrail on
    // iam:ResourceTag / aws:ResourceTag.
    let trust = trusting(&server.arn("root"));
    server.create_role("guarded", &trust).await;
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "TagRole"),
                ("RoleName", "guarded"),
                ("Tags.member.1.Key", "protected"),
                ("Tags.member.1.Value", "true"),
            ],
        )
        .await;
    let guardrail = doc(&format!(
        r#"{ALLOW_ALL},
           {{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{{"StringEquals":{{"iam:ResourceTag/protected":"true"}}}}}},
           {{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*","Condition":{{"StringEquals":{{"aws:ResourceTag/protected":"true"}}}}}}"#
    ));
    let ops = server
        .user_with_key(&server.root, "ops", Some(&guardrail))
        .await;
    denied(
        server
            .iam(&ops, &[("Action", "DeleteRole"), ("RoleName", "GUARDED")])
            .await,
    );
    denied(server.assume(&ops, &server.arn("role/guarded")).await);
    server.create_role("open", &trust).await;
    server
        .iam_ok(&ops, &[("Action", "GetRole"), ("RoleName", "open")])
        .await;

    // iam:PolicyARN on attachments.
    let managed = server
        .iam_ok(
            &server.root,
            &[
                ("Action", "CreatePolicy"),
                ("PolicyName", "readonly"),
                (
                    "PolicyDocument",
                    &doc(r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}"#),
                ),
            ],
        )
        .await;
    let readonly = tag(&managed, "Arn");
    let attach_only_readonly = doc(&format!(
        r#"{{"Effect":"Allow","Action":["iam:AttachUserPolicy","iam:CreateUser","iam:PutUserPermissionsBoundary"],"Resource":"*","Condition":{{"ArnEquals":{{"iam:PolicyARN":"{readonly}"}}}}}},
           {{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*","Condition":{{"StringEquals":{{"iam:PermissionsBoundary":"{readonly}"}}}}}}"#
    ));
    let delegate = server
        .user_with_key(&server.root, "delegate", Some(&attach_only_readonly))
        .await;
    server
        .iam_ok(
            &delegate,
            &[
                ("Action", "AttachUserPolicy"),
                ("UserName", "staff"),
                ("PolicyArn", &readonly),
            ],
        )
        .await;
    let other = server
        .iam_ok(
            &server.root,
            &[
                ("Action", "CreatePolicy"),
                ("PolicyName", "other"),
                ("PolicyDocument", &doc(ALLOW_ALL)),
            ],
        )
        .await;
    denied(
        server
            .iam(
                &delegate,
                &[
                    ("Action", "AttachUserPolicy"),
                    ("UserName", "staff"),
                    ("PolicyArn", &tag(&other, "Arn")),
                ],
            )
            .await,
    );
    // AWS's delegation pattern: CreateUser only with the given boundary.
    server
        .iam_ok(
            &delegate,
            &[
                ("Action", "CreateUser"),
                ("UserName", "bounded"),
                ("PermissionsBoundary", &readonly),
            ],
        )
        .await;
    denied(
        server
            .iam(
                &delegate,
                &[("Action", "CreateUser"), ("UserName", "unbounded")],
            )
            .await,
    );
}

#[tokio::test]
async fn request_tags_and_tag_keys_are_set_on_tagging_and_create() {
    let server = TestServer::start().await;
    let policy = doc(r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"},
           {"Effect":"Deny","Action":["iam:CreateUser","iam:TagUser","iam:CreateRole"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/cost-center":"free"}}},
           {"Effect":"Deny","Action":"iam:UntagUser","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"owner"}}}"#);
    let tagger = server
        .user_with_key(&server.root, "tagger", Some(&policy))
        .await;
    let tags = [
        ("Tags.member.1.Key", "cost-center"),
        ("Tags.member.1.Value", "free"),
    ];
    let mut create = vec![("Action", "CreateUser"), ("UserName", "tagged")];
    create.extend(tags);
    denied(server.iam(&tagger, &create).await);
    server
        .iam_ok(&tagger, &[("Action", "CreateUser"), ("UserName", "tagged")])
        .await;
    let mut tag_user = vec![("Action", "TagUser"), ("UserName", "tagged")];
    tag_user.extend(tags);
    denied(server.iam(&tagger, &tag_user).await);
    denied(
        server
            .iam(
                &tagger,
                &[
                    ("Action", "UntagUser"),
                    ("UserName", "tagged"),
                    ("TagKeys.member.1", "owner"),
                ],
            )
            .await,
    );
    server
        .iam_ok(
            &tagger,
            &[
                ("Action", "UntagUser"),
                ("UserName", "tagged"),
                ("TagKeys.member.1", "other"),
            ],
        )
        .await;
}

#[tokio::test]
async fn source_ip_is_the_peer_unless_a_trusted_proxy_forwards() {
    let loopback_only = doc(
        r#"{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}"#,
    );
    let plain = TestServer::start().await;
    let user = plain
        .user_with_key(&plain.root, "local", Some(&loopback_only))
        .await;
    plain.iam_ok(&user, &[("Action", "ListUsers")]).await;
    // Without a trusted proxy, a client's own X-Forwarded-For is ignored.
    let forwarded = |server: &TestServer, creds: &Creds| {
        let body = common::form(&[("Action", "ListUsers"), ("Version", "2010-05-08")]);
        let mut request = http::Request::builder()
            .method("POST")
            .uri(server.url())
            .header("host", server.addr.to_string())
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body.into_bytes())
            .expect("request");
        common::sign_request(&mut request, creds, server.clock.now(), "iam", false);
        request
            .headers_mut()
            .insert("x-forwarded-for", "203.0.113.9".parse().expect("header"));
        request
    };
    let (status, body) = plain.send(forwarded(&plain, &user)).await;
    assert_eq!(status, 200, "{body}");

    let proxied = TestServer::start_configured(|state| {
        state.with_trusted_proxies(vec!["127.0.0.1/32".parse().expect("net")])
    })
    .await;
    let user = proxied
        .user_with_key(&proxied.root, "local", Some(&loopback_only))
        .await;
    // Behind the trusted proxy, the forwarded client address decides.
    denied(proxied.send(forwarded(&proxied, &user)).await);
    proxied.iam_ok(&user, &[("Action", "ListUsers")]).await;
}

#[tokio::test]
async fn sessions_of_deleted_principals_authenticate_nothing() {
    let server = TestServer::start().await;
    let policy = doc(ALLOW_ALL);
    let doomed = server
        .user_with_key(&server.root, "doomed", Some(&policy))
        .await;
    let session = server.session_token(&doomed, None).await;
    let role_arn = server
        .create_role("trusts-doomed", &trusting(&server.arn("user/doomed")))
        .await;
    assert_eq!(server.assume(&session, &role_arn).await.0, 200);

    // Delete the user (its key and policy first, as IAM requires).
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "DeleteAccessKey"),
                ("UserName", "doomed"),
                ("AccessKeyId", &doomed.access_key_id),
            ],
        )
        .await;
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "DeleteUserPolicy"),
                ("UserName", "doomed"),
                ("PolicyName", "p"),
            ],
        )
        .await;
    server
        .iam_ok(
            &server.root,
            &[("Action", "DeleteUser"), ("UserName", "doomed")],
        )
        .await;
    let (status, body) = server.assume(&session, &role_arn).await;
    assert_eq!(
        (status, code(&body)),
        (403, "InvalidClientTokenId".to_string()),
        "{body}"
    );
    let (status, body) = server
        .call(
            &session,
            &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, "InvalidClientTokenId".to_string()),
        "{body}"
    );

    // GetRole now shows the deleted user's unique id in its place.
    let shown = server
        .iam_ok(
            &server.root,
            &[("Action", "GetRole"), ("RoleName", "trusts-doomed")],
        )
        .await;
    let document = tag(&shown, "AssumeRolePolicyDocument");
    assert!(document.contains("AIDA"), "{document}");
    assert!(!document.contains("user%2Fdoomed"), "{document}");

    // A re-created user of the same name does not inherit the trust.
    let reborn = server
        .user_with_key(&server.root, "doomed", Some(&policy))
        .await;
    denied(server.assume(&reborn, &role_arn).await);

    // A deleted role's sessions chain into nothing.
    let first = server
        .create_role("first", &trusting(&server.arn("root")))
        .await;
    let second = server.create_role("second", &trusting(&first)).await;
    let admin = server
        .user_with_key(&server.root, "admin", Some(&policy))
        .await;
    let (status, body) = server.assume(&admin, &first).await;
    assert_eq!(status, 200, "{body}");
    let first_session = session_creds(&body);
    assert_eq!(server.assume(&first_session, &second).await.0, 200);
    server
        .iam_ok(
            &server.root,
            &[("Action", "DeleteRole"), ("RoleName", "first")],
        )
        .await;
    let (status, body) = server.assume(&first_session, &second).await;
    assert_eq!(
        (status, code(&body)),
        (403, "InvalidClientTokenId".to_string()),
        "{body}"
    );
}

#[tokio::test]
async fn trust_follows_a_renamed_user_and_names_only_existing_principals() {
    let server = TestServer::start().await;
    let policy = doc(ALLOW_ALL);
    let user = server
        .user_with_key(&server.root, "before", Some(&policy))
        .await;
    let role_arn = server
        .create_role("follows", &trusting(&server.arn("user/before")))
        .await;
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "UpdateUser"),
                ("UserName", "before"),
                ("NewUserName", "after"),
            ],
        )
        .await;
    assert_eq!(server.assume(&user, &role_arn).await.0, 200);
    let shown = server
        .iam_ok(
            &server.root,
            &[("Action", "GetRole"), ("RoleName", "follows")],
        )
        .await;
    let document = tag(&shown, "AssumeRolePolicyDocument");
    assert!(document.contains("user%2Fafter"), "{document}");

    // A principal naming no user or role is refused, as IAM refuses it.
    let (status, body) = server
        .iam(
            &server.root,
            &[
                ("Action", "CreateRole"),
                ("RoleName", "ghost"),
                (
                    "AssumeRolePolicyDocument",
                    &trusting(&server.arn("user/nobody")),
                ),
            ],
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (400, "MalformedPolicyDocument".to_string()),
        "{body}"
    );
    assert_eq!(
        tag(&body, "Message"),
        format!(
            "Invalid principal in policy: \"AWS\":\"{}\"",
            server.arn("user/nobody")
        )
    );
}

#[tokio::test]
async fn federation_token_sessions_call_no_iam_and_no_sts_but_get_caller_identity() {
    let server = TestServer::start().await;
    let broker = server
        .user_with_key(&server.root, "broker", Some(&doc(ALLOW_ALL)))
        .await;
    let (status, body) = server
        .call(
            &broker,
            &[
                ("Action", "GetFederationToken"),
                ("Version", "2011-06-15"),
                ("Name", "visitor"),
                ("Policy", &doc(ALLOW_ALL)),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let federated = session_creds(&body);
    for params in [
        vec![("Action", "ListUsers")],
        vec![("Action", "CreateAccessKey"), ("UserName", "broker")],
    ] {
        denied(server.iam(&federated, &params).await);
    }
    for action in [
        "DecodeAuthorizationMessage",
        "GetSessionToken",
        "GetAccessKeyInfo",
    ] {
        let mut params = vec![("Action", action), ("Version", "2011-06-15")];
        if action == "DecodeAuthorizationMessage" {
            params.push(("EncodedMessage", "x"));
        }
        if action == "GetAccessKeyInfo" {
            params.push(("AccessKeyId", &broker.access_key_id));
        }
        let (status, body) = server.call(&federated, &params).await;
        assert_eq!(status, 403, "{action}: {body}");
    }
    let (status, body) = server
        .call(
            &federated,
            &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn revocation_is_by_unique_id_and_resolves_its_principal() {
    let server = TestServer::start().await;
    let policy = doc(ALLOW_ALL);
    let user = server
        .user_with_key(&server.root, "renamed", Some(&policy))
        .await;
    let identity = [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")];

    // A user's federated-user sessions go with the user's.
    let (status, body) = server
        .call(
            &user,
            &[
                ("Action", "GetFederationToken"),
                ("Version", "2011-06-15"),
                ("Name", "guest"),
                ("Policy", &policy),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let federated = session_creds(&body);
    let session = server.session_token(&user, None).await;
    // Renamed after the session was issued: revoking the new ARN, given in
    // another case, still ends it.
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "UpdateUser"),
                ("UserName", "renamed"),
                ("NewUserName", "Current"),
            ],
        )
        .await;
    server.clock.advance(time::Duration::seconds(1));
    let (status, body) = server.revoke(server.arn("user/CURRENT")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tag(&body, "PrincipalArn"), server.arn("user/Current"));
    for creds in [&session, &federated] {
        let (status, body) = server.call(creds, &identity).await;
        assert_eq!(
            (status, code(&body)),
            (403, "InvalidClientTokenId".to_string()),
            "{body}"
        );
    }

    // A federated user can be revoked by its own ARN.
    server.clock.advance(time::Duration::seconds(1));
    let (status, body) = server
        .call(
            &user,
            &[
                ("Action", "GetFederationToken"),
                ("Version", "2011-06-15"),
                ("Name", "guest"),
                ("Policy", &policy),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let guest = session_creds(&body);
    assert_eq!(server.call(&guest, &identity).await.0, 200);
    server.clock.advance(time::Duration::seconds(1));
    let guest_arn = format!("arn:aws:sts::{}:federated-user/guest", server.account_id);
    assert_eq!(server.revoke(guest_arn).await.0, 200);
    assert_eq!(server.call(&guest, &identity).await.0, 403);

    // A role that does not exist, or named without its path, is NoSuchEntity.
    server
        .iam_ok(
            &server.root,
            &[
                ("Action", "CreateRole"),
                ("RoleName", "deep"),
                ("Path", "/a/b/"),
                ("AssumeRolePolicyDocument", &trusting(&server.arn("root"))),
            ],
        )
        .await;
    for arn in [server.arn("role/missing"), server.arn("role/deep")] {
        let (status, body) = server.revoke(arn.clone()).await;
        assert_eq!(
            (status, code(&body)),
            (404, "NoSuchEntity".to_string()),
            "{arn}: {body}"
        );
    }
    let (status, body) = server.revoke(server.arn("role/a/b/DEEP")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tag(&body, "PrincipalArn"), server.arn("role/a/b/deep"));
}
