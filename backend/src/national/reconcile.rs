//! Reconciliation with the national portal (lessons.md §4): for every dossier changed on a day, ask the
//! portal what it holds (`TraCuuHoSo`, interop.md §3), compare the fields that matter, and queue the whole
//! `HoSo` again when the portal holds nothing or something else. Differences are recorded for administrators
//! (`reconciliation_run`, `reconciliation_difference`).
//!
//! The daily run happens once per day across all instances (a unique row per day decides who runs it);
//! administrators can start one at any time. A dossier whose messages are still on their way (pending) or
//! dead-lettered is not compared: the relay or an administrator already has it in hand.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use super::outbox;
use crate::{
    domain::calendar::{from_local, to_local},
    http::error::ApiError,
    platform::PlatformClient,
    store::audit,
};

/// The `HoSo` fields compared: what the citizen and the national statistics see.
pub const COMPARED: [&str; 9] = [
    "MaTTHC",
    "KenhThucHien",
    "TrangThaiHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayTra",
    "NgayKetThucXuLy",
    "NgayTuChoi",
    "DuocThanhToanTrucTuyen",
];

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct RunSummary {
    pub id: i64,
    /// `daily` or `admin`.
    pub trigger: String,
    /// The day whose changed dossiers were compared (Vietnam date), `yyyy-mm-dd`.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub day: Date,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
    pub checked: i32,
    pub differences: i32,
    pub resent: i32,
    /// Dossiers the portal could not be asked about: compared again on the next run.
    pub unreachable: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Difference {
    pub dossier_id: Uuid,
    pub code: String,
    /// `missing` (the portal holds nothing) or `differs`.
    pub kind: String,
    /// `{field: {"ours": ..., "portal": ...}}`.
    #[schema(value_type = Object)]
    pub fields: Value,
    pub resent: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunReport {
    pub run: RunSummary,
    pub differences: Vec<Difference>,
}

/// The fields of `ours` the portal's copy disagrees with.
pub fn compare(ours: &Value, portal: &Value) -> serde_json::Map<String, Value> {
    COMPARED
        .iter()
        .filter(|f| ours.get(**f) != portal.get(**f))
        .map(|f| ((*f).to_owned(), json!({"ours": ours.get(*f), "portal": portal.get(*f)})))
        .collect()
}

enum Holding {
    Held(Value),
    Missing,
    Unknown,
}

async fn ask(platform: &PlatformClient, code: &str) -> Holding {
    let Ok(answer) = platform.post("/dvcqg/TraCuuHoSo", &json!({"MaHoSo": code}), Some(code)).await else {
        return Holding::Unknown;
    };
    if answer.status != 200 {
        return Holding::Unknown;
    }
    let Ok(v) = answer.json::<Value>() else { return Holding::Unknown };
    match v.get("error_code").and_then(Value::as_str) {
        Some("0") => v.get("result").cloned().map_or(Holding::Unknown, Holding::Held),
        Some("404") => Holding::Missing,
        _ => Holding::Unknown,
    }
}

/// Runs one reconciliation of the dossiers changed on `day`. A daily run that another instance already
/// started answers `None`.
pub async fn run(
    db: &PgPool,
    platform: &PlatformClient,
    trigger: &str,
    day: Date,
    started_by: Option<Uuid>,
) -> Result<Option<RunReport>, ApiError> {
    let run_id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO reconciliation_run (trigger, day, started_by) VALUES ($1, $2, $3)
         ON CONFLICT (day) WHERE trigger = 'daily' DO NOTHING RETURNING id",
    )
    .bind(trigger)
    .bind(day)
    .bind(started_by)
    .fetch_optional(db)
    .await?;
    let Some(run_id) = run_id else { return Ok(None) };
    let from = from_local(day.midnight());
    let to = from_local(day.next_day().unwrap_or(day).midnight());
    let dossiers: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT d.id, d.code FROM dossier d
          WHERE d.updated_at >= $1 AND d.updated_at < $2
            AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dossier_id = d.id AND o.status <> 'delivered')
          ORDER BY d.updated_at, d.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let (mut checked, mut differences, mut resent, mut unreachable) = (0, 0, 0, 0);
    for (id, code) in dossiers {
        let held = ask(platform, &code).await;
        let (kind, fields, holds) = {
            let mut conn = db.acquire().await?;
            let ours = outbox::ho_so(&mut conn, id, None).await?;
            match held {
                Holding::Unknown => {
                    unreachable += 1;
                    continue;
                }
                Holding::Missing => ("missing", serde_json::Map::new(), false),
                Holding::Held(theirs) => {
                    let diff = compare(&ours, &theirs);
                    if diff.is_empty() {
                        checked += 1;
                        continue;
                    }
                    ("differs", diff, true)
                }
            }
        };
        checked += 1;
        differences += 1;
        let mut tx = db.begin().await?;
        // Lock the dossier: a change committing meanwhile queues its own messages, and then ours is not needed.
        sqlx::query("SELECT 1 FROM dossier WHERE id = $1 FOR UPDATE").bind(id).execute(&mut *tx).await?;
        let in_flight: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM outbox WHERE dossier_id = $1 AND status <> 'delivered')")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if !in_flight {
            outbox::enqueue_resend(&mut tx, id, holds).await?;
            resent += 1;
        }
        sqlx::query(
            "INSERT INTO reconciliation_difference (run_id, dossier_id, code, kind, fields, resent)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(run_id)
        .bind(id)
        .bind(&code)
        .bind(kind)
        .bind(Value::Object(fields))
        .bind(!in_flight)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::warn!(code, kind, "reconciliation: the portal's copy differs; resent");
    }
    let mut tx = db.begin().await?;
    let run: RunSummary = sqlx::query_as(
        "UPDATE reconciliation_run SET finished_at = now(), checked = $2, differences = $3, resent = $4, unreachable = $5
          WHERE id = $1
          RETURNING id, trigger, day, started_at, finished_at, checked, differences, resent, unreachable",
    )
    .bind(run_id)
    .bind(checked)
    .bind(differences)
    .bind(resent)
    .bind(unreachable)
    .fetch_one(&mut *tx)
    .await?;
    let (actor_kind, actor) = match started_by {
        Some(s) => (audit::ActorKind::Staff, Some(s.to_string())),
        None => (audit::ActorKind::System, None),
    };
    audit::append(
        &mut tx,
        &audit::Entry {
            actor_kind,
            actor_id: actor.as_deref(),
            action: "national.reconciled",
            object_kind: Some("reconciliation_run"),
            object_id: Some(&run_id.to_string()),
            details: json!({"day": day.to_string(), "checked": checked, "differences": differences,
                            "resent": resent, "unreachable": unreachable}),
        },
    )
    .await?;
    tx.commit().await?;
    let differences = report_differences(db, run_id).await?;
    Ok(Some(RunReport { run, differences }))
}

