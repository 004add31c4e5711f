//! The population database for people: a counter clerk looks up the applicant in front of them (the form fills
//! itself), and a citizen's e-form is prefilled from their eID and the database. Every lookup is recorded in
//! `population_lookup` (who, why, masked ID, result); a clerk's lookup is also an audited access to personal
//! data. An unknown answer (down, slow, error) is never "verified": the citizen is told and can retry; the
//! clerk can go on with manual entry, which the dossier marks unverified.

use axum::{
    Json,
    extract::{Path, State},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiJson, ApiResult, ErrorBody, ErrorCode, FieldError},
};
use crate::{
    app::require_staff,
    domain::{catalogue::Procedure, eform::FormSchema},
    population::{IdentityFacts, PersonFacts, Prefilled, Verification, mask, prefill},
    store::audit,
};

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// 12 digits (sent in the body, never in a URL).
    #[schema(pattern = "^[0-9]{12}$")]
    pub personal_id: String,
    pub full_name: String,
    /// `yyyy-mm-dd`, when known.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// The procedure the applicant came for (the lookup's purpose); its e-form's prefills are answered.
    pub procedure_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LookupAnswer {
    /// Pass it as `population_lookup_id` when receiving the dossier.
    pub lookup_id: Option<i64>,
    /// `verified`, `not_found` or `unknown` (the database did not answer: continue by hand, unverified).
    pub result: String,
    /// Why the answer is unknown: `timeout`, `unreachable`, `circuit_open`, `server_error`, ...
    pub reason: Option<String>,
    /// What the database holds about the person (verified only).
    pub person: Option<PersonFacts>,
    /// The procedure's e-form answers filled from the person, with their source.
    pub prefill: Vec<Prefilled>,
}

fn split(v: Verification) -> (String, Option<String>, Option<PersonFacts>) {
    match v {
        Verification::Verified(c) => ("verified".into(), None, Some(PersonFacts::from_cong_dan(&c))),
        Verification::NotFound => ("not_found".into(), None, None),
        Verification::Unknown(why) => ("unknown".into(), Some(why.to_owned()), None),
    }
}

async fn form_of(state: &AppState, code: &str, field: &str) -> Result<FormSchema, ApiError> {
    let doc: Option<Value> = sqlx::query_scalar(
        "SELECT pv.document FROM procedure p
           JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version WHERE p.code = $1",
    )
    .bind(code)
    .fetch_optional(&state.db)
    .await?;
    let doc = doc.ok_or_else(|| ApiError::field(field, "unknown", "no such procedure in the catalogue"))?;
    let procedure: Procedure = serde_json::from_value(doc).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(procedure.form)
}

