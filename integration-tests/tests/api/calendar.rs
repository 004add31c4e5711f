//! The working calendar over HTTP: the holidays loaded by `migrate`, and deadlines computed with them.

use integration_tests::{TestApp, expect_error};
use serde_json::json;

async fn deadline(app: &TestApp, received_at: &str, channel: &str, unit: &str, value: u32) -> serde_json::Value {
    let res = app
        .post_json(
            "/api/v1/calendar/deadline",
            &json!({"received_at": received_at, "channel": channel, "statutory_time": {"unit": unit, "value": value}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

#[tokio::test]
async fn migrate_loads_the_2026_and_2027_holidays() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/calendar/days?from=2026-02-01&to=2026-02-28").await;
    assert_eq!(res.status(), 200);
    let days: Vec<serde_json::Value> = res.json().await.expect("json");
    let tet: Vec<&str> = days.iter().filter(|d| d["kind"] == "day_off").filter_map(|d| d["day"].as_str()).collect();
    // Civil servants were off 14–22 Feb 2026 (weekends included).
    assert_eq!(
        tet,
        [
            "2026-02-14",
            "2026-02-15",
            "2026-02-16",
            "2026-02-17",
            "2026-02-18",
            "2026-02-19",
            "2026-02-20",
            "2026-02-21",
            "2026-02-22"
        ]
    );
    assert!(days.iter().all(|d| d["name"].as_str().is_some_and(|n| n.contains("Tết"))), "{days:?}");

    let res = app.get("/api/v1/calendar/days?from=2027-04-01&to=2027-04-30").await;
    let days: Vec<serde_json::Value> = res.json().await.expect("json");
    // Giỗ Tổ Hùng Vương, 10/3 lunar = Friday 16 April 2027.
    assert!(
        days.iter().any(|d| d["day"] == "2027-04-16" && d["name"].as_str().is_some_and(|n| n.contains("Hùng Vương")))
    );
}

#[tokio::test]
async fn a_counter_dossier_after_15h_before_tet_is_due_after_the_holiday() {
    let app = TestApp::spawn().await;
    // Friday 13 Feb 2026, 15:30 at the counter: after the cut-off, so it counts from the next working day,
    // which is Monday 23 Feb (14–22 Feb off). Three working days: due Wednesday 25 Feb 17:00.
    let d = deadline(&app, "2026-02-13T15:30:00+07:00", "counter", "working_days", 3).await;
    assert_eq!(d["counted_from"], "2026-02-23T07:30:00+07:00");
    assert_eq!(d["due"], "2026-02-25T17:00:00+07:00");
    assert_eq!(d["working_minutes"], 3 * 8 * 60);
    // The same moment online: counted from 15:30 (inside working hours), across the holiday.
    let d = deadline(&app, "2026-02-13T08:30:00Z", "online", "working_hours", 4).await;
    assert_eq!(d["counted_from"], "2026-02-13T15:30:00+07:00");
    // 1.5 h left on Friday, 2.5 h more from Monday 23 Feb 07:30 → 10:00.
    assert_eq!(d["due"], "2026-02-23T10:00:00+07:00");
}

#[tokio::test]
async fn an_admin_edit_changes_later_deadlines() {
    let app = TestApp::spawn().await;
    let before = deadline(&app, "2026-03-02T08:00:00+07:00", "counter", "working_days", 1).await;
    // Monday 2 March 08:00 + 8 working hours = Tuesday 3 March 08:00.
    assert_eq!(before["due"], "2026-03-03T08:00:00+07:00");
    sqlx::query(
        "INSERT INTO calendar_day (day, kind, name, source) VALUES ('2026-03-02', 'day_off', 'Nghỉ đột xuất', 'admin')",
    )
    .execute(&app.db)
    .await
    .expect("insert");
    let after = deadline(&app, "2026-03-02T08:00:00+07:00", "counter", "working_days", 1).await;
    // With 2 March off, the clock starts Tuesday 07:30 and the day ends at 17:00.
    assert_eq!(after["counted_from"], "2026-03-03T07:30:00+07:00");
    assert_eq!(after["due"], "2026-03-03T17:00:00+07:00");
}

#[tokio::test]
async fn bad_deadline_requests_name_the_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/api/v1/calendar/deadline",
            &json!({"received_at": "2026-03-02T08:00:00+07:00", "channel": "counter", "statutory_time": {"unit": "working_days", "value": 0}}),
        )
        .await;
    let body = expect_error(res, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "body.statutory_time.value");
    assert_eq!(body["details"][0]["code"], "out_of_range");

    let res = app
        .post_json(
            "/api/v1/calendar/deadline",
            &json!({"received_at": "2026-03-02T08:00:00+07:00", "channel": "fax", "statutory_time": {"unit": "working_days", "value": 1}}),
        )
        .await;
    let body = expect_error(res, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "body.channel");

    let res = app.post_json("/api/v1/calendar/deadline", &json!({"channel": "counter"})).await;
    let body = expect_error(res, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["code"], "required");

    let body =
        expect_error(app.get("/api/v1/calendar/days?from=2026-13-01&to=2026-12-31").await, 400, "bad_request").await;
    assert_eq!(body["details"][0]["field"], "query");
    let body =
        expect_error(app.get("/api/v1/calendar/days?from=2026-12-01&to=2026-01-31").await, 422, "validation_failed")
            .await;
    assert_eq!(body["details"][0]["field"], "query.to");
}

#[tokio::test]
async fn administrators_edit_the_calendar_and_working_hours() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let admin = app.staff_session("tinh.quantri").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let ward_admin = app.staff_session("hacthanh.quantri").await;
    let other_admin = app.staff_session("stp.quantri").await;

    // A clerk may not edit the calendar; the system administrator may.
    let body = json!({"kind": "day_off", "name": "Nghỉ lễ đột xuất"});
    expect_error(
        app.client.put(app.url("/api/v1/calendar/days/2026-03-02")).json(&body).send().await.expect("sent"),
        401,
        "unauthenticated",
    )
    .await;
    let put = |s: &integration_tests::Session, path: &str, body: serde_json::Value| {
        app.client
            .put(app.url(path))
            .header("cookie", format!("motcua_session={}", s.cookie))
            .header("x-csrf-token", s.csrf.clone())
            .json(&body)
            .send()
    };
    expect_error(put(&clerk, "/api/v1/calendar/days/2026-03-02", body.clone()).await.expect("sent"), 403, "forbidden")
        .await;
    let res = put(&admin, "/api/v1/calendar/days/2026-03-02", body.clone()).await.expect("sent");
    assert_eq!(res.status(), 200);
    let d = deadline(&app, "2026-03-02T08:00:00+07:00", "counter", "working_days", 1).await;
    assert_eq!(d["due"], "2026-03-03T17:00:00+07:00", "2 March is now a day off");
    // A weekday cannot be a swapped working day.
    let res = put(&admin, "/api/v1/calendar/days/2026-03-04", json!({"kind": "working_day", "name": "Làm bù"}))
        .await
        .expect("sent");
    let err = expect_error(res, 422, "validation_failed").await;
    assert_eq!(err["details"][0]["field"], "body.kind");

    // Working hours: the ward's administrator for the ward only.
    let ward = app.agency_id("H56.101").await;
    let hours = json!({"morning_start": "07:00", "morning_end": "11:00", "afternoon_start": "13:30", "afternoon_end": "17:30", "paper_cutoff": "15:30"});
    let path = format!("/api/v1/agencies/{ward}/working-hours");
    expect_error(put(&other_admin, &path, hours.clone()).await.expect("sent"), 403, "forbidden").await;
    assert_eq!(put(&ward_admin, &path, hours).await.expect("sent").status(), 200);
    let bad = json!({"morning_start": "11:00", "morning_end": "07:00", "afternoon_start": "13:30", "afternoon_end": "17:30", "paper_cutoff": "15:30"});
    expect_error(put(&ward_admin, &path, bad).await.expect("sent"), 422, "validation_failed").await;

    // Every calendar edit is in the audit log.
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'calendar.%'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(audited, 2);
}
