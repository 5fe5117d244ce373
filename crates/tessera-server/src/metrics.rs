//! The metrics a node reports, in Prometheus's text format on a listener
//! of their own (`--metrics-listen`), at `/metrics`. Every name starts with
//! `tessera_`; the names are stable (the README lists them).

use crate::AppState;
use axum::{Router, extract::State, http::header, response::IntoResponse, routing::get};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{future::Future, time::Duration};
use tokio::net::TcpListener;

/// Requests by action and AWS error code (`OK` for a success).
pub const REQUESTS: &str = "tessera_requests_total";
/// The time to answer a request, by action (a histogram).
pub const REQUEST_DURATION: &str = "tessera_request_duration_seconds";
/// Authorizer decisions, by service and decision.
pub const AUTHZ_DECISIONS: &str = "tessera_authz_decisions_total";
/// Temporary credentials issued, by the action that issued them.
pub const TOKENS_ISSUED: &str = "tessera_tokens_issued_total";
/// Every key of the ring, its age, by id and state.
pub const KEY_AGE: &str = "tessera_key_ring_key_age_seconds";
/// The build, as a label (the value is 1).
pub const BUILD_INFO: &str = "tessera_build_info";

/// The buckets of the latency histograms, in seconds.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the process's metrics recorder; what is recorded from then on
/// is what the handle renders.
pub fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_string()), BUCKETS)
        .and_then(|builder| builder.install_recorder())
        .map_err(|e| e.to_string())?;
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    Ok(handle)
}

/// Counts an answered API request.
pub(crate) fn request(action: &str, code: &str, took: Duration) {
    metrics::counter!(REQUESTS, "action" => action.to_string(), "code" => code.to_string())
        .increment(1);
    metrics::histogram!(REQUEST_DURATION, "action" => action.to_string())
        .record(took.as_secs_f64());
    if code == "OK"
        && matches!(
            action,
            "AssumeRole"
                | "AssumeRoleWithWebIdentity"
                | "AssumeRoleWithSAML"
                | "GetSessionToken"
                | "GetFederationToken"
        )
    {
        metrics::counter!(TOKENS_ISSUED, "kind" => action.to_string()).increment(1);
    }
}

/// Counts an authorizer decision.
pub(crate) fn decision(service: &str, decision: &str) {
    metrics::counter!(
        AUTHZ_DECISIONS,
        "service" => service.to_string(),
        "decision" => decision.to_string()
    )
    .increment(1);
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    state: AppState,
}

async fn metrics_text(State(scrape): State<Scrape>) -> impl IntoResponse {
    let now = scrape.state.now().unix_timestamp();
    let ring = scrape.state.keys().current();
    let active = ring.active_id().ok();
    for key in ring.keys() {
        let state = if Some(key.id) == active {
            "active"
        } else {
            "verifying"
        };
        metrics::gauge!(KEY_AGE, "key_id" => key.id.to_string(), "state" => state)
            .set((now - key.created_at) as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        scrape.handle.render(),
    )
}

/// Serves `/metrics` on `listener` until `shutdown`. Unauthenticated, and
/// never rate-limited: bind it where only the scraper reaches.
pub async fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(Scrape { handle, state });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
