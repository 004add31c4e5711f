//! Who is acting: a signed-in citizen or staff member (the HTTP layer builds it from the session).

use uuid::Uuid;

use crate::store::staff::StaffRole;

#[derive(Debug, Clone)]
pub struct StaffCaller {
    pub id: Uuid,
    pub full_name: String,
    pub roles: Vec<StaffRole>,
}

impl StaffCaller {
    /// The roles (clerk, officer, leader, ...) the staff member holds in `unit_id`.
    pub fn roles_in(&self, unit_id: Uuid) -> impl Iterator<Item = &str> {
        self.roles.iter().filter(move |r| r.unit_id == unit_id).map(|r| r.role.as_str())
    }

    pub fn unit_ids(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self.roles.iter().map(|r| r.unit_id).collect();
        ids.dedup();
        ids
    }

    pub fn has_role_in_agency(&self, agency_id: Uuid, role: &str) -> bool {
        self.roles.iter().any(|r| r.agency_id == agency_id && r.role == role)
    }

    pub fn is_system_admin(&self) -> bool {
        self.roles.iter().any(|r| r.role == "system_admin")
    }
}

#[derive(Debug, Clone)]
pub struct CitizenCaller {
    pub id: Uuid,
}

/// A machine acting on its own authority: the national portal filing a dossier, the payment platform
/// confirming a payment, a scheduled job. Never built from a browser session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemCaller {
    /// Stable identifier: `national_portal`, `paygov`, `scheduler`.
    pub id: &'static str,
    /// How the history shows it (Vietnamese).
    pub name: &'static str,
}

impl SystemCaller {
    pub const NATIONAL_PORTAL: Self = Self { id: "national_portal", name: "Cổng Dịch vụ công quốc gia" };
    pub const PAYGOV: Self = Self { id: "paygov", name: "Nền tảng thanh toán trực tuyến" };
}

#[derive(Debug, Clone)]
pub enum Caller {
    Citizen(CitizenCaller),
    Staff(StaffCaller),
    System(SystemCaller),
}

impl Caller {
    /// A stable identity string for idempotency records and audit entries (no personal data).
    pub fn key(&self) -> String {
        match self {
            Self::Citizen(c) => format!("citizen:{}", c.id),
            Self::Staff(s) => format!("staff:{}", s.id),
            Self::System(s) => format!("system:{}", s.id),
        }
    }
}
