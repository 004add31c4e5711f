//! The payment platform (interop.md §4): `POST /paygov/giao-dich` with `INIT`, `QUERY` and `GET_BILL`, the page the
//! payer is sent to, and the callback to motcua when a payment completes.
//!
//! Every message is signed with `MaXacThuc`: the lowercase hex SHA-256 of the signed fields' values, pipe-joined,
//! then `|<partner secret>`. Partners (`MaDoiTac` → secret) come from `MOTCUA_SIM_PAYGOV_PARTNERS` or
//! `PUT /_sim/config`. Transactions live in memory. Tests complete them through the payer page, as a browser
//! would, or through `POST /_sim/paygov/{MaThamChieu}/complete`, which can also lose, repeat or mis-sign the callback.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    Form, Json, Router,
    body::Bytes,
    extract::{Path, State, rejection::FormRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::{
    OffsetDateTime, UtcOffset,
    format_description::{BorrowedFormatItem, well_known::Rfc3339},
    macros::{format_description, offset},
};
use unicode_normalization::UnicodeNormalization;

use crate::{Sim, lock, platform};

/// `PhienBan` of every message.
pub const PHIEN_BAN: &str = "1.0.6";

/// The fields `MaXacThuc` of an `INIT` is computed over, in order.
pub const INIT_SIGNED: [&str; 14] = [
    "LoaiBanTin",
    "PhienBan",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "MaThietBi",
    "NgonNgu",
    "MaTienTe",
    "MaNganHang",
    "ThongTinGiaoDich",
    "ThoiGianGD",
    "Ip",
];
/// The fields `MaXacThuc` of a `QUERY` or `GET_BILL` is computed over, in order.
pub const QUERY_SIGNED: [&str; 5] = ["LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD"];
/// The fields `MaXacThuc` of a callback is computed over, in order.
pub const CALLBACK_SIGNED: [&str; 10] = [
    "LoaiBanTin",
    "MaLoi",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "MaTienTe",
    "MaGiaoDich",
    "MaNganHang",
    "ThoiGianGD",
    "ThongTinGiaoDich",
];
const BIEN_LAI_FIELDS: [&str; 8] =
    ["MaHoSo", "MaTTHC", "TenTTHC", "MaDonVi", "TenDonVi", "HoTenNguoiNop", "SoCMNDNguoiNop", "NoiDungThanhToan"];
/// Fields with exactly one allowed value.
const FIXED: [(&str, &str); 6] = [
    ("PhienBan", PHIEN_BAN),
    ("LoaiHinhThanhToan", "PAY"),
    ("MaKenhThanhToan", "1"),
    ("MaThietBi", "1"),
    ("NgonNgu", "vi-VN"),
    ("MaTienTe", "VND"),
];
/// `MaNganHang` of the callback when the INIT left it empty (the payer chose on the platform's page).
const DEFAULT_BANK: &str = "VCB";
/// Longest accepted `MaThamChieu`.
const MAX_REFERENCE_LEN: usize = 64;

const VIETNAM: UtcOffset = offset!(+7);
const COMPACT: &[BorrowedFormatItem<'static>] = format_description!("[year][month][day][hour][minute][second]");
const DISPLAY: &[BorrowedFormatItem<'static>] = format_description!("[day]/[month]/[year] [hour]:[minute]:[second]");

/// Lowercase hex of some bytes.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// `MaXacThuc`: lowercase hex SHA-256 of the values pipe-joined, then `|secret`.
pub fn signature(values: &[&str], secret: &str) -> String {
    let mut hasher = Sha256::new();
    for value in values {
        hasher.update(value.as_bytes());
        hasher.update(b"|");
    }
    hasher.update(secret.as_bytes());
    hex(&hasher.finalize())
}

/// `MaXacThuc` of a message over the given fields (an absent or non-string field counts as `""`).
pub fn message_signature(message: &Value, fields: &[&str], secret: &str) -> String {
    let values: Vec<&str> = fields.iter().map(|f| message.get(*f).and_then(Value::as_str).unwrap_or("")).collect();
    signature(&values, secret)
}

/// `MaXacThuc` of a callback body (interop.md §4: `LoaiBanTin|MaLoi|...|ThongTinGiaoDich|<secret>`).
pub fn callback_signature(callback: &Value, secret: &str) -> String {
    message_signature(callback, &CALLBACK_SIGNED, secret)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TxState {
    Pending,
    Paid,
    Failed,
}

impl TxState {
    /// `TrangThaiGD` of a QUERY answer.
    fn code(self) -> &'static str {
        match self {
            Self::Pending => "0",
            Self::Paid => "1",
            Self::Failed => "2",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone)]
struct Transaction {
    /// Order of creation.
    seq: u64,
    /// The INIT as received: a repeat with every field equal is answered like the first.
    init: Value,
    partner: String,
    /// The partner's secret at INIT (signs callbacks if the partner is removed from the configuration since).
    secret: String,
    reference: String,
    amount: String,
    /// `ThongTinGiaoDich`.
    info: String,
    /// `ThongTinBienLai`.
    receipt: Value,
    url: String,
    created: OffsetDateTime,
    state: TxState,
    /// `MaNganHang` of the callback: the INIT's, else [`DEFAULT_BANK`].
    bank: String,
    /// Assigned once at completion (paid or failed); `""` while pending.
    ma_giao_dich: String,
    /// When it completed, `yyyyMMddHHmmss` Vietnam time; `""` while pending.
    completed_at: String,
    /// The e-receipt number, once paid.
    so_bien_lai: String,
}

impl Transaction {
    fn receipt_field(&self, field: &str) -> &str {
        self.receipt.get(field).and_then(Value::as_str).unwrap_or("")
    }

    fn to_json(&self) -> Value {
        json!({
            "MaThamChieu": self.reference,
            "MaDoiTac": self.partner,
            "SoTien": self.amount,
            "ThongTinGiaoDich": self.info,
            "ThongTinBienLai": self.receipt,
            "UrlThanhToan": self.url,
            "state": self.state.name(),
            "TrangThaiGD": self.state.code(),
            "MaGiaoDich": self.ma_giao_dich,
            "MaNganHang": self.bank,
            "completed_at": self.completed_at,
            "SoBienLai": self.so_bien_lai,
            "created": self.created.format(&Rfc3339).unwrap_or_default(),
        })
    }

    /// The callback the platform sends motcua about this (completed) transaction.
    fn callback(&self, secret: &str) -> Value {
        let mut body = json!({
            "LoaiBanTin": "CALLBACK",
            "MaLoi": if self.state == TxState::Paid { "00" } else { "01" },
            "MaDoiTac": self.partner,
            "MaThamChieu": self.reference,
            "SoTien": self.amount,
            "MaTienTe": "VND",
            "MaGiaoDich": self.ma_giao_dich,
            "MaNganHang": self.bank,
            "ThoiGianGD": self.completed_at,
            "ThongTinGiaoDich": self.info,
        });
        body["MaXacThuc"] = json!(callback_signature(&body, secret));
        body
    }
}

/// The payment platform's transactions.
#[derive(Default)]
pub struct PayGov {
    /// `MaThamChieu` → transaction.
    transactions: Mutex<BTreeMap<String, Transaction>>,
    /// Transactions created since start.
    created: AtomicU64,
    /// E-receipts issued since start (numbers `SoBienLai`).
    receipts: AtomicU64,
}

fn answer(ma_loi: &str, mo_ta: &str) -> Value {
    json!({"MaLoi": ma_loi, "MoTa": mo_ta})
}

fn now_compact() -> String {
    OffsetDateTime::now_utc().to_offset(VIETNAM).format(COMPACT).unwrap_or_default()
}

fn is_amount(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.bytes().any(|b| b != b'0')
}

fn is_timestamp(s: &str) -> bool {
    s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()) && time::PrimitiveDateTime::parse(s, COMPACT).is_ok()
}

fn is_reference(s: &str) -> bool {
    (1..=MAX_REFERENCE_LEN).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The value of a string field, or a problem when it is missing or not a string.
fn string_field<'a>(message: &'a Value, field: &str, at: &str, problems: &mut Vec<String>) -> Option<&'a str> {
    match message.get(field) {
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            problems.push(format!("{at}{field} must be a string"));
            None
        }
        None => {
            problems.push(format!("{at}{field} is missing"));
            None
        }
    }
}

/// What is wrong with the value of a top-level field, if anything.
fn value_problem(field: &str, value: &str) -> Option<String> {
    if let Some((_, want)) = FIXED.iter().find(|(f, _)| *f == field) {
        return (value != *want).then(|| format!("must be {want:?}"));
    }
    match field {
        "MaNganHang" => None,
        _ if value.is_empty() => Some("is empty".to_owned()),
        "SoTien" => (!is_amount(value)).then(|| "must be digits only and greater than 0".to_owned()),
        "ThoiGianGD" => (!is_timestamp(value)).then(|| "must be yyyyMMddHHmmss".to_owned()),
        "MaThamChieu" => {
            (!is_reference(value)).then(|| format!("must be 1 to {MAX_REFERENCE_LEN} characters among A-Z a-z 0-9 - _"))
        }
        _ => None,
    }
}

/// Every problem of the fields of a message (all strings; `MaXacThuc` last).
fn check_fields(message: &Value, signed: &[&str], problems: &mut Vec<String>) {
    for field in signed.iter().copied().chain(["MaXacThuc"]) {
        if let Some(value) = string_field(message, field, "", problems)
            && let Some(problem) = value_problem(field, value)
        {
            problems.push(format!("{field} {problem}"));
        }
    }
}

fn field<'a>(message: &'a Value, name: &str) -> &'a str {
    message.get(name).and_then(Value::as_str).unwrap_or("")
}

