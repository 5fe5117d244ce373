//! IAM users, access keys, groups and inline policies over real HTTP.

mod common;

use common::{Creds, START, TestServer, tag};
use tessera_token::Clock;

const IDENTITY: &[(&str, &str)] = &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")];
const ALLOW_ALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

/// An IAM call (the `Version` is added).
async fn iam(server: &TestServer, creds: &Creds, params: &[(&str, &str)]) -> (u16, String) {
    let mut all = params.to_vec();
    all.push(("Version", "2010-05-08"));
    server.call_at(creds, &all, server.clock.now(), "iam").await
}

/// An IAM call by the root user that must succeed.
async fn ok(server: &TestServer, params: &[(&str, &str)]) -> String {
    let (status, body) = iam(server, &server.root, params).await;
    assert_eq!(status, 200, "{params:?}: {body}");
    body
}

/// An IAM call by the root user that must fail with `code` and `message`.
async fn fails(
    server: &TestServer,
    params: &[(&str, &str)],
    status: u16,
    code: &str,
    message: &str,
) {
    let (got, body) = iam(server, &server.root, params).await;
    assert_eq!(
        (got, tag(&body, "Code")),
        (status, code.to_string()),
        "{body}"
    );
    assert_eq!(tag(&body, "Message"), message, "{body}");
    assert_eq!(tag(&body, "Type"), "Sender", "{body}");
}

/// The texts of every `<name>` element, in order.
fn tags(body: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(after[..end].to_string());
        rest = &after[end + close.len()..];
    }
    out
}

/// An `AccessDenied` whose message is AWS's `message` (optionally followed
/// by an encoded explanation of the decision).
fn denied_with(body: &str, message: &str) {
    assert_eq!(tag(body, "Code"), "AccessDenied", "{body}");
    let got = tag(body, "Message");
    let encoded = format!("{message}. Encoded authorization failure message: ");
    assert!(got == message || got.starts_with(&encoded), "{got}");
}

fn has(body: &str, name: &str) -> bool {
    body.contains(&format!("<{name}>"))
}

async fn create_user(server: &TestServer, name: &str) -> String {
    ok(server, &[("Action", "CreateUser"), ("UserName", name)]).await
}

/// Creates an access key for `user`; returns its credentials.
async fn create_key(server: &TestServer, user: &str) -> Creds {
    let body = ok(server, &[("Action", "CreateAccessKey"), ("UserName", user)]).await;
    Creds {
        access_key_id: tag(&body, "AccessKeyId"),
        secret: tag(&body, "SecretAccessKey"),
        token: None,
    }
}

/// Walks a listing one item at a time; `between` runs after each page.
async fn walk(
    server: &TestServer,
    params: &[(&str, &str)],
    item: &str,
    mut between: impl AsyncFnMut(usize),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    for page in 0.. {
        let mut all = params.to_vec();
        all.push(("MaxItems", "1"));
        if let Some(m) = &marker {
            all.push(("Marker", m));
        }
        let body = ok(server, &all).await;
        let items = tags(&body, item);
        assert!(items.len() <= 1, "{body}");
        seen.extend(items);
        if tag(&body, "IsTruncated") == "false" {
            assert!(!has(&body, "Marker"), "{body}");
            break;
        }
        marker = Some(tag(&body, "Marker"));
        between(page).await;
    }
    seen
}

