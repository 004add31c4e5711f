//! The audit log: append-only, hash-chained, checked by `verify-audit`.

use integration_tests::TestApp;
use motcua::store::audit::{self, Verdict};

#[tokio::test]
async fn the_chain_verifies_and_names_the_altered_entry() {
    let app = TestApp::spawn().await;
    assert_eq!(audit::verify(&app.db).await.expect("verify"), Verdict::Ok { entries: 0 });
    motcua::seed::run(&app.db).await.expect("seed");
    let Verdict::Ok { entries } = audit::verify(&app.db).await.expect("verify") else {
        panic!("chain broken after seed")
    };
    assert!(entries >= 10, "one entry per agency created: {entries}");

    // The application cannot rewrite history.
    let err =
        sqlx::query("UPDATE audit_log SET details = '{}' WHERE seq = 3").execute(&app.db).await.expect_err("refused");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(&app.db).await.expect_err("refused");
    assert!(err.to_string().contains("append-only"), "{err}");

    // Someone with superuser rights goes around the trigger and alters entry 4.
    let mut tx = app.db.begin().await.expect("begin");
    sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.expect("bypass triggers");
    sqlx::query("UPDATE audit_log SET details = replace(details, 'Sở', 'Phòng') WHERE seq = 4")
        .execute(&mut *tx)
        .await
        .expect("tamper");
    tx.commit().await.expect("commit");
    match audit::verify(&app.db).await.expect("verify") {
        Verdict::Broken { seq, reason } => {
            assert_eq!(seq, 4);
            assert!(reason.contains("altered"), "{reason}");
        }
        v => panic!("tampering not detected: {v:?}"),
    }
}

#[tokio::test]
async fn a_deleted_entry_is_named() {
    let app = TestApp::spawn().await;
    motcua::seed::run(&app.db).await.expect("seed");
    let mut tx = app.db.begin().await.expect("begin");
    sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.expect("bypass triggers");
    sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&mut *tx).await.expect("tamper");
    tx.commit().await.expect("commit");
    assert!(matches!(audit::verify(&app.db).await.expect("verify"), Verdict::Broken { seq: 2, .. }));
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_entry_and_no_gap() {
    let app = TestApp::spawn().await;
    let entry = |action: &'static str| audit::Entry {
        actor_kind: audit::ActorKind::System,
        actor_id: None,
        action,
        object_kind: None,
        object_id: None,
        details: serde_json::json!({"ghi_chú": "Đăng ký khai sinh"}),
    };
    let mut tx = app.db.begin().await.expect("begin");
    audit::append(&mut tx, &entry("test.rolled_back")).await.expect("append");
    tx.rollback().await.expect("rollback");
    let mut tx = app.db.begin().await.expect("begin");
    assert_eq!(audit::append(&mut tx, &entry("test.kept")).await.expect("append"), 1);
    tx.commit().await.expect("commit");
    assert_eq!(audit::verify(&app.db).await.expect("verify"), Verdict::Ok { entries: 1 });
}
