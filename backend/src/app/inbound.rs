//! Dossiers filed on the National Public Service Portal and sent to us (interop.md §5,
//! `POST /api/v1/national/dossiers`).
//!
//! Idempotent on `MaHoSo`: the first answer is stored with the dossier in one transaction, under an
//! advisory lock on the code, and every repeat (sequential or concurrent) gets that same answer. A received
//! dossier is an online dossier like any other: state `submitted` (national status 1) at the receiving
//! agency's one-stop desk, with the portal's `MaHoSo` as its code, waiting for a clerk to accept it.

use base64::Engine;
use serde_json::{Value, json};
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    Caller, SystemCaller,
    dossier::{self, InlineFile, NewDossier, Person},
};
use crate::{
    domain::{calendar::to_local, filetype, lifecycle::Action},
    http::error::{ApiError, ErrorCode, FieldError},
    objects::LocalStore,
};

/// What a sent dossier becomes once checked: everything but the file bytes, which are stored first.
struct Checked {
    code: String,
    procedure_version_id: Uuid,
    procedure: crate::domain::catalogue::Procedure,
    agency_id: Uuid,
    applicant: Person,
    owner: Option<Person>,
    form: serde_json::Map<String, Value>,
    files: Vec<(String, String, Vec<u8>, filetype::FileKind)>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// A `MaHoSo` we can keep as a dossier code: 1–60 characters of letters, digits and `. - _ /`.
fn valid_code(code: &str) -> bool {
    (1..=60).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_/".contains(&b))
}

/// `yyyyMMdd` → `yyyy-mm-dd`.
fn birth_date(s: &str) -> Option<String> {
    let fmt = time::macros::format_description!("[year][month][day]");
    time::Date::parse(s, fmt).ok().map(|d| d.to_string())
}

/// Takes a sent dossier's code from the body; the rest is checked inside the transaction.
pub fn code_of(body: &Value) -> Result<String, ApiError> {
    match body.get("MaHoSo") {
        Some(Value::String(c)) if valid_code(c.trim()) => Ok(c.trim().to_owned()),
        Some(Value::String(_)) => Err(ApiError::field(
            "body.MaHoSo",
            "invalid_format",
            "1 to 60 letters, digits, dots, dashes, underscores or slashes",
        )),
        Some(_) => Err(ApiError::field("body.MaHoSo", "invalid_type", "must be a string")),
        None => Err(ApiError::field("body.MaHoSo", "required", "the portal's dossier code")),
    }
}

/// The answer already given for this code, if the dossier was received before; the repeat is counted.
pub async fn previous_answer(tx: &mut Transaction<'_, Postgres>, code: &str) -> Result<Option<Value>, ApiError> {
    // Concurrent sends of one dossier queue here; the first commits, the others then find its answer.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('national_submission:' || $1, 0))")
        .bind(code)
        .execute(&mut **tx)
        .await?;
    let answer: Option<Value> =
        sqlx::query_scalar("UPDATE national_submission SET repeats = repeats + 1 WHERE ma_ho_so = $1 RETURNING answer")
            .bind(code)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(answer)
}

async fn check(
    tx: &mut Transaction<'static, Postgres>,
    body: &Value,
    code: String,
    upload_limit: usize,
) -> Result<Checked, ApiError> {
    let mut problems = Vec::new();
    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM dossier WHERE code = $1)")
        .bind(&code)
        .fetch_one(&mut **tx)
        .await?;
    if taken {
        return Err(ApiError::field("body.MaHoSo", "conflict", "a dossier of this system already has this code"));
    }
    let procedure_code = text(body, "MaTTHC").unwrap_or_default();
    let (version_id, procedure) = match dossier::load_procedure(tx, procedure_code).await {
        Ok(p) => p,
        Err(ApiError::Client { .. }) => {
            return Err(ApiError::field("body.MaTTHC", "unknown", "no such procedure in this system's catalogue"));
        }
        Err(e) => return Err(e),
    };
    if text(body, "TrangThaiHoSo") != Some("1") {
        problems.push(FieldError::new("body.TrangThaiHoSo", "invalid", "a newly filed dossier has status \"1\""));
    }
    if text(body, "KenhThucHien").is_some_and(|k| k != "2") {
        problems.push(FieldError::new(
            "body.KenhThucHien",
            "invalid",
            "dossiers from the portal are filed online: \"2\"",
        ));
    }
    if matches!(procedure.online_level, crate::domain::catalogue::OnlineLevel::None) {
        problems.push(FieldError::new("body.MaTTHC", "not_online", "this procedure cannot be filed online"));
    }

