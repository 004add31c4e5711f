//! Work queues for staff and the citizen's own list: filters that match the composite indexes,
//! keyset pagination (no OFFSET), and capped counts (never an unbounded `count(*)` on a hot path).

use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Caller, StaffCaller};
use crate::{
    domain::lifecycle::State,
    http::error::{ApiError, FieldError},
};

/// Counts stop at this number (the answer then says `capped`).
pub const COUNT_CAP: i64 = 10_000;

/// The named queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// New online dossiers waiting at my one-stop desks.
    ToReceive,
    /// Every open dossier currently at one of my units.
    AtMyUnits,
    /// Waiting for my approval (leaders).
    AwaitingMyApproval,
    /// Assigned to me personally.
    AssignedToMe,
    /// Running clock, due within `due_within_hours` (default 8) hours.
    DueSoon,
    /// Running clock, past the appointment.
    Overdue,
    /// Waiting for the applicant's supplement.
    AwaitingSupplement,
    /// Result ready, to hand over at my one-stop desks.
    ToReturn,
}

pub const ALL_QUEUES: [Queue; 8] = [
    Queue::ToReceive,
    Queue::AtMyUnits,
    Queue::AwaitingMyApproval,
    Queue::AssignedToMe,
    Queue::DueSoon,
    Queue::Overdue,
    Queue::AwaitingSupplement,
    Queue::ToReturn,
];

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// A named queue; without it, every dossier at my units (open or not).
    pub queue: Option<Queue>,
    /// Internal state (`submitted`, `received`, `in_processing`, ...).
    #[param(
        pattern = "^(submitted|received|in_processing|awaiting_approval|supplement_requested|payment_requested|result_ready|returned|refused|withdrawn|stopped)$"
    )]
    pub state: Option<String>,
    /// National procedure code.
    pub procedure: Option<String>,
    /// One of my units.
    pub unit_id: Option<Uuid>,
    /// Staff id of the assignee.
    pub assignee_id: Option<Uuid>,
    /// 1 counter, 2 online, 3 post.
    #[param(minimum = 1, maximum = 3)]
    pub channel: Option<i16>,
    /// Received on or after (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub received_from: Option<OffsetDateTime>,
    /// Received before (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub received_to: Option<OffsetDateTime>,
    /// Dossier code (exact) or applicant name words, with or without diacritics.
    pub q: Option<String>,
    /// For `due_soon`: the horizon in hours (default 8).
    #[param(minimum = 1, maximum = 1440)]
    pub due_within_hours: Option<i64>,
    /// `submitted` (default: oldest first) or `due` (soonest appointment first).
    #[param(pattern = "^(submitted|due)$")]
    pub sort: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct DossierSummary {
    pub id: Uuid,
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub state: String,
    pub channel: i16,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<OffsetDateTime>,
    pub current_unit_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub version: i32,
    /// National status code 1–10.
    #[sqlx(skip)]
    pub national_status: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page {
    pub items: Vec<DossierSummary>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueueCount {
    pub queue: Queue,
    pub count: i64,
    /// The count reached the cap and stopped there.
    pub capped: bool,
}

const SELECT: &str =
    "SELECT d.id, d.code, p.code AS procedure_code, pv.name AS procedure_name, d.applicant_name, d.state,
        d.channel, d.submitted_at, d.received_at, d.due_at, d.current_unit_id, d.assignee_id, d.version
   FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id JOIN procedure p ON p.id = pv.procedure_id
  WHERE true";

const OPEN: &str = " AND d.finished_at IS NULL AND d.state NOT IN ('returned', 'refused', 'withdrawn', 'stopped')";

fn units_with(s: &StaffCaller, kind: Option<&str>, role: Option<&str>) -> Vec<Uuid> {
    let mut v: Vec<Uuid> = s
        .roles
        .iter()
        .filter(|r| kind.is_none_or(|k| r.unit_kind == k) && role.is_none_or(|x| r.role == x))
        .map(|r| r.unit_id)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `AND d.current_unit_id` is one of `units`: `= $n` for one unit (most staff), so that PostgreSQL can walk an
/// index in the queue's order and stop at the page's end, `= ANY($n)` for several.
fn push_units(b: &mut QueryBuilder<Postgres>, units: Vec<Uuid>) {
    if let [one] = units[..] {
        b.push(" AND d.current_unit_id = ").push_bind(one);
    } else {
        b.push(" AND d.current_unit_id = ANY(").push_bind(units).push(")");
    }
}

fn push_queue(b: &mut QueryBuilder<Postgres>, s: &StaffCaller, queue: Option<Queue>, horizon_hours: i64) {
    let all = units_with(s, None, None);
    match queue {
        None => push_units(b, all),
        Some(Queue::ToReceive) => {
            b.push(" AND d.state = 'submitted'");
            push_units(b, units_with(s, Some("one_stop"), Some("clerk")));
        }
        Some(Queue::AtMyUnits) => {
            b.push(OPEN);
            push_units(b, all);
        }
        Some(Queue::AwaitingMyApproval) => {
            b.push(" AND d.state = 'awaiting_approval'");
            push_units(b, units_with(s, None, Some("leader")));
        }
        Some(Queue::AssignedToMe) => {
            b.push(OPEN).push(" AND d.assignee_id = ").push_bind(s.id);
        }
        Some(Queue::DueSoon) => {
            b.push(OPEN)
                .push(" AND d.paused_at IS NULL AND d.due_at >= now() AND d.due_at < now() + make_interval(hours => ")
                .push_bind(horizon_hours as i32)
                .push(")");
            push_units(b, all);
        }
        Some(Queue::Overdue) => {
            b.push(OPEN).push(" AND d.paused_at IS NULL AND d.due_at < now()");
            push_units(b, all);
        }
        Some(Queue::AwaitingSupplement) => {
            // (OPEN adds nothing to the state but lets PostgreSQL read the index of open dossiers.)
            b.push(OPEN).push(" AND d.state = 'supplement_requested' AND EXISTS (SELECT 1 FROM dossier_holder h WHERE h.dossier_id = d.id AND h.unit_id = ANY(")
                .push_bind(all)
                .push("))");
        }
        Some(Queue::ToReturn) => {
            b.push(" AND d.state = 'result_ready'");
            push_units(b, units_with(s, Some("one_stop"), Some("clerk")));
        }
    }
}

/// The words of the search text `q`, folded as the stored names are (lower case, no diacritics), checked first.
async fn search_words(pool: &PgPool, q: &QueueQuery) -> Result<Option<(String, Vec<String>)>, ApiError> {
    let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > 100 {
        return Err(ApiError::field("query.q", "too_long", "at most 100 characters"));
    }
    let words: Vec<String> =
        sqlx::query_scalar("SELECT w FROM unnest(regexp_split_to_array(motcua_fold($1), '\\s+')) AS w WHERE w <> ''")
            .bind(text)
            .fetch_all(pool)
            .await?;
    Ok(Some((text.to_owned(), words)))
}

/// `%word%` for LIKE, with the word's own `%`, `_` and `\` taken literally.
fn contains_pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn push_filters(
    b: &mut QueryBuilder<Postgres>,
    q: &QueueQuery,
    search: Option<(String, Vec<String>)>,
) -> Result<(), ApiError> {
    if let Some(state) = &q.state {
        if State::parse(state).is_none() {
            return Err(ApiError::field("query.state", "unknown", "no such state"));
        }
        b.push(" AND d.state = ").push_bind(state.clone());
    }
    if let Some(p) = &q.procedure {
        b.push(" AND p.code = ").push_bind(p.clone());
    }
    if let Some(u) = q.unit_id {
        b.push(" AND d.current_unit_id = ").push_bind(u);
    }
    if let Some(a) = q.assignee_id {
        b.push(" AND d.assignee_id = ").push_bind(a);
    }
    if let Some(c) = q.channel {
        if !(1..=3).contains(&c) {
            return Err(ApiError::field("query.channel", "out_of_range", "1, 2 or 3"));
        }
        b.push(" AND d.channel = ").push_bind(c);
    }
    if let Some(t) = q.received_from {
        b.push(" AND d.received_at >= ").push_bind(t);
    }
    if let Some(t) = q.received_to {
        b.push(" AND d.received_at < ").push_bind(t);
    }
    // One LIKE per word with its pattern as a parameter, so that PostgreSQL can read the trigram index of the
    // folded names for a rare name (and walk the queue's index for a common one).
    if let Some((text, words)) = search {
        b.push(" AND (d.code = ").push_bind(text);
        if !words.is_empty() {
            b.push(" OR (true");
            for w in &words {
                b.push(" AND d.applicant_name_fold LIKE ").push_bind(contains_pattern(w));
            }
            b.push(")");
        }
        b.push(")");
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    Submitted,
    Due,
}

fn parse_cursor(s: &str) -> Option<(OffsetDateTime, Uuid)> {
    let (ts, id) = s.split_once('_')?;
    let micros: i128 = ts.parse().ok()?;
    Some((OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).ok()?, id.parse().ok()?))
}

fn cursor(t: OffsetDateTime, id: Uuid) -> String {
    format!("{}_{id}", t.unix_timestamp_nanos() / 1000)
}

fn finish(mut items: Vec<DossierSummary>, limit: i64, sort: Sort) -> Page {
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|d| {
            let key = match sort {
                Sort::Submitted => d.submitted_at,
                Sort::Due => d.due_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
            };
            cursor(key, d.id)
        })
    } else {
        None
    };
    for d in &mut items {
        d.national_status = State::parse(&d.state).map_or(0, State::national_code);
    }
    Page { items, next }
}

/// A page of a staff queue.
pub async fn list(pool: &PgPool, caller: &Caller, q: &QueueQuery) -> Result<Page, ApiError> {
    let staff = super::require_staff(caller)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("query.limit", "out_of_range", "between 1 and 200"));
    }
    let horizon = q.due_within_hours.unwrap_or(8);
    if !(1..=24 * 60).contains(&horizon) {
        return Err(ApiError::field("query.due_within_hours", "out_of_range", "between 1 and 1440"));
    }
    let sort = match q.sort.as_deref() {
        None | Some("submitted") => Sort::Submitted,
        Some("due") => Sort::Due,
        Some(_) => return Err(ApiError::field("query.sort", "unknown", "submitted or due")),
    };
    let after =
        match &q.after {
            None => None,
            Some(a) => Some(parse_cursor(a).ok_or_else(|| {
                ApiError::field("query.after", "invalid", "use the `next` value of the previous page")
            })?),
        };
    let search = search_words(pool, q).await?;
    let mut b = QueryBuilder::<Postgres>::new(SELECT);
    push_queue(&mut b, staff, q.queue, horizon);
    push_filters(&mut b, q, search)?;
    match (sort, after) {
        (Sort::Submitted, Some((t, id))) => {
            b.push(" AND (d.submitted_at, d.id) > (").push_bind(t).push(", ").push_bind(id).push(")");
        }
        (Sort::Due, Some((t, id))) => {
            b.push(" AND (coalesce(d.due_at, 'epoch'::timestamptz), d.id) > (")
                .push_bind(t)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        _ => {}
    }
    b.push(match sort {
        Sort::Submitted => " ORDER BY d.submitted_at, d.id",
        Sort::Due => " ORDER BY coalesce(d.due_at, 'epoch'::timestamptz), d.id",
    });
    b.push(" LIMIT ").push_bind(limit + 1);
    let items: Vec<DossierSummary> = b.build_query_as().fetch_all(pool).await?;
    Ok(finish(items, limit, sort))
}

