//! Fuzzes the configuration file: arbitrary bytes parsed as TOML into
//! `tessera::config::FileConfig`, then its values read as the command line
//! reads them (the SAML audiences, the trusted proxies, the store URL, the
//! listener's limits, the authorizer's service profiles), and each service built from the file
//! asked to map a request. Nothing may panic.
#![no_main]

use http::HeaderMap;
use libfuzzer_sys::fuzz_target;
use tessera::config::{FileConfig, LimitOptions, saml_audiences, trusted_proxies};
use tessera::store::StoreConfig;
use tessera_authz::{ResourceRequest, ServiceConfig};
use tessera_server::DataDir;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut file) = FileConfig::parse(text) else {
        return;
    };
    let _ = saml_audiences(Vec::new(), file.saml_audience.take());
    let _ = trusted_proxies(Vec::new(), file.trusted_proxies.take());
    let _ = StoreConfig::resolve(file.store.as_deref(), &DataDir::new("/nonexistent"));
    if let Ok(limits) = LimitOptions::default().resolve(&file) {
        assert!(limits.max_header_bytes >= tessera_server::Limits::MIN_HEADER_BYTES);
        assert!(limits.max_body_bytes >= 1 && limits.max_connections >= 1);
    }
    let names: Vec<String> = file
        .authz
        .iter()
        .flat_map(|authz| &authz.services)
        .map(|service| match service {
            ServiceConfig::S3(s3) => s3.name.clone(),
            ServiceConfig::Routes(routes) => routes.name.clone(),
        })
        .collect();
    let Ok(services) = file.authz_services() else {
        return;
    };
    let headers = HeaderMap::new();
    for (method, host, path) in [
        ("GET", "bucket.s3.example.test", "/key"),
        ("PUT", "example.test", "/bucket/a/b"),
        ("GET", "example.test", "/orders/42/items/7/"),
        ("DELETE", "example.test", "/"),
    ] {
        let request = ResourceRequest {
            method,
            host,
            path,
            query: "",
            headers: &headers,
            region: Some("us-east-1"),
        };
        for name in &names {
            if let Ok(mapping) = services.map(name, &request) {
                for access in &mapping.accesses {
                    let _ = services.owner_of(&access.resource);
                    let _ = services.policy_holder(&access.resource);
                }
            }
        }
    }
});
