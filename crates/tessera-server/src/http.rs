//! The HTTP front: one listener for STS (and later IAM), AWS Query protocol
//! in, XML out, a request id on every response.

use crate::audit::Trail;
use crate::{
    AppState, AwsError, Caller, Limits, auth, iam,
    limits::RateKey,
    params::{BodyRule, Params},
    sts,
    xml::{self, IAM_NAMESPACE, STS_NAMESPACE},
};
use axum::{
    Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, Request, State},
    http::HeaderName,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};
use tessera_sigv4::HttpRequest;
use tokio::{net::TcpListener, sync::Semaphore};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
};

/// The header that carries a request's id.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");

/// The service's routes: bodies and answer times within the state's
/// [`Limits`], a request id on every response.
pub fn router(state: AppState) -> Router {
    let limits = *state.limits();
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(handle)
        .with_state(state);
    // The layers wrap the routes once, as one stack, rather than each route
    // (a layer of the router boxes every route's service and future anew).
    let limited = ServiceBuilder::new()
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .map_response(IntoResponse::into_response)
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .service(routes);
    with_request_ids(limited, move |response| {
        too_large_as_xml(response, limits.max_body_bytes)
    })
}

/// `service` behind a new id for every request (one the client sends is
/// dropped, so that logs never carry a client's choice), which every
/// response carries as its [`REQUEST_ID`] header; `finish` maps each
/// response once it carries it.
pub(crate) fn with_request_ids<S, F>(service: S, finish: F) -> Router
where
    S: tower::Service<Request, Response = Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    F: Fn(Response) -> Response + Clone + Send + Sync + 'static,
{
    let stack = ServiceBuilder::new()
        .map_request(|mut request: Request| {
            request.headers_mut().remove(REQUEST_ID);
            request
        })
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .map_response(finish)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .service(service);
    Router::new().fallback_service(stack)
}

/// The id [`with_request_ids`] gave a request.
pub(crate) fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The body limit's bare 413 (a `Content-Length` over `max_body_bytes`) as
/// AWS's XML error.
fn too_large_as_xml(response: Response, max_body_bytes: usize) -> Response {
    let declared_xml = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"text/xml");
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || declared_xml {
        return response;
    }
    let id = response.headers().get(REQUEST_ID).cloned();
    let mut answer = too_large(&request_id(response.headers()), max_body_bytes);
    answer.headers_mut().extend(id.map(|id| (REQUEST_ID, id)));
    answer
}

fn too_large(request_id: &str, max_body_bytes: usize) -> Response {
    let error = AwsError::request_entity_too_large(max_body_bytes);
    xml_response(error.status, xml::error(STS_NAMESPACE, &error, request_id))
}

/// Serves `router(state)` on `listener` over HTTP/1.1 within the state's
/// [`Limits`] until `shutdown` completes; then it stops accepting, lets
/// requests in progress finish (for at most [`Limits::shutdown_grace`]),
/// closes idle connections and returns once all are closed. Handlers see
/// the peer address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone());
    serve_app(listener, app, &state, shutdown).await
}

/// Serves `app` on `listener` as [`serve`] does, within the limits and
/// with the TLS configuration of `state`.
pub(crate) async fn serve_app(
    listener: TcpListener,
    app: Router,
    state: &AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = *state.limits();
    let tls = state.tls().cloned();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes.max(Limits::MIN_HEADER_BYTES))
        .max_header_size(limits.max_header_bytes);
    // A count other than hyper's default moves the headers to the heap.
    if limits.max_headers != Limits::MAX_HEADERS {
        http.max_headers(limits.max_headers);
    }
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A slot first, then a connection: at the limit, clients queue in
        // the backlog instead of being accepted and held.
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => permit.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let over_tls = tls.is_some();
        let service = hyper::service::service_fn(move |mut request: Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            if over_tls {
                request.extensions_mut().insert(crate::request_env::OverTls);
            }
            app.clone().oneshot(request)
        });
        let watcher = graceful.watcher();
        let http = http.clone();
        let acceptor = tls.as_ref().map(|tls| tls.acceptor());
        let handshake_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            let ended = match acceptor {
                None => {
                    watcher
                        .watch(http.serve_connection(TokioIo::new(stream), service))
                        .await
                }
                Some(acceptor) => {
                    // The handshake is bounded as the request head is.
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            watcher
                                .watch(http.serve_connection(TokioIo::new(stream), service))
                                .await
                        }
                        Ok(Err(error)) => {
                            tracing::debug!(peer = %peer, %error, "TLS handshake failed");
                            Ok(())
                        }
                        Err(_) => {
                            tracing::debug!(peer = %peer, "TLS handshake timed out");
                            Ok(())
                        }
                    }
                }
            };
            if let Err(error) = ended {
                tracing::debug!(peer = %peer, %error, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(grace = ?limits.shutdown_grace, "requests still in flight after the shutdown grace; closing their connections");
    }
    Ok(())
}

