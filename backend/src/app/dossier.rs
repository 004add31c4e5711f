//! Dossier use cases: create (online, at the counter), act (every lifecycle action), read.
//!
//! Every change runs in one transaction that also writes the history row (`dossier_action`), the
//! audit entry and, with an `Idempotency-Key`, the stored answer. Concurrent actions on one dossier
//! are ordered by `SELECT ... FOR UPDATE` and resolved by the version number: the loser gets 409.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::{Postgres, Transaction};
use time::{OffsetDateTime, PrimitiveDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Caller, StaffCaller, clock};
use crate::{
    domain::{
        calendar::{StatutoryTime as CalTime, Timeliness, WorkingCalendar, from_local, timeliness, to_local},
        catalogue::{Procedure, StepRole, TimeUnit, UnitKind},
        eform::FieldProblem,
        lifecycle::{self, Action, Role, State, TransitionError},
    },
    http::error::{ApiError, ErrorCode, FieldError},
    store::{self, audit, staff::StaffRole},
};

// ---------------------------------------------------------------- request and response types

/// The person filing (người nộp) or owning (chủ hồ sơ) a dossier.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub full_name: String,
    /// 12-digit personal ID (số định danh cá nhân); or `tax_code` for a business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    /// `yyyy-mm-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    /// An upload of the caller's (`POST /api/v1/uploads`); or, instead:
    #[serde(default)]
    pub upload_id: Option<Uuid>,
    /// A file from the citizen's personal data store (`GET /api/v1/me/documents`): a component, supplement,
    /// result or receipt of one of their own dossiers, reused without uploading it again.
    #[serde(default)]
    pub reuse_attachment_id: Option<Uuid>,
    /// The procedure's component code (e.g. `TP01`).
    pub component_code: String,
    /// Counter only: the clerk compared the copy with the original.
    #[serde(default)]
    pub checked_against_original: bool,
}

/// A citizen's online submission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitDossier {
    /// National procedure code, e.g. `1.001193`.
    pub procedure_code: String,
    /// The receiving agency (must be competent for the procedure).
    pub agency_id: Uuid,
    /// The e-form answers, keyed by field key.
    #[schema(value_type = Object)]
    pub form: Value,
    /// The owner (chủ hồ sơ) when the applicant files for someone else.
    #[serde(default)]
    pub owner: Option<Person>,
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
    /// Components the applicant will bring to the counter (only where the procedure allows it).
    #[serde(default)]
    pub bring_to_counter: Vec<String>,
    /// Contact details for notifications (the identity's own when absent).
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// A dossier received in person at the one-stop counter (or by post) by a clerk.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveAtCounter {
    pub procedure_code: String,
    /// The receiving agency; may be left out when the clerk works at one agency only.
    #[serde(default)]
    pub agency_id: Option<Uuid>,
    /// `counter` (default) or `post`.
    #[serde(default)]
    pub channel: Option<String>,
    pub applicant: Person,
    #[serde(default)]
    pub owner: Option<Person>,
    #[schema(value_type = Object)]
    pub form: Value,
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
    /// The clerk's population-database lookup of the applicant (`POST /api/v1/population/lookups`): when it
    /// verified this same person, the dossier is marked verified; without it (or when the database did not
    /// answer) the clerk's manual entry is received, marked unverified.
    #[serde(default)]
    pub population_lookup_id: Option<i64>,
}

