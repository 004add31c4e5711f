//! The population database through the sharing platform: counter lookups that fill the form, e-form prefill
//! for citizens, and failing closed (slow, down, circuit open, recovery).

use std::time::Duration;

use integration_tests::{Session, TestApp, expect_error, valid_answers};
use serde_json::{Value, json};

const XAC_NHAN_HON_NHAN: &str = "1.004873"; // birth date, sex and current address prefilled from the database

async fn lookup(app: &TestApp, clerk: &Session, pid: &str, name: &str) -> Value {
    let res = app
        .post_as(
            clerk,
            "/api/v1/population/lookups",
            &json!({"personal_id": pid, "full_name": name, "procedure_code": XAC_NHAN_HON_NHAN}),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    body
}

fn prefilled<'a>(answer: &'a Value, key: &str) -> Option<&'a Value> {
    answer.as_array()?.iter().find(|p| p["key"] == key)
}

async fn receive(app: &TestApp, clerk: &Session, pid: &str, lookup_id: Option<i64>) -> reqwest::Response {
    let procedure = app.procedure(XAC_NHAN_HON_NHAN).await;
    let upload = app.upload_pdf(clerk, "tờ khai.pdf").await;
    app.post_as(
        clerk,
        "/api/v1/dossiers/counter",
        &json!({
            "procedure_code": XAC_NHAN_HON_NHAN,
            "applicant": {"full_name": "Nguyễn Văn An", "personal_id": pid},
            "form": valid_answers(&procedure["form"]),
            "attachments": [{"upload_id": upload, "component_code": "TP01", "checked_against_original": true}],
            "population_lookup_id": lookup_id,
        }),
    )
    .await
}

#[tokio::test]
async fn a_counter_lookup_fills_the_form_and_fails_closed_when_the_database_is_slow_or_down() {
    let (app, sim) = TestApp::spawn_with_sim(|c| {
        c.platform_timeout = Duration::from_millis(600);
        c.platform_breaker_failures = 3;
        c.platform_breaker_open = Duration::from_millis(1500);
    })
    .await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;

    // Found: the clerk's form fills itself, each value with its source.
    let found = lookup(&app, &clerk, "001090012345", "Nguyễn Văn An").await;
    assert_eq!(found["result"], "verified", "{found}");
    assert_eq!(found["person"]["full_name"], "Nguyễn Văn An");
    let p = &found["prefill"];
    assert_eq!(prefilled(p, "ngay_sinh").map(|v| &v["value"]), Some(&json!("1990-01-15")));
    assert_eq!(prefilled(p, "gioi_tinh").map(|v| &v["value"]), Some(&json!("nam")));
    assert_eq!(prefilled(p, "noi_cu_tru").map(|v| v["source"].clone()), Some(json!("population")));
    assert_eq!(prefilled(p, "ho_ten").map(|v| v["source"].clone()), Some(json!("identity")));
    let verified_id = found["lookup_id"].as_i64().expect("lookup id");

    // Not found, and bad input.
    let missing = lookup(&app, &clerk, "038090009999", "Người Không Có").await;
    assert_eq!((missing["result"].as_str(), missing["person"].is_null()), (Some("not_found"), true));
    let res = app
        .post_as(
            &clerk,
            "/api/v1/population/lookups",
            &json!({"personal_id": "12", "full_name": "", "procedure_code": "9.9"}),
        )
        .await;
    let body = expect_error(res, 422, "validation_failed").await;
    assert_eq!(body["details"].as_array().map(Vec::len), Some(3), "{body}");
    let citizen = app.citizen_session("038192004567", "Trần Thị Bích Ngọc").await;
    let res = app
        .post_as(
            &citizen,
            "/api/v1/population/lookups",
            &json!({"personal_id": "001090012345", "full_name": "Nguyễn Văn An", "procedure_code": XAC_NHAN_HON_NHAN}),
        )
        .await;
    expect_error(res, 403, "forbidden").await;

    // Slow: a timeout is "unknown", never "verified".
    sim.fault("csdldancu", json!({"latency_ms": 1500})).await;
    let slow = lookup(&app, &clerk, "001090012345", "Nguyễn Văn An").await;
    assert_eq!((slow["result"].as_str(), slow["reason"].as_str()), (Some("unknown"), Some("timeout")), "{slow}");
    assert!(slow["person"].is_null() && prefilled(&slow["prefill"], "ngay_sinh").is_none());
    let unknown_id = slow["lookup_id"].as_i64().expect("recorded");

    // Down: after three failures the circuit opens and calls fail at once.
    sim.fault("csdldancu", json!({"status": 503})).await;
    for _ in 0..2 {
        let down = lookup(&app, &clerk, "001090012345", "Nguyễn Văn An").await;
        assert_eq!(down["reason"], "server_error", "{down}");
    }
    let open = lookup(&app, &clerk, "001090012345", "Nguyễn Văn An").await;
    assert_eq!((open["result"].as_str(), open["reason"].as_str()), (Some("unknown"), Some("circuit_open")), "{open}");
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(metrics.contains("platform_circuit_open{peer=\"csdldancu\"} 1"), "{metrics}");
    sim.fault("csdldancu", json!({})).await;
    let still = lookup(&app, &clerk, "001090012345", "Nguyễn Văn An").await;
    assert_eq!(still["reason"], "circuit_open", "open until its time is up, even though the database is back");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let back = lookup(&app, &clerk, "001090012345", "Nguyễn Văn An").await;
    assert_eq!(back["result"], "verified", "the trial call closed the circuit: {back}");
    assert_eq!(lookup(&app, &clerk, "001090012345", "Nguyễn Văn An").await["result"], "verified");

    // Reception: a verified lookup of this person marks the dossier verified; manual entry is unverified.
    let res = receive(&app, &clerk, "001090012345", Some(verified_id)).await;
    let d: Value = res.json().await.expect("json");
    assert_eq!(d["population_verified"], true, "{d}");
    let res = receive(&app, &clerk, "001090012345", Some(unknown_id)).await;
    let d: Value = res.json().await.expect("json");
    assert_eq!(d["population_verified"], false, "{d}");
    let res = receive(&app, &clerk, "001090012345", None).await;
    let d: Value = res.json().await.expect("json");
    assert_eq!(d["population_verified"], false, "{d}");
    let res = receive(&app, &clerk, "038192004567", Some(verified_id)).await;
    let body = expect_error(res, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "body.population_lookup_id");

    // Every lookup recorded: who, why, masked; audited as an access to personal data; in the exchange log
    // with digests only.
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT requested_by, purpose, personal_id, result FROM population_lookup ORDER BY id")
            .fetch_all(&app.db)
            .await
            .expect("lookups");
    assert_eq!(rows.len(), 9);
    assert!(rows.iter().all(|r| r.0 == clerk.id.to_string() && r.1 == XAC_NHAN_HON_NHAN), "{rows:?}");
    assert!(rows.iter().all(|r| r.2.contains("******")), "{rows:?}");
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'population.lookup'")
        .fetch_one(&app.db)
        .await
        .expect("audit");
    assert_eq!(audited, 9);
    let results: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT result FROM exchange_log WHERE peer = 'csdldancu' ORDER BY result")
            .fetch_all(&app.db)
            .await
            .expect("log");
    assert_eq!(results, ["circuit_open", "http_error", "ok", "timeout"]);
    let leaked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM exchange_log WHERE exchange_log::text LIKE '%001090012345%'")
            .fetch_one(&app.db)
            .await
            .expect("log");
    assert_eq!(leaked, 0, "no personal ID in the exchange log");
}

