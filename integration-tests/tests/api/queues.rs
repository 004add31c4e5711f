//! Work queues: filters, search without diacritics, keyset paging, counts, and the citizen's own list.

use integration_tests::{TestApp, expect_error, valid_answers};
use serde_json::{Value, json};

use super::dossiers::{act_ok, counter_dossier};

async fn page(app: &TestApp, s: &integration_tests::Session, query: &str) -> Value {
    let res = app.get_as(s, &format!("/api/v1/dossiers?{query}")).await;
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "{query}: {body}");
    body
}

fn codes(page: &Value) -> Vec<String> {
    page["items"].as_array().into_iter().flatten().filter_map(|d| d["code"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn queues_filter_search_page_and_count() {
    let app = TestApp::spawn().await;
    app.seed().await;
    let clerk = app.staff_session("hacthanh.motcua").await;
    let officer = app.staff_session("hacthanh.tuphap").await;
    let other_agency = app.staff_session("stp.motcua").await;

    let mut counter = Vec::new();
    for _ in 0..3 {
        counter.push(counter_dossier(&app, &clerk).await);
    }
    // One online dossier waiting to be received.
    let citizen = app.citizen_session("001090012345", "Trần Thị Thu Hương").await;
    let procedure = app.procedure("1.001193").await;
    let mut attachments = Vec::new();
    for c in procedure["components"].as_array().into_iter().flatten().filter(|c| c["mandatory"] == true) {
        let upload = app.upload_pdf(&citizen, "giấy chứng sinh.pdf").await;
        attachments.push(json!({"upload_id": upload, "component_code": c["code"]}));
    }
    let res = app
        .post_as(
            &citizen,
            "/api/v1/dossiers",
            &json!({"procedure_code": "1.001193", "agency_id": app.agency_id("H56.101").await,
                    "form": valid_answers(&procedure["form"]), "attachments": attachments}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap_or_default());

    let to_receive = page(&app, &clerk, "queue=to_receive").await;
    assert_eq!(to_receive["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(to_receive["items"][0]["national_status"], 1);
    assert_eq!(codes(&page(&app, &clerk, "queue=at_my_units").await).len(), 4);
    assert_eq!(codes(&page(&app, &clerk, "channel=1").await).len(), 3);
    assert_eq!(codes(&page(&app, &officer, "queue=at_my_units").await).len(), 0, "nothing at the officer's unit yet");
    assert_eq!(codes(&page(&app, &other_agency, "").await).len(), 0, "another agency sees none of it");

    // Search by applicant name without diacritics, and by exact code.
    assert_eq!(codes(&page(&app, &clerk, "q=tran%20thi%20thu%20huong").await).len(), 1);
    assert_eq!(codes(&page(&app, &clerk, "q=NGUYEN%20THI%20BICH").await).len(), 3);
    // LIKE's own wildcards in the search text are taken literally.
    assert_eq!(codes(&page(&app, &clerk, "q=nguy_n%20%25").await).len(), 0);
    let code = counter[1]["code"].as_str().unwrap_or_default();
    assert_eq!(codes(&page(&app, &clerk, &format!("q={code}")).await), [code.to_owned()]);

    // Keyset paging: two pages of 2, no overlap, same order as one page of 4.
    let all = codes(&page(&app, &clerk, "limit=4").await);
    let first = page(&app, &clerk, "limit=2").await;
    let next = first["next"].as_str().expect("a next cursor").to_owned();
    let second = page(&app, &clerk, &format!("limit=2&after={next}")).await;
    assert!(second["next"].is_null());
    let paged: Vec<String> = codes(&first).into_iter().chain(codes(&second)).collect();
    assert_eq!(paged, all);

    // After a hand-over, the dossier is in the officer's queue, and still visible to the clerk who held it.
    let moved = act_ok(&app, &clerk, &counter[0], "hand_over", json!({})).await;
    assert_eq!(
        codes(&page(&app, &officer, "queue=at_my_units").await),
        [moved["code"].as_str().unwrap_or_default().to_owned()]
    );
    assert_eq!(
        app.get_as(&clerk, &format!("/api/v1/dossiers/{}", moved["id"].as_str().unwrap_or_default())).await.status(),
        200
    );

    let res = app.get_as(&clerk, "/api/v1/queues").await;
    let counts: Vec<Value> = res.json().await.expect("json");
    let count = |q: &str| counts.iter().find(|c| c["queue"] == q).and_then(|c| c["count"].as_i64()).expect(q);
    assert_eq!(count("to_receive"), 1);
    assert_eq!(count("at_my_units"), 3);
    assert_eq!(count("to_return"), 0);

    // The citizen sees their own dossier only; staff cannot use the citizen list.
    let res = app.get_as(&citizen, "/api/v1/me/dossiers").await;
    let mine: Value = res.json().await.expect("json");
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["items"][0]["procedure_code"], "1.001193");
    expect_error(app.get_as(&citizen, "/api/v1/dossiers").await, 403, "forbidden").await;
    expect_error(app.get_as(&clerk, "/api/v1/dossiers?limit=0").await, 422, "validation_failed").await;
    expect_error(app.get_as(&clerk, "/api/v1/dossiers?after=garbage").await, 422, "validation_failed").await;
}
