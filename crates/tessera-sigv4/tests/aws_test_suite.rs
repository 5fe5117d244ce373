//! Cases from AWS's published SigV4 documentation and test suite, with the
//! well-known example key `AKIDEXAMPLE` / `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`.

use http::HeaderMap;
use tessera_sigv4::{HttpRequest, SigV4Error, canonical_request, parse, string_to_sign, verify};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            http::HeaderValue::from_str(v).expect("value"),
        );
    }
    map
}

fn authorization(scope: &str, signed: &str, signature: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{scope}, SignedHeaders={signed}, Signature={signature}"
    )
}

struct Case {
    method: &'static str,
    path: &'static str,
    query: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: &'static [u8],
    scope: &'static str,
    signed: &'static str,
    signature: &'static str,
}

fn check(case: &Case) {
    let mut pairs = case.headers.clone();
    let auth_value = authorization(case.scope, case.signed, case.signature);
    pairs.push(("authorization", auth_value.as_str()));
    let map = headers(&pairs);
    let request = HttpRequest {
        method: case.method,
        path: case.path,
        query: case.query,
        headers: &map,
        body: case.body,
    };
    let auth = parse(&request).expect("parses").expect("is signed");
    assert_eq!(auth.access_key_id, "AKIDEXAMPLE");
    verify(&request, &auth, SECRET).expect("signature verifies");
    assert_eq!(
        verify(&request, &auth, "wrong-secret"),
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn get_vanilla() {
    check(&Case {
        method: "GET",
        path: "/",
        query: "",
        headers: vec![
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
        ],
        body: b"",
        scope: "20150830/us-east-1/service/aws4_request",
        signed: "host;x-amz-date",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    });
}

#[test]
fn post_vanilla() {
    check(&Case {
        method: "POST",
        path: "/",
        query: "",
        headers: vec![
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
        ],
        body: b"",
        scope: "20150830/us-east-1/service/aws4_request",
        signed: "host;x-amz-date",
        signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    });
}

#[test]
fn get_vanilla_query_order_key_case() {
    check(&Case {
        method: "GET",
        path: "/",
        query: "Param2=value2&Param1=value1",
        headers: vec![
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
        ],
        body: b"",
        scope: "20150830/us-east-1/service/aws4_request",
        signed: "host;x-amz-date",
        signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    });
}

#[test]
fn post_x_www_form_urlencoded() {
    check(&Case {
        method: "POST",
        path: "/",
        query: "",
        headers: vec![
            ("content-type", "application/x-www-form-urlencoded"),
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
        ],
        body: b"Param1=value1",
        scope: "20150830/us-east-1/service/aws4_request",
        signed: "content-type;host;x-amz-date",
        signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    });
}

/// The IAM `ListUsers` example of AWS's "Signature Version 4 signing process"
/// documentation, with its published canonical request hash.
#[test]
fn iam_list_users_documentation_example() {
    let map = headers(&[
        (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("host", "iam.amazonaws.com"),
        ("x-amz-date", "20150830T123600Z"),
        (
            "authorization",
            &authorization(
                "20150830/us-east-1/iam/aws4_request",
                "content-type;host;x-amz-date",
                "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            ),
        ),
    ]);
    let request = HttpRequest {
        method: "GET",
        path: "/",
        query: "Action=ListUsers&Version=2010-05-08",
        headers: &map,
        body: b"",
    };
    let auth = parse(&request).expect("parses").expect("signed");
    let creq = canonical_request(&request, &auth, EMPTY_HASH);
    assert_eq!(
        creq,
        "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let sts = string_to_sign(&auth, &creq);
    assert!(sts.ends_with("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"));
    verify(&request, &auth, SECRET).expect("verifies");
}

#[test]
fn unsigned_request_is_not_authentication() {
    let map = headers(&[("host", "example.amazonaws.com")]);
    let request = HttpRequest {
        method: "GET",
        path: "/",
        query: "Action=GetCallerIdentity",
        headers: &map,
        body: b"",
    };
    assert_eq!(parse(&request), Ok(None));
}

#[test]
fn incomplete_header_is_reported() {
    let map = headers(&[
        ("host", "example.amazonaws.com"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request",
        ),
    ]);
    let request = HttpRequest {
        method: "GET",
        path: "/",
        query: "",
        headers: &map,
        body: b"",
    };
    let err = parse(&request).expect_err("incomplete");
    assert!(
        matches!(err, SigV4Error::Incomplete(ref m) if m.contains("'Signature'") && m.contains("'SignedHeaders'")),
        "{err:?}"
    );
}

#[test]
fn other_algorithm_is_refused() {
    let map = headers(&[
        ("host", "h"),
        ("x-amz-date", "20150830T123600Z"),
        (
            "authorization",
            "AWS4-HMAC-SHA512 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=00",
        ),
    ]);
    let request = HttpRequest {
        method: "GET",
        path: "/",
        query: "",
        headers: &map,
        body: b"",
    };
    assert_eq!(
        parse(&request),
        Err(SigV4Error::UnsupportedAlgorithm("AWS4-HMAC-SHA512".into()))
    );
}

#[test]
fn scope_date_must_match_request_date() {
    let map = headers(&[
        ("host", "h"),
        ("x-amz-date", "20150831T000000Z"),
        (
            "authorization",
            &authorization(
                "20150830/us-east-1/sts/aws4_request",
                "host;x-amz-date",
                &"0".repeat(64),
            ),
        ),
    ]);
    let request = HttpRequest {
        method: "GET",
        path: "/",
        query: "",
        headers: &map,
        body: b"",
    };
    assert!(matches!(parse(&request), Err(SigV4Error::BadScope(_))));
}

#[test]
fn host_must_be_signed() {
    let map = headers(&[
        ("host", "h"),
        ("x-amz-date", "20150830T123600Z"),
        (
            "authorization",
            &authorization(
                "20150830/us-east-1/sts/aws4_request",
                "x-amz-date",
                &"0".repeat(64),
            ),
        ),
    ]);
    let request = HttpRequest {
        method: "GET",
        path: "/",
        query: "",
        headers: &map,
        body: b"",
    };
    assert_eq!(parse(&request), Err(SigV4Error::SignatureMismatch));
}
