//! Working calendar and deadline computation for administrative procedures.
//!
//! # Conventions
//!
//! * Every time handled here is **Vietnam local time** (UTC+7, no daylight
//!   saving) as a [`PrimitiveDateTime`]. Use [`to_local`] / [`from_local`] at
//!   the boundary with UTC timestamps.
//! * The working week is Monday–Friday. A date is a working day iff it is a
//!   Monday–Friday not listed in [`WorkingCalendar::days_off`], or it is
//!   listed in [`WorkingCalendar::extra_working_days`] (a swapped Saturday).
//! * A working day has two sessions ([`WorkingHours`]), 07:30–11:30 and
//!   13:00–17:00 by default. A session's start is a working instant, its end
//!   is not (half-open `[start, end)`).
//! * One working day equals the configured total length of both sessions
//!   (480 minutes = 8 hours by default). Allotments are counted in working
//!   minutes and flow across the lunch break, evenings, weekends and days off.
//! * A due time computed by [`WorkingCalendar::add_working_minutes`] is inside
//!   a session **or exactly at the end of a session**: 8 working hours from
//!   Monday 07:30 is Monday 17:00, not Tuesday 07:30.
//!
//! # Public holidays
//!
//! [`default_days_off`] computes a year's statutory holidays (Labour Code 2019
//! Art. 112) including weekend make-up days (Art. 111(3)); the lunar holidays
//! come from [`super::lunar`]. [`official_days_off`] and
//! [`official_extra_working_days`] return what the Government actually
//! decreed where known. The caller seeds its database from them;
//! administrators may edit the table afterwards.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::RangeInclusive;

use time::macros::{date, offset, time};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

use super::lunar;

/// Vietnam's UTC offset (UTC+7, no daylight saving time).
pub const VIETNAM_OFFSET: UtcOffset = offset!(+7);

/// Converts an absolute timestamp to Vietnam local time.
///
/// # Panics
/// Only if the local time falls outside the range supported by `time`
/// (beyond year ±9999).
pub fn to_local(t: OffsetDateTime) -> PrimitiveDateTime {
    let local = t.to_offset(VIETNAM_OFFSET);
    PrimitiveDateTime::new(local.date(), local.time())
}

/// Interprets a Vietnam local time as an absolute timestamp (UTC+7).
pub fn from_local(t: PrimitiveDateTime) -> OffsetDateTime {
    t.assume_offset(VIETNAM_OFFSET)
}

// ---------------------------------------------------------------------------
// Working hours
// ---------------------------------------------------------------------------

/// Why a [`WorkingHours`] configuration was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkingHoursError {
    /// The times are not ordered
    /// `morning_start < morning_end <= afternoon_start < afternoon_end`.
    SessionsNotOrdered,
    /// A session boundary or the cut-off has a non-zero seconds or
    /// sub-second component (allotments are counted in whole minutes).
    NotWholeMinute,
}

impl fmt::Display for WorkingHoursError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SessionsNotOrdered => f.write_str(
                "working sessions must satisfy morning start < morning end \
                 <= afternoon start < afternoon end",
            ),
            Self::NotWholeMinute => f.write_str("working hours must be whole minutes"),
        }
    }
}

impl std::error::Error for WorkingHoursError {}

/// An agency's daily working hours: a morning and an afternoon session plus
/// the cut-off after which paper dossiers count from the next working day.
///
/// The invariants (ordered sessions, whole minutes) are enforced by
/// [`WorkingHours::new`]; use the getters to read the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkingHours {
    morning_start: Time,
    morning_end: Time,
    afternoon_start: Time,
    afternoon_end: Time,
    paper_cutoff: Time,
}

impl Default for WorkingHours {
    /// 07:30–11:30 and 13:00–17:00 (8 hours), paper cut-off 15:00.
    fn default() -> Self {
        Self {
            morning_start: time!(07:30),
            morning_end: time!(11:30),
            afternoon_start: time!(13:00),
            afternoon_end: time!(17:00),
            paper_cutoff: time!(15:00),
        }
    }
}

fn is_whole_minute(t: Time) -> bool {
    t.second() == 0 && t.nanosecond() == 0
}

impl WorkingHours {
    /// Builds working hours from two sessions, with the default 15:00 paper
    /// cut-off. Sessions must satisfy
    /// `morning_start < morning_end <= afternoon_start < afternoon_end`
    /// (no lunch break is allowed: `morning_end == afternoon_start`).
    pub fn new(
        morning_start: Time,
        morning_end: Time,
        afternoon_start: Time,
        afternoon_end: Time,
    ) -> Result<Self, WorkingHoursError> {
        if !(morning_start < morning_end && morning_end <= afternoon_start && afternoon_start < afternoon_end) {
            return Err(WorkingHoursError::SessionsNotOrdered);
        }
        if ![morning_start, morning_end, afternoon_start, afternoon_end].into_iter().all(is_whole_minute) {
            return Err(WorkingHoursError::NotWholeMinute);
        }
        Ok(Self { morning_start, morning_end, afternoon_start, afternoon_end, paper_cutoff: time!(15:00) })
    }

    /// Returns a copy with another paper-dossier cut-off (default 15:00).
    /// A dossier received on a working day strictly after the cut-off counts
    /// from the start of the next working day.
    pub fn with_paper_cutoff(self, cutoff: Time) -> Result<Self, WorkingHoursError> {
        if !is_whole_minute(cutoff) {
            return Err(WorkingHoursError::NotWholeMinute);
        }
        Ok(Self { paper_cutoff: cutoff, ..self })
    }

    /// Start of the morning session (inclusive).
    pub fn morning_start(&self) -> Time {
        self.morning_start
    }
    /// End of the morning session (exclusive).
    pub fn morning_end(&self) -> Time {
        self.morning_end
    }
    /// Start of the afternoon session (inclusive).
    pub fn afternoon_start(&self) -> Time {
        self.afternoon_start
    }
    /// End of the afternoon session (exclusive); the end of the working day.
    pub fn afternoon_end(&self) -> Time {
        self.afternoon_end
    }
    /// Paper-dossier cut-off time (default 15:00).
    pub fn paper_cutoff(&self) -> Time {
        self.paper_cutoff
    }

    /// The two sessions as `(start, end)` pairs, morning first.
    pub fn sessions(&self) -> [(Time, Time); 2] {
        [(self.morning_start, self.morning_end), (self.afternoon_start, self.afternoon_end)]
    }

    /// Length of one working day (both sessions).
    pub fn day_length(&self) -> Duration {
        (self.morning_end - self.morning_start) + (self.afternoon_end - self.afternoon_start)
    }

    /// Length of one working day in minutes (480 by default).
    pub fn minutes_per_day(&self) -> i64 {
        self.day_length().whole_minutes()
    }
}

// ---------------------------------------------------------------------------
// Working calendar
// ---------------------------------------------------------------------------

/// A statutory processing time, as written in a procedure's regulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatutoryTime {
    /// N working days (each = [`WorkingHours::minutes_per_day`] working minutes).
    WorkingDays(u32),
    /// N working hours.
    WorkingHours(u32),
    /// N calendar days (Civil Code 2015 Art. 147–148).
    CalendarDays(u32),
}

/// How a dossier was finished relative to its due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timeliness {
    /// Finished on a calendar day before the due day ("trước hạn").
    Early,
    /// Finished on the due day, at or before the due time ("đúng hạn").
    OnTime,
    /// Finished after the due time ("quá hạn").
    Late,
}

/// Classifies a finished dossier:
/// * `Late` if `finished > due`;
/// * otherwise `OnTime` if `finished` is on the same calendar date as `due`;
/// * otherwise (an earlier date) `Early`.
pub fn timeliness(due: PrimitiveDateTime, finished: PrimitiveDateTime) -> Timeliness {
    if finished > due {
        Timeliness::Late
    } else if finished.date() == due.date() {
        Timeliness::OnTime
    } else {
        Timeliness::Early
    }
}