    // The agency: the one the procedure names, else the one the portal names in DonViXuLy (code or name).
    let agency_id = match dossier::named_competent_agency(tx, &procedure).await? {
        Some(a) => Some(a),
        None => match text(body, "DonViXuLy") {
            Some(unit) => {
                sqlx::query_scalar(
                    "SELECT a.id FROM agency a
                  WHERE a.name = $1 OR EXISTS (SELECT 1 FROM agency_code c
                                                WHERE c.agency_id = a.id AND c.code = $1 AND c.valid_to IS NULL)
                  ORDER BY a.id LIMIT 1",
                )
                .bind(unit)
                .fetch_optional(&mut **tx)
                .await?
            }
            None => None,
        },
    };
    let agency_id = match agency_id {
        Some(a) => {
            let info = dossier::agency_info(tx, a).await?.ok_or_else(ApiError::not_found)?;
            if !dossier::competent(&procedure, &info) {
                problems.push(FieldError::new(
                    "body.DonViXuLy",
                    "not_competent",
                    "this agency does not handle this procedure",
                ));
            }
            a
        }
        None => {
            problems.push(FieldError::new(
                "body.DonViXuLy",
                "unknown",
                "name the receiving agency (its code or its name in this system)",
            ));
            Uuid::nil()
        }
    };

