//! The working calendar: its exceptions, and the deadline a dossier would get.

use axum::{
    Json,
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody, ErrorCode, FieldError},
    idem,
};
use crate::{
    app::idempotency::Begun,
    domain::calendar::{StatutoryTime, WorkingHours, from_local, to_local},
    store::{self, audit},
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

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDay {
    pub kind: DayKind,
    /// Vietnamese name shown to staff and citizens, e.g. "Nghỉ bù Quốc khánh".
    pub name: String,
}

fn parse_day(day: &str) -> Result<Date, ApiError> {
    Date::parse(day, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| ApiError::field("path.day", "invalid_date", "yyyy-mm-dd"))
}

fn require_system_admin(caller: &Caller) -> Result<&crate::app::StaffCaller, ApiError> {
    let staff = crate::app::require_staff(caller)?;
    if !staff.is_system_admin() {
        return Err(ApiError::new(ErrorCode::Forbidden, "system administrators only"));
    }
    Ok(staff)
}

/// Sets a day off or a swapped working day (province-wide; system administrators). Deadlines computed
/// afterwards use it; appointments already issued are not moved.
#[utoipa::path(put, path = "/api/v1/calendar/days/{day}", tag = "calendar", request_body = SetDay,
    params(("day" = String, Path, format = Date, description = "yyyy-mm-dd")),
    responses(
        (status = 200, body = CalendarDayDto),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn set_day(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(day): Path<String>,
    ApiJson(req): ApiJson<SetDay>,
) -> ApiResult<Response> {
    let staff = require_system_admin(&caller)?;
    let day = parse_day(&day)?;
    let name = unicode_normalization::UnicodeNormalization::nfc(req.name.trim()).collect::<String>();
    let mut problems = Vec::new();
    if name.is_empty() || name.chars().count() > 200 {
        problems.push(FieldError::new("body.name", "invalid_length", "1 to 200 characters"));
    }
    let weekend = matches!(day.weekday(), time::Weekday::Saturday | time::Weekday::Sunday);
    if req.kind == DayKind::WorkingDay && !weekend {
        problems.push(FieldError::new(
            "body.kind",
            "not_a_weekend",
            "only a Saturday or Sunday can be a swapped working day",
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let kind = if req.kind == DayKind::WorkingDay { "working_day" } else { "day_off" };
    let request = serde_json::to_vec(&(&day, &req)).map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "set_day", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let tx = &mut g.tx;
    sqlx::query(
        "INSERT INTO calendar_day (day, kind, name, source) VALUES ($1, $2, $3, 'admin')
         ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, source = 'admin', updated_at = now()",
    )
    .bind(day)
    .bind(kind)
    .bind(&name)
    .execute(&mut **tx)
    .await?;
    let (staff_id, object_id) = (staff.id.to_string(), day.to_string());
    audit::append(
        &mut *tx,
        &audit::Entry::by_staff(
            &staff_id,
            "calendar.day_set",
            ("calendar_day", &object_id),
            serde_json::json!({"kind": kind, "name": name}),
        ),
    )
    .await?;
    let body = idem::to_json(&CalendarDayDto { day, kind: req.kind, name, source: "admin".into() })?;
    g.finish(200, &body).await?;
    Ok(idem::answer(200, body))
}

/// Removes a day from the exceptions (it becomes an ordinary weekday or weekend day again).
#[utoipa::path(delete, path = "/api/v1/calendar/days/{day}", tag = "calendar",
    params(("day" = String, Path, format = Date, description = "yyyy-mm-dd")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_day(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(day): Path<String>,
) -> ApiResult<Response> {
    let staff = require_system_admin(&caller)?;
    let day = parse_day(&day)?;
    let request = day.to_string().into_bytes();
    let mut g = match idem::begin(&state, &caller, &headers, "delete_day", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let tx = &mut g.tx;
    let gone =
        sqlx::query("DELETE FROM calendar_day WHERE day = $1").bind(day).execute(&mut **tx).await?.rows_affected();
    if gone == 0 {
        return Err(ApiError::not_found());
    }
    let (staff_id, object_id) = (staff.id.to_string(), day.to_string());
    audit::append(
        &mut *tx,
        &audit::Entry::by_staff(&staff_id, "calendar.day_removed", ("calendar_day", &object_id), serde_json::json!({})),
    )
    .await?;
    let body = serde_json::Value::Null;
    g.finish(204, &body).await?;
    Ok(idem::answer(204, body))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingHoursDto {
    /// `HH:MM`, e.g. `07:30`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub morning_start: String,
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub morning_end: String,
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub afternoon_start: String,
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub afternoon_end: String,
    /// Paper dossiers received after this time count from the next working day (default `15:00`).
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub paper_cutoff: String,
}

/// Sets an agency's working hours (its agency administrators, or a system administrator).
/// Deadlines computed afterwards use them; appointments already issued are not moved.
#[utoipa::path(put, path = "/api/v1/agencies/{id}/working-hours", tag = "calendar", request_body = WorkingHoursDto,
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = WorkingHoursDto),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn set_working_hours(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(agency_id): Path<uuid::Uuid>,
    ApiJson(req): ApiJson<WorkingHoursDto>,
) -> ApiResult<Response> {
    let staff = crate::app::require_staff(&caller)?;
    if !staff.is_system_admin() && !staff.has_role_in_agency(agency_id, "agency_admin") {
        return Err(ApiError::new(ErrorCode::Forbidden, "administrators of this agency only"));
    }
    let fmt = time::macros::format_description!("[hour]:[minute]");
    let mut problems = Vec::new();
    let mut parse = |field: &str, v: &str| {
        time::Time::parse(v, fmt)
            .map_err(|_| problems.push(FieldError::new(format!("body.{field}"), "invalid_time", "HH:MM")))
            .ok()
    };
    let times = (
        parse("morning_start", &req.morning_start),
        parse("morning_end", &req.morning_end),
        parse("afternoon_start", &req.afternoon_start),
        parse("afternoon_end", &req.afternoon_end),
        parse("paper_cutoff", &req.paper_cutoff),
    );
    let (Some(ms), Some(me), Some(as_), Some(ae), Some(cut)) = times else {
        return Err(ApiError::validation(problems));
    };
    WorkingHours::new(ms, me, as_, ae)
        .and_then(|h| h.with_paper_cutoff(cut))
        .map_err(|e| ApiError::field("body", "inconsistent_hours", &e.to_string()))?;
    let request = serde_json::to_vec(&(agency_id, &req)).map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "set_working_hours", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let tx = &mut g.tx;
    let updated = sqlx::query(
        "UPDATE agency SET morning_start = $2, morning_end = $3, afternoon_start = $4, afternoon_end = $5, paper_cutoff = $6
          WHERE id = $1",
    )
    .bind(agency_id)
    .bind(ms)
    .bind(me)
    .bind(as_)
    .bind(ae)
    .bind(cut)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(ApiError::not_found());
    }
    let (staff_id, object_id) = (staff.id.to_string(), agency_id.to_string());
    audit::append(
        &mut *tx,
        &audit::Entry::by_staff(
            &staff_id,
            "calendar.working_hours_set",
            ("agency", &object_id),
            serde_json::to_value(&req).unwrap_or_default(),
        ),
    )
    .await?;
    let body = idem::to_json(&req)?;
    g.finish(200, &body).await?;
    Ok(idem::answer(200, body))
}
