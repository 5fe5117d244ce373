//! Runs the data-driven corpus in `tests/corpus/*.json`.
//!
//! Each file holds `{"description": …, "cases": [...]}`. A case is one of:
//! * a decision case: `principal`, `action`, `resource`, `resource_account`,
//!   `keys`, the policies (`identity`, `resource_policy` / `trust`,
//!   `boundary`, `session`) and `expect` (`Allow` / `ExplicitDeny` /
//!   `ImplicitDeny`), optionally `expect_reason` and `expect_statements`;
//! * a condition case: a `condition` block and `keys`; `expect` is `true`
//!   when the condition holds (it is wrapped in an Allow-everything
//!   identity policy);
//! * a parse case: `kind` and `document` (JSON) or `text`, with
//!   `expect_error` (`code`, `message`, optional `line`/`column`) or
//!   `expect_valid`; a valid document must also read back as a stored
//!   one ([`Policy::parse_stored`]) to the same statements, and
//!   `stored_valid` says whether a refused one still reads back (a
//!   document written before the rule that refuses it).
//!
//! Every case has a `name` and a one-line `reason` citing the AWS rule.

use serde_json::{Value, json};
use std::path::Path;
use tessera_policy::{
    AuthorizationRequest, Policy, PolicyKind, Principal, RequestContext, ResourcePolicyKind, decide,
};

const DEFAULT_USER: &str = "arn:aws:iam::111122223333:user/alice";

fn kind(name: &str) -> PolicyKind {
    match name {
        "managed" => PolicyKind::managed(),
        "inline_user" => PolicyKind::inline_user(),
        "inline_role" => PolicyKind::inline_role(),
        "inline_group" => PolicyKind::inline_group(),
        "trust" => PolicyKind::trust(),
        "session" => PolicyKind::session(),
        "boundary" => PolicyKind::permission_boundary(),
        "resource" => PolicyKind::resource(),
        other => panic!("unknown kind {other}"),
    }
}

/// A policy entry: a full document, a single statement, or {id, document}.
fn policy_entry(
    v: &Value,
    default_id: String,
    kind: PolicyKind,
) -> Result<(String, Policy), String> {
    let (id, doc) = match (v.get("id"), v.get("document")) {
        (Some(id), Some(doc)) => (id.as_str().unwrap_or_default().to_string(), doc.clone()),
        _ => (default_id, v.clone()),
    };
    let doc = if doc.get("Statement").is_some() {
        doc
    } else if doc.is_array() {
        json!({"Version": "2012-10-17", "Statement": doc})
    } else {
        json!({"Version": "2012-10-17", "Statement": [doc]})
    };
    let text = serde_json::to_string(&doc).map_err(|e| e.to_string())?;
    // Evaluation reads stored documents, which were validated when written.
    let policy =
        Policy::parse_stored(&text, kind).map_err(|e| format!("policy {id} rejected: {e}"))?;
    Ok((id, policy))
}

fn principal(v: Option<&Value>) -> Result<Principal, String> {
    let Some(v) = v else {
        return Principal::user(DEFAULT_USER).map_err(|e| e.to_string());
    };
    if let Some(arn) = v.as_str() {
        return Principal::from_arn(arn).map_err(|e| e.to_string());
    }
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let req = |k: &str| s(k).ok_or_else(|| format!("principal needs {k}"));
    let ty = req("type")?;
    let p = match ty.as_str() {
        "Root" => Principal::root(req("account")?),
        "User" => Principal::user(req("arn")?).map_err(|e| e.to_string())?,
        "AssumedRole" => {
            Principal::assumed_role(req("arn")?, req("role_arn")?).map_err(|e| e.to_string())?
        }
        "FederatedUser" => {
            Principal::federated_user(req("arn")?, s("user_arn")).map_err(|e| e.to_string())?
        }
        "WebIdentity" => Principal::web_identity(req("provider")?),
        "Saml" => Principal::saml(req("provider")?),
        "Service" => Principal::service(req("name")?),
        "Anonymous" => Principal::anonymous(),
        other => return Err(format!("unknown principal type {other}")),
    };
    Ok(p)
}

