//! The national portal, both directions, against the portal stand-in: delivery through outages and duplicates,
//! dead letters fixed and replayed, two relays at once, dossiers pushed to us, the change feed, reconciliation.

use std::time::Duration;

use base64::Engine;
use integration_tests::{StandIns, TestApp, expect_error};
use serde_json::{Value, json};

use super::dossiers::{act_ok, counter_dossier};

fn text<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

/// The messages the portal received about `code`, consecutive repeats dropped (a repeat changes nothing there).
pub fn effective(messages: &[Value], code: &str) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    for m in messages.iter().filter(|m| m["item"]["MaHoSo"] == code) {
        let entry = (text(m, "operation").to_owned(), m["item"].clone());
        if out.last() != Some(&entry) {
            out.push(entry);
        }
    }
    out
}

/// What our outbox holds for the dossier, in delivery order, with links as the relay sends them.
pub async fn ours(app: &TestApp, code: &str) -> Vec<(String, Value)> {
    let rows: Vec<(String, Value)> = sqlx::query_as(
        "SELECT o.operation, o.payload FROM outbox o JOIN dossier d ON d.id = o.dossier_id WHERE d.code = $1 ORDER BY o.seq",
    )
    .bind(code)
    .fetch_all(&app.db)
    .await
    .expect("outbox");
    rows.into_iter()
        .map(|(op, mut payload)| {
            let item = &mut payload["data"][0];
            motcua::national::outbox::absolute_links(item, &app.base_url);
            (op, item.clone())
        })
        .collect()
}

async fn undelivered(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status <> 'delivered'")
        .fetch_one(&app.db)
        .await
        .expect("count")
}

async fn due_now(app: &TestApp) {
    sqlx::query("UPDATE outbox SET next_attempt_at = now() WHERE status = 'pending'")
        .execute(&app.db)
        .await
        .expect("due");
}

