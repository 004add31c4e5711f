//! Cross-cutting HTTP layers written for this service: metrics, the request time limit,
//! the early body-size check, and security headers.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderName, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{AppState, error::ApiError, error::ErrorCode};
use crate::telemetry::{HTTP_REQUEST_DURATION, HTTP_REQUESTS_TOTAL};

/// Counts requests and records latency by matched route (never the raw path, which may carry ids),
/// method and status.
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let method = req.method().clone();
    let start = Instant::now();
    let res = next.run(req).await;
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16().to_string();
    let labels = [("route", route), ("method", method.to_string()), ("status", status)];
    metrics::counter!(HTTP_REQUESTS_TOTAL, &labels).increment(1);
    metrics::histogram!(HTTP_REQUEST_DURATION, &labels).record(start.elapsed().as_secs_f64());
    res
}

/// Answers `timeout` when a request runs past the configured limit. The handler's future is
/// dropped, so its open transaction (if any) rolls back: nothing is half-written.
pub async fn time_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.config.request_timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(limit_secs = state.config.request_timeout.as_secs(), "request timed out");
            ApiError::new(ErrorCode::Timeout, "request took too long").into_response()
        }
    }
}

/// Refuses a declared `Content-Length` over the limit before reading a byte. Bodies without a
/// length (chunked) are capped by axum's `DefaultBodyLimit` while they are read.
pub async fn early_body_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(len) = declared
        && len > state.config.body_limit_bytes as u64
    {
        return ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body of {len} bytes exceeds the limit of {} bytes", state.config.body_limit_bytes),
        )
        .into_response();
    }
    next.run(req).await
}

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
// Pages get their script hashes from the <meta> CSP that SvelteKit writes at build time; the header adds
// what a <meta> policy cannot carry (frame-ancestors) and the parts that must hold for every page.
const PAGE_CSP: &str = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";
// Swagger UI needs inline styles and data: images; its scripts are served from our own origin.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                        frame-ancestors 'none'; object-src 'none'; base-uri 'self'";

/// Security headers on every response; handlers that set their own keep them.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let is_api = path.starts_with("/api/") || matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
    let is_docs = path.starts_with("/api-docs");
    let method = req.method().clone();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
    let csp = if is_docs {
        DOCS_CSP
    } else if is_api {
        API_CSP
    } else {
        PAGE_CSP
    };
    set(header::CONTENT_SECURITY_POLICY, csp);
    if is_api && method != Method::OPTIONS {
        // API answers may hold personal data: never stored by browsers or proxies.
        set(header::CACHE_CONTROL, "no-store");
    } else if path.starts_with("/_app/immutable/") {
        set(header::CACHE_CONTROL, "public, max-age=31536000, immutable");
    } else {
        // Pages, version.json and other unversioned files: revalidate so a new release shows at once.
        set(header::CACHE_CONTROL, "no-cache");
    }
    if state.config.tls() {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    res
}

/// Who the request turned out to be, filled in by the `Caller` extractor, for `audit_refusals`.
#[derive(Clone, Default)]
pub struct CallerSlot(pub std::sync::Arc<std::sync::Mutex<Option<(crate::store::audit::ActorKind, String)>>>);

/// Writes every refused access to the audit log: a 403, or a 404 that hid an object from a caller who
/// may not see it (`ApiError::Refused`). The entry names the caller, the route and the reason.
pub async fn audit_refusals(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let slot = CallerSlot::default();
    req.extensions_mut().insert(slot.clone());
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let hidden = res.extensions().get::<super::error::AccessRefused>().map(|r| r.0);
    if res.status() == http::StatusCode::FORBIDDEN || hidden.is_some() {
        let actor = slot.0.lock().ok().and_then(|g| g.clone());
        let (kind, id) = match &actor {
            Some((kind, id)) => (*kind, Some(id.as_str())),
            None => (crate::store::audit::ActorKind::Anonymous, None),
        };
        let code = res.extensions().get::<super::error::ErrorBody>().map(|b| b.code.as_str()).unwrap_or("forbidden");
        let details = serde_json::json!({"method": method, "route": route, "status": res.status().as_u16(),
                                         "reason": hidden.unwrap_or(code)});
        let entry = crate::store::audit::Entry {
            actor_kind: kind,
            actor_id: id,
            action: "auth.access_refused",
            object_kind: None,
            object_id: None,
            details,
        };
        if let Err(e) = crate::store::audit::append_alone(&state.db, &entry).await {
            tracing::error!(error = %e, "refused access could not be audited");
        }
    }
    res
}
