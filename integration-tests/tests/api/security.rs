//! Security over HTTP: who may see and touch which dossier, sessions (cookie, CSRF, revocation,
//! timeouts), hostile input that must leave nothing behind, and no personal IDs in URLs.

use std::time::Duration;

use integration_tests::{Session, TestApp, expect_error, minimal_pdf, valid_answers};
use reqwest::{Method, header};
use serde_json::{Value, json};
use uuid::Uuid;

use super::dossiers::{act, act_ok, counter_dossier};

const KHAI_SINH: &str = "1.001193"; // Đăng ký khai sinh: commune, fully online, TP01 and TP02 mandatory

/// A request with any cookie and CSRF header (or none).
fn raw(app: &TestApp, method: Method, path: &str, cookie: Option<&str>, csrf: Option<&str>) -> reqwest::RequestBuilder {
    let mut req = app.client.request(method, app.url(path));
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, format!("motcua_session={c}"));
    }
    if let Some(t) = csrf {
        req = req.header("x-csrf-token", t);
    }
    req
}

async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn id_of(v: &Value) -> &str {
    v["id"].as_str().expect("an id")
}

/// Uploads `bytes` as `caller` and returns the upload id.
async fn upload(app: &TestApp, caller: &Session, name: &str, bytes: Vec<u8>) -> Uuid {
    let (status, body) = json_of(app.upload_as(caller, name, bytes).await).await;
    assert_eq!(status, 201, "upload {name}: {body}");
    body["id"].as_str().and_then(|s| s.parse().ok()).expect("upload id")
}

/// The body of a birth registration filed online at phường Hạc Thành, attaching TP01 and TP02.
pub(super) async fn birth_registration(app: &TestApp, tp01: Uuid, tp02: Uuid) -> Value {
    let procedure = app.procedure(KHAI_SINH).await;
    json!({
        "procedure_code": KHAI_SINH,
        "agency_id": app.agency_id("H56.101").await,
        "form": valid_answers(&procedure["form"]),
        "attachments": [{"upload_id": tp01, "component_code": "TP01"}, {"upload_id": tp02, "component_code": "TP02"}]
    })
}

/// A citizen files a birth registration online at phường Hạc Thành, attaching TP01 and TP02.
async fn online_dossier(app: &TestApp, citizen: &Session, tp01: Uuid, tp02: Uuid) -> Value {
    let res = app.post_as(citizen, "/api/v1/dossiers", &birth_registration(app, tp01, tp02).await).await;
    let (status, body) = json_of(res).await;
    assert_eq!(status, 201, "online submission: {body}");
    body
}

