//! What system administrators do about the national portal: see the outbox (dead letters above all), correct a
//! rejected message and replay it, run and read reconciliations. Every change is audited.

use axum::{
    Json,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody, ErrorCode, FieldError},
};
use crate::{
    app::{StaffCaller, require_staff},
    domain::calendar::to_local,
    national::reconcile::{self, RunReport, RunSummary},
    store::audit,
};

fn system_admin(caller: &Caller) -> Result<&StaffCaller, ApiError> {
    let s = require_staff(caller)?;
    if s.is_system_admin() { Ok(s) } else { Err(ApiError::new(ErrorCode::Forbidden, "system administrators only")) }
}

#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub dossier_id: Uuid,
    /// Mã hồ sơ.
    pub code: String,
    /// Position among the dossier's messages (delivery order).
    pub seq: i32,
    /// `DongBoHoSoMC` or `CapNhatTienDoHoSoMC`.
    pub operation: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub replays: i32,
    /// Why the last attempt failed (the portal's `error_code` and message for a rejection).
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: OffsetDateTime,
    /// The message as it will be sent (national shape).
    #[schema(value_type = Object)]
    pub payload: Value,
    /// Whether an administrator corrected the payload.
    pub corrected: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `dead` (default), `pending` or `delivered`.
    #[param(pattern = "^(dead|pending|delivered)$")]
    pub status: Option<String>,
    /// Only this dossier's messages (mã hồ sơ).
    pub code: Option<String>,
    /// Messages with a smaller id than this (paging backwards from the newest).
    pub before: Option<i64>,
    /// 1..=200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

const SELECT_MESSAGE: &str = "SELECT o.id, o.dossier_id, d.code, o.seq, o.operation, o.status, o.attempts, o.replays,
        o.last_error, o.created_at, o.next_attempt_at, o.payload, (o.original_payload IS NOT NULL) AS corrected
   FROM outbox o JOIN dossier d ON d.id = o.dossier_id";

/// Outbox messages to the national portal, newest first: by default the dead letters, which wait for an
/// administrator. System administrators only.
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "administration", params(OutboxQuery),
    responses((status = 200, body = Vec<OutboxMessage>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list_outbox(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<Json<Vec<OutboxMessage>>> {
    system_admin(&caller)?;
    let status = q.status.as_deref().unwrap_or("dead");
    if !matches!(status, "dead" | "pending" | "delivered") {
        return Err(ApiError::field("query.status", "unknown", "dead, pending or delivered"));
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("query.limit", "out_of_range", "1 to 200"));
    }
    let sql = format!(
        "{SELECT_MESSAGE} WHERE o.status = $1 AND ($2::text IS NULL OR d.code = $2) AND ($3::bigint IS NULL OR o.id < $3)
          ORDER BY o.id DESC LIMIT $4"
    );
    Ok(Json(
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(status)
            .bind(q.code.as_deref())
            .bind(q.before)
            .bind(limit)
            .fetch_all(&state.db)
            .await?,
    ))
}

async fn message(db: &sqlx::PgPool, id: i64) -> Result<OutboxMessage, ApiError> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_MESSAGE} WHERE o.id = $1")))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayloadCorrection {
    /// The corrected message, in the national shape: `{"isUpdating": ..., "data": [...]}` for `DongBoHoSoMC`,
    /// `{"data": [...]}` for `CapNhatTienDoHoSoMC`; the dossier code (`MaHoSo`) cannot change.
    #[schema(value_type = Object)]
    pub payload: Value,
}

fn check_payload(operation: &str, code: &str, payload: &Value) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let Some(items) = payload.get("data").and_then(Value::as_array).filter(|a| !a.is_empty()) else {
        return vec![FieldError::new("body.payload.data", "required", "a non-empty list")];
    };
    for (i, item) in items.iter().enumerate() {
        if item.get("MaHoSo").and_then(Value::as_str) != Some(code) {
            problems.push(FieldError::new(
                format!("body.payload.data[{i}].MaHoSo"),
                "immutable",
                format!("must stay {code}"),
            ));
        }
        for (k, v) in item.as_object().into_iter().flatten() {
            if !(v.is_string() || v.is_array()) {
                problems.push(FieldError::new(
                    format!("body.payload.data[{i}].{k}"),
                    "invalid_type",
                    "every national value is a string",
                ));
            }
        }
    }
    if operation == "DongBoHoSoMC"
        && !matches!(payload.get("isUpdating").and_then(Value::as_str), Some("True" | "False"))
    {
        problems.push(FieldError::new("body.payload.isUpdating", "invalid", "\"True\" or \"False\""));
    }
    problems
}

