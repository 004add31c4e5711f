//! The working calendar's exceptions (`calendar_day`).

use std::ops::RangeInclusive;

use sqlx::{PgPool, Postgres, Transaction};
use time::Date;

use crate::domain::calendar::{self as cal, WorkingCalendar, WorkingHours};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarDay {
    pub day: Date,
    pub kind: String,
    pub name: String,
    pub source: String,
}

/// Loads Vietnam's holidays for each year in `years` that has no rows yet: the decreed days where
/// known, the computed ones otherwise. A year an administrator has already edited is left alone.
/// Returns the number of days written.
pub async fn ensure_years(tx: &mut Transaction<'_, Postgres>, years: RangeInclusive<i32>) -> sqlx::Result<u64> {
    // One loader at a time (several instances may start together).
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('calendar_day.ensure_years'))").execute(&mut **tx).await?;
    let mut written = 0;
    for year in years {
        let (start, end) = (year_start(year), year_end(year));
        let present: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM calendar_day WHERE day BETWEEN $1 AND $2)")
                .bind(start)
                .bind(end)
                .fetch_one(&mut **tx)
                .await?;
        if present {
            continue;
        }
        let source = if cal::official_days_off(year).is_some() { "decree" } else { "computed" };
        let days_off = cal::days_off_for_year(year).into_iter().map(|(d, n)| (d, n, "day_off", source));
        let extra = cal::official_extra_working_days(year).into_iter().map(|(d, n)| (d, n, "working_day", "decree"));
        for (day, name, kind, source) in days_off.chain(extra) {
            written += sqlx::query(
                "INSERT INTO calendar_day (day, kind, name, source) VALUES ($1, $2, $3, $4) ON CONFLICT (day) DO NOTHING",
            )
            .bind(day)
            .bind(kind)
            .bind(name)
            .bind(source)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        }
    }
    Ok(written)
}

pub async fn list(pool: &PgPool, from: Date, to: Date) -> sqlx::Result<Vec<CalendarDay>> {
    sqlx::query_as("SELECT day, kind, name, source FROM calendar_day WHERE day BETWEEN $1 AND $2 ORDER BY day")
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
}

/// A working calendar with `hours` and every day off and swapped working day on record.
pub async fn working_calendar(db: impl sqlx::PgExecutor<'_>, hours: WorkingHours) -> sqlx::Result<WorkingCalendar> {
    let rows: Vec<(Date, String)> = sqlx::query_as("SELECT day, kind FROM calendar_day").fetch_all(db).await?;
    let mut calendar = WorkingCalendar::new(hours);
    for (day, kind) in rows {
        if kind == "working_day" {
            calendar.extra_working_days.insert(day);
        } else {
            calendar.days_off.insert(day);
        }
    }
    Ok(calendar)
}

fn year_start(year: i32) -> Date {
    Date::from_ordinal_date(year, 1).unwrap_or(Date::MIN)
}

fn year_end(year: i32) -> Date {
    Date::from_calendar_date(year, time::Month::December, 31).unwrap_or(Date::MAX)
}
