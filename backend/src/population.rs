//! The national population database (CSDLQG về dân cư), reached through the sharing platform
//! (interop.md §2, `ChiaSeThongTinCongDan`) with the one platform client (`crate::platform`).
//!
//! Fail-closed: a timeout, a 5xx, a malformed answer or a missing configuration is `Unknown`, never
//! `Verified`. Every lookup is recorded (who asked, why, masked ID, result) in `population_lookup`.

use crate::platform::PlatformClient;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;

/// What the population database said.
#[derive(Debug, Clone, PartialEq)]
pub enum Verification {
    /// The person exists with this ID, name (and birth date, when given).
    Verified(serde_json::Value),
    /// The database answered: no such person with these details.
    NotFound,
    /// No trustworthy answer (down, slow, error, not configured).
    Unknown(&'static str),
}

impl Verification {
    fn result(&self) -> &'static str {
        match self {
            Self::Verified(_) => "verified",
            Self::NotFound => "not_found",
            Self::Unknown(_) => "unknown",
        }
    }
}

pub struct Population {
    platform: std::sync::Arc<PlatformClient>,
}

/// `001******345`: the first 3 and last 3 digits, for logs and records.
pub fn mask(personal_id: &str) -> String {
    if personal_id.len() == 12 && personal_id.is_ascii() {
        format!("{}******{}", &personal_id[..3], &personal_id[9..])
    } else {
        "************".to_owned()
    }
}

#[derive(Deserialize)]
struct LookupAnswer {
    #[serde(rename = "TonTai")]
    exists: String,
    #[serde(rename = "CongDan", default)]
    person: Option<serde_json::Value>,
}

impl Population {
    pub fn new(platform: std::sync::Arc<PlatformClient>) -> Self {
        Self { platform }
    }

    /// Asks whether the person exists. `purpose` is the procedure code or `SIGNIN`; `requested_by` is
    /// `CONGDAN` (the citizen themself) or the staff id. The lookup is recorded whatever the answer.
    pub async fn verify(
        &self,
        db: &PgPool,
        personal_id: &str,
        full_name: &str,
        birth_date_yyyymmdd: Option<&str>,
        purpose: &str,
        requested_by: &str,
    ) -> Verification {
        let verdict = self.ask(personal_id, full_name, birth_date_yyyymmdd, purpose, requested_by).await;
        let recorded = sqlx::query(
            "INSERT INTO population_lookup (requested_by, purpose, personal_id, result) VALUES ($1, $2, $3, $4)",
        )
        .bind(requested_by)
        .bind(purpose)
        .bind(mask(personal_id))
        .bind(verdict.result())
        .execute(db)
        .await;
        if let Err(e) = recorded {
            // No record, no answer: a lookup the police cannot audit is not used.
            tracing::error!(error = %e, "population lookup could not be recorded");
            return Verification::Unknown("not_recorded");
        }
        verdict
    }

    async fn ask(
        &self,
        personal_id: &str,
        full_name: &str,
        birth_date: Option<&str>,
        purpose: &str,
        requested_by: &str,
    ) -> Verification {
        let mut body = json!({
            "MaYeuCau": uuid::Uuid::new_v4().to_string(),
            "MaDVC": purpose,
            "MaCanBo": requested_by,
            "SoDinhDanh": personal_id,
            "HoVaTen": full_name,
        });
        if let Some(d) = birth_date {
            body["NgayThangNamSinh"] = json!(d);
        }
        let res = match self.platform.post("/csdldancu/ChiaSeThongTinCongDan", &body).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(reason = e.code(), masked_id = %mask(personal_id), "population lookup failed");
                return Verification::Unknown(e.code());
            }
        };
        let why = match res.status().as_u16() {
            200 => match res.json::<LookupAnswer>().await {
                Ok(a) if a.exists == "true" => return Verification::Verified(a.person.unwrap_or_default()),
                Ok(a) if a.exists == "false" => return Verification::NotFound,
                _ => "malformed_answer",
            },
            401 => "unauthorized",
            429 => "rate_limited",
            s if s >= 500 => "server_error",
            _ => "refused",
        };
        tracing::warn!(reason = why, masked_id = %mask(personal_id), "population lookup failed");
        Verification::Unknown(why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_personal_ids() {
        assert_eq!(mask("001090012345"), "001******345");
        assert_eq!(mask("12345"), "************");
    }
}
