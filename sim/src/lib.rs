//! Stand-ins for the national systems motcua talks to, in one process (see sim/README.md).
//!
//! Each stand-in lives under its own path prefix, the one the sharing platform would route to
//! (`/oauth2`, `/csdldancu`, `/dvcqg`, `/paygov`). Faults are switched per prefix at run time through
//! `PUT /_sim/faults/{target}`, so tests and testers can make a national system slow, failing,
//! rate-limited, or down, and switch it back.
//!
//! - [`platform`]: the sharing platform's token endpoint, JWKS and JWT minting (interop.md §1, §5).
//! - [`population`]: the population database (interop.md §2).
//! - [`portal`]: the National Public Service Portal (interop.md §3, and the caller of §5).
//! - [`paygov`]: the payment platform (interop.md §4).

pub mod notify;
pub mod paygov;
pub mod platform;
pub mod population;
pub mod portal;

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
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
const TARGETS: [&str; 5] = ["oauth2", "csdldancu", "dvcqg", "paygov", "sms"];

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

/// Default of `MOTCUA_SIM_MOTCUA_URL`: where the motcua backend listens.
pub const DEFAULT_MOTCUA_URL: &str = "http://127.0.0.1:8080";
/// Default of `MOTCUA_SIM_PAYGOV_PARTNERS`: the payment platform's partners, `MaDoiTac:secret` pairs.
pub const DEFAULT_PAYGOV_PARTNERS: &str = "MOTCUA:motcua-paygov-dev-secret";
/// Timeout of every call the sim makes to motcua (pushes, polls, payment callbacks).
const OUTBOUND_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses `MOTCUA_SIM_PAYGOV_PARTNERS`: comma-separated `MaDoiTac:secret` pairs (the secret may contain `:`).
pub fn parse_partners(spec: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut partners = BTreeMap::new();
    for pair in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match pair.split_once(':') {
            Some((code, secret)) if !code.is_empty() && !secret.is_empty() => {
                anyhow::ensure!(
                    partners.insert(code.to_owned(), secret.to_owned()).is_none(),
                    "paygov partners: {code} is given twice"
                );
            }
            _ => anyhow::bail!("paygov partners: expected MaDoiTac:secret, got {:?}", pair.split(':').next()),
        }
    }
    anyhow::ensure!(!partners.is_empty(), "paygov partners: no partner configured");
    Ok(partners)
}

/// Locks a mutex, carrying on with the data if another holder panicked (the sim's state stays usable).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The chain of an error's causes, `: `-joined (reqwest's own message alone rarely says what went wrong).
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Status and body of an answer from motcua (`Null` when the body is not JSON).
pub(crate) async fn read_answer(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let body = res.bytes().await.ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    (status, body)
}

/// One call the sim made to motcua, as the test API reports it: `{"status", "body"}`, or
/// `{"status": 0, "body": null, "error"}` when motcua could not be reached or did not answer in time.
pub(crate) async fn outcome(res: Result<reqwest::Response, reqwest::Error>) -> serde_json::Value {
    match res {
        Ok(res) => {
            let (status, body) = read_answer(res).await;
            serde_json::json!({"status": status, "body": body})
        }
        Err(e) => serde_json::json!({"status": 0, "body": null, "error": error_chain(&e)}),
    }
}

/// The settings that can change at run time (`PUT /_sim/config`).
struct Config {
    /// motcua's base URL, without a trailing `/`.
    motcua_url: String,
    /// The payment platform's partners: `MaDoiTac` → secret.
    paygov_partners: BTreeMap<String, String>,
}

/// The shared state of every stand-in.
#[derive(Clone)]
pub struct Sim {
    faults: Arc<Mutex<BTreeMap<String, Faults>>>,
    config: Arc<Mutex<Config>>,
    /// For the calls the sim makes to motcua (10 s timeout).
    http: reqwest::Client,
    platform: Arc<platform::Platform>,
    population: Arc<population::Population>,
    portal: Arc<portal::Portal>,
    paygov: Arc<paygov::PayGov>,
    outbox: Arc<notify::Outbox>,
}

