//! Agency administration: units, staff accounts and their roles. Agency administrators manage their
//! own agency only; system administrators any. Every change is audited.

use axum::{
    Json,
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiJson, ApiResult, ErrorBody, ErrorCode, FieldError},
    idem,
};
use crate::{
    app::{StaffCaller, idempotency::Begun, require_staff},
    store::{audit, session, staff},
};

fn may_administer(s: &StaffCaller, agency_id: Uuid) -> Result<(), ApiError> {
    if s.is_system_admin() || s.has_role_in_agency(agency_id, "agency_admin") {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden, "administrators of this agency only"))
    }
}

fn clean(s: &str) -> String {
    unicode_normalization::UnicodeNormalization::nfc(s.trim()).collect()
}

#[derive(Debug, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct UnitDto {
    pub id: Uuid,
    pub name: String,
    /// `one_stop`, `specialist`, `leadership` or `other`.
    pub kind: String,
}

/// The units of an agency (any staff member).
#[utoipa::path(get, path = "/api/v1/agencies/{id}/units", tag = "administration", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<UnitDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn units(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<UnitDto>>> {
    require_staff(&caller)?;
    Ok(Json(
        sqlx::query_as("SELECT id, name, kind FROM unit WHERE agency_id = $1 ORDER BY kind, name")
            .bind(id)
            .fetch_all(&state.db)
            .await?,
    ))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    pub name: String,
    #[schema(pattern = "^(one_stop|specialist|leadership|other)$")]
    pub kind: String,
}

