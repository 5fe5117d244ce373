//! The authorizer: a second listener that lets resource servers accept
//! Tessera's credentials and enforce IAM policies, behind nginx
//! `auth_request` / Traefik / Caddy forward auth (`/forward`), Envoy's
//! ext_authz HTTP filter (`/envoy/…`), or a JSON call (`POST /v1/authorize`).
//!
//! Every call must carry the shared secret ([`AuthzSecret`]); without it
//! the answer is a bare 401, so the authorizer is never an open oracle.
//! Because the proxy is authenticated, its `X-Forwarded-For` and
//! `X-Forwarded-Proto` are believed.

mod json;
mod original;
mod secret;
mod verdict;

pub use original::{OriginalRequest, Undescribed};
pub use secret::{AuthzSecret, SECRET_HEADER, SecretError};
pub use verdict::{Outcome, Target, Verdict, authorize};

use crate::{AppState, AwsError, xml};
use axum::{
    Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{any, post},
};
use std::{future::Future, net::SocketAddr};
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;

/// The header naming the service profile.
pub const SERVICE_HEADER: &str = "x-tessera-service";
/// The largest JSON call accepted.
const MAX_JSON: usize = 256 * 1024;

#[derive(Clone, Debug)]
struct Authorizer {
    state: AppState,
    secret: AuthzSecret,
}

/// The authorizer's routes, behind the shared secret.
pub fn router(state: AppState, secret: AuthzSecret) -> Router {
    let authorizer = Authorizer { state, secret };
    let routes = Router::new()
        .route("/forward", any(forward))
        .route("/forward/{*rest}", any(forward))
        .route("/envoy", any(envoy))
        .route("/envoy/{*rest}", any(envoy))
        .route(
            "/v1/authorize",
            post(authorize_json)
                .layer(RequestBodyLimitLayer::new(MAX_JSON))
                .layer(middleware::map_response(too_large_as_json)),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            authorizer.clone(),
            require_secret,
        ))
        .with_state(authorizer);
    crate::http::with_request_ids(routes, std::convert::identity)
}

/// The body limit's bare 413 (a `Content-Length` over [`MAX_JSON`]) as the
/// JSON call's answer to any body too long.
async fn too_large_as_json(response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        axum::Json(too_large()).into_response()
    } else {
        response
    }
}

fn too_large() -> json::AnswerJson {
    error_answer(AwsError::validation(format!(
        "The request body must be at most {MAX_JSON} bytes."
    )))
}

/// Serves the authorizer on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    secret: AuthzSecret,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone(), secret);
    crate::http::serve_app(listener, app, &state, shutdown).await
}

async fn require_secret(
    State(authorizer): State<Authorizer>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(SECRET_HEADER)
        .map(HeaderValue::as_bytes);
    if authorizer.secret.matches(presented) {
        next.run(request).await
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

async fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

fn peer_of(request: &Request) -> Option<std::net::IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

fn service_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(SERVICE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
}

async fn forward(State(authorizer): State<Authorizer>, request: Request) -> Response {
    let peer = peer_of(&request);
    let original = OriginalRequest::from_forward(request.headers(), peer);
    let service = service_of(request.headers());
    let request_id = crate::http::request_id(request.headers());
    proxy_answer(&authorizer.state, &request_id, service, original).await
}

async fn envoy(State(authorizer): State<Authorizer>, request: Request) -> Response {
    let peer = peer_of(&request);
    let uri = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let uri = uri.strip_prefix("/envoy").unwrap_or(uri);
    let uri = if uri.is_empty() || uri.starts_with('?') {
        format!("/{uri}")
    } else {
        uri.to_string()
    };
    let original =
        OriginalRequest::from_envoy(request.method().as_str(), &uri, request.headers(), peer);
    let service = service_of(request.headers());
    let request_id = crate::http::request_id(request.headers());
    proxy_answer(&authorizer.state, &request_id, service, original).await
}

/// The answer to a proxy: 200 with the caller's identity, 403 for a
/// denial, 401 for unusable authentication, with AWS's XML error body.
async fn proxy_answer(
    state: &AppState,
    request_id: &str,
    service: Option<String>,
    original: Result<OriginalRequest, Undescribed>,
) -> Response {
    let described = original
        .as_ref()
        .ok()
        .map(|o| (o.source_ip, user_agent_of(&o.headers)));
    let verdict = match (&service, original) {
        (None, _) => Verdict::without_decision(
            Outcome::Refused,
            false,
            AwsError::access_denied("the proxy did not name a service (X-Tessera-Service)"),
        ),
        (Some(_), Err(Undescribed(reason))) => {
            Verdict::without_decision(Outcome::Refused, false, AwsError::access_denied(reason))
        }
        (Some(name), Ok(original)) => authorize(state, Target::Service(name), &original).await,
    };
    log_verdict(request_id, service.as_deref(), &verdict);
    if audit_verdict(state, request_id, service.as_deref(), &verdict, described)
        .await
        .is_err()
    {
        let refusal = AwsError::service_unavailable();
        return (refusal.status, xml::error("", &refusal, request_id)).into_response();
    }
    let status = match verdict.outcome {
        Outcome::Allowed => StatusCode::OK,
        Outcome::Denied | Outcome::Refused => StatusCode::FORBIDDEN,
        Outcome::Unauthenticated => StatusCode::UNAUTHORIZED,
        Outcome::Failed => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut response = match (&verdict.outcome, &verdict.error) {
        (Outcome::Allowed, _) | (_, None) => status.into_response(),
        (_, Some(error)) => {
            let body = if verdict.s3 {
                xml::s3_error(error, request_id)
            } else {
                xml::error("", error, request_id)
            };
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml"),
            );
            response
        }
    };
    let headers = response.headers_mut();
    // S3's clients read its own header; the layer sets `x-amzn-requestid`.
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amz-request-id", value);
    }
    if verdict.outcome == Outcome::Allowed
        && let Some(principal) = &verdict.principal
    {
        let tags = ascii_json(&serde_json::to_string(&principal.session_tags).unwrap_or_default());
        for (name, value) in [
            ("x-tessera-principal-arn", Some(principal.arn.clone())),
            ("x-tessera-account-id", principal.account_id.clone()),
            ("x-tessera-session-tags", Some(tags)),
        ] {
            if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                headers.insert(name, value);
            }
        }
    }
    response
}