/// One action on a dossier.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `accept`, `request_supplement`, `receive_supplement`, `refuse`, `hand_over`, `send_back`,
    /// `submit_for_approval`, `approve`, `request_payment`, `record_payment`, `issue_result`,
    /// `return_result`, `withdraw`, `stop`, `apologise`.
    pub action: String,
    /// The `version` of the dossier the caller acted on (optimistic concurrency).
    pub expected_version: i32,
    #[serde(default)]
    pub note: Option<String>,
    /// Required for refuse, stop, send_back, request_supplement and apologise.
    #[serde(default)]
    pub reason: Option<String>,
    /// Apologise: the new appointment time (RFC 3339), later than the current one.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub new_due_at: Option<OffsetDateTime>,
    /// Request supplement: every missing or wrong item, listed once.
    #[serde(default)]
    pub items: Vec<String>,
    /// Hand over: the person at the next step (must hold a role in its unit).
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    /// Record payment: `cash` or `transfer` (online payments arrive from the payment platform).
    #[serde(default)]
    pub payment_method: Option<String>,
    /// Receive supplement, issue result: files added with this action.
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
    /// Return result: `in_person` or `post`.
    #[serde(default)]
    pub delivery: Option<String>,
    /// Approve, issue result: the system writes the result document from the procedure's result layout and
    /// attaches it (besides any `attachments`).
    #[serde(default)]
    pub generate_result: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct AttachmentView {
    pub id: Uuid,
    /// `component`, `supplement` or `result`.
    pub role: String,
    pub component_code: Option<String>,
    pub file_name: String,
    pub kind: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub checked_against_original: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DossierView {
    pub id: Uuid,
    /// Dossier code (mã số hồ sơ), e.g. `000.00.14.H56-260302-0001`.
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    /// The catalogue version the dossier was filed under.
    pub procedure_version: i32,
    pub agency_id: Uuid,
    pub agency_name: String,
    /// 1 counter, 2 online, 3 post.
    pub channel: i16,
    /// Internal state (`submitted`, `received`, `in_processing`, ...).
    pub state: String,
    /// National status code 1–10 (TrangThaiHoSo).
    pub national_status: u8,
    pub national_status_label: String,
    /// Increment on every change; send it back as `expected_version`.
    pub version: i32,
    pub applicant: Person,
    pub owner: Option<Person>,
    #[schema(value_type = Object)]
    pub form: Value,
    pub fees_total: i64,
    /// `none`, `requested`, `paid_online` or `paid_other`.
    pub payment_state: String,
    /// The applicant's identity was confirmed by the population database (else: entered by hand, unverified).
    pub population_verified: bool,
    pub current_step: i32,
    pub current_step_name: Option<String>,
    pub current_unit_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<OffsetDateTime>,
    /// The appointment time (hẹn trả); absent before acceptance and while the clock is paused.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<OffsetDateTime>,
    /// The appointment before an apology moved it.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub original_due_at: Option<OffsetDateTime>,
    /// The clock is paused (supplement or payment requested).
    pub paused: bool,
    /// Working minutes left until the appointment (negative when late; frozen while paused).
    pub time_left_minutes: Option<i64>,
    /// Once finished: `early`, `on_time` or `late`.
    pub timeliness: Option<String>,
    pub apologies: i32,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub returned_at: Option<OffsetDateTime>,
    pub attachments: Vec<AttachmentView>,
    /// The official documents of the dossier that can be downloaded now (receipt, supplement requests, ...).
    pub documents: Vec<super::documents::DocumentLink>,
    /// The actions the caller may take now.
    pub allowed_actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct HistoryEntry {
    pub seq: i32,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub national_code: i16,
    pub actor_kind: String,
    pub actor_name: Option<String>,
    pub unit_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub step: Option<i32>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<OffsetDateTime>,
    #[schema(value_type = Object)]
    pub data: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct StepView {
    pub seq: i32,
    pub step: i32,
    pub name: String,
    pub unit_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
    pub timeliness: Option<String>,
}

// ---------------------------------------------------------------- the loaded dossier

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: Uuid,
    code: String,
    procedure_version: i32,
    document: Value,
    agency_id: Uuid,
    agency_name: String,
    channel: i16,
    state: String,
    resume_to: Option<String>,
    version: i32,
    applicant_citizen_id: Option<Uuid>,
    applicant: Value,
    owner: Option<Value>,
    form_answers: Value,
    fees_total: i64,
    payment_state: String,
    population_verified: bool,
    current_step: i32,
    current_unit_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
    submitted_at: OffsetDateTime,
    received_at: Option<OffsetDateTime>,
    clock_started_at: Option<OffsetDateTime>,
    due_at: Option<OffsetDateTime>,
    original_due_at: Option<OffsetDateTime>,
    paused_at: Option<OffsetDateTime>,
    paused_due_at: Option<OffsetDateTime>,
    remaining_minutes: Option<i32>,
    apologies: i32,
    finished_at: Option<OffsetDateTime>,
    returned_at: Option<OffsetDateTime>,
    /// Every unit that holds or held the dossier.
    holder_units: Vec<Uuid>,
}

const SELECT_ROW: &str = "SELECT d.id, d.code, pv.version AS procedure_version, pv.document,
        d.agency_id, a.name AS agency_name, d.channel, d.state, d.resume_to, d.version, d.applicant_citizen_id,
        d.applicant, d.owner, d.form_answers, d.fees_total, d.payment_state, d.population_verified, d.current_step, d.current_unit_id,
        d.assignee_id, d.submitted_at, d.received_at, d.clock_started_at, d.due_at, d.original_due_at, d.paused_at,
        d.paused_due_at, d.remaining_minutes, d.apologies, d.finished_at, d.returned_at,
        ARRAY(SELECT h.unit_id FROM dossier_holder h WHERE h.dossier_id = d.id) AS holder_units
   FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id JOIN agency a ON a.id = d.agency_id
  WHERE d.id = $1";

impl Row {
    fn state(&self) -> Result<State, ApiError> {
        State::parse(&self.state).ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown state {}", self.state)))
    }

    fn procedure(&self) -> Result<Procedure, ApiError> {
        serde_json::from_value(self.document.clone())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored procedure document unreadable: {e}")))
    }
}

async fn load(tx: &mut Transaction<'_, Postgres>, id: Uuid, lock: bool) -> Result<Option<Row>, ApiError> {
    let sql = if lock { format!("{SELECT_ROW} FOR UPDATE OF d") } else { SELECT_ROW.to_owned() };
    Ok(sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **tx).await?)
}

/// Whether `caller` may see the dossier: its applicant, a clerk, officer or leader of a unit that holds or held
/// it, or a leader of
/// the competent agency (who answers for every dossier of the agency: signs apologies and stop notices).
/// The one place this rule lives; every read and every action goes through it.
fn can_see(caller: &Caller, row: &Row) -> bool {
    match caller {
        Caller::Citizen(c) => row.applicant_citizen_id == Some(c.id),
        // Machines act on their own authority, checked where they come in (platform token, signature).
        Caller::System(_) => true,
        // Administrators configure; they do not read citizens' files by virtue of their unit.
        Caller::Staff(s) => s
            .roles
            .iter()
            .filter(|r| matches!(r.role.as_str(), "clerk" | "officer" | "leader"))
            .any(|r| row.holder_units.contains(&r.unit_id) || (r.role == "leader" && r.agency_id == row.agency_id)),
    }
}

/// The lifecycle roles the caller may act in for `action` on this dossier.
fn candidate_roles(caller: &Caller, row: &Row, action: Action) -> Vec<Role> {
    match caller {
        Caller::Citizen(c) => {
            if row.applicant_citizen_id == Some(c.id) {
                vec![Role::Applicant]
            } else {
                vec![]
            }
        }
        Caller::Staff(s) => staff_roles(s, row, action),
        Caller::System(_) => vec![Role::System],
    }
}

fn staff_roles(s: &StaffCaller, row: &Row, action: Action) -> Vec<Role> {
    let mut roles = Vec::new();
    let mut add = |r: &str| {
        let role = match r {
            "clerk" => Role::Clerk,
            "officer" => Role::Officer,
            "leader" => Role::Leader,
            _ => return,
        };
        if !roles.contains(&role) {
            roles.push(role);
        }
    };
    if let Some(unit) = row.current_unit_id {
        s.roles_in(unit).for_each(&mut add);
    }
    // Withdrawal at the counter, apologies and stopping belong to the desks and leaders that hold or held
    // the dossier, wherever it is now. So do receiving a supplement and recording a payment: the applicant
    // brings them to the one-stop desk even when a processing unit asked for them.
    if matches!(
        action,
        Action::Withdraw | Action::Apologise | Action::Stop | Action::ReceiveSupplement | Action::RecordPayment
    ) {
        let concerned = |r: &&StaffRole| {
            row.holder_units.contains(&r.unit_id) || (r.role == "leader" && r.agency_id == row.agency_id)
        };
        for r in s.roles.iter().filter(concerned) {
            if (r.role == "clerk" && r.unit_kind == "one_stop") || r.role == "leader" {
                add(&r.role);
            }
        }
    }
    roles
}

// ---------------------------------------------------------------- validation helpers

pub(super) fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect::<String>().trim().to_owned()
}

pub(super) fn validate_person(p: &Person, path: &str, problems: &mut Vec<FieldError>) -> Person {
    let mut out = p.clone();
    out.full_name = nfc(&p.full_name);
    if out.full_name.is_empty() {
        problems.push(FieldError::new(format!("{path}.full_name"), "required", "must not be empty"));
    } else if out.full_name.chars().count() > 200 || out.full_name.chars().any(char::is_control) {
        problems.push(FieldError::new(
            format!("{path}.full_name"),
            "invalid_format",
            "at most 200 characters, no control characters",
        ));
    }
    if let Some(id) = &p.personal_id
        && !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
    {
        problems.push(FieldError::new(format!("{path}.personal_id"), "invalid_format", "must be 12 digits"));
    }
    if p.personal_id.is_none() && p.tax_code.is_none() {
        problems.push(FieldError::new(
            format!("{path}.personal_id"),
            "required",
            "a personal ID or a tax code is required",
        ));
    }
    if let Some(d) = &p.birth_date
        && time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).is_err()
    {
        problems.push(FieldError::new(format!("{path}.birth_date"), "invalid_date", "must be yyyy-mm-dd"));
    }
    for (field, value) in [("address", &mut out.address), ("phone", &mut out.phone), ("email", &mut out.email)] {
        if let Some(v) = value.as_mut() {
            *v = nfc(v);
            if v.chars().count() > 500 || v.chars().any(char::is_control) {
                problems.push(FieldError::new(format!("{path}.{field}"), "invalid_format", "at most 500 characters"));
            }
        }
    }
    out
}

pub(super) fn form_problems(problems: Vec<FieldProblem>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|p| {
            let field = match p.field.strip_prefix("answers") {
                Some(rest) => format!("body.form{rest}"),
                None => format!("body.form.{}", p.field),
            };
            FieldError::new(field, p.code, p.message)
        })
        .collect()
}

pub(super) async fn load_procedure(
    tx: &mut Transaction<'_, Postgres>,
    code: &str,
) -> Result<(Uuid, Procedure), ApiError> {
    let row: Option<(Uuid, Value)> = sqlx::query_as(
        "SELECT pv.id, pv.document FROM procedure p
           JOIN procedure_version pv ON pv.procedure_id = p.id AND pv.version = p.current_version
          WHERE p.code = $1",
    )
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?;
    let (id, doc) =
        row.ok_or_else(|| ApiError::field("body.procedure_code", "unknown", "no such procedure in the catalogue"))?;
    let procedure: Procedure = serde_json::from_value(doc)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored procedure document unreadable: {e}")))?;
    Ok((id, procedure))
}

#[derive(sqlx::FromRow)]
pub(super) struct AgencyInfo {
    pub(super) level: String,
    pub(super) code: Option<String>,
    pub(super) legacy_code: Option<String>,
}

