//! The one error model of the API.
//!
//! Every error leaves the server as [`ErrorBody`]: a stable snake_case `code` the frontend translates,
//! an English `message` for developers, field-level `details`, and the `request_id` to quote to support.
//! Handlers return [`ApiError`]; its `IntoResponse` attaches the body as a response extension and the
//! [`finish_error_body`] middleware serialises it once the request id is known. 5xx causes are logged
//! here and never sent to the client.

use axum::{
    Json,
    extract::{FromRequest, FromRequestParts, Query, Request, rejection::JsonRejection},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use utoipa::ToSchema;

/// Stable error codes. The wording shown to people lives in the frontend, keyed by these codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed in a way no field explains (bad query string, bad path parameter).
    BadRequest,
    /// The body is not valid JSON.
    InvalidJson,
    /// One or more fields failed validation; see `details`.
    ValidationFailed,
    /// No valid session or token.
    Unauthenticated,
    /// Authenticated, but not allowed to do this.
    Forbidden,
    /// No such resource (or not visible to the caller).
    NotFound,
    /// The route exists but not with this HTTP method.
    MethodNotAllowed,
    /// The resource changed since the caller read it (optimistic concurrency): reload and retry.
    Conflict,
    /// The action is not allowed in the dossier's current state; `details` says why.
    IllegalTransition,
    /// An `Idempotency-Key` was reused with a different request.
    IdempotencyKeyReused,
    /// A state-changing request with a session cookie lacked the right `x-csrf-token` header.
    CsrfFailed,
    /// The body exceeds the configured limit.
    PayloadTooLarge,
    /// The body's media type is not accepted here.
    UnsupportedMediaType,
    /// Too many requests; retry after the `Retry-After` header.
    RateLimited,
    /// The request took longer than the server's time limit.
    Timeout,
    /// A dependency (database, national system) is unavailable; try again later.
    ServiceUnavailable,
    /// Unexpected server error; the cause is logged with the request id.
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest | Self::InvalidJson => StatusCode::BAD_REQUEST,
            Self::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict | Self::IllegalTransition => StatusCode::CONFLICT,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::CsrfFailed => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidJson => "invalid_json",
            Self::ValidationFailed => "validation_failed",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::IllegalTransition => "illegal_transition",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::CsrfFailed => "csrf_failed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited => "rate_limited",
            Self::Timeout => "timeout",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Internal => "internal",
        }
    }
}

/// At most this many field problems in one error answer ([`ApiError::validation`]).
pub const MAX_DETAILS: usize = 200;

/// What is wrong with one field. `field` is a dotted path into the request (`body.name`,
/// `body.components[2].file`, `query.limit`); `code` is a stable snake_case reason
/// (`required`, `too_long`, `invalid_format`, `unknown`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "code": "validation_failed",
    "message": "request validation failed",
    "details": [{"field": "body.name", "code": "required", "message": "must not be empty"}],
    "request_id": "0b6f6f0e-8c1c-4f7e-9f52-2f4f8f1f6a10"
}))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default)]
    pub details: Vec<FieldError>,
    /// The id of the request, also in the `x-request-id` response header and in the server's logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Client { code: ErrorCode, message: String, details: Vec<FieldError>, retry_after_secs: Option<u64> },
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
    /// The caller may not see the object: answered exactly like an unknown one (404 `not_found`, no
    /// existence leak), and recorded in the audit log as a refused access by `audit_refusals`.
    #[error("access refused: {0}")]
    Refused(&'static str),
}

