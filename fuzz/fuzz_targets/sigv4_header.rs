//! Fuzzes the SigV4 `Authorization` header form: arbitrary header values
//! parsed through `tessera_sigv4::parse`, then the time check and
//! verification under each service's rules with a fixed secret. Nothing may
//! panic, and what parses from the header is the header form.
#![no_main]

use http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
use libfuzzer_sys::fuzz_target;
use tessera_sigv4::{
    AuthenticationForm, HttpRequest, SigningRules, check_presigned_body, parse, parse_amz_date,
    verify, verify_with,
};

/// The secret every signature is checked against (AWS's example key).
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fuzz_target!(|data: &[u8]| {
    // Lines: Authorization, X-Amz-Date, X-Amz-Security-Token,
    // x-amz-content-sha256, path, query; the rest is the body.
    let mut lines = data.splitn(7, |b| *b == b'\n');
    let mut next = || lines.next().unwrap_or_default();
    let (authorization, amz_date, token, content_sha256) = (next(), next(), next(), next());
    let path = String::from_utf8_lossy(next()).into_owned();
    let query = String::from_utf8_lossy(next()).into_owned();
    let body = next();

    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
    for (name, value) in [
        (AUTHORIZATION.as_str(), authorization),
        ("x-amz-date", amz_date),
        ("x-amz-security-token", token),
        ("x-amz-content-sha256", content_sha256),
    ] {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
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
    if headers.contains_key(AUTHORIZATION) {
        assert_eq!(auth.form, AuthenticationForm::Header);
    }
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