pub(super) async fn agency_info(tx: &mut Transaction<'_, Postgres>, id: Uuid) -> Result<Option<AgencyInfo>, ApiError> {
    Ok(sqlx::query_as(
        "SELECT a.level,
            (SELECT code FROM agency_code c WHERE c.agency_id = a.id AND c.kind = 'qd20' AND c.valid_to IS NULL ORDER BY valid_from DESC LIMIT 1) AS code,
            (SELECT code FROM agency_code c WHERE c.agency_id = a.id AND c.kind = 'legacy' AND c.valid_to IS NULL ORDER BY valid_from DESC LIMIT 1) AS legacy_code
           FROM agency a WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

pub(super) fn competent(procedure: &Procedure, agency: &AgencyInfo) -> bool {
    use crate::domain::catalogue::Competent;
    match &procedure.competent {
        Competent::Level(level) => level.as_str() == agency.level,
        Competent::Agency(code) => agency.code.as_deref() == Some(code.as_str()),
    }
}

/// The agency whose one-stop desk receives the procedure's dossiers: the first workflow step's agency
/// when it names one (e.g. the provincial public-administration service centre), else the competent agency.
pub(super) async fn receiving_agency(
    tx: &mut Transaction<'_, Postgres>,
    procedure: &Procedure,
    competent_agency: Uuid,
) -> Result<Uuid, ApiError> {
    match procedure.workflow.first().and_then(|s| s.agency.as_deref()) {
        Some(code) => store::agency::find_by_code(tx, code)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("receiving agency {code} not found"))),
        None => Ok(competent_agency),
    }
}

/// The competent agency named by the procedure itself, if it names one.
pub(super) async fn named_competent_agency(
    tx: &mut Transaction<'_, Postgres>,
    procedure: &Procedure,
) -> Result<Option<Uuid>, ApiError> {
    use crate::domain::catalogue::Competent;
    match &procedure.competent {
        Competent::Agency(code) => Ok(store::agency::find_by_code(tx, code).await?),
        Competent::Level(_) => Ok(None),
    }
}

/// Attaches the caller's uploads; checks ownership and component codes. Problems go to `problems`.
#[allow(clippy::too_many_arguments)]
async fn attach(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    dossier_id: Uuid,
    procedure: &Procedure,
    refs: &[AttachmentRef],
    role: &str,
    path: &str,
    problems: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    let (owner_kind, owner_id) = match caller {
        Caller::Citizen(c) => ("citizen", c.id),
        Caller::Staff(s) => ("staff", s.id),
        Caller::System(_) => {
            if !refs.is_empty() {
                problems.push(FieldError::new(path, "not_allowed", "machines do not attach uploads"));
            }
            return Ok(());
        }
    };
    for (i, r) in refs.iter().enumerate() {
        if role != "result" && !procedure.components.iter().any(|c| c.code == r.component_code) {
            problems.push(FieldError::new(
                format!("{path}[{i}].component_code"),
                "unknown",
                "no such component in the procedure",
            ));
            continue;
        }
        if let Some(source) = r.reuse_attachment_id {
            if r.upload_id.is_some() || owner_kind != "citizen" {
                problems.push(FieldError::new(
                    format!("{path}[{i}].reuse_attachment_id"),
                    "not_allowed",
                    "a citizen reuses their own documents, instead of an upload",
                ));
                continue;
            }
            let copied = sqlx::query(
                "INSERT INTO attachment (dossier_id, role, component_code, file_name, kind, size, sha256, object_key,
                                         added_by_kind, added_by, reused_from)
                 SELECT $1, $2, $3, a.file_name, a.kind, a.size, a.sha256, a.object_key, 'citizen', $4, a.id
                   FROM attachment a JOIN dossier d ON d.id = a.dossier_id
                  WHERE a.id = $5 AND d.applicant_citizen_id = $4",
            )
            .bind(dossier_id)
            .bind(role)
            .bind(&r.component_code)
            .bind(owner_id)
            .bind(source)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if copied == 0 {
                problems.push(FieldError::new(
                    format!("{path}[{i}].reuse_attachment_id"),
                    "unknown",
                    "no such document in your data store",
                ));
            }
            continue;
        }
        let Some(upload_id) = r.upload_id else {
            problems.push(FieldError::new(
                format!("{path}[{i}].upload_id"),
                "required",
                "an upload_id or a reuse_attachment_id",
            ));
            continue;
        };
        let claimed = sqlx::query(
            "WITH u AS (
                UPDATE upload SET attached_at = now()
                 WHERE id = $1 AND owner_kind = $2 AND owner_id = $3 AND attached_at IS NULL
                RETURNING file_name, kind, size, sha256, object_key)
             INSERT INTO attachment (dossier_id, role, component_code, file_name, kind, size, sha256, object_key,
                                     checked_against_original, added_by_kind, added_by)
             SELECT $4, $5, $6, file_name, kind, size, sha256, object_key, $7, $2, $3 FROM u",
        )
        .bind(upload_id)
        .bind(owner_kind)
        .bind(owner_id)
        .bind(dossier_id)
        .bind(role)
        .bind(&r.component_code)
        .bind(r.checked_against_original && owner_kind == "staff")
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            problems.push(FieldError::new(
                format!("{path}[{i}].upload_id"),
                "unknown",
                "no such upload of yours, or already attached",
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- clock helpers

fn statutory(procedure: &Procedure) -> CalTime {
    let v = procedure.statutory_time.value;
    match procedure.statutory_time.unit {
        TimeUnit::WorkingDays => CalTime::WorkingDays(v),
        TimeUnit::WorkingHours => CalTime::WorkingHours(v),
        TimeUnit::CalendarDays => CalTime::CalendarDays(v),
    }
}

fn local(t: OffsetDateTime) -> PrimitiveDateTime {
    to_local(t)
}

fn timeliness_str(t: Timeliness) -> &'static str {
    match t {
        Timeliness::Early => "early",
        Timeliness::OnTime => "on_time",
        Timeliness::Late => "late",
    }
}

/// Opens workflow step `step` at `start`; returns the unit that holds the dossier there.
async fn open_step(
    tx: &mut Transaction<'_, Postgres>,
    calendar: &WorkingCalendar,
    procedure: &Procedure,
    dossier_id: Uuid,
    agency_id: Uuid,
    step: usize,
    start: OffsetDateTime,
) -> Result<Uuid, ApiError> {
    let s = procedure
        .workflow
        .get(step)
        .ok_or_else(|| ApiError::new(ErrorCode::IllegalTransition, "no such workflow step"))?;
    let step_agency = match &s.agency {
        Some(code) => store::agency::find_by_code(tx, code)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("workflow step agency {code} not found")))?,
        None => agency_id,
    };
    let kind = match s.unit {
        UnitKind::OneStop => "one_stop",
        UnitKind::Specialist => "specialist",
        UnitKind::Leadership => "leadership",
    };
    let unit = store::staff::unit_of_kind(tx, step_agency, kind).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::IllegalTransition, format!("the agency has no {kind} unit for workflow step {step}"))
    })?;
    let begin = calendar.next_working_instant(local(start));
    let due = from_local(calendar.add_working_minutes(begin, i64::from(s.hours) * 60));
    sqlx::query(
        "INSERT INTO dossier_step (dossier_id, seq, step, name, unit_id, started_at, due_at)
         VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM dossier_step WHERE dossier_id = $1), $2, $3, $4, $5, $6)",
    )
    .bind(dossier_id)
    .bind(step as i32)
    .bind(&s.name)
    .bind(unit)
    .bind(start)
    .bind(due)
    .execute(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO dossier_holder (dossier_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(dossier_id)
        .bind(unit)
        .execute(&mut **tx)
        .await?;
    Ok(unit)
}

/// Closes the current workflow step and opens `step`: the dossier moves to that step's unit, unassigned.
/// Returns the unit.
async fn move_to_step(
    tx: &mut Transaction<'_, Postgres>,
    calendar: &WorkingCalendar,
    procedure: &Procedure,
    d: &mut Row,
    step: usize,
    now: OffsetDateTime,
) -> Result<Uuid, ApiError> {
    close_step(tx, d.id, now).await?;
    let unit = open_step(tx, calendar, procedure, d.id, d.agency_id, step, now).await?;
    d.current_step = step as i32;
    d.current_unit_id = Some(unit);
    d.assignee_id = None;
    Ok(unit)
}

async fn close_step(tx: &mut Transaction<'_, Postgres>, dossier_id: Uuid, now: OffsetDateTime) -> Result<(), ApiError> {
    let open: Option<(i32, OffsetDateTime)> = sqlx::query_as(
        "SELECT seq, due_at FROM dossier_step WHERE dossier_id = $1 AND finished_at IS NULL ORDER BY seq DESC LIMIT 1",
    )
    .bind(dossier_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((seq, due)) = open {
        let t = timeliness_str(timeliness(local(due), local(now)));
        sqlx::query("UPDATE dossier_step SET finished_at = $3, timeliness = $4 WHERE dossier_id = $1 AND seq = $2")
            .bind(dossier_id)
            .bind(seq)
            .bind(now)
            .bind(t)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- create

/// A file that arrived with the dossier itself (the national portal sends them inline) or that the system wrote
/// (a generated result), already stored.
pub struct InlineFile {
    pub component_code: String,
    pub file_name: String,
    pub kind: String,
    pub object: crate::objects::StoredObject,
}

/// Attaches a file the system stored itself (sent inline by the national portal, or a generated result).
async fn attach_inline(
    tx: &mut Transaction<'_, Postgres>,
    dossier_id: Uuid,
    role: &str,
    f: &InlineFile,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO attachment (dossier_id, role, component_code, file_name, kind, size, sha256, object_key,
                                 added_by_kind)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'system')",
    )
    .bind(dossier_id)
    .bind(role)
    .bind(&f.component_code)
    .bind(&f.file_name)
    .bind(&f.kind)
    .bind(f.object.size as i64)
    .bind(f.object.sha256.as_slice())
    .bind(&f.object.key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) struct NewDossier<'a> {
    /// The code the dossier already has (filed on the national portal); else a new one is numbered.
    pub(super) code: Option<String>,
    pub(super) action: Action,
    pub(super) procedure_version_id: Uuid,
    pub(super) procedure: &'a Procedure,
    pub(super) agency_id: Uuid,
    /// The agency whose desk receives it: its code prefixes the dossier code.
    pub(super) receiving_id: Uuid,
    pub(super) receiving: &'a AgencyInfo,
    pub(super) channel: i16,
    pub(super) source: &'a str,
    pub(super) citizen_id: Option<Uuid>,
    pub(super) applicant: Person,
    pub(super) owner: Option<Person>,
    pub(super) form: serde_json::Map<String, Value>,
    pub(super) received: bool,
    pub(super) population_verified: bool,
    pub(super) attachments: &'a [AttachmentRef],
    pub(super) files: Vec<InlineFile>,
}

pub(super) async fn insert_dossier(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    actor_name: &str,
    d: NewDossier<'_>,
) -> Result<Uuid, ApiError> {
    let now = OffsetDateTime::now_utc();
    let calendar = clock::calendar_for(tx, d.agency_id).await?;
    let today = to_local(now).date();
    let prefix = d.receiving.legacy_code.clone().or_else(|| d.receiving.code.clone()).unwrap_or_default();
    // A new number is taken as late as possible: the counter row stays locked until this transaction
    // commits, and every submission to the same desk on the same day waits for it. Until then the row
    // carries a placeholder that no other transaction can see.
    let placeholder = d.code.clone().unwrap_or_else(|| format!("~{}", Uuid::new_v4()));
    let state = if d.received { State::Received } else { State::Submitted };
    let fees: i64 = d.procedure.fees.iter().map(|f| f.amount_vnd as i64).sum();
    let (start, due) = if d.received {
        let start = from_local(calendar.counter_start(local(now)));
        (Some(start), Some(from_local(calendar.due_for(local(start), statutory(d.procedure)))))
    } else {
        (None, None)
    };
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO dossier (code, procedure_version_id, agency_id, channel, source, state, applicant_citizen_id,
                              applicant, owner, applicant_name, form_answers, fees_total, submitted_at, received_at,
                              clock_started_at, due_at, population_verified)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
    )
    .bind(&placeholder)
    .bind(d.procedure_version_id)
    .bind(d.agency_id)
    .bind(d.channel)
    .bind(d.source)
    .bind(state.as_str())
    .bind(d.citizen_id)
    .bind(serde_json::to_value(&d.applicant).map_err(anyhow::Error::from)?)
    .bind(d.owner.as_ref().map(serde_json::to_value).transpose().map_err(anyhow::Error::from)?)
    .bind(&d.applicant.full_name)
    .bind(Value::Object(d.form))
    .bind(fees)
    .bind(now)
    .bind(d.received.then_some(now))
    .bind(start)
    .bind(due)
    .bind(d.population_verified)
    .fetch_one(&mut **tx)
    .await?;
    // The receiving agency's one-stop desk holds every new dossier.
    let unit = open_step(tx, &calendar, d.procedure, id, d.agency_id, 0, start.unwrap_or(now)).await?;
    let mut problems = Vec::new();
    attach(tx, caller, id, d.procedure, d.attachments, "component", "body.attachments", &mut problems).await?;
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    for f in &d.files {
        attach_inline(tx, id, "component", f).await?;
    }
    let code = match d.code {
        Some(code) => code,
        None => store::dossier_code::next(tx, d.receiving_id, &prefix, today).await?.to_string(),
    };
    sqlx::query("UPDATE dossier SET current_unit_id = $2, code = $3 WHERE id = $1")
        .bind(id)
        .bind(unit)
        .bind(&code)
        .execute(&mut **tx)
        .await?;
    let action = d.action;
    record_action(
        tx,
        caller,
        actor_name,
        id,
        1,
        action,
        None,
        state,
        Some(unit),
        None,
        None,
        Some(0),
        due,
        json!({"code": code}),
    )
    .await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn record_action(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    actor_name: &str,
    dossier_id: Uuid,
    seq: i32,
    action: Action,
    from: Option<State>,
    to: State,
    unit: Option<Uuid>,
    note: Option<&str>,
    reason: Option<&str>,
    step: Option<i32>,
    due: Option<OffsetDateTime>,
    data: Value,
) -> Result<(), ApiError> {
    let (kind, id) = match caller {
        Caller::Citizen(c) => ("citizen", c.id.to_string()),
        Caller::Staff(s) => ("staff", s.id.to_string()),
        Caller::System(m) => ("system", m.id.to_owned()),
    };
    let action_id: i64 = sqlx::query_scalar(
        "INSERT INTO dossier_action (dossier_id, seq, action, from_state, to_state, national_code, actor_kind, actor_id,
                                     actor_name, unit_id, note, reason, step, due_at, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(dossier_id)
    .bind(seq)
    .bind(action.as_str())
    .bind(from.map(State::as_str))
    .bind(to.as_str())
    .bind(i16::from(to.national_code()))
    .bind(kind)
    .bind(&id)
    .bind(actor_name)
    .bind(unit)
    .bind(note)
    .bind(reason)
    .bind(step)
    .bind(due)
    .bind(&data)
    .fetch_one(&mut **tx)
    .await?;
    // The applicant hears of what concerns them (in-app, e-mail, SMS), from rows written in this transaction.
    crate::notify::enqueue(tx, dossier_id, action_id, action, reason, &data).await?;
    // The national portal hears of every change, from the outbox written in this same transaction.
    let title: Option<String> = match caller {
        Caller::Staff(s) => {
            sqlx::query_scalar("SELECT title FROM staff WHERE id = $1").bind(s.id).fetch_one(&mut **tx).await?
        }
        Caller::Citizen(_) => Some("Công dân".to_owned()),
        Caller::System(_) => Some("Hệ thống".to_owned()),
    };
    let progress = crate::national::outbox::Progress {
        action,
        to,
        actor_name,
        actor_title: title.as_deref().unwrap_or("Cán bộ"),
        unit,
        note: note.or(reason),
        at: OffsetDateTime::now_utc(),
    };
    crate::national::outbox::enqueue(tx, dossier_id, &progress).await?;
    audit::append(
        tx,
        &audit::Entry {
            actor_kind: match kind {
                "citizen" => audit::ActorKind::Citizen,
                "staff" => audit::ActorKind::Staff,
                _ => audit::ActorKind::Machine,
            },
            actor_id: Some(&id),
            action: &format!("dossier.{}", action.as_str()),
            object_kind: Some("dossier"),
            object_id: Some(&dossier_id.to_string()),
            details: json!({"seq": seq, "from": from.map(State::as_str), "to": to.as_str()}),
        },
    )
    .await?;
    Ok(())
}

async fn actor_name(tx: &mut Transaction<'_, Postgres>, caller: &Caller) -> Result<String, ApiError> {
    Ok(match caller {
        Caller::Staff(s) => s.full_name.clone(),
        Caller::System(m) => m.name.to_owned(),
        Caller::Citizen(c) => sqlx::query_scalar("SELECT full_name FROM citizen WHERE id = $1")
            .bind(c.id)
            .fetch_optional(&mut **tx)
            .await?
            .unwrap_or_else(|| "Công dân".to_owned()),
    })
}

/// A citizen's online submission: state `submitted` (national status 1), with its dossier code.
pub async fn submit(
    tx: &mut Transaction<'static, Postgres>,
    caller: &Caller,
    req: &SubmitDossier,
) -> Result<Uuid, ApiError> {
    let Caller::Citizen(citizen) = caller else {
        return Err(ApiError::new(ErrorCode::Forbidden, "online submission is for signed-in citizens"));
    };
    let (version_id, procedure) = load_procedure(tx, &req.procedure_code).await?;
    let agency = agency_info(tx, req.agency_id)
        .await?
        .ok_or_else(|| ApiError::field("body.agency_id", "unknown", "no such agency"))?;
    let mut problems = Vec::new();
    if !competent(&procedure, &agency) {
        problems.push(FieldError::new("body.agency_id", "not_competent", "this agency does not handle this procedure"));
    }
    let receiving_id = receiving_agency(tx, &procedure, req.agency_id).await?;
    let receiving = agency_info(tx, receiving_id).await?.ok_or_else(ApiError::not_found)?;
    if matches!(procedure.online_level, crate::domain::catalogue::OnlineLevel::None) {
        problems.push(FieldError::new("body.procedure_code", "not_online", "this procedure cannot be filed online"));
    }
    let today = to_local(OffsetDateTime::now_utc()).date();
    let form = match procedure.form.validate_answers(&req.form, today) {
        Ok(f) => f,
        Err(p) => {
            problems.extend(form_problems(p));
            serde_json::Map::new()
        }
    };
    let owner = req.owner.as_ref().map(|o| validate_person(o, "body.owner", &mut problems));
    for (i, code) in req.bring_to_counter.iter().enumerate() {
        if !procedure.components.iter().any(|c| &c.code == code && c.bring_to_counter_allowed) {
            problems.push(FieldError::new(
                format!("body.bring_to_counter[{i}]"),
                "not_allowed",
                "this component must be attached",
            ));
        }
    }
    for c in procedure.components.iter().filter(|c| c.mandatory) {
        if !req.attachments.iter().any(|a| a.component_code == c.code) && !req.bring_to_counter.contains(&c.code) {
            problems.push(FieldError::new(
                format!("body.attachments.{}", c.code),
                "required",
                format!("attach: {}", c.name),
            ));
        }
    }
    #[derive(sqlx::FromRow)]
    struct Me {
        full_name: String,
        personal_id: Option<String>,
        tax_code: Option<String>,
        birth_date: Option<time::Date>,
        email: Option<String>,
        phone: Option<String>,
        verified: bool,
    }
    let me: Me =
        sqlx::query_as("SELECT full_name, personal_id, tax_code, birth_date, email, phone, verified_at IS NOT NULL AS verified FROM citizen WHERE id = $1")
            .bind(citizen.id)
            .fetch_one(&mut **tx)
            .await?;
    let applicant = Person {
        full_name: me.full_name,
        personal_id: me.personal_id,
        tax_code: me.tax_code,
        birth_date: me.birth_date.map(|d| d.to_string()),
        address: None,
        phone: req.phone.clone().or(me.phone),
        email: req.email.clone().or(me.email),
    };
    let verified = me.verified;
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let name = applicant.full_name.clone();
    let id = insert_dossier(
        tx,
        caller,
        &name,
        NewDossier {
            code: None,
            action: Action::Submit,
            procedure_version_id: version_id,
            procedure: &procedure,
            agency_id: req.agency_id,
            receiving_id,
            receiving: &receiving,
            channel: 2,
            source: "portal",
            citizen_id: Some(citizen.id),
            applicant,
            owner,
            form,
            received: false,
            population_verified: verified,
            attachments: &req.attachments,
            files: vec![],
        },
    )
    .await?;
    // The draft of this application has become the dossier.
    sqlx::query("DELETE FROM draft WHERE citizen_id = $1 AND procedure_code = $2")
        .bind(citizen.id)
        .bind(&req.procedure_code)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// A clerk receives a dossier at the counter: state `received` (national status 2) with its appointment.
pub async fn receive_at_counter(
    tx: &mut Transaction<'static, Postgres>,
    caller: &Caller,
    req: &ReceiveAtCounter,
) -> Result<Uuid, ApiError> {
    let staff = super::require_staff(caller)?;
    let (version_id, procedure) = load_procedure(tx, &req.procedure_code).await?;
    let desks: Vec<Uuid> = {
        let mut v: Vec<Uuid> = staff
            .roles
            .iter()
            .filter(|r| r.role == "clerk" && r.unit_kind == "one_stop")
            .map(|r| r.agency_id)
            .collect();
        v.dedup();
        v
    };
    if desks.is_empty() {
        return Err(ApiError::new(ErrorCode::Forbidden, "receiving clerks only"));
    }
    // The competent agency: named by the procedure, chosen in the request, or the clerk's own.
    let agency_id = match (named_competent_agency(tx, &procedure).await?, req.agency_id, desks.as_slice()) {
        (Some(named), _, _) => named,
        (None, Some(chosen), _) => chosen,
        (None, None, [only]) => *only,
        (None, None, _) => {
            return Err(ApiError::field("body.agency_id", "required", "you receive for several agencies: choose one"));
        }
    };
    let agency = agency_info(tx, agency_id)
        .await?
        .ok_or_else(|| ApiError::field("body.agency_id", "unknown", "no such agency"))?;
    let receiving_id = receiving_agency(tx, &procedure, agency_id).await?;
    if !desks.contains(&receiving_id) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "you are not a receiving clerk of the agency that receives this procedure",
        ));
    }
    let receiving = agency_info(tx, receiving_id).await?.ok_or_else(ApiError::not_found)?;
    let mut problems = Vec::new();
    if !competent(&procedure, &agency) {
        problems.push(FieldError::new(
            "body.procedure_code",
            "not_competent",
            "this agency does not handle this procedure",
        ));
    }
    let channel = match req.channel.as_deref() {
        None | Some("counter") => 1,
        Some("post") => 3,
        Some(_) => {
            problems.push(FieldError::new("body.channel", "invalid", "counter or post"));
            1
        }
    };
    let applicant = validate_person(&req.applicant, "body.applicant", &mut problems);
    let owner = req.owner.as_ref().map(|o| validate_person(o, "body.owner", &mut problems));
    let today = to_local(OffsetDateTime::now_utc()).date();
    let form = match procedure.form.validate_answers(&req.form, today) {
        Ok(f) => f,
        Err(p) => {
            problems.extend(form_problems(p));
            serde_json::Map::new()
        }
    };
    for c in procedure.components.iter().filter(|c| c.mandatory) {
        if !req.attachments.iter().any(|a| a.component_code == c.code) {
            problems.push(FieldError::new(
                format!("body.attachments.{}", c.code),
                "required",
                format!("scan: {}", c.name),
            ));
        }
    }
    // The clerk's lookup vouches for this applicant only if it was theirs, recent, about this person, and verified.
    let population_verified = match (req.population_lookup_id, &applicant.personal_id) {
        (None, _) => false,
        (Some(lookup), pid) => {
            let found: Option<String> = sqlx::query_scalar(
                "SELECT result FROM population_lookup
                  WHERE id = $1 AND requested_by = $2 AND personal_id_sha256 = $3 AND at > now() - interval '2 hours'",
            )
            .bind(lookup)
            .bind(staff.id.to_string())
            .bind(crate::platform::sha256_hex(pid.as_deref().unwrap_or_default().as_bytes()))
            .fetch_optional(&mut **tx)
            .await?;
            match found {
                Some(result) => result == "verified",
                None => {
                    problems.push(FieldError::new(
                        "body.population_lookup_id",
                        "mismatch",
                        "not your recent lookup of this applicant's personal ID: look up again, or leave it out to receive unverified",
                    ));
                    false
                }
            }
        }
    };
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let id = insert_dossier(
        tx,
        caller,
        &staff.full_name,
        NewDossier {
            code: None,
            action: Action::ReceiveAtCounter,
            procedure_version_id: version_id,
            procedure: &procedure,
            agency_id,
            receiving_id,
            receiving: &receiving,
            channel,
            source: if channel == 3 { "post" } else { "counter" },
            citizen_id: None,
            applicant,
            owner,
            form,
            received: true,
            population_verified,
            attachments: &req.attachments,
            files: vec![],
        },
    )
    .await?;
    Ok(id)
}

// ---------------------------------------------------------------- act

fn transition_error(e: TransitionError) -> ApiError {
    let code = match e {
        TransitionError::RoleNotAllowed { .. } => ErrorCode::Forbidden,
        TransitionError::ReasonRequired { .. } | TransitionError::NewDateRequired => ErrorCode::ValidationFailed,
        _ => ErrorCode::IllegalTransition,
    };
    let field = match e {
        TransitionError::ReasonRequired { .. } => "body.reason",
        TransitionError::NewDateRequired => "body.new_due_at",
        _ => "body.action",
    };
    ApiError::Client {
        code,
        message: e.to_string(),
        details: vec![FieldError::new(field, e.code(), e.to_string())],
        retry_after_secs: None,
    }
}

/// Takes one action on a dossier. Returns its id (the caller reads the new view). `generated` is the result
/// document written by the system (`generate_result`), already stored, attached with an approval or result.
pub async fn act(
    tx: &mut Transaction<'static, Postgres>,
    caller: &Caller,
    id: Uuid,
    req: &ActionRequest,
    generated: Option<InlineFile>,
) -> Result<Uuid, ApiError> {
    let action = Action::parse(&req.action)
        .filter(|a| !a.is_creation())
        .ok_or_else(|| ApiError::field("body.action", "unknown", "no such action"))?;
    let row = load(tx, id, true).await?.ok_or_else(ApiError::not_found)?;
    if !can_see(caller, &row) {
        return Err(ApiError::Refused("dossier_not_visible"));
    }
    if row.version != req.expected_version {
        return Err(ApiError::Client {
            code: ErrorCode::Conflict,
            message: format!(
                "the dossier changed (version {} now, {} expected): reload",
                row.version, req.expected_version
            ),
            details: vec![FieldError::new(
                "body.expected_version",
                "stale",
                format!("current version is {}", row.version),
            )],
            retry_after_secs: None,
        });
    }
    let state = row.state()?;
    let procedure = row.procedure()?;
    let reason = req.reason.as_deref().map(nfc).filter(|r| !r.is_empty());
    let note = req.note.as_deref().map(nfc).filter(|r| !r.is_empty());
    let direct_issue_allowed = !procedure.workflow.iter().any(|s| matches!(s.role, StepRole::Leader));
    let ctx = lifecycle::Context {
        apologies_so_far: row.apologies as u32,
        resume_to: row.resume_to.as_deref().and_then(State::parse),
        has_reason: reason.is_some(),
        has_new_date: req.new_due_at.is_some(),
        direct_issue_allowed,
    };
    let roles = candidate_roles(caller, &row, action);
    if roles.is_empty() {
        return Err(ApiError::new(ErrorCode::Forbidden, "you hold no role for this dossier at its current step"));
    }
    let mut outcome = Err(TransitionError::RoleNotAllowed { action, role: roles[0] });
    for role in &roles {
        outcome = lifecycle::apply(Some(state), action, *role, &ctx);
        if outcome.is_ok() {
            break;
        }
    }
    let to = outcome.map_err(transition_error)?;

    let now = OffsetDateTime::now_utc();
    let calendar = clock::calendar_for(tx, row.agency_id).await?;
    let mut d = row.clone();
    d.state = to.as_str().to_owned();
    let mut data = json!({});
    let mut problems = Vec::new();
    let last_step = procedure.workflow.len().saturating_sub(1);
    let step = row.current_step as usize;

    match action {
        Action::Accept => {
            // The clock counts from the submission (out of hours: from the next working time), not from
            // when a clerk got to it: the citizen is not made to wait for the desk's backlog.
            let start = from_local(calendar.online_start(local(row.submitted_at)));
            d.received_at = Some(now);
            d.clock_started_at = Some(start);
            d.due_at = Some(from_local(calendar.due_for(local(start), statutory(&procedure))));
        }
        Action::HandOver | Action::SubmitForApproval => {
            let next = step + 1;
            if next >= last_step {
                return Err(ApiError::field(
                    "body.action",
                    "no_next_step",
                    "the workflow has no further processing step",
                ));
            }
            let next_is_approval = matches!(procedure.workflow[next].role, StepRole::Leader);
            if action == Action::HandOver && next_is_approval {
                return Err(ApiError::field(
                    "body.action",
                    "use_submit_for_approval",
                    "the next step is a leader's approval: submit it for approval",
                ));
            }
            if action == Action::SubmitForApproval && !next_is_approval {
                return Err(ApiError::field(
                    "body.action",
                    "next_step_not_approval",
                    "the next workflow step is not a leader's approval",
                ));
            }
            let unit = move_to_step(tx, &calendar, &procedure, &mut d, next, now).await?;
            if let Some(assignee) = req.assignee_id {
                let ok: bool =
                    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM staff_role WHERE staff_id = $1 AND unit_id = $2)")
                        .bind(assignee)
                        .bind(unit)
                        .fetch_one(&mut **tx)
                        .await?;
                if !ok {
                    problems.push(FieldError::new(
                        "body.assignee_id",
                        "not_in_unit",
                        "the assignee has no role in the next step's unit",
                    ));
                }
                d.assignee_id = Some(assignee);
            }
        }
        Action::SendBack => {
            let prev = step.saturating_sub(1);
            if prev == 0 && state == State::InProcessing {
                return Err(ApiError::field(
                    "body.action",
                    "no_previous_step",
                    "the dossier is at its first processing step",
                ));
            }
            move_to_step(tx, &calendar, &procedure, &mut d, prev, now).await?;
        }
        Action::Approve | Action::IssueResult => {
            move_to_step(tx, &calendar, &procedure, &mut d, last_step, now).await?;
            d.finished_at = Some(now);
            attach(tx, caller, id, &procedure, &req.attachments, "result", "body.attachments", &mut problems).await?;
            if let Some(f) = &generated {
                attach_inline(tx, id, "result", f).await?;
            }
        }
        Action::ReturnResult => {
            close_step(tx, id, now).await?;
            d.returned_at = Some(now);
            let delivery = req.delivery.as_deref().unwrap_or("in_person");
            if !matches!(delivery, "in_person" | "post" | "online") {
                problems.push(FieldError::new("body.delivery", "invalid", "in_person, post or online"));
            }
            data = json!({"delivery": delivery});
        }
        Action::RequestSupplement | Action::RequestPayment => {
            if action == Action::RequestSupplement && req.items.is_empty() {
                problems.push(FieldError::new("body.items", "required", "list every item to add or fix, once"));
            }
            d.resume_to = lifecycle::resume_point(state, action).map(|s| s.as_str().to_owned());
            if let Some(due) = row.due_at {
                d.remaining_minutes = Some(calendar.working_minutes_between(local(now), local(due)) as i32);
                d.paused_at = Some(now);
                d.paused_due_at = Some(due);
                d.due_at = None;
            }
            if action == Action::RequestPayment {
                d.payment_state = "requested".into();
            }
            let items: Vec<String> = req.items.iter().map(|i| nfc(i)).collect();
            for (i, item) in items.iter().enumerate() {
                if item.is_empty() || item.chars().count() > 500 {
                    problems.push(FieldError::new(format!("body.items[{i}]"), "invalid_length", "1 to 500 characters"));
                } else if items[..i].contains(item) {
                    problems.push(FieldError::new(format!("body.items[{i}]"), "duplicate", "each item is listed once"));
                }
            }
            data = json!({"items": items});
            // NĐ 61/2018: an ineligible dossier is sent back for supplement within 3 working days of receipt.
            // A later request is allowed (blocking it would leave the citizen's dossier stuck) but marked, so
            // the reports and the citizen see it.
            if action == Action::RequestSupplement
                && let Some(received) = row.received_at
                && calendar.working_minutes_between(local(received), local(now)) > 3 * calendar.hours.minutes_per_day()
            {
                data["after_three_working_days"] = json!(true);
            }
        }
        Action::ReceiveSupplement | Action::RecordPayment => {
            d.resume_to = None;
            if action == Action::ReceiveSupplement {
                attach(tx, caller, id, &procedure, &req.attachments, "supplement", "body.attachments", &mut problems)
                    .await?;
            } else {
                let method = req.payment_method.as_deref().unwrap_or("");
                // Online payments are recorded by the payment platform only (its signed callback).
                let online = method == "online" && matches!(caller, Caller::System(_));
                if !matches!(method, "cash" | "transfer") && !online {
                    problems.push(FieldError::new("body.payment_method", "invalid", "cash or transfer"));
                }
                if let Caller::Staff(s) = caller
                    && matches!(method, "cash" | "transfer")
                {
                    sqlx::query(
                        "INSERT INTO payment (dossier_id, amount, method, state, started_by_kind, started_by, paid_at)
                         VALUES ($1, $2, $3, 'paid', 'staff', $4, now())",
                    )
                    .bind(id)
                    .bind(row.fees_total)
                    .bind(method)
                    .bind(s.id)
                    .execute(&mut **tx)
                    .await?;
                }
                d.payment_state = if online { "paid_online" } else { "paid_other" }.into();
                data = json!({"method": method});
            }
            if row.paused_at.is_some() {
                let begin = calendar.next_working_instant(local(now));
                let restart = action == Action::ReceiveSupplement
                    && matches!(procedure.on_supplement, crate::domain::catalogue::OnSupplement::Restart);
                d.due_at = Some(if restart {
                    d.clock_started_at = Some(from_local(begin));
                    from_local(calendar.due_for(begin, statutory(&procedure)))
                } else {
                    from_local(calendar.add_working_minutes(begin, i64::from(row.remaining_minutes.unwrap_or(0))))
                });
                d.paused_at = None;
                d.paused_due_at = None;
                d.remaining_minutes = None;
                data["clock"] = json!(if restart { "restarted" } else { "resumed" });
            }
        }
        Action::Refuse | Action::Withdraw | Action::Stop => {
            close_step(tx, id, now).await?;
            d.finished_at = Some(now);
        }
        Action::Apologise => {
            let new_due =
                req.new_due_at.ok_or_else(|| ApiError::field("body.new_due_at", "required", "the new appointment"))?;
            // While paused the appointment the applicant holds is the one frozen at the pause; the apology
            // extends the frozen time left by the working time between the two dates.
            let current = row.due_at.or(row.paused_due_at);
            if current.is_some_and(|c| new_due <= c) || new_due <= now {
                problems.push(FieldError::new(
                    "body.new_due_at",
                    "not_later",
                    "must be later than the current appointment",
                ));
            }
            d.original_due_at = row.original_due_at.or(current);
            match (row.paused_at, row.paused_due_at) {
                (Some(_), Some(frozen)) => {
                    let extra = calendar.working_minutes_between(local(frozen), local(new_due));
                    d.remaining_minutes = Some(row.remaining_minutes.unwrap_or(0) + extra.max(0) as i32);
                    d.paused_due_at = Some(new_due);
                }
                _ => d.due_at = Some(new_due),
            }
            d.apologies += 1;
            let rfc = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).ok();
            data = json!({"previous_due_at": current.and_then(rfc), "new_due_at": rfc(new_due)});
        }
        Action::Submit | Action::ReceiveFromPortal | Action::ReceiveAtCounter => {
            return Err(ApiError::field("body.action", "unknown", "creation is not an action on an existing dossier"));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    // The reports average the working days from the clock's start to the result (pauses included: the
    // applicant waited through them too).
    let processing_days = match (action, d.clock_started_at) {
        (Action::Approve | Action::IssueResult, Some(start)) => Some(processing_days(&calendar, start, now)),
        _ => None,
    };

    sqlx::query(
        "UPDATE dossier SET state = $2, resume_to = $3, version = version + 1, current_step = $4, current_unit_id = $5,
                assignee_id = $6, received_at = $7, clock_started_at = $8, due_at = $9, original_due_at = $10,
                paused_at = $11, remaining_minutes = $12, apologies = $13, finished_at = $14, returned_at = $15,
                payment_state = $16, paused_due_at = $17, processing_days = coalesce($18, processing_days),
                updated_at = now()
          WHERE id = $1",
    )
    .bind(id)
    .bind(&d.state)
    .bind(&d.resume_to)
    .bind(d.current_step)
    .bind(d.current_unit_id)
    .bind(d.assignee_id)
    .bind(d.received_at)
    .bind(d.clock_started_at)
    .bind(d.due_at)
    .bind(d.original_due_at)
    .bind(d.paused_at)
    .bind(d.remaining_minutes)
    .bind(d.apologies)
    .bind(d.finished_at)
    .bind(d.returned_at)
    .bind(&d.payment_state)
    .bind(d.paused_due_at)
    .bind(processing_days)
    .execute(&mut **tx)
    .await?;
    let seq: i32 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) + 1 FROM dossier_action WHERE dossier_id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let name = actor_name(tx, caller).await?;
    if let Some(map) = data.as_object_mut()
        && map.get("items").and_then(Value::as_array).is_some_and(Vec::is_empty)
    {
        map.remove("items");
    }
    record_action(
        tx,
        caller,
        &name,
        id,
        seq,
        action,
        Some(state),
        to,
        d.current_unit_id,
        note.as_deref(),
        reason.as_deref(),
        Some(d.current_step),
        d.due_at,
        data,
    )
    .await?;
    Ok(id)
}

