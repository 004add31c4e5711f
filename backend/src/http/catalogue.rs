//! The procedure catalogue: search (without diacritics), one procedure, export and import.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiQuery, ApiResult, ErrorBody, ErrorCode, FieldError},
    idem,
};
use crate::{
    app::{self, catalogue::ImportReport, idempotency::Begun},
    domain::catalogue,
    store::audit::ActorKind,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words of the name, with or without diacritics (`dang ky khai sinh` finds `Đăng ký khai sinh`).
    #[param(max_length = 200, pattern = "^[^\\u0000-\\u0008\\u000e-\\u001f\\u007f-\\u0084\\u0086-\\u009f]*$")]
    pub q: Option<String>,
    /// Field (lĩnh vực) code.
    #[param(pattern = "^[^\\u0000-\\u0008\\u000e-\\u001f\\u007f-\\u0084\\u0086-\\u009f]*$")]
    pub field: Option<String>,
    /// `commune`, `department` or `province`.
    #[param(pattern = "^[^\\u0000-\\u0008\\u000e-\\u001f\\u007f-\\u0084\\u0086-\\u009f]*$")]
    pub level: Option<String>,
    /// `full`, `partial` or `none`.
    #[param(pattern = "^[^\\u0000-\\u0008\\u000e-\\u001f\\u007f-\\u0084\\u0086-\\u009f]*$")]
    pub online_level: Option<String>,
    /// At most 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct ProcedureSummary {
    pub code: String,
    pub name: String,
    pub field_code: String,
    pub field_name: String,
    pub online_level: String,
    pub competent_level: Option<String>,
    pub competent_agency: Option<String>,
    pub version: i32,
    pub is_sample: bool,
}

/// Searches the catalogue's current versions.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "catalogue", params(SearchQuery),
    responses((status = 200, body = Vec<ProcedureSummary>), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<ProcedureSummary>>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("query.limit", "out_of_range", "between 1 and 200"));
    }
    if q.q.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::field("query.q", "too_long", "at most 200 characters"));
    }
    // PostgreSQL text cannot hold NUL: refuse control characters (other than white space, which separates
    // words) here rather than fail in the query.
    let control = |c: char| c.is_control() && !c.is_whitespace();
    for (name, value) in [("q", &q.q), ("field", &q.field), ("level", &q.level), ("online_level", &q.online_level)] {
        if value.as_deref().is_some_and(|v| v.chars().any(control)) {
            return Err(ApiError::field(
                &format!("query.{name}"),
                "invalid_format",
                "must not contain control characters",
            ));
        }
    }
    let rows = sqlx::query_as(
        "SELECT p.code, pv.name, pv.field_code, pv.field_name, pv.online_level, pv.competent_level, pv.competent_agency,
                pv.version, pv.is_sample
           FROM procedure p JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version
          WHERE ($1::text IS NULL OR pv.name_fold LIKE ALL (
                    SELECT '%' || regexp_replace(w, '([%_\\\\])', '\\\\\\1', 'g') || '%'
                      FROM unnest(regexp_split_to_array(motcua_fold($1), '\\s+')) AS w WHERE w <> ''))
            AND ($2::text IS NULL OR pv.field_code = $2)
            AND ($3::text IS NULL OR pv.competent_level = $3)
            AND ($4::text IS NULL OR pv.online_level = $4)
          ORDER BY pv.name, p.code
          LIMIT $5",
    )
    .bind(q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()))
    .bind(q.field.as_deref())
    .bind(q.level.as_deref())
    .bind(q.online_level.as_deref())
    .bind(limit)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(rows))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProcedureDocument {
    pub version: i32,
    /// The procedure as in the catalogue's import/export format.
    #[schema(value_type = Object)]
    pub procedure: serde_json::Value,
}

