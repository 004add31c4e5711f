//! Messages to the national portal (interop.md §3), written to the outbox in the transaction of the change.
//!
//! Every dossier change produces a `DongBoHoSoMC` (the whole `HoSo`, `isUpdating` "False" the first time,
//! "True" afterwards) and a `CapNhatTienDoHoSoMC` (the processing step). Payloads are built from the dossier
//! as it stands inside the transaction, so each row is the snapshot of its own step.

use serde_json::{Value, json};
use sqlx::{PgConnection, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::national_datetime;
use crate::{
    domain::{
        catalogue::{FeeKind, Procedure},
        lifecycle::{Action, State},
    },
    http::error::ApiError,
};

/// What one processing step says (`TienDo`).
pub struct Progress<'a> {
    pub action: Action,
    pub to: State,
    pub actor_name: &'a str,
    /// The actor's title (chức danh), or `Công dân`.
    pub actor_title: &'a str,
    pub unit: Option<Uuid>,
    pub note: Option<&'a str>,
    pub at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct Snapshot {
    code: String,
    document: Value,
    channel: i16,
    state: String,
    applicant: Value,
    owner: Option<Value>,
    tech_id: Option<String>,
    account_type: Option<i16>,
    verified: bool,
    agency_name: String,
    submitted_at: OffsetDateTime,
    received_at: Option<OffsetDateTime>,
    due_at: Option<OffsetDateTime>,
    finished_at: Option<OffsetDateTime>,
    returned_at: Option<OffsetDateTime>,
    payment_state: String,
}

/// In Vietnamese, what an action did (NoiDungXuLy).
fn describe(action: Action) -> &'static str {
    match action {
        Action::Submit => "Công dân nộp hồ sơ trực tuyến",
        Action::ReceiveFromPortal => "Tiếp nhận hồ sơ từ Cổng Dịch vụ công quốc gia",
        Action::ReceiveAtCounter => "Tiếp nhận hồ sơ tại Bộ phận Một cửa",
        Action::Accept => "Tiếp nhận hồ sơ trực tuyến",
        Action::RequestSupplement => "Yêu cầu bổ sung, hoàn thiện hồ sơ",
        Action::ReceiveSupplement => "Tiếp nhận hồ sơ bổ sung",
        Action::Refuse => "Từ chối tiếp nhận, giải quyết hồ sơ",
        Action::HandOver => "Chuyển xử lý",
        Action::SendBack => "Trả lại bước trước",
        Action::SubmitForApproval => "Trình phê duyệt",
        Action::Approve => "Phê duyệt kết quả",
        Action::RequestPayment => "Yêu cầu thực hiện nghĩa vụ tài chính",
        Action::RecordPayment => "Ghi nhận đã nộp phí, lệ phí",
        Action::IssueResult => "Ban hành kết quả",
        Action::ReturnResult => "Trả kết quả",
        Action::Withdraw => "Công dân rút hồ sơ",
        Action::Stop => "Dừng giải quyết hồ sơ",
        Action::Apologise => "Xin lỗi và hẹn lại ngày trả kết quả",
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// The dossier as the national `HoSo` (interop.md §3), as it stands in `conn`'s view; `note` is its `GhiChu`.
///
/// File links (`DuongDanTaiTepTin`) are paths on this service; [`absolute_links`] resolves them against
/// `MOTCUA_PUBLIC_URL` when they leave, so a stored snapshot does not depend on where it was written.
pub async fn ho_so(conn: &mut PgConnection, dossier_id: Uuid, note: Option<&str>) -> Result<Value, ApiError> {
    let s: Snapshot = sqlx::query_as(
        "SELECT d.code, pv.document, d.channel, d.state, d.applicant, d.owner, c.tech_id, c.account_type,
                (c.verified_at IS NOT NULL) AS verified, a.name AS agency_name, d.submitted_at, d.received_at,
                COALESCE(d.due_at, d.paused_due_at) AS due_at, d.finished_at, d.returned_at, d.payment_state
           FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id JOIN agency a ON a.id = d.agency_id
           LEFT JOIN citizen c ON c.id = d.applicant_citizen_id
          WHERE d.id = $1",
    )
    .bind(dossier_id)
    .fetch_one(&mut *conn)
    .await?;
    let procedure: Procedure = serde_json::from_value(s.document.clone())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored procedure document unreadable: {e}")))?;
    let state = State::parse(&s.state).ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown state")))?;
    let files: Vec<(Uuid, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, role, file_name, component_code FROM attachment WHERE dossier_id = $1 ORDER BY added_at, id",
    )
    .bind(dossier_id)
    .fetch_all(&mut *conn)
    .await?;
    let supplements: Vec<(i32, String, Option<String>, OffsetDateTime)> = sqlx::query_as(
        "SELECT seq, action, reason, at FROM dossier_action
          WHERE dossier_id = $1 AND action IN ('request_supplement', 'receive_supplement') ORDER BY seq",
    )
    .bind(dossier_id)
    .fetch_all(&mut *conn)
    .await?;

    let holder = s.owner.as_ref().unwrap_or(&s.applicant);
    let summary: String = format!("{} — {}", procedure.name, text(holder, "full_name")).chars().take(1000).collect();
    let files_of = |role: &'static str| files.iter().filter(move |f| f.1 == role);
    let link = |id: &Uuid| format!("/api/v1/dossiers/{dossier_id}/attachments/{id}");
    let ho_so = json!({
        "MaHoSo": s.code,
        "MaTTHC": procedure.code,
        "TenTTHC": procedure.name,
        "MaLinhVuc": procedure.field.code,
        "TenLinhVuc": procedure.field.name,
        "KenhThucHien": s.channel.to_string(),
        "ChuHoSo": text(holder, "full_name"),
        "LoaiDoiTuong": if s.account_type == Some(2) { "2" } else { "1" },
        "MaDoiTuong": s.tech_id.clone().unwrap_or_default(),
        "SoGiayToChuHoSo": holder.get("personal_id").or(holder.get("tax_code")).and_then(Value::as_str).unwrap_or_default(),
        "Email": text(&s.applicant, "email"),
        "SoDienThoai": text(&s.applicant, "phone"),
        "TrichYeuHoSo": summary,
        "NgayNopHoSo": national_datetime(Some(s.submitted_at)),
        "NgayTiepNhan": national_datetime(s.received_at),
        "NgayHenTra": national_datetime(s.due_at),
        "TrangThaiHoSo": state.national_code().to_string(),
        "NgayTra": national_datetime(s.returned_at),
        "ThongTinTra": if s.returned_at.is_some() { "Đã trả kết quả" } else { "" },
        "HinhThuc": "0",
        "NgayKetThucXuLy": national_datetime(s.finished_at),
        "DonViXuLy": s.agency_name,
        "NgayTuChoi": if state == State::Refused { national_datetime(s.finished_at) } else { String::new() },
        "GhiChu": note.unwrap_or_default(),
        "DuocThanhToanTrucTuyen": match s.payment_state.as_str() {
            "paid_online" => "1",
            "paid_other" => "3",
            _ => "0",
        },
        "HoSoCoThanhPhanSoHoa": if files_of("component").next().is_some() { "1" } else { "0" },
        "TaiKhoanDuocXacThucVoiVNeID": if s.verified { "1" } else { "0" },
        "TaiLieuNop": files_of("component").chain(files_of("supplement")).map(|f| json!({
            "TepDinhKemId": f.0.to_string(),
            "TenTepDinhKem": f.2,
            "MaThanhPhanHoSo": f.3.clone().unwrap_or_default(),
            "DuongDanTaiTepTin": link(&f.0),
            "DuocSoHoa": "1",
            "DuocTaiSuDung": "0",
        })).collect::<Vec<_>>(),
        "DanhSachLePhi": procedure.fees.iter().map(|f| json!({
            "TenPhiLePhi": f.name,
            "MaPhiLePhi": f.code,
            "Gia": f.amount_vnd.to_string(),
            "LoaiPhiLePhi": match f.kind { FeeKind::Fee => "1", FeeKind::Charge => "2" },
        })).collect::<Vec<_>>(),
        "DanhSachHoSoBoSung": supplements.iter().filter(|x| x.1 == "request_supplement").map(|x| {
            let received = supplements.iter().find(|y| y.1 == "receive_supplement" && y.0 > x.0);
            json!({
                "HoSoBoSungId": format!("{}-{}", s.code, x.0),
                "NguoiYeuCauBoSung": "",
                "NoiDungBoSung": x.2.clone().unwrap_or_default(),
                "NgayBoSung": national_datetime(Some(x.3)),
                "NgayTiepNhanBoSung": national_datetime(received.map(|y| y.3)),
                "TrangThaiBoSung": if received.is_some() { "2" } else { "1" },
                "NgayHenTraTruoc": "",
                "NgayHenTraMoi": "",
            })
        }).collect::<Vec<_>>(),
        "DanhSachGiayToKetQua": files_of("result").map(|f| json!({
            "TenGiayTo": f.2,
            "MaThanhPhanHoSo": f.3.clone().unwrap_or_default(),
            "GiayToId": f.0.to_string(),
            "DuongDanTepTinKetQua": link(&f.0),
        })).collect::<Vec<_>>(),
    });
    Ok(ho_so)
}

/// Turns the `HoSo`'s file paths into links the portal can follow.
pub fn absolute_links(ho_so: &mut Value, public_url: &str) {
    for (list, key) in [("TaiLieuNop", "DuongDanTaiTepTin"), ("DanhSachGiayToKetQua", "DuongDanTepTinKetQua")] {
        for entry in ho_so.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(Value::String(path)) = entry.get_mut(key)
                && path.starts_with('/')
            {
                *path = format!("{public_url}{path}");
            }
        }
    }
}

async fn push(conn: &mut PgConnection, dossier_id: Uuid, operation: &str, payload: &Value) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO outbox (dossier_id, seq, operation, payload)
         VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM outbox WHERE dossier_id = $1), $2, $3)",
    )
    .bind(dossier_id)
    .bind(operation)
    .bind(payload)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether nothing about the dossier was ever queued for the portal (its first `DongBoHoSoMC` says
/// `isUpdating` "False").
async fn never_sent(conn: &mut PgConnection, dossier_id: Uuid) -> Result<bool, ApiError> {
    Ok(sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM outbox WHERE dossier_id = $1)")
        .bind(dossier_id)
        .fetch_one(&mut *conn)
        .await?)
}