/// JSON with every non-ASCII character escaped, fit for a header value.
fn ascii_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn log_verdict(request_id: &str, service: Option<&str>, verdict: &Verdict) {
    crate::metrics::decision(service.unwrap_or("-"), &format!("{:?}", verdict.outcome));
    let (action, resource) = verdict
        .primary
        .as_ref()
        .map(|(a, r)| (a.as_str(), r.as_str()))
        .unwrap_or(("-", "-"));
    tracing::debug!(
        request_id,
        service = service.unwrap_or("-"),
        action,
        resource,
        principal = verdict.principal.as_ref().map(|p| p.arn.as_str()).unwrap_or("-"),
        outcome = ?verdict.outcome,
        code = verdict.error.as_ref().map(|e| e.code.as_ref()).unwrap_or("-"),
        "authorizer decision"
    );
}

fn user_agent_of(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Writes the audit record of a decision, when a trail is kept; fails only
/// when the trail is required and the record was not written.
async fn audit_verdict(
    state: &AppState,
    request_id: &str,
    service: Option<&str>,
    verdict: &Verdict,
    described: Option<(Option<std::net::IpAddr>, Option<String>)>,
) -> Result<(), tessera_audit::AuditError> {
    let Some(log) = state.audit() else {
        return Ok(());
    };
    let record = crate::audit::decision_record(
        state,
        request_id,
        service,
        verdict,
        described.unwrap_or_default(),
    );
    log.record(&record).await.inspect_err(|error| {
        tracing::error!(%error, request_id, "audit record not written; decision refused");
    })
}

async fn authorize_json(State(authorizer): State<Authorizer>, request: Request) -> Response {
    let request_id = crate::http::request_id(request.headers());
    // The body limit layer ends a longer body with an error.
    let body = axum::body::to_bytes(Body::new(request.into_body()), usize::MAX).await;
    let answer = match body {
        Err(_) => too_large(),
        Ok(bytes) => json_answer(&authorizer.state, &request_id, &bytes).await,
    };
    axum::Json(answer).into_response()
}

fn error_answer(error: AwsError) -> json::AnswerJson {
    json::AnswerJson {
        decision: "Deny",
        error: Some(json::ErrorJson {
            code: error.code.to_string(),
            message: error.message,
        }),
        ..json::AnswerJson::default()
    }
}

async fn json_answer(state: &AppState, request_id: &str, body: &Bytes) -> json::AnswerJson {
    let call: json::AuthorizeJson = match serde_json::from_slice(body) {
        Ok(call) => call,
        Err(error) => {
            return error_answer(AwsError::validation(format!(
                "The request body is not a valid authorization request: {error}"
            )));
        }
    };
    let target = match (&call.service, &call.action, &call.resource) {
        (Some(service), None, None) if call.context.is_empty() => Target::Service(service),
        (None, Some(action), Some(resource)) => Target::Explicit {
            action,
            resource,
            context: &call.context,
        },
        _ => {
            return error_answer(AwsError::validation(
                "Give either service, or action and resource (with an optional context).",
            ));
        }
    };
    let original = match OriginalRequest::from_json(&call.request) {
        Ok(original) => original,
        Err(Undescribed(reason)) => return error_answer(AwsError::validation(reason)),
    };
    let verdict = authorize(state, target, &original).await;
    log_verdict(request_id, call.service.as_deref(), &verdict);
    let described = Some((original.source_ip, user_agent_of(&original.headers)));
    if audit_verdict(
        state,
        request_id,
        call.service.as_deref(),
        &verdict,
        described,
    )
    .await
    .is_err()
    {
        return error_answer(AwsError::service_unavailable());
    }
    let (action, resource) = verdict.primary.clone().unzip();
    json::AnswerJson {
        decision: if verdict.outcome == Outcome::Allowed {
            "Allow"
        } else {
            "Deny"
        },
        principal: verdict.principal,
        action,
        resource,
        checks: verdict.checks,
        matched_statements: verdict.statements,
        encoded_message: verdict.encoded_message,
        error: match verdict.outcome {
            Outcome::Allowed => None,
            _ => verdict.error.map(|e| json::ErrorJson {
                code: e.code.to_string(),
                message: e.message,
            }),
        },
    }
}
