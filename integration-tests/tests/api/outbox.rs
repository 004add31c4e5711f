//! Every dossier change writes its national-portal messages to the outbox, in the same transaction.

use integration_tests::TestApp;
use serde_json::{Value, json};

use super::dossiers::{act_ok, counter_dossier};

fn all_strings(v: &Value, path: &str) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| all_strings(x, &format!("{path}.{k}"))),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| all_strings(x, &format!("{path}[{i}]"))),
        Value::String(_) => {}
        other => panic!("{path} is not a string: {other}"),
    }
}

#[tokio::test]
async fn a_journey_writes_ordered_snapshots_in_the_national_format() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let leader = app.staff_session("hacthanh.chutich").await;
    let d = counter_dossier(&app, &clerk).await;
    let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    let d = act_ok(&app, &officer, &d, "hand_over", json!({"note": "Đủ điều kiện"})).await;
    let d = act_ok(&app, &officer, &d, "submit_for_approval", json!({})).await;
    let d = act_ok(&app, &leader, &d, "approve", json!({})).await;
    let d = act_ok(&app, &clerk, &d, "return_result", json!({})).await;

    let rows: Vec<(i32, String, Value, String)> =
        sqlx::query_as("SELECT seq, operation, payload, status FROM outbox WHERE dossier_id = $1::uuid ORDER BY seq")
            .bind(d["id"].as_str().unwrap_or_default())
            .fetch_all(&app.db)
            .await
            .expect("outbox");
    // Six changes, two messages each, numbered in order, all pending (the relay delivers them).
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().enumerate().all(|(i, r)| r.0 == i as i32 + 1 && r.3 == "pending"));
    let statuses: Vec<String> = rows
        .iter()
        .filter(|r| r.1 == "DongBoHoSoMC")
        .map(|r| r.2["data"][0]["TrangThaiHoSo"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(statuses, ["2", "4", "4", "4", "9", "10"]);
    assert_eq!(rows[0].2["isUpdating"], "False");
    assert!(rows.iter().skip(1).filter(|r| r.1 == "DongBoHoSoMC").all(|r| r.2["isUpdating"] == "True"));

    for (_, _, payload, _) in &rows {
        all_strings(payload, "payload");
    }
    let first = &rows[0].2["data"][0];
    assert_eq!(first["MaHoSo"], d["code"]);
    assert_eq!(first["MaTTHC"], "1.000894");
    assert_eq!(first["KenhThucHien"], "1");
    assert_eq!(first["ChuHoSo"], "Nguyễn Thị Bích Ngọc");
    assert_eq!(first["HoSoCoThanhPhanSoHoa"], "1");
    assert_eq!(first["TaiLieuNop"][0]["MaThanhPhanHoSo"], "TP01");
    let is_date = |v: &Value| v.as_str().is_some_and(|s| s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()));
    assert!(is_date(&first["NgayNopHoSo"]) && is_date(&first["NgayHenTra"]), "{first}");
    assert_eq!(first["NgayTra"], "", "an absent date is empty");
    let last = &rows[10].2["data"][0];
    assert!(is_date(&last["NgayTra"]), "{last}");
    let progress = &rows[5].2["data"][0];
    assert_eq!(progress["NguoiXuLy"], "Vũ Đình Quý");
    assert!(progress["NoiDungXuLy"].as_str().is_some_and(|s| s.contains("Đủ điều kiện")), "{progress}");
    assert!(is_date(&progress["ThoiDiemXuLy"]) && is_date(&progress["NgayKetThucTheoQuyDinh"]), "{progress}");
}