/// After a failed `accept`: a connection reset before it was accepted is
/// nothing; anything else (out of file descriptors, say) is logged and
/// accepting pauses a moment rather than spinning.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn healthz() -> &'static str {
    "ok"
}

/// How long readiness waits for the store to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Readiness, for load balancers: 200 while the store answers, with the id
/// of the key this node mints session tokens with; 503 within
/// [`READY_TIMEOUT`] while it does not. Unauthenticated; it tells nothing
/// secret.
async fn readyz(State(state): State<AppState>) -> Response {
    let token_key_id = state.keys().current().active_id().ok();
    let store_ready = match tokio::time::timeout(READY_TIMEOUT, state.store().ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            tracing::warn!(%error, "the store does not answer");
            false
        }
        Err(_) => {
            tracing::warn!("the store did not answer in time");
            false
        }
    };
    let ready = store_ready && token_key_id.is_some();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "unavailable" },
        "store": if store_ready { "ok" } else { "unavailable" },
        "token_key_id": token_key_id,
    });
    (status, axum::Json(body)).into_response()
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = std::time::Instant::now();
    let (parts, body) = request.into_parts();
    let request_id = request_id(&parts.headers);
    // The body limit layer ends a longer body with an error.
    let Ok(body) = axum::body::to_bytes(Body::new(body), usize::MAX).await else {
        return too_large(&request_id, state.limits().max_body_bytes);
    };
    let mut env = request_env_of(&state, peer, &parts.headers);
    env.secure = parts
        .extensions
        .get::<crate::request_env::OverTls>()
        .is_some();
    let mut trail = state.audit().map(|_| Trail {
        source_ip: env
            .source_ip
            .map_or_else(|| peer.ip().to_string(), |ip| ip.to_string()),
        user_agent: env.user_agent.clone(),
        ..Trail::default()
    });
    let outcome =
        crate::request_env::scope(env, process(&state, &parts, &body, trail.as_mut())).await;
    if let (Some(log), Some(trail)) = (state.audit(), trail) {
        let read_only = crate::audit::read_only(&trail.source, &trail.action);
        let answer = match &outcome {
            Ok(success) => Ok(success.result.as_slice()),
            Err(failure) => Err(&failure.error),
        };
        let record = trail.record(
            state.partition(),
            state.now().unix_timestamp(),
            &request_id,
            answer,
            read_only,
            "AwsApiCall",
        );
        if let Err(error) = log.record(&record).await {
            // A required trail that cannot be written refuses the request.
            tracing::error!(%error, request_id = %request_id, "audit record not written; request refused");
            let service = match &outcome {
                Ok(success) => success.service,
                Err(failure) => failure.service,
            };
            let refusal = AwsError::service_unavailable();
            return xml_response(
                refusal.status,
                xml::error(service.namespace(), &refusal, &request_id),
            );
        }
    }
    let (status, text, action, code) = match outcome {
        Ok(Success {
            service,
            action,
            result,
        }) => (
            StatusCode::OK,
            xml::response(&action, service.namespace(), result, &request_id),
            action,
            std::borrow::Cow::Borrowed("OK"),
        ),
        Err(Failure {
            service,
            action,
            error,
        }) => (
            error.status,
            xml::error(service.namespace(), &error, &request_id),
            action,
            error.code.clone(),
        ),
    };
    crate::metrics::request(&action, &code, started.elapsed());
    tracing::debug!(
        request_id = %request_id,
        peer = %peer.ip(),
        method = %parts.method,
        action = %action,
        status = status.as_u16(),
        "request"
    );
    xml_response(status, text)
}

