//! Counters and the national indicators for an agency (with or without its sub-agencies) and a period, broken
//! down by agency, unit, procedure, field, channel or period, and the dossiers behind every counter (so an
//! auditor can check any figure).
//!
//! The figures come from two tables kept by triggers in the transaction of every change (migration 18): one row
//! of facts per dossier (`report_fact`), and day counters (`report_daily`) that the facts contribute to, with their
//! month sums beside them (`report_monthly`, migration 19). A report sums the counter rows of the period
//! ([`FLOWS`]: whole months from the month counters, the days at either end from the day counters) and counts the
//! facts of the dossiers open at its end ([`STOCKS`]), so its cost follows the length of the period in months and
//! the dossiers still open, not the years of history (docs/benchmarks.md has the figures at two million). The drill-down lists select facts with the
//! same SQL function (`report_row`) that fills the day counters, or the same [`STOCKS`] predicate: a figure and its
//! list cannot disagree. Periods are half-open `[from, to)` of Vietnam days. Timeliness is judged against the
//! appointment first given to the applicant (`original_due_at` when an apology moved it): an apology does not turn
//! a late dossier into an on-time one; supplement pauses do move it (the clock really stopped).

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{domain::indicators::Counters, http::error::ApiError};

/// The counters that flow: each is summed from the counter rows over the days of the period, and counts the
/// dossiers whose `anchor` day (received, finished, returned, rated, complained) falls in it. What a dossier
/// contributes is decided in one place, the SQL function `report_row()` (migration 18), which the drill-down
/// lists use too.
pub const FLOWS: [(&str, &str); 23] = [
    ("received", "received"),
    ("received_counter", "received"),
    ("received_online", "received"),
    ("received_post", "received"),
    ("with_fee", "received"),
    ("paid_online", "received"),
    ("with_digitised_components", "received"),
    ("reusing_documents", "received"),
    ("using_population_data", "received"),
    ("synced", "received"),
    ("refused", "finished"),
    ("withdrawn", "finished"),
    ("stopped", "finished"),
    ("finished_early", "finished"),
    ("finished_on_time", "finished"),
    ("finished_late", "finished"),
    ("with_electronic_result", "finished"),
    ("processed", "finished"),
    ("returned", "returned"),
    ("ratings", "rated"),
    ("negative_ratings", "rated"),
    ("rating_sum", "rated"),
    ("complaints", "complained"),
];

/// The counters that are a state at the end of the period (`$2`), over the facts `f` of the dossiers open then.
pub const STOCKS: [(&str, &str); 4] = [
    ("awaiting_reception", "f.state = 'submitted' AND f.submitted_at < $2"),
    ("in_progress_on_time", "OPEN AND NOT f.paused AND f.promised >= LEAST($2, now())"),
    ("in_progress_late", "OPEN AND NOT f.paused AND f.promised < LEAST($2, now())"),
    ("paused", "OPEN AND f.paused"),
];

/// Expands `OPEN` in [`STOCKS`]: received before the end, not finished by then, with an appointment.
fn stock_predicate(p: &str) -> String {
    p.replace(
        "OPEN",
        "f.received_at < $2 AND (f.finished_at IS NULL OR f.finished_at >= $2)
         AND f.state NOT IN ('submitted', 'refused', 'withdrawn', 'stopped') AND f.promised IS NOT NULL",
    )
}

/// The days `[d1, d2)` of a period as report dates, with the first whole month `m1` and the month `m2` after the
/// last whole month (`m1 >= m2` when the period holds no whole month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Days {
    d1: Date,
    d2: Date,
    m1: Date,
    m2: Date,
}

impl Days {
    fn of(from: OffsetDateTime, to: OffsetDateTime) -> Days {
        let vn = |t: OffsetDateTime| crate::domain::calendar::to_local(t).date();
        let (d1, d2) = (vn(from), vn(to));
        let first = |d: Date| d.replace_day(1).unwrap_or(d);
        let m1 = if d1.day() == 1 { d1 } else { first(first(d1) + time::Duration::days(31)) };
        Days { d1, d2, m1, m2: first(d2) }
    }
}

