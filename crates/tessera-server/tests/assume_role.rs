//! AssumeRole as AWS enforces it: trust and identity policies, cross-account
//! rules, external ids, service-only trust, session policies and tags, role
//! chaining, expiry and revocation.

mod common;

use common::{Creds, TestServer, session_creds as session, tag};
use tessera_token::Clock;
use time::Duration;

async fn role(
    server: &TestServer,
    root: &Creds,
    name: &str,
    trust: &str,
    policy: Option<&str>,
) -> String {
    let body = server
        .iam_ok(
            root,
            &[
                ("Action", "CreateRole"),
                ("RoleName", name),
                ("AssumeRolePolicyDocument", trust),
            ],
        )
        .await;
    if let Some(policy) = policy {
        server
            .iam_ok(
                root,
                &[
                    ("Action", "PutRolePolicy"),
                    ("RoleName", name),
                    ("PolicyName", "p"),
                    ("PolicyDocument", policy),
                ],
            )
            .await;
    }
    tag(&body, "Arn")
}

async fn assume(server: &TestServer, creds: &Creds, extra: &[(&str, &str)]) -> (u16, String) {
    let mut params = vec![("Action", "AssumeRole"), ("Version", "2011-06-15")];
    params.extend_from_slice(extra);
    server.call(creds, &params).await
}

fn trust_account(account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":["sts:AssumeRole","sts:TagSession"]}}]}}"#
    )
}

const ALLOW_ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}"#;
const LIST_USERS_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles"],"Resource":"*"}]}"#;

#[tokio::test]
async fn same_account_assumption_session_policy_and_expiry() {
    let server = TestServer::start().await;
    let root = server.root.clone();
    let bob = server.user_with_key(&root, "bob", Some(ALLOW_ASSUME)).await;
    let arn = role(
        &server,
        &root,
        "reader",
        &trust_account(&server.account_id),
        Some(LIST_USERS_ONLY),
    )
    .await;

    let (status, body) = assume(
        &server,
        &bob,
        &[
            ("RoleArn", &arn),
            ("RoleSessionName", "s1"),
            ("DurationSeconds", "900"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let expected_arn = format!("arn:aws:sts::{}:assumed-role/reader/s1", server.account_id);
    assert_eq!(tag(&body, "Arn"), expected_arn);
    assert!(
        tag(&body, "AssumedRoleId").starts_with("AROA")
            && tag(&body, "AssumedRoleId").ends_with(":s1")
    );
    let s1 = session(&body);
    let (_, who) = server
        .call(
            &s1,
            &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
        )
        .await;
    assert_eq!(tag(&who, "Arn"), expected_arn);
    server.iam_ok(&s1, &[("Action", "ListUsers")]).await;
    let (status, body) = server
        .iam(&s1, &[("Action", "CreateUser"), ("UserName", "x")])
        .await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "AccessDenied".to_string())
    );

    // A session policy narrows the session: ListUsers is no longer allowed.
    let narrow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}"#;
    let (status, body) = assume(
        &server,
        &bob,
        &[
            ("RoleArn", &arn),
            ("RoleSessionName", "s2"),
            ("Policy", narrow),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        tag(&body, "PackedPolicySize")
            .parse::<u32>()
            .expect("percentage")
            > 0
    );
    let s2 = session(&body);
    server.iam_ok(&s2, &[("Action", "ListRoles")]).await;
    let (status, _) = server.iam(&s2, &[("Action", "ListUsers")]).await;
    assert_eq!(status, 403);

    // Expiry by the injected clock.
    server.clock.advance(Duration::seconds(900));
    let (status, body) = server.iam(&s1, &[("Action", "ListUsers")]).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "ExpiredToken".to_string())
    );

    // Root cannot assume roles; an unknown role is denied, not revealed.
    let (status, body) = assume(
        &server,
        &root,
        &[("RoleArn", &arn), ("RoleSessionName", "rs")],
    )
    .await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "AccessDenied".to_string())
    );
    let missing = format!("arn:aws:iam::{}:role/missing", server.account_id);
    let (status, body) = assume(
        &server,
        &bob,
        &[("RoleArn", &missing), ("RoleSessionName", "rs")],
    )
    .await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "AccessDenied".to_string())
    );
}

