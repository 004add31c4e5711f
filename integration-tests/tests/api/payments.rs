//! Paying fees online through the payment-platform stand-in: success with the e-receipt, failure, a bad
//! signature, a lost callback recovered by reconciliation, a repeated callback; and cash at the counter.

use std::time::Duration;

use integration_tests::{Session, StandIns, TestApp, expect_error, valid_answers};
use serde_json::{Value, json};

use super::dossiers::act_ok;

const XAC_NHAN_HON_NHAN: &str = "1.004873"; // fully online, fee 10 000 ₫

/// An online dossier the clerk accepted and asked the fee for.
async fn awaiting_fee(app: &TestApp, citizen: &Session, clerk: &Session) -> Value {
    let procedure = app.procedure(XAC_NHAN_HON_NHAN).await;
    let upload = app.upload_pdf(citizen, "tờ khai.pdf").await;
    let agency: uuid::Uuid = app.agency_id("H56.101").await;
    let res = app
        .post_as(
            citizen,
            "/api/v1/dossiers",
            &json!({"procedure_code": XAC_NHAN_HON_NHAN, "agency_id": agency, "form": valid_answers(&procedure["form"]),
                    "attachments": [{"upload_id": upload, "component_code": "TP01"}]}),
        )
        .await;
    let d: Value = res.json().await.expect("json");
    assert_eq!(d["fees_total"], 10000, "{d}");
    let d = act_ok(app, clerk, &d, "accept", json!({})).await;
    let d = act_ok(app, clerk, &d, "request_payment", json!({"note": "Lệ phí 10.000 đồng"})).await;
    assert_eq!((d["state"].as_str(), d["payment_state"].as_str()), (Some("payment_requested"), Some("requested")));
    d
}

async fn start(app: &TestApp, citizen: &Session, d: &Value) -> Value {
    let res = app
        .post_as(citizen, &format!("/api/v1/dossiers/{}/payments", d["id"].as_str().unwrap_or_default()), &json!({}))
        .await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 201, "{body}");
    body
}

