//! The HTTP basics every later feature relies on.

use integration_tests::{TestApp, expect_error};

#[tokio::test]
async fn healthz_answers_without_the_database() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_reports_pending_migrations() {
    let app = TestApp::spawn().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ready");

    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)")
        .execute(&app.db)
        .await
        .expect("forget the newest migration");
    let body = expect_error(app.get("/readyz").await, 503, "service_unavailable").await;
    assert_eq!(body["details"][0]["field"], "migrations");
    assert_eq!(body["details"][0]["code"], "pending");
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn_with(|c| {
        c.database_url = motcua::config::Secret::new("postgres://postgres@127.0.0.1:1/nowhere");
        c.db_acquire_timeout = std::time::Duration::from_millis(500);
    })
    .await;
    let body = expect_error(app.get("/readyz").await, 503, "service_unavailable").await;
    assert_eq!(body["details"][0]["field"], "database");
}

#[tokio::test]
async fn readyz_answers_within_a_second_while_the_pool_would_wait_longer_for_a_database_that_is_gone() {
    // The default acquire timeout (3 s): requests may wait that long for a connection, the probe must not.
    let app = TestApp::spawn_with(|c| {
        c.database_url = motcua::config::Secret::new("postgres://postgres@127.0.0.1:1/nowhere");
    })
    .await;
    assert!(app.config.db_acquire_timeout >= std::time::Duration::from_secs(2), "{:?}", app.config.db_acquire_timeout);
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let body = expect_error(app.get("/readyz").await, 503, "service_unavailable").await;
        assert_eq!(body["details"][0]["field"], "database");
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "answered in {:?}", started.elapsed());
    }
}

#[tokio::test]
async fn unknown_api_route_is_a_json_404() {
    let app = TestApp::spawn().await;
    expect_error(app.get("/api/v1/khong-co").await, 404, "not_found").await;
    // A non-browser client asking for an unknown page gets JSON too, never an HTML shell.
    expect_error(app.get("/khong-co-trang-nay").await, 404, "not_found").await;
}

#[tokio::test]
async fn error_bodies_are_compressed_when_asked_and_never_labelled_compressed_when_plain() {
    let app = TestApp::spawn().await;
    for encoding in ["gzip", "br"] {
        let res = app
            .client
            .get(app.url("/api/v1/procedures/9.999999"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), 404);
        let label = res.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = res.bytes().await.expect("body");
        match label.as_deref() {
            None => assert!(body.starts_with(b"{"), "plain JSON"),
            Some("gzip") => assert!(body.starts_with(&[0x1f, 0x8b]), "really gzip"),
            Some(other) => {
                assert_eq!(other, encoding);
                assert!(!body.starts_with(b"{\"code\""), "labelled {other} but plain: a browser cannot read it");
            }
        }
    }
}

#[tokio::test]
async fn wrong_method_is_a_json_405() {
    let app = TestApp::spawn().await;
    let res = app.post_raw("/healthz", "application/json", "{}").await;
    expect_error(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn oversize_body_is_refused_before_it_is_read() {
    let app = TestApp::spawn_with(|c| c.body_limit_bytes = 1024).await;
    let res = app.post_raw("/api/v1/anything", "application/json", vec![b' '; 4096]).await;
    let body = expect_error(res, 413, "payload_too_large").await;
    assert!(body["message"].as_str().unwrap_or("").contains("1024"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let _ = app.get("/api/v1/khong-co").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.expect("text");
    assert!(text.contains("http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}"), "{text}");
    assert!(text.contains("route=\"unmatched\""), "unknown paths share one label: {text}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("db_pool_max_connections 8"), "{text}");
    assert!(text.contains("outbox_pending ") && text.contains("outbox_dead "), "{text}");
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h["content-security-policy"].to_str().unwrap_or("").contains("frame-ancestors 'none'"));
    assert!(!h.contains_key("strict-transport-security"), "no HSTS over plain http");
}

#[tokio::test]
async fn a_client_request_id_is_kept() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/api/v1/khong-co")).header("x-request-id", "abc-123").send().await.expect("sent");
    let body = expect_error(res, 404, "not_found").await;
    assert_eq!(body["request_id"], "abc-123");
}

#[tokio::test]
async fn openapi_document_is_served_and_matches_the_spec_command() {
    let app = TestApp::spawn().await;
    let res = app.get("/api-docs/openapi.json").await;
    assert_eq!(res.status(), 200);
    let served: serde_json::Value = res.json().await.expect("json");
    let generated: serde_json::Value = serde_json::from_str(&motcua::http::openapi_json()).expect("json");
    assert_eq!(served, generated);
    assert!(served["openapi"].as_str().unwrap_or("").starts_with("3.1"));
    assert!(served["components"]["schemas"]["ErrorCode"]["enum"].as_array().is_some_and(|a| a.len() > 10));
    let ui = app.get("/api-docs/").await;
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.expect("html").contains("swagger"));
}

#[tokio::test]
async fn the_committed_spec_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../api-spec/openapi.json"))
        .expect("api-spec/openapi.json exists");
    assert!(
        committed == motcua::http::openapi_json(),
        "api-spec/openapi.json is stale: run `cargo run -p motcua -- spec > api-spec/openapi.json`"
    );
}

#[tokio::test]
async fn graceful_shutdown_lets_an_in_flight_request_finish() {
    let mut app = TestApp::spawn().await;
    // A request whose body arrives slowly is in flight when the shutdown signal comes.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let req =
        app.client.post(app.url("/api/v1/calendar/deadline")).header("content-type", "application/json").body(body);
    let in_flight = tokio::spawn(req.send());
    tx.send(Ok(br#"{"received_at": "2026-03-02T08:00:00+07:00", "channel": "counter","#.to_vec()))
        .await
        .expect("first chunk");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let server = app.begin_shutdown().expect("server task");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    tx.send(Ok(br#" "statutory_time": {"unit": "working_days", "value": 1}}"#.to_vec())).await.expect("second chunk");
    drop(tx);
    let res = in_flight.await.expect("join").expect("the in-flight request got an answer");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["due"], "2026-03-03T08:00:00+07:00");
    server.await.expect("join").expect("server stopped cleanly");
    // After shutdown, new connections are refused.
    assert!(app.client.get(app.url("/healthz")).send().await.is_err());
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn malformed_json_is_a_400_naming_the_position() {
    let app = TestApp::spawn().await;
    let res = app.post_raw("/api/v1/calendar/deadline", "application/json", "{\"received_at\": ").await;
    let body = expect_error(res, 400, "invalid_json").await;
    assert_eq!(body["details"][0]["field"], "body");
    assert!(body["details"][0]["message"].as_str().unwrap_or("").contains("line 1"), "{body}");
}

#[tokio::test]
async fn wrong_content_type_is_a_415() {
    let app = TestApp::spawn().await;
    let res = app.post_raw("/api/v1/calendar/deadline", "text/plain", "{}").await;
    expect_error(res, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn chunked_oversize_body_is_a_413() {
    // No Content-Length: the limit is enforced while the body is read.
    let app = TestApp::spawn_with(|c| c.body_limit_bytes = 1024).await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..8).map(|_| Ok(vec![b' '; 512])).collect();
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let res = app
        .client
        .post(app.url("/api/v1/calendar/deadline"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    expect_error(res, 413, "payload_too_large").await;
}
