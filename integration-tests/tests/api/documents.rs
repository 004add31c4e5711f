//! The official documents (TT 01/2018/TT-VPCP, domain.md §6) rendered from real dossiers with long Vietnamese
//! names and addresses, read back with poppler (`pdftotext`, `pdfinfo`, `pdftoppm`) and zbar (`zbarimg`): the
//! expected text with its diacritics, exact A5/A4 page sizes, every word inside the page with a margin, and a QR
//! code that decodes to the public lookup. Rendered pages are kept as PNGs in `target/artifacts/forms/`.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use integration_tests::{Session, TestApp, expect_error, valid_answers};
use serde_json::{Value, json};

use super::dossiers::{KET_HON, act_ok};

const LONG_NAME: &str = "Tôn Nữ Hoàng Thị Phương Thảo Nguyễn Huỳnh Ngọc Bảo Trâm Đặng Lê Khánh Hòa";
const LONG_ADDRESS: &str = "Số 1234/56/78 đường Nguyễn Trường Tộ kéo dài, tổ dân phố Đông Hương Thịnh Vượng số 15, \
                            phường Hạc Thành, tỉnh Thanh Hóa";

/// A5 and A4 in points, as poppler prints them (two decimals).
const A5: (f64, f64) = (419.53, 595.28);
const A4: (f64, f64) = (595.28, 841.89);
/// What every word must keep from the page's edges (5 mm).
const EDGE_PT: f64 = 5.0 * 72.0 / 25.4;

struct Pdf {
    dir: PathBuf,
    file: PathBuf,
}

impl Pdf {
    fn new(bytes: &[u8]) -> Pdf {
        assert!(
            bytes.starts_with(b"%PDF-"),
            "not a PDF: {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        );
        let dir = std::env::temp_dir().join(format!("motcua-forms-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("doc.pdf");
        std::fs::write(&file, bytes).expect("write");
        Pdf { dir, file }
    }

    fn run(&self, program: &str, args: &[&str]) -> String {
        let out = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} runs (make test installs poppler-utils and zbar-tools): {e}"));
        assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    }

    /// The text in reading order, whitespace collapsed (a long name wrapped over two lines reads whole).
    fn text(&self) -> String {
        let raw = self.run("pdftotext", &["-enc", "UTF-8", self.path(), "-"]);
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn path(&self) -> &str {
        self.file.to_str().expect("utf-8 path")
    }

    /// Each page's size in points.
    fn page_sizes(&self) -> Vec<(f64, f64)> {
        let info = self.run("pdfinfo", &["-f", "1", "-l", "9999", self.path()]);
        info.lines()
            .filter(|l| l.starts_with("Page") && l.contains(" size: "))
            .map(|l| {
                let dims = l.split(" size: ").nth(1).unwrap_or_default();
                let mut it = dims.split_whitespace();
                let w: f64 = it.next().and_then(|v| v.parse().ok()).expect("width");
                let _x = it.next();
                let h: f64 = it.next().and_then(|v| v.parse().ok()).expect("height");
                (w, h)
            })
            .collect()
    }

    /// Every word's box `(page, xMin, yMin, xMax, yMax, word)` (pdftotext -bbox).
    fn words(&self) -> Vec<(usize, f64, f64, f64, f64, String)> {
        let html = self.run("pdftotext", &["-bbox", "-enc", "UTF-8", self.path(), "-"]);
        let mut page = 0;
        let mut out = Vec::new();
        for line in html.lines() {
            let line = line.trim();
            if line.starts_with("<page ") {
                page += 1;
            }
            let Some(rest) = line.strip_prefix("<word ") else { continue };
            let attr = |name: &str| -> f64 {
                let key = format!("{name}=\"");
                let start = rest.find(&key).map(|i| i + key.len()).expect("attribute");
                rest[start..].split('"').next().and_then(|v| v.parse().ok()).expect("number")
            };
            let word = rest.split('>').nth(1).and_then(|w| w.split('<').next()).unwrap_or_default().to_owned();
            out.push((page, attr("xMin"), attr("yMin"), attr("xMax"), attr("yMax"), word));
        }
        out
    }

    /// Renders every page to PNG (kept as artifacts under `name`) and decodes the QR codes on them.
    fn render_and_read_qr(&self, name: &str) -> Vec<String> {
        let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts/forms");
        std::fs::create_dir_all(&artifacts).expect("artifacts dir");
        let prefix = artifacts.join(name);
        let ours = |p: &Path| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with(&format!("{name}-")) && f.ends_with(".png"))
        };
        // Pages of an earlier run (which may have had more of them) go first.
        for old in std::fs::read_dir(&artifacts).expect("list").filter_map(|e| e.ok().map(|e| e.path())) {
            if ours(&old) {
                let _ = std::fs::remove_file(old);
            }
        }
        self.run("pdftoppm", &["-r", "150", "-png", self.path(), prefix.to_str().expect("path")]);
        let mut pngs: Vec<PathBuf> = std::fs::read_dir(&artifacts)
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| ours(p))
            .collect();
        pngs.sort();
        assert!(!pngs.is_empty(), "pdftoppm rendered no page");
        let mut codes = Vec::new();
        for png in pngs {
            let out = Command::new("zbarimg").args(["--raw", "-q"]).arg(&png).output().expect("zbarimg runs");
            // zbarimg exits 4 when a page has no code.
            codes.extend(String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).filter(|l| !l.is_empty()));
        }
        let _ = std::fs::write(artifacts.join(format!("{name}.pdf")), std::fs::read(&self.file).unwrap_or_default());
        codes
    }
}

