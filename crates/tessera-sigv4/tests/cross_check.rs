//! Requests signed by the independent `aws-sigv4` crate must verify here, in
//! both the header and the presigned form, and any change must not.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use proptest::prelude::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tessera_sigv4::{
    AuthenticationForm, HttpRequest, SigV4Error, check_presigned_body, parse, verify,
};

#[derive(Clone)]
struct Signed {
    method: String,
    path: String,
    query: String,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

#[allow(clippy::too_many_arguments)]
fn sign_with_aws_sigv4(
    method: &str,
    path_and_query: &str,
    body: &[u8],
    extra_headers: &[(String, String)],
    secret: &str,
    token: Option<&str>,
    region: &str,
    service: &str,
    at: SystemTime,
    presigned: bool,
) -> Signed {
    sign_payload(
        method,
        path_and_query,
        body,
        SignableBody::Bytes(body),
        extra_headers,
        secret,
        token,
        region,
        service,
        at,
        presigned,
    )
}

/// Signs with `UNSIGNED-PAYLOAD` as the payload hash (botocore's presigner
/// does), sending `body` nonetheless.
fn sign_unsigned_payload(method: &str, path_and_query: &str, presigned: bool) -> Signed {
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    sign_payload(
        method,
        path_and_query,
        b"",
        SignableBody::UnsignedPayload,
        &[],
        "s3cr3t",
        None,
        "us-east-1",
        "sts",
        at,
        presigned,
    )
}

#[allow(clippy::too_many_arguments)]
fn sign_payload(
    method: &str,
    path_and_query: &str,
    body: &[u8],
    payload: SignableBody<'_>,
    extra_headers: &[(String, String)],
    secret: &str,
    token: Option<&str>,
    region: &str,
    service: &str,
    at: SystemTime,
    presigned: bool,
) -> Signed {
    let identity = Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        secret,
        token.map(str::to_string),
        None,
        "test",
    )
    .into();
    let mut settings = SigningSettings::default();
    if presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(300));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(at)
        .settings(settings)
        .build()
        .expect("params")
        .into();
    let uri = format!("http://127.0.0.1:9440{path_and_query}");
    let mut builder = http::Request::builder()
        .method(method)
        .uri(&uri)
        .header("host", "127.0.0.1:9440");
    for (k, v) in extra_headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let mut request = builder.body(body.to_vec()).expect("request");
    let header_pairs: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().expect("ascii").to_string(),
            )
        })
        .collect();
    let signable = SignableRequest::new(
        method,
        &uri,
        header_pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        payload,
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("signs").into_parts();
    instructions.apply_to_request_http1x(&mut request);
    let uri = request.uri().clone();
    Signed {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or("").to_string(),
        headers: request.headers().clone(),
        body: request.body().clone(),
    }
}

fn verify_signed(
    signed: &Signed,
    secret: &str,
) -> Result<tessera_sigv4::Authentication, SigV4Error> {
    let request = HttpRequest {
        method: &signed.method,
        path: &signed.path,
        query: &signed.query,
        headers: &signed.headers,
        body: &signed.body,
    };
    let auth = parse(&request)?.ok_or(SigV4Error::SignatureMismatch)?;
    verify(&request, &auth, secret)?;
    Ok(auth)
}

/// [`verify_signed`] as the Query protocol verifies: a presigned request's
/// body must be empty as well.
fn verify_query_api(signed: &Signed, secret: &str) -> Result<(), SigV4Error> {
    let auth = verify_signed(signed, secret)?;
    let request = HttpRequest {
        method: &signed.method,
        path: &signed.path,
        query: &signed.query,
        headers: &signed.headers,
        body: &signed.body,
    };
    check_presigned_body(&request, &auth)
}

