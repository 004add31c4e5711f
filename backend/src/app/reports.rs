//! Counters and the national indicators for an agency (with or without its sub-agencies) and a period, and the
//! dossiers behind every counter (so an auditor can check any figure).
//!
//! One table of named predicates ([`COUNTERS`]) serves both the counts (`count(*) FILTER (WHERE ...)`) and the
//! drill-down lists (`WHERE ...`): a figure and its list cannot disagree. Periods are half-open `[from, to)`.
//! Timeliness is judged against the appointment first given to the applicant (`original_due_at` when an apology
//! moved it): an apology does not turn a late dossier into an on-time one; supplement pauses do move it (the
//! clock really stopped).

use serde::Serialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    domain::{
        calendar::to_local,
        catalogue::{OnlineLevel, Procedure},
        indicators::Counters,
    },
    http::error::ApiError,
};

/// `$1` from, `$2` to; the row is `d` (a dossier in scope) with `promised` = the first appointment.
pub const COUNTERS: [(&str, &str); 25] = [
    ("received", "d.received_at >= $1 AND d.received_at < $2"),
    ("received_counter", "d.received_at >= $1 AND d.received_at < $2 AND d.channel = 1"),
    ("received_online", "d.received_at >= $1 AND d.received_at < $2 AND d.channel = 2"),
    ("received_post", "d.received_at >= $1 AND d.received_at < $2 AND d.channel = 3"),
    ("awaiting_reception", "d.state = 'submitted' AND d.submitted_at < $2"),
    ("refused", "d.state = 'refused' AND d.finished_at >= $1 AND d.finished_at < $2"),
    ("withdrawn", "d.state = 'withdrawn' AND d.finished_at >= $1 AND d.finished_at < $2"),
    ("stopped", "d.state = 'stopped' AND d.finished_at >= $1 AND d.finished_at < $2"),
    ("finished_early", "FINISHED AND d.finished_at <= d.promised AND LOCAL(d.finished_at) < LOCAL(d.promised)"),
    ("finished_on_time", "FINISHED AND d.finished_at <= d.promised AND LOCAL(d.finished_at) = LOCAL(d.promised)"),
    ("finished_late", "FINISHED AND d.finished_at > d.promised"),
    ("in_progress_on_time", "OPEN AND d.paused_at IS NULL AND d.promised >= LEAST($2, now())"),
    ("in_progress_late", "OPEN AND d.paused_at IS NULL AND d.promised < LEAST($2, now())"),
    ("paused", "OPEN AND d.paused_at IS NOT NULL"),
    ("returned", "d.returned_at >= $1 AND d.returned_at < $2"),
    ("with_fee", "d.received_at >= $1 AND d.received_at < $2 AND d.fees_total > 0"),
    ("paid_online", "d.received_at >= $1 AND d.received_at < $2 AND d.payment_state = 'paid_online'"),
    (
        "with_digitised_components",
        "d.received_at >= $1 AND d.received_at < $2
         AND EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_id = d.id AND a.role = 'component')",
    ),
    (
        "reusing_documents",
        "d.received_at >= $1 AND d.received_at < $2
         AND EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_id = d.id AND a.reused_from IS NOT NULL)",
    ),
    ("using_population_data", "d.received_at >= $1 AND d.received_at < $2 AND d.population_verified"),
    (
        "synced",
        "d.received_at >= $1 AND d.received_at < $2
         AND EXISTS (SELECT 1 FROM outbox o WHERE o.dossier_id = d.id)
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dossier_id = d.id AND o.status <> 'delivered')",
    ),
    (
        "with_electronic_result",
        "FINISHED AND EXISTS (SELECT 1 FROM attachment a WHERE a.dossier_id = d.id AND a.role = 'result')",
    ),
    (
        "ratings",
        "EXISTS (SELECT 1 FROM dossier_rating r WHERE r.dossier_id = d.id AND r.rated_at >= $1 AND r.rated_at < $2)",
    ),
    (
        "negative_ratings",
        "EXISTS (SELECT 1 FROM dossier_rating r WHERE r.dossier_id = d.id AND r.rated_at >= $1 AND r.rated_at < $2
                 AND r.score <= 2)",
    ),
    (
        "complaints",
        "EXISTS (SELECT 1 FROM feedback f WHERE f.dossier_id = d.id AND f.kind = 'kien_nghi'
                 AND f.created_at >= $1 AND f.created_at < $2)",
    ),
];