/// The partner's secret and a checked signature: `Err` is the answer (03 unknown partner, 02 bad signature).
fn authenticate(sim: &Sim, message: &Value, signed: &[&str]) -> Result<String, Value> {
    let Some(secret) = sim.paygov_secret(field(message, "MaDoiTac")) else {
        return Err(answer("03", "Mã đối tác không tồn tại"));
    };
    let expected = message_signature(message, signed, &secret);
    if !platform::constant_time_eq(expected.as_bytes(), field(message, "MaXacThuc").as_bytes()) {
        return Err(answer("02", "Sai chữ ký (MaXacThuc)"));
    }
    Ok(secret)
}

/// `host[:port]` of the request, for the payer page's URL (the sim's default listen address without one).
fn request_host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("127.0.0.1:8090")
        .to_owned()
}

fn init(sim: &Sim, headers: &HeaderMap, message: &Value) -> Value {
    let mut problems = Vec::new();
    check_fields(message, &INIT_SIGNED, &mut problems);
    match message.get("ThongTinBienLai") {
        Some(receipt @ Value::Object(_)) => {
            for f in BIEN_LAI_FIELDS {
                string_field(receipt, f, "ThongTinBienLai.", &mut problems);
            }
            if receipt.get("MaHoSo").and_then(Value::as_str) == Some("") {
                problems.push("ThongTinBienLai.MaHoSo is empty".to_owned());
            }
        }
        Some(_) => problems.push("ThongTinBienLai must be an object".to_owned()),
        None => problems.push("ThongTinBienLai is missing".to_owned()),
    }
    if !problems.is_empty() {
        return answer("01", &problems.join("; "));
    }
    let secret = match authenticate(sim, message, &INIT_SIGNED) {
        Ok(secret) => secret,
        Err(answer) => return answer,
    };
    let reference = field(message, "MaThamChieu");
    let mut transactions = lock(&sim.paygov.transactions);
    if let Some(tx) = transactions.get(reference) {
        if tx.init != *message {
            return answer("04", "Mã tham chiếu đã được sử dụng");
        }
    } else {
        let bank = field(message, "MaNganHang");
        let tx = Transaction {
            seq: sim.paygov.created.fetch_add(1, Ordering::SeqCst),
            init: message.clone(),
            partner: field(message, "MaDoiTac").to_owned(),
            secret,
            reference: reference.to_owned(),
            amount: field(message, "SoTien").to_owned(),
            info: field(message, "ThongTinGiaoDich").to_owned(),
            receipt: message.get("ThongTinBienLai").cloned().unwrap_or_default(),
            url: format!("http://{}/paygov/thanh-toan/{reference}", request_host(headers)),
            created: OffsetDateTime::now_utc(),
            state: TxState::Pending,
            bank: if bank.is_empty() { DEFAULT_BANK } else { bank }.to_owned(),
            ma_giao_dich: String::new(),
            completed_at: String::new(),
            so_bien_lai: String::new(),
        };
        transactions.insert(reference.to_owned(), tx);
    }
    let url = transactions.get(reference).map(|tx| tx.url.clone()).unwrap_or_default();
    json!({"MaLoi": "00", "MoTa": "Thành công", "MaThamChieu": reference, "UrlThanhToan": url})
}