/// Queues the dossier's whole `HoSo` again (reconciliation: the portal lost or never got it).
/// `portal_holds_it` picks `isUpdating`.
pub async fn enqueue_resend(conn: &mut PgConnection, dossier_id: Uuid, portal_holds_it: bool) -> Result<(), ApiError> {
    let ho_so = ho_so(&mut *conn, dossier_id, Some("Đồng bộ lại sau đối soát")).await?;
    let payload = json!({"isUpdating": if portal_holds_it { "True" } else { "False" }, "data": [ho_so]});
    push(conn, dossier_id, "DongBoHoSoMC", &payload).await
}

/// Writes this change's messages to the outbox: the whole `HoSo` and the processing step (`TienDo`).
pub async fn enqueue(
    tx: &mut Transaction<'_, Postgres>,
    dossier_id: Uuid,
    progress: &Progress<'_>,
) -> Result<(), ApiError> {
    let conn: &mut PgConnection = tx;
    let first = never_sent(&mut *conn, dossier_id).await?;
    let ho_so = ho_so(&mut *conn, dossier_id, progress.note).await?;
    let code = ho_so["MaHoSo"].clone();
    let step: Option<(OffsetDateTime, OffsetDateTime, Option<String>)> = sqlx::query_as(
        "SELECT s.started_at, s.due_at, u.name FROM dossier_step s LEFT JOIN unit u ON u.id = s.unit_id
          WHERE s.dossier_id = $1 ORDER BY s.seq DESC LIMIT 1",
    )
    .bind(dossier_id)
    .fetch_optional(&mut *conn)
    .await?;
    let unit_name: Option<String> = match progress.unit {
        Some(u) => sqlx::query_scalar("SELECT name FROM unit WHERE id = $1").bind(u).fetch_optional(&mut *conn).await?,
        None => None,
    };
    let (started, due, step_unit) = step.map_or((None, None, None), |(a, b, u)| (Some(a), Some(b), u));
    let tien_do = json!({
        "MaHoSo": code,
        "NguoiXuLy": progress.actor_name,
        "ChucDanh": progress.actor_title,
        "ThoiDiemXuLy": national_datetime(Some(progress.at)),
        "PhongBanXuLy": unit_name.or(step_unit).unwrap_or_default(),
        "NoiDungXuLy": match progress.note {
            Some(n) if !n.is_empty() => format!("{}: {n}", describe(progress.action)),
            _ => describe(progress.action).to_owned(),
        },
        "TrangThai": progress.to.national_code().to_string(),
        "NgayBatDau": national_datetime(started),
        "NgayKetThucTheoQuyDinh": national_datetime(due),
    });
    let messages = [
        ("DongBoHoSoMC", json!({"isUpdating": if first { "False" } else { "True" }, "data": [ho_so]})),
        ("CapNhatTienDoHoSoMC", json!({"data": [tien_do]})),
    ];
    for (operation, payload) in messages {
        push(&mut *conn, dossier_id, operation, &payload).await?;
    }
    Ok(())
}
