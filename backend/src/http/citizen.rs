//! The citizen portal's own routes: the public lookup by dossier code, the personal data store (kho dữ liệu),
//! drafts, satisfaction ratings, feedback and complaints.

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiJson, ApiResult, ErrorBody, ErrorCode, FieldError},
    idem,
};
use crate::{
    app::{CitizenCaller, dossier, idempotency::Begun},
    domain::lifecycle::State as DossierState,
    store::audit,
};

fn citizen(caller: &Caller) -> Result<&CitizenCaller, ApiError> {
    match caller {
        Caller::Citizen(c) => Ok(c),
        _ => Err(ApiError::new(ErrorCode::Forbidden, "for signed-in citizens")),
    }
}

/// `Nguyễn Văn An` → `N***** V** A*`: enough for the family to recognise, not enough to identify.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(String::from).unwrap_or_default();
            first + &"*".repeat(chars.count())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicDossier {
    pub code: String,
    pub procedure_name: String,
    pub agency_name: String,
    /// National status code 1–10 and its Vietnamese label.
    pub national_status: u8,
    pub national_status_label: String,
    /// `N***** V** A*`.
    pub applicant_name_masked: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<OffsetDateTime>,
    /// The appointment; while paused, the appointment as it stood.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<OffsetDateTime>,
    /// Paused for a supplement or a payment.
    pub paused: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub returned_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct PublicRow {
    code: String,
    procedure_name: String,
    agency_name: String,
    state: String,
    applicant_name: String,
    submitted_at: OffsetDateTime,
    received_at: Option<OffsetDateTime>,
    due_at: Option<OffsetDateTime>,
    paused: bool,
    returned_at: Option<OffsetDateTime>,
}

/// Anyone can look up a dossier by its code (no sign-in): status, procedure, receiving agency, appointment and
/// the applicant's masked name, nothing else. Rate-limited per address against enumeration.
#[utoipa::path(get, path = "/api/v1/public/dossiers/{code}", tag = "citizen portal", params(("code" = String, Path)),
    responses((status = 200, body = PublicDossier), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn public_lookup(
    State(state): State<AppState>,
    super::limit::ClientIp(peer): super::limit::ClientIp,
    Path(code): Path<String>,
) -> ApiResult<Json<PublicDossier>> {
    state.limiter.check("lookup", &peer.to_string(), state.config.lookups_per_minute)?;
    let code = code.trim();
    if code.is_empty() || code.len() > 60 {
        return Err(ApiError::not_found());
    }
    let row: PublicRow = sqlx::query_as(
        "SELECT d.code, pv.name AS procedure_name, a.name AS agency_name, d.state, d.applicant_name, d.submitted_at,
                d.received_at, COALESCE(d.due_at, d.paused_due_at) AS due_at, d.paused_at IS NOT NULL AS paused,
                d.returned_at
           FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id JOIN agency a ON a.id = d.agency_id
          WHERE d.code = $1",
    )
    .bind(code)
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(ApiError::not_found)?;
    let s = DossierState::parse(&row.state)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown state {}", row.state)))?;
    Ok(Json(PublicDossier {
        code: row.code,
        procedure_name: row.procedure_name,
        agency_name: row.agency_name,
        national_status: s.national_code(),
        national_status_label: s.national_label().to_owned(),
        applicant_name_masked: mask_name(&row.applicant_name),
        submitted_at: row.submitted_at,
        received_at: row.received_at,
        due_at: row.due_at,
        paused: row.paused,
        returned_at: row.returned_at,
    }))
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct StoredDocument {
    pub attachment_id: Uuid,
    pub dossier_id: Uuid,
    pub dossier_code: String,
    pub procedure_name: String,
    /// `component`, `supplement`, `result` or `receipt`.
    pub role: String,
    pub component_code: Option<String>,
    pub file_name: String,
    pub kind: String,
    pub size: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub added_at: OffsetDateTime,
}

/// The citizen's personal data store (kho dữ liệu): every file they submitted or received in their dossiers,
/// newest first (at most 200), distinct by content. Reuse one with `reuse_attachment_id`; download it from its dossier.
#[utoipa::path(get, path = "/api/v1/me/documents", tag = "citizen portal",
    responses((status = 200, body = Vec<StoredDocument>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn documents(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<StoredDocument>>> {
    let me = citizen(&caller)?;
    Ok(Json(
        sqlx::query_as(
            "SELECT * FROM (
                SELECT DISTINCT ON (a.sha256, a.role) a.id AS attachment_id, d.id AS dossier_id, d.code AS dossier_code,
                       pv.name AS procedure_name, a.role, a.component_code, a.file_name, a.kind, a.size, a.added_at
                  FROM attachment a JOIN dossier d ON d.id = a.dossier_id
                  JOIN procedure_version pv ON pv.id = d.procedure_version_id
                 WHERE d.applicant_citizen_id = $1
                 ORDER BY a.sha256, a.role, a.added_at DESC) docs
              ORDER BY added_at DESC LIMIT 200",
        )
        .bind(me.id)
        .fetch_all(&state.db)
        .await?,
    ))
}

#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Draft {
    pub procedure_code: String,
    /// Whatever the application form keeps (answers, owner, chosen files), as it was saved.
    #[schema(value_type = Object)]
    pub data: Value,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftData {
    #[schema(value_type = Object)]
    pub data: Value,
}

/// Largest draft kept (the answers, not the files: those are uploads already).
const DRAFT_LIMIT_BYTES: usize = 256 * 1024;

/// The citizen's saved drafts, newest first.
#[utoipa::path(get, path = "/api/v1/me/drafts", tag = "citizen portal",
    responses((status = 200, body = Vec<Draft>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn drafts(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Draft>>> {
    let me = citizen(&caller)?;
    Ok(Json(
        sqlx::query_as(
            "SELECT procedure_code, data, updated_at FROM draft WHERE citizen_id = $1 ORDER BY updated_at DESC",
        )
        .bind(me.id)
        .fetch_all(&state.db)
        .await?,
    ))
}

/// The draft of an application for this procedure.
#[utoipa::path(get, path = "/api/v1/me/drafts/{procedure_code}", tag = "citizen portal",
    params(("procedure_code" = String, Path)),
    responses((status = 200, body = Draft), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_draft(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<Draft>> {
    let me = citizen(&caller)?;
    sqlx::query_as("SELECT procedure_code, data, updated_at FROM draft WHERE citizen_id = $1 AND procedure_code = $2")
        .bind(me.id)
        .bind(&code)
        .fetch_optional(&state.db)
        .await?
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

/// Saves (replaces) the draft for this procedure; submitting the application deletes it.
#[utoipa::path(put, path = "/api/v1/me/drafts/{procedure_code}", tag = "citizen portal",
    params(("procedure_code" = String, Path)), request_body = DraftData,
    responses((status = 200, body = Draft), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn put_draft(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<DraftData>,
) -> ApiResult<Json<Draft>> {
    let me = citizen(&caller)?;
    if !req.data.is_object() {
        return Err(ApiError::field("body.data", "invalid_type", "an object"));
    }
    if serde_json::to_vec(&req.data).map(|v| v.len()).unwrap_or(usize::MAX) > DRAFT_LIMIT_BYTES {
        return Err(ApiError::field("body.data", "too_large", "at most 256 KB"));
    }
    let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM procedure WHERE code = $1)")
        .bind(&code)
        .fetch_one(&state.db)
        .await?;
    if !known {
        return Err(ApiError::not_found());
    }
    Ok(Json(
        sqlx::query_as(
            "INSERT INTO draft (citizen_id, procedure_code, data) VALUES ($1, $2, $3)
             ON CONFLICT (citizen_id, procedure_code) DO UPDATE SET data = EXCLUDED.data, updated_at = now()
             RETURNING procedure_code, data, updated_at",
        )
        .bind(me.id)
        .bind(&code)
        .bind(&req.data)
        .fetch_one(&state.db)
        .await?,
    ))
}

/// Discards the draft.
#[utoipa::path(delete, path = "/api/v1/me/drafts/{procedure_code}", tag = "citizen portal",
    params(("procedure_code" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_draft(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    let me = citizen(&caller)?;
    let gone = sqlx::query("DELETE FROM draft WHERE citizen_id = $1 AND procedure_code = $2")
        .bind(me.id)
        .bind(&code)
        .execute(&state.db)
        .await?
        .rows_affected();
    if gone == 0 { Err(ApiError::not_found()) } else { Ok(StatusCode::NO_CONTENT) }
}

/// The dossier, if it is the caller's own (else the same 404 as an unknown id).
async fn own_dossier(state: &AppState, me: &CitizenCaller, id: Uuid) -> Result<String, ApiError> {
    let found: Option<(Option<Uuid>, String)> =
        sqlx::query_as("SELECT applicant_citizen_id, state FROM dossier WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db)
            .await?;
    match found {
        Some((Some(owner), s)) if owner == me.id => Ok(s),
        Some(_) => Err(ApiError::Refused("dossier_not_visible")),
        None => Err(ApiError::not_found()),
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Rating {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    pub score: i16,
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub rated_at: OffsetDateTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRating {
    #[schema(minimum = 1, maximum = 5)]
    pub score: i16,
    #[serde(default)]
    pub comment: Option<String>,
}

/// Rates the service once the result is ready or handed over (once per dossier). With an `Idempotency-Key`
/// a retry gets the first answer back instead of 409.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/rating", tag = "citizen portal", params(("id" = Uuid, Path)),
    request_body = NewRating,
    responses((status = 201, body = Rating), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "Already rated, or no result yet", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<NewRating>,
) -> ApiResult<Response> {
    let me = citizen(&caller)?;
    let dossier_state = own_dossier(&state, me, id).await?;
    let mut problems = Vec::new();
    if !(1..=5).contains(&req.score) {
        problems.push(FieldError::new("body.score", "out_of_range", "1 to 5"));
    }
    let comment: Option<String> = req
        .comment
        .as_deref()
        .map(|c| unicode_normalization::UnicodeNormalization::nfc(c.trim()).collect::<String>())
        .filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > 1000) {
        problems.push(FieldError::new("body.comment", "too_long", "at most 1000 characters"));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let request = serde_json::to_vec(&json!({"dossier": id, "score": req.score, "comment": comment}))
        .map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "rating", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    if !matches!(dossier_state.as_str(), "result_ready" | "returned") {
        return Err(ApiError::new(ErrorCode::IllegalTransition, "a dossier is rated once its result is ready"));
    }
    let rating: Option<Rating> = sqlx::query_as(
        "INSERT INTO dossier_rating (dossier_id, citizen_id, score, comment) VALUES ($1, $2, $3, $4)
         ON CONFLICT (dossier_id) DO NOTHING RETURNING score, comment, rated_at",
    )
    .bind(id)
    .bind(me.id)
    .bind(req.score)
    .bind(&comment)
    .fetch_optional(&mut *g.tx)
    .await?;
    let rating = rating.ok_or_else(|| ApiError::new(ErrorCode::Conflict, "this dossier is already rated"))?;
    let body = idem::to_json(&rating)?;
    g.finish(201, &body).await?;
    Ok(idem::answer(201, body))
}

/// The citizen's rating of the dossier: `null` while not rated.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/rating", tag = "citizen portal", params(("id" = Uuid, Path)),
    responses((status = 200, body = Option<Rating>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_rating(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Option<Rating>>> {
    let me = citizen(&caller)?;
    own_dossier(&state, me, id).await?;
    Ok(Json(
        sqlx::query_as("SELECT score, comment, rated_at FROM dossier_rating WHERE dossier_id = $1")
            .bind(id)
            .fetch_optional(&state.db)
            .await?,
    ))
}

#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Feedback {
    pub id: Uuid,
    /// `phan_anh` (feedback) or `kien_nghi` (a request, a complaint).
    pub kind: String,
    pub content: String,
    /// `received` or `answered`.
    pub status: String,
    pub answer: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeedback {
    /// `phan_anh` (phản ánh) or `kien_nghi` (kiến nghị).
    #[schema(pattern = "^(phan_anh|kien_nghi)$")]
    pub kind: String,
    pub content: String,
}

/// Sends feedback or a complaint (phản ánh, kiến nghị) about one's own dossier; audited. Send an
/// `Idempotency-Key` header: a retry returns the first answer and sends nothing twice.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/feedback", tag = "citizen portal", params(("id" = Uuid, Path)),
    request_body = NewFeedback,
    responses((status = 201, body = Feedback), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn send_feedback(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<NewFeedback>,
) -> ApiResult<Response> {
    let me = citizen(&caller)?;
    own_dossier(&state, me, id).await?;
    let content: String = unicode_normalization::UnicodeNormalization::nfc(req.content.trim()).collect();
    let mut problems = Vec::new();
    if !matches!(req.kind.as_str(), "phan_anh" | "kien_nghi") {
        problems.push(FieldError::new("body.kind", "unknown", "phan_anh or kien_nghi"));
    }
    if !(10..=2000).contains(&content.chars().count()) {
        problems.push(FieldError::new("body.content", "invalid_length", "10 to 2000 characters"));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let request = serde_json::to_vec(&json!({"dossier": id, "kind": req.kind, "content": content}))
        .map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "feedback", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let feedback: Feedback = sqlx::query_as(
        "INSERT INTO feedback (dossier_id, citizen_id, kind, content) VALUES ($1, $2, $3, $4)
         RETURNING id, kind, content, status, answer, created_at",
    )
    .bind(id)
    .bind(me.id)
    .bind(&req.kind)
    .bind(&content)
    .fetch_one(&mut *g.tx)
    .await?;
    let me_id = me.id.to_string();
    audit::append(
        &mut g.tx,
        &audit::Entry {
            actor_kind: audit::ActorKind::Citizen,
            actor_id: Some(&me_id),
            action: "dossier.feedback",
            object_kind: Some("dossier"),
            object_id: Some(&id.to_string()),
            details: json!({"feedback_id": feedback.id, "kind": feedback.kind}),
        },
    )
    .await?;
    let body = idem::to_json(&feedback)?;
    g.finish(201, &body).await?;
    Ok(idem::answer(201, body))
}

/// The feedback sent about the dossier (its applicant, or staff who may see the dossier).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/feedback", tag = "citizen portal", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Feedback>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_feedback(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Feedback>>> {
    let mut tx = state.db.begin().await?;
    dossier::view(&mut tx, &caller, id).await?;
    tx.commit().await?;
    Ok(Json(
        sqlx::query_as(
            "SELECT id, kind, content, status, answer, created_at FROM feedback WHERE dossier_id = $1 ORDER BY created_at",
        )
        .bind(id)
        .fetch_all(&state.db)
        .await?,
    ))
}

/// The citizen's notifications, newest first (at most 100).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "citizen portal",
    responses((status = 200, body = Vec<crate::notify::NotificationView>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn notifications(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<crate::notify::NotificationView>>> {
    let me = citizen(&caller)?;
    Ok(Json(
        sqlx::query_as(
            "SELECT n.id, n.dossier_id, d.code AS dossier_code, n.event, n.title, n.body, n.link, n.created_at, n.read_at
               FROM notification n JOIN dossier d ON d.id = n.dossier_id
              WHERE n.citizen_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT 100",
        )
        .bind(me.id)
        .fetch_all(&state.db)
        .await?,
    ))
}

/// Marks a notification read.
#[utoipa::path(post, path = "/api/v1/me/notifications/{id}/read", tag = "citizen portal", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read_notification(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let me = citizen(&caller)?;
    let done =
        sqlx::query("UPDATE notification SET read_at = coalesce(read_at, now()) WHERE id = $1 AND citizen_id = $2")
            .bind(id)
            .bind(me.id)
            .execute(&state.db)
            .await?
            .rows_affected();
    if done == 0 { Err(ApiError::not_found()) } else { Ok(StatusCode::NO_CONTENT) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_letter_by_letter() {
        assert_eq!(mask_name("Nguyễn Văn An"), "N***** V** A*");
        assert_eq!(mask_name("  Đỗ  Thị  "), "Đ* T**");
        assert_eq!(mask_name(""), "");
    }
}
