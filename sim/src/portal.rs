//! The National Public Service Portal receiving our pushes (interop.md §3): `DongBoHoSoMC` and
//! `CapNhatTienDoHoSoMC`. It checks the bearer token and every field's presence and format, answers
//! `error_code` "0" or the problems, and records what it accepted so tests can read it back in order.

use std::sync::Mutex;

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::Sim;

/// What the portal received and accepted, in arrival order.
#[derive(Default)]
pub struct Portal {
    received: Mutex<Vec<Value>>,
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
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_token"}))).into_response();
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
    if let Ok(mut received) = sim.portal.received.lock() {
        for item in items {
            received.push(json!({"operation": operation, "isUpdating": body.get("isUpdating"), "item": item}));
        }
    }
    Json(json!({"error_code": "0", "message": "Thành công"})).into_response()
}

async fn dong_bo(State(sim): State<Sim>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    receive(&sim, &headers, "DongBoHoSoMC", body).await
}

async fn tien_do(State(sim): State<Sim>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    receive(&sim, &headers, "CapNhatTienDoHoSoMC", body).await
}

async fn messages(State(sim): State<Sim>) -> Json<Value> {
    Json(json!(sim.portal.received.lock().map(|r| r.clone()).unwrap_or_default()))
}

pub fn routes() -> Router<Sim> {
    Router::new()
        .route("/dvcqg/DongBoHoSoMC", post(dong_bo))
        .route("/dvcqg/CapNhatTienDoHoSoMC", post(tien_do))
        .route("/_sim/portal/messages", get(messages))
}
