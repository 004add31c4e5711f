//! The working calendar of an agency, built from the holiday table and the agency's hours.

use sqlx::{Postgres, Transaction};
use time::Time;
use uuid::Uuid;

use crate::domain::calendar::{WorkingCalendar, WorkingHours};

pub async fn calendar_for(tx: &mut Transaction<'_, Postgres>, agency_id: Uuid) -> anyhow::Result<WorkingCalendar> {
    type Hours = (Option<Time>, Option<Time>, Option<Time>, Option<Time>, Option<Time>);
    let hours: Option<Hours> = sqlx::query_as(
        "SELECT morning_start, morning_end, afternoon_start, afternoon_end, paper_cutoff FROM agency WHERE id = $1",
    )
    .bind(agency_id)
    .fetch_optional(&mut **tx)
    .await?;
    let default = WorkingHours::default();
    let hours = match hours {
        Some((ms, me, as_, ae, cut)) => {
            let h = WorkingHours::new(
                ms.unwrap_or(default.morning_start()),
                me.unwrap_or(default.morning_end()),
                as_.unwrap_or(default.afternoon_start()),
                ae.unwrap_or(default.afternoon_end()),
            )?;
            h.with_paper_cutoff(cut.unwrap_or(default.paper_cutoff()))?
        }
        None => default,
    };
    Ok(crate::store::calendar::working_calendar(&mut **tx, hours).await?)
}
