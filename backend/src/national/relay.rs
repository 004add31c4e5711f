//! The outbox relay: delivers pending messages to the national portal through the sharing platform.
//!
//! Safe in many instances at once: each batch is claimed with `FOR UPDATE SKIP LOCKED`, and a message is
//! only taken when every earlier message of its dossier is delivered, so each dossier's messages arrive in
//! order. 5xx, 429, timeouts and unreachable platforms are retried with exponential backoff and jitter
//! (honouring `Retry-After`); a rejection (`error_code` other than "0", or another 4xx) goes to the dead
//! letter state for an administrator to see, fix and replay. While the portal's circuit is open nothing is
//! sent, so nothing counts as an attempt: the batch stops, its messages stay due as they were, and the first
//! one goes out as the circuit's trial call when the breaker allows it. A long outage therefore does not push
//! every message's backoff to minutes, and the portal is caught up soon after it answers again.

use std::time::Duration;

use rand::Rng;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::platform::{CallError, PlatformClient};

/// How many messages one batch takes.
const BATCH: i64 = 20;

enum Outcome {
    Delivered,
    Retry { after_secs: u64, error: String },
    Dead(String),
}

/// Turns the snapshot's file paths into links the portal can follow.
fn absolute_links(payload: &mut Value, public_url: &str) {
    for item in payload.get_mut("data").and_then(Value::as_array_mut).into_iter().flatten() {
        super::outbox::absolute_links(item, public_url);
    }
}

/// Sends one message; `None` when it was not sent because the portal's circuit is open.
async fn deliver(platform: &PlatformClient, operation: &str, payload: &Value, code: &str) -> Option<Outcome> {
    let res = match platform.post(&format!("/dvcqg/{operation}"), payload, Some(code)).await {
        Ok(r) => r,
        Err(CallError::CircuitOpen) => return None,
        Err(e) => return Some(Outcome::Retry { after_secs: 0, error: e.code().to_owned() }),
    };
    let status = res.status;
    let retry_after = res.retry_after;
    Some(match status {
        200 => match res.json::<Value>() {
            Ok(v) if v.get("error_code").and_then(Value::as_str) == Some("0") => Outcome::Delivered,
            Ok(v) => Outcome::Dead(format!(
                "rejected: error_code {} — {}",
                v.get("error_code").and_then(Value::as_str).unwrap_or("?"),
                v.get("message").and_then(Value::as_str).unwrap_or("")
            )),
            Err(_) => Outcome::Retry { after_secs: 0, error: "malformed answer".into() },
        },
        429 | 500..=599 => Outcome::Retry { after_secs: retry_after.unwrap_or(0), error: format!("HTTP {status}") },
        _ => Outcome::Dead(format!("HTTP {status}")),
    })
}

/// Exponential backoff with full jitter: up to 2^attempts seconds, at most 10 minutes, at least `floor`.
fn backoff(attempts: i32, floor: u64) -> u64 {
    let cap = 2u64.saturating_pow(attempts.clamp(0, 20) as u32).min(600);
    rand::rng().random_range(1..=cap.max(1)).max(floor)
}

/// Delivers one batch; returns how many messages it handled (delivered, rescheduled or dead). A message
/// not sent because the circuit is open is not handled: the batch ends there, and 0 tells the loop to wait.
pub async fn deliver_batch(db: &PgPool, platform: &PlatformClient, public_url: &str) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let batch: Vec<(i64, Uuid, String, Value, i32)> = sqlx::query_as(
        "SELECT o.id, o.dossier_id, o.operation, o.payload, o.attempts FROM outbox o
          WHERE o.status = 'pending' AND o.next_attempt_at <= now()
            AND NOT EXISTS (SELECT 1 FROM outbox p
                             WHERE p.dossier_id = o.dossier_id AND p.seq < o.seq AND p.status <> 'delivered')
          ORDER BY o.id LIMIT $1
          FOR UPDATE SKIP LOCKED",
    )
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    let mut handled = 0;
    for (id, dossier_id, operation, mut payload, attempts) in batch.iter().cloned() {
        absolute_links(&mut payload, public_url);
        let code = payload.pointer("/data/0/MaHoSo").and_then(Value::as_str).unwrap_or_default().to_owned();
        let Some(outcome) = deliver(platform, &operation, &payload, &code).await else { break };
        handled += 1;
        match outcome {
            Outcome::Delivered => {
                sqlx::query("UPDATE outbox SET status = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Outcome::Retry { after_secs, error } => {
                let wait = backoff(attempts + 1, after_secs);
                tracing::warn!(outbox_id = id, %dossier_id, operation, wait_secs = wait, error, "national delivery will be retried");
                sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                            next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
                )
                .bind(id)
                .bind(&error)
                .bind(wait as f64)
                .execute(&mut *tx)
                .await?;
            }
            Outcome::Dead(error) => {
                tracing::error!(outbox_id = id, %dossier_id, operation, error, "national delivery rejected: dead letter");
                sqlx::query(
                    "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = $2 WHERE id = $1",
                )
                .bind(id)
                .bind(&error)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(handled)
}

/// The relay loop `serve` runs: a batch whenever there is work, a short sleep when there is none.
pub async fn run(db: PgPool, platform: std::sync::Arc<PlatformClient>, public_url: String) {
    loop {
        match deliver_batch(&db, &platform, &public_url).await {
            Ok(0) => tokio::time::sleep(Duration::from_millis(500)).await,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "outbox relay failed; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}
