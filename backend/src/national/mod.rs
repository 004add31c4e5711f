//! The national portal (Cổng Dịch vụ công quốc gia) calling us: its machine authentication and what it reads.
//!
//! Inbound calls come through the sharing platform with a bearer JWT the platform signed ([`jwt`]);
//! answers use the national shape of interop.md: PascalCase Vietnamese field names, every value a string,
//! dates `yyyyMMddHHmmss` in Vietnam time, an absent date `""`.

pub mod feed;
pub mod jwt;
pub mod outbox;
pub mod reconcile;
pub mod relay;

use time::{OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};

use crate::domain::calendar::to_local;

/// `yyyyMMddHHmmss`, 24-hour clock.
const NATIONAL_DATETIME: &[BorrowedFormatItem<'_>] = format_description!("[year][month][day][hour][minute][second]");

/// A moment as the national APIs write it: Vietnam time (UTC+7), `yyyyMMddHHmmss`; absent is `""`.
pub fn national_datetime(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| to_local(t).format(NATIONAL_DATETIME).ok()).unwrap_or_default()
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
