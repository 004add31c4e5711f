//! The inbound API for the national portal (interop.md §5), under `/api/v1/national/`.
//!
//! Every call carries `Authorization: Bearer <JWT>` signed by the sharing platform; [`NationalPortal`] verifies it
//! (rules in [`crate::national::jwt`]). A refusal is 401 `unauthenticated` with the reason in `details`
//! (`field: "header.authorization"`) and a `WWW-Authenticate` challenge, or 503 `service_unavailable` when the
//! platform's keys cannot be fetched; every refusal is written to the audit log (the reason, never the token).

use axum::{
    Json,
    extract::{FromRequestParts, Path, State},
    http::{HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    AppState,
    error::{ApiError, ApiResult, ErrorBody, ErrorCode, FieldError},
};
use crate::{
    national::{
        self,
        jwt::{Claims, TokenError},
        national_datetime,
    },
    store::audit,
};

/// The national portal, authenticated by a sharing-platform token with the `dvcqg` scope.
#[derive(Debug, Clone)]
pub struct NationalPortal {
    pub claims: Claims,
}

/// Why the national portal's request was refused; answers in the API's error shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal(pub TokenError);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let reason = self.0;
        let details = vec![FieldError::new("header.authorization", reason.reason(), reason.to_string())];
        if reason == TokenError::JwksUnavailable {
            return ApiError::Client {
                code: ErrorCode::ServiceUnavailable,
                message: "the sharing platform's signing keys are unavailable; try again later".into(),
                details,
                retry_after_secs: Some(10),
            }
            .into_response();
        }
        let mut res = ApiError::Client {
            code: ErrorCode::Unauthenticated,
            message: "a valid bearer token from the sharing platform is required".into(),
            details,
            retry_after_secs: None,
        }
        .into_response();
        // RFC 6750 §3.1: no error code when the request carried no token at all.
        let challenge = if reason == TokenError::MissingToken { "Bearer" } else { r#"Bearer error="invalid_token""# };
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        res
    }
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235).
fn bearer(parts: &Parts) -> Result<&str, TokenError> {
    let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next().ok_or(TokenError::MissingToken)?;
    if values.next().is_some() {
        return Err(TokenError::Malformed);
    }
    let value = value.to_str().map_err(|_| TokenError::Malformed)?;
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(TokenError::MissingToken),
    }
}

/// Writes the refusal to the audit log. A failure to do so is logged; the request is refused all the same.
async fn audit_refusal(state: &AppState, parts: &Parts, reason: TokenError) {
    tracing::warn!(reason = reason.reason(), path = %parts.uri.path(), "national portal token refused");
    let request_id = parts.headers.get(super::REQUEST_ID_HEADER).and_then(|v| v.to_str().ok());
    let entry = audit::Entry {
        actor_kind: audit::ActorKind::Machine,
        actor_id: None,
        action: "auth.token_refused",
        object_kind: None,
        object_id: None,
        details: serde_json::json!({
            "reason": reason.reason(),
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "request_id": request_id,
        }),
    };
    if let Err(e) = audit::append_alone(&state.db, &entry).await {
        tracing::error!(error = %e, reason = reason.reason(), "cannot audit a refused national portal token");
    }
}

/// Requests per minute one national client may make (per instance): well above the portal's polling needs,
/// low enough that a runaway client cannot starve citizens.
pub const NATIONAL_PER_MINUTE: u32 = 600;

impl FromRequestParts<AppState> for NationalPortal {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let verified = match bearer(parts) {
            Ok(token) => state.national_jwt.verify(token).await,
            Err(e) => Err(e),
        };
        match verified {
            Ok(claims) => Ok(Self { claims }),
            Err(reason) => {
                audit_refusal(state, parts, reason).await;
                Err(Refusal(reason))
            }
        }
    }
}