/// The counter rows of a period, each day counted once: its whole months from `report_monthly`, the days before
/// the first and after the last whole month from `report_daily` (migration 19). `$n`..`$n+3` are d1, d2, m1, m2;
/// `by_day` (a breakdown by day) takes every row from `report_daily`.
fn flow_source(n: usize, by_day: bool) -> String {
    let (d1, d2, m1, m2) = (n, n + 1, n + 2, n + 3);
    if by_day {
        return format!("(SELECT * FROM report_daily WHERE day >= ${d1} AND day < ${d2})");
    }
    format!(
        "(SELECT * FROM report_monthly WHERE day >= ${m1} AND day < ${m2}
          UNION ALL SELECT * FROM report_daily WHERE day >= ${d1} AND day < LEAST(${m1}, ${d2})
          UNION ALL SELECT * FROM report_daily WHERE day >= GREATEST(${m2}, LEAST(${m1}, ${d2})) AND day < ${d2})"
    )
}

/// `$3` the agency and, when `$4`, its sub-agencies.
const SCOPE: &str = "WITH RECURSIVE scope(id) AS (
        SELECT $3::uuid
        UNION ALL SELECT a.id FROM agency a JOIN scope s ON a.parent_id = s.id WHERE $4)";

/// The facts that may count as open at `$2`: not finished, or finished after it (two index scans).
const OPEN_FACTS: &str = "(SELECT * FROM report_fact WHERE agency_id IN (SELECT id FROM scope) AND finished_at IS NULL
         UNION ALL
         SELECT * FROM report_fact WHERE agency_id IN (SELECT id FROM scope) AND finished_at >= $2)";

pub struct Scope {
    pub agency_id: Uuid,
    pub include_sub_agencies: bool,
    /// Local midnights: the period is `[from, to)`.
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
}

/// How a report is broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Agency,
    Unit,
    Procedure,
    Field,
    Channel,
    Day,
    Month,
    Quarter,
    Year,
}

impl Dimension {
    /// The grouping key over `report_daily` (`r`) and over `report_fact` (`f`, `None` for time buckets: the
    /// end-of-period states are not split by day).
    fn keys(self) -> (&'static str, Option<&'static str>) {
        match self {
            Dimension::Agency => ("r.agency_id::text", Some("f.agency_id::text")),
            Dimension::Unit => {
                ("r.unit_id::text", Some("coalesce(f.unit_id, '00000000-0000-0000-0000-000000000000')::text"))
            }
            Dimension::Procedure => ("r.procedure_code", Some("f.procedure_code")),
            Dimension::Field => ("r.field_code", Some("f.field_code")),
            Dimension::Channel => ("r.channel::text", Some("f.channel::text")),
            Dimension::Day => ("to_char(r.day, 'YYYY-MM-DD')", None),
            Dimension::Month => ("to_char(r.day, 'YYYY-MM')", None),
            Dimension::Quarter => ("to_char(r.day, 'YYYY-\"Q\"Q')", None),
            Dimension::Year => ("to_char(r.day, 'YYYY')", None),
        }
    }
}

/// One group of a breakdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct Group {
    /// The agency/unit id, procedure/field code, channel (1, 2, 3) or period (`2026-03-02`, `2026-03`,
    /// `2026-Q1`, `2026`).
    pub key: String,
    /// Its Vietnamese name.
    pub label: String,
    pub counters: Counters,
}

fn flow_columns() -> String {
    let mut cols: Vec<String> = FLOWS.iter().map(|(k, _)| format!("coalesce(sum(r.{k}), 0)::bigint AS {k}")).collect();
    cols.push("coalesce(sum(r.processing_days), 0)::float8 AS processing_days".into());
    cols.join(", ")
}

