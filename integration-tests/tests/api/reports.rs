//! Counters and the national indicators on a hand-built set of dossiers, counted by hand here.

use integration_tests::{TestApp, expect_error};
use serde_json::Value;

use super::dossiers::counter_dossier;

async fn set(app: &TestApp, d: &Value, assignments: &str) {
    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE dossier SET {assignments} WHERE id = $1::uuid")))
        .bind(d["id"].as_str().unwrap_or_default())
        .execute(&app.db)
        .await
        .unwrap_or_else(|e| panic!("{assignments}: {e}"));
}

#[tokio::test]
async fn counters_and_indicators_match_a_hand_count_and_open_to_their_dossiers() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let leader = app.staff_session("hacthanh.chutich").await;
    let admin = app.staff_session("tinh.quantri").await;
    let mut d = Vec::new();
    for _ in 0..10 {
        d.push(counter_dossier(&app, &clerk).await);
    }
    // Every dossier received on 2 March 2026, 09:00 Vietnam time; the appointment 9 March, 17:00.
    let base = "submitted_at = '2026-03-02T02:00Z', received_at = '2026-03-02T02:00Z',
                clock_started_at = '2026-03-02T02:00Z', due_at = '2026-03-09T10:00Z'";
    for x in &d {
        set(&app, x, base).await;
    }
    // d0 early, d1 on time (same day), d2 late, d3 late although an apology moved the appointment later.
    set(&app, &d[0], "state = 'result_ready', finished_at = '2026-03-05T03:00Z'").await;
    set(&app, &d[1], "state = 'returned', finished_at = '2026-03-09T08:00Z', returned_at = '2026-03-10T02:00Z'").await;
    set(&app, &d[2], "state = 'result_ready', finished_at = '2026-03-10T03:00Z'").await;
    set(
        &app,
        &d[3],
        "state = 'result_ready', original_due_at = '2026-03-09T10:00Z', due_at = '2026-03-16T10:00Z', apologies = 1,
         finished_at = '2026-03-12T03:00Z'",
    )
    .await;
    // d4 in progress before its appointment at the end of March, d5 past it, d6 paused for a supplement.
    set(&app, &d[4], "state = 'in_processing', due_at = '2026-04-20T10:00Z'").await;
    set(&app, &d[5], "state = 'in_processing', due_at = '2026-03-20T10:00Z'").await;
    set(
        &app,
        &d[6],
        "state = 'supplement_requested', paused_at = '2026-03-05T02:00Z', paused_due_at = '2026-03-25T10:00Z', due_at = NULL",
    )
    .await;
    // d7 refused; d8 filed but not received yet; d9 received and finished in February (outside the period).
    set(&app, &d[7], "state = 'refused', finished_at = '2026-03-03T02:00Z'").await;
    set(&app, &d[8], "state = 'submitted', received_at = NULL, clock_started_at = NULL, due_at = NULL").await;
    set(
        &app,
        &d[9],
        "submitted_at = '2026-02-10T02:00Z', received_at = '2026-02-10T02:00Z', due_at = '2026-02-17T10:00Z',
         state = 'returned', finished_at = '2026-02-16T02:00Z', returned_at = '2026-02-17T02:00Z'",
    )
    .await;
    // Synced: d0–d3 delivered; population data: d0, d1; ratings: d1 5, d2 1; a complaint about d2.
    let ids: Vec<String> = d.iter().map(|x| x["id"].as_str().unwrap_or_default().to_owned()).collect();
    for id in &ids[..4] {
        sqlx::query("UPDATE outbox SET status = 'delivered', delivered_at = now() WHERE dossier_id = $1::uuid")
            .bind(id)
            .execute(&app.db)
            .await
            .expect("delivered");
    }
    for i in [0, 1] {
        set(&app, &d[i], "population_verified = true").await;
    }
    let citizen = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    for (i, score) in [(1, 5), (2, 1)] {
        sqlx::query("INSERT INTO dossier_rating (dossier_id, citizen_id, score, rated_at) VALUES ($1::uuid, $2, $3, '2026-03-11T02:00Z')")
            .bind(&ids[i])
            .bind(citizen.id)
            .bind(score as i16)
            .execute(&app.db)
            .await
            .expect("rating");
    }
    sqlx::query(
        "INSERT INTO feedback (dossier_id, citizen_id, kind, content, created_at)
         VALUES ($1::uuid, $2, 'kien_nghi', 'Hồ sơ trả kết quả chậm so với giấy hẹn.', '2026-03-11T03:00Z')",
    )
    .bind(&ids[2])
    .bind(citizen.id)
    .execute(&app.db)
    .await
    .expect("complaint");

    let agency = app.agency_id("H56.101").await;
    let query = format!("agency_id={agency}&from=2026-03-01&to=2026-03-31");
    expect_error(app.get_as(&clerk, &format!("/api/v1/reports/indicators?{query}")).await, 403, "forbidden").await;
    let report: Value =
        app.get_as(&leader, &format!("/api/v1/reports/indicators?{query}")).await.json().await.expect("json");
    assert_eq!((report["from"].as_str(), report["to"].as_str()), (Some("2026-03-01"), Some("2026-03-31")));
    let c = &report["counters"];
    let expected = [
        ("received", 8),
        ("received_counter", 8),
        ("received_online", 0),
        ("awaiting_reception", 1),
        ("refused", 1),
        ("finished_early", 1),
        ("finished_on_time", 1),
        ("finished_late", 2),
        ("in_progress_on_time", 1),
        ("in_progress_late", 1),
        ("paused", 1),
        ("returned", 1),
        ("with_digitised_components", 8),
        ("using_population_data", 2),
        ("synced", 4),
        ("with_fee", 0),
        ("ratings", 2),
        ("negative_ratings", 1),
        ("complaints", 1),
    ];
    for (k, v) in expected {
        assert_eq!(c[k], v, "{k}: {c}");
    }
    assert_eq!(c["average_rating"], 3.0);
    let points = |k: &str| {
        report["indicators"].as_array().and_then(|a| a.iter().find(|i| i["key"] == k)).map(|i| i["points"].clone())
    };
    // On time: (1 early + 1 on time + 1 in progress on time) / (4 finished + 2 in progress) = 50% of 20.
    assert_eq!(points("on_time"), Some(10.0.into()));
    assert_eq!(points("synced"), Some(9.0.into()), "4 / 8 of 18");
    assert_eq!(points("paid_online"), Some(10.0.into()), "no fee to pay: nothing done badly");
    // Satisfaction: 1 − (3 overdue + 1 complaint + 1 negative rating) / 6 = 1/6, under the 90% threshold.
    assert_eq!(points("satisfaction"), Some(3.33.into()));

    // Every figure opens to its dossiers.
    let late: Value = app
        .get_as(&leader, &format!("/api/v1/reports/dossiers?{query}&counter=finished_late"))
        .await
        .json()
        .await
        .expect("json");
    let codes: Vec<&str> = late.as_array().into_iter().flatten().filter_map(|x| x["code"].as_str()).collect();
    assert_eq!(codes.len(), 2);
    assert!(
        codes.contains(&d[2]["code"].as_str().unwrap_or_default())
            && codes.contains(&d[3]["code"].as_str().unwrap_or_default())
    );
    expect_error(
        app.get_as(&leader, &format!("/api/v1/reports/dossiers?{query}&counter=nope")).await,
        422,
        "validation_failed",
    )
    .await;
    expect_error(
        app.get_as(&leader, &format!("/api/v1/reports/indicators?agency_id={agency}&from=2026-04-01&to=2026-03-31"))
            .await,
        422,
        "validation_failed",
    )
    .await;

    // The province with its sub-agencies counts the commune's dossiers; without them, none.
    let province = app.agency_id("H56").await;
    let q = format!("agency_id={province}&from=2026-03-01&to=2026-03-31");
    let own: Value = app.get_as(&admin, &format!("/api/v1/reports/indicators?{q}")).await.json().await.expect("json");
    assert_eq!(own["counters"]["received"], 0);
    let all: Value = app
        .get_as(&admin, &format!("/api/v1/reports/indicators?{q}&include_sub_agencies=true"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["counters"]["received"], 8);

    // The public transparency figures: no sign-in, no personal data, the same counts.
    let res = app.get("/api/v1/public/statistics?from=2026-03-01&to=2026-03-31").await;
    assert_eq!(res.status(), 200);
    let public: Value = res.json().await.expect("json");
    assert_eq!((public["from"].as_str(), public["to"].as_str()), (Some("2026-03-01"), Some("2026-03-31")));
    assert_eq!(public["months"][0]["month"], "2026-03");
    assert_eq!(public["months"][0]["received"], 8);
    let commune = public["agencies"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["agency_id"] == agency.to_string()))
        .cloned()
        .expect("the commune is listed");
    assert_eq!((commune["received"].as_i64(), commune["finished_late"].as_i64()), (Some(8), Some(2)));
    assert_eq!(commune["average_rating"], 3.0);
    let text = public.to_string();
    assert!(!text.contains("Nguyễn") && !text.contains("038190001234"), "no personal data: {text}");

    // The same report as an Excel workbook, read back.
    let res = app.get_as(&leader, &format!("/api/v1/reports/indicators.xlsx?{query}")).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"].to_str().unwrap_or_default().contains("chi-so-2026-03-01-2026-03-31.xlsx")
    );
    let bytes = res.bytes().await.expect("bytes").to_vec();
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook");
    assert_eq!(book.sheet_names(), ["Chỉ số", "Số liệu"]);
    let sheet = book.worksheet_range("Chỉ số").expect("sheet");
    let at = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(at(3, 0), Data::String("Nhóm".into()));
    let on_time_row =
        (4..20).find(|r| at(*r, 1).to_string().starts_with("Hồ sơ giải quyết, đang giải quyết đúng hạn")).expect("row");
    assert_eq!(
        (at(on_time_row, 2), at(on_time_row, 3), at(on_time_row, 7)),
        (Data::Float(3.0), Data::Float(6.0), Data::Float(10.0))
    );
    let total_row = (4..30).find(|r| at(*r, 1) == Data::String("Tổng điểm".into())).expect("total");
    assert_eq!(at(total_row, 7), Data::Float(report["total_points"].as_f64().expect("total")));
    let figures = book.worksheet_range("Số liệu").expect("sheet");
    assert_eq!(figures.get_value((4, 0)), Some(&Data::String("Hồ sơ tiếp nhận".into())));
    assert_eq!(figures.get_value((4, 1)), Some(&Data::Float(8.0)));

    // And as a PDF, read back.
    let res = app.get_as(&leader, &format!("/api/v1/reports/indicators.pdf?{query}")).await;
    assert_eq!(res.status(), 200);
    let text = super::dossiers::pdf_text(&res.bytes().await.expect("bytes"));
    let total = report["total_points"].as_f64().expect("total");
    let total = format!("{total:.2}").trim_end_matches('0').trim_end_matches('.').replace('.', ",");
    for want in [
        "BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "từ ngày 01/03/2026 đến ngày 31/03/2026",
        "Hồ sơ tiếp nhận",
        "16,67%",
        &format!("Tổng điểm: {total} / 100"),
    ] {
        assert!(text.contains(want), "{want:?} missing from the report PDF:\n{text}");
    }
}

