//! The dossier lifecycle over HTTP against the real server and PostgreSQL.

use integration_tests::{Session, TestApp, expect_error, valid_answers};
use serde_json::{Value, json};

pub const KET_HON: &str = "1.000894"; // Đăng ký kết hôn: commune, 5 working days, 5 workflow steps

/// A clerk of phường Hạc Thành receives a marriage registration at the counter.
pub async fn counter_dossier(app: &TestApp, clerk: &Session) -> Value {
    let procedure = app.procedure(KET_HON).await;
    let upload = app.upload_pdf(clerk, "tờ khai kết hôn.pdf").await;
    let res = app
        .post_as(
            clerk,
            "/api/v1/dossiers/counter",
            &json!({
                "procedure_code": KET_HON,
                "applicant": {"full_name": "Nguyễn Thị Bích Ngọc", "personal_id": "038190001234", "phone": "0912345678",
                              "address": "Số 12 đường Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa"},
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

pub async fn act(app: &TestApp, s: &Session, d: &Value, action: &str, extra: Value) -> reqwest::Response {
    let mut body = json!({"action": action, "expected_version": d["version"]});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post_as(s, &format!("/api/v1/dossiers/{}/actions", d["id"].as_str().unwrap_or_default()), &body).await
}

pub async fn act_ok(app: &TestApp, s: &Session, d: &Value, action: &str, extra: Value) -> Value {
    let res = act(app, s, d, action, extra).await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "{action}: {body}");
    body
}

#[tokio::test]
async fn full_counter_journey_with_history_and_national_codes() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let leader = app.staff_session("hacthanh.chutich").await;

    let d = counter_dossier(&app, &clerk).await;
    assert_eq!(d["state"], "received");
    assert_eq!(d["national_status"], 2);
    assert!(d["code"].as_str().is_some_and(|c| c.starts_with("H56.101-")), "{}", d["code"]);
    assert!(d["due_at"].is_string(), "the appointment is issued at reception");
    assert_eq!(d["attachments"][0]["checked_against_original"], true);

    let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    assert_eq!(
        (d["state"].as_str(), d["national_status"].as_u64(), d["current_step"].as_u64()),
        (Some("in_processing"), Some(4), Some(1))
    );
    let d = act_ok(&app, &officer, &d, "hand_over", json!({"note": "Đủ điều kiện kết hôn"})).await;
    assert_eq!((d["national_status"].as_u64(), d["current_step"].as_u64()), (Some(4), Some(2)));
    // The next step is the leader's approval: it is reached by submitting for approval, not by a hand-over.
    let err = expect_error(act(&app, &officer, &d, "hand_over", json!({})).await, 422, "validation_failed").await;
    assert_eq!(err["details"][0]["code"], "use_submit_for_approval");
    let d = act_ok(&app, &officer, &d, "submit_for_approval", json!({})).await;
    assert_eq!(
        (d["state"].as_str(), d["national_status"].as_u64(), d["current_step"].as_u64()),
        (Some("awaiting_approval"), Some(4), Some(3))
    );
    let d = act_ok(&app, &leader, &d, "approve", json!({})).await;
    assert_eq!(
        (d["state"].as_str(), d["national_status"].as_u64(), d["current_step"].as_u64()),
        (Some("result_ready"), Some(9), Some(4))
    );
    assert!(d["timeliness"].is_string());
    let d = act_ok(&app, &clerk, &d, "return_result", json!({"delivery": "in_person"})).await;
    assert_eq!((d["state"].as_str(), d["national_status"].as_u64()), (Some("returned"), Some(10)));
    assert_eq!(d["allowed_actions"], json!([]));

    let res = app.get_as(&clerk, &format!("/api/v1/dossiers/{}/history", d["id"].as_str().unwrap_or_default())).await;
    assert_eq!(res.status(), 200);
    let history: Vec<Value> = res.json().await.expect("json");
    let steps: Vec<(&str, u64)> = history
        .iter()
        .map(|h| (h["action"].as_str().unwrap_or(""), h["national_code"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(
        steps,
        [
            ("receive_at_counter", 2),
            ("hand_over", 4),
            ("hand_over", 4),
            ("submit_for_approval", 4),
            ("approve", 9),
            ("return_result", 10)
        ]
    );
    assert!(history.iter().all(|h| h["actor_name"].is_string() && h["at"].is_string()));
    assert_eq!(history[2]["note"], "Đủ điều kiện kết hôn");

    let res = app.get_as(&clerk, &format!("/api/v1/dossiers/{}/steps", d["id"].as_str().unwrap_or_default())).await;
    let steps: Vec<Value> = res.json().await.expect("json");
    assert_eq!(steps.len(), 5, "{steps:?}");
    // Finished well before their due times: early, or on time when the due time falls later the same day
    // (the timeliness rule compares working days), never late.
    assert!(
        steps
            .iter()
            .all(|s| s["finished_at"].is_string() && (s["timeliness"] == "early" || s["timeliness"] == "on_time")),
        "{steps:?}"
    );

    assert!(matches!(
        motcua::store::audit::verify(&app.db).await.expect("verify"),
        motcua::store::audit::Verdict::Ok { .. }
    ));
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = counter_dossier(&app, &clerk).await;
    let _ = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    let body =
        expect_error(act(&app, &clerk, &d, "refuse", json!({"reason": "Thiếu giấy tờ"})).await, 409, "conflict").await;
    assert_eq!(body["details"][0]["field"], "body.expected_version");
}

#[tokio::test]
async fn supplement_items_are_listed_once_and_a_late_request_is_marked() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = counter_dossier(&app, &clerk).await;
    let dup = json!({"reason": "Hồ sơ chưa đầy đủ", "items": ["Tờ khai có chữ ký", "Tờ khai có chữ ký"]});
    let err = expect_error(act(&app, &clerk, &d, "request_supplement", dup).await, 422, "validation_failed").await;
    assert_eq!(err["details"][0]["field"], "body.items[1]");
    assert_eq!(err["details"][0]["code"], "duplicate");

    // Received two weeks ago: past the 3 working days NĐ 61/2018 allows; the request goes through, marked.
    sqlx::query("UPDATE dossier SET received_at = now() - interval '14 days' WHERE id = $1::uuid")
        .bind(d["id"].as_str().unwrap_or_default())
        .execute(&app.db)
        .await
        .expect("backdate");
    let ok = json!({"reason": "Hồ sơ chưa đầy đủ", "items": ["Tờ khai có chữ ký"]});
    let _ = act_ok(&app, &clerk, &d, "request_supplement", ok).await;
    let history: Vec<Value> = app
        .get_as(&clerk, &format!("/api/v1/dossiers/{}/history", d["id"].as_str().unwrap_or_default()))
        .await
        .json()
        .await
        .expect("json");
    let last = history.last().expect("entries");
    assert_eq!(last["action"], "request_supplement");
    assert_eq!(last["data"]["after_three_working_days"], true, "{last}");
    assert_eq!(last["data"]["items"], json!(["Tờ khai có chữ ký"]));
}

/// The text of a PDF, as poppler's pdftotext reads it back.
pub fn pdf_text(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("motcua-pdf-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("doc.pdf");
    std::fs::write(&file, bytes).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils; make test installs it)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[tokio::test]
async fn the_receipt_is_a_real_pdf_of_the_dossier_and_the_same_every_time() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = counter_dossier(&app, &clerk).await;
    let path = format!("/api/v1/dossiers/{}/forms/01.pdf", d["id"].as_str().unwrap_or_default());
    let res = app.get_as(&clerk, &path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let first = res.bytes().await.expect("bytes").to_vec();
    assert!(first.starts_with(b"%PDF-"));
    let text = pdf_text(&first);
    for expected in [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Nguyễn Thị Bích Ngọc",
        d["code"].as_str().unwrap_or("?"),
        d["procedure_name"].as_str().unwrap_or("?"),
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    // Kept for people to look at (target/artifacts, like the browser screenshots).
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/artifacts");
    if std::fs::create_dir_all(&artifacts).is_ok() {
        let _ = std::fs::write(artifacts.join("mau-01-giay-tiep-nhan.pdf"), &first);
    }
    let second = app.get_as(&clerk, &path).await.bytes().await.expect("bytes").to_vec();
    assert_eq!(first, second, "the same dossier gives the same bytes");
    // Nobody else's.
    let stranger = app.citizen_session("038192004567", "Trần Thị Bích Ngọc").await;
    expect_error(app.get_as(&stranger, &path).await, 404, "not_found").await;
}
