//! The National Public Service Portal (interop.md §3, §5).
//!
//! Receiving our pushes: `DongBoHoSoMC` and `CapNhatTienDoHoSoMC`. It checks the bearer token and every field's
//! presence and format, answers `error_code` "0" or the problems, records what it accepted so tests can read it
//! back in order, and holds the last `HoSo` of every dossier (answered by `TraCuuHoSo`). Switches make it lose
//! messages or reject a dossier.
//!
//! Calling motcua (§5), on a test's command: pushing a dossier filed on the portal, and polling the change feed.

use std::{collections::BTreeMap, sync::Mutex};

use axum::{
    Json, Router,
    extract::{
        Query, State,
        rejection::{JsonRejection, QueryRejection},
    },
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{Sim, lock, platform};

/// Pages of the change feed one poll reads at most.
const MAX_POLL_PAGES: usize = 100;
/// Pushes of one `POST /_sim/portal/push` at most.
const MAX_PUSH_TIMES: u32 = 10;

/// What the portal received, holds and has seen of motcua's change feed.
#[derive(Default)]
pub struct Portal {
    /// Every accepted item, in arrival order.
    received: Mutex<Vec<Value>>,
    /// `MaHoSo` → the last `HoSo` accepted by `DongBoHoSoMC`.
    holdings: Mutex<BTreeMap<String, Value>>,
    settings: Mutex<Settings>,
    feed: Mutex<Feed>,
    /// One poll at a time: the cursor is read before the calls and written after them.
    polling: tokio::sync::Mutex<()>,
}

/// Behaviour switches of the portal (`PUT /_sim/portal/settings`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Answer "0" to every push but record nothing: the portal lost them.
    #[serde(default)]
    lose_updates: bool,
    /// Reject every push carrying this dossier.
    #[serde(default)]
    reject: Option<Reject>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reject {
    #[serde(rename = "MaHoSo")]
    ma_ho_so: String,
    #[serde(default = "default_reject_code")]
    error_code: String,
    #[serde(default = "default_reject_message")]
    message: String,
}

fn default_reject_code() -> String {
    "12".to_owned()
}
fn default_reject_message() -> String {
    "Hồ sơ bị từ chối đồng bộ".to_owned()
}

/// What polling motcua's change feed has seen.
#[derive(Default)]
struct Feed {
    /// The `next` of the last page (sent as `after`).
    cursor: Option<String>,
    items: Vec<Value>,
}

const HO_SO_FIELDS: [&str; 27] = [
    "MaHoSo",
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "TenLinhVuc",
    "KenhThucHien",
    "ChuHoSo",
    "LoaiDoiTuong",
    "MaDoiTuong",
    "SoGiayToChuHoSo",
    "Email",
    "SoDienThoai",
    "TrichYeuHoSo",
    "NgayNopHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "TrangThaiHoSo",
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
];
const HO_SO_LISTS: [&str; 4] = ["TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua"];
const HO_SO_DATES: [&str; 6] =
    ["NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy", "NgayTuChoi"];
const TIEN_DO_FIELDS: [&str; 9] = [
    "MaHoSo",
    "NguoiXuLy",
    "ChucDanh",
    "ThoiDiemXuLy",
    "PhongBanXuLy",
    "NoiDungXuLy",
    "TrangThai",
    "NgayBatDau",
    "NgayKetThucTheoQuyDinh",
];

fn is_date(s: &str) -> bool {
    s.is_empty() || (s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()))
}

fn check_strings(item: &Value, fields: &[&str], at: &str, problems: &mut Vec<String>) {
    for f in fields {
        match item.get(*f) {
            Some(Value::String(_)) => {}
            Some(_) => problems.push(format!("{at}.{f} must be a string")),
            None => problems.push(format!("{at}.{f} is missing")),
        }
    }
}

