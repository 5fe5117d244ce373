//! Properties of the mapping: nothing panics, and the S3 profile never
//! depends on the case of header names or on the order of query
//! parameters.

use http::{HeaderMap, HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use proptest::prelude::*;
use tessera_authz::{ResourceRequest, S3Config, ServiceConfig, Services};

/// What S3 clients escape in a key: all but unreserved characters and `/`.
const KEY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'!')
    .add(b'"')
    .add(b'#')
    .add(b'$')
    .add(b'%')
    .add(b'&')
    .add(b'\'')
    .add(b'(')
    .add(b')')
    .add(b'*')
    .add(b'+')
    .add(b',')
    .add(b':')
    .add(b';')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// An S3 operation: method, whether it addresses an object, the fixed
/// query parameters, and the header names it may carry.
struct Op {
    method: &'static str,
    object: bool,
    params: &'static [(&'static str, &'static str)],
    headers: &'static [&'static str],
}

const fn op(
    method: &'static str,
    object: bool,
    params: &'static [(&'static str, &'static str)],
    headers: &'static [&'static str],
) -> Op {
    Op {
        method,
        object,
        params,
        headers,
    }
}

const OPS: &[Op] = &[
    op("GET", true, &[], &[]),
    op(
        "GET",
        true,
        &[
            ("versionId", "v1"),
            ("response-content-type", "text/plain"),
            ("x-id", "GetObject"),
        ],
        &[],
    ),
    op("HEAD", true, &[("partNumber", "1")], &[]),
    op(
        "PUT",
        true,
        &[],
        &[
            "x-amz-acl",
            "x-amz-server-side-encryption",
            "x-amz-storage-class",
            "x-amz-tagging",
            "content-type",
        ],
    ),
    op(
        "PUT",
        true,
        &[],
        &["x-amz-copy-source", "x-amz-metadata-directive", "x-amz-acl"],
    ),
    op(
        "PUT",
        true,
        &[("partNumber", "3"), ("uploadId", "up")],
        &["x-amz-copy-source", "x-amz-copy-source-range"],
    ),
    op(
        "POST",
        true,
        &[("uploads", "")],
        &["x-amz-acl", "x-amz-server-side-encryption"],
    ),
    op("POST", true, &[("uploadId", "up")], &[]),
    op("DELETE", true, &[("uploadId", "up")], &[]),
    op(
        "GET",
        true,
        &[
            ("uploadId", "up"),
            ("max-parts", "5"),
            ("part-number-marker", "2"),
        ],
        &[],
    ),
    op(
        "DELETE",
        true,
        &[("versionId", "v2")],
        &["x-amz-bypass-governance-retention"],
    ),
    op("GET", true, &[("tagging", ""), ("versionId", "v")], &[]),
    op(
        "PUT",
        true,
        &[("acl", ""), ("versionId", "v")],
        &["x-amz-acl", "x-amz-grant-read"],
    ),
    op(
        "GET",
        false,
        &[
            ("list-type", "2"),
            ("start-after", "s"),
            ("fetch-owner", "true"),
        ],
        &[],
    ),
    op(
        "GET",
        false,
        &[("marker", "m"), ("encoding-type", "url")],
        &[],
    ),
    op(
        "GET",
        false,
        &[
            ("versions", ""),
            ("key-marker", "k"),
            ("version-id-marker", "v"),
        ],
        &[],
    ),
    op("GET", false, &[("uploads", ""), ("max-uploads", "9")], &[]),
    op(
        "PUT",
        false,
        &[],
        &[
            "x-amz-acl",
            "x-amz-object-ownership",
            "x-amz-bucket-object-lock-enabled",
        ],
    ),
    op(
        "POST",
        false,
        &[("delete", "")],
        &["x-amz-bypass-governance-retention"],
    ),
    op(
        "PUT",
        false,
        &[("acl", "")],
        &["x-amz-acl", "x-amz-grant-write"],
    ),
    op("GET", false, &[("acl", ""), ("policy", "")], &[]),
    op("GET", false, &[("prefix", "a"), ("prefix", "b")], &[]),
];

fn services() -> Services {
    let config = S3Config {
        name: "s3".into(),
        hosts: vec!["s3.example.test".into()],
        owner_account: "123456789012".into(),
        buckets: [("reports".to_string(), "210987654321".to_string())]
            .into_iter()
            .collect(),
    };
    Services::new(vec![ServiceConfig::S3(config)], "aws").expect("valid")
}

/// A header value for `name`.
fn value(name: &str, key: &str) -> String {
    match name {
        "x-amz-copy-source" => format!("/reports/{}", utf8_percent_encode(key, KEY)),
        "x-amz-bypass-governance-retention" | "x-amz-bucket-object-lock-enabled" => "true".into(),
        "x-amz-copy-source-range" => "bytes=0-9".into(),
        _ => "private".into(),
    }
}

/// `name` with each letter's case flipped where `mask` says.
fn recase(name: &str, mask: &[bool]) -> String {
    name.chars()
        .zip(mask.iter().cycle())
        .map(|(c, flip)| if *flip { c.to_ascii_uppercase() } else { c })
        .collect()
}

fn headers(pairs: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("name");
        map.append(name, HeaderValue::from_str(value).expect("value"));
    }
    map
}

fn query(pairs: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, value);
    }
    out.finish()
}

/// Operation, key, virtual-hosted, listing parameters, shuffle ranks,
/// header-case mask, which headers to send.
type Case = (
    usize,
    String,
    bool,
    Vec<(String, String)>,
    Vec<usize>,
    Vec<bool>,
    Vec<bool>,
);