#[tokio::test]
async fn user_lifecycle() {
    let server = TestServer::start().await;
    let acct = server.account_id.clone();
    let body = ok(
        &server,
        &[
            ("Action", "CreateUser"),
            ("UserName", "alice"),
            ("Path", "/team/"),
            ("Tags.member.1.Key", "dept"),
            ("Tags.member.1.Value", "eng"),
        ],
    )
    .await;
    assert!(
        body.contains("<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">")
    );
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{acct}:user/team/alice")
    );
    assert_eq!(tag(&body, "Path"), "/team/");
    assert!(tag(&body, "UserId").starts_with("AIDA"));
    assert_eq!(tag(&body, "UserId").len(), 21);
    assert_eq!(tag(&body, "CreateDate"), "2026-03-01T12:00:00Z");
    assert_eq!(tag(&body, "Key"), "dept");

    fails(
        &server,
        &[("Action", "CreateUser"), ("UserName", "ALICE")],
        409,
        "EntityAlreadyExists",
        "User with name ALICE already exists.",
    )
    .await;

    let body = ok(&server, &[("Action", "GetUser"), ("UserName", "Alice")]).await;
    assert_eq!(tag(&body, "UserName"), "alice");
    assert_eq!(tag(&body, "Value"), "eng");

    ok(
        &server,
        &[
            ("Action", "TagUser"),
            ("UserName", "alice"),
            ("Tags.member.1.Key", "dept"),
            ("Tags.member.1.Value", "ops"),
            ("Tags.member.2.Key", "cost"),
            ("Tags.member.2.Value", "42"),
        ],
    )
    .await;
    let body = ok(
        &server,
        &[("Action", "ListUserTags"), ("UserName", "alice")],
    )
    .await;
    assert_eq!(tags(&body, "Key"), ["cost", "dept"]);
    assert_eq!(tags(&body, "Value"), ["42", "ops"]);
    let keys = walk(
        &server,
        &[("Action", "ListUserTags"), ("UserName", "alice")],
        "Key",
        async |_| {},
    )
    .await;
    assert_eq!(keys, ["cost", "dept"]);
    ok(
        &server,
        &[
            ("Action", "UntagUser"),
            ("UserName", "alice"),
            ("TagKeys.member.1", "DEPT"),
            ("TagKeys.member.2", "absent"),
        ],
    )
    .await;
    let body = ok(
        &server,
        &[("Action", "ListUserTags"), ("UserName", "alice")],
    )
    .await;
    assert_eq!(tags(&body, "Key"), ["cost"]);

    ok(
        &server,
        &[
            ("Action", "UpdateUser"),
            ("UserName", "alice"),
            ("NewUserName", "alicia"),
            ("NewPath", "/ops/"),
        ],
    )
    .await;
    fails(
        &server,
        &[("Action", "GetUser"), ("UserName", "alice")],
        404,
        "NoSuchEntity",
        "The user with name alice cannot be found.",
    )
    .await;
    let body = ok(&server, &[("Action", "GetUser"), ("UserName", "alicia")]).await;
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{acct}:user/ops/alicia")
    );
    assert_eq!(tag(&body, "Key"), "cost", "tags follow a rename");

    create_user(&server, "bob").await;
    fails(
        &server,
        &[
            ("Action", "UpdateUser"),
            ("UserName", "bob"),
            ("NewUserName", "Alicia"),
        ],
        409,
        "EntityAlreadyExists",
        "User with name Alicia already exists.",
    )
    .await;

    ok(&server, &[("Action", "DeleteUser"), ("UserName", "alicia")]).await;
    fails(
        &server,
        &[("Action", "DeleteUser"), ("UserName", "alicia")],
        404,
        "NoSuchEntity",
        "The user with name alicia cannot be found.",
    )
    .await;
    // A new user of the same name has none of the old one's tags.
    create_user(&server, "alicia").await;
    let body = ok(
        &server,
        &[("Action", "ListUserTags"), ("UserName", "alicia")],
    )
    .await;
    assert!(tags(&body, "Key").is_empty(), "{body}");
}

#[tokio::test]
async fn root_get_user_without_a_name_is_the_root_user() {
    let server = TestServer::start().await;
    let body = ok(&server, &[("Action", "GetUser")]).await;
    assert_eq!(tag(&body, "UserId"), server.account_id);
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{}:root", server.account_id)
    );
    assert!(!has(&body, "UserName"), "{body}");
    assert_eq!(tag(&body, "CreateDate"), "2026-03-01T12:00:00Z");
}