/// A dossier's status in the national `HoSo` shape (interop.md §3), as far as this system has it today.
/// Every value is a string; dates are `yyyyMMddHHmmss` in Vietnam time (UTC+7), `""` when absent.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "MaHoSo": "000.00.14.H56-260302-0001", "MaTTHC": "1.000894", "TenTTHC": "Thủ tục đăng ký kết hôn",
    "KenhThucHien": "1", "TrangThaiHoSo": "2", "NgayNopHoSo": "20260302083000",
    "NgayTiepNhan": "20260302083000", "NgayHenTra": "20260309083000", "NgayTra": ""
}))]
pub struct NationalDossier {
    /// Mã hồ sơ.
    #[serde(rename = "MaHoSo")]
    pub ma_ho_so: String,
    /// National procedure code (mã TTHC).
    #[serde(rename = "MaTTHC")]
    pub ma_tthc: String,
    /// Procedure name, in the version the dossier was filed under.
    #[serde(rename = "TenTTHC")]
    pub ten_tthc: String,
    /// `1` counter, `2` online, `3` post.
    #[serde(rename = "KenhThucHien")]
    pub kenh_thuc_hien: String,
    /// National status `1`..`10` (domain.md §4).
    #[serde(rename = "TrangThaiHoSo")]
    pub trang_thai_ho_so: String,
    /// When the dossier was filed.
    #[serde(rename = "NgayNopHoSo")]
    pub ngay_nop_ho_so: String,
    /// When the one-stop clerk received it; `""` before.
    #[serde(rename = "NgayTiepNhan")]
    pub ngay_tiep_nhan: String,
    /// The appointment for the result (while paused for a supplement: the appointment as it stood); `""` before reception.
    #[serde(rename = "NgayHenTra")]
    pub ngay_hen_tra: String,
    /// When the result was handed over; `""` before.
    #[serde(rename = "NgayTra")]
    pub ngay_tra: String,
}

impl From<national::DossierStatus> for NationalDossier {
    fn from(d: national::DossierStatus) -> Self {
        Self {
            ma_ho_so: d.code,
            ma_tthc: d.procedure_code,
            ten_tthc: d.procedure_name,
            kenh_thuc_hien: d.channel.to_string(),
            trang_thai_ho_so: d.national_code.to_string(),
            ngay_nop_ho_so: national_datetime(Some(d.submitted_at)),
            ngay_tiep_nhan: national_datetime(d.received_at),
            ngay_hen_tra: national_datetime(d.due_at),
            ngay_tra: national_datetime(d.returned_at),
        }
    }
}

/// A dossier's current status, for the national portal.
///
/// **Machine authentication**: `Authorization: Bearer <JWT>` issued by the sharing platform — RS256 or ES256,
/// signed by a key of the platform's JWKS (named by `kid`), `iss` the platform, `aud` containing our client id,
/// within `exp`/`nbf` (60 s skew), `scope` containing `dvcqg`. Otherwise 401 `unauthenticated` with the reason in
/// `details[0].code` (`missing_token`, `malformed`, `alg_not_allowed`, `unknown_key`, `bad_signature`,
/// `wrong_issuer`, `wrong_audience`, `expired`, `not_yet_valid`, `missing_scope`) and a `WWW-Authenticate`
/// challenge; 503 `service_unavailable` (`jwks_unavailable`) when the platform's keys cannot be fetched.
#[utoipa::path(get, path = "/api/v1/national/dossiers/{MaHoSo}", tag = "national",
    params(("MaHoSo" = String, Path, description = "Mã hồ sơ")),
    responses(
        (status = 200, body = NationalDossier),
        (status = 401, description = "No valid sharing-platform token; the reason is in `details`", body = ErrorBody),
        (status = 404, description = "No dossier with this code", body = ErrorBody),
        (status = 503, description = "The sharing platform's signing keys are unavailable", body = ErrorBody),
    ))]
pub async fn get_dossier(
    portal: NationalPortal,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<NationalDossier>> {
    let client = portal.claims.client_id.as_deref().or(portal.claims.subject.as_deref()).unwrap_or("unknown");
    state.limiter.check("national", client, NATIONAL_PER_MINUTE)?;
    let dossier = national::dossier_status(&state.db, &code).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(dossier.into()))
}
