//! Stand-ins for the national systems motcua talks to, in one process (see sim/README.md).
//!
//! Each stand-in lives under its own path prefix, the one the sharing platform would route to
//! (`/oauth2`, `/csdldancu`, `/dvcqg`, `/paygov`). Faults are switched per prefix at run time through
//! `PUT /_sim/faults/{target}`, so tests and testers can make a national system slow, failing,
//! rate-limited, or down, and switch it back.
//!
//! - [`platform`]: the sharing platform's token endpoint, JWKS and JWT minting (interop.md §1, §5).
//! - [`population`]: the population database (interop.md §2).

pub mod platform;
pub mod population;
pub mod portal;

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::{Deserialize, Serialize};

/// The stand-ins a fault switch can target, by path prefix.
const TARGETS: [&str; 4] = ["oauth2", "csdldancu", "dvcqg", "paygov"];

/// The faults switched on for one stand-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Faults {
    /// Added latency before answering, in milliseconds.
    #[serde(default)]
    latency_ms: u64,
    /// Answer every request with this status instead of processing it (e.g. 500, 503, 429).
    #[serde(default)]
    status: Option<u16>,
    /// With status 429/503: the `Retry-After` header in seconds.
    #[serde(default)]
    retry_after_secs: Option<u64>,
    /// Process the request, then drop the answer (the caller sees a failure and will retry: a duplicate).
    #[serde(default)]
    drop_response: bool,
    /// Refuse to answer at all: the connection is closed without a response.
    #[serde(default)]
    down: bool,
}

/// The shared state of every stand-in.
#[derive(Clone)]
pub struct Sim {
    faults: Arc<Mutex<BTreeMap<String, Faults>>>,
    platform: Arc<platform::Platform>,
    population: Arc<population::Population>,
    portal: Arc<portal::Portal>,
}

impl Sim {
    pub fn new(platform: platform::Platform, population: population::Population) -> Self {
        Self {
            faults: Arc::default(),
            platform: Arc::new(platform),
            population: Arc::new(population),
            portal: Arc::default(),
        }
    }

    fn faults_for(&self, path: &str) -> Option<(String, Faults)> {
        let target = path.trim_start_matches('/').split('/').next()?;
        let map = self.faults.lock().ok()?;
        map.get(target).map(|f| (target.to_owned(), f.clone()))
    }
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok", "targets": TARGETS}))
}

