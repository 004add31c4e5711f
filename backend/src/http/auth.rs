//! Who is calling: the session cookie, checked on every request that needs it.
//!
//! Sessions live in PostgreSQL (any instance serves any request). A session ends when revoked
//! (sign-out, account disabled), when unused for `session_idle`, or `session_absolute` after sign-in.
//! State-changing requests authenticated by the cookie must echo the session's CSRF token in
//! `x-csrf-token` (a cross-site form or fetch cannot read it), on top of `SameSite=Lax`.

use axum::{extract::FromRequestParts, http::Method, http::request::Parts};
use time::OffsetDateTime;

use super::{
    AppState,
    error::{ApiError, ErrorCode, FieldError},
};
use crate::store::{self, audit};

pub const SESSION_COOKIE: &str = "motcua_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub use crate::app::{Caller, CitizenCaller, StaffCaller};

/// The value of cookie `name`, if the request carries it.
pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn unauthenticated(reason: &str) -> ApiError {
    ApiError::Client {
        code: ErrorCode::Unauthenticated,
        message: "sign-in required".into(),
        details: vec![FieldError::new("cookie", reason, "no valid session")],
        retry_after_secs: None,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let resolved = resolve(parts, state).await;
        match &resolved {
            Ok(caller) => {
                if let Some(slot) = parts.extensions.get::<super::middleware::CallerSlot>()
                    && let Ok(mut s) = slot.0.lock()
                {
                    *s = Some(match caller {
                        Caller::Citizen(c) => (audit::ActorKind::Citizen, c.id.to_string()),
                        Caller::Staff(st) => (audit::ActorKind::Staff, st.id.to_string()),
                        Caller::System(m) => (audit::ActorKind::Machine, m.id.to_owned()),
                    });
                }
            }
            // A presented session that is refused (revoked, expired, idle, disabled, made up) is audited;
            // no cookie at all is just an anonymous visitor.
            Err(ApiError::Client { code: ErrorCode::Unauthenticated, details, .. })
                if details.first().is_some_and(|d| d.code != "missing") =>
            {
                let reason = details.first().map(|d| d.code.clone()).unwrap_or_default();
                let entry = audit::Entry {
                    actor_kind: audit::ActorKind::Anonymous,
                    actor_id: None,
                    action: "auth.session_refused",
                    object_kind: None,
                    object_id: None,
                    details: serde_json::json!({"reason": reason}),
                };
                if let Err(e) = audit::append_alone(&state.db, &entry).await {
                    tracing::error!(error = %e, "refused session could not be audited");
                }
            }
            Err(_) => {}
        }
        resolved
    }
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    let token = cookie_value(&parts.headers, SESSION_COOKIE).ok_or_else(|| unauthenticated("missing"))?;
    let session = store::session::find(&state.db, &token).await?.ok_or_else(|| unauthenticated("unknown"))?;
    let now = OffsetDateTime::now_utc();
    if session.revoked_at.is_some() {
        return Err(unauthenticated("revoked"));
    }
    if now >= session.expires_at {
        return Err(unauthenticated("expired"));
    }
    let idle = time::Duration::try_from(state.config.session_idle).unwrap_or(time::Duration::MINUTE * 30);
    if now - session.last_seen_at > idle {
        store::session::revoke(&state.db, &token).await?;
        return Err(unauthenticated("idle_timeout"));
    }
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let sent = parts.headers.get(CSRF_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
        if !constant_time_eq(sent, session.csrf_token.as_bytes()) {
            return Err(ApiError::Client {
                code: ErrorCode::CsrfFailed,
                message: "missing or wrong CSRF token".into(),
                details: vec![FieldError::new("header.x-csrf-token", "invalid", "must echo the session's CSRF token")],
                retry_after_secs: None,
            });
        }
    }
    store::session::touch(&state.db, &token, (idle / 10_i32).min(time::Duration::MINUTE)).await?;
    match (session.citizen_id, session.staff_id) {
        (Some(id), None) => Ok(Caller::Citizen(CitizenCaller { id })),
        (None, Some(id)) => {
            let staff = store::staff::get(&state.db, id).await?.ok_or_else(|| unauthenticated("unknown"))?;
            if !staff.active {
                return Err(unauthenticated("account_disabled"));
            }
            let roles = store::staff::roles(&state.db, id).await?;
            Ok(Caller::Staff(StaffCaller { id, full_name: staff.full_name, roles }))
        }
        _ => Err(unauthenticated("unknown")),
    }
}
