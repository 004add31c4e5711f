//! Agency administration: administrators manage their own agency only.

use integration_tests::{TestApp, expect_error};
use serde_json::{Value, json};

#[tokio::test]
async fn agency_administrators_manage_their_own_agency_only() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let ward_admin = app.staff_session("hacthanh.quantri").await;
    let other_admin = app.staff_session("stp.quantri").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let ward = app.agency_id("H56.101").await;
    let justice = app.agency_id("H56.14").await;

    let res = app.get_as(&clerk, &format!("/api/v1/agencies/{ward}/units")).await;
    let units: Vec<Value> = res.json().await.expect("json");
    let one_stop = units.iter().find(|u| u["kind"] == "one_stop").expect("one-stop unit")["id"].clone();
    let justice_units: Vec<Value> =
        app.get_as(&clerk, &format!("/api/v1/agencies/{justice}/units")).await.json().await.expect("json");

    // A new unit, by the ward's administrator; not by another agency's; not by a clerk.
    let unit = json!({"name": "Bộ phận Văn hóa - Xã hội", "kind": "specialist"});
    expect_error(app.post_as(&other_admin, &format!("/api/v1/agencies/{ward}/units"), &unit).await, 403, "forbidden")
        .await;
    expect_error(app.post_as(&clerk, &format!("/api/v1/agencies/{ward}/units"), &unit).await, 403, "forbidden").await;
    assert_eq!(app.post_as(&ward_admin, &format!("/api/v1/agencies/{ward}/units"), &unit).await.status(), 201);
    expect_error(app.post_as(&ward_admin, &format!("/api/v1/agencies/{ward}/units"), &unit).await, 409, "conflict")
        .await;

    // A new clerk at the ward's desk.
    let new_staff = json!({"username": "hacthanh.motcua2", "full_name": "Lương Thị Thanh Tâm",
                           "roles": [{"unit_id": one_stop, "role": "clerk"}]});
    let res = app.post_as(&ward_admin, &format!("/api/v1/agencies/{ward}/staff"), &new_staff).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("json");
    expect_error(
        app.post_as(&ward_admin, &format!("/api/v1/agencies/{ward}/staff"), &new_staff).await,
        409,
        "conflict",
    )
    .await;
    // Roles outside the agency, or system_admin, are refused with the field named.
    let bad = json!({"username": "x.y", "full_name": "Phan Văn Long",
                     "roles": [{"unit_id": justice_units[0]["id"], "role": "clerk"}, {"unit_id": one_stop, "role": "system_admin"}]});
    let err = expect_error(
        app.post_as(&ward_admin, &format!("/api/v1/agencies/{ward}/staff"), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> =
        err["details"].as_array().into_iter().flatten().filter_map(|d| d["field"].as_str()).collect();
    assert!(fields.contains(&"body.roles[0].unit_id") && fields.contains(&"body.roles[1].role"), "{err}");

    // The new clerk works; disabling the account ends their session at once.
    let new_clerk = app.staff_session("hacthanh.motcua2").await;
    assert_eq!(app.get_as(&new_clerk, "/api/v1/queues").await.status(), 200);
    let id = created["id"].as_str().unwrap_or_default();
    expect_error(app.post_as(&other_admin, &format!("/api/v1/staff/{id}/disable"), &json!({})).await, 403, "forbidden")
        .await;
    assert_eq!(app.post_as(&ward_admin, &format!("/api/v1/staff/{id}/disable"), &json!({})).await.status(), 204);
    expect_error(app.get_as(&new_clerk, "/api/v1/queues").await, 401, "unauthenticated").await;
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM session WHERE staff_id = $1::uuid AND revoked_at IS NULL")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(live, 0);

    let audited: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'admin.%' ORDER BY seq")
            .fetch_all(&app.db)
            .await
            .expect("audit");
    assert_eq!(audited, ["admin.unit_created", "admin.staff_created", "admin.staff_disabled"]);
}

#[tokio::test]
async fn every_mutating_route_replays_its_first_answer_for_a_retried_key() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let ward_admin = app.staff_session("hacthanh.quantri").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let ward = app.agency_id("H56.101").await;

    let unit = json!({"name": "Bộ phận Địa chính", "kind": "specialist"});
    let path = format!("/api/v1/agencies/{ward}/units");
    let first = app.post_as_with_key(&ward_admin, &path, &unit, "k-unit-1").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = app.post_as_with_key(&ward_admin, &path, &unit, "k-unit-1").await;
    assert_eq!(again.status(), 201, "a retry gets the first answer, not a 409");
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    let units: i64 = sqlx::query_scalar("SELECT count(*) FROM unit WHERE name = 'Bộ phận Địa chính'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(units, 1);

    // An upload retried with its key is stored once.
    let upload = |key: &'static str| {
        let part = reqwest::multipart::Part::bytes(integration_tests::minimal_pdf("x")).file_name("giấy tờ.pdf");
        app.client
            .post(app.url("/api/v1/uploads"))
            .header("cookie", format!("motcua_session={}", clerk.cookie))
            .header("x-csrf-token", clerk.csrf.clone())
            .header("idempotency-key", key)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
    };
    let a: Value = upload("k-up-1").await.expect("sent").json().await.expect("json");
    let b: Value = upload("k-up-1").await.expect("sent").json().await.expect("json");
    assert_eq!(a["id"], b["id"]);
    let uploads: i64 = sqlx::query_scalar("SELECT count(*) FROM upload").fetch_one(&app.db).await.expect("count");
    assert_eq!(uploads, 1);

    // The OpenAPI document offers the header on the routes that honour it, and only there.
    let doc = motcua::http::openapi();
    let json = serde_json::to_value(&doc).expect("json");
    for (path, item) in json["paths"].as_object().expect("paths") {
        for method in ["post", "put", "delete"] {
            if let Some(op) = item.get(method) {
                let has =
                    op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
                let honours =
                    op["operationId"].as_str().is_some_and(|id| motcua::http::IDEMPOTENT_OPERATIONS.contains(&id));
                assert_eq!(has, honours, "{method} {path}: Idempotency-Key documented iff honoured");
            }
        }
    }
}

