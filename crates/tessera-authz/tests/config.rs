//! The `[[authz.services]]` tables as configured, and their validation.

use serde::Deserialize;
use tessera_authz::{ConfigError, RouteConfig, RoutesConfig, S3Config, ServiceConfig, Services};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    authz: Authz,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Authz {
    services: Vec<ServiceConfig>,
}

const ISSUE_EXAMPLE: &str = r#"
[[authz.services]]
name = "s3"                      # what X-Tessera-Service / "service" names
kind = "s3"                      # the built-in S3 REST profile
hosts = ["s3.example.test"]      # virtual-hosted style under these; path-style otherwise
owner-account = "123456789012"   # owner of buckets not listed below
buckets = { reports = "210987654321" }

[[authz.services]]
name = "orders"                  # signing name and action prefix
kind = "routes"
owner-account = "123456789012"
routes = [
  { method = "GET",  path = "/orders/{id}", action = "orders:GetOrder",    resource = "arn:aws:orders:{region}:{account}:order/{id}" },
  { method = "POST", path = "/orders",      action = "orders:CreateOrder", resource = "arn:aws:orders:{region}:{account}:order/*" },
]
"#;

fn parse(text: &str) -> Result<Vec<ServiceConfig>, toml::de::Error> {
    toml::from_str::<File>(text).map(|f| f.authz.services)
}

fn route(method: &str, path: &str, action: &str, resource: &str) -> RouteConfig {
    RouteConfig {
        method: method.into(),
        path: path.into(),
        action: action.into(),
        resource: resource.into(),
    }
}

fn routes(name: &str, routes: Vec<RouteConfig>) -> ServiceConfig {
    ServiceConfig::Routes(RoutesConfig {
        name: name.into(),
        owner_account: "123456789012".into(),
        region: None,
        routes,
    })
}

fn s3(name: &str) -> S3Config {
    S3Config {
        name: name.into(),
        hosts: vec!["s3.example.test".into()],
        owner_account: "123456789012".into(),
        buckets: Default::default(),
    }
}

fn error(configs: Vec<ServiceConfig>) -> String {
    match Services::new(configs, "aws") {
        Ok(_) => panic!("accepted"),
        Err(ConfigError(message)) => message,
    }
}

#[test]
fn the_issue_example_parses() {
    let services = parse(ISSUE_EXAMPLE).expect("parses");
    assert_eq!(services.len(), 2);
    let ServiceConfig::S3(s3) = &services[0] else {
        panic!("not s3: {:?}", services[0]);
    };
    assert_eq!(s3.name, "s3");
    assert_eq!(s3.hosts, ["s3.example.test"]);
    assert_eq!(s3.owner_account, "123456789012");
    assert_eq!(
        s3.buckets.get("reports").map(String::as_str),
        Some("210987654321")
    );
    let ServiceConfig::Routes(orders) = &services[1] else {
        panic!("not routes: {:?}", services[1]);
    };
    assert_eq!(orders.name, "orders");
    assert_eq!(orders.region, None);
    assert_eq!(
        orders.routes,
        vec![
            route(
                "GET",
                "/orders/{id}",
                "orders:GetOrder",
                "arn:aws:orders:{region}:{account}:order/{id}"
            ),
            route(
                "POST",
                "/orders",
                "orders:CreateOrder",
                "arn:aws:orders:{region}:{account}:order/*"
            ),
        ]
    );
    let services = Services::new(services, "aws").expect("valid");
    assert!(!services.is_empty());
    assert_eq!(services.signing_name("s3"), Some("s3"));
    assert_eq!(services.signing_name("orders"), Some("orders"));
    assert_eq!(services.signing_name("nope"), None);
}

#[test]
fn unknown_keys_are_refused() {
    for (from, to) in [
        ("buckets = {", "bucket = {"),
        ("hosts = [", "host = ["),
        ("routes = [", "rutes = ["),
        ("{ method = \"GET\",", "{ verb = \"GET\","),
        ("kind = \"routes\"", "kind = \"routes\"\nextra = 1"),
        ("kind = \"s3\"", "kind = \"s4\""),
    ] {
        assert!(ISSUE_EXAMPLE.contains(from), "{from}");
        let text = ISSUE_EXAMPLE.replacen(from, to, 1);
        assert!(parse(&text).is_err(), "accepted with {to:?}");
    }
    assert!(
        parse(&ISSUE_EXAMPLE.replace(
            "[[authz.services]]\nname = \"orders\"",
            "[[authz.services]]\nname = \"orders\"\nregion = \"eu-west-1\""
        ))
        .is_ok()
    );
}

#[test]
fn names_and_accounts() {
    assert!(error(vec![ServiceConfig::S3(s3(""))]).contains("name"));
    assert!(error(vec![ServiceConfig::S3(s3("s 3"))]).contains("\"s 3\""));
    let mut bad = s3("store");
    bad.owner_account = "12345678901".into();
    assert!(error(vec![ServiceConfig::S3(bad)]).contains("service \"store\": owner-account"));
    let mut bad = s3("store");
    bad.buckets.insert("reports".into(), "x10987654321".into());
    assert!(error(vec![ServiceConfig::S3(bad)]).contains("bucket \"reports\""));
    let mut bad = s3("store");
    bad.buckets.insert("Reports".into(), "210987654321".into());
    assert!(error(vec![ServiceConfig::S3(bad)]).contains("not a bucket name"));
    let message = error(vec![
        ServiceConfig::S3(s3("store")),
        routes("store", vec![route("GET", "/", "store:Get", "*")]),
    ]);
    assert!(
        message.contains("two services are named \"store\""),
        "{message}"
    );
}