/// Working days (two decimals) from `start` to `end` on the agency's calendar.
pub fn processing_days(calendar: &WorkingCalendar, start: OffsetDateTime, end: OffsetDateTime) -> f64 {
    let minutes = calendar.working_minutes_between(local(start), local(end)).max(0);
    (minutes as f64 / calendar.hours.minutes_per_day() as f64 * 100.0).round() / 100.0
}

/// Fills `processing_days` for finished dossiers that lack it (received before the reports kept it, or loaded in
/// bulk), a batch at a time. Returns how many.
pub async fn backfill_processing_days(pool: &sqlx::PgPool) -> anyhow::Result<u64> {
    let mut done = 0;
    let mut calendars = std::collections::HashMap::new();
    loop {
        let mut tx = pool.begin().await?;
        let rows: Vec<(Uuid, Uuid, OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
            "SELECT id, agency_id, clock_started_at, finished_at FROM dossier
              WHERE processing_days IS NULL AND state IN ('result_ready', 'returned')
                AND clock_started_at IS NOT NULL AND finished_at IS NOT NULL
              LIMIT 5000",
        )
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(done);
        }
        let (mut ids, mut days) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
        for (id, agency, start, end) in &rows {
            if !calendars.contains_key(agency) {
                calendars.insert(*agency, clock::calendar_for(&mut tx, *agency).await?);
            }
            ids.push(*id);
            days.push(processing_days(&calendars[agency], *start, *end));
        }
        sqlx::query(
            "UPDATE dossier d SET processing_days = x.days::numeric
               FROM unnest($1::uuid[], $2::float8[]) AS x(id, days) WHERE d.id = x.id",
        )
        .bind(&ids)
        .bind(&days)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done += rows.len() as u64;
    }
}

