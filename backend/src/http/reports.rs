//! Reports for leaders: the counters and the national indicators (QĐ 766) of an agency over a period, and the
//! dossiers behind any counter.

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiQuery, ApiResult, ErrorBody, ErrorCode, FieldError},
};
use crate::{
    app::{
        reports::{self, CountedDossier, Scope},
        require_staff,
    },
    domain::{
        calendar::{from_local, to_local},
        indicators::{self, Counters, Indicator},
    },
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    pub agency_id: Uuid,
    /// First day, `yyyy-mm-dd` (Vietnam date); default: the first day of this month.
    pub from: Option<String>,
    /// Last day, included; default: today.
    pub to: Option<String>,
    /// Count the agency's sub-agencies too (default false).
    pub include_sub_agencies: Option<bool>,
    /// Drill-down only: the counter whose dossiers to list (`finished_late`, `synced`, ...).
    pub counter: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorReport {
    pub agency_id: Uuid,
    pub include_sub_agencies: bool,
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    pub counters: Counters,
    pub indicators: Vec<Indicator>,
    /// Out of 100.
    pub total_points: f64,
}

fn day(v: Option<&str>, field: &str, default: Date) -> Result<Date, FieldError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| FieldError::new(field, "invalid_date", "yyyy-mm-dd")),
    }
}

/// Who may read an agency's reports: its leaders and administrators, and the system administrators.
fn scope(caller: &Caller, q: &ReportQuery) -> Result<(Scope, Date, Date), ApiError> {
    let staff = require_staff(caller)?;
    let allowed = staff.is_system_admin()
        || staff
            .roles
            .iter()
            .any(|r| r.agency_id == q.agency_id && matches!(r.role.as_str(), "leader" | "agency_admin"));
    if !allowed {
        return Err(ApiError::new(ErrorCode::Forbidden, "leaders and administrators of this agency only"));
    }
    let today = to_local(OffsetDateTime::now_utc()).date();
    let first = today.replace_day(1).unwrap_or(today);
    let mut problems = Vec::new();
    let from = day(q.from.as_deref(), "query.from", first).unwrap_or_else(|p| {
        problems.push(p);
        first
    });
    let to = day(q.to.as_deref(), "query.to", today).unwrap_or_else(|p| {
        problems.push(p);
        today
    });
    if to < from {
        problems.push(FieldError::new("query.to", "before_from", "the last day is before the first"));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let s = Scope {
        agency_id: q.agency_id,
        include_sub_agencies: q.include_sub_agencies.unwrap_or(false),
        from: from_local(from.midnight()),
        to: from_local(to.next_day().unwrap_or(to).midnight()),
    };
    Ok((s, from, to))
}

/// The counters and the national indicators with their points, for an agency and period.
#[utoipa::path(get, path = "/api/v1/reports/indicators", tag = "reports", params(ReportQuery),
    responses((status = 200, body = IndicatorReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn indicators_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<IndicatorReport>> {
    let (s, from, to) = scope(&caller, &q)?;
    let counters = reports::counters(&state.db, &s).await?;
    let list = indicators::indicators(&counters);
    Ok(Json(IndicatorReport {
        agency_id: s.agency_id,
        include_sub_agencies: s.include_sub_agencies,
        from,
        to,
        total_points: indicators::total(&list),
        counters,
        indicators: list,
    }))
}

/// The dossiers behind one counter (`counter` = a field name of the counters), at most 1000, so any figure
/// can be checked.
#[utoipa::path(get, path = "/api/v1/reports/dossiers", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Vec<CountedDossier>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn counted_dossiers(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Vec<CountedDossier>>> {
    let (s, _, _) = scope(&caller, &q)?;
    let counter = q.counter.as_deref().unwrap_or_default();
    reports::dossiers(&state.db, &s, counter)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::field("query.counter", "unknown", "one of the counters of /api/v1/reports/indicators"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicPeriod {
    /// First day, `yyyy-mm-dd`; default: the first day of this month.
    pub from: Option<String>,
    /// Last day, included; default: today.
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStatistics {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    pub agencies: Vec<reports::AgencyFigures>,
}

/// Public transparency (no sign-in, no personal data): each agency's dossiers received (and online), finished
/// early / on time / late, overdue in progress, and satisfaction, for a period. Rate-limited per address.
#[utoipa::path(get, path = "/api/v1/public/statistics", tag = "reports", params(PublicPeriod),
    responses((status = 200, body = PublicStatistics), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn public_statistics(
    State(state): State<AppState>,
    super::limit::ClientIp(peer): super::limit::ClientIp,
    ApiQuery(q): ApiQuery<PublicPeriod>,
) -> ApiResult<Json<PublicStatistics>> {
    state.limiter.check("statistics", &peer.to_string(), 60)?;
    let today = to_local(OffsetDateTime::now_utc()).date();
    let first = today.replace_day(1).unwrap_or(today);
    let mut problems = Vec::new();
    let from = day(q.from.as_deref(), "query.from", first).unwrap_or_else(|p| {
        problems.push(p);
        first
    });
    let to = day(q.to.as_deref(), "query.to", today).unwrap_or_else(|p| {
        problems.push(p);
        today
    });
    if to < from || (to - from).whole_days() > 366 * 5 {
        problems.push(FieldError::new("query.to", "out_of_range", "after the first day, at most five years later"));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let agencies =
        reports::by_agency(&state.db, from_local(from.midnight()), from_local(to.next_day().unwrap_or(to).midnight()))
            .await?;
    Ok(Json(PublicStatistics { from, to, agencies }))
}
