//! Official documents of a dossier, from its real data (`pdf::forms`): Mẫu 01–06 for one dossier and the
//! Mẫu 07 register of an agency's desk for a date range.
//!
//! The caller must be allowed to see the dossier (the same rule as every read, through `dossier::view`, which
//! audits staff reads); the control sheet (06) names the staff who handled the dossier and is for staff only.
//! A form that does not apply yet (a refusal notice for a dossier that was not refused) is a 409.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Caller, dossier};
use crate::{
    domain::{
        calendar::to_local,
        catalogue::{Procedure, TimeUnit},
    },
    http::error::{ApiError, ErrorCode},
    pdf::{
        forms::{self, ControlRow, DossierRef, Letterhead, Party, ReceiptComponent, RegisterRow, Signer},
        official,
    },
    store::audit,
};

/// An official document of the dossier that can be downloaded now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct DocumentLink {
    /// `01`…`06` (TT 01/2018/TT-VPCP numbering).
    pub form: String,
    /// Its Vietnamese title.
    pub title: String,
    /// Where to download it (same origin).
    pub href: String,
    /// When the action it records happened (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

/// The official forms of one dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Receipt,
    SupplementRequest,
    Refusal,
    Apology,
    StopNotice,
    ControlSheet,
}

impl Form {
    pub fn parse(s: &str) -> Option<Form> {
        Some(match s {
            "01" => Form::Receipt,
            "02" => Form::SupplementRequest,
            "03" => Form::Refusal,
            "04" => Form::Apology,
            "05" => Form::StopNotice,
            "06" => Form::ControlSheet,
            _ => return None,
        })
    }

    pub fn number(self) -> &'static str {
        match self {
            Form::Receipt => "01",
            Form::SupplementRequest => "02",
            Form::Refusal => "03",
            Form::Apology => "04",
            Form::StopNotice => "05",
            Form::ControlSheet => "06",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Form::Receipt => "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            Form::SupplementRequest => "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            Form::Refusal => "Phiếu từ chối tiếp nhận, giải quyết hồ sơ",
            Form::Apology => "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
            Form::StopNotice => "Thông báo dừng giải quyết hồ sơ",
            Form::ControlSheet => "Phiếu kiểm soát quá trình giải quyết hồ sơ",
        }
    }

    /// The history action a form records (one document per such action); the receipt and the control sheet
    /// belong to the dossier as a whole.
    fn action(self) -> Option<&'static str> {
        match self {
            Form::SupplementRequest => Some("request_supplement"),
            Form::Refusal => Some("refuse"),
            Form::Apology => Some("apologise"),
            Form::StopNotice => Some("stop"),
            Form::Receipt | Form::ControlSheet => None,
        }
    }

    fn file_stem(self) -> &'static str {
        match self {
            Form::Receipt => "giay-tiep-nhan",
            Form::SupplementRequest => "phieu-yeu-cau-bo-sung",
            Form::Refusal => "phieu-tu-choi",
            Form::Apology => "van-ban-xin-loi",
            Form::StopNotice => "thong-bao-dung",
            Form::ControlSheet => "phieu-kiem-soat",
        }
    }
}

const PER_ACTION: [Form; 4] = [Form::SupplementRequest, Form::Refusal, Form::Apology, Form::StopNotice];

/// The documents listed on a dossier's view: computed from its history (`(action, seq, at)` in order).
pub fn links(
    dossier_id: Uuid,
    received_at: Option<OffsetDateTime>,
    history: &[(String, i32, OffsetDateTime)],
    staff: bool,
) -> Vec<DocumentLink> {
    let base = format!("/api/v1/dossiers/{dossier_id}/forms");
    let mut out = Vec::new();
    if let Some(at) = received_at {
        out.push(DocumentLink {
            form: "01".into(),
            title: Form::Receipt.title().into(),
            href: format!("{base}/01.pdf"),
            at,
        });
    }
    for (action, seq, at) in history {
        if let Some(form) = PER_ACTION.iter().find(|f| f.action() == Some(action.as_str())) {
            out.push(DocumentLink {
                form: form.number().into(),
                title: form.title().into(),
                href: format!("{base}/{}.pdf?seq={seq}", form.number()),
                at: *at,
            });
        }
    }
    if staff && let Some((_, _, first)) = history.first() {
        out.push(DocumentLink {
            form: "06".into(),
            title: Form::ControlSheet.title().into(),
            href: format!("{base}/06.pdf"),
            at: *first,
        });
    }
    out
}

