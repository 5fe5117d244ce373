//! Fuzzes the SigV4 presigned query form: an arbitrary query string parsed
//! through `tessera_sigv4::parse`, then the time check and verification
//! under each service's rules with a fixed secret. Nothing may panic, and
//! what parses from a request without an `Authorization` header is the
//! presigned form.
#![no_main]

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use tessera_sigv4::{
    AuthenticationForm, HttpRequest, SigningRules, check_presigned_body, parse, parse_amz_date,
    verify, verify_with,
};

/// The secret every signature is checked against (AWS's example key).
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fuzz_target!(|data: &[u8]| {
    // Lines: query, path, x-amz-content-sha256; the rest is the body.
    let mut lines = data.splitn(4, |b| *b == b'\n');
    let mut next = || lines.next().unwrap_or_default();
    let query = String::from_utf8_lossy(next()).into_owned();
    let path = String::from_utf8_lossy(next()).into_owned();
    let content_sha256 = next();
    let body = next();

    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
    if let Ok(value) = HeaderValue::from_bytes(content_sha256) {
        headers.insert("x-amz-content-sha256", value);
    }
    let request = HttpRequest {
        method: "GET",
        path: &path,
        query: &query,
        headers: &headers,
        body,
    };
    let Ok(Some(auth)) = parse(&request) else {
        return;
    };
    assert!(matches!(auth.form, AuthenticationForm::Presigned { .. }));
    let now = parse_amz_date("20150830T123600Z").expect("fixed time");
    let _ = auth.check_time(now);
    let _ = auth.check_time(auth.timestamp);
    let _ = check_presigned_body(&request, &auth);
    let _ = verify(&request, &auth, SECRET);
    for rules in [SigningRules::s3(), SigningRules::service()] {
        let _ = auth.check_time_with(now, &rules);
        let _ = verify_with(&request, &auth, SECRET, &rules);
    }
});
