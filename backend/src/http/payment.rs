//! Fees: a citizen pays online through the payment platform; the platform's signed callback lands here;
//! administrators can run the payment reconciliation on demand. (Clerks record cash and transfers with the
//! dossier action `record_payment`.)

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::Value;
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiJson, ApiResult, ErrorBody, ErrorCode},
};
use crate::app::{
    self,
    payment::{PaymentView, ReconcileReport, StartedPayment},
};

/// Starts paying the dossier's fees online (the applicant, while the dossier waits for its fees). Answers
/// where to send the payer. Nothing is charged here; the platform confirms by its callback.
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/payments", tag = "payments", params(("id" = Uuid, Path)),
    responses(
        (status = 201, body = StartedPayment),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The dossier is not waiting for a payment", body = ErrorBody),
        (status = 503, description = "The payment platform cannot take it now (nothing charged)", body = ErrorBody),
    ))]
pub async fn start(
    State(state): State<AppState>,
    super::limit::ClientIp(peer): super::limit::ClientIp,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let started =
        app::payment::start(&state.db, &state.platform, &state.config, &caller, id, &peer.to_string()).await?;
    Ok((StatusCode::CREATED, Json(started)).into_response())
}

/// The payments of a dossier (whoever may see the dossier).
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/payments", operation_id = "list_payments", tag = "payments", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<PaymentView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<PaymentView>>> {
    // The same visibility rule as the dossier itself (and the same audit of staff reads).
    let mut tx = state.db.begin().await?;
    app::dossier::view(&mut tx, &caller, id).await?;
    tx.commit().await?;
    Ok(Json(app::payment::for_dossier(&state.db, id).await?))
}

/// The payment platform's callback message (interop.md §4), every field a string. Documentation only: the
/// handler reads the fields from the JSON itself, to check the signature over them as sent.
#[allow(non_snake_case, dead_code)]
#[derive(utoipa::ToSchema)]
pub struct PaygovCallback {
    /// `CALLBACK`.
    #[schema(pattern = "^CALLBACK$")]
    LoaiBanTin: String,
    MaLoi: String,
    MaDoiTac: String,
    MaThamChieu: String,
    SoTien: String,
    MaTienTe: String,
    MaGiaoDich: String,
    MaNganHang: String,
    ThoiGianGD: String,
    ThongTinGiaoDich: String,
    /// The signature over the other fields.
    MaXacThuc: String,
}

/// The payment platform's callback (interop.md §4): `MaXacThuc` is checked in constant time, the reference
/// must be ours and the amount the one asked for; a refusal is logged and audited. A repeat is harmless.
#[utoipa::path(post, path = "/api/v1/payments/paygov/callback", operation_id = "payment_callback", tag = "payments",
    request_body = PaygovCallback,
    responses(
        (status = 200, description = "`{\"MaLoi\": \"00\", \"MoTa\": ...}`", body = Object),
        (status = 401, description = "Bad signature", body = ErrorBody),
        (status = 422, description = "Unknown reference, another amount, missing fields", body = ErrorBody),
    ))]
pub async fn callback(State(state): State<AppState>, ApiJson(body): ApiJson<Value>) -> ApiResult<Json<Value>> {
    let started = std::time::Instant::now();
    let outcome = app::payment::callback(&state.db, &state.config, &body).await;
    let request = serde_json::to_vec(&body).unwrap_or_default();
    let (status, result) = match &outcome {
        Ok(_) => (200, "ok"),
        Err(ApiError::Client { code, .. }) => (code.status().as_u16(), "refused"),
        Err(_) => (500, "error"),
    };
    let reference = body.get("MaThamChieu").and_then(Value::as_str);
    let exchange = crate::platform::Exchange {
        direction: "inbound",
        peer: "paygov",
        operation: "CALLBACK",
        request: Some(&request),
        response: None,
        http_status: Some(status),
        result,
        duration: started.elapsed(),
        subject: reference.filter(|r| r.len() <= 64),
    };
    crate::platform::log_exchange(&state.db, &exchange).await;
    let answer = outcome?;
    // The e-receipt, at once when the platform has it (else the payment reconciliation fetches it later).
    if let Some(reference) = reference
        && body.get("MaLoi").and_then(Value::as_str) == Some("00")
    {
        let paid: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM payment WHERE reference = $1 AND state = 'paid' AND receipt_attachment_id IS NULL",
        )
        .bind(reference)
        .fetch_optional(&state.db)
        .await?;
        if let Some(id) = paid
            && let Err(e) =
                app::payment::fetch_receipt(&state.db, &state.objects, &state.platform, &state.config, id, reference)
                    .await
        {
            tracing::warn!(error = ?e, "e-receipt not fetched yet; the reconciliation will retry");
        }
    }
    Ok(Json(answer))
}

/// Runs the payment reconciliation now (QUERY pending payments, fetch missing e-receipts). System administrators.
#[utoipa::path(post, path = "/api/v1/admin/payment-reconciliations", tag = "administration",
    responses((status = 200, body = ReconcileReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn reconcile(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<ReconcileReport>> {
    let admin = app::require_staff(&caller)?;
    if !admin.is_system_admin() {
        return Err(ApiError::new(ErrorCode::Forbidden, "system administrators only"));
    }
    Ok(Json(app::payment::reconcile_once(&state.db, &state.objects, &state.platform, &state.config).await?))
}