/// Expands the shorthands of [`COUNTERS`].
fn predicate(p: &str) -> String {
    p.replace(
        "FINISHED",
        "d.state IN ('result_ready', 'returned') AND d.finished_at >= $1 AND d.finished_at < $2 AND d.promised IS NOT NULL",
    )
    .replace(
        "OPEN",
        "d.received_at < $2 AND (d.finished_at IS NULL OR d.finished_at >= $2)
         AND d.state NOT IN ('submitted', 'refused', 'withdrawn', 'stopped') AND d.promised IS NOT NULL",
    )
    // The calendar date in Vietnam (UTC+7, no DST).
    .replace("LOCAL(d.finished_at)", "((d.finished_at AT TIME ZONE 'UTC') + interval '7 hours')::date")
    .replace("LOCAL(d.promised)", "((d.promised AT TIME ZONE 'UTC') + interval '7 hours')::date")
}

/// The dossiers of an agency (and its sub-agencies when asked), with the first appointment as `promised`.
const SCOPE: &str = "WITH RECURSIVE scope(id) AS (
        SELECT $3::uuid
        UNION ALL SELECT a.id FROM agency a JOIN scope s ON a.parent_id = s.id WHERE $4)
    , d AS (SELECT dd.*, COALESCE(dd.original_due_at, dd.due_at, dd.paused_due_at) AS promised
              FROM dossier dd WHERE dd.agency_id IN (SELECT id FROM scope))";

pub struct Scope {
    pub agency_id: Uuid,
    pub include_sub_agencies: bool,
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
}

/// Every counter for the scope.
pub async fn counters(db: &PgPool, s: &Scope) -> Result<Counters, ApiError> {
    let mut sql = format!("{SCOPE} SELECT ");
    for (i, (key, p)) in COUNTERS.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("count(*) FILTER (WHERE {}) AS {key}", predicate(p)));
    }
    sql.push_str(" FROM d");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(s.from)
        .bind(s.to)
        .bind(s.agency_id)
        .bind(s.include_sub_agencies)
        .fetch_one(db)
        .await?;
    use sqlx::Row;
    let get = |k: &str| -> Result<i64, ApiError> { Ok(row.try_get::<i64, _>(k)?) };
    let mut c = Counters {
        received: get("received")?,
        received_counter: get("received_counter")?,
        received_online: get("received_online")?,
        received_post: get("received_post")?,
        awaiting_reception: get("awaiting_reception")?,
        refused: get("refused")?,
        withdrawn: get("withdrawn")?,
        stopped: get("stopped")?,
        finished_early: get("finished_early")?,
        finished_on_time: get("finished_on_time")?,
        finished_late: get("finished_late")?,
        in_progress_on_time: get("in_progress_on_time")?,
        in_progress_late: get("in_progress_late")?,
        paused: get("paused")?,
        returned: get("returned")?,
        with_fee: get("with_fee")?,
        paid_online: get("paid_online")?,
        with_digitised_components: get("with_digitised_components")?,
        reusing_documents: get("reusing_documents")?,
        using_population_data: get("using_population_data")?,
        synced: get("synced")?,
        with_electronic_result: get("with_electronic_result")?,
        ratings: get("ratings")?,
        negative_ratings: get("negative_ratings")?,
        complaints: get("complaints")?,
        ..Default::default()
    };
    let (avg_rating,): (Option<f64>,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SCOPE} SELECT avg(r.score)::float8 FROM dossier_rating r JOIN d ON d.id = r.dossier_id
          WHERE r.rated_at >= $1 AND r.rated_at < $2"
    )))
    .bind(s.from)
    .bind(s.to)
    .bind(s.agency_id)
    .bind(s.include_sub_agencies)
    .fetch_one(db)
    .await?;
    c.average_rating = avg_rating.map(|a| (a * 100.0).round() / 100.0);
    c.average_processing_days = average_processing_days(db, s).await?;
    let (procedures, online) = catalogue_counts(db, s.agency_id).await?;
    c.procedures = procedures;
    c.procedures_online = online;
    Ok(c)
}

/// Working days from the clock's start to the result, averaged over the dossiers finished in the period (each
/// measured on its agency's calendar; pauses are not taken out: the applicant waited through them too).
async fn average_processing_days(db: &PgPool, s: &Scope) -> Result<Option<f64>, ApiError> {
    let rows: Vec<(Uuid, OffsetDateTime, OffsetDateTime)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SCOPE} SELECT d.agency_id, d.clock_started_at, d.finished_at FROM d
          WHERE {} AND d.clock_started_at IS NOT NULL",
        predicate("FINISHED")
    )))
    .bind(s.from)
    .bind(s.to)
    .bind(s.agency_id)
    .bind(s.include_sub_agencies)
    .fetch_all(db)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut tx = db.begin().await?;
    let mut calendars = std::collections::HashMap::new();
    let mut total = 0.0;
    for (agency, start, end) in &rows {
        if !calendars.contains_key(agency) {
            calendars.insert(*agency, super::clock::calendar_for(&mut tx, *agency).await?);
        }
        let cal = &calendars[agency];
        let minutes = cal.working_minutes_between(to_local(*start), to_local(*end)).max(0);
        total += minutes as f64 / cal.hours.minutes_per_day() as f64;
    }
    tx.commit().await?;
    Ok(Some((total / rows.len() as f64 * 100.0).round() / 100.0))
}

