//! The inbound API for the national portal (interop.md §5), under `/api/v1/national/`.
//!
//! Every call carries `Authorization: Bearer <JWT>` signed by the sharing platform; [`NationalPortal`] verifies it
//! (rules in [`crate::national::jwt`]). A refusal is 401 `unauthenticated` with the reason in `details`
//! (`field: "header.authorization"`) and a `WWW-Authenticate` challenge, or 503 `service_unavailable` when the
//! platform's keys cannot be fetched; every refusal is written to the audit log (the reason, never the token).

use axum::{
    Json,
    extract::{FromRequestParts, Path, State},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    AppState,
    error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody, ErrorCode, FieldError},
};
use crate::{
    app,
    national::{
        self,
        jwt::{Claims, TokenError},
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

/// A document in a dossier (`TaiLieuNop`).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaiLieuNop {
    pub TepDinhKemId: String,
    pub TenTepDinhKem: String,
    pub MaThanhPhanHoSo: String,
    pub DuongDanTaiTepTin: String,
    pub DuocSoHoa: String,
    pub DuocTaiSuDung: String,
}

/// A fee or charge (`DanhSachLePhi`): `LoaiPhiLePhi` "1" fee (phí), "2" charge (lệ phí).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LePhi {
    pub TenPhiLePhi: String,
    pub MaPhiLePhi: String,
    pub Gia: String,
    pub LoaiPhiLePhi: String,
}

/// A supplement request (`DanhSachHoSoBoSung`): `TrangThaiBoSung` "1" waiting, "2" received.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoSoBoSung {
    pub HoSoBoSungId: String,
    pub NguoiYeuCauBoSung: String,
    pub NoiDungBoSung: String,
    pub NgayBoSung: String,
    pub NgayTiepNhanBoSung: String,
    pub TrangThaiBoSung: String,
    pub NgayHenTraTruoc: String,
    pub NgayHenTraMoi: String,
}

/// A result document (`DanhSachGiayToKetQua`).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GiayToKetQua {
    pub TenGiayTo: String,
    pub MaThanhPhanHoSo: String,
    pub GiayToId: String,
    pub DuongDanTepTinKetQua: String,
}

/// A dossier in the national `HoSo` shape (interop.md §3), exactly what `DongBoHoSoMC` sends.
/// Every value is a string; dates are `yyyyMMddHHmmss` in Vietnam time (UTC+7), `""` when absent.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoSo {
    pub MaHoSo: String,
    pub MaTTHC: String,
    pub TenTTHC: String,
    pub MaLinhVuc: String,
    pub TenLinhVuc: String,
    /// `1` counter, `2` online, `3` post.
    pub KenhThucHien: String,
    pub ChuHoSo: String,
    /// `1` citizen, `2` business, `3` agency, `4` other.
    pub LoaiDoiTuong: String,
    pub MaDoiTuong: String,
    pub SoGiayToChuHoSo: String,
    pub Email: String,
    pub SoDienThoai: String,
    pub TrichYeuHoSo: String,
    pub NgayNopHoSo: String,
    pub NgayTiepNhan: String,
    pub NgayHenTra: String,
    /// National status `1`..`10` (domain.md §4).
    pub TrangThaiHoSo: String,
    pub NgayTra: String,
    pub ThongTinTra: String,
    /// `0` collect in person, `1` by post.
    pub HinhThuc: String,
    pub NgayKetThucXuLy: String,
    pub DonViXuLy: String,
    pub NgayTuChoi: String,
    pub GhiChu: String,
    /// `0` no fee paid yet, `1` paid online, `3` paid otherwise.
    pub DuocThanhToanTrucTuyen: String,
    pub HoSoCoThanhPhanSoHoa: String,
    pub TaiKhoanDuocXacThucVoiVNeID: String,
    pub TaiLieuNop: Vec<TaiLieuNop>,
    pub DanhSachLePhi: Vec<LePhi>,
    pub DanhSachHoSoBoSung: Vec<HoSoBoSung>,
    pub DanhSachGiayToKetQua: Vec<GiayToKetQua>,
}

/// A person filing on the national portal (`ThongTinNguoiNop`).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ThongTinNguoiNop {
    pub HoVaTen: String,
    /// 12 digits.
    pub SoDinhDanh: String,
    /// `yyyyMMdd`.
    #[serde(default)]
    pub NgayThangNamSinh: Option<String>,
    #[serde(default)]
    pub DiaChi: Option<String>,
    #[serde(default)]
    pub SoDienThoai: Option<String>,
    #[serde(default)]
    pub Email: Option<String>,
}