#[tokio::test]
async fn a_refused_action_leaves_no_outbox_row() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = counter_dossier(&app, &clerk).await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox").fetch_one(&app.db).await.expect("count");
    let res = super::dossiers::act(&app, &clerk, &d, "approve", json!({})).await;
    assert_eq!(res.status(), 409);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox").fetch_one(&app.db).await.expect("count");
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_relay_delivers_a_whole_life_in_order_and_retries_when_the_portal_fails() {
    let (app, stand_ins) = TestApp::spawn_with_stand_ins(|_| {}).await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let d = counter_dossier(&app, &clerk).await;
    let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;

    // The portal is failing: the messages stay pending, rescheduled, nothing lost.
    let sim = reqwest::Client::new();
    let faults = format!("{}/_sim/faults/dvcqg", stand_ins.sim_url);
    sim.put(&faults).json(&json!({"status": 503})).send().await.expect("fault on");
    assert_eq!(app.drain_outbox().await, 1, "only the dossier's first message is tried: order is kept");
    let (status, attempts): (String, i32) = sqlx::query_as("SELECT status, attempts FROM outbox ORDER BY seq LIMIT 1")
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert_eq!((status.as_str(), attempts), ("pending", 1));

    // Back up: everything is delivered, in order, once the retry is due.
    sim.put(&faults).json(&json!({})).send().await.expect("fault off");
    sqlx::query("UPDATE outbox SET next_attempt_at = now()").execute(&app.db).await.expect("due now");
    let _ = act_ok(&app, &officer, &d, "hand_over", json!({})).await;
    assert_eq!(app.drain_outbox().await, 6);
    let received: Vec<Value> = sim
        .get(format!("{}/_sim/portal/messages", stand_ins.sim_url))
        .send()
        .await
        .expect("messages")
        .json()
        .await
        .expect("json");
    let ops: Vec<(String, String)> = received
        .iter()
        .map(|m| {
            let item = &m["item"];
            let status = item["TrangThaiHoSo"].as_str().or(item["TrangThai"].as_str()).unwrap_or_default();
            (m["operation"].as_str().unwrap_or_default().to_owned(), status.to_owned())
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("DongBoHoSoMC".to_owned(), "2".to_owned()),
            ("CapNhatTienDoHoSoMC".to_owned(), "2".to_owned()),
            ("DongBoHoSoMC".to_owned(), "4".to_owned()),
            ("CapNhatTienDoHoSoMC".to_owned(), "4".to_owned()),
            ("DongBoHoSoMC".to_owned(), "4".to_owned()),
            ("CapNhatTienDoHoSoMC".to_owned(), "4".to_owned()),
        ]
    );
    // The portal stand-in validated every field and format; file links are absolute.
    let link = received[0]["item"]["TaiLieuNop"][0]["DuongDanTaiTepTin"].as_str().unwrap_or_default();
    assert!(link.starts_with(&app.base_url), "{link}");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status <> 'delivered'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn while_the_portals_circuit_is_open_the_relay_sends_nothing_and_counts_no_attempt() {
    let (app, stand_ins) = TestApp::spawn_with_stand_ins(|c| {
        c.platform_breaker_failures = 1;
        c.platform_breaker_open = std::time::Duration::from_secs(300);
    })
    .await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    for _ in 0..3 {
        counter_dossier(&app, &clerk).await;
    }
    let sim = reqwest::Client::new();
    let faults = format!("{}/_sim/faults/dvcqg", stand_ins.sim_url);
    sim.put(&faults).json(&json!({"status": 503})).send().await.expect("fault on");

    // One relay, so one circuit: the first message fails and opens it; the batch stops at the second.
    let platform = app.platform();
    let relay = || motcua::national::relay::deliver_batch(&app.db, &platform, &app.base_url);
    assert_eq!(relay().await.expect("relay"), 1, "one message sent, the rest not tried");
    sim.put(&faults).json(&json!({})).send().await.expect("fault off");
    for _ in 0..3 {
        assert_eq!(relay().await.expect("relay"), 0, "nothing goes out while the circuit is open");
    }
    // Only the message that really went out counts an attempt and waits for its backoff; the others are due
    // as they were, so they go out as soon as the circuit lets a call through.
    let rows: Vec<(i32, bool, Option<String>)> = sqlx::query_as(
        "SELECT attempts, next_attempt_at <= now(), last_error FROM outbox o
          WHERE NOT EXISTS (SELECT 1 FROM outbox p WHERE p.dossier_id = o.dossier_id AND p.seq < o.seq)
          ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("rows");
    assert_eq!(
        rows,
        [(1, false, Some("HTTP 503".to_owned())), (0, true, None), (0, true, None)],
        "attempts, due, last error of each dossier's first message"
    );
    let results: Vec<(String, i64)> =
        sqlx::query_as("SELECT result, count(*) FROM exchange_log WHERE peer = 'dvcqg' GROUP BY 1 ORDER BY 1")
            .fetch_all(&app.db)
            .await
            .expect("log");
    assert_eq!(results, [("circuit_open".to_owned(), 4), ("http_error".to_owned(), 1)], "every refusal is logged");
    let received = stand_ins.portal_messages().await;
    assert!(received.is_empty(), "{received:?}");
}