/// The environment of a request from `peer` with `headers`.
fn request_env_of(
    state: &AppState,
    peer: SocketAddr,
    headers: &axum::http::HeaderMap,
) -> crate::request_env::RequestEnv {
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    crate::request_env::RequestEnv {
        source_ip: Some(crate::request_env::source_ip(
            peer.ip(),
            &forwarded,
            state.trusted_proxies(),
        )),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        secure: false,
    }
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

    /// The service's name in audit records, as CloudTrail gives it.
    fn event_source(self) -> &'static str {
        match self {
            Self::Sts => "sts.amazonaws.com",
            Self::Iam => "iam.amazonaws.com",
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

/// A failure of `action` of `service`.
fn fail(service: Service, action: &str, error: AwsError) -> Failure {
    Failure {
        service,
        action: action.to_string(),
        error,
    }
}

async fn process(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: &Bytes,
    mut trail: Option<&mut Trail>,
) -> Result<Success, Failure> {
    let query = parts.uri.query().unwrap_or("");
    let http_request = HttpRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query,
        headers: &parts.headers,
        body,
    };
    let read = read_request(&http_request);
    if let Some(trail) = trail.as_deref_mut() {
        trail.source = Service::Sts.event_source().to_string();
        trail.action = "-".to_string();
        if let Ok((service, params, authentication)) = &read {
            trail.source = service.event_source().to_string();
            trail.action = params.get("Action").unwrap_or("-").to_string();
            trail.set_parameters(params.pairs());
            if let Some(auth) = authentication {
                trail.region = Some(auth.scope.region.clone());
                trail.access_key_id = Some(auth.access_key_id.clone());
            }
            trail.recipient = params
                .get("RoleArn")
                .and_then(|arn| arn.split(':').nth(4))
                .map(str::to_string);
        }
    }
    let authenticated = match read {
        Ok((service, params, authentication)) => {
            authenticate_caller(state, &http_request, service, &params, authentication)
                .await
                .map(|(service, caller)| (service, caller, params))
        }
        Err(failure) => Err(failure),
    };
    admit(state, &authenticated)?;
    let (service, caller, params) = authenticated?;
    if let Some(trail) = trail {
        trail.source = service.event_source().to_string();
        trail.caller = caller.clone();
    }
    run_action(state, service, caller, &params).await
}

/// Spends one request of the caller's rate: an authenticated caller's by
/// its access key id, any other (unsigned, or not authenticated) by its
/// source address. A caller over its rate is refused with `Throttling`,
/// whatever else its request would have been answered.
fn admit(
    state: &AppState,
    authenticated: &Result<(Service, Option<Caller>, Params), Failure>,
) -> Result<(), Failure> {
    let Some(limiter) = state.rate_limiter() else {
        return Ok(());
    };
    let key = match authenticated {
        Ok((_, Some(caller), _)) => RateKey::AccessKey(caller.access_key_id().to_string()),
        _ => match crate::request_env::current().and_then(|env| env.source_ip) {
            Some(address) => RateKey::Address(address),
            None => return Ok(()),
        },
    };
    if limiter.admit(&key) {
        return Ok(());
    }
    let (service, action) = match authenticated {
        Ok((service, _, params)) => (*service, params.get("Action").unwrap_or("-")),
        Err(failure) => (failure.service, failure.action.as_str()),
    };
    Err(fail(service, action, AwsError::throttling()))
}

/// The request's parameters, its authentication and the API its version
/// names (STS unless it says IAM's).
fn read_request(
    request: &HttpRequest<'_>,
) -> Result<(Service, Params, Option<tessera_sigv4::Authentication>), Failure> {
    let content_type = request
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let mut service = Service::Sts;
    // How the request is signed decides which of its bytes are parameters.
    let authentication = tessera_sigv4::parse(request);
    let rule = BodyRule::of(authentication.as_ref().ok().and_then(Option::as_ref));
    let params = Params::from_request(request.query, content_type, request.body, rule)
        .map_err(|e| fail(service, "-", e))?;
    let action = params.get("Action").unwrap_or("-").to_string();
    // Unsigned requests are routed by their API version.
    if params.get("Version") == Some(iam::VERSION) {
        service = Service::Iam;
    }
    let authentication = authentication.map_err(|e| fail(service, &action, e.into()))?;
    // A presigned request's body is not signed, and no parameter comes from it.
    if let Some(auth) = &authentication {
        tessera_sigv4::check_presigned_body(request, auth)
            .map_err(|e| fail(service, &action, e.into()))?;
    }
    Ok((service, params, authentication))
}

/// Reads a Query request as the server does before authenticating it: its
/// parameters (from the bytes its signature covers), its authentication,
/// the API it is for, and the input of the action it names, decoded by that
/// action's typed members. Nothing is verified or run: this is the request
/// parsing of [`router`] alone, for fuzzing and tests.
pub fn decode_request(request: &HttpRequest<'_>) -> Result<(), AwsError> {
    let (service, params, authentication) = read_request(request).map_err(|f| f.error)?;
    let service = match &authentication {
        Some(auth) => Service::from_scope(&auth.scope.service)
            .ok_or_else(|| AwsError::wrong_signing_service(service_name(service)))?,
        None => service,
    };
    let Some(name) = params.get("Action") else {
        return Err(AwsError::missing_action());
    };
    let Some(version) = params.get("Version") else {
        return Err(AwsError::missing_parameter("Version"));
    };
    if version != service.version() {
        return Err(AwsError::invalid_action(name, version));
    }
    match service {
        Service::Sts => sts::decode_input(name, &params),
        Service::Iam => iam::decode(name, &params),
    }
    .unwrap_or_else(|| Err(AwsError::invalid_action(name, version)))
}

/// The caller of a signed request, and the API its credential scope names;
/// `None` for an unsigned call of an action AWS serves unsigned.
async fn authenticate_caller(
    state: &AppState,
    request: &HttpRequest<'_>,
    service: Service,
    params: &Params,
    authentication: Option<tessera_sigv4::Authentication>,
) -> Result<(Service, Option<Caller>), Failure> {
    let action = params.get("Action").unwrap_or("-");
    match &authentication {
        Some(auth) => {
            let signed_for = Service::from_scope(&auth.scope.service).ok_or_else(|| {
                fail(
                    service,
                    action,
                    AwsError::wrong_signing_service(service_name(service)),
                )
            })?;
            let caller = auth::authenticate(state, request, auth)
                .await
                .map_err(|e| fail(signed_for, action, e))?;
            Ok((signed_for, Some(caller)))
        }
        None if service == Service::Sts && sts::is_unsigned(action) => Ok((service, None)),
        None => Err(fail(
            service,
            action,
            AwsError::missing_authentication_token(),
        )),
    }
}

/// Checks the action and version, then runs the action.
async fn run_action(
    state: &AppState,
    service: Service,
    caller: Option<Caller>,
    params: &Params,
) -> Result<Success, Failure> {
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
            if !sts::serves(name) {
                return Err(fail(service, name, AwsError::invalid_action(name, version)));
            }
            match caller {
                _ if sts::is_unsigned(name) => sts::dispatch_unsigned(state, name, params).await,
                Some(caller) => sts::dispatch(state, &caller, name, params).await,
                None => None,
            }
            .unwrap_or_else(|| Err(AwsError::missing_authentication_token()))
        }
        Service::Iam => {
            let Some(caller) = caller else {
                return Err(fail(
                    service,
                    name,
                    AwsError::missing_authentication_token(),
                ));
            };
            iam::dispatch(state, &caller, name, params)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(query: &str, content_type: Option<&str>, body: &[u8]) -> Result<(), AwsError> {
        let mut headers = axum::http::HeaderMap::new();
        if let Some(content_type) = content_type {
            headers.insert(
                header::CONTENT_TYPE,
                content_type.parse().expect("content type"),
            );
        }
        decode_request(&HttpRequest {
            method: "POST",
            path: "/",
            query,
            headers: &headers,
            body,
        })
    }

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    #[test]
    fn decode_request_reads_the_named_actions_input() {
        let assume = "Action=AssumeRole&Version=2011-06-15\
                      &RoleArn=arn:aws:iam::111122223333:role/r&RoleSessionName=session";
        decode(assume, None, b"").expect("AssumeRole");
        decode("", FORM, assume.as_bytes()).expect("AssumeRole in the body");
        let too_short =
            decode(&format!("{assume}&DurationSeconds=10"), None, b"").expect_err("out of range");
        assert_eq!(too_short.code, "ValidationError");
        let iam = "Action=CreateUser&Version=2010-05-08&UserName=alice";
        decode(iam, None, b"").expect("CreateUser");
        assert_eq!(
            decode("Action=CreateUser&Version=2011-06-15", None, b"")
                .expect_err("not STS")
                .code,
            "InvalidAction"
        );
        assert_eq!(
            decode("Version=2011-06-15", None, b"")
                .expect_err("no action")
                .code,
            "MissingAction"
        );
        assert_eq!(
            decode("", FORM, &[0xff]).expect_err("not UTF-8").code,
            "MalformedQueryString"
        );
    }
}
