//! The procedure catalogue: import (publishing new versions), export, search.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    domain::catalogue::{self, CatalogueProblem, Competent, Procedure},
    store::audit,
};

/// The problem code of an agency code that names no agency of the system.
pub const UNKNOWN_AGENCY: &str = "unknown_agency";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    /// Procedures new to the catalogue (version 1 published).
    pub created: u32,
    /// Procedures whose content changed (a new version published; dossiers already filed keep theirs).
    pub updated: u32,
    /// Procedures identical to their current version (nothing published).
    pub unchanged: u32,
}

/// Agency codes named by `procs` (competent agency, workflow steps) that no agency has, with their paths
/// (`[i].competent.agency`, `[i].workflow[j].agency`). Dossiers resolve these codes when they are received
/// and moved, so a procedure naming an unknown agency could be published but no dossier of it handled.
pub async fn unknown_agencies(
    tx: &mut Transaction<'_, Postgres>,
    procs: &[Procedure],
) -> anyhow::Result<Vec<CatalogueProblem>> {
    let mut named: Vec<(String, &str)> = Vec::new();
    for (i, p) in procs.iter().enumerate() {
        if let Competent::Agency(code) = &p.competent {
            named.push((format!("[{i}].competent.agency"), code));
        }
        for (j, step) in p.workflow.iter().enumerate() {
            if let Some(code) = &step.agency {
                named.push((format!("[{i}].workflow[{j}].agency"), code));
            }
        }
    }
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let codes: Vec<&str> = named.iter().map(|(_, c)| *c).collect();
    // The same lookup the dossier use cases make.
    let known: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT code FROM agency_code WHERE kind = 'qd20' AND code = ANY($1)")
            .bind(&codes)
            .fetch_all(&mut **tx)
            .await?;
    Ok(named
        .into_iter()
        .filter(|(_, code)| !known.iter().any(|k| k == code))
        .map(|(path, code)| CatalogueProblem {
            path,
            code: UNKNOWN_AGENCY,
            message: format!("no agency has the code {code:?}"),
        })
        .collect())
}

/// Publishes every procedure of `procs` whose content differs from its current version.
/// `procs` must already be validated (`domain::catalogue::import`).
pub async fn publish(
    tx: &mut Transaction<'_, Postgres>,
    actor: (audit::ActorKind, &str),
    procs: &[Procedure],
) -> anyhow::Result<ImportReport> {
    // One importer at a time, so versions are numbered without races.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('catalogue.publish'))").execute(&mut **tx).await?;
    let mut report = ImportReport::default();
    for p in procs {
        let current: Option<(Uuid, i32, serde_json::Value)> = sqlx::query_as(
            "SELECT p.id, p.current_version, pv.document FROM procedure p
               JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version
              WHERE p.code = $1",
        )
        .bind(&p.code)
        .fetch_optional(&mut **tx)
        .await?;
        let (procedure_id, version) = match current {
            Some((id, v, doc)) => {
                if serde_json::from_value::<Procedure>(doc).ok().as_ref() == Some(p) {
                    report.unchanged += 1;
                    continue;
                }
                report.updated += 1;
                (id, v + 1)
            }
            None => {
                let id: Uuid =
                    sqlx::query_scalar("INSERT INTO procedure (code, current_version) VALUES ($1, 0) RETURNING id")
                        .bind(&p.code)
                        .fetch_one(&mut **tx)
                        .await?;
                report.created += 1;
                (id, 1)
            }
        };
        let (level, agency) = match &p.competent {
            Competent::Level(l) => (Some(l.as_str().to_owned()), None),
            Competent::Agency(a) => (None, Some(a.clone())),
        };
        sqlx::query(
            "INSERT INTO procedure_version (procedure_id, version, document, name, field_code, field_name, online_level,
                                            competent_level, competent_agency, is_sample, published_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(procedure_id)
        .bind(version)
        .bind(serde_json::to_value(p)?)
        .bind(&p.name)
        .bind(&p.field.code)
        .bind(&p.field.name)
        .bind(p.online_level.as_str())
        .bind(level)
        .bind(agency)
        .bind(p.sample)
        .bind(actor.1)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE procedure SET current_version = $2 WHERE id = $1")
            .bind(procedure_id)
            .bind(version)
            .execute(&mut **tx)
            .await?;
        audit::append(
            tx,
            &audit::Entry {
                actor_kind: actor.0,
                actor_id: Some(actor.1),
                action: "catalogue.procedure_published",
                object_kind: Some("procedure"),
                object_id: Some(&p.code),
                details: json!({"version": version}),
            },
        )
        .await?;
    }
    Ok(report)
}

/// Every procedure's current version.
pub async fn current(pool: &PgPool) -> anyhow::Result<Vec<Procedure>> {
    let docs: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT pv.document FROM procedure p
           JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version ORDER BY p.code",
    )
    .fetch_all(pool)
    .await?;
    docs.into_iter().map(|d| Ok(serde_json::from_value(d)?)).collect()
}

/// The catalogue in its export form (`domain::catalogue::export`).
pub async fn export(pool: &PgPool) -> anyhow::Result<String> {
    Ok(catalogue::export(&current(pool).await?))
}