impl Drop for Pdf {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn near(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() < 0.02 && (a.1 - b.1).abs() < 0.02
}

/// The checks every official document passes; returns its text.
fn check(bytes: &[u8], name: &str, page: (f64, f64), lookup: Option<&str>, expected: &[&str]) -> String {
    let pdf = Pdf::new(bytes);
    let sizes = pdf.page_sizes();
    assert!(!sizes.is_empty() && sizes.iter().all(|s| near(*s, page)), "{name}: pages {sizes:?}, expected {page:?}");
    let words = pdf.words();
    assert!(words.len() > 20, "{name}: {} words", words.len());
    for (p, x0, y0, x1, y1, w) in &words {
        let (pw, ph) = sizes[p - 1];
        assert!(
            *x0 >= EDGE_PT && *y0 >= EDGE_PT && *x1 <= pw - EDGE_PT && *y1 <= ph - EDGE_PT,
            "{name}: {w:?} on page {p} at ({x0:.1}, {y0:.1})–({x1:.1}, {y1:.1}) leaves the page's {pw}×{ph} box"
        );
    }
    let text = pdf.text();
    for want in ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"].iter().chain(expected)
    {
        assert!(text.contains(want), "{name}: {want:?} missing from:\n{text}");
    }
    let codes = pdf.render_and_read_qr(name);
    if let Some(url) = lookup {
        assert_eq!(codes, [url.to_owned()], "{name}: the QR code is the public lookup");
    }
    text
}

async fn get_pdf(app: &TestApp, s: &Session, path: &str) -> Vec<u8> {
    let res = app.get_as(s, path).await;
    let status = res.status();
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = res.bytes().await.expect("bytes").to_vec();
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&bytes));
    assert_eq!(ct, "application/pdf");
    bytes
}

async fn view(app: &TestApp, s: &Session, d: &Value) -> Value {
    app.get_as(s, &format!("/api/v1/dossiers/{}", d["id"].as_str().unwrap_or_default()))
        .await
        .json()
        .await
        .expect("json")
}

