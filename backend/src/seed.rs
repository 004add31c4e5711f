//! Demo data for a local run (`motcua seed`). Idempotent: running it twice changes nothing.
//! Everything it writes is sample data and marked as such (`is_sample`).

use sqlx::PgPool;
use time::macros::date;

use crate::{
    domain::{
        agency::{AgencyCode, AgencyLevel},
        catalogue,
    },
    store::{
        agency::{self, NewAgency},
        audit, staff,
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

/// Units every sample agency gets.
const UNITS: &[(&str, &str)] =
    &[("Bộ phận Một cửa", "one_stop"), ("Phòng Chuyên môn", "specialist"), ("Lãnh đạo", "leadership")];

/// Demo staff: (username, full name, title, agency code, unit kind, roles). Two agencies have every role;
/// the provincial public-administration service centre receives for the departments.
type StaffSeed = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static [&'static str]);
const STAFF: &[StaffSeed] = &[
    ("stp.motcua", "Nguyễn Thị Hồng Nhung", "Chuyên viên Bộ phận Một cửa", "H56.14", "one_stop", &["clerk"]),
    ("stp.chuyenvien", "Trần Văn Khải", "Chuyên viên Phòng Hành chính tư pháp", "H56.14", "specialist", &["officer"]),
    ("stp.lanhdao", "Lê Thị Thu Hà", "Phó Giám đốc Sở Tư pháp", "H56.14", "leadership", &["leader"]),
    ("stp.quantri", "Phạm Minh Đức", "Quản trị hệ thống Sở Tư pháp", "H56.14", "leadership", &["agency_admin"]),
    ("hacthanh.motcua", "Hoàng Thị Mai Anh", "Công chức Bộ phận Một cửa", "H56.101", "one_stop", &["clerk"]),
    ("hacthanh.tuphap", "Vũ Đình Quý", "Công chức Tư pháp - Hộ tịch", "H56.101", "specialist", &["officer"]),
    ("hacthanh.chutich", "Đặng Văn Thắng", "Chủ tịch UBND phường", "H56.101", "leadership", &["leader"]),
    ("hacthanh.quantri", "Bùi Thị Lan", "Quản trị hệ thống phường", "H56.101", "leadership", &["agency_admin"]),
    (
        "ttphvhcc.motcua",
        "Đỗ Quang Huy",
        "Chuyên viên Trung tâm Phục vụ hành chính công",
        "H56.30",
        "one_stop",
        &["clerk"],
    ),
    ("tinh.quantri", "Ngô Thanh Tùng", "Quản trị hệ thống tỉnh", "H56", "leadership", &["system_admin"]),
];

/// The sample catalogue (marked `"sample": true`).
const PROCEDURES: &str = include_str!("../seed/procedures.json");

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub agencies_added: u64,
    pub units_added: u64,
    pub staff_added: u64,
    pub procedures_published: u64,
}

pub async fn run(pool: &PgPool) -> anyhow::Result<SeedReport> {
    let mut report = SeedReport::default();
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('motcua.seed'))").execute(&mut *tx).await?;
    for (code, name, level) in AGENCIES {
        let code = AgencyCode::parse(code).map_err(|e| anyhow::anyhow!("seed code {code}: {e}"))?;
        if agency::find_by_code(&mut tx, code.as_str()).await?.is_some() {
            continue;
        }
        let parent_id = match code.parent() {
            Some(p) => agency::find_by_code(&mut tx, p.as_str()).await?,
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
    for (code, _, _) in AGENCIES {
        let code = AgencyCode::parse(code).map_err(|e| anyhow::anyhow!("seed code {code}: {e}"))?;
        let agency_id =
            agency::find_by_code(&mut tx, code.as_str()).await?.ok_or_else(|| anyhow::anyhow!("seeded above"))?;
        for (name, kind) in UNITS {
            if staff::unit_of_kind(&mut tx, agency_id, kind).await?.is_none() {
                staff::insert_unit(&mut tx, agency_id, name, kind, true).await?;
                report.units_added += 1;
            }
        }
    }
    for (username, full_name, title, agency_code, unit_kind, roles) in STAFF {
        if staff::find_by_username(&mut tx, username).await?.is_some() {
            continue;
        }
        let code = AgencyCode::parse(agency_code).map_err(|e| anyhow::anyhow!("seed code {agency_code}: {e}"))?;
        let agency_id =
            agency::find_by_code(&mut tx, code.as_str()).await?.ok_or_else(|| anyhow::anyhow!("no agency {code}"))?;
        let unit =
            staff::unit_of_kind(&mut tx, agency_id, unit_kind).await?.ok_or_else(|| anyhow::anyhow!("no unit"))?;
        let id = staff::insert_staff(
            &mut tx,
            &staff::NewStaff { username, full_name, title: Some(title), phone: None, is_sample: true },
        )
        .await?;
        for role in *roles {
            staff::grant(&mut tx, id, unit, role).await?;
        }
        report.staff_added += 1;
    }
    let procedures =
        catalogue::import(PROCEDURES).map_err(|p| anyhow::anyhow!("the sample catalogue is invalid: {p:?}"))?;
    let published = crate::app::catalogue::publish(&mut tx, (audit::ActorKind::System, "seed"), &procedures).await?;
    report.procedures_published = u64::from(published.created + published.updated);
    tx.commit().await?;
    Ok(report)
}
