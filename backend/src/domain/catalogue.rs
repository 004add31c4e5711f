//! Procedure catalogue (danh mục thủ tục hành chính): what a procedure needs (components, fees, e-form),
//! who decides it, how long it may take and how the dossier moves through the agency.
//!
//! The catalogue is imported and exported as a JSON array of [`Procedure`]s. Serialisation is
//! deterministic: ordered `Vec`s and no maps, every member with a default (`None`, `false`, `0`, an empty
//! list, `on_supplement: "restart"`) is left out when it has that value and read back as it, and
//! [`export`] sorts by code. So export → import → export is byte-identical.
//!
//! ```json
//! {
//!   "code": "1.001193",
//!   "name": "Đăng ký khai sinh",
//!   "field": { "code": "H56-LV05", "name": "Hộ tịch" },
//!   "competent": { "level": "commune" },
//!   "online_level": "full",
//!   "statutory_time": { "unit": "working_days", "value": 1 },
//!   "components": [
//!     { "code": "TP01", "name": "Tờ khai đăng ký khai sinh", "mandatory": true, "originals": 1,
//!       "template": "to-khai-dang-ky-khai-sinh.docx" }
//!   ],
//!   "results": [ { "code": "KQ01", "name": "Giấy khai sinh", "electronic": true } ],
//!   "form": { "fields": [ ... ] },
//!   "workflow": [
//!     { "name": "Tiếp nhận hồ sơ", "unit": "one_stop", "role": "clerk", "hours": 1 },
//!     { "name": "Thẩm định hồ sơ", "unit": "specialist", "role": "officer", "hours": 4 },
//!     { "name": "Ký Giấy khai sinh", "unit": "leadership", "role": "leader", "hours": 2 },
//!     { "name": "Trả kết quả", "unit": "one_stop", "role": "clerk", "hours": 1 }
//!   ],
//!   "result_delivery": [ "online", "in_person" ],
//!   "legal_basis": [ "Luật Hộ tịch 2014" ],
//!   "sample": true
//! }
//! ```
//!
//! [`Procedure::validate`] reports every problem at once with a JSON path (`workflow[2].hours`,
//! `form.fields[0].key`); [`import`] prefixes the paths with the procedure's index (`[3].workflow[2].hours`).
//!
//! # Workflow time
//!
//! The steps' allotted working hours must add up to the statutory time in working hours
//! ([`Procedure::statutory_hours`]): a working day is 8 working hours (NĐ 61/2018 counts time in working
//! days of the agency's 8-hour day). A time in **calendar days** is also counted as 8 hours a day: an
//! approximation for the internal plan only. It over-allots (weekends and holidays get hours nobody
//! works), which is harmless because allotments are targets for the officers; the legal deadline of a
//! dossier is computed on the real calendar, not from these hours.
//!
//! The first step receives the dossier and the last returns the result; both belong to the one-stop
//! unit (Bộ phận Một cửa) and are done by a clerk. Every step is allotted at least one hour, except the
//! returning step, which may be allotted 0: the statutory time ends when the result reaches the one-stop
//! unit, and handing it over is then immediate. Receiving always takes time (checking the dossier,
//! issuing the receipt, transferring it), so the first step cannot be 0.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::{Deserialize, Serialize};
use unicode_normalization::is_nfc;

use super::eform::FormSchema;

/// Names of procedures, components, results, fees, steps and legal bases: characters.
pub const MAX_NAME_CHARS: usize = 500;
/// Codes of fields, components, results and fees: `[0-9A-Za-z][0-9A-Za-z._-]*`, at most this many bytes.
pub const MAX_ITEM_CODE_LEN: usize = 50;
/// QĐ 20/2020 agency codes.
pub const MAX_AGENCY_CODE_LEN: usize = 35;
/// A paragraph of a result layout, in characters.
pub const MAX_LAYOUT_LINE_CHARS: usize = 2000;
/// Template file names, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;
/// `statutory_time.value` is `1..=MAX_STATUTORY_VALUE`.
pub const MAX_STATUTORY_VALUE: u32 = 3650;
/// A fee is at most 1 billion đồng.
pub const MAX_FEE_VND: u64 = 1_000_000_000;
/// Working hours in a working day (and, approximately, in a calendar day; see the module doc).
pub const HOURS_PER_DAY: u32 = 8;
/// [`import`] refuses bigger input.
pub const IMPORT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The `code`s of [`CatalogueProblem`]. Problems of the e-form keep the codes of
/// [`super::eform::codes`] and have paths under `form.`.
pub mod codes {
    /// An empty string or list that must not be empty.
    pub const REQUIRED: &str = "required";
    pub const TOO_LONG: &str = "too_long";
    /// Not NFC, or surrounded by whitespace.
    pub const NOT_NORMALISED: &str = "not_normalised";
    /// Control characters in a text.
    pub const INVALID_FORMAT: &str = "invalid_format";
    /// A procedure, field, component, result or fee code of the wrong shape.
    pub const INVALID_CODE: &str = "invalid_code";
    pub const INVALID_AGENCY_CODE: &str = "invalid_agency_code";
    pub const INVALID_FILE_NAME: &str = "invalid_file_name";
    pub const OUT_OF_RANGE: &str = "out_of_range";
    /// A component, result or fee code used twice in a procedure.
    pub const DUPLICATE_CODE: &str = "duplicate_code";
    /// A result delivery mode listed twice.
    pub const DUPLICATE_DELIVERY: &str = "duplicate_delivery";
    /// A result layout's `{{placeholder}}` that names nothing (or is not closed).
    pub const UNKNOWN_PLACEHOLDER: &str = "unknown_placeholder";
    /// A component with no originals, certified copies or photocopies.
    pub const NO_COPIES: &str = "no_copies";
    /// Fewer than 2 workflow steps.
    pub const WORKFLOW_TOO_SHORT: &str = "workflow_too_short";
    /// The first step is not a one-stop clerk receiving the dossier.
    pub const WORKFLOW_FIRST_STEP: &str = "workflow_first_step";
    /// The last step is not a one-stop clerk returning the result.
    pub const WORKFLOW_LAST_STEP: &str = "workflow_last_step";
    /// A step other than the last allotted 0 hours.
    pub const STEP_WITHOUT_TIME: &str = "step_without_time";
    /// The allotments do not add up to the statutory time.
    pub const WORKFLOW_TIME_MISMATCH: &str = "workflow_time_mismatch";
    /// A fully online procedure whose result cannot be delivered online.
    pub const FULL_ONLINE_WITHOUT_ONLINE_DELIVERY: &str = "full_online_without_online_delivery";
    /// A fully online procedure with a mandatory component that may be brought to the counter.
    pub const FULL_ONLINE_COUNTER_COMPONENT: &str = "full_online_counter_component";
    // Import only.
    pub const TOO_LARGE: &str = "too_large";
    pub const INVALID_JSON: &str = "invalid_json";
    /// Two procedures with the same code.
    pub const DUPLICATE_PROCEDURE: &str = "duplicate_procedure";
}

use codes::*;

// ---------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------