#[tokio::test]
async fn an_outage_then_recovery_delivers_everything_in_order_and_duplicates_are_harmless() {
    let (app, sim) = TestApp::spawn_with_sim(|c| {
        c.platform_timeout = Duration::from_millis(700);
        c.platform_breaker_failures = 1000;
    })
    .await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let a = counter_dossier(&app, &clerk).await;
    let b = counter_dossier(&app, &clerk).await;

    // The portal is down: nothing is delivered, nothing is lost.
    sim.fault("dvcqg", json!({"down": true})).await;
    let a = act_ok(&app, &clerk, &a, "hand_over", json!({})).await;
    app.drain_outbox().await;
    assert_eq!(undelivered(&app).await, 6);
    let (attempts, error): (i32, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM outbox ORDER BY id LIMIT 1")
            .fetch_one(&app.db)
            .await
            .expect("row");
    assert!(attempts >= 1 && error.as_deref() == Some("timeout"), "{attempts} {error:?}");

    // It comes back but its answers get lost: it processes each message and we retry it (a duplicate).
    sim.fault("dvcqg", json!({"drop_response": true})).await;
    due_now(&app).await;
    app.drain_outbox().await;
    sim.fault("dvcqg", json!({})).await;
    due_now(&app).await;
    let b = act_ok(&app, &clerk, &b, "hand_over", json!({})).await;
    let _ = act_ok(&app, &officer, &a, "hand_over", json!({"note": "Đủ điều kiện giải quyết"})).await;
    app.drain_outbox().await;
    assert_eq!(undelivered(&app).await, 0, "everything is delivered after the outage");

    let messages = sim.portal_messages().await;
    for d in [&a, &b] {
        let code = text(d, "code");
        let ours = ours(&app, code).await;
        assert_eq!(effective(&messages, code), ours, "{code}: in order, nothing lost, nothing extra");
    }
    let total: usize = messages.len();
    let distinct = effective(&messages, text(&a, "code")).len() + effective(&messages, text(&b, "code")).len();
    assert!(total > distinct, "the dropped answers made the portal receive repeats ({total} > {distinct})");
    // What the portal holds is the latest state.
    let (_, holdings) = sim.call("GET", "/_sim/portal/holdings", None).await;
    assert_eq!(holdings[text(&a, "code")]["TrangThaiHoSo"], "4");

    // Every exchange is logged with digests, never bodies.
    let logged: Vec<(String, String, Option<String>, i32)> = sqlx::query_as(
        "SELECT operation, result, request_sha256, duration_ms FROM exchange_log WHERE peer = 'dvcqg' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("log");
    assert!(logged.iter().any(|l| l.1 == "timeout") && logged.iter().any(|l| l.1 == "ok"), "{logged:?}");
    assert!(logged.iter().all(|l| l.2.as_deref().is_some_and(|d| d.len() == 64)));
}

#[tokio::test]
async fn a_rejection_is_a_dead_letter_that_an_administrator_fixes_and_replays() {
    let (app, sim) = TestApp::spawn_with_sim(|_| {}).await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let admin = app.staff_session("tinh.quantri").await;
    let d = counter_dossier(&app, &clerk).await;
    let code = text(&d, "code").to_owned();
    let (status, _) = sim
        .call(
            "PUT",
            "/_sim/portal/settings",
            Some(json!({"reject": {"MaHoSo": code, "error_code": "12", "message": "Mã đơn vị xử lý không hợp lệ"}})),
        )
        .await;
    assert_eq!(status, 204);
    let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    app.drain_outbox().await;

    // The first message is dead; the dossier's later messages wait behind it (order per dossier).
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status FROM outbox ORDER BY seq").fetch_all(&app.db).await.expect("statuses");
    assert_eq!(statuses, ["dead", "pending", "pending", "pending"]);
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(metrics.lines().any(|l| l == "outbox_dead 1"), "{metrics}");

    // Administrators see it, with the portal's reason; other staff do not.
    expect_error(app.get_as(&clerk, "/api/v1/admin/outbox").await, 403, "forbidden").await;
    let dead: Value = app.get_as(&admin, "/api/v1/admin/outbox").await.json().await.expect("json");
    assert_eq!(dead.as_array().map(Vec::len), Some(1), "{dead}");
    let message = &dead[0];
    assert!(text(message, "last_error").contains("12"), "{message}");
    let id = message["id"].as_i64().expect("id");

    // A correction must keep the dossier code and the national shape.
    let mut bad = message["payload"].clone();
    bad["data"][0]["MaHoSo"] = json!("KHAC-001");
    bad["data"][0]["TrangThaiHoSo"] = json!(2);
    let res = app.client.put(app.url(&format!("/api/v1/admin/outbox/{id}/payload")));
    let res = res
        .header("cookie", format!("motcua_session={}", admin.cookie))
        .header("x-csrf-token", &admin.csrf)
        .json(&json!({"payload": bad}))
        .send()
        .await
        .expect("sent");
    let body = expect_error(res, 422, "validation_failed").await;
    let fields: Vec<&str> =
        body["details"].as_array().into_iter().flatten().filter_map(|d| d["field"].as_str()).collect();
    assert!(fields.contains(&"body.payload.data[0].MaHoSo") && fields.contains(&"body.payload.data[0].TrangThaiHoSo"));

    let mut fixed = message["payload"].clone();
    fixed["data"][0]["GhiChu"] = json!("Đã chỉnh sửa đơn vị xử lý");
    let res = app
        .client
        .put(app.url(&format!("/api/v1/admin/outbox/{id}/payload")))
        .header("cookie", format!("motcua_session={}", admin.cookie))
        .header("x-csrf-token", &admin.csrf)
        .json(&json!({"payload": fixed}))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let corrected: Value = res.json().await.expect("json");
    assert_eq!(corrected["corrected"], true);

    // The portal's problem is fixed; the replay delivers it, then the rest, in order.
    sim.call("DELETE", "/_sim/portal/settings", None).await;
    let res = app.post_as(&admin, &format!("/api/v1/admin/outbox/{id}/replay"), &json!({})).await;
    assert_eq!(res.status(), 200);
    app.drain_outbox().await;
    assert_eq!(undelivered(&app).await, 0);
    let messages = sim.portal_messages().await;
    let seen = effective(&messages, &code);
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].1["GhiChu"], "Đã chỉnh sửa đơn vị xử lý", "the corrected payload was sent");
    assert_eq!(seen[2].1["TrangThaiHoSo"], "4");
    assert_eq!(d["national_status"], 4);
    expect_error(app.post_as(&admin, &format!("/api/v1/admin/outbox/{id}/replay"), &json!({})).await, 409, "conflict")
        .await;
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action IN ('national.outbox_corrected', 'national.outbox_replayed')",
    )
    .fetch_one(&app.db)
    .await
    .expect("audit");
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn two_relays_at_once_deliver_each_message_once_and_keep_each_dossiers_order() {
    let (app, sim) = TestApp::spawn_with_sim(|_| {}).await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        let d = counter_dossier(&app, &clerk).await;
        let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
        act_ok(&app, &officer, &d, "hand_over", json!({})).await;
        codes.push(text(&d, "code").to_owned());
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox").fetch_one(&app.db).await.expect("count");
    assert_eq!(rows, 30);

    let relay = |n: usize| {
        let (db, base) = (app.db.clone(), app.base_url.clone());
        let platform = app.platform();
        tokio::spawn(async move {
            let mut handled = 0;
            // Keep going until nothing is left: the other relay may hold rows this one skipped.
            for _ in 0..200 {
                handled += motcua::national::relay::deliver_batch(&db, &platform, &base).await.expect("relay");
                let left: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status <> 'delivered'")
                    .fetch_one(&db)
                    .await
                    .expect("count");
                if left == 0 {
                    return handled;
                }
                tokio::time::sleep(Duration::from_millis(5 * n as u64)).await;
            }
            handled
        })
    };
    let (one, two) = (relay(1), relay(2));
    let (one, two) = (one.await.expect("relay 1"), two.await.expect("relay 2"));
    assert_eq!(one + two, 30, "each message handled once across both relays ({one} + {two})");
    assert!(one > 0 && two > 0, "both relays worked ({one}, {two})");

    let messages = sim.portal_messages().await;
    assert_eq!(messages.len(), 30, "no message delivered twice");
    for code in &codes {
        let got: Vec<(String, Value)> = messages
            .iter()
            .filter(|m| m["item"]["MaHoSo"] == code.as_str())
            .map(|m| (text(m, "operation").to_owned(), m["item"].clone()))
            .collect();
        assert_eq!(got, ours(&app, code).await, "{code} in order");
    }
}