/// Procedures the agency is competent for, and of those offered online.
async fn catalogue_counts(db: &PgPool, agency_id: Uuid) -> Result<(i64, i64), ApiError> {
    let mut tx = db.begin().await?;
    let Some(agency) = super::dossier::agency_info(&mut tx, agency_id).await? else { return Ok((0, 0)) };
    let docs: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT pv.document FROM procedure p JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let (mut all, mut online) = (0, 0);
    for doc in docs {
        let Ok(p) = serde_json::from_value::<Procedure>(doc) else { continue };
        if super::dossier::competent(&p, &agency) {
            all += 1;
            if !matches!(p.online_level, OnlineLevel::None) {
                online += 1;
            }
        }
    }
    Ok((all, online))
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct CountedDossier {
    pub id: Uuid,
    pub code: String,
    pub procedure_name: String,
    pub state: String,
    pub channel: i16,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<OffsetDateTime>,
    /// The appointment first given (what timeliness is judged against).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub promised: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
}

/// The dossiers behind one counter (at most 1000, oldest first), or `None` for an unknown counter.
pub async fn dossiers(db: &PgPool, s: &Scope, counter: &str) -> Result<Option<Vec<CountedDossier>>, ApiError> {
    let Some((_, p)) = COUNTERS.iter().find(|(k, _)| *k == counter) else { return Ok(None) };
    let sql = format!(
        "{SCOPE} SELECT d.id, d.code, pv.name AS procedure_name, d.state, d.channel, d.submitted_at, d.received_at,
                d.promised, d.finished_at
           FROM d JOIN procedure_version pv ON pv.id = d.procedure_version_id
          WHERE {} ORDER BY d.submitted_at, d.id LIMIT 1000",
        predicate(p)
    );
    let rows: Vec<CountedDossier> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(s.from)
        .bind(s.to)
        .bind(s.agency_id)
        .bind(s.include_sub_agencies)
        .fetch_all(db)
        .await?;
    Ok(Some(rows))
}

/// One agency's public figures for a period (no personal data).
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct AgencyFigures {
    pub agency_id: Uuid,
    pub agency_name: String,
    pub received: i64,
    pub received_online: i64,
    pub finished_early: i64,
    pub finished_on_time: i64,
    pub finished_late: i64,
    pub in_progress_late: i64,
    pub ratings: i64,
    pub average_rating: Option<f64>,
}

/// Every agency's figures for the period, for the public transparency page (agencies with no dossier in the
/// period are left out).
pub async fn by_agency(db: &PgPool, from: OffsetDateTime, to: OffsetDateTime) -> Result<Vec<AgencyFigures>, ApiError> {
    let counted =
        ["received", "received_online", "finished_early", "finished_on_time", "finished_late", "in_progress_late"];
    let mut columns = String::new();
    for key in counted {
        let p = COUNTERS.iter().find(|(k, _)| *k == key).map(|(_, p)| *p).unwrap_or("false");
        columns.push_str(&format!("count(*) FILTER (WHERE {}) AS {key}, ", predicate(p)));
    }
    let sql = format!(
        "WITH d AS (SELECT dd.*, COALESCE(dd.original_due_at, dd.due_at, dd.paused_due_at) AS promised FROM dossier dd),
              counted AS (SELECT d.agency_id, {columns}
                                 (SELECT count(*) FROM dossier_rating r JOIN dossier x ON x.id = r.dossier_id
                                   WHERE x.agency_id = d.agency_id AND r.rated_at >= $1 AND r.rated_at < $2) AS ratings,
                                 (SELECT round(avg(r.score), 2)::float8 FROM dossier_rating r JOIN dossier x ON x.id = r.dossier_id
                                   WHERE x.agency_id = d.agency_id AND r.rated_at >= $1 AND r.rated_at < $2) AS average_rating
                            FROM d GROUP BY d.agency_id)
         SELECT c.*, a.name AS agency_name FROM counted c JOIN agency a ON a.id = c.agency_id
          WHERE c.received + c.finished_early + c.finished_on_time + c.finished_late + c.in_progress_late > 0
          ORDER BY a.name"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(db).await?)
}
