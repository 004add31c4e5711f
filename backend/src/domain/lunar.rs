//! Vietnamese lunisolar ("âm lịch") calendar conversion.
//!
//! This is a port of Hồ Ngọc Đức's well-known algorithm (the one behind most
//! Vietnamese calendar software), evaluated for the Vietnamese time zone
//! UTC+7. New moons and solar terms are computed with the astronomical series
//! from "Astronomical Algorithms" (Jean Meeus, 1998) as used by that
//! algorithm. Results are accurate for roughly 1800–2199; outside that range
//! they are best-effort (the series lose precision), which is irrelevant for
//! an administrative procedure system.
//!
//! The Vietnamese calendar differs from the Chinese one in some years
//! (e.g. Tết 1985) because Vietnam uses UTC+7 rather than UTC+8, which is why
//! the time zone is a fixed parameter here.
//!
//! Only `std` and `time` are used; all computations are pure.

use std::f64::consts::PI;
use time::Date;

/// Time zone used for the Vietnamese calendar, in hours east of UTC.
const TIME_ZONE_HOURS: f64 = 7.0;

/// Julian day number of the new moon of 1 January 1900 (reference epoch of
/// the new-moon series), as a fractional Julian date.
const NEW_MOON_EPOCH: f64 = 2_415_021.076_998_695;

/// Mean length of a synodic month, in days.
const SYNODIC_MONTH: f64 = 29.530_588_853;

/// A date in the Vietnamese lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LunarDate {
    /// Day of the lunar month, 1..=30.
    pub day: u8,
    /// Lunar month, 1..=12 (a leap month carries the number of the month it
    /// follows, with `leap == true`).
    pub month: u8,
    /// Lunar year, numbered like the civil year in which its first day
    /// (Tết) falls.
    pub year: i32,
    /// Whether this is the leap ("nhuận") occurrence of `month`.
    pub leap: bool,
}

/// Julian day number (noon-based integer day count) of a Gregorian date.
///
/// Works for any `i32` year without overflow because it is computed in
/// `i64`; unlike the original algorithm it always uses the proleptic
/// Gregorian calendar (dates before 1582 are not a concern here).
fn jd_from_ymd(day: i64, month: i64, year: i64) -> i64 {
    let a = (14 - month).div_euclid(12);
    let y = year + 4800 - a;
    let m = month + 12 * a - 3;
    day + (153 * m + 2).div_euclid(5) + 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) - 32045
}

/// Julian date (fractional) of the `k`-th new moon after the 1900 epoch.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85; // Julian centuries since 1900-01-01 12:00
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    // Sun's mean anomaly
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    // Moon's mean anomaly
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    // Moon's argument of latitude
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd1 + c1 - delta_t
}

/// Sun's apparent longitude (radians, in `[0, 2π)`) at Julian date `jdn`.
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2_451_545.0) / 36_525.0; // centuries since J2000.0
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl += (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - 2.0 * PI * (l / (2.0 * PI)).floor()
}

/// Local day number (Julian day number) on which the `k`-th new moon falls.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TIME_ZONE_HOURS / 24.0).floor() as i64
}

/// Solar-term sector (0..=11, each 30° of solar longitude) at the start of
/// local day `day_number`.
fn sun_sector(day_number: i64) -> i64 {
    let l = sun_longitude(day_number as f64 - 0.5 - TIME_ZONE_HOURS / 24.0);
    (l / PI * 6.0).floor() as i64
}

/// Day number of the first day of lunar month 11 (the month containing the
/// winter solstice) that starts in civil year `year`'s end.
fn lunar_month_11(year: i64) -> i64 {
    let off = jd_from_ymd(31, 12, year) as f64 - 2_415_021.0;
    let k = (off / SYNODIC_MONTH).floor() as i64;
    let nm = new_moon_day(k);
    if sun_sector(nm) >= 9 { new_moon_day(k - 1) } else { nm }
}

/// For a lunar year containing 13 months that starts (month 11) on day
/// `a11`, the offset of the leap month from month 11 (the first month
/// without a major solar term).
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

