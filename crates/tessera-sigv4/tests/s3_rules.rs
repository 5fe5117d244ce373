//! Requests that the independent `aws-sigv4` crate signs with S3's settings
//! (single encoding, no path normalisation, `x-amz-content-sha256`) or as a
//! generic service must verify under [`SigningRules::s3`] and
//! [`SigningRules::service`], and any change must not.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use proptest::prelude::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tessera_sigv4::{
    Authentication, AuthenticationForm, HttpRequest, PayloadRule, SigV4Error, SigningRules,
    declared_payload_hash, parse, uri_encode, verify, verify_with,
};
use time::OffsetDateTime;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SIGNED_AT: u64 = 1_700_000_000;
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const SEVEN_DAYS: u64 = 604_800;

#[derive(Clone)]
struct Signed {
    method: String,
    path: String,
    query: String,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Signed {
    fn request(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn set_header(&mut self, name: &'static str, value: &str) {
        self.headers.insert(
            name,
            http::HeaderValue::from_str(value).expect("header value"),
        );
    }
}

/// What to sign: the payload as `aws-sigv4` sees it, the body sent.
struct Spec<'a> {
    method: &'a str,
    path_and_query: &'a str,
    body: &'a [u8],
    payload: SignableBody<'a>,
    headers: &'a [(&'a str, &'a str)],
    service: &'a str,
    token: Option<&'a str>,
    settings: SigningSettings,
}

impl<'a> Spec<'a> {
    fn s3(method: &'a str, path_and_query: &'a str) -> Self {
        Self {
            method,
            path_and_query,
            body: b"",
            payload: SignableBody::Bytes(b""),
            headers: &[],
            service: "s3",
            token: None,
            settings: s3_settings(),
        }
    }

    fn presigned(mut self, expires: u64) -> Self {
        self.settings.signature_location = SignatureLocation::QueryParams;
        self.settings.expires_in = Some(Duration::from_secs(expires));
        self
    }

    fn sign(self) -> Signed {
        let at = UNIX_EPOCH + Duration::from_secs(SIGNED_AT);
        sign_at(self, at)
    }
}

/// The settings the AWS SDK uses for S3.
fn s3_settings() -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    settings
}

fn sign_at(spec: Spec<'_>, at: SystemTime) -> Signed {
    let identity = Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        SECRET,
        spec.token.map(str::to_string),
        None,
        "test",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(spec.service)
        .time(at)
        .settings(spec.settings)
        .build()
        .expect("params")
        .into();
    let uri = format!("http://bucket.s3.local:9000{}", spec.path_and_query);
    let mut builder = http::Request::builder()
        .method(spec.method)
        .uri(&uri)
        .header("host", "bucket.s3.local:9000");
    for (k, v) in spec.headers {
        builder = builder.header(*k, *v);
    }
    let mut request = builder.body(spec.body.to_vec()).expect("request");
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
        spec.method,
        &uri,
        header_pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        spec.payload,
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("signs").into_parts();
    instructions.apply_to_request_http1x(&mut request);
    let uri = request.uri().clone();
    Signed {
        method: spec.method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or("").to_string(),
        headers: request.headers().clone(),
        body: request.body().clone(),
    }
}

fn check(signed: &Signed, rules: &SigningRules) -> Result<Authentication, SigV4Error> {
    let request = signed.request();
    let auth = parse(&request)?.ok_or(SigV4Error::SignatureMismatch)?;
    verify_with(&request, &auth, SECRET, rules)?;
    Ok(auth)
}

/// Encodes an object key as SDKs put it in the path: each segment encoded,
/// `/` kept.
fn encode_key(key: &str) -> String {
    key.split('/').map(uri_encode).collect::<Vec<_>>().join("/")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

fn signed_at() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(SIGNED_AT as i64).expect("time")
}

#[test]
fn s3_keys_are_signed_as_sent() {
    for key in [
        "my key.txt",
        "a+b=c&d",
        "ünïcödé/ሴ/日本語",
        "dir//file",
        "./here",
        "../up",
        "a/./b/../c/",
        "trailing/",
        "~tilde*star(1)",
        "100%",
    ] {
        let path = format!("/bucket/{}", encode_key(key));
        let signed = Spec::s3("GET", &path).sign();
        let auth =
            check(&signed, &SigningRules::s3()).unwrap_or_else(|e| panic!("{key:?} verifies: {e}"));
        assert_eq!(auth.form, AuthenticationForm::Header);
        assert_eq!(declared_payload_hash(&signed.headers), Some(EMPTY_SHA256));
    }
}

#[test]
fn s3_keys_that_normalise_differently_fail_under_query_api_rules() {
    for key in ["dir//file", "./here", "a/../b", "my key"] {
        let path = format!("/bucket/{}", encode_key(key));
        let signed = Spec::s3("GET", &path).sign();
        let request = signed.request();
        let auth = parse(&request).expect("parses").expect("signed");
        assert_eq!(
            verify(&request, &auth, SECRET),
            Err(SigV4Error::SignatureMismatch),
            "{key:?}"
        );
    }
}

