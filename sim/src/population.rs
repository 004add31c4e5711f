//! The population database (interop.md §2): `POST /csdldancu/ChiaSeThongTinCongDan`.
//!
//! The people are the citizens of `sim/eid/accounts.json` (shared with the eID stand-in, so a citizen who
//! signs in there is found here). Every authenticated lookup is recorded in memory with who asked and why
//! (`MaDVC`, `MaCanBo`), the identity number masked, so tests can check what motcua sends.

use std::{
    collections::VecDeque,
    path::{Path, PathBuf},
    sync::Mutex,
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::{Sim, platform};

/// Where the accounts file is looked for when `MOTCUA_SIM_ACCOUNTS` is not set: relative to the working
/// directory (the repository root), then next to the crate.
const DEFAULT_ACCOUNTS: [&str; 2] =
    ["sim/eid/accounts.json", concat!(env!("CARGO_MANIFEST_DIR"), "/eid/accounts.json")];

/// Lookups kept in memory (the oldest are dropped beyond this).
const MAX_LOOKUPS: usize = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Address {
    pub ma_tinh_thanh: String,
    pub ma_phuong_xa: String,
    pub chi_tiet: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Relative {
    pub ho_va_ten: String,
    pub so_dinh_danh: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct HeadOfHousehold {
    pub ho_va_ten: String,
    pub so_dinh_danh: String,
    pub quan_he: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct NameParts {
    pub ho: String,
    pub chu_dem: String,
    pub ten: String,
}

impl NameParts {
    /// First word = family name, last word = given name, the rest = middle name.
    fn split(full: &str) -> Self {
        let words: Vec<&str> = full.split_whitespace().collect();
        match words.as_slice() {
            [] => Self::default(),
            [only] => Self { ten: (*only).to_owned(), ..Self::default() },
            [first, middle @ .., last] => {
                Self { ho: (*first).to_owned(), chu_dem: middle.join(" "), ten: (*last).to_owned() }
            }
        }
    }
}

/// A citizen as `sim/eid/accounts.json` holds them (fields the population database does not return are ignored).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Citizen {
    pub so_dinh_danh: String,
    pub ho_va_ten: String,
    pub ho_va_ten_chi_tiet: Option<NameParts>,
    pub gioi_tinh: String,
    pub ngay_thang_nam_sinh: String,
    pub dan_toc: String,
    pub ton_giao: String,
    pub quoc_tich: String,
    pub que_quan: Address,
    pub thuong_tru: Address,
    pub noi_o_hien_tai: Address,
    pub cha: Relative,
    pub me: Relative,
    pub vo_chong: Relative,
    pub chu_ho: HeadOfHousehold,
}

#[derive(Deserialize)]
struct AccountsFile {
    #[serde(default)]
    citizens: Vec<Citizen>,
}

/// `CongDan` of the answer (interop.md §2): every value a string.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CongDan<'a> {
    so_dinh_danh: &'a str,
    ho_va_ten: NameParts,
    gioi_tinh: &'a str,
    ngay_thang_nam_sinh: &'a str,
    dan_toc: &'a str,
    ton_giao: &'a str,
    quoc_tich: &'a str,
    que_quan: &'a Address,
    thuong_tru: &'a Address,
    noi_o_hien_tai: &'a Address,
    cha: &'a Relative,
    me: &'a Relative,
    vo_chong: &'a Relative,
    chu_ho: &'a HeadOfHousehold,
}

impl<'a> From<&'a Citizen> for CongDan<'a> {
    fn from(c: &'a Citizen) -> Self {
        Self {
            so_dinh_danh: &c.so_dinh_danh,
            ho_va_ten: c.ho_va_ten_chi_tiet.clone().unwrap_or_else(|| NameParts::split(&c.ho_va_ten)),
            gioi_tinh: &c.gioi_tinh,
            ngay_thang_nam_sinh: &c.ngay_thang_nam_sinh,
            dan_toc: &c.dan_toc,
            ton_giao: &c.ton_giao,
            quoc_tich: &c.quoc_tich,
            que_quan: &c.que_quan,
            thuong_tru: &c.thuong_tru,
            noi_o_hien_tai: &c.noi_o_hien_tai,
            cha: &c.cha,
            me: &c.me,
            vo_chong: &c.vo_chong,
            chu_ho: &c.chu_ho,
        }
    }
}

/// One lookup as recorded for `GET /_sim/population/lookups`.
#[derive(Debug, Clone, Serialize)]
pub struct Lookup {
    /// When it was answered (RFC 3339, UTC).
    pub time: String,
    #[serde(rename = "MaYeuCau")]
    pub ma_yeu_cau: String,
    #[serde(rename = "MaDVC")]
    pub ma_dvc: String,
    #[serde(rename = "MaCanBo")]
    pub ma_can_bo: String,
    /// Masked: `038******123`.
    #[serde(rename = "SoDinhDanh")]
    pub so_dinh_danh: String,
    /// `found`, `not_found` or `bad_request`.
    pub result: &'static str,
}

/// The population database: the people, and the lookups made so far.
#[derive(Default)]
pub struct Population {
    citizens: Vec<Citizen>,
    lookups: Mutex<VecDeque<Lookup>>,
}

impl Population {
    pub fn new(citizens: Vec<Citizen>) -> Self {
        Self { citizens, lookups: Mutex::default() }
    }

    /// Parses the citizens of an accounts file (the format of `sim/eid/accounts.json`).
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let file: AccountsFile = serde_json::from_str(text)?;
        Ok(Self::new(file.citizens))
    }

    /// Loads the accounts file: `explicit` (from `MOTCUA_SIM_ACCOUNTS`) must exist; otherwise the default places
    /// are tried, and with none found the database starts empty (every lookup answers `TonTai: false`).
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<(Self, Option<PathBuf>)> {
        let path = match explicit {
            Some(path) => path.to_owned(),
            None => match DEFAULT_ACCOUNTS.iter().map(PathBuf::from).find(|p| p.is_file()) {
                Some(path) => path,
                None => return Ok((Self::default(), None)),
            },
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("reading the accounts file {}: {e}", path.display()))?;
        let population =
            Self::from_json(&text).map_err(|e| anyhow::anyhow!("parsing the accounts file {}: {e}", path.display()))?;
        Ok((population, Some(path)))
    }

    pub fn len(&self) -> usize {
        self.citizens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn find(&self, so_dinh_danh: &str, ho_va_ten: &str, ngay_sinh: &str) -> Option<&Citizen> {
        let name = normalise_name(ho_va_ten);
        self.citizens.iter().find(|c| {
            c.so_dinh_danh == so_dinh_danh
                && normalise_name(&c.ho_va_ten) == name
                && (ngay_sinh.is_empty() || c.ngay_thang_nam_sinh == ngay_sinh)
        })
    }

    fn record(&self, fields: &Fields, result: &'static str) {
        let time =
            time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let lookup = Lookup {
            time,
            ma_yeu_cau: fields.ma_yeu_cau.clone(),
            ma_dvc: fields.ma_dvc.clone(),
            ma_can_bo: fields.ma_can_bo.clone(),
            so_dinh_danh: mask(&fields.so_dinh_danh),
            result,
        };
        tracing::info!(
            ma_yeu_cau = %lookup.ma_yeu_cau,
            ma_dvc = %lookup.ma_dvc,
            ma_can_bo = %lookup.ma_can_bo,
            so_dinh_danh = %lookup.so_dinh_danh,
            result,
            "population lookup"
        );
        if let Ok(mut lookups) = self.lookups.lock() {
            if lookups.len() >= MAX_LOOKUPS {
                lookups.pop_front();
            }
            lookups.push_back(lookup);
        }
    }
}

/// NFC, single spaces, lower case: how names are compared.
fn normalise_name(name: &str) -> String {
    let nfc: String = name.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// `038090012345` → `038******345`.
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars[..3].iter().chain(std::iter::repeat_n(&'*', n - 6)).chain(&chars[n - 3..]).collect()
}

/// The request fields (interop.md §2), each a string; absent ones are empty.
#[derive(Default)]
struct Fields {
    ma_yeu_cau: String,
    ma_dvc: String,
    ma_can_bo: String,
    so_dinh_danh: String,
    ho_va_ten: String,
    ngay_thang_nam_sinh: String,
}

/// Reads the request body; every problem is listed.
fn parse(body: &[u8]) -> (Fields, Vec<String>) {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return (Fields::default(), vec!["the body must be a JSON object".to_owned()]),
        Err(e) => return (Fields::default(), vec![format!("the body is not JSON: {e}")]),
    };
    let mut problems = Vec::new();
    let mut field = |name: &str| match value.get(name) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.nfc().collect::<String>().trim().to_owned(),
        Some(_) => {
            problems.push(format!("{name} must be a string"));
            String::new()
        }
    };
    let fields = Fields {
        ma_yeu_cau: field("MaYeuCau"),
        ma_dvc: field("MaDVC"),
        ma_can_bo: field("MaCanBo"),
        so_dinh_danh: field("SoDinhDanh"),
        ho_va_ten: field("HoVaTen"),
        ngay_thang_nam_sinh: field("NgayThangNamSinh"),
    };
    let all_digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if fields.ma_yeu_cau.is_empty() {
        problems.push("MaYeuCau is required".to_owned());
    }
    if fields.ma_dvc.is_empty() {
        problems.push("MaDVC is required (the procedure code, or SIGNIN)".to_owned());
    }
    if fields.ma_can_bo.is_empty() {
        problems.push("MaCanBo is required (the staff id, or CONGDAN)".to_owned());
    }
    if !all_digits(&fields.so_dinh_danh, 12) {
        problems.push("SoDinhDanh must be 12 digits".to_owned());
    }
    if fields.ho_va_ten.is_empty() {
        problems.push("HoVaTen is required".to_owned());
    }
    if !fields.ngay_thang_nam_sinh.is_empty() && !all_digits(&fields.ngay_thang_nam_sinh, 8) {
        problems.push("NgayThangNamSinh must be yyyyMMdd".to_owned());
    }
    (fields, problems)
}