fn check_ho_so(h: &Value, at: &str, problems: &mut Vec<String>) {
    check_strings(h, &HO_SO_FIELDS, at, problems);
    for list in HO_SO_LISTS {
        if !h.get(list).is_some_and(Value::is_array) {
            problems.push(format!("{at}.{list} must be a list"));
        }
    }
    let s = |f: &str| h.get(f).and_then(Value::as_str).unwrap_or("");
    for d in HO_SO_DATES {
        if !is_date(s(d)) {
            problems.push(format!("{at}.{d} must be yyyyMMddHHmmss or empty"));
        }
    }
    if !s("TrangThaiHoSo").parse::<u8>().is_ok_and(|c| (1..=10).contains(&c)) {
        problems.push(format!("{at}.TrangThaiHoSo must be 1..10"));
    }
    if !matches!(s("KenhThucHien"), "1" | "2" | "3") {
        problems.push(format!("{at}.KenhThucHien must be 1, 2 or 3"));
    }
    if s("MaHoSo").is_empty() || s("MaTTHC").is_empty() {
        problems.push(format!("{at}: MaHoSo and MaTTHC are required"));
    }
    if s("TrichYeuHoSo").chars().count() > 1000 {
        problems.push(format!("{at}.TrichYeuHoSo is over 1000 characters"));
    }
}

fn check_tien_do(t: &Value, at: &str, problems: &mut Vec<String>) {
    check_strings(t, &TIEN_DO_FIELDS, at, problems);
    let s = |f: &str| t.get(f).and_then(Value::as_str).unwrap_or("");
    for d in ["ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"] {
        if !is_date(s(d)) {
            problems.push(format!("{at}.{d} must be yyyyMMddHHmmss or empty"));
        }
    }
}

async fn receive(sim: &Sim, headers: &HeaderMap, operation: &str, body: Value) -> Response {
    if !sim.platform.bearer_ok(headers) {
        return platform::invalid_token();
    }
    let mut problems = Vec::new();
    let items = body.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
    if items.is_empty() {
        problems.push("data must be a non-empty list".to_owned());
    }
    for (i, item) in items.iter().enumerate() {
        let at = format!("data[{i}]");
        if operation == "DongBoHoSoMC" {
            check_ho_so(item, &at, &mut problems);
        } else {
            check_tien_do(item, &at, &mut problems);
        }
    }
    if operation == "DongBoHoSoMC" && !matches!(body.get("isUpdating").and_then(Value::as_str), Some("True" | "False"))
    {
        problems.push("isUpdating must be \"True\" or \"False\"".to_owned());
    }
    if !problems.is_empty() {
        return Json(json!({"error_code": "1", "message": problems.join("; ")})).into_response();
    }
    let settings = lock(&sim.portal.settings).clone();
    if let Some(reject) = settings.reject
        && items.iter().any(|item| item.get("MaHoSo").and_then(Value::as_str) == Some(reject.ma_ho_so.as_str()))
    {
        tracing::info!(operation, ma_ho_so = %reject.ma_ho_so, error_code = %reject.error_code, "portal rejects");
        return Json(json!({"error_code": reject.error_code, "message": reject.message})).into_response();
    }
    if settings.lose_updates {
        tracing::info!(operation, items = items.len(), "portal loses the message (lose_updates)");
        return Json(json!({"error_code": "0", "message": "Thành công"})).into_response();
    }
    if operation == "DongBoHoSoMC" {
        let mut holdings = lock(&sim.portal.holdings);
        for item in &items {
            if let Some(ma_ho_so) = item.get("MaHoSo").and_then(Value::as_str) {
                holdings.insert(ma_ho_so.to_owned(), item.clone());
            }
        }
    }
    let mut received = lock(&sim.portal.received);
    for item in items {
        received.push(json!({"operation": operation, "isUpdating": body.get("isUpdating"), "item": item}));
    }
    Json(json!({"error_code": "0", "message": "Thành công"})).into_response()
}

async fn dong_bo(State(sim): State<Sim>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    receive(&sim, &headers, "DongBoHoSoMC", body).await
}

async fn tien_do(State(sim): State<Sim>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    receive(&sim, &headers, "CapNhatTienDoHoSoMC", body).await
}

