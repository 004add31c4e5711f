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

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_address() {
    let (app, _stand_ins) = TestApp::spawn_with_stand_ins(|c| c.signin_per_minute = 3).await;
    for _ in 0..3 {
        let res = app.get("/auth/login?who=citizen").await;
        assert_eq!(res.status(), 303);
    }
    let res = app.get("/auth/login?who=citizen").await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "rate_limited");
}

#[tokio::test]
async fn a_hidden_dossier_is_recorded_as_a_refused_access() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let other_agency = app.staff_session("stp.motcua").await;
    let d = super::dossiers::counter_dossier(&app, &clerk).await;
    let res = app.get_as(&other_agency, &format!("/api/v1/dossiers/{}", d["id"].as_str().unwrap_or_default())).await;
    assert_eq!(res.status(), 404, "no existence leak");
    let refused = audit_actions(&app, "auth.access_refused").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].1.contains("dossier_not_visible") && refused[0].1.contains("/api/v1/dossiers/{id}"),
        "{refused:?}"
    );
    let actor: Option<String> =
        sqlx::query_scalar("SELECT actor_id FROM audit_log WHERE action = 'auth.access_refused'")
            .fetch_one(&app.db)
            .await
            .expect("actor");
    assert_eq!(actor, Some(other_agency.id.to_string()), "the refused caller is named");
}