/// One procedure's current version: everything a citizen needs before starting, and its e-form and workflow.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", operation_id = "get_procedure", tag = "catalogue", params(("code" = String, Path)),
    responses((status = 200, body = ProcedureDocument), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<ProcedureDocument>> {
    if code.chars().any(char::is_control) {
        // No procedure code has one (and PostgreSQL text cannot hold NUL).
        return Err(ApiError::not_found());
    }
    let row: Option<(i32, serde_json::Value)> = sqlx::query_as(
        "SELECT pv.version, pv.document FROM procedure p
           JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version WHERE p.code = $1",
    )
    .bind(&code)
    .fetch_optional(&state.db)
    .await?;
    let (version, procedure) = row.ok_or_else(ApiError::not_found)?;
    Ok(Json(ProcedureDocument { version, procedure }))
}

/// The whole catalogue in its import/export format (procedures sorted by code). Export → import → export is identical.
#[utoipa::path(get, path = "/api/v1/catalogue/export", tag = "catalogue",
    responses((status = 200, description = "JSON array of procedures", content_type = "application/json", body = Vec<Object>)))]
pub async fn export(State(state): State<AppState>) -> ApiResult<Response> {
    let text = app::catalogue::export(&state.db).await?;
    let mut res = text.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(res)
}

/// Imports a catalogue (same format as the export). Each procedure whose content changed gets a new
/// version; dossiers already filed keep the version they were filed under. System administrators only.
/// Every problem is reported at once with its path; nothing is published unless all procedures are valid.
#[utoipa::path(post, path = "/api/v1/catalogue/import", tag = "catalogue",
    request_body(content = Vec<Object>, content_type = "application/json"),
    responses(
        (status = 200, body = ImportReport),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "Invalid procedures; `details[].field` is `body[i].path`", body = ErrorBody),
    ))]
pub async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    let staff = app::require_staff(&caller)?;
    if !staff.is_system_admin() {
        return Err(ApiError::new(ErrorCode::Forbidden, "system administrators only"));
    }
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::field("body", "invalid_encoding", "must be UTF-8"))?;
    let refused = |problems: Vec<catalogue::CatalogueProblem>| {
        ApiError::validation(
            problems.into_iter().map(|p| FieldError::new(format!("body{}", p.path), p.code, p.message)).collect(),
        )
    };
    let procs = catalogue::import(text).map_err(refused)?;
    let mut g = match idem::begin(&state, &caller, &headers, "catalogue_import", &body).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let tx = &mut g.tx;
    let unknown = app::catalogue::unknown_agencies(tx, &procs).await?;
    if !unknown.is_empty() {
        return Err(refused(unknown));
    }
    let report = app::catalogue::publish(tx, (ActorKind::Staff, &staff.id.to_string()), &procs).await?;
    let body = idem::to_json(&report)?;
    g.finish(200, &body).await?;
    Ok(idem::answer(200, body))
}