async fn mint(sim: &StandIns) -> String {
    let (status, body) = sim.call("POST", "/_sim/mint", Some(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    format!("Bearer {}", text(&body, "token"))
}

#[tokio::test]
async fn a_dossier_pushed_three_times_is_received_once_and_its_statuses_reach_the_feed_and_the_pushes() {
    let (app, sim) = TestApp::spawn_with_sim(|_| {}).await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let code = "G22.99-261123-000123";
    let (status, pushed) =
        sim.call("POST", "/_sim/portal/push?times=3", Some(app.portal_dossier(code, "hung@example.vn").await)).await;
    assert_eq!(status, 200, "{pushed}");
    let answers = pushed["answers"].as_array().cloned().unwrap_or_default();
    assert_eq!(answers.len(), 3);
    for a in &answers {
        assert_eq!(a["status"], 201, "{a}");
        assert_eq!(a["body"], json!({"MaHoSo": code, "TrangThaiHoSo": "1"}));
    }
    let (count, repeats): (i64, i32) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM dossier WHERE code = $1), (SELECT repeats FROM national_submission WHERE ma_ho_so = $1)",
    )
    .bind(code)
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!((count, repeats), (1, 2));

    // In the receiving clerk's queue like any online dossier, with its files.
    let queue: Value = app.get_as(&clerk, "/api/v1/dossiers?queue=to_receive").await.json().await.expect("json");
    let item = queue["items"].as_array().into_iter().flatten().find(|i| i["code"] == code).cloned();
    let item = item.unwrap_or_else(|| panic!("{code} is not in the clerk's queue: {queue}"));
    let id = text(&item, "id").to_owned();
    let d: Value = app.get_as(&clerk, &format!("/api/v1/dossiers/{id}")).await.json().await.expect("json");
    assert_eq!((d["state"].as_str(), d["channel"].as_i64()), (Some("submitted"), Some(2)));
    assert_eq!(d["applicant"]["full_name"], "Lê Văn Hùng");
    assert!(d["attachments"].as_array().is_some_and(|a| !a.is_empty()), "{d}");
    let d = act_ok(&app, &clerk, &d, "accept", json!({})).await;
    let _ = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;

    // Its later statuses: in the pushes and in the change feed.
    app.drain_outbox().await;
    let statuses: Vec<String> = effective(&sim.portal_messages().await, code)
        .iter()
        .filter(|m| m.0 == "DongBoHoSoMC")
        .map(|m| text(&m.1, "TrangThaiHoSo").to_owned())
        .collect();
    assert_eq!(statuses, ["1", "2", "4"]);
    let (status, polled) = sim.call("POST", "/_sim/portal/poll", None).await;
    assert_eq!(status, 200, "{polled}");
    let feed: Vec<&str> = polled["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["MaHoSo"] == code)
        .filter_map(|i| i["TrangThaiHoSo"].as_str())
        .collect();
    assert_eq!(feed, ["1", "2", "4"]);
    // Polling again from the stored cursor brings nothing new.
    let (_, again) = sim.call("POST", "/_sim/portal/poll", None).await;
    assert_eq!(again["items"], json!([]));

    // The whole HoSo, by code.
    let bearer = mint(&sim).await;
    let res = app
        .client
        .get(app.url(&format!("/api/v1/national/dossiers/{code}")))
        .header("authorization", &bearer)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    let ho_so: Value = res.json().await.expect("json");
    assert_eq!((text(&ho_so, "TrangThaiHoSo"), text(&ho_so, "KenhThucHien")), ("4", "2"));
    for list in ["TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua"] {
        assert!(ho_so[list].is_array(), "{list}");
    }
    assert!(text(&ho_so["TaiLieuNop"][0], "DuongDanTaiTepTin").starts_with("http"), "{ho_so}");
}

#[tokio::test]
async fn a_bad_pushed_dossier_lists_every_problem_and_creates_nothing() {
    let (app, sim) = TestApp::spawn_with_sim(|_| {}).await;
    app.seed().await;
    let mut body = app.portal_dossier("G22.99-261123-000999", "hung@example.vn").await;
    body["TrangThaiHoSo"] = json!("4");
    body["ThongTinNguoiNop"]["SoDinhDanh"] = json!("12345");
    body["DuLieuBieuMau"] = json!({});
    body["TepDinhKem"][0]["NoiDung"] = json!("không phải base64");
    body["TepDinhKem"][1]["NoiDung"] = json!(base64::engine::general_purpose::STANDARD.encode(b"MZ\x90\x00 an exe"));
    let (_, pushed) = sim.call("POST", "/_sim/portal/push", Some(body)).await;
    let answer = &pushed["answers"][0];
    assert_eq!(answer["status"], 422, "{answer}");
    let fields: Vec<&str> =
        answer["body"]["details"].as_array().into_iter().flatten().filter_map(|d| d["field"].as_str()).collect();
    for expected in [
        "body.TrangThaiHoSo",
        "body.ThongTinNguoiNop.SoDinhDanh",
        "body.TepDinhKem[0].NoiDung",
        "body.TepDinhKem[1].NoiDung",
    ] {
        assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
    }
    assert!(fields.iter().any(|f| f.starts_with("body.DuLieuBieuMau.")), "{fields:?}");
    let (_, unknown) =
        sim.call("POST", "/_sim/portal/push", Some(json!({"MaHoSo": "G22-1", "MaTTHC": "9.999999"}))).await;
    assert_eq!(unknown["answers"][0]["body"]["details"][0]["field"], "body.MaTTHC");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM dossier").fetch_one(&app.db).await.expect("count");
    assert_eq!(count, 0);

    // The feed refuses what it never gave out.
    let bearer = mint(&sim).await;
    for q in ["after=abc", "limit=0", "limit=501"] {
        let res = app
            .client
            .get(app.url(&format!("/api/v1/national/changes?{q}")))
            .header("authorization", &bearer)
            .send()
            .await
            .expect("sent");
        expect_error(res, 422, "validation_failed").await;
    }
}

#[tokio::test]
async fn the_change_feed_misses_nothing_when_transactions_commit_out_of_order() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let first = counter_dossier(&app, &clerk).await;
    let (items, cursor) = motcua::national::feed::read(&app.db, None, 500).await.expect("feed");
    assert_eq!(items.len(), 1);

    // A change whose transaction is still open holds a smaller id than one that commits first.
    let mut slow = app.db.begin().await.expect("tx");
    let (action_id,): (i64,) = sqlx::query_as(
        "INSERT INTO dossier_action (dossier_id, seq, action, from_state, to_state, national_code, actor_kind)
         VALUES ($1::uuid, 99, 'hand_over', 'received', 'in_processing', 4, 'staff') RETURNING id",
    )
    .bind(text(&first, "id"))
    .fetch_one(&mut *slow)
    .await
    .expect("slow change");
    let second = counter_dossier(&app, &clerk).await;
    let after: i64 = cursor.parse().expect("cursor");
    let (items, cursor) = motcua::national::feed::read(&app.db, Some(after), 500).await.expect("feed");
    assert_eq!(items.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(), [text(&second, "code")]);
    slow.commit().await.expect("commit");
    let (items, _) = motcua::national::feed::read(&app.db, cursor.parse().ok(), 500).await.expect("feed");
    assert_eq!(items.len(), 1, "the late commit comes after the cursor, not before it");
    assert_eq!(items[0].code, text(&first, "code"));
    assert!(action_id > 0);
}