/// Corrects a dead letter's payload before replaying it (the first version is kept). Dead letters only.
#[utoipa::path(put, path = "/api/v1/admin/outbox/{id}/payload", tag = "administration", params(("id" = i64, Path)),
    request_body = PayloadCorrection,
    responses((status = 200, body = OutboxMessage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Not a dead letter", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn correct_payload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<PayloadCorrection>,
) -> ApiResult<Json<OutboxMessage>> {
    let admin = system_admin(&caller)?;
    let mut tx = state.db.begin().await?;
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT o.status, o.operation, d.code FROM outbox o JOIN dossier d ON d.id = o.dossier_id
          WHERE o.id = $1 FOR UPDATE OF o",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let (status, operation, code) = row.ok_or_else(ApiError::not_found)?;
    if status != "dead" {
        return Err(ApiError::new(ErrorCode::Conflict, "only dead letters can be corrected"));
    }
    let problems = check_payload(&operation, &code, &req.payload);
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    sqlx::query("UPDATE outbox SET original_payload = coalesce(original_payload, payload), payload = $2 WHERE id = $1")
        .bind(id)
        .bind(&req.payload)
        .execute(&mut *tx)
        .await?;
    let admin_id = admin.id.to_string();
    audit::append(
        &mut tx,
        &audit::Entry::by_staff(
            &admin_id,
            "national.outbox_corrected",
            ("outbox", &id.to_string()),
            json!({"code": code, "operation": operation}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(message(&state.db, id).await?))
}

/// Replays a dead letter: it is pending again, due now, and the relay delivers it in its dossier's order
/// (the dossier's later messages have been waiting behind it).
#[utoipa::path(post, path = "/api/v1/admin/outbox/{id}/replay", tag = "administration", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxMessage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Not a dead letter", body = ErrorBody)))]
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<OutboxMessage>> {
    let admin = system_admin(&caller)?;
    let mut tx = state.db.begin().await?;
    let code: Option<String> = sqlx::query_scalar(
        "UPDATE outbox o SET status = 'pending', attempts = 0, next_attempt_at = now(), replays = replays + 1
           FROM dossier d WHERE o.id = $1 AND o.status = 'dead' AND d.id = o.dossier_id RETURNING d.code",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(code) = code else {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outbox WHERE id = $1)")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        return Err(if exists {
            ApiError::new(ErrorCode::Conflict, "only dead letters can be replayed")
        } else {
            ApiError::not_found()
        });
    };
    let admin_id = admin.id.to_string();
    audit::append(
        &mut tx,
        &audit::Entry::by_staff(
            &admin_id,
            "national.outbox_replayed",
            ("outbox", &id.to_string()),
            json!({"code": code}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(message(&state.db, id).await?))
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct NewReconciliation {
    /// The day whose changed dossiers to compare (`yyyy-mm-dd`, Vietnam date); default today.
    #[serde(default)]
    pub day: Option<String>,
}

/// Reconciles now: asks the portal about every dossier changed that day, re-sends what differs, and answers
/// the report. System administrators only.
#[utoipa::path(post, path = "/api/v1/admin/reconciliations", tag = "administration",
    request_body = NewReconciliation,
    responses((status = 201, body = RunReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn start_reconciliation(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewReconciliation>,
) -> ApiResult<Response> {
    let admin = system_admin(&caller)?;
    let day = match req.day.as_deref() {
        None => to_local(OffsetDateTime::now_utc()).date(),
        Some(d) => time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| ApiError::field("body.day", "invalid_date", "yyyy-mm-dd"))?,
    };
    let report = reconcile::run(&state.db, &state.platform, "admin", day, Some(admin.id))
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("an administrator's run was not recorded")))?;
    Ok((axum::http::StatusCode::CREATED, Json(report)).into_response())
}

/// The latest reconciliations (at most 60), newest first.
#[utoipa::path(get, path = "/api/v1/admin/reconciliations", tag = "administration",
    responses((status = 200, body = Vec<RunSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_reconciliations(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<RunSummary>>> {
    system_admin(&caller)?;
    Ok(Json(
        sqlx::query_as(
            "SELECT id, trigger, day, started_at, finished_at, checked, differences, resent, unreachable
               FROM reconciliation_run ORDER BY id DESC LIMIT 60",
        )
        .fetch_all(&state.db)
        .await?,
    ))
}

/// One reconciliation with every difference it found.
#[utoipa::path(get, path = "/api/v1/admin/reconciliations/{id}", tag = "administration", params(("id" = i64, Path)),
    responses((status = 200, body = RunReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn get_reconciliation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<RunReport>> {
    system_admin(&caller)?;
    let run: RunSummary = sqlx::query_as(
        "SELECT id, trigger, day, started_at, finished_at, checked, differences, resent, unreachable
           FROM reconciliation_run WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(ApiError::not_found)?;
    let differences = reconcile::report_differences(&state.db, id).await?;
    Ok(Json(RunReport { run, differences }))
}
