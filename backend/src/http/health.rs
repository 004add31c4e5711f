//! Liveness, readiness and metrics.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

use super::{
    AppState,
    error::{ApiError, ApiResult, ErrorBody, ErrorCode, FieldError},
};
use crate::{db, telemetry};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the process answers.
    pub status: String,
    /// The server's version.
    pub version: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// `ready`.
    pub status: String,
    /// `ok`: the database answered.
    pub database: String,
    /// `ok`: every embedded migration is applied.
    pub migrations: String,
}

/// The process is up. Does not touch the database.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
}

/// How long readiness waits for the database. Without a bound the probe would wait as long as any request
/// for a pooled connection (`MOTCUA_DB_ACQUIRE_TIMEOUT_MS`, the pool retrying the connection meanwhile), so
/// while PostgreSQL is down a load balancer's probe would hang for seconds instead of hearing "not ready".
pub const READY_TIMEOUT: Duration = Duration::from_millis(800);

/// The instance can serve traffic: the database answers (within [`READY_TIMEOUT`]) and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "Not ready: `details` says which check failed", body = ErrorBody),
    ))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Readiness>> {
    let not_ready = |field: &str, code: &str, message: &str| ApiError::Client {
        code: ErrorCode::ServiceUnavailable,
        message: "not ready".into(),
        details: vec![FieldError::new(field, code, message)],
        retry_after_secs: Some(5),
    };
    match tokio::time::timeout(READY_TIMEOUT, db::migrations_applied(&state.db)).await {
        Ok(Ok(true)) => Ok(Json(Readiness { status: "ready".into(), database: "ok".into(), migrations: "ok".into() })),
        Ok(Ok(false)) => Err(not_ready("migrations", "pending", "database migrations are not applied")),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            Err(not_ready("database", "unreachable", "database did not answer"))
        }
        Err(_) => {
            tracing::warn!(timeout_ms = READY_TIMEOUT.as_millis() as u64, "readiness: database check timed out");
            Err(not_ready("database", "unreachable", "database did not answer"))
        }
    }
}

/// Prometheus metrics: request counts and latencies by route and status, database pool gauges.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let pool = &state.db;
    metrics::gauge!("db_pool_connections").set(f64::from(pool.size()));
    metrics::gauge!("db_pool_idle_connections").set(pool.num_idle() as f64);
    metrics::gauge!("db_pool_max_connections").set(f64::from(state.config.db_max_connections));
    // The national outbox: depth, age of the oldest pending message, dead letters.
    let outbox: Result<(i64, f64, i64), sqlx::Error> = sqlx::query_as(
        // Each part reads a partial index (pending / dead rows only), never the delivered history.
        "SELECT (SELECT count(*) FROM outbox WHERE status = 'pending'),
                coalesce(extract(epoch FROM now() - (SELECT min(created_at) FROM outbox WHERE status = 'pending')), 0)::float8,
                (SELECT count(*) FROM outbox WHERE status = 'dead')",
    )
    .fetch_one(&state.db)
    .await;
    if let Ok((pending, oldest, dead)) = outbox {
        metrics::gauge!("outbox_pending").set(pending as f64);
        metrics::gauge!("outbox_oldest_pending_age_seconds").set(oldest);
        metrics::gauge!("outbox_dead").set(dead as f64);
    }
    for (peer, open) in state.platform.circuits() {
        metrics::gauge!("platform_circuit_open", "peer" => peer).set(if open { 1.0 } else { 0.0 });
    }
    let body = telemetry::metrics_handle().render();
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    res
}
