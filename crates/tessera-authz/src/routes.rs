//! The routes profile: declarative method and path templates.

use crate::config::{ConfigError, RoutesConfig, is_account_id, is_service_name};
use crate::decode::{decode, is_region_like};
use crate::mapping::{Access, MapError, Mapping, ResourceRequest, UriRule};
use crate::template::{PathTemplate, RESERVED, ResourceTemplate, Segment, split_path};
use tessera_arn::Arn;

/// The region of `{region}` for a request that is not signed.
const DEFAULT_REGION: &str = "us-east-1";

/// A validated routes profile.
#[derive(Debug, Clone)]
pub(crate) struct RoutesProfile {
    pub(crate) name: String,
    partition: String,
    owner_account: String,
    region: String,
    routes: Vec<Route>,
}

#[derive(Debug, Clone)]
struct Route {
    /// `None` for `*`.
    method: Option<String>,
    path: PathTemplate,
    action: String,
    resource: ResourceTemplate,
}

impl RoutesProfile {
    /// Validates `config`; resources must be ARNs in `partition` whose
    /// service is the profile's name, or `*`.
    pub(crate) fn new(config: RoutesConfig, partition: &str) -> Result<RoutesProfile, ConfigError> {
        let name = config.name;
        let fail = |why: String| ConfigError(format!("service {name:?}: {why}"));
        if !is_service_name(&name) {
            return Err(fail("the name must be non-empty [A-Za-z0-9._-]".into()));
        }
        // Tessera's own APIs: their actions and ARNs are not a resource
        // server's to claim (resource policies on IAM entities, say).
        if ["iam", "sts"].contains(&name.to_ascii_lowercase().as_str()) {
            return Err(fail("iam and sts are Tessera's own services".into()));
        }
        if !is_account_id(&config.owner_account) {
            return Err(fail(format!(
                "owner-account {:?} is not a 12-digit account id",
                config.owner_account
            )));
        }
        let region = config.region.unwrap_or_else(|| DEFAULT_REGION.to_string());
        if !is_region_like(&region) {
            return Err(fail(format!("region {region:?} is not a region name")));
        }
        if config.routes.is_empty() {
            return Err(fail("no routes are configured".into()));
        }
        let mut routes = Vec::new();
        for (i, route) in config.routes.into_iter().enumerate() {
            let what = format!("route {} ({} {})", i + 1, route.method, route.path);
            let route = Route::new(route, &name, &config.owner_account, partition)
                .map_err(|why| fail(format!("{what}: {why}")))?;
            routes.push(route);
        }
        Ok(RoutesProfile {
            name,
            partition: partition.to_string(),
            owner_account: config.owner_account,
            region,
            routes,
        })
    }

    /// Whether `arn` names a resource of this service.
    fn is_own(&self, arn: &str) -> bool {
        Arn::parse(arn).is_ok_and(|p| p.partition() == self.partition && p.service() == self.name)
    }

    /// The owner account of `arn`, if it is one of this service's.
    pub(crate) fn owner_of(&self, arn: &str) -> Option<&str> {
        self.is_own(arn).then_some(self.owner_account.as_str())
    }

    /// A routes resource carries its own resource policy.
    pub(crate) fn policy_holder(&self, arn: &str) -> Option<String> {
        self.is_own(arn).then(|| arn.to_string())
    }

    /// Maps a request by the first route it matches.
    pub(crate) fn map(&self, request: &ResourceRequest<'_>) -> Result<Mapping, MapError> {
        let path = RequestPath::parse(request.path)?;
        let region = match request.region {
            Some(region) if is_region_like(region) => region,
            Some(region) => {
                return Err(MapError::Unmappable(format!(
                    "{region:?} is not a region name"
                )));
            }
            None => &self.region,
        };
        for route in &self.routes {
            if route.method.as_deref().is_some_and(|m| m != request.method) {
                continue;
            }
            let Some(bound) = route.matches(&path)? else {
                continue;
            };
            let resource = route
                .resource
                .render(|name| match name {
                    "region" => Some(region),
                    "account" => Some(self.owner_account.as_str()),
                    _ => bound
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v.as_str()),
                })
                .ok_or_else(|| MapError::Unmappable("a resource placeholder is unbound".into()))?;
            return Ok(Mapping {
                accesses: vec![Access {
                    action: route.action.clone(),
                    resource,
                    resource_account: Some(self.owner_account.clone()),
                    keys: Vec::new(),
                }],
                signing_name: self.name.clone(),
                uri_rule: UriRule::Normalized,
            });
        }
        Err(MapError::Unmappable(format!(
            "no route of {:?} matches {} {}",
            self.name, request.method, request.path
        )))
    }
}

