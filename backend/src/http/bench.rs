//! Benchmark mode only (`MOTCUA_BENCH=1`, loopback): the yardsticks `scripts/bench.sh` compares real routes with.
//! Not in the OpenAPI document; not mounted at all outside benchmark mode.

use axum::{Json, Router, body::Body, routing::post};
use futures::StreamExt;
use serde_json::{Value, json};

use super::{AppState, error::ApiError};

/// `POST /_bench/discard` reads the whole request body through the same layers as every route (body limit,
/// time limit, request id, logging) and drops it: the upload benchmark's ceiling.
pub fn routes(config: &crate::config::Config) -> Router<AppState> {
    if !config.bench.enabled {
        return Router::new();
    }
    Router::new().route("/_bench/discard", post(discard))
}

async fn discard(body: Body) -> Result<Json<Value>, ApiError> {
    let mut stream = body.into_data_stream();
    let mut size = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::field("body", "unreadable", &e.to_string()))?;
        size += chunk.len();
    }
    Ok(Json(json!({ "size": size })))
}