/// One administrative procedure of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// National procedure code: a digit, a dot and 6 digits (`1.001193`), optionally followed by a dot and
    /// an agency code, legacy (`1.001193.000.00.00.H56`) or QĐ 20/2020 (`1.001193.H56.14`).
    pub code: String,
    /// Vietnamese name, NFC, at most [`MAX_NAME_CHARS`] characters.
    pub name: String,
    /// The field (lĩnh vực) the procedure belongs to.
    pub field: FieldRef,
    /// Who decides it.
    pub competent: Competent,
    pub online_level: OnlineLevel,
    pub statutory_time: StatutoryTime,
    /// What the clock does when a complete supplement arrives. Absent in JSON means `restart`.
    #[serde(default, skip_serializing_if = "OnSupplement::is_default")]
    pub on_supplement: OnSupplement,
    /// Fees (phí) and charges (lệ phí). Absent in JSON means none (exempt).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fees: Vec<Fee>,
    /// Dossier components (thành phần hồ sơ). Absent in JSON means none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Result documents; at least one.
    pub results: Vec<ResultDoc>,
    /// The e-form.
    pub form: FormSchema,
    /// The internal process (quy trình nội bộ), in order; at least 2 steps.
    pub workflow: Vec<Step>,
    /// How the result may reach the applicant; at least one.
    pub result_delivery: Vec<Delivery>,
    /// Legal documents, e.g. `Luật Hộ tịch 2014`. Absent in JSON means none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legal_basis: Vec<String>,
    /// Demo data. Absent in JSON means `false`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sample: bool,
}

/// The field (lĩnh vực) of a procedure: `{"code": "H56-LV05", "name": "Hộ tịch"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRef {
    pub code: String,
    pub name: String,
}

/// Who decides a procedure: `{"level": "commune"}` (every agency of that level, each for its own area)
/// or `{"agency": "H56.14"}` (that agency, by QĐ 20/2020 code). Any other member is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Competent {
    Level(CompetentLevel),
    Agency(String),
}

/// Government levels after the 2025 reorganisation (province and commune), with the province's
/// specialised departments (sở) as a level of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompetentLevel {
    Commune,
    Department,
    Province,
}

impl CompetentLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Commune => "commune",
            Self::Department => "department",
            Self::Province => "province",
        }
    }
}

/// Level of online service (dịch vụ công trực tuyến).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// Toàn trình: submitted, processed and returned online.
    Full,
    /// Một phần: some steps (submitting originals, signing, receiving the result) happen at the counter.
    Partial,
    /// Not offered online.
    None,
}

impl OnlineLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::None => "none",
        }
    }
}

/// The statutory time (thời hạn giải quyết), counted from the complete dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatutoryTime {
    pub unit: TimeUnit,
    /// `1..=MAX_STATUTORY_VALUE`.
    pub value: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    WorkingDays,
    WorkingHours,
    CalendarDays,
}

impl TimeUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WorkingDays => "working_days",
            Self::WorkingHours => "working_hours",
            Self::CalendarDays => "calendar_days",
        }
    }

    /// Working hours per unit; calendar days are approximated as working days (see the module doc).
    pub fn hours(self) -> u32 {
        match self {
            Self::WorkingDays | Self::CalendarDays => HOURS_PER_DAY,
            Self::WorkingHours => 1,
        }
    }
}

impl StatutoryTime {
    /// The time in working hours (saturating; a valid value never comes near `u32::MAX`).
    pub fn hours(&self) -> u32 {
        self.value.saturating_mul(self.unit.hours())
    }
}

/// What the clock does when the applicant completes a dossier on request (bổ sung hồ sơ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnSupplement {
    /// The statutory time starts again from the complete dossier (NĐ 61/2018).
    #[default]
    Restart,
    /// The clock continues with the time that was left.
    Resume,
}

impl OnSupplement {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// A fee (phí) or charge (lệ phí).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub code: String,
    pub name: String,
    pub kind: FeeKind,
    /// In đồng; at most [`MAX_FEE_VND`]. 0 is allowed (a listed exemption).
    pub amount_vnd: u64,
    pub payable: Payable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// Phí: pays for a service.
    Fee,
    /// Lệ phí: a state charge.
    Charge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payable {
    OnSubmit,
    OnResult,
}

/// A dossier component (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Unique within the procedure, e.g. `TP01`.
    pub code: String,
    pub name: String,
    pub mandatory: bool,
    /// Number of originals (bản chính). Absent in JSON means 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub originals: u8,
    /// Number of certified copies (bản sao có chứng thực). Absent in JSON means 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub certified_copies: u8,
    /// Number of photocopies (bản photocopy, compared with the original at the counter). Absent means 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub photocopies: u8,
    /// File name of the blank form, e.g. `to-khai-khai-sinh.docx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// May be reused from the citizen's data store (kho quản lý dữ liệu điện tử). Absent means `false`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub reusable: bool,
    /// May be brought to the counter instead of being submitted online. Absent means `false`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub bring_to_counter_allowed: bool,
}

/// A result document (kết quả giải quyết).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultDoc {
    pub code: String,
    pub name: String,
    /// Issued as an electronic document (with the legal value of the paper one). Absent means `false`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub electronic: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// How the system generates the document when the result is issued (absent: it is uploaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<ResultLayout>,
}

/// A result document the system writes itself: a title, paragraphs with placeholders, and who signs.
///
/// Placeholders are `{{key}}` with `key` an e-form field key (its answer, printed as the applicant sees it: a
/// date as dd/mm/yyyy, a choice by its label) or one of [`RESULT_PLACEHOLDERS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultLayout {
    /// E.g. `GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN`.
    pub title: String,
    /// Paragraphs, in order; at least one.
    pub lines: Vec<String>,
    /// The signer's title in the signature block, e.g. `Chủ tịch`; absent: the signer's own title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_title: Option<String>,
}

/// The placeholders a result layout may use besides the e-form's keys.
pub const RESULT_PLACEHOLDERS: [&str; 7] = [
    "applicant.full_name",
    "applicant.address",
    "owner.full_name",
    "dossier.code",
    "agency.name",
    "procedure.name",
    "today",
];

/// The placeholder keys of a layout line (`{{ key }}`), in order; `Err` with the position of an unclosed `{{`.
pub fn placeholders(line: &str) -> Result<Vec<&str>, usize> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { return Err(offset + start) };
        out.push(after[..end].trim());
        offset += start + 2 + end + 2;
        rest = &after[end + 2..];
    }
    Ok(out)
}

/// A step of the internal process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// E.g. `Tiếp nhận hồ sơ`.
    pub name: String,
    pub unit: UnitKind,
    pub role: StepRole,
    /// Allotted working hours.
    pub hours: u32,
    /// Another agency's code (QĐ 20/2020) when the step happens there (liên thông, or the provincial
    /// public-administration service centre receiving for a department).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Bộ phận Một cửa.
    OneStop,
    /// Phòng chuyên môn.
    Specialist,
    /// Lãnh đạo.
    Leadership,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepRole {
    Clerk,
    Officer,
    Leader,
}