/// Converts a civil (Gregorian) date to the Vietnamese lunar calendar.
pub fn solar_to_lunar(date: Date) -> LunarDate {
    let day_number = i64::from(date.to_julian_day());
    let year = i64::from(date.year());
    // The mean lunation only estimates which new moon starts the month; the true new moon can fall a day
    // either side of that estimate (e.g. 2062-04-19), so step to the latest new moon on or before the day.
    let mut k = ((day_number as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64 + 1;
    while new_moon_day(k) > day_number {
        k -= 1;
    }
    while new_moon_day(k + 1) <= day_number {
        k += 1;
    }
    let month_start = new_moon_day(k);
    let mut a11 = lunar_month_11(year);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = year;
        a11 = lunar_month_11(year - 1);
    } else {
        lunar_year = year + 1;
        b11 = lunar_month_11(year + 1);
    }
    let lunar_day = day_number - month_start + 1;
    let diff = (month_start - a11).div_euclid(29);
    let mut leap = false;
    let mut lunar_month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11);
        if diff >= leap_diff {
            lunar_month = diff + 10;
            if diff == leap_diff {
                leap = true;
            }
        }
    }
    if lunar_month > 12 {
        lunar_month -= 12;
    }
    if lunar_month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate {
        day: u8::try_from(lunar_day).expect("a lunar month has at most 30 days"),
        month: u8::try_from(lunar_month).expect("lunar month numbers are 1..=12"),
        year: i32::try_from(lunar_year).expect("lunar year is within one of the civil year"),
        leap,
    }
}

