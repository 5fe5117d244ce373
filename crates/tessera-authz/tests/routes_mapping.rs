//! The routes profile: matching, filling the resource, failing closed.

use http::HeaderMap;
use tessera_authz::{
    Access, MapError, Mapping, ResourceRequest, RouteConfig, RoutesConfig, ServiceConfig, Services,
    UriRule,
};

fn route(method: &str, path: &str, action: &str, resource: &str) -> RouteConfig {
    RouteConfig {
        method: method.into(),
        path: path.into(),
        action: action.into(),
        resource: resource.into(),
    }
}

fn services() -> Services {
    let config = RoutesConfig {
        name: "orders".into(),
        owner_account: "123456789012".into(),
        region: None,
        routes: vec![
            route(
                "GET",
                "/orders/special",
                "orders:GetSpecial",
                "arn:aws:orders:{region}:{account}:special",
            ),
            route(
                "GET",
                "/orders/{id}",
                "orders:GetOrder",
                "arn:aws:orders:{region}:{account}:order/{id}",
            ),
            route(
                "POST",
                "/orders",
                "orders:CreateOrder",
                "arn:aws:orders:{region}:{account}:order/*",
            ),
            route(
                "*",
                "/orders/{id}/items/{item}",
                "orders:TouchItem",
                "arn:aws:orders:{region}:{account}:order/{id}/item/{item}",
            ),
            route(
                "PUT",
                "/carts/{id}/",
                "orders:PutCart",
                "arn:aws:orders:{region}::cart/{id}",
            ),
            route("GET", "/", "orders:ListOrders", "*"),
        ],
    };
    let other = RoutesConfig {
        name: "billing".into(),
        owner_account: "210987654321".into(),
        region: Some("eu-west-1".into()),
        routes: vec![route(
            "GET",
            "/bills/{id}",
            "billing:GetBill",
            "arn:aws:billing:{region}:{account}:bill/{id}",
        )],
    };
    Services::new(
        vec![ServiceConfig::Routes(config), ServiceConfig::Routes(other)],
        "aws",
    )
    .expect("valid")
}

fn map(service: &str, method: &str, path: &str, region: Option<&str>) -> Result<Mapping, MapError> {
    let headers = HeaderMap::new();
    let request = ResourceRequest {
        method,
        host: "orders.example.test",
        path,
        query: "a=1&a=2",
        headers: &headers,
        region,
    };
    services().map(service, &request)
}

fn one(service: &str, method: &str, path: &str, region: Option<&str>) -> Access {
    let mapping =
        map(service, method, path, region).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    assert_eq!(mapping.signing_name, service);
    assert_eq!(mapping.uri_rule, UriRule::Normalized);
    assert_eq!(mapping.accesses.len(), 1);
    mapping.accesses.into_iter().next().expect("one access")
}

