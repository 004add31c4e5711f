//! The procedure catalogue over HTTP: search without diacritics, export/import round trips, versioning
//! of procedures under filed dossiers, import validation and who may import.

use integration_tests::{Session, TestApp, expect_error};
use reqwest::header;
use serde_json::{Value, json};

use super::dossiers::{KET_HON, act_ok, counter_dossier};

const KHAI_SINH: &str = "1.001193";

async fn search_status(app: &TestApp, query: &[(&str, &str)]) -> reqwest::Response {
    app.client.get(app.url("/api/v1/procedures")).query(query).send().await.expect("sent")
}

/// The codes the search returns (asserting 200).
async fn search(app: &TestApp, query: &[(&str, &str)]) -> Vec<Value> {
    let res = search_status(app, query).await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "{query:?}: {body}");
    body.as_array().expect("an array").clone()
}

fn codes(found: &[Value]) -> Vec<&str> {
    found.iter().map(|p| p["code"].as_str().unwrap_or("")).collect()
}

/// `POST /api/v1/catalogue/import` with `body` as is, as `who` (or anonymously).
async fn import(app: &TestApp, who: Option<&Session>, body: impl Into<reqwest::Body>) -> reqwest::Response {
    let mut req = app.client.post(app.url("/api/v1/catalogue/import")).header(header::CONTENT_TYPE, "application/json");
    if let Some(s) = who {
        req = req.header(header::COOKIE, format!("motcua_session={}", s.cookie)).header("x-csrf-token", &s.csrf);
    }
    req.body(body).send().await.expect("sent")
}

async fn import_ok(app: &TestApp, admin: &Session, procs: &Value) -> Value {
    let res = import(app, Some(admin), serde_json::to_string(procs).expect("serialises")).await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "import: {body}");
    body
}

async fn export(app: &TestApp) -> String {
    let res = app.get("/api/v1/catalogue/export").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    res.text().await.expect("text")
}

async fn version_of(app: &TestApp, code: &str) -> i64 {
    let res = app.get(&format!("/api/v1/procedures/{code}")).await;
    assert_eq!(res.status(), 200, "{code}");
    let body: Value = res.json().await.expect("json");
    body["version"].as_i64().expect("version")
}

async fn published_versions(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM procedure_version").fetch_one(&app.db).await.expect("count")
}

// ---------------------------------------------------------------------------------------------------------
// 1. Search
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn search_ignores_diacritics_and_case() {
    let app = TestApp::spawn().await;
    app.seed().await;

    let found = search(&app, &[("q", "dang ky khai sinh")]).await;
    assert_eq!(codes(&found), [KHAI_SINH]);
    assert_eq!(found[0]["name"], "Đăng ký khai sinh");
    assert_eq!(found[0]["version"], 1);
    assert_eq!(codes(&search(&app, &[("q", "DANG KY KET HON")]).await), [KET_HON]);
    assert_eq!(codes(&search(&app, &[("q", "  đăng   KÝ  khai SINH ")]).await), [KHAI_SINH]);
    assert_eq!(codes(&search(&app, &[("q", "Đăng ký khai sinh")]).await), [KHAI_SINH]);
    assert_eq!(codes(&search(&app, &[("q", "dang\tky khai\r\nsinh")]).await), [KHAI_SINH], "any white space");

    let dang_ky = search(&app, &[("q", "Đăng ký")]).await;
    let dang_ky = codes(&dang_ky);
    for code in [KHAI_SINH, KET_HON, "1.000656", "2.001612"] {
        assert!(dang_ky.contains(&code), "{code} in {dang_ky:?}");
    }
    for code in ["2.000815", "1.003324"] {
        assert!(!dang_ky.contains(&code), "{code} has no 'đăng ký' in its name: {dang_ky:?}");
    }
    assert_eq!(codes(&search(&app, &[("q", "dang ky")]).await), dang_ky, "with and without diacritics alike");
    // Words match anywhere and in any order.
    assert_eq!(codes(&search(&app, &[("q", "sinh khai")]).await), [KHAI_SINH]);

    assert_eq!(search(&app, &[("q", "xyzzy")]).await, Vec::<Value>::new());
    assert_eq!(search(&app, &[("q", "khai sinh xyzzy")]).await, Vec::<Value>::new(), "every word must match");
}