/// A file sent inline (`TepDinhKem`).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TepDinhKem {
    pub TenTepDinhKem: String,
    /// The procedure's component code, e.g. `TP01`.
    pub MaThanhPhanHoSo: String,
    /// MIME type; must agree with the bytes.
    pub LoaiNoiDung: String,
    /// Standard base64.
    pub NoiDung: String,
}

/// A dossier filed on dichvucong.gov.vn: the `HoSo` fields (`TrangThaiHoSo` "1", `KenhThucHien` "2"),
/// the person filing, the e-form answers and the files. `DonViXuLy` names the receiving agency (its code or
/// its name) when the procedure does not name one. Other `HoSo` fields may be sent and are ignored.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NationalSubmission {
    pub MaHoSo: String,
    pub MaTTHC: String,
    pub TrangThaiHoSo: String,
    #[serde(default)]
    pub KenhThucHien: Option<String>,
    #[serde(default)]
    pub ChuHoSo: Option<String>,
    #[serde(default)]
    pub SoGiayToChuHoSo: Option<String>,
    #[serde(default)]
    pub DonViXuLy: Option<String>,
    pub ThongTinNguoiNop: ThongTinNguoiNop,
    /// The e-form answers, keyed by field key.
    #[schema(value_type = Object)]
    pub DuLieuBieuMau: Value,
    #[serde(default)]
    pub TepDinhKem: Vec<TepDinhKem>,
}

/// The answer to a filed dossier (the same for every repeat).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NationalReceipt {
    pub MaHoSo: String,
    pub TrangThaiHoSo: String,
}

/// One status change in the feed.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeItem {
    /// Opaque; ask for `after=<cursor>` to continue from here.
    pub cursor: String,
    pub MaHoSo: String,
    pub TrangThaiHoSo: String,
    /// `yyyyMMddHHmmss`, Vietnam time.
    pub ThoiDiem: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangePage {
    pub items: Vec<ChangeItem>,
    /// The cursor to ask from next (the last item's, or the one given when there is nothing new).
    pub next: String,
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// A cursor from an earlier page; absent: from the start.
    pub after: Option<String>,
    /// 1..=500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Records one of the portal's calls in the exchange log (digests only).
async fn log_inbound(
    state: &AppState,
    operation: &str,
    subject: Option<&str>,
    response: Option<&[u8]>,
    status: u16,
    started: std::time::Instant,
) {
    let exchange = crate::platform::Exchange {
        direction: "inbound",
        peer: "dvcqg",
        operation,
        request: None,
        response,
        http_status: Some(status),
        result: if status < 400 { "ok" } else { "refused" },
        duration: started.elapsed(),
        subject: subject.filter(|s| s.len() <= 64),
    };
    crate::platform::log_exchange(&state.db, &exchange).await;
}

fn rate_limit(state: &AppState, portal: &NationalPortal) -> Result<(), ApiError> {
    let client = portal.claims.client_id.as_deref().or(portal.claims.subject.as_deref()).unwrap_or("unknown");
    state.limiter.check("national", client, state.config.national_per_minute)
}

/// A dossier as the national portal knows it: the whole `HoSo`.
///
/// **Machine authentication**: `Authorization: Bearer <JWT>` issued by the sharing platform — RS256 or ES256,
/// signed by a key of the platform's JWKS (named by `kid`), `iss` the platform, `aud` containing our client id,
/// within `exp`/`nbf` (60 s skew), `scope` containing `dvcqg`. Otherwise 401 `unauthenticated` with the reason in
/// `details[0].code` (`missing_token`, `malformed`, `alg_not_allowed`, `unknown_key`, `bad_signature`,
/// `wrong_issuer`, `wrong_audience`, `expired`, `not_yet_valid`, `missing_scope`) and a `WWW-Authenticate`
/// challenge; 503 `service_unavailable` (`jwks_unavailable`) when the platform's keys cannot be fetched.
/// The same holds for every route under `/api/v1/national/`.
#[utoipa::path(get, path = "/api/v1/national/dossiers/{MaHoSo}", tag = "national",
    params(("MaHoSo" = String, Path, description = "Mã hồ sơ")),
    responses(
        (status = 200, body = HoSo),
        (status = 401, description = "No valid sharing-platform token; the reason is in `details`", body = ErrorBody),
        (status = 404, description = "No dossier with this code", body = ErrorBody),
        (status = 503, description = "The sharing platform's signing keys are unavailable", body = ErrorBody),
    ))]
