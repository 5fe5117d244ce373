//! Property tests: serialization round trip, monotonicity of Deny,
//! determinism and independence of statement order.

use proptest::prelude::*;
use serde_json::{Value, json};
use tessera_policy::{
    AuthorizationRequest, Decision, DecisionEffect, Policy, PolicyKind, Principal, RequestContext,
    decide,
};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:*",
    "s3:Get*",
    "iam:*",
    "sts:AssumeRole",
    "*",
    "ec2:Describe?nstances",
    "S3:LISTBUCKET",
];
const REQ_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "iam:CreateUser",
    "sts:AssumeRole",
    "ec2:DescribeInstances",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/home/${aws:username}/*",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:s3:::other",
    "arn:aws:s3:::bucket/${*}",
];
const REQ_RESOURCES: &[&str] = &[
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::bucket/home/alice/a",
    "arn:aws:s3:::bucket/shared/x",
    "arn:aws:s3:::other",
    "arn:aws:iam::111122223333:role/admin",
    "arn:aws:s3:::bucket/*",
];

fn condition() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"StringEquals": {"aws:username": ["alice", "bob"]}})),
        Just(json!({"StringNotEquals": {"aws:PrincipalTag/team": "ops"}})),
        Just(json!({"StringLike": {"s3:prefix": "home/${aws:username}/*"}})),
        Just(json!({"Bool": {"aws:SecureTransport": true}})),
        Just(json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})),
        Just(json!({"NumericLessThan": {"s3:max-keys": 100}})),
        Just(json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}})),
        Just(json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        Just(json!({"DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}})),
        Just(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}})),
        Just(json!({"ForAnyValue:StringLike": {"aws:TagKeys": "a*"}})),
        Just(json!({"Null": {"aws:TokenIssueTime": "true"}})),
        Just(json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}})),
    ]
}

fn statement() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::sample::subsequence(ACTIONS, 1..3),
        any::<bool>(),
        proptest::sample::subsequence(RESOURCES, 1..3),
        proptest::collection::vec(condition(), 0..3),
        proptest::option::of(0u32..1000),
    )
        .prop_map(
            |(allow, not_action, actions, not_resource, resources, conds, sid)| {
                let mut st = serde_json::Map::new();
                if let Some(n) = sid {
                    st.insert("Sid".into(), json!(format!("S{n}")));
                }
                st.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));
                let action_key = if not_action { "NotAction" } else { "Action" };
                st.insert(action_key.into(), json!(actions));
                let resource_key = if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                };
                if resources.len() == 1 {
                    st.insert(resource_key.into(), json!(resources[0]));
                } else {
                    st.insert(resource_key.into(), json!(resources));
                }
                let mut condition = serde_json::Map::new();
                for c in conds {
                    if let Value::Object(m) = c {
                        for (k, v) in m {
                            condition.insert(k, v);
                        }
                    }
                }
                if !condition.is_empty() {
                    st.insert("Condition".into(), Value::Object(condition));
                }
                Value::Object(st)
            },
        )
}

/// Statements with unique Sids (IAM requires it).
fn statements() -> impl Strategy<Value = Vec<Value>> {
    proptest::collection::vec(statement(), 0..6).prop_map(|mut sts| {
        for (i, st) in sts.iter_mut().enumerate() {
            if let Some(Value::String(s)) = st.get_mut("Sid") {
                *s = format!("{s}x{i}");
            }
        }
        sts
    })
}

fn policy_from(statements: &[Value]) -> Policy {
    let doc = json!({"Version": "2012-10-17", "Statement": statements});
    let text = serde_json::to_string(&doc).expect("serializes");
    read(&text, statements.is_empty()).expect("generated policies are valid")
}

/// IAM refuses a policy without statements when it is written; one stored
/// before that rule still evaluates (granting nothing), so such a policy is
/// read as a stored one.
fn read(text: &str, empty: bool) -> Result<Policy, tessera_policy::PolicyError> {
    if empty {
        Policy::parse_stored(text, PolicyKind::managed())
    } else {
        Policy::parse(text, PolicyKind::managed())
    }
}

fn context() -> impl Strategy<Value = RequestContext> {
    (
        proptest::sample::select(REQ_ACTIONS),
        proptest::sample::select(REQ_RESOURCES),
        any::<bool>(),
        proptest::option::of(proptest::sample::select(
            &["203.0.113.9", "10.1.1.1", "2001:db8::5"][..],
        )),
        proptest::option::of(proptest::collection::vec(
            proptest::sample::select(&["a", "b", "c"][..]),
            0..3,
        )),
        proptest::option::of(proptest::sample::select(&["eng", "ops"][..])),
        any::<bool>(),
    )
        .prop_map(|(action, resource, secure, ip, tags, team, session)| {
            let p = if session {
                Principal::assumed_role(
                    "arn:aws:sts::111122223333:assumed-role/app/s",
                    "arn:aws:iam::111122223333:role/app",
                )
            } else {
                Principal::user("arn:aws:iam::111122223333:user/alice")
            }
            .expect("valid principal");
            let mut ctx = RequestContext::new(p, action, resource)
                .with_resource_account("111122223333")
                .with_key("aws:SecureTransport", secure)
                .with_key("aws:CurrentTime", "2024-05-05T10:00:00Z")
                .with_key("s3:prefix", "home/alice/x")
                .with_key("s3:max-keys", "50");
            if let Some(ip) = ip {
                ctx.set_key("aws:SourceIp", ip);
            }
            if let Some(tags) = tags {
                ctx.set_key("aws:TagKeys", tags);
            }
            if let Some(team) = team {
                ctx.set_key("aws:PrincipalTag/team", team);
            }
            ctx
        })
}

fn run(ctx: &RequestContext, identity: &[Policy], boundary: Option<&Policy>) -> Decision {
    let ids: Vec<String> = (0..identity.len()).map(|i| format!("p{i}")).collect();
    let mut req = AuthorizationRequest::new(ctx);
    for (id, p) in ids.iter().zip(identity) {
        req = req.identity(id, p);
    }
    if let Some(b) = boundary {
        req = req.boundary("boundary", b);
    }
    decide(&req)
}

fn matched_set(d: &Decision) -> Vec<String> {
    let mut v: Vec<String> = d
        .layers
        .iter()
        .flat_map(|l| l.statements.iter())
        .map(|s| format!("{}#{:?}#{}", s.policy_id, s.sid, s.effect))
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_serialize_parse_round_trip(sts in statements()) {
        let p = policy_from(&sts);
        let text = p.to_json();
        let again = read(&text, sts.is_empty()).expect("serialized policy parses");
        prop_assert_eq!(again.statements(), p.statements());
        prop_assert_eq!(again.to_json(), text.clone());
        let pretty = read(&p.to_json_pretty(), sts.is_empty()).expect("pretty parses");
        prop_assert_eq!(pretty.to_json(), text);
    }

    #[test]
    fn adding_a_deny_never_allows_more(
        sts in statements(),
        extra in statement(),
        boundary in proptest::option::of(statements()),
        ctx in context(),
    ) {
        let p = policy_from(&sts);
        let b = boundary.map(|b| policy_from(&b));
        let before = run(&ctx, std::slice::from_ref(&p), b.as_ref());

        let mut deny = extra;
        deny["Effect"] = json!("Deny");
        if let Some(Value::String(s)) = deny.get_mut("Sid") {
            *s = format!("{s}deny");
        }
        // The Deny as an extra statement of the same policy…
        let mut more = sts.clone();
        more.push(deny.clone());
        let p2 = policy_from(&more);
        let after = run(&ctx, std::slice::from_ref(&p2), b.as_ref());
        // …and as a separate policy.
        let p3 = policy_from(&[deny]);
        let after_sep = run(&ctx, &[p.clone(), p3], b.as_ref());
        for a in [&after, &after_sep] {
            if before.effect != DecisionEffect::Allow {
                prop_assert_ne!(a.effect, DecisionEffect::Allow);
            }
            if before.effect == DecisionEffect::ExplicitDeny {
                prop_assert_eq!(a.effect, DecisionEffect::ExplicitDeny);
            }
        }
    }

    #[test]
    fn evaluation_is_deterministic_and_order_independent(
        sts in statements(),
        other in statements(),
        ctx in context(),
        seed in any::<u64>(),
    ) {
        let p = policy_from(&sts);
        let q = policy_from(&other);
        let d1 = run(&ctx, &[p.clone(), q.clone()], None);
        let d2 = run(&ctx, &[p.clone(), q.clone()], None);
        prop_assert_eq!(&d1, &d2);

        // Shuffle statements inside each policy (Sids keep their identity).
        let mut shuffled = sts.clone();
        let n = shuffled.len();
        if n > 1 {
            let mut s = seed;
            for i in (1..n).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let j = (s >> 33) as usize % (i + 1);
                shuffled.swap(i, j);
            }
        }
        let ps = policy_from(&shuffled);
        let mut other_rev = other.clone();
        other_rev.reverse();
        let qr = policy_from(&other_rev);
        let d3 = run(&ctx, &[ps, qr], None);
        prop_assert_eq!(d1.effect, d3.effect);
        prop_assert_eq!(d1.reason, d3.reason);
        // Matched statements are the same set (indices move, Sids do not).
        let strip = |v: Vec<String>| v.into_iter().filter(|s| !s.contains("None")).collect::<Vec<_>>();
        prop_assert_eq!(strip(matched_set(&d1)), strip(matched_set(&d3)));
    }

    #[test]
    fn parser_never_panics_on_arbitrary_text(s in ".{0,300}") {
        let _ = Policy::parse(&s, PolicyKind::managed());
        let _ = Policy::parse(&s, PolicyKind::trust());
        let _ = Policy::parse_stored(&s, PolicyKind::session());
    }

    #[test]
    fn parser_never_panics_on_mutated_policies(sts in statements(), cut in 0usize..2000, byte in any::<u8>()) {
        let text = policy_from(&sts).to_json();
        let mut bytes = text.into_bytes();
        if !bytes.is_empty() {
            let i = cut % bytes.len();
            bytes[i] = byte;
        }
        let s = String::from_utf8_lossy(&bytes);
        let _ = Policy::parse(&s, PolicyKind::managed());
        let _ = Policy::parse_stored(&s, PolicyKind::managed());
    }
}
