//! IAM roles, managed policies, attachments, permission boundaries and the
//! policy simulator over real HTTP.

mod common;

use common::{TestServer, tag};
use tessera_token::Clock;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const DENY_DELETE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#;

async fn iam(server: &TestServer, params: &[(&str, &str)]) -> (u16, String) {
    let mut all = vec![("Version", "2010-05-08")];
    all.extend_from_slice(params);
    server
        .call_at(&server.root, &all, server.clock.now(), "iam")
        .await
}

async fn ok(server: &TestServer, params: &[(&str, &str)]) -> String {
    let (status, body) = iam(server, params).await;
    assert_eq!(status, 200, "{params:?}: {body}");
    body
}

async fn fails(server: &TestServer, params: &[(&str, &str)], status: u16, code: &str) -> String {
    let (got, body) = iam(server, params).await;
    assert_eq!(
        (got, tag(&body, "Code")),
        (status, code.to_string()),
        "{body}"
    );
    tag(&body, "Message")
}

async fn create_role(server: &TestServer, name: &str) -> String {
    ok(
        server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", TRUST),
        ],
    )
    .await
}

async fn create_policy(server: &TestServer, name: &str, document: &str) -> String {
    let body = ok(
        server,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", name),
            ("PolicyDocument", document),
        ],
    )
    .await;
    tag(&body, "Arn")
}

fn all_tags(body: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    body.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split(&close).next().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn role_lifecycle() {
    let server = TestServer::start().await;
    let body = ok(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "app"),
            ("Path", "/svc/"),
            ("AssumeRolePolicyDocument", TRUST),
            ("Description", "the app"),
            ("MaxSessionDuration", "7200"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "core"),
        ],
    )
    .await;
    let arn = format!("arn:aws:iam::{}:role/svc/app", server.account_id);
    assert_eq!(tag(&body, "Arn"), arn);
    assert!(tag(&body, "RoleId").starts_with("AROA"));
    assert_eq!(tag(&body, "MaxSessionDuration"), "7200");

    let body = ok(&server, &[("Action", "GetRole"), ("RoleName", "APP")]).await;
    assert_eq!(tag(&body, "RoleName"), "app");
    assert_eq!(tag(&body, "Description"), "the app");
    assert_eq!(
        tag(&body, "AssumeRolePolicyDocument"),
        tessera_sigv4::uri_encode(TRUST)
    );
    assert_eq!(tag(&body, "Value"), "core");
    assert!(body.contains("<RoleLastUsed"), "{body}");

    ok(
        &server,
        &[
            ("Action", "UpdateRole"),
            ("RoleName", "app"),
            ("Description", "changed"),
            ("MaxSessionDuration", "43200"),
        ],
    )
    .await;
    let trust2 = TRUST.replace("ec2", "lambda");
    ok(
        &server,
        &[
            ("Action", "UpdateAssumeRolePolicy"),
            ("RoleName", "app"),
            ("PolicyDocument", &trust2),
        ],
    )
    .await;
    let body = ok(&server, &[("Action", "GetRole"), ("RoleName", "app")]).await;
    assert_eq!(tag(&body, "Description"), "changed");
    assert_eq!(tag(&body, "MaxSessionDuration"), "43200");
    assert!(tag(&body, "AssumeRolePolicyDocument").contains("lambda"));

    ok(
        &server,
        &[
            ("Action", "TagRole"),
            ("RoleName", "app"),
            ("Tags.member.1.Key", "env"),
            ("Tags.member.1.Value", "prod"),
            ("Tags.member.2.Key", "TEAM"),
            ("Tags.member.2.Value", "edge"),
        ],
    )
    .await;
    let body = ok(&server, &[("Action", "ListRoleTags"), ("RoleName", "app")]).await;
    assert_eq!(all_tags(&body, "Key"), vec!["env", "TEAM"]);
    assert_eq!(all_tags(&body, "Value"), vec!["prod", "edge"]);
    assert_eq!(tag(&body, "IsTruncated"), "false");
    ok(
        &server,
        &[
            ("Action", "UntagRole"),
            ("RoleName", "app"),
            ("TagKeys.member.1", "team"),
        ],
    )
    .await;
    let body = ok(&server, &[("Action", "ListRoleTags"), ("RoleName", "app")]).await;
    assert_eq!(all_tags(&body, "Key"), vec!["env"]);

    ok(&server, &[("Action", "DeleteRole"), ("RoleName", "app")]).await;
    let message = fails(
        &server,
        &[("Action", "GetRole"), ("RoleName", "app")],
        404,
        "NoSuchEntity",
    )
    .await;
    assert_eq!(message, "The role with name app cannot be found.");
}