// ---------------------------------------------------------------- read

/// The dossier as the caller may see it; staff reads of personal data are audited in `tx`.
pub async fn view(tx: &mut Transaction<'_, Postgres>, caller: &Caller, id: Uuid) -> Result<DossierView, ApiError> {
    let row = load(tx, id, false).await?.ok_or_else(ApiError::not_found)?;
    if !can_see(caller, &row) {
        return Err(ApiError::Refused("dossier_not_visible"));
    }
    if let Caller::Staff(s) = caller {
        audit::append(
            tx,
            &audit::Entry {
                actor_kind: audit::ActorKind::Staff,
                actor_id: Some(&s.id.to_string()),
                action: "dossier.read_personal_data",
                object_kind: Some("dossier"),
                object_id: Some(&id.to_string()),
                details: json!({}),
            },
        )
        .await?;
    }
    build_view(tx, caller, row).await
}

/// The view after a change made by the caller (the change itself is audited; no extra read entry).
pub async fn view_unaudited(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    id: Uuid,
) -> Result<DossierView, ApiError> {
    let row = load(tx, id, false).await?.ok_or_else(ApiError::not_found)?;
    build_view(tx, caller, row).await
}

async fn build_view(tx: &mut Transaction<'_, Postgres>, caller: &Caller, row: Row) -> Result<DossierView, ApiError> {
    let state = row.state()?;
    let procedure = row.procedure()?;
    let calendar = clock::calendar_for(tx, row.agency_id).await?;
    let now = OffsetDateTime::now_utc();
    let time_left = match (row.due_at, row.paused_at) {
        (_, Some(_)) => row.remaining_minutes.map(i64::from),
        (Some(due), None) if row.finished_at.is_none() => {
            Some(calendar.working_minutes_between(local(now), local(due)))
        }
        _ => None,
    };
    let timeliness = match (row.finished_at, row.due_at) {
        (Some(f), Some(due)) => Some(timeliness_str(timeliness(local(due), local(f))).to_owned()),
        _ => None,
    };
    let attachments: Vec<AttachmentView> = sqlx::query_as(
        "SELECT id, role, component_code, file_name, kind, size, encode(sha256, 'hex') AS sha256, checked_against_original
           FROM attachment WHERE dossier_id = $1 ORDER BY added_at, id",
    )
    .bind(row.id)
    .fetch_all(&mut **tx)
    .await?;
    let actions: Vec<(String, i32, OffsetDateTime)> =
        sqlx::query_as("SELECT action, seq, at FROM dossier_action WHERE dossier_id = $1 ORDER BY seq")
            .bind(row.id)
            .fetch_all(&mut **tx)
            .await?;
    let documents = super::documents::links(row.id, row.received_at, &actions, matches!(caller, Caller::Staff(_)));
    let ctx = lifecycle::Context {
        apologies_so_far: row.apologies as u32,
        resume_to: row.resume_to.as_deref().and_then(State::parse),
        has_reason: true,
        has_new_date: true,
        direct_issue_allowed: !procedure.workflow.iter().any(|s| matches!(s.role, StepRole::Leader)),
    };
    let mut allowed: Vec<String> = Vec::new();
    for action in lifecycle::ALL_ACTIONS.iter().filter(|a| !a.is_creation()) {
        let ok = candidate_roles(caller, &row, *action)
            .into_iter()
            .any(|r| lifecycle::apply(Some(state), *action, r, &ctx).is_ok());
        if ok {
            allowed.push(action.as_str().to_owned());
        }
    }
    let parse_person = |v: &Value| serde_json::from_value::<Person>(v.clone()).ok();
    Ok(DossierView {
        id: row.id,
        code: row.code.clone(),
        procedure_code: procedure.code.clone(),
        procedure_name: procedure.name.clone(),
        procedure_version: row.procedure_version,
        agency_id: row.agency_id,
        agency_name: row.agency_name.clone(),
        channel: row.channel,
        state: row.state.clone(),
        national_status: state.national_code(),
        national_status_label: state.national_label().to_owned(),
        version: row.version,
        applicant: parse_person(&row.applicant)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored applicant unreadable")))?,
        owner: row.owner.as_ref().and_then(parse_person),
        form: row.form_answers.clone(),
        fees_total: row.fees_total,
        payment_state: row.payment_state.clone(),
        population_verified: row.population_verified,
        current_step: row.current_step,
        current_step_name: procedure.workflow.get(row.current_step as usize).map(|s| s.name.clone()),
        current_unit_id: row.current_unit_id,
        assignee_id: row.assignee_id,
        submitted_at: row.submitted_at,
        received_at: row.received_at,
        due_at: row.due_at,
        original_due_at: row.original_due_at,
        paused: row.paused_at.is_some(),
        time_left_minutes: time_left,
        timeliness,
        apologies: row.apologies,
        finished_at: row.finished_at,
        returned_at: row.returned_at,
        attachments,
        documents,
        allowed_actions: allowed,
    })
}