    let today = to_local(OffsetDateTime::now_utc()).date();
    let Parsed { applicant, owner, form, files } = parse(body, &procedure, upload_limit, today, &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    Ok(Checked { code, procedure_version_id: version_id, procedure, agency_id, applicant, owner, form, files })
}

/// The parts of a sent dossier that are checked without the database.
struct Parsed {
    applicant: Person,
    owner: Option<Person>,
    form: serde_json::Map<String, Value>,
    files: Vec<(String, String, Vec<u8>, filetype::FileKind)>,
}

/// The checks of a sent dossier that need no database, against its procedure: the person filing, the owner,
/// the e-form answers and the files (decoded, size-checked, typed from their bytes). Every problem, by
/// national field name, in the order [`receive`] reports them after its own. For the fuzz targets (`fuzz/`).
pub fn offline_problems(
    body: &Value,
    procedure: &crate::domain::catalogue::Procedure,
    upload_limit: usize,
    today: time::Date,
) -> Vec<FieldError> {
    let mut problems = Vec::new();
    parse(body, procedure, upload_limit, today, &mut problems);
    problems
}

fn parse(
    body: &Value,
    procedure: &crate::domain::catalogue::Procedure,
    upload_limit: usize,
    today: time::Date,
    problems: &mut Vec<FieldError>,
) -> Parsed {
    // The person filing (ThongTinNguoiNop) and the owner (ChuHoSo) when someone else.
    let filer = body.get("ThongTinNguoiNop").cloned().unwrap_or(Value::Null);
    if !filer.is_object() {
        problems.push(FieldError::new("body.ThongTinNguoiNop", "required", "the person filing"));
    }
    let birth = text(&filer, "NgayThangNamSinh");
    if birth.is_some_and(|b| birth_date(b).is_none()) {
        problems.push(FieldError::new("body.ThongTinNguoiNop.NgayThangNamSinh", "invalid_date", "must be yyyyMMdd"));
    }
    let applicant = Person {
        full_name: text(&filer, "HoVaTen").unwrap_or_default().to_owned(),
        personal_id: text(&filer, "SoDinhDanh").map(str::to_owned),
        tax_code: None,
        birth_date: birth.and_then(birth_date),
        address: text(&filer, "DiaChi").map(str::to_owned),
        phone: text(&filer, "SoDienThoai").or(text(body, "SoDienThoai")).map(str::to_owned),
        email: text(&filer, "Email").or(text(body, "Email")).map(str::to_owned),
    };
    let mut person_problems = Vec::new();
    let applicant = dossier::validate_person(&applicant, "body.ThongTinNguoiNop", &mut person_problems);
    let owner_name = text(body, "ChuHoSo").map(dossier::nfc);
    let owner = match owner_name {
        Some(name) if name != applicant.full_name => {
            let owner = Person {
                full_name: name,
                personal_id: text(body, "SoGiayToChuHoSo").map(str::to_owned),
                tax_code: None,
                birth_date: None,
                address: None,
                phone: None,
                email: None,
            };
            let mut owner_problems = Vec::new();
            let owner = dossier::validate_person(&owner, "body.ChuHoSo", &mut owner_problems);
            person_problems.extend(owner_problems);
            Some(owner)
        }
        _ => None,
    };
    // The national field names, not ours, in what the portal reads back.
    problems.extend(person_problems.into_iter().map(|mut p| {
        p.field = p
            .field
            .replace(".full_name", ".HoVaTen")
            .replace(".personal_id", ".SoDinhDanh")
            .replace("body.ChuHoSo.HoVaTen", "body.ChuHoSo")
            .replace("body.ChuHoSo.SoDinhDanh", "body.SoGiayToChuHoSo")
            .replace(".address", ".DiaChi")
            .replace(".phone", ".SoDienThoai")
            .replace(".email", ".Email");
        p
    }));

    // The e-form answers.
    let answers = body.get("DuLieuBieuMau").cloned().unwrap_or_else(|| json!({}));
    let form = match procedure.form.validate_answers(&answers, today) {
        Ok(f) => f,
        Err(p) => {
            problems.extend(dossier::form_problems(p).into_iter().map(|mut e| {
                e.field = e.field.replacen("body.form", "body.DuLieuBieuMau", 1);
                e
            }));
            serde_json::Map::new()
        }
    };

    // The files: decoded, size-checked, typed from their bytes (LoaiNoiDung must agree).
    let mut files = Vec::new();
    let sent = match body.get("TepDinhKem") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            problems.push(FieldError::new("body.TepDinhKem", "invalid_type", "must be a list"));
            vec![]
        }
    };
    for (i, f) in sent.iter().enumerate() {
        let at = format!("body.TepDinhKem[{i}]");
        let component = text(f, "MaThanhPhanHoSo").unwrap_or_default().to_owned();
        if !procedure.components.iter().any(|c| c.code == component) {
            problems.push(FieldError::new(
                format!("{at}.MaThanhPhanHoSo"),
                "unknown",
                "no such component in the procedure",
            ));
        }
        let name = match filetype::safe_file_name(text(f, "TenTepDinhKem").unwrap_or_default()) {
            Ok(n) => n,
            Err(p) => {
                problems.push(FieldError::new(format!("{at}.TenTepDinhKem"), p.code(), p.message()));
                continue;
            }
        };
        let encoded = text(f, "NoiDung").unwrap_or_default();
        // Base64 is 4/3 of the bytes: refuse before decoding what is clearly too big.
        if encoded.len() / 4 * 3 > upload_limit + 3 {
            problems.push(FieldError::new(
                format!("{at}.NoiDung"),
                "too_large",
                format!("at most {upload_limit} bytes"),
            ));
            continue;
        }
        let bytes = match base64::engine::general_purpose::STANDARD.decode(encoded) {
            Ok(b) if b.is_empty() => {
                problems.push(FieldError::new(format!("{at}.NoiDung"), "required", "the file is empty"));
                continue;
            }
            Ok(b) if b.len() > upload_limit => {
                problems.push(FieldError::new(
                    format!("{at}.NoiDung"),
                    "too_large",
                    format!("at most {upload_limit} bytes"),
                ));
                continue;
            }
            Ok(b) => b,
            Err(_) => {
                problems.push(FieldError::new(format!("{at}.NoiDung"), "invalid_base64", "must be standard base64"));
                continue;
            }
        };
        let kind = match filetype::inspect(&bytes) {
            Ok(k) => k,
            Err(p) => {
                problems.push(FieldError::new(format!("{at}.NoiDung"), p.code(), p.message()));
                continue;
            }
        };
        if let Some(declared) = text(f, "LoaiNoiDung")
            && !declared.eq_ignore_ascii_case(kind.mime())
        {
            problems.push(FieldError::new(
                format!("{at}.LoaiNoiDung"),
                "type_mismatch",
                format!("the bytes are {}", kind.mime()),
            ));
        }
        files.push((component, name, bytes, kind));
    }
    for c in procedure.components.iter().filter(|c| c.mandatory) {
        if !files.iter().any(|f| f.0 == c.code) {
            problems.push(FieldError::new(
                format!("body.TepDinhKem.{}", c.code),
                "required",
                format!("attach: {}", c.name),
            ));
        }
    }
    Parsed { applicant, owner, form, files }
}