/// How a result reaches the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    InPerson,
    Post,
    Online,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPerson => "in_person",
            Self::Post => "post",
            Self::Online => "online",
        }
    }
}

/// A problem of a procedure or of a catalogue; `path` points into the JSON (`workflow[2].hours`,
/// `[3].form.fields[0].key`, or `""` for the whole import). The message is English, for developers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueProblem {
    pub path: String,
    pub code: &'static str,
    pub message: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

// ---------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------

impl Procedure {
    /// The statutory time in working hours: working days × 8, working hours × 1, calendar days × 8
    /// (an approximation; see the module doc).
    pub fn statutory_hours(&self) -> u32 {
        self.statutory_time.hours()
    }

    /// Checks the procedure; every problem is reported.
    pub fn validate(&self) -> Result<(), Vec<CatalogueProblem>> {
        let mut c = Checker::default();

        if !is_valid_procedure_code(&self.code) {
            c.push(
                "code",
                INVALID_CODE,
                format!(
                    "procedure code {:?} must be a digit, a dot and 6 digits (1.001193), optionally followed by a \
                     dot and an agency code (1.001193.000.00.00.H56)",
                    self.code
                ),
            );
        }
        c.text("name", &self.name, MAX_NAME_CHARS);
        c.item_code("field.code", &self.field.code);
        c.text("field.name", &self.field.name, MAX_NAME_CHARS);
        if let Competent::Agency(a) = &self.competent {
            c.agency("competent.agency", a);
        }

        let st = self.statutory_time;
        let statutory_ok = (1..=MAX_STATUTORY_VALUE).contains(&st.value);
        if !statutory_ok {
            c.push(
                "statutory_time.value",
                OUT_OF_RANGE,
                format!("statutory time {} must be 1 to {MAX_STATUTORY_VALUE}", st.value),
            );
        }

        self.check_fees(&mut c);
        self.check_components(&mut c);
        self.check_results(&mut c);
        self.check_workflow(&mut c, statutory_ok);
        self.check_delivery(&mut c);
        for (i, l) in self.legal_basis.iter().enumerate() {
            c.text(&format!("legal_basis[{i}]"), l, MAX_NAME_CHARS);
        }
        if let Err(ps) = self.form.validate_schema() {
            for p in ps {
                c.push(&format!("form.{}", p.path), p.code, p.message);
            }
        }
        c.finish()
    }

    fn check_fees(&self, c: &mut Checker) {
        let mut codes = HashMap::new();
        for (i, f) in self.fees.iter().enumerate() {
            let at = |part: &str| format!("fees[{i}].{part}");
            c.item_code(&at("code"), &f.code);
            c.unique(&mut codes, &at("code"), &f.code, "fee", |j| format!("fees[{j}]"));
            c.text(&at("name"), &f.name, MAX_NAME_CHARS);
            if f.amount_vnd > MAX_FEE_VND {
                c.push(
                    &at("amount_vnd"),
                    OUT_OF_RANGE,
                    format!("amount {} đồng is above the limit {MAX_FEE_VND}", f.amount_vnd),
                );
            }
        }
    }

    fn check_components(&self, c: &mut Checker) {
        let mut codes = HashMap::new();
        let full = self.online_level == OnlineLevel::Full;
        for (i, comp) in self.components.iter().enumerate() {
            let at = |part: &str| format!("components[{i}].{part}");
            c.item_code(&at("code"), &comp.code);
            c.unique(&mut codes, &at("code"), &comp.code, "component", |j| format!("components[{j}]"));
            c.text(&at("name"), &comp.name, MAX_NAME_CHARS);
            if comp.originals == 0 && comp.certified_copies == 0 && comp.photocopies == 0 {
                c.push(
                    &format!("components[{i}]"),
                    NO_COPIES,
                    "a component needs at least one original, certified copy or photocopy".into(),
                );
            }
            if let Some(t) = &comp.template {
                c.file_name(&at("template"), t);
            }
            if full && comp.mandatory && comp.bring_to_counter_allowed {
                c.push(
                    &at("bring_to_counter_allowed"),
                    FULL_ONLINE_COUNTER_COMPONENT,
                    "a fully online procedure cannot let a mandatory component be brought to the counter".into(),
                );
            }
        }
    }