#[test]
fn maps_matching_routes() {
    let cases = [
        (
            "GET",
            "/orders/42",
            None,
            "orders:GetOrder",
            "arn:aws:orders:us-east-1:123456789012:order/42",
        ),
        (
            "GET",
            "/orders/42",
            Some("eu-central-1"),
            "orders:GetOrder",
            "arn:aws:orders:eu-central-1:123456789012:order/42",
        ),
        (
            "GET",
            "/orders/a%20b",
            None,
            "orders:GetOrder",
            "arn:aws:orders:us-east-1:123456789012:order/a b",
        ),
        (
            "GET",
            "/orders/%E2%9C%93",
            None,
            "orders:GetOrder",
            "arn:aws:orders:us-east-1:123456789012:order/\u{2713}",
        ),
        (
            "GET",
            "/orders/a+b",
            None,
            "orders:GetOrder",
            "arn:aws:orders:us-east-1:123456789012:order/a+b",
        ),
        (
            "GET",
            "/orders/a:b",
            None,
            "orders:GetOrder",
            "arn:aws:orders:us-east-1:123456789012:order/a:b",
        ),
        (
            "GET",
            "/orders/...",
            None,
            "orders:GetOrder",
            "arn:aws:orders:us-east-1:123456789012:order/...",
        ),
        (
            "GET",
            "/orders/special",
            None,
            "orders:GetSpecial",
            "arn:aws:orders:us-east-1:123456789012:special",
        ),
        (
            "POST",
            "/orders",
            None,
            "orders:CreateOrder",
            "arn:aws:orders:us-east-1:123456789012:order/*",
        ),
        (
            "DELETE",
            "/orders/1/items/2",
            None,
            "orders:TouchItem",
            "arn:aws:orders:us-east-1:123456789012:order/1/item/2",
        ),
        (
            "PATCH",
            "/orders/1/items/x%3Fy",
            None,
            "orders:TouchItem",
            "arn:aws:orders:us-east-1:123456789012:order/1/item/x?y",
        ),
        (
            "PUT",
            "/carts/7/",
            None,
            "orders:PutCart",
            "arn:aws:orders:us-east-1::cart/7",
        ),
        ("GET", "/", None, "orders:ListOrders", "*"),
    ];
    for (method, path, region, action, resource) in cases {
        let access = one("orders", method, path, region);
        assert_eq!(access.action, action, "{method} {path}");
        assert_eq!(access.resource, resource, "{method} {path}");
        assert_eq!(access.resource_account.as_deref(), Some("123456789012"));
        assert!(access.keys.is_empty());
    }
    let bill = one("billing", "GET", "/bills/9", None);
    assert_eq!(
        bill.resource,
        "arn:aws:billing:eu-west-1:210987654321:bill/9"
    );
    assert_eq!(bill.resource_account.as_deref(), Some("210987654321"));
}

#[test]
fn fails_closed() {
    let cases = [
        ("GET", "//orders/1"),
        ("GET", "/orders//1"),
        ("GET", "/orders/1//"),
        ("GET", "/orders/1/"),
        ("PUT", "/carts/7"),
        ("GET", "/orders/."),
        ("GET", "/orders/.."),
        ("GET", "/orders/../orders/1"),
        ("GET", "/orders/./1/items/2"),
        ("GET", "/orders/%2e"),
        ("GET", "/orders/%2E%2e"),
        ("GET", "/orders/.%2E"),
        ("GET", "/orders/a%2Fb"),
        ("GET", "/orders/a%2fb"),
        ("GET", "/orders/%FF"),
        ("GET", "/orders/%C3"),
        ("GET", "/orders/%zz"),
        ("GET", "/orders/%4"),
        ("GET", "/ord%65rs/1"),
        ("GET", "/orders/speci%61l"),
        ("PUT", "/orders/1"),
        ("GET", "/orders"),
        ("get", "/orders/1"),
        ("GET", "/nothing"),
        ("GET", "orders/1"),
        ("GET", ""),
    ];
    for (method, path) in cases {
        match map("orders", method, path, None) {
            Err(MapError::Unmappable(_)) => {}
            other => panic!("{method} {path:?}: {other:?}"),
        }
    }
    assert!(matches!(
        map("orders", "GET", "/orders/1", Some("EU west")),
        Err(MapError::Unmappable(_))
    ));
    assert_eq!(
        map("shop", "GET", "/orders/1", None),
        Err(MapError::UnknownService("shop".into()))
    );
}

#[test]
fn ownership_and_policy_holders() {
    let services = services();
    let order = "arn:aws:orders:us-east-1:123456789012:order/42";
    assert_eq!(services.owner_of(order), Some("123456789012"));
    assert_eq!(services.policy_holder(order).as_deref(), Some(order));
    assert_eq!(
        services.owner_of("arn:aws:billing:eu-west-1:210987654321:bill/1"),
        Some("210987654321")
    );
    for foreign in [
        "arn:aws:shop:us-east-1:123456789012:order/42",
        "arn:aws-cn:orders:cn-north-1:123456789012:order/1",
        "*",
        "orders",
    ] {
        assert_eq!(services.owner_of(foreign), None, "{foreign}");
        assert_eq!(services.policy_holder(foreign), None, "{foreign}");
    }
}