/// `QUERY` (the state) and `GET_BILL` (the e-receipt).
fn query(sim: &Sim, message: &Value, bill: bool) -> Value {
    let mut problems = Vec::new();
    check_fields(message, &QUERY_SIGNED, &mut problems);
    if !problems.is_empty() {
        return answer("01", &problems.join("; "));
    }
    if let Err(answer) = authenticate(sim, message, &QUERY_SIGNED) {
        return answer;
    }
    let reference = field(message, "MaThamChieu");
    let tx =
        lock(&sim.paygov.transactions).get(reference).filter(|tx| tx.partner == field(message, "MaDoiTac")).cloned();
    let Some(tx) = tx else { return answer("05", "Không tìm thấy giao dịch") };
    if !bill {
        let paid_at = if tx.state == TxState::Paid { tx.completed_at.as_str() } else { "" };
        return json!({
            "MaLoi": "00",
            "MoTa": "Thành công",
            "MaThamChieu": tx.reference,
            "TrangThaiGD": tx.state.code(),
            "SoTien": tx.amount,
            "MaGiaoDich": tx.ma_giao_dich,
            "ThoiGianThanhToan": paid_at,
        });
    }
    if tx.state != TxState::Paid {
        return answer("06", "Giao dịch chưa thanh toán");
    }
    json!({
        "MaLoi": "00",
        "MoTa": "Thành công",
        "MaThamChieu": tx.reference,
        "SoBienLai": tx.so_bien_lai,
        "TenTep": format!("bien-lai-{}.pdf", tx.reference),
        "NoiDung": STANDARD.encode(receipt_pdf(&tx)),
    })
}

/// `POST /paygov/giao-dich`.
async fn giao_dich(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if !sim.platform.bearer_ok(&headers) {
        return platform::invalid_token();
    }
    let message = match serde_json::from_slice::<Value>(&body) {
        Ok(message @ Value::Object(_)) => message,
        _ => return Json(answer("01", "the body must be a JSON object")).into_response(),
    };
    let kind = message.get("LoaiBanTin").and_then(Value::as_str).unwrap_or("");
    let res = match kind {
        "INIT" => init(&sim, &headers, &message),
        "QUERY" => query(&sim, &message, false),
        "GET_BILL" => query(&sim, &message, true),
        "" => answer("01", "LoaiBanTin is missing"),
        other => answer("01", &format!("LoaiBanTin {other:?}: expected INIT, QUERY or GET_BILL")),
    };
    tracing::info!(
        loai_ban_tin = kind,
        ma_tham_chieu = field(&message, "MaThamChieu"),
        ma_loi = field(&res, "MaLoi"),
        "payment platform answered"
    );
    Json(res).into_response()
}

/// Completes a pending transaction (paid or failed). Answers the transaction as it now is and whether this call
/// changed it (a completed transaction stays as it is); `None` for an unknown reference.
fn complete(sim: &Sim, reference: &str, paid: bool) -> Option<(Transaction, bool)> {
    let mut transactions = lock(&sim.paygov.transactions);
    let current = transactions.get(reference)?;
    if current.state != TxState::Pending {
        return Some((current.clone(), false));
    }
    let ma_giao_dich = loop {
        let id = format!("PG{:014}", rand::random_range(0..100_000_000_000_000_u64));
        if !transactions.values().any(|t| t.ma_giao_dich == id) {
            break id;
        }
    };
    let tx = transactions.get_mut(reference)?;
    let now = OffsetDateTime::now_utc().to_offset(VIETNAM);
    tx.ma_giao_dich = ma_giao_dich;
    tx.completed_at = now.format(COMPACT).unwrap_or_else(|_| now_compact());
    if paid {
        tx.state = TxState::Paid;
        let n = sim.paygov.receipts.fetch_add(1, Ordering::SeqCst) + 1;
        tx.so_bien_lai = format!("BL{}{n:06}", now.year());
    } else {
        tx.state = TxState::Failed;
    }
    tracing::info!(ma_tham_chieu = reference, state = tx.state.name(), ma_giao_dich = %tx.ma_giao_dich, "payment completed");
    Some((tx.clone(), true))
}

/// How `POST /_sim/paygov/{MaThamChieu}/complete` delivers the callback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Delivery {
    /// Once.
    #[default]
    Send,
    /// Never (the callback was lost).
    Drop,
    /// The same callback twice.
    Twice,
    /// Once, with a wrong `MaXacThuc`.
    BadSignature,
}