fn context(case: &Value) -> Result<RequestContext, String> {
    let p = principal(case.get("principal"))?;
    let action = case
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("s3:GetObject");
    let resource = case
        .get("resource")
        .and_then(Value::as_str)
        .unwrap_or("arn:aws:s3:::bucket/key");
    let mut ctx = RequestContext::new(p, action, resource);
    if let Some(a) = case.get("resource_account").and_then(Value::as_str) {
        ctx = ctx.with_resource_account(a);
    }
    if let Some(keys) = case.get("keys").and_then(Value::as_object) {
        for (k, v) in keys {
            match v {
                Value::String(s) => ctx.set_key(k, s.as_str()),
                Value::Bool(b) => ctx.set_key(k, *b),
                Value::Number(n) => ctx.set_key(k, n.to_string()),
                Value::Array(items) => ctx.set_key(
                    k,
                    items
                        .iter()
                        .map(|i| match i {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<String>>(),
                ),
                Value::Null => {}
                Value::Object(_) => return Err(format!("key {k}: objects not supported")),
            }
        }
    }
    Ok(ctx)
}

fn list<'a>(case: &'a Value, key: &str) -> Vec<&'a Value> {
    match case.get(key) {
        None => Vec::new(),
        Some(Value::Array(items)) if key != "trust" && key != "resource_policy" => {
            items.iter().collect()
        }
        Some(v) => vec![v],
    }
}

fn run_decision(case: &Value) -> Result<(), String> {
    let ctx = context(case)?;
    let mut identity = Vec::new();
    for (i, v) in list(case, "identity").into_iter().enumerate() {
        identity.push(policy_entry(
            v,
            format!("identity-{i}"),
            PolicyKind::managed(),
        )?);
    }
    let mut boundary = Vec::new();
    for (i, v) in list(case, "boundary").into_iter().enumerate() {
        boundary.push(policy_entry(
            v,
            format!("boundary-{i}"),
            PolicyKind::permission_boundary(),
        )?);
    }
    let mut session = Vec::new();
    for (i, v) in list(case, "session").into_iter().enumerate() {
        session.push(policy_entry(
            v,
            format!("session-{i}"),
            PolicyKind::session(),
        )?);
    }
    let resource = match (case.get("trust"), case.get("resource_policy")) {
        (Some(t), _) => Some((
            policy_entry(t, "trust".into(), PolicyKind::trust())?,
            ResourcePolicyKind::RoleTrust,
        )),
        (None, Some(r)) => Some((
            policy_entry(r, "resource".into(), PolicyKind::resource())?,
            ResourcePolicyKind::Resource,
        )),
        (None, None) => None,
    };
    let mut req = AuthorizationRequest::new(&ctx);
    for (id, p) in &identity {
        req = req.identity(id, p);
    }
    for (id, p) in &boundary {
        req = req.boundary(id, p);
    }
    for (id, p) in &session {
        req = req.session(id, p);
    }
    if let Some(((id, p), k)) = &resource {
        req = match k {
            ResourcePolicyKind::RoleTrust => req.trust(id, p),
            ResourcePolicyKind::Resource => req.resource(id, p),
        };
    }
    let d = decide(&req);
    let expect = case
        .get("expect")
        .and_then(Value::as_str)
        .ok_or("decision case needs expect")?;
    if d.effect.to_string() != expect {
        return Err(format!("expected {expect}, got {}", d.explain()));
    }
    if let Some(r) = case.get("expect_reason").and_then(Value::as_str) {
        let got = format!("{:?}", d.reason);
        if got != r {
            return Err(format!("expected reason {r}, got {got}"));
        }
    }
    if let Some(Value::Array(want)) = case.get("expect_statements") {
        let got: Vec<String> = d
            .statements
            .iter()
            .map(|s| {
                format!(
                    "{}#{}",
                    s.policy_id,
                    s.sid.clone().unwrap_or_else(|| s.index.to_string())
                )
            })
            .collect();
        let want: Vec<String> = want
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if got != want {
            return Err(format!("expected statements {want:?}, got {got:?}"));
        }
    }
    Ok(())
}

fn run_condition(case: &Value) -> Result<(), String> {
    let cond = case.get("condition").ok_or("missing condition")?;
    let version = case
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("2012-10-17");
    let doc = json!({
        "Version": version,
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": cond}]
    });
    let text = serde_json::to_string(&doc).map_err(|e| e.to_string())?;
    let policy = Policy::parse_stored(&text, PolicyKind::managed()).map_err(|e| e.to_string())?;
    let ctx = context(case)?;
    let d = decide(&AuthorizationRequest::new(&ctx).identity("p", &policy));
    let expect = case
        .get("expect")
        .and_then(Value::as_bool)
        .ok_or("condition case needs a boolean expect")?;
    if d.is_allowed() != expect {
        return Err(format!(
            "condition expected to be {expect}, decision was {}",
            d.explain()
        ));
    }
    Ok(())
}

