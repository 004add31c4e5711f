//! Sign-in against the real `oidc-provider` stand-in (sim/eid) and the population-database stand-in.

use integration_tests::{Browser, TestApp};
use serde_json::Value;

async fn audit_actions(app: &TestApp, prefix: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT action, details FROM audit_log WHERE action LIKE $1 ORDER BY seq")
        .bind(format!("{prefix}%"))
        .fetch_all(&app.db)
        .await
        .expect("audit")
}

#[tokio::test]
async fn a_citizen_signs_in_reaches_my_dossiers_and_signs_out() {
    let (app, _stand_ins) = TestApp::spawn_with_stand_ins(|_| {}).await;
    app.seed().await;
    let browser = Browser::new();
    let res = browser.sign_in(&app, "citizen", "vneid-0001").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap_or_default());
    assert_eq!(res.headers()["location"], "/ho-so-cua-toi");
    let cookie = browser.cookie(&app.base_url, "motcua_session").expect("a session cookie");
    assert!(cookie.len() >= 32, "at least 128 random bits");

    let me: Value = browser.client.get(app.url("/api/v1/me")).send().await.expect("me").json().await.expect("json");
    assert_eq!(me["kind"], "citizen");
    assert_eq!(me["full_name"], "Nguyễn Văn An");
    assert_eq!(me["personal_id"], "001******345");
    let res = browser.client.get(app.url("/api/v1/me/dossiers")).send().await.expect("mine");
    assert_eq!(res.status(), 200);

    // The first sign-in was checked against the population database, and recorded who asked and why.
    let lookups: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT requested_by, purpose, personal_id, result FROM population_lookup")
            .fetch_all(&app.db)
            .await
            .expect("lookups");
    assert_eq!(lookups, [("CONGDAN".into(), "SIGNIN".into(), "001******345".into(), "verified".into())]);
    assert_eq!(audit_actions(&app, "auth.sign_in").await.len(), 1);

    // Sign-out kills the session on the server: replaying the old cookie is 401.
    let csrf = me["csrf_token"].as_str().unwrap_or_default();
    let res =
        browser.client.post(app.url("/api/v1/auth/logout")).header("x-csrf-token", csrf).send().await.expect("out");
    assert_eq!(res.status(), 200);
    let out: Value = res.json().await.expect("json");
    assert!(out["end_session_url"].as_str().is_some_and(|u| u.contains("/session/end")), "{out}");
    let replay = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("motcua_session={cookie}"))
        .send()
        .await
        .expect("replay");
    assert_eq!(replay.status(), 401);
    assert_eq!(audit_actions(&app, "auth.sign_out").await.len(), 1);
}

#[tokio::test]
async fn a_staff_member_gets_exactly_their_units_and_an_unknown_one_is_refused() {
    let (app, _stand_ins) = TestApp::spawn_with_stand_ins(|_| {}).await;
    app.seed().await;
    let browser = Browser::new();
    let res = browser.sign_in(&app, "staff", "hacthanh.motcua").await;
    assert_eq!(res.status(), 303);
    let me: Value = browser.client.get(app.url("/api/v1/me")).send().await.expect("me").json().await.expect("json");
    assert_eq!(me["kind"], "staff");
    assert_eq!(me["full_name"], "Hoàng Thị Mai Anh");
    let roles = me["roles"].as_array().expect("roles");
    assert_eq!(roles.len(), 1, "{me}");
    assert_eq!((roles[0]["unit_kind"].as_str(), roles[0]["role"].as_str()), (Some("one_stop"), Some("clerk")));
    assert_eq!(browser.client.get(app.url("/api/v1/queues")).send().await.expect("queues").status(), 200);

    let other = Browser::new();
    let res = other.sign_in(&app, "staff", "nhanvien.khongtontai").await;
    assert_eq!(res.status(), 403);
    let page = res.text().await.expect("page");
    assert!(page.contains("chưa được cấp quyền"), "{page}");
    assert!(other.cookie(&app.base_url, "motcua_session").is_none());
    let failed = audit_actions(&app, "auth.sign_in_failed").await;
    assert!(failed.iter().any(|(_, d)| d.contains("no_staff_account")), "{failed:?}");
}

#[tokio::test]
async fn a_replayed_or_swapped_callback_is_refused_and_audited() {
    let (app, _stand_ins) = TestApp::spawn_with_stand_ins(|_| {}).await;
    app.seed().await;
    let a = Browser::new();
    let start = app.url("/auth/login?who=citizen&login_hint=vneid-0002");
    let callback = a.follow_until(&start, &app.url("/auth/callback")).await.expect("callback");
    // Browser B presents A's callback: the state is bound to A's browser.
    let b = Browser::new();
    let _ = b.follow_until(&app.url("/auth/login?who=citizen&login_hint=vneid-0003"), &app.url("/auth/callback")).await;
    let res = b.client.get(&callback).send().await.expect("swapped");
    assert_eq!(res.status(), 400);
    // The pending request was consumed by that attempt: A's own use is now a replay.
    let res = a.client.get(&callback).send().await.expect("replayed");
    assert_eq!(res.status(), 400);
    // A fresh sign-in works, and its callback cannot be used twice.
    let callback = a.follow_until(&start, &app.url("/auth/callback")).await.expect("callback");
    assert_eq!(a.client.get(&callback).send().await.expect("first").status(), 303);
    assert_eq!(a.client.get(&callback).send().await.expect("second").status(), 400);
    let reasons: Vec<String> = audit_actions(&app, "auth.sign_in_failed").await.into_iter().map(|(_, d)| d).collect();
    assert!(reasons.iter().any(|d| d.contains("state_not_bound_to_browser")), "{reasons:?}");
    assert!(reasons.iter().filter(|d| d.contains("unknown_state")).count() >= 2, "{reasons:?}");
}