#[tokio::test]
async fn reconciliation_finds_a_status_the_portal_lost_and_sends_it_again() {
    let (app, sim) = TestApp::spawn_with_sim(|_| {}).await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let admin = app.staff_session("tinh.quantri").await;
    let d = counter_dossier(&app, &clerk).await;
    let code = text(&d, "code").to_owned();
    let steady = counter_dossier(&app, &clerk).await;
    app.drain_outbox().await;

    // The portal answers "0" but loses the update.
    sim.call("PUT", "/_sim/portal/settings", Some(json!({"lose_updates": true}))).await;
    act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    app.drain_outbox().await;
    sim.call("DELETE", "/_sim/portal/settings", None).await;
    assert_eq!(undelivered(&app).await, 0, "delivered as far as we can tell");
    let (_, holdings) = sim.call("GET", "/_sim/portal/holdings", None).await;
    assert_eq!(holdings[&code]["TrangThaiHoSo"], "2", "the portal lost status 4");

    expect_error(app.post_as(&clerk, "/api/v1/admin/reconciliations", &json!({})).await, 403, "forbidden").await;
    let res = app.post_as(&admin, "/api/v1/admin/reconciliations", &json!({})).await;
    assert_eq!(res.status(), 201);
    let report: Value = res.json().await.expect("json");
    assert_eq!(report["run"]["checked"], 2, "{report}");
    assert_eq!(report["run"]["differences"], 1, "{report}");
    let diff = &report["differences"][0];
    assert_eq!(
        (text(diff, "code"), text(diff, "kind"), diff["resent"].as_bool()),
        (code.as_str(), "differs", Some(true))
    );
    assert_eq!(diff["fields"]["TrangThaiHoSo"], json!({"ours": "4", "portal": "2"}));
    assert!(report["differences"].as_array().is_some_and(|a| a.iter().all(|x| x["code"] != steady["code"])));

    app.drain_outbox().await;
    let (_, holdings) = sim.call("GET", "/_sim/portal/holdings", None).await;
    assert_eq!(holdings[&code]["TrangThaiHoSo"], "4", "re-sent");
    let res = app.post_as(&admin, "/api/v1/admin/reconciliations", &json!({})).await;
    let report: Value = res.json().await.expect("json");
    assert_eq!(report["run"]["differences"], 0, "{report}");
    let runs: Value = app.get_as(&admin, "/api/v1/admin/reconciliations").await.json().await.expect("json");
    assert_eq!(runs.as_array().map(Vec::len), Some(2));

    // The daily run happens once a day, whichever instance gets there first.
    let today = motcua::domain::calendar::to_local(time::OffsetDateTime::now_utc()).date();
    let platform = app.platform();
    let first = motcua::national::reconcile::run(&app.db, &platform, "daily", today, None).await.expect("run");
    let second = motcua::national::reconcile::run(&app.db, &platform, "daily", today, None).await.expect("run");
    assert!(first.is_some() && second.is_none());

    // The portal unreachable: nothing is called different, the dossiers are counted unreachable.
    sim.fault("dvcqg", json!({"status": 503})).await;
    let res = app.post_as(&admin, "/api/v1/admin/reconciliations", &json!({})).await;
    let report: Value = res.json().await.expect("json");
    assert_eq!((report["run"]["differences"].as_i64(), report["run"]["unreachable"].as_i64()), (Some(0), Some(2)));
}

#[tokio::test]
async fn a_busy_portal_is_retried_no_sooner_than_its_retry_after() {
    let (app, sim) = TestApp::spawn_with_sim(|_| {}).await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    counter_dossier(&app, &clerk).await;
    sim.fault("dvcqg", json!({"status": 429, "retry_after_secs": 120})).await;
    app.drain_outbox().await;
    let (status, error, wait): (String, Option<String>, f64) = sqlx::query_as(
        "SELECT status, last_error, extract(epoch FROM next_attempt_at - now())::float8 FROM outbox ORDER BY seq LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("row");
    assert_eq!((status.as_str(), error.as_deref()), ("pending", Some("HTTP 429")));
    assert!(wait > 110.0, "Retry-After: 120 is honoured (next attempt in {wait:.0} s)");
}