pub async fn get_dossier(
    portal: NationalPortal,
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    rate_limit(&state, &portal)?;
    let started = std::time::Instant::now();
    let id: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM dossier WHERE code = $1").bind(&code).fetch_optional(&state.db).await?;
    let Some(id) = id else {
        log_inbound(&state, "TraCuuHoSo", Some(&code), None, 404, started).await;
        return Err(ApiError::not_found());
    };
    let mut conn = state.db.acquire().await?;
    let mut ho_so = national::outbox::ho_so(&mut conn, id, None).await?;
    drop(conn);
    national::outbox::absolute_links(&mut ho_so, &state.config.public_url);
    let body = serde_json::to_vec(&ho_so).unwrap_or_default();
    log_inbound(&state, "TraCuuHoSo", Some(&code), Some(&body), 200, started).await;
    Ok(Json(ho_so))
}

/// A dossier filed on dichvucong.gov.vn. Idempotent on `MaHoSo`: a repeat (even concurrent) gets the first
/// answer and creates nothing. The dossier enters the receiving agency's one-stop queue as an online dossier
/// (state `submitted`). Unknown procedure, bad fields, oversize or disallowed files: 422 with every problem
/// listed, field paths in the national names (`body.ThongTinNguoiNop.SoDinhDanh`, `body.TepDinhKem[0].NoiDung`).
#[utoipa::path(post, path = "/api/v1/national/dossiers", tag = "national",
    request_body = NationalSubmission,
    responses(
        (status = 201, body = NationalReceipt),
        (status = 401, body = ErrorBody),
        (status = 422, description = "Every problem, by field", body = ErrorBody),
        (status = 503, body = ErrorBody),
    ))]
pub async fn receive_dossier(
    portal: NationalPortal,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    rate_limit(&state, &portal)?;
    let started = std::time::Instant::now();
    let code = app::inbound::code_of(&body)?;
    let mut tx = state.db.begin().await?;
    let (answer, fresh) = match app::inbound::previous_answer(&mut tx, &code).await? {
        Some(previous) => (previous, false),
        None => (
            app::inbound::receive(&mut tx, &state.objects, state.config.upload_limit_bytes, &body, code.clone())
                .await?,
            true,
        ),
    };
    tx.commit().await?;
    let request = serde_json::to_vec(&body).unwrap_or_default();
    let response = serde_json::to_vec(&answer).unwrap_or_default();
    let exchange = crate::platform::Exchange {
        direction: "inbound",
        peer: "dvcqg",
        operation: "NopHoSo",
        request: Some(&request),
        response: Some(&response),
        http_status: Some(201),
        result: if fresh { "ok" } else { "repeat" },
        duration: started.elapsed(),
        subject: Some(&code),
    };
    crate::platform::log_exchange(&state.db, &exchange).await;
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// Status changes in commit order, from a cursor, so the portal can catch up after an outage.
#[utoipa::path(get, path = "/api/v1/national/changes", tag = "national",
    params(ChangeQuery),
    responses(
        (status = 200, body = ChangePage),
        (status = 401, body = ErrorBody),
        (status = 422, description = "A bad cursor or limit", body = ErrorBody),
        (status = 503, body = ErrorBody),
    ))]
pub async fn changes(
    portal: NationalPortal,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ChangeQuery>,
) -> ApiResult<Json<ChangePage>> {
    rate_limit(&state, &portal)?;
    let after = match q.after.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::field("query.after", "invalid_cursor", "use a cursor this API gave you"))?,
        ),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("query.limit", "out_of_range", "1 to 500"));
    }
    let started = std::time::Instant::now();
    let (items, next) = national::feed::read(&state.db, after, limit).await?;
    log_inbound(&state, "changes", None, None, 200, started).await;
    Ok(Json(ChangePage {
        items: items
            .into_iter()
            .map(|c| ChangeItem {
                cursor: c.cursor,
                MaHoSo: c.code,
                TrangThaiHoSo: c.national_code.to_string(),
                ThoiDiem: c.at,
            })
            .collect(),
        next,
    }))
}
