//! The working calendar: its exceptions, and the deadline a dossier would get.

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use super::{
    AppState,
    error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody, FieldError},
};
use crate::{
    domain::calendar::{StatutoryTime, from_local, to_local},
    store,
};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysQuery {
    /// First day, `yyyy-mm-dd`.
    #[serde(with = "iso_date")]
    #[param(value_type = String, format = Date, example = "2026-01-01")]
    pub from: Date,
    /// Last day, `yyyy-mm-dd` (at most 3 years after `from`).
    #[serde(with = "iso_date")]
    #[param(value_type = String, format = Date, example = "2026-12-31")]
    pub to: Date,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday, make-up day or swapped day off.
    DayOff,
    /// A weekend day worked in exchange for a day off.
    WorkingDay,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarDayDto {
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date, example = "2026-02-16")]
    pub day: Date,
    pub kind: DayKind,
    /// Vietnamese name, e.g. "Tết Nguyên đán".
    pub name: String,
    /// `decree` (from the government's decision), `computed` (from the Labour Code and the lunar calendar,
    /// no decree known yet) or `admin` (edited by an administrator).
    pub source: String,
}

/// The days off and swapped working days between two dates (ordinary weekdays and weekends are not listed).
#[utoipa::path(get, path = "/api/v1/calendar/days", tag = "calendar", params(DaysQuery),
    responses(
        (status = 200, body = Vec<CalendarDayDto>),
        (status = 400, description = "Bad query", body = ErrorBody),
        (status = 422, description = "Range invalid", body = ErrorBody),
    ))]
pub async fn list_days(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DaysQuery>,
) -> ApiResult<Json<Vec<CalendarDayDto>>> {
    if q.to < q.from {
        return Err(ApiError::field("query.to", "before_from", "`to` must not be before `from`"));
    }
    if (q.to - q.from).whole_days() > 3 * 366 {
        return Err(ApiError::field("query.to", "range_too_long", "at most three years at a time"));
    }
    let rows = store::calendar::list(&state.db, q.from, q.to).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| CalendarDayDto {
                day: r.day,
                kind: if r.kind == "working_day" { DayKind::WorkingDay } else { DayKind::DayOff },
                name: r.name,
                source: r.source,
            })
            .collect(),
    ))
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Paper dossier at the one-stop counter: received after 15:00 counts from the next working day.
    Counter,
    /// Online: submitted outside working hours counts from the next working time.
    Online,
    /// By post: a paper dossier, same rule as the counter.
    Post,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    WorkingDays,
    WorkingHours,
    CalendarDays,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatutoryTimeDto {
    pub unit: TimeUnit,
    /// 1 to 3650.
    #[schema(minimum = 1, maximum = 3650, example = 5)]
    pub value: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRequest {
    /// When the dossier arrived (RFC 3339 with offset).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime, example = "2026-02-13T16:20:00+07:00")]
    pub received_at: OffsetDateTime,
    pub channel: Channel,
    pub statutory_time: StatutoryTimeDto,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeadlineResponse {
    /// When the clock starts (after the 15:00 cut-off and out-of-hours rules), Vietnam time.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub counted_from: OffsetDateTime,
    /// The appointment (due) time, Vietnam time.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due: OffsetDateTime,
    /// Working minutes between `counted_from` and `due`.
    pub working_minutes: i64,
}

/// Computes the appointment time a dossier received at `received_at` would get, with the province's
/// working hours, holidays and swapped days (domain.md §5).
#[utoipa::path(post, path = "/api/v1/calendar/deadline", tag = "calendar", request_body = DeadlineRequest,
    responses(
        (status = 200, body = DeadlineResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid", body = ErrorBody),
    ))]
pub async fn deadline(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<DeadlineRequest>,
) -> ApiResult<Json<DeadlineResponse>> {
    let mut problems = Vec::new();
    if !(1..=3650).contains(&req.statutory_time.value) {
        problems.push(FieldError::new("body.statutory_time.value", "out_of_range", "must be between 1 and 3650"));
    }
    let year = to_local(req.received_at).year();
    if !(2000..=2100).contains(&year) {
        problems.push(FieldError::new("body.received_at", "out_of_range", "year must be between 2000 and 2100"));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let calendar = store::calendar::working_calendar(&state.db, Default::default()).await?;
    let received = to_local(req.received_at);
    let start = match req.channel {
        Channel::Online => calendar.online_start(received),
        Channel::Counter | Channel::Post => calendar.counter_start(received),
    };
    let value = req.statutory_time.value;
    let period = match req.statutory_time.unit {
        TimeUnit::WorkingDays => StatutoryTime::WorkingDays(value),
        TimeUnit::WorkingHours => StatutoryTime::WorkingHours(value),
        TimeUnit::CalendarDays => StatutoryTime::CalendarDays(value),
    };
    let due = calendar.due_for(start, period);
    Ok(Json(DeadlineResponse {
        counted_from: from_local(start),
        due: from_local(due),
        working_minutes: calendar.working_minutes_between(start, due),
    }))
}