#[tokio::test]
async fn parameters_are_validated_as_aws_does() {
    let server = TestServer::start().await;
    let bob = server
        .user_with_key(&server.root.clone(), "bob", Some(ALLOW_ASSUME))
        .await;
    let arn = format!("arn:aws:iam::{}:role/r", server.account_id);
    for (params, code) in [
        (vec![("RoleSessionName", "ss")], "ValidationError"),
        (vec![("RoleArn", arn.as_str())], "ValidationError"),
        (
            vec![("RoleArn", arn.as_str()), ("RoleSessionName", "x")],
            "ValidationError",
        ),
        (
            vec![("RoleArn", arn.as_str()), ("RoleSessionName", "bad name")],
            "ValidationError",
        ),
        (
            vec![
                ("RoleArn", arn.as_str()),
                ("RoleSessionName", "ok"),
                ("DurationSeconds", "899"),
            ],
            "ValidationError",
        ),
        (
            vec![
                ("RoleArn", arn.as_str()),
                ("RoleSessionName", "ok"),
                ("ExternalId", "x"),
            ],
            "ValidationError",
        ),
        (
            vec![
                ("RoleArn", arn.as_str()),
                ("RoleSessionName", "ok"),
                ("Policy", "{"),
            ],
            "MalformedPolicyDocument",
        ),
        // A byte order mark is outside the policy character set.
        (
            vec![
                ("RoleArn", arn.as_str()),
                ("RoleSessionName", "ok"),
                (
                    "Policy",
                    "\u{feff}{\"Version\":\"2012-10-17\",\"Statement\":[]}",
                ),
            ],
            "ValidationError",
        ),
        (
            vec![
                ("RoleArn", arn.as_str()),
                ("RoleSessionName", "ok"),
                (
                    "Policy",
                    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/200"}}}}"#,
                ),
            ],
            "MalformedPolicyDocument",
        ),
    ] {
        let (status, body) = assume(&server, &bob, &params).await;
        assert_eq!(
            (status, tag(&body, "Code")),
            (400, code.to_string()),
            "{params:?}: {body}"
        );
    }
}

#[tokio::test]
async fn cross_account_needs_both_sides_and_external_id() {
    let server = TestServer::start().await;
    let a_root = server.root.clone();
    let (store, keys) = common::open_store(&server.data).await;
    let b = server
        .data
        .create_account(&store, &keys, "b", server.clock.now())
        .await
        .expect("account b");
    let b_root = common::profile(&server.data, "b-root");

    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"ext-12345"}}}}}}]}}"#,
        server.account_id
    );
    let arn = role(&server, &b_root, "partner", &trust, Some(LIST_USERS_ONLY)).await;
    let alice = server
        .user_with_key(&a_root, "alice", Some(ALLOW_ASSUME))
        .await;
    let carol = server.user_with_key(&a_root, "carol", None).await;

    for (who, external, expected) in [
        (&alice, None, 403),
        (&alice, Some("wrong-id"), 403),
        (&carol, Some("ext-12345"), 403),
        (&alice, Some("ext-12345"), 200),
    ] {
        let mut params = vec![("RoleArn", arn.as_str()), ("RoleSessionName", "x-acct")];
        if let Some(id) = external {
            params.push(("ExternalId", id));
        }
        let (status, body) = assume(&server, who, &params).await;
        assert_eq!(status, expected, "{external:?}: {body}");
        if status == 200 {
            let s = session(&body);
            let listed = server.iam_ok(&s, &[("Action", "ListUsers")]).await;
            assert!(
                listed.contains(&format!("arn:aws:iam::{}:user/", b.account_id))
                    || !listed.contains("alice")
            );
            let (status, _) = server
                .iam(&s, &[("Action", "CreateUser"), ("UserName", "y")])
                .await;
            assert_eq!(status, 403);
        }
    }
}

#[tokio::test]
async fn service_only_trust_cannot_be_assumed_by_users() {
    let server = TestServer::start().await;
    let root = server.root.clone();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let arn = role(&server, &root, "lambda-exec", trust, None).await;
    let bob = server.user_with_key(&root, "bob", Some(ALLOW_ASSUME)).await;
    let (status, body) = assume(
        &server,
        &bob,
        &[("RoleArn", &arn), ("RoleSessionName", "ss")],
    )
    .await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "AccessDenied".to_string())
    );
}