fn attachment_id(d: &Value, component: &str) -> String {
    d["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["component_code"] == component)
        .and_then(|a| a["id"].as_str())
        .unwrap_or_else(|| panic!("no attachment {component} in {d}"))
        .to_owned()
}

/// The parts of an error body that must not depend on whether the resource exists.
fn without_request_id(mut body: Value) -> Value {
    if let Some(o) = body.as_object_mut() {
        o.remove("request_id");
    }
    body
}

// ---------------------------------------------------------------------------------------------------------
// 1. Authorization matrix
// ---------------------------------------------------------------------------------------------------------

enum Req {
    Get(String),
    Post(String, Value),
}

#[tokio::test]
async fn authorization_matrix_for_dossier_reads_files_and_actions() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let citizen_a = app.citizen_session("038090000101", "Lê Văn An").await;
    let citizen_b = app.citizen_session("038090000202", "Phạm Thị Bình").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let stp_clerk = app.staff_session("stp.motcua").await;
    let centre_clerk = app.staff_session("ttphvhcc.motcua").await;

    let tp01_bytes = minimal_pdf("To khai dang ky khai sinh - Le Van An");
    let tp01 = upload(&app, &citizen_a, "tờ khai khai sinh.pdf", tp01_bytes.clone()).await;
    let tp02 = upload(&app, &citizen_a, "giấy chứng sinh.pdf", minimal_pdf("Giay chung sinh")).await;
    let d1 = online_dossier(&app, &citizen_a, tp01, tp02).await;
    assert_eq!(d1["state"], "submitted");
    let d2 = counter_dossier(&app, &clerk).await;
    let (d1_id, d2_id) = (id_of(&d1).to_owned(), id_of(&d2).to_owned());
    let d1_file = attachment_id(&d1, "TP01");
    let d2_file = attachment_id(&d2, "TP01");

    // What "does not exist" looks like: every refusal below must be indistinguishable from it.
    let unknown = Uuid::new_v4();
    let (status, baseline) = json_of(app.get_as(&citizen_b, &format!("/api/v1/dossiers/{unknown}")).await).await;
    assert_eq!(status, 404);
    let baseline = without_request_id(baseline);
    assert_eq!(baseline["code"], "not_found");

    let get = Req::Get;
    let action = |id: &str, a: &str, version: &Value| {
        Req::Post(format!("/api/v1/dossiers/{id}/actions"), json!({"action": a, "expected_version": version}))
    };
    let d1_get = format!("/api/v1/dossiers/{d1_id}");
    let d1_history = format!("/api/v1/dossiers/{d1_id}/history");
    let d1_steps = format!("/api/v1/dossiers/{d1_id}/steps");
    let d1_download = format!("/api/v1/dossiers/{d1_id}/attachments/{d1_file}");
    let d2_get = format!("/api/v1/dossiers/{d2_id}");
    let d2_history = format!("/api/v1/dossiers/{d2_id}/history");
    let d2_download = format!("/api/v1/dossiers/{d2_id}/attachments/{d2_file}");

    let counter_body = json!({
        "procedure_code": "1.000894",
        "applicant": {"full_name": "Nguyễn Văn Cường", "personal_id": "038190009999"},
        "form": {}
    });
    let online_body = json!({"procedure_code": KHAI_SINH, "agency_id": app.agency_id("H56.101").await, "form": {}});

    let matrix: Vec<(&str, &Session, Req, u16)> = vec![
        // The applicant sees their own dossier, its history, steps and files.
        ("citizen A", &citizen_a, get(d1_get.clone()), 200),
        ("citizen A", &citizen_a, get(d1_history.clone()), 200),
        ("citizen A", &citizen_a, get(d1_steps.clone()), 200),
        ("citizen A", &citizen_a, get(d1_download.clone()), 200),
        // ... but not a file of another dossier through their own dossier's URL.
        ("citizen A", &citizen_a, get(format!("/api/v1/dossiers/{d1_id}/attachments/{d2_file}")), 404),
        // ... nor someone else's dossier.
        ("citizen A", &citizen_a, get(d2_get.clone()), 404),
        ("citizen A", &citizen_a, get(d2_history.clone()), 404),
        ("citizen A", &citizen_a, get(d2_download.clone()), 404),
        ("citizen A", &citizen_a, action(&d2_id, "withdraw", &d2["version"]), 404),
        // Another citizen: nothing exists.
        ("citizen B", &citizen_b, get(d1_get.clone()), 404),
        ("citizen B", &citizen_b, get(d1_history.clone()), 404),
        ("citizen B", &citizen_b, get(d1_steps.clone()), 404),
        ("citizen B", &citizen_b, get(d1_download.clone()), 404),
        ("citizen B", &citizen_b, action(&d1_id, "withdraw", &d1["version"]), 404),
        // Clerks of other agencies: nothing exists either.
        ("stp.motcua", &stp_clerk, get(d1_get.clone()), 404),
        ("stp.motcua", &stp_clerk, get(d1_history.clone()), 404),
        ("stp.motcua", &stp_clerk, get(d1_download.clone()), 404),
        ("stp.motcua", &stp_clerk, get(d2_get.clone()), 404),
        ("stp.motcua", &stp_clerk, get(d2_download.clone()), 404),
        ("stp.motcua", &stp_clerk, action(&d1_id, "accept", &d1["version"]), 404),
        ("stp.motcua", &stp_clerk, action(&d2_id, "hand_over", &d2["version"]), 404),
        ("ttphvhcc.motcua", &centre_clerk, get(d1_get.clone()), 404),
        ("ttphvhcc.motcua", &centre_clerk, get(d1_download.clone()), 404),
        ("ttphvhcc.motcua", &centre_clerk, get(d2_get.clone()), 404),
        ("ttphvhcc.motcua", &centre_clerk, get(d2_history.clone()), 404),
        ("ttphvhcc.motcua", &centre_clerk, get(d2_download.clone()), 404),
        ("ttphvhcc.motcua", &centre_clerk, action(&d1_id, "accept", &d1["version"]), 404),
        ("ttphvhcc.motcua", &centre_clerk, action(&d2_id, "hand_over", &d2["version"]), 404),
        // The officer of the competent commune, before the dossier reached their unit.
        ("hacthanh.tuphap (before)", &officer, get(d1_get.clone()), 404),
        ("hacthanh.tuphap (before)", &officer, get(d2_get.clone()), 404),
        ("hacthanh.tuphap (before)", &officer, get(d2_download.clone()), 404),
        ("hacthanh.tuphap (before)", &officer, action(&d2_id, "hand_over", &d2["version"]), 404),
        // The one-stop clerk of phường Hạc Thành holds both.
        ("hacthanh.motcua", &clerk, get(d1_get.clone()), 200),
        ("hacthanh.motcua", &clerk, get(d1_history.clone()), 200),
        ("hacthanh.motcua", &clerk, get(d1_download.clone()), 200),
        ("hacthanh.motcua", &clerk, get(d2_get.clone()), 200),
        ("hacthanh.motcua", &clerk, get(d2_download.clone()), 200),
        // Channels belong to their callers.
        ("citizen A at the counter", &citizen_a, Req::Post("/api/v1/dossiers/counter".into(), counter_body), 403),
        ("clerk filing online", &clerk, Req::Post("/api/v1/dossiers".into(), online_body), 403),
    ];

    let mut failures = Vec::new();
    for (who, session, req, expected) in matrix {
        let (what, res) = match &req {
            Req::Get(path) => (format!("GET {path}"), app.get_as(session, path).await),
            Req::Post(path, body) => (format!("POST {path} {body}"), app.post_as(session, path, body).await),
        };
        let status = res.status().as_u16();
        let bytes = res.bytes().await.expect("body");
        if status != expected {
            failures.push(format!("{who}: {what}: {status}, expected {expected}: {}", String::from_utf8_lossy(&bytes)));
            continue;
        }
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        match expected {
            404 if without_request_id(body.clone()) != baseline => {
                failures.push(format!("{who}: {what}: a 404 that differs from an unknown id's: {body}"));
            }
            403 if body["code"] != "forbidden" => failures.push(format!("{who}: {what}: {body}")),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "authorization matrix:\n{}", failures.join("\n"));

    // The applicant downloads exactly the bytes they uploaded.
    let res = app.get_as(&citizen_a, &d1_download).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), tp01_bytes.as_slice());

    // Nothing above changed the dossiers.
    let (_, now1) = json_of(app.get_as(&citizen_a, &d1_get).await).await;
    let (_, now2) = json_of(app.get_as(&clerk, &d2_get).await).await;
    assert_eq!((now1["version"].clone(), now1["state"].clone()), (d1["version"].clone(), json!("submitted")));
    assert_eq!((now2["version"].clone(), now2["state"].clone()), (d2["version"].clone(), json!("received")));

    // The clerk accepts and hands over: the officer's unit now holds it, and they see it.
    let d1 = act_ok(&app, &clerk, &now1, "accept", json!({})).await;
    assert_eq!(app.get_as(&officer, &d1_get).await.status(), 404, "accepted, but still at the one-stop desk");
    let d1 = act_ok(&app, &clerk, &d1, "hand_over", json!({})).await;
    assert_eq!(d1["state"], "in_processing");
    assert_eq!(app.get_as(&officer, &d1_get).await.status(), 200);
    assert_eq!(app.get_as(&officer, &d1_history).await.status(), 200);
    assert_eq!(app.get_as(&officer, &d1_download).await.status(), 200);
    let d2 = act_ok(&app, &clerk, &now2, "hand_over", json!({})).await;
    assert_eq!(app.get_as(&officer, &d2_get).await.status(), 200);

    // The officer moves D1 on to the leader; the one-stop desk held it before and still sees it.
    let d1 = act_ok(&app, &officer, &d1, "submit_for_approval", json!({})).await;
    assert_eq!(d1["state"], "awaiting_approval");
    for path in [&d1_get, &d1_history, &d1_download, &d2_get] {
        assert_eq!(app.get_as(&clerk, path).await.status(), 200, "the one-stop clerk: {path}");
    }
    assert_eq!(app.get_as(&citizen_a, &d1_get).await.status(), 200);
    // Other agencies and other citizens still see nothing, wherever the dossier went.
    for s in [&citizen_b, &stp_clerk, &centre_clerk] {
        expect_error(app.get_as(s, &d1_get).await, 404, "not_found").await;
        expect_error(app.get_as(s, &d2_get).await, 404, "not_found").await;
    }
    expect_error(act(&app, &stp_clerk, &d2, "send_back", json!({"reason": "Sai"})).await, 404, "not_found").await;
}