fn run_parse(case: &Value) -> Result<(), String> {
    let k = kind(
        case.get("kind")
            .and_then(Value::as_str)
            .unwrap_or("managed"),
    );
    let text = match (case.get("text"), case.get("document")) {
        (Some(Value::String(t)), _) => t.clone(),
        (_, Some(doc)) => serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?,
        _ => return Err("parse case needs text or document".into()),
    };
    let text = expand_placeholders(&text);
    let result = Policy::parse(&text, k);
    // A document written before a rule was tightened still evaluates.
    let stored = Policy::parse_stored(&text, k);
    match case.get("stored_valid").and_then(Value::as_bool) {
        Some(true) if stored.is_err() => {
            return Err(format!(
                "a stored copy must still parse: {}",
                stored.err().map(|e| e.to_string()).unwrap_or_default()
            ));
        }
        Some(false) if stored.is_ok() => {
            return Err("a stored copy must not parse either".into());
        }
        _ => {}
    }
    if let Some(err) = case.get("expect_error") {
        let e = match result {
            Ok(_) => return Err("expected an error, the policy was accepted".into()),
            Err(e) => e,
        };
        if let Some(code) = err.get("code").and_then(Value::as_str)
            && e.code.as_str() != code
        {
            return Err(format!("expected code {code}, got {e}"));
        }
        if let Some(msg) = err.get("message").and_then(Value::as_str)
            && e.message != msg
        {
            return Err(format!("expected message {msg:?}, got {e}"));
        }
        for (field, got) in [
            ("line", e.position.map(|p| p.line)),
            ("column", e.position.map(|p| p.column)),
        ] {
            if let Some(want) = err.get(field).and_then(Value::as_u64)
                && got.map(u64::from) != Some(want)
            {
                return Err(format!("expected {field} {want}, got {e}"));
            }
        }
        Ok(())
    } else {
        let p = result.map_err(|e| format!("expected valid, got {e}"))?;
        // What may be written may be read back.
        let s = stored.map_err(|e| format!("valid, but its stored copy does not parse: {e}"))?;
        if s.statements() != p.statements() {
            return Err("the stored copy compiles to other statements".into());
        }
        // Valid documents must survive a serialize → parse round trip.
        let again = Policy::parse(&p.to_json(), k).map_err(|e| format!("round trip: {e}"))?;
        if again.statements() != p.statements() {
            return Err("round trip changed the statements".into());
        }
        Ok(())
    }
}

/// Replaces `{PAD:n}` with n letters `a` and `{WS:n}` with n spaces, so
/// size-limit cases stay short in the corpus.
fn expand_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let parsed = tail.find('}').and_then(|end| {
            let inner = &tail[1..end];
            let (tag, n) = inner.split_once(':')?;
            let n: usize = n.parse().ok()?;
            let fill = match tag {
                "PAD" => "a",
                "WS" => " ",
                _ => return None,
            };
            Some((fill.repeat(n), end + 1))
        });
        match parsed {
            Some((fill, used)) => {
                out.push_str(&fill);
                rest = &tail[used..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn corpus() {
    // Read at run time: a test binary reused from a build in another
    // checkout must still find this checkout's corpus.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let dir = Path::new(&manifest_dir).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read corpus file");
        let doc: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
        let cases = doc["cases"].as_array().expect("cases array");
        let fname = file
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        for (i, case) in cases.iter().enumerate() {
            total += 1;
            let name = case["name"].as_str().unwrap_or("?");
            let reason = case["reason"].as_str().unwrap_or("");
            if reason.is_empty() {
                failures.push(format!("{fname}[{i}] {name}: missing reason"));
                continue;
            }
            let result = if case.get("condition").is_some() {
                run_condition(case)
            } else if case.get("expect_error").is_some() || case.get("expect_valid").is_some() {
                run_parse(case)
            } else {
                run_decision(case)
            };
            if let Err(e) = result {
                failures.push(format!("{fname}[{i}] {name}: {e}\n    rule: {reason}"));
            }
        }
    }
    println!("{total} corpus cases in {} files", files.len());
    assert!(
        failures.is_empty(),
        "{} of {total} corpus cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        total >= 250,
        "the corpus must hold at least 250 cases, it has {total}"
    );
}
