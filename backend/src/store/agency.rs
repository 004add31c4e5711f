//! Agencies and their codes.

use sqlx::{PgPool, Postgres, Transaction};
use time::Date;
use uuid::Uuid;

use crate::domain::agency::{AgencyCode, AgencyLevel};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgencyRow {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub level: String,
    pub is_sample: bool,
    /// The QĐ 20 code valid on the day asked for.
    pub code: Option<String>,
    /// The legacy alias valid on that day.
    pub legacy_code: Option<String>,
}

/// Every agency with the codes valid on `on`, parents before children (ordered by code).
pub async fn list(pool: &PgPool, on: Date) -> sqlx::Result<Vec<AgencyRow>> {
    sqlx::query_as(
        "SELECT a.id, a.parent_id, a.name, a.level, a.is_sample,
                (SELECT code FROM agency_code c WHERE c.agency_id = a.id AND c.kind = 'qd20'
                    AND c.valid_from <= $1 AND (c.valid_to IS NULL OR c.valid_to > $1) ORDER BY c.valid_from DESC LIMIT 1) AS code,
                (SELECT code FROM agency_code c WHERE c.agency_id = a.id AND c.kind = 'legacy'
                    AND c.valid_from <= $1 AND (c.valid_to IS NULL OR c.valid_to > $1) ORDER BY c.valid_from DESC LIMIT 1) AS legacy_code
           FROM agency a
          ORDER BY code NULLS LAST, a.name",
    )
    .bind(on)
    .fetch_all(pool)
    .await
}

/// The agency holding a QĐ 20 code (at any time), if any.
pub async fn find_by_code(tx: &mut Transaction<'_, Postgres>, code: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT agency_id FROM agency_code WHERE code = $1 AND kind = 'qd20' LIMIT 1")
        .bind(code)
        .fetch_optional(&mut **tx)
        .await
}

pub struct NewAgency<'a> {
    pub parent_id: Option<Uuid>,
    pub name: &'a str,
    pub level: AgencyLevel,
    pub code: &'a AgencyCode,
    pub valid_from: Date,
    pub is_sample: bool,
}

/// Inserts an agency with its QĐ 20 code and, when the code has one, its legacy alias.
pub async fn insert(tx: &mut Transaction<'_, Postgres>, a: &NewAgency<'_>) -> sqlx::Result<Uuid> {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO agency (parent_id, name, level, is_sample) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(a.parent_id)
    .bind(a.name)
    .bind(a.level.as_str())
    .bind(a.is_sample)
    .fetch_one(&mut **tx)
    .await?;
    let codes = std::iter::once(("qd20", a.code.as_str().to_owned())).chain(a.code.legacy().map(|l| ("legacy", l)));
    for (kind, code) in codes {
        sqlx::query("INSERT INTO agency_code (agency_id, kind, code, valid_from) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(kind)
            .bind(code)
            .bind(a.valid_from)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}