#[tokio::test]
async fn administrators_are_not_readers_of_dossiers() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let leader = app.staff_session("hacthanh.chutich").await;
    let agency_admin = app.staff_session("hacthanh.quantri").await;
    let d = counter_dossier(&app, &clerk).await;
    let d = act_ok(&app, &clerk, &d, "hand_over", json!({})).await;
    let d = act_ok(&app, &officer, &d, "hand_over", json!({})).await;
    let d = act_ok(&app, &officer, &d, "submit_for_approval", json!({})).await;
    let path = format!("/api/v1/dossiers/{}", id_of(&d));
    assert_eq!(app.get_as(&leader, &path).await.status(), 200, "the leader signs it");
    // Managing units and accounts is not a reason to read citizens' personal data.
    expect_error(app.get_as(&agency_admin, &path).await, 404, "not_found").await;
    let file = format!("{path}/attachments/{}", attachment_id(&d, "TP01"));
    expect_error(app.get_as(&agency_admin, &file).await, 404, "not_found").await;
}

// ---------------------------------------------------------------------------------------------------------
// 2. Sessions
// ---------------------------------------------------------------------------------------------------------

/// Asserts 401 `unauthenticated` with the given reason in `details`.
async fn expect_unauthenticated(res: reqwest::Response, reason: &str) {
    let body = expect_error(res, 401, "unauthenticated").await;
    assert_eq!(body["details"][0]["field"], "cookie", "{body}");
    assert_eq!(body["details"][0]["code"], reason, "{body}");
}