/// How many dossiers each queue holds for the caller (capped at [`COUNT_CAP`]).
pub async fn counts(pool: &PgPool, caller: &Caller) -> Result<Vec<QueueCount>, ApiError> {
    let staff = super::require_staff(caller)?;
    let mut out = Vec::with_capacity(ALL_QUEUES.len());
    for queue in ALL_QUEUES {
        let mut b = QueryBuilder::<Postgres>::new("SELECT count(*) FROM (SELECT 1 FROM dossier d WHERE true");
        push_queue(&mut b, staff, Some(queue), 8);
        b.push(" LIMIT ").push_bind(COUNT_CAP).push(") capped");
        let count: i64 = b.build_query_scalar().fetch_one(pool).await?;
        out.push(QueueCount { queue, count, capped: count >= COUNT_CAP });
    }
    Ok(out)
}

/// The citizen's own dossiers, newest first.
pub async fn mine(pool: &PgPool, caller: &Caller, after: Option<&str>, limit: Option<i64>) -> Result<Page, ApiError> {
    let Caller::Citizen(c) = caller else {
        return Err(ApiError::field("cookie", "not_a_citizen", "this list is for signed-in citizens"));
    };
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new("query.limit", "out_of_range", "between 1 and 200")]));
    }
    let mut b = QueryBuilder::<Postgres>::new(SELECT);
    b.push(" AND d.applicant_citizen_id = ").push_bind(c.id);
    if let Some(a) = after {
        let (t, id) =
            parse_cursor(a).ok_or_else(|| ApiError::field("query.after", "invalid", "use the `next` value"))?;
        b.push(" AND (d.submitted_at, d.id) < (").push_bind(t).push(", ").push_bind(id).push(")");
    }
    b.push(" ORDER BY d.submitted_at DESC, d.id DESC LIMIT ").push_bind(limit + 1);
    let items: Vec<DossierSummary> = b.build_query_as().fetch_all(pool).await?;
    Ok(finish(items, limit, Sort::Submitted))
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_words_match_as_themselves() {
        assert_eq!(super::contains_pattern("nguyen"), "%nguyen%");
        assert_eq!(super::contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