/// Marks a response as a refused access, for the audit middleware.
#[derive(Debug, Clone, Copy)]
pub struct AccessRefused(pub &'static str);

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client { code, message: message.into(), details: Vec::new(), retry_after_secs: None }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "no such resource")
    }

    /// A 422 listing `details`: at most [`MAX_DETAILS`] of them, the rest counted in one last `body` entry
    /// (`too_many_problems`), so a hostile body of a million bad items does not get a million-line answer.
    pub fn validation(mut details: Vec<FieldError>) -> Self {
        if details.len() > MAX_DETAILS {
            let more = details.len() - MAX_DETAILS;
            details.truncate(MAX_DETAILS);
            details.push(FieldError::new("body", "too_many_problems", format!("{more} more problems are not listed")));
        }
        Self::Client {
            code: ErrorCode::ValidationFailed,
            message: "request validation failed".into(),
            details,
            retry_after_secs: None,
        }
    }

    pub fn field(field: &str, code: &str, message: &str) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        if let Self::Client { retry_after_secs, .. } = &mut self {
            *retry_after_secs = Some(secs);
        }
        self
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client { code, .. } => *code,
            Self::Internal(_) => ErrorCode::Internal,
            Self::Refused(_) => ErrorCode::NotFound,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(error = %e, "database unavailable");
                Self::new(ErrorCode::ServiceUnavailable, "database unavailable").with_retry_after(5)
            }
            _ => Self::Internal(e.into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (body, retry_after) = match self {
            Self::Client { code, message, details, retry_after_secs } => {
                (ErrorBody { code, message, details, request_id: None }, retry_after_secs)
            }
            Self::Refused(reason) => {
                let mut res = error_response(
                    ErrorBody {
                        code: ErrorCode::NotFound,
                        message: "no such resource".into(),
                        details: Vec::new(),
                        request_id: None,
                    },
                    None,
                );
                res.extensions_mut().insert(AccessRefused(reason));
                return res;
            }
            Self::Internal(err) => {
                // The cause goes to the log (with the request id from the span), never to the client.
                tracing::error!(error = format!("{err:#}"), "internal error");
                (
                    ErrorBody {
                        code: ErrorCode::Internal,
                        message: "internal error".into(),
                        details: Vec::new(),
                        request_id: None,
                    },
                    None,
                )
            }
        };
        error_response(body, retry_after)
    }
}

/// Builds the response for an error body. The JSON is written by [`finish_error_body`], which knows
/// the request id; the body written here is the fallback when that middleware is not in the stack.
pub fn error_response(body: ErrorBody, retry_after_secs: Option<u64>) -> Response {
    let status = body.code.status();
    let mut res = (status, Json(&body)).into_response();
    if let Some(secs) = retry_after_secs {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res.extensions_mut().insert(body);
    res
}

/// Middleware: re-serialises error bodies with the request id, and turns the bare status responses
/// that axum and tower-http produce on their own (405, 413, 408, ...) into the documented shape.
pub async fn finish_error_body(req: Request, next: Next) -> Response {
    let request_id = req.headers().get(super::REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let res = next.run(req).await;
    let (mut parts, body) = res.into_parts();
    let error = match parts.extensions.remove::<ErrorBody>() {
        Some(e) => Some(e),
        None if parts.status.is_client_error() || parts.status.is_server_error() => {
            bare_status_error(parts.status, &parts.headers)
        }
        None => None,
    };
    let Some(mut error) = error else {
        return Response::from_parts(parts, body);
    };
    error.request_id = request_id;
    let json = match serde_json::to_vec(&error) {
        Ok(j) => j,
        Err(_) => return Response::from_parts(parts, body),
    };
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(json))
}

fn bare_status_error(status: StatusCode, headers: &http::HeaderMap) -> Option<ErrorBody> {
    // A response that already carries a body of its own kind (static files, Swagger UI) is left alone.
    if headers.contains_key(header::CONTENT_TYPE) && status != StatusCode::METHOD_NOT_ALLOWED {
        let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !ct.starts_with("text/plain") {
            return None;
        }
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (ErrorCode::MethodNotAllowed, "method not allowed on this route"),
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::PayloadTooLarge, "request body too large"),
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => (ErrorCode::Timeout, "request timed out"),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such resource"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (ErrorCode::UnsupportedMediaType, "unsupported media type"),
        StatusCode::TOO_MANY_REQUESTS => (ErrorCode::RateLimited, "too many requests"),
        StatusCode::SERVICE_UNAVAILABLE => (ErrorCode::ServiceUnavailable, "service unavailable"),
        s if s.is_server_error() => (ErrorCode::Internal, "internal error"),
        _ => (ErrorCode::BadRequest, "bad request"),
    };
    Some(ErrorBody { code, message: message.into(), details: Vec::new(), request_id: None })
}