#[test]
fn hosts() {
    let mut upper = s3("store");
    upper.hosts = vec!["S3.Example.TEST".into()];
    assert!(Services::new(vec![ServiceConfig::S3(upper)], "aws").is_ok());
    for bad in [
        "s3.example.test:9000",
        "",
        ".example.test",
        "a..b",
        "a_b.test",
    ] {
        let mut config = s3("store");
        config.hosts = vec![bad.into()];
        let message = error(vec![ServiceConfig::S3(config)]);
        assert!(
            message.contains("service \"store\": host"),
            "{bad}: {message}"
        );
    }
}

#[test]
fn one_profile_per_arn_service() {
    let message = error(vec![ServiceConfig::S3(s3("a")), ServiceConfig::S3(s3("b"))]);
    assert!(message.contains("\"a\" and \"b\""), "{message}");
    let message = error(vec![
        ServiceConfig::S3(s3("store")),
        routes("s3", vec![route("GET", "/", "s3:Get", "*")]),
    ]);
    assert!(message.contains("arn:aws:s3:"), "{message}");
    for own in ["iam", "STS"] {
        let action = format!("{own}:GetUser");
        let message = error(vec![routes(own, vec![route("GET", "/", &action, "*")])]);
        assert!(message.contains("Tessera's own services"), "{message}");
    }
}

#[test]
fn partitions() {
    assert!(Services::new(Vec::new(), "").is_err());
    assert!(Services::new(Vec::new(), "AWS").is_err());
    let cn = routes(
        "orders",
        vec![route(
            "GET",
            "/o/{id}",
            "orders:Get",
            "arn:aws-cn:orders:{region}:{account}:o/{id}",
        )],
    );
    assert!(Services::new(vec![cn.clone()], "aws-cn").is_ok());
    assert!(error(vec![cn]).contains("arn:aws:orders:"));
}

#[test]
fn routes_are_validated() {
    let ok = "arn:aws:orders:{region}:{account}:order/{id}";
    let cases = [
        (
            route("get", "/orders/{id}", "orders:GetOrder", ok),
            "method",
        ),
        (
            route("GE T", "/orders/{id}", "orders:GetOrder", ok),
            "method",
        ),
        (route("", "/orders/{id}", "orders:GetOrder", ok), "method"),
        (
            route("GET", "orders/{id}", "orders:GetOrder", ok),
            "start with '/'",
        ),
        (
            route("GET", "/orders//{id}", "orders:GetOrder", ok),
            "empty segment",
        ),
        (
            route("GET", "/orders/x{id}", "orders:GetOrder", ok),
            "segment",
        ),
        (
            route("GET", "/orders/{id}/{id}", "orders:GetOrder", ok),
            "twice",
        ),
        (
            route("GET", "/orders/{i-d}", "orders:GetOrder", ok),
            "identifier",
        ),
        (
            route("GET", "/orders/{region}", "orders:GetOrder", ok),
            "reserved",
        ),
        (
            route("GET", "/orders/a%20b/{id}", "orders:GetOrder", ok),
            "segment",
        ),
        (route("GET", "/orders/{id}", "shop:GetOrder", ok), "action"),
        (route("GET", "/orders/{id}", "GetOrder", ok), "action"),
        (route("GET", "/orders/{id}", "orders:", ok), "action"),
        (route("GET", "/orders/{id}", "orders:Get*", ok), "action"),
        (
            route(
                "GET",
                "/orders/{id}",
                "orders:GetOrder",
                "arn:aws:orders:{region}:{account}:order/{oid}",
            ),
            "{oid}",
        ),
        (
            route(
                "GET",
                "/orders/{id}",
                "orders:GetOrder",
                "arn:aws:orders:{region}:{account}:order/{id",
            ),
            "brace",
        ),
        (
            route(
                "GET",
                "/orders/{id}",
                "orders:GetOrder",
                "arn:aws:shop:{region}:{account}:order/{id}",
            ),
            "arn:aws:orders:",
        ),
        (
            route(
                "GET",
                "/orders/{id}",
                "orders:GetOrder",
                "arn:aws:orders:{id}:{account}:order",
            ),
            "REGION",
        ),
        (
            route(
                "GET",
                "/orders/{id}",
                "orders:GetOrder",
                "arn:aws:orders:{region}:210987654321:order/{id}",
            ),
            "ACCOUNT",
        ),
        (
            route("GET", "/orders/{id}", "orders:GetOrder", "order/{id}"),
            "arn:aws:orders:",
        ),
    ];
    for (route, expect) in cases {
        let what = format!("{route:?}");
        let message = error(vec![routes("orders", vec![route])]);
        assert!(
            message.contains("service \"orders\": route 1"),
            "{what}: {message}"
        );
        assert!(message.contains(expect), "{what}: {message}");
    }
    assert!(error(vec![routes("orders", vec![])]).contains("no routes"));
    let mut bad_region = RoutesConfig {
        name: "orders".into(),
        owner_account: "123456789012".into(),
        region: Some("EU west".into()),
        routes: vec![route("GET", "/", "orders:Get", "*")],
    };
    assert!(error(vec![ServiceConfig::Routes(bad_region.clone())]).contains("region"));
    bad_region.region = Some("eu-west-1".into());
    assert!(Services::new(vec![ServiceConfig::Routes(bad_region)], "aws").is_ok());
}

#[test]
fn the_error_reads_well() {
    let error = Services::new(
        vec![routes("orders", vec![route("GET", "/", "shop:Get", "*")])],
        "aws",
    )
    .expect_err("refused");
    assert_eq!(
        error.to_string(),
        "authz.services: service \"orders\": route 1 (GET /): action \"shop:Get\" is not orders:Name (a letters-and-digits name)"
    );
}
