//! The citizen portal's API: public lookup, the data store and reuse, drafts, the applicant's own supplement,
//! ratings, feedback, and notifications that reach the SMTP sink and the SMS stand-in once per event.

use integration_tests::{Session, TestApp, expect_error, valid_answers};
use serde_json::{Value, json};

use super::dossiers::{act, act_ok};

const XAC_NHAN_HON_NHAN: &str = "1.004873";

async fn submit(app: &TestApp, citizen: &Session, attachment: Value) -> reqwest::Response {
    let procedure = app.procedure(XAC_NHAN_HON_NHAN).await;
    let agency = app.agency_id("H56.101").await;
    app.post_as(
        citizen,
        "/api/v1/dossiers",
        &json!({"procedure_code": XAC_NHAN_HON_NHAN, "agency_id": agency, "form": valid_answers(&procedure["form"]),
                "attachments": [attachment]}),
    )
    .await
}

async fn submitted(app: &TestApp, citizen: &Session) -> Value {
    let upload = app.upload_pdf(citizen, "tờ khai.pdf").await;
    let res = submit(app, citizen, json!({"upload_id": upload, "component_code": "TP01"})).await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 201, "{body}");
    body
}

fn id(d: &Value) -> &str {
    d["id"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn anyone_looks_up_a_dossier_by_code_and_sees_only_the_status_and_a_masked_name() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let citizen = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    let d = submitted(&app, &citizen).await;
    let res = app.get(&format!("/api/v1/public/dossiers/{}", d["code"].as_str().unwrap_or_default())).await;
    assert_eq!(res.status(), 200);
    let public: Value = res.json().await.expect("json");
    assert_eq!(public["applicant_name_masked"], "N***** V** A*");
    assert_eq!(
        (public["national_status"].as_i64(), public["national_status_label"].as_str()),
        (Some(1), Some("Mới đăng ký"))
    );
    let keys: Vec<&str> = public.as_object().expect("object").keys().map(String::as_str).collect();
    for private in ["applicant", "form", "id", "attachments", "personal_id"] {
        assert!(!keys.contains(&private), "{private} must not be public: {public}");
    }
    expect_error(app.get("/api/v1/public/dossiers/000.00.00.H56-000000-9999").await, 404, "not_found").await;
    // Guessing codes runs into the limit.
    let mut limited = false;
    for n in 0..40 {
        let res = app.get(&format!("/api/v1/public/dossiers/000.00.00.H56-261123-{n:04}")).await;
        if res.status() == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "enumeration is rate-limited");
}

#[tokio::test]
async fn a_citizen_reuses_a_document_from_their_data_store_but_not_someone_elses() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let an = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    let ngoc = app.citizen_session("038192004567", "Trần Thị Bích Ngọc").await;
    let first = submitted(&app, &an).await;
    let docs: Value = app.get_as(&an, "/api/v1/me/documents").await.json().await.expect("json");
    let doc = &docs[0];
    assert_eq!((doc["dossier_code"].clone(), doc["role"].as_str()), (first["code"].clone(), Some("component")));
    let reused = doc["attachment_id"].clone();

    let res = submit(&app, &an, json!({"reuse_attachment_id": reused, "component_code": "TP01"})).await;
    assert_eq!(res.status(), 201);
    let second: Value = res.json().await.expect("json");
    assert_eq!(
        second["attachments"][0]["sha256"], first["attachments"][0]["sha256"],
        "the same bytes, not uploaded again"
    );
    let docs: Value = app.get_as(&an, "/api/v1/me/documents").await.json().await.expect("json");
    assert_eq!(docs.as_array().map(Vec::len), Some(1), "the store lists a document once");

    let res = submit(&app, &ngoc, json!({"reuse_attachment_id": reused, "component_code": "TP01"})).await;
    let body = expect_error(res, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "body.attachments[0].reuse_attachment_id");
    let res = submit(&app, &an, json!({"component_code": "TP01"})).await;
    let body = expect_error(res, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "body.attachments[0].upload_id");
}

