//! The built frontend, and what unknown paths get.
//!
//! - `/api/...`, `/api-docs/...` and any request that does not accept HTML: the JSON `not_found` error.
//! - Otherwise the file itself, or the prerendered page `<path>.html`, or, for a browser navigation to a
//!   client-side route, SvelteKit's `200.html` shell (whose router then shows the page or its own 404).

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use super::{AppState, error::ApiError};

pub async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let wants_html =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    let is_api = path == "/api" || path.starts_with("/api/") || path.starts_with("/api-docs");
    if is_api || !matches!(*req.method(), Method::GET | Method::HEAD) {
        return ApiError::not_found().into_response();
    }
    let dir = &state.config.static_dir;
    let (parts, _) = req.into_parts();
    let serve = |uri: Uri| {
        let mut req = Request::from_parts(parts.clone(), Body::empty());
        *req.uri_mut() = uri;
        ServeDir::new(dir).append_index_html_on_directories(true).oneshot(req)
    };

    let Ok(res) = serve(parts.uri.clone()).await;
    if res.status() != StatusCode::NOT_FOUND {
        return res.into_response();
    }
    if !path.ends_with('/')
        && !path.rsplit('/').next().unwrap_or("").contains('.')
        && let Ok(uri) = format!("{}.html", path).parse::<Uri>()
    {
        let Ok(res) = serve(uri).await;
        if res.status() != StatusCode::NOT_FOUND {
            return res.into_response();
        }
    }
    if wants_html && let Ok(uri) = "/200.html".parse::<Uri>() {
        let Ok(mut res) = serve(uri).await;
        if res.status() == StatusCode::OK {
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            return res.into_response();
        }
    }
    ApiError::not_found().into_response()
}