#[tokio::test]
async fn bad_input_gets_aws_errors_and_writes_nothing() {
    let server = TestServer::start().await;
    fails(
        &server,
        &[("Action", "CreateUser")],
        400,
        "ValidationError",
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null",
    )
    .await;
    fails(
        &server,
        &[("Action", "CreateUser"), ("UserName", "a b")],
        400,
        "ValidationError",
        "1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    )
    .await;
    let long = "x".repeat(65);
    fails(
        &server,
        &[("Action", "CreateUser"), ("UserName", &long)],
        400,
        "ValidationError",
        &format!("1 validation error detected: Value '{long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"),
    )
    .await;
    fails(
        &server,
        &[("Action", "CreateUser"), ("UserName", "u"), ("Path", "team")],
        400,
        "ValidationError",
        "1 validation error detected: Value 'team' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
    )
    .await;
    let boundary = format!("arn:aws:iam::{}:policy/missing", server.account_id);
    fails(
        &server,
        &[
            ("Action", "CreateUser"),
            ("UserName", "u"),
            ("PermissionsBoundary", &boundary),
        ],
        404,
        "NoSuchEntity",
        &format!("Policy {boundary} does not exist or is not attachable."),
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "CreateUser"),
            ("UserName", "u"),
            ("PermissionsBoundary", "not-an-arn-but-long-enough"),
        ],
        400,
        "InvalidInput",
        "ARN not-an-arn-but-long-enough is not valid.",
    )
    .await;
    let mut many: Vec<(String, String)> = Vec::new();
    for i in 1..=51 {
        many.push((format!("Tags.member.{i}.Key"), format!("k{i}")));
        many.push((format!("Tags.member.{i}.Value"), "v".to_string()));
    }
    let mut params: Vec<(&str, &str)> = vec![("Action", "CreateUser"), ("UserName", "u")];
    params.extend(many.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    fails(
        &server,
        &params,
        400,
        "ValidationError",
        &format!(
            "1 validation error detected: Value '[{}]' at 'tags' failed to satisfy constraint: \
             Member must have length less than or equal to 50",
            (1..=51)
                .map(|i| format!("{{Key: k{i},Value: v}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "CreateUser"),
            ("UserName", "u"),
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "1"),
            ("Tags.member.2.Key", "A"),
            ("Tags.member.2.Value", "2"),
        ],
        400,
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )
    .await;
    // The `aws:` prefix is AWS's own, in any case; keys and values follow
    // the tag pattern, on creation and on TagUser alike.
    for action in ["CreateUser", "TagUser"] {
        if action == "TagUser" {
            server
                .iam_ok(
                    &server.root,
                    &[("Action", "CreateUser"), ("UserName", "tagged")],
                )
                .await;
        }
        let name = if action == "TagUser" { "tagged" } else { "u" };
        fails(
            &server,
            &[
                ("Action", action),
                ("UserName", name),
                ("Tags.member.1.Key", "AWS:team"),
                ("Tags.member.1.Value", "blue"),
            ],
            400,
            "InvalidInput",
            "The tag key AWS:team uses the prefix 'aws:', which is reserved for AWS use.",
        )
        .await;
        fails(
            &server,
            &[
                ("Action", action),
                ("UserName", name),
                ("Tags.member.1.Key", "team"),
                ("Tags.member.1.Value", "blue"),
                ("Tags.member.2.Key", "cost*center"),
                ("Tags.member.2.Value", "1"),
            ],
            400,
            "ValidationError",
            "1 validation error detected: Value 'cost*center' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
        )
        .await;
    }
    ok(&server, &[("Action", "DeleteUser"), ("UserName", "tagged")]).await;
    fails(
        &server,
        &[("Action", "ListUsers"), ("MaxItems", "0")],
        400,
        "ValidationError",
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    )
    .await;
    fails(
        &server,
        &[("Action", "ListUsers"), ("PathPrefix", "team")],
        400,
        "ValidationError",
        "1 validation error detected: Value 'team' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*",
    )
    .await;
    fails(
        &server,
        &[("Action", "ListUsers"), ("Marker", "!!")],
        400,
        "InvalidInput",
        "Invalid Marker.",
    )
    .await;
    fails(
        &server,
        &[("Action", "DeleteAccessKey"), ("AccessKeyId", "short")],
        400,
        "ValidationError",
        "1 validation error detected: Value 'short' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16",
    )
    .await;
    fails(
        &server,
        &[("Action", "PutUserPolicy"), ("UserName", "u"), ("PolicyName", "p"), ("PolicyDocument", "")],
        400,
        "ValidationError",
        "1 validation error detected: Value '' at 'policyDocument' failed to satisfy constraint: Member must have length greater than or equal to 1",
    )
    .await;
    // None of the failed creates left a user behind.
    let body = ok(&server, &[("Action", "ListUsers")]).await;
    assert!(tags(&body, "UserName").is_empty(), "{body}");
    assert_eq!(tag(&body, "IsTruncated"), "false");
}

#[tokio::test]
async fn concurrent_creates_of_one_name_give_one_success() {
    let server = TestServer::start().await;
    for round in 0..5 {
        let name = format!("race{round}");
        let group = format!("team{round}");
        let create_user = [("Action", "CreateUser"), ("UserName", name.as_str())];
        let create_group = [("Action", "CreateGroup"), ("GroupName", group.as_str())];
        let (a, b, c, d) = tokio::join!(
            iam(&server, &server.root, &create_user),
            iam(&server, &server.root, &create_user),
            iam(&server, &server.root, &create_group),
            iam(&server, &server.root, &create_group),
        );
        for (x, y) in [(a, b), (c, d)] {
            let mut statuses = [x.0, y.0];
            statuses.sort();
            assert_eq!(statuses, [200, 409], "{} / {}", x.1, y.1);
            let failed = if x.0 == 409 { &x.1 } else { &y.1 };
            assert_eq!(tag(failed, "Code"), "EntityAlreadyExists");
        }
    }
    let body = ok(&server, &[("Action", "ListUsers")]).await;
    assert_eq!(tags(&body, "UserName").len(), 5);
}

#[tokio::test]
async fn access_keys_of_users() {
    let server = TestServer::start().await;
    let acct = server.account_id.clone();
    ok(
        &server,
        &[
            ("Action", "CreateUser"),
            ("UserName", "carol"),
            ("Path", "/dev/"),
        ],
    )
    .await;
    let body = ok(
        &server,
        &[("Action", "CreateAccessKey"), ("UserName", "carol")],
    )
    .await;
    assert_eq!(tag(&body, "UserName"), "carol");
    assert_eq!(tag(&body, "Status"), "Active");
    let first = Creds {
        access_key_id: tag(&body, "AccessKeyId"),
        secret: tag(&body, "SecretAccessKey"),
        token: None,
    };
    assert!(first.access_key_id.starts_with("AKIA"));
    assert_eq!(first.secret.len(), 40);
    let second = create_key(&server, "carol").await;
    fails(
        &server,
        &[("Action", "CreateAccessKey"), ("UserName", "carol")],
        409,
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
    )
    .await;

    let body = ok(
        &server,
        &[("Action", "ListAccessKeys"), ("UserName", "carol")],
    )
    .await;
    let mut ids = vec![first.access_key_id.clone(), second.access_key_id.clone()];
    ids.sort();
    assert_eq!(tags(&body, "AccessKeyId"), ids);
    assert!(!body.contains(&first.secret) && !body.contains(&second.secret));
    assert_eq!(tags(&body, "UserName"), ["carol", "carol"]);
    let walked = walk(
        &server,
        &[("Action", "ListAccessKeys"), ("UserName", "carol")],
        "AccessKeyId",
        async |_| {},
    )
    .await;
    assert_eq!(walked, ids);

    let last_used = [
        ("Action", "GetAccessKeyLastUsed"),
        ("AccessKeyId", first.access_key_id.as_str()),
    ];
    let body = ok(&server, &last_used).await;
    assert_eq!(tag(&body, "UserName"), "carol");
    assert_eq!(tag(&body, "ServiceName"), "N/A");
    assert_eq!(tag(&body, "Region"), "N/A");
    assert!(!has(&body, "LastUsedDate"));

    // The key authenticates as the user.
    let (status, body) = server.call(&first, IDENTITY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{acct}:user/dev/carol")
    );
    let body = ok(&server, &last_used).await;
    assert_eq!(tag(&body, "ServiceName"), "sts");
    assert_eq!(tag(&body, "Region"), "us-east-1");
    assert_eq!(tag(&body, "LastUsedDate"), "2026-03-01T12:00:00Z");

    // Inactive keys fail authentication; reactivated ones work again.
    let deactivate = [
        ("Action", "UpdateAccessKey"),
        ("UserName", "carol"),
        ("AccessKeyId", first.access_key_id.as_str()),
        ("Status", "Inactive"),
    ];
    ok(&server, &deactivate).await;
    let (status, body) = server.call(&first, IDENTITY).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "InvalidClientTokenId".to_string())
    );
    let body = ok(
        &server,
        &[("Action", "ListAccessKeys"), ("UserName", "carol")],
    )
    .await;
    assert!(
        tags(&body, "Status").contains(&"Inactive".to_string()),
        "{body}"
    );
    let mut activate = deactivate;
    activate[3] = ("Status", "Active");
    ok(&server, &activate).await;
    let (status, _) = server.call(&first, IDENTITY).await;
    assert_eq!(status, 200);
    let mut bad = deactivate;
    bad[3] = ("Status", "Paused");
    fails(
        &server,
        &bad,
        400,
        "ValidationError",
        "1 validation error detected: Value 'Paused' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]",
    )
    .await;

    // Keys are only found through their own user.
    create_user(&server, "dave").await;
    let message = format!(
        "The Access Key with id {} cannot be found.",
        first.access_key_id
    );
    fails(
        &server,
        &[
            ("Action", "DeleteAccessKey"),
            ("UserName", "dave"),
            ("AccessKeyId", &first.access_key_id),
        ],
        404,
        "NoSuchEntity",
        &message,
    )
    .await;

    fails(
        &server,
        &[("Action", "DeleteUser"), ("UserName", "carol")],
        409,
        "DeleteConflict",
        "Cannot delete entity, must delete access keys first.",
    )
    .await;
    for key in [&first, &second] {
        ok(
            &server,
            &[
                ("Action", "DeleteAccessKey"),
                ("UserName", "carol"),
                ("AccessKeyId", &key.access_key_id),
            ],
        )
        .await;
    }
    let (status, body) = server.call(&second, IDENTITY).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "InvalidClientTokenId".to_string())
    );
    fails(
        &server,
        &[
            ("Action", "DeleteAccessKey"),
            ("UserName", "carol"),
            ("AccessKeyId", &first.access_key_id),
        ],
        404,
        "NoSuchEntity",
        &message,
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "GetAccessKeyLastUsed"),
            ("AccessKeyId", &first.access_key_id),
        ],
        404,
        "NoSuchEntity",
        &message,
    )
    .await;
    fails(
        &server,
        &[("Action", "ListAccessKeys"), ("UserName", "nobody")],
        404,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    )
    .await;
    ok(&server, &[("Action", "DeleteUser"), ("UserName", "carol")]).await;
}

