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
        self.lookup(db, personal_id, full_name, birth_date_yyyymmdd, purpose, requested_by).await.0
    }

    /// [`Self::verify`], also answering the id of the recorded lookup (absent when it could not be recorded,
    /// and then the answer is `Unknown`).
    pub async fn lookup(
        &self,
        db: &PgPool,
        personal_id: &str,
        full_name: &str,
        birth_date_yyyymmdd: Option<&str>,
        purpose: &str,
        requested_by: &str,
    ) -> (Verification, Option<i64>) {
        let verdict = self.ask(personal_id, full_name, birth_date_yyyymmdd, purpose, requested_by).await;
        let reason = match &verdict {
            Verification::Unknown(why) => Some(*why),
            _ => None,
        };
        let recorded: Result<i64, _> = sqlx::query_scalar(
            "INSERT INTO population_lookup (requested_by, purpose, personal_id, result, personal_id_sha256, reason)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(requested_by)
        .bind(purpose)
        .bind(mask(personal_id))
        .bind(verdict.result())
        .bind(crate::platform::sha256_hex(personal_id.as_bytes()))
        .bind(reason)
        .fetch_one(db)
        .await;
        match recorded {
            Ok(id) => (verdict, Some(id)),
            Err(e) => {
                // No record, no answer: a lookup the police cannot audit is not used.
                tracing::error!(error = %e, "population lookup could not be recorded");
                (Verification::Unknown("not_recorded"), None)
            }
        }
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
        let res = match self.platform.post("/csdldancu/ChiaSeThongTinCongDan", &body, Some(purpose)).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(reason = e.code(), masked_id = %mask(personal_id), "population lookup failed");
                return Verification::Unknown(e.code());
            }
        };
        let why = match res.status {
            200 => match res.json::<LookupAnswer>() {
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

/// What the population database says of a person, in this system's terms (from `CongDan`, interop.md §2).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct PersonFacts {
    pub full_name: Option<String>,
    /// `yyyy-mm-dd`.
    pub birth_date: Option<String>,
    /// `Nam` or `Nữ`.
    pub sex: Option<String>,
    pub ethnicity: Option<String>,
    pub nationality: Option<String>,
    /// Addresses as `{province_code, commune_code, detail}`.
    #[schema(value_type = Option<Object>)]
    pub hometown: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub permanent_address: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub current_address: Option<serde_json::Value>,
}

fn national_text(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(serde_json::Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl PersonFacts {
    /// Reads a `CongDan` answer; what is missing or malformed stays `None`.
    pub fn from_cong_dan(c: &serde_json::Value) -> Self {
        let full_name = match c.get("HoVaTen") {
            Some(serde_json::Value::String(s)) => Some(s.trim().to_owned()),
            Some(parts @ serde_json::Value::Object(_)) => {
                let joined = ["Ho", "ChuDem", "Ten"]
                    .iter()
                    .filter_map(|k| national_text(parts, k))
                    .collect::<Vec<_>>()
                    .join(" ");
                Some(joined)
            }
            _ => None,
        }
        .filter(|s| !s.is_empty());
        let birth_date = national_text(c, "NgayThangNamSinh").and_then(|d| {
            time::Date::parse(&d, time::macros::format_description!("[year][month][day]")).ok().map(|d| d.to_string())
        });
        let sex = match national_text(c, "GioiTinh").as_deref() {
            Some("1") => Some("Nam".to_owned()),
            Some("2") => Some("Nữ".to_owned()),
            _ => None,
        };
        let address = |key: &str| {
            c.get(key).filter(|a| a.is_object()).map(|a| {
                serde_json::json!({
                    "province_code": national_text(a, "MaTinhThanh").unwrap_or_default(),
                    "commune_code": national_text(a, "MaPhuongXa").unwrap_or_default(),
                    "detail": national_text(a, "ChiTiet").unwrap_or_default(),
                })
            })
        };
        Self {
            full_name,
            birth_date,
            sex,
            ethnicity: national_text(c, "DanToc"),
            nationality: national_text(c, "QuocTich"),
            hometown: address("QueQuan"),
            permanent_address: address("ThuongTru"),
            current_address: address("NoiOHienTai"),
        }
    }
}

/// Lower case without diacritics (`Nữ` → `nu`), to match a value to a select option.
fn fold(s: &str) -> String {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    s.trim()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'đ' || c == 'Đ' { 'd' } else { c })
        .collect::<String>()
        .to_lowercase()
}

/// What the signed-in person is, from their eID (the `identity.*` prefills).
#[derive(Debug, Clone, Default)]
pub struct IdentityFacts {
    pub full_name: Option<String>,
    pub birth_date: Option<String>,
    pub personal_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One prefilled answer and where it came from (lessons.md §7: provenance per field).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Prefilled {
    pub key: String,
    /// The answer, of the e-form field's type (text, number, boolean, an address object, ...).
    #[schema(value_type = Value)]
    pub value: serde_json::Value,
    /// `identity` (the eID) or `population` (the population database).
    pub source: String,
    /// Whether the applicant may change it (the procedure decides).
    pub editable: bool,
}

/// The answers of `form` that the identity and the population facts can fill. A field whose source has no
/// value stays empty for the applicant to fill in.
pub fn prefill(
    form: &crate::domain::eform::FormSchema,
    identity: &IdentityFacts,
    population: Option<&PersonFacts>,
) -> Vec<Prefilled> {
    use crate::domain::eform::{FieldKind, Prefill as P};
    let mut out = Vec::new();
    for field in &form.fields {
        let Some(source) = field.prefill else { continue };
        let text = |v: &Option<String>| v.clone().map(serde_json::Value::String);
        let address = |v: &Option<serde_json::Value>| -> Option<serde_json::Value> {
            let a = v.as_ref()?;
            match field.kind {
                FieldKind::Address {} => Some(a.clone()),
                _ => a.get("detail").and_then(serde_json::Value::as_str).filter(|s| !s.is_empty()).map(|s| s.into()),
            }
        };
        let choice = |v: &Option<String>| -> Option<serde_json::Value> {
            let v = v.as_ref()?;
            match &field.kind {
                FieldKind::Select { options } => {
                    let fold = |s: &str| fold(s);
                    options
                        .iter()
                        .find(|o| fold(&o.label) == fold(v) || fold(&o.value) == fold(v))
                        .map(|o| serde_json::Value::String(o.value.clone()))
                }
                _ => Some(serde_json::Value::String(v.clone())),
            }
        };
        let (value, from) = match source {
            P::IdentityFullName => (text(&identity.full_name), "identity"),
            P::IdentityBirthDate => (text(&identity.birth_date), "identity"),
            P::IdentityPersonalId => (text(&identity.personal_id), "identity"),
            P::IdentityEmail => (text(&identity.email), "identity"),
            P::IdentityPhone => (text(&identity.phone), "identity"),
            population_source => {
                let Some(p) = population else { continue };
                let v = match population_source {
                    P::PopulationFullName => text(&p.full_name),
                    P::PopulationBirthDate => text(&p.birth_date),
                    P::PopulationSex => choice(&p.sex),
                    P::PopulationEthnicity => choice(&p.ethnicity),
                    P::PopulationNationality => choice(&p.nationality),
                    P::PopulationHometown => address(&p.hometown),
                    P::PopulationPermanentAddress => address(&p.permanent_address),
                    P::PopulationCurrentAddress => address(&p.current_address),
                    _ => None,
                };
                (v, "population")
            }
        };
        if let Some(value) = value {
            out.push(Prefilled {
                key: field.key.clone(),
                value,
                source: from.to_owned(),
                editable: field.editable_when_prefilled,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_national_person() {
        let c = serde_json::json!({
            "SoDinhDanh": "001090012345", "HoVaTen": {"Ho": "Nguyễn", "ChuDem": "Văn", "Ten": "An"},
            "GioiTinh": "1", "NgayThangNamSinh": "19900115", "DanToc": "Kinh", "QuocTich": "Việt Nam",
            "ThuongTru": {"MaTinhThanh": "38", "MaPhuongXa": "14797", "ChiTiet": "Số 12 phố Lê Hoàn"}
        });
        let p = PersonFacts::from_cong_dan(&c);
        assert_eq!(p.full_name.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(p.birth_date.as_deref(), Some("1990-01-15"));
        assert_eq!(p.sex.as_deref(), Some("Nam"));
        assert_eq!(
            p.permanent_address,
            Some(serde_json::json!({"province_code": "38", "commune_code": "14797", "detail": "Số 12 phố Lê Hoàn"}))
        );
        assert_eq!(p.current_address, None, "absent stays absent");
        let flat = PersonFacts::from_cong_dan(&serde_json::json!({"HoVaTen": "Phạm Thị Thu Trang", "GioiTinh": "9"}));
        assert_eq!(flat.full_name.as_deref(), Some("Phạm Thị Thu Trang"));
        assert_eq!(flat.sex, None);
    }

    #[test]
    fn prefills_by_kind_and_keeps_provenance() {
        use crate::domain::eform::{Choice, Field, FieldKind, FormSchema, Prefill};
        let mut name = Field::new("ho_ten", "Họ và tên", FieldKind::Text {});
        name.prefill = Some(Prefill::IdentityFullName);
        name.editable_when_prefilled = false;
        let mut sex = Field::new(
            "gioi_tinh",
            "Giới tính",
            FieldKind::Select { options: vec![Choice::new("nam", "Nam"), Choice::new("nu", "Nữ")] },
        );
        sex.prefill = Some(Prefill::PopulationSex);
        let mut home = Field::new("thuong_tru", "Nơi thường trú", FieldKind::Textarea {});
        home.prefill = Some(Prefill::PopulationPermanentAddress);
        let mut now = Field::new("noi_o", "Nơi ở hiện tại", FieldKind::Address {});
        now.prefill = Some(Prefill::PopulationCurrentAddress);
        let form =
            FormSchema { fields: vec![name, sex, home, now, Field::new("ghi_chu", "Ghi chú", FieldKind::Text {})] };
        let identity = IdentityFacts { full_name: Some("Phạm Thị Thu Trang".into()), ..Default::default() };
        let facts = PersonFacts {
            sex: Some("Nữ".into()),
            permanent_address: Some(
                serde_json::json!({"province_code": "38", "commune_code": "1", "detail": "Thôn Đông"}),
            ),
            ..Default::default()
        };
        let filled = prefill(&form, &identity, Some(&facts));
        let keys: Vec<(&str, &str)> = filled.iter().map(|p| (p.key.as_str(), p.source.as_str())).collect();
        assert_eq!(keys, [("ho_ten", "identity"), ("gioi_tinh", "population"), ("thuong_tru", "population")]);
        assert_eq!(filled[1].value, "nu", "a select gets the option's value");
        assert_eq!(filled[2].value, "Thôn Đông", "a text field gets the address detail");
        assert!(!filled[0].editable);
        // Without a population answer only the identity fills.
        assert_eq!(prefill(&form, &identity, None).len(), 1);
    }

    #[test]
    fn masks_personal_ids() {
        assert_eq!(mask("001090012345"), "001******345");
        assert_eq!(mask("12345"), "************");
    }
}