fn case() -> impl Strategy<Value = Case> {
    (
        0..OPS.len(),
        "[a-zA-Z0-9 +/~._*?&=%\u{e9}\u{732b}-]{1,24}",
        any::<bool>(),
        proptest::collection::vec(
            (
                prop::sample::select(vec![
                    "prefix",
                    "delimiter",
                    "max-keys",
                    "versionId",
                    "acl",
                    "foo",
                ]),
                "[a-z0-9 +/&=%]{0,6}",
            )
                .prop_map(|(n, v)| (n.to_string(), v)),
            0..3,
        ),
        proptest::collection::vec(0usize..1000, 8),
        proptest::collection::vec(any::<bool>(), 1..8),
        proptest::collection::vec(any::<bool>(), 8),
    )
}

proptest! {
    #[test]
    fn independent_of_header_case_and_query_order(
        (index, key, virtual_hosted, extra, order, mask, include) in case()
    ) {
        let op = &OPS[index];
        let mut params: Vec<(String, String)> =
            op.params.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        if !op.object && op.method == "GET" {
            params.extend(extra);
        }
        let mut shuffled: Vec<(usize, (String, String))> =
            order.iter().copied().zip(params.iter().cloned()).collect();
        shuffled.sort_by_key(|(rank, _)| *rank);
        let shuffled: Vec<(String, String)> = shuffled.into_iter().map(|(_, p)| p).collect();
        let mut shuffled_all = shuffled.clone();
        shuffled_all.extend(params.iter().skip(order.len()).cloned());

        let named: Vec<(String, String)> = op
            .headers
            .iter()
            .zip(include.iter())
            .filter(|(_, on)| **on)
            .map(|(n, _)| (n.to_string(), value(n, &key)))
            .collect();
        let recased: Vec<(String, String)> =
            named.iter().rev().map(|(n, v)| (recase(n, &mask), v.clone())).collect();

        let encoded_key = utf8_percent_encode(&key, KEY).to_string();
        let (host, path) = match (virtual_hosted, op.object) {
            (true, true) => ("photos.s3.example.test".to_string(), format!("/{encoded_key}")),
            (true, false) => ("photos.s3.example.test".to_string(), "/".to_string()),
            (false, true) => ("s3.example.test".to_string(), format!("/photos/{encoded_key}")),
            (false, false) => ("s3.example.test".to_string(), "/photos".to_string()),
        };
        let services = services();
        let (h1, h2) = (headers(&named), headers(&recased));
        let (q1, q2) = (query(&params), query(&shuffled_all));
        let one = ResourceRequest { method: op.method, host: &host, path: &path, query: &q1, headers: &h1, region: None };
        let two = ResourceRequest { query: &q2, headers: &h2, ..one };
        let upper_host = host.to_ascii_uppercase();
        let three = ResourceRequest { host: &upper_host, ..two };
        let first = services.map("s3", &one);
        // Only a bucket listing takes the random parameters; the others
        // are well-formed operations.
        if op.object || op.method != "GET" {
            prop_assert!(first.is_ok(), "{:?}", first);
        }
        prop_assert_eq!(&first, &services.map("s3", &two));
        prop_assert_eq!(&first, &services.map("s3", &three));
        if let Ok(mapping) = &first {
            prop_assert!(!mapping.accesses.is_empty());
            if op.object {
                prop_assert!(mapping.accesses[0].resource.ends_with(&key));
            }
        }
    }
}

fn routes_and_s3() -> Services {
    let orders = tessera_authz::RoutesConfig {
        name: "orders".into(),
        owner_account: "123456789012".into(),
        region: None,
        routes: vec![tessera_authz::RouteConfig {
            method: "*".into(),
            path: "/orders/{id}/{item}/".into(),
            action: "orders:Touch".into(),
            resource: "arn:aws:orders:{region}:{account}:order/{id}/{item}".into(),
        }],
    };
    let s3 = S3Config {
        name: "s3".into(),
        hosts: vec!["s3.example.test".into()],
        owner_account: "123456789012".into(),
        buckets: Default::default(),
    };
    Services::new(
        vec![ServiceConfig::S3(s3), ServiceConfig::Routes(orders)],
        "aws",
    )
    .expect("valid")
}

proptest! {
    #[test]
    fn never_panics(
        method in "(GET|PUT|POST|DELETE|HEAD|.{0,4})",
        host in "([a-z.]{0,8}\\.)?(s3\\.example\\.test)?(:[0-9]{0,5})?",
        path in "/?([a-z/%.0-9A-F]|%2[eEfF]){0,24}",
        query in "([a-zA-Z=&%.0-9-]|acl|uploadId|versionId|list-type=2){0,24}",
        header in "(x-amz-copy-source|x-amz-acl|x-amz-tagging)",
        value in "[ -~]{0,16}",
        region in proptest::option::of("[a-z0-9 -]{0,12}"),
    ) {
        let services = routes_and_s3();
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_bytes(header.as_bytes()).expect("name"), value);
        }
        let request = ResourceRequest {
            method: &method,
            host: &host,
            path: &path,
            query: &query,
            headers: &headers,
            region: region.as_deref(),
        };
        for service in ["s3", "orders"] {
            if let Ok(mapping) = services.map(service, &request) {
                prop_assert_eq!(mapping.signing_name.as_str(), service);
            }
        }
    }
}
