//! The national portal (Cổng Dịch vụ công quốc gia) calling us: its machine authentication and what it reads.
//!
//! Inbound calls come through the sharing platform with a bearer JWT the platform signed ([`jwt`]);
//! answers use the national shape of interop.md: PascalCase Vietnamese field names, every value a string,
//! dates `yyyyMMddHHmmss` in Vietnam time, an absent date `""`.

pub mod jwt;
pub mod outbox;
pub mod relay;

use sqlx::PgPool;
use time::{OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};

use crate::{
    domain::{calendar::to_local, lifecycle::State},
    http::error::ApiError,
};

/// `yyyyMMddHHmmss`, 24-hour clock.
const NATIONAL_DATETIME: &[BorrowedFormatItem<'_>] = format_description!("[year][month][day][hour][minute][second]");

/// A moment as the national APIs write it: Vietnam time (UTC+7), `yyyyMMddHHmmss`; absent is `""`.
pub fn national_datetime(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| to_local(t).format(NATIONAL_DATETIME).ok()).unwrap_or_default()
}

/// Where a dossier stands, as far as the national `HoSo` goes today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierStatus {
    /// Mã hồ sơ.
    pub code: String,
    /// National procedure code (mã TTHC).
    pub procedure_code: String,
    /// The procedure's name in the version the dossier was filed under.
    pub procedure_name: String,
    /// `1` counter, `2` online, `3` post.
    pub channel: i16,
    /// The national status (TrangThaiHoSo, 1..=10).
    pub national_code: u8,
    pub submitted_at: OffsetDateTime,
    pub received_at: Option<OffsetDateTime>,
    /// The appointment (ngày hẹn trả); while the clock is paused, the appointment as it stood.
    pub due_at: Option<OffsetDateTime>,
    pub returned_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct Row {
    code: String,
    procedure_code: String,
    procedure_name: String,
    channel: i16,
    state: String,
    submitted_at: OffsetDateTime,
    received_at: Option<OffsetDateTime>,
    due_at: Option<OffsetDateTime>,
    returned_at: Option<OffsetDateTime>,
}

/// The dossier with this code (mã hồ sơ), if any.
pub async fn dossier_status(db: &PgPool, code: &str) -> Result<Option<DossierStatus>, ApiError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT d.code, p.code AS procedure_code, pv.name AS procedure_name, d.channel, d.state,
                d.submitted_at, d.received_at, COALESCE(d.due_at, d.paused_due_at) AS due_at, d.returned_at
         FROM dossier d
         JOIN procedure_version pv ON pv.id = d.procedure_version_id
         JOIN procedure p ON p.id = pv.procedure_id
         WHERE d.code = $1",
    )
    .bind(code)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let state = State::parse(&row.state).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("dossier {} has an unknown state {:?}", row.code, row.state))
    })?;
    Ok(Some(DossierStatus {
        code: row.code,
        procedure_code: row.procedure_code,
        procedure_name: row.procedure_name,
        channel: row.channel,
        national_code: state.national_code(),
        submitted_at: row.submitted_at,
        received_at: row.received_at,
        due_at: row.due_at,
        returned_at: row.returned_at,
    }))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn national_dates_are_vietnam_time_and_absent_is_empty() {
        assert_eq!(national_datetime(Some(datetime!(2026-03-01 17:05:09 UTC))), "20260302000509");
        assert_eq!(national_datetime(Some(datetime!(2026-12-31 09:30 +07:00))), "20261231093000");
        assert_eq!(national_datetime(None), "");
    }
}
