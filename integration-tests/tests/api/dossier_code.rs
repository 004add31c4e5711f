//! Dossier codes under concurrent receipt: gap-free, distinct, per agency per day.

use integration_tests::TestApp;
use time::macros::date;

async fn agency_id(app: &TestApp, code: &str) -> uuid::Uuid {
    sqlx::query_scalar("SELECT agency_id FROM agency_code WHERE code = $1")
        .bind(code)
        .fetch_one(&app.db)
        .await
        .expect("seeded agency")
}

#[tokio::test]
async fn thirty_two_concurrent_receipts_get_consecutive_codes() {
    let app = TestApp::spawn_with(|c| c.db_max_connections = 40).await;
    motcua::seed::run(&app.db).await.expect("seed");
    let agency = agency_id(&app, "H56.14").await;
    let day = date!(2026 - 03 - 02);

    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let db = app.db.clone();
            tokio::spawn(async move {
                let mut tx = db.begin().await.expect("begin");
                let code =
                    motcua::store::dossier_code::next(&mut tx, agency, "000.00.14.H56", day).await.expect("next");
                tokio::task::yield_now().await;
                tx.commit().await.expect("commit");
                code.to_string()
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.expect("join"));
    }
    codes.sort();
    let expected: Vec<String> = (1..=32).map(|n| format!("000.00.14.H56-260302-{n:04}")).collect();
    assert_eq!(codes, expected);

    // Another agency and another day have their own counters.
    let other = agency_id(&app, "H56.18").await;
    let mut tx = app.db.begin().await.expect("begin");
    let c = motcua::store::dossier_code::next(&mut tx, other, "000.00.18.H56", day).await.expect("next");
    assert_eq!(c.to_string(), "000.00.18.H56-260302-0001");
    let c =
        motcua::store::dossier_code::next(&mut tx, agency, "000.00.14.H56", date!(2026 - 03 - 03)).await.expect("next");
    assert_eq!(c.to_string(), "000.00.14.H56-260303-0001");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_rolled_back_receipt_leaves_no_gap() {
    let app = TestApp::spawn().await;
    motcua::seed::run(&app.db).await.expect("seed");
    let agency = agency_id(&app, "H56.14").await;
    let day = date!(2026 - 03 - 02);
    let mut tx = app.db.begin().await.expect("begin");
    let first = motcua::store::dossier_code::next(&mut tx, agency, "000.00.14.H56", day).await.expect("next");
    assert_eq!(first.sequence(), 1);
    tx.rollback().await.expect("rollback");
    let mut tx = app.db.begin().await.expect("begin");
    let again = motcua::store::dossier_code::next(&mut tx, agency, "000.00.14.H56", day).await.expect("next");
    tx.commit().await.expect("commit");
    assert_eq!(again.to_string(), "000.00.14.H56-260302-0001");
}
