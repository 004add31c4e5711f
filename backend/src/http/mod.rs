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
    document_standard_errors(&mut doc);
    document_links(&mut doc);
    doc
}

/// The operations whose handler claims the `Idempotency-Key` (`idem::begin`): a retry with the same key gets the
/// first answer. The other changes ignore the header, so their documentation does not offer it.
pub const IDEMPOTENT_OPERATIONS: [&str; 15] = [
    "create_unit",
    "create_staff",
    "disable_staff",
    "set_roles",
    "set_day",
    "delete_day",
    "set_working_hours",
    "import",
    "publish",
    "upload",
    "submit",
    "receive_at_counter",
    "act",
    "send_feedback",
    "rate",
];

/// `Idempotency-Key` on every route that honours it (see `idem`): said once here for all of them.
fn document_idempotency_key(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        RefOr,
        path::{Parameter, ParameterIn},
        schema::{ObjectBuilder, Type},
    };
    for item in doc.paths.paths.values_mut() {
        for op in [&mut item.post, &mut item.put, &mut item.delete, &mut item.patch].into_iter().flatten() {
            if !op.operation_id.as_deref().is_some_and(|id| IDEMPOTENT_OPERATIONS.contains(&id)) {
                continue;
            }
            let params = op.parameters.get_or_insert_with(Vec::new);
            // A handler's own declaration of the header is replaced: one description, one schema.
            params.retain(|p| !matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case(idem::HEADER)));
            let mut p = Parameter::new("Idempotency-Key");
            p.parameter_in = ParameterIn::Header;
            p.required = utoipa::openapi::Required::False;
            p.description = Some(
                "Makes a retry safe: a request repeated with the same key gets the first answer \
                                  and changes nothing (same key with a different request: 422)."
                    .into(),
            );
            p.schema = Some(RefOr::T(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(200))
                    .pattern(Some("^[!-~]+$"))
                    .description(Some("1 to 200 visible ASCII characters, e.g. a UUID"))
                    .into(),
            ));
            params.push(RefOr::T(p));
        }
    }
}

/// The error answers any API operation may give, as reusable responses (`#/components/responses/...`), each with
/// the `ErrorBody` shape: said once here instead of on every handler. An operation's own description of a status
/// (why *it* answers 409, say) is kept.
const STANDARD_ERRORS: [(&str, &str, &str); 10] = [
    ("400", "BadRequest", "`bad_request` or `invalid_json`: a malformed query string, path parameter or body"),
    ("401", "Unauthenticated", "`unauthenticated`: no valid session or token"),
    ("403", "Forbidden", "`forbidden` (the caller's role may not do this) or `csrf_failed`"),
    ("404", "NotFound", "`not_found`: no such resource, or not one the caller may see"),
    ("409", "Conflict", "`conflict` (the resource changed since it was read) or `illegal_transition`"),
    ("413", "PayloadTooLarge", "`payload_too_large`: the body is over the limit"),
    ("415", "UnsupportedMediaType", "`unsupported_media_type`: the body is not of the expected media type"),
    ("422", "ValidationFailed", "`validation_failed` (`details` names each field) or `idempotency_key_reused`"),
    ("429", "RateLimited", "`rate_limited`: too many requests; retry after `Retry-After` seconds"),
    ("503", "ServiceUnavailable", "`service_unavailable`: a dependency (database, national system) is unavailable"),
];

/// Declares the standard error answers on every operation of `/api/`: 400, 401, 403, 404, 409, 422, 429 and 503
/// everywhere, 413 and 415 where a body is sent. The sign-in redirects (`/auth/*`) get the ones they can give
/// before redirecting.
fn document_standard_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder,
        schema::{ObjectBuilder, Type},
    };
    let components = doc.components.get_or_insert_with(Default::default);
    for (status, name, description) in STANDARD_ERRORS {
        let mut response = ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
        );
        if status == "429" || status == "503" {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))))
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
        }
        components.responses.insert(name.to_owned(), RefOr::T(response.build()));
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let statuses: &[&str] = if path.starts_with("/api/") {
            &["400", "401", "403", "404", "409", "413", "415", "422", "429", "503"]
        } else if path.starts_with("/auth/") {
            &["400", "422", "429", "503"]
        } else {
            &[]
        };
        for op in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch].into_iter().flatten()
        {
            let has_body = op.request_body.is_some();
            for (status, name, _) in STANDARD_ERRORS.iter().filter(|(s, _, _)| statuses.contains(s)) {
                if matches!(*status, "413" | "415") && !has_body {
                    continue;
                }
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
            }
        }
    }
}

/// OpenAPI links from the answers that name a dossier (or a staff member, a draft, a holiday, a reconciliation)
/// to the operations that read or change it, so that a client (and schemathesis' stateful tests) can follow them.
fn document_links(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{RefOr, link::LinkBuilder};
    const DOSSIER_READS: [&str; 7] =
        ["get_dossier_by_id", "history", "steps", "list_feedback", "list_payments", "get_rating", "form_pdf"];
    // (operation, status, JSON pointer to the id in its answer, the operations it leads to, their parameter)
    let one = "$response.body#/id";
    let first = "$response.body#/items/0/id";
    let table: [(&str, &str, &str, &[&str], &str); 12] = [
        ("submit", "201", one, &DOSSIER_READS, "id"),
        ("receive_at_counter", "201", one, &DOSSIER_READS, "id"),
        ("act", "200", one, &DOSSIER_READS, "id"),
        ("mine", "200", first, &DOSSIER_READS, "id"),
        ("mine", "200", first, &["send_feedback", "rate", "start"], "id"),
        ("list_dossiers", "200", first, &DOSSIER_READS, "id"),
        ("receive_dossier", "201", "$response.body#/MaHoSo", &["get_dossier"], "MaHoSo"),
        ("create_staff", "201", one, &["set_roles", "disable_staff"], "id"),
        ("put_draft", "200", "$response.body#/procedure_code", &["get_draft", "delete_draft"], "procedure_code"),
        ("set_day", "200", "$response.body#/day", &["delete_day"], "day"),
        ("start_reconciliation", "201", "$response.body#/run/id", &["get_reconciliation"], "id"),
        ("get_dossier_by_id", "200", "$request.path.id", &["download"], "id"),
    ];
    let ids: std::collections::HashSet<String> = doc
        .paths
        .paths
        .values()
        .flat_map(|item| [&item.get, &item.post, &item.put, &item.delete, &item.patch])
        .flatten()
        .filter_map(|op| op.operation_id.clone())
        .collect();
    for item in doc.paths.paths.values_mut() {
        for op in
            [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch].into_iter().flatten()
        {
            for (from, status, pointer, targets, parameter) in &table {
                if op.operation_id.as_deref() != Some(*from) {
                    continue;
                }
                let Some(RefOr::T(response)) = op.responses.responses.get_mut(*status) else {
                    panic!("link source {from} has no {status} answer");
                };
                for target in *targets {
                    assert!(ids.contains(*target), "link target {target} is no operation id");
                    let mut link = LinkBuilder::new().operation_id(*target).parameter(*parameter, *pointer);
                    if *target == "form_pdf" {
                        // The receipt (01.pdf) exists for every received dossier.
                        link = link.parameter("file", "01.pdf");
                    }
                    if *target == "download" {
                        link = link.parameter("attachment_id", "$response.body#/attachments/0/id");
                    }
                    response.links.insert((*target).to_owned(), RefOr::T(link.build()));
                }
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
    document_standard_errors(&mut spec);
    document_links(&mut spec);
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
