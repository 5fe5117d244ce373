//! The HTTP front: one listener for STS (and later IAM), AWS Query protocol
//! in, XML out, a request id on every response.

use crate::{
    AppState, AwsError, Caller, auth, iam,
    params::{BodyRule, Params},
    sts,
    xml::{self, IAM_NAMESPACE, STS_NAMESPACE},
};
use axum::{
    Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use std::{future::Future, net::SocketAddr, time::Duration};
use tessera_sigv4::HttpRequest;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

/// The largest request body accepted (session policies and SAML assertions
/// fit well within it).
const MAX_BODY: usize = 1024 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(handle)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

async fn healthz() -> &'static str {
    "ok"
}

fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-RequestId", value);
    }
    response
}

async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(Body::new(body), MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let error = AwsError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                format!("Request body must be at most {MAX_BODY} bytes."),
            );
            return xml_response(
                error.status,
                xml::error(STS_NAMESPACE, &error, &request_id),
                &request_id,
            );
        }
    };
    let outcome = process(&state, &parts, &body).await;
    let (status, text, action) = match outcome {
        Ok(Success {
            service,
            action,
            result,
        }) => (
            StatusCode::OK,
            xml::response(&action, service.namespace(), result, &request_id),
            action,
        ),
        Err(Failure {
            service,
            action,
            error,
        }) => (
            error.status,
            xml::error(service.namespace(), &error, &request_id),
            action,
        ),
    };
    tracing::info!(
        request_id = %request_id,
        peer = %peer.ip(),
        method = %parts.method,
        action = %action,
        status = status.as_u16(),
        "request"
    );
    xml_response(status, text, &request_id)
}

/// The two APIs one listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Sts,
    Iam,
}

impl Service {
    fn from_scope(name: &str) -> Option<Self> {
        match name {
            "sts" => Some(Self::Sts),
            "iam" => Some(Self::Iam),
            _ => None,
        }
    }

    fn namespace(self) -> &'static str {
        match self {
            Self::Sts => STS_NAMESPACE,
            Self::Iam => IAM_NAMESPACE,
        }
    }

    fn version(self) -> &'static str {
        match self {
            Self::Sts => sts::VERSION,
            Self::Iam => iam::VERSION,
        }
    }
}

struct Success {
    service: Service,
    action: String,
    result: Vec<xml::Xml>,
}

struct Failure {
    service: Service,
    action: String,
    error: AwsError,
}

async fn process(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: &Bytes,
) -> Result<Success, Failure> {
    let query = parts.uri.query().unwrap_or("");
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let mut service = Service::Sts;
    let fail = |service: Service, action: &str, error: AwsError| Failure {
        service,
        action: action.to_string(),
        error,
    };
    let http_request = HttpRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query,
        headers: &parts.headers,
        body,
    };
    // How the request is signed decides which of its bytes are parameters.
    let authentication = tessera_sigv4::parse(&http_request);
    let rule = BodyRule::of(authentication.as_ref().ok().and_then(Option::as_ref));
    let params =
        Params::from_request(query, content_type, body, rule).map_err(|e| fail(service, "-", e))?;
    let action = params.get("Action").unwrap_or("-").to_string();
    // Unsigned requests are routed by their API version.
    if params.get("Version") == Some(iam::VERSION) {
        service = Service::Iam;
    }
    let authentication = authentication.map_err(|e| fail(service, &action, e.into()))?;
    // A presigned request's body is not signed, and no parameter comes from it.
    if let Some(auth) = &authentication {
        tessera_sigv4::check_presigned_body(&http_request, auth)
            .map_err(|e| fail(service, &action, e.into()))?;
    }

    let caller: Option<Caller> = match &authentication {
        Some(auth) => {
            service = Service::from_scope(&auth.scope.service).ok_or_else(|| {
                fail(
                    service,
                    &action,
                    AwsError::new(
                        StatusCode::FORBIDDEN,
                        "SignatureDoesNotMatch",
                        format!(
                            "Credential should be scoped to correct service: '{}'.",
                            service_name(service)
                        ),
                    ),
                )
            })?;
            Some(
                auth::authenticate(state, &http_request, auth)
                    .await
                    .map_err(|e| fail(service, &action, e))?,
            )
        }
        None if service == Service::Sts && sts::Action::allows_anonymous(&action) => None,
        None => {
            return Err(fail(
                service,
                &action,
                AwsError::missing_authentication_token(),
            ));
        }
    };

    let Some(name) = params.get("Action") else {
        return Err(fail(service, "-", AwsError::missing_action()));
    };
    let Some(version) = params.get("Version") else {
        return Err(fail(service, name, AwsError::missing_parameter("Version")));
    };
    if version != service.version() {
        return Err(fail(service, name, AwsError::invalid_action(name, version)));
    }
    let result = match service {
        Service::Sts => {
            let Some(action) = sts::Action::from_name(name) else {
                return Err(fail(service, name, AwsError::invalid_action(name, version)));
            };
            match caller {
                _ if action.is_anonymous() => sts::dispatch_anonymous(state, action, &params).await,
                Some(caller) => sts::dispatch(state, &caller, action, &params).await,
                None => Err(AwsError::missing_authentication_token()),
            }
        }
        Service::Iam => {
            let Some(caller) = caller else {
                return Err(fail(
                    service,
                    name,
                    AwsError::missing_authentication_token(),
                ));
            };
            iam::dispatch(state, &caller, name, &params)
                .await
                .unwrap_or_else(|| Err(AwsError::invalid_action(name, version)))
        }
    };
    result
        .map(|result| Success {
            service,
            action: name.to_string(),
            result,
        })
        .map_err(|e| fail(service, name, e))
}

fn service_name(service: Service) -> &'static str {
    match service {
        Service::Sts => "sts",
        Service::Iam => "iam",
    }
}
