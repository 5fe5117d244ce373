//! Properties of authorization decisions over a real server: a name's case
//! in a request never changes a decision, and renaming or re-creating
//! entities changes decisions only as IAM's rules say (a renamed user keeps
//! its trust, a re-created one does not inherit it).

mod common;

use common::{Creds, TestServer, tag};
use proptest::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn doc(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

/// A fresh, unique entity name built from `stem` (IAM's `[\w+=,.@-]`).
fn unique(stem: &str) -> String {
    format!("{stem}{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// `name` with the letters at the flagged positions in the other case.
fn recase(name: &str, flips: &[bool]) -> String {
    name.chars()
        .zip(flips.iter().chain(std::iter::repeat(&false)))
        .map(|(c, flip)| match flip {
            true if c.is_ascii_lowercase() => c.to_ascii_uppercase(),
            true if c.is_ascii_uppercase() => c.to_ascii_lowercase(),
            _ => c,
        })
        .collect()
}

/// The outcome of a call, as a decision: allowed, denied, or another answer.
fn decision((status, body): (u16, String)) -> String {
    match status {
        200 => "allowed".to_string(),
        _ => tag(&body, "Code"),
    }
}

struct World {
    server: TestServer,
    allow_only: Creds,
    deny_only: Creds,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let allow_only = server.user_with_key(&server.root, "allow-only", None).await;
    let deny_only = server.user_with_key(&server.root, "deny-only", None).await;
    World {
        server,
        allow_only,
        deny_only,
    }
}

impl World {
    async fn put_policy(&self, user: &str, policy: &str) {
        self.server
            .iam_ok(
                &self.server.root,
                &[
                    ("Action", "PutUserPolicy"),
                    ("UserName", user),
                    ("PolicyName", "p"),
                    ("PolicyDocument", policy),
                ],
            )
            .await;
    }

    async fn decisions(&self, creds: &Creds, role_name: &str) -> Vec<String> {
        let server = &self.server;
        let role_arn = format!("arn:aws:iam::{}:role/{role_name}", server.account_id);
        vec![
            decision(
                server
                    .iam(creds, &[("Action", "GetRole"), ("RoleName", role_name)])
                    .await,
            ),
            decision(
                server
                    .iam(
                        creds,
                        &[("Action", "ListRoleTags"), ("RoleName", role_name)],
                    )
                    .await,
            ),
            decision(
                server
                    .call(
                        creds,
                        &[
                            ("Action", "AssumeRole"),
                            ("Version", "2011-06-15"),
                            ("RoleArn", &role_arn),
                            ("RoleSessionName", "prop"),
                        ],
                    )
                    .await,
            ),
        ]
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a_requests_case_never_changes_the_decision(
        stem in "[a-zA-Z][a-zA-Z0-9+=,.@_-]{0,20}",
        flips in proptest::collection::vec(any::<bool>(), 0..24),
    ) {
        let rt = runtime();
        rt.block_on(async {
            let world = world().await;
            let server = &world.server;
            let name = unique(&stem);
            let trust = doc(&format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"sts:AssumeRole"}}"#,
                server.account_id
            ));
            server
                .iam_ok(
                    &server.root,
                    &[("Action", "CreateRole"), ("RoleName", &name), ("AssumeRolePolicyDocument", &trust)],
                )
                .await;
            let stored = format!("arn:aws:iam::{}:role/{name}", server.account_id);
            world
                .put_policy(
                    "allow-only",
                    &doc(&format!(
                        r#"{{"Effect":"Allow","Action":["iam:GetRole","iam:ListRoleTags","sts:AssumeRole"],"Resource":"{stored}"}}"#
                    )),
                )
                .await;
            world
                .put_policy(
                    "deny-only",
                    &doc(&format!(
                        r#"{{"Effect":"Allow","Action":"*","Resource":"*"}},{{"Effect":"Deny","Action":"*","Resource":"{stored}"}}"#
                    )),
                )
                .await;
            let asked = recase(&name, &flips);
            for creds in [&world.allow_only, &world.deny_only] {
                let expected = world.decisions(creds, &name).await;
                let got = world.decisions(creds, &asked).await;
                assert_eq!(got, expected, "{name} asked as {asked}");
            }
            assert_eq!(world.decisions(&world.allow_only, &name).await, ["allowed"; 3]);
            assert_eq!(world.decisions(&world.deny_only, &name).await, ["AccessDenied"; 3]);
        });
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// `UpdateUser NewUserName` (the user keeps its unique id).
    Rename,
    /// Delete the user and create another of the same name.
    Recreate,
    /// Re-save the trust policy, naming the user by its current ARN.
    Rebind,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![Just(Step::Rename), Just(Step::Recreate), Just(Step::Rebind)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn renames_keep_trust_and_re_creations_do_not_inherit_it(
        steps in proptest::collection::vec(step(), 1..5),
    ) {
        let rt = runtime();
        rt.block_on(async {
            let server = TestServer::start().await;
            let root = server.root.clone();
            let account = server.account_id.clone();
            let policy = doc(r#"{"Effect":"Allow","Action":["sts:AssumeRole","iam:ListRoles"],"Resource":"*"}"#);
            let mut name = unique("member");
            let mut creds = server.user_with_key(&root, &name, Some(&policy)).await;
            let user_arn = |name: &str| format!("arn:aws:iam::{account}:user/{name}");
            let trust = |name: &str| {
                doc(&format!(
                    r#"{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole"}}"#,
                    user_arn(name)
                ))
            };
            let role = unique("trusting");
            server
                .iam_ok(
                    &root,
                    &[("Action", "CreateRole"), ("RoleName", &role), ("AssumeRolePolicyDocument", &trust(&name))],
                )
                .await;
            let role_arn = format!("arn:aws:iam::{account}:role/{role}");
            // The model: whether the trust policy is bound to the current user.
            let mut trusted = true;
            for step in &steps {
                match step {
                    Step::Rename => {
                        let new_name = unique("renamed");
                        server
                            .iam_ok(
                                &root,
                                &[("Action", "UpdateUser"), ("UserName", &name), ("NewUserName", &new_name)],
                            )
                            .await;
                        name = new_name;
                    }
                    Step::Recreate => {
                        for params in [
                            vec![("Action", "DeleteAccessKey"), ("UserName", name.as_str()), ("AccessKeyId", creds.access_key_id.as_str())],
                            vec![("Action", "DeleteUserPolicy"), ("UserName", name.as_str()), ("PolicyName", "p")],
                            vec![("Action", "DeleteUser"), ("UserName", name.as_str())],
                        ] {
                            server.iam_ok(&root, &params).await;
                        }
                        creds = server.user_with_key(&root, &name, Some(&policy)).await;
                        trusted = false;
                    }
                    Step::Rebind => {
                        server
                            .iam_ok(
                                &root,
                                &[("Action", "UpdateAssumeRolePolicy"), ("RoleName", &role), ("PolicyDocument", &trust(&name))],
                            )
                            .await;
                        trusted = true;
                    }
                }
                // The user's own policies follow it through every step.
                assert_eq!(decision(server.iam(&creds, &[("Action", "ListRoles")]).await), "allowed");
                let assumed = decision(
                    server
                        .call(
                            &creds,
                            &[("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", &role_arn), ("RoleSessionName", "prop")],
                        )
                        .await,
                );
                let expected = if trusted { "allowed" } else { "AccessDenied" };
                assert_eq!(assumed, expected, "after {steps:?}");
                // The trust policy shows the bound user by its current ARN,
                // or by its unique id once it is gone.
                let shown = server.iam_ok(&root, &[("Action", "GetRole"), ("RoleName", &role)]).await;
                let document = tag(&shown, "AssumeRolePolicyDocument");
                let current = tessera_sigv4::uri_encode(&user_arn(&name));
                assert_eq!(document.contains(&current), trusted, "{document}");
            }
        });
    }
}
