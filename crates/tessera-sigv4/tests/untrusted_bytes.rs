//! Arbitrary and mutated bytes through the same path as the fuzz targets
//! `sigv4_header` and `sigv4_presigned`: the bytes are laid out as those
//! targets lay them out, parsed with [`parse`], then time-checked and
//! verified under each service's rules. Nothing may panic.

use http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
use proptest::prelude::*;
use tessera_sigv4::{
    Authentication, AuthenticationForm, CredentialScope, HttpRequest, SigningRules,
    canonical_request, check_presigned_body, parse, parse_amz_date, signature, signing_key,
    string_to_sign, verify, verify_with,
};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const AMZ_DATE: &str = "20150830T123600Z";

/// AWS's `get-vanilla` case in the header target's layout: Authorization,
/// X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256, path, query,
/// body, one a line.
fn signed_header_input() -> Vec<u8> {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\n\
         {AMZ_DATE}\n\n\n/\n\n"
    )
    .into_bytes()
}

/// A presigned GET of `/` in the presigned target's layout: query, path,
/// x-amz-content-sha256, body, one a line.
fn signed_presigned_input() -> Vec<u8> {
    let query = format!(
        "X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request\
         &X-Amz-Date={AMZ_DATE}&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
    );
    let headers = base_headers();
    let request = HttpRequest {
        method: "GET",
        path: "/",
        query: &query,
        headers: &headers,
        body: b"",
    };
    let mut auth = Authentication {
        form: AuthenticationForm::Presigned { expires: 300 },
        access_key_id: "AKIDEXAMPLE".into(),
        scope: CredentialScope {
            date: "20150830".into(),
            region: "us-east-1".into(),
            service: "service".into(),
        },
        timestamp: parse_amz_date(AMZ_DATE).expect("date"),
        amz_date: AMZ_DATE.into(),
        signed_headers: vec!["host".into()],
        signature: String::new(),
        security_token: None,
    };
    let creq = canonical_request(&request, &auth, "UNSIGNED-PAYLOAD");
    let key = signing_key(SECRET, "20150830", "us-east-1", "service");
    auth.signature = signature(&key, &string_to_sign(&auth, &creq));
    format!("{query}&X-Amz-Signature={}\n/\n\n", auth.signature).into_bytes()
}

fn base_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
    headers
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &[u8]) {
    if let Ok(value) = HeaderValue::from_bytes(value) {
        headers.insert(name, value);
    }
}

/// Parses, checks the time and verifies; returns whether the signature
/// verified under the Query-protocol rules.
fn exercise(request: &HttpRequest<'_>) -> Option<bool> {
    let auth = parse(request).ok()??;
    let now = parse_amz_date(AMZ_DATE).expect("date");
    let _ = auth.check_time(now);
    let _ = auth.check_time(auth.timestamp);
    let _ = check_presigned_body(request, &auth);
    for rules in [SigningRules::s3(), SigningRules::service()] {
        let _ = auth.check_time_with(now, &rules);
        let _ = verify_with(request, &auth, SECRET, &rules);
    }
    Some(verify(request, &auth, SECRET).is_ok())
}

/// The header target's layout.
fn header_form(data: &[u8]) -> Option<bool> {
    let mut lines = data.splitn(7, |b| *b == b'\n');
    let mut next = || lines.next().unwrap_or_default();
    let (authorization, amz_date, token, content_sha256) = (next(), next(), next(), next());
    let path = String::from_utf8_lossy(next()).into_owned();
    let query = String::from_utf8_lossy(next()).into_owned();
    let body = next();
    let mut headers = base_headers();
    insert(&mut headers, AUTHORIZATION.as_str(), authorization);
    insert(&mut headers, "x-amz-date", amz_date);
    insert(&mut headers, "x-amz-security-token", token);
    insert(&mut headers, "x-amz-content-sha256", content_sha256);
    let request = HttpRequest {
        method: "GET",
        path: &path,
        query: &query,
        headers: &headers,
        body,
    };
    if let Ok(Some(auth)) = parse(&request)
        && headers.contains_key(AUTHORIZATION)
    {
        assert_eq!(auth.form, AuthenticationForm::Header);
    }
    exercise(&request)
}

/// The presigned target's layout.
fn presigned_form(data: &[u8]) -> Option<bool> {
    let mut lines = data.splitn(4, |b| *b == b'\n');
    let mut next = || lines.next().unwrap_or_default();
    let query = String::from_utf8_lossy(next()).into_owned();
    let path = String::from_utf8_lossy(next()).into_owned();
    let content_sha256 = next();
    let body = next();
    let mut headers = base_headers();
    insert(&mut headers, "x-amz-content-sha256", content_sha256);
    let request = HttpRequest {
        method: "GET",
        path: &path,
        query: &query,
        headers: &headers,
        body,
    };
    if let Ok(Some(auth)) = parse(&request) {
        assert!(matches!(auth.form, AuthenticationForm::Presigned { .. }));
    }
    exercise(&request)
}

/// One edit of a byte string: replace, insert or delete at a position.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Delete),
    ];
    proptest::collection::vec(edit, 1..6)
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        match *edit {
            Edit::Replace(at, b) if !bytes.is_empty() => {
                let at = at % bytes.len();
                bytes[at] = b;
            }
            Edit::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Edit::Delete(at) if !bytes.is_empty() => {
                bytes.remove(at % bytes.len());
            }
            _ => {}
        }
    }
    bytes
}

#[test]
fn the_unmutated_inputs_verify() {
    assert_eq!(header_form(&signed_header_input()), Some(true));
    assert_eq!(presigned_form(&signed_presigned_input()), Some(true));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        header_form(&data);
        presigned_form(&data);
    }

    #[test]
    fn mutated_header_requests_never_panic(edits in edits()) {
        header_form(&apply(signed_header_input(), &edits));
    }

    #[test]
    fn mutated_presigned_requests_never_panic(edits in edits()) {
        presigned_form(&apply(signed_presigned_input(), &edits));
    }
}