pub async fn history(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    id: Uuid,
) -> Result<Vec<HistoryEntry>, ApiError> {
    let row = load(tx, id, false).await?.ok_or_else(ApiError::not_found)?;
    if !can_see(caller, &row) {
        return Err(ApiError::Refused("dossier_not_visible"));
    }
    Ok(sqlx::query_as(
        "SELECT seq, action, from_state, to_state, national_code, actor_kind, actor_name, unit_id, at, note, reason, step,
                due_at, data
           FROM dossier_action WHERE dossier_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn steps(tx: &mut Transaction<'_, Postgres>, caller: &Caller, id: Uuid) -> Result<Vec<StepView>, ApiError> {
    let row = load(tx, id, false).await?.ok_or_else(ApiError::not_found)?;
    if !can_see(caller, &row) {
        return Err(ApiError::Refused("dossier_not_visible"));
    }
    Ok(sqlx::query_as(
        "SELECT seq, step, name, unit_id, started_at, due_at, finished_at, timeliness
           FROM dossier_step WHERE dossier_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

/// An attachment's stored object key and metadata, when the caller may see its dossier.
pub async fn attachment(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    dossier_id: Uuid,
    attachment_id: Uuid,
) -> Result<(String, String, String), ApiError> {
    let row = load(tx, dossier_id, false).await?.ok_or_else(ApiError::not_found)?;
    if !can_see(caller, &row) {
        return Err(ApiError::Refused("dossier_not_visible"));
    }
    let found: Option<(String, String, String)> =
        sqlx::query_as("SELECT object_key, file_name, kind FROM attachment WHERE id = $1 AND dossier_id = $2")
            .bind(attachment_id)
            .bind(dossier_id)
            .fetch_optional(&mut **tx)
            .await?;
    let found = found.ok_or_else(ApiError::not_found)?;
    if let Caller::Staff(s) = caller {
        audit::append(
            tx,
            &audit::Entry {
                actor_kind: audit::ActorKind::Staff,
                actor_id: Some(&s.id.to_string()),
                action: "dossier.read_attachment",
                object_kind: Some("attachment"),
                object_id: Some(&attachment_id.to_string()),
                details: json!({"dossier": dossier_id}),
            },
        )
        .await?;
    }
    Ok(found)
}