/// Day number of the first day of lunar month (`month`, `leap`) of lunar year
/// `year`, or `None` if that month does not exist (e.g. a leap month in a year
/// whose leap month is different or which has none).
fn lunar_month_start(month: u8, year: i32, leap: bool) -> Option<i64> {
    if !(1..=12).contains(&month) {
        return None;
    }
    let month = i64::from(month);
    let year = i64::from(year);
    let (a11, b11) = if month < 11 {
        (lunar_month_11(year - 1), lunar_month_11(year))
    } else {
        (lunar_month_11(year), lunar_month_11(year + 1))
    };
    let mut off = month - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if leap && month != leap_month {
            return None;
        }
        if leap || off >= leap_off {
            off += 1;
        }
    } else if leap {
        return None;
    }
    let k = (0.5 + (a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    Some(new_moon_day(k + off))
}

/// Converts a Vietnamese lunar date to the civil (Gregorian) calendar.
///
/// Returns `None` when the lunar date does not exist: month outside 1..=12,
/// day outside 1..=29/30 for that month, a leap month that the year does not
/// have, or a result outside the range of [`time::Date`].
pub fn lunar_to_solar(day: u8, month: u8, year: i32, leap: bool) -> Option<Date> {
    if day == 0 || day > 30 {
        return None;
    }
    let start = lunar_month_start(month, year, leap)?;
    let jd = start + i64::from(day) - 1;
    // Reject day 30 of a 29-day month: the date must map back to itself.
    let date = Date::from_julian_day(i32::try_from(jd).ok()?).ok()?;
    let back = solar_to_lunar(date);
    (back.day == day && back.month == month && back.year == year && back.leap == leap).then_some(date)
}

/// Number of days (29 or 30) of the given lunar month, or `None` if the month
/// does not exist.
pub fn lunar_month_length(month: u8, year: i32, leap: bool) -> Option<u8> {
    lunar_to_solar(1, month, year, leap)?;
    Some(if lunar_to_solar(30, month, year, leap).is_some() { 30 } else { 29 })
}

/// The leap month of lunar year `year` (1..=12), if that year has one.
pub fn leap_month(year: i32) -> Option<u8> {
    (1..=12).find(|&m| lunar_month_start(m, year, true).is_some())
}

/// Civil date of Tết Nguyên đán (1st day of the 1st lunar month) of `year`.
pub fn tet(year: i32) -> Option<Date> {
    lunar_to_solar(1, 1, year, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn lunar(day: u8, month: u8, year: i32, leap: bool) -> LunarDate {
        LunarDate { day, month, year, leap }
    }

    #[test]
    fn julian_day_matches_time_crate() {
        for d in [date!(1900 - 01 - 01), date!(2000 - 01 - 01), date!(2026 - 02 - 17), date!(2199 - 12 - 31)] {
            assert_eq!(
                jd_from_ymd(i64::from(d.day()), i64::from(u8::from(d.month())), i64::from(d.year())),
                i64::from(d.to_julian_day())
            );
        }
    }

    #[test]
    fn tet_dates() {
        assert_eq!(tet(2025), Some(date!(2025 - 01 - 29)));
        assert_eq!(tet(2026), Some(date!(2026 - 02 - 17)));
        assert_eq!(tet(2027), Some(date!(2027 - 02 - 06)));
        assert_eq!(tet(2024), Some(date!(2024 - 02 - 10)));
        assert_eq!(tet(2023), Some(date!(2023 - 01 - 22)));
        // 1985: Vietnam (UTC+7) celebrated Tết on 21 Jan, China (UTC+8) on 20 Feb.
        assert_eq!(tet(1985), Some(date!(1985 - 01 - 21)));
        assert_eq!(solar_to_lunar(date!(2026 - 02 - 17)), lunar(1, 1, 2026, false));
        assert_eq!(solar_to_lunar(date!(2027 - 02 - 06)), lunar(1, 1, 2027, false));
        assert_eq!(solar_to_lunar(date!(2025 - 01 - 29)), lunar(1, 1, 2025, false));
    }

    #[test]
    fn new_years_eve() {
        // 2026-02-16 is the last day (29th) of month 12 of lunar year 2025 (Ất Tỵ).
        assert_eq!(solar_to_lunar(date!(2026 - 02 - 16)), lunar(29, 12, 2025, false));
        // 2027-02-05 is the 29th of month 12 of lunar year 2026 (Bính Ngọ):
        // the new moons fall on 8 Jan 2027 03:24 and 6 Feb 2027 22:56 (UTC+7),
        // so that month has only 29 days.
        assert_eq!(solar_to_lunar(date!(2027 - 02 - 05)), lunar(29, 12, 2026, false));
        // 14 Feb 2026 was "27 tháng Chạp năm Ất Tỵ" per the 2026 holiday notice.
        assert_eq!(solar_to_lunar(date!(2026 - 02 - 14)), lunar(27, 12, 2025, false));
        assert_eq!(solar_to_lunar(date!(2026 - 02 - 22)), lunar(6, 1, 2026, false));
    }

    #[test]
    fn gio_to_hung_vuong() {
        assert_eq!(lunar_to_solar(10, 3, 2026, false), Some(date!(2026 - 04 - 26)));
        assert_eq!(lunar_to_solar(10, 3, 2027, false), Some(date!(2027 - 04 - 16)));
        assert_eq!(lunar_to_solar(10, 3, 2025, false), Some(date!(2025 - 04 - 07)));
        assert_eq!(lunar_to_solar(10, 3, 2024, false), Some(date!(2024 - 04 - 18)));
        assert_eq!(solar_to_lunar(date!(2026 - 04 - 26)), lunar(10, 3, 2026, false));
    }

    #[test]
    fn leap_months() {
        assert_eq!(leap_month(2025), Some(6));
        assert_eq!(leap_month(2023), Some(2));
        assert_eq!(leap_month(2020), Some(4));
        assert_eq!(leap_month(2026), None);
        assert_eq!(leap_month(2027), None);
        assert_eq!(leap_month(2028), Some(5));
        // 2025: leap 6th month started on 25 July 2025 (1/6 nhuận Ất Tỵ).
        assert_eq!(lunar_to_solar(1, 6, 2025, true), Some(date!(2025 - 07 - 25)));
        assert_eq!(lunar_to_solar(1, 6, 2025, false), Some(date!(2025 - 06 - 25)));
        assert_eq!(lunar_to_solar(1, 7, 2025, false), Some(date!(2025 - 08 - 23)));
        assert_eq!(solar_to_lunar(date!(2025 - 08 - 01)), lunar(8, 6, 2025, true));
        // 2023: leap 2nd month started on 22 March 2023.
        assert_eq!(lunar_to_solar(1, 2, 2023, true), Some(date!(2023 - 03 - 22)));
        assert_eq!(solar_to_lunar(date!(2023 - 03 - 22)), lunar(1, 2, 2023, true));
        assert_eq!(solar_to_lunar(date!(2023 - 04 - 20)), lunar(1, 3, 2023, false));
        // Non-existent leap months.
        assert_eq!(lunar_to_solar(1, 5, 2025, true), None);
        assert_eq!(lunar_to_solar(1, 6, 2026, true), None);
    }

    #[test]
    fn invalid_lunar_dates() {
        assert_eq!(lunar_to_solar(0, 1, 2026, false), None);
        assert_eq!(lunar_to_solar(31, 1, 2026, false), None);
        assert_eq!(lunar_to_solar(1, 0, 2026, false), None);
        assert_eq!(lunar_to_solar(1, 13, 2026, false), None);
        // Month 12 of lunar year 2025 has 29 days (eve = 29 Chạp).
        assert_eq!(lunar_month_length(12, 2025, false), Some(29));
        assert_eq!(lunar_to_solar(30, 12, 2025, false), None);
        assert_eq!(lunar_month_length(12, 2026, false), Some(29));
        assert_eq!(lunar_to_solar(30, 12, 2026, false), None);
        // Month 1 of 2026 runs from 17 Feb to 18 Mar (next new moon 19 Mar 2026
        // 08:23 UTC+7): 30 days.
        assert_eq!(lunar_month_length(1, 2026, false), Some(30));
        assert_eq!(lunar_to_solar(30, 1, 2026, false), Some(date!(2026 - 03 - 18)));
    }

    #[test]
    fn month_11_and_12_belong_to_previous_lunar_year() {
        // 1 Jan 2026 is in month 11 of lunar year 2025.
        let l = solar_to_lunar(date!(2026 - 01 - 01));
        assert_eq!((l.month, l.year, l.leap), (11, 2025, false));
        assert_eq!(lunar_to_solar(l.day, l.month, l.year, l.leap), Some(date!(2026 - 01 - 01)));
    }

    #[test]
    fn a_new_moon_later_than_its_mean_estimate_still_starts_the_month() {
        // Found by the property below (jd 2474288 → 2474289): the next day must not be lunar day 0.
        for jd in 2_474_280..2_474_300 {
            let d = Date::from_julian_day(jd).expect("in range");
            let l = solar_to_lunar(d);
            assert!((1..=30).contains(&l.day), "{d}: {l:?}");
            assert_eq!(lunar_to_solar(l.day, l.month, l.year, l.leap), Some(d), "{d}");
        }
    }

    proptest! {
        #[test]
        fn round_trip(jd in 2_415_021i32..2_488_070i32) {
            // 1900-01-01 ..= 2099-12-31
            let d = Date::from_julian_day(jd).expect("in range");
            let l = solar_to_lunar(d);
            prop_assert!((1..=30).contains(&l.day));
            prop_assert!((1..=12).contains(&l.month));
            prop_assert_eq!(lunar_to_solar(l.day, l.month, l.year, l.leap), Some(d));
        }

        #[test]
        fn consecutive_days_advance_lunar_day(jd in 2_415_021i32..2_488_070i32) {
            let d = Date::from_julian_day(jd).expect("in range");
            let a = solar_to_lunar(d);
            let b = solar_to_lunar(d.next_day().expect("in range"));
            if b.day == 1 {
                prop_assert!(a.day == 29 || a.day == 30);
            } else {
                prop_assert_eq!(b.day, a.day + 1);
                prop_assert_eq!((b.month, b.year, b.leap), (a.month, a.year, a.leap));
            }
        }
    }
}