#[tokio::test]
async fn requests_without_a_valid_session_cookie_are_401() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = counter_dossier(&app, &clerk).await;
    let path = format!("/api/v1/dossiers/{}", id_of(&d));
    assert_eq!(app.get_as(&clerk, &path).await.status(), 200, "the control: a valid session");

    expect_unauthenticated(raw(&app, Method::GET, &path, None, None).send().await.expect("sent"), "missing").await;
    let made_up = "a".repeat(64);
    let res = raw(&app, Method::GET, &path, Some(&made_up), None).send().await.expect("sent");
    expect_unauthenticated(res, "unknown").await;
    // The CSRF token is not a session token.
    let res = raw(&app, Method::GET, &path, Some(&clerk.csrf), None).send().await.expect("sent");
    expect_unauthenticated(res, "unknown").await;
    // Another cookie name carrying the right token is not a session either.
    let res = app
        .client
        .get(app.url(&path))
        .header(header::COOKIE, format!("session={}", clerk.cookie))
        .send()
        .await
        .expect("sent");
    expect_unauthenticated(res, "missing").await;
    // A POST without a session is 401 before anything else is looked at.
    let res = raw(&app, Method::POST, "/api/v1/dossiers", None, None).json(&json!({})).send().await.expect("sent");
    expect_unauthenticated(res, "missing").await;
}

#[tokio::test]
async fn state_changing_requests_need_the_sessions_csrf_token() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let d = counter_dossier(&app, &clerk).await;
    let actions = format!("/api/v1/dossiers/{}/actions", id_of(&d));
    let hand_over = json!({"action": "hand_over", "expected_version": d["version"]});
    let before = counts(&app).await;

    let attempts: [(&str, Option<&str>); 4] = [
        ("no token", None),
        ("an empty token", Some("")),
        ("a wrong token", Some("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")),
        ("another session's token", Some(officer.csrf.as_str())),
    ];
    for (what, csrf) in attempts {
        let res =
            raw(&app, Method::POST, &actions, Some(&clerk.cookie), csrf).json(&hand_over).send().await.expect("sent");
        let body = expect_error(res, 403, "csrf_failed").await;
        assert_eq!(body["details"][0]["field"], "header.x-csrf-token", "{what}: {body}");

        let part = reqwest::multipart::Part::bytes(minimal_pdf("x")).file_name("x.pdf");
        let res = raw(&app, Method::POST, "/api/v1/uploads", Some(&clerk.cookie), csrf)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("sent");
        expect_error(res, 403, "csrf_failed").await;
    }
    assert_eq!(counts(&app).await, before, "nothing was saved");
    // Each cross-site attempt is in the audit log as a refused access.
    let refused: Vec<String> =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'auth.access_refused' ORDER BY seq")
            .fetch_all(&app.db)
            .await
            .expect("audit");
    assert!(!refused.is_empty() && refused.iter().all(|d| d.contains("csrf_failed")), "{refused:?}");
    let (_, now) = json_of(app.get_as(&clerk, &format!("/api/v1/dossiers/{}", id_of(&d))).await).await;
    assert_eq!((&now["version"], &now["state"]), (&d["version"], &json!("received")));

    // With the token, the same request goes through.
    let res = raw(&app, Method::POST, &actions, Some(&clerk.cookie), Some(&clerk.csrf)).json(&hand_over).send().await;
    assert_eq!(res.expect("sent").status(), 200);
}

