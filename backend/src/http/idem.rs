//! `Idempotency-Key` for every mutating route: the header is read here, the key is claimed inside the
//! change's own transaction (`app::idempotency`), and a retry gets the first answer back unchanged.

use axum::{
    Json,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use super::{AppState, auth::Caller, error::ApiError};
use crate::app::idempotency::{self, Begun};

pub const HEADER: &str = "idempotency-key";

/// Opens the change's transaction under the caller's key, if the request carries one. `label` names the
/// operation and `request` is what makes this request this request (its body, its path ids).
pub async fn begin(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    label: &str,
    request: &[u8],
) -> Result<Begun, ApiError> {
    let key = match headers.get(HEADER) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::field("header.idempotency-key", "invalid_format", "visible ASCII only"))?,
        ),
    };
    let request = [label.as_bytes(), b"\0", request].concat();
    idempotency::begin(&state.db, &caller.key(), key, &request).await
}

/// The JSON answer (a first answer or a replayed one).
pub fn answer(status: u16, body: serde_json::Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if status == StatusCode::NO_CONTENT { status.into_response() } else { (status, Json(body)).into_response() }
}

pub fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.into()))
}
