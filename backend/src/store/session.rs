//! Server-side sessions. The cookie carries 256 random bits; the table stores only their SHA-256,
//! so a database dump cannot be replayed as cookies.

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Citizen(Uuid),
    Staff(Uuid),
}

#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie value (base64url of 32 random bytes).
    pub token: String,
    /// The value state-changing requests must echo in `x-csrf-token`.
    pub csrf_token: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub citizen_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Opens a session (a new id every sign-in) that ends at the latest after `absolute`.
pub async fn create(pool: &PgPool, owner: Owner, absolute: Duration) -> sqlx::Result<NewSession> {
    let token = random_token();
    let csrf_token = random_token();
    let (citizen, staff) = match owner {
        Owner::Citizen(id) => (Some(id), None),
        Owner::Staff(id) => (None, Some(id)),
    };
    sqlx::query(
        "INSERT INTO session (token_hash, citizen_id, staff_id, csrf_token, expires_at)
         VALUES ($1, $2, $3, $4, now() + $5)",
    )
    .bind(hash_token(&token))
    .bind(citizen)
    .bind(staff)
    .bind(&csrf_token)
    .bind(absolute)
    .execute(pool)
    .await?;
    Ok(NewSession { token, csrf_token })
}

pub async fn find(pool: &PgPool, token: &str) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(
        "SELECT citizen_id, staff_id, csrf_token, created_at, last_seen_at, expires_at, revoked_at
           FROM session WHERE token_hash = $1",
    )
    .bind(hash_token(token))
    .fetch_optional(pool)
    .await
}

/// Records activity, at most once per `granularity` per session to keep reads cheap. The caller picks a
/// granularity well under the idle timeout (a tenth of it, at most a minute).
pub async fn touch(pool: &PgPool, token: &str, granularity: Duration) -> sqlx::Result<()> {
    sqlx::query("UPDATE session SET last_seen_at = now() WHERE token_hash = $1 AND last_seen_at < now() - $2")
        .bind(hash_token(token))
        .bind(granularity)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn revoke(pool: &PgPool, token: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE session SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(hash_token(token))
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends every session of a staff account at once (account disabled).
pub async fn revoke_all_for_staff(db: impl sqlx::PgExecutor<'_>, staff_id: Uuid) -> sqlx::Result<u64> {
    Ok(sqlx::query("UPDATE session SET revoked_at = now() WHERE staff_id = $1 AND revoked_at IS NULL")
        .bind(staff_id)
        .execute(db)
        .await?
        .rows_affected())
}
