//! Official documents of a dossier, rendered from its real data (`pdf::official`).
//!
//! Mẫu 01 — the receipt and appointment slip (giấy tiếp nhận hồ sơ và hẹn trả kết quả) — for a dossier that has
//! been received. The caller must be allowed to see the dossier (the same rule as every read; staff reads are
//! audited by `dossier::view`).

use serde_json::Value;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Caller, dossier};
use crate::{
    domain::{
        calendar::to_local,
        catalogue::{Procedure, TimeUnit},
    },
    http::error::{ApiError, ErrorCode},
    pdf::official::{Receipt, ReceiptComponent},
};

fn date(t: OffsetDateTime) -> String {
    let d = to_local(t).date();
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

fn clock(t: OffsetDateTime) -> String {
    let l = to_local(t);
    format!("{:02}:{:02}", l.hour(), l.minute())
}

/// "Thanh Hóa" from "Ủy ban nhân dân tỉnh Thanh Hóa" (the place in the date line).
fn place_of(root: &str) -> String {
    let lower = root.to_lowercase();
    for prefix in ["ủy ban nhân dân tỉnh ", "ủy ban nhân dân thành phố ", "ubnd tỉnh ", "ubnd thành phố "]
    {
        if lower.starts_with(prefix) {
            return root.chars().skip(prefix.chars().count()).collect();
        }
    }
    root.to_owned()
}

/// The data of Mẫu 01 for a received dossier.
pub async fn receipt(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    id: Uuid,
    public_url: &str,
) -> Result<Receipt, ApiError> {
    let view = dossier::view(tx, caller, id).await?;
    let Some(received) = view.received_at else {
        return Err(ApiError::new(ErrorCode::IllegalTransition, "the dossier has not been received yet"));
    };
    #[derive(sqlx::FromRow)]
    struct Row {
        document: Value,
        receiving_name: String,
        parent_name: Option<String>,
        root_name: String,
        receiver: Option<String>,
    }
    let row: Row = sqlx::query_as(
        "WITH RECURSIVE up(id, parent_id, name, depth) AS (
             SELECT a.id, a.parent_id, a.name, 0 FROM agency a WHERE a.id = (SELECT agency_id FROM dossier WHERE id = $1)
             UNION ALL SELECT p.id, p.parent_id, p.name, up.depth + 1 FROM agency p JOIN up ON p.id = up.parent_id)
         SELECT pv.document,
                ra.name AS receiving_name,
                (SELECT p.name FROM agency p WHERE p.id = ra.parent_id) AS parent_name,
                (SELECT name FROM up ORDER BY depth DESC LIMIT 1) AS root_name,
                (SELECT actor_name FROM dossier_action x
                  WHERE x.dossier_id = d0.id AND x.action IN ('receive_at_counter', 'accept') ORDER BY x.seq LIMIT 1) AS receiver
           FROM dossier d0 JOIN procedure_version pv ON pv.id = d0.procedure_version_id
           JOIN dossier_step s ON s.dossier_id = d0.id AND s.seq = 1
           JOIN unit u ON u.id = s.unit_id JOIN agency ra ON ra.id = u.agency_id
          WHERE d0.id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let procedure: Procedure = serde_json::from_value(row.document).map_err(|e| ApiError::Internal(e.into()))?;
    let t = &procedure.statutory_time;
    let processing_time = match t.unit {
        TimeUnit::WorkingDays => format!("{} ngày làm việc", t.value),
        TimeUnit::WorkingHours => format!("{} giờ làm việc", t.value),
        TimeUnit::CalendarDays => format!("{} ngày", t.value),
    };
    let components = view
        .attachments
        .iter()
        .filter(|a| a.role == "component")
        .map(|a| ReceiptComponent {
            name: a
                .component_code
                .as_deref()
                .and_then(|c| procedure.components.iter().find(|x| x.code == c))
                .map_or_else(|| a.file_name.clone(), |c| c.name.clone()),
            quantity: "01".into(),
            kind: match (view.channel, a.checked_against_original) {
                (2, _) => "bản điện tử".into(),
                (_, true) => "bản sao (đã đối chiếu bản chính)".into(),
                _ => "bản sao".into(),
            },
        })
        .collect();
    let due = view.due_at.or(view.original_due_at);
    let person = view.owner.as_ref().unwrap_or(&view.applicant);
    Ok(Receipt {
        parent_agency: row.parent_name.unwrap_or_default().to_uppercase(),
        agency: row.receiving_name.to_uppercase(),
        place: place_of(&row.root_name),
        issue_date: date(received),
        dossier_code: view.code.clone(),
        receiving_office: row.receiving_name.clone(),
        applicant_title: String::new(),
        applicant_name: person.full_name.clone(),
        applicant_address: person.address.clone().unwrap_or_default(),
        applicant_phone: view.applicant.phone.clone().unwrap_or_default(),
        applicant_email: view.applicant.email.clone().unwrap_or_default(),
        procedure_name: view.procedure_name.clone(),
        components,
        dossier_sets: "01".into(),
        processing_time,
        received_time: clock(received),
        received_date: date(received),
        return_time: due.map(clock).unwrap_or_default(),
        return_date: due.map(date).unwrap_or_default(),
        pickup_place: format!("Bộ phận tiếp nhận và trả kết quả — {}", row.receiving_name),
        receiver_name: row.receiver.unwrap_or_default(),
        lookup_url: format!("{public_url}/tra-cuu?ma={}", view.code),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_is_the_province() {
        assert_eq!(place_of("Ủy ban nhân dân tỉnh Thanh Hóa"), "Thanh Hóa");
        assert_eq!(place_of("Ủy ban nhân dân thành phố Hà Nội"), "Hà Nội");
        assert_eq!(place_of("Bộ Tư pháp"), "Bộ Tư pháp");
    }
}