#[tokio::test]
async fn a_draft_is_saved_resumed_and_gone_once_submitted() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let an = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    let path = format!("/api/v1/me/drafts/{XAC_NHAN_HON_NHAN}");
    expect_error(app.get_as(&an, &path).await, 404, "not_found").await;
    let put = |data: Value| {
        let app = &app;
        let an = &an;
        let path = path.clone();
        async move {
            app.client
                .put(app.url(&path))
                .header("cookie", format!("motcua_session={}", an.cookie))
                .header("x-csrf-token", &an.csrf)
                .json(&json!({"data": data}))
                .send()
                .await
                .expect("sent")
        }
    };
    assert_eq!(put(json!({"step": 2, "form": {"muc_dich": "Kết hôn"}})).await.status(), 200);
    let draft: Value = app.get_as(&an, &path).await.json().await.expect("json");
    assert_eq!(draft["data"]["form"]["muc_dich"], "Kết hôn");
    expect_error(put(json!("not an object")).await, 422, "validation_failed").await;
    let drafts: Value = app.get_as(&an, "/api/v1/me/drafts").await.json().await.expect("json");
    assert_eq!(drafts.as_array().map(Vec::len), Some(1));
    // Another citizen has no access to it.
    let ngoc = app.citizen_session("038192004567", "Trần Thị Bích Ngọc").await;
    expect_error(app.get_as(&ngoc, &path).await, 404, "not_found").await;
    submitted(&app, &an).await;
    expect_error(app.get_as(&an, &path).await, 404, "not_found").await;
}