impl Sim {
    pub fn new(platform: platform::Platform, population: population::Population) -> Self {
        let paygov_partners = parse_partners(DEFAULT_PAYGOV_PARTNERS).unwrap_or_default();
        Self {
            faults: Arc::default(),
            config: Arc::new(Mutex::new(Config { motcua_url: DEFAULT_MOTCUA_URL.to_owned(), paygov_partners })),
            // No proxy from the environment: motcua is local to the tests. Building fails only when the TLS
            // backend cannot start, and then the default client is as good.
            http: reqwest::Client::builder().timeout(OUTBOUND_TIMEOUT).no_proxy().build().unwrap_or_default(),
            platform: Arc::new(platform),
            population: Arc::new(population),
            portal: Arc::default(),
            paygov: Arc::default(),
            outbox: Arc::default(),
        }
    }

    /// Where motcua listens (pushes, polls and payment callbacks go there), e.g. `http://127.0.0.1:8080`.
    pub fn set_motcua_url(&self, url: String) {
        lock(&self.config).motcua_url = url.trim_end_matches('/').to_owned();
    }

    pub fn motcua_url(&self) -> String {
        lock(&self.config).motcua_url.clone()
    }

    /// Replaces the payment platform's partners (`MaDoiTac:secret,...`, as `MOTCUA_SIM_PAYGOV_PARTNERS`).
    pub fn set_paygov_partners(&self, spec: &str) -> anyhow::Result<()> {
        let partners = parse_partners(spec)?;
        lock(&self.config).paygov_partners = partners;
        Ok(())
    }

