//! `Idempotency-Key`: a retried mutating request returns the first answer and changes nothing.
//!
//! The key is claimed inside the same transaction as the change. A concurrent retry with the same key
//! waits on the claim's row lock; once the first commits it finds the stored answer, and if the first
//! failed (rolled back) it runs as the first. The same key with a different request body is refused.

use sha2::{Digest, Sha256};
use sqlx::{Postgres, Transaction};

use crate::http::error::{ApiError, ErrorCode, FieldError};

/// The stored answer to replay.
#[derive(Debug, Clone)]
pub struct Replay {
    pub status: u16,
    pub body: serde_json::Value,
}

pub fn request_hash(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    h.finalize().to_vec()
}

pub fn validate_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::field("header.idempotency-key", "invalid_format", "1 to 200 visible ASCII characters"));
    }
    Ok(())
}

/// Claims `key` for `caller`; returns the earlier answer when this is a retry.
pub async fn claim(
    tx: &mut Transaction<'_, Postgres>,
    caller: &str,
    key: &str,
    hash: &[u8],
) -> Result<Option<Replay>, ApiError> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency (caller, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT (caller, key) DO NOTHING",
    )
    .bind(caller)
    .bind(key)
    .bind(hash)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    let (stored_hash, status, response): (Vec<u8>, Option<i16>, Option<serde_json::Value>) =
        sqlx::query_as("SELECT request_hash, status, response FROM idempotency WHERE caller = $1 AND key = $2")
            .bind(caller)
            .bind(key)
            .fetch_one(&mut **tx)
            .await?;
    if stored_hash != hash {
        return Err(ApiError::Client {
            code: ErrorCode::IdempotencyKeyReused,
            message: "this Idempotency-Key was used for a different request".into(),
            details: vec![FieldError::new("header.idempotency-key", "reused", "use a new key for a new request")],
            retry_after_secs: None,
        });
    }
    match (status, response) {
        (Some(status), Some(body)) => Ok(Some(Replay { status: status as u16, body })),
        _ => Err(ApiError::new(ErrorCode::Conflict, "the first request with this key is still being processed")),
    }
}

/// Stores the answer for later retries (same transaction as the change).
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    caller: &str,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE idempotency SET status = $3, response = $4 WHERE caller = $1 AND key = $2")
        .bind(caller)
        .bind(key)
        .bind(status as i16)
        .bind(body)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A transaction opened under an optional idempotency key.
pub enum Begun {
    /// A retry: the first answer, to send again unchanged.
    Replay(Replay),
    /// A first request: do the work in `tx`, then call [`Guarded::finish`].
    Fresh(Guarded),
}

pub struct Guarded {
    pub tx: Transaction<'static, Postgres>,
    caller: String,
    key: Option<String>,
}

/// Opens the transaction and claims the key (if any) for `caller`; `request` identifies the request.
pub async fn begin(pool: &sqlx::PgPool, caller: &str, key: Option<&str>, request: &[u8]) -> Result<Begun, ApiError> {
    let mut tx = pool.begin().await?;
    if let Some(key) = key {
        validate_key(key)?;
        if let Some(replay) = claim(&mut tx, caller, key, &request_hash(&[request])).await? {
            tx.rollback().await?;
            return Ok(Begun::Replay(replay));
        }
    }
    Ok(Begun::Fresh(Guarded { tx, caller: caller.to_owned(), key: key.map(str::to_owned) }))
}

impl Guarded {
    /// Stores the answer with the key and commits the change.
    pub async fn finish(mut self, status: u16, body: &serde_json::Value) -> Result<(), ApiError> {
        if let Some(key) = &self.key {
            record(&mut self.tx, &self.caller, key, status, body).await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}