#[tokio::test]
async fn revoked_expired_and_disabled_sessions_are_401() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = counter_dossier(&app, &clerk).await;
    let path = format!("/api/v1/dossiers/{}", id_of(&d));
    let hash = motcua::store::session::hash_token;

    // Revoked (signed out).
    let s = app.staff_session("hacthanh.motcua").await;
    assert_eq!(app.get_as(&s, &path).await.status(), 200);
    motcua::store::session::revoke(&app.db, &s.cookie).await.expect("revoke");
    expect_unauthenticated(app.get_as(&s, &path).await, "revoked").await;
    expect_unauthenticated(app.post_as(&s, "/api/v1/dossiers/counter", &json!({})).await, "revoked").await;

    // Past its absolute lifetime, however active.
    let s = app.staff_session("hacthanh.motcua").await;
    assert_eq!(app.get_as(&s, &path).await.status(), 200);
    sqlx::query("UPDATE session SET expires_at = now() - interval '1 second' WHERE token_hash = $1")
        .bind(hash(&s.cookie))
        .execute(&app.db)
        .await
        .expect("expire");
    expect_unauthenticated(app.get_as(&s, &path).await, "expired").await;

    // A disabled account: its live sessions stop working at once.
    let s = app.staff_session("hacthanh.motcua").await;
    assert_eq!(app.get_as(&s, &path).await.status(), 200);
    sqlx::query("UPDATE staff SET active = false WHERE username = 'hacthanh.motcua'")
        .execute(&app.db)
        .await
        .expect("disable");
    expect_unauthenticated(app.get_as(&s, &path).await, "account_disabled").await;
    expect_unauthenticated(app.get_as(&clerk, &path).await, "account_disabled").await;
    sqlx::query("UPDATE staff SET active = true WHERE username = 'hacthanh.motcua'")
        .execute(&app.db)
        .await
        .expect("enable");
    assert_eq!(app.get_as(&s, &path).await.status(), 200);

    // Revoking every session of one staff member leaves everyone else signed in.
    let first = app.staff_session("stp.motcua").await;
    let second = app.staff_session("stp.motcua").await;
    let other = app.staff_session("stp.chuyenvien").await;
    let unknown = format!("/api/v1/dossiers/{}", Uuid::new_v4());
    for s in [&first, &second, &other] {
        assert_eq!(app.get_as(s, &unknown).await.status(), 404, "signed in");
    }
    let revoked = motcua::store::session::revoke_all_for_staff(&app.db, first.id).await.expect("revoke all");
    assert_eq!(revoked, 2);
    expect_unauthenticated(app.get_as(&first, &unknown).await, "revoked").await;
    expect_unauthenticated(app.get_as(&second, &unknown).await, "revoked").await;
    assert_eq!(app.get_as(&other, &unknown).await.status(), 404, "another staff member is still signed in");
    assert_eq!(app.get_as(&clerk, &path).await.status(), 200);
    assert_eq!(motcua::store::session::revoke_all_for_staff(&app.db, first.id).await.expect("again"), 0);
    let reasons: Vec<String> =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'auth.session_refused' ORDER BY seq")
            .fetch_all(&app.db)
            .await
            .expect("audit");
    for reason in ["revoked", "expired", "account_disabled"] {
        assert!(reasons.iter().any(|d| d.contains(reason)), "{reason} audited: {reasons:?}");
    }
}

