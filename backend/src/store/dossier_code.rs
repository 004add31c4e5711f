//! Taking the next dossier code of an agency for a day.

use sqlx::{Postgres, Transaction};
use time::Date;
use uuid::Uuid;

use crate::domain::dossier_code::DossierCode;

/// Takes the next sequence number of `agency_id` on `day` inside `tx` and builds the code with
/// `agency_code` (the agency's legacy alias, else its QĐ 20 code). Concurrent callers for the same
/// agency and day wait for each other's transaction; a rollback gives the number back.
pub async fn next(
    tx: &mut Transaction<'_, Postgres>,
    agency_id: Uuid,
    agency_code: &str,
    day: Date,
) -> anyhow::Result<DossierCode> {
    let seq: i32 = sqlx::query_scalar(
        "INSERT INTO dossier_code_counter (agency_id, day, last_value) VALUES ($1, $2, 1)
         ON CONFLICT (agency_id, day) DO UPDATE SET last_value = dossier_code_counter.last_value + 1
         RETURNING last_value",
    )
    .bind(agency_id)
    .bind(day)
    .fetch_one(&mut **tx)
    .await?;
    let seq = u32::try_from(seq)?;
    Ok(DossierCode::new(agency_code, day, seq)?)
}