/// A document ready to render (off the async runtime) and its file name.
pub enum Document {
    Receipt(forms::Receipt),
    SupplementRequest(forms::SupplementRequest),
    Refusal(forms::Refusal),
    Apology(forms::Apology),
    StopNotice(forms::StopNotice),
    ControlSheet(forms::ControlSheet),
    Register(forms::Register),
}

impl Document {
    pub fn render(&self) -> Result<Vec<u8>, official::Error> {
        match self {
            Document::Receipt(d) => forms::receipt(d),
            Document::SupplementRequest(d) => forms::supplement_request(d),
            Document::Refusal(d) => forms::refusal(d),
            Document::Apology(d) => forms::apology(d),
            Document::StopNotice(d) => forms::stop_notice(d),
            Document::ControlSheet(d) => forms::control_sheet(d),
            Document::Register(d) => forms::register(d),
        }
    }
}

pub fn date(t: OffsetDateTime) -> String {
    let d = to_local(t).date();
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

pub fn clock(t: OffsetDateTime) -> String {
    let l = to_local(t);
    format!("{:02}:{:02}", l.hour(), l.minute())
}

/// "hh:mm dd/mm/yyyy".
fn stamp(t: OffsetDateTime) -> String {
    format!("{} {}", clock(t), date(t))
}

/// "Thanh Hóa" from "Ủy ban nhân dân tỉnh Thanh Hóa" (the place in the date line).
fn place_of(root: &str) -> String {
    let lower = root.to_lowercase();
    for prefix in ["ủy ban nhân dân tỉnh ", "ủy ban nhân dân thành phố ", "ubnd tỉnh ", "ubnd thành phố "]
    {
        if lower.starts_with(prefix) {
            return root.chars().skip(prefix.chars().count()).collect();
        }
    }
    root.to_owned()
}

fn processing_time(p: &Procedure) -> String {
    let t = &p.statutory_time;
    match t.unit {
        TimeUnit::WorkingDays => format!("{} ngày làm việc", t.value),
        TimeUnit::WorkingHours => format!("{} giờ làm việc", t.value),
        TimeUnit::CalendarDays => format!("{} ngày", t.value),
    }
}

/// An agency's name, its parent's name and the root of its tree (the province or ministry).
#[derive(sqlx::FromRow)]
struct AgencyNames {
    name: String,
    parent_name: Option<String>,
    root_name: String,
}

async fn agency_names(tx: &mut Transaction<'_, Postgres>, agency_id: Uuid) -> Result<AgencyNames, ApiError> {
    Ok(sqlx::query_as(
        "WITH RECURSIVE up(id, parent_id, name, depth) AS (
             SELECT a.id, a.parent_id, a.name, 0 FROM agency a WHERE a.id = $1
             UNION ALL SELECT p.id, p.parent_id, p.name, up.depth + 1 FROM agency p JOIN up ON p.id = up.parent_id)
         SELECT (SELECT name FROM up WHERE depth = 0) AS name,
                (SELECT name FROM up WHERE depth = 1) AS parent_name,
                (SELECT name FROM up ORDER BY depth DESC LIMIT 1) AS root_name",
    )
    .bind(agency_id)
    .fetch_one(&mut **tx)
    .await?)
}

fn letterhead(names: &AgencyNames, office: &str, at: OffsetDateTime) -> Letterhead {
    Letterhead {
        parent_agency: names.parent_name.clone().unwrap_or_default(),
        agency: names.name.clone(),
        office: office.to_owned(),
        place: place_of(&names.root_name),
        date: date(at),
    }
}

const DESK: &str = "Bộ phận tiếp nhận và trả kết quả";