async fn list_faults(State(sim): State<Sim>) -> Response {
    match sim.faults.lock() {
        Ok(map) => Json(map.clone()).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn set_faults(State(sim): State<Sim>, Path(target): Path<String>, Json(faults): Json<Faults>) -> Response {
    if !TARGETS.contains(&target.as_str()) {
        return (StatusCode::NOT_FOUND, Json(serde_json::json!({"error": "unknown target", "targets": TARGETS})))
            .into_response();
    }
    let Ok(mut map) = sim.faults.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    if faults == Faults::default() {
        map.remove(&target);
    } else {
        map.insert(target, faults);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(sim): State<Sim>) -> StatusCode {
    if let Ok(mut map) = sim.faults.lock() {
        map.clear();
    }
    StatusCode::NO_CONTENT
}

/// Applies the switched-on faults of the stand-in the request is for.
async fn inject_faults(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    let Some((target, f)) = sim.faults_for(req.uri().path()) else { return next.run(req).await };
    if f.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(f.latency_ms)).await;
    }
    if f.down {
        // Hold the connection until the caller gives up; it never gets an answer.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if let Some(code) = f.status {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, Json(serde_json::json!({"error": "fault injected", "target": target}))).into_response();
        if let Some(secs) = f.retry_after_secs {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        return res;
    }
    let res = next.run(req).await;
    if f.drop_response {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    res
}

/// Every stand-in's routes.
pub fn app(sim: Sim) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/_sim/faults", get(list_faults).delete(clear_faults))
        .route("/_sim/faults/{target}", axum::routing::put(set_faults))
        .merge(platform::routes())
        .merge(population::routes())
        .merge(portal::routes())
        .layer(middleware::from_fn_with_state(sim.clone(), inject_faults))
        .with_state(sim)
}

#[cfg(test)]
mod test_support {
    //! What the tests of every module share: a simulator with a small population, and request helpers.

    use axum::{Router, body::Body, http::Request};
    use base64::Engine;
    use tower::ServiceExt;

    use super::*;

    pub const CLIENT_ID: &str = "motcua";
    pub const CLIENT_SECRET: &str = "motcua-dev-secret";
    pub const ISSUER: &str = "http://127.0.0.1:8090/oauth2";

    /// Two people in the format of sim/eid/accounts.json: one with the name split given, one without.
    pub const ACCOUNTS: &str = r#"{
      "_note": "test fixture",
      "citizens": [
        {"sub": "vneid-t1", "SoDinhDanh": "001090012345", "HoVaTen": "Nguyễn Văn An",
         "HoVaTenChiTiet": {"Ho": "Nguyễn", "ChuDem": "Văn", "Ten": "An"}, "GioiTinh": "1",
         "NgayThangNamSinh": "19900115", "DanToc": "Kinh", "TonGiao": "Không", "QuocTich": "Việt Nam",
         "QueQuan": {"MaTinhThanh": "01", "MaPhuongXa": "00004", "ChiTiet": "Phường Ba Đình, thành phố Hà Nội"},
         "ThuongTru": {"MaTinhThanh": "38", "MaPhuongXa": "14797", "ChiTiet": "Số 12 phố Lê Hoàn"},
         "NoiOHienTai": {"MaTinhThanh": "38", "MaPhuongXa": "14797", "ChiTiet": "Số 12 phố Lê Hoàn"},
         "Cha": {"HoVaTen": "Nguyễn Văn Bình", "SoDinhDanh": "001062007788"},
         "Me": {"HoVaTen": "Lê Thị Hoa", "SoDinhDanh": "001164008899"},
         "VoChong": {"HoVaTen": "Trần Thị Bích Ngọc", "SoDinhDanh": "038192004567"},
         "ChuHo": {"HoVaTen": "Nguyễn Văn An", "SoDinhDanh": "001090012345", "QuanHe": "Chủ hộ"}},
        {"sub": "vneid-t2", "SoDinhDanh": "038185009876", "HoVaTen": "Phạm Thị Thu Trang", "GioiTinh": "2",
         "NgayThangNamSinh": "19850911", "DanToc": "Kinh", "TonGiao": "Không", "QuocTich": "Việt Nam",
         "ChuHo": {"HoVaTen": "Phạm Văn Lợi", "SoDinhDanh": "038057004455", "QuanHe": "Con"}}
      ],
      "businesses": [],
      "staff": []
    }"#;

    pub fn sim() -> Sim {
        let clients = platform::parse_clients("motcua:motcua-dev-secret,other:other-secret").expect("clients");
        let platform = platform::Platform::new(clients, ISSUER.to_owned(), Duration::from_secs(3600)).expect("keys");
        Sim::new(platform, population::Population::from_json(ACCOUNTS).expect("fixture"))
    }

    pub fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")))
    }

    /// Sends a request; answers the status, the headers and the body as JSON (`Null` when it is not JSON).
    pub async fn send(app: &Router, req: Request<Body>) -> (StatusCode, http::HeaderMap, serde_json::Value) {
        let res = app.clone().oneshot(req).await.expect("infallible");
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    /// A JSON request with an optional `Authorization` header.
    pub fn json_request(method: &str, uri: &str, auth: Option<&str>, body: &str) -> Request<Body> {
        let mut req = Request::builder().method(method).uri(uri).header("content-type", "application/json");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        req.body(Body::from(body.to_owned())).expect("request")
    }

    /// A token request as the motcua backend sends it.
    pub fn token_request(auth: Option<&str>, form: &str) -> Request<Body> {
        let mut req = Request::builder()
            .method("POST")
            .uri("/oauth2/token")
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        req.body(Body::from(form.to_owned())).expect("request")
    }

    /// `Authorization: Bearer <a fresh access token>`.
    pub async fn bearer(app: &Router) -> String {
        let (status, _, body) =
            send(app, token_request(Some(&basic(CLIENT_ID, CLIENT_SECRET)), "grant_type=client_credentials")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        format!("Bearer {}", body["access_token"].as_str().expect("access_token"))
    }
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request};
    use tower::ServiceExt;

    use super::*;

    async fn call(app: &Router, method: &str, uri: &str, body: Option<&str>) -> (StatusCode, http::HeaderMap) {
        let mut req = Request::builder().method(method).uri(uri);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned()))).expect("request");
        let res = app.clone().oneshot(req).await.expect("infallible");
        (res.status(), res.headers().clone())
    }

    #[tokio::test]
    async fn a_switched_on_fault_hits_only_its_target_until_cleared() {
        let app = app(test_support::sim());
        assert_eq!(call(&app, "GET", "/healthz", None).await.0, StatusCode::OK);
        let (status, _) =
            call(&app, "PUT", "/_sim/faults/dvcqg", Some(r#"{"status": 429, "retry_after_secs": 3}"#)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        let (status, headers) = call(&app, "POST", "/dvcqg/DongBoHoSoMC", Some("{}")).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("3"));
        // Another stand-in is unaffected (401: it wants a bearer token).
        assert_eq!(
            call(&app, "POST", "/csdldancu/ChiaSeThongTinCongDan", Some("{}")).await.0,
            StatusCode::UNAUTHORIZED
        );

        // Cleared: the portal answers again (401 here: this request has no bearer token).
        assert_eq!(call(&app, "DELETE", "/_sim/faults", None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(call(&app, "POST", "/dvcqg/DongBoHoSoMC", Some("{}")).await.0, StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn unknown_targets_and_fields_are_refused() {
        let app = app(test_support::sim());
        assert_eq!(call(&app, "PUT", "/_sim/faults/vneid", Some("{}")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            call(&app, "PUT", "/_sim/faults/dvcqg", Some(r#"{"latency": 5}"#)).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}

/// Builds the stand-ins from their settings (what `motcua-sim` does with its flags; tests call it directly).
pub fn build(
    clients: &str,
    issuer: String,
    token_ttl: Duration,
    accounts: Option<&std::path::Path>,
) -> anyhow::Result<Sim> {
    let clients = platform::parse_clients(clients)?;
    let platform = platform::Platform::new(clients, issuer, token_ttl)?;
    let (population, found) = population::Population::load(accounts)?;
    match found {
        Some(path) => tracing::info!(path = %path.display(), citizens = population.len(), "population loaded"),
        None => tracing::warn!("no accounts file found (set MOTCUA_SIM_ACCOUNTS): the population database is empty"),
    }
    tracing::info!(issuer = %platform.issuer(), "sharing platform ready");
    Ok(Sim::new(platform, population))
}