/// The day and month counters and the facts as they stand, in a stable order (to compare with a rebuild).
async fn report_tables(app: &TestApp) -> (String, String, String) {
    let counters = |table: &str| {
        format!(
            "SELECT string_agg(r::text, E'\\n' ORDER BY r::text) FROM {table} r WHERE r.received <> 0 OR r.refused <> 0
             OR r.withdrawn <> 0 OR r.stopped <> 0 OR r.finished_early <> 0 OR r.finished_on_time <> 0 OR r.finished_late <> 0
             OR r.returned <> 0 OR r.ratings <> 0 OR r.complaints <> 0 OR r.synced <> 0 OR r.processed <> 0"
        )
    };
    let mut out = Vec::new();
    for sql in [
        counters("report_daily"),
        "SELECT string_agg(f::text, E'\\n' ORDER BY f.dossier_id) FROM report_fact f".to_owned(),
        counters("report_monthly"),
    ] {
        let rows: Option<String> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&app.db).await.expect("report tables");
        out.push(rows.unwrap_or_default());
    }
    let monthly = out.pop().unwrap_or_default();
    let facts = out.pop().unwrap_or_default();
    (out.pop().unwrap_or_default(), facts, monthly)
}

/// Reports over long periods take their whole months from the month counters and the days at either end from
/// the day counters: for periods starting and ending anywhere in or across months, every counter equals a count
/// made directly on the dossiers, and the month counters equal the sums of the day counters.
#[tokio::test]
async fn periods_across_months_count_every_day_once() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let leader = app.staff_session("hacthanh.chutich").await;
    // Received at 09:00 Vietnam time on month edges, finished two days later (early: due after five).
    let days = [
        "2025-12-31",
        "2026-01-01",
        "2026-01-31",
        "2026-02-01",
        "2026-02-14",
        "2026-02-28",
        "2026-03-01",
        "2026-03-15",
        "2026-03-31",
        "2026-04-01",
        "2026-04-02",
        "2026-05-30",
    ];
    let mut ids = Vec::new();
    for day in days {
        let d = counter_dossier(&app, &clerk).await;
        set(
            &app,
            &d,
            &format!(
                "submitted_at = '{day}T02:00Z', received_at = '{day}T02:00Z', clock_started_at = '{day}T02:00Z',
                 due_at = '{day}T10:00Z'::timestamptz + interval '5 days', state = 'result_ready',
                 finished_at = '{day}T03:00Z'::timestamptz + interval '2 days'"
            ),
        )
        .await;
        ids.push(d["id"].as_str().unwrap_or_default().to_owned());
    }
    let agency: uuid::Uuid = sqlx::query_scalar("SELECT agency_id FROM dossier WHERE id = $1::uuid")
        .bind(&ids[0])
        .fetch_one(&app.db)
        .await
        .expect("agency");
    let monthly_is_daily_summed: bool = sqlx::query_scalar(
        "SELECT NOT EXISTS (
             (SELECT date_trunc('month', day)::date, agency_id, unit_id, procedure_code, field_code, channel,
                     sum(received), sum(finished_on_time), sum(processed) FROM report_daily GROUP BY 1, 2, 3, 4, 5, 6
              EXCEPT SELECT day, agency_id, unit_id, procedure_code, field_code, channel, received::bigint,
                     finished_on_time::bigint, processed::bigint FROM report_monthly)
             UNION ALL
             (SELECT day, agency_id, unit_id, procedure_code, field_code, channel, received::bigint,
                     finished_on_time::bigint, processed::bigint FROM report_monthly
              EXCEPT SELECT date_trunc('month', day)::date, agency_id, unit_id, procedure_code, field_code, channel,
                     sum(received), sum(finished_on_time), sum(processed) FROM report_daily GROUP BY 1, 2, 3, 4, 5, 6))",
    )
    .fetch_one(&app.db)
    .await
    .expect("compare");
    assert!(monthly_is_daily_summed, "report_monthly holds the month sums of report_daily");
    let periods = [
        ("2025-12-01", "2026-05-31"),
        ("2025-12-31", "2026-04-01"),
        ("2026-01-01", "2026-01-31"),
        ("2026-01-02", "2026-03-31"),
        ("2026-02-01", "2026-02-28"),
        ("2026-02-02", "2026-02-27"),
        ("2026-02-14", "2026-02-14"),
        ("2026-03-01", "2026-03-01"),
        ("2026-01-31", "2026-04-01"),
        ("2026-03-16", "2026-05-31"),
    ];
    for (from, to) in periods {
        let report: Value = app
            .get_as(&leader, &format!("/api/v1/reports/indicators?agency_id={agency}&from={from}&to={to}"))
            .await
            .json()
            .await
            .expect("json");
        let (received, finished): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE vn_day(received_at) BETWEEN $1::date AND $2::date),
                    count(*) FILTER (WHERE vn_day(finished_at) BETWEEN $1::date AND $2::date)
               FROM dossier WHERE agency_id = $3",
        )
        .bind(from)
        .bind(to)
        .bind(agency)
        .fetch_one(&app.db)
        .await
        .expect("count");
        let c = &report["counters"];
        assert_eq!(
            (c["received"].as_i64(), c["finished_early"].as_i64(), c["finished_on_time"].as_i64()),
            (Some(received), Some(finished), Some(0)),
            "{from} to {to}: {c}"
        );
        assert!(received > 0 || from == "2026-02-02", "the periods were chosen to hold dossiers: {from} to {to}");
        // The month breakdown and the public page's months add up to the same.
        let by_month: Value = app
            .get_as(&leader, &format!("/api/v1/reports/breakdown?agency_id={agency}&from={from}&to={to}&by=month"))
            .await
            .json()
            .await
            .expect("json");
        let sum: i64 = by_month["groups"]
            .as_array()
            .map(|g| g.iter().filter_map(|x| x["counters"]["received"].as_i64()).sum())
            .unwrap_or(-1);
        assert_eq!(sum, received, "{from} to {to}: months {by_month}");
    }
}