#[tokio::test]
async fn a_citizens_form_is_prefilled_from_the_database_and_only_from_the_eid_when_it_does_not_answer() {
    let (app, sim) = TestApp::spawn_with_sim(|c| c.platform_timeout = Duration::from_millis(600)).await;
    app.seed().await;
    let citizen = app.citizen_session("038185009876", "Phạm Thị Thu Trang").await;
    sqlx::query("UPDATE citizen SET birth_date = '1985-09-11' WHERE id = $1")
        .bind(citizen.id)
        .execute(&app.db)
        .await
        .expect("birth date as in the population");
    let url = format!("/api/v1/procedures/{XAC_NHAN_HON_NHAN}/prefill");
    let answer: Value = app.get_as(&citizen, &url).await.json().await.expect("json");
    assert_eq!(answer["population"], "verified", "{answer}");
    let values = &answer["values"];
    assert_eq!(prefilled(values, "gioi_tinh").map(|v| &v["value"]), Some(&json!("nu")));
    assert_eq!(prefilled(values, "ngay_sinh").map(|v| &v["source"]), Some(&json!("population")));
    assert_eq!(prefilled(values, "so_dinh_danh").map(|v| &v["value"]), Some(&json!("038185009876")));

    sim.fault("csdldancu", json!({"status": 500})).await;
    let answer: Value = app.get_as(&citizen, &url).await.json().await.expect("json");
    assert_eq!((answer["population"].as_str(), answer["reason"].as_str()), (Some("unknown"), Some("server_error")));
    let sources: Vec<&str> =
        answer["values"].as_array().into_iter().flatten().filter_map(|v| v["source"].as_str()).collect();
    assert!(!sources.is_empty() && sources.iter().all(|s| *s == "identity"), "{answer}");
    let recorded: Vec<(String, String)> =
        sqlx::query_as("SELECT requested_by, result FROM population_lookup ORDER BY id")
            .fetch_all(&app.db)
            .await
            .expect("rows");
    assert_eq!(recorded, [("CONGDAN".to_owned(), "verified".to_owned()), ("CONGDAN".to_owned(), "unknown".to_owned())]);
    expect_error(app.get_as(&citizen, "/api/v1/procedures/9.999999/prefill").await, 404, "not_found").await;
}