#[tokio::test]
async fn the_agency_lists_its_staff_and_an_administrator_replaces_their_roles() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let ward_admin = app.staff_session("hacthanh.quantri").await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let outsider = app.staff_session("stp.motcua").await;
    let ward = app.agency_id("H56.101").await;
    let justice = app.agency_id("H56.14").await;

    // Colleagues see who works at the agency (to pick an assignee); other agencies' staff do not.
    let staff: Vec<Value> =
        app.get_as(&clerk, &format!("/api/v1/agencies/{ward}/staff")).await.json().await.expect("json");
    let officer = staff.iter().find(|s| s["username"] == "hacthanh.tuphap").expect("the ward's officer").clone();
    assert_eq!(officer["full_name"], "Vũ Đình Quý");
    assert_eq!(officer["disabled"], false);
    assert_eq!(officer["roles"][0]["role"], "officer");
    assert!(officer["roles"][0]["unit_name"].is_string());
    expect_error(app.get_as(&outsider, &format!("/api/v1/agencies/{ward}/staff")).await, 403, "forbidden").await;

    // The administrator makes the officer a clerk of the desk as well.
    let units: Vec<Value> =
        app.get_as(&clerk, &format!("/api/v1/agencies/{ward}/units")).await.json().await.expect("json");
    let desk = units.iter().find(|u| u["kind"] == "one_stop").expect("desk")["id"].clone();
    let specialist = officer["roles"][0]["unit_id"].clone();
    let id = officer["id"].as_str().unwrap_or_default();
    let roles = json!({"roles": [{"unit_id": specialist, "role": "officer"}, {"unit_id": desk, "role": "clerk"}]});
    let res = app.put_as(&ward_admin, &format!("/api/v1/staff/{id}/roles"), &roles).await;
    assert_eq!(res.status(), 200);
    let after: Vec<Value> = res.json().await.expect("json");
    assert_eq!(after.len(), 2);
    let me: Value =
        app.get_as(&app.staff_session("hacthanh.tuphap").await, "/api/v1/me").await.json().await.expect("json");
    assert!(me.to_string().contains("clerk"), "the new role is in effect: {me}");
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'admin.staff_roles_set'")
        .fetch_one(&app.db)
        .await
        .expect("audit");
    assert_eq!(audited, 1);

    // Not into another agency's units, not by a clerk, and an administrator keeps their own administration.
    let justice_units: Vec<Value> =
        app.get_as(&clerk, &format!("/api/v1/agencies/{justice}/units")).await.json().await.expect("json");
    let bad = json!({"roles": [{"unit_id": justice_units[0]["id"], "role": "clerk"}]});
    let err = expect_error(
        app.put_as(&ward_admin, &format!("/api/v1/staff/{id}/roles"), &bad).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(err["details"][0]["field"], "body.roles[0].unit_id");
    expect_error(app.put_as(&clerk, &format!("/api/v1/staff/{id}/roles"), &roles).await, 403, "forbidden").await;
    let admin_id = staff.iter().find(|s| s["username"] == "hacthanh.quantri").expect("admin")["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let err = expect_error(
        app.put_as(&ward_admin, &format!("/api/v1/staff/{admin_id}/roles"), &json!({"roles": []})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(err["details"][0]["code"], "own_admin_role");
}