#[tokio::test]
async fn chaining_tags_and_revocation() {
    let server = TestServer::start().await;
    let root = server.root.clone();
    let bob = server.user_with_key(&root, "bob", Some(ALLOW_ASSUME)).await;
    let tagged = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}},{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}"#;
    let first = role(
        &server,
        &root,
        "first",
        &trust_account(&server.account_id),
        Some(tagged),
    )
    .await;
    let second = role(
        &server,
        &root,
        "second",
        &trust_account(&server.account_id),
        Some(tagged),
    )
    .await;

    let (status, body) = assume(
        &server,
        &bob,
        &[
            ("RoleArn", &first),
            ("RoleSessionName", "blue"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "blue"),
            ("TransitiveTagKeys.member.1", "team"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let blue = session(&body);
    server.iam_ok(&blue, &[("Action", "ListUsers")]).await;

    let (status, body) = assume(
        &server,
        &bob,
        &[
            ("RoleArn", &first),
            ("RoleSessionName", "red"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "red"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = server
        .iam(&session(&body), &[("Action", "ListUsers")])
        .await;
    assert_eq!(status, 403, "the tag condition is not met");

    // Chaining: capped at one hour, the transitive tag carries over and
    // cannot be overridden.
    let (status, body) = assume(
        &server,
        &blue,
        &[
            ("RoleArn", &second),
            ("RoleSessionName", "cc"),
            ("DurationSeconds", "7200"),
        ],
    )
    .await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (400, "ValidationError".to_string()),
        "{body}"
    );
    let (status, body) = assume(
        &server,
        &blue,
        &[
            ("RoleArn", &second),
            ("RoleSessionName", "cc"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "red"),
        ],
    )
    .await;
    assert_eq!(
        (status, tag(&body, "Code"), tag(&body, "Message")),
        (
            400,
            "InvalidParameterValue".to_string(),
            "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.".to_string()
        ),
        "{body}"
    );
    let (status, body) = assume(
        &server,
        &blue,
        &[("RoleArn", &second), ("RoleSessionName", "cc")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let chained = session(&body);
    server.iam_ok(&chained, &[("Action", "ListUsers")]).await;

    // Revoking the first role's sessions stops the blue session, not the chained one of `second`.
    server.clock.advance(Duration::seconds(1));
    server
        .iam_ok(
            &root,
            &[("Action", "RevokeSessions"), ("PrincipalArn", &first)],
        )
        .await;
    let (status, body) = server.iam(&blue, &[("Action", "ListUsers")]).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "InvalidClientTokenId".to_string())
    );
    server.iam_ok(&chained, &[("Action", "ListUsers")]).await;
    server.clock.advance(Duration::seconds(1));
    let (status, body) = assume(
        &server,
        &bob,
        &[("RoleArn", &first), ("RoleSessionName", "later")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// The decoded explanation of a cross-account denial names nothing of the
/// other account's trust policy, and an unknown role reads like a forbidden one.
#[tokio::test]
async fn cross_account_denials_reveal_nothing_of_the_other_account() {
    let server = TestServer::start().await;
    let a_root = server.root.clone();
    let (store, keys) = common::open_store(&server.data).await;
    let b = server
        .data
        .create_account(&store, &keys, "b", server.clock.now())
        .await
        .expect("account b");
    let b_root = common::profile(&server.data, "b-root");
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"SecretPartnerDeal","Effect":"Deny","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole"}}]}}"#,
        server.account_id
    );
    let existing = role(&server, &b_root, "guarded", &trust, None).await;
    let unknown = format!("arn:aws:iam::{}:role/no-such-role", b.account_id);
    let alice = server
        .user_with_key(&a_root, "alice", Some(ALLOW_ASSUME))
        .await;

    let mut decoded = Vec::new();
    for arn in [&existing, &unknown] {
        let (status, body) = assume(
            &server,
            &alice,
            &[("RoleArn", arn), ("RoleSessionName", "probe")],
        )
        .await;
        assert_eq!(status, 403, "{body}");
        let message = tag(&body, "Message");
        let encoded = message
            .split("Encoded authorization failure message: ")
            .nth(1)
            .expect("encoded message")
            .to_string();
        let (status, body) = server
            .call(
                &a_root,
                &[
                    ("Action", "DecodeAuthorizationMessage"),
                    ("Version", "2011-06-15"),
                    ("EncodedMessage", &encoded),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let json: serde_json::Value =
            serde_json::from_str(&tag(&body, "DecodedMessage").replace("&quot;", "\""))
                .expect("JSON");
        assert!(!json.to_string().contains("SecretPartnerDeal"), "{json}");
        assert!(!json.to_string().contains("trust-policy"), "{json}");
        decoded.push((
            json["explicitDeny"].clone(),
            json["matchedStatements"].clone(),
        ));
    }
    assert_eq!(
        decoded[0], decoded[1],
        "an unknown role must read like a forbidden one"
    );
}

/// Managed session policies must be the role's account's: another account's
/// policy is answered exactly like one that does not exist, so the answer
/// tells nothing of the other account.
#[tokio::test]
async fn policy_arns_of_another_account_read_like_missing_ones() {
    let server = TestServer::start().await;
    let a_root = server.root.clone();
    let (store, keys) = common::open_store(&server.data).await;
    let b = server
        .data
        .create_account(&store, &keys, "b", server.clock.now())
        .await
        .expect("account b");
    let b_root = common::profile(&server.data, "b-root");
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;
    for creds in [&a_root, &b_root] {
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
    let own = format!("arn:aws:iam::{}:policy/narrow", server.account_id);
    let foreign = format!("arn:aws:iam::{}:policy/narrow", b.account_id);
    let missing = format!("arn:aws:iam::{}:policy/no-such-policy", b.account_id);
    let arn = role(
        &server,
        &a_root,
        "scoped",
        &trust_account(&server.account_id),
        Some(LIST_USERS_ONLY),
    )
    .await;
    let alice = server
        .user_with_key(&a_root, "alice", Some(ALLOW_ASSUME))
        .await;

    let mut answers = Vec::new();
    for policy in [&foreign, &missing] {
        let (status, body) = assume(
            &server,
            &alice,
            &[
                ("RoleArn", &arn),
                ("RoleSessionName", "probe"),
                ("PolicyArns.member.1.arn", policy),
            ],
        )
        .await;
        assert_eq!(
            tag(&body, "Message"),
            format!("Policy {policy} does not exist or is not attachable.")
        );
        answers.push((
            status,
            tag(&body, "Code"),
            tag(&body, "Message").replace(policy, "ARN"),
        ));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!((answers[0].0, answers[0].1.as_str()), (404, "NoSuchEntity"));

    let (status, body) = assume(
        &server,
        &alice,
        &[
            ("RoleArn", &arn),
            ("RoleSessionName", "scoped"),
            ("PolicyArns.member.1.arn", &own),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// Session tags are checked as AWS checks them: the `aws:` prefix is
/// reserved in any case, and keys and values follow the tag pattern.
#[tokio::test]
async fn session_tags_follow_awss_rules() {
    let server = TestServer::start().await;
    let a_root = server.root.clone();
    let arn = role(
        &server,
        &a_root,
        "tagged",
        &trust_account(&server.account_id),
        Some(LIST_USERS_ONLY),
    )
    .await;
    let alice = server
        .user_with_key(&a_root, "alice", Some(ALLOW_ASSUME))
        .await;
    for (key, value, code) in [
        ("aws:team", "blue", "InvalidParameterValue"),
        ("AWS:Team", "blue", "InvalidParameterValue"),
        ("team*", "blue", "ValidationError"),
        ("team", "a,b", "ValidationError"),
        ("team", "a\tb", "ValidationError"),
    ] {
        let (status, body) = assume(
            &server,
            &alice,
            &[
                ("RoleArn", &arn),
                ("RoleSessionName", "tags"),
                ("Tags.member.1.Key", key),
                ("Tags.member.1.Value", value),
            ],
        )
        .await;
        let got = body.contains("<Code>").then(|| tag(&body, "Code"));
        assert_eq!(
            (status, got.as_deref()),
            (400, Some(code)),
            "{key}={value}: {body}"
        );
    }
    let (status, body) = assume(
        &server,
        &alice,
        &[
            ("RoleArn", &arn),
            ("RoleSessionName", "tags"),
            ("Tags.member.1.Key", "équipe"),
            ("Tags.member.1.Value", "bleu clair"),
            ("Tags.member.2.Key", "éQUIPE"),
            ("Tags.member.2.Value", "x"),
        ],
    )
    .await;
    assert_eq!(
        (status, tag(&body, "Code"), tag(&body, "Message")),
        (
            400,
            "InvalidParameterValue".to_string(),
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.".to_string()
        ),
        "{body}"
    );
    let (status, body) = assume(
        &server,
        &alice,
        &[
            ("RoleArn", &arn),
            ("RoleSessionName", "tags"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "blue"),
            ("TransitiveTagKeys.member.1", "project"),
        ],
    )
    .await;
    assert_eq!(
        (status, tag(&body, "Code"), tag(&body, "Message")),
        (
            400,
            "InvalidParameterValue".to_string(),
            "The specified transitive tag key must be included in the requested tags.".to_string()
        ),
        "{body}"
    );
}

/// `\w` is ASCII: names with a look-alike letter (Cyrillic а) are refused.
#[tokio::test]
async fn names_are_ascii_words() {
    let server = TestServer::start().await;
    let a_root = server.root.clone();
    let arn = role(
        &server,
        &a_root,
        "plain",
        &trust_account(&server.account_id),
        Some(LIST_USERS_ONLY),
    )
    .await;
    let alice = server
        .user_with_key(&a_root, "alice", Some(ALLOW_ASSUME))
        .await;
    for (name, value, member, pattern) in [
        (
            "RoleSessionName",
            "\u{0430}dmin",
            "roleSessionName",
            "[\\w+=,.@-]*",
        ),
        (
            "ExternalId",
            "ext-\u{0430}",
            "externalId",
            "[\\w+=,.@:\\/-]*",
        ),
        (
            "SourceIdentity",
            "\u{0430}lice",
            "sourceIdentity",
            "[\\w+=,.@-]*",
        ),
        (
            "SerialNumber",
            "arn:aws:iam::1:mfa/\u{0430}",
            "serialNumber",
            "[\\w+=/:,.@-]*",
        ),
    ] {
        let mut params = vec![("RoleArn", arn.as_str()), (name, value)];
        if name != "RoleSessionName" {
            params.push(("RoleSessionName", "plain"));
        }
        if name == "SerialNumber" {
            params.push(("TokenCode", "123456"));
        }
        let (status, body) = assume(&server, &alice, &params).await;
        assert_eq!(
            (status, tag(&body, "Code"), tag(&body, "Message")),
            (
                400,
                "ValidationError".to_string(),
                format!(
                    "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
                )
            ),
            "{name}"
        );
    }
}

/// Whether a managed session policy exists is told only to a caller allowed
/// the session: one the role does not trust, or an unsigned call whose web
/// identity token does not verify, gets the same answer for an existing
/// policy and a missing one.
#[tokio::test]
async fn policy_arns_are_no_oracle_for_callers_without_the_session() {
    let server = TestServer::start().await;
    let a_root = server.root.clone();
    let (store, keys) = common::open_store(&server.data).await;
    let b = server
        .data
        .create_account(&store, &keys, "b", server.clock.now())
        .await
        .expect("account b");
    let b_root = common::profile(&server.data, "b-root");
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;
    server
        .iam_ok(
            &b_root,
            &[
                ("Action", "CreatePolicy"),
                ("PolicyName", "secret"),
                ("PolicyDocument", document),
            ],
        )
        .await;
    let existing = format!("arn:aws:iam::{}:policy/secret", b.account_id);
    let missing = format!("arn:aws:iam::{}:policy/none", b.account_id);
    let guarded = role(
        &server,
        &b_root,
        "guarded",
        &trust_account(&b.account_id),
        None,
    )
    .await;
    let alice = server
        .user_with_key(&a_root, "alice", Some(ALLOW_ASSUME))
        .await;

    let mut signed = Vec::new();
    let mut unsigned = Vec::new();
    for policy in [&existing, &missing] {
        let (status, body) = assume(
            &server,
            &alice,
            &[
                ("RoleArn", &guarded),
                ("RoleSessionName", "probe"),
                ("PolicyArns.member.1.arn", policy),
            ],
        )
        .await;
        signed.push((status, tag(&body, "Code")));

        let form = common::form(&[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", &guarded),
            ("RoleSessionName", "probe"),
            ("WebIdentityToken", "not-a-token"),
            ("PolicyArns.member.1.arn", policy),
        ]);
        let response = server
            .client
            .post(server.url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .expect("send");
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        unsigned.push((status, tag(&body, "Code"), tag(&body, "Message")));
    }
    assert_eq!(signed[0], signed[1]);
    assert_eq!(signed[0], (403, "AccessDenied".to_string()));
    assert_eq!(unsigned[0], unsigned[1]);
    assert_eq!(unsigned[0].1, "InvalidIdentityToken");
}