#[tokio::test]
async fn role_errors() {
    let server = TestServer::start().await;
    create_role(&server, "dup").await;
    let message = fails(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "DUP"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
        409,
        "EntityAlreadyExists",
    )
    .await;
    assert_eq!(message, "Role with name DUP already exists.");
    fails(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "x"),
            ("AssumeRolePolicyDocument", ALLOW_S3),
        ],
        400,
        "MalformedPolicyDocument",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "x"),
            ("AssumeRolePolicyDocument", "{not json"),
        ],
        400,
        "MalformedPolicyDocument",
    )
    .await;
    let message = fails(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "x"),
            ("AssumeRolePolicyDocument", TRUST),
            ("MaxSessionDuration", "100"),
        ],
        400,
        "ValidationError",
    )
    .await;
    assert!(
        message.contains("greater than or equal to 3600"),
        "{message}"
    );
    fails(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "bad name"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
        400,
        "ValidationError",
    )
    .await;
    let message = fails(
        &server,
        &[("Action", "CreateRole"), ("RoleName", "x")],
        400,
        "ValidationError",
    )
    .await;
    assert!(message.contains("assumeRolePolicyDocument"), "{message}");
    let missing = format!("arn:aws:iam::{}:policy/none", server.account_id);
    let message = fails(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "x"),
            ("AssumeRolePolicyDocument", TRUST),
            ("PermissionsBoundary", &missing),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
    assert_eq!(
        message,
        format!("Policy {missing} does not exist or is not attachable.")
    );
    // Nothing of the failed creations was written.
    fails(
        &server,
        &[("Action", "GetRole"), ("RoleName", "x")],
        404,
        "NoSuchEntity",
    )
    .await;
    fails(
        &server,
        &[("Action", "DeleteRole"), ("RoleName", "x")],
        404,
        "NoSuchEntity",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "UpdateRole"),
            ("RoleName", "x"),
            ("Description", "d"),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
}

#[tokio::test]
async fn trust_policies_refuse_not_principal() {
    let server = TestServer::start().await;
    // With Allow, NotPrincipal would let every principal not listed assume
    // the role; IAM refuses NotPrincipal in trust policies altogether.
    let allow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/nobody"},"Action":"sts:AssumeRole"}]}"#;
    let deny = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{0}"}},"Action":"sts:AssumeRole"}},{{"Effect":"Deny","NotPrincipal":{{"AWS":"{0}"}},"Action":"sts:AssumeRole"}}]}}"#,
        server.account_id
    );
    for document in [allow, deny.as_str()] {
        let message = fails(
            &server,
            &[
                ("Action", "CreateRole"),
                ("RoleName", "open"),
                ("AssumeRolePolicyDocument", document),
            ],
            400,
            "MalformedPolicyDocument",
        )
        .await;
        assert_eq!(message, "Has prohibited field NotPrincipal");
    }
    fails(
        &server,
        &[("Action", "GetRole"), ("RoleName", "open")],
        404,
        "NoSuchEntity",
    )
    .await;

    create_role(&server, "app").await;
    let message = fails(
        &server,
        &[
            ("Action", "UpdateAssumeRolePolicy"),
            ("RoleName", "app"),
            ("PolicyDocument", allow),
        ],
        400,
        "MalformedPolicyDocument",
    )
    .await;
    assert_eq!(message, "Has prohibited field NotPrincipal");
    let body = ok(&server, &[("Action", "GetRole"), ("RoleName", "app")]).await;
    assert!(
        body.contains("ec2.amazonaws.com") && !body.contains("NotPrincipal"),
        "the trust policy is unchanged: {body}"
    );
}

