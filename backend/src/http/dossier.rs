//! Dossiers over HTTP: uploads, online submission, counter reception, actions, reads and downloads.

use axum::{
    Json,
    body::Body,
    extract::{Multipart, Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiJson, ApiResult, ErrorBody, ErrorCode, FieldError},
    idem,
};
use crate::{
    app::dossier::{self as uc, ActionRequest, DossierView, HistoryEntry, ReceiveAtCounter, StepView, SubmitDossier},
    app::idempotency::Begun,
    domain::filetype,
};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UploadView {
    pub id: Uuid,
    /// The name as given, NFC, without any directory part.
    pub file_name: String,
    /// What the bytes are (`pdf`, `jpeg`, `png`, `tiff`, `webp`, `docx`, `xlsx`, `odt`, `ods`), whatever the name says.
    pub kind: String,
    pub size: u64,
    pub sha256: String,
}

/// The multipart form of an upload. Documentation only: the handler streams the field.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct UploadForm {
    /// The document, with its file name.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads one file (multipart field `file`) to attach to a dossier afterwards. The type is decided from
/// the bytes, never the name; executables, scripts, HTML/SVG and truncated files are refused.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "dossiers",
    request_body(content = UploadForm, content_type = "multipart/form-data", description = "field `file`: the document"),
    responses(
        (status = 201, body = UploadView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, description = "The file is over the limit", body = ErrorBody),
        (status = 422, description = "Type not allowed, dangerous, truncated, or a bad file name", body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    let limit = state.config.upload_limit_bytes;
    let mut found = None;
    while let Some(mut field) =
        multipart.next_field().await.map_err(|e| ApiError::field("body", "invalid_multipart", &e.body_text()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_owned();
        // Sized once from the request's length (never beyond the limit), hashed as the chunks arrive.
        let expected = headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
            .unwrap_or(0);
        let mut bytes = Vec::with_capacity(expected.min(limit));
        let mut hashing = crate::objects::Hashing::default();
        while let Some(chunk) = field.chunk().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::PayloadTooLarge, "request body too large")
            } else {
                ApiError::field("body.file", "invalid_multipart", &e.body_text())
            }
        })? {
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::Client {
                    code: ErrorCode::PayloadTooLarge,
                    message: format!("files may be at most {limit} bytes"),
                    details: vec![FieldError::new("body.file", "too_large", format!("at most {limit} bytes"))],
                    retry_after_secs: None,
                });
            }
            hashing.update(&chunk);
            bytes.extend_from_slice(&chunk);
        }
        found = Some((name, bytes, hashing.finish()));
        break;
    }
    let (name, bytes, stored) =
        found.ok_or_else(|| ApiError::field("body.file", "required", "send the file in the `file` field"))?;
    let file_name =
        filetype::safe_file_name(&name).map_err(|p| ApiError::field("body.file.name", p.code(), p.message()))?;
    let kind = filetype::inspect(&bytes).map_err(|p| ApiError::field("body.file", p.code(), p.message()))?;
    let (owner_kind, owner_id) = match &caller {
        Caller::Citizen(c) => ("citizen", c.id),
        Caller::Staff(s) => ("staff", s.id),
        Caller::System(_) => return Err(ApiError::new(ErrorCode::Forbidden, "uploads are for people")),
    };
    // The file is written and synced while the database work below runs; the transaction commits only
    // once the file is durable, so no row ever names a file that is not there. (Spawned: it finishes, or
    // cleans up its temporary file, even when this request is abandoned.)
    let store = {
        let objects = state.objects.clone();
        let object = stored.clone();
        tokio::spawn(async move { objects.put_hashed(object, bytes).await })
    };
    let stored_durably = async move {
        store.await.map_err(std::io::Error::other).and_then(|r| r).map_err(|e| {
            tracing::error!(error = %e, "attachment store failed");
            ApiError::new(ErrorCode::ServiceUnavailable, "the file store is unavailable; nothing was saved")
                .with_retry_after(30)
        })
    };
    let request = [file_name.as_bytes(), b"\0", stored.sha256.as_slice()].concat();
    let mut g = match idem::begin(&state, &caller, &headers, "upload", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO upload (owner_kind, owner_id, file_name, kind, size, sha256, object_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(owner_kind)
    .bind(owner_id)
    .bind(&file_name)
    .bind(kind.as_str())
    .bind(stored.size as i64)
    .bind(stored.sha256.as_slice())
    .bind(&stored.key)
    .fetch_one(&mut *g.tx)
    .await?;
    stored_durably.await?;
    let view = UploadView { id, file_name, kind: kind.as_str().into(), size: stored.size, sha256: stored.sha256_hex() };
    let body = idem::to_json(&view)?;
    g.finish(201, &body).await?;
    Ok(idem::answer(201, body))
}

/// A citizen submits a dossier online (national status 1, with its dossier code).
/// Send an `Idempotency-Key` header: a retry returns the first answer and creates nothing.
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers", request_body = SubmitDossier,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries safe")),
    responses(
        (status = 201, body = DossierView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "Unknown procedure, e-form answers that fail the schema, missing components", body = ErrorBody),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    ApiJson(req): ApiJson<SubmitDossier>,
) -> ApiResult<Response> {
    state.limiter.check("submit", &caller.key(), state.config.submissions_per_minute)?;
    let request = serde_json::to_vec(&req).map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "submit", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let id = uc::submit(&mut g.tx, &caller, &req).await?;
    let body = idem::to_json(&uc::view_unaudited(&mut g.tx, &caller, id).await?)?;
    g.finish(201, &body).await?;
    Ok(idem::answer(201, body))
}