#[tokio::test]
async fn search_input_typed_in_decomposed_unicode_is_found() {
    // macOS and some Vietnamese keyboards (Unikey's "Unicode tổ hợp") send combining diacritics (NFD).
    let app = TestApp::spawn().await;
    app.seed().await;
    let nfd = "\u{0110}a\u{0306}ng ky\u{0301} khai sinh"; // "Đăng ký khai sinh", decomposed
    assert_ne!(nfd, "Đăng ký khai sinh");
    assert_eq!(codes(&search(&app, &[("q", nfd)]).await), [KHAI_SINH]);
}

#[tokio::test]
async fn search_treats_like_wildcards_literally() {
    let app = TestApp::spawn().await;
    app.seed().await;
    for q in ["%", "_", "%%", "dang%ky", "dang_ky", "d_ng", "\\", "\\%", "%khai%sinh%", "khai_sinh"] {
        assert_eq!(search(&app, &[("q", q)]).await, Vec::<Value>::new(), "q={q:?} must not act as a pattern");
    }
    // A plain search still works next to them.
    assert_eq!(codes(&search(&app, &[("q", "khai sinh")]).await), [KHAI_SINH]);
}

#[tokio::test]
async fn search_filters_narrow_the_list_and_limits_are_checked() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let all = search(&app, &[]).await;
    assert!(all.len() >= 20, "the sample catalogue: {}", all.len());

    let narrowed = |found: &[Value], key: &str, value: &str| {
        assert!(!found.is_empty() && found.len() < all.len(), "{key}={value}: {} of {}", found.len(), all.len());
        assert!(found.iter().all(|p| p[key] == value), "{key}={value}: {found:?}");
    };
    let commune = search(&app, &[("level", "commune")]).await;
    narrowed(&commune, "competent_level", "commune");
    let full = search(&app, &[("online_level", "full")]).await;
    narrowed(&full, "online_level", "full");
    let ho_tich = search(&app, &[("field", "H56-LV05")]).await;
    narrowed(&ho_tich, "field_code", "H56-LV05");
    assert!(codes(&ho_tich).contains(&KHAI_SINH) && codes(&ho_tich).contains(&KET_HON));
    let none = search(&app, &[("online_level", "none")]).await;
    narrowed(&none, "online_level", "none");

    // Filters combine with each other and with the words.
    let q = [("q", "dang ky"), ("level", "commune"), ("online_level", "full"), ("field", "H56-LV05")];
    let found = search(&app, &q).await;
    assert!(codes(&found).contains(&KHAI_SINH), "{found:?}");
    assert!(!codes(&found).contains(&KET_HON), "kết hôn is only partly online: {found:?}");
    assert_eq!(search(&app, &[("field", "H56-LV99")]).await, Vec::<Value>::new());
    assert_eq!(search(&app, &[("level", "department"), ("field", "H56-LV05")]).await, Vec::<Value>::new());

    assert_eq!(search(&app, &[("limit", "2")]).await.len(), 2);
    assert_eq!(search(&app, &[("limit", "200")]).await.len(), all.len());
    for limit in ["0", "-1", "201"] {
        let body = expect_error(search_status(&app, &[("limit", limit)]).await, 422, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], "query.limit", "limit={limit}: {body}");
    }
    expect_error(search_status(&app, &[("limit", "nhiều")]).await, 400, "bad_request").await;
    // Control characters (NUL cannot even be stored by PostgreSQL) are refused, not a 500.
    for (name, value) in [("q", "khai\0sinh"), ("field", "H56-LV05\0"), ("level", "\0"), ("online_level", "full\u{7}")]
    {
        let body = expect_error(search_status(&app, &[(name, value)]).await, 422, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], format!("query.{name}"), "{body}");
    }
    let long = "a".repeat(201);
    let body = expect_error(search_status(&app, &[("q", &long)]).await, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "query.q");
}