/// One change of a dossier's processing clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockEvent {
    /// The clock starts (normally at `counter_start`/`online_start` of the
    /// receipt time): the full allotment runs from `at`.
    Start { at: PrimitiveDateTime },
    /// The clock stops, e.g. while waiting for the applicant to supplement
    /// the dossier; the remaining working time is frozen.
    Pause { at: PrimitiveDateTime },
    /// The clock continues: the frozen remaining working time is added from
    /// the first working instant at or after `at`.
    Resume { at: PrimitiveDateTime },
    /// The clock starts over: the full allotment runs again from `at`
    /// (e.g. a corrected dossier re-received).
    Restart { at: PrimitiveDateTime },
    /// The due time is replaced by `new_due` (extension, "gia hạn").
    Extend { new_due: PrimitiveDateTime },
}

/// The state of a dossier's clock after replaying its [`ClockEvent`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DueState {
    /// Current due time; `None` while paused.
    pub due: Option<PrimitiveDateTime>,
    /// Whether the clock is currently paused.
    pub paused: bool,
    /// While paused: the working minutes that were left at the pause
    /// (negative if it was already overdue). While running: the working
    /// minutes from the moment the clock last (re)started running
    /// (Start/Resume/Restart) to `due`. For a live "time left", use
    /// `working_minutes_between(now, due)`.
    pub remaining_minutes: i64,
}

/// Working days and hours of one agency.
///
/// A date is a working day iff (it is Monday–Friday and not in `days_off`)
/// or it is in `extra_working_days`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    /// Daily working sessions and paper cut-off.
    pub hours: WorkingHours,
    /// Public holidays, make-up days and swapped days off.
    pub days_off: BTreeSet<Date>,
    /// Days worked although they fall on a weekend (swapped Saturdays).
    pub extra_working_days: BTreeSet<Date>,
}

const DATE_RANGE: &str = "calendar arithmetic left the supported date range (year ±9999)";

fn next_date(d: Date) -> Date {
    d.next_day().expect(DATE_RANGE)
}

fn prev_date(d: Date) -> Date {
    d.previous_day().expect(DATE_RANGE)
}

fn at(d: Date, t: Time) -> PrimitiveDateTime {
    PrimitiveDateTime::new(d, t)
}

impl WorkingCalendar {
    /// A calendar with the given hours and no holidays (plain Mon–Fri week).
    pub fn new(hours: WorkingHours) -> Self {
        Self { hours, days_off: BTreeSet::new(), extra_working_days: BTreeSet::new() }
    }