pub async fn report_differences(db: &PgPool, run_id: i64) -> Result<Vec<Difference>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT dossier_id, code, kind, fields, resent FROM reconciliation_difference WHERE run_id = $1 ORDER BY code",
    )
    .bind(run_id)
    .fetch_all(db)
    .await?)
}

/// The daily job `serve` runs: at `at` (Vietnam time) each day, reconcile the day's changes. Every instance
/// runs this loop; the first to insert the day's run does the work.
pub async fn daily(db: PgPool, platform: std::sync::Arc<PlatformClient>, at: (u8, u8)) {
    loop {
        let now = to_local(OffsetDateTime::now_utc());
        let Ok(time) = time::Time::from_hms(at.0, at.1, 0) else { return };
        let mut next = now.date().with_time(time);
        if next <= now {
            next = now.date().next_day().unwrap_or(now.date()).with_time(time);
        }
        let wait = (next - now).whole_seconds().max(1) as u64;
        tokio::time::sleep(Duration::from_secs(wait)).await;
        match run(&db, &platform, "daily", next.date(), None).await {
            Ok(Some(r)) => tracing::info!(
                checked = r.run.checked,
                differences = r.run.differences,
                unreachable = r.run.unreachable,
                "daily reconciliation with the national portal done"
            ),
            Ok(None) => tracing::info!("daily reconciliation already done by another instance"),
            Err(e) => tracing::error!(error = ?e, "daily reconciliation failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_compared_fields_count() {
        let ours = json!({"TrangThaiHoSo": "4", "NgayHenTra": "20261130170000", "GhiChu": "a", "NgayTra": ""});
        let same = json!({"TrangThaiHoSo": "4", "NgayHenTra": "20261130170000", "GhiChu": "b", "NgayTra": ""});
        assert!(compare(&ours, &same).is_empty(), "GhiChu is not compared");
        let lost = json!({"TrangThaiHoSo": "2", "NgayHenTra": "20261130170000", "NgayTra": ""});
        let diff = compare(&ours, &lost);
        assert_eq!(diff.len(), 1);
        assert_eq!(diff["TrangThaiHoSo"], json!({"ours": "4", "portal": "2"}));
    }
}