/// Publishes a new version of one procedure (or its first version), e.g. after editing its e-form or workflow in
/// the desk. The body is the procedure document as `GET /api/v1/procedures/{code}` returns it under `procedure`.
/// Agency administrators publish the procedures their own agency is competent for (`competent.agency` is its
/// QĐ 20 code); procedures defined by agency level (every commune, say) are shared and published by system
/// administrators. Every problem is reported at once under `body.<path>`; dossiers already filed keep their version.
#[utoipa::path(put, path = "/api/v1/procedures/{code}", tag = "catalogue", params(("code" = String, Path)),
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 200, body = ProcedureDocument),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "Invalid procedure; `details[].field` is `body.<path>`", body = ErrorBody),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(code): Path<String>,
    super::error::ApiJson(p): super::error::ApiJson<catalogue::Procedure>,
) -> ApiResult<Response> {
    let staff = app::require_staff(&caller)?;
    let mut problems: Vec<FieldError> = Vec::new();
    if p.code != code {
        problems.push(FieldError::new("body.code", "mismatch", "must be the code in the address"));
    }
    if let Err(found) = p.validate() {
        problems.extend(found.into_iter().map(|x| FieldError::new(format!("body.{}", x.path), x.code, x.message)));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let request = serde_json::to_vec(&p).map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "procedure_publish", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let tx = &mut g.tx;
    if !staff.is_system_admin() {
        // The agency the procedure names now, and the one its current version named (an administrator may not
        // take over another agency's procedure by renaming the competent agency).
        let current: Option<serde_json::Value> = sqlx::query_scalar(
            "SELECT pv.document FROM procedure p
               JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version WHERE p.code = $1",
        )
        .bind(&code)
        .fetch_optional(&mut **tx)
        .await?;
        let current: Option<catalogue::Procedure> = current.and_then(|d| serde_json::from_value(d).ok());
        let mut named = vec![&p.competent];
        named.extend(current.as_ref().map(|c| &c.competent));
        for competent in named {
            let allowed = match competent {
                catalogue::Competent::Agency(agency_code) => {
                    match crate::store::agency::find_by_code(tx, agency_code).await? {
                        Some(agency) => staff.has_role_in_agency(agency, "agency_admin"),
                        None => false,
                    }
                }
                catalogue::Competent::Level(_) => false,
            };
            if !allowed {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "administrators of the competent agency only (procedures shared by a level: system administrators)",
                ));
            }
        }
    }
    let unknown = app::catalogue::unknown_agencies(tx, std::slice::from_ref(&p)).await?;
    if !unknown.is_empty() {
        return Err(ApiError::validation(
            unknown
                .into_iter()
                .map(|x| FieldError::new(format!("body{}", x.path.trim_start_matches("[0]")), x.code, x.message))
                .collect(),
        ));
    }
    app::catalogue::publish(tx, (ActorKind::Staff, &staff.id.to_string()), std::slice::from_ref(&p)).await?;
    let version: i32 = sqlx::query_scalar("SELECT current_version FROM procedure WHERE code = $1")
        .bind(&code)
        .fetch_one(&mut **tx)
        .await?;
    let body = idem::to_json(&ProcedureDocument {
        version,
        procedure: serde_json::to_value(&p).map_err(|e| ApiError::Internal(e.into()))?,
    })?;
    g.finish(200, &body).await?;
    Ok(idem::answer(200, body))
}

/// The procedure's declaration (tờ khai) as a blank A4 PDF to print and fill in by hand, generated from its e-form
/// (every field in order, required ones marked). Anyone may download it.
#[utoipa::path(get, path = "/api/v1/procedures/{code}/to-khai.pdf", tag = "catalogue", params(("code" = String, Path)),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = ErrorBody)))]
pub async fn declaration_pdf(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Response> {
    use crate::{
        domain::eform::FieldKind,
        pdf::official::{BlankField, Declaration},
    };
    let Json(doc) = get(State(state), Path(code.clone())).await?;
    let procedure: catalogue::Procedure = serde_json::from_value(doc.procedure)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored procedure: {e}")))?;
    let fields = procedure
        .form
        .fields
        .iter()
        .map(|f| {
            let shape = match &f.kind {
                FieldKind::Textarea {} => BlankField::Lines(3),
                FieldKind::Select { options } => BlankField::Choice(options.iter().map(|o| o.label.clone()).collect()),
                FieldKind::Checkbox {} => BlankField::Tick,
                FieldKind::Address {} => BlankField::Address,
                _ => BlankField::Lines(1),
            };
            (f.label.clone(), f.required, shape)
        })
        .collect();
    let declaration = Declaration {
        procedure_name: procedure.name.clone(),
        procedure_code: procedure.code.clone(),
        addressee: String::new(),
        fields,
    };
    let bytes = crate::pdf::render(move || crate::pdf::official::declaration(&declaration))
        .await
        .map_err(ApiError::Internal)?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    let name: String = code.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"to-khai-{name}.pdf\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
