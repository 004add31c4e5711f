//! The HTTP surface: router, layers, OpenAPI document, static frontend, serving and shutdown.

pub mod admin;
pub mod agency;
pub mod auth;
mod bench;
pub mod calendar;
pub mod catalogue;
pub mod citizen;
pub mod dossier;
pub mod error;
pub mod health;
pub mod idem;
pub mod limit;
pub mod middleware;
pub mod national;
pub mod national_admin;
pub mod payment;
pub mod population;
pub mod queue;
pub mod reports;
pub mod signin;
mod static_files;

use std::{future::Future, sync::Arc};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::HeaderName,
    middleware::{from_fn, from_fn_with_state},
    response::IntoResponse,
};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveHeadersLayer,
    trace::TraceLayer,
};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use error::{ApiError, ErrorBody, ErrorCode, FieldError};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: PgPool,
    /// Attachment bytes.
    pub objects: Arc<crate::objects::LocalStore>,
    /// Verifies the sharing platform's tokens on the national portal's calls (JWKS cached per instance).
    pub national_jwt: Arc<crate::national::jwt::Verifier>,
    /// The sharing platform (every outbound call to the national systems).
    pub platform: Arc<crate::platform::PlatformClient>,
    /// The population database through the sharing platform (fail-closed).
    pub population: Arc<crate::population::Population>,
    /// Relying parties for the citizen eID provider and the staff identity provider.
    pub citizen_rp: Arc<crate::eid::RelyingParty>,
    pub staff_rp: Arc<crate::eid::RelyingParty>,
    /// Per-instance rate limits.
    pub limiter: Arc<limit::Limiter>,
}

impl AppState {
    pub fn new(config: Arc<Config>, db: PgPool) -> Self {
        let objects = Arc::new(crate::objects::LocalStore::new(config.object_dir.clone()));
        let national_jwt = Arc::new(crate::national::jwt::Verifier::from_config(&config));
        let platform = Arc::new(
            crate::platform::PlatformClient::from_config(&config, Some(db.clone())).expect("an HTTP client builds"),
        );
        let population = Arc::new(crate::population::Population::new(platform.clone()));
        let redirect = format!("{}/auth/callback", config.public_url);
        let rp = |kind, cfg: &crate::eid::ProviderConfig| {
            Arc::new(crate::eid::RelyingParty::new(kind, cfg.clone(), redirect.clone()).expect("an HTTP client builds"))
        };
        let citizen_rp = rp(crate::eid::Kind::Citizen, &config.eid);
        let staff_rp = rp(crate::eid::Kind::Staff, &config.staff_idp);
        let limiter = Arc::new(limit::Limiter::new(config.bench.without_limits));
        Self { config, db, objects, national_jwt, platform, population, citizen_rp, staff_rp, limiter }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "motcua API",
        description = "Hệ thống thông tin giải quyết thủ tục hành chính — the one-stop administrative procedure \
                       system's HTTP API.\n\nEvery error answer has the `ErrorBody` shape with a stable `code`; \
                       the codes are listed in the `ErrorCode` schema.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    components(schemas(ErrorBody, ErrorCode, FieldError)),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "sign-in", description = "Sign-in with the national eID or the staff identity provider, sessions"),
        (name = "catalogue", description = "Agencies and procedures"),
        (name = "calendar", description = "Working calendar (lịch làm việc) and deadlines"),
        (name = "dossiers", description = "Dossiers (hồ sơ): submission, reception, actions, history, files"),
        (name = "queues", description = "Work queues for staff and the citizen's own dossiers"),
        (name = "administration", description = "Units, staff accounts and roles of an agency"),
        (name = "reports", description = "Counters and the national service indicators (QĐ 766), with the dossiers behind them"),
        (name = "citizen portal", description = "Public lookup, the personal data store, drafts, ratings, feedback"),
        (name = "population", description = "The population database: counter lookups, e-form prefill"),
        (name = "payments", description = "Fees: online payment through the payment platform, its callback"),
        (name = "national", description = "Inbound API for the national portal (machine authentication: sharing-platform bearer JWT)"),
    ),
)]
struct ApiDoc;

/// Every documented route, with its OpenAPI description.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
        .routes(routes!(signin::login))
        .routes(routes!(signin::callback))
        .routes(routes!(signin::me))
        .routes(routes!(signin::logout))
        .routes(routes!(agency::list))
        .routes(routes!(admin::units, admin::create_unit))
        .routes(routes!(admin::create_staff, admin::list_staff))
        .routes(routes!(admin::set_roles))
        .routes(routes!(admin::disable_staff))
        .routes(routes!(catalogue::search))
        .routes(routes!(catalogue::get, catalogue::publish))
        .routes(routes!(catalogue::declaration_pdf))
        .routes(routes!(catalogue::export))
        .routes(routes!(catalogue::import))
        .routes(routes!(calendar::list_days))
        .routes(routes!(calendar::deadline))
        .routes(routes!(calendar::set_day, calendar::delete_day))
        .routes(routes!(calendar::set_working_hours))
        .routes(routes!(dossier::upload))
        .routes(routes!(dossier::submit, queue::list))
        .routes(routes!(queue::counts))
        .routes(routes!(queue::mine))
        .routes(routes!(dossier::receive_at_counter))
        .routes(routes!(dossier::get))
        .routes(routes!(dossier::act))
        .routes(routes!(dossier::history))
        .routes(routes!(dossier::steps))
        .routes(routes!(dossier::download))
        .routes(routes!(dossier::form_pdf))
        .routes(routes!(national::get_dossier))
        .routes(routes!(national::receive_dossier))
        .routes(routes!(national::changes))
        .routes(routes!(national_admin::list_outbox))
        .routes(routes!(national_admin::correct_payload))
        .routes(routes!(national_admin::replay))
        .routes(routes!(national_admin::start_reconciliation, national_admin::list_reconciliations))
        .routes(routes!(national_admin::get_reconciliation))
        .routes(routes!(payment::start, payment::list))
        .routes(routes!(payment::callback))
        .routes(routes!(payment::reconcile))
        .routes(routes!(population::lookup))
        .routes(routes!(population::citizen_prefill))
        .routes(routes!(citizen::public_lookup))
        .routes(routes!(citizen::documents))
        .routes(routes!(citizen::drafts))
        .routes(routes!(citizen::get_draft, citizen::put_draft, citizen::delete_draft))
        .routes(routes!(citizen::rate, citizen::get_rating))
        .routes(routes!(citizen::send_feedback, citizen::list_feedback))
        .routes(routes!(reports::indicators_report))
        .routes(routes!(reports::counted_dossiers))
        .routes(routes!(reports::public_statistics))
        .routes(routes!(reports::indicators_workbook))
        .routes(routes!(reports::register_pdf))
        .routes(routes!(reports::breakdown))
        .routes(routes!(reports::indicators_pdf))
        .routes(routes!(citizen::notifications))
        .routes(routes!(citizen::read_notification))
}