#[tokio::test]
async fn counters_kept_change_by_change_equal_a_rebuild_and_break_down_by_channel_procedure_unit_and_month() {
    use super::dossiers::act_ok;
    use integration_tests::valid_answers;
    use serde_json::json;
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let leader = app.staff_session("hacthanh.chutich").await;
    let citizen = app.citizen_session("001090012345", "Nguyễn Văn An").await;
    // Three at the counter (one refused, one through to the result and returned), two online (one accepted,
    // asked for a supplement; one waiting), then a rating and a complaint.
    let returned = counter_dossier(&app, &clerk).await;
    let refused = counter_dossier(&app, &clerk).await;
    let _open = counter_dossier(&app, &clerk).await;
    let _ = act_ok(&app, &clerk, &refused, "refuse", json!({"reason": "Không thuộc thẩm quyền"})).await;
    let d = act_ok(&app, &clerk, &returned, "hand_over", json!({})).await;
    let d = act_ok(&app, &officer, &d, "hand_over", json!({})).await;
    let d = act_ok(&app, &officer, &d, "submit_for_approval", json!({})).await;
    let d = act_ok(&app, &leader, &d, "approve", json!({})).await;
    let d = act_ok(&app, &clerk, &d, "return_result", json!({"delivery": "in_person"})).await;
    let procedure = app.procedure("1.004873").await;
    let agency = app.agency_id("H56.101").await;
    let mut online = Vec::new();
    for _ in 0..2 {
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
        online.push(res.json::<Value>().await.expect("json"));
    }
    let o = act_ok(&app, &clerk, &online[0], "accept", json!({})).await;
    let _ = act_ok(&app, &clerk, &o, "request_supplement", json!({"reason": "Thiếu", "items": ["Ảnh 4x6"]})).await;
    app.drain_outbox().await;
    sqlx::query(
        "INSERT INTO feedback (dossier_id, citizen_id, kind, content) VALUES ($1::uuid, $2, 'kien_nghi', 'Giải quyết chậm quá hạn hẹn.')",
    )
    .bind(online[0]["id"].as_str().unwrap_or_default())
    .bind(citizen.id)
    .execute(&app.db)
    .await
    .expect("complaint");

    // Change by change, the day counters came out as a rebuild from the base tables makes them.
    let kept = report_tables(&app).await;
    assert!(kept.0.lines().count() >= 2 && kept.1.lines().count() == 5, "the tables hold the day rows and five facts");
    assert!(kept.2.lines().count() >= 1, "and the month rows");
    sqlx::query("SELECT report_rebuild()").execute(&app.db).await.expect("rebuild");
    assert_eq!(kept, report_tables(&app).await, "incremental counters equal a rebuild");

    let today = time::OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(7, 0, 0).expect("offset")).date();
    let q = format!("agency_id={agency}&from={today}&to={today}");
    let by = |dim: &str| format!("/api/v1/reports/breakdown?{q}&by={dim}");
    let groups = |b: &Value| b["groups"].as_array().cloned().unwrap_or_default();
    let find = |b: &Value, key: &str| groups(b).into_iter().find(|g| g["key"] == key).unwrap_or(Value::Null);

    let channels: Value = app.get_as(&leader, &by("channel")).await.json().await.expect("json");
    let counter = find(&channels, "1");
    assert_eq!((counter["label"].as_str(), counter["counters"]["received"].as_i64()), (Some("Trực tiếp"), Some(3)));
    assert_eq!((counter["counters"]["refused"].as_i64(), counter["counters"]["returned"].as_i64()), (Some(1), Some(1)));
    let web = find(&channels, "2");
    assert_eq!((web["label"].as_str(), web["counters"]["received"].as_i64()), (Some("Trực tuyến"), Some(1)));
    assert_eq!(
        (web["counters"]["awaiting_reception"].as_i64(), web["counters"]["paused"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(web["counters"]["complaints"], 1);

    let procedures: Value = app.get_as(&leader, &by("procedure")).await.json().await.expect("json");
    assert_eq!(groups(&procedures)[0]["key"], "1.000894", "the biggest first");
    assert_eq!(find(&procedures, "1.004873")["label"], "Cấp Giấy xác nhận tình trạng hôn nhân");
    let months: Value = app.get_as(&leader, &by("month")).await.json().await.expect("json");
    let month = format!("{:04}-{:02}", today.year(), u8::from(today.month()));
    assert_eq!(find(&months, &month)["counters"]["received"], 4);
    assert_eq!(find(&months, &month)["label"], format!("{:02}/{:04}", u8::from(today.month()), today.year()));
    let units: Value = app.get_as(&leader, &by("unit")).await.json().await.expect("json");
    let total: i64 = groups(&units).iter().filter_map(|g| g["counters"]["received"].as_i64()).sum();
    assert_eq!(total, 4, "every received dossier is in one unit");
    assert!(groups(&units).iter().all(|g| g["label"].as_str().is_some_and(|l| !l.is_empty())));

    // The whole: the same numbers as the indicators report; the finished one has its working days.
    let report: Value =
        app.get_as(&leader, &format!("/api/v1/reports/indicators?{q}")).await.json().await.expect("json");
    assert_eq!(report["counters"]["received"], 4);
    assert!(report["counters"]["average_processing_days"].as_f64().is_some_and(|d| d >= 0.0), "{report}");
    let _ = d;
    expect_error(app.get_as(&clerk, &by("channel")).await, 403, "forbidden").await;
    expect_error(app.get_as(&leader, &by("colour")).await, 400, "bad_request").await;
}

#[tokio::test]
async fn the_other_counters_and_thresholded_indicators_match_a_hand_count() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let leader = app.staff_session("hacthanh.chutich").await;
    let mut d = Vec::new();
    for _ in 0..6 {
        d.push(counter_dossier(&app, &clerk).await);
    }
    // All received 2 March 2026, appointment 9 March 17:00 (Vietnam time).
    let base = "submitted_at = '2026-03-02T02:00Z', received_at = '2026-03-02T02:00Z',
                clock_started_at = '2026-03-02T02:00Z', due_at = '2026-03-09T10:00Z'";
    for x in &d {
        set(&app, x, base).await;
    }
    // d0 online, with a fee paid online, an electronic result, finished in 3.5 working days, early.
    set(
        &app,
        &d[0],
        "channel = 2, source = 'portal', fees_total = 10000, payment_state = 'paid_online', state = 'result_ready',
         finished_at = '2026-03-05T06:00Z', processing_days = 3.5",
    )
    .await;
    sqlx::query(
        "INSERT INTO attachment (dossier_id, role, component_code, file_name, kind, size, sha256, object_key, added_by_kind)
         SELECT dossier_id, 'result', 'KQ01', 'ket-qua.pdf', 'pdf', size, sha256, object_key, 'system'
           FROM attachment WHERE dossier_id = $1::uuid LIMIT 1",
    )
    .bind(d[0]["id"].as_str().unwrap_or_default())
    .execute(&app.db)
    .await
    .expect("result");
    // d1 by post, with a fee paid in cash, reusing a document of d0's; finished on time in 5.5 working days.
    set(
        &app,
        &d[1],
        "channel = 3, source = 'post', fees_total = 10000, payment_state = 'paid_other', state = 'returned',
         finished_at = '2026-03-09T09:00Z', returned_at = '2026-03-09T09:30Z', processing_days = 5.5",
    )
    .await;
    sqlx::query(
        "INSERT INTO attachment (dossier_id, role, component_code, file_name, kind, size, sha256, object_key, added_by_kind, reused_from)
         SELECT $2::uuid, 'component', component_code, file_name, kind, size, sha256, object_key, 'citizen', id
           FROM attachment WHERE dossier_id = $1::uuid AND role = 'component' LIMIT 1",
    )
    .bind(d[0]["id"].as_str().unwrap_or_default())
    .bind(d[1]["id"].as_str().unwrap_or_default())
    .execute(&app.db)
    .await
    .expect("reuse");
    // d2 withdrawn, d3 stopped; d4 paused for a supplement and its appointment moved out of March by the pause:
    // still in progress, counted as paused, not late; d5 in progress past its appointment.
    set(&app, &d[2], "state = 'withdrawn', finished_at = '2026-03-04T02:00Z'").await;
    set(&app, &d[3], "state = 'stopped', finished_at = '2026-03-06T02:00Z'").await;
    set(
        &app,
        &d[4],
        "state = 'supplement_requested', paused_at = '2026-03-04T02:00Z', paused_due_at = '2026-03-09T10:00Z', due_at = NULL",
    )
    .await;
    set(&app, &d[5], "state = 'in_processing', due_at = '2026-03-20T10:00Z'").await;

    let agency = app.agency_id("H56.101").await;
    let query = format!("agency_id={agency}&from=2026-03-01&to=2026-03-31");
    let report: Value =
        app.get_as(&leader, &format!("/api/v1/reports/indicators?{query}")).await.json().await.expect("json");
    let c = &report["counters"];
    for (k, v) in [
        ("received", 6),
        ("received_counter", 4),
        ("received_online", 1),
        ("received_post", 1),
        ("withdrawn", 1),
        ("stopped", 1),
        ("finished_early", 1),
        ("finished_on_time", 1),
        ("finished_late", 0),
        ("in_progress_on_time", 0),
        ("in_progress_late", 1),
        ("paused", 1),
        ("returned", 1),
        ("with_fee", 2),
        ("paid_online", 1),
        ("reusing_documents", 1),
        ("with_electronic_result", 1),
    ] {
        assert_eq!(c[k], v, "{k}: {c}");
    }
    assert_eq!(c["average_processing_days"], 4.5, "(3.5 + 5.5) / 2");
    let ind = |k: &str| {
        report["indicators"].as_array().and_then(|a| a.iter().find(|i| i["key"] == k)).cloned().unwrap_or(Value::Null)
    };
    // Without a threshold, points = rate × max: 1 of 2 paid online → 5 of 10; 1 of 6 filed online → 1 of 6.
    assert_eq!(ind("paid_online")["points"], 5.0);
    assert_eq!(ind("dossiers_online")["points"], 1.0);
    // With a threshold T, points = max when rate ≥ T, else rate / T × max: every received dossier has digitised
    // components (6/6 ≥ 80%): full points; satisfaction 1 − 1/3 overdue = 66.67% < 90% → 0.6667 / 0.9 × 18.
    assert_eq!(ind("digitised_components")["rate"], 1.0);
    assert_eq!(ind("digitised_components")["points"], ind("digitised_components")["max_points"]);
    assert_eq!(ind("satisfaction")["points"], 13.33);
    // Procedures offered online against the 80% threshold: the ward's catalogue, counted by hand from the seed
    // (16 commune-level procedures).
    assert_eq!(c["procedures"], 16);
    let (all, online) = (c["procedures"].as_f64().expect("n"), c["procedures_online"].as_f64().expect("n"));
    let rate = online / all;
    let expected = if rate >= 0.8 { 6.0 } else { (rate / 0.8 * 6.0 * 100.0).round() / 100.0 };
    assert_eq!(ind("procedures_online")["points"], expected);
    // The paused one's list, and the late one's.
    let paused: Value = app
        .get_as(&leader, &format!("/api/v1/reports/dossiers?{query}&counter=paused"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(paused[0]["code"], d[4]["code"]);
    let late: Value = app
        .get_as(&leader, &format!("/api/v1/reports/dossiers?{query}&counter=in_progress_late"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(late.as_array().map(Vec::len), Some(1));
    assert_eq!(late[0]["code"], d[5]["code"]);
}