fn stock_columns() -> String {
    STOCKS
        .iter()
        .map(|(k, p)| format!("count(*) FILTER (WHERE {}) AS {k}", stock_predicate(p)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Counters from one row holding the [`FLOWS`] sums (and `processing_days`) and, when present, the [`STOCKS`].
fn counters_of(row: &sqlx::postgres::PgRow) -> Result<Counters, ApiError> {
    use sqlx::Row;
    let get = |k: &str| -> i64 { row.try_get::<i64, _>(k).unwrap_or(0) };
    let ratings = get("ratings");
    let processed = get("processed");
    let days: f64 = row.try_get("processing_days").unwrap_or(0.0);
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    Ok(Counters {
        received: get("received"),
        received_counter: get("received_counter"),
        received_online: get("received_online"),
        received_post: get("received_post"),
        awaiting_reception: get("awaiting_reception"),
        refused: get("refused"),
        withdrawn: get("withdrawn"),
        stopped: get("stopped"),
        finished_early: get("finished_early"),
        finished_on_time: get("finished_on_time"),
        finished_late: get("finished_late"),
        in_progress_on_time: get("in_progress_on_time"),
        in_progress_late: get("in_progress_late"),
        paused: get("paused"),
        returned: get("returned"),
        with_fee: get("with_fee"),
        paid_online: get("paid_online"),
        with_digitised_components: get("with_digitised_components"),
        reusing_documents: get("reusing_documents"),
        using_population_data: get("using_population_data"),
        synced: get("synced"),
        with_electronic_result: get("with_electronic_result"),
        ratings,
        negative_ratings: get("negative_ratings"),
        average_rating: (ratings > 0).then(|| round2(get("rating_sum") as f64 / ratings as f64)),
        complaints: get("complaints"),
        average_processing_days: (processed > 0).then(|| round2(days / processed as f64)),
        procedures: 0,
        procedures_online: 0,
    })
}

/// Every counter for the scope.
pub async fn counters(db: &PgPool, s: &Scope) -> Result<Counters, ApiError> {
    let sql = format!(
        "{SCOPE}
         SELECT * FROM
           (SELECT {} FROM {} r WHERE r.agency_id IN (SELECT id FROM scope)) flows,
           (SELECT {} FROM {OPEN_FACTS} f) stocks",
        flow_columns(),
        flow_source(5, false),
        stock_columns()
    );
    let days = Days::of(s.from, s.to);
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(s.from)
        .bind(s.to)
        .bind(s.agency_id)
        .bind(s.include_sub_agencies)
        .bind(days.d1)
        .bind(days.d2)
        .bind(days.m1)
        .bind(days.m2)
        .fetch_one(db)
        .await?;
    let mut c = counters_of(&row)?;
    let (procedures, online) = catalogue_counts(db, s.agency_id).await?;
    c.procedures = procedures;
    c.procedures_online = online;
    Ok(c)
}

/// The counters of the scope broken down by `dim`, largest groups (by dossiers received) first.
pub async fn breakdown(db: &PgPool, s: &Scope, dim: Dimension) -> Result<Vec<Group>, ApiError> {
    let (flow_key, stock_key) = dim.keys();
    let stocks = match stock_key {
        Some(k) => format!("SELECT {k} AS key, {} FROM {OPEN_FACTS} f GROUP BY 1", stock_columns()),
        None => "SELECT NULL::text AS key WHERE false".to_owned(),
    };
    let sql = format!(
        "{SCOPE}, flows AS (
             SELECT {flow_key} AS key, {} FROM {} r WHERE r.agency_id IN (SELECT id FROM scope) GROUP BY 1),
         stocks AS ({stocks})
         SELECT coalesce(flows.key, stocks.key) AS group_key, * FROM flows FULL JOIN stocks ON stocks.key = flows.key
          ORDER BY coalesce(flows.received, 0) DESC, 1",
        flow_columns(),
        flow_source(5, dim == Dimension::Day)
    );
    let days = Days::of(s.from, s.to);
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(s.from)
        .bind(s.to)
        .bind(s.agency_id)
        .bind(s.include_sub_agencies)
        .bind(days.d1)
        .bind(days.d2)
        .bind(days.m1)
        .bind(days.m2)
        .fetch_all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        use sqlx::Row;
        let key: String = row.try_get("group_key")?;
        out.push(Group { label: String::new(), counters: counters_of(row)?, key });
    }
    label_groups(db, dim, &mut out).await?;
    Ok(out)
}

/// Names for the groups' keys.
async fn label_groups(db: &PgPool, dim: Dimension, groups: &mut [Group]) -> Result<(), ApiError> {
    let keys: Vec<String> = groups.iter().map(|g| g.key.clone()).collect();
    let names: Vec<(String, String)> = match dim {
        Dimension::Agency => {
            sqlx::query_as("SELECT id::text, name FROM agency WHERE id::text = ANY($1)")
                .bind(&keys)
                .fetch_all(db)
                .await?
        }
        Dimension::Unit => {
            sqlx::query_as(
                "SELECT u.id::text, u.name || ' — ' || a.name FROM unit u JOIN agency a ON a.id = u.agency_id
              WHERE u.id::text = ANY($1)",
            )
            .bind(&keys)
            .fetch_all(db)
            .await?
        }
        Dimension::Procedure => {
            sqlx::query_as(
                "SELECT p.code, pv.name FROM procedure p
               JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version
              WHERE p.code = ANY($1)",
            )
            .bind(&keys)
            .fetch_all(db)
            .await?
        }
        Dimension::Field => {
            sqlx::query_as(
                "SELECT DISTINCT ON (field_code) field_code, field_name FROM procedure_version
              WHERE field_code = ANY($1) ORDER BY field_code, published_at DESC",
            )
            .bind(&keys)
            .fetch_all(db)
            .await?
        }
        _ => Vec::new(),
    };
    for g in groups.iter_mut() {
        g.label = match dim {
            Dimension::Channel => match g.key.as_str() {
                "1" => "Trực tiếp".into(),
                "2" => "Trực tuyến".into(),
                "3" => "Bưu chính".into(),
                k => k.into(),
            },
            Dimension::Day => g.key.splitn(3, '-').collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("/"),
            Dimension::Month => g.key.split_once('-').map_or(g.key.clone(), |(y, m)| format!("{m}/{y}")),
            Dimension::Quarter => g.key.split_once("-Q").map_or(g.key.clone(), |(y, q)| format!("Quý {q}/{y}")),
            Dimension::Year => format!("Năm {}", g.key),
            Dimension::Unit if g.key == "00000000-0000-0000-0000-000000000000" => "Chưa phân công".into(),
            _ => names.iter().find(|(k, _)| *k == g.key).map_or_else(|| g.key.clone(), |(_, n)| n.clone()),
        };
    }
    Ok(())
}

/// Procedures the agency is competent for (by its level or its own code, as `dossier::competent` decides), and of
/// those offered online (fully or partly), from the columns each published version carries.
async fn catalogue_counts(db: &PgPool, agency_id: Uuid) -> Result<(i64, i64), ApiError> {
    let mut tx = db.begin().await?;
    let Some(agency) = super::dossier::agency_info(&mut tx, agency_id).await? else { return Ok((0, 0)) };
    let counts: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE pv.online_level <> 'none')
           FROM procedure p JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version
          WHERE pv.competent_level = $1 OR pv.competent_agency = $2",
    )
    .bind(&agency.level)
    .bind(&agency.code)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(counts)
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
    let select = "SELECT d.id, d.code, pv.name AS procedure_name, d.state, d.channel, d.submitted_at, d.received_at,
                         f.promised, f.finished_at";
    let join = "JOIN dossier d ON d.id = f.dossier_id JOIN procedure_version pv ON pv.id = d.procedure_version_id";
    let sql = if let Some((_, anchor)) = FLOWS.iter().find(|(k, _)| *k == counter && *k != "rating_sum") {
        // The anchor's day in the period narrows the search (an index); report_row() decides, as for the sums.
        format!(
            "{SCOPE} {select} FROM report_fact f {join}
              WHERE f.agency_id IN (SELECT id FROM scope) AND f.{anchor}_at >= $1 AND f.{anchor}_at < $2
                AND (report_row(f, '{anchor}', 1)).{counter} > 0
              ORDER BY d.submitted_at, d.id LIMIT 1000"
        )
    } else if let Some((_, p)) = STOCKS.iter().find(|(k, _)| *k == counter) {
        format!(
            "{SCOPE} {select} FROM {OPEN_FACTS} f {join} WHERE $1 <= $2 AND {} ORDER BY d.submitted_at, d.id LIMIT 1000",
            stock_predicate(p)
        )
    } else {
        return Ok(None);
    };
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
    let days = Days::of(from, to);
    let sql = format!(
        "WITH flows AS (
             SELECT r.agency_id, sum(r.received)::bigint AS received, sum(r.received_online)::bigint AS received_online,
                    sum(r.finished_early)::bigint AS finished_early, sum(r.finished_on_time)::bigint AS finished_on_time,
                    sum(r.finished_late)::bigint AS finished_late, sum(r.ratings)::bigint AS ratings,
                    sum(r.rating_sum)::bigint AS rating_sum
               FROM {} r GROUP BY 1),
         late AS (
             SELECT f.agency_id, count(*) AS in_progress_late
               FROM (SELECT * FROM report_fact WHERE finished_at IS NULL
                     UNION ALL SELECT * FROM report_fact WHERE finished_at >= $2) f
              WHERE f.received_at < $2 AND f.state NOT IN ('submitted', 'refused', 'withdrawn', 'stopped')
                AND NOT f.paused AND f.promised < LEAST($2, now())
              GROUP BY 1)
         SELECT a.id AS agency_id, a.name AS agency_name,
                coalesce(fl.received, 0) AS received, coalesce(fl.received_online, 0) AS received_online,
                coalesce(fl.finished_early, 0) AS finished_early, coalesce(fl.finished_on_time, 0) AS finished_on_time,
                coalesce(fl.finished_late, 0) AS finished_late, coalesce(l.in_progress_late, 0) AS in_progress_late,
                coalesce(fl.ratings, 0) AS ratings,
                CASE WHEN fl.ratings > 0 THEN round(fl.rating_sum::numeric / fl.ratings, 2)::float8 END AS average_rating
           FROM agency a LEFT JOIN flows fl ON fl.agency_id = a.id LEFT JOIN late l ON l.agency_id = a.id
          WHERE coalesce(fl.received, 0) + coalesce(fl.finished_early, 0) + coalesce(fl.finished_on_time, 0)
                + coalesce(fl.finished_late, 0) + coalesce(l.in_progress_late, 0) > 0
          ORDER BY a.name",
        flow_source(3, false)
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(to)
        .bind(days.d1)
        .bind(days.d2)
        .bind(days.m1)
        .bind(days.m2)
        .fetch_all(db)
        .await?)
}