/// The OpenAPI document, generated from the code (no database needed).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api_routes().into_openapi();
    document_idempotency_key(&mut doc);
    doc
}

/// Every mutating route accepts `Idempotency-Key` (see `idem`): said once here for all of them.
fn document_idempotency_key(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        RefOr,
        path::{Parameter, ParameterIn},
        schema::{ObjectBuilder, Type},
    };
    for item in doc.paths.paths.values_mut() {
        for op in [&mut item.post, &mut item.put, &mut item.delete, &mut item.patch].into_iter().flatten() {
            let params = op.parameters.get_or_insert_with(Vec::new);
            let present = params.iter().any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case(idem::HEADER)));
            if !present {
                let mut p = Parameter::new("Idempotency-Key");
                p.parameter_in = ParameterIn::Header;
                p.description = Some(
                    "Makes a retry safe: a request repeated with the same key gets the first answer \
                                      and changes nothing (same key with a different request: 422)."
                        .into(),
                );
                p.schema = Some(RefOr::T(ObjectBuilder::new().schema_type(Type::String).max_length(Some(200)).into()));
                params.push(RefOr::T(p));
            }
        }
    }
}

/// The OpenAPI document as written to `api-spec/openapi.json`.
pub fn openapi_json() -> String {
    let mut s = openapi().to_pretty_json().expect("the OpenAPI document serialises");
    s.push('\n');
    s
}

/// The whole application: routes, layers and the static frontend.
pub fn router(state: AppState) -> Router {
    // Installs the metrics recorder before the first request is counted.
    let _ = crate::telemetry::metrics_handle();
    let (api, mut spec) = api_routes().split_for_parts();
    document_idempotency_key(&mut spec);
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let body_limit = state.config.body_limit_bytes;

    Router::new()
        .merge(api)
        .merge(bench::routes(&state.config))
        .merge(
            SwaggerUi::new("/api-docs")
                .url("/api-docs/openapi.json", spec)
                // No call to swagger.io's online validator: the page works offline.
                .config(utoipa_swagger_ui::Config::new(["/api-docs/openapi.json"]).validator_url("none")),
        )
        .fallback(static_files::fallback)
        .method_not_allowed_fallback(|| async {
            ApiError::new(ErrorCode::MethodNotAllowed, "method not allowed on this route")
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(from_fn_with_state(state.clone(), middleware::time_limit))
        .layer(from_fn_with_state(state.clone(), middleware::early_body_limit))
        .layer(from_fn_with_state(state.clone(), middleware::audit_refusals))
        .layer(from_fn(middleware::track_metrics))
        .with_state(state.clone())
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveHeadersLayer::new([
                    http::header::AUTHORIZATION,
                    http::header::COOKIE,
                    http::header::SET_COOKIE,
                ]))
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &http::Request<_>| {
                            let rid = req.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
                            // The path only: query strings are not logged (they could carry search terms).
                            tracing::info_span!("request", request_id = %rid, method = %req.method(), path = %req.uri().path())
                        })
                        .on_response(
                            |res: &http::Response<_>, latency: std::time::Duration, _span: &tracing::Span| {
                                tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
                            },
                        ),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                // Outside finish_error_body: an error body is final before it is compressed (inside, the
                // rewritten body went out plain under a `content-encoding` header).
                .layer(CompressionLayer::new())
                .layer(from_fn_with_state(state.clone(), middleware::security_headers))
                .layer(from_fn(error::finish_error_body))
                .layer(CatchPanicLayer::custom(|_panic: Box<dyn std::any::Any + Send>| {
                    tracing::error!("handler panicked");
                    ApiError::new(ErrorCode::Internal, "internal error").into_response()
                })),
        )
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish (up to the grace period).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let grace = state.config.shutdown_grace;
    let app = router(state);
    let (drained_tx, drained_rx) = tokio::sync::oneshot::channel::<()>();
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!(grace_secs = grace.as_secs(), "shutting down: finishing in-flight requests");
        let _ = drained_tx.send(());
    });
    let mut server = std::pin::pin!(server.into_future());
    tokio::select! {
        res = &mut server => res?,
        _ = async {
            let _ = drained_rx.await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("grace period over: closing remaining connections");
        }
    }
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
