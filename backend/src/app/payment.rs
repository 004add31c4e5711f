//! Paying fees online through the payment platform (PayGov, interop.md §4).
//!
//! 1. The citizen starts a payment for a dossier waiting for its fees: a `payment` row (pending) is committed
//!    first, then `INIT` is sent; the citizen is sent to the platform's `UrlThanhToan`.
//! 2. The platform calls back (signed). A valid "paid" callback completes the payment and, in the same
//!    transaction, records the payment on the dossier (`record_payment` by the payment platform: the clock
//!    resumes, `payment_state` = `paid_online`, national `DuocThanhToanTrucTuyen` "1"). A repeat is harmless:
//!    the payment is already complete and nothing changes.
//! 3. Callbacks get lost: [`reconcile_once`] `QUERY`s payments still pending after a while and completes them
//!    the same way, and fetches the e-receipt (`GET_BILL`) of paid payments that have none yet; the receipt
//!    is attached to the dossier (role `receipt`).

use std::time::Duration;

use base64::Engine;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Caller, SystemCaller, dossier};
use crate::{
    config::Config,
    domain::filetype,
    http::error::{ApiError, ErrorCode, FieldError},
    national::national_datetime,
    objects::LocalStore,
    platform::PlatformClient,
    store::audit,
};

pub const VERSION: &str = "1.0.6";

/// `MaXacThuc`: lowercase hex SHA-256 of the fields pipe-joined, then `|<secret>`.
pub fn mac(fields: &[&str], secret: &str) -> String {
    let mut text = fields.join("|");
    text.push('|');
    text.push_str(secret);
    crate::platform::sha256_hex(text.as_bytes())
}

/// Compares two strings in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct PaymentView {
    pub id: Uuid,
    pub dossier_id: Uuid,
    /// MaThamChieu (online payments).
    pub reference: Option<String>,
    /// VND.
    pub amount: i64,
    /// `online`, `cash` or `transfer`.
    pub method: String,
    /// `pending`, `paid` or `failed`.
    pub state: String,
    pub failure: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub paid_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub receipt_number: Option<String>,
    /// The e-receipt, an attachment of the dossier.
    pub receipt_attachment_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StartedPayment {
    pub payment: PaymentView,
    /// Where to send the payer (the payment platform's page).
    pub redirect_url: String,
}

const SELECT_PAYMENT: &str = "SELECT id, dossier_id, reference, amount, method, state, failure, paid_at, created_at,
        receipt_number, receipt_attachment_id FROM payment";

pub async fn find(db: &PgPool, id: Uuid) -> Result<Option<PaymentView>, ApiError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_PAYMENT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

pub async fn for_dossier(db: &PgPool, dossier_id: Uuid) -> Result<Vec<PaymentView>, ApiError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_PAYMENT} WHERE dossier_id = $1 ORDER BY created_at, id")))
        .bind(dossier_id)
        .fetch_all(db)
        .await?)
}

#[derive(sqlx::FromRow)]
struct Due {
    code: String,
    state: String,
    applicant_citizen_id: Option<Uuid>,
    fees_total: i64,
    payment_state: String,
    procedure_code: String,
    procedure_name: String,
    agency_name: String,
    agency_code: Option<String>,
    applicant: Value,
}