#[tokio::test]
async fn the_applicant_answers_a_supplement_online_then_rates_and_sends_feedback() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let an = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = submitted(&app, &an).await;
    let d = act_ok(&app, &clerk, &d, "accept", json!({})).await;
    let d = act_ok(
        &app,
        &clerk,
        &d,
        "request_supplement",
        json!({"reason": "Tờ khai chưa ký", "items": ["Tờ khai có chữ ký"]}),
    )
    .await;
    let mine: Value = app.get_as(&an, &format!("/api/v1/dossiers/{}", id(&d))).await.json().await.expect("json");
    assert!(mine["allowed_actions"].as_array().is_some_and(|a| a.contains(&json!("receive_supplement"))), "{mine}");
    let upload = app.upload_pdf(&an, "tờ khai đã ký.pdf").await;
    let d = act_ok(
        &app,
        &an,
        &mine,
        "receive_supplement",
        json!({"attachments": [{"upload_id": upload, "component_code": "TP01"}], "note": "Đã ký tờ khai"}),
    )
    .await;
    assert_eq!(d["state"], "received", "the clock resumes when the applicant submits");
    assert!(d["attachments"].as_array().is_some_and(|a| a.iter().any(|x| x["role"] == "supplement")));

    // Not rated before the result; feedback any time; once per dossier.
    let rating = format!("/api/v1/dossiers/{}/rating", id(&d));
    let none: Value = app.get_as(&an, &rating).await.json().await.expect("json");
    assert!(none.is_null(), "not rated yet: null, not an error");
    expect_error(app.post_as(&an, &rating, &json!({"score": 5})).await, 409, "illegal_transition").await;
    let feedback = format!("/api/v1/dossiers/{}/feedback", id(&d));
    // Sent with an Idempotency-Key and retried (the answer was lost): one feedback, one audit entry.
    let words = json!({"kind": "phan_anh", "content": "Cán bộ hướng dẫn rất tận tình."});
    let first = app.post_as_with_key(&an, &feedback, &words, "feedback-1").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = app.post_as_with_key(&an, &feedback, &words, "feedback-1").await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.expect("json"), first, "a retry gets the first answer");
    let (rows, audited): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM feedback WHERE dossier_id = $1),
                (SELECT count(*) FROM audit_log WHERE action = 'dossier.feedback' AND object_id = $1::text)",
    )
    .bind(uuid::Uuid::parse_str(id(&d)).expect("uuid"))
    .fetch_one(&app.db)
    .await
    .expect("counts");
    assert_eq!((rows, audited), (1, 1), "sent once, audited once");
    let body = expect_error(
        app.post_as(&an, &feedback, &json!({"kind": "khac", "content": "ngắn"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["details"].as_array().map(Vec::len), Some(2));
    let sent: Value = app.get_as(&clerk, &feedback).await.json().await.expect("json");
    assert_eq!(sent[0]["kind"], "phan_anh", "staff who see the dossier see its feedback");

    // Straight to a result (this procedure's workflow: desk → officer → leader → desk).
    let officer = app.staff_session("hacthanh.tuphap").await;
    let leader = app.staff_session("hacthanh.chutich").await;
    let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    let d = act_ok(&app, &officer, &d, "submit_for_approval", json!({})).await;
    let d = act_ok(&app, &leader, &d, "approve", json!({})).await;
    assert_eq!(d["state"], "result_ready");
    expect_error(app.post_as(&an, &rating, &json!({"score": 6})).await, 422, "validation_failed").await;
    let stars = json!({"score": 5, "comment": "Nhanh, đúng hẹn"});
    let res = app.post_as_with_key(&an, &rating, &stars, "rating-1").await;
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.expect("json");
    let again = app.post_as_with_key(&an, &rating, &stars, "rating-1").await;
    assert_eq!(again.status(), 201, "a retry of the same rating is not a conflict");
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    expect_error(app.post_as(&an, &rating, &json!({"score": 1})).await, 409, "conflict").await;
    let given: Value = app.get_as(&an, &rating).await.json().await.expect("json");
    assert_eq!(given["score"], 5);
    let ngoc = app.citizen_session("038192004567", "Trần Thị Bích Ngọc").await;
    expect_error(app.get_as(&ngoc, &rating).await, 404, "not_found").await;
    let _ = act(&app, &clerk, &d, "return_result", json!({})).await;
}

#[tokio::test]
async fn each_event_reaches_the_applicant_once_by_email_sms_and_in_app() {
    let (app, sim) = TestApp::spawn_with_sim(|_| {}).await;
    app.seed().await;
    let an = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = submitted(&app, &an).await;
    let d = act_ok(&app, &clerk, &d, "accept", json!({})).await;
    let d = act_ok(&app, &clerk, &d, "request_payment", json!({})).await;
    let _ = act_ok(&app, &clerk, &d, "record_payment", json!({"payment_method": "cash"})).await;
    // A delivery attempt twice over changes nothing: each delivery is sent once.
    app.drain_notifications().await;
    app.drain_notifications().await;

    let (_, mail) = sim.call("GET", "/_sim/mail", None).await;
    let subjects: Vec<&str> = mail.as_array().into_iter().flatten().filter_map(|m| m["subject"].as_str()).collect();
    let code = d["code"].as_str().unwrap_or_default();
    assert_eq!(
        subjects,
        [format!("Hồ sơ {code} đã được tiếp nhận"), format!("Hồ sơ {code}: đề nghị nộp phí, lệ phí")],
        "one e-mail per event; recording the payment is not one"
    );
    assert_eq!(mail[0]["to"], json!(["congdan@example.vn"]));
    let text = mail[1]["text"].as_str().unwrap_or_default();
    assert!(text.contains("10.000\u{a0}₫") && text.contains(&format!("{}/ho-so/{}", app.base_url, id(&d))), "{text}");
    let (_, sms) = sim.call("GET", "/_sim/sms", None).await;
    assert_eq!(sms.as_array().map(Vec::len), Some(2), "{sms}");
    assert_eq!(sms[0]["to"], "0912345678");

    let inbox: Value = app.get_as(&an, "/api/v1/me/notifications").await.json().await.expect("json");
    let events: Vec<&str> = inbox.as_array().into_iter().flatten().filter_map(|n| n["event"].as_str()).collect();
    assert_eq!(events, ["thanh_toan", "tiep_nhan"], "newest first");
    let first = inbox[0]["id"].as_i64().expect("id");
    let res = app.post_as(&an, &format!("/api/v1/me/notifications/{first}/read"), &json!({})).await;
    assert_eq!(res.status(), 204);
    let inbox: Value = app.get_as(&an, "/api/v1/me/notifications").await.json().await.expect("json");
    assert!(inbox[0]["read_at"].is_string());
    let ngoc = app.citizen_session("038192004567", "Trần Thị Bích Ngọc").await;
    let res = app.post_as(&ngoc, &format!("/api/v1/me/notifications/{first}/read"), &json!({})).await;
    expect_error(res, 404, "not_found").await;

    // The SMS gateway down: the delivery waits and is retried, the e-mail is unaffected.
    sim.fault("sms", json!({"status": 503})).await;
    let d: Value = app.get_as(&clerk, &format!("/api/v1/dossiers/{}", id(&d))).await.json().await.expect("json");
    let _ = act_ok(&app, &clerk, &d, "request_supplement", json!({"reason": "Thiếu", "items": ["Ảnh 4x6"]})).await;
    app.drain_notifications().await;
    let (status, attempts): (String, i32) = sqlx::query_as(
        "SELECT status, attempts FROM notification_delivery WHERE channel = 'sms' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("delivery");
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    let (_, mail) = sim.call("GET", "/_sim/mail", None).await;
    assert_eq!(mail.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn an_apology_and_the_result_reach_the_applicant_once_each_with_the_new_date_and_a_link() {
    let (app, sim) = TestApp::spawn_with_sim(|_| {}).await;
    app.seed().await;
    let an = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let leader = app.staff_session("hacthanh.chutich").await;
    let d = submitted(&app, &an).await;
    let d = act_ok(&app, &clerk, &d, "accept", json!({})).await;
    let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    let d = act_ok(&app, &officer, &d, "submit_for_approval", json!({})).await;
    let due = time::OffsetDateTime::parse(
        d["due_at"].as_str().unwrap_or_default(),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("due_at");
    let new_due = due + time::Duration::days(5);
    let rfc = new_due.format(&time::format_description::well_known::Rfc3339).expect("rfc3339");
    let d = act_ok(&app, &leader, &d, "apologise", json!({"reason": "Cần xác minh thêm", "new_due_at": rfc})).await;
    let d = act_ok(&app, &leader, &d, "approve", json!({"generate_result": true})).await;
    let _ = act_ok(&app, &clerk, &d, "return_result", json!({"delivery": "online"})).await;
    app.drain_notifications().await;
    app.drain_notifications().await;

    let code = d["code"].as_str().unwrap_or_default();
    let (_, mail) = sim.call("GET", "/_sim/mail", None).await;
    let subjects: Vec<&str> = mail.as_array().into_iter().flatten().filter_map(|m| m["subject"].as_str()).collect();
    assert_eq!(
        subjects,
        [
            format!("Hồ sơ {code} đã được tiếp nhận"),
            format!("Hồ sơ {code}: xin lỗi và hẹn lại ngày trả kết quả"),
            format!("Hồ sơ {code} đã có kết quả"),
        ],
        "one e-mail per event; internal steps and the return are not events"
    );
    let local = new_due.to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("offset"));
    let day = format!("{:02}/{:02}/{}", local.day(), u8::from(local.month()), local.year());
    let apology = mail[1]["text"].as_str().unwrap_or_default();
    assert!(apology.contains(&day) && apology.contains("Cần xác minh thêm"), "{apology}");
    let result = mail[2]["text"].as_str().unwrap_or_default();
    assert!(result.contains(&format!("{}/ho-so/{}", app.base_url, id(&d))), "{result}");
    let (_, sms) = sim.call("GET", "/_sim/sms", None).await;
    let texts: Vec<&str> = sms.as_array().into_iter().flatten().filter_map(|m| m["message"].as_str()).collect();
    assert_eq!(texts.len(), 3, "{sms}");
    assert!(texts.iter().all(|t| t.contains(code)), "{texts:?}");
    let inbox: Value = app.get_as(&an, "/api/v1/me/notifications").await.json().await.expect("json");
    let events: Vec<&str> = inbox.as_array().into_iter().flatten().filter_map(|n| n["event"].as_str()).collect();
    assert_eq!(events, ["co_ket_qua", "hen_lai", "tiep_nhan"]);
}