// ---------------------------------------------------------------------------------------------------------
// 2. Export → import → export
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn export_import_export_is_byte_identical() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let admin = app.staff_session("tinh.quantri").await;
    let first = export(&app).await;
    let procs: Vec<Value> = serde_json::from_str(&first).expect("the export is a JSON array");
    let listed: Vec<&str> = procs.iter().map(|p| p["code"].as_str().unwrap_or("")).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "sorted by code");
    assert!(first.ends_with("]\n"));
    let versions = published_versions(&app).await;

    let res = import(&app, Some(&admin), first.clone()).await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.expect("json");
    assert_eq!(report, json!({"created": 0, "updated": 0, "unchanged": procs.len()}));

    let second = export(&app).await;
    assert!(first == second, "the second export differs from the first");
    assert_eq!(published_versions(&app).await, versions, "nothing new published");
    assert_eq!(version_of(&app, KHAI_SINH).await, 1);
}

// ---------------------------------------------------------------------------------------------------------
// 3. Versioning
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_changed_procedure_gets_a_new_version_and_filed_dossiers_keep_theirs() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let admin = app.staff_session("tinh.quantri").await;
    let clerk = app.staff_session("hacthanh.motcua").await;

    let old = counter_dossier(&app, &clerk).await;
    assert_eq!((old["procedure_version"].as_i64(), old["procedure_name"].as_str()), (Some(1), Some("Đăng ký kết hôn")));
    assert_eq!(old["fees_total"], 0);

    let mut changed = app.procedure(KET_HON).await;
    changed["name"] = json!("Đăng ký kết hôn (sửa đổi)");
    changed["fees"] = json!([{"code": "LP01", "name": "Lệ phí đăng ký kết hôn", "kind": "charge",
                              "amount_vnd": 30000, "payable": "on_submit"}]);
    let report = import_ok(&app, &admin, &json!([changed])).await;
    assert_eq!(report, json!({"created": 0, "updated": 1, "unchanged": 0}));

    let res = app.get(&format!("/api/v1/procedures/{KET_HON}")).await;
    let current: Value = res.json().await.expect("json");
    assert_eq!(current["version"], 2);
    assert_eq!(current["procedure"], changed);
    let found = search(&app, &[("q", "dang ky ket hon sua doi")]).await;
    assert_eq!((codes(&found), &found[0]["version"]), (vec![KET_HON], &json!(2)));
    assert_eq!(version_of(&app, KHAI_SINH).await, 1, "other procedures untouched");

    // The dossier filed before keeps the version it was filed under, name, fees and workflow alike.
    let path = format!("/api/v1/dossiers/{}", old["id"].as_str().unwrap_or_default());
    let res = app.get_as(&clerk, &path).await;
    let before: Value = res.json().await.expect("json");
    assert_eq!(before["procedure_version"], 1);
    assert_eq!(before["procedure_name"], "Đăng ký kết hôn");
    assert_eq!(before["fees_total"], 0);
    let moved = act_ok(&app, &clerk, &before, "hand_over", json!({})).await;
    assert_eq!(moved["procedure_version"], 1);
    assert_eq!(moved["current_step_name"], "Công chức tư pháp - hộ tịch kiểm tra, xác minh điều kiện kết hôn");

    // A new dossier is filed under version 2.
    let new = counter_dossier(&app, &clerk).await;
    assert_eq!(new["procedure_version"], 2);
    assert_eq!(new["procedure_name"], "Đăng ký kết hôn (sửa đổi)");
    assert_eq!(new["fees_total"], 30000);

    // Importing the same change again publishes nothing.
    let report = import_ok(&app, &admin, &json!([changed])).await;
    assert_eq!(report, json!({"created": 0, "updated": 0, "unchanged": 1}));
    assert_eq!(version_of(&app, KET_HON).await, 2);
}

// ---------------------------------------------------------------------------------------------------------
// 4. Import validation and permissions
// ---------------------------------------------------------------------------------------------------------

