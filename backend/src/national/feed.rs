//! The change feed the national portal polls (`GET /api/v1/national/changes`, interop.md §5).
//!
//! Positions follow commit order: history rows wait in `change_feed_pending` (written by a trigger in the
//! transaction of the change) until [`sequence`], one at a time under an advisory lock, numbers the ones that
//! have committed. A position is only ever handed out after every smaller one is final, so a reader that
//! remembers its cursor misses nothing, even when transactions commit out of the order of their ids.

use sqlx::PgPool;
use time::OffsetDateTime;

use super::national_datetime;

/// Numbers every committed change not yet in the feed.
pub async fn sequence(db: &PgPool) -> sqlx::Result<u64> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('change_feed_sequencer', 0))").execute(&mut *tx).await?;
    let moved = sqlx::query(
        "WITH moved AS (DELETE FROM change_feed_pending RETURNING action_id)
         INSERT INTO change_feed (action_id) SELECT action_id FROM moved ORDER BY action_id",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(moved)
}

/// One status change: its cursor, the dossier code, the national status after it, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub cursor: String,
    pub code: String,
    pub national_code: i16,
    pub at: String,
}

/// Up to `limit` changes after `after` (the start when `None`), and the cursor to ask from next.
pub async fn read(db: &PgPool, after: Option<i64>, limit: i64) -> sqlx::Result<(Vec<Change>, String)> {
    sequence(db).await?;
    let rows: Vec<(i64, String, i16, OffsetDateTime)> = sqlx::query_as(
        "SELECT f.pos, d.code, a.national_code, a.at
           FROM change_feed f JOIN dossier_action a ON a.id = f.action_id JOIN dossier d ON d.id = a.dossier_id
          WHERE f.pos > $1 ORDER BY f.pos LIMIT $2",
    )
    .bind(after.unwrap_or(0))
    .bind(limit)
    .fetch_all(db)
    .await?;
    let next = rows.last().map(|r| r.0).or(after).unwrap_or(0).to_string();
    let items = rows
        .into_iter()
        .map(|(pos, code, national_code, at)| Change {
            cursor: pos.to_string(),
            code,
            national_code,
            at: national_datetime(Some(at)),
        })
        .collect();
    Ok((items, next))
}