/// The province's figures month by month (every agency together), for the public page's trend.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct MonthFigures {
    /// `2026-03`.
    pub month: String,
    pub received: i64,
    pub received_online: i64,
    pub finished_early: i64,
    pub finished_on_time: i64,
    pub finished_late: i64,
}

pub async fn by_month(db: &PgPool, from: OffsetDateTime, to: OffsetDateTime) -> Result<Vec<MonthFigures>, ApiError> {
    let days = Days::of(from, to);
    let sql = format!(
        "SELECT to_char(day, 'YYYY-MM') AS month, sum(received)::bigint AS received,
                sum(received_online)::bigint AS received_online, sum(finished_early)::bigint AS finished_early,
                sum(finished_on_time)::bigint AS finished_on_time, sum(finished_late)::bigint AS finished_late
           FROM {} r GROUP BY 1 ORDER BY 1",
        flow_source(1, false)
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(days.d1)
        .bind(days.d2)
        .bind(days.m1)
        .bind(days.m2)
        .fetch_all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::Days;
    use time::{Date, Month, OffsetDateTime, UtcOffset};

    fn local_midnight(d: Date) -> OffsetDateTime {
        d.midnight().assume_offset(UtcOffset::from_hms(7, 0, 0).expect("offset"))
    }

    fn days(from: (i32, u8, u8), to: (i32, u8, u8)) -> Days {
        let date = |(y, m, d): (i32, u8, u8)| {
            Date::from_calendar_date(y, Month::try_from(m).expect("month"), d).expect("date")
        };
        Days::of(local_midnight(date(from)), local_midnight(date(to)))
    }

    /// Every day of `[d1, d2)` is taken once: from the months `[m1, m2)` or from the days outside them.
    fn covered_once(x: Days) {
        let mut d = x.d1;
        while d < x.d2 {
            let month = d.replace_day(1).expect("first");
            let in_months = month >= x.m1 && month < x.m2;
            let head = d >= x.d1 && d < x.m1.min(x.d2);
            let tail = d >= x.m2.max(x.m1.min(x.d2)) && d < x.d2;
            assert_eq!([in_months, head, tail].iter().filter(|b| **b).count(), 1, "{d} in {x:?}");
            d = d.next_day().expect("day");
        }
    }

    #[test]
    fn a_period_splits_into_whole_months_and_the_days_at_either_end() {
        // 2 Dec 2023 to 1 Dec 2026 included: whole months January 2024 to November 2026.
        let x = days((2023, 12, 2), (2026, 12, 2));
        assert_eq!((x.m1.to_string(), x.m2.to_string()), ("2024-01-01".into(), "2026-12-01".into()));
        covered_once(x);
        // Within one month: no whole month, every day from the day counters.
        let x = days((2026, 3, 5), (2026, 3, 20));
        assert!(x.m1 >= x.m2);
        covered_once(x);
        // Exactly one month, a month and a day, a single first day, leap February, a year.
        for (from, to) in [
            ((2026, 3, 1), (2026, 4, 1)),
            ((2026, 2, 28), (2026, 4, 1)),
            ((2026, 3, 1), (2026, 3, 2)),
            ((2028, 1, 31), (2028, 3, 1)),
            ((2025, 12, 31), (2027, 1, 1)),
        ] {
            covered_once(days(from, to));
        }
    }
}
