//! Fuzzes Query-protocol input as the server reads it: arbitrary request
//! bytes through `tessera_server::decode_request` (the signature's form
//! deciding which bytes are parameters, `Params::from_request`, the API
//! version, and the named action's input decoded by its typed members), and
//! `Params::from_request` under each body rule. Nothing may panic; a body
//! the rule does not read never changes the parameters.
#![no_main]

use http::{HeaderMap, HeaderValue, header};
use libfuzzer_sys::fuzz_target;
use tessera_server::params::{BodyRule, Params};
use tessera_sigv4::HttpRequest;

fuzz_target!(|data: &[u8]| {
    // Lines: Authorization, X-Amz-Date, Content-Type, query; the rest is
    // the body.
    let mut lines = data.splitn(5, |b| *b == b'\n');
    let mut next = || lines.next().unwrap_or_default();
    let (authorization, amz_date, content_type) = (next(), next(), next());
    let query = String::from_utf8_lossy(next()).into_owned();
    let body = next();

    let mut headers = HeaderMap::new();
    headers.insert(header::HOST, HeaderValue::from_static("sts.example.test"));
    for (name, value) in [
        (header::AUTHORIZATION.as_str(), authorization),
        ("x-amz-date", amz_date),
        (header::CONTENT_TYPE.as_str(), content_type),
    ] {
        if !value.is_empty()
            && let Ok(value) = HeaderValue::from_bytes(value)
        {
            headers.insert(name, value);
        }
    }
    let request = HttpRequest {
        method: "POST",
        path: "/",
        query: &query,
        headers: &headers,
        body,
    };
    let _ = tessera_server::decode_request(&request);

    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let query_only = Params::from_request(&query, None, b"", BodyRule::ByContentType);
    for rule in [BodyRule::ByContentType, BodyRule::AlwaysForm, BodyRule::Never] {
        let params = Params::from_request(&query, content_type, body, rule);
        if rule == BodyRule::Never || (rule == BodyRule::AlwaysForm && body.is_empty()) {
            assert_eq!(params, query_only);
        }
        let Ok(params) = params else {
            continue;
        };
        for prefix in ["PolicyArns", "Tags", "TransitiveTagKeys", "ClientIDList"] {
            let _ = params.list(prefix);
            let _ = params.structures(prefix);
        }
        let _ = params.integer("DurationSeconds", "durationSeconds", 900, 129_600);
    }
});
