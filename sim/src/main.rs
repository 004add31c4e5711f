//! Stand-ins for the national systems motcua talks to, in one process (see sim/README.md).
//!
//! Each stand-in lives under its own path prefix, the one the sharing platform would route to
//! (`/oauth2`, `/csdldancu`, `/dvcqg`, `/paygov`). Faults are switched per prefix at run time through
//! `PUT /_sim/faults/{target}`, so tests and testers can make a national system slow, failing,
//! rate-limited, or down, and switch it back.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use clap::Parser;
use serde::{Deserialize, Serialize};

/// The stand-ins a fault switch can target, by path prefix.
const TARGETS: [&str; 4] = ["oauth2", "csdldancu", "dvcqg", "paygov"];

#[derive(Parser)]
#[command(about = "Stand-ins for the national systems (sharing platform, population DB, national portal, payment)")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "MOTCUA_SIM_LISTEN", default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
}

/// The faults switched on for one stand-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Faults {
    /// Added latency before answering, in milliseconds.
    #[serde(default)]
    latency_ms: u64,
    /// Answer every request with this status instead of processing it (e.g. 500, 503, 429).
    #[serde(default)]
    status: Option<u16>,
    /// With status 429/503: the `Retry-After` header in seconds.
    #[serde(default)]
    retry_after_secs: Option<u64>,
    /// Process the request, then drop the answer (the caller sees a failure and will retry: a duplicate).
    #[serde(default)]
    drop_response: bool,
    /// Refuse to answer at all: the connection is closed without a response.
    #[serde(default)]
    down: bool,
}

#[derive(Clone, Default)]
struct Sim {
    faults: Arc<Mutex<BTreeMap<String, Faults>>>,
}

impl Sim {
    fn faults_for(&self, path: &str) -> Option<(String, Faults)> {
        let target = path.trim_start_matches('/').split('/').next()?;
        let map = self.faults.lock().ok()?;
        map.get(target).map(|f| (target.to_owned(), f.clone()))
    }
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok", "targets": TARGETS}))
}

async fn list_faults(State(sim): State<Sim>) -> Response {
    match sim.faults.lock() {
        Ok(map) => Json(map.clone()).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn set_faults(State(sim): State<Sim>, Path(target): Path<String>, Json(faults): Json<Faults>) -> Response {
    if !TARGETS.contains(&target.as_str()) {
        return (StatusCode::NOT_FOUND, Json(serde_json::json!({"error": "unknown target", "targets": TARGETS})))
            .into_response();
    }
    let Ok(mut map) = sim.faults.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    if faults == Faults::default() {
        map.remove(&target);
    } else {
        map.insert(target, faults);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(sim): State<Sim>) -> StatusCode {
    if let Ok(mut map) = sim.faults.lock() {
        map.clear();
    }
    StatusCode::NO_CONTENT
}

/// Applies the switched-on faults of the stand-in the request is for.
async fn inject_faults(State(sim): State<Sim>, req: Request, next: Next) -> Response {
    let Some((target, f)) = sim.faults_for(req.uri().path()) else { return next.run(req).await };
    if f.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(f.latency_ms)).await;
    }
    if f.down {
        // Hold the connection until the caller gives up; it never gets an answer.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if let Some(code) = f.status {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, Json(serde_json::json!({"error": "fault injected", "target": target}))).into_response();
        if let Some(secs) = f.retry_after_secs {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        return res;
    }
    let res = next.run(req).await;
    if f.drop_response {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    res
}

fn app(sim: Sim) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/_sim/faults", get(list_faults).delete(clear_faults))
        .route("/_sim/faults/{target}", axum::routing::put(set_faults))
        .layer(middleware::from_fn_with_state(sim.clone(), inject_faults))
        .with_state(sim)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().json().flatten_event(true).with_writer(std::io::stderr).init();
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "national-system stand-ins listening");
    axum::serve(listener, app(Sim::default()))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request};
    use tower::ServiceExt;

    use super::*;

    async fn call(app: &Router, method: &str, uri: &str, body: Option<&str>) -> (StatusCode, http::HeaderMap) {
        let mut req = Request::builder().method(method).uri(uri);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned()))).expect("request");
        let res = app.clone().oneshot(req).await.expect("infallible");
        (res.status(), res.headers().clone())
    }

    #[tokio::test]
    async fn a_switched_on_fault_hits_only_its_target_until_cleared() {
        let app = app(Sim::default());
        assert_eq!(call(&app, "GET", "/healthz", None).await.0, StatusCode::OK);
        let (status, _) =
            call(&app, "PUT", "/_sim/faults/dvcqg", Some(r#"{"status": 429, "retry_after_secs": 3}"#)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        let (status, headers) = call(&app, "POST", "/dvcqg/DongBoHoSoMC", Some("{}")).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("3"));
        // Another stand-in is unaffected (404: its routes come with the integrations issue).
        assert_eq!(call(&app, "POST", "/csdldancu/ChiaSeThongTinCongDan", Some("{}")).await.0, StatusCode::NOT_FOUND);

        assert_eq!(call(&app, "DELETE", "/_sim/faults", None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(call(&app, "POST", "/dvcqg/DongBoHoSoMC", Some("{}")).await.0, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn unknown_targets_and_fields_are_refused() {
        let app = app(Sim::default());
        assert_eq!(call(&app, "PUT", "/_sim/faults/vneid", Some("{}")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            call(&app, "PUT", "/_sim/faults/dvcqg", Some(r#"{"latency": 5}"#)).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