#[tokio::test]
async fn root_manages_its_own_keys() {
    let server = TestServer::start().await;
    let body = ok(&server, &[("Action", "ListAccessKeys")]).await;
    assert_eq!(
        tags(&body, "AccessKeyId"),
        [server.root.access_key_id.as_str()]
    );
    assert!(!has(&body, "UserName"), "{body}");
    let body = ok(&server, &[("Action", "CreateAccessKey")]).await;
    let second = Creds {
        access_key_id: tag(&body, "AccessKeyId"),
        secret: tag(&body, "SecretAccessKey"),
        token: None,
    };
    let (status, body) = server.call(&second, IDENTITY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{}:root", server.account_id)
    );
    fails(
        &server,
        &[("Action", "CreateAccessKey")],
        409,
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
    )
    .await;
    let body = ok(
        &server,
        &[
            ("Action", "GetAccessKeyLastUsed"),
            ("AccessKeyId", &server.root.access_key_id),
        ],
    )
    .await;
    assert_eq!(tag(&body, "ServiceName"), "iam");
    ok(
        &server,
        &[
            ("Action", "DeleteAccessKey"),
            ("AccessKeyId", &second.access_key_id),
        ],
    )
    .await;
    let (status, _) = server.call(&second, IDENTITY).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn groups_and_membership() {
    let server = TestServer::start().await;
    let acct = server.account_id.clone();
    let body = ok(
        &server,
        &[
            ("Action", "CreateGroup"),
            ("GroupName", "devs"),
            ("Path", "/eng/"),
        ],
    )
    .await;
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{acct}:group/eng/devs")
    );
    assert!(tag(&body, "GroupId").starts_with("AGPA"));
    fails(
        &server,
        &[("Action", "CreateGroup"), ("GroupName", "DEVS")],
        409,
        "EntityAlreadyExists",
        "Group with name DEVS already exists.",
    )
    .await;
    ok(
        &server,
        &[("Action", "CreateGroup"), ("GroupName", "admins")],
    )
    .await;
    for user in ["u3", "u1", "u2"] {
        create_user(&server, user).await;
        ok(
            &server,
            &[
                ("Action", "AddUserToGroup"),
                ("GroupName", "devs"),
                ("UserName", user),
            ],
        )
        .await;
    }
    // Adding a member again changes nothing.
    ok(
        &server,
        &[
            ("Action", "AddUserToGroup"),
            ("GroupName", "devs"),
            ("UserName", "u1"),
        ],
    )
    .await;
    ok(
        &server,
        &[
            ("Action", "AddUserToGroup"),
            ("GroupName", "admins"),
            ("UserName", "u1"),
        ],
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "AddUserToGroup"),
            ("GroupName", "devs"),
            ("UserName", "ghost"),
        ],
        404,
        "NoSuchEntity",
        "The user with name ghost cannot be found.",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "AddUserToGroup"),
            ("GroupName", "ghosts"),
            ("UserName", "u1"),
        ],
        404,
        "NoSuchEntity",
        "The group with name ghosts cannot be found.",
    )
    .await;

    let body = ok(&server, &[("Action", "GetGroup"), ("GroupName", "devs")]).await;
    assert_eq!(tag(&body, "GroupName"), "devs");
    assert_eq!(tags(&body, "UserName"), ["u1", "u2", "u3"]);
    let members = walk(
        &server,
        &[("Action", "GetGroup"), ("GroupName", "devs")],
        "UserName",
        async |_| {},
    )
    .await;
    assert_eq!(members, ["u1", "u2", "u3"]);

    let body = ok(
        &server,
        &[("Action", "ListGroupsForUser"), ("UserName", "u1")],
    )
    .await;
    assert_eq!(tags(&body, "GroupName"), ["admins", "devs"]);
    let groups = walk(
        &server,
        &[("Action", "ListGroups")],
        "GroupName",
        async |_| {},
    )
    .await;
    assert_eq!(groups, ["admins", "devs"]);
    let body = ok(&server, &[("Action", "ListGroups"), ("PathPrefix", "/eng")]).await;
    assert_eq!(tags(&body, "GroupName"), ["devs"]);

    fails(
        &server,
        &[("Action", "DeleteUser"), ("UserName", "u2")],
        409,
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
    )
    .await;
    fails(
        &server,
        &[("Action", "DeleteGroup"), ("GroupName", "devs")],
        409,
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
    )
    .await;
    for user in ["u1", "u2", "u3", "u3"] {
        ok(
            &server,
            &[
                ("Action", "RemoveUserFromGroup"),
                ("GroupName", "devs"),
                ("UserName", user),
            ],
        )
        .await;
    }
    ok(
        &server,
        &[
            ("Action", "PutGroupPolicy"),
            ("GroupName", "devs"),
            ("PolicyName", "read"),
            ("PolicyDocument", ALLOW_ALL),
        ],
    )
    .await;
    fails(
        &server,
        &[("Action", "DeleteGroup"), ("GroupName", "devs")],
        409,
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
    )
    .await;
    ok(
        &server,
        &[
            ("Action", "DeleteGroupPolicy"),
            ("GroupName", "devs"),
            ("PolicyName", "read"),
        ],
    )
    .await;
    ok(
        &server,
        &[
            ("Action", "UpdateGroup"),
            ("GroupName", "devs"),
            ("NewGroupName", "builders"),
            ("NewPath", "/"),
        ],
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "UpdateGroup"),
            ("GroupName", "builders"),
            ("NewGroupName", "ADMINS"),
        ],
        409,
        "EntityAlreadyExists",
        "Group with name ADMINS already exists.",
    )
    .await;
    let body = ok(
        &server,
        &[("Action", "GetGroup"), ("GroupName", "builders")],
    )
    .await;
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{acct}:group/builders")
    );
    assert!(tags(&body, "UserName").is_empty());
    ok(
        &server,
        &[("Action", "DeleteGroup"), ("GroupName", "builders")],
    )
    .await;
    fails(
        &server,
        &[("Action", "GetGroup"), ("GroupName", "builders")],
        404,
        "NoSuchEntity",
        "The group with name builders cannot be found.",
    )
    .await;
    ok(&server, &[("Action", "DeleteUser"), ("UserName", "u2")]).await;
}