#[tokio::test]
async fn an_idle_session_times_out_and_is_revoked() {
    let app = TestApp::spawn_with(|c| c.session_idle = Duration::from_secs(60)).await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = counter_dossier(&app, &clerk).await;
    let path = format!("/api/v1/dossiers/{}", id_of(&d));
    let hash = motcua::store::session::hash_token(&clerk.cookie);
    let set_last_seen = |ago: &'static str| {
        let hash = hash.clone();
        let db = app.db.clone();
        async move {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE session SET last_seen_at = now() - interval '{ago}' WHERE token_hash = $1"
            )))
            .bind(hash)
            .execute(&db)
            .await
            .expect("set last_seen_at");
        }
    };

    // Within the idle limit: still signed in.
    set_last_seen("30 seconds").await;
    assert_eq!(app.get_as(&clerk, &path).await.status(), 200);

    set_last_seen("5 minutes").await;
    expect_unauthenticated(app.get_as(&clerk, &path).await, "idle_timeout").await;
    let revoked: bool = sqlx::query_scalar("SELECT revoked_at IS NOT NULL FROM session WHERE token_hash = $1")
        .bind(&hash)
        .fetch_one(&app.db)
        .await
        .expect("session row");
    assert!(revoked, "the idle session is revoked, not merely refused");
    // Even if it were touched again, it stays dead.
    set_last_seen("1 second").await;
    expect_unauthenticated(app.get_as(&clerk, &path).await, "revoked").await;
    let reasons: Vec<String> =
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'auth.session_refused' ORDER BY seq")
            .fetch_all(&app.db)
            .await
            .expect("audit");
    assert!(reasons.iter().any(|d| d.contains("idle_timeout")), "audited: {reasons:?}");
    assert!(reasons.iter().any(|d| d.contains("revoked")), "audited: {reasons:?}");
}

#[tokio::test]
async fn a_session_in_use_does_not_time_out_as_idle() {
    let app = TestApp::spawn_with(|c| c.session_idle = Duration::from_secs(60)).await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let path = format!("/api/v1/dossiers/{}", Uuid::new_v4());
    // Time passing is simulated by moving the session's last activity back.
    let wait_50_seconds = || async {
        sqlx::query("UPDATE session SET last_seen_at = last_seen_at - interval '50 seconds' WHERE token_hash = $1")
            .bind(motcua::store::session::hash_token(&clerk.cookie))
            .execute(&app.db)
            .await
            .expect("time passes");
    };
    assert_eq!(app.get_as(&clerk, &path).await.status(), 404, "signed in at 0 s");
    for at in [50, 100, 150] {
        wait_50_seconds().await;
        // Never more than 50 seconds without a request: never idle for a minute.
        assert_eq!(app.get_as(&clerk, &path).await.status(), 404, "still signed in at {at} s");
    }
}

// ---------------------------------------------------------------------------------------------------------
// 3. Bad input: refused, nothing saved
// ---------------------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
struct Counts {
    dossier: i64,
    dossier_action: i64,
    attachment: i64,
    upload: i64,
    audit_log: i64,
    objects: usize,
}

/// How many files the object store holds under `dir` (also used by `hostile_uploads`).
pub(crate) fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()
}

async fn counts(app: &TestApp) -> Counts {
    let (dossier, dossier_action, attachment, upload, audit_log): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM dossier), (SELECT count(*) FROM dossier_action), (SELECT count(*) FROM attachment),
                (SELECT count(*) FROM upload),
                (SELECT count(*) FROM audit_log WHERE action NOT LIKE 'auth.%')",
    )
    .fetch_one(&app.db)
    .await
    .expect("counts");
    Counts { dossier, dossier_action, attachment, upload, audit_log, objects: files_under(&app.config.object_dir) }
}