fn href(d: &Value, form: &str, nth: usize) -> String {
    d["documents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["form"] == form)
        .nth(nth)
        .and_then(|l| l["href"].as_str())
        .unwrap_or_else(|| panic!("no document {form} #{nth} in {}", d["documents"]))
        .to_owned()
}

/// A counter reception of a marriage registration for someone with a long name and address.
async fn long_named_dossier(app: &TestApp, clerk: &Session) -> Value {
    let procedure = app.procedure(KET_HON).await;
    let upload = app.upload_pdf(clerk, "tờ khai đăng ký kết hôn.pdf").await;
    let res = app
        .post_as(
            clerk,
            "/api/v1/dossiers/counter",
            &json!({
                "procedure_code": KET_HON,
                "applicant": {"full_name": LONG_NAME, "personal_id": "038190001234", "phone": "0912345678",
                              "email": "phuongthao.baotram@example.vn", "address": LONG_ADDRESS},
                "form": valid_answers(&procedure["form"]),
                "attachments": [{"upload_id": upload, "component_code": "TP01", "checked_against_original": true}]
            }),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 201, "{body}");
    body
}

#[tokio::test]
async fn every_form_of_a_real_dossier_reads_back_with_its_diacritics_sizes_and_lookup_qr() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let leader = app.staff_session("hacthanh.chutich").await;

    let d = long_named_dossier(&app, &clerk).await;
    let code = d["code"].as_str().unwrap_or_default().to_owned();
    let lookup = format!("{}/tra-cuu?ma={code}", app.base_url);
    let common = [LONG_NAME, code.as_str(), "Đăng ký kết hôn"];

    // 01: the receipt, with the component table.
    let receipt = get_pdf(&app, &clerk, &href(&d, "01", 0)).await;
    let mut want = common.to_vec();
    want.extend([
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        LONG_ADDRESS,
        "Bản sao (đã đối chiếu bản chính)",
        "Hoàng Thị Mai Anh",
    ]);
    check(&receipt, "mau-01", A5, Some(&lookup), &want);
    assert_eq!(receipt, get_pdf(&app, &clerk, &href(&d, "01", 0)).await, "the same dossier gives the same bytes");

    // 02: a supplement request listing every item once, with the reason and the officer's name.
    let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    let items = ["Bản sao Giấy xác nhận tình trạng hôn nhân của bên nữ", "Ảnh chân dung 4x6 chụp không quá 6 tháng"];
    let d = act_ok(
        &app,
        &officer,
        &d,
        "request_supplement",
        json!({"reason": "Giấy tờ nộp kèm đã hết hạn sử dụng", "items": items}),
    )
    .await;
    let supplement = get_pdf(&app, &officer, &href(&d, "02", 0)).await;
    let mut want = common.to_vec();
    want.extend(["PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Giấy tờ nộp kèm đã hết hạn sử dụng", "Vũ Đình Quý"]);
    want.extend(items);
    check(&supplement, "mau-02", A5, Some(&lookup), &want);

    // 04: an apology with the new date, signed by the leader.
    let d = act_ok(&app, &clerk, &d, "receive_supplement", json!({})).await;
    let due = time::OffsetDateTime::parse(
        d["due_at"].as_str().unwrap_or_default(),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("due_at");
    let new_due = due + time::Duration::days(7);
    let d = act_ok(
        &app,
        &leader,
        &d,
        "apologise",
        json!({"reason": "Cần xác minh thêm thông tin tại nơi cư trú trước đây",
               "new_due_at": new_due.format(&time::format_description::well_known::Rfc3339).expect("rfc3339")}),
    )
    .await;
    let local = |t: time::OffsetDateTime| {
        let l = t.to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("offset"));
        format!("{:02}/{:02}/{}", l.day(), u8::from(l.month()), l.year())
    };
    let apology = get_pdf(&app, &leader, &href(&d, "04", 0)).await;
    let mut want = common.to_vec();
    let (old_day, new_day) = (local(due), local(new_due));
    want.extend([
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ",
        "Cần xác minh thêm thông tin tại nơi cư trú trước đây",
        "Đặng Văn Thắng",
        old_day.as_str(),
        new_day.as_str(),
    ]);
    check(&apology, "mau-04", A5, Some(&lookup), &want);

    // 06: the control sheet after the whole workflow, one row per hand-over.
    let d = act_ok(&app, &officer, &d, "hand_over", json!({"note": "Đủ điều kiện"})).await;
    let d = act_ok(&app, &officer, &d, "submit_for_approval", json!({})).await;
    let d = act_ok(&app, &leader, &d, "approve", json!({})).await;
    let d = act_ok(&app, &clerk, &d, "return_result", json!({"delivery": "in_person"})).await;
    let d = view(&app, &clerk, &d).await;
    let sheet = get_pdf(&app, &clerk, &href(&d, "06", 0)).await;
    let mut want = common.to_vec();
    want.extend([
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        "Bộ phận Một cửa",
        "Trình phê duyệt",
        "Trả kết quả",
        "Đủ điều kiện",
    ]);
    let text = check(&sheet, "mau-06", A4, Some(&lookup), &want);
    assert!(text.contains("Trước hạn") || text.contains("Đúng hạn"), "timeliness per step:\n{text}");
    // The citizen does not get the desk's working paper; a stranger gets nothing.
    let stranger = app.citizen_session("038192004567", "Trần Thị Bích Ngọc").await;
    expect_error(app.get_as(&stranger, &href(&d, "01", 0)).await, 404, "not_found").await;

    // 03: a refusal, and 05: a stop notice, on two more dossiers.
    let refused = long_named_dossier(&app, &clerk).await;
    let refused = act_ok(
        &app,
        &clerk,
        &refused,
        "refuse",
        json!({"reason": "Hồ sơ không thuộc thẩm quyền giải quyết của phường"}),
    )
    .await;
    let mut want = vec![
        LONG_NAME,
        "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ",
        "Hồ sơ không thuộc thẩm quyền giải quyết của phường",
    ];
    let refused_code = refused["code"].as_str().unwrap_or_default().to_owned();
    want.push(&refused_code);
    check(
        &get_pdf(&app, &clerk, &href(&refused, "03", 0)).await,
        "mau-03",
        A5,
        Some(&format!("{}/tra-cuu?ma={refused_code}", app.base_url)),
        &want,
    );

    let stopped = long_named_dossier(&app, &clerk).await;
    let stopped = act_ok(
        &app,
        &leader,
        &stopped,
        "stop",
        json!({"reason": "Người yêu cầu đã qua đời trong quá trình giải quyết"}),
    )
    .await;
    let stopped_code = stopped["code"].as_str().unwrap_or_default().to_owned();
    let want = [
        LONG_NAME,
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
        "Người yêu cầu đã qua đời trong quá trình giải quyết",
        &stopped_code,
    ];
    check(
        &get_pdf(&app, &leader, &href(&stopped, "05", 0)).await,
        "mau-05",
        A5,
        Some(&format!("{}/tra-cuu?ma={stopped_code}", app.base_url)),
        &want,
    );

    // 07: the register of today's dossiers at the ward's desk lists all three, in A4 landscape.
    let ward = app.agency_id("H56.101").await;
    let today = time::OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("offset")).date();
    let reg =
        get_pdf(&app, &clerk, &format!("/api/v1/reports/register.pdf?agency_id={ward}&from={today}&to={today}")).await;
    let text = check(
        &reg,
        "mau-07",
        (A4.1, A4.0),
        None,
        &["SỔ THEO DÕI HỒ SƠ", &code, &refused_code, &stopped_code, "Tổng số: 3 hồ sơ"],
    );
    assert!(text.contains("Từ chối") && text.contains("Dừng"), "the register says how each one ended:\n{text}");
    // Only the agency's own people; dates are checked.
    let other = app.staff_session("stp.motcua").await;
    expect_error(
        app.get_as(&other, &format!("/api/v1/reports/register.pdf?agency_id={ward}&from={today}&to={today}")).await,
        403,
        "forbidden",
    )
    .await;
    let err = expect_error(
        app.get_as(&clerk, &format!("/api/v1/reports/register.pdf?agency_id={ward}&from=2026-13-01&to={today}")).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(err["details"][0]["field"], "query.from");
    let exported: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'report.register_export'")
        .fetch_one(&app.db)
        .await
        .expect("audit");
    assert_eq!(exported, 1, "the export is audited");
}

