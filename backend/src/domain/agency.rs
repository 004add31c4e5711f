//! Agency electronic identifier codes (mã định danh điện tử, QĐ 20/2020/QĐ-TTg) and their legacy
//! right-aligned form (QCVN 102:2016).
//!
//! - QĐ 20 form: dot-separated groups of `0-9A-Z`, at most 35 characters, growing left to right from the
//!   level-1 code `MX1X2` (a letter and two digits, e.g. `H56`): `H56`, `H56.14`, `H56.14.3`.
//! - Legacy form: the groups right-aligned in `000.00.00.H56` shape (level 4 . level 3 . level 2 . level 1),
//!   zeros where a level is absent: `000.00.00.H56` is the province, `000.00.14.H56` a department.

use std::fmt;

/// Why a code was refused; the message names the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeError(pub &'static str);

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for CodeError {}

/// A QĐ 20/2020 agency code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgencyCode(String);

impl AgencyCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        if s.is_empty() || s.len() > 35 {
            return Err(CodeError("must be 1 to 35 characters"));
        }
        let mut groups = s.split('.');
        let first = groups.next().unwrap_or("");
        if !is_level1(first) {
            return Err(CodeError("must start with a level-1 code: a capital letter and two digits, e.g. H56"));
        }
        for g in groups {
            if g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()) {
                return Err(CodeError("groups after the first must be non-empty and use only 0-9 and A-Z"));
            }
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level (1 for `H56`, 2 for `H56.14`, ...).
    pub fn level(&self) -> usize {
        self.0.split('.').count()
    }

    /// The code of the agency one level up, if any (`H56.14` → `H56`).
    pub fn parent(&self) -> Option<AgencyCode> {
        self.0.rsplit_once('.').map(|(p, _)| AgencyCode(p.to_owned()))
    }

    /// The legacy QCVN 102:2016 form, when the code fits it (at most four levels, groups 2–4 numeric
    /// of at most 2, 2 and 3 digits): `H56.14` → `000.00.14.H56`.
    pub fn legacy(&self) -> Option<String> {
        let groups: Vec<&str> = self.0.split('.').collect();
        if groups.len() > 4 || groups[1..].iter().any(|g| !g.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        let widths = [2usize, 2, 3];
        let mut parts = Vec::with_capacity(4);
        for (i, w) in widths.iter().enumerate() {
            let g = groups.get(i + 1).copied().unwrap_or("");
            if g.len() > *w {
                return None;
            }
            parts.push(format!("{:0>w$}", g, w = *w));
        }
        Some(format!("{}.{}.{}.{}", parts[2], parts[1], parts[0], groups[0]))
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_level1(g: &str) -> bool {
    let b = g.as_bytes();
    b.len() == 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

/// Checks a legacy right-aligned code (`000.00.00.H56`).
pub fn parse_legacy(s: &str) -> Result<String, CodeError> {
    let groups: Vec<&str> = s.split('.').collect();
    let shape_ok = groups.len() == 4
        && groups[0].len() == 3
        && groups[1].len() == 2
        && groups[2].len() == 2
        && groups[..3].iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && is_level1(groups[3]);
    if shape_ok { Ok(s.to_owned()) } else { Err(CodeError("legacy codes look like 000.00.00.H56")) }
}

/// Agency levels in the tree (any depth is allowed; the level says what kind of agency it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgencyLevel {
    Ministry,
    Province,
    Department,
    Commune,
    Other,
}

impl AgencyLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ministry => "ministry",
            Self::Province => "province",
            Self::Department => "department",
            Self::Commune => "commune",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ministry" => Self::Ministry,
            "province" => Self::Province,
            "department" => Self::Department,
            "commune" => Self::Commune,
            "other" => Self::Other,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qd20_codes() {
        for ok in ["H56", "H56.14", "H56.14.3", "G01.A1.B2"] {
            assert!(AgencyCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "h56", "H5", "H56.", ".H56", "H56..1", "H56.1a", "000.00.00.H56", &"H56.1".repeat(8)] {
            assert!(AgencyCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn levels_and_parents() {
        let c = AgencyCode::parse("H56.14.3").expect("valid");
        assert_eq!(c.level(), 3);
        assert_eq!(c.parent().map(|p| p.to_string()).as_deref(), Some("H56.14"));
        assert_eq!(AgencyCode::parse("H56").expect("valid").parent(), None);
    }

    #[test]
    fn legacy_forms() {
        let legacy = |s: &str| AgencyCode::parse(s).expect("valid").legacy();
        assert_eq!(legacy("H56").as_deref(), Some("000.00.00.H56"));
        assert_eq!(legacy("H56.14").as_deref(), Some("000.00.14.H56"));
        assert_eq!(legacy("H56.14.3").as_deref(), Some("000.03.14.H56"));
        assert_eq!(legacy("H56.14.3.25").as_deref(), Some("025.03.14.H56"));
        assert_eq!(legacy("H56.A1"), None);
        assert_eq!(legacy("H56.1.2.3.4"), None);
        assert!(parse_legacy("000.00.00.H56").is_ok());
        assert!(parse_legacy("000.00.H56").is_err());
        assert!(parse_legacy("000.0A.00.H56").is_err());
    }
}