fn details(body: &Value) -> Vec<(String, String)> {
    body["details"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| (d["field"].as_str().unwrap_or("").to_owned(), d["code"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn has(details: &[(String, String)], field: &str, code: &str) -> bool {
    details.iter().any(|(f, c)| f == field && c == code)
}

#[tokio::test]
async fn an_invalid_catalogue_is_refused_whole_with_every_problem() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let admin = app.staff_session("tinh.quantri").await;
    let procs: Vec<Value> = serde_json::from_str(&export(&app).await).expect("array");
    let khai_sinh = procs.iter().find(|p| p["code"] == KHAI_SINH).expect("khai sinh").clone();
    let ket_hon = procs.iter().find(|p| p["code"] == KET_HON).expect("kết hôn").clone();
    let published = published_versions(&app).await;
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(&app.db).await.expect("count");

    // [0]: the workflow no longer adds up to the statutory time; [1]: a valid change (must not be published
    // either, since the import as a whole is refused); [2]: the same code again.
    let mut broken = khai_sinh.clone();
    broken["name"] = json!("Đăng ký khai sinh (không được công bố)");
    broken["workflow"][1]["hours"] = json!(broken["workflow"][1]["hours"].as_u64().expect("hours") + 1);
    let mut fine = ket_hon.clone();
    fine["name"] = json!("Đăng ký kết hôn (không được công bố)");
    let res = import(&app, Some(&admin), json!([broken, fine, fine]).to_string()).await;
    let body = expect_error(res, 422, "validation_failed").await;
    let got = details(&body);
    assert!(has(&got, "body[0].workflow", "workflow_time_mismatch"), "{got:?}");
    assert!(has(&got, "body[2].code", "duplicate_procedure"), "{got:?}");
    assert!(!got.iter().any(|(f, _)| f.starts_with("body[1]")), "[1] is valid: {got:?}");

    // A member the format does not have.
    let mut unknown = khai_sinh.clone();
    unknown["thoi_han"] = json!(5);
    let res = import(&app, Some(&admin), json!([ket_hon, unknown]).to_string()).await;
    let got = details(&expect_error(res, 422, "validation_failed").await);
    assert_eq!(got, [("body[1]".to_owned(), "invalid_json".to_owned())]);

    // Not a catalogue at all.
    for text in ["{}", "[1,", "", "null"] {
        let res = import(&app, Some(&admin), text).await;
        let got = details(&expect_error(res, 422, "validation_failed").await);
        assert_eq!(got, [("body".to_owned(), "invalid_json".to_owned())], "{text:?}");
    }

    assert_eq!(published_versions(&app).await, published, "nothing published");
    assert_eq!((version_of(&app, KHAI_SINH).await, version_of(&app, KET_HON).await), (1, 1));
    assert_eq!(app.procedure(KET_HON).await["name"], "Đăng ký kết hôn");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(&app.db).await.expect("count");
    assert_eq!(after, audit, "no publication audited");
}

#[tokio::test]
async fn an_import_naming_an_unknown_agency_is_refused() {
    // Such a procedure passes every check of its own, but no dossier of it could be received: the
    // receiving desk is looked up by that code (it was a 500 for every dossier).
    let app = TestApp::spawn().await;
    app.seed().await;
    let admin = app.staff_session("tinh.quantri").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let published = published_versions(&app).await;
    let mut ket_hon = app.procedure(KET_HON).await;
    ket_hon["workflow"][0]["agency"] = json!("H56.99");
    ket_hon["workflow"][4]["agency"] = json!("H56.99");
    let mut khai_tu = app.procedure("1.000656").await;
    khai_tu["competent"] = json!({"agency": "H56.98"});
    let mut centre = app.procedure("2.000488").await; // received by H56.30 for H56.14: both exist
    centre["name"] = json!("Cấp Phiếu lý lịch tư pháp (sửa đổi)");

    let res = import(&app, Some(&admin), json!([ket_hon, khai_tu, centre]).to_string()).await;
    let got = details(&expect_error(res, 422, "validation_failed").await);
    let want = [
        ("body[0].workflow[0].agency", "unknown_agency"),
        ("body[0].workflow[4].agency", "unknown_agency"),
        ("body[1].competent.agency", "unknown_agency"),
    ];
    assert_eq!(got, want.map(|(f, c)| (f.to_owned(), c.to_owned())));
    assert_eq!(published_versions(&app).await, published, "nothing published");

    // Dossiers are still received under the current version.
    assert_eq!(counter_dossier(&app, &clerk).await["procedure_version"], 1);
    // Agencies that exist are fine.
    let report = import_ok(&app, &admin, &json!([centre])).await;
    assert_eq!(report, json!({"created": 0, "updated": 1, "unchanged": 0}));
}

#[tokio::test]
async fn control_characters_anywhere_in_a_procedure_are_refused_on_import() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let admin = app.staff_session("tinh.quantri").await;
    let mut p = app.procedure(KHAI_SINH).await;
    p["form"]["fields"][0]["help"] = json!("Ghi rõ họ tên\u{0}");
    let res = import(&app, Some(&admin), json!([p]).to_string()).await;
    let got = details(&expect_error(res, 422, "validation_failed").await);
    assert_eq!(got, [("body[0].form.fields[0].help".to_owned(), "invalid_format".to_owned())]);
}

#[tokio::test]
async fn only_system_administrators_may_import() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let text = export(&app).await;
    let mut changed: Vec<Value> = serde_json::from_str(&text).expect("array");
    changed[0]["name"] = json!("Tên đã bị sửa trái phép");
    let changed = serde_json::to_string(&changed).expect("serialises");
    let code = serde_json::from_str::<Vec<Value>>(&text).expect("array")[0]["code"].as_str().expect("code").to_owned();

    for staff in ["hacthanh.quantri", "stp.quantri", "hacthanh.chutich", "stp.motcua"] {
        let s = app.staff_session(staff).await;
        expect_error(import(&app, Some(&s), changed.clone()).await, 403, "forbidden").await;
    }
    let citizen = app.citizen_session("038090000303", "Hoàng Văn Dũng").await;
    expect_error(import(&app, Some(&citizen), changed.clone()).await, 403, "forbidden").await;
    expect_error(import(&app, None, changed.clone()).await, 401, "unauthenticated").await;
    // The administrator's session without its CSRF token is refused too.
    let admin = app.staff_session("tinh.quantri").await;
    let res = app
        .client
        .post(app.url("/api/v1/catalogue/import"))
        .header(header::COOKIE, format!("motcua_session={}", admin.cookie))
        .header(header::CONTENT_TYPE, "application/json")
        .body(changed.clone())
        .send()
        .await
        .expect("sent");
    expect_error(res, 403, "csrf_failed").await;
    assert_eq!(version_of(&app, &code).await, 1);
    assert_eq!(export(&app).await, text, "nothing changed");

    // The system administrator may.
    let res = import(&app, Some(&admin), changed).await;
    assert_eq!(res.status(), 200);
    assert_eq!(version_of(&app, &code).await, 2);
}

// ---------------------------------------------------------------------------------------------------------
// 5. Unknown procedures
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_unknown_procedure_is_404() {
    let app = TestApp::spawn().await;
    app.seed().await;
    expect_error(app.get("/api/v1/procedures/9.999999").await, 404, "not_found").await;
    expect_error(app.get("/api/v1/procedures/1.00119").await, 404, "not_found").await;
    expect_error(app.get("/api/v1/procedures/%25").await, 404, "not_found").await;
    expect_error(app.get("/api/v1/procedures/1.001193%00").await, 404, "not_found").await;
    assert_eq!(version_of(&app, KHAI_SINH).await, 1);
}

#[tokio::test]
async fn a_procedures_declaration_prints_from_its_e_form() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let res = app.get("/api/v1/procedures/1.004873/to-khai.pdf").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let bytes = res.bytes().await.expect("bytes").to_vec();
    let text = super::dossiers::pdf_text(&bytes);
    for expected in [
        "TỜ KHAI",
        "CẤP GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
        "Giới tính",
        "] Nam",
        "] Nữ",
        "Xã, phường, đặc khu",
        "NGƯỜI KHAI",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    let again = app.get("/api/v1/procedures/1.004873/to-khai.pdf").await.bytes().await.expect("bytes").to_vec();
    assert_eq!(bytes, again, "the same form gives the same bytes");
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts");
    if std::fs::create_dir_all(&artifacts).is_ok() {
        let _ = std::fs::write(artifacts.join("to-khai-1.004873.pdf"), &bytes);
    }
    expect_error(app.get("/api/v1/procedures/9.999999/to-khai.pdf").await, 404, "not_found").await;
}

#[tokio::test]
async fn an_agency_administrator_publishes_their_own_procedure_with_every_problem_named() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let justice_admin = app.staff_session("stp.quantri").await;
    let ward_admin = app.staff_session("hacthanh.quantri").await;
    let system_admin = app.staff_session("tinh.quantri").await;
    let doc = app.procedure("2.000488").await; // Phiếu lý lịch tư pháp: Sở Tư pháp (H56.14)
    let before = version_of(&app, "2.000488").await;

    // The workflow no longer adds up, and a field key is bad: both are named, nothing is published.
    let mut bad = doc.clone();
    bad["workflow"][1]["hours"] = json!(57);
    bad["form"]["fields"][0]["key"] = json!("Họ tên");
    let err =
        expect_error(app.put_as(&justice_admin, "/api/v1/procedures/2.000488", &bad).await, 422, "validation_failed")
            .await;
    let fields: Vec<&str> =
        err["details"].as_array().into_iter().flatten().filter_map(|d| d["field"].as_str()).collect();
    assert!(fields.iter().any(|f| f.starts_with("body.workflow")), "{err}");
    assert!(fields.iter().any(|f| f.starts_with("body.form.fields[0]")), "{err}");
    // A wrong type is named by its path too.
    let mut typo = doc.clone();
    typo["workflow"][0]["hours"] = json!("bốn");
    let err =
        expect_error(app.put_as(&justice_admin, "/api/v1/procedures/2.000488", &typo).await, 422, "validation_failed")
            .await;
    assert!(err["details"][0]["field"].as_str().unwrap_or_default().starts_with("body.workflow[0]"), "{err}");
    assert_eq!(version_of(&app, "2.000488").await, before);

    // A valid change: a new version, which the catalogue then serves.
    let mut good = doc.clone();
    good["workflow"][1]["hours"] = json!(52);
    good["workflow"][2]["hours"] = json!(12);
    let res = app.put_as(&justice_admin, "/api/v1/procedures/2.000488", &good).await;
    assert_eq!(res.status(), 200);
    assert_eq!(version_of(&app, "2.000488").await, before + 1);
    assert_eq!(app.procedure("2.000488").await["workflow"][2]["hours"], 12);

    // Not another agency's procedure, not a shared commune-level one, not by taking it over.
    expect_error(app.put_as(&ward_admin, "/api/v1/procedures/2.000488", &good).await, 403, "forbidden").await;
    let commune = app.procedure("1.004873").await;
    expect_error(app.put_as(&ward_admin, "/api/v1/procedures/1.004873", &commune).await, 403, "forbidden").await;
    let mut taken = app.procedure("1.009946").await; // Sở Xây dựng's
    taken["competent"] = json!({"agency": "H56.14"});
    expect_error(app.put_as(&justice_admin, "/api/v1/procedures/1.009946", &taken).await, 403, "forbidden").await;
    // The system administrator publishes shared ones.
    let mut shared = commune.clone();
    shared["legal_basis"] = json!(["Luật Hộ tịch năm 2014", "Nghị định số 123/2015/NĐ-CP"]);
    assert_eq!(app.put_as(&system_admin, "/api/v1/procedures/1.004873", &shared).await.status(), 200);
    let err =
        expect_error(app.put_as(&system_admin, "/api/v1/procedures/1.000656", &shared).await, 422, "validation_failed")
            .await;
    assert_eq!(err["details"][0]["field"], "body.code");
}
