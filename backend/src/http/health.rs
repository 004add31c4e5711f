//! Liveness, readiness and metrics.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
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

/// The instance can serve traffic: the database answers and every migration is applied.
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
    match db::migrations_applied(&state.db).await {
        Ok(true) => Ok(Json(Readiness { status: "ready".into(), database: "ok".into(), migrations: "ok".into() })),
        Ok(false) => Err(not_ready("migrations", "pending", "database migrations are not applied")),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database check failed");
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
    let body = telemetry::metrics_handle().render();
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    res
}