async fn complete(sim: &StandIns, reference: &str, result: &str, callback: &str) -> Vec<Value> {
    let (status, body) = sim
        .call(
            "POST",
            &format!("/_sim/paygov/{reference}/complete"),
            Some(json!({"result": result, "callback": callback})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["callbacks"].as_array().cloned().unwrap_or_default()
}

async fn dossier(app: &TestApp, s: &Session, d: &Value) -> Value {
    app.get_as(s, &format!("/api/v1/dossiers/{}", d["id"].as_str().unwrap_or_default()))
        .await
        .json()
        .await
        .expect("json")
}

async fn record_payments(app: &TestApp, d: &Value) -> Vec<(String, String)> {
    sqlx::query_as("SELECT actor_kind, coalesce(actor_id, '') FROM dossier_action WHERE dossier_id = $1::uuid AND action = 'record_payment'")
        .bind(d["id"].as_str().unwrap_or_default())
        .fetch_all(&app.db)
        .await
        .expect("history")
}

async fn spawn() -> (TestApp, StandIns, Session, Session) {
    let (app, sim) = TestApp::spawn_with_sim(|c| c.payment_query_after = Duration::ZERO).await;
    app.seed().await;
    let citizen = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    (app, sim, citizen, clerk)
}

#[tokio::test]
async fn a_paid_callback_resumes_the_dossier_attaches_the_receipt_and_a_repeat_changes_nothing() {
    let (app, sim, citizen, clerk) = spawn().await;
    let d = awaiting_fee(&app, &citizen, &clerk).await;
    let started = start(&app, &citizen, &d).await;
    let reference = started["payment"]["reference"].as_str().expect("reference").to_owned();
    let url = started["redirect_url"].as_str().expect("url");
    assert!(url.contains("/paygov/thanh-toan/"), "{url}");
    // The payer's page at the platform.
    let page = reqwest::get(url).await.expect("page").text().await.expect("html");
    assert!(page.contains("10.000") && page.contains("Xác nhận thanh toán"), "{page}");

    let callbacks = complete(&sim, &reference, "paid", "twice").await;
    assert_eq!(callbacks.iter().map(|c| c["status"].clone()).collect::<Vec<_>>(), [json!(200), json!(200)]);

    let now = dossier(&app, &citizen, &d).await;
    assert_eq!(
        (now["state"].as_str(), now["payment_state"].as_str()),
        (Some("received"), Some("paid_online")),
        "{now}"
    );
    assert!(now["due_at"].is_string(), "the clock runs again: {now}");
    assert_eq!(record_payments(&app, &d).await, [("system".to_owned(), "paygov".to_owned())], "recorded once");
    let payments: Value = app
        .get_as(&citizen, &format!("/api/v1/dossiers/{}/payments", d["id"].as_str().unwrap_or_default()))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(payments[0]["state"], "paid", "{payments}");
    let receipt = payments[0]["receipt_attachment_id"].as_str().expect("the e-receipt is attached");
    let res = app
        .get_as(&citizen, &format!("/api/v1/dossiers/{}/attachments/{receipt}", d["id"].as_str().unwrap_or_default()))
        .await;
    assert_eq!(res.status(), 200);
    let pdf = res.bytes().await.expect("bytes");
    assert!(pdf.starts_with(b"%PDF-"));
    // The national portal hears "paid online".
    let flag: String = sqlx::query_scalar(
        "SELECT payload->'data'->0->>'DuocThanhToanTrucTuyen' FROM outbox
          WHERE dossier_id = $1::uuid AND operation = 'DongBoHoSoMC' ORDER BY seq DESC LIMIT 1",
    )
    .bind(d["id"].as_str().unwrap_or_default())
    .fetch_one(&app.db)
    .await
    .expect("outbox");
    assert_eq!(flag, "1");
    // A third, much later callback: still harmless.
    let again = complete(&sim, &reference, "paid", "send").await;
    assert_eq!(again[0]["status"], 200);
    assert_eq!(record_payments(&app, &d).await.len(), 1);
    // Paying a dossier that no longer waits for a fee is refused.
    let res = app
        .post_as(&citizen, &format!("/api/v1/dossiers/{}/payments", d["id"].as_str().unwrap_or_default()), &json!({}))
        .await;
    expect_error(res, 409, "illegal_transition").await;
}

#[tokio::test]
async fn a_failed_payment_leaves_the_fee_due_and_the_citizen_can_try_again() {
    let (app, sim, citizen, clerk) = spawn().await;
    let d = awaiting_fee(&app, &citizen, &clerk).await;
    let first = start(&app, &citizen, &d).await;
    let reference = first["payment"]["reference"].as_str().expect("reference");
    complete(&sim, reference, "failed", "send").await;
    let now = dossier(&app, &citizen, &d).await;
    assert_eq!((now["state"].as_str(), now["payment_state"].as_str()), (Some("payment_requested"), Some("requested")));
    let second = start(&app, &citizen, &d).await;
    assert_ne!(second["payment"]["reference"], first["payment"]["reference"], "a new reference per attempt");
    let states: Vec<String> =
        sqlx::query_scalar("SELECT state FROM payment ORDER BY created_at").fetch_all(&app.db).await.expect("rows");
    assert_eq!(states, ["failed", "pending"]);

    // Someone else's dossier, or a clerk: not theirs to pay.
    let other = app.citizen_session("038192004567", "Trần Thị Bích Ngọc").await;
    let res = app
        .post_as(&other, &format!("/api/v1/dossiers/{}/payments", d["id"].as_str().unwrap_or_default()), &json!({}))
        .await;
    expect_error(res, 404, "not_found").await;
    let res = app
        .post_as(&clerk, &format!("/api/v1/dossiers/{}/payments", d["id"].as_str().unwrap_or_default()), &json!({}))
        .await;
    expect_error(res, 403, "forbidden").await;

    // The platform down: nothing charged, a clear 503.
    sim.fault("paygov", json!({"status": 503})).await;
    let res = app
        .post_as(&citizen, &format!("/api/v1/dossiers/{}/payments", d["id"].as_str().unwrap_or_default()), &json!({}))
        .await;
    expect_error(res, 503, "service_unavailable").await;
}

#[tokio::test]
async fn callbacks_with_a_bad_signature_another_amount_or_an_unknown_reference_are_refused_and_logged() {
    let (app, sim, citizen, clerk) = spawn().await;
    let d = awaiting_fee(&app, &citizen, &clerk).await;
    let started = start(&app, &citizen, &d).await;
    let reference = started["payment"]["reference"].as_str().expect("reference").to_owned();
    let callbacks = complete(&sim, &reference, "paid", "bad_signature").await;
    assert_eq!(callbacks[0]["status"], 401, "{callbacks:?}");
    assert_eq!(callbacks[0]["body"]["details"][0]["code"], "bad_signature");

    // Forged with the right secret but another amount, or for a reference we never issued.
    let sign = |fields: [&str; 10]| {
        let mac = motcua::app::payment::mac(&fields, "motcua-paygov-dev-secret");
        json!({"LoaiBanTin": fields[0], "MaLoi": fields[1], "MaDoiTac": fields[2], "MaThamChieu": fields[3],
               "SoTien": fields[4], "MaTienTe": fields[5], "MaGiaoDich": fields[6], "MaNganHang": fields[7],
               "ThoiGianGD": fields[8], "ThongTinGiaoDich": fields[9], "MaXacThuc": mac})
    };
    let cheaper = sign(["CALLBACK", "00", "MOTCUA", &reference, "100", "VND", "PG1", "VCB", "20261123100000", "x"]);
    let body =
        expect_error(app.post_json("/api/v1/payments/paygov/callback", &cheaper).await, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["code"], "amount_mismatch");
    let unknown =
        sign(["CALLBACK", "00", "MOTCUA", "MC-NOT-OURS", "10000", "VND", "PG1", "VCB", "20261123100000", "x"]);
    let body =
        expect_error(app.post_json("/api/v1/payments/paygov/callback", &unknown).await, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["code"], "unknown");
    expect_error(
        app.post_json("/api/v1/payments/paygov/callback", &json!({"MaLoi": "00"})).await,
        422,
        "validation_failed",
    )
    .await;

    let now = dossier(&app, &citizen, &d).await;
    assert_eq!(now["payment_state"], "requested", "nothing was recorded");
    let refused: Vec<String> = sqlx::query_scalar(
        "SELECT details::jsonb->>'reason' FROM audit_log WHERE action = 'payment.callback_refused' ORDER BY seq",
    )
    .fetch_all(&app.db)
    .await
    .expect("audit");
    assert_eq!(refused, ["bad_signature", "amount_mismatch", "unknown", "required"]);
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM exchange_log WHERE peer = 'paygov' AND direction = 'inbound' AND result = 'refused'",
    )
    .fetch_one(&app.db)
    .await
    .expect("log");
    assert_eq!(logged, 4);

    // The genuine callback still works afterwards.
    complete(&sim, &reference, "paid", "send").await;
    assert_eq!(dossier(&app, &citizen, &d).await["payment_state"], "paid_online");
}

#[tokio::test]
async fn a_lost_callback_is_recovered_by_the_payment_reconciliation() {
    let (app, sim, citizen, clerk) = spawn().await;
    let d = awaiting_fee(&app, &citizen, &clerk).await;
    let started = start(&app, &citizen, &d).await;
    let reference = started["payment"]["reference"].as_str().expect("reference");
    let callbacks = complete(&sim, reference, "paid", "drop").await;
    assert!(callbacks.is_empty());
    assert_eq!(dossier(&app, &citizen, &d).await["payment_state"], "requested", "we have not heard");

    let admin = app.staff_session("tinh.quantri").await;
    expect_error(app.post_as(&clerk, "/api/v1/admin/payment-reconciliations", &json!({})).await, 403, "forbidden")
        .await;
    let res = app.post_as(&admin, "/api/v1/admin/payment-reconciliations", &json!({})).await;
    let report: Value = res.json().await.expect("json");
    assert_eq!(report, json!({"queried": 1, "paid": 1, "failed": 0, "receipts": 1}));
    let now = dossier(&app, &citizen, &d).await;
    assert_eq!((now["state"].as_str(), now["payment_state"].as_str()), (Some("received"), Some("paid_online")));
    // The late callback, should it come after all, changes nothing.
    complete(&sim, reference, "paid", "send").await;
    assert_eq!(record_payments(&app, &d).await.len(), 1);
    let report: Value =
        app.post_as(&admin, "/api/v1/admin/payment-reconciliations", &json!({})).await.json().await.expect("json");
    assert_eq!(report["queried"], 0);
}

#[tokio::test]
async fn a_clerk_records_a_cash_payment_and_the_portal_hears_paid_otherwise() {
    let (app, _sim, citizen, clerk) = spawn().await;
    let d = awaiting_fee(&app, &citizen, &clerk).await;
    let res = super::dossiers::act(&app, &clerk, &d, "record_payment", json!({"payment_method": "online"})).await;
    let body = expect_error(res, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "body.payment_method", "only the platform records online payments");
    let d = act_ok(&app, &clerk, &d, "record_payment", json!({"payment_method": "cash"})).await;
    assert_eq!(d["payment_state"], "paid_other");
    let payments: Value = app
        .get_as(&clerk, &format!("/api/v1/dossiers/{}/payments", d["id"].as_str().unwrap_or_default()))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!((payments[0]["method"].as_str(), payments[0]["state"].as_str()), (Some("cash"), Some("paid")));
    let flag: String = sqlx::query_scalar(
        "SELECT payload->'data'->0->>'DuocThanhToanTrucTuyen' FROM outbox
          WHERE dossier_id = $1::uuid AND operation = 'DongBoHoSoMC' ORDER BY seq DESC LIMIT 1",
    )
    .bind(d["id"].as_str().unwrap_or_default())
    .fetch_one(&app.db)
    .await
    .expect("outbox");
    assert_eq!(flag, "3");
}