/// Sends the callback about a completed transaction to motcua; answers what motcua said to each.
async fn send_callbacks(sim: &Sim, tx: &Transaction, delivery: Delivery) -> Vec<Value> {
    let secret = sim.paygov_secret(&tx.partner).unwrap_or_else(|| tx.secret.clone());
    let (times, secret) = match delivery {
        Delivery::Send => (1, secret),
        Delivery::Drop => (0, secret),
        Delivery::Twice => (2, secret),
        Delivery::BadSignature => (1, format!("{secret}-not-the-secret")),
    };
    let body = tx.callback(&secret);
    let url = format!("{}/api/v1/payments/paygov/callback", sim.motcua_url());
    let mut outcomes = Vec::new();
    for _ in 0..times {
        let outcome = crate::outcome(sim.http.post(&url).json(&body).send().await).await;
        tracing::info!(%url, ma_tham_chieu = %tx.reference, status = %outcome["status"], "payment callback sent");
        outcomes.push(outcome);
    }
    outcomes
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteRequest {
    result: Outcome,
    #[serde(default)]
    callback: Delivery,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Paid,
    Failed,
}

/// `POST /_sim/paygov/{MaThamChieu}/complete`: the payer paid (or failed); the callback as asked.
async fn complete_for_test(
    State(sim): State<Sim>,
    Path(reference): Path<String>,
    Json(req): Json<CompleteRequest>,
) -> Response {
    let Some((tx, changed)) = complete(&sim, &reference, req.result == Outcome::Paid) else {
        return (StatusCode::NOT_FOUND, Json(json!({"error": "unknown MaThamChieu"}))).into_response();
    };
    let callbacks = send_callbacks(&sim, &tx, req.callback).await;
    Json(json!({"callbacks": callbacks, "changed": changed, "transaction": tx.to_json()})).into_response()
}

/// `GET /_sim/paygov/transactions`: every transaction, oldest first.
async fn transactions(State(sim): State<Sim>) -> Json<Value> {
    let mut all: Vec<Transaction> = lock(&sim.paygov.transactions).values().cloned().collect();
    all.sort_by_key(|tx| tx.seq);
    Json(Value::Array(all.iter().map(Transaction::to_json).collect()))
}

async fn clear_transactions(State(sim): State<Sim>) -> StatusCode {
    lock(&sim.paygov.transactions).clear();
    StatusCode::NO_CONTENT
}

// ---------------------------------------------------------------------------------------------------------------
// The payer's pages.

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `50000` → `50.000` (Vietnamese thousands separator).
fn group_thousands(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1a1a1a}\
main{max-width:36rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:8px}\
h1{font-size:1.4rem;margin-top:0}.note{color:#555;font-size:.9rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.5rem 1rem}dt{font-weight:600}dd{margin:0}\
.amount{font-size:1.3rem;font-weight:700;white-space:nowrap}\
form{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}\
button{font:inherit;padding:.7rem 1.2rem;border-radius:6px;border:1px solid #0b5394;cursor:pointer}\
button[value=paid]{background:#0b5394;color:#fff}button[value=failed]{background:#fff;color:#0b5394}\
button:focus-visible,a:focus-visible{outline:3px solid #f1c232;outline-offset:2px}";

fn page(status: StatusCode, title: &str, main: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} – Nền tảng thanh toán (giả lập)</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         {main}</main>\n</body>\n</html>\n",
        title = html_escape(title)
    );
    let mut res = (status, Html(html)).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn not_found_page() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Không tìm thấy giao dịch",
        "<h1>Không tìm thấy giao dịch</h1>\n<p>Mã tham chiếu không tồn tại hoặc đã hết hạn.</p>\n",
    )
}

fn result_url(sim: &Sim, reference: &str) -> String {
    format!("{}/thanh-toan/ket-qua?ma={reference}", sim.motcua_url())
}

/// `GET /paygov/thanh-toan/{MaThamChieu}`: what the payer sees, with the buttons to pay or to fail.
async fn payer_page(State(sim): State<Sim>, Path(reference): Path<String>) -> Response {
    let Some(tx) = lock(&sim.paygov.transactions).get(&reference).cloned() else { return not_found_page() };
    let e = |s: &str| html_escape(s);
    let mut main = format!(
        "<h1>Thanh toán phí, lệ phí</h1>\n\
         <p class=\"note\">Trang giả lập của Nền tảng thanh toán trực tuyến, chỉ dùng để thử nghiệm: không có giao dịch \
         thật.</p>\n<dl>\n\
         <dt>Số tiền</dt><dd class=\"amount\">{amount} ₫</dd>\n\
         <dt>Mã hồ sơ</dt><dd>{ma_ho_so}</dd>\n\
         <dt>Thủ tục</dt><dd>{ten_tthc}</dd>\n\
         <dt>Nội dung</dt><dd>{noi_dung}</dd>\n\
         <dt>Đơn vị thụ hưởng</dt><dd>{don_vi}</dd>\n\
         <dt>Người nộp</dt><dd>{nguoi_nop}</dd>\n\
         <dt>Mã tham chiếu</dt><dd>{reference}</dd>\n</dl>\n",
        amount = group_thousands(&tx.amount),
        ma_ho_so = e(tx.receipt_field("MaHoSo")),
        ten_tthc = e(tx.receipt_field("TenTTHC")),
        noi_dung = e(tx.receipt_field("NoiDungThanhToan")),
        don_vi = e(tx.receipt_field("TenDonVi")),
        nguoi_nop = e(tx.receipt_field("HoTenNguoiNop")),
        reference = e(&tx.reference),
    );
    match tx.state {
        TxState::Pending => main.push_str(&format!(
            "<form method=\"post\" action=\"/paygov/thanh-toan/{reference}\">\n\
             <button type=\"submit\" name=\"ket_qua\" value=\"paid\">Xác nhận thanh toán</button>\n\
             <button type=\"submit\" name=\"ket_qua\" value=\"failed\">Thanh toán không thành công</button>\n\
             </form>\n",
            reference = e(&tx.reference)
        )),
        done => main.push_str(&format!(
            "<p role=\"status\">{}</p>\n<p><a href=\"{}\">Quay lại Cổng dịch vụ công</a></p>\n",
            if done == TxState::Paid {
                "Giao dịch đã được thanh toán."
            } else {
                "Giao dịch không thành công."
            },
            e(&result_url(&sim, &tx.reference)),
        )),
    }
    page(StatusCode::OK, "Thanh toán phí, lệ phí", &main)
}

/// `POST /paygov/thanh-toan/{MaThamChieu}` (`ket_qua=paid|failed`): completes the transaction, calls motcua back
/// once, and sends the payer back to motcua (303).
async fn payer_submit(
    State(sim): State<Sim>,
    Path(reference): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let paid = match form.ok().and_then(|Form(form)| form.get("ket_qua").cloned()).as_deref() {
        Some("paid") => true,
        Some("failed") => false,
        _ => {
            return page(
                StatusCode::BAD_REQUEST,
                "Yêu cầu không hợp lệ",
                "<h1>Yêu cầu không hợp lệ</h1>\n<p>Hãy chọn một trong hai nút trên trang thanh toán.</p>\n",
            );
        }
    };
    let Some((tx, changed)) = complete(&sim, &reference, paid) else { return not_found_page() };
    if changed {
        send_callbacks(&sim, &tx, Delivery::Send).await;
    }
    match HeaderValue::from_str(&result_url(&sim, &tx.reference)) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "motcua_url is not a valid URL").into_response(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The e-receipt.

/// Vietnamese text as ASCII for the PDF's standard font: diacritics dropped, `đ` → `d`, anything else `?`.
fn ascii(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c if c.is_ascii_control() => ' ',
            c if c.is_ascii() => c,
            _ => '?',
        })
        .collect()
}

/// A PDF string literal's content: `\`, `(` and `)` escaped.
fn pdf_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '(' | ')') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A one-page A4 PDF with lines of text in Helvetica (the first as a title), with a correct cross-reference table.
fn pdf(title: &str, lines: &[String]) -> Vec<u8> {
    const MAX_CHARS: usize = 88;
    let mut content = format!("BT\n/F1 15 Tf\n56 780 Td\n({}) Tj\n/F1 11 Tf\n0 -8 Td\n", pdf_string(&ascii(title)));
    for line in lines {
        let mut line = ascii(line);
        if line.len() > MAX_CHARS {
            line.truncate(MAX_CHARS - 3);
            line.push_str("...");
        }
        content.push_str(&format!("0 -18 Td\n({}) Tj\n", pdf_string(&line)));
    }
    content.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> \
         /Contents 5 0 R >>"
            .to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        format!("<< /Title ({}) /Producer (motcua-sim) >>", pdf_string(&ascii(title))),
    ];
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1)
            .as_bytes(),
    );
    out
}