    fn check_results(&self, c: &mut Checker) {
        if self.results.is_empty() {
            c.push("results", REQUIRED, "at least one result document is required".into());
        }
        let mut codes = HashMap::new();
        for (i, r) in self.results.iter().enumerate() {
            let at = |part: &str| format!("results[{i}].{part}");
            c.item_code(&at("code"), &r.code);
            c.unique(&mut codes, &at("code"), &r.code, "result", |j| format!("results[{j}]"));
            c.text(&at("name"), &r.name, MAX_NAME_CHARS);
            if let Some(t) = &r.template {
                c.file_name(&at("template"), t);
            }
            if let Some(layout) = &r.layout {
                c.text(&at("layout.title"), &layout.title, MAX_NAME_CHARS);
                if let Some(t) = &layout.signer_title {
                    c.text(&at("layout.signer_title"), t, MAX_NAME_CHARS);
                }
                if layout.lines.is_empty() {
                    c.push(&at("layout.lines"), REQUIRED, "at least one paragraph".into());
                }
                for (j, line) in layout.lines.iter().enumerate() {
                    let path = at(&format!("layout.lines[{j}]"));
                    c.text(&path, line, MAX_LAYOUT_LINE_CHARS);
                    match placeholders(line) {
                        Err(pos) => {
                            c.push(&path, UNKNOWN_PLACEHOLDER, format!("`{{{{` at byte {pos} is not closed by `}}}}`"))
                        }
                        Ok(keys) => {
                            for key in keys {
                                let known =
                                    RESULT_PLACEHOLDERS.contains(&key) || self.form.fields.iter().any(|f| f.key == key);
                                if !known {
                                    c.push(
                                        &path,
                                        UNKNOWN_PLACEHOLDER,
                                        format!("{{{{{key}}}}} is neither an e-form field nor one of {RESULT_PLACEHOLDERS:?}"),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn check_workflow(&self, c: &mut Checker, statutory_ok: bool) {
        let steps = &self.workflow;
        if steps.len() < 2 {
            c.push(
                "workflow",
                WORKFLOW_TOO_SHORT,
                format!("{} step(s); at least 2 (receiving and returning) are required", steps.len()),
            );
        }
        let is_desk = |s: &Step| s.unit == UnitKind::OneStop && s.role == StepRole::Clerk;
        if let Some(first) = steps.first()
            && !is_desk(first)
        {
            c.push(
                "workflow[0]",
                WORKFLOW_FIRST_STEP,
                "the first step receives the dossier: unit one_stop, role clerk".into(),
            );
        }
        if steps.len() >= 2
            && let Some(last) = steps.last()
            && !is_desk(last)
        {
            c.push(
                &format!("workflow[{}]", steps.len() - 1),
                WORKFLOW_LAST_STEP,
                "the last step returns the result: unit one_stop, role clerk".into(),
            );
        }
        let last = steps.len().saturating_sub(1);
        for (i, s) in steps.iter().enumerate() {
            let at = |part: &str| format!("workflow[{i}].{part}");
            c.text(&at("name"), &s.name, MAX_NAME_CHARS);
            if s.hours == 0 && (i != last || steps.len() < 2) {
                c.push(
                    &at("hours"),
                    STEP_WITHOUT_TIME,
                    "every step but the returning one needs at least 1 working hour".into(),
                );
            }
            if let Some(a) = &s.agency {
                c.agency(&at("agency"), a);
            }
        }
        if statutory_ok {
            let sum: u64 = steps.iter().map(|s| u64::from(s.hours)).sum();
            let expected = u64::from(self.statutory_hours());
            if sum != expected {
                let st = self.statutory_time;
                c.push(
                    "workflow",
                    WORKFLOW_TIME_MISMATCH,
                    format!(
                        "the steps allot {sum} working hours in total; the statutory time {} {} is {expected} \
                         working hours",
                        st.value,
                        st.unit.as_str()
                    ),
                );
            }
        }
    }

    fn check_delivery(&self, c: &mut Checker) {
        if self.result_delivery.is_empty() {
            c.push("result_delivery", REQUIRED, "at least one result delivery mode is required".into());
        }
        for (i, d) in self.result_delivery.iter().enumerate() {
            if self.result_delivery[..i].contains(d) {
                c.push(
                    &format!("result_delivery[{i}]"),
                    DUPLICATE_DELIVERY,
                    format!("delivery mode {} is listed twice", d.as_str()),
                );
            }
        }
        if self.online_level == OnlineLevel::Full && !self.result_delivery.contains(&Delivery::Online) {
            c.push(
                "result_delivery",
                FULL_ONLINE_WITHOUT_ONLINE_DELIVERY,
                "a fully online procedure must be able to return its result online".into(),
            );
        }
    }
}

#[derive(Default)]
struct Checker {
    problems: Vec<CatalogueProblem>,
}

impl Checker {
    fn push(&mut self, path: &str, code: &'static str, message: String) {
        self.problems.push(CatalogueProblem { path: path.to_owned(), code, message });
    }

    fn finish(self) -> Result<(), Vec<CatalogueProblem>> {
        if self.problems.is_empty() { Ok(()) } else { Err(self.problems) }
    }

    /// A required text: non-empty, NFC without surrounding whitespace, no control characters, at most `max`
    /// characters.
    fn text(&mut self, path: &str, s: &str, max: usize) {
        let n = s.chars().count();
        if s.trim().is_empty() {
            self.push(path, REQUIRED, "must not be empty".into());
        } else if !is_nfc(s) || s.trim() != s {
            self.push(path, NOT_NORMALISED, "must be NFC-normalised without surrounding whitespace".into());
        } else if s.chars().any(char::is_control) {
            self.push(path, INVALID_FORMAT, "must not contain control characters".into());
        } else if n > max {
            self.push(path, TOO_LONG, format!("{n} characters; at most {max}"));
        }
    }

    fn item_code(&mut self, path: &str, s: &str) {
        if s.is_empty() {
            self.push(path, REQUIRED, "code must not be empty".into());
        } else if !is_valid_item_code(s) {
            self.push(
                path,
                INVALID_CODE,
                format!("code {s:?} must match [0-9A-Za-z][0-9A-Za-z._-]* and be at most {MAX_ITEM_CODE_LEN} bytes"),
            );
        }
    }

    /// Reports `code` if an earlier item (its path made by `earlier`) has it.
    fn unique<'a>(
        &mut self,
        seen: &mut HashMap<&'a str, usize>,
        path: &str,
        code: &'a str,
        what: &str,
        earlier: impl Fn(usize) -> String,
    ) {
        let index = seen.len();
        match seen.entry(code) {
            Entry::Occupied(e) => self.push(
                path,
                DUPLICATE_CODE,
                format!("{what} code {code:?} is already used by {}", earlier(*e.get())),
            ),
            Entry::Vacant(e) => {
                e.insert(index);
            }
        }
    }

    fn agency(&mut self, path: &str, s: &str) {
        if !is_valid_agency_code(s) {
            self.push(
                path,
                INVALID_AGENCY_CODE,
                format!(
                    "agency code {s:?} must match [A-Z][0-9]{{2}}(\\.[0-9A-Z]+)* and be at most {MAX_AGENCY_CODE_LEN} \
                     characters"
                ),
            );
        }
    }

    fn file_name(&mut self, path: &str, s: &str) {
        let n = s.chars().count();
        if s.trim().is_empty() {
            self.push(path, REQUIRED, "file name must not be empty".into());
        } else if !is_nfc(s) || s.trim() != s {
            self.push(path, NOT_NORMALISED, "file name must be NFC-normalised without surrounding whitespace".into());
        } else if s == "." || s == ".." || s.chars().any(|c| c == '/' || c == '\\' || c.is_control()) {
            self.push(path, INVALID_FILE_NAME, format!("{s:?} is not a plain file name"));
        } else if n > MAX_FILE_NAME_CHARS {
            self.push(path, TOO_LONG, format!("{n} characters; at most {MAX_FILE_NAME_CHARS}"));
        }
    }
}

/// `[0-9]\.[0-9]{6}`, optionally followed by `.` and an agency code: legacy `000.00.00.H56` or
/// QĐ 20/2020 `H56.14`.
pub fn is_valid_procedure_code(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[0].is_ascii_digit() || b[1] != b'.' || !b[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    match b.get(8) {
        None => true,
        Some(b'.') => {
            let suffix = &s[9..];
            is_valid_legacy_agency_code(suffix) || is_valid_agency_code(suffix)
        }
        Some(_) => false,
    }
}

/// QĐ 20/2020: `[A-Z][0-9]{2}(\.[0-9A-Z]+)*`, at most [`MAX_AGENCY_CODE_LEN`] characters.
pub fn is_valid_agency_code(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_AGENCY_CODE_LEN {
        return false;
    }
    let mut groups = s.split('.');
    groups.next().is_some_and(is_level1)
        && groups.all(|g| !g.is_empty() && g.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()))
}

/// QCVN 102:2016 right-aligned form: `000.00.00.H56`.
fn is_valid_legacy_agency_code(s: &str) -> bool {
    let g: Vec<&str> = s.split('.').collect();
    g.len() == 4
        && g[0].len() == 3
        && g[1].len() == 2
        && g[2].len() == 2
        && g[..3].iter().all(|x| x.bytes().all(|c| c.is_ascii_digit()))
        && is_level1(g[3])
}

fn is_level1(g: &str) -> bool {
    let b = g.as_bytes();
    b.len() == 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

fn is_valid_item_code(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_ITEM_CODE_LEN
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

// ---------------------------------------------------------------------------------------------------------
// Import and export
// ---------------------------------------------------------------------------------------------------------

/// Checks every procedure and that no two share a code; paths are prefixed with `[i].`.
pub fn validate_catalogue(procs: &[Procedure]) -> Result<(), Vec<CatalogueProblem>> {
    let mut problems = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, p) in procs.iter().enumerate() {
        if let Err(ps) = p.validate() {
            problems.extend(ps.into_iter().map(|q| prefixed(i, q)));
        }
        match seen.entry(p.code.as_str()) {
            Entry::Occupied(e) => problems.push(CatalogueProblem {
                path: format!("[{i}].code"),
                code: DUPLICATE_PROCEDURE,
                message: format!("procedure code {:?} is already used by [{}]", p.code, e.get()),
            }),
            Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

fn prefixed(i: usize, p: CatalogueProblem) -> CatalogueProblem {
    CatalogueProblem { path: format!("[{i}].{}", p.path), ..p }
}

/// Parses a catalogue (a JSON array of procedures, at most [`IMPORT_MAX_BYTES`]) and validates it
/// ([`validate_catalogue`]). A document that does not parse gives one `invalid_json` problem per
/// procedure that does not (path `[i]`), or one for the whole document (path `""`) when it is not a
/// JSON array or the fault cannot be pinned on one procedure (a duplicate member, say).
pub fn import(json: &str) -> Result<Vec<Procedure>, Vec<CatalogueProblem>> {
    if json.len() > IMPORT_MAX_BYTES {
        return Err(vec![CatalogueProblem {
            path: String::new(),
            code: TOO_LARGE,
            message: format!("catalogue JSON is {} bytes; the limit is {IMPORT_MAX_BYTES}", json.len()),
        }]);
    }
    let procs: Vec<Procedure> = serde_json::from_str(json).map_err(|e| locate_parse_error(json, &e))?;
    validate_catalogue(&procs)?;
    Ok(procs)
}

fn locate_parse_error(json: &str, whole: &serde_json::Error) -> Vec<CatalogueProblem> {
    let root = || {
        vec![CatalogueProblem {
            path: String::new(),
            code: INVALID_JSON,
            message: format!("invalid catalogue: {whole}"),
        }]
    };
    let Ok(values) = serde_json::from_str::<Vec<serde_json::Value>>(json) else {
        return root();
    };
    let problems: Vec<CatalogueProblem> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            Procedure::deserialize(v).err().map(|e| CatalogueProblem {
                path: format!("[{i}]"),
                code: INVALID_JSON,
                message: format!("invalid procedure: {e}"),
            })
        })
        .collect();
    if problems.is_empty() { root() } else { problems }
}

/// The export form: the procedures sorted by code, pretty-printed JSON with a trailing newline.
pub fn export(procs: &[Procedure]) -> String {
    let mut sorted: Vec<&Procedure> = procs.iter().collect();
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    // Structs, strings, integers, booleans and the form's finite floats, no maps: cannot fail.
    let mut out = serde_json::to_string_pretty(&sorted).expect("a catalogue always serialises");
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::eform::{Choice, Field, FieldKind, Prefill};
    use proptest::prelude::*;
    use serde_json::json;
    use std::collections::HashSet;

    const SEED: &str = include_str!("../../seed/procedures.json");

    /// The departments of the sample province (QĐ 20/2020 codes).
    const DEPARTMENTS: [&str; 5] = ["H56.30", "H56.14", "H56.18", "H56.20", "H56.05"];

    fn level_of(c: &Competent) -> Option<CompetentLevel> {
        match c {
            Competent::Level(l) => Some(*l),
            Competent::Agency(a) if a == "H56" => Some(CompetentLevel::Province),
            Competent::Agency(a) if DEPARTMENTS.contains(&a.as_str()) => Some(CompetentLevel::Department),
            Competent::Agency(_) => None,
        }
    }

    fn step(name: &str, unit: UnitKind, role: StepRole, hours: u32) -> Step {
        Step { name: name.into(), unit, role, hours, agency: None }
    }

    /// A valid, fully online procedure of 1 working day.
    fn sample() -> Procedure {
        Procedure {
            code: "1.001193".into(),
            name: "Đăng ký khai sinh".into(),
            field: FieldRef { code: "H56-LV05".into(), name: "Hộ tịch".into() },
            competent: Competent::Level(CompetentLevel::Commune),
            online_level: OnlineLevel::Full,
            statutory_time: StatutoryTime { unit: TimeUnit::WorkingDays, value: 1 },
            on_supplement: OnSupplement::Restart,
            fees: vec![],
            components: vec![Component {
                code: "TP01".into(),
                name: "Tờ khai đăng ký khai sinh".into(),
                mandatory: true,
                originals: 1,
                certified_copies: 0,
                photocopies: 0,
                template: Some("to-khai-dang-ky-khai-sinh.docx".into()),
                reusable: false,
                bring_to_counter_allowed: false,
            }],
            results: vec![ResultDoc {
                code: "KQ01".into(),
                name: "Giấy khai sinh".into(),
                electronic: true,
                template: None,
                layout: None,
            }],
            form: FormSchema {
                fields: vec![
                    Field::new("nguoi_yeu_cau_ho_ten", "Họ, chữ đệm, tên người yêu cầu", FieldKind::Text {})
                        .required()
                        .with_prefill(Prefill::IdentityFullName)
                        .locked(),
                    Field::new(
                        "tre_gioi_tinh",
                        "Giới tính",
                        FieldKind::Select { options: vec![Choice::new("nam", "Nam"), Choice::new("nu", "Nữ")] },
                    )
                    .required(),
                ],
            },
            workflow: vec![
                step("Tiếp nhận hồ sơ", UnitKind::OneStop, StepRole::Clerk, 1),
                step("Thẩm định hồ sơ", UnitKind::Specialist, StepRole::Officer, 4),
                step("Ký Giấy khai sinh", UnitKind::Leadership, StepRole::Leader, 2),
                step("Trả kết quả", UnitKind::OneStop, StepRole::Clerk, 1),
            ],
            result_delivery: vec![Delivery::Online, Delivery::InPerson],
            legal_basis: vec!["Luật Hộ tịch 2014".into()],
            sample: true,
        }
    }

    fn problems(p: &Procedure) -> Vec<(String, &'static str)> {
        match p.validate() {
            Ok(()) => vec![],
            Err(ps) => ps.into_iter().map(|q| (q.path, q.code)).collect(),
        }
    }

    fn pp(path: &str, code: &'static str) -> (String, &'static str) {
        (path.to_owned(), code)
    }

    #[test]
    fn result_layout_placeholders_name_form_fields_or_known_values() {
        assert_eq!(
            placeholders("Ông/Bà {{ applicant.full_name }}, sinh {{ngay_sinh}}."),
            Ok(vec!["applicant.full_name", "ngay_sinh"])
        );
        assert_eq!(placeholders("không có"), Ok(vec![]));
        assert_eq!(placeholders("mở {{ngay_sinh"), Err(5), "a byte offset");
        let mut p = sample();
        p.results[0].layout = Some(ResultLayout {
            title: "GIẤY KHAI SINH".into(),
            lines: vec![
                "Họ tên người yêu cầu: {{nguoi_yeu_cau_ho_ten}}; mã hồ sơ {{dossier.code}}.".into(),
                "Giới tính: {{tre_gioi_tinh}}, ngày sinh {{ngay_sinh}}".into(),
                "Chưa đóng {{today".into(),
            ],
            signer_title: None,
        });
        assert_eq!(
            problems(&p),
            [
                pp("results[0].layout.lines[1]", UNKNOWN_PLACEHOLDER),
                pp("results[0].layout.lines[2]", UNKNOWN_PLACEHOLDER)
            ]
        );
        p.results[0].layout.as_mut().expect("layout").lines.truncate(1);
        assert_eq!(problems(&p), []);
        p.results[0].layout.as_mut().expect("layout").lines.clear();
        assert_eq!(problems(&p), [pp("results[0].layout.lines", REQUIRED)]);
    }

    // ----- seed data ------------------------------------------------------------------------------------

    #[test]
    fn seed_catalogue_is_valid_and_broad() {
        let procs = match import(SEED) {
            Ok(p) => p,
            Err(ps) => panic!("seed catalogue has problems: {ps:#?}"),
        };
        assert!(procs.len() >= 25, "only {} procedures", procs.len());
        let codes: HashSet<&str> = procs.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes.len(), procs.len(), "procedure codes must be unique");
        for p in &procs {
            assert!(p.validate().is_ok(), "{}", p.code);
            assert!(p.sample, "{} is not marked sample", p.code);
            let n = p.form.fields.len();
            assert!((3..=12).contains(&n), "{} has {n} form fields", p.code);
            assert!(level_of(&p.competent).is_some(), "{}: unknown competent agency", p.code);
        }
        let levels: HashSet<CompetentLevel> = procs.iter().filter_map(|p| level_of(&p.competent)).collect();
        for l in [CompetentLevel::Commune, CompetentLevel::Department, CompetentLevel::Province] {
            assert!(levels.contains(&l), "no procedure at level {}", l.as_str());
        }
        let count = |o: OnlineLevel| procs.iter().filter(|p| p.online_level == o).count();
        assert!(count(OnlineLevel::Full) >= 6);
        assert!(count(OnlineLevel::Partial) >= 3);
        assert!(count(OnlineLevel::None) >= 2);
        // Known codes.
        for (code, level) in [
            ("1.001193", Some(CompetentLevel::Commune)),
            ("1.000894", Some(CompetentLevel::Commune)),
            ("1.000656", Some(CompetentLevel::Commune)),
            ("2.000815", Some(CompetentLevel::Commune)),
            ("2.000488", Some(CompetentLevel::Department)),
        ] {
            let p = procs.iter().find(|p| p.code == code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(level_of(&p.competent), level, "{code}");
        }
        let lltp = procs.iter().find(|p| p.code == "2.000488").expect("lý lịch tư pháp");
        assert_eq!(lltp.competent, Competent::Agency("H56.14".into()));
        assert_eq!(lltp.statutory_time, StatutoryTime { unit: TimeUnit::WorkingDays, value: 10 });
        assert!(lltp.fees.iter().any(|f| f.amount_vnd == 200_000));
    }

    #[test]
    fn seed_catalogue_round_trips_byte_identically() {
        let procs = import(SEED).expect("seed imports");
        let first = export(&procs);
        let again = import(&first).expect("export imports");
        assert_eq!(again.len(), procs.len());
        let second = export(&again);
        assert_eq!(second, first);
        // The file itself is kept in export form, so a re-export leaves it unchanged.
        assert_eq!(first, SEED, "seed/procedures.json is not in canonical export form");
    }

    #[test]
    fn seed_text_is_nfc() {
        assert!(is_nfc(SEED));
    }

    // ----- serialisation --------------------------------------------------------------------------------

    #[test]
    fn defaults_are_omitted_and_read_back() {
        let p = sample();
        let v = serde_json::to_value(&p).expect("serialises");
        assert_eq!(v["competent"], json!({"level": "commune"}));
        assert!(v.get("on_supplement").is_none());
        assert!(v.get("fees").is_none());
        assert_eq!(
            v["components"][0],
            json!({"code": "TP01", "name": "Tờ khai đăng ký khai sinh", "mandatory": true, "originals": 1,
                   "template": "to-khai-dang-ky-khai-sinh.docx"})
        );
        assert_eq!(
            v["workflow"][0],
            json!({"name": "Tiếp nhận hồ sơ", "unit": "one_stop", "role": "clerk", "hours": 1})
        );
        assert_eq!(v["result_delivery"], json!(["online", "in_person"]));
        assert_eq!(v["sample"], json!(true));
        let back: Procedure = serde_json::from_value(v).expect("reads back");
        assert_eq!(back, p);

        let mut q = sample();
        q.competent = Competent::Agency("H56.14".into());
        q.on_supplement = OnSupplement::Resume;
        q.sample = false;
        let v = serde_json::to_value(&q).expect("serialises");
        assert_eq!(v["competent"], json!({"agency": "H56.14"}));
        assert_eq!(v["on_supplement"], json!("resume"));
        assert!(v.get("sample").is_none());
    }

    #[test]
    fn unknown_members_are_refused() {
        let good = serde_json::to_value(sample()).expect("serialises");
        assert!(serde_json::from_value::<Procedure>(good.clone()).is_ok());
        let mut bad = good.clone();
        bad["extra"] = json!(1);
        assert!(serde_json::from_value::<Procedure>(bad).is_err());
        let mut bad = good.clone();
        bad["components"][0]["copies"] = json!(1);
        assert!(serde_json::from_value::<Procedure>(bad).is_err());
        let mut bad = good.clone();
        bad["workflow"][0]["minutes"] = json!(1);
        assert!(serde_json::from_value::<Procedure>(bad).is_err());
        let mut bad = good.clone();
        bad["competent"] = json!({"level": "commune", "agency": "H56"});
        assert!(serde_json::from_value::<Procedure>(bad).is_err());
        let text = serde_json::to_string(&good)
            .expect("serialises")
            .replace(r#""competent":{"level":"commune"}"#, r#""competent":{"level":"commune","agency":"H56"}"#);
        assert!(serde_json::from_str::<Procedure>(&text).is_err());
        let mut bad = good;
        bad["competent"] = json!({"level": "district"});
        assert!(serde_json::from_value::<Procedure>(bad).is_err());
    }

    #[test]
    fn statutory_hours_per_unit() {
        let mut p = sample();
        for (unit, value, hours) in [
            (TimeUnit::WorkingDays, 1, 8),
            (TimeUnit::WorkingDays, 10, 80),
            (TimeUnit::WorkingHours, 4, 4),
            (TimeUnit::CalendarDays, 15, 120),
            (TimeUnit::CalendarDays, 3650, 29_200),
        ] {
            p.statutory_time = StatutoryTime { unit, value };
            assert_eq!(p.statutory_hours(), hours);
        }
        p.statutory_time = StatutoryTime { unit: TimeUnit::WorkingDays, value: u32::MAX };
        assert_eq!(p.statutory_hours(), u32::MAX);
    }

    // ----- validation -----------------------------------------------------------------------------------

    #[test]
    fn sample_is_valid() {
        assert_eq!(problems(&sample()), []);
    }

    #[test]
    fn procedure_codes() {
        for ok in ["1.001193", "2.000488", "1.001193.000.00.00.H56", "1.001193.000.00.14.H56", "2.000815.H56.14"] {
            assert!(is_valid_procedure_code(ok), "{ok}");
        }
        for bad in [
            "",
            "1.00119",
            "1.0011934",
            "11.001193",
            "1-001193",
            "1.001193.",
            "1.001193.h56",
            "1.001193.00.00.00.H56",
            "1.001193 ",
            "1.00119a",
            "1.00119ä",
            "1.001193.000.00.00.H56.1",
        ] {
            assert!(!is_valid_procedure_code(bad), "{bad}");
        }
    }

    #[test]
    fn agency_codes() {
        for ok in ["H56", "H56.14", "H56.14.3", "G01.A2", "H56.101"] {
            assert!(is_valid_agency_code(ok), "{ok}");
        }
        for bad in ["", "h56", "H5", "H560", "H56.", "H56..1", "H56.a", "56.H", &format!("H56.{}", "1".repeat(32))] {
            assert!(!is_valid_agency_code(bad), "{bad}");
        }
        assert!(is_valid_agency_code(&format!("H56.{}", "1".repeat(31))));
    }

    #[test]
    fn texts_and_codes() {
        let mut p = sample();
        p.code = "1.1193".into();
        p.name = "Đăng ky\u{301} khai sinh".into();
        p.field = FieldRef { code: "".into(), name: " Hộ tịch".into() };
        p.competent = Competent::Agency("h56.14".into());
        p.legal_basis.push("x".repeat(MAX_NAME_CHARS + 1));
        p.legal_basis.push("Luật\nHộ tịch".into());
        p.legal_basis.push("   ".into());
        assert_eq!(
            problems(&p),
            [
                pp("code", INVALID_CODE),
                pp("name", NOT_NORMALISED),
                pp("field.code", REQUIRED),
                pp("field.name", NOT_NORMALISED),
                pp("competent.agency", INVALID_AGENCY_CODE),
                pp("legal_basis[1]", TOO_LONG),
                pp("legal_basis[2]", INVALID_FORMAT),
                pp("legal_basis[3]", REQUIRED),
            ]
        );
        let mut p = sample();
        p.name = "Đ".repeat(MAX_NAME_CHARS);
        p.field.code = "H56 LV05".into();
        assert_eq!(problems(&p), [pp("field.code", INVALID_CODE)]);
    }

    #[test]
    fn statutory_value_range() {
        let mut p = sample();
        p.statutory_time.value = 0;
        p.workflow.iter_mut().for_each(|s| s.hours = 1);
        // Out of range: no time-mismatch noise on top.
        assert_eq!(problems(&p), [pp("statutory_time.value", OUT_OF_RANGE)]);
        p.statutory_time.value = MAX_STATUTORY_VALUE + 1;
        assert_eq!(problems(&p), [pp("statutory_time.value", OUT_OF_RANGE)]);
        p.statutory_time = StatutoryTime { unit: TimeUnit::WorkingHours, value: 4 };
        assert_eq!(problems(&p), []);
    }

    #[test]
    fn workflow_must_add_up() {
        let mut p = sample();
        p.workflow[1].hours = 5;
        let ps = p.validate().expect_err("mismatch");
        assert_eq!(ps.len(), 1);
        assert_eq!((ps[0].path.as_str(), ps[0].code), ("workflow", WORKFLOW_TIME_MISMATCH));
        assert!(ps[0].message.contains("9 working hours") && ps[0].message.contains("is 8 working hours"));

        // Calendar days count 8 hours each.
        p.statutory_time = StatutoryTime { unit: TimeUnit::CalendarDays, value: 2 };
        p.workflow[1].hours = 12;
        assert_eq!(problems(&p), []);
        p.statutory_time = StatutoryTime { unit: TimeUnit::WorkingHours, value: 16 };
        assert_eq!(problems(&p), []);
    }

    #[test]
    fn workflow_shape() {
        let mut p = sample();
        p.workflow = vec![step("Tiếp nhận và trả kết quả", UnitKind::OneStop, StepRole::Clerk, 8)];
        assert_eq!(problems(&p), [pp("workflow", WORKFLOW_TOO_SHORT)]);

        p.workflow = vec![];
        assert_eq!(problems(&p), [pp("workflow", WORKFLOW_TOO_SHORT), pp("workflow", WORKFLOW_TIME_MISMATCH)]);

        let mut p = sample();
        p.workflow[0].role = StepRole::Officer;
        p.workflow[3].unit = UnitKind::Leadership;
        assert_eq!(problems(&p), [pp("workflow[0]", WORKFLOW_FIRST_STEP), pp("workflow[3]", WORKFLOW_LAST_STEP)]);

        // The returning step may take 0 hours; no other step may.
        let mut p = sample();
        p.workflow[3].hours = 0;
        p.workflow[1].hours = 5;
        assert_eq!(problems(&p), []);
        p.workflow[0].hours = 0;
        p.workflow[1].hours = 6;
        assert_eq!(problems(&p), [pp("workflow[0].hours", STEP_WITHOUT_TIME)]);

        let mut p = sample();
        p.workflow[1].agency = Some("H56.20".into());
        p.workflow[2].agency = Some("H56-20".into());
        p.workflow[2].name = String::new();
        assert_eq!(problems(&p), [pp("workflow[2].name", REQUIRED), pp("workflow[2].agency", INVALID_AGENCY_CODE)]);
    }

    #[test]
    fn components_results_fees() {
        let mut p = sample();
        let mut c2 = p.components[0].clone();
        c2.originals = 0;
        c2.template = Some("../to-khai.docx".into());
        p.components.push(c2);
        let mut r2 = p.results[0].clone();
        r2.template = Some(String::new());
        p.results.push(r2);
        let fee = Fee {
            code: "LP01".into(),
            name: "Lệ phí".into(),
            kind: FeeKind::Charge,
            amount_vnd: MAX_FEE_VND,
            payable: Payable::OnSubmit,
        };
        p.fees =
            vec![fee.clone(), Fee { amount_vnd: MAX_FEE_VND + 1, ..fee.clone() }, Fee { code: "P 1".into(), ..fee }];
        assert_eq!(
            problems(&p),
            [
                pp("fees[1].code", DUPLICATE_CODE),
                pp("fees[1].amount_vnd", OUT_OF_RANGE),
                pp("fees[2].code", INVALID_CODE),
                pp("components[1].code", DUPLICATE_CODE),
                pp("components[1]", NO_COPIES),
                pp("components[1].template", INVALID_FILE_NAME),
                pp("results[1].code", DUPLICATE_CODE),
                pp("results[1].template", REQUIRED),
            ]
        );
        let mut p = sample();
        p.results.clear();
        assert_eq!(problems(&p), [pp("results", REQUIRED)]);
        // Any one kind of copy is enough.
        let mut p = sample();
        p.components[0].originals = 0;
        p.components[0].photocopies = 2;
        assert_eq!(problems(&p), []);
    }

    #[test]
    fn delivery_and_full_online() {
        let mut p = sample();
        p.result_delivery = vec![Delivery::InPerson, Delivery::Post, Delivery::InPerson];
        p.components[0].bring_to_counter_allowed = true;
        assert_eq!(
            problems(&p),
            [
                pp("components[0].bring_to_counter_allowed", FULL_ONLINE_COUNTER_COMPONENT),
                pp("result_delivery[2]", DUPLICATE_DELIVERY),
                pp("result_delivery", FULL_ONLINE_WITHOUT_ONLINE_DELIVERY),
            ]
        );
        // Partly online: both are fine.
        p.online_level = OnlineLevel::Partial;
        p.result_delivery.pop();
        assert_eq!(problems(&p), []);
        // An optional component may be brought to the counter even when fully online.
        p.online_level = OnlineLevel::Full;
        p.result_delivery.push(Delivery::Online);
        p.components[0].mandatory = false;
        assert_eq!(problems(&p), []);
        p.result_delivery.clear();
        assert_eq!(
            problems(&p),
            [pp("result_delivery", REQUIRED), pp("result_delivery", FULL_ONLINE_WITHOUT_ONLINE_DELIVERY)]
        );
    }

    #[test]
    fn form_problems_are_mapped() {
        let mut p = sample();
        p.form.fields[1].key = "Gioi tinh".into();
        p.form.fields.push(Field::new("ho_ten", "", FieldKind::Date {}).with_prefill(Prefill::IdentityFullName));
        assert_eq!(
            problems(&p),
            [
                pp("form.fields[1].key", "invalid_key"),
                pp("form.fields[2].label", "required"),
                pp("form.fields[2].prefill", "prefill_incompatible"),
            ]
        );
    }

    #[test]
    fn all_problems_at_once() {
        let mut p = sample();
        p.code = "x".into();
        p.statutory_time.value = 2;
        p.results.clear();
        p.result_delivery.clear();
        p.form.fields[0].label = String::new();
        let codes: Vec<&str> = problems(&p).into_iter().map(|(_, c)| c).collect();
        assert_eq!(
            codes,
            [INVALID_CODE, REQUIRED, WORKFLOW_TIME_MISMATCH, REQUIRED, FULL_ONLINE_WITHOUT_ONLINE_DELIVERY, "required"]
        );
    }

    // ----- import / export ------------------------------------------------------------------------------

    #[test]
    fn export_sorts_and_ends_with_newline() {
        let mut a = sample();
        a.code = "2.000815".into();
        let b = sample();
        let out = export(&[a.clone(), b.clone()]);
        assert!(out.ends_with("}\n]\n"));
        let back = import(&out).expect("imports");
        assert_eq!(back, [b, a]);
        assert_eq!(export(&[]), "[]\n");
        assert_eq!(import("[]"), Ok(vec![]));
    }

    #[test]
    fn import_reports_problems_with_indices() {
        let mut bad = sample();
        bad.code = "2.000488".into();
        bad.workflow[1].hours = 1;
        let dup = sample();
        let json = serde_json::to_string(&[sample(), bad, dup]).expect("serialises");
        let ps = import(&json).expect_err("problems");
        let got: Vec<(&str, &str)> = ps.iter().map(|p| (p.path.as_str(), p.code)).collect();
        assert_eq!(got, [("[1].workflow", WORKFLOW_TIME_MISMATCH), ("[2].code", DUPLICATE_PROCEDURE)]);
        assert!(ps[1].message.contains("[0]"));
    }

    #[test]
    fn import_refuses_bad_json() {
        let root = |s: &str| {
            let ps = import(s).expect_err("refused");
            ps.iter().map(|p| (p.path.clone(), p.code)).collect::<Vec<_>>()
        };
        assert_eq!(root("{}"), [pp("", INVALID_JSON)]);
        assert_eq!(root("[1,"), [pp("", INVALID_JSON)]);
        assert_eq!(root(""), [pp("", INVALID_JSON)]);

        let good = serde_json::to_value(sample()).expect("serialises");
        let mut unknown = good.clone();
        unknown["extra"] = json!(true);
        let mut wrong_type = good.clone();
        wrong_type["statutory_time"]["value"] = json!(-1);
        let doc = serde_json::to_string(&json!([good, unknown, good, wrong_type])).expect("serialises");
        assert_eq!(root(&doc), [pp("[1]", INVALID_JSON), pp("[3]", INVALID_JSON)]);

        // A duplicate member is only caught by the strict parse: reported for the whole document.
        let text = serde_json::to_string(&json!([sample()])).expect("serialises");
        let doubled = text.replacen(r#""sample":true"#, r#""sample":true,"sample":true"#, 1);
        assert_ne!(doubled, text);
        assert_eq!(root(&doubled), [pp("", INVALID_JSON)]);

        let huge = format!("[{}]", " ".repeat(IMPORT_MAX_BYTES));
        assert_eq!(root(&huge), [pp("", TOO_LARGE)]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Any split of the statutory time over the middle steps validates and round-trips.
        #[test]
        fn any_consistent_workflow_validates_and_round_trips(
            unit in prop_oneof![Just(TimeUnit::WorkingDays), Just(TimeUnit::WorkingHours), Just(TimeUnit::CalendarDays)],
            value in 1u32..=60,
            cuts in prop::collection::vec(any::<u16>(), 0..5),
            returning in 0u32..=1,
            code in "[12]\\.[0-9]{6}",
        ) {
            let mut p = sample();
            p.code = code;
            p.statutory_time = StatutoryTime { unit, value };
            let total = p.statutory_hours();
            prop_assume!(total >= 2 + cuts.len() as u32 + returning);
            // Receiving 1 hour, returning 0 or 1, the rest spread over 1 + cuts.len() middle steps of ≥ 1 hour.
            let middle_total = total - 1 - returning;
            let n = cuts.len() as u32 + 1;
            let spare = middle_total - n;
            let mut points: Vec<u32> = cuts.iter().map(|c| u32::from(*c) % (spare + 1)).collect();
            points.sort_unstable();
            let mut prev = 0;
            let mut middle = Vec::new();
            for pt in points.iter().copied().chain([spare]) {
                middle.push(step("Xử lý hồ sơ", UnitKind::Specialist, StepRole::Officer, 1 + pt - prev));
                prev = pt;
            }
            p.workflow = [step("Tiếp nhận hồ sơ", UnitKind::OneStop, StepRole::Clerk, 1)]
                .into_iter()
                .chain(middle)
                .chain([step("Trả kết quả", UnitKind::OneStop, StepRole::Clerk, returning)])
                .collect();
            prop_assert_eq!(problems(&p), vec![]);
            let once = export(std::slice::from_ref(&p));
            let back = import(&once).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(&back[0], &p);
            prop_assert_eq!(export(&back), once);

            // One hour more anywhere breaks it.
            p.workflow[1].hours += 1;
            prop_assert!(problems(&p).contains(&pp("workflow", WORKFLOW_TIME_MISMATCH)));
        }

        #[test]
        fn import_never_panics(s in "[\\[\\]{}\",:a-z0-9_.\\\\ ]{0,200}") {
            let _ = import(&s);
        }
    }
}
