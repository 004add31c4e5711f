//! The dossier lifecycle end to end over HTTP: every action with its national status, the supplement
//! clock, apologies, refusals that change nothing, concurrent receptions and actions, idempotent retries,
//! and the audit chain after a journey.

use std::collections::BTreeSet;

use integration_tests::{Session, TestApp, expect_error, valid_answers};
use motcua::store::audit::{self, Verdict};
use serde_json::{Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use tokio::task::JoinHandle;

use super::dossiers::{KET_HON, act, act_ok, counter_dossier};

/// Đăng ký khai sinh: commune level, fully online, 1 working day, with a leader's signature step.
const KHAI_SINH: &str = "1.001193";
/// Ủy ban nhân dân phường Hạc Thành.
const COMMUNE: &str = "H56.101";
/// Cấp Phiếu lý lịch tư pháp: Sở Tư pháp, received by the service centre, 200.000 ₫.
const LY_LICH_TU_PHAP: &str = "2.000488";

// ---------------------------------------------------------------- helpers

/// The staff of phường Hạc Thành.
struct Desks {
    clerk: Session,
    officer: Session,
    leader: Session,
}

/// A seeded server with `max_connections` database connections, and the commune's staff.
async fn seeded_app(max_connections: u32) -> (TestApp, Desks) {
    let app = TestApp::spawn_with(|c| c.db_max_connections = max_connections).await;
    app.seed().await;
    let desks = Desks {
        clerk: app.staff_session("hacthanh.motcua").await,
        officer: app.staff_session("hacthanh.tuphap").await,
        leader: app.staff_session("hacthanh.chutich").await,
    };
    (app, desks)
}

async fn citizen(app: &TestApp) -> Session {
    app.citizen_session("001090012345", "Nguyễn Văn An").await
}

fn id(d: &Value) -> &str {
    d["id"].as_str().expect("dossier id")
}

/// `(state, national status)` of a dossier view.
fn status(d: &Value) -> (&str, u64) {
    (d["state"].as_str().unwrap_or("?"), d["national_status"].as_u64().unwrap_or(0))
}

fn time_of(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(v.as_str().unwrap_or_else(|| panic!("a time, got {v}")), &Rfc3339).expect("RFC 3339")
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("formattable")
}

/// Today in Vietnam as in dossier codes (`YYMMDD`).
fn vietnam_today() -> String {
    let d = OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
    format!("{:02}{:02}{:02}", d.year() % 100, u8::from(d.month()), d.day())
}

/// An online birth registration at the commune, with a fresh upload for every mandatory component.
async fn online_request(app: &TestApp, citizen: &Session) -> Value {
    let procedure = app.procedure(KHAI_SINH).await;
    let mut attachments = Vec::new();
    for c in procedure["components"].as_array().into_iter().flatten().filter(|c| c["mandatory"] == true) {
        let code = c["code"].as_str().expect("component code");
        let upload = app.upload_pdf(citizen, &format!("giấy tờ {code}.pdf")).await;
        attachments.push(json!({"upload_id": upload, "component_code": code}));
    }
    assert!(!attachments.is_empty(), "the procedure has mandatory components");
    json!({
        "procedure_code": KHAI_SINH,
        "agency_id": app.agency_id(COMMUNE).await,
        "form": valid_answers(&procedure["form"]),
        "attachments": attachments,
    })
}

async fn submit_online(app: &TestApp, citizen: &Session) -> Value {
    let res = app.post_as(citizen, "/api/v1/dossiers", &online_request(app, citizen).await).await;
    let code = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(code, 201, "{body}");
    body
}

/// An online dossier the clerk has accepted.
async fn accepted_online(app: &TestApp, citizen: &Session, clerk: &Session) -> Value {
    let d = submit_online(app, citizen).await;
    act_ok(app, clerk, &d, "accept", json!({})).await
}

/// A marriage registration received at the counter (the body of `counter_dossier`, with a new upload).
async fn counter_request(app: &TestApp, clerk: &Session, applicant: &str) -> Value {
    let procedure = app.procedure(KET_HON).await;
    let upload = app.upload_pdf(clerk, "tờ khai kết hôn.pdf").await;
    json!({
        "procedure_code": KET_HON,
        "applicant": {"full_name": applicant, "personal_id": "038190001234", "phone": "0912345678"},
        "form": valid_answers(&procedure["form"]),
        "attachments": [{"upload_id": upload, "component_code": "TP01", "checked_against_original": true}]
    })
}

async fn read(app: &TestApp, s: &Session, d: &Value) -> Value {
    let res = app.get_as(s, &format!("/api/v1/dossiers/{}", id(d))).await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

async fn history(app: &TestApp, s: &Session, d: &Value) -> Vec<Value> {
    let res = app.get_as(s, &format!("/api/v1/dossiers/{}/history", id(d))).await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

/// The stored version and number of history entries, straight from the database.
async fn version_and_history_len(app: &TestApp, d: &Value) -> (i32, i64) {
    sqlx::query_as(
        "SELECT version, (SELECT count(*) FROM dossier_action a WHERE a.dossier_id = d.id) FROM dossier d WHERE id = $1",
    )
    .bind(id(d).parse::<uuid::Uuid>().expect("uuid"))
    .fetch_one(&app.db)
    .await
    .expect("dossier row")
}

async fn dossier_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM dossier").fetch_one(&app.db).await.expect("count")
}

/// Takes `action`, expects `(state, national)`, and checks the new history entry says the same.
async fn step(app: &TestApp, s: &Session, d: &Value, action: &str, extra: Value, expect: (&str, u64)) -> Value {
    let (version, entries) = version_and_history_len(app, d).await;
    let next = act_ok(app, s, d, action, extra).await;
    assert_eq!(status(&next), expect, "{action}: {next}");
    assert_eq!(next["national_status_label"].as_str().map(str::is_empty), Some(false));
    assert_eq!(version_and_history_len(app, d).await, (version + 1, entries + 1), "{action}");
    let h = history(app, s, d).await;
    let last = h.last().expect("an entry");
    assert_eq!(
        (last["action"].as_str(), last["to_state"].as_str(), last["national_code"].as_u64()),
        (Some(action), Some(expect.0), Some(expect.1)),
        "{last}"
    );
    next
}

/// Sends an action that must be refused with `status` and `code`; checks that neither the dossier's
/// version nor its history moved. Returns the error body.
async fn refused(app: &TestApp, s: &Session, d: &Value, action: &str, extra: Value, status: u16, code: &str) -> Value {
    let before = version_and_history_len(app, d).await;
    assert_eq!(Some(i64::from(before.0)), d["version"].as_i64(), "the test acts on the current version");
    let body = expect_error(act(app, s, d, action, extra).await, status, code).await;
    assert_eq!(version_and_history_len(app, d).await, before, "{action} refused but the dossier changed: {body}");
    body
}

/// The first detail of an error body: `(field, code)`.
fn detail(body: &Value) -> (&str, &str) {
    (body["details"][0]["field"].as_str().unwrap_or("?"), body["details"][0]["code"].as_str().unwrap_or("?"))
}

/// POSTs `body` as `s` from a task of its own; resolves to `(status, body)`.
fn spawn_post(app: &TestApp, s: &Session, path: &str, body: Value, key: Option<&str>) -> JoinHandle<(u16, Value)> {
    let client = app.client.clone();
    let url = app.url(path);
    let cookie = format!("motcua_session={}", s.cookie);
    let csrf = s.csrf.clone();
    let key = key.map(str::to_owned);
    tokio::spawn(async move {
        let mut req = client.post(url).header(reqwest::header::COOKIE, cookie).header("x-csrf-token", csrf);
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let res = req.json(&body).send().await.expect("request sent");
        let status = res.status().as_u16();
        (status, res.json().await.expect("json body"))
    })
}

async fn join_all(tasks: Vec<JoinHandle<(u16, Value)>>) -> Vec<(u16, Value)> {
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

/// The appointment `POST /api/v1/calendar/deadline` gives a dossier arriving online at `at`.
async fn deadline_online(app: &TestApp, at: OffsetDateTime, procedure: &Value) -> OffsetDateTime {
    let res = app
        .post_json(
            "/api/v1/calendar/deadline",
            &json!({"received_at": rfc3339(at), "channel": "online", "statutory_time": procedure["statutory_time"]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    time_of(&body["due"])
}

// ---------------------------------------------------------------- 1. the online path

#[tokio::test]
async fn an_online_birth_registration_goes_from_submission_to_return() {
    let (app, desk) = seeded_app(8).await;
    let citizen = citizen(&app).await;

    let d = submit_online(&app, &citizen).await;
    assert_eq!(status(&d), ("submitted", 1));
    assert!(d["code"].as_str().is_some_and(|c| c.starts_with("H56.101-")), "{}", d["code"]);
    assert_eq!(d["channel"], 2);
    assert_eq!(d["procedure_code"], KHAI_SINH);
    assert_eq!(d["applicant"]["full_name"], "Nguyễn Văn An");
    assert!(d["due_at"].is_null(), "no appointment before acceptance: {d}");
    assert_eq!(d["attachments"].as_array().map(Vec::len), Some(2), "TP01 and TP02 attached");
    assert!(d["allowed_actions"].as_array().is_some_and(|a| a.contains(&json!("withdraw"))), "{d}");

    let d = step(&app, &desk.clerk, &d, "accept", json!({}), ("received", 2)).await;
    assert!(d["due_at"].is_string() && d["received_at"].is_string(), "{d}");
    assert!(d["time_left_minutes"].as_i64().is_some_and(|m| (0..=480).contains(&m)), "1 working day: {d}");
    let d = step(&app, &desk.clerk, &d, "hand_over", json!({}), ("in_processing", 4)).await;
    assert_eq!(d["current_step"], 1);
    let d = step(&app, &desk.officer, &d, "submit_for_approval", json!({}), ("awaiting_approval", 4)).await;
    assert_eq!(d["current_step"], 2);
    let d = step(&app, &desk.leader, &d, "approve", json!({}), ("result_ready", 9)).await;
    assert_eq!(d["current_step"], 3);
    assert!(d["finished_at"].is_string() && d["timeliness"].is_string(), "{d}");
    let d = step(&app, &desk.clerk, &d, "return_result", json!({"delivery": "post"}), ("returned", 10)).await;
    assert!(d["returned_at"].is_string());
    assert_eq!(d["allowed_actions"], json!([]));

    // The applicant follows it.
    let mine = read(&app, &citizen, &d).await;
    assert_eq!(status(&mine), ("returned", 10));
    let h = history(&app, &citizen, &d).await;
    let trail: Vec<(&str, u64)> =
        h.iter().map(|e| (e["action"].as_str().unwrap_or(""), e["national_code"].as_u64().unwrap_or(0))).collect();
    assert_eq!(
        trail,
        [
            ("submit", 1),
            ("accept", 2),
            ("hand_over", 4),
            ("submit_for_approval", 4),
            ("approve", 9),
            ("return_result", 10)
        ]
    );
    assert_eq!(h[0]["actor_kind"], "citizen");
    assert_eq!(h[5]["data"]["delivery"], "post");
}

// ---------------------------------------------------------------- 2. every action type

#[tokio::test]
async fn every_action_type_works_over_http() {
    let (app, desk) = seeded_app(8).await;
    let citizen = citizen(&app).await;
    let mut done = BTreeSet::new();

    // A: online, through a supplement, a payment, a send-back and an approval.
    let d = accepted_online(&app, &citizen, &desk.clerk).await;
    done.insert("accept");
    let original_due = time_of(&d["due_at"]);
    let body =
        refused(&app, &desk.clerk, &d, "request_supplement", json!({"items": ["TP02"]}), 422, "validation_failed")
            .await;
    assert_eq!(detail(&body).0, "body.reason");
    let body = refused(
        &app,
        &desk.clerk,
        &d,
        "request_supplement",
        json!({"reason": "Thiếu bản sao giấy chứng sinh"}),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(detail(&body).0, "body.items");
    let before = read(&app, &desk.clerk, &d).await;
    let d = step(
        &app,
        &desk.clerk,
        &before,
        "request_supplement",
        json!({"reason": "Thiếu bản sao giấy chứng sinh", "items": ["Giấy chứng sinh (bản sao)"]}),
        ("supplement_requested", 5),
    )
    .await;
    done.insert("request_supplement");
    assert_eq!((d["paused"].as_bool(), d["due_at"].is_null()), (Some(true), true), "{d}");
    assert!(d["time_left_minutes"].is_i64(), "frozen, not gone: {d}");
    let h = history(&app, &desk.clerk, &d).await;
    assert_eq!(h.last().map(|e| e["data"]["items"].clone()), Some(json!(["Giấy chứng sinh (bản sao)"])));

    let d = step(&app, &desk.clerk, &d, "receive_supplement", json!({}), ("received", 2)).await;
    done.insert("receive_supplement");
    assert_eq!(d["paused"], false);
    assert!(time_of(&d["due_at"]) >= original_due, "the clock restarts: {} vs {original_due}", d["due_at"]);
    let h = history(&app, &desk.clerk, &d).await;
    assert_eq!(h.last().map(|e| e["data"]["clock"].clone()), Some(json!("restarted")));

    let d = step(&app, &desk.clerk, &d, "request_payment", json!({}), ("payment_requested", 6)).await;
    done.insert("request_payment");
    assert_eq!((d["payment_state"].as_str(), d["paused"].as_bool()), (Some("requested"), Some(true)), "{d}");
    let body =
        refused(&app, &desk.clerk, &d, "record_payment", json!({"payment_method": "card"}), 422, "validation_failed")
            .await;
    assert_eq!(detail(&body).0, "body.payment_method");
    let d = step(&app, &desk.clerk, &d, "record_payment", json!({"payment_method": "cash"}), ("received", 2)).await;
    done.insert("record_payment");
    assert_eq!((d["payment_state"].as_str(), d["paused"].as_bool()), (Some("paid_other"), Some(false)), "{d}");
    assert!(d["due_at"].is_string());
    let h = history(&app, &desk.clerk, &d).await;
    assert_eq!(h.last().map(|e| e["data"].clone()), Some(json!({"method": "cash", "clock": "resumed"})));

    let d = step(&app, &desk.clerk, &d, "hand_over", json!({}), ("in_processing", 4)).await;
    done.insert("hand_over");
    // The workflow has a leader's signature step: the officer may not issue the result directly.
    let body = refused(&app, &desk.officer, &d, "issue_result", json!({}), 409, "illegal_transition").await;
    assert_eq!(detail(&body).1, "approval_required");
    let d = step(&app, &desk.officer, &d, "submit_for_approval", json!({}), ("awaiting_approval", 4)).await;
    done.insert("submit_for_approval");
    assert_eq!(d["current_step"], 2);
    let body = refused(&app, &desk.leader, &d, "send_back", json!({}), 422, "validation_failed").await;
    assert_eq!(detail(&body), ("body.reason", "reason_required"));
    let d = step(
        &app,
        &desk.leader,
        &d,
        "send_back",
        json!({"reason": "Ghi sai ngày sinh trong dự thảo"}),
        ("in_processing", 4),
    )
    .await;
    done.insert("send_back");
    assert_eq!(d["current_step"], 1, "one step back");
    let d = step(&app, &desk.officer, &d, "submit_for_approval", json!({}), ("awaiting_approval", 4)).await;
    let d = step(&app, &desk.leader, &d, "approve", json!({}), ("result_ready", 9)).await;
    done.insert("approve");
    step(&app, &desk.clerk, &d, "return_result", json!({"delivery": "in_person"}), ("returned", 10)).await;
    done.insert("return_result");

    // B: counter; the leader issues the result from awaiting_approval (approve and issue in one step).
    let d = counter_dossier(&app, &desk.clerk).await;
    let d = step(&app, &desk.clerk, &d, "hand_over", json!({}), ("in_processing", 4)).await;
    let d = step(&app, &desk.officer, &d, "hand_over", json!({}), ("in_processing", 4)).await;
    assert_eq!(d["current_step"], 2);
    let d = step(&app, &desk.officer, &d, "submit_for_approval", json!({}), ("awaiting_approval", 4)).await;
    let d = step(&app, &desk.leader, &d, "issue_result", json!({}), ("result_ready", 9)).await;
    done.insert("issue_result");
    assert_eq!(d["current_step"], 4);

    // C: counter, refused at reception.
    let d = counter_dossier(&app, &desk.clerk).await;
    let body = refused(&app, &desk.clerk, &d, "refuse", json!({"reason": "   "}), 422, "validation_failed").await;
    assert_eq!(detail(&body), ("body.reason", "reason_required"));
    let d =
        step(&app, &desk.clerk, &d, "refuse", json!({"reason": "Hai bên chưa đủ tuổi kết hôn"}), ("refused", 3)).await;
    done.insert("refuse");
    assert!(d["finished_at"].is_string());

    // D: online, withdrawn by its applicant.
    let d = submit_online(&app, &citizen).await;
    step(&app, &citizen, &d, "withdraw", json!({}), ("withdrawn", 7)).await;
    done.insert("withdraw");

    // E: counter, stopped by the leader while awaiting approval.
    let d = counter_dossier(&app, &desk.clerk).await;
    let d = step(&app, &desk.clerk, &d, "hand_over", json!({}), ("in_processing", 4)).await;
    let d = step(&app, &desk.officer, &d, "hand_over", json!({}), ("in_processing", 4)).await;
    let d = step(&app, &desk.officer, &d, "submit_for_approval", json!({}), ("awaiting_approval", 4)).await;
    let body = refused(&app, &desk.leader, &d, "stop", json!({}), 422, "validation_failed").await;
    assert_eq!(detail(&body).0, "body.reason");
    step(&app, &desk.leader, &d, "stop", json!({"reason": "Người yêu cầu đã chết"}), ("stopped", 8)).await;
    done.insert("stop");

    // F: counter, the appointment moved with an apology.
    let d = counter_dossier(&app, &desk.clerk).await;
    let new_due = time_of(&d["due_at"]) + time::Duration::days(3);
    let d = step(
        &app,
        &desk.clerk,
        &d,
        "apologise",
        json!({"reason": "Cần xác minh thêm", "new_due_at": rfc3339(new_due)}),
        ("received", 2),
    )
    .await;
    done.insert("apologise");
    assert_eq!(time_of(&d["due_at"]), new_due);

    let all: BTreeSet<&str> =
        motcua::domain::lifecycle::ALL_ACTIONS.iter().filter(|a| !a.is_creation()).map(|a| a.as_str()).collect();
    assert_eq!(done, all, "every non-creation action was taken");
}

// ---------------------------------------------------------------- 3. apology

#[tokio::test]
async fn an_apology_moves_the_appointment_once() {
    let (app, desk) = seeded_app(8).await;
    let d = counter_dossier(&app, &desk.clerk).await;
    let due = time_of(&d["due_at"]);
    assert!(d["original_due_at"].is_null());

    // The new date must be later than the current appointment, and there must be a date and a reason.
    let same = json!({"reason": "Cần xác minh thêm", "new_due_at": rfc3339(due)});
    let body = refused(&app, &desk.clerk, &d, "apologise", same, 422, "validation_failed").await;
    assert_eq!(detail(&body), ("body.new_due_at", "not_later"));
    let earlier = json!({"reason": "Cần xác minh thêm", "new_due_at": rfc3339(due - time::Duration::hours(1))});
    refused(&app, &desk.clerk, &d, "apologise", earlier, 422, "validation_failed").await;
    let body =
        refused(&app, &desk.clerk, &d, "apologise", json!({"reason": "Cần xác minh"}), 422, "validation_failed").await;
    assert_eq!(detail(&body), ("body.new_due_at", "new_date_required"));
    let later = rfc3339(due + time::Duration::days(2));
    let body =
        refused(&app, &desk.clerk, &d, "apologise", json!({"new_due_at": later}), 422, "validation_failed").await;
    assert_eq!(detail(&body), ("body.reason", "reason_required"));

    let new_due = due + time::Duration::days(2);
    let d = act_ok(
        &app,
        &desk.clerk,
        &d,
        "apologise",
        json!({"reason": "Cần xác minh thêm với cơ quan công an", "new_due_at": rfc3339(new_due)}),
    )
    .await;
    assert_eq!(status(&d), ("received", 2), "an apology changes no state");
    assert_eq!(time_of(&d["due_at"]), new_due);
    assert_eq!(time_of(&d["original_due_at"]), due);
    assert_eq!(d["apologies"], 1);
    assert!(!d["allowed_actions"].as_array().is_some_and(|a| a.contains(&json!("apologise"))), "{d}");
    let h = history(&app, &desk.clerk, &d).await;
    let last = h.last().expect("entry");
    assert_eq!(last["action"], "apologise");
    assert_eq!(last["reason"], "Cần xác minh thêm với cơ quan công an");
    assert_eq!(time_of(&last["due_at"]), new_due);

    // Only one apology per dossier.
    let again = json!({"reason": "Lại chậm", "new_due_at": rfc3339(new_due + time::Duration::days(1))});
    let body = refused(&app, &desk.clerk, &d, "apologise", again, 409, "illegal_transition").await;
    assert_eq!(detail(&body).1, "apology_limit_reached");
    let d = read(&app, &desk.clerk, &d).await;
    assert_eq!((time_of(&d["due_at"]), d["apologies"].as_i64()), (new_due, Some(1)));
}

// ---------------------------------------------------------------- 4. illegal transitions

#[tokio::test]
async fn illegal_actions_are_refused_and_change_nothing() {
    let (app, desk) = seeded_app(8).await;
    let citizen = citizen(&app).await;
    let other = app.citizen_session("001090099999", "Trần Thị Bình").await;
    let counter = counter_dossier(&app, &desk.clerk).await;

    // 1–3. Edges that do not exist from `received`.
    for action in ["approve", "return_result", "accept", "submit_for_approval", "record_payment"] {
        let body = refused(&app, &desk.clerk, &counter, action, json!({}), 409, "illegal_transition").await;
        assert_eq!(detail(&body), ("body.action", "illegal_transition"), "{action}");
    }
    // 4. Unknown and creation actions are not actions on a dossier.
    for action in ["approve_all", "submit", "receive_at_counter", ""] {
        let body = refused(&app, &desk.clerk, &counter, action, json!({}), 422, "validation_failed").await;
        assert_eq!(detail(&body).0, "body.action", "{action}");
    }
    // 5. The applicant may not hand over their own dossier.
    let online = accepted_online(&app, &citizen, &desk.clerk).await;
    let body = refused(&app, &citizen, &online, "hand_over", json!({}), 403, "forbidden").await;
    assert_eq!(detail(&body).1, "role_not_allowed");
    refused(&app, &citizen, &online, "refuse", json!({"reason": "Tôi không muốn nữa"}), 403, "forbidden").await;
    // 6. Nor may anyone else touch it: not even its existence shows.
    refused(&app, &other, &online, "withdraw", json!({}), 404, "not_found").await;
    // 7. An officer may not accept: the dossier is at the one-stop desk, which the officer's unit never held.
    let fresh = submit_online(&app, &citizen).await;
    refused(&app, &desk.officer, &fresh, "accept", json!({}), 404, "not_found").await;
    // ... and once the officer's unit holds it, accepting is not an edge of `in_processing`.
    let inp = act_ok(&app, &desk.clerk, &counter, "hand_over", json!({})).await;
    refused(&app, &desk.officer, &inp, "accept", json!({}), 409, "illegal_transition").await;
    // 8. The clerk has no role at the specialist step; the officer none at the leader's.
    refused(&app, &desk.clerk, &inp, "submit_for_approval", json!({}), 403, "forbidden").await;
    let body = refused(&app, &desk.officer, &inp, "send_back", json!({"reason": "x"}), 422, "validation_failed").await;
    assert_eq!(detail(&body), ("body.action", "no_previous_step"));
    let awa = act_ok(&app, &desk.officer, &inp, "hand_over", json!({})).await;
    let awa = act_ok(&app, &desk.officer, &awa, "submit_for_approval", json!({})).await;
    refused(&app, &desk.officer, &awa, "approve", json!({}), 403, "forbidden").await;
    // 9. return_result before the result is ready; and by an officer once it is.
    refused(&app, &desk.clerk, &awa, "return_result", json!({}), 403, "forbidden").await;
    let ready = act_ok(&app, &desk.leader, &awa, "approve", json!({})).await;
    refused(&app, &desk.officer, &ready, "return_result", json!({}), 403, "forbidden").await;
    refused(&app, &desk.clerk, &ready, "hand_over", json!({}), 409, "illegal_transition").await;
    // 10. Withdrawing after the result is ready is too late.
    let mine = act_ok(&app, &desk.clerk, &online, "hand_over", json!({})).await;
    let mine = act_ok(&app, &desk.officer, &mine, "submit_for_approval", json!({})).await;
    let mine = act_ok(&app, &desk.leader, &mine, "approve", json!({})).await;
    refused(&app, &citizen, &mine, "withdraw", json!({}), 409, "illegal_transition").await;
    // 11. Nothing leaves a terminal state.
    let returned = act_ok(&app, &desk.clerk, &ready, "return_result", json!({})).await;
    for action in ["hand_over", "return_result", "refuse", "apologise"] {
        let extra = json!({"reason": "Thử lại", "new_due_at": "2099-01-01T08:00:00+07:00"});
        let body = refused(&app, &desk.clerk, &returned, action, extra, 409, "illegal_transition").await;
        assert_eq!(detail(&body).1, "terminal_state", "{action}");
    }
    let other_counter = counter_dossier(&app, &desk.clerk).await;
    let refused_d = act_ok(&app, &desk.clerk, &other_counter, "refuse", json!({"reason": "Không đủ điều kiện"})).await;
    for action in ["accept", "hand_over", "withdraw", "request_supplement"] {
        let extra = json!({"reason": "Thử lại", "items": ["TP01"]});
        let body = refused(&app, &desk.clerk, &refused_d, action, extra, 409, "illegal_transition").await;
        assert_eq!(detail(&body).1, "terminal_state", "{action}");
    }
}

// ---------------------------------------------------------------- 5. the supplement clock

#[tokio::test]
async fn a_supplement_freezes_the_clock_and_its_receipt_restarts_it() {
    let (app, desk) = seeded_app(8).await;
    let citizen = citizen(&app).await;
    let procedure = app.procedure(KHAI_SINH).await;
    assert!(
        procedure.get("on_supplement").is_none_or(|v| v == "restart"),
        "the default: {}",
        procedure["on_supplement"]
    );

    // The frozen figure is the one shown just before the request. Inside working hours a minute can tick
    // between the two reads; then (and only then) the frozen value is one less, and we try again.
    let mut paused = None;
    for _ in 0..3 {
        let d = accepted_online(&app, &citizen, &desk.clerk).await;
        let before = read(&app, &desk.clerk, &d).await;
        let left = before["time_left_minutes"].as_i64().expect("running clock");
        let p = act_ok(
            &app,
            &desk.clerk,
            &before,
            "request_supplement",
            json!({"reason": "Thiếu giấy chứng sinh", "items": ["Giấy chứng sinh"]}),
        )
        .await;
        let frozen = p["time_left_minutes"].as_i64().expect("frozen, not gone");
        if frozen == left {
            paused = Some((before, p));
            break;
        }
        assert_eq!(frozen, left - 1, "only a minute tick between the reads may explain a difference");
    }
    let (before, p) = paused.expect("the frozen time left equals the time left just before the request");
    assert_eq!((p["paused"].as_bool(), p["due_at"].is_null()), (Some(true), true), "{p}");
    // It stays frozen.
    for _ in 0..2 {
        let again = read(&app, &desk.clerk, &p).await;
        assert_eq!(again["time_left_minutes"], p["time_left_minutes"]);
        assert!(again["due_at"].is_null());
    }
    let old_due = time_of(&before["due_at"]);

    // The restart: the full statutory time from the next working instant after the receipt.
    let sent = OffsetDateTime::now_utc();
    let r = act_ok(&app, &desk.clerk, &p, "receive_supplement", json!({})).await;
    let answered = OffsetDateTime::now_utc();
    let new_due = time_of(&r["due_at"]);
    assert_eq!((status(&r), r["paused"].as_bool()), (("received", 2), Some(false)));
    assert!(new_due >= old_due, "{new_due} < {old_due}");
    let h = history(&app, &desk.clerk, &r).await;
    let entry = h.last().expect("entry");
    assert_eq!(
        (entry["action"].as_str(), entry["data"]["clock"].as_str()),
        (Some("receive_supplement"), Some("restarted"))
    );
    assert_eq!(time_of(&entry["due_at"]), new_due);
    let received = time_of(&entry["at"]);
    assert!(sent <= received && received <= answered, "the entry's time is the receipt's");
    // The server took the receipt time between the entry's timestamp (its transaction start) and our answer.
    let lower = deadline_online(&app, received, &procedure).await;
    let upper = deadline_online(&app, answered, &procedure).await;
    assert!(lower <= new_due && new_due <= upper, "{lower} <= {new_due} <= {upper}");
    assert!(r["time_left_minutes"].is_i64(), "running again: {r}");
}

// ---------------------------------------------------------------- 6. concurrent receptions

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_counter_receptions_get_consecutive_codes() {
    let (app, desk) = seeded_app(40).await;
    let mut bodies = Vec::new();
    for i in 0..32 {
        bodies.push(counter_request(&app, &desk.clerk, &format!("Người nộp số {i}")).await);
    }
    let day = vietnam_today();
    let tasks =
        bodies.into_iter().map(|b| spawn_post(&app, &desk.clerk, "/api/v1/dossiers/counter", b, None)).collect();
    let answers = join_all(tasks).await;
    if vietnam_today() != day {
        eprintln!("midnight passed in Vietnam during the test; the codes span two days");
        return;
    }
    let mut codes: Vec<String> = answers
        .iter()
        .map(|(s, b)| {
            assert_eq!(*s, 201, "{b}");
            assert_eq!(status(b), ("received", 2));
            b["code"].as_str().expect("code").to_owned()
        })
        .collect();
    codes.sort();
    let expected: Vec<String> = (1..=32).map(|n| format!("{COMMUNE}-{day}-{n:04}")).collect();
    assert_eq!(codes, expected);
    let ids: BTreeSet<&str> = answers.iter().map(|(_, b)| id(b)).collect();
    assert_eq!(ids.len(), 32);
    assert_eq!(dossier_count(&app).await, 32);
}

// ---------------------------------------------------------------- 7. concurrent actions on one dossier

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_sixteen_concurrent_actions_on_one_version_exactly_one_wins() {
    let (app, desk) = seeded_app(24).await;
    let d = counter_dossier(&app, &desk.clerk).await;
    let (version, entries) = version_and_history_len(&app, &d).await;
    let path = format!("/api/v1/dossiers/{}/actions", id(&d));
    let tasks = (0..16)
        .map(|i| {
            let body = if i % 2 == 0 {
                json!({"action": "hand_over", "expected_version": version})
            } else {
                json!({"action": "refuse", "expected_version": version, "reason": format!("Từ chối lần {i}")})
            };
            spawn_post(&app, &desk.clerk, &path, body, None)
        })
        .collect();
    let answers = join_all(tasks).await;
    let winners: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 200).map(|(_, b)| b).collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for (s, b) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*s, 409, "{b}");
        assert!(b["code"] == "conflict" || b["code"] == "illegal_transition", "{b}");
    }
    assert_eq!(version_and_history_len(&app, &d).await, (version + 1, entries + 1));
    let now = read(&app, &desk.clerk, &d).await;
    assert_eq!(now["state"], winners[0]["state"]);
    assert_eq!(now["version"], version + 1);
}

// ---------------------------------------------------------------- 8. idempotency

#[tokio::test]
async fn a_repeated_counter_reception_with_the_same_key_creates_one_dossier() {
    let (app, desk) = seeded_app(8).await;
    let body = counter_request(&app, &desk.clerk, "Lê Văn Cường").await;
    let path = "/api/v1/dossiers/counter";
    let first = app.post_as_with_key(&desk.clerk, path, &body, "quay-1-lan-1").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = app.post_as_with_key(&desk.clerk, path, &body, "quay-1-lan-1").await;
    assert_eq!(again.status(), 201);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again, first, "the retry gets the first answer");
    assert_eq!(dossier_count(&app).await, 1);

    // The same key for a different request is refused, and creates nothing.
    let mut changed = body.clone();
    changed["applicant"]["full_name"] = json!("Lê Văn Cường Khác");
    let res = app.post_as_with_key(&desk.clerk, path, &changed, "quay-1-lan-1").await;
    let err = expect_error(res, 422, "idempotency_key_reused").await;
    assert_eq!(detail(&err).0, "header.idempotency-key");
    assert_eq!(dossier_count(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_submissions_with_the_same_key_create_one_dossier() {
    let (app, _desk) = seeded_app(16).await;
    let citizen = citizen(&app).await;
    let body = online_request(&app, &citizen).await;
    let tasks =
        (0..8).map(|_| spawn_post(&app, &citizen, "/api/v1/dossiers", body.clone(), Some("nop-khai-sinh-1"))).collect();
    let answers = join_all(tasks).await;
    let ids: BTreeSet<&str> = answers
        .iter()
        .map(|(s, b)| {
            assert_eq!(*s, 201, "{b}");
            id(b)
        })
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert_eq!(dossier_count(&app).await, 1);
    let codes: BTreeSet<&str> = answers.iter().filter_map(|(_, b)| b["code"].as_str()).collect();
    assert_eq!(codes.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_accept_is_applied_once() {
    let (app, desk) = seeded_app(16).await;
    let citizen = citizen(&app).await;

    // Sequential retries.
    let d = submit_online(&app, &citizen).await;
    let path = format!("/api/v1/dossiers/{}/actions", id(&d));
    let accept = json!({"action": "accept", "expected_version": d["version"]});
    let mut answers = Vec::new();
    for _ in 0..3 {
        let res = app.post_as_with_key(&desk.clerk, &path, &accept, "tiep-nhan-1").await;
        assert_eq!(res.status(), 200);
        answers.push(res.json::<Value>().await.expect("json"));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(version_and_history_len(&app, &d).await, (2, 2));
    let h = history(&app, &desk.clerk, &d).await;
    assert_eq!(h.iter().filter(|e| e["action"] == "accept").count(), 1);
    // A different action under the same key is a different request.
    let res = app
        .post_as_with_key(&desk.clerk, &path, &json!({"action": "hand_over", "expected_version": 2}), "tiep-nhan-1")
        .await;
    expect_error(res, 422, "idempotency_key_reused").await;
    assert_eq!(version_and_history_len(&app, &d).await, (2, 2));

    // Concurrent retries.
    let d = submit_online(&app, &citizen).await;
    let path = format!("/api/v1/dossiers/{}/actions", id(&d));
    let accept = json!({"action": "accept", "expected_version": d["version"]});
    let tasks = (0..8).map(|_| spawn_post(&app, &desk.clerk, &path, accept.clone(), Some("tiep-nhan-2"))).collect();
    let answers = join_all(tasks).await;
    for (s, b) in &answers {
        assert_eq!(*s, 200, "{b}");
        assert_eq!(b, &answers[0].1, "every retry gets the one answer");
    }
    assert_eq!(version_and_history_len(&app, &d).await, (2, 2));
    let h = history(&app, &desk.clerk, &d).await;
    assert_eq!(h.iter().filter(|e| e["action"] == "accept").count(), 1);
}

// ---------------------------------------------------------------- 9. the audit chain after a journey

#[tokio::test]
async fn the_audit_chain_holds_after_a_journey_and_names_a_tampered_entry() {
    let (app, desk) = seeded_app(8).await;
    let citizen = citizen(&app).await;
    let d = accepted_online(&app, &citizen, &desk.clerk).await;
    let d = act_ok(&app, &desk.clerk, &d, "hand_over", json!({})).await;
    let d = act_ok(&app, &desk.officer, &d, "submit_for_approval", json!({})).await;
    let d = act_ok(&app, &desk.leader, &d, "approve", json!({})).await;
    let d = act_ok(&app, &desk.clerk, &d, "return_result", json!({})).await;
    assert_eq!(status(&d), ("returned", 10));
    let _ = read(&app, &desk.clerk, &d).await; // a staff read is audited too

    let Verdict::Ok { entries } = audit::verify(&app.db).await.expect("verify") else {
        panic!("the chain is broken after an ordinary journey")
    };
    let journey: Vec<(i64, String)> = sqlx::query_as(
        "SELECT seq, action FROM audit_log WHERE object_kind = 'dossier' AND object_id = $1 ORDER BY seq",
    )
    .bind(id(&d))
    .fetch_all(&app.db)
    .await
    .expect("entries");
    let actions: Vec<&str> = journey.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "dossier.submit",
            "dossier.accept",
            "dossier.hand_over",
            "dossier.submit_for_approval",
            "dossier.approve",
            "dossier.return_result",
            "dossier.read_personal_data"
        ]
    );
    assert!(journey.iter().all(|(seq, _)| *seq <= entries));

    // The history cannot be rewritten through the application's connection.
    let err = sqlx::query("UPDATE dossier_action SET note = 'sửa' WHERE dossier_id = $1::uuid")
        .bind(id(&d))
        .execute(&app.db)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM dossier_action WHERE dossier_id = $1::uuid")
        .bind(id(&d))
        .execute(&app.db)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("append-only"), "{err}");

    // Someone goes around the triggers and rewrites the approval's audit entry.
    let approve_seq = journey.iter().find(|(_, a)| a == "dossier.approve").map(|(s, _)| *s).expect("approve entry");
    let mut tx = app.db.begin().await.expect("begin");
    sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.expect("bypass triggers");
    let changed =
        sqlx::query("UPDATE audit_log SET details = replace(details, 'result_ready', 'refused') WHERE seq = $1")
            .bind(approve_seq)
            .execute(&mut *tx)
            .await
            .expect("tamper")
            .rows_affected();
    tx.commit().await.expect("commit");
    assert_eq!(changed, 1);
    match audit::verify(&app.db).await.expect("verify") {
        Verdict::Broken { seq, reason } => {
            assert_eq!(seq, approve_seq, "{reason}");
            assert!(reason.contains("altered"), "{reason}");
        }
        v => panic!("tampering not detected: {v:?}"),
    }
}

// ---------------------------------------------------------------- pauses asked at a processing step

#[tokio::test]
async fn a_supplement_asked_at_a_processing_step_is_received_at_the_desk() {
    let (app, desk) = seeded_app(8).await;
    let d = counter_dossier(&app, &desk.clerk).await;
    let d = step(&app, &desk.clerk, &d, "hand_over", json!({}), ("in_processing", 4)).await;
    let unit = d["current_unit_id"].clone();
    let d = step(
        &app,
        &desk.officer,
        &d,
        "request_supplement",
        json!({"reason": "Giấy xác nhận tình trạng hôn nhân hết hạn", "items": ["Giấy xác nhận tình trạng hôn nhân"]}),
        ("supplement_requested", 5),
    )
    .await;
    assert_eq!(d["paused"], true);
    // The applicant brings the document to the one-stop desk, which held the dossier.
    let seen = read(&app, &desk.clerk, &d).await;
    assert!(seen["allowed_actions"].as_array().is_some_and(|a| a.contains(&json!("receive_supplement"))), "{seen}");
    let upload = app.upload_pdf(&desk.clerk, "giấy xác nhận mới.pdf").await;
    let d = step(
        &app,
        &desk.clerk,
        &d,
        "receive_supplement",
        json!({"attachments": [{"upload_id": upload, "component_code": "TP01"}]}),
        ("in_processing", 4),
    )
    .await;
    // Back at the same step and unit.
    assert_eq!((d["current_step"].as_u64(), &d["current_unit_id"]), (Some(1), &unit));
    assert_eq!(d["paused"], false);
    assert!(d["attachments"].as_array().is_some_and(|a| a.iter().any(|x| x["role"] == "supplement")), "{d}");
    step(&app, &desk.officer, &d, "hand_over", json!({}), ("in_processing", 4)).await;
}

#[tokio::test]
async fn a_fee_asked_by_a_department_is_paid_at_the_service_centre() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let centre = app.staff_session("ttphvhcc.motcua").await;
    let officer = app.staff_session("stp.chuyenvien").await;
    let leader = app.staff_session("stp.lanhdao").await;
    let procedure = app.procedure(LY_LICH_TU_PHAP).await;
    let upload = app.upload_pdf(&centre, "tờ khai lý lịch tư pháp.pdf").await;
    let res = app
        .post_as(
            &centre,
            "/api/v1/dossiers/counter",
            &json!({
                "procedure_code": LY_LICH_TU_PHAP,
                "applicant": {"full_name": "Phạm Thị Dung", "personal_id": "038190004321"},
                "form": valid_answers(&procedure["form"]),
                "attachments": [{"upload_id": upload, "component_code": "TP01", "checked_against_original": true}]
            }),
        )
        .await;
    let code = res.status();
    let d: Value = res.json().await.expect("json");
    assert_eq!(code, 201, "{d}");
    assert_eq!(d["agency_id"], json!(app.agency_id("H56.14").await), "Sở Tư pháp is competent");
    assert_eq!(d["fees_total"], 200_000);
    assert!(d["code"].as_str().is_some_and(|c| c.starts_with("000.00.30.H56-")), "the centre's code: {}", d["code"]);

    let d = step(&app, &centre, &d, "hand_over", json!({}), ("in_processing", 4)).await;
    let d = step(&app, &officer, &d, "request_payment", json!({}), ("payment_requested", 6)).await;
    assert_eq!((d["payment_state"].as_str(), d["paused"].as_bool()), (Some("requested"), Some(true)));
    let d =
        step(&app, &centre, &d, "record_payment", json!({"payment_method": "transfer"}), ("in_processing", 4)).await;
    assert_eq!((d["payment_state"].as_str(), d["current_step"].as_u64()), (Some("paid_other"), Some(1)));
    let d = step(&app, &officer, &d, "hand_over", json!({}), ("in_processing", 4)).await;
    let d = step(&app, &officer, &d, "submit_for_approval", json!({}), ("awaiting_approval", 4)).await;
    let d = step(&app, &leader, &d, "approve", json!({}), ("result_ready", 9)).await;
    step(&app, &centre, &d, "return_result", json!({}), ("returned", 10)).await;
}

// ---------------------------------------------------------------- once bugs, now rules

/// The agency's leader answers for all its dossiers: they may see, stop or apologise for a dossier
/// before it reaches the leadership unit (`can_see` admits the competent agency's leaders).
#[tokio::test]
async fn the_agency_leader_stops_a_received_dossier() {
    let (app, desk) = seeded_app(8).await;
    let d = counter_dossier(&app, &desk.clerk).await;
    step(&app, &desk.leader, &d, "stop", json!({"reason": "Người yêu cầu đã chết"}), ("stopped", 8)).await;
}

/// An apology on a paused dossier (allowed from S(received), S(in_processing), P(any)) is checked against
/// the appointment frozen at the pause, records it as `original_due_at`, shows no `due_at` while paused,
/// and extends the frozen time left (which the resumed clock uses).
#[tokio::test]
async fn an_apology_while_paused_moves_the_frozen_appointment() {
    let (app, desk) = seeded_app(8).await;
    let d = counter_dossier(&app, &desk.clerk).await;
    let due = time_of(&d["due_at"]);
    let p = act_ok(&app, &desk.clerk, &d, "request_supplement", json!({"reason": "Thiếu", "items": ["TP02"]})).await;
    let frozen = p["time_left_minutes"].as_i64().expect("frozen");
    // Earlier than the appointment the applicant holds: not an apology's new date.
    let earlier = json!({"reason": "Xin lỗi", "new_due_at": rfc3339(due - time::Duration::hours(1))});
    refused(&app, &desk.clerk, &p, "apologise", earlier, 422, "validation_failed").await;
    let later = due + time::Duration::days(2);
    let a =
        act_ok(&app, &desk.clerk, &p, "apologise", json!({"reason": "Xin lỗi", "new_due_at": rfc3339(later)})).await;
    assert_eq!(a["paused"], true);
    assert!(a["due_at"].is_null(), "no appointment shown while paused: {a}");
    assert_eq!(time_of(&a["original_due_at"]), due);
    assert!(a["time_left_minutes"].as_i64().is_some_and(|m| m > frozen), "{a}");
}