/// `POST /dvcqg/TraCuuHoSo`: the `HoSo` the portal holds (the last one `DongBoHoSoMC` accepted).
async fn tra_cuu(State(sim): State<Sim>, headers: HeaderMap, body: Result<Json<Value>, JsonRejection>) -> Response {
    if !sim.platform.bearer_ok(&headers) {
        return platform::invalid_token();
    }
    let body = body.map(|Json(body)| body).unwrap_or_default();
    let ma_ho_so = match body.get("MaHoSo") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Json(json!({"error_code": "1", "message": "MaHoSo must be a string"})).into_response(),
    };
    if ma_ho_so.is_empty() {
        return Json(json!({"error_code": "1", "message": "MaHoSo is missing"})).into_response();
    }
    match lock(&sim.portal.holdings).get(ma_ho_so) {
        Some(ho_so) => Json(json!({"error_code": "0", "message": "Thành công", "result": ho_so})).into_response(),
        None => Json(json!({"error_code": "404", "message": "Không tìm thấy hồ sơ"})).into_response(),
    }
}

/// `GET /_sim/portal/messages`: every accepted item, in arrival order.
async fn messages(State(sim): State<Sim>) -> Json<Value> {
    Json(json!(*lock(&sim.portal.received)))
}

/// `GET /_sim/portal/holdings`: `MaHoSo` → the `HoSo` the portal holds.
async fn holdings(State(sim): State<Sim>) -> Json<Value> {
    Json(json!(*lock(&sim.portal.holdings)))
}

async fn get_settings(State(sim): State<Sim>) -> Json<Value> {
    Json(json!(*lock(&sim.portal.settings)))
}

