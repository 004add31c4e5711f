//! The agency tree (public information: who receives and decides which procedures).

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{AppState, error::ApiResult};
use crate::{domain::calendar::VIETNAM_OFFSET, store};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgencyDto {
    pub id: Uuid,
    /// The agency one level up; absent for a root (a province or ministry).
    pub parent_id: Option<Uuid>,
    pub name: String,
    /// `ministry`, `province`, `department`, `commune` or `other`.
    pub level: String,
    /// Electronic identifier code (QĐ 20/2020) valid today, e.g. `H56.14`.
    pub code: Option<String>,
    /// Legacy right-aligned alias valid today (QCVN 102:2016), e.g. `000.00.14.H56`.
    pub legacy_code: Option<String>,
    /// Demo data loaded by `motcua seed`.
    pub is_sample: bool,
}

/// Every agency, with the codes valid today, parents before children.
#[utoipa::path(get, path = "/api/v1/agencies", operation_id = "list_agencies", tag = "catalogue",
    responses((status = 200, body = Vec<AgencyDto>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<AgencyDto>>> {
    let today = time::OffsetDateTime::now_utc().to_offset(VIETNAM_OFFSET).date();
    let rows = store::agency::list(&state.db, today).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AgencyDto {
                id: r.id,
                parent_id: r.parent_id,
                name: r.name,
                level: r.level,
                code: r.code,
                legacy_code: r.legacy_code,
                is_sample: r.is_sample,
            })
            .collect(),
    ))
}