/// A clerk receives a dossier at the counter or by post (national status 2): the dossier code and the
/// appointment time are issued at once. Send an `Idempotency-Key` header.
#[utoipa::path(post, path = "/api/v1/dossiers/counter", tag = "dossiers", request_body = ReceiveAtCounter,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries safe")),
    responses(
        (status = 201, body = DossierView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn receive_at_counter(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    ApiJson(req): ApiJson<ReceiveAtCounter>,
) -> ApiResult<Response> {
    let request = serde_json::to_vec(&req).map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "counter", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let id = uc::receive_at_counter(&mut g.tx, &caller, &req).await?;
    let body = idem::to_json(&uc::view_unaudited(&mut g.tx, &caller, id).await?)?;
    g.finish(201, &body).await?;
    Ok(idem::answer(201, body))
}

/// Takes one action on a dossier (accept, hand over, approve, ...). `expected_version` must be the
/// dossier's current `version`, else 409 `conflict`: someone else acted first. Send an `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/actions", tag = "dossiers", request_body = ActionRequest,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "makes retries safe")),
    responses(
        (status = 200, body = DossierView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Your role may not take this action here", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`conflict` (stale version) or `illegal_transition`", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> ApiResult<Response> {
    let request = serde_json::to_vec(&(id, &req)).map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "act", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let generated = if req.generate_result {
        if !matches!(req.action.as_str(), "approve" | "issue_result") {
            return Err(ApiError::field("body.generate_result", "not_allowed", "only with approve or issue_result"));
        }
        let (doc, component_code, file_name) =
            crate::app::documents::result_document(&mut g.tx, &caller, id, &state.config.public_url).await?;
        let bytes =
            crate::pdf::render(move || crate::pdf::forms::result_document(&doc)).await.map_err(ApiError::Internal)?;
        let object = state.objects.put(&bytes).await.map_err(|e| {
            tracing::error!(error = %e, "generated result not stored");
            ApiError::new(ErrorCode::ServiceUnavailable, "the file store is unavailable").with_retry_after(30)
        })?;
        Some(uc::InlineFile { component_code, file_name, kind: "pdf".into(), object })
    } else {
        None
    };
    let id = uc::act(&mut g.tx, &caller, id, &req, generated).await?;
    let body = idem::to_json(&uc::view_unaudited(&mut g.tx, &caller, id).await?)?;
    g.finish(200, &body).await?;
    Ok(idem::answer(200, body))
}

/// One dossier, for its applicant or for staff of a unit that holds or held it (404 for anyone else).
/// Staff reads are recorded in the audit log.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}", operation_id = "get_dossier_by_id", tag = "dossiers", params(("id" = Uuid, Path)),
    responses((status = 200, body = DossierView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<Json<DossierView>> {
    let mut tx = state.db.begin().await?;
    let view = uc::view(&mut tx, &caller, id).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// The dossier's history: every action with actor, unit, time, note, from-state and to-state.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/history", tag = "dossiers", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    let mut tx = state.db.begin().await?;
    let h = uc::history(&mut tx, &caller, id).await?;
    tx.commit().await?;
    Ok(Json(h))
}

/// The workflow steps the dossier went through: unit, start, due time, finish and timeliness of each.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/steps", tag = "dossiers", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<StepView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn steps(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<StepView>>> {
    let mut tx = state.db.begin().await?;
    let s = uc::steps(&mut tx, &caller, id).await?;
    tx.commit().await?;
    Ok(Json(s))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// `true`: to show in the page (a PDF in a frame, an image) rather than to save.
    pub inline: Option<bool>,
}

/// Downloads an attachment of a dossier the caller may see (404 otherwise). Staff downloads are audited.
/// With `inline=true` it is served to be shown in our own pages (PDFs and images only; framable by our
/// origin alone).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/attachments/{attachment_id}", tag = "dossiers",
    params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path), DownloadQuery),
    responses(
        (status = 200, description = "The file, with the media type of the kind its bytes were found to be at upload",
            content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"),
                (Vec<u8> = "image/tiff"), (Vec<u8> = "image/webp"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (Vec<u8> = "application/vnd.oasis.opendocument.text"),
                (Vec<u8> = "application/vnd.oasis.opendocument.spreadsheet"),
                (Vec<u8> = "application/octet-stream"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, attachment_id)): Path<(Uuid, Uuid)>,
    super::error::ApiQuery(q): super::error::ApiQuery<DownloadQuery>,
) -> ApiResult<Response> {
    let mut tx = state.db.begin().await?;
    let (key, file_name, kind) = uc::attachment(&mut tx, &caller, id, attachment_id).await?;
    tx.commit().await?;
    let bytes = state.objects.get(&key).await.map_err(|e| {
        tracing::error!(error = %e, "attachment unreadable");
        ApiError::new(ErrorCode::ServiceUnavailable, "the file store is unavailable").with_retry_after(30)
    })?;
    let mime = filetype::FileKind::parse(&kind).map_or("application/octet-stream", |k| k.mime());
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    // Only formats the browser renders itself (no active content) are shown inline; the rest always download.
    let inline = q.inline == Some(true) && matches!(kind.as_str(), "pdf" | "jpeg" | "png" | "webp");
    let disposition = if inline { "inline" } else { "attachment" };
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if inline {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    }
    Ok(res)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormQuery {
    /// For 02–05: the history entry (`seq`) the document records; the latest of its kind when absent.
    #[param(minimum = 1)]
    pub seq: Option<i32>,
}

/// An official document of the dossier as a PDF (TT 01/2018/TT-VPCP, domain.md §6), from its real data:
/// `01.pdf` the receipt and appointment slip, `02.pdf` a supplement request, `03.pdf` the refusal, `04.pdf` the
/// apology with the new date, `05.pdf` the stop notice (A5), `06.pdf` the control sheet (A4, staff only). Each
/// carries the national motto, the dossier code and a QR code to the public lookup; the same data gives the same
/// bytes. The dossier's `documents` list says which exist. Whoever may see the dossier may download them (staff
/// downloads are audited); a document that does not apply (yet) is 409.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/forms/{file}", tag = "dossiers",
    params(("id" = Uuid, Path), ("file" = String, Path, description = "`01.pdf` … `06.pdf`"), FormQuery),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The document does not apply to the dossier (yet)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn form_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file)): Path<(Uuid, String)>,
    super::error::ApiQuery(q): super::error::ApiQuery<FormQuery>,
) -> ApiResult<Response> {
    let form =
        file.strip_suffix(".pdf").and_then(crate::app::documents::Form::parse).ok_or_else(ApiError::not_found)?;
    let mut tx = state.db.begin().await?;
    let (doc, name) = crate::app::documents::form(&mut tx, &caller, id, form, q.seq, &state.config.public_url).await?;
    tx.commit().await?;
    pdf_response(doc, &name).await
}

/// Renders an official document off the async runtime and answers it inline (to open and print).
pub async fn pdf_response(doc: crate::app::documents::Document, file_name: &str) -> ApiResult<Response> {
    let bytes = crate::pdf::render(move || doc.render()).await.map_err(ApiError::Internal)?;
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    let name: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || "-._".contains(c) { c } else { '_' }).collect();
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