/// A receiving clerk looks up the applicant at the counter (clerks of a one-stop desk only).
#[utoipa::path(post, path = "/api/v1/population/lookups", tag = "population", request_body = LookupRequest,
    responses((status = 200, body = LookupAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<LookupRequest>,
) -> ApiResult<Json<LookupAnswer>> {
    let staff = require_staff(&caller)?;
    if !staff.roles.iter().any(|r| r.role == "clerk" && r.unit_kind == "one_stop") {
        return Err(ApiError::new(ErrorCode::Forbidden, "receiving clerks only"));
    }
    let mut problems = Vec::new();
    let pid = req.personal_id.trim();
    if !(pid.len() == 12 && pid.bytes().all(|b| b.is_ascii_digit())) {
        problems.push(FieldError::new("body.personal_id", "invalid_format", "must be 12 digits"));
    }
    let name: String = unicode_normalization::UnicodeNormalization::nfc(req.full_name.trim()).collect();
    if name.is_empty() || name.chars().count() > 200 {
        problems.push(FieldError::new("body.full_name", "invalid_length", "1 to 200 characters"));
    }
    let birth = match req.birth_date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(d) => match time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")) {
            Ok(d) => Some(format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())),
            Err(_) => {
                problems.push(FieldError::new("body.birth_date", "invalid_date", "must be yyyy-mm-dd"));
                None
            }
        },
    };
    let form = match form_of(&state, &req.procedure_code, "body.procedure_code").await {
        Ok(f) => Some(f),
        Err(ApiError::Client { details, .. }) => {
            problems.extend(details);
            None
        }
        Err(e) => return Err(e),
    };
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let staff_id = staff.id.to_string();
    let (verdict, lookup_id) =
        state.population.lookup(&state.db, pid, &name, birth.as_deref(), &req.procedure_code, &staff_id).await;
    let (result, reason, person) = split(verdict);
    audit::append_alone(
        &state.db,
        &audit::Entry {
            actor_kind: audit::ActorKind::Staff,
            actor_id: Some(&staff_id),
            action: "population.lookup",
            object_kind: Some("population_lookup"),
            object_id: lookup_id.map(|i| i.to_string()).as_deref(),
            details: json!({"personal_id": mask(pid), "purpose": req.procedure_code, "result": result}),
        },
    )
    .await?;
    let identity = IdentityFacts {
        full_name: Some(name),
        birth_date: req.birth_date.clone(),
        personal_id: Some(pid.to_owned()),
        email: None,
        phone: None,
    };
    let prefill = form.map(|f| prefill(&f, &identity, person.as_ref())).unwrap_or_default();
    Ok(Json(LookupAnswer { lookup_id, result, reason, person, prefill }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrefillAnswer {
    /// `verified`, `not_found`, `unknown` or `not_needed` (the form has no population field): with `unknown` only the eID's own facts are filled; tell the
    /// citizen the population database did not answer and offer to try again.
    pub population: String,
    pub reason: Option<String>,
    pub values: Vec<Prefilled>,
}

/// The signed-in citizen's e-form answers for a procedure, prefilled from their eID and the population
/// database (the lookup is recorded with the procedure as its purpose).
#[utoipa::path(get, path = "/api/v1/procedures/{code}/prefill", tag = "population", params(("code" = String, Path)),
    responses((status = 200, body = PrefillAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn citizen_prefill(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<PrefillAnswer>> {
    let Caller::Citizen(c) = &caller else {
        return Err(ApiError::new(ErrorCode::Forbidden, "for signed-in citizens"));
    };
    let form = match form_of(&state, &code, "path.code").await {
        Ok(f) => f,
        Err(ApiError::Client { .. }) => return Err(ApiError::not_found()),
        Err(e) => return Err(e),
    };
    #[derive(sqlx::FromRow)]
    struct Me {
        full_name: String,
        personal_id: Option<String>,
        birth_date: Option<time::Date>,
        email: Option<String>,
        phone: Option<String>,
    }
    let me: Me = sqlx::query_as("SELECT full_name, personal_id, birth_date, email, phone FROM citizen WHERE id = $1")
        .bind(c.id)
        .fetch_one(&state.db)
        .await?;
    let identity = IdentityFacts {
        full_name: Some(me.full_name.clone()),
        birth_date: me.birth_date.map(|d| d.to_string()),
        personal_id: me.personal_id.clone(),
        email: me.email,
        phone: me.phone,
    };
    let wants_population = form.fields.iter().any(|f| f.prefill.is_some_and(|p| p.as_str().starts_with("population.")));
    let (population, reason, person) = match (&me.personal_id, wants_population) {
        (Some(pid), true) => {
            let birth = me.birth_date.map(|d| format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day()));
            let (v, _) =
                state.population.lookup(&state.db, pid, &me.full_name, birth.as_deref(), &code, "CONGDAN").await;
            split(v)
        }
        // A business account has no personal ID; a form without population fields needs no lookup.
        (None, true) => ("not_found".to_owned(), None, None),
        (_, false) => ("not_needed".to_owned(), None, None),
    };
    Ok(Json(PrefillAnswer { values: prefill(&form, &identity, person.as_ref()), population, reason }))
}