/// A citizen starts paying a dossier's fees online. The dossier must be theirs and waiting for its fees.
pub async fn start(
    db: &PgPool,
    platform: &PlatformClient,
    config: &Config,
    caller: &Caller,
    dossier_id: Uuid,
    ip: &str,
) -> Result<StartedPayment, ApiError> {
    let Caller::Citizen(citizen) = caller else {
        return Err(ApiError::new(ErrorCode::Forbidden, "the applicant pays online; clerks record cash and transfers"));
    };
    let due: Due = sqlx::query_as(
        "SELECT d.code, d.state, d.applicant_citizen_id, d.fees_total, d.payment_state, p.code AS procedure_code,
                pv.name AS procedure_name, a.name AS agency_name, d.applicant,
                (SELECT code FROM agency_code c WHERE c.agency_id = a.id AND c.kind = 'qd20' AND c.valid_to IS NULL
                  ORDER BY valid_from DESC LIMIT 1) AS agency_code
           FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id
           JOIN procedure p ON p.id = pv.procedure_id JOIN agency a ON a.id = d.agency_id
          WHERE d.id = $1",
    )
    .bind(dossier_id)
    .fetch_optional(db)
    .await?
    .filter(|d: &Due| d.applicant_citizen_id == Some(citizen.id))
    .ok_or(ApiError::Refused("dossier_not_visible"))?;
    if due.state != "payment_requested" || due.payment_state != "requested" {
        return Err(ApiError::new(ErrorCode::IllegalTransition, "this dossier is not waiting for a payment"));
    }
    if due.fees_total <= 0 {
        return Err(ApiError::new(ErrorCode::IllegalTransition, "this dossier has no fee to pay online"));
    }
    let now = OffsetDateTime::now_utc();
    let at = national_datetime(Some(now));
    let reference = format!("MC{at}{:06}", rand::random::<u32>() % 1_000_000);
    let payment_id: Uuid = sqlx::query_scalar(
        "INSERT INTO payment (dossier_id, reference, amount, method, state, started_by_kind, started_by)
         VALUES ($1, $2, $3, 'online', 'pending', 'citizen', $4) RETURNING id",
    )
    .bind(dossier_id)
    .bind(&reference)
    .bind(due.fees_total)
    .bind(citizen.id)
    .fetch_one(db)
    .await?;
    let amount = due.fees_total.to_string();
    let info = format!("Nop phi le phi ho so {}", due.code);
    let partner = config.paygov_partner.as_str();
    let fields = ["INIT", VERSION, partner, &reference, &amount, "PAY", "1", "1", "vi-VN", "VND", "", &info, &at, ip];
    let body = json!({
        "LoaiBanTin": "INIT",
        "PhienBan": VERSION,
        "MaDoiTac": partner,
        "MaThamChieu": reference,
        "SoTien": amount,
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",
        "MaThietBi": "1",
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "",
        "ThongTinGiaoDich": info,
        "ThoiGianGD": at,
        "Ip": ip,
        "ThongTinBienLai": {
            "MaHoSo": due.code,
            "MaTTHC": due.procedure_code,
            "TenTTHC": due.procedure_name,
            "MaDonVi": due.agency_code.unwrap_or_default(),
            "TenDonVi": due.agency_name,
            "HoTenNguoiNop": due.applicant.get("full_name").and_then(Value::as_str).unwrap_or_default(),
            "SoCMNDNguoiNop": due.applicant.get("personal_id").and_then(Value::as_str).unwrap_or_default(),
            "NoiDungThanhToan": format!("Nộp phí, lệ phí hồ sơ {}", due.code),
        },
        "MaXacThuc": mac(&fields, config.paygov_secret.expose()),
    });
    let failed = |why: String| async move {
        sqlx::query("UPDATE payment SET state = 'failed', failure = $2, updated_at = now() WHERE id = $1")
            .bind(payment_id)
            .bind(&why)
            .execute(db)
            .await?;
        tracing::warn!(%payment_id, why, "payment could not be started");
        Err::<StartedPayment, ApiError>(
            ApiError::new(
                ErrorCode::ServiceUnavailable,
                "the payment platform cannot take the payment now; nothing was charged, try again later",
            )
            .with_retry_after(60),
        )
    };
    let answer = match platform.post("/paygov/giao-dich", &body, Some(&reference)).await {
        Ok(a) if a.status == 200 => a.json::<Value>().unwrap_or(Value::Null),
        Ok(a) => return failed(format!("HTTP {}", a.status)).await,
        Err(e) => return failed(e.code().to_owned()).await,
    };
    let url = answer.get("UrlThanhToan").and_then(Value::as_str).filter(|u| u.starts_with("http"));
    let (Some("00"), Some(url)) = (answer.get("MaLoi").and_then(Value::as_str), url) else {
        let code = answer.get("MaLoi").and_then(Value::as_str).unwrap_or("?");
        let text = answer.get("MoTa").and_then(Value::as_str).unwrap_or("");
        return failed(format!("INIT refused: MaLoi {code} {text}")).await;
    };
    let payment = find(db, payment_id).await?.ok_or_else(ApiError::not_found)?;
    Ok(StartedPayment { payment, redirect_url: url.to_owned() })
}

/// How a payment ended, as the platform says.
pub enum Outcome {
    Paid { transaction_id: String, bank: String },
    Failed(String),
}