/// The e-receipt of a paid transaction.
fn receipt_pdf(tx: &Transaction) -> Vec<u8> {
    let paid_at = time::PrimitiveDateTime::parse(&tx.completed_at, COMPACT)
        .ok()
        .and_then(|t| t.format(DISPLAY).ok())
        .unwrap_or_else(|| tx.completed_at.clone());
    let lines = [
        "(Ban thu nghiem do motcua-sim tao ra, khong co gia tri thanh toan)".to_owned(),
        String::new(),
        format!("So bien lai: {}", tx.so_bien_lai),
        format!("Ma tham chieu: {}", tx.reference),
        format!("Ma ho so: {}", tx.receipt_field("MaHoSo")),
        format!("Thu tuc: {}", tx.receipt_field("TenTTHC")),
        format!("Don vi thu: {}", tx.receipt_field("TenDonVi")),
        format!("Nguoi nop: {}", tx.receipt_field("HoTenNguoiNop")),
        format!("Noi dung: {}", tx.receipt_field("NoiDungThanhToan")),
        format!("So tien: {} VND", tx.amount),
        format!("Ma giao dich: {}", tx.ma_giao_dich),
        format!("Ngan hang: {}", tx.bank),
        format!("Thoi gian thanh toan: {paid_at}"),
    ];
    pdf("BIEN LAI THU PHI, LE PHI DIEN TU", &lines)
}