/// `POST /csdldancu/ChiaSeThongTinCongDan`.
async fn chia_se_thong_tin_cong_dan(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if !sim.platform.bearer_ok(&headers) {
        return platform::invalid_token();
    }
    let population = &sim.population;
    let (fields, problems) = parse(&body);
    if !problems.is_empty() {
        population.record(&fields, "bad_request");
        return (StatusCode::BAD_REQUEST, Json(json!({"error": problems.join("; ")}))).into_response();
    }
    match population.find(&fields.so_dinh_danh, &fields.ho_va_ten, &fields.ngay_thang_nam_sinh) {
        Some(citizen) => {
            population.record(&fields, "found");
            Json(json!({"TonTai": "true", "CongDan": CongDan::from(citizen)})).into_response()
        }
        None => {
            population.record(&fields, "not_found");
            Json(json!({"TonTai": "false"})).into_response()
        }
    }
}

/// `GET /_sim/population/lookups`: every lookup so far, oldest first.
async fn lookups(State(sim): State<Sim>) -> Response {
    match sim.population.lookups.lock() {
        Ok(lookups) => Json(lookups.iter().cloned().collect::<Vec<_>>()).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `DELETE /_sim/population/lookups`: forget them.
async fn clear_lookups(State(sim): State<Sim>) -> StatusCode {
    if let Ok(mut lookups) = sim.population.lookups.lock() {
        lookups.clear();
    }
    StatusCode::NO_CONTENT
}

pub fn routes() -> Router<Sim> {
    Router::new()
        .route("/csdldancu/ChiaSeThongTinCongDan", post(chia_se_thong_tin_cong_dan))
        .route("/_sim/population/lookups", get(lookups).delete(clear_lookups))
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request};
    use serde_json::Value;

    use super::*;
    use crate::{
        app,
        test_support::{self, json_request, send},
    };

    const URI: &str = "/csdldancu/ChiaSeThongTinCongDan";

    fn lookup_body(id: &str, name: &str, birth: &str) -> String {
        json!({"MaYeuCau": uuid::Uuid::new_v4().to_string(), "MaDVC": "1.001234", "MaCanBo": "stp.motcua",
               "SoDinhDanh": id, "HoVaTen": name, "NgayThangNamSinh": birth})
        .to_string()
    }

    async fn lookup(app: &Router, bearer: &str, body: &str) -> (StatusCode, Value) {
        let (status, _, body) = send(app, json_request("POST", URI, Some(bearer), body)).await;
        (status, body)
    }

    async fn recorded(app: &Router) -> Vec<Value> {
        let req = Request::builder().uri("/_sim/population/lookups").body(Body::empty()).expect("request");
        let (_, _, body) = send(app, req).await;
        body.as_array().cloned().expect("an array")
    }

    /// Every value of the answer is a string (interop.md: the national payloads carry strings only).
    fn assert_all_strings(value: &Value) {
        match value {
            Value::Object(map) => map.values().for_each(assert_all_strings),
            Value::String(_) => {}
            other => panic!("not a string: {other}"),
        }
    }

    #[tokio::test]
    async fn a_person_is_found_by_id_and_name_with_the_full_record() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;

        let (status, body) = lookup(&app, &bearer, &lookup_body("001090012345", "Nguyễn Văn An", "19900115")).await;
        assert_eq!(status, StatusCode::OK);
        assert_all_strings(&body);
        assert_eq!(body["TonTai"], "true");
        let cd = &body["CongDan"];
        assert_eq!(cd["SoDinhDanh"], "001090012345");
        assert_eq!(cd["HoVaTen"], json!({"Ho": "Nguyễn", "ChuDem": "Văn", "Ten": "An"}));
        assert_eq!(cd["GioiTinh"], "1");
        assert_eq!(cd["NgayThangNamSinh"], "19900115");
        assert_eq!(cd["QuocTich"], "Việt Nam");
        assert_eq!(cd["ThuongTru"]["MaTinhThanh"], "38");
        assert_eq!(cd["NoiOHienTai"]["ChiTiet"], "Số 12 phố Lê Hoàn");
        assert_eq!(cd["VoChong"], json!({"HoVaTen": "Trần Thị Bích Ngọc", "SoDinhDanh": "038192004567"}));
        assert_eq!(cd["ChuHo"]["QuanHe"], "Chủ hộ");
        for key in ["DanToc", "TonGiao", "QueQuan", "Cha", "Me"] {
            assert!(cd.get(key).is_some(), "{key} missing");
        }

        // Case, spacing and normalisation form do not matter; the birth date is optional.
        let decomposed: String = "nguyễn  văn AN".nfd().collect();
        let (_, body) = lookup(&app, &bearer, &lookup_body("001090012345", &decomposed, "")).await;
        assert_eq!(body["TonTai"], "true");

        // No split name in the file: first word, last word, the rest. Unknown spouse: empty strings.
        let (_, body) = lookup(&app, &bearer, &lookup_body("038185009876", "Phạm Thị Thu Trang", "19850911")).await;
        assert_all_strings(&body);
        assert_eq!(body["CongDan"]["HoVaTen"], json!({"Ho": "Phạm", "ChuDem": "Thị Thu", "Ten": "Trang"}));
        assert_eq!(body["CongDan"]["VoChong"], json!({"HoVaTen": "", "SoDinhDanh": ""}));
        assert_eq!(body["CongDan"]["QueQuan"], json!({"MaTinhThanh": "", "MaPhuongXa": "", "ChiTiet": ""}));
    }

    #[tokio::test]
    async fn unknown_ids_and_mismatched_names_or_birth_dates_are_not_found() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        for (id, name, birth) in [
            ("001099999999", "Nguyễn Văn An", ""),
            ("001090012345", "Nguyễn Văn Anh", ""),
            ("001090012345", "Trần Thị Bích Ngọc", "19900115"),
            ("001090012345", "Nguyễn Văn An", "19900116"),
        ] {
            let (status, body) = lookup(&app, &bearer, &lookup_body(id, name, birth)).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, json!({"TonTai": "false"}), "{id} {name} {birth}");
        }
    }

    #[tokio::test]
    async fn lookups_need_a_live_bearer_token() {
        let app = app(test_support::sim());
        let body = lookup_body("001090012345", "Nguyễn Văn An", "");
        for auth in [None, Some("Bearer not-a-token"), Some("Basic bW90Y3VhOm1vdGN1YS1kZXYtc2VjcmV0")] {
            let (status, headers, body) = send(&app, json_request("POST", URI, auth, &body)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
            assert_eq!(body["error"], "invalid_token");
            assert!(headers.contains_key("www-authenticate"));
        }
        assert!(recorded(&app).await.is_empty(), "unauthenticated calls are not lookups");
    }

    #[tokio::test]
    async fn malformed_requests_are_refused_with_400_listing_the_problems() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        for (body, expected) in [
            ("not json".to_owned(), "not JSON"),
            ("[]".to_owned(), "JSON object"),
            (lookup_body("00109001234", "Nguyễn Văn An", ""), "SoDinhDanh must be 12 digits"),
            (lookup_body("00109001234a", "Nguyễn Văn An", ""), "SoDinhDanh must be 12 digits"),
            (lookup_body("001090012345", "  ", ""), "HoVaTen is required"),
            (lookup_body("001090012345", "Nguyễn Văn An", "1990-01-15"), "NgayThangNamSinh"),
            (
                r#"{"MaDVC": "SIGNIN", "MaCanBo": "CONGDAN", "SoDinhDanh": "001090012345", "HoVaTen": "A"}"#.to_owned(),
                "MaYeuCau is required",
            ),
            (
                r#"{"MaYeuCau": "x", "MaDVC": "SIGNIN", "MaCanBo": "CONGDAN", "SoDinhDanh": 1090012345, "HoVaTen": "A"}"#
                    .to_owned(),
                "SoDinhDanh must be a string",
            ),
            (r#"{"MaYeuCau": "x", "SoDinhDanh": "001090012345", "HoVaTen": "A"}"#.to_owned(), "MaDVC is required"),
        ] {
            let (status, res) = lookup(&app, &bearer, &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            let error = res["error"].as_str().expect("error");
            assert!(error.contains(expected), "{body}: {error}");
        }
    }

    #[tokio::test]
    async fn every_lookup_is_recorded_with_who_asked_and_a_masked_id() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let found = r#"{"MaYeuCau": "req-1", "MaDVC": "SIGNIN", "MaCanBo": "CONGDAN",
                        "SoDinhDanh": "001090012345", "HoVaTen": "Nguyễn Văn An", "NgayThangNamSinh": "19900115"}"#;
        lookup(&app, &bearer, found).await;
        lookup(&app, &bearer, &lookup_body("038199999123", "Ai Đó", "")).await;
        lookup(&app, &bearer, &lookup_body("123", "Ai Đó", "")).await;

        let lookups = recorded(&app).await;
        assert_eq!(lookups.len(), 3);
        assert_eq!(lookups[0]["MaYeuCau"], "req-1");
        assert_eq!(lookups[0]["MaDVC"], "SIGNIN");
        assert_eq!(lookups[0]["MaCanBo"], "CONGDAN");
        assert_eq!(lookups[0]["SoDinhDanh"], "001******345");
        assert_eq!(lookups[0]["result"], "found");
        assert!(lookups[0]["time"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert_eq!(lookups[1]["SoDinhDanh"], "038******123");
        assert_eq!(lookups[1]["MaCanBo"], "stp.motcua");
        assert_eq!(lookups[1]["result"], "not_found");
        assert_eq!(lookups[2]["SoDinhDanh"], "***");
        assert_eq!(lookups[2]["result"], "bad_request");
        let text = serde_json::to_string(&lookups).expect("json");
        assert!(!text.contains("001090012345") && !text.contains("038199999123"), "an id leaked: {text}");

        let clear = Request::builder().method("DELETE").uri("/_sim/population/lookups").body(Body::empty());
        assert_eq!(send(&app, clear.expect("request")).await.0, StatusCode::NO_CONTENT);
        assert!(recorded(&app).await.is_empty());
    }

    #[tokio::test]
    async fn a_csdldancu_fault_answers_before_any_lookup() {
        let app = app(test_support::sim());
        let bearer = test_support::bearer(&app).await;
        let fault = json_request("PUT", "/_sim/faults/csdldancu", None, r#"{"status": 503, "retry_after_secs": 5}"#);
        assert_eq!(send(&app, fault).await.0, StatusCode::NO_CONTENT);

        let body = lookup_body("001090012345", "Nguyễn Văn An", "");
        let (status, headers, res) = send(&app, json_request("POST", URI, Some(&bearer), &body)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
        assert_eq!(res["target"], "csdldancu");
        assert!(recorded(&app).await.is_empty());
        // The token endpoint (another target) still works.
        test_support::bearer(&app).await;

        let off = json_request("PUT", "/_sim/faults/csdldancu", None, "{}");
        assert_eq!(send(&app, off).await.0, StatusCode::NO_CONTENT);
        assert_eq!(lookup(&app, &bearer, &body).await.1["TonTai"], "true");
    }

    #[test]
    fn the_shared_accounts_file_loads_and_every_citizen_is_found_by_their_own_data() {
        let path = Path::new(DEFAULT_ACCOUNTS[1]);
        if !path.is_file() {
            // sim/eid belongs to the eID stand-in; nothing to check before it exists.
            return;
        }
        let (population, loaded) = Population::load(Some(path)).expect("the accounts file parses");
        assert_eq!(loaded.as_deref(), Some(path));
        assert!(!population.is_empty());
        for c in &population.citizens {
            assert_eq!(c.so_dinh_danh.len(), 12, "{}", c.ho_va_ten);
            let found = population.find(&c.so_dinh_danh, &c.ho_va_ten, &c.ngay_thang_nam_sinh).expect("found");
            let parts = serde_json::to_value(CongDan::from(found)).expect("json")["HoVaTen"].clone();
            let joined = ["Ho", "ChuDem", "Ten"].map(|k| parts[k].as_str().unwrap_or_default().to_owned()).join(" ");
            assert_eq!(normalise_name(&joined), normalise_name(&c.ho_va_ten), "name parts of {}", c.ho_va_ten);
        }
    }

    #[test]
    fn names_split_and_ids_mask() {
        assert_eq!(NameParts::split("Tôn Nữ Thị Ninh").chu_dem, "Nữ Thị");
        assert_eq!(NameParts::split("Hai Bà").chu_dem, "");
        assert_eq!(NameParts::split("Bé").ten, "Bé");
        assert_eq!(mask("038090012123"), "038******123");
        assert_eq!(mask("12345"), "*****");
    }
}
