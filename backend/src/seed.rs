//! Demo data for a local run (`motcua seed`). Idempotent: running it twice changes nothing.
//! Everything it writes is sample data and marked as such (`is_sample`).

use sqlx::PgPool;
use time::macros::date;

use crate::{
    domain::agency::{AgencyCode, AgencyLevel},
    store::{
        agency::{self, NewAgency},
        audit,
    },
};

/// A sample province after the 2025 reorganisation (two-level local government): the provincial
/// People's Committee, its public-administration service centre and departments, and communes/wards.
/// Codes follow QĐ 20/2020 (`H56` is Thanh Hóa's level-1 code); names are real kinds of agencies.
const AGENCIES: &[(&str, &str, AgencyLevel)] = &[
    ("H56", "Ủy ban nhân dân tỉnh Thanh Hóa", AgencyLevel::Province),
    ("H56.30", "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa", AgencyLevel::Department),
    ("H56.14", "Sở Tư pháp tỉnh Thanh Hóa", AgencyLevel::Department),
    ("H56.18", "Sở Xây dựng tỉnh Thanh Hóa", AgencyLevel::Department),
    ("H56.20", "Sở Nông nghiệp và Môi trường tỉnh Thanh Hóa", AgencyLevel::Department),
    ("H56.05", "Sở Tài chính tỉnh Thanh Hóa", AgencyLevel::Department),
    ("H56.101", "Ủy ban nhân dân phường Hạc Thành", AgencyLevel::Commune),
    ("H56.102", "Ủy ban nhân dân phường Sầm Sơn", AgencyLevel::Commune),
    ("H56.103", "Ủy ban nhân dân xã Hoằng Hóa", AgencyLevel::Commune),
    ("H56.104", "Ủy ban nhân dân xã Quảng Xương", AgencyLevel::Commune),
];

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub agencies_added: u64,
}

pub async fn run(pool: &PgPool) -> anyhow::Result<SeedReport> {
    let mut report = SeedReport::default();
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('motcua.seed'))").execute(&mut *tx).await?;
    for (code, name, level) in AGENCIES {
        let code = AgencyCode::parse(code).map_err(|e| anyhow::anyhow!("seed code {code}: {e}"))?;
        if agency::find_by_code(&mut tx, &code).await?.is_some() {
            continue;
        }
        let parent_id = match code.parent() {
            Some(p) => agency::find_by_code(&mut tx, &p).await?,
            None => None,
        };
        let id = agency::insert(
            &mut tx,
            &NewAgency {
                parent_id,
                name,
                level: *level,
                code: &code,
                valid_from: date!(2025 - 07 - 01),
                is_sample: true,
            },
        )
        .await?;
        audit::append(
            &mut tx,
            &audit::Entry {
                actor_kind: audit::ActorKind::System,
                actor_id: Some("seed"),
                action: "catalogue.agency_created",
                object_kind: Some("agency"),
                object_id: Some(&id.to_string()),
                details: serde_json::json!({"code": code.as_str(), "name": name, "sample": true}),
            },
        )
        .await?;
        report.agencies_added += 1;
    }
    tx.commit().await?;
    Ok(report)
}
