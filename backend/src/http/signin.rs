//! Sign-in and sign-out pages and the session's own endpoints.
//!
//! `GET /auth/login?who=citizen|staff` starts the OpenID Connect flow (`eid`), `GET /auth/callback` ends it
//! and opens a server-side session (a new id every time), `POST /api/v1/auth/logout` ends it (and returns
//! the provider's end-session URL), `GET /api/v1/me` tells the web UI who is signed in and its CSRF token.
//! Every sign-in, failed sign-in and sign-out is in the audit log; tokens and ID numbers never are.

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    AppState,
    auth::{Caller, SESSION_COOKIE, cookie_value},
    error::{ApiError, ApiResult, ErrorBody},
};
use crate::{
    eid::{Identity, Kind, RelyingParty},
    population::{Verification, mask},
    store::{audit, session},
};

const BINDING_COOKIE: &str = "motcua_auth";
/// A sign-in must come back within this long.
const PENDING_MINUTES: i64 = 15;

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha(s: &str) -> Vec<u8> {
    Sha256::digest(s.as_bytes()).to_vec()
}

fn cookie(state: &AppState, name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.tls() { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; HttpOnly; SameSite=Lax; Path={path}; Max-Age={max_age}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn rp(state: &AppState, kind: Kind) -> &RelyingParty {
    match kind {
        Kind::Citizen => &state.citizen_rp,
        Kind::Staff => &state.staff_rp,
    }
}

/// A plain Vietnamese page (sign-in happens in full-page navigations, not in API calls).
fn page(status: StatusCode, title: &str, message: &str, action: Option<(&str, &str)>) -> Response {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let link = action
        .map(|(href, label)| format!(r#"<p><a class="nut" href="{}">{}</a></p>"#, esc(href), esc(label)))
        .unwrap_or_default();
    let html = format!(
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} — Cổng Dịch vụ công</title><style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}}
h1{{font-size:1.4rem;color:#8a1c1c}}a.nut{{display:inline-block;padding:.6rem 1rem;background:#0b3d91;color:#fff;border-radius:4px;text-decoration:none}}
a.nut:focus{{outline:3px solid #f0b400}}</style></head><body><main><h1>{t}</h1><p>{m}</p>{link}<p><a href="/">Về trang chủ</a></p></main></body></html>"#,
        t = esc(title),
        m = esc(message),
    );
    let mut res = (status, html).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Only same-site paths: never an open redirect.
fn safe_return_to(s: Option<&str>) -> String {
    match s {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && p.len() <= 500 => p.to_owned(),
        _ => "/".to_owned(),
    }
}

async fn audit_anonymous(state: &AppState, action: &str, details: serde_json::Value) {
    let entry = audit::Entry {
        actor_kind: audit::ActorKind::Anonymous,
        actor_id: None,
        action,
        object_kind: None,
        object_id: None,
        details,
    };
    if let Err(e) = audit::append_alone(&state.db, &entry).await {
        tracing::error!(error = %e, action, "sign-in event could not be audited");
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// `citizen` (default: the national eID) or `staff` (the province's staff identity provider).
    #[param(pattern = "^(citizen|staff)$")]
    pub who: Option<String>,
    /// A path on this site to come back to.
    pub return_to: Option<String>,
    /// Passed to the provider as `login_hint`.
    pub login_hint: Option<String>,
}

/// Starts a sign-in: redirects to the identity provider (PKCE S256, `state` and `nonce` bound to this browser).
#[utoipa::path(get, path = "/auth/login", tag = "sign-in", params(LoginQuery),
    responses(
        (status = 303, description = "To the identity provider"),
        (status = 429, description = "Too many sign-in attempts from this address", body = ErrorBody),
        (status = 503, description = "The identity provider is unavailable (a Vietnamese page)"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    super::limit::ClientIp(peer): super::limit::ClientIp,
    Query(q): Query<LoginQuery>,
) -> ApiResult<Response> {
    state.limiter.check("signin", &peer.to_string(), state.config.signin_per_minute)?;
    let Some(kind) = Kind::parse(q.who.as_deref().unwrap_or("citizen")) else {
        return Err(ApiError::field("query.who", "unknown", "citizen or staff"));
    };
    let started = match rp(&state, kind).start(q.login_hint.as_deref()).await {
        Ok(s) => s,
        Err(_) => {
            return Ok(page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Chưa kết nối được hệ thống định danh",
                "Hệ thống định danh điện tử đang tạm thời không phản hồi. Vui lòng thử lại sau ít phút.",
                Some((&format!("/auth/login?who={}", kind.as_str()), "Thử lại")),
            ));
        }
    };
    let binding = random_hex();
    sqlx::query("DELETE FROM auth_request WHERE created_at < now() - make_interval(mins => $1)")
        .bind(PENDING_MINUTES as i32)
        .execute(&state.db)
        .await?;
    sqlx::query(
        "INSERT INTO auth_request (state_hash, binding_hash, provider, nonce, pkce_verifier, return_to)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(sha(&started.state))
    .bind(sha(&binding))
    .bind(kind.as_str())
    .bind(&started.nonce)
    .bind(&started.pkce_verifier)
    .bind(safe_return_to(q.return_to.as_deref()))
    .execute(&state.db)
    .await?;
    let mut res = StatusCode::SEE_OTHER.into_response();
    let h = res.headers_mut();
    h.insert(header::LOCATION, HeaderValue::from_str(&started.url).map_err(|e| ApiError::Internal(e.into()))?);
    h.insert(header::SET_COOKIE, cookie(&state, BINDING_COOKIE, &binding, "/auth", PENDING_MINUTES * 60));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

struct Refusal {
    status: StatusCode,
    reason: String,
    title: &'static str,
    message: &'static str,
}

fn refusal(status: StatusCode, reason: impl Into<String>, title: &'static str, message: &'static str) -> Refusal {
    Refusal { status, reason: reason.into(), title, message }
}

fn generic_failure(reason: impl Into<String>) -> Refusal {
    refusal(
        StatusCode::BAD_REQUEST,
        reason,
        "Đăng nhập không thành công",
        "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại từ đầu.",
    )
}

/// Ends a sign-in: checks the request is this browser's and unused, verifies the ID token, checks the
/// citizen against the population database at first sign-in (or finds the staff account), opens a session.
#[utoipa::path(get, path = "/auth/callback", operation_id = "auth_callback", tag = "sign-in",
    responses(
        (status = 303, description = "Signed in: back to where the sign-in started, with a new session cookie"),
        (status = 400, description = "A refused sign-in (a Vietnamese page; the reason is audited)"),
        (status = 403, description = "No staff account, or identity not matching the population database"),
        (status = 503, description = "The population database could not be asked: try again"),
    ))]
pub async fn callback(
    State(state): State<AppState>,
    super::limit::ClientIp(peer): super::limit::ClientIp,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> ApiResult<Response> {
    state.limiter.check("signin", &peer.to_string(), state.config.signin_per_minute)?;
    let outcome = finish(&state, &headers, &q).await?;
    let clear_binding = cookie(&state, BINDING_COOKIE, "", "/auth", 0);
    match outcome {
        Ok((owner, kind, return_to)) => {
            // A new session id at every sign-in; the browser's previous session (if any) ends.
            if let Some(old) = cookie_value(&headers, SESSION_COOKIE) {
                session::revoke(&state.db, &old).await?;
            }
            let absolute = time::Duration::try_from(state.config.session_absolute).unwrap_or(time::Duration::HOUR * 12);
            let s = session::create(&state.db, owner, absolute).await?;
            let (actor_kind, id) = match owner {
                session::Owner::Citizen(id) => (audit::ActorKind::Citizen, id),
                session::Owner::Staff(id) => (audit::ActorKind::Staff, id),
            };
            let id_text = id.to_string();
            let entry = audit::Entry {
                actor_kind,
                actor_id: Some(&id_text),
                action: "auth.sign_in",
                object_kind: None,
                object_id: None,
                details: json!({"provider": kind.as_str()}),
            };
            audit::append_alone(&state.db, &entry).await?;
            let mut res = StatusCode::SEE_OTHER.into_response();
            let h = res.headers_mut();
            h.insert(header::LOCATION, HeaderValue::from_str(&return_to).unwrap_or(HeaderValue::from_static("/")));
            h.append(header::SET_COOKIE, cookie(&state, SESSION_COOKIE, &s.token, "/", absolute.whole_seconds()));
            h.append(header::SET_COOKIE, clear_binding);
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        Err(r) => {
            audit_anonymous(&state, "auth.sign_in_failed", json!({"reason": r.reason})).await;
            tracing::info!(reason = %r.reason, "sign-in refused");
            let mut res = page(r.status, r.title, r.message, Some(("/dang-nhap", "Đăng nhập lại")));
            res.headers_mut().append(header::SET_COOKIE, clear_binding);
            Ok(res)
        }
    }
}

type Finished = Result<(session::Owner, Kind, String), Refusal>;

async fn finish(state: &AppState, headers: &HeaderMap, q: &CallbackQuery) -> ApiResult<Finished> {
    let Some(state_param) = q.state.as_deref() else { return Ok(Err(generic_failure("missing_state"))) };
    // Single use: the pending request is taken out; a replayed or swapped callback finds nothing.
    let pending: Option<(Vec<u8>, String, String, String, String, OffsetDateTime)> = sqlx::query_as(
        "DELETE FROM auth_request WHERE state_hash = $1
         RETURNING binding_hash, provider, nonce, pkce_verifier, return_to, created_at",
    )
    .bind(sha(state_param))
    .fetch_optional(&state.db)
    .await?;
    let Some((binding_hash, provider, nonce, verifier, return_to, created_at)) = pending else {
        return Ok(Err(generic_failure("unknown_state")));
    };
    let binding = cookie_value(headers, BINDING_COOKIE);
    if binding.as_deref().map(sha) != Some(binding_hash) {
        return Ok(Err(generic_failure("state_not_bound_to_browser")));
    }
    if OffsetDateTime::now_utc() - created_at > time::Duration::minutes(PENDING_MINUTES) {
        return Ok(Err(generic_failure("request_expired")));
    }
    let kind = Kind::parse(&provider).unwrap_or(Kind::Citizen);
    if let Some(err) = &q.error {
        let reason = format!(
            "provider_error:{}",
            err.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(40).collect::<String>()
        );
        return Ok(Err(refusal(
            StatusCode::BAD_REQUEST,
            reason,
            "Chưa đăng nhập",
            "Bạn đã hủy đăng nhập hoặc hệ thống định danh từ chối yêu cầu.",
        )));
    }
    let Some(code) = q.code.as_deref() else { return Ok(Err(generic_failure("missing_code"))) };
    let identity = match rp(state, kind).finish(code, q.iss.as_deref(), &nonce, &verifier).await {
        Ok(i) => i,
        Err(e) => return Ok(Err(generic_failure(e.code()))),
    };
    Ok(match kind {
        Kind::Staff => staff_owner(state, &identity).await?.map(|o| (o, kind, return_to)),
        Kind::Citizen => citizen_owner(state, &identity).await?.map(|o| (o, kind, return_to)),
    })
}

async fn staff_owner(state: &AppState, identity: &Identity) -> ApiResult<Result<session::Owner, Refusal>> {
    // Roles and units come from our own data, never from the token.
    let id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM staff WHERE username = $1 AND active")
        .bind(&identity.subject)
        .fetch_optional(&state.db)
        .await?;
    Ok(id.map(session::Owner::Staff).ok_or_else(|| {
        refusal(
            StatusCode::FORBIDDEN,
            "no_staff_account",
            "Tài khoản chưa được cấp quyền",
            "Tài khoản cán bộ này chưa được cấp quyền sử dụng hệ thống một cửa điện tử, hoặc đã bị khóa. \
             Vui lòng liên hệ quản trị hệ thống của cơ quan.",
        )
    }))
}

fn yyyymmdd(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year][month][day]")).ok()
}

async fn citizen_owner(state: &AppState, identity: &Identity) -> ApiResult<Result<session::Owner, Refusal>> {
    let c = &identity.claims;
    let nfc = |s: &str| unicode_normalization::UnicodeNormalization::nfc(s.trim()).collect::<String>();
    let account_type = match &c.account_type {
        Some(serde_json::Value::String(s)) => s.parse::<i16>().unwrap_or(1),
        Some(serde_json::Value::Number(n)) => n.as_i64().unwrap_or(1) as i16,
        _ => 1,
    };
    let Some(pid) = c.personal_id.as_deref().filter(|p| p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit())) else {
        return Ok(Err(generic_failure("missing_personal_id")));
    };
    let Some(name) = c.full_name.as_deref().map(nfc).filter(|n| !n.is_empty()) else {
        return Ok(Err(generic_failure("missing_name")));
    };
    let existing: Option<(Uuid, Option<OffsetDateTime>)> =
        sqlx::query_as("SELECT id, verified_at FROM citizen WHERE issuer = $1 AND subject = $2")
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .fetch_optional(&state.db)
            .await?;
    if let Some((id, Some(_))) = existing {
        sqlx::query("UPDATE citizen SET email = coalesce($2, email), phone = coalesce($3, phone) WHERE id = $1")
            .bind(id)
            .bind(&c.email)
            .bind(&c.phone)
            .execute(&state.db)
            .await?;
        return Ok(Ok(session::Owner::Citizen(id)));
    }
    // First sign-in: the identity is checked against the population database; only "verified" lets in.
    match state.population.verify(&state.db, pid, &name, c.birth_date.as_deref(), "SIGNIN", "CONGDAN").await {
        Verification::Verified(_) => {}
        Verification::NotFound => {
            tracing::info!(masked_id = %mask(pid), "population database does not know this identity");
            return Ok(Err(refusal(
                StatusCode::FORBIDDEN,
                "population_mismatch",
                "Chưa xác thực được danh tính",
                "Thông tin tài khoản định danh không khớp với Cơ sở dữ liệu quốc gia về dân cư. \
                 Vui lòng liên hệ cơ quan công an nơi cư trú để được hỗ trợ.",
            )));
        }
        Verification::Unknown(why) => {
            return Ok(Err(refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("population_unavailable:{why}"),
                "Chưa kiểm tra được thông tin công dân",
                "Chưa kết nối được Cơ sở dữ liệu quốc gia về dân cư để xác thực lần đăng nhập đầu tiên. \
                 Vui lòng thử lại sau ít phút.",
            )));
        }
    }
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO citizen (issuer, subject, account_type, personal_id, tax_code, full_name, birth_date, email, phone,
                              tech_id, loa, verified_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
         ON CONFLICT (issuer, subject) DO UPDATE SET verified_at = now(), full_name = EXCLUDED.full_name,
             personal_id = EXCLUDED.personal_id, tax_code = EXCLUDED.tax_code, birth_date = EXCLUDED.birth_date,
             email = EXCLUDED.email, phone = EXCLUDED.phone
         RETURNING id",
    )
    .bind(&identity.issuer)
    .bind(&identity.subject)
    .bind(if (1..=3).contains(&account_type) { account_type } else { 1 })
    .bind(pid)
    .bind(c.tax_code.as_deref().filter(|_| account_type == 2))
    .bind(&name)
    .bind(c.birth_date.as_deref().and_then(yyyymmdd))
    .bind(&c.email)
    .bind(&c.phone)
    .bind(&c.tech_id)
    .bind(c.loas.as_ref().map(|v| v.to_string()))
    .fetch_one(&state.db)
    .await?;
    Ok(Ok(session::Owner::Citizen(id)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// `citizen` or `staff`.
    pub kind: String,
    pub id: Uuid,
    pub full_name: String,
    /// Masked (`001******345`) for citizens; absent for staff.
    pub personal_id: Option<String>,
    /// Echo it in `x-csrf-token` on every state-changing request.
    pub csrf_token: String,
    /// Staff: the roles per unit.
    pub roles: Vec<MeRole>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeRole {
    pub unit_id: Uuid,
    pub agency_id: Uuid,
    pub unit_kind: String,
    pub role: String,
}

/// Who is signed in, and the CSRF token the web UI must send back.
#[utoipa::path(get, path = "/api/v1/me", tag = "sign-in",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, headers: HeaderMap, caller: Caller) -> ApiResult<Json<Me>> {
    let token = cookie_value(&headers, SESSION_COOKIE).unwrap_or_default();
    let csrf_token = session::find(&state.db, &token).await?.map(|s| s.csrf_token).unwrap_or_default();
    Ok(Json(match caller {
        Caller::System(_) => return Err(ApiError::new(crate::http::error::ErrorCode::Unauthenticated, "no session")),
        Caller::Citizen(c) => {
            let (full_name, pid): (String, Option<String>) =
                sqlx::query_as("SELECT full_name, personal_id FROM citizen WHERE id = $1")
                    .bind(c.id)
                    .fetch_one(&state.db)
                    .await?;
            Me {
                kind: "citizen".into(),
                id: c.id,
                full_name,
                personal_id: pid.as_deref().map(mask),
                csrf_token,
                roles: vec![],
            }
        }
        Caller::Staff(s) => Me {
            kind: "staff".into(),
            id: s.id,
            full_name: s.full_name.clone(),
            personal_id: None,
            csrf_token,
            roles: s
                .roles
                .iter()
                .map(|r| MeRole {
                    unit_id: r.unit_id,
                    agency_id: r.agency_id,
                    unit_kind: r.unit_kind.clone(),
                    role: r.role.clone(),
                })
                .collect(),
        },
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoggedOut {
    /// Where to send the browser to end the identity provider's session too (RP-initiated logout).
    pub end_session_url: Option<String>,
}

/// Signs out: the session ends on the server at once (the cookie is worthless afterwards).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "sign-in",
    responses((status = 200, body = LoggedOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap, caller: Caller) -> ApiResult<Response> {
    let token = cookie_value(&headers, SESSION_COOKIE).unwrap_or_default();
    session::revoke(&state.db, &token).await?;
    let (actor_kind, id, kind) = match &caller {
        Caller::Citizen(c) => (audit::ActorKind::Citizen, c.id, Kind::Citizen),
        Caller::Staff(s) => (audit::ActorKind::Staff, s.id, Kind::Staff),
        Caller::System(_) => return Err(ApiError::new(crate::http::error::ErrorCode::Unauthenticated, "no session")),
    };
    let id_text = id.to_string();
    let entry = audit::Entry {
        actor_kind,
        actor_id: Some(&id_text),
        action: "auth.sign_out",
        object_kind: None,
        object_id: None,
        details: json!({}),
    };
    audit::append_alone(&state.db, &entry).await?;
    let end_session_url = rp(&state, kind).end_session_url(&format!("{}/", state.config.public_url)).await;
    let mut res = Json(LoggedOut { end_session_url }).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie(&state, SESSION_COOKIE, "", "/", 0));
    Ok(res)
}
