//! Dossier codes (mã số hồ sơ, TT 01/2018/TT-VPCP Art. 19; TT 03/2025 Art. 13):
//! `<receiving agency code>-<YYMMDD>-<sequence>`, the sequence at least 4 digits (growing when
//! needed), one counter per agency per day: `000.00.00.H56-251103-0042`.
//!
//! The agency part is the receiving agency's legacy alias when it has one (what the national portal
//! and the printed receipts have always shown), else its QĐ 20 code. Centralised systems' 2-digit
//! system-owner variant (TT 04/2025, `-YYMMDD-AAXXXX`) is not produced.

use std::fmt;

use time::{Date, Month};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DossierCode {
    agency: String,
    day: Date,
    sequence: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DossierCodeError {
    Shape,
    Agency,
    Day,
    Sequence,
}

impl DossierCodeError {
    pub fn message(self) -> &'static str {
        match self {
            Self::Shape => "a dossier code looks like 000.00.00.H56-251103-0042",
            Self::Agency => "the agency part must be an agency code (000.00.00.H56 or H56.14)",
            Self::Day => "the date part must be a real date as YYMMDD",
            Self::Sequence => "the sequence must be at least 4 digits and not 0",
        }
    }
}

impl fmt::Display for DossierCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for DossierCodeError {}

impl DossierCode {
    /// Builds the code for the `sequence`-th dossier of `agency` on `day` (Vietnam date).
    pub fn new(agency: &str, day: Date, sequence: u32) -> Result<Self, DossierCodeError> {
        if !valid_agency_part(agency) {
            return Err(DossierCodeError::Agency);
        }
        if sequence == 0 {
            return Err(DossierCodeError::Sequence);
        }
        if !(2000..=2099).contains(&day.year()) {
            return Err(DossierCodeError::Day);
        }
        Ok(Self { agency: agency.to_owned(), day, sequence })
    }

    pub fn parse(s: &str) -> Result<Self, DossierCodeError> {
        if s.len() > 64 || !s.is_ascii() {
            return Err(DossierCodeError::Shape);
        }
        let (rest, seq) = s.rsplit_once('-').ok_or(DossierCodeError::Shape)?;
        let (agency, ymd) = rest.rsplit_once('-').ok_or(DossierCodeError::Shape)?;
        if seq.len() < 4 || seq.len() > 9 || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DossierCodeError::Sequence);
        }
        let sequence: u32 = seq.parse().map_err(|_| DossierCodeError::Sequence)?;
        if ymd.len() != 6 || !ymd.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DossierCodeError::Day);
        }
        let num = |r: std::ops::Range<usize>| ymd[r].parse::<u8>().map_err(|_| DossierCodeError::Day);
        let month = Month::try_from(num(2..4)?).map_err(|_| DossierCodeError::Day)?;
        let day = Date::from_calendar_date(2000 + i32::from(num(0..2)?), month, num(4..6)?)
            .map_err(|_| DossierCodeError::Day)?;
        let code = Self::new(agency, day, sequence)?;
        // Only the canonical spelling is accepted (no extra leading zeros beyond 4 digits).
        if code.to_string() != s {
            return Err(DossierCodeError::Sequence);
        }
        Ok(code)
    }

    pub fn agency(&self) -> &str {
        &self.agency
    }

    pub fn day(&self) -> Date {
        self.day
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:02}{:02}{:02}-{:04}",
            self.agency,
            self.day.year() % 100,
            u8::from(self.day.month()),
            self.day.day(),
            self.sequence
        )
    }
}

fn valid_agency_part(s: &str) -> bool {
    super::agency::AgencyCode::parse(s).is_ok() || super::agency::parse_legacy(s).is_ok()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn formats_like_the_circular() {
        let c = DossierCode::new("000.00.00.H56", date!(2025 - 11 - 03), 42).expect("valid");
        assert_eq!(c.to_string(), "000.00.00.H56-251103-0042");
        let c = DossierCode::new("H56.14", date!(2026 - 01 - 09), 12345).expect("valid");
        assert_eq!(c.to_string(), "H56.14-260109-12345", "the sequence grows past 4 digits");
    }

    #[test]
    fn parses_what_it_formats() {
        for s in ["000.00.00.H56-251103-0042", "000.00.14.H56-260228-9999", "H56.14-260109-12345"] {
            let c = DossierCode::parse(s).expect(s);
            assert_eq!(c.to_string(), s);
        }
        let c = DossierCode::parse("000.00.14.H56-260228-0007").expect("valid");
        assert_eq!((c.agency(), c.day(), c.sequence()), ("000.00.14.H56", date!(2026 - 02 - 28), 7));
    }

    #[test]
    fn refuses_malformed_codes() {
        let cases = [
            ("", DossierCodeError::Shape),
            ("000.00.00.H56", DossierCodeError::Shape),
            ("000.00.00.H56-251103-042", DossierCodeError::Sequence),
            ("000.00.00.H56-251103-0000", DossierCodeError::Sequence),
            ("000.00.00.H56-251103-00042", DossierCodeError::Sequence),
            ("000.00.00.H56-251303-0042", DossierCodeError::Day),
            ("000.00.00.H56-260230-0042", DossierCodeError::Day),
            ("../etc/passwd-251103-0042", DossierCodeError::Agency),
            ("h56-251103-0042", DossierCodeError::Agency),
            ("000.00.00.H56-2511O3-0042", DossierCodeError::Day),
            ("Đ00.00.00.H56-251103-0042", DossierCodeError::Shape),
        ];
        for (s, want) in cases {
            assert_eq!(DossierCode::parse(s).map(|c| c.to_string()), Err(want), "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn round_trip(seq in 1u32..10_000_000, days in 0i64..36_000) {
            let day = date!(2000 - 01 - 01) + time::Duration::days(days);
            if let Ok(c) = DossierCode::new("000.00.14.H56", day, seq) {
                proptest::prop_assert_eq!(DossierCode::parse(&c.to_string()), Ok(c));
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = DossierCode::parse(&s);
        }
    }
}