impl Route {
    fn new(
        config: crate::config::RouteConfig,
        service: &str,
        owner: &str,
        partition: &str,
    ) -> Result<Route, String> {
        let method = match config.method.as_str() {
            "*" => None,
            m if !m.is_empty()
                && m.bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_') =>
            {
                Some(m.to_string())
            }
            m => {
                return Err(format!(
                    "method {m:?} is neither an upper-case token nor '*'"
                ));
            }
        };
        let path = PathTemplate::parse(&config.path)?;
        match config.action.split_once(':') {
            Some((prefix, name))
                if prefix == service
                    && !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric()) => {}
            _ => {
                return Err(format!(
                    "action {:?} is not {service}:Name (a letters-and-digits name)",
                    config.action
                ));
            }
        }
        let resource = ResourceTemplate::parse(&config.resource)?;
        for name in resource.placeholders() {
            if !RESERVED.contains(&name) && !path.placeholders().any(|p| p == name) {
                return Err(format!(
                    "resource {:?} uses {{{name}}}, which is neither a path placeholder, {{region}} nor {{account}}",
                    config.resource
                ));
            }
        }
        check_resource_shape(&config.resource, service, owner, partition)?;
        Ok(Route {
            method,
            path,
            action: config.action,
            resource,
        })
    }

    /// The placeholders bound by `path`, `None` if it does not match, or an
    /// error when a segment spells a literal in another encoding (backends
    /// disagree on whether it matches).
    fn matches<'p>(
        &self,
        path: &'p RequestPath<'_>,
    ) -> Result<Option<Vec<(&str, &'p String)>>, MapError> {
        if path.segments.len() != self.path.segments.len()
            || path.trailing_slash != self.path.trailing_slash
        {
            return Ok(None);
        }
        let mut bound = Vec::new();
        for (segment, (raw, decoded)) in self.path.segments.iter().zip(&path.segments) {
            match segment {
                Segment::Literal(literal) if raw == literal => {}
                Segment::Literal(literal) if decoded == literal => {
                    return Err(MapError::Unmappable(format!(
                        "path segment {raw:?} spells {literal:?} percent-encoded"
                    )));
                }
                Segment::Literal(_) => return Ok(None),
                Segment::Placeholder(name) => bound.push((name.as_str(), decoded)),
            }
        }
        Ok(Some(bound))
    }
}

/// A resource template is `*` or `arn:PARTITION:SERVICE:REGION:ACCOUNT:…`
/// whose region is literal or `{region}` and whose account is empty, the
/// owner's or `{account}`: `owner_of` and `policy_holder` rely on it.
fn check_resource_shape(
    text: &str,
    service: &str,
    owner: &str,
    partition: &str,
) -> Result<(), String> {
    if text == "*" {
        return Ok(());
    }
    let fail = || {
        format!(
            "resource {text:?} must be \"*\" or arn:{partition}:{service}:REGION:ACCOUNT:RESOURCE \
             with REGION literal or {{region}} and ACCOUNT empty, {owner} or {{account}}"
        )
    };
    let parts = Arn::parse(text).map_err(|_| fail())?;
    let (region, account) = (parts.region(), parts.account());
    let region_ok = region.is_empty() || region == "{region}" || is_region_like(region);
    let account_ok = account.is_empty() || account == "{account}" || account == owner;
    if parts.partition() != partition
        || parts.service() != service
        || !region_ok
        || !account_ok
        || parts.resource().is_empty()
    {
        return Err(fail());
    }
    Ok(())
}

/// A request path split into segments, each raw and percent-decoded.
struct RequestPath<'a> {
    segments: Vec<(&'a str, String)>,
    trailing_slash: bool,
}

impl<'a> RequestPath<'a> {
    /// Splits `raw`, failing closed on anything a backend might read
    /// differently: empty segments, dot segments (raw or encoded), a
    /// segment that decodes to contain `/` or to bytes that are not UTF-8,
    /// a malformed escape.
    fn parse(raw: &'a str) -> Result<RequestPath<'a>, MapError> {
        let unmappable = |why: &str| MapError::Unmappable(format!("path {raw:?}: {why}"));
        let (raw_segments, trailing_slash) =
            split_path(raw).ok_or_else(|| unmappable("does not start with '/'"))?;
        let mut segments = Vec::new();
        for segment in raw_segments {
            if segment.is_empty() {
                return Err(unmappable("empty segment"));
            }
            let decoded = decode(segment)
                .ok_or_else(|| unmappable("a segment is not percent-encoded UTF-8"))?;
            if decoded == "." || decoded == ".." {
                return Err(unmappable("dot segment"));
            }
            if decoded.contains('/') {
                return Err(unmappable("a segment encodes '/'"));
            }
            segments.push((segment, decoded));
        }
        Ok(RequestPath {
            segments,
            trailing_slash,
        })
    }
}