/// `Json` that rejects with the API's error model: syntax errors are `invalid_json` naming the line
/// and column, type errors are `validation_failed` naming the field path, oversize bodies are
/// `payload_too_large`, a wrong content type is `unsupported_media_type`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let json_type = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|ct| {
                let ct = ct.trim();
                ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"))
            });
        if !json_type {
            return Err(ApiError::new(ErrorCode::UnsupportedMediaType, "expected content-type: application/json"));
        }
        let bytes = match axum::body::Bytes::from_request(Request::from_parts(parts, body), state).await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::new(ErrorCode::PayloadTooLarge, "request body too large"));
            }
            Err(e) => return Err(ApiError::new(ErrorCode::BadRequest, e.body_text())),
        };
        // PostgreSQL text cannot hold U+0000: refuse it here, for every field, instead of failing later.
        if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(br"\u0000"))
            && let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && let Some(path) = nul_path(&value, "body".to_owned())
        {
            return Err(ApiError::field(&path, "invalid_characters", "text must not contain the NUL character"));
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// The path of the first string (or object key) holding U+0000, e.g. `body.items[2]`.
fn nul_path(v: &serde_json::Value, at: String) -> Option<String> {
    match v {
        serde_json::Value::String(s) => s.contains('\0').then_some(at),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, x)| nul_path(x, format!("{at}[{i}]")))
        }
        serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
            if k.contains('\0') {
                Some(format!("{at}.{}", k.replace('\0', "?")))
            } else {
                nul_path(x, format!("{at}.{k}"))
            }
        }),
        _ => None,
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // serde_path_to_error's text is "<path>: <reason>"; split it into field and reason.
            let text = e.body_text();
            let detail =
                text.strip_prefix("Failed to deserialize the JSON body into the target type: ").unwrap_or(&text);
            let (path, reason) = match detail.split_once(": ") {
                Some((p, r)) if !p.contains(' ') => (format!("body.{p}"), r.to_owned()),
                _ => ("body".to_owned(), detail.to_owned()),
            };
            let code = if reason.starts_with("missing field") {
                "required"
            } else if reason.starts_with("unknown field") {
                "unknown"
            } else {
                "invalid_type"
            };
            ApiError::validation(vec![FieldError::new(path, code, reason)])
        }
        JsonRejection::JsonSyntaxError(e) => {
            let text = e.body_text();
            let detail = text.strip_prefix("Failed to parse the request body as JSON: ").unwrap_or(&text);
            ApiError::Client {
                code: ErrorCode::InvalidJson,
                message: format!("body is not valid JSON: {detail}"),
                details: vec![FieldError::new("body", "invalid_json", detail)],
                retry_after_secs: None,
            }
        }
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new(ErrorCode::UnsupportedMediaType, "expected content-type: application/json")
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::PayloadTooLarge, "request body too large")
        }
        other => ApiError::new(ErrorCode::BadRequest, other.body_text()),
    }
}

/// `Query` that rejects with the API's error model (`bad_request` naming the parameter problem).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        // PostgreSQL text cannot hold U+0000: name the parameter that carries one.
        if let Some(pair) =
            parts.uri.query().and_then(|q| q.split('&').find(|p| p.to_ascii_lowercase().contains("%00")))
        {
            let name = pair.split('=').next().unwrap_or("");
            let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(50).collect();
            return Err(ApiError::field(
                &format!("query.{name}"),
                "invalid_format",
                "must not contain the NUL character",
            ));
        }
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Self(v)),
            Err(rejection) => {
                let text = rejection.body_text();
                let detail = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text).to_owned();
                Err(ApiError::Client {
                    code: ErrorCode::BadRequest,
                    message: format!("invalid query string: {detail}"),
                    details: vec![FieldError::new("query", "invalid", detail)],
                    retry_after_secs: None,
                })
            }
        }
    }
}

/// Standard `Result` for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