#[test]
fn s3_put_with_a_body_hash_verifies_without_the_body() {
    let body = b"hello, object";
    let signed = Spec {
        body,
        payload: SignableBody::Bytes(body),
        headers: &[("content-type", "text/plain"), ("x-amz-meta-owner", "ann")],
        token: Some("FwoGZXIvYXdzEXAMPLETOKEN"),
        ..Spec::s3("PUT", "/bucket/notes/today.txt")
    }
    .sign();
    let hash = sha256_hex(body);
    assert_eq!(declared_payload_hash(&signed.headers), Some(hash.as_str()));
    let auth = check(&signed, &SigningRules::s3()).expect("verifies with the body");
    assert_eq!(
        auth.security_token.as_deref(),
        Some("FwoGZXIvYXdzEXAMPLETOKEN")
    );

    // A proxy forwards no body: the header carries the signed hash.
    let without_body = Signed {
        body: Vec::new(),
        ..signed.clone()
    };
    check(&without_body, &SigningRules::s3()).expect("verifies without the body");

    // Another valid hash, a signed header changed, the path or the query changed.
    let mut tampered = signed.clone();
    tampered.set_header("x-amz-content-sha256", &sha256_hex(b"other"));
    assert_eq!(
        check(&tampered, &SigningRules::s3()).err(),
        Some(SigV4Error::SignatureMismatch)
    );
    let mut tampered = signed.clone();
    tampered.set_header("x-amz-meta-owner", "bob");
    assert_eq!(
        check(&tampered, &SigningRules::s3()).err(),
        Some(SigV4Error::SignatureMismatch)
    );
    let tampered = Signed {
        path: "/bucket/notes/Today.txt".into(),
        ..signed.clone()
    };
    assert_eq!(
        check(&tampered, &SigningRules::s3()).err(),
        Some(SigV4Error::SignatureMismatch)
    );
    let tampered = Signed {
        query: "acl".into(),
        ..signed.clone()
    };
    assert_eq!(
        check(&tampered, &SigningRules::s3()).err(),
        Some(SigV4Error::SignatureMismatch)
    );
    assert_eq!(
        {
            let request = signed.request();
            let auth = parse(&request).expect("parses").expect("signed");
            verify_with(&request, &auth, "wrong", &SigningRules::s3())
        },
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn s3_unsigned_payload_in_the_header_form() {
    let signed = Spec {
        body: b"any bytes at all",
        payload: SignableBody::UnsignedPayload,
        ..Spec::s3("PUT", "/bucket/blob")
    }
    .sign();
    assert_eq!(
        declared_payload_hash(&signed.headers),
        Some("UNSIGNED-PAYLOAD")
    );
    check(&signed, &SigningRules::s3()).expect("verifies");
}

#[test]
fn s3_streaming_seed_signatures_verify() {
    for payload in [
        SignableBody::Precomputed("STREAMING-AWS4-HMAC-SHA256-PAYLOAD".into()),
        SignableBody::Precomputed("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER".into()),
        SignableBody::StreamingUnsignedPayloadTrailer,
    ] {
        let signed = Spec {
            payload,
            headers: &[
                ("content-encoding", "aws-chunked"),
                ("x-amz-decoded-content-length", "66560"),
            ],
            ..Spec::s3("PUT", "/bucket/big%20file.bin")
        }
        .sign();
        let declared = declared_payload_hash(&signed.headers)
            .expect("declared")
            .to_string();
        assert!(declared.starts_with("STREAMING-"), "{declared}");
        check(&signed, &SigningRules::s3()).unwrap_or_else(|e| panic!("{declared}: {e}"));

        // The seed signature covers the declared form.
        let mut tampered = signed.clone();
        let other = if declared == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" {
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        } else {
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        };
        tampered.set_header("x-amz-content-sha256", other);
        assert_eq!(
            check(&tampered, &SigningRules::s3()).err(),
            Some(SigV4Error::SignatureMismatch),
            "{declared}"
        );
    }
}

#[test]
fn s3_refuses_other_content_sha256_values() {
    for value in [
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "e3b0c442",
        "unsigned-payload",
    ] {
        let signed = Spec {
            payload: SignableBody::Precomputed(value.into()),
            ..Spec::s3("PUT", "/bucket/key")
        }
        .sign();
        let error = check(&signed, &SigningRules::s3()).expect_err(value);
        assert_eq!(error, SigV4Error::InvalidContentSha256, "{value}");
        assert_eq!(
            error.to_string(),
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value."
        );
    }

    // Sent twice.
    let mut signed = Spec::s3("GET", "/bucket/key").sign();
    signed.headers.append(
        "x-amz-content-sha256",
        http::HeaderValue::from_static("UNSIGNED-PAYLOAD"),
    );
    assert_eq!(
        check(&signed, &SigningRules::s3()).err(),
        Some(SigV4Error::InvalidContentSha256)
    );
}

#[test]
fn s3_header_form_requires_content_sha256() {
    let mut settings = s3_settings();
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    let signed = Spec {
        settings,
        ..Spec::s3("GET", "/bucket/key")
    }
    .sign();
    assert_eq!(declared_payload_hash(&signed.headers), None);
    let error = check(&signed, &SigningRules::s3()).expect_err("missing header");
    assert_eq!(error, SigV4Error::MissingContentSha256);
    assert_eq!(
        error.to_string(),
        "Missing required header for this request: x-amz-content-sha256"
    );
}

#[test]
fn s3_presigned_get_lives_seven_days() {
    let signed = Spec {
        payload: SignableBody::UnsignedPayload,
        ..Spec::s3("GET", "/bucket/photos/2024/cat%20picture.jpg")
    }
    .presigned(SEVEN_DAYS)
    .sign();
    let auth = check(&signed, &SigningRules::s3()).expect("verifies");
    assert_eq!(
        auth.form,
        AuthenticationForm::Presigned {
            expires: SEVEN_DAYS as i64
        }
    );
    let now = signed_at();
    let s3 = SigningRules::s3();
    auth.check_time_with(now, &s3).expect("at signing");
    auth.check_time_with(now + time::Duration::days(6), &s3)
        .expect("at day six");
    auth.check_time_with(now + time::Duration::days(7), &s3)
        .expect("at the end");
    assert_eq!(
        auth.check_time_with(
            now + time::Duration::days(7) + time::Duration::seconds(1),
            &s3
        ),
        Err(SigV4Error::PresignedExpired)
    );
    assert!(matches!(
        auth.check_time_with(now - time::Duration::minutes(16), &s3),
        Err(SigV4Error::SignatureNotYetCurrent { .. })
    ));

    // STS's rules still cap a presigned URL at 15 minutes.
    let sts = SigningRules::query_api();
    auth.check_time_with(now + time::Duration::minutes(15), &sts)
        .expect("within 15 minutes");
    assert_eq!(
        auth.check_time_with(now + time::Duration::minutes(16), &sts),
        Err(SigV4Error::PresignedExpired)
    );
    assert_eq!(
        auth.check_time(now + time::Duration::days(6)),
        Err(SigV4Error::PresignedExpired)
    );

    // The path and the query are signed.
    let tampered = Signed {
        path: "/bucket/photos/2024/dog%20picture.jpg".into(),
        ..signed.clone()
    };
    assert_eq!(
        check(&tampered, &SigningRules::s3()).err(),
        Some(SigV4Error::SignatureMismatch)
    );
    let tampered = Signed {
        query: format!("{}&response-content-type=text%2Fhtml", signed.query),
        ..signed.clone()
    };
    assert_eq!(
        check(&tampered, &SigningRules::s3()).err(),
        Some(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn s3_presigned_put_with_a_signed_content_sha256_parameter() {
    let hash = sha256_hex(b"uploaded bytes");
    let path_and_query = format!("/bucket/upload.bin?X-Amz-Content-Sha256={hash}");
    let signed = Spec {
        payload: SignableBody::Precomputed(hash.clone()),
        ..Spec::s3("PUT", &path_and_query)
    }
    .presigned(3600)
    .sign();
    check(&signed, &SigningRules::s3()).expect("verifies with the parameter's hash");

    let tampered = Signed {
        query: signed.query.replace(&hash, &sha256_hex(b"other bytes")),
        ..signed.clone()
    };
    assert_eq!(
        check(&tampered, &SigningRules::s3()).err(),
        Some(SigV4Error::SignatureMismatch)
    );
    let invalid = Signed {
        query: signed.query.replace(&hash, "not-a-hash"),
        ..signed
    };
    assert_eq!(
        check(&invalid, &SigningRules::s3()).err(),
        Some(SigV4Error::InvalidContentSha256)
    );
}

#[test]
fn s3_presigned_signed_with_a_body_hash_does_not_verify() {
    let signed = Spec::s3("GET", "/bucket/key").presigned(300).sign();
    assert_eq!(
        check(&signed, &SigningRules::s3()).err(),
        Some(SigV4Error::SignatureMismatch),
        "S3 presigned URLs hash as UNSIGNED-PAYLOAD"
    );
}

/// A generic service's settings: double encoding, normalised paths.
fn service_spec<'a>(method: &'a str, path_and_query: &'a str) -> Spec<'a> {
    Spec {
        service: "execute-api",
        settings: SigningSettings::default(),
        ..Spec::s3(method, path_and_query)
    }
}

#[test]
fn service_rules_without_content_sha256_hash_the_empty_body() {
    let signed = service_spec("GET", "/prod/pets/../pets/my%20dog?limit=5").sign();
    assert_eq!(declared_payload_hash(&signed.headers), None);
    check(&signed, &SigningRules::service()).expect("verifies");

    // A body was signed but the proxy forwards none: no hash to go by.
    let body = br#"{"name":"rex"}"#;
    let signed = Spec {
        body,
        payload: SignableBody::Bytes(body),
        ..service_spec("POST", "/prod/pets")
    }
    .sign();
    check(&signed, &SigningRules::service()).expect("verifies with the body");
    let without_body = Signed {
        body: Vec::new(),
        ..signed
    };
    assert_eq!(
        check(&without_body, &SigningRules::service()).err(),
        Some(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn service_rules_with_content_sha256_take_the_header() {
    let body = br#"{"name":"rex"}"#;
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let signed = Spec {
        body: b"",
        payload: SignableBody::Bytes(body),
        settings,
        ..service_spec("POST", "/prod/pets")
    }
    .sign();
    let hash = sha256_hex(body);
    assert_eq!(declared_payload_hash(&signed.headers), Some(hash.as_str()));
    check(&signed, &SigningRules::service()).expect("verifies without the body");
    // The query API's rules hash the (missing) body instead.
    let request = signed.request();
    let auth = parse(&request).expect("parses").expect("signed");
    assert_eq!(
        verify(&request, &auth, SECRET),
        Err(SigV4Error::SignatureMismatch)
    );

    let mut tampered = signed;
    tampered.set_header("x-amz-content-sha256", EMPTY_SHA256);
    assert_eq!(
        check(&tampered, &SigningRules::service()).err(),
        Some(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn service_presigned_lives_its_full_expiry() {
    let signed = service_spec("GET", "/prod/reports/q3")
        .presigned(86_400)
        .sign();
    let auth = check(&signed, &SigningRules::service()).expect("verifies");
    let now = signed_at();
    auth.check_time_with(now + time::Duration::hours(23), &SigningRules::service())
        .expect("within a day");
    assert_eq!(
        auth.check_time_with(now + time::Duration::hours(25), &SigningRules::service()),
        Err(SigV4Error::PresignedExpired)
    );

    let unsigned = Spec {
        payload: SignableBody::UnsignedPayload,
        ..service_spec("GET", "/prod/reports/q3")
    }
    .presigned(300)
    .sign();
    check(&unsigned, &SigningRules::service()).expect("UNSIGNED-PAYLOAD verifies");
}

#[test]
fn a_given_payload_hash_is_used_as_is() {
    let body = b"object bytes the authorizer never sees";
    let hash = sha256_hex(body);
    let mut settings = s3_settings();
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    let signed = Spec {
        payload: SignableBody::Bytes(body),
        settings,
        ..Spec::s3("PUT", "/bucket/key")
    }
    .sign();
    let rules = SigningRules::s3().with_payload_hash(hash.clone());
    assert_eq!(rules.payload, PayloadRule::Given(hash));
    check(&signed, &rules).expect("verifies with the given hash");
    assert_eq!(
        check(&signed, &SigningRules::s3().with_payload_hash(EMPTY_SHA256)).err(),
        Some(SigV4Error::SignatureMismatch)
    );
}

fn key_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(".".to_string()),
        Just("..".to_string()),
        "[ !\"#$%&'()*+,:;=?@\\[\\]^`{|}~<>-]{1,4}",
        "\\PC{1,12}",
        "[A-Za-z0-9._-]{1,12}",
    ]
}

fn object_key() -> impl Strategy<Value = String> {
    proptest::collection::vec(key_segment(), 1..6).prop_map(|segments| segments.join("/"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn s3_rules_accept_any_key_aws_sigv4_signs(
        key in object_key(),
        presigned in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..64),
        token in proptest::option::of("[A-Za-z0-9/+=]{20,60}"),
    ) {
        let path = format!("/bucket/{}", encode_key(&key));
        let spec = Spec {
            payload: if presigned {
                SignableBody::UnsignedPayload
            } else {
                SignableBody::Bytes(&body)
            },
            token: token.as_deref(),
            ..Spec::s3("PUT", &path)
        };
        let signed = if presigned { spec.presigned(SEVEN_DAYS).sign() } else { spec.sign() };
        let verified = check(&signed, &SigningRules::s3());
        prop_assert!(verified.is_ok(), "{:?} ({}): {:?}", key, path, verified.err());

        // Another key does not verify.
        let tampered = Signed { path: format!("{path}x"), ..signed };
        prop_assert_eq!(check(&tampered, &SigningRules::s3()).err(), Some(SigV4Error::SignatureMismatch));
    }
}