#[tokio::test]
async fn policy_documents_are_checked_before_they_are_stored() {
    let server = TestServer::start().await;
    create_role(&server, "app").await;
    let pattern =
        "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+";
    let bom_trust = format!("\u{feff}{TRUST}");
    let bom_policy = format!("\u{feff}{ALLOW_S3}");
    // A leading byte order mark, or any character past U+00FF, is outside
    // the policy character set of IAM's API.
    let quoted = ALLOW_S3.replace("\"S3\"", "\"\u{201c}S3\u{201d}\"");
    for (params, member) in [
        (
            vec![
                ("Action", "CreateRole"),
                ("RoleName", "other"),
                ("AssumeRolePolicyDocument", bom_trust.as_str()),
            ],
            "assumeRolePolicyDocument",
        ),
        (
            vec![
                ("Action", "UpdateAssumeRolePolicy"),
                ("RoleName", "app"),
                ("PolicyDocument", bom_trust.as_str()),
            ],
            "policyDocument",
        ),
        (
            vec![
                ("Action", "CreatePolicy"),
                ("PolicyName", "p"),
                ("PolicyDocument", bom_policy.as_str()),
            ],
            "policyDocument",
        ),
        (
            vec![
                ("Action", "PutRolePolicy"),
                ("RoleName", "app"),
                ("PolicyName", "p"),
                ("PolicyDocument", quoted.as_str()),
            ],
            "policyDocument",
        ),
    ] {
        let message = fails(&server, &params, 400, "ValidationError").await;
        assert!(
            message.starts_with("1 validation error detected: Value '")
                && message.contains(&format!("' at '{member}' failed to satisfy constraint: "))
                && message.ends_with(pattern),
            "{params:?}: {message}"
        );
    }

    // An IP range that is no range fails IAM's legacy parsing, in every
    // kind of policy.
    let bad_range = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/200"}}}}"#;
    let bad_trust = TRUST.replace(
        r#""Action":"sts:AssumeRole""#,
        r#""Action":"sts:AssumeRole","Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/129"}}"#,
    );
    for params in [
        vec![
            ("Action", "CreatePolicy"),
            ("PolicyName", "p"),
            ("PolicyDocument", bad_range),
        ],
        vec![
            ("Action", "PutRolePolicy"),
            ("RoleName", "app"),
            ("PolicyName", "p"),
            ("PolicyDocument", bad_range),
        ],
        vec![
            ("Action", "UpdateAssumeRolePolicy"),
            ("RoleName", "app"),
            ("PolicyDocument", bad_trust.as_str()),
        ],
    ] {
        let message = fails(&server, &params, 400, "MalformedPolicyDocument").await;
        assert_eq!(message, "The policy failed legacy parsing", "{params:?}");
    }
    fails(
        &server,
        &[
            ("Action", "GetRolePolicy"),
            ("RoleName", "app"),
            ("PolicyName", "p"),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
}

#[tokio::test]
async fn concurrent_creates_of_one_name() {
    let server = TestServer::start().await;
    let params: &[(&str, &str)] = &[
        ("Action", "CreateRole"),
        ("RoleName", "race"),
        ("AssumeRolePolicyDocument", TRUST),
    ];
    let (a, b) = tokio::join!(iam(&server, params), iam(&server, params));
    let mut statuses = vec![a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "{a:?} {b:?}");
    let policy: &[(&str, &str)] = &[
        ("Action", "CreatePolicy"),
        ("PolicyName", "race"),
        ("PolicyDocument", ALLOW_S3),
    ];
    let (a, b) = tokio::join!(iam(&server, policy), iam(&server, policy));
    let mut statuses = vec![a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "{a:?} {b:?}");
    let failed = if a.0 == 409 { a.1 } else { b.1 };
    assert_eq!(tag(&failed, "Code"), "EntityAlreadyExists");
    assert_eq!(
        tag(&failed, "Message"),
        "A policy called race already exists. Duplicate names are not allowed."
    );
}

#[tokio::test]
async fn managed_policy_versions() {
    let server = TestServer::start().await;
    let body = ok(
        &server,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "s3"),
            ("Path", "/team/"),
            ("PolicyDocument", ALLOW_S3),
            ("Description", "s3 access"),
        ],
    )
    .await;
    let arn = tag(&body, "Arn");
    assert_eq!(
        arn,
        format!("arn:aws:iam::{}:policy/team/s3", server.account_id)
    );
    assert!(tag(&body, "PolicyId").starts_with("ANPA"));
    assert_eq!(tag(&body, "DefaultVersionId"), "v1");

    let body = ok(&server, &[("Action", "GetPolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(tag(&body, "AttachmentCount"), "0");
    assert_eq!(tag(&body, "PermissionsBoundaryUsageCount"), "0");
    assert_eq!(tag(&body, "IsAttachable"), "true");
    assert_eq!(tag(&body, "Description"), "s3 access");

    for (i, default) in ["false", "true", "false", "false"].iter().enumerate() {
        let body = ok(
            &server,
            &[
                ("Action", "CreatePolicyVersion"),
                ("PolicyArn", &arn),
                ("PolicyDocument", ALLOW_ALL),
                ("SetAsDefault", default),
            ],
        )
        .await;
        assert_eq!(tag(&body, "VersionId"), format!("v{}", i + 2));
        assert_eq!(tag(&body, "IsDefaultVersion"), *default);
    }
    let message = fails(
        &server,
        &[
            ("Action", "CreatePolicyVersion"),
            ("PolicyArn", &arn),
            ("PolicyDocument", ALLOW_ALL),
        ],
        409,
        "LimitExceeded",
    )
    .await;
    assert_eq!(
        message,
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."
    );
    let body = ok(&server, &[("Action", "GetPolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(tag(&body, "DefaultVersionId"), "v3");

    // Paginated, newest first.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut params = vec![
            ("Action", "ListPolicyVersions"),
            ("PolicyArn", arn.as_str()),
            ("MaxItems", "2"),
        ];
        if let Some(m) = &marker {
            params.push(("Marker", m));
        }
        let body = ok(&server, &params).await;
        seen.extend(all_tags(&body, "VersionId"));
        if tag(&body, "IsTruncated") == "false" {
            break;
        }
        marker = Some(tag(&body, "Marker"));
    }
    assert_eq!(seen, vec!["v5", "v4", "v3", "v2", "v1"]);

    let body = ok(
        &server,
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v1"),
        ],
    )
    .await;
    assert_eq!(tag(&body, "Document"), tessera_sigv4::uri_encode(ALLOW_S3));
    assert_eq!(tag(&body, "IsDefaultVersion"), "false");
    fails(
        &server,
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v9"),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "9"),
        ],
        400,
        "ValidationError",
    )
    .await;

    let message = fails(
        &server,
        &[
            ("Action", "DeletePolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v3"),
        ],
        409,
        "DeleteConflict",
    )
    .await;
    assert_eq!(message, "Cannot delete the default version of a policy.");
    let message = fails(
        &server,
        &[("Action", "DeletePolicy"), ("PolicyArn", &arn)],
        409,
        "DeleteConflict",
    )
    .await;
    assert!(
        message.starts_with("This policy has more than one version."),
        "{message}"
    );
    ok(
        &server,
        &[
            ("Action", "SetDefaultPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v5"),
        ],
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "SetDefaultPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v7"),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
    for v in ["v1", "v2", "v3", "v4"] {
        ok(
            &server,
            &[
                ("Action", "DeletePolicyVersion"),
                ("PolicyArn", &arn),
                ("VersionId", v),
            ],
        )
        .await;
    }
    // A new version gets a new number, never a reused one.
    let body = ok(
        &server,
        &[
            ("Action", "CreatePolicyVersion"),
            ("PolicyArn", &arn),
            ("PolicyDocument", ALLOW_S3),
        ],
    )
    .await;
    assert_eq!(tag(&body, "VersionId"), "v6");
    ok(
        &server,
        &[
            ("Action", "DeletePolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v6"),
        ],
    )
    .await;
    ok(&server, &[("Action", "DeletePolicy"), ("PolicyArn", &arn)]).await;
    let message = fails(
        &server,
        &[("Action", "GetPolicy"), ("PolicyArn", &arn)],
        404,
        "NoSuchEntity",
    )
    .await;
    assert_eq!(message, format!("Policy {arn} was not found."));
}

#[tokio::test]
async fn policy_errors_and_listing() {
    let server = TestServer::start().await;
    fails(
        &server,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "bad"),
            ("PolicyDocument", TRUST),
        ],
        400,
        "MalformedPolicyDocument",
    )
    .await;
    fails(
        &server,
        &[("Action", "GetPolicy"), ("PolicyArn", "short")],
        400,
        "ValidationError",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "GetPolicy"),
            ("PolicyArn", "not-an-arn-at-all-really"),
        ],
        400,
        "InvalidInput",
    )
    .await;
    for name in ["p3", "p1", "p2"] {
        create_policy(&server, name, ALLOW_S3).await;
    }
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut params = vec![
            ("Action", "ListPolicies"),
            ("Scope", "Local"),
            ("MaxItems", "1"),
        ];
        if let Some(m) = &marker {
            params.push(("Marker", m));
        }
        let body = ok(&server, &params).await;
        seen.extend(all_tags(&body, "PolicyName"));
        if tag(&body, "IsTruncated") == "false" {
            break;
        }
        marker = Some(tag(&body, "Marker"));
    }
    assert_eq!(seen, vec!["p1", "p2", "p3"]);
    let body = ok(&server, &[("Action", "ListPolicies"), ("Scope", "AWS")]).await;
    assert!(all_tags(&body, "PolicyName").is_empty());
    let body = ok(
        &server,
        &[("Action", "ListPolicies"), ("OnlyAttached", "true")],
    )
    .await;
    assert!(all_tags(&body, "PolicyName").is_empty());
    fails(
        &server,
        &[("Action", "ListPolicies"), ("Scope", "Mine")],
        400,
        "ValidationError",
    )
    .await;
}

