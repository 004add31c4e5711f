//! `motcua seed`: demo data, idempotent, marked as sample.

use integration_tests::TestApp;

#[tokio::test]
async fn seed_loads_a_sample_province_once() {
    let app = TestApp::spawn().await;
    let first = motcua::seed::run(&app.db).await.expect("seed");
    assert!(first.agencies_added >= 10, "{first:?}");
    let again = motcua::seed::run(&app.db).await.expect("seed again");
    assert_eq!(again.agencies_added, 0, "a second seed adds nothing");

    let res = app.get("/api/v1/agencies").await;
    assert_eq!(res.status(), 200);
    let agencies: Vec<serde_json::Value> = res.json().await.expect("json");
    assert_eq!(agencies.len() as u64, first.agencies_added);
    assert!(agencies.iter().all(|a| a["is_sample"] == true));
    let by_code = |c: &str| agencies.iter().find(|a| a["code"] == c).cloned().expect(c);
    let province = by_code("H56");
    assert_eq!(province["name"], "Ủy ban nhân dân tỉnh Thanh Hóa");
    assert_eq!(province["legacy_code"], "000.00.00.H56");
    assert!(province["parent_id"].is_null());
    let justice = by_code("H56.14");
    assert_eq!(justice["parent_id"], province["id"]);
    assert_eq!(justice["legacy_code"], "000.00.14.H56");
    // A commune code with a 3-digit group has no legacy alias.
    assert!(by_code("H56.101")["legacy_code"].is_null());
}