    /// A calendar seeded with Vietnam's holidays for `years`: the decreed
    /// days where known ([`official_days_off`], [`official_extra_working_days`]),
    /// otherwise the computed [`default_days_off`].
    pub fn vietnam(hours: WorkingHours, years: RangeInclusive<i32>) -> Self {
        let mut cal = Self::new(hours);
        for year in years {
            cal.days_off.extend(days_off_for_year(year).into_iter().map(|(d, _)| d));
            cal.extra_working_days.extend(official_extra_working_days(year).into_iter().map(|(d, _)| d));
        }
        cal
    }

    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: Date) -> bool {
        let weekday = !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday);
        (weekday && !self.days_off.contains(&d)) || self.extra_working_days.contains(&d)
    }

    /// First working day strictly after `d`.
    ///
    /// # Panics
    /// Only if no working day exists before the end of `time`'s date range.
    pub fn next_working_day(&self, d: Date) -> Date {
        let mut d = next_date(d);
        while !self.is_working_day(d) {
            d = next_date(d);
        }
        d
    }

    /// Last working day strictly before `d`.
    ///
    /// # Panics
    /// Only if no working day exists after the start of `time`'s date range.
    pub fn previous_working_day(&self, d: Date) -> Date {
        let mut d = prev_date(d);
        while !self.is_working_day(d) {
            d = prev_date(d);
        }
        d
    }

    /// Whether `t` lies inside a session of a working day (session start
    /// inclusive, session end exclusive).
    pub fn is_working_time(&self, t: PrimitiveDateTime) -> bool {
        self.is_working_day(t.date()) && self.hours.sessions().iter().any(|&(s, e)| s <= t.time() && t.time() < e)
    }

    /// The first working instant at or after `t` (`t` itself if it is
    /// working time).
    pub fn next_working_instant(&self, t: PrimitiveDateTime) -> PrimitiveDateTime {
        let d = t.date();
        if self.is_working_day(d) {
            for (s, e) in self.hours.sessions() {
                if t.time() < s {
                    return at(d, s);
                }
                if t.time() < e {
                    return t;
                }
            }
        }
        at(self.next_working_day(d), self.hours.morning_start)
    }

    /// The latest moment at or before `t` that lies in a session taken as
    /// `(start, end]` on a working day (the mirror of
    /// [`Self::next_working_instant`] used when counting backwards).
    fn previous_working_end(&self, t: PrimitiveDateTime) -> PrimitiveDateTime {
        let d = t.date();
        if self.is_working_day(d) {
            for (s, e) in self.hours.sessions().into_iter().rev() {
                if t.time() > s {
                    return at(d, t.time().min(e));
                }
            }
        }
        at(self.previous_working_day(d), self.hours.afternoon_end)
    }

    /// Start of the working day `d` (morning session start), whether or not
    /// `d` is a working day.
    pub fn day_start(&self, d: Date) -> PrimitiveDateTime {
        at(d, self.hours.morning_start)
    }

    /// End of the working day `d` (afternoon session end), whether or not
    /// `d` is a working day.
    pub fn day_end(&self, d: Date) -> PrimitiveDateTime {
        at(d, self.hours.afternoon_end)
    }

    /// Adds a working duration to `start` (see [`Self::add_working_minutes`]).
    pub fn add_working_duration(&self, start: PrimitiveDateTime, amount: Duration) -> PrimitiveDateTime {
        if amount.is_negative() {
            return self.subtract_working_duration(start, -amount);
        }
        let mut t = self.next_working_instant(start);
        let mut left = amount;
        loop {
            // `t` is a working instant, so it lies in [s, e) of one session.
            let end = if t.time() < self.hours.morning_end { self.hours.morning_end } else { self.hours.afternoon_end };
            let end = at(t.date(), end);
            let available = end - t;
            if left <= available {
                return t + left;
            }
            left -= available;
            t = self.next_working_instant(end);
        }
    }

    fn subtract_working_duration(&self, start: PrimitiveDateTime, amount: Duration) -> PrimitiveDateTime {
        let mut t = self.previous_working_end(start);
        let mut left = amount;
        loop {
            // `t` lies in (s, e] of one session.
            let begin =
                if t.time() <= self.hours.morning_end { self.hours.morning_start } else { self.hours.afternoon_start };
            let begin = at(t.date(), begin);
            let available = t - begin;
            if left <= available {
                return t - left;
            }
            left -= available;
            t = self.previous_working_end(begin);
        }
    }

    /// The moment reached after `minutes` working minutes counted from
    /// `start` — the due time of an allotment of `minutes`.
    ///
    /// * Counting starts at [`Self::next_working_instant`]`(start)`, so adding
    ///   0 to a non-working time gives the next working instant.
    /// * The result is inside a session or exactly at a session's end
    ///   (8 h from Monday 07:30 is Monday 17:00).
    /// * Negative `minutes` count backwards; the result is then inside a
    ///   session (a session start rather than the previous session's end),
    ///   so that `working_minutes_between(result, start) == -minutes`.
    pub fn add_working_minutes(&self, start: PrimitiveDateTime, minutes: i64) -> PrimitiveDateTime {
        self.add_working_duration(start, Duration::minutes(minutes))
    }

    /// Working time between `a` and `b`: the length of the intersection of
    /// `[a, b]` with the sessions of working days; negative when `b < a`.
    pub fn working_duration_between(&self, a: PrimitiveDateTime, b: PrimitiveDateTime) -> Duration {
        if b < a {
            return -self.working_duration_between(b, a);
        }
        let mut total = Duration::ZERO;
        let mut d = a.date();
        loop {
            if self.is_working_day(d) {
                for (s, e) in self.hours.sessions() {
                    let from = at(d, s).max(a);
                    let to = at(d, e).min(b);
                    if to > from {
                        total += to - from;
                    }
                }
            }
            if d >= b.date() {
                return total;
            }
            d = next_date(d);
        }
    }

    /// Working minutes between `a` and `b` (signed, negative when `b < a`;
    /// truncated toward zero if the times carry seconds). Used for "time
    /// left" (`working_minutes_between(now, due)`) and to measure pauses.
    pub fn working_minutes_between(&self, a: PrimitiveDateTime, b: PrimitiveDateTime) -> i64 {
        self.working_duration_between(a, b).whole_minutes()
    }

    /// When the clock of a **paper** dossier received at `received` starts:
    /// * received on a working day strictly after the paper cut-off (15:00
    ///   by default): the start of the next working day;
    /// * otherwise the first working instant at or after `received` (the
    ///   moment itself if inside working hours; 13:00 if during lunch; the
    ///   next working morning if in the evening or on a day off).
    pub fn counter_start(&self, received: PrimitiveDateTime) -> PrimitiveDateTime {
        let d = received.date();
        if self.is_working_day(d) && received.time() > self.hours.paper_cutoff {
            self.day_start(self.next_working_day(d))
        } else {
            self.next_working_instant(received)
        }
    }

    /// When the clock of an **online** dossier submitted at `submitted`
    /// starts: the first working instant at or after it (no cut-off).
    pub fn online_start(&self, submitted: PrimitiveDateTime) -> PrimitiveDateTime {
        self.next_working_instant(submitted)
    }

    /// Due time of a statutory period counted from `start` (normally the
    /// result of [`Self::counter_start`] or [`Self::online_start`]).
    ///
    /// * `WorkingDays(n)`: `n × minutes_per_day` working minutes via
    ///   [`Self::add_working_minutes`].
    /// * `WorkingHours(n)`: `n × 60` working minutes.
    /// * `CalendarDays(n)`: the period starts the day after `start` (Civil
    ///   Code Art. 147) and ends at the end of the working day (afternoon
    ///   session end) of `start.date() + n` days; if that day is not a working
    ///   day, at the end of the next working day (Art. 148(5)).
    ///
    /// # Panics
    /// Only if the result falls outside `time`'s date range.
    pub fn due_for(&self, start: PrimitiveDateTime, period: StatutoryTime) -> PrimitiveDateTime {
        match period {
            StatutoryTime::WorkingDays(n) => self.add_working_duration(start, self.hours.day_length() * n),
            StatutoryTime::WorkingHours(n) => self.add_working_minutes(start, i64::from(n) * 60),
            StatutoryTime::CalendarDays(n) => {
                let mut last = start.date().checked_add(Duration::days(i64::from(n))).expect(DATE_RANGE);
                if !self.is_working_day(last) {
                    last = self.next_working_day(last);
                }
                self.day_end(last)
            }
        }
    }

    /// Replays a dossier's clock events and returns the current due state,
    /// for an allotment of `total_minutes` working minutes.
    ///
    /// * `Start`/`Restart`: due = `add_working_minutes(at, total_minutes)`.
    /// * `Pause`: the working time left until the due time is frozen.
    /// * `Resume`: due = the frozen remainder added from `at` (i.e. from the
    ///   next working instant; a negative remainder counts backwards).
    /// * `Extend`: due becomes `new_due`; while paused, the frozen remainder
    ///   is re-measured from the pause instant to `new_due`.
    ///
    /// `at` values are used as given: apply [`Self::counter_start`] /
    /// [`Self::online_start`] beforehand if a cut-off should apply.
    ///
    /// Returns `None` for an invalid sequence: empty, not beginning with
    /// `Start`, a second `Start`, `Pause` while paused, `Resume` while
    /// running, or `at` instants that go back in time.
    pub fn due_after(&self, events: &[ClockEvent], total_minutes: i64) -> Option<DueState> {
        enum State {
            NotStarted,
            Running { since: PrimitiveDateTime, due: PrimitiveDateTime },
            Paused { since: PrimitiveDateTime, remaining: Duration },
        }
        let total = Duration::minutes(total_minutes);
        let mut state = State::NotStarted;
        let mut last_at: Option<PrimitiveDateTime> = None;
        for event in events {
            let event_at = match *event {
                ClockEvent::Start { at }
                | ClockEvent::Pause { at }
                | ClockEvent::Resume { at }
                | ClockEvent::Restart { at } => Some(at),
                ClockEvent::Extend { .. } => None,
            };
            if let Some(t) = event_at {
                if last_at.is_some_and(|last| t < last) {
                    return None;
                }
                last_at = Some(t);
            }
            state = match (state, *event) {
                (State::NotStarted, ClockEvent::Start { at }) => {
                    State::Running { since: self.next_working_instant(at), due: self.add_working_duration(at, total) }
                }
                (State::Running { due, .. }, ClockEvent::Pause { at }) => {
                    State::Paused { since: at, remaining: self.working_duration_between(at, due) }
                }
                (State::Paused { remaining, .. }, ClockEvent::Resume { at }) => State::Running {
                    since: self.next_working_instant(at),
                    due: self.add_working_duration(at, remaining),
                },
                (State::Running { .. } | State::Paused { .. }, ClockEvent::Restart { at }) => {
                    State::Running { since: self.next_working_instant(at), due: self.add_working_duration(at, total) }
                }
                (State::Running { since, .. }, ClockEvent::Extend { new_due }) => {
                    State::Running { since, due: new_due }
                }
                (State::Paused { since, .. }, ClockEvent::Extend { new_due }) => {
                    State::Paused { since, remaining: self.working_duration_between(since, new_due) }
                }
                _ => return None,
            };
        }
        match state {
            State::NotStarted => None,
            State::Running { since, due } => Some(DueState {
                due: Some(due),
                paused: false,
                remaining_minutes: self.working_minutes_between(since, due),
            }),
            State::Paused { remaining, .. } => {
                Some(DueState { due: None, paused: true, remaining_minutes: remaining.whole_minutes() })
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Public holidays
// ---------------------------------------------------------------------------

const NEW_YEAR: &str = "Tết Dương lịch";
const TET: &str = "Tết Nguyên đán";
const HUNG_KINGS: &str = "Giỗ Tổ Hùng Vương";
const VICTORY_DAY: &str = "Ngày Chiến thắng";
const LABOUR_DAY: &str = "Ngày Quốc tế lao động";
const NATIONAL_DAY: &str = "Quốc khánh";

/// Name of the make-up day ("nghỉ bù") for a holiday name.
fn make_up_name(holiday: &str) -> &'static str {
    match holiday {
        NEW_YEAR => "Nghỉ bù Tết Dương lịch",
        TET => "Nghỉ bù Tết Nguyên đán",
        HUNG_KINGS => "Nghỉ bù Giỗ Tổ Hùng Vương",
        VICTORY_DAY => "Nghỉ bù Ngày Chiến thắng",
        LABOUR_DAY => "Nghỉ bù Ngày Quốc tế lao động",
        NATIONAL_DAY => "Nghỉ bù Quốc khánh",
        _ => "Nghỉ bù",
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn ymd(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).expect("fixed holiday dates exist in every year")
}

/// The day adjacent to 2 September that completes the 2-day National Day
/// holiday (Labour Code Art. 112(1)(đ): "02/9 and one adjacent day before or
/// after"). The Government chooses it each year; this default joins the
/// holiday to a weekend where possible, which reproduces the decisions of
/// 2021–2026:
///
/// | 2/9 falls on | adjacent day | precedent |
/// |---|---|---|
/// | Monday    | 3/9 (Tue) | 2024 |
/// | Tuesday   | 1/9 (Mon) | 2025 |
/// | Wednesday | 1/9 (Tue) | 2026 |
/// | Thursday  | 3/9 (Fri) | 2021 |
/// | Friday    | 1/9 (Thu) | 2022 |
/// | Saturday  | 1/9 (Fri) | 2023 (2/9 made up on Mon 4/9) |
/// | Sunday    | 3/9 (Mon) | (2/9 made up on Tue 4/9) |
///
/// # Panics
/// If `year` is outside the range supported by `time` (±9999).
pub fn national_day_adjacent(year: i32) -> Date {
    let sep2 = ymd(year, Month::September, 2);
    match sep2.weekday() {
        Weekday::Monday | Weekday::Thursday | Weekday::Sunday => ymd(year, Month::September, 3),
        Weekday::Tuesday | Weekday::Wednesday | Weekday::Friday | Weekday::Saturday => ymd(year, Month::September, 1),
    }
}

/// The statutory public holidays of `year` (Labour Code 2019 Art. 112, 11
/// days) plus weekend make-up days, sorted by date, each with its Vietnamese
/// name:
///
/// * 1/1 — "Tết Dương lịch";
/// * Tết Nguyên đán, 5 days — the last day of the old lunar year and the
///   first 4 days of the new one (the Government may choose another split
///   each year, see [`official_days_off`]);
/// * 10/3 lunar (regular, non-leap month) — "Giỗ Tổ Hùng Vương";
/// * 30/4 — "Ngày Chiến thắng"; 1/5 — "Ngày Quốc tế lao động";
/// * 2/9 and one adjacent day — "Quốc khánh" (see [`national_day_adjacent`]).
///
/// A holiday falling on a Saturday or Sunday is made up on the next
/// Monday–Friday that is not already a holiday or make-up day (Art. 111(3)),
/// processing holidays in date order; make-up days are named
/// "Nghỉ bù …". Weekend holiday dates themselves are listed too (they are
/// harmless in [`WorkingCalendar::days_off`]). Should two holidays ever
/// coincide, the date is listed once (under the earlier-listed name).
///
/// Days added only by government decision (swaps, "nghỉ hoán đổi") are not
/// included. Returns an empty list if the lunar dates cannot be computed
/// (years outside `time`'s range).
pub fn default_days_off(year: i32) -> Vec<(Date, &'static str)> {
    let mut holidays: Vec<(Date, &'static str)> = Vec::new();
    let (Some(tet), Some(hung_kings)) =
        (lunar::lunar_to_solar(1, 1, year, false), lunar::lunar_to_solar(10, 3, year, false))
    else {
        return Vec::new();
    };
    holidays.push((ymd(year, Month::January, 1), NEW_YEAR));
    let mut tet_day = prev_date(tet);
    for _ in 0..5 {
        holidays.push((tet_day, TET));
        tet_day = next_date(tet_day);
    }
    holidays.push((hung_kings, HUNG_KINGS));
    holidays.push((ymd(year, Month::April, 30), VICTORY_DAY));
    holidays.push((ymd(year, Month::May, 1), LABOUR_DAY));
    holidays.push((ymd(year, Month::September, 2), NATIONAL_DAY));
    holidays.push((national_day_adjacent(year), NATIONAL_DAY));
    holidays.sort_by_key(|&(d, _)| d);
    holidays.dedup_by_key(|&mut (d, _)| d);

    let mut taken: BTreeSet<Date> = holidays.iter().map(|&(d, _)| d).collect();
    let mut result = holidays.clone();
    for &(d, name) in holidays.iter().filter(|(d, _)| is_weekend(*d)) {
        let mut m = next_date(d);
        while is_weekend(m) || taken.contains(&m) {
            m = next_date(m);
        }
        taken.insert(m);
        result.push((m, make_up_name(name)));
    }
    result.sort_by_key(|&(d, _)| d);
    result
}

/// The days off actually decreed for `year`, where this module knows them.
///
/// * **2026** — official (Notice 9441/TB-BNV of 16 Oct 2025 and Dispatch
///   12729/VPCP-KGVX of 25 Dec 2025): 1/1 and swapped Fri 2/1 (worked on
///   Sat 10/1); Tết 14–22 Feb (the 9 days announced, of which Mon 16 – Fri 20
///   are the 5 statutory days, 29 Chạp – mùng 4); Giỗ Tổ Sun 26/4 made up on
///   Mon 27/4; 30/4 and 1/5; Quốc khánh 1/9–2/9 plus swapped Mon 31/8 (worked
///   on Sat 22/8). See [`official_extra_working_days`] for the swapped
///   Saturdays.
/// * **2027** — not yet decreed when this was written: returns the computed
///   [`default_days_off`] (Tết Fri 5/2 – Tue 9/2 with make-up Wed 10/2 and
///   Thu 11/2; Giỗ Tổ Fri 16/4; 30/4; 1/5 made up Mon 3/5; 2/9–3/9).
///   Replace this with the decree once published.
/// * Any other year — `None`; use [`default_days_off`].
///
/// Not included: "Ngày Văn hóa Việt Nam" (24/11), proposed as a paid holiday
/// in 2025–2026 but not in the Labour Code at the time of writing;
/// administrators can add it to the table once enacted.
pub fn official_days_off(year: i32) -> Option<Vec<(Date, &'static str)>> {
    match year {
        2026 => {
            let mut days =
                vec![(date!(2026 - 01 - 01), NEW_YEAR), (date!(2026 - 01 - 02), "Nghỉ hoán đổi dịp Tết Dương lịch")];
            let mut d = date!(2026 - 02 - 14);
            while d <= date!(2026 - 02 - 22) {
                days.push((d, TET));
                d = next_date(d);
            }
            days.extend([
                (date!(2026 - 04 - 26), HUNG_KINGS),
                (date!(2026 - 04 - 27), make_up_name(HUNG_KINGS)),
                (date!(2026 - 04 - 30), VICTORY_DAY),
                (date!(2026 - 05 - 01), LABOUR_DAY),
                (date!(2026 - 08 - 31), "Nghỉ hoán đổi dịp Quốc khánh"),
                (date!(2026 - 09 - 01), NATIONAL_DAY),
                (date!(2026 - 09 - 02), NATIONAL_DAY),
            ]);
            Some(days)
        }
        2027 => Some(default_days_off(2027)),
        _ => None,
    }
}

/// Weekend days decreed as working days for `year` (swapped Saturdays),
/// where known; empty otherwise.
///
/// * 2026: Sat 10/1 (for Fri 2/1) and Sat 22/8 (for Mon 31/8).
pub fn official_extra_working_days(year: i32) -> Vec<(Date, &'static str)> {
    match year {
        2026 => vec![
            (date!(2026 - 01 - 10), "Làm bù cho ngày 02/01/2026"),
            (date!(2026 - 08 - 22), "Làm bù cho ngày 31/08/2026"),
        ],
        _ => Vec::new(),
    }
}

/// [`official_days_off`] when known, else [`default_days_off`].
pub fn days_off_for_year(year: i32) -> Vec<(Date, &'static str)> {
    official_days_off(year).unwrap_or_else(|| default_days_off(year))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    /// Default hours (07:30–11:30, 13:00–17:00, cut-off 15:00) with the
    /// holidays of 2025–2028 (2026 official, others computed).
    fn cal() -> WorkingCalendar {
        WorkingCalendar::vietnam(WorkingHours::default(), 2025..=2028)
    }

    /// A plain Mon–Fri calendar with one sample swap: Sat 7/3/2026 worked in
    /// exchange for Mon 9/3/2026 off.
    fn swapped() -> WorkingCalendar {
        let mut c = WorkingCalendar::new(WorkingHours::default());
        c.extra_working_days.insert(date!(2026 - 03 - 07));
        c.days_off.insert(date!(2026 - 03 - 09));
        c
    }

    // --- basics -----------------------------------------------------------

    #[test]
    fn local_time_conversion() {
        let utc = datetime!(2026-03-02 00:30 UTC);
        assert_eq!(to_local(utc), datetime!(2026-03-02 07:30));
        assert_eq!(from_local(datetime!(2026-03-02 07:30)), utc);
        // Late UTC evening is the next local day.
        assert_eq!(to_local(datetime!(2026-03-01 17:00 UTC)), datetime!(2026-03-02 00:00));
    }

    #[test]
    fn working_hours_validation() {
        let h = WorkingHours::default();
        assert_eq!(h.minutes_per_day(), 480);
        assert_eq!(
            WorkingHours::new(time!(8:00), time!(12:00), time!(11:00), time!(17:00)),
            Err(WorkingHoursError::SessionsNotOrdered)
        );
        assert_eq!(
            WorkingHours::new(time!(8:00), time!(12:00), time!(13:00), time!(17:00:30)),
            Err(WorkingHoursError::NotWholeMinute)
        );
        let summer = WorkingHours::new(time!(7:00), time!(11:00), time!(13:30), time!(17:00)).expect("valid");
        assert_eq!(summer.minutes_per_day(), 450);
        assert_eq!(summer.paper_cutoff(), time!(15:00));
    }

    #[test]
    fn session_boundaries() {
        let c = cal();
        // Mon 2/3/2026.
        assert!(c.is_working_time(datetime!(2026-03-02 07:30)));
        assert!(!c.is_working_time(datetime!(2026-03-02 07:29:59)));
        assert!(c.is_working_time(datetime!(2026-03-02 11:29:59)));
        assert!(!c.is_working_time(datetime!(2026-03-02 11:30)));
        assert!(!c.is_working_time(datetime!(2026-03-02 12:59)));
        assert!(c.is_working_time(datetime!(2026-03-02 13:00)));
        assert!(!c.is_working_time(datetime!(2026-03-02 17:00)));
        // Saturday 7/3/2026.
        assert!(!c.is_working_time(datetime!(2026-03-07 09:00)));
    }

    // --- hand-checked deadlines: weekdays, lunch break --------------------

    #[test]
    fn eight_hours_from_monday_morning_ends_monday_evening() {
        // 07:30–11:30 (240) + 13:00–17:00 (240) = 480: ends at the session end.
        assert_eq!(cal().add_working_minutes(datetime!(2026-03-02 07:30), 480), datetime!(2026-03-02 17:00));
    }

    #[test]
    fn adding_zero_on_saturday_gives_monday_morning() {
        assert_eq!(cal().add_working_minutes(datetime!(2026-03-07 10:00), 0), datetime!(2026-03-09 07:30));
    }

    #[test]
    fn one_hour_across_lunch() {
        // 11:00–11:30 = 30, then 13:00–13:30 = 30.
        assert_eq!(cal().add_working_minutes(datetime!(2026-03-02 11:00), 60), datetime!(2026-03-02 13:30));
    }

    #[test]
    fn half_day_from_nine() {
        // 09:00–11:30 = 150, remaining 90 from 13:00 → 14:30.
        assert_eq!(
            cal().due_for(datetime!(2026-03-02 09:00), StatutoryTime::WorkingHours(4)),
            datetime!(2026-03-02 14:30)
        );
    }

    #[test]
    fn one_minute_after_close_is_next_morning() {
        // 17:00 is not working time; the next instant is Tue 07:30, +1 → 07:31.
        assert_eq!(cal().add_working_minutes(datetime!(2026-03-02 17:00), 1), datetime!(2026-03-03 07:31));
    }

    #[test]
    fn friday_afternoon_into_monday() {
        // Fri 6/3 16:00–17:00 = 60, then Mon 9/3 07:30 + 60 → 08:30.
        assert_eq!(cal().add_working_minutes(datetime!(2026-03-06 16:00), 120), datetime!(2026-03-09 08:30));
    }

    #[test]
    fn starting_in_lunch_break() {
        // Counting starts at 13:00: 60 → 14:00.
        assert_eq!(cal().add_working_minutes(datetime!(2026-03-02 12:00), 60), datetime!(2026-03-02 14:00));
        // One day from lunch: 13:00–17:00 (240) + Tue 07:30–11:30 (240) → Tue 11:30.
        assert_eq!(
            cal().due_for(datetime!(2026-03-02 12:00), StatutoryTime::WorkingDays(1)),
            datetime!(2026-03-03 11:30)
        );
    }

    #[test]
    fn five_working_days_from_monday_morning() {
        // Mon 2/3 07:30 + 5 × 480 → Fri 6/3 17:00.
        assert_eq!(
            cal().due_for(datetime!(2026-03-02 07:30), StatutoryTime::WorkingDays(5)),
            datetime!(2026-03-06 17:00)
        );
    }

    #[test]
    fn three_working_days_over_a_weekend() {
        // Wed 4/3 10:00 → Thu 10:00 (1), Fri 10:00 (2), Mon 9/3 10:00 (3).
        assert_eq!(
            cal().due_for(datetime!(2026-03-04 10:00), StatutoryTime::WorkingDays(3)),
            datetime!(2026-03-09 10:00)
        );
    }

    #[test]
    fn minutes_between_across_lunch_and_reversed() {
        let c = cal();
        // 11:00–11:30 (30) + 13:00–13:30 (30).
        assert_eq!(c.working_minutes_between(datetime!(2026-03-02 11:00), datetime!(2026-03-02 13:30)), 60);
        assert_eq!(c.working_minutes_between(datetime!(2026-03-02 13:30), datetime!(2026-03-02 11:00)), -60);
        // Fri 17:00 → Mon 07:30: nothing.
        assert_eq!(c.working_minutes_between(datetime!(2026-03-06 17:00), datetime!(2026-03-09 07:30)), 0);
    }

    // --- 15:00 cut-off and online dossiers ---------------------------------

    #[test]
    fn paper_at_cutoff_counts_same_day() {
        // Received exactly 15:00 (not "after 15:00") → counts from 15:00.
        assert_eq!(cal().counter_start(datetime!(2026-03-04 15:00)), datetime!(2026-03-04 15:00));
    }

    #[test]
    fn paper_after_cutoff_counts_next_day() {
        // 15:00:01 is after the cut-off → Thu 5/3 07:30.
        assert_eq!(cal().counter_start(datetime!(2026-03-04 15:00:01)), datetime!(2026-03-05 07:30));
        // 16:00 on Friday → Monday 07:30.
        assert_eq!(cal().counter_start(datetime!(2026-03-06 16:00)), datetime!(2026-03-09 07:30));
    }

    #[test]
    fn paper_outside_hours() {
        let c = cal();
        // Lunch → 13:00; early morning → 07:30; Saturday → Monday 07:30.
        assert_eq!(c.counter_start(datetime!(2026-03-04 12:00)), datetime!(2026-03-04 13:00));
        assert_eq!(c.counter_start(datetime!(2026-03-04 06:00)), datetime!(2026-03-04 07:30));
        assert_eq!(c.counter_start(datetime!(2026-03-07 09:00)), datetime!(2026-03-09 07:30));
    }

    #[test]
    fn online_has_no_cutoff() {
        let c = cal();
        // 16:00 inside hours counts at once; 18:00 → next morning.
        assert_eq!(c.online_start(datetime!(2026-03-04 16:00)), datetime!(2026-03-04 16:00));
        assert_eq!(c.online_start(datetime!(2026-03-04 18:00)), datetime!(2026-03-05 07:30));
    }

    #[test]
    fn configurable_cutoff() {
        let hours = WorkingHours::default().with_paper_cutoff(time!(16:00)).expect("valid");
        let c = WorkingCalendar::new(hours);
        // 15:30 is before a 16:00 cut-off → counts at once; 16:30 → next day.
        assert_eq!(c.counter_start(datetime!(2026-03-04 15:30)), datetime!(2026-03-04 15:30));
        assert_eq!(c.counter_start(datetime!(2026-03-04 16:30)), datetime!(2026-03-05 07:30));
    }

    // --- Tết 2026 (official: off 14–22 Feb) --------------------------------

    #[test]
    fn tet_2026_one_day_from_friday_before() {
        // Fri 13/2 14:00 (≤ 15:00) counts at once; next working day is Mon 23/2.
        let c = cal();
        let start = c.counter_start(datetime!(2026-02-13 14:00));
        assert_eq!(start, datetime!(2026-02-13 14:00));
        assert_eq!(c.due_for(start, StatutoryTime::WorkingDays(1)), datetime!(2026-02-23 14:00));
    }

    #[test]
    fn tet_2026_after_cutoff_friday_before() {
        // Fri 13/2 15:30 → counts from Mon 23/2 07:30; 2 days → Tue 24/2 17:00.
        let c = cal();
        let start = c.counter_start(datetime!(2026-02-13 15:30));
        assert_eq!(start, datetime!(2026-02-23 07:30));
        assert_eq!(c.due_for(start, StatutoryTime::WorkingDays(2)), datetime!(2026-02-24 17:00));
    }

    #[test]
    fn tet_2026_online_during_holiday() {
        assert_eq!(cal().online_start(datetime!(2026-02-18 10:00)), datetime!(2026-02-23 07:30));
    }

    #[test]
    fn tet_2026_minutes_between() {
        // Fri 13/2 07:30 → Tue 24/2 07:30: Fri 13 and Mon 23 = 2 days = 960.
        assert_eq!(cal().working_minutes_between(datetime!(2026-02-13 07:30), datetime!(2026-02-24 07:30)), 960);
    }

    #[test]
    fn calendar_days_ending_in_tet_2026() {
        // Thu 12/2 + 5 days = Tue 17/2 (mùng 1, off) → next working day Mon 23/2.
        assert_eq!(
            cal().due_for(datetime!(2026-02-12 10:00), StatutoryTime::CalendarDays(5)),
            datetime!(2026-02-23 17:00)
        );
    }

    // --- Tết 2027 (computed: off Fri 5/2 – Thu 11/2) ------------------------

    #[test]
    fn tet_2027_days() {
        let c = cal();
        assert!(c.is_working_day(date!(2027 - 02 - 04))); // Thu, 28 Chạp
        assert!(!c.is_working_day(date!(2027 - 02 - 05))); // eve
        assert!(!c.is_working_day(date!(2027 - 02 - 09))); // mùng 4
        assert!(!c.is_working_day(date!(2027 - 02 - 10))); // make-up for Sat 6/2
        assert!(!c.is_working_day(date!(2027 - 02 - 11))); // make-up for Sun 7/2
        assert!(c.is_working_day(date!(2027 - 02 - 12))); // Fri
    }

    #[test]
    fn tet_2027_two_days_from_thursday() {
        // Thu 4/2 09:00 → Fri 12/2 09:00 (1) → Mon 15/2 09:00 (2).
        assert_eq!(
            cal().due_for(datetime!(2027-02-04 09:00), StatutoryTime::WorkingDays(2)),
            datetime!(2027-02-15 09:00)
        );
    }

    #[test]
    fn calendar_days_ending_on_tet_2027_eve() {
        // Tue 2/2 + 3 days = Fri 5/2 (eve, off) → next working day Fri 12/2.
        assert_eq!(
            cal().due_for(datetime!(2027-02-02 08:00), StatutoryTime::CalendarDays(3)),
            datetime!(2027-02-12 17:00)
        );
    }

    // --- Giỗ Tổ Hùng Vương and 30/4–1/5 --------------------------------------

    #[test]
    fn gio_to_2026_make_up_monday() {
        // Fri 24/4 10:00: 90 + 240 = 330 that day, 150 left; Sat, Sun 26/4
        // (Giỗ Tổ), Mon 27/4 (make-up) off → Tue 28/4 07:30 + 150 = 10:00.
        assert_eq!(
            cal().due_for(datetime!(2026-04-24 10:00), StatutoryTime::WorkingHours(8)),
            datetime!(2026-04-28 10:00)
        );
    }

    #[test]
    fn over_30_4_and_1_5_2026() {
        // Tue 28/4 08:00 → Wed 29/4 (1); Thu 30/4, Fri 1/5, weekend off;
        // Mon 4/5 (2); Tue 5/5 (3).
        assert_eq!(
            cal().due_for(datetime!(2026-04-28 08:00), StatutoryTime::WorkingDays(3)),
            datetime!(2026-05-05 08:00)
        );
    }

    #[test]
    fn gio_to_2027_friday() {
        // Thu 15/4 15:00 (at cut-off) counts; 15:00–17:00 = 120; Fri 16/4 is
        // Giỗ Tổ → Mon 19/4 07:30 + 120 = 09:30.
        let c = cal();
        let start = c.counter_start(datetime!(2027-04-15 15:00));
        assert_eq!(c.due_for(start, StatutoryTime::WorkingHours(4)), datetime!(2027-04-19 09:30));
    }

    #[test]
    fn calendar_days_ending_on_30_4() {
        // Wed 15/4 + 15 days = Thu 30/4 (holiday); 1/5 off, weekend → Mon 4/5.
        assert_eq!(
            cal().due_for(datetime!(2026-04-15 09:00), StatutoryTime::CalendarDays(15)),
            datetime!(2026-05-04 17:00)
        );
    }

    // --- 2/9 ------------------------------------------------------------------

    #[test]
    fn national_day_2026_after_cutoff() {
        // Fri 28/8 15:01 → next working day: Sat 29, Sun 30, Mon 31/8 (swap),
        // Tue 1/9, Wed 2/9 off → Thu 3/9 07:30.
        assert_eq!(cal().counter_start(datetime!(2026-08-28 15:01)), datetime!(2026-09-03 07:30));
    }

    #[test]
    fn national_day_2027() {
        let c = cal();
        assert!(c.is_working_day(date!(2027 - 09 - 01))); // Wed
        assert!(!c.is_working_day(date!(2027 - 09 - 02))); // Thu, Quốc khánh
        assert!(!c.is_working_day(date!(2027 - 09 - 03))); // Fri, adjacent day
        // Wed 1/9 09:00 → Mon 6/9 09:00 (1) → Tue 7/9 09:00 (2).
        assert_eq!(c.due_for(datetime!(2027-09-01 09:00), StatutoryTime::WorkingDays(2)), datetime!(2027-09-07 09:00));
    }

    // --- swapped Saturdays ----------------------------------------------------

    #[test]
    fn official_swapped_saturday_2026() {
        // Fri 21/8/2026 16:00: 60 that day; Sat 22/8 is a decreed working
        // day → Sat 07:30 + 60 = 08:30.
        assert_eq!(cal().add_working_minutes(datetime!(2026-08-21 16:00), 120), datetime!(2026-08-22 08:30));
        // Fri 2/1/2026 was swapped off; Sat 10/1 worked.
        let c = cal();
        assert!(!c.is_working_day(date!(2026 - 01 - 02)));
        assert!(c.is_working_day(date!(2026 - 01 - 10)));
    }

    #[test]
    fn sample_swapped_saturday() {
        let c = swapped();
        // Fri 6/3 16:00: 60 that day, Sat 7/3 worked → 08:30.
        assert_eq!(c.add_working_minutes(datetime!(2026-03-06 16:00), 120), datetime!(2026-03-07 08:30));
        // Sat 7/3 17:00 + 1: Sun off, Mon 9/3 swapped off → Tue 10/3 07:31.
        assert_eq!(c.add_working_minutes(datetime!(2026-03-07 17:00), 1), datetime!(2026-03-10 07:31));
        // Paper received Sat 7/3 at 16:00 (after cut-off on a working day) →
        // Tue 10/3 07:30.
        assert_eq!(c.counter_start(datetime!(2026-03-07 16:00)), datetime!(2026-03-10 07:30));
    }

    #[test]
    fn calendar_days_ending_on_swapped_saturday() {
        // Fri 6/3 + 1 day = Sat 7/3, a working day in this calendar → Sat 17:00.
        assert_eq!(
            swapped().due_for(datetime!(2026-03-06 10:00), StatutoryTime::CalendarDays(1)),
            datetime!(2026-03-07 17:00)
        );
    }

    // --- calendar-day periods -------------------------------------------------

    #[test]
    fn calendar_days_on_a_working_day() {
        // Mon 2/3 + 10 days = Thu 12/3 (working) → 17:00.
        assert_eq!(
            cal().due_for(datetime!(2026-03-02 09:00), StatutoryTime::CalendarDays(10)),
            datetime!(2026-03-12 17:00)
        );
    }

    #[test]
    fn calendar_days_ending_on_saturday() {
        // Mon 2/3 + 5 days = Sat 7/3 → Mon 9/3 17:00.
        assert_eq!(
            cal().due_for(datetime!(2026-03-02 09:00), StatutoryTime::CalendarDays(5)),
            datetime!(2026-03-09 17:00)
        );
    }

    // --- timeliness -----------------------------------------------------------

    #[test]
    fn timeliness_rules() {
        let due = datetime!(2026-03-03 17:00);
        assert_eq!(timeliness(due, datetime!(2026-03-03 09:00)), Timeliness::OnTime);
        assert_eq!(timeliness(due, datetime!(2026-03-03 17:00)), Timeliness::OnTime);
        assert_eq!(timeliness(due, datetime!(2026-03-02 16:00)), Timeliness::Early);
        assert_eq!(timeliness(due, datetime!(2026-03-03 17:01)), Timeliness::Late);
        assert_eq!(timeliness(due, datetime!(2026-03-04 08:00)), Timeliness::Late);
        // A mid-day due time: later the same day is late.
        let due = datetime!(2026-03-03 10:00);
        assert_eq!(timeliness(due, datetime!(2026-03-03 10:30)), Timeliness::Late);
        assert_eq!(timeliness(due, datetime!(2026-03-03 08:00)), Timeliness::OnTime);
    }

    // --- clock events (supplement pauses) --------------------------------------

    const THREE_DAYS: i64 = 3 * 480;

    #[test]
    fn pause_and_resume() {
        let c = cal();
        let start = ClockEvent::Start { at: datetime!(2026-03-02 07:30) };
        // Running: Mon 07:30 + 1440 → Wed 4/3 17:00.
        assert_eq!(
            c.due_after(&[start], THREE_DAYS),
            Some(DueState { due: Some(datetime!(2026-03-04 17:00)), paused: false, remaining_minutes: 1440 })
        );
        // Paused Tue 3/3 09:30: 120 + 240 (Tue) + 480 (Wed) = 840 left.
        let pause = ClockEvent::Pause { at: datetime!(2026-03-03 09:30) };
        assert_eq!(
            c.due_after(&[start, pause], THREE_DAYS),
            Some(DueState { due: None, paused: true, remaining_minutes: 840 })
        );
        // Resumed Mon 9/3 13:00: 240 (Mon) + 480 (Tue) = 720, 120 left →
        // Wed 11/3 09:30.
        let resume = ClockEvent::Resume { at: datetime!(2026-03-09 13:00) };
        assert_eq!(
            c.due_after(&[start, pause, resume], THREE_DAYS),
            Some(DueState { due: Some(datetime!(2026-03-11 09:30)), paused: false, remaining_minutes: 840 })
        );
    }

    #[test]
    fn pause_and_restart() {
        // Restart Mon 9/3 13:00 with the full 1440: 240 + 480 + 480 = 1200,
        // 240 left = Thu 12/3 07:30–11:30 → Thu 11:30 (session end).
        let events = [
            ClockEvent::Start { at: datetime!(2026-03-02 07:30) },
            ClockEvent::Pause { at: datetime!(2026-03-03 09:30) },
            ClockEvent::Restart { at: datetime!(2026-03-09 13:00) },
        ];
        let state = cal().due_after(&events, THREE_DAYS).expect("valid");
        assert_eq!(state.due, Some(datetime!(2026-03-12 11:30)));
        assert_eq!(state.remaining_minutes, 1440);
    }

    #[test]
    fn pause_over_tet_2026() {
        // Start Wed 11/2 08:00, 2 days → Fri 13/2 08:00. Paused Thu 12/2 08:00
        // with 480 left; resumed Sat 14/2 (holiday) → counts from Mon 23/2
        // 07:30 → Mon 23/2 17:00.
        let events = [
            ClockEvent::Start { at: datetime!(2026-02-11 08:00) },
            ClockEvent::Pause { at: datetime!(2026-02-12 08:00) },
            ClockEvent::Resume { at: datetime!(2026-02-14 09:00) },
        ];
        let state = cal().due_after(&events, 960).expect("valid");
        assert_eq!(state.due, Some(datetime!(2026-02-23 17:00)));
        assert_eq!(state.remaining_minutes, 480);
    }

    #[test]
    fn extension() {
        let c = cal();
        let start = ClockEvent::Start { at: datetime!(2026-03-02 07:30) };
        let extend = ClockEvent::Extend { new_due: datetime!(2026-03-06 17:00) };
        let state = c.due_after(&[start, extend], THREE_DAYS).expect("valid");
        assert_eq!(state.due, Some(datetime!(2026-03-06 17:00)));
        assert_eq!(state.remaining_minutes, 5 * 480);
        // Extended while paused (Tue 3/3 07:30): 4 days left until Fri 17:00;
        // resumed Mon 9/3 07:30 → Thu 12/3 17:00.
        let events = [
            start,
            ClockEvent::Pause { at: datetime!(2026-03-03 07:30) },
            extend,
            ClockEvent::Resume { at: datetime!(2026-03-09 07:30) },
        ];
        let state = c.due_after(&events, THREE_DAYS).expect("valid");
        assert_eq!(state.due, Some(datetime!(2026-03-12 17:00)));
    }

    #[test]
    fn overdue_pause_keeps_negative_remainder() {
        // Due Mon 2/3 08:30 (60 min from 07:30), paused 09:00 → -30.
        // Resumed Tue 3/3 09:00 → due 30 working minutes earlier: 08:30.
        let events = [
            ClockEvent::Start { at: datetime!(2026-03-02 07:30) },
            ClockEvent::Pause { at: datetime!(2026-03-02 09:00) },
            ClockEvent::Resume { at: datetime!(2026-03-03 09:00) },
        ];
        let c = cal();
        assert_eq!(c.due_after(&events[..2], 60).map(|s| s.remaining_minutes), Some(-30));
        assert_eq!(c.due_after(&events, 60).and_then(|s| s.due), Some(datetime!(2026-03-03 08:30)));
    }

    #[test]
    fn invalid_event_sequences() {
        let c = cal();
        let t = datetime!(2026-03-02 08:00);
        let later = datetime!(2026-03-03 08:00);
        assert_eq!(c.due_after(&[], 60), None);
        assert_eq!(c.due_after(&[ClockEvent::Pause { at: t }], 60), None);
        assert_eq!(c.due_after(&[ClockEvent::Start { at: t }, ClockEvent::Resume { at: later }], 60), None);
        assert_eq!(
            c.due_after(
                &[ClockEvent::Start { at: t }, ClockEvent::Pause { at: later }, ClockEvent::Pause { at: later }],
                60
            ),
            None
        );
        // Going back in time.
        assert_eq!(c.due_after(&[ClockEvent::Start { at: later }, ClockEvent::Pause { at: t }], 60), None);
    }

    // --- holiday tables ---------------------------------------------------------

    #[test]
    fn default_days_off_2026() {
        let expected = vec![
            (date!(2026 - 01 - 01), "Tết Dương lịch"),
            (date!(2026 - 02 - 16), "Tết Nguyên đán"),
            (date!(2026 - 02 - 17), "Tết Nguyên đán"),
            (date!(2026 - 02 - 18), "Tết Nguyên đán"),
            (date!(2026 - 02 - 19), "Tết Nguyên đán"),
            (date!(2026 - 02 - 20), "Tết Nguyên đán"),
            (date!(2026 - 04 - 26), "Giỗ Tổ Hùng Vương"),
            (date!(2026 - 04 - 27), "Nghỉ bù Giỗ Tổ Hùng Vương"),
            (date!(2026 - 04 - 30), "Ngày Chiến thắng"),
            (date!(2026 - 05 - 01), "Ngày Quốc tế lao động"),
            (date!(2026 - 09 - 01), "Quốc khánh"),
            (date!(2026 - 09 - 02), "Quốc khánh"),
        ];
        assert_eq!(default_days_off(2026), expected);
    }

    #[test]
    fn default_days_off_2027() {
        let expected = vec![
            (date!(2027 - 01 - 01), "Tết Dương lịch"),
            (date!(2027 - 02 - 05), "Tết Nguyên đán"),
            (date!(2027 - 02 - 06), "Tết Nguyên đán"),
            (date!(2027 - 02 - 07), "Tết Nguyên đán"),
            (date!(2027 - 02 - 08), "Tết Nguyên đán"),
            (date!(2027 - 02 - 09), "Tết Nguyên đán"),
            (date!(2027 - 02 - 10), "Nghỉ bù Tết Nguyên đán"),
            (date!(2027 - 02 - 11), "Nghỉ bù Tết Nguyên đán"),
            (date!(2027 - 04 - 16), "Giỗ Tổ Hùng Vương"),
            (date!(2027 - 04 - 30), "Ngày Chiến thắng"),
            (date!(2027 - 05 - 01), "Ngày Quốc tế lao động"),
            (date!(2027 - 05 - 03), "Nghỉ bù Ngày Quốc tế lao động"),
            (date!(2027 - 09 - 02), "Quốc khánh"),
            (date!(2027 - 09 - 03), "Quốc khánh"),
        ];
        assert_eq!(default_days_off(2027), expected);
        assert_eq!(official_days_off(2027), Some(expected));
    }

    #[test]
    fn default_days_off_2023_matches_decree() {
        // 2023: Giỗ Tổ fell on Sat 29/4 (leap 2nd month), 30/4 Sun, 1/5 Mon →
        // made up Tue 2/5 and Wed 3/5 (as decreed); 2/9 Sat with 1/9 Fri,
        // made up Mon 4/9 (as decreed).
        let days: Vec<Date> = default_days_off(2023).into_iter().map(|(d, _)| d).collect();
        for d in [
            date!(2023 - 04 - 29),
            date!(2023 - 04 - 30),
            date!(2023 - 05 - 01),
            date!(2023 - 05 - 02),
            date!(2023 - 05 - 03),
            date!(2023 - 09 - 01),
            date!(2023 - 09 - 02),
            date!(2023 - 09 - 04),
        ] {
            assert!(days.contains(&d), "{d} missing");
        }
        assert!(!days.contains(&date!(2023 - 05 - 04)));
    }

    #[test]
    fn national_day_adjacent_matches_past_decrees() {
        assert_eq!(national_day_adjacent(2021), date!(2021 - 09 - 03));
        assert_eq!(national_day_adjacent(2022), date!(2022 - 09 - 01));
        assert_eq!(national_day_adjacent(2023), date!(2023 - 09 - 01));
        assert_eq!(national_day_adjacent(2024), date!(2024 - 09 - 03));
        assert_eq!(national_day_adjacent(2025), date!(2025 - 09 - 01));
        assert_eq!(national_day_adjacent(2026), date!(2026 - 09 - 01));
    }

    #[test]
    fn official_2026_covers_defaults_plus_swaps() {
        let official: BTreeSet<Date> =
            official_days_off(2026).expect("2026 is known").into_iter().map(|(d, _)| d).collect();
        for (d, _) in default_days_off(2026) {
            assert!(official.contains(&d), "{d} missing");
        }
        assert!(official.contains(&date!(2026 - 01 - 02)));
        assert!(official.contains(&date!(2026 - 08 - 31)));
        assert_eq!(official.len(), 18);
        assert_eq!(official_days_off(2030), None);
        assert_eq!(official_extra_working_days(2026).len(), 2);
        // Every statutory year has the 11 holidays (plus make-up days).
        for year in 2020..=2040 {
            let statutory = default_days_off(year).iter().filter(|(_, n)| !n.starts_with("Nghỉ bù")).count();
            assert!(statutory == 11 || statutory == 10, "{year}: {statutory}");
        }
    }

    // --- properties ---------------------------------------------------------------

    fn any_instant() -> impl Strategy<Value = PrimitiveDateTime> {
        // 2025-01-01 .. 2028-12-31 at any minute of the day.
        (0i64..(4 * 365), 0i64..(24 * 60)).prop_map(|(day, minute)| {
            date!(2025 - 01 - 01).midnight() + Duration::days(day) + Duration::minutes(minute)
        })
    }

    fn is_working_or_session_end(c: &WorkingCalendar, t: PrimitiveDateTime) -> bool {
        c.is_working_time(t)
            || (c.is_working_day(t.date())
                && (t.time() == c.hours.morning_end() || t.time() == c.hours.afternoon_end()))
    }

    proptest! {
        #[test]
        fn add_never_leaves_working_hours(s in any_instant(), m in 0i64..20_000) {
            let c = cal();
            let r = c.add_working_minutes(s, m);
            prop_assert!(is_working_or_session_end(&c, r), "{s} + {m} = {r}");
            if m == 0 {
                prop_assert!(c.is_working_time(r));
            }
        }

        #[test]
        fn add_then_measure_round_trips(s in any_instant(), m in 0i64..20_000) {
            let c = cal();
            let s = c.next_working_instant(s);
            let r = c.add_working_minutes(s, m);
            prop_assert_eq!(c.working_minutes_between(s, r), m);
            prop_assert_eq!(c.working_minutes_between(r, s), -m);
        }

        #[test]
        fn add_is_monotonic(s in any_instant(), a in 0i64..20_000, b in 0i64..20_000) {
            let c = cal();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(c.add_working_minutes(s, lo) <= c.add_working_minutes(s, hi));
            if lo < hi {
                prop_assert!(c.add_working_minutes(s, lo) < c.add_working_minutes(s, hi));
            }
        }

        #[test]
        fn subtract_round_trips(s in any_instant(), m in 1i64..20_000) {
            let c = cal();
            let r = c.add_working_minutes(s, -m);
            prop_assert!(r < s);
            prop_assert!(c.is_working_time(r));
            prop_assert_eq!(c.working_minutes_between(r, s), m);
        }

        #[test]
        fn between_is_additive(a in any_instant(), b in any_instant(), x in any_instant()) {
            let c = cal();
            prop_assert_eq!(
                c.working_minutes_between(a, x) + c.working_minutes_between(x, b),
                c.working_minutes_between(a, b)
            );
        }

        #[test]
        fn counter_start_is_working_and_not_before_receipt(t in any_instant()) {
            let c = cal();
            let s = c.counter_start(t);
            prop_assert!(s >= t);
            prop_assert!(c.is_working_time(s));
            prop_assert!(s.time() <= c.hours.paper_cutoff() || s.time() == c.hours.morning_start());
        }

        #[test]
        fn calendar_days_due_is_end_of_working_day(t in any_instant(), n in 0u32..60) {
            let c = cal();
            let due = c.due_for(t, StatutoryTime::CalendarDays(n));
            prop_assert!(c.is_working_day(due.date()));
            prop_assert_eq!(due.time(), c.hours.afternoon_end());
            prop_assert!(due.date() >= t.date() + Duration::days(i64::from(n)));
        }
    }
}