/// What every form of one dossier is made from.
struct Ctx {
    view: dossier::DossierView,
    procedure: Procedure,
    /// The agency whose one-stop desk received it (the first step's unit's agency).
    desk: AgencyNames,
    /// The competent agency.
    competent: AgencyNames,
    lookup_url: String,
    guidance_url: String,
}

impl Ctx {
    fn dossier(&self) -> DossierRef {
        DossierRef {
            code: self.view.code.clone(),
            procedure_name: self.view.procedure_name.clone(),
            lookup_url: self.lookup_url.clone(),
        }
    }

    /// The owner when someone filed for them, else the applicant; contact details are the applicant's.
    fn party(&self) -> Party {
        let person = self.view.owner.as_ref().unwrap_or(&self.view.applicant);
        Party {
            name: person.full_name.clone(),
            address: person.address.clone().or_else(|| self.view.applicant.address.clone()).unwrap_or_default(),
            phone: self.view.applicant.phone.clone().unwrap_or_default(),
            email: self.view.applicant.email.clone().unwrap_or_default(),
        }
    }

    /// When the dossier reached the desk: received, or (not yet received) submitted.
    fn received(&self) -> OffsetDateTime {
        self.view.received_at.unwrap_or(self.view.submitted_at)
    }
}

async fn context(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    id: Uuid,
    public_url: &str,
) -> Result<Ctx, ApiError> {
    let view = dossier::view(tx, caller, id).await?;
    let (document, desk_agency): (Value, Uuid) = sqlx::query_as(
        "SELECT pv.document, u.agency_id
           FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id
           JOIN dossier_step s ON s.dossier_id = d.id AND s.seq = 1
           JOIN unit u ON u.id = s.unit_id
          WHERE d.id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let procedure: Procedure = serde_json::from_value(document).map_err(|e| ApiError::Internal(e.into()))?;
    let desk = agency_names(tx, desk_agency).await?;
    let competent = agency_names(tx, view.agency_id).await?;
    Ok(Ctx {
        lookup_url: format!("{public_url}/tra-cuu?ma={}", view.code),
        guidance_url: format!("{public_url}/thu-tuc/{}", procedure.code),
        view,
        procedure,
        desk,
        competent,
    })
}

/// The history action a per-action form records: the one at `seq`, or the latest.
#[derive(sqlx::FromRow)]
struct ActionRow {
    at: OffsetDateTime,
    reason: Option<String>,
    data: Value,
    actor_name: Option<String>,
    staff_title: Option<String>,
    staff_phone: Option<String>,
}

async fn action_row(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    action: &str,
    seq: Option<i32>,
) -> Result<ActionRow, ApiError> {
    let found: Option<ActionRow> = sqlx::query_as(
        "SELECT x.at, x.reason, x.data, x.actor_name, s.title AS staff_title, s.phone AS staff_phone
           FROM dossier_action x
           LEFT JOIN staff s ON x.actor_kind = 'staff' AND s.id::text = x.actor_id
          WHERE x.dossier_id = $1 AND x.action = $2 AND ($3::int IS NULL OR x.seq = $3)
          ORDER BY x.seq DESC LIMIT 1",
    )
    .bind(id)
    .bind(action)
    .bind(seq)
    .fetch_optional(&mut **tx)
    .await?;
    found.ok_or_else(|| match seq {
        Some(_) => ApiError::field("query.seq", "unknown", "no such action of this kind in the dossier's history"),
        None => ApiError::new(ErrorCode::IllegalTransition, "this document does not apply to the dossier (yet)"),
    })
}

fn rfc3339_field(data: &Value, key: &str) -> Option<OffsetDateTime> {
    data.get(key)
        .and_then(Value::as_str)
        .and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
}

/// The official document `form` of dossier `id` (`seq`: which action, for the per-action forms).
pub async fn form(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    id: Uuid,
    form: Form,
    seq: Option<i32>,
    public_url: &str,
) -> Result<(Document, String), ApiError> {
    if form == Form::ControlSheet && !matches!(caller, Caller::Staff(_)) {
        // Not a secret (404 would hide nothing the citizen cannot see): the sheet is the desk's working paper.
        return Err(ApiError::new(ErrorCode::Forbidden, "the control sheet is for staff"));
    }
    if seq.is_some() && form.action().is_none() {
        return Err(ApiError::field("query.seq", "not_allowed", "this document belongs to the whole dossier"));
    }
    let c = context(tx, caller, id, public_url).await?;
    let file = {
        let code: String = c
            .view
            .code
            .chars()
            .map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' || ch == '.' { ch } else { '_' })
            .collect();
        format!("mau-{}-{}-{code}.pdf", form.number(), form.file_stem())
    };
    let doc = match form {
        Form::Receipt => Document::Receipt(receipt(tx, &c).await?),
        Form::ControlSheet => Document::ControlSheet(control_sheet(tx, &c).await?),
        Form::SupplementRequest | Form::Refusal | Form::Apology | Form::StopNotice => {
            let a = action_row(tx, id, form.action().unwrap_or_default(), seq).await?;
            let officer = a.actor_name.clone().unwrap_or_default();
            let signer = Signer {
                title: a.staff_title.clone().unwrap_or_else(|| "Cán bộ xử lý".into()),
                name: officer.clone(),
            };
            match form {
                Form::SupplementRequest => Document::SupplementRequest(forms::SupplementRequest {
                    head: letterhead(&c.desk, DESK, a.at),
                    dossier: c.dossier(),
                    applicant: c.party(),
                    receiving_office: format!("{DESK} — {}", c.desk.name),
                    received_date: date(c.received()),
                    items: a
                        .data
                        .get("items")
                        .and_then(Value::as_array)
                        .map(|v| v.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                        .unwrap_or_default(),
                    reason: a.reason.clone().unwrap_or_default(),
                    guidance_url: c.guidance_url.clone(),
                    officer_name: officer,
                    officer_phone: a.staff_phone.clone().unwrap_or_default(),
                }),
                Form::Refusal => Document::Refusal(forms::Refusal {
                    head: letterhead(&c.desk, DESK, a.at),
                    dossier: c.dossier(),
                    applicant: c.party(),
                    receiving_office: format!("{DESK} — {}", c.desk.name),
                    received_date: date(c.received()),
                    reason: a.reason.clone().unwrap_or_default(),
                    guidance_url: c.guidance_url.clone(),
                    officer_name: officer,
                }),
                Form::Apology => {
                    let previous = rfc3339_field(&a.data, "previous_due_at").or(c.view.original_due_at);
                    let new = rfc3339_field(&a.data, "new_due_at").or(c.view.due_at);
                    Document::Apology(forms::Apology {
                        head: letterhead(&c.competent, "", a.at),
                        dossier: c.dossier(),
                        applicant: c.party(),
                        agency_name: c.competent.name.clone(),
                        received_date: date(c.received()),
                        original_due_time: previous.map(clock).unwrap_or_default(),
                        original_due_date: previous.map(date).unwrap_or_default(),
                        reason: a.reason.clone().unwrap_or_default(),
                        new_due_time: new.map(clock).unwrap_or_default(),
                        new_due_date: new.map(date).unwrap_or_default(),
                        signer,
                    })
                }
                _ => Document::StopNotice(forms::StopNotice {
                    head: letterhead(&c.competent, "", a.at),
                    dossier: c.dossier(),
                    applicant: c.party(),
                    agency_name: c.competent.name.clone(),
                    received_date: date(c.received()),
                    stop_time: clock(a.at),
                    stop_date: date(a.at),
                    reason: a.reason.clone().unwrap_or_default(),
                    signer,
                }),
            }
        }
    };
    Ok((doc, file))
}

async fn receipt(tx: &mut Transaction<'_, Postgres>, c: &Ctx) -> Result<forms::Receipt, ApiError> {
    let Some(received) = c.view.received_at else {
        return Err(ApiError::new(ErrorCode::IllegalTransition, "the dossier has not been received yet"));
    };
    let receiver: Option<String> = sqlx::query_scalar(
        "SELECT actor_name FROM dossier_action
          WHERE dossier_id = $1 AND action IN ('receive_at_counter', 'accept') ORDER BY seq LIMIT 1",
    )
    .bind(c.view.id)
    .fetch_optional(&mut **tx)
    .await?
    .flatten();
    let components = c
        .view
        .attachments
        .iter()
        .filter(|a| a.role == "component")
        .map(|a| ReceiptComponent {
            name: a
                .component_code
                .as_deref()
                .and_then(|code| c.procedure.components.iter().find(|x| x.code == code))
                .map_or_else(|| a.file_name.clone(), |x| x.name.clone()),
            kind: match (c.view.channel, a.checked_against_original) {
                (2, _) => "Bản điện tử".into(),
                (_, true) => "Bản sao (đã đối chiếu bản chính)".into(),
                _ => "Bản sao".into(),
            },
            quantity: "01".into(),
        })
        .collect();
    let due = c.view.original_due_at.or(c.view.due_at);
    Ok(forms::Receipt {
        head: letterhead(&c.desk, DESK, received),
        dossier: c.dossier(),
        applicant: c.party(),
        receiving_office: c.desk.name.clone(),
        components,
        dossier_sets: "01".into(),
        processing_time: processing_time(&c.procedure),
        received_time: clock(received),
        received_date: date(received),
        return_time: due.map(clock).unwrap_or_default(),
        return_date: due.map(date).unwrap_or_default(),
        pickup_place: format!("{DESK} — {}", c.desk.name),
        receiver_name: receiver.unwrap_or_default(),
    })
}

fn timeliness_word(t: Option<&str>) -> &'static str {
    match t {
        Some("early") => "Trước hạn",
        Some("on_time") => "Đúng hạn",
        Some("late") => "Quá hạn",
        _ => "",
    }
}

async fn control_sheet(tx: &mut Transaction<'_, Postgres>, c: &Ctx) -> Result<forms::ControlSheet, ApiError> {
    #[derive(sqlx::FromRow)]
    struct Step {
        unit_name: Option<String>,
        started_at: OffsetDateTime,
        finished_at: Option<OffsetDateTime>,
        timeliness: Option<String>,
    }
    let steps: Vec<Step> = sqlx::query_as(
        "SELECT u.name AS unit_name, s.started_at, s.finished_at, s.timeliness
           FROM dossier_step s LEFT JOIN unit u ON u.id = s.unit_id WHERE s.dossier_id = $1 ORDER BY s.seq",
    )
    .bind(c.view.id)
    .fetch_all(&mut **tx)
    .await?;
    #[derive(sqlx::FromRow)]
    struct Move {
        actor_name: Option<String>,
        note: Option<String>,
        action: String,
        step: Option<i32>,
    }
    let history: Vec<Move> =
        sqlx::query_as("SELECT actor_name, note, action, step FROM dossier_action WHERE dossier_id = $1 ORDER BY seq")
            .bind(c.view.id)
            .fetch_all(&mut **tx)
            .await?;
    // The actions that moved the dossier to another step, in order: one per step after the first.
    let mut moves = Vec::new();
    for w in history.windows(2) {
        if w[1].step != w[0].step {
            moves.push(&w[1]);
        }
    }
    let party = c.party();
    let mut rows = Vec::new();
    if let Some(first) = steps.first() {
        rows.push(ControlRow {
            from: format!("Người nộp hồ sơ: {}", party.name),
            to: first.unit_name.clone().unwrap_or_default(),
            at: stamp(c.received()),
            result: String::new(),
            note: if c.view.channel == 2 { "Nộp trực tuyến".into() } else { String::new() },
        });
    }
    for (i, pair) in steps.windows(2).enumerate() {
        let by = moves.get(i);
        let who = by.and_then(|m| m.actor_name.clone()).map(|n| format!(" ({n})")).unwrap_or_default();
        rows.push(ControlRow {
            from: format!("{}{who}", pair[0].unit_name.clone().unwrap_or_default()),
            to: pair[1].unit_name.clone().unwrap_or_default(),
            at: stamp(pair[0].finished_at.unwrap_or(pair[1].started_at)),
            result: timeliness_word(pair[0].timeliness.as_deref()).into(),
            note: by
                .map(|m| {
                    let what = match m.action.as_str() {
                        "send_back" => "Trả lại bước trước",
                        "submit_for_approval" => "Trình phê duyệt",
                        "approve" => "Phê duyệt",
                        "issue_result" => "Có kết quả",
                        _ => "",
                    };
                    [what, m.note.as_deref().unwrap_or("")]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(": ")
                })
                .unwrap_or_default(),
        });
    }
    if let (Some(returned), Some(last)) = (c.view.returned_at, steps.last()) {
        rows.push(ControlRow {
            from: last.unit_name.clone().unwrap_or_default(),
            to: format!("Người nhận kết quả: {}", party.name),
            at: stamp(returned),
            result: timeliness_word(c.view.timeliness.as_deref()).into(),
            note: "Trả kết quả".into(),
        });
    }
    let promised = c.view.original_due_at.or(c.view.due_at);
    Ok(forms::ControlSheet {
        head: letterhead(&c.desk, DESK, c.received()),
        dossier: c.dossier(),
        applicant: party,
        received_at: c.view.received_at.map(stamp).unwrap_or_default(),
        due_at: promised.map(stamp).unwrap_or_default(),
        new_due_at: match (c.view.original_due_at, c.view.due_at) {
            (Some(_), Some(new)) => stamp(new),
            _ => String::new(),
        },
        rows,
    })
}

/// An e-form answer as the applicant sees it: a date as dd/mm/yyyy, a choice by its label, a tick as "Có".
fn answer_text(field: &crate::domain::eform::Field, value: &Value) -> String {
    use crate::domain::eform::FieldKind;
    match (&field.kind, value) {
        (_, Value::Null) => String::new(),
        (FieldKind::Date {}, Value::String(s)) => {
            match time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")) {
                Ok(d) => format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year()),
                Err(_) => s.clone(),
            }
        }
        (FieldKind::Select { options }, Value::String(s)) => {
            options.iter().find(|o| &o.value == s).map_or_else(|| s.clone(), |o| o.label.clone())
        }
        (FieldKind::Checkbox {}, Value::Bool(b)) => if *b { "Có" } else { "Không" }.to_owned(),
        (FieldKind::Address {}, Value::Object(a)) => {
            let part = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or_default().trim().to_owned();
            let codes: Vec<String> = [("mã xã", part("commune_code")), ("mã tỉnh", part("province_code"))]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            match (part("detail"), codes.is_empty()) {
                (d, true) => d,
                (d, false) if d.is_empty() => codes.join(", "),
                (d, false) => format!("{d} ({})", codes.join(", ")),
            }
        }
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The result document the system writes for an approval or a result (`generate_result`), from the procedure's
/// first result with a layout, signed by the caller. The file is returned ready to store and attach.
pub async fn result_document(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    id: Uuid,
    public_url: &str,
) -> Result<(forms::ResultDocument, String, String), ApiError> {
    let staff = super::require_staff(caller)?;
    let c = context(tx, caller, id, public_url).await?;
    let Some((result, layout)) = c.procedure.results.iter().find_map(|r| r.layout.as_ref().map(|l| (r, l))) else {
        return Err(ApiError::field(
            "body.generate_result",
            "no_layout",
            "the procedure has no result layout: attach the signed result instead",
        ));
    };
    let title: Option<String> =
        sqlx::query_scalar("SELECT title FROM staff WHERE id = $1").bind(staff.id).fetch_one(&mut **tx).await?;
    let now = OffsetDateTime::now_utc();
    let person = |p: &dossier::Person| p.full_name.clone();
    let fill = |line: &str| -> String {
        let mut out = String::new();
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                out.push_str(&rest[start..]);
                return out;
            };
            let key = after[..end].trim();
            let value = match key {
                "applicant.full_name" => person(&c.view.applicant),
                "applicant.address" => c.view.applicant.address.clone().unwrap_or_default(),
                "owner.full_name" => person(c.view.owner.as_ref().unwrap_or(&c.view.applicant)),
                "dossier.code" => c.view.code.clone(),
                "agency.name" => c.competent.name.clone(),
                "procedure.name" => c.view.procedure_name.clone(),
                "today" => date(now),
                field => c
                    .procedure
                    .form
                    .fields
                    .iter()
                    .find(|f| f.key == field)
                    .map(|f| answer_text(f, c.view.form.get(field).unwrap_or(&Value::Null)))
                    .unwrap_or_default(),
            };
            out.push_str(if value.trim().is_empty() { official::BLANK } else { &value });
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    };
    let doc = forms::ResultDocument {
        head: letterhead(&c.competent, "", now),
        number: c.view.code.clone(),
        title: layout.title.clone(),
        lines: layout.lines.iter().map(|l| fill(l)).collect(),
        signer: Signer {
            title: layout.signer_title.clone().or(title).unwrap_or_else(|| "Người ký".into()),
            name: staff.full_name.clone(),
        },
        dossier: c.dossier(),
    };
    let slug: String = result
        .code
        .chars()
        .chain("-".chars())
        .chain(c.view.code.chars())
        .map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' || ch == '.' { ch } else { '_' })
        .collect();
    Ok((doc, result.code.clone(), format!("ket-qua-{slug}.pdf")))
}