pub fn routes() -> Router<Sim> {
    Router::new()
        .route("/paygov/giao-dich", post(giao_dich))
        .route("/paygov/thanh-toan/{reference}", get(payer_page).post(payer_submit))
        .route("/_sim/paygov/transactions", get(transactions).delete(clear_transactions))
        .route("/_sim/paygov/{reference}/complete", post(complete_for_test))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;

    use super::*;
    use crate::{
        app,
        test_support::{self, get, json_request, motcua_stub, send, unreachable_url},
    };

    const SECRET: &str = "motcua-paygov-dev-secret";
    const HOST: &str = "paygov.test:8090";

    /// `MaXacThuc` computed with sha2 directly, independently of the module's helpers.
    fn sign_by_hand(message: &Value, fields: &[&str], secret: &str) -> String {
        let mut text = fields.iter().map(|f| message[*f].as_str().expect("a string")).collect::<Vec<_>>().join("|");
        text.push('|');
        text.push_str(secret);
        format!("{:x}", Sha256::digest(text.as_bytes()))
    }

    fn init_message(reference: &str, amount: &str) -> Value {
        let mut m = json!({
            "LoaiBanTin": "INIT", "PhienBan": "1.0.6", "MaDoiTac": "MOTCUA", "MaThamChieu": reference, "SoTien": amount,
            "LoaiHinhThanhToan": "PAY", "MaKenhThanhToan": "1", "MaThietBi": "1", "NgonNgu": "vi-VN", "MaTienTe": "VND",
            "MaNganHang": "", "ThongTinGiaoDich": "Nộp lệ phí hồ sơ G-2025-000123", "ThoiGianGD": "20250301101500",
            "Ip": "203.0.113.7",
            "ThongTinBienLai": {
                "MaHoSo": "G-2025-000123", "MaTTHC": "1.001234", "TenTTHC": "Cấp bản sao trích lục hộ tịch",
                "MaDonVi": "000.00.12.H38", "TenDonVi": "UBND phường Điện Biên", "HoTenNguoiNop": "Nguyễn Văn An",
                "SoCMNDNguoiNop": "001090012345", "NoiDungThanhToan": "Lệ phí cấp bản sao (đợt 1)"
            }
        });
        m["MaXacThuc"] = json!(sign_by_hand(&m, &INIT_SIGNED, SECRET));
        m
    }

    fn query_message(kind: &str, reference: &str) -> Value {
        let mut m = json!({"LoaiBanTin": kind, "PhienBan": "1.0.6", "MaDoiTac": "MOTCUA", "MaThamChieu": reference,
                           "ThoiGianGD": "20250301102000"});
        m["MaXacThuc"] = json!(sign_by_hand(&m, &QUERY_SIGNED, SECRET));
        m
    }

    async fn giao_dich(app: &Router, bearer: &str, message: &Value) -> Value {
        let req = Request::builder()
            .method("POST")
            .uri("/paygov/giao-dich")
            .header("host", HOST)
            .header("content-type", "application/json")
            .header("authorization", bearer)
            .body(Body::from(message.to_string()))
            .expect("request");
        let (status, _, body) = send(app, req).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn complete_for_test(app: &Router, reference: &str, body: &str) -> (StatusCode, Value) {
        let uri = format!("/_sim/paygov/{reference}/complete");
        let (status, _, body) = send(app, json_request("POST", &uri, None, body)).await;
        (status, body)
    }

    async fn page(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
        use tower::ServiceExt;
        let res = app.clone().oneshot(req).await.expect("infallible");
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        (parts.status, parts.headers, String::from_utf8(bytes.to_vec()).expect("utf-8"))
    }

    fn form(reference: &str, body: &str) -> Request<Body> {
        Request::builder()
            .method("POST")
            .uri(format!("/paygov/thanh-toan/{reference}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .expect("request")
    }

    #[tokio::test]
    async fn init_answers_the_payer_url_and_a_repeat_is_harmless_only_when_identical() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let first = giao_dich(&app, &bearer, &init_message("MC-1", "50000")).await;
        let url = format!("http://{HOST}/paygov/thanh-toan/MC-1");
        assert_eq!(first, json!({"MaLoi": "00", "MoTa": "Thành công", "MaThamChieu": "MC-1", "UrlThanhToan": url}));
        assert_eq!(giao_dich(&app, &bearer, &init_message("MC-1", "50000")).await, first);
        let other = giao_dich(&app, &bearer, &init_message("MC-1", "60000")).await;
        assert_eq!(other["MaLoi"], "04");

        let (_, _, all) = send(&app, get("/_sim/paygov/transactions")).await;
        let all = all.as_array().expect("a list");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0]["MaThamChieu"], "MC-1");
        assert_eq!(
            (&all[0]["state"], &all[0]["SoTien"], &all[0]["MaGiaoDich"]),
            (&json!("pending"), &json!("50000"), &json!(""))
        );
        assert_eq!(all[0]["ThongTinBienLai"]["MaHoSo"], "G-2025-000123");
    }

    #[tokio::test]
    async fn init_refuses_a_bad_signature_and_an_unknown_partner() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let mut tampered = init_message("MC-2", "50000");
        tampered["SoTien"] = json!("5000");
        assert_eq!(giao_dich(&app, &bearer, &tampered).await["MaLoi"], "02");
        let mut upper = init_message("MC-2", "50000");
        upper["MaXacThuc"] = json!(upper["MaXacThuc"].as_str().expect("sig").to_uppercase());
        assert_eq!(giao_dich(&app, &bearer, &upper).await["MaLoi"], "02");
        let mut stranger = init_message("MC-2", "50000");
        stranger["MaDoiTac"] = json!("KHAC");
        stranger["MaXacThuc"] = json!(sign_by_hand(&stranger, &INIT_SIGNED, SECRET));
        assert_eq!(giao_dich(&app, &bearer, &stranger).await["MaLoi"], "03");
        // Nothing was stored: the reference is still free.
        assert_eq!(giao_dich(&app, &bearer, &init_message("MC-2", "50000")).await["MaLoi"], "00");
    }

    #[tokio::test]
    async fn init_lists_every_field_problem() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let mut bad = init_message("MC 3", "0");
        let fields = bad.as_object_mut().expect("object");
        fields.remove("Ip");
        fields.insert("PhienBan".into(), json!("1.0.5"));
        fields.insert("ThoiGianGD".into(), json!("20251301101500"));
        fields.insert("MaThietBi".into(), json!(1));
        fields.insert("ThongTinGiaoDich".into(), json!(""));
        fields["ThongTinBienLai"].as_object_mut().expect("object").remove("MaTTHC");
        let answer = giao_dich(&app, &bearer, &bad).await;
        assert_eq!(answer["MaLoi"], "01");
        let problems = answer["MoTa"].as_str().expect("MoTa");
        for expected in [
            "PhienBan must be \"1.0.6\"",
            "MaThamChieu must be 1 to 64 characters",
            "SoTien must be digits only and greater than 0",
            "MaThietBi must be a string",
            "ThongTinGiaoDich is empty",
            "ThoiGianGD must be yyyyMMddHHmmss",
            "Ip is missing",
            "ThongTinBienLai.MaTTHC is missing",
        ] {
            assert!(problems.contains(expected), "{expected:?} not in {problems:?}");
        }
        assert_eq!(problems.split("; ").count(), 8, "{problems}");

        assert_eq!(giao_dich(&app, &bearer, &json!({"PhienBan": "1.0.6"})).await["MaLoi"], "01");
        assert_eq!(giao_dich(&app, &bearer, &json!({"LoaiBanTin": "REFUND"})).await["MaLoi"], "01");
        assert_eq!(giao_dich(&app, &bearer, &json!([])).await["MaLoi"], "01");
    }

    #[tokio::test]
    async fn giao_dich_needs_a_live_bearer_token() {
        let app = app(test_support::sim());
        for auth in [None, Some("Bearer not-a-token")] {
            let req = json_request("POST", "/paygov/giao-dich", auth, &init_message("MC-4", "50000").to_string());
            let (status, headers, body) = send(&app, req).await;
            assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
            assert!(headers.contains_key("www-authenticate"));
        }
        assert_eq!(send(&app, get("/_sim/paygov/transactions")).await.2, json!([]));
    }

    #[tokio::test]
    async fn query_follows_a_transaction_from_pending_to_paid() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        giao_dich(&app, &bearer, &init_message("MC-5", "50000")).await;
        let pending = giao_dich(&app, &bearer, &query_message("QUERY", "MC-5")).await;
        assert_eq!(
            pending,
            json!({"MaLoi": "00", "MoTa": "Thành công", "MaThamChieu": "MC-5", "TrangThaiGD": "0", "SoTien": "50000",
                   "MaGiaoDich": "", "ThoiGianThanhToan": ""})
        );
        assert_eq!(giao_dich(&app, &bearer, &query_message("QUERY", "MC-404")).await["MaLoi"], "05");
        let mut forged = query_message("QUERY", "MC-5");
        forged["ThoiGianGD"] = json!("20250301102001");
        assert_eq!(giao_dich(&app, &bearer, &forged).await["MaLoi"], "02");

        let (status, done) = complete_for_test(&app, "MC-5", r#"{"result": "paid", "callback": "drop"}"#).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["callbacks"], json!([]));
        let paid = giao_dich(&app, &bearer, &query_message("QUERY", "MC-5")).await;
        assert_eq!((&paid["MaLoi"], &paid["TrangThaiGD"]), (&json!("00"), &json!("1")));
        let id = paid["MaGiaoDich"].as_str().expect("MaGiaoDich");
        assert!(id.len() == 16 && id.starts_with("PG") && id[2..].bytes().all(|b| b.is_ascii_digit()), "{id}");
        assert!(is_timestamp(paid["ThoiGianThanhToan"].as_str().expect("time")), "{paid}");

        // A failed payment.
        giao_dich(&app, &bearer, &init_message("MC-6", "70000")).await;
        complete_for_test(&app, "MC-6", r#"{"result": "failed", "callback": "drop"}"#).await;
        let failed = giao_dich(&app, &bearer, &query_message("QUERY", "MC-6")).await;
        assert_eq!((&failed["TrangThaiGD"], &failed["ThoiGianThanhToan"]), (&json!("2"), &json!("")));
        assert_eq!(complete_for_test(&app, "MC-404", r#"{"result": "paid"}"#).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            complete_for_test(&app, "MC-6", r#"{"result": "paid", "callback": "never"}"#).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[tokio::test]
    async fn get_bill_answers_06_until_paid_then_the_e_receipt() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        giao_dich(&app, &bearer, &init_message("MC-7", "50000")).await;
        let before = giao_dich(&app, &bearer, &query_message("GET_BILL", "MC-7")).await;
        assert_eq!(before, json!({"MaLoi": "06", "MoTa": "Giao dịch chưa thanh toán"}));
        assert_eq!(giao_dich(&app, &bearer, &query_message("GET_BILL", "MC-8")).await["MaLoi"], "05");

        complete_for_test(&app, "MC-7", r#"{"result": "paid", "callback": "drop"}"#).await;
        let bill = giao_dich(&app, &bearer, &query_message("GET_BILL", "MC-7")).await;
        assert_eq!((&bill["MaLoi"], &bill["TenTep"]), (&json!("00"), &json!("bien-lai-MC-7.pdf")));
        assert!(bill["SoBienLai"].as_str().is_some_and(|n| n.starts_with("BL")), "{bill}");
        let pdf = STANDARD.decode(bill["NoiDung"].as_str().expect("NoiDung")).expect("base64");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("(Ma tham chieu: MC-7) Tj"), "{text}");
        assert!(text.contains("(So tien: 50000 VND) Tj"));
        assert!(text.contains("(Noi dung: Le phi cap ban sao \\(dot 1\\)) Tj"));
    }

    #[tokio::test]
    async fn the_payer_page_shows_the_amount_and_both_buttons() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        giao_dich(&app, &bearer, &init_message("MC-9", "1250000")).await;
        let (status, headers, html) = page(&app, get("/paygov/thanh-toan/MC-9")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("text/html")));
        for expected in [
            "<html lang=\"vi\">",
            "<meta charset=\"utf-8\">",
            "name=\"viewport\"",
            "1.250.000 ₫",
            "G-2025-000123",
            "Cấp bản sao trích lục hộ tịch",
            "Lệ phí cấp bản sao (đợt 1)",
            "<form method=\"post\" action=\"/paygov/thanh-toan/MC-9\">",
            "name=\"ket_qua\" value=\"paid\">Xác nhận thanh toán</button>",
            "name=\"ket_qua\" value=\"failed\">Thanh toán không thành công</button>",
        ] {
            assert!(html.contains(expected), "{expected:?} not in {html}");
        }
        assert!(!html.contains("<script"));
        let (status, _, html) = page(&app, get("/paygov/thanh-toan/MC-0")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("Không tìm thấy giao dịch"));
        assert_eq!(page(&app, form("MC-0", "ket_qua=paid")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(page(&app, form("MC-9", "ket_qua=maybe")).await.0, StatusCode::BAD_REQUEST);
    }

    fn accept_callbacks(_: &test_support::Received) -> (StatusCode, Value) {
        (StatusCode::OK, json!({"MaLoi": "00"}))
    }

    #[tokio::test]
    async fn paying_on_the_payer_page_calls_motcua_back_once_and_sends_the_payer_back() {
        let (motcua, log) = motcua_stub(accept_callbacks).await;
        let sim = test_support::sim();
        sim.set_motcua_url(motcua.clone());
        let app = app(sim);
        let bearer = test_support::bearer(&app).await;
        giao_dich(&app, &bearer, &init_message("MC-10", "50000")).await;

        let (status, headers, _) = page(&app, form("MC-10", "ket_qua=paid")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let location = headers.get("location").and_then(|v| v.to_str().ok()).expect("location");
        assert_eq!(location, format!("{motcua}/thanh-toan/ket-qua?ma=MC-10"));
        let received = log.lock().expect("log").clone();
        assert_eq!(received.len(), 1);
        let callback = &received[0];
        assert_eq!((callback.method.as_str(), callback.uri.as_str()), ("POST", "/api/v1/payments/paygov/callback"));
        assert_eq!(callback.content_type.as_deref(), Some("application/json"));
        let body = &callback.body;
        assert_eq!(body["MaXacThuc"], sign_by_hand(body, &CALLBACK_SIGNED, SECRET));
        assert_eq!(
            (&body["LoaiBanTin"], &body["MaLoi"], &body["MaDoiTac"]),
            (&json!("CALLBACK"), &json!("00"), &json!("MOTCUA"))
        );
        assert_eq!(
            (&body["MaThamChieu"], &body["SoTien"], &body["MaTienTe"]),
            (&json!("MC-10"), &json!("50000"), &json!("VND"))
        );
        assert_eq!(
            (&body["MaNganHang"], &body["ThongTinGiaoDich"]),
            (&json!("VCB"), &json!("Nộp lệ phí hồ sơ G-2025-000123"))
        );
        assert!(is_timestamp(body["ThoiGianGD"].as_str().expect("ThoiGianGD")));

        // A second submission (the payer pressed back) changes nothing and calls nobody.
        let (status, headers, _) = page(&app, form("MC-10", "ket_qua=failed")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers.get("location").and_then(|v| v.to_str().ok()), Some(location));
        assert_eq!(log.lock().expect("log").len(), 1);
        let (_, _, html) = page(&app, get("/paygov/thanh-toan/MC-10")).await;
        assert!(html.contains("Giao dịch đã được thanh toán.") && !html.contains("<form"), "{html}");
    }

    #[tokio::test]
    async fn the_test_api_can_repeat_lose_or_mis_sign_the_callback() {
        let (motcua, log) = motcua_stub(accept_callbacks).await;
        let sim = test_support::sim();
        sim.set_motcua_url(motcua);
        let app = app(sim.clone());
        let bearer = test_support::bearer(&app).await;
        giao_dich(&app, &bearer, &init_message("MC-11", "50000")).await;

        let (status, body) = complete_for_test(&app, "MC-11", r#"{"result": "paid", "callback": "twice"}"#).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body["callbacks"],
            json!([{"status": 200, "body": {"MaLoi": "00"}}, {"status": 200, "body": {"MaLoi": "00"}}])
        );
        let received = log.lock().expect("log").clone();
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].body, received[1].body);

        // Completing again: no change, the same MaGiaoDich, a wrong signature when asked for.
        let (_, body) = complete_for_test(&app, "MC-11", r#"{"result": "failed", "callback": "bad_signature"}"#).await;
        assert_eq!((&body["changed"], &body["transaction"]["state"]), (&json!(false), &json!("paid")));
        let received = log.lock().expect("log").clone();
        let bad = &received[2].body;
        assert_eq!(bad["MaGiaoDich"], received[0].body["MaGiaoDich"]);
        assert_eq!(bad["MaLoi"], "00");
        assert_ne!(bad["MaXacThuc"], sign_by_hand(bad, &CALLBACK_SIGNED, SECRET));
        complete_for_test(&app, "MC-11", r#"{"result": "paid", "callback": "drop"}"#).await;
        assert_eq!(log.lock().expect("log").len(), 3);

        // A failed payment calls back with MaLoi 01; an unreachable motcua is reported as status 0.
        giao_dich(&app, &bearer, &init_message("MC-12", "50000")).await;
        complete_for_test(&app, "MC-12", r#"{"result": "failed"}"#).await;
        let failed = log.lock().expect("log")[3].body.clone();
        assert_eq!(failed["MaLoi"], "01");
        assert_eq!(failed["MaXacThuc"], sign_by_hand(&failed, &CALLBACK_SIGNED, SECRET));
        sim.set_motcua_url(unreachable_url().await);
        let (_, body) = complete_for_test(&app, "MC-12", r#"{"result": "failed"}"#).await;
        assert_eq!(body["callbacks"][0]["status"], 0);
    }

    #[tokio::test]
    async fn paygov_faults_apply_to_the_payment_platform() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let fault = json_request("PUT", "/_sim/faults/paygov", None, r#"{"status": 503}"#);
        assert_eq!(send(&app, fault).await.0, StatusCode::NO_CONTENT);
        let req = json_request("POST", "/paygov/giao-dich", Some(&bearer), &init_message("MC-13", "1").to_string());
        assert_eq!(send(&app, req).await.0, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(send(&app, get("/_sim/paygov/transactions")).await.0, StatusCode::OK);
    }

    #[test]
    fn signatures_match_hand_computed_examples() {
        // SHA-256("abc"), FIPS 180-2.
        assert_eq!(signature(&[], "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let callback = json!({
            "LoaiBanTin": "CALLBACK", "MaLoi": "00", "MaDoiTac": "MOTCUA", "MaThamChieu": "MC-1", "SoTien": "50000",
            "MaTienTe": "VND", "MaGiaoDich": "PG000000000001", "MaNganHang": "VCB", "ThoiGianGD": "20250301103000",
            "ThongTinGiaoDich": "Lệ phí hồ sơ", "MaXacThuc": "ignored"
        });
        let text = "CALLBACK|00|MOTCUA|MC-1|50000|VND|PG000000000001|VCB|20250301103000|Lệ phí hồ sơ|s3cret";
        assert_eq!(callback_signature(&callback, "s3cret"), format!("{:x}", Sha256::digest(text.as_bytes())));

        let tx = Transaction {
            seq: 0,
            init: Value::Null,
            partner: "MOTCUA".into(),
            secret: "s3cret".into(),
            reference: "MC-1".into(),
            amount: "50000".into(),
            info: "Lệ phí hồ sơ".into(),
            receipt: json!({}),
            url: String::new(),
            created: OffsetDateTime::UNIX_EPOCH,
            state: TxState::Paid,
            bank: "VCB".into(),
            ma_giao_dich: "PG000000000001".into(),
            completed_at: "20250301103000".into(),
            so_bien_lai: "BL2025000001".into(),
        };
        let mut expected = callback.clone();
        expected["MaXacThuc"] = json!(format!("{:x}", Sha256::digest(text.as_bytes())));
        assert_eq!(tx.callback("s3cret"), expected);
    }

    #[test]
    fn the_receipt_is_a_pdf_that_pdftotext_reads() {
        let tx = Transaction {
            seq: 0,
            init: Value::Null,
            partner: "MOTCUA".into(),
            secret: SECRET.into(),
            reference: "MC-PDF-1".into(),
            amount: "50000".into(),
            info: String::new(),
            receipt: init_message("MC-PDF-1", "50000")["ThongTinBienLai"].clone(),
            url: String::new(),
            created: OffsetDateTime::UNIX_EPOCH,
            state: TxState::Paid,
            bank: "VCB".into(),
            ma_giao_dich: "PG123456789012".into(),
            completed_at: "20250301103000".into(),
            so_bien_lai: "BL2025000001".into(),
        };
        let pdf = receipt_pdf(&tx);
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        // The cross-reference table points at the objects.
        let text = String::from_utf8_lossy(&pdf).into_owned();
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert!(pdf[xref..].starts_with(b"xref\n"));
        let table = std::str::from_utf8(&pdf[xref..]).expect("ASCII from the xref on");
        for (i, line) in table.lines().skip(3).take(6).enumerate() {
            let offset: usize = line[..10].parse().expect("offset");
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()), "object {}", i + 1);
        }

        let path = std::env::temp_dir().join(format!("motcua-sim-receipt-{}.pdf", uuid::Uuid::new_v4()));
        std::fs::write(&path, &pdf).expect("write");
        let extracted = std::process::Command::new("pdftotext").arg(&path).arg("-").output();
        let _ = std::fs::remove_file(&path);
        let Ok(output) = extracted else { return }; // pdftotext is not installed
        // Success and no complaint: poppler reports a broken xref table or stream length on stderr.
        assert!(output.status.success() && output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
        let extracted = String::from_utf8_lossy(&output.stdout);
        for expected in [
            "BIEN LAI THU PHI, LE PHI DIEN TU",
            "So bien lai: BL2025000001",
            "Ma tham chieu: MC-PDF-1",
            "Ma ho so: G-2025-000123",
            "So tien: 50000 VND",
            "Ma giao dich: PG123456789012",
            "Nguoi nop: Nguyen Van An",
            "Don vi thu: UBND phuong Dien Bien",
            "Thoi gian thanh toan: 01/03/2025 10:30:00",
        ] {
            assert!(extracted.contains(expected), "{expected:?} not in {extracted}");
        }
    }

    #[test]
    fn amounts_group_by_thousands_and_text_becomes_ascii() {
        assert_eq!(group_thousands("50000"), "50.000");
        assert_eq!(group_thousands("1234567"), "1.234.567");
        assert_eq!(group_thousands("500"), "500");
        assert_eq!(ascii("Nguyễn Văn Đức, phường Điện Biên — ủy ban"), "Nguyen Van Duc, phuong Dien Bien ? uy ban");
        assert_eq!(pdf_string(r"a(b)\c"), r"a\(b\)\\c");
        assert_eq!(html_escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert!(is_amount("50000") && !is_amount("0") && !is_amount("00") && !is_amount("5e3") && !is_amount(""));
        assert!(is_timestamp("20250301103000") && !is_timestamp("20251301103000") && !is_timestamp("2025030110300"));
    }
}
