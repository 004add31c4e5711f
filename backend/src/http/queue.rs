//! Work queues (staff) and "my dossiers" (citizens).

use axum::{Json, extract::State};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    AppState,
    auth::Caller,
    error::{ApiQuery, ApiResult, ErrorBody},
};
use crate::app::queue::{self, Page, QueueCount, QueueQuery};

/// Lists dossiers for staff: a named queue or all at my units, with filters, search by code or applicant
/// name (without diacritics) and keyset paging (`next` → `after`).
#[utoipa::path(get, path = "/api/v1/dossiers", operation_id = "list_dossiers", tag = "queues", params(QueueQuery),
    responses(
        (status = 200, body = Page),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<Page>> {
    Ok(Json(queue::list(&state.db, &caller, &q).await?))
}

/// How many dossiers each of my queues holds (counts stop at 10 000: `capped`).
#[utoipa::path(get, path = "/api/v1/queues", tag = "queues",
    responses((status = 200, body = Vec<QueueCount>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn counts(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<QueueCount>>> {
    Ok(Json(queue::counts(&state.db, &caller).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MineQuery {
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The signed-in citizen's own dossiers, newest first.
#[utoipa::path(get, path = "/api/v1/me/dossiers", tag = "queues", params(MineQuery),
    responses((status = 200, body = Page), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MineQuery>,
) -> ApiResult<Json<Page>> {
    Ok(Json(queue::mine(&state.db, &caller, q.after.as_deref(), q.limit).await?))
}
