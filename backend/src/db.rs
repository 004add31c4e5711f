//! The connection pool and the embedded migrations.

use std::collections::HashSet;

use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::config::Config;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(config.db_max_connections)
        .acquire_timeout(config.db_acquire_timeout)
        .connect_lazy(config.database_url.expose())?;
    Ok(pool)
}

/// Applies the SQL migrations, then the reference data a working system needs (the holiday calendar
/// of the current and next year, where a year has none yet).
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await?;
    let this_year = time::OffsetDateTime::now_utc().to_offset(crate::domain::calendar::VIETNAM_OFFSET).year();
    let mut tx = pool.begin().await?;
    // 2026 is the first year this system runs; keep it so dossiers received then keep their deadlines.
    crate::store::calendar::ensure_years(&mut tx, 2026.min(this_year)..=this_year + 1).await?;
    tx.commit().await?;
    let filled = crate::app::dossier::backfill_processing_days(pool).await?;
    if filled > 0 {
        tracing::info!(dossiers = filled, "processing days filled in for the reports");
    }
    Ok(())
}

/// Whether every embedded migration has been applied successfully to this database.
pub async fn migrations_applied(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let exists: bool =
        sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL").fetch_one(pool).await?;
    if !exists {
        return Ok(false);
    }
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(pool).await?;
    let applied: HashSet<i64> = applied.into_iter().collect();
    Ok(MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).all(|m| applied.contains(&m.version)))
}