#[tokio::test]
async fn documents_that_do_not_apply_are_refused_and_the_citizen_sees_theirs() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = long_named_dossier(&app, &clerk).await;
    let id = d["id"].as_str().unwrap_or_default();
    let forms: Vec<&str> = d["documents"].as_array().into_iter().flatten().filter_map(|l| l["form"].as_str()).collect();
    assert_eq!(forms, ["01", "06"], "a received dossier has its receipt and (for staff) the control sheet");
    expect_error(app.get_as(&clerk, &format!("/api/v1/dossiers/{id}/forms/03.pdf")).await, 409, "illegal_transition")
        .await;
    expect_error(app.get_as(&clerk, &format!("/api/v1/dossiers/{id}/forms/09.pdf")).await, 404, "not_found").await;
    let err = expect_error(
        app.get_as(&clerk, &format!("/api/v1/dossiers/{id}/forms/02.pdf?seq=abc")).await,
        400,
        "bad_request",
    )
    .await;
    assert!(err["details"].is_array());

    // An online dossier: the citizen downloads the supplement request addressed to them, not the control sheet.
    let citizen = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    let procedure = app.procedure("1.004873").await;
    let agency = app.agency_id("H56.101").await;
    let upload = app.upload_pdf(&citizen, "tờ khai.pdf").await;
    let res = app
        .post_as(
            &citizen,
            "/api/v1/dossiers",
            &json!({"procedure_code": "1.004873", "agency_id": agency, "form": valid_answers(&procedure["form"]),
                    "attachments": [{"upload_id": upload, "component_code": "TP01"}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let online: Value = res.json().await.expect("json");
    let online = act_ok(&app, &clerk, &online, "accept", json!({})).await;
    let _ = act_ok(
        &app,
        &clerk,
        &online,
        "request_supplement",
        json!({"reason": "Thiếu giấy tờ", "items": ["Bản sao giấy khai sinh"]}),
    )
    .await;
    let mine = view(&app, &citizen, &online).await;
    let forms: Vec<&str> =
        mine["documents"].as_array().into_iter().flatten().filter_map(|l| l["form"].as_str()).collect();
    assert_eq!(forms, ["01", "02"]);
    let pdf = get_pdf(&app, &citizen, &href(&mine, "02", 0)).await;
    let text = Pdf::new(&pdf).text();
    assert!(text.contains("Bản sao giấy khai sinh") && text.contains("Nguyễn Văn An"), "{text}");
    let online_id = online["id"].as_str().unwrap_or_default();
    expect_error(app.get_as(&citizen, &format!("/api/v1/dossiers/{online_id}/forms/06.pdf")).await, 403, "forbidden")
        .await;
}

#[tokio::test]
async fn an_attachment_is_shown_inline_only_in_our_own_pages() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = long_named_dossier(&app, &clerk).await;
    let file = format!(
        "/api/v1/dossiers/{}/attachments/{}",
        d["id"].as_str().unwrap_or_default(),
        d["attachments"][0]["id"].as_str().unwrap_or_default()
    );
    let header = |r: &reqwest::Response, h: &str| {
        r.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };

    let saved = app.get_as(&clerk, &file).await;
    assert_eq!(saved.status(), 200);
    assert!(
        header(&saved, "content-disposition").starts_with("attachment;"),
        "{}",
        header(&saved, "content-disposition")
    );
    assert!(header(&saved, "content-security-policy").contains("frame-ancestors 'none'"));

    let shown = app.get_as(&clerk, &format!("{file}?inline=true")).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(header(&shown, "content-type"), "application/pdf");
    assert!(header(&shown, "content-disposition").starts_with("inline;"));
    assert!(header(&shown, "content-security-policy").contains("frame-ancestors 'self'"));
    assert_eq!(header(&shown, "x-frame-options"), "SAMEORIGIN");
    assert!(shown.bytes().await.expect("bytes").starts_with(b"%PDF-"));
    // A bad flag is a clear 400, not a silent download.
    expect_error(app.get_as(&clerk, &format!("{file}?inline=maybe")).await, 400, "bad_request").await;
}

#[tokio::test]
async fn the_leader_approves_with_a_result_written_from_the_procedures_layout() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let leader = app.staff_session("hacthanh.chutich").await;
    let citizen = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    let procedure = app.procedure("1.004873").await; // its KQ01 has a layout
    let agency = app.agency_id("H56.101").await;
    let upload = app.upload_pdf(&citizen, "tờ khai.pdf").await;
    let mut form = valid_answers(&procedure["form"]);
    form["muc_dich"] = json!("Để đăng ký kết hôn tại Ủy ban nhân dân phường Hạc Thành");
    let res = app
        .post_as(
            &citizen,
            "/api/v1/dossiers",
            &json!({"procedure_code": "1.004873", "agency_id": agency, "form": form,
                    "attachments": [{"upload_id": upload, "component_code": "TP01"}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let d: Value = res.json().await.expect("json");
    let d = act_ok(&app, &clerk, &d, "accept", json!({})).await;
    let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    let d = act_ok(&app, &officer, &d, "submit_for_approval", json!({})).await;
    // Only with an approval or a result.
    let err = expect_error(
        super::dossiers::act(&app, &leader, &d, "send_back", json!({"reason": "Xem lại", "generate_result": true}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(err["details"][0]["field"], "body.generate_result");
    let d = act_ok(&app, &leader, &d, "approve", json!({"generate_result": true})).await;
    let result =
        d["attachments"].as_array().into_iter().flatten().find(|a| a["role"] == "result").expect("a result").clone();
    assert_eq!((result["component_code"].as_str(), result["kind"].as_str()), (Some("KQ01"), Some("pdf")));
    let code = d["code"].as_str().unwrap_or_default().to_owned();

    // The citizen downloads it: the layout filled with their answers, signed by the leader, with the lookup QR.
    let file = format!(
        "/api/v1/dossiers/{}/attachments/{}",
        d["id"].as_str().unwrap_or_default(),
        result["id"].as_str().unwrap_or_default()
    );
    let bytes = get_any(&app, &citizen, &file).await;
    let lookup = format!("{}/tra-cuu?ma={code}", app.base_url);
    let text = check(
        &bytes,
        "ket-qua-KQ01",
        A4,
        Some(&lookup),
        &[
            "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN",
            "Nguyễn Văn An",
            "15/01/1990",
            "Chưa đăng ký kết hôn với ai",
            "Để đăng ký kết hôn tại Ủy ban nhân dân phường Hạc Thành",
            "Ủy ban nhân dân phường Hạc Thành xác nhận",
            "Đặng Văn Thắng",
            &code,
        ],
    );
    assert!(!text.contains("{{"), "every placeholder is filled:\n{text}");

    // A procedure without a layout: the result is attached by hand.
    let counter = long_named_dossier(&app, &clerk).await;
    let counter = act_ok(&app, &clerk, &counter, "hand_over", json!({})).await;
    let counter = act_ok(&app, &officer, &counter, "hand_over", json!({})).await;
    let counter = act_ok(&app, &officer, &counter, "submit_for_approval", json!({})).await;
    let err = expect_error(
        super::dossiers::act(&app, &leader, &counter, "approve", json!({"generate_result": true})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(err["details"][0]["code"], "no_layout");
}

async fn get_any(app: &TestApp, s: &Session, path: &str) -> Vec<u8> {
    let res = app.get_as(s, path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.bytes().await.expect("bytes").to_vec()
}
