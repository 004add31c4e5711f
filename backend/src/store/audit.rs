//! The hash-chained, append-only audit log.
//!
//! `hash(n) = SHA-256(hash(n-1) ‖ seq ‖ at ‖ actor_kind ‖ actor_id ‖ action ‖ object_kind ‖ object_id ‖ details)`,
//! each field length-prefixed (u32 big-endian) so no two entries share their hashed bytes; `seq` and `at`
//! (microseconds since the Unix epoch) are i64 big-endian. Entry 1's previous hash is 32 zero bytes.

use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    Citizen,
    Staff,
    System,
    /// Another system (the national portal, the payment platform).
    Machine,
    Anonymous,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Staff => "staff",
            Self::System => "system",
            Self::Machine => "machine",
            Self::Anonymous => "anonymous",
        }
    }
}

/// One entry to append. Never put tokens or full personal ID numbers in `details`.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor_kind: ActorKind,
    pub actor_id: Option<&'a str>,
    /// Dotted snake_case, e.g. `dossier.accept`, `auth.sign_in`, `catalogue.agency_created`.
    pub action: &'a str,
    pub object_kind: Option<&'a str>,
    pub object_id: Option<&'a str>,
    pub details: serde_json::Value,
}

impl<'a> Entry<'a> {
    /// An entry for something a staff member did to an object.
    pub fn by_staff(
        staff_id: &'a str,
        action: &'a str,
        object: (&'a str, &'a str),
        details: serde_json::Value,
    ) -> Self {
        Self {
            actor_kind: ActorKind::Staff,
            actor_id: Some(staff_id),
            action,
            object_kind: Some(object.0),
            object_id: Some(object.1),
            details,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev: &[u8],
    seq: i64,
    at_micros: i64,
    actor_kind: &str,
    actor_id: Option<&str>,
    action: &str,
    object_kind: Option<&str>,
    object_id: Option<&str>,
    details: &str,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at_micros.to_be_bytes());
    for field in [Some(actor_kind), actor_id, Some(action), object_kind, object_id, Some(details)] {
        match field {
            // Absent and empty differ: absent is length u32::MAX.
            None => h.update(u32::MAX.to_be_bytes()),
            Some(s) => {
                h.update((s.len() as u32).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    h.finalize().into()
}

fn micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000) as i64
}

/// Appends `entry` inside `tx`: it commits or rolls back with the change it records. Returns its number.
pub async fn append(tx: &mut Transaction<'_, Postgres>, entry: &Entry<'_>) -> sqlx::Result<i64> {
    if SKIP_FOR_BENCHMARK.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(0);
    }
    // The head row's lock orders the writers; PostgreSQL stores microseconds, so hash what it will store.
    let (seq, prev): (i64, Vec<u8>) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 RETURNING seq, hash").fetch_one(&mut **tx).await?;
    let now = OffsetDateTime::now_utc();
    let at = now.replace_nanosecond((now.nanosecond() / 1_000) * 1_000).unwrap_or(now);
    let details = entry.details.to_string();
    let hash = entry_hash(
        &prev,
        seq,
        micros(at),
        entry.actor_kind.as_str(),
        entry.actor_id,
        entry.action,
        entry.object_kind,
        entry.object_id,
        &details,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_kind, actor_id, action, object_kind, object_id, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(at)
    .bind(entry.actor_kind.as_str())
    .bind(entry.actor_id)
    .bind(entry.action)
    .bind(entry.object_kind)
    .bind(entry.object_id)
    .bind(&details)
    .bind(&prev)
    .bind(hash.as_slice())
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1").bind(hash.as_slice()).execute(&mut **tx).await?;
    Ok(seq)
}

/// Appends `entry` in a transaction of its own: for events that are not part of a change (sign-ins,
/// refusals), where there is no other transaction to join.
pub async fn append_alone(pool: &PgPool, entry: &Entry<'_>) -> sqlx::Result<i64> {
    let mut tx = pool.begin().await?;
    let seq = append(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(seq)
}

static SKIP_FOR_BENCHMARK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `MOTCUA_BENCH_WITHOUT=audit` (benchmark mode on loopback only): [`append`] writes nothing, so the benchmark
/// can measure what the chain costs. Set once by `serve` at start.
pub fn skip_for_benchmark(skip: bool) {
    SKIP_FOR_BENCHMARK.store(skip, std::sync::atomic::Ordering::Relaxed);
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry checks out.
    Ok { entries: i64 },
    /// The first entry that does not, and why.
    Broken { seq: i64, reason: String },
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    at: OffsetDateTime,
    actor_kind: String,
    actor_id: Option<String>,
    action: String,
    object_kind: Option<String>,
    object_id: Option<String>,
    details: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

/// Recomputes the whole chain in order and names the first broken entry.
pub async fn verify(pool: &PgPool) -> sqlx::Result<Verdict> {
    let mut rows = sqlx::query_as::<_, Row>(
        "SELECT seq, at, actor_kind, actor_id, action, object_kind, object_id, details, prev_hash, hash
           FROM audit_log ORDER BY seq",
    )
    .fetch(pool);
    let mut expected_seq = 1i64;
    let mut prev = vec![0u8; 32];
    while let Some(r) = rows.try_next().await? {
        if r.seq != expected_seq {
            let seq = expected_seq;
            return Ok(Verdict::Broken { seq, reason: format!("entry {seq} is missing (next present is {})", r.seq) });
        }
        if r.prev_hash != prev {
            return Ok(Verdict::Broken { seq: r.seq, reason: "previous-hash link does not match entry before".into() });
        }
        let computed = entry_hash(
            &prev,
            r.seq,
            micros(r.at),
            &r.actor_kind,
            r.actor_id.as_deref(),
            &r.action,
            r.object_kind.as_deref(),
            r.object_id.as_deref(),
            &r.details,
        );
        if r.hash != computed {
            return Ok(Verdict::Broken { seq: r.seq, reason: "content does not match its hash (altered)".into() });
        }
        prev = r.hash;
        expected_seq += 1;
    }
    drop(rows);
    let (head_seq, head_hash): (i64, Vec<u8>) =
        sqlx::query_as("SELECT seq, hash FROM audit_head").fetch_one(pool).await?;
    if head_seq != expected_seq - 1 || head_hash != prev {
        return Ok(Verdict::Broken {
            seq: expected_seq,
            reason: format!(
                "the chain ends at entry {} but its head says {head_seq} (entries removed at the end?)",
                expected_seq - 1
            ),
        });
    }
    Ok(Verdict::Ok { entries: expected_seq - 1 })
}