/// Completes a pending payment; for a paid one, records the payment on the dossier in the same transaction.
/// Answers whether anything changed (a repeat changes nothing).
pub async fn complete(db: &PgPool, reference: &str, outcome: Outcome) -> Result<bool, ApiError> {
    let mut tx = db.begin().await?;
    let row: Option<(Uuid, Uuid, String)> =
        sqlx::query_as("SELECT id, dossier_id, state FROM payment WHERE reference = $1 FOR UPDATE")
            .bind(reference)
            .fetch_optional(&mut *tx)
            .await?;
    let (payment_id, dossier_id, state) = row.ok_or_else(ApiError::not_found)?;
    if state != "pending" {
        return Ok(false);
    }
    match outcome {
        Outcome::Failed(why) => {
            sqlx::query("UPDATE payment SET state = 'failed', failure = $2, updated_at = now() WHERE id = $1")
                .bind(payment_id)
                .bind(why)
                .execute(&mut *tx)
                .await?;
        }
        Outcome::Paid { transaction_id, bank } => {
            sqlx::query(
                "UPDATE payment SET state = 'paid', paid_at = now(), transaction_id = $2, bank = $3, updated_at = now()
                  WHERE id = $1",
            )
            .bind(payment_id)
            .bind(&transaction_id)
            .bind(&bank)
            .execute(&mut *tx)
            .await?;
            let (version, dossier_state): (i32, String) =
                sqlx::query_as("SELECT version, state FROM dossier WHERE id = $1 FOR UPDATE")
                    .bind(dossier_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if dossier_state == "payment_requested" {
                let req: dossier::ActionRequest = serde_json::from_value(json!({
                    "action": "record_payment",
                    "expected_version": version,
                    "payment_method": "online",
                    "note": format!("Thanh toán trực tuyến, mã giao dịch {transaction_id}"),
                }))
                .map_err(|e| ApiError::Internal(e.into()))?;
                dossier::act(&mut tx, &Caller::System(SystemCaller::PAYGOV), dossier_id, &req, None).await?;
            } else {
                // Paid after the clerk recorded another payment or the dossier ended: money to give back.
                tracing::warn!(%payment_id, %dossier_id, dossier_state, "online payment arrived for a dossier not waiting for one");
                audit::append(
                    &mut tx,
                    &audit::Entry {
                        actor_kind: audit::ActorKind::Machine,
                        actor_id: Some(SystemCaller::PAYGOV.id),
                        action: "payment.paid_when_not_due",
                        object_kind: Some("dossier"),
                        object_id: Some(&dossier_id.to_string()),
                        details: json!({"payment_id": payment_id, "dossier_state": dossier_state}),
                    },
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// Why a callback was refused.
fn refusal(field: &str, code: &str, message: &str, status: ErrorCode) -> ApiError {
    ApiError::Client {
        code: status,
        message: message.to_owned(),
        details: vec![FieldError::new(field, code, message)],
        retry_after_secs: None,
    }
}

/// The payment platform's callback: checked (signature in constant time, known reference, same amount),
/// then applied. Refusals are audited. Answers the platform's acknowledgement.
pub async fn callback(db: &PgPool, config: &Config, body: &Value) -> Result<Value, ApiError> {
    const FIELDS: [&str; 10] = [
        "LoaiBanTin",
        "MaLoi",
        "MaDoiTac",
        "MaThamChieu",
        "SoTien",
        "MaTienTe",
        "MaGiaoDich",
        "MaNganHang",
        "ThoiGianGD",
        "ThongTinGiaoDich",
    ];
    let s = |k: &str| body.get(k).and_then(Value::as_str);
    let reference = s("MaThamChieu").unwrap_or_default().to_owned();
    let checked = async {
        let mut missing: Vec<FieldError> = FIELDS
            .iter()
            .chain(["MaXacThuc"].iter())
            .filter(|k| s(k).is_none())
            .map(|k| FieldError::new(format!("body.{k}"), "required", "a string"))
            .collect();
        if !missing.is_empty() {
            missing.truncate(20);
            return Err(ApiError::validation(missing));
        }
        let values: Vec<&str> = FIELDS.iter().map(|k| s(k).unwrap_or_default()).collect();
        let expected = mac(&values, config.paygov_secret.expose());
        if !same(&expected, s("MaXacThuc").unwrap_or_default()) {
            return Err(refusal(
                "body.MaXacThuc",
                "bad_signature",
                "the signature does not match",
                ErrorCode::Unauthenticated,
            ));
        }
        if s("LoaiBanTin") != Some("CALLBACK") || s("MaDoiTac") != Some(config.paygov_partner.as_str()) {
            return Err(refusal(
                "body.MaDoiTac",
                "unknown_partner",
                "not our partner code",
                ErrorCode::ValidationFailed,
            ));
        }
        let amount: Option<i64> = sqlx::query_scalar("SELECT amount FROM payment WHERE reference = $1")
            .bind(&reference)
            .fetch_optional(db)
            .await?;
        let Some(amount) = amount else {
            return Err(refusal("body.MaThamChieu", "unknown", "no such payment", ErrorCode::ValidationFailed));
        };
        if s("SoTien") != Some(amount.to_string().as_str()) || s("MaTienTe") != Some("VND") {
            return Err(refusal(
                "body.SoTien",
                "amount_mismatch",
                "not the amount asked for",
                ErrorCode::ValidationFailed,
            ));
        }
        Ok(())
    }
    .await;
    if let Err(e) = checked {
        let reason = match &e {
            ApiError::Client { details, .. } => details.first().map(|d| d.code.clone()).unwrap_or_default(),
            _ => "error".to_owned(),
        };
        tracing::warn!(reason, reference, "payment callback refused");
        let entry = audit::Entry {
            actor_kind: audit::ActorKind::Machine,
            actor_id: Some(SystemCaller::PAYGOV.id),
            action: "payment.callback_refused",
            object_kind: Some("payment"),
            object_id: None,
            details: json!({"reason": reason, "reference": reference}),
        };
        if let Err(err) = audit::append_alone(db, &entry).await {
            tracing::error!(error = %err, "cannot audit a refused payment callback");
        }
        return Err(e);
    }
    let outcome = if s("MaLoi") == Some("00") {
        Outcome::Paid {
            transaction_id: s("MaGiaoDich").unwrap_or_default().to_owned(),
            bank: s("MaNganHang").unwrap_or_default().to_owned(),
        }
    } else {
        Outcome::Failed(format!("MaLoi {}", s("MaLoi").unwrap_or_default()))
    };
    let changed = complete(db, &reference, outcome).await?;
    Ok(json!({"MaLoi": "00", "MoTa": if changed { "Đã ghi nhận" } else { "Đã ghi nhận trước đó" }}))
}

fn signed_request(kind: &str, reference: &str, config: &Config) -> Value {
    let at = national_datetime(Some(OffsetDateTime::now_utc()));
    let partner = config.paygov_partner.as_str();
    let mac = mac(&[kind, VERSION, partner, reference, &at], config.paygov_secret.expose());
    json!({"LoaiBanTin": kind, "PhienBan": VERSION, "MaDoiTac": partner, "MaThamChieu": reference,
           "ThoiGianGD": at, "MaXacThuc": mac})
}

/// Fetches and attaches the e-receipt of a paid payment. Answers whether it is attached now.
pub async fn fetch_receipt(
    db: &PgPool,
    objects: &LocalStore,
    platform: &PlatformClient,
    config: &Config,
    payment_id: Uuid,
    reference: &str,
) -> Result<bool, ApiError> {
    let body = signed_request("GET_BILL", reference, config);
    let Ok(answer) = platform.post("/paygov/giao-dich", &body, Some(reference)).await else { return Ok(false) };
    let Ok(v) = answer.json::<Value>() else { return Ok(false) };
    if answer.status != 200 || v.get("MaLoi").and_then(Value::as_str) != Some("00") {
        return Ok(false);
    }
    let bytes = v
        .get("NoiDung")
        .and_then(Value::as_str)
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_default();
    let Ok(kind) = filetype::inspect(&bytes) else {
        tracing::warn!(reference, "the payment platform's e-receipt is not a file we accept");
        return Ok(false);
    };
    let number = v.get("SoBienLai").and_then(Value::as_str).unwrap_or_default().to_owned();
    let name = filetype::safe_file_name(v.get("TenTep").and_then(Value::as_str).unwrap_or_default())
        .unwrap_or_else(|_| format!("bien-lai-{reference}.{}", kind.extension()));
    let stored = objects.put(&bytes).await.map_err(|e| ApiError::Internal(e.into()))?;
    let mut tx = db.begin().await?;
    let dossier_id: Option<Uuid> =
        sqlx::query_scalar("SELECT dossier_id FROM payment WHERE id = $1 AND receipt_attachment_id IS NULL FOR UPDATE")
            .bind(payment_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(dossier_id) = dossier_id else { return Ok(true) };
    let attachment: Uuid = sqlx::query_scalar(
        "INSERT INTO attachment (dossier_id, role, component_code, file_name, kind, size, sha256, object_key, added_by_kind)
         VALUES ($1, 'receipt', NULL, $2, $3, $4, $5, $6, 'system') RETURNING id",
    )
    .bind(dossier_id)
    .bind(&name)
    .bind(kind.as_str())
    .bind(stored.size as i64)
    .bind(stored.sha256.as_slice())
    .bind(&stored.key)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE payment SET receipt_attachment_id = $2, receipt_number = $3, updated_at = now() WHERE id = $1")
        .bind(payment_id)
        .bind(attachment)
        .bind(&number)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReconcileReport {
    /// Pending payments QUERYed.
    pub queried: u32,
    /// Of those, found paid (their callback was lost) and completed.
    pub paid: u32,
    pub failed: u32,
    /// E-receipts fetched and attached.
    pub receipts: u32,
}

/// One pass of the payment reconciliation: QUERY the payments pending longer than
/// `MOTCUA_PAYMENT_QUERY_SECS` (claimed with `SKIP LOCKED`, so instances share the work), and fetch missing
/// e-receipts.
pub async fn reconcile_once(
    db: &PgPool,
    objects: &LocalStore,
    platform: &PlatformClient,
    config: &Config,
) -> Result<ReconcileReport, ApiError> {
    let mut report = ReconcileReport::default();
    let after = config.payment_query_after.as_secs_f64();
    let claimed: Vec<(Uuid, String, String)> = sqlx::query_as(
        "UPDATE payment SET last_query_at = now() WHERE id IN (
            SELECT id FROM payment
             WHERE method = 'online' AND (
                   (state = 'pending' AND created_at <= now() - make_interval(secs => $1))
                OR (state = 'paid' AND receipt_attachment_id IS NULL))
               AND (last_query_at IS NULL OR last_query_at <= now() - make_interval(secs => $1))
             ORDER BY created_at LIMIT 50 FOR UPDATE SKIP LOCKED)
         RETURNING id, reference, state",
    )
    .bind(after)
    .fetch_all(db)
    .await?;
    for (id, reference, state) in claimed {
        if state == "paid" {
            if fetch_receipt(db, objects, platform, config, id, &reference).await? {
                report.receipts += 1;
            }
            continue;
        }
        report.queried += 1;
        let body = signed_request("QUERY", &reference, config);
        let Ok(answer) = platform.post("/paygov/giao-dich", &body, Some(&reference)).await else { continue };
        let Ok(v) = answer.json::<Value>() else { continue };
        if v.get("MaLoi").and_then(Value::as_str) != Some("00") {
            continue;
        }
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        match v.get("TrangThaiGD").and_then(Value::as_str) {
            Some("1") => {
                let outcome = Outcome::Paid { transaction_id: s("MaGiaoDich"), bank: s("MaNganHang") };
                if complete(db, &reference, outcome).await? {
                    report.paid += 1;
                    if fetch_receipt(db, objects, platform, config, id, &reference).await? {
                        report.receipts += 1;
                    }
                }
            }
            Some("2") if complete(db, &reference, Outcome::Failed("QUERY: failed".into())).await? => {
                report.failed += 1;
            }
            _ => {}
        }
    }
    Ok(report)
}

/// The loop `serve` runs: a reconciliation pass every 30 seconds.
pub async fn run(
    db: PgPool,
    objects: std::sync::Arc<LocalStore>,
    platform: std::sync::Arc<PlatformClient>,
    config: std::sync::Arc<Config>,
) {
    loop {
        tokio::time::sleep(Duration::from_secs(30)).await;
        match reconcile_once(&db, &objects, &platform, &config).await {
            Ok(r) if r != ReconcileReport::default() => tracing::info!(?r, "payment reconciliation"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = ?e, "payment reconciliation failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_sha256_of_the_pipe_joined_fields_and_secret() {
        // echo -n 'QUERY|1.0.6|MOTCUA|MC1|20261123100000|s' | sha256sum
        let expected = crate::platform::sha256_hex(b"QUERY|1.0.6|MOTCUA|MC1|20261123100000|s");
        assert_eq!(mac(&["QUERY", VERSION, "MOTCUA", "MC1", "20261123100000"], "s"), expected);
        assert!(same(&expected, &expected.clone()));
        assert!(!same(&expected, &expected[1..]));
        assert!(!same("abc", "abd"));
    }
}