fn form_body() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(("[A-Za-z][A-Za-z0-9.]{0,12}", "[ -~]{0,24}"), 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn header_signatures_from_aws_sigv4_verify(
        params in form_body(),
        secret in "[A-Za-z0-9/+]{40}",
        region in "(us-east-1|eu-west-3|ap-southeast-2|local)",
        service in "(sts|iam)",
        token in proptest::option::of("[A-Za-z0-9/+=]{20,80}"),
        secs in 1_400_000_000u64..2_000_000_000u64,
    ) {
        let body = serde_urlencoded_like(&params);
        let at = UNIX_EPOCH + Duration::from_secs(secs);
        let headers = vec![("content-type".to_string(), "application/x-www-form-urlencoded; charset=utf-8".to_string())];
        let signed = sign_with_aws_sigv4("POST", "/", body.as_bytes(), &headers, &secret, token.as_deref(), &region, &service, at, false);
        let auth = verify_signed(&signed, &secret).expect("verifies");
        prop_assert_eq!(auth.form, AuthenticationForm::Header);
        prop_assert_eq!(auth.scope.region, region);
        prop_assert_eq!(auth.security_token, token);

        // Any change to the body breaks the signature.
        let mut tampered = signed;
        tampered.body.push(b'x');
        prop_assert_eq!(verify_signed(&tampered, &secret).err(), Some(SigV4Error::SignatureMismatch));
    }

    #[test]
    fn presigned_urls_from_aws_sigv4_verify(
        params in form_body(),
        secret in "[A-Za-z0-9/+]{40}",
        token in proptest::option::of("[A-Za-z0-9/+=]{20,80}"),
        secs in 1_400_000_000u64..2_000_000_000u64,
        body in "[ -~]{1,64}",
    ) {
        let query = serde_urlencoded_like(&params);
        let path_and_query = if query.is_empty() { "/".to_string() } else { format!("/?{query}") };
        let at = UNIX_EPOCH + Duration::from_secs(secs);
        let signed = sign_with_aws_sigv4("GET", &path_and_query, b"", &[], &secret, token.as_deref(), "us-east-1", "sts", at, true);
        let auth = verify_signed(&signed, &secret).expect("verifies");
        prop_assert_eq!(auth.form, AuthenticationForm::Presigned { expires: 300 });
        prop_assert_eq!(auth.security_token, token);
        prop_assert_eq!(verify_signed(&signed, "another-secret").err(), Some(SigV4Error::SignatureMismatch));

        // A body is not covered by a presigned signature: refused, whatever it holds.
        let mut with_body = Signed { body: body.into_bytes(), ..signed.clone() };
        prop_assert_eq!(verify_query_api(&with_body, &secret).err(), Some(SigV4Error::SignatureMismatch));
        with_body.body.clear();
        prop_assert!(verify_query_api(&with_body, &secret).is_ok());

        let mut tampered = signed;
        tampered.query.push_str("&Extra=1");
        prop_assert_eq!(verify_signed(&tampered, &secret).err(), Some(SigV4Error::SignatureMismatch));
    }
}

#[test]
fn presigned_unsigned_payload_verifies_only_without_a_body() {
    let mut signed =
        sign_unsigned_payload("POST", "/?Action=GetSessionToken&Version=2011-06-15", true);
    verify_query_api(&signed, "s3cr3t").expect("an empty body verifies");
    signed.body = b"DurationSeconds=129600".to_vec();
    // The signature holds (UNSIGNED-PAYLOAD covers no body, as S3 uploads
    // need), but an API reading parameters from bodies must refuse it.
    verify_signed(&signed, "s3cr3t").expect("the signature itself verifies");
    assert_eq!(
        verify_query_api(&signed, "s3cr3t").err(),
        Some(SigV4Error::SignatureMismatch),
        "a body beside UNSIGNED-PAYLOAD is bytes no signature covers"
    );
}

#[test]
fn header_form_never_takes_unsigned_payload() {
    let mut signed = sign_unsigned_payload("POST", "/", false);
    signed.body = b"Action=GetSessionToken&Version=2011-06-15".to_vec();
    assert_eq!(
        verify_signed(&signed, "s3cr3t").err(),
        Some(SigV4Error::SignatureMismatch)
    );
}

/// Form-encodes pairs the way SDKs build query bodies (RFC 3986 escaping).
fn serde_urlencoded_like(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                tessera_sigv4::uri_encode(k),
                tessera_sigv4::uri_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn clock_skew_and_presigned_expiry() {
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("time");
    let signed = sign_with_aws_sigv4(
        "POST",
        "/",
        b"Action=GetCallerIdentity&Version=2011-06-15",
        &[],
        "s3cr3t",
        None,
        "us-east-1",
        "sts",
        at,
        false,
    );
    let auth = verify_signed(&signed, "s3cr3t").expect("verifies");
    auth.check_time(now).expect("on time");
    auth.check_time(now + time::Duration::minutes(15))
        .expect("edge of skew");
    assert!(matches!(
        auth.check_time(now + time::Duration::minutes(16)),
        Err(SigV4Error::SignatureExpired { .. })
    ));
    assert!(matches!(
        auth.check_time(now - time::Duration::minutes(16)),
        Err(SigV4Error::SignatureNotYetCurrent { .. })
    ));
    let message = auth
        .check_time(now + time::Duration::minutes(16))
        .expect_err("expired")
        .to_string();
    assert_eq!(
        message,
        "Signature expired: 20231114T221320Z is now earlier than 20231114T221420Z (20231114T222920Z - 15 min.)"
    );

    let presigned = sign_with_aws_sigv4(
        "GET",
        "/?Action=GetCallerIdentity&Version=2011-06-15",
        b"",
        &[],
        "s3cr3t",
        None,
        "us-east-1",
        "sts",
        at,
        true,
    );
    let auth = verify_signed(&presigned, "s3cr3t").expect("verifies");
    auth.check_time(now + time::Duration::seconds(300))
        .expect("within expiry");
    assert_eq!(
        auth.check_time(now + time::Duration::seconds(301)),
        Err(SigV4Error::PresignedExpired)
    );
}