/// Adds a unit to an agency.
#[utoipa::path(post, path = "/api/v1/agencies/{id}/units", tag = "administration", params(("id" = Uuid, Path)),
    request_body = NewUnit,
    responses(
        (status = 201, body = UnitDto),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "A unit of that name exists", body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn create_unit(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(agency_id): Path<Uuid>,
    ApiJson(req): ApiJson<NewUnit>,
) -> ApiResult<Response> {
    let admin = require_staff(&caller)?;
    may_administer(admin, agency_id)?;
    let name = clean(&req.name);
    let mut problems = Vec::new();
    if name.is_empty() || name.chars().count() > 300 {
        problems.push(FieldError::new("body.name", "invalid_length", "1 to 300 characters"));
    }
    if !matches!(req.kind.as_str(), "one_stop" | "specialist" | "leadership" | "other") {
        problems.push(FieldError::new("body.kind", "unknown", "one_stop, specialist, leadership or other"));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let request = serde_json::to_vec(&(agency_id, &req)).map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "create_unit", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let tx = &mut g.tx;
    // A system administrator may administer any agency: one that does not exist is 404, not a broken insert.
    let agency: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM agency WHERE id = $1)")
        .bind(agency_id)
        .fetch_one(&mut **tx)
        .await?;
    if !agency {
        return Err(ApiError::not_found());
    }
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM unit WHERE agency_id = $1 AND name = $2)")
        .bind(agency_id)
        .bind(&name)
        .fetch_one(&mut **tx)
        .await?;
    if exists {
        return Err(ApiError::new(ErrorCode::Conflict, "the agency already has a unit of that name"));
    }
    let id = staff::insert_unit(&mut *tx, agency_id, &name, &req.kind, false).await?;
    let (admin_id, unit_id) = (admin.id.to_string(), id.to_string());
    audit::append(
        &mut *tx,
        &audit::Entry::by_staff(&admin_id, "admin.unit_created", ("unit", &unit_id), json!({"name": name})),
    )
    .await?;
    let body = idem::to_json(&UnitDto { id, name, kind: req.kind })?;
    g.finish(201, &body).await?;
    Ok(idem::answer(201, body))
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct RoleGrant {
    pub unit_id: Uuid,
    /// `clerk`, `officer`, `leader`, `agency_admin` or `system_admin`.
    #[schema(pattern = "^(clerk|officer|leader|agency_admin|system_admin)$")]
    pub role: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    /// The subject the staff identity provider signs them in as: 1 to 200 visible ASCII characters.
    #[schema(pattern = "^[!-~]{1,200}$")]
    pub username: String,
    pub full_name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub roles: Vec<RoleGrant>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StaffDto {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub title: Option<String>,
    pub active: bool,
    pub roles: Vec<RoleGrant>,
}

/// Checks role grants: known roles, `system_admin` only from a system administrator, and each unit in an agency
/// `agency_ok` accepts (`where_` says which, for the message). Problems go to `problems`.
async fn check_grants(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    admin: &StaffCaller,
    roles: &[RoleGrant],
    agency_ok: impl Fn(Uuid) -> bool,
    where_: &str,
    problems: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    for (i, g) in roles.iter().enumerate() {
        if !matches!(g.role.as_str(), "clerk" | "officer" | "leader" | "agency_admin" | "system_admin") {
            problems.push(FieldError::new(format!("body.roles[{i}].role"), "unknown", "no such role"));
        }
        if g.role == "system_admin" && !admin.is_system_admin() {
            problems.push(FieldError::new(
                format!("body.roles[{i}].role"),
                "not_allowed",
                "only a system administrator grants it",
            ));
        }
        let agency: Option<Uuid> = sqlx::query_scalar("SELECT agency_id FROM unit WHERE id = $1")
            .bind(g.unit_id)
            .fetch_optional(&mut **tx)
            .await?;
        if !agency.is_some_and(&agency_ok) {
            problems.push(FieldError::new(format!("body.roles[{i}].unit_id"), "not_in_agency", where_));
        }
    }
    Ok(())
}

/// Creates a staff account with roles in units of this agency. Only a system administrator grants `system_admin`.
#[utoipa::path(post, path = "/api/v1/agencies/{id}/staff", tag = "administration", params(("id" = Uuid, Path)),
    request_body = NewStaff,
    responses(
        (status = 201, body = StaffDto),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The username is taken", body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn create_staff(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(agency_id): Path<Uuid>,
    ApiJson(req): ApiJson<NewStaff>,
) -> ApiResult<Response> {
    let admin = require_staff(&caller)?;
    may_administer(admin, agency_id)?;
    let (username, full_name) = (req.username.trim().to_owned(), clean(&req.full_name));
    let mut problems = Vec::new();
    if username.is_empty() || username.len() > 200 || !username.bytes().all(|b| b.is_ascii_graphic()) {
        problems.push(FieldError::new("body.username", "invalid_format", "1 to 200 visible ASCII characters"));
    }
    if full_name.is_empty() || full_name.chars().count() > 200 {
        problems.push(FieldError::new("body.full_name", "invalid_length", "1 to 200 characters"));
    }
    if req.roles.is_empty() {
        problems.push(FieldError::new("body.roles", "required", "at least one role"));
    }
    let request = serde_json::to_vec(&(agency_id, &req)).map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "create_staff", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let tx = &mut g.tx;
    check_grants(tx, admin, &req.roles, |a| a == agency_id, "a unit of this agency", &mut problems).await?;
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    if staff::find_by_username(&mut *tx, &username).await?.is_some() {
        return Err(ApiError::new(ErrorCode::Conflict, "the username is taken"));
    }
    let id = staff::insert_staff(
        &mut *tx,
        &staff::NewStaff {
            username: &username,
            full_name: &full_name,
            title: req.title.as_deref(),
            phone: req.phone.as_deref(),
            is_sample: false,
        },
    )
    .await?;
    for g in &req.roles {
        staff::grant(&mut *tx, id, g.unit_id, &g.role).await?;
    }
    let (admin_id, staff_id) = (admin.id.to_string(), id.to_string());
    let roles = serde_json::to_value(&req.roles).unwrap_or_default();
    audit::append(
        &mut *tx,
        &audit::Entry::by_staff(&admin_id, "admin.staff_created", ("staff", &staff_id), json!({"roles": roles})),
    )
    .await?;
    let body = idem::to_json(&StaffDto { id, username, full_name, title: req.title, active: true, roles: req.roles })?;
    g.finish(201, &body).await?;
    Ok(idem::answer(201, body))
}

/// Disables a staff account: every session of it ends at once. Administrators of an agency where the account holds a role.
#[utoipa::path(post, path = "/api/v1/staff/{id}/disable", tag = "administration", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn disable_staff(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let admin = require_staff(&caller)?;
    let roles = staff::roles(&state.db, id).await?;
    if staff::get(&state.db, id).await?.is_none() {
        return Err(ApiError::not_found());
    }
    let allowed =
        admin.is_system_admin() || roles.iter().any(|r| admin.has_role_in_agency(r.agency_id, "agency_admin"));
    if !allowed {
        return Err(ApiError::new(ErrorCode::Forbidden, "administrators of this person's agency only"));
    }
    let request = id.as_bytes().to_vec();
    let mut g = match idem::begin(&state, &caller, &headers, "disable_staff", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let tx = &mut g.tx;
    sqlx::query("UPDATE staff SET active = false WHERE id = $1").bind(id).execute(&mut **tx).await?;
    session::revoke_all_for_staff(&mut **tx, id).await?;
    let (admin_id, staff_id) = (admin.id.to_string(), id.to_string());
    audit::append(
        &mut *tx,
        &audit::Entry::by_staff(&admin_id, "admin.staff_disabled", ("staff", &staff_id), json!({})),
    )
    .await?;
    let body = serde_json::Value::Null;
    g.finish(204, &body).await?;
    Ok(idem::answer(204, body))
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Clone)]
pub struct UnitRole {
    pub unit_id: Uuid,
    pub unit_name: String,
    /// `clerk`, `officer`, `leader`, `agency_admin` or `system_admin`.
    #[schema(pattern = "^(clerk|officer|leader|agency_admin|system_admin)$")]
    pub role: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StaffMember {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub title: Option<String>,
    pub disabled: bool,
    /// Their roles in this agency's units.
    pub roles: Vec<UnitRole>,
}

/// The staff of an agency with their roles in its units: for its administrators (everyone, disabled too) and for
/// its clerks, officers and leaders (the active ones, to pick whom to hand a dossier to).
#[utoipa::path(get, path = "/api/v1/agencies/{id}/staff", tag = "administration", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<StaffMember>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_staff(
    State(state): State<AppState>,
    caller: Caller,
    Path(agency_id): Path<Uuid>,
) -> ApiResult<Json<Vec<StaffMember>>> {
    let me = require_staff(&caller)?;
    let admin = may_administer(me, agency_id).is_ok();
    if !admin && !me.roles.iter().any(|r| r.agency_id == agency_id) {
        return Err(ApiError::new(ErrorCode::Forbidden, "staff of this agency only"));
    }
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        username: String,
        full_name: String,
        title: Option<String>,
        active: bool,
        unit_id: Uuid,
        unit_name: String,
        role: String,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.id, s.username, s.full_name, s.title, s.active, u.id AS unit_id, u.name AS unit_name, r.role
           FROM staff s JOIN staff_role r ON r.staff_id = s.id JOIN unit u ON u.id = r.unit_id
          WHERE u.agency_id = $1 AND (s.active OR $2)
          ORDER BY s.full_name, s.id, u.name, r.role",
    )
    .bind(agency_id)
    .bind(admin)
    .fetch_all(&state.db)
    .await?;
    let mut out: Vec<StaffMember> = Vec::new();
    for r in rows {
        let role = UnitRole { unit_id: r.unit_id, unit_name: r.unit_name, role: r.role };
        match out.last_mut() {
            Some(m) if m.id == r.id => m.roles.push(role),
            _ => out.push(StaffMember {
                id: r.id,
                username: r.username,
                full_name: r.full_name,
                title: r.title,
                disabled: !r.active,
                roles: vec![role],
            }),
        }
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRoles {
    pub roles: Vec<RoleGrant>,
}

/// Replaces a person's roles in the agencies the caller administers (a system administrator: everywhere); roles
/// in other agencies stay. Takes effect at the person's next request. Audited with the before and after.
#[utoipa::path(put, path = "/api/v1/staff/{id}/roles", tag = "administration", params(("id" = Uuid, Path)),
    request_body = SetRoles,
    responses((status = 200, body = Vec<RoleGrant>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_roles(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<SetRoles>,
) -> ApiResult<Response> {
    let admin = require_staff(&caller)?;
    if staff::get(&state.db, id).await?.is_none() {
        return Err(ApiError::not_found());
    }
    let administers = |agency: Uuid| may_administer(admin, agency).is_ok();
    let before = staff::roles(&state.db, id).await?;
    if !admin.is_system_admin() && !admin.roles.iter().any(|r| r.role == "agency_admin") {
        return Err(ApiError::new(ErrorCode::Forbidden, "agency administrators only"));
    }
    let request = serde_json::to_vec(&(id, &req)).map_err(|e| ApiError::Internal(e.into()))?;
    let mut g = match idem::begin(&state, &caller, &headers, "set_roles", &request).await? {
        Begun::Replay(r) => return Ok(idem::answer(r.status, r.body)),
        Begun::Fresh(g) => g,
    };
    let tx = &mut g.tx;
    let mut problems = Vec::new();
    check_grants(tx, admin, &req.roles, administers, "a unit of an agency you administer", &mut problems).await?;
    if id == admin.id && !req.roles.iter().any(|r| r.role == "agency_admin" || r.role == "system_admin") {
        problems.push(FieldError::new("body.roles", "own_admin_role", "you cannot take away your own administration"));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    for r in before.iter().filter(|r| administers(r.agency_id)) {
        sqlx::query("DELETE FROM staff_role WHERE staff_id = $1 AND unit_id = $2 AND role = $3")
            .bind(id)
            .bind(r.unit_id)
            .bind(&r.role)
            .execute(&mut **tx)
            .await?;
    }
    for r in &req.roles {
        staff::grant(&mut *tx, id, r.unit_id, &r.role).await?;
    }
    let after: Vec<RoleGrant> = sqlx::query_as::<_, (Uuid, String)>(
        "SELECT unit_id, role FROM staff_role WHERE staff_id = $1 ORDER BY unit_id, role",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|(unit_id, role)| RoleGrant { unit_id, role })
    .collect();
    let (admin_id, staff_id) = (admin.id.to_string(), id.to_string());
    let was: Vec<RoleGrant> = before.iter().map(|r| RoleGrant { unit_id: r.unit_id, role: r.role.clone() }).collect();
    audit::append(
        &mut *tx,
        &audit::Entry::by_staff(
            &admin_id,
            "admin.staff_roles_set",
            ("staff", &staff_id),
            json!({"before": serde_json::to_value(&was).unwrap_or_default(), "after": serde_json::to_value(&after).unwrap_or_default()}),
        ),
    )
    .await?;
    let body = idem::to_json(&after)?;
    g.finish(200, &body).await?;
    Ok(idem::answer(200, body))
}