#[tokio::test]
async fn attachments_and_boundaries() {
    let server = TestServer::start().await;
    create_role(&server, "worker").await;
    let arn = create_policy(&server, "s3", ALLOW_S3).await;
    for _ in 0..2 {
        // Attaching twice changes nothing.
        ok(
            &server,
            &[
                ("Action", "AttachRolePolicy"),
                ("RoleName", "worker"),
                ("PolicyArn", &arn),
            ],
        )
        .await;
    }
    let body = ok(
        &server,
        &[
            ("Action", "ListAttachedRolePolicies"),
            ("RoleName", "worker"),
        ],
    )
    .await;
    assert_eq!(all_tags(&body, "PolicyArn"), vec![arn.clone()]);
    let body = ok(&server, &[("Action", "GetPolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(tag(&body, "AttachmentCount"), "1");
    let body = ok(
        &server,
        &[("Action", "ListPolicies"), ("OnlyAttached", "true")],
    )
    .await;
    assert_eq!(all_tags(&body, "PolicyName"), vec!["s3"]);
    let body = ok(
        &server,
        &[("Action", "ListEntitiesForPolicy"), ("PolicyArn", &arn)],
    )
    .await;
    assert_eq!(all_tags(&body, "RoleName"), vec!["worker"]);
    assert!(body.contains("<PolicyUsers"), "{body}");
    let body = ok(
        &server,
        &[
            ("Action", "ListEntitiesForPolicy"),
            ("PolicyArn", &arn),
            ("EntityFilter", "User"),
        ],
    )
    .await;
    assert!(all_tags(&body, "RoleName").is_empty());

    create_role(&server, "helper").await;
    ok(
        &server,
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "helper"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut params = vec![
            ("Action", "ListEntitiesForPolicy"),
            ("PolicyArn", arn.as_str()),
            ("MaxItems", "1"),
        ];
        if let Some(m) = &marker {
            params.push(("Marker", m));
        }
        let body = ok(&server, &params).await;
        seen.extend(all_tags(&body, "RoleName"));
        if tag(&body, "IsTruncated") == "false" {
            break;
        }
        marker = Some(tag(&body, "Marker"));
    }
    assert_eq!(seen, vec!["helper", "worker"]);
    ok(
        &server,
        &[
            ("Action", "DetachRolePolicy"),
            ("RoleName", "helper"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    ok(&server, &[("Action", "DeleteRole"), ("RoleName", "helper")]).await;

    let message = fails(
        &server,
        &[("Action", "DeleteRole"), ("RoleName", "worker")],
        409,
        "DeleteConflict",
    )
    .await;
    assert_eq!(
        message,
        "Cannot delete entity, must detach all policies first."
    );
    let message = fails(
        &server,
        &[("Action", "DeletePolicy"), ("PolicyArn", &arn)],
        409,
        "DeleteConflict",
    )
    .await;
    assert_eq!(message, "Cannot delete a policy attached to entities.");

    // Users and groups are looked up by name in the account.
    let message = fails(
        &server,
        &[
            ("Action", "AttachUserPolicy"),
            ("UserName", "nobody"),
            ("PolicyArn", &arn),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
    assert_eq!(message, "The user with name nobody cannot be found.");
    let message = fails(
        &server,
        &[
            ("Action", "AttachGroupPolicy"),
            ("GroupName", "nogroup"),
            ("PolicyArn", &arn),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
    assert_eq!(message, "The group with name nogroup cannot be found.");
    for action in [
        "DetachUserPolicy",
        "ListAttachedUserPolicies",
        "PutUserPermissionsBoundary",
    ] {
        fails(
            &server,
            &[
                ("Action", action),
                ("UserName", "nobody"),
                ("PolicyArn", &arn),
                ("PermissionsBoundary", &arn),
            ],
            404,
            "NoSuchEntity",
        )
        .await;
    }
    for action in ["DetachGroupPolicy", "ListAttachedGroupPolicies"] {
        fails(
            &server,
            &[
                ("Action", action),
                ("GroupName", "nogroup"),
                ("PolicyArn", &arn),
            ],
            404,
            "NoSuchEntity",
        )
        .await;
    }
    fails(
        &server,
        &[
            ("Action", "DeleteUserPermissionsBoundary"),
            ("UserName", "nobody"),
        ],
        404,
        "NoSuchEntity",
    )
    .await;

    // The quota of 10 attached policies.
    let mut others = Vec::new();
    for i in 0..10 {
        others.push(create_policy(&server, &format!("q{i}"), ALLOW_S3).await);
    }
    for other in &others[..9] {
        ok(
            &server,
            &[
                ("Action", "AttachRolePolicy"),
                ("RoleName", "worker"),
                ("PolicyArn", other),
            ],
        )
        .await;
    }
    let message = fails(
        &server,
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "worker"),
            ("PolicyArn", &others[9]),
        ],
        409,
        "LimitExceeded",
    )
    .await;
    assert_eq!(message, "Cannot exceed quota for PoliciesPerRole: 10");
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut params = vec![
            ("Action", "ListAttachedRolePolicies"),
            ("RoleName", "worker"),
            ("MaxItems", "3"),
        ];
        if let Some(m) = &marker {
            params.push(("Marker", m));
        }
        let body = ok(&server, &params).await;
        seen.extend(all_tags(&body, "PolicyName"));
        if tag(&body, "IsTruncated") == "false" {
            break;
        }
        marker = Some(tag(&body, "Marker"));
    }
    assert_eq!(seen.len(), 10);
    assert_eq!(seen[9], "s3");
    for other in &others[..9] {
        ok(
            &server,
            &[
                ("Action", "DetachRolePolicy"),
                ("RoleName", "worker"),
                ("PolicyArn", other),
            ],
        )
        .await;
    }
    ok(
        &server,
        &[
            ("Action", "DetachRolePolicy"),
            ("RoleName", "worker"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    let message = fails(
        &server,
        &[
            ("Action", "DetachRolePolicy"),
            ("RoleName", "worker"),
            ("PolicyArn", &arn),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
    assert_eq!(message, format!("Policy {arn} was not found."));

    // Permission boundaries.
    ok(
        &server,
        &[
            ("Action", "PutRolePermissionsBoundary"),
            ("RoleName", "worker"),
            ("PermissionsBoundary", &arn),
        ],
    )
    .await;
    let body = ok(&server, &[("Action", "GetRole"), ("RoleName", "worker")]).await;
    assert_eq!(tag(&body, "PermissionsBoundaryArn"), arn);
    assert_eq!(
        tag(&body, "PermissionsBoundaryType"),
        "PermissionsBoundaryPolicy"
    );
    let body = ok(&server, &[("Action", "GetPolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(tag(&body, "PermissionsBoundaryUsageCount"), "1");
    let body = ok(
        &server,
        &[
            ("Action", "ListEntitiesForPolicy"),
            ("PolicyArn", &arn),
            ("PolicyUsageFilter", "PermissionsBoundary"),
        ],
    )
    .await;
    assert_eq!(all_tags(&body, "RoleName"), vec!["worker"]);
    let body = ok(
        &server,
        &[("Action", "ListEntitiesForPolicy"), ("PolicyArn", &arn)],
    )
    .await;
    assert!(all_tags(&body, "RoleName").is_empty(), "{body}");
    let body = ok(
        &server,
        &[
            ("Action", "ListPolicies"),
            ("PolicyUsageFilter", "PermissionsBoundary"),
        ],
    )
    .await;
    assert_eq!(all_tags(&body, "PolicyName"), vec!["s3"]);
    let body = ok(
        &server,
        &[
            ("Action", "ListPolicies"),
            ("PolicyUsageFilter", "PermissionsPolicy"),
        ],
    )
    .await;
    assert!(all_tags(&body, "PolicyName").is_empty(), "{body}");
    fails(
        &server,
        &[
            ("Action", "ListPolicies"),
            ("PolicyUsageFilter", "Sometimes"),
        ],
        400,
        "ValidationError",
    )
    .await;
    fails(
        &server,
        &[("Action", "DeletePolicy"), ("PolicyArn", &arn)],
        409,
        "DeleteConflict",
    )
    .await;
    let missing = format!("arn:aws:iam::{}:policy/none", server.account_id);
    fails(
        &server,
        &[
            ("Action", "PutRolePermissionsBoundary"),
            ("RoleName", "worker"),
            ("PermissionsBoundary", &missing),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
    ok(
        &server,
        &[
            ("Action", "DeleteRolePermissionsBoundary"),
            ("RoleName", "worker"),
        ],
    )
    .await;
    let body = ok(&server, &[("Action", "GetRole"), ("RoleName", "worker")]).await;
    assert!(!body.contains("PermissionsBoundaryArn"), "{body}");
    ok(&server, &[("Action", "DeletePolicy"), ("PolicyArn", &arn)]).await;
    ok(&server, &[("Action", "DeleteRole"), ("RoleName", "worker")]).await;
}

#[tokio::test]
async fn simulator() {
    let server = TestServer::start().await;
    let body = ok(
        &server,
        &[
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", ALLOW_S3),
            ("PolicyInputList.member.2", DENY_DELETE),
            ("ActionNames.member.1", "s3:GetObject"),
            ("ActionNames.member.2", "s3:DeleteBucket"),
            ("ActionNames.member.3", "ec2:RunInstances"),
        ],
    )
    .await;
    assert_eq!(
        all_tags(&body, "EvalDecision"),
        vec!["allowed", "explicitDeny", "implicitDeny"]
    );
    assert_eq!(
        all_tags(&body, "SourcePolicyId"),
        vec!["PolicyInputList.1", "PolicyInputList.2"]
    );
    assert_eq!(tag(&body, "EvalResourceName"), "*");
    assert!(body.contains("<StartPosition>"), "{body}");

    // A boundary removes what the identity policy grants.
    let body = ok(
        &server,
        &[
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", ALLOW_ALL),
            ("PermissionsBoundaryPolicyInputList.member.1", ALLOW_S3),
            ("ActionNames.member.1", "s3:GetObject"),
            ("ActionNames.member.2", "iam:CreateUser"),
        ],
    )
    .await;
    assert_eq!(
        all_tags(&body, "EvalDecision"),
        vec!["allowed", "implicitDeny"]
    );

    // Conditions read the context entries, and report missing ones.
    let conditional = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}"#;
    let body = ok(
        &server,
        &[
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", conditional),
            ("ActionNames.member.1", "s3:GetObject"),
        ],
    )
    .await;
    assert_eq!(tag(&body, "EvalDecision"), "implicitDeny");
    assert!(
        body.contains("<member>aws:RequestedRegion</member>"),
        "{body}"
    );
    let body = ok(
        &server,
        &[
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", conditional),
            ("ActionNames.member.1", "s3:GetObject"),
            (
                "ContextEntries.member.1.ContextKeyName",
                "aws:RequestedRegion",
            ),
            ("ContextEntries.member.1.ContextKeyType", "string"),
            (
                "ContextEntries.member.1.ContextKeyValues.member.1",
                "eu-west-1",
            ),
        ],
    )
    .await;
    assert_eq!(tag(&body, "EvalDecision"), "allowed");

    // Pagination over actions × resources.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut params = vec![
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", ALLOW_S3),
            ("ActionNames.member.1", "s3:GetObject"),
            ("ActionNames.member.2", "s3:PutObject"),
            ("ResourceArns.member.1", "arn:aws:s3:::a/*"),
            ("ResourceArns.member.2", "arn:aws:s3:::b/*"),
            ("MaxItems", "1"),
        ];
        if let Some(m) = &marker {
            params.push(("Marker", m));
        }
        let body = ok(&server, &params).await;
        seen.push(format!(
            "{} {}",
            tag(&body, "EvalActionName"),
            tag(&body, "EvalResourceName")
        ));
        if tag(&body, "IsTruncated") == "false" {
            break;
        }
        marker = Some(tag(&body, "Marker"));
    }
    assert_eq!(
        seen,
        vec![
            "s3:GetObject arn:aws:s3:::a/*",
            "s3:GetObject arn:aws:s3:::b/*",
            "s3:PutObject arn:aws:s3:::a/*",
            "s3:PutObject arn:aws:s3:::b/*",
        ]
    );

    fails(
        &server,
        &[
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", "{"),
            ("ActionNames.member.1", "s3:GetObject"),
        ],
        400,
        "MalformedPolicyDocument",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", ALLOW_S3),
        ],
        400,
        "ValidationError",
    )
    .await;

    // The principal's own policies: attached managed policy and boundary.
    create_role(&server, "sim").await;
    let all = create_policy(&server, "all", ALLOW_ALL).await;
    let s3 = create_policy(&server, "s3only", ALLOW_S3).await;
    ok(
        &server,
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "sim"),
            ("PolicyArn", &all),
        ],
    )
    .await;
    let role_arn = format!("arn:aws:iam::{}:role/sim", server.account_id);
    let simulate = [
        ("Action", "SimulatePrincipalPolicy"),
        ("PolicySourceArn", role_arn.as_str()),
        ("ActionNames.member.1", "s3:GetObject"),
        ("ActionNames.member.2", "iam:CreateUser"),
    ];
    let body = ok(&server, &simulate).await;
    assert_eq!(all_tags(&body, "EvalDecision"), vec!["allowed", "allowed"]);
    assert_eq!(tag(&body, "SourcePolicyId"), "all");
    assert_eq!(tag(&body, "SourcePolicyType"), "user-managed");
    ok(
        &server,
        &[
            ("Action", "PutRolePermissionsBoundary"),
            ("RoleName", "sim"),
            ("PermissionsBoundary", &s3),
        ],
    )
    .await;
    let body = ok(&server, &simulate).await;
    assert_eq!(
        all_tags(&body, "EvalDecision"),
        vec!["allowed", "implicitDeny"]
    );
    let mut with_input = simulate.to_vec();
    with_input.push(("PolicyInputList.member.1", DENY_DELETE));
    with_input.push(("ActionNames.member.3", "s3:DeleteBucket"));
    let body = ok(&server, &with_input).await;
    assert_eq!(
        all_tags(&body, "EvalDecision"),
        vec!["allowed", "implicitDeny", "explicitDeny"]
    );
    let missing = format!("arn:aws:iam::{}:role/none", server.account_id);
    fails(
        &server,
        &[
            ("Action", "SimulatePrincipalPolicy"),
            ("PolicySourceArn", &missing),
            ("ActionNames.member.1", "s3:GetObject"),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
    let other_user = "arn:aws:iam::999999999999:user/alice";
    fails(
        &server,
        &[
            ("Action", "SimulatePrincipalPolicy"),
            ("PolicySourceArn", other_user),
            ("ActionNames.member.1", "s3:GetObject"),
        ],
        404,
        "NoSuchEntity",
    )
    .await;
}

#[tokio::test]
async fn everything_survives_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let data = tessera_server::DataDir::new(dir.path().join("data"));
    let clock = tessera_token::ManualClock::new(common::START);
    let server = TestServer::start_on(data.clone(), clock.clone()).await;
    create_role(&server, "kept").await;
    let arn = create_policy(&server, "kept", ALLOW_S3).await;
    ok(
        &server,
        &[
            ("Action", "CreatePolicyVersion"),
            ("PolicyArn", &arn),
            ("PolicyDocument", ALLOW_ALL),
            ("SetAsDefault", "true"),
        ],
    )
    .await;
    ok(
        &server,
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "kept"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    ok(
        &server,
        &[
            ("Action", "PutRolePermissionsBoundary"),
            ("RoleName", "kept"),
            ("PermissionsBoundary", &arn),
        ],
    )
    .await;
    ok(
        &server,
        &[
            ("Action", "TagRole"),
            ("RoleName", "kept"),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", "v"),
        ],
    )
    .await;
    drop(server);
    let server = TestServer::start_on(data, clock).await;
    let body = ok(&server, &[("Action", "GetRole"), ("RoleName", "kept")]).await;
    assert_eq!(tag(&body, "PermissionsBoundaryArn"), arn);
    assert_eq!(tag(&body, "Value"), "v");
    let body = ok(&server, &[("Action", "GetPolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(tag(&body, "DefaultVersionId"), "v2");
    assert_eq!(tag(&body, "AttachmentCount"), "1");
    let body = ok(
        &server,
        &[("Action", "ListAttachedRolePolicies"), ("RoleName", "kept")],
    )
    .await;
    assert_eq!(all_tags(&body, "PolicyArn"), vec![arn]);
    drop(dir);
}

#[tokio::test]
async fn another_account_sees_nothing() {
    let server = TestServer::start().await;
    create_role(&server, "mine").await;
    let arn = create_policy(&server, "mine", ALLOW_S3).await;
    let (store, keys) = common::open_store(&server.data).await;
    server
        .data
        .create_account(&store, &keys, "team-b", server.clock.now())
        .await
        .expect("create");
    let other = common::profile(&server.data, "team-b-root");
    let call = |params: Vec<(&'static str, String)>| {
        let other = other.clone();
        let server = &server;
        async move {
            let mut all: Vec<(&str, &str)> = vec![("Version", "2010-05-08")];
            all.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
            server
                .call_at(&other, &all, server.clock.now(), "iam")
                .await
        }
    };
    let role_arn = format!("arn:aws:iam::{}:role/mine", server.account_id);
    for params in [
        vec![
            ("Action", "GetRole".to_string()),
            ("RoleName", "mine".to_string()),
        ],
        vec![
            ("Action", "GetPolicy".to_string()),
            ("PolicyArn", arn.clone()),
        ],
        vec![
            ("Action", "SimulatePrincipalPolicy".to_string()),
            ("PolicySourceArn", role_arn.clone()),
            ("ActionNames.member.1", "s3:GetObject".to_string()),
        ],
    ] {
        let (status, body) = call(params).await;
        assert_eq!(
            (status, tag(&body, "Code")),
            (404, "NoSuchEntity".to_string()),
            "{body}"
        );
    }
    let (status, body) = call(vec![("Action", "ListRoles".to_string())]).await;
    assert_eq!(status, 200, "{body}");
    assert!(all_tags(&body, "RoleName").is_empty(), "{body}");
    let (status, body) = call(vec![("Action", "ListPolicies".to_string())]).await;
    assert_eq!(status, 200, "{body}");
    assert!(all_tags(&body, "PolicyName").is_empty(), "{body}");
    // Its own role of the same name, which cannot use the first account's policy.
    let (status, body) = call(vec![
        ("Action", "CreateRole".to_string()),
        ("RoleName", "mine".to_string()),
        ("AssumeRolePolicyDocument", TRUST.to_string()),
    ])
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(vec![
        ("Action", "AttachRolePolicy".to_string()),
        ("RoleName", "mine".to_string()),
        ("PolicyArn", arn.clone()),
    ])
    .await;
    assert_eq!(
        (status, tag(&body, "Code")),
        (404, "NoSuchEntity".to_string()),
        "{body}"
    );
}

#[tokio::test]
async fn simulator_with_a_resource_policy_and_validation() {
    let server = TestServer::start().await;
    let bucket = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Bucket","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    let nothing = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#;
    let body = ok(
        &server,
        &[
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", nothing),
            ("ResourcePolicy", bucket),
            ("ResourceOwner", "111122223333"),
            ("CallerArn", "arn:aws:iam::111122223333:user/alice"),
            ("ActionNames.member.1", "s3:GetObject"),
            ("ResourceArns.member.1", "arn:aws:s3:::b/key"),
        ],
    )
    .await;
    assert_eq!(tag(&body, "EvalDecision"), "allowed", "{body}");
    assert_eq!(tag(&body, "SourcePolicyType"), "resource");
    fails(
        &server,
        &[
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", nothing),
            ("ResourceOwner", "nobody"),
            ("ActionNames.member.1", "s3:GetObject"),
        ],
        400,
        "InvalidInput",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "SimulateCustomPolicy"),
            ("PolicyInputList.member.1", nothing),
            ("CallerArn", "arn:aws:s3:::bucket"),
            ("ActionNames.member.1", "s3:GetObject"),
        ],
        400,
        "InvalidInput",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "p"),
            ("Path", "/a b/"),
            ("PolicyDocument", ALLOW_S3),
        ],
        400,
        "ValidationError",
    )
    .await;
    fails(
        &server,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "r"),
            ("Description", "bad\u{1}"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
        400,
        "ValidationError",
    )
    .await;
}
