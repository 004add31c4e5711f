//! Units, staff accounts and their roles.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffRole {
    pub unit_id: Uuid,
    pub agency_id: Uuid,
    pub unit_kind: String,
    pub role: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
}

pub async fn get(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<StaffRow>> {
    sqlx::query_as("SELECT id, username, full_name, title, phone, active FROM staff WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn roles(pool: &PgPool, staff_id: Uuid) -> sqlx::Result<Vec<StaffRole>> {
    sqlx::query_as(
        "SELECT r.unit_id, u.agency_id, u.kind AS unit_kind, r.role
           FROM staff_role r JOIN unit u ON u.id = r.unit_id
          WHERE r.staff_id = $1 ORDER BY u.agency_id, r.unit_id, r.role",
    )
    .bind(staff_id)
    .fetch_all(pool)
    .await
}

pub async fn insert_unit(
    tx: &mut Transaction<'_, Postgres>,
    agency_id: Uuid,
    name: &str,
    kind: &str,
    is_sample: bool,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar("INSERT INTO unit (agency_id, name, kind, is_sample) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(agency_id)
        .bind(name)
        .bind(kind)
        .bind(is_sample)
        .fetch_one(&mut **tx)
        .await
}

/// The agency's first unit of `kind` (its one-stop desk, its leadership, ...).
pub async fn unit_of_kind(
    tx: &mut Transaction<'_, Postgres>,
    agency_id: Uuid,
    kind: &str,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM unit WHERE agency_id = $1 AND kind = $2 ORDER BY name LIMIT 1")
        .bind(agency_id)
        .bind(kind)
        .fetch_optional(&mut **tx)
        .await
}

pub struct NewStaff<'a> {
    pub username: &'a str,
    pub full_name: &'a str,
    pub title: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub is_sample: bool,
}

pub async fn insert_staff(tx: &mut Transaction<'_, Postgres>, s: &NewStaff<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO staff (username, full_name, title, phone, is_sample) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(s.username)
    .bind(s.full_name)
    .bind(s.title)
    .bind(s.phone)
    .bind(s.is_sample)
    .fetch_one(&mut **tx)
    .await
}

pub async fn grant(tx: &mut Transaction<'_, Postgres>, staff_id: Uuid, unit_id: Uuid, role: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO staff_role (staff_id, unit_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(staff_id)
        .bind(unit_id)
        .bind(role)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn find_by_username(tx: &mut Transaction<'_, Postgres>, username: &str) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM staff WHERE username = $1").bind(username).fetch_optional(&mut **tx).await
}