/// The longest period one register covers, and the most dossiers it lists (a bigger one is split by date).
pub const REGISTER_MAX_DAYS: i64 = 366;
pub const REGISTER_MAX_ROWS: i64 = 5_000;

/// Mẫu 07: the dossiers the agency's one-stop desk received in `[from, to]` (dates in Vietnam time), for its
/// clerks, leaders and administrators. The export is audited.
pub async fn register(
    tx: &mut Transaction<'_, Postgres>,
    caller: &Caller,
    agency_id: Uuid,
    from: time::Date,
    to: time::Date,
) -> Result<Document, ApiError> {
    let staff = super::require_staff(caller)?;
    if !staff
        .roles
        .iter()
        .any(|r| r.agency_id == agency_id && matches!(r.role.as_str(), "clerk" | "leader" | "agency_admin"))
    {
        return Err(ApiError::new(ErrorCode::Forbidden, "the agency's clerks, leaders and administrators only"));
    }
    if to < from {
        return Err(ApiError::field("query.to", "before_from", "the end date is before the start date"));
    }
    if (to - from).whole_days() >= REGISTER_MAX_DAYS {
        return Err(ApiError::field("query.to", "range_too_long", &format!("at most {REGISTER_MAX_DAYS} days")));
    }
    let start = crate::domain::calendar::from_local(from.midnight());
    let end = crate::domain::calendar::from_local(to.next_day().unwrap_or(to).midnight());
    #[derive(sqlx::FromRow)]
    struct Row {
        code: String,
        procedure_name: String,
        applicant: Value,
        owner: Option<Value>,
        received_at: OffsetDateTime,
        promised: Option<OffsetDateTime>,
        state: String,
        finished_at: Option<OffsetDateTime>,
        returned_at: Option<OffsetDateTime>,
        transfers: Vec<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.code, pv.name AS procedure_name, d.applicant, d.owner, d.received_at,
                COALESCE(d.original_due_at, d.due_at, d.paused_due_at) AS promised, d.state, d.finished_at, d.returned_at,
                ARRAY(SELECT u2.name || ' ' || to_char((s2.started_at AT TIME ZONE 'UTC') + interval '7 hours', 'DD/MM/YYYY')
                        FROM dossier_step s2 JOIN unit u2 ON u2.id = s2.unit_id
                       WHERE s2.dossier_id = d.id AND s2.seq > 1 AND u2.kind <> 'one_stop' ORDER BY s2.seq) AS transfers
           FROM dossier d
           JOIN procedure_version pv ON pv.id = d.procedure_version_id
           JOIN dossier_step s ON s.dossier_id = d.id AND s.seq = 1
           JOIN unit u ON u.id = s.unit_id AND u.agency_id = $1
          WHERE d.received_at >= $2 AND d.received_at < $3
          ORDER BY d.received_at, d.code
          LIMIT $4",
    )
    .bind(agency_id)
    .bind(start)
    .bind(end)
    .bind(REGISTER_MAX_ROWS + 1)
    .fetch_all(&mut **tx)
    .await?;
    if rows.len() as i64 > REGISTER_MAX_ROWS {
        return Err(ApiError::field(
            "query.to",
            "too_many_rows",
            &format!("more than {REGISTER_MAX_ROWS} dossiers: choose a shorter period"),
        ));
    }
    audit::append(
        tx,
        &audit::Entry {
            actor_kind: audit::ActorKind::Staff,
            actor_id: Some(&staff.id.to_string()),
            action: "report.register_export",
            object_kind: Some("agency"),
            object_id: Some(&agency_id.to_string()),
            details: serde_json::json!({"from": from.to_string(), "to": to.to_string(), "dossiers": rows.len()}),
        },
    )
    .await?;
    let names = agency_names(tx, agency_id).await?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let out = rows
        .into_iter()
        .map(|r| {
            let person = r.owner.as_ref().unwrap_or(&r.applicant);
            let contact = [text(person, "address"), text(&r.applicant, "phone")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            let returned = match (r.state.as_str(), r.returned_at, r.finished_at) {
                (_, Some(t), _) => stamp(t),
                ("refused", _, Some(t)) => format!("Từ chối {}", date(t)),
                ("withdrawn", _, Some(t)) => format!("Rút hồ sơ {}", date(t)),
                ("stopped", _, Some(t)) => format!("Dừng {}", date(t)),
                _ => String::new(),
            };
            RegisterRow {
                code: r.code,
                procedure_name: r.procedure_name,
                applicant_name: text(person, "full_name"),
                contact,
                received: stamp(r.received_at),
                appointment: r.promised.map(stamp).unwrap_or_default(),
                transfers: r.transfers.join("; "),
                result_received: match r.state.as_str() {
                    "result_ready" | "returned" => r.finished_at.map(stamp).unwrap_or_default(),
                    _ => String::new(),
                },
                returned,
            }
        })
        .collect();
    Ok(Document::Register(forms::Register {
        head: letterhead(&names, DESK, OffsetDateTime::now_utc()),
        from: format!("{:02}/{:02}/{:04}", from.day(), u8::from(from.month()), from.year()),
        to: format!("{:02}/{:02}/{:04}", to.day(), u8::from(to.month()), to.year()),
        rows: out,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_is_the_province() {
        assert_eq!(place_of("Ủy ban nhân dân tỉnh Thanh Hóa"), "Thanh Hóa");
        assert_eq!(place_of("Ủy ban nhân dân thành phố Hà Nội"), "Hà Nội");
        assert_eq!(place_of("Bộ Tư pháp"), "Bộ Tư pháp");
    }

    #[test]
    fn every_form_number_parses_back() {
        for f in
            [Form::Receipt, Form::SupplementRequest, Form::Refusal, Form::Apology, Form::StopNotice, Form::ControlSheet]
        {
            assert_eq!(Form::parse(f.number()), Some(f));
        }
        assert_eq!(Form::parse("07"), None);
    }

    #[test]
    fn links_follow_the_history_and_the_sheet_is_for_staff() {
        let id = Uuid::nil();
        let t = OffsetDateTime::UNIX_EPOCH;
        let h = vec![
            ("submit".to_owned(), 1, t),
            ("accept".to_owned(), 2, t),
            ("request_supplement".to_owned(), 3, t),
            ("receive_supplement".to_owned(), 4, t),
            ("request_supplement".to_owned(), 5, t),
        ];
        let forms: Vec<(String, String)> =
            links(id, Some(t), &h, false).into_iter().map(|l| (l.form, l.href)).collect();
        let base = format!("/api/v1/dossiers/{id}/forms");
        assert_eq!(
            forms,
            [
                ("01".to_owned(), format!("{base}/01.pdf")),
                ("02".to_owned(), format!("{base}/02.pdf?seq=3")),
                ("02".to_owned(), format!("{base}/02.pdf?seq=5")),
            ]
        );
        assert_eq!(links(id, None, &h[..1], true).last().map(|l| l.form.as_str()), Some("06"));
    }
}
