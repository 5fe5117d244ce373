//! Fuzzes the policy parser: it must never panic, whatever the bytes; a
//! policy it accepts must serialize to text it accepts again, with the same
//! statements, and must evaluate without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_policy::{AuthorizationRequest, Policy, PolicyKind, Principal, RequestContext, decide};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in [
        PolicyKind::managed(),
        PolicyKind::trust(),
        PolicyKind::session(),
        PolicyKind::resource(),
    ] {
        let Ok(policy) = Policy::parse(text, kind) else {
            continue;
        };
        let again = Policy::parse(&policy.to_json(), kind).expect("serialized policy must parse");
        assert_eq!(again.statements(), policy.statements());

        let Ok(principal) = Principal::assumed_role(
            "arn:aws:sts::111122223333:assumed-role/r/s",
            "arn:aws:iam::111122223333:role/r",
        ) else {
            return;
        };
        let ctx = RequestContext::new(principal, "s3:GetObject", "arn:aws:s3:::b/k")
            .with_resource_account("111122223333")
            .with_key("aws:SourceIp", "203.0.113.1")
            .with_key("aws:CurrentTime", "2024-01-01T00:00:00Z")
            .with_key("aws:TagKeys", vec!["a", "b"]);
        let req = match kind {
            PolicyKind::Trust { .. } => AuthorizationRequest::new(&ctx).trust("p", &policy),
            PolicyKind::Resource { .. } => AuthorizationRequest::new(&ctx).resource("p", &policy),
            PolicyKind::Session { .. } => AuthorizationRequest::new(&ctx).session("p", &policy),
            PolicyKind::Identity { .. } => AuthorizationRequest::new(&ctx).identity("p", &policy),
        };
        let _ = decide(&req);
    }
});
