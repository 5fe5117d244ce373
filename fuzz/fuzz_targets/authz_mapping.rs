//! Fuzzes request mapping: arbitrary method, host, path, query and header
//! bytes mapped against an S3 profile and a routes profile. Nothing may
//! panic, and whatever maps names the service's signing name.
#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tessera_authz::{ResourceRequest, ServiceConfig, Services};

const CONFIG: &str = r#"
[[services]]
name = "s3"
kind = "s3"
hosts = ["s3.example.test", "example.test"]
owner-account = "123456789012"
buckets = { reports = "210987654321" }

[[services]]
name = "orders"
kind = "routes"
owner-account = "123456789012"
routes = [
  { method = "GET",  path = "/orders/{id}", action = "orders:GetOrder",    resource = "arn:aws:orders:{region}:{account}:order/{id}" },
  { method = "POST", path = "/orders",      action = "orders:CreateOrder", resource = "arn:aws:orders:{region}:{account}:order/*" },
  { method = "*",    path = "/orders/{id}/items/{item}/", action = "orders:TouchItem", resource = "arn:aws:orders:{region}:{account}:order/{id}/{item}" },
]
"#;

#[derive(serde::Deserialize)]
struct File {
    services: Vec<ServiceConfig>,
}

fn services() -> &'static Services {
    static SERVICES: OnceLock<Services> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let file: File = toml::from_str(CONFIG).expect("fixed configuration");
        Services::new(file.services, "aws").expect("valid configuration")
    })
}

fuzz_target!(|data: &[u8]| {
    // Fields separated by newlines: method, host, path, query, region, then
    // one `name:value` header per line.
    let mut fields = data.split(|b| *b == b'\n');
    let mut next = || String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let (method, host, path, query, region) = (next(), next(), next(), next(), next());
    let mut headers = HeaderMap::new();
    for line in fields {
        let (name, value) = match line.iter().position(|b| *b == b':') {
            Some(at) => (&line[..at], &line[at + 1..]),
            None => (line, &b""[..]),
        };
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    let request = ResourceRequest {
        method: &method,
        host: &host,
        path: &path,
        query: &query,
        headers: &headers,
        region: (!region.is_empty()).then_some(region.as_str()),
    };
    for service in ["s3", "orders"] {
        if let Ok(mapping) = services().map(service, &request) {
            assert_eq!(mapping.signing_name, service);
            assert!(!mapping.accesses.is_empty());
            for access in &mapping.accesses {
                let _ = services().owner_of(&access.resource);
                let _ = services().policy_holder(&access.resource);
            }
        }
    }
});