    /// The secret of a payment-platform partner.
    fn paygov_secret(&self, code: &str) -> Option<String> {
        lock(&self.config).paygov_partners.get(code).cloned()
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

/// `PUT /_sim/config`: settings to change at run time; absent fields stay as they are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigUpdate {
    #[serde(default)]
    motcua_url: Option<String>,
    /// `MaDoiTac:secret,...`; replaces every partner.
    #[serde(default)]
    paygov_partners: Option<String>,
}

async fn get_config(State(sim): State<Sim>) -> Json<serde_json::Value> {
    let config = lock(&sim.config);
    Json(serde_json::json!({
        "motcua_url": config.motcua_url,
        "paygov_partners": config.paygov_partners.keys().collect::<Vec<_>>(),
    }))
}

async fn put_config(State(sim): State<Sim>, Json(update): Json<ConfigUpdate>) -> Response {
    let bad = |e: String| (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": e}))).into_response();
    if let Some(url) = &update.motcua_url {
        match reqwest::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
            _ => return bad(format!("motcua_url: expected an http(s) URL, got {url:?}")),
        }
    }
    let partners = match update.paygov_partners.as_deref().map(parse_partners).transpose() {
        Ok(p) => p,
        Err(e) => return bad(e.to_string()),
    };
    if let Some(url) = update.motcua_url {
        sim.set_motcua_url(url);
    }
    if let Some(partners) = partners {
        lock(&sim.config).paygov_partners = partners;
    }
    StatusCode::NO_CONTENT.into_response()
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
        .route("/_sim/config", get(get_config).put(put_config))
        .merge(platform::routes())
        .merge(population::routes())
        .merge(portal::routes())
        .merge(paygov::routes())
        .merge(notify::routes())
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

    /// A GET without a body.
    pub fn get(uri: &str) -> Request<Body> {
        Request::builder().uri(uri).body(Body::empty()).expect("request")
    }

    /// A `HoSo` (interop.md §3) the portal accepts.
    pub fn ho_so(ma_ho_so: &str, trang_thai: &str) -> serde_json::Value {
        let mut h = serde_json::Map::new();
        for field in [
            "TenTTHC",
            "MaLinhVuc",
            "TenLinhVuc",
            "ChuHoSo",
            "LoaiDoiTuong",
            "MaDoiTuong",
            "SoGiayToChuHoSo",
            "Email",
            "SoDienThoai",
            "TrichYeuHoSo",
            "NgayTiepNhan",
            "NgayHenTra",
            "NgayTra",
            "ThongTinTra",
            "HinhThuc",
            "NgayKetThucXuLy",
            "DonViXuLy",
            "NgayTuChoi",
            "GhiChu",
            "DuocThanhToanTrucTuyen",
            "HoSoCoThanhPhanSoHoa",
            "TaiKhoanDuocXacThucVoiVNeID",
        ] {
            h.insert(field.to_owned(), serde_json::json!(""));
        }
        for list in ["TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua"] {
            h.insert(list.to_owned(), serde_json::json!([]));
        }
        for (field, value) in [
            ("MaHoSo", ma_ho_so),
            ("MaTTHC", "1.001234"),
            ("KenhThucHien", "2"),
            ("NgayNopHoSo", "20250301090000"),
            ("TrangThaiHoSo", trang_thai),
        ] {
            h.insert(field.to_owned(), serde_json::json!(value));
        }
        serde_json::Value::Object(h)
    }

    /// A request a motcua stub received.
    #[derive(Debug, Clone)]
    pub struct Received {
        pub method: String,
        /// Path and query.
        pub uri: String,
        pub authorization: Option<String>,
        pub content_type: Option<String>,
        /// `Null` when not JSON.
        pub body: serde_json::Value,
    }

    pub type Log = Arc<Mutex<Vec<Received>>>;

    /// A stand-in for motcua on `127.0.0.1:<free port>`: records every request and answers what `answer` says.
    /// Answers its base URL and the log.
    pub async fn motcua_stub<F>(answer: F) -> (String, Log)
    where
        F: Fn(&Received) -> (StatusCode, serde_json::Value) + Clone + Send + Sync + 'static,
    {
        let log = Log::default();
        let recorder = log.clone();
        let router = Router::new().fallback(move |req: axum::extract::Request| {
            let (log, answer) = (recorder.clone(), answer.clone());
            async move {
                let (parts, body) = req.into_parts();
                let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
                let header =
                    |name: header::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let received = Received {
                    method: parts.method.to_string(),
                    uri: parts.uri.to_string(),
                    authorization: header(header::AUTHORIZATION),
                    content_type: header(header::CONTENT_TYPE),
                    body: serde_json::from_slice(&bytes).unwrap_or_default(),
                };
                let (status, body) = answer(&received);
                log.lock().expect("log").push(received);
                (status, Json(body))
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (url, log)
    }

    /// A URL where nothing listens.
    pub async fn unreachable_url() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        format!("http://{}", listener.local_addr().expect("addr"))
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
    async fn settings_change_at_run_time_and_secrets_are_never_shown() {
        let sim = test_support::sim();
        let app = app(sim.clone());
        let (status, _, body) = test_support::send(&app, test_support::get("/_sim/config")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, serde_json::json!({"motcua_url": DEFAULT_MOTCUA_URL, "paygov_partners": ["MOTCUA"]}));

        let update = r#"{"motcua_url": "http://127.0.0.1:18080/", "paygov_partners": "A:s-one, B:s:two"}"#;
        assert_eq!(call(&app, "PUT", "/_sim/config", Some(update)).await.0, StatusCode::NO_CONTENT);
        let (_, _, body) = test_support::send(&app, test_support::get("/_sim/config")).await;
        assert_eq!(body, serde_json::json!({"motcua_url": "http://127.0.0.1:18080", "paygov_partners": ["A", "B"]}));
        assert!(!body.to_string().contains("s-one"));
        assert_eq!(sim.motcua_url(), "http://127.0.0.1:18080");
        assert_eq!(sim.paygov_secret("B").as_deref(), Some("s:two"));

        // Only what is given changes; bad values change nothing.
        assert_eq!(
            call(&app, "PUT", "/_sim/config", Some(r#"{"motcua_url": "http://motcua.test"}"#)).await.0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(sim.paygov_secret("A").as_deref(), Some("s-one"));
        for bad in [r#"{"motcua_url": "ftp://x"}"#, r#"{"motcua_url": "motcua"}"#, r#"{"paygov_partners": "A"}"#] {
            assert_eq!(call(&app, "PUT", "/_sim/config", Some(bad)).await.0, StatusCode::BAD_REQUEST, "{bad}");
        }
        assert_eq!(
            call(&app, "PUT", "/_sim/config", Some(r#"{"motcua": "http://x"}"#)).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(sim.motcua_url(), "http://motcua.test");
        sim.set_motcua_url("http://other.test/".to_owned());
        assert_eq!(sim.motcua_url(), "http://other.test");
    }

    #[test]
    fn partners_are_parsed_from_code_secret_pairs() {
        let partners = parse_partners(" A:x , B:y:z ").expect("parses");
        assert_eq!(partners.get("B").map(String::as_str), Some("y:z"));
        assert!(parse_partners("A:x,A:y").is_err());
        assert!(parse_partners("A:").is_err());
        assert!(parse_partners("").is_err());
        let error = parse_partners("A:topsecret,B").expect_err("refused").to_string();
        assert!(!error.contains("topsecret"), "{error}");
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