enum Input {
    /// An online submission by citizen A.
    Submit(Value),
    /// A raw body to `POST /api/v1/dossiers` (with A's session).
    RawSubmit(Vec<u8>),
    /// An upload by citizen A.
    Upload(&'static str, Vec<u8>),
}

/// What is sent, the status and error code expected, and (field, code) pairs expected among the details.
type BadCase = (&'static str, Input, u16, &'static str, Vec<(&'static str, &'static str)>);

/// A padded, well-formed PDF of `size` bytes.
fn pdf_of_size(size: usize) -> Vec<u8> {
    let mut pdf = minimal_pdf("large");
    let eof = pdf.len() - b"%%EOF\n".len();
    let padding = format!("%{}\n", "x".repeat(size.saturating_sub(pdf.len() + 2)));
    pdf.splice(eof..eof, padding.into_bytes());
    pdf
}

#[tokio::test]
async fn bad_input_is_refused_and_leaves_nothing_behind() {
    let app = TestApp::spawn_with(|c| c.upload_limit_bytes = 10_000).await;
    app.seed().await;
    let citizen_a = app.citizen_session("038090000101", "Lê Văn An").await;
    let citizen_b = app.citizen_session("038090000202", "Phạm Thị Bình").await;
    let tp01 = app.upload_pdf(&citizen_a, "tờ khai.pdf").await;
    let tp02 = app.upload_pdf(&citizen_a, "giấy chứng sinh.pdf").await;
    let b_upload = app.upload_pdf(&citizen_b, "của người khác.pdf").await;
    let agency = app.agency_id("H56.101").await;
    let good = birth_registration(&app, tp01, tp02).await;
    let with = |key: &str, value: Value| {
        let mut v = good.clone();
        v[key] = value;
        v
    };
    let mut bad_form = good["form"].clone();
    bad_form["nguoi_yeu_cau_so_dinh_danh"] = json!("12345");
    bad_form.as_object_mut().expect("object").remove("tre_ho_ten");
    bad_form["ma_doc"] = json!("x");
    let nested = format!(
        r#"{{"procedure_code":"{KHAI_SINH}","agency_id":"{agency}","form":{{"a":{}{}}}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let elf = [b"\x7fELF\x02\x01\x01\0".as_slice(), &[0u8; 120]].concat();
    let mz =
        [b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff".as_slice(), &[0u8; 100], b"This program cannot be run in DOS mode"]
            .concat();
    let html = b"  <!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>".to_vec();

    let cases: Vec<BadCase> = vec![
        (
            "unknown procedure",
            Input::Submit(with("procedure_code", json!("9.999999"))),
            422,
            "validation_failed",
            vec![("body.procedure_code", "unknown")],
        ),
        (
            "e-form answers failing the schema, all reported at once",
            Input::Submit(with("form", bad_form)),
            422,
            "validation_failed",
            vec![
                ("body.form.nguoi_yeu_cau_so_dinh_danh", "invalid_format"),
                ("body.form.tre_ho_ten", "required"),
                ("body.form.ma_doc", "unknown_field"),
            ],
        ),
        (
            "an upload of another citizen",
            Input::Submit(with(
                "attachments",
                json!([{"upload_id": b_upload, "component_code": "TP01"}, {"upload_id": tp02, "component_code": "TP02"}]),
            )),
            422,
            "validation_failed",
            vec![("body.attachments[0].upload_id", "unknown")],
        ),
        (
            "form is a number",
            Input::Submit(with("form", json!(5))),
            422,
            "validation_failed",
            vec![("body.form", "invalid_type")],
        ),
        (
            "procedure_code of the wrong JSON type",
            Input::Submit(with("procedure_code", json!(1001193))),
            422,
            "validation_failed",
            vec![("body.procedure_code", "invalid_type")],
        ),
        (
            "malformed JSON",
            Input::RawSubmit(br#"{"procedure_code": "1.001193", "#.to_vec()),
            400,
            "invalid_json",
            vec![("body", "invalid_json")],
        ),
        ("10,000 nested arrays", Input::RawSubmit(nested.into_bytes()), 400, "invalid_json", vec![]),
        (
            "an ELF executable named .pdf",
            Input::Upload("to-khai.pdf", elf),
            422,
            "validation_failed",
            vec![("body.file", "dangerous_content")],
        ),
        (
            "a Windows executable named .pdf",
            Input::Upload("to-khai.pdf", mz),
            422,
            "validation_failed",
            vec![("body.file", "dangerous_content")],
        ),
        (
            "an HTML page named .pdf",
            Input::Upload("to-khai.pdf", html),
            422,
            "validation_failed",
            vec![("body.file", "dangerous_content")],
        ),
        (
            "a file over the upload limit",
            Input::Upload("lớn.pdf", pdf_of_size(20_000)),
            413,
            "payload_too_large",
            vec![("body.file", "too_large")],
        ),
        (
            "a path-traversal name",
            Input::Upload("../../etc/passwd.pdf", minimal_pdf("p")),
            422,
            "validation_failed",
            vec![("body.file.name", "path_traversal")],
        ),
        (
            "a name with a control character",
            Input::Upload("to\tkhai.pdf", minimal_pdf("c")),
            422,
            "validation_failed",
            vec![("body.file.name", "invalid_characters")],
        ),
        (
            "a name with a right-to-left override",
            Input::Upload("hoadon\u{202E}fdp.exe", minimal_pdf("r")),
            422,
            "validation_failed",
            vec![("body.file.name", "invalid_characters")],
        ),
        (
            "an empty file",
            Input::Upload("rỗng.pdf", Vec::new()),
            422,
            "validation_failed",
            vec![("body.file", "empty_file")],
        ),
    ];

    for (what, input, status, code, details) in cases {
        let before = counts(&app).await;
        let res = match input {
            Input::Submit(body) => app.post_as(&citizen_a, "/api/v1/dossiers", &body).await,
            Input::RawSubmit(bytes) => {
                raw(&app, Method::POST, "/api/v1/dossiers", Some(&citizen_a.cookie), Some(&citizen_a.csrf))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(bytes)
                    .send()
                    .await
                    .expect("sent")
            }
            Input::Upload(name, bytes) => app.upload_as(&citizen_a, name, bytes).await,
        };
        let got = res.status().as_u16();
        let text = res.text().await.expect("body");
        assert_eq!(got, status, "{what}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text}"));
        assert_eq!(body["code"], code, "{what}: {body}");
        let got_details: Vec<(&str, &str)> = body["details"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| (d["field"].as_str().unwrap_or(""), d["code"].as_str().unwrap_or("")))
            .collect();
        for wanted in &details {
            assert!(got_details.contains(wanted), "{what}: {wanted:?} missing from {got_details:?}");
        }
        assert_eq!(counts(&app).await, before, "{what}: something was saved");
        // The server is still there.
        assert_eq!(app.get("/healthz").await.status(), 200, "{what}: /healthz");
    }

    // The refused submission with B's upload claimed none of A's uploads, and B's is still B's.
    let attached: Vec<Option<time::OffsetDateTime>> =
        sqlx::query_scalar("SELECT attached_at FROM upload WHERE id = ANY($1) ORDER BY id")
            .bind(vec![tp01, tp02, b_upload])
            .fetch_all(&app.db)
            .await
            .expect("uploads");
    assert_eq!(attached, [None, None, None]);

    // The limit itself is allowed; one byte more is not.
    let res = app.upload_as(&citizen_a, "vừa đủ.pdf", pdf_of_size(10_000)).await;
    assert_eq!(res.status(), 201, "exactly at the limit");
    let res = app.upload_as(&citizen_a, "quá một byte.pdf", pdf_of_size(10_001)).await;
    expect_error(res, 413, "payload_too_large").await;

    // After all that, the honest submission goes through, with the same uploads.
    let (status, body) = json_of(app.post_as(&citizen_a, "/api/v1/dossiers", &good).await).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn a_nul_character_in_dossier_text_is_a_422_not_a_500() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let citizen = app.citizen_session("038090000101", "Lê Văn An").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let d = counter_dossier(&app, &clerk).await;
    let before = counts(&app).await;

    let body = json!({"procedure_code": "1.001193\u{0}", "agency_id": app.agency_id("H56.101").await, "form": {}});
    let body = expect_error(app.post_as(&citizen, "/api/v1/dossiers", &body).await, 422, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "body.procedure_code");
    for (action, extra, field) in [
        ("hand_over", json!({"note": "Đã kiểm tra\u{0}"}), "body.note"),
        ("refuse", json!({"reason": "Thiếu\u{0}"}), "body.reason"),
        ("request_supplement", json!({"reason": "Thiếu", "items": ["Tờ khai\u{0}"]}), "body.items[0]"),
    ] {
        let body = expect_error(act(&app, &clerk, &d, action, extra).await, 422, "validation_failed").await;
        assert_eq!(body["details"][0]["field"], field, "{action}: {body}");
    }
    assert_eq!(counts(&app).await, before);
}

// ---------------------------------------------------------------------------------------------------------
// 4. No personal IDs in URLs
// ---------------------------------------------------------------------------------------------------------

#[test]
fn no_route_takes_a_personal_id_in_its_url() {
    let doc: Value = serde_json::from_str(&motcua::http::openapi_json()).expect("OpenAPI JSON");
    let banned = ["personal_id", "so_dinh_danh", "dinh_danh", "cccd", "cmnd", "citizen_id"];
    let looks_personal = |name: &str| {
        let n = name.to_ascii_lowercase().replace('-', "_");
        banned.iter().any(|b| n.contains(b))
    };
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 10, "the document lists the routes: {:?}", paths.keys().collect::<Vec<_>>());
    let mut offending = Vec::new();
    for (path, item) in paths {
        if looks_personal(path) {
            offending.push(path.clone());
        }
        let item = item.as_object().expect("path item");
        let shared = item.get("parameters").and_then(Value::as_array).into_iter().flatten();
        let per_operation = item.values().filter_map(|op| op.get("parameters")).filter_map(Value::as_array).flatten();
        for p in shared.chain(per_operation) {
            let (name, place) = (p["name"].as_str().unwrap_or(""), p["in"].as_str().unwrap_or(""));
            if matches!(place, "path" | "query") && looks_personal(name) {
                offending.push(format!("{path}: {place} parameter {name}"));
            }
        }
    }
    assert!(offending.is_empty(), "personal IDs would end up in URLs (logs, history, referrers): {offending:?}");
}