async fn put_settings(State(sim): State<Sim>, Json(settings): Json<Settings>) -> Response {
    if let Some(reject) = &settings.reject
        && (reject.ma_ho_so.is_empty() || reject.error_code.is_empty() || reject.error_code == "0")
    {
        return bad_request("reject needs a MaHoSo and an error_code other than \"0\"");
    }
    *lock(&sim.portal.settings) = settings;
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_settings(State(sim): State<Sim>) -> StatusCode {
    *lock(&sim.portal.settings) = Settings::default();
    StatusCode::NO_CONTENT
}

fn bad_request(error: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": error}))).into_response()
}

fn mint_failed(error: &str) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": format!("minting the platform JWT: {error}")})))
        .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushQuery {
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

/// `POST /_sim/portal/push?times=N`: the portal sends the body (a dossier filed on dichvucong.gov.vn) to
/// motcua's `POST /api/v1/national/dossiers` N times in a row, each with a freshly minted platform JWT.
async fn push(
    State(sim): State<Sim>,
    query: Result<Query<PushQuery>, QueryRejection>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let times = match query {
        Ok(Query(q)) if (1..=MAX_PUSH_TIMES).contains(&q.times) => q.times,
        _ => return bad_request("times must be 1..10"),
    };
    let dossier = match body {
        Ok(Json(dossier @ Value::Object(_))) => dossier,
        _ => return bad_request("the body must be a JSON object: the dossier as the portal sends it"),
    };
    let url = format!("{}/api/v1/national/dossiers", sim.motcua_url());
    let mut answers = Vec::new();
    for _ in 0..times {
        let token = match sim.platform.mint_portal_jwt() {
            Ok(token) => token,
            Err(e) => return mint_failed(&e),
        };
        let answer = crate::outcome(sim.http.post(&url).bearer_auth(token).json(&dossier).send().await).await;
        tracing::info!(%url, status = %answer["status"], "portal pushed a dossier");
        answers.push(answer);
    }
    Json(json!({"answers": answers})).into_response()
}

/// `POST /_sim/portal/poll`: reads motcua's change feed from the stored cursor until a page comes back empty
/// (or the cursor stops moving, or after 100 pages).
async fn poll(State(sim): State<Sim>) -> Response {
    let _one_at_a_time = sim.portal.polling.lock().await;
    let url = format!("{}/api/v1/national/changes", sim.motcua_url());
    let mut cursor = lock(&sim.portal.feed).cursor.clone();
    let mut new_items = Vec::new();
    for _ in 0..MAX_POLL_PAGES {
        let token = match sim.platform.mint_portal_jwt() {
            Ok(token) => token,
            Err(e) => return mint_failed(&e),
        };
        let mut query = vec![("limit", "500".to_owned())];
        if let Some(after) = &cursor {
            query.insert(0, ("after", after.clone()));
        }
        let (status, body) = match sim.http.get(&url).bearer_auth(token).query(&query).send().await {
            Ok(res) => crate::read_answer(res).await,
            Err(e) => {
                let answer = json!({"status": 0, "body": null, "error": crate::error_chain(&e), "items": new_items});
                return (StatusCode::BAD_GATEWAY, Json(answer)).into_response();
            }
        };
        if status != 200 {
            return (StatusCode::BAD_GATEWAY, Json(json!({"status": status, "body": body, "items": new_items})))
                .into_response();
        }
        let Some(items) = body.get("items").and_then(Value::as_array) else {
            let error = "the answer has no items list";
            let answer = json!({"status": status, "body": body, "error": error, "items": new_items});
            return (StatusCode::BAD_GATEWAY, Json(answer)).into_response();
        };
        let next = body.get("next").and_then(Value::as_str).filter(|next| !next.is_empty());
        {
            let mut feed = lock(&sim.portal.feed);
            feed.items.extend(items.iter().cloned());
            if let Some(next) = next {
                feed.cursor = Some(next.to_owned());
            }
        }
        new_items.extend(items.iter().cloned());
        let moved = next.is_some_and(|next| cursor.as_deref() != Some(next));
        if let Some(next) = next {
            cursor = Some(next.to_owned());
        }
        if items.is_empty() || !moved {
            break;
        }
    }
    tracing::info!(items = new_items.len(), cursor = ?cursor, "portal polled the change feed");
    Json(json!({"items": new_items, "cursor": cursor})).into_response()
}

/// `GET /_sim/portal/feed`: every change seen by polling, and the cursor.
async fn feed(State(sim): State<Sim>) -> Json<Value> {
    let feed = lock(&sim.portal.feed);
    Json(json!({"items": feed.items, "cursor": feed.cursor}))
}

async fn clear_feed(State(sim): State<Sim>) -> StatusCode {
    *lock(&sim.portal.feed) = Feed::default();
    StatusCode::NO_CONTENT
}

pub fn routes() -> Router<Sim> {
    Router::new()
        .route("/dvcqg/DongBoHoSoMC", post(dong_bo))
        .route("/dvcqg/CapNhatTienDoHoSoMC", post(tien_do))
        .route("/dvcqg/TraCuuHoSo", post(tra_cuu))
        .route("/_sim/portal/messages", get(messages))
        .route("/_sim/portal/holdings", get(holdings))
        .route("/_sim/portal/settings", get(get_settings).put(put_settings).delete(clear_settings))
        .route("/_sim/portal/push", post(push))
        .route("/_sim/portal/poll", post(poll))
        .route("/_sim/portal/feed", get(feed).delete(clear_feed))
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use jsonwebtoken::{DecodingKey, Validation, jwk::JwkSet};

    use super::*;
    use crate::{
        app,
        test_support::{self, ISSUER, get, ho_so, json_request, motcua_stub, send, unreachable_url},
    };

    async fn post(app: &Router, uri: &str, bearer: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let (status, _, body) = send(app, json_request("POST", uri, bearer, &body.to_string())).await;
        (status, body)
    }

    async fn read(app: &Router, uri: &str) -> Value {
        let (status, _, body) = send(app, get(uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        body
    }

    fn tien_do(ma_ho_so: &str) -> Value {
        json!({"MaHoSo": ma_ho_so, "NguoiXuLy": "Lê Văn Cường", "ChucDanh": "Chuyên viên", "ThoiDiemXuLy": "20250301100000",
               "PhongBanXuLy": "Bộ phận một cửa", "NoiDungXuLy": "Tiếp nhận", "TrangThai": "2", "NgayBatDau": "20250301100000",
               "NgayKetThucTheoQuyDinh": "20250305170000"})
    }

    #[tokio::test]
    async fn tra_cuu_ho_so_answers_the_last_ho_so_the_portal_accepted() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let auth = Some(bearer.as_str());
        let (status, body) = post(&app, "/dvcqg/TraCuuHoSo", None, &json!({"MaHoSo": "H1"})).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
        let (status, body) = post(&app, "/dvcqg/TraCuuHoSo", auth, &json!({"MaHoSo": "H1"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"error_code": "404", "message": "Không tìm thấy hồ sơ"}));
        for missing in [json!({}), json!({"MaHoSo": ""})] {
            let (_, body) = post(&app, "/dvcqg/TraCuuHoSo", auth, &missing).await;
            assert_eq!(body, json!({"error_code": "1", "message": "MaHoSo is missing"}));
        }

        let first = json!({"isUpdating": "False", "data": [ho_so("H1", "1"), ho_so("H2", "1")]});
        assert_eq!(post(&app, "/dvcqg/DongBoHoSoMC", auth, &first).await.1["error_code"], "0");
        let update = json!({"isUpdating": "True", "data": [ho_so("H1", "2")]});
        assert_eq!(post(&app, "/dvcqg/DongBoHoSoMC", auth, &update).await.1["error_code"], "0");
        assert_eq!(
            post(&app, "/dvcqg/CapNhatTienDoHoSoMC", auth, &json!({"data": [tien_do("H1")]})).await.1["error_code"],
            "0"
        );

        let (_, body) = post(&app, "/dvcqg/TraCuuHoSo", auth, &json!({"MaHoSo": "H1"})).await;
        assert_eq!(body["error_code"], "0");
        assert_eq!(body["result"], ho_so("H1", "2"));
        let holdings = read(&app, "/_sim/portal/holdings").await;
        assert_eq!(
            holdings.as_object().map(|h| h.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["H1".into(), "H2".into()])
        );
        assert_eq!(holdings["H2"]["TrangThaiHoSo"], "1");
        assert_eq!(read(&app, "/_sim/portal/messages").await.as_array().map(Vec::len), Some(4));
    }

    #[tokio::test]
    async fn with_lose_updates_pushes_are_acknowledged_and_forgotten() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let auth = Some(bearer.as_str());
        let (status, _, _) =
            send(&app, json_request("PUT", "/_sim/portal/settings", None, r#"{"lose_updates": true}"#)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(read(&app, "/_sim/portal/settings").await, json!({"lose_updates": true, "reject": null}));

        let push = json!({"isUpdating": "False", "data": [ho_so("H1", "1")]});
        assert_eq!(post(&app, "/dvcqg/DongBoHoSoMC", auth, &push).await.1["error_code"], "0");
        assert_eq!(
            post(&app, "/dvcqg/CapNhatTienDoHoSoMC", auth, &json!({"data": [tien_do("H1")]})).await.1["error_code"],
            "0"
        );
        // Malformed pushes are still refused.
        assert_eq!(post(&app, "/dvcqg/DongBoHoSoMC", auth, &json!({"data": []})).await.1["error_code"], "1");
        assert_eq!(read(&app, "/_sim/portal/messages").await, json!([]));
        assert_eq!(read(&app, "/_sim/portal/holdings").await, json!({}));
        assert_eq!(post(&app, "/dvcqg/TraCuuHoSo", auth, &json!({"MaHoSo": "H1"})).await.1["error_code"], "404");

        let (status, _, _) = send(&app, json_request("DELETE", "/_sim/portal/settings", None, "")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(post(&app, "/dvcqg/DongBoHoSoMC", auth, &push).await.1["error_code"], "0");
        assert_eq!(read(&app, "/_sim/portal/messages").await.as_array().map(Vec::len), Some(1));
        assert_eq!(read(&app, "/_sim/portal/settings").await, json!({"lose_updates": false, "reject": null}));
    }

    #[tokio::test]
    async fn a_rejected_dossier_is_answered_with_the_chosen_error_and_not_recorded() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let auth = Some(bearer.as_str());
        let settings = r#"{"reject": {"MaHoSo": "H9", "error_code": "12", "message": "Mã TTHC không tồn tại"}}"#;
        assert_eq!(
            send(&app, json_request("PUT", "/_sim/portal/settings", None, settings)).await.0,
            StatusCode::NO_CONTENT
        );
        let rejected = json!({"isUpdating": "False", "data": [ho_so("H1", "1"), ho_so("H9", "1")]});
        let (status, body) = post(&app, "/dvcqg/DongBoHoSoMC", auth, &rejected).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({"error_code": "12", "message": "Mã TTHC không tồn tại"}));
        let (_, body) = post(&app, "/dvcqg/CapNhatTienDoHoSoMC", auth, &json!({"data": [tien_do("H9")]})).await;
        assert_eq!(body["error_code"], "12");
        assert_eq!(read(&app, "/_sim/portal/messages").await, json!([]));
        // Other dossiers go through.
        let other = json!({"isUpdating": "False", "data": [ho_so("H1", "1")]});
        assert_eq!(post(&app, "/dvcqg/DongBoHoSoMC", auth, &other).await.1["error_code"], "0");
        assert_eq!(read(&app, "/_sim/portal/holdings").await.as_object().map(|h| h.len()), Some(1));

        for bad in [r#"{"reject": {"MaHoSo": "H9", "error_code": "0"}}"#, r#"{"lose": true}"#] {
            assert!(send(&app, json_request("PUT", "/_sim/portal/settings", None, bad)).await.0.is_client_error());
        }
        // A reject without code or message gets defaults.
        let settings = r#"{"reject": {"MaHoSo": "H1"}}"#;
        send(&app, json_request("PUT", "/_sim/portal/settings", None, settings)).await;
        assert_eq!(read(&app, "/_sim/portal/settings").await["reject"]["error_code"], "12");
    }

    /// The claims of a JWT verified against the sim's own JWKS as motcua must verify it.
    async fn verified_claims(app: &Router, authorization: Option<&str>) -> Value {
        let token = authorization.and_then(|a| a.strip_prefix("Bearer ")).expect("a bearer token");
        assert_eq!(token.split('.').count(), 3, "{token}");
        let payload = token.split('.').nth(1).and_then(|p| URL_SAFE_NO_PAD.decode(p).ok()).expect("payload");
        let payload: Value = serde_json::from_slice(&payload).expect("JSON payload");
        assert_eq!(payload["iss"], ISSUER);
        let jwks: JwkSet = serde_json::from_value(read(app, "/oauth2/jwks").await).expect("jwks");
        let header = jsonwebtoken::decode_header(token).expect("header");
        let jwk = jwks.find(header.kid.as_deref().expect("kid")).expect("published kid");
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&["motcua"]);
        validation.set_issuer(&[ISSUER]);
        let key = DecodingKey::from_jwk(jwk).expect("key");
        jsonwebtoken::decode::<Value>(token, &key, &validation).expect("verifies").claims
    }

    #[tokio::test]
    async fn push_sends_the_dossier_n_times_with_a_platform_jwt() {
        let (motcua, log) =
            motcua_stub(|req| (StatusCode::CREATED, json!({"MaHoSo": req.body["MaHoSo"], "TrangThaiHoSo": "1"}))).await;
        let sim = test_support::sim();
        sim.set_motcua_url(motcua);
        let app = app(sim);
        let mut dossier = ho_so("G-2025-000123", "1");
        dossier["ThongTinNguoiNop"] = json!({"HoVaTen": "Nguyễn Văn An", "SoDinhDanh": "001090012345"});
        dossier["DuLieuBieuMau"] = json!({"ly_do": "Cấp lại"});
        dossier["TepDinhKem"] = json!([]);

        let (status, body) = post(&app, "/_sim/portal/push?times=3", None, &dossier).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let expected = json!({"status": 201, "body": {"MaHoSo": "G-2025-000123", "TrangThaiHoSo": "1"}});
        assert_eq!(body["answers"], json!([expected, expected, expected]));
        let received = log.lock().expect("log").clone();
        assert_eq!(received.len(), 3);
        let mut jtis = Vec::new();
        for req in &received {
            assert_eq!((req.method.as_str(), req.uri.as_str()), ("POST", "/api/v1/national/dossiers"));
            assert_eq!(req.content_type.as_deref(), Some("application/json"));
            assert_eq!(req.body, dossier);
            let claims = verified_claims(&app, req.authorization.as_deref()).await;
            assert!(claims["scope"].as_str().is_some_and(|s| s.split(' ').any(|s| s == "dvcqg")), "{claims}");
            jtis.push(claims["jti"].clone());
        }
        jtis.sort_by_key(Value::to_string);
        jtis.dedup();
        assert_eq!(jtis.len(), 3, "a fresh token per call");

        // Once by default.
        post(&app, "/_sim/portal/push", None, &dossier).await;
        assert_eq!(log.lock().expect("log").len(), 4);
    }

    #[tokio::test]
    async fn push_refuses_bad_requests_and_reports_an_unreachable_motcua() {
        let sim = test_support::sim();
        sim.set_motcua_url(unreachable_url().await);
        let app = app(sim);
        for uri in ["/_sim/portal/push?times=0", "/_sim/portal/push?times=11", "/_sim/portal/push?times=x"] {
            assert_eq!(post(&app, uri, None, &json!({})).await.0, StatusCode::BAD_REQUEST, "{uri}");
        }
        assert_eq!(post(&app, "/_sim/portal/push", None, &json!([1])).await.0, StatusCode::BAD_REQUEST);
        let (status, body) = post(&app, "/_sim/portal/push?times=2", None, &json!({"MaHoSo": "H1"})).await;
        assert_eq!(status, StatusCode::OK);
        let answers = body["answers"].as_array().expect("answers");
        assert_eq!(answers.len(), 2);
        assert!(
            answers.iter().all(|a| a["status"] == 0 && a["error"].as_str().is_some_and(|e| !e.is_empty())),
            "{body}"
        );
    }

    fn change(cursor: &str, ma_ho_so: &str) -> Value {
        json!({"cursor": cursor, "MaHoSo": ma_ho_so, "TrangThaiHoSo": "2", "ThoiDiem": "20250301100000"})
    }

    #[tokio::test]
    async fn poll_follows_next_and_keeps_the_cursor() {
        let (motcua, log) = motcua_stub(|req| {
            let page = if req.uri.contains("after=2") {
                json!({"items": [change("3", "H1")], "next": "3"})
            } else if req.uri.contains("after=3") {
                json!({"items": [], "next": "3"})
            } else {
                json!({"items": [change("1", "H1"), change("2", "H2")], "next": "2"})
            };
            (StatusCode::OK, page)
        })
        .await;
        let sim = test_support::sim();
        sim.set_motcua_url(motcua);
        let app = app(sim);

        let (status, body) = post(&app, "/_sim/portal/poll", None, &Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({"items": [change("1", "H1"), change("2", "H2"), change("3", "H1")], "cursor": "3"}));
        let uris: Vec<String> = log.lock().expect("log").iter().map(|r| r.uri.clone()).collect();
        assert_eq!(
            uris,
            [
                "/api/v1/national/changes?limit=500",
                "/api/v1/national/changes?after=2&limit=500",
                "/api/v1/national/changes?after=3&limit=500"
            ]
        );
        let received = log.lock().expect("log").clone();
        for req in received {
            verified_claims(&app, req.authorization.as_deref()).await;
        }

        // Nothing new: the stored cursor is sent.
        let (_, body) = post(&app, "/_sim/portal/poll", None, &Value::Null).await;
        assert_eq!(body, json!({"items": [], "cursor": "3"}));
        assert!(log.lock().expect("log").last().is_some_and(|r| r.uri.contains("after=3")));
        let feed = read(&app, "/_sim/portal/feed").await;
        assert_eq!((feed["items"].as_array().map(Vec::len), &feed["cursor"]), (Some(3), &json!("3")));

        // Reset: from the start again.
        assert_eq!(send(&app, json_request("DELETE", "/_sim/portal/feed", None, "")).await.0, StatusCode::NO_CONTENT);
        assert_eq!(read(&app, "/_sim/portal/feed").await, json!({"items": [], "cursor": null}));
        post(&app, "/_sim/portal/poll", None, &Value::Null).await;
        assert_eq!(log.lock().expect("log")[4].uri, "/api/v1/national/changes?limit=500");
    }

    #[tokio::test]
    async fn poll_answers_502_when_motcua_refuses_or_is_unreachable() {
        let (motcua, _) = motcua_stub(|_| (StatusCode::UNAUTHORIZED, json!({"error": "invalid_token"}))).await;
        let sim = test_support::sim();
        sim.set_motcua_url(motcua);
        let app = app(sim.clone());
        let (status, body) = post(&app, "/_sim/portal/poll", None, &Value::Null).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert_eq!((&body["status"], &body["body"]), (&json!(401), &json!({"error": "invalid_token"})));

        sim.set_motcua_url(unreachable_url().await);
        let (status, body) = post(&app, "/_sim/portal/poll", None, &Value::Null).await;
        assert_eq!((status, &body["status"]), (StatusCode::BAD_GATEWAY, &json!(0)));
        assert_eq!(read(&app, "/_sim/portal/feed").await, json!({"items": [], "cursor": null}));
    }
}