/// Receives a dossier filed on the national portal (the caller has taken [`previous_answer`] first).
/// Returns the answer to give, now and to every repeat.
pub async fn receive(
    tx: &mut Transaction<'static, Postgres>,
    objects: &LocalStore,
    upload_limit: usize,
    body: &Value,
    code: String,
) -> Result<Value, ApiError> {
    let checked = check(tx, body, code, upload_limit).await?;
    let mut files = Vec::new();
    for (component_code, file_name, bytes, kind) in checked.files {
        let object = objects.put(&bytes).await.map_err(|e| {
            tracing::error!(error = %e, "attachment store failed");
            ApiError::new(ErrorCode::ServiceUnavailable, "the file store is unavailable; nothing was saved")
                .with_retry_after(30)
        })?;
        files.push(InlineFile { component_code, file_name, kind: kind.as_str().to_owned(), object });
    }
    let receiving_id = dossier::receiving_agency(tx, &checked.procedure, checked.agency_id).await?;
    let receiving = dossier::agency_info(tx, receiving_id).await?.ok_or_else(ApiError::not_found)?;
    // The citizen who signed in to the portal with the same eID is the dossier's applicant here too: they
    // follow it in this system's portal.
    let citizen_id: Option<Uuid> = match &checked.applicant.personal_id {
        Some(pid) => {
            sqlx::query_scalar("SELECT id FROM citizen WHERE personal_id = $1")
                .bind(pid)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    let name = SystemCaller::NATIONAL_PORTAL.name;
    let id = dossier::insert_dossier(
        tx,
        &Caller::System(SystemCaller::NATIONAL_PORTAL),
        name,
        NewDossier {
            code: Some(checked.code.clone()),
            action: Action::ReceiveFromPortal,
            procedure_version_id: checked.procedure_version_id,
            procedure: &checked.procedure,
            agency_id: checked.agency_id,
            receiving_id,
            receiving: &receiving,
            channel: 2,
            source: "national_portal",
            citizen_id,
            applicant: checked.applicant,
            owner: checked.owner,
            form: checked.form,
            received: false,
            // The portal verified its own account holder; this system has not asked the population database.
            population_verified: false,
            attachments: &[],
            files,
        },
    )
    .await?;
    let answer = json!({"MaHoSo": checked.code, "TrangThaiHoSo": "1"});
    let digest = crate::platform::sha256_hex(&serde_json::to_vec(body).unwrap_or_default());
    sqlx::query(
        "INSERT INTO national_submission (ma_ho_so, dossier_id, request_sha256, answer) VALUES ($1, $2, $3, $4)",
    )
    .bind(&checked.code)
    .bind(id)
    .bind(digest)
    .bind(&answer)
    .execute(&mut **tx)
    .await?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_before_anything_else() {
        assert_eq!(code_of(&json!({"MaHoSo": " G22.99-261123-0001 "})).ok().as_deref(), Some("G22.99-261123-0001"));
        for bad in [json!({}), json!({"MaHoSo": 12}), json!({"MaHoSo": ""}), json!({"MaHoSo": "a b"})] {
            assert!(code_of(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn birth_dates_are_national_format() {
        assert_eq!(birth_date("19900115").as_deref(), Some("1990-01-15"));
        assert_eq!(birth_date("1990-01-15"), None);
        assert_eq!(birth_date("19901315"), None);
    }
}