#[tokio::test]
async fn inline_policies_of_users_groups_and_roles() {
    let server = TestServer::start().await;
    create_user(&server, "erin").await;
    let pretty = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::b/*\"}]\n}";
    for name in ["zeta", "alpha", "mid"] {
        ok(
            &server,
            &[
                ("Action", "PutUserPolicy"),
                ("UserName", "erin"),
                ("PolicyName", name),
                ("PolicyDocument", pretty),
            ],
        )
        .await;
    }
    let body = ok(
        &server,
        &[
            ("Action", "GetUserPolicy"),
            ("UserName", "ERIN"),
            ("PolicyName", "alpha"),
        ],
    )
    .await;
    assert_eq!(tag(&body, "UserName"), "erin");
    assert_eq!(tag(&body, "PolicyName"), "alpha");
    let encoded = tag(&body, "PolicyDocument");
    assert_eq!(encoded, tessera_sigv4::uri_encode(pretty));
    let decoded: String = form_urlencoded::parse(format!("d={encoded}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    assert_eq!(decoded, pretty, "stored as written");

    // Replacing keeps one policy of the name.
    ok(
        &server,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "erin"),
            ("PolicyName", "alpha"),
            ("PolicyDocument", ALLOW_ALL),
        ],
    )
    .await;
    let body = ok(
        &server,
        &[("Action", "ListUserPolicies"), ("UserName", "erin")],
    )
    .await;
    assert_eq!(tags(&body, "member"), ["alpha", "mid", "zeta"]);
    let names = walk(
        &server,
        &[("Action", "ListUserPolicies"), ("UserName", "erin")],
        "member",
        async |_| {},
    )
    .await;
    assert_eq!(names, ["alpha", "mid", "zeta"]);

    fails(
        &server,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "erin"),
            ("PolicyName", "bad"),
            ("PolicyDocument", "{\"Version\":\"2012-10-17\"}"),
        ],
        400,
        "MalformedPolicyDocument",
        "Missing required field Statement",
    )
    .await;
    let huge = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}"}}]}}"#,
        "b".repeat(2100)
    );
    fails(
        &server,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "erin"),
            ("PolicyName", "huge"),
            ("PolicyDocument", &huge),
        ],
        409,
        "LimitExceeded",
        "Maximum policy size of 2048 bytes exceeded for user",
    )
    .await;
    // The quota counts every inline policy of the user; replacing one does
    // not count it twice.
    let half = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}"}}]}}"#,
        "h".repeat(1000)
    );
    for _ in 0..2 {
        ok(
            &server,
            &[
                ("Action", "PutUserPolicy"),
                ("UserName", "erin"),
                ("PolicyName", "half"),
                ("PolicyDocument", &half),
            ],
        )
        .await;
    }
    fails(
        &server,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "erin"),
            ("PolicyName", "other-half"),
            ("PolicyDocument", &half),
        ],
        409,
        "LimitExceeded",
        "Maximum policy size of 2048 bytes exceeded for user erin",
    )
    .await;
    ok(
        &server,
        &[
            ("Action", "DeleteUserPolicy"),
            ("UserName", "erin"),
            ("PolicyName", "half"),
        ],
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "GetUserPolicy"),
            ("UserName", "erin"),
            ("PolicyName", "bad"),
        ],
        404,
        "NoSuchEntity",
        "The user policy with name bad cannot be found.",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "nobody"),
            ("PolicyName", "p"),
            ("PolicyDocument", ALLOW_ALL),
        ],
        404,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    )
    .await;
    fails(
        &server,
        &[("Action", "DeleteUser"), ("UserName", "erin")],
        409,
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
    )
    .await;
    for name in ["zeta", "alpha", "mid"] {
        ok(
            &server,
            &[
                ("Action", "DeleteUserPolicy"),
                ("UserName", "erin"),
                ("PolicyName", name),
            ],
        )
        .await;
    }
    fails(
        &server,
        &[
            ("Action", "DeleteUserPolicy"),
            ("UserName", "erin"),
            ("PolicyName", "mid"),
        ],
        404,
        "NoSuchEntity",
        "The user policy with name mid cannot be found.",
    )
    .await;
    ok(&server, &[("Action", "DeleteUser"), ("UserName", "erin")]).await;

    // Groups.
    ok(&server, &[("Action", "CreateGroup"), ("GroupName", "g")]).await;
    ok(
        &server,
        &[
            ("Action", "PutGroupPolicy"),
            ("GroupName", "g"),
            ("PolicyName", "p"),
            ("PolicyDocument", ALLOW_ALL),
        ],
    )
    .await;
    let body = ok(
        &server,
        &[
            ("Action", "GetGroupPolicy"),
            ("GroupName", "g"),
            ("PolicyName", "p"),
        ],
    )
    .await;
    assert_eq!(tag(&body, "GroupName"), "g");
    assert_eq!(
        tag(&body, "PolicyDocument"),
        tessera_sigv4::uri_encode(ALLOW_ALL)
    );
    let body = ok(
        &server,
        &[("Action", "ListGroupPolicies"), ("GroupName", "g")],
    )
    .await;
    assert_eq!(tags(&body, "member"), ["p"]);
    fails(
        &server,
        &[
            ("Action", "GetGroupPolicy"),
            ("GroupName", "g"),
            ("PolicyName", "q"),
        ],
        404,
        "NoSuchEntity",
        "The group policy with name q cannot be found.",
    )
    .await;

    // Roles are created by another part of IAM; without one, every role
    // call answers NoSuchEntity.
    for params in [
        vec![
            ("Action", "PutRolePolicy"),
            ("RoleName", "r"),
            ("PolicyName", "p"),
            ("PolicyDocument", ALLOW_ALL),
        ],
        vec![
            ("Action", "GetRolePolicy"),
            ("RoleName", "r"),
            ("PolicyName", "p"),
        ],
        vec![
            ("Action", "DeleteRolePolicy"),
            ("RoleName", "r"),
            ("PolicyName", "p"),
        ],
        vec![("Action", "ListRolePolicies"), ("RoleName", "r")],
    ] {
        fails(
            &server,
            &params,
            404,
            "NoSuchEntity",
            "The role with name r cannot be found.",
        )
        .await;
    }
    let long = "r".repeat(65);
    fails(
        &server,
        &[("Action", "ListRolePolicies"), ("RoleName", &long)],
        400,
        "ValidationError",
        &format!("1 validation error detected: Value '{long}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"),
    )
    .await;
}

#[tokio::test]
async fn users_authenticate_and_are_denied_without_policies() {
    let server = TestServer::start().await;
    let acct = server.account_id.clone();
    ok(
        &server,
        &[
            ("Action", "CreateUser"),
            ("UserName", "frank"),
            ("Path", "/a/b/"),
        ],
    )
    .await;
    let creds = create_key(&server, "frank").await;
    let user_arn = format!("arn:aws:iam::{acct}:user/a/b/frank");

    let (status, body) = server.call(&creds, IDENTITY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tag(&body, "Arn"), user_arn);
    assert_eq!(tag(&body, "Account"), acct);
    assert!(tag(&body, "UserId").starts_with("AIDA"));

    let session = server.session_token(&creds, Some("900")).await;
    assert!(session.access_key_id.starts_with("ASIA"));
    let (status, body) = server.call(&session, IDENTITY).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tag(&body, "Arn"), user_arn);

    let (status, body) = iam(&server, &creds, &[("Action", "ListUsers")]).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "AccessDenied".to_string()),
        "{body}"
    );
    denied_with(
        &body,
        &format!(
            "User: {user_arn} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::{acct}:user/"
        ),
    );
    // Denied before anything is looked at or changed.
    let (status, body) = iam(
        &server,
        &creds,
        &[("Action", "CreateUser"), ("UserName", "mallory")],
    )
    .await;
    assert_eq!(status, 403, "{body}");
    denied_with(
        &body,
        &format!(
            "User: {user_arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{acct}:user/mallory"
        ),
    );
    let (status, body) = iam(
        &server,
        &creds,
        &[("Action", "DeleteUser"), ("UserName", "ghost")],
    )
    .await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (403, "AccessDenied".to_string()),
        "{body}"
    );
    fails(
        &server,
        &[("Action", "GetUser"), ("UserName", "mallory")],
        404,
        "NoSuchEntity",
        "The user with name mallory cannot be found.",
    )
    .await;
}

#[tokio::test]
async fn restart_keeps_every_entity() {
    let dir = tempfile::tempdir().expect("dir");
    let data = tessera_server::DataDir::new(dir.path().join("data"));
    let clock = tessera_token::ManualClock::new(START);
    let first = TestServer::start_on(data.clone(), clock.clone()).await;
    ok(
        &first,
        &[
            ("Action", "CreateUser"),
            ("UserName", "gina"),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", "v"),
        ],
    )
    .await;
    let creds = create_key(&first, "gina").await;
    ok(&first, &[("Action", "CreateGroup"), ("GroupName", "ops")]).await;
    ok(
        &first,
        &[
            ("Action", "AddUserToGroup"),
            ("GroupName", "ops"),
            ("UserName", "gina"),
        ],
    )
    .await;
    ok(
        &first,
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "gina"),
            ("PolicyName", "p"),
            ("PolicyDocument", ALLOW_ALL),
        ],
    )
    .await;
    drop(first);

    let second = TestServer::start_on(data, clock).await;
    let body = ok(&second, &[("Action", "GetUser"), ("UserName", "gina")]).await;
    assert_eq!(tag(&body, "Key"), "k");
    let body = ok(&second, &[("Action", "GetGroup"), ("GroupName", "ops")]).await;
    assert_eq!(tags(&body, "UserName"), ["gina"]);
    let body = ok(
        &second,
        &[
            ("Action", "GetUserPolicy"),
            ("UserName", "gina"),
            ("PolicyName", "p"),
        ],
    )
    .await;
    assert_eq!(
        tag(&body, "PolicyDocument"),
        tessera_sigv4::uri_encode(ALLOW_ALL)
    );
    let body = ok(
        &second,
        &[("Action", "ListAccessKeys"), ("UserName", "gina")],
    )
    .await;
    assert_eq!(tags(&body, "AccessKeyId"), [creds.access_key_id.as_str()]);
    let (status, body) = second.call(&creds, IDENTITY).await;
    assert_eq!(status, 200, "{body}");
    assert!(tag(&body, "Arn").ends_with(":user/gina"));
}

#[tokio::test]
async fn accounts_see_only_their_own_entities() {
    let server = TestServer::start().await;
    let (store, keys) = common::open_store(&server.data).await;
    let other = server
        .data
        .create_account(&store, &keys, "second", server.clock.now())
        .await
        .expect("account");
    let other_root = common::profile(&server.data, "second-root");

    create_user(&server, "shared").await;
    ok(&server, &[("Action", "CreateGroup"), ("GroupName", "g")]).await;
    let key = create_key(&server, "shared").await;

    let call = async |params: &[(&str, &str)]| iam(&server, &other_root, params).await;
    let (status, body) = call(&[("Action", "GetUser"), ("UserName", "shared")]).await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (404, "NoSuchEntity".to_string())
    );
    let (status, body) = call(&[("Action", "ListUsers")]).await;
    assert_eq!(status, 200);
    assert!(tags(&body, "UserName").is_empty(), "{body}");
    let (status, _) = call(&[("Action", "GetGroup"), ("GroupName", "g")]).await;
    assert_eq!(status, 404);
    let (status, _) = call(&[
        ("Action", "DeleteAccessKey"),
        ("UserName", "shared"),
        ("AccessKeyId", &key.access_key_id),
    ])
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(&[
        ("Action", "GetAccessKeyLastUsed"),
        ("AccessKeyId", &key.access_key_id),
    ])
    .await;
    assert_eq!(status, 404);

    // The same name is free in the other account.
    let (status, body) = call(&[("Action", "CreateUser"), ("UserName", "shared")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        tag(&body, "Arn"),
        format!("arn:aws:iam::{}:user/shared", other.account_id)
    );
    let (status, body) = call(&[("Action", "ListAccessKeys"), ("UserName", "shared")]).await;
    assert_eq!(status, 200);
    assert!(tags(&body, "AccessKeyId").is_empty(), "{body}");
    let body = ok(
        &server,
        &[("Action", "ListAccessKeys"), ("UserName", "shared")],
    )
    .await;
    assert_eq!(tags(&body, "AccessKeyId"), [key.access_key_id.as_str()]);
}
