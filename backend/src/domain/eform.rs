//! E-form (biểu mẫu điện tử) of a procedure: the typed fields a citizen fills in, and the validation and
//! normalisation of their answers.
//!
//! A schema is stored in the procedure catalogue as JSON and imported/exported as JSON. Serialisation is
//! deterministic (ordered `Vec`s, no maps, `None` and default values always skipped), so
//! export → import → export is byte-identical:
//!
//! ```json
//! {
//!   "fields": [
//!     {
//!       "key": "ho_ten_tre",
//!       "label": "Họ, chữ đệm, tên của người được khai sinh",
//!       "kind": { "type": "text" },
//!       "required": true,
//!       "rules": { "max_length": 100 }
//!     },
//!     {
//!       "key": "gioi_tinh",
//!       "label": "Giới tính",
//!       "kind": { "type": "select", "options": [ { "value": "nam", "label": "Nam" }, { "value": "nu", "label": "Nữ" } ] },
//!       "required": true
//!     },
//!     {
//!       "key": "so_dinh_danh_nguoi_yeu_cau",
//!       "label": "Số định danh cá nhân của người yêu cầu",
//!       "kind": { "type": "personal_id" },
//!       "required": true,
//!       "prefill": "identity.personal_id",
//!       "editable_when_prefilled": false
//!     }
//!   ]
//! }
//! ```
//!
//! Call [`FormSchema::validate_schema`] when a schema is saved or imported; [`FormSchema::validate_answers`]
//! assumes a schema that passed it (on one that did not, it still never panics, but ignores rules it
//! cannot read, such as an unparseable date bound).

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{Date, Month};
use unicode_normalization::UnicodeNormalization;

/// At most this many fields in one form.
pub const MAX_FIELDS: usize = 200;
/// A key is `[a-z][a-z0-9_]{0,63}`.
pub const MAX_KEY_LEN: usize = 64;
/// Labels of fields and of select options, in characters after NFC.
pub const MAX_LABEL_CHARS: usize = 200;
/// Select option values, in characters.
pub const MAX_OPTION_VALUE_CHARS: usize = 200;
/// Help texts, in characters after NFC.
pub const MAX_HELP_CHARS: usize = 2_000;
/// Ceiling of a `text` answer; `rules.max_length` may only lower it.
pub const TEXT_MAX_CHARS: usize = 2_000;
/// Ceiling of a `textarea` answer; `rules.max_length` may only lower it.
pub const TEXTAREA_MAX_CHARS: usize = 10_000;
/// Ceiling of the `detail` part (số nhà, đường, thôn/xóm) of an `address` answer.
pub const ADDRESS_DETAIL_MAX_CHARS: usize = 500;
/// Ceiling of an e-mail address (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// Ceiling of the local part of an e-mail address (RFC 5321).
pub const EMAIL_LOCAL_MAX_CHARS: usize = 64;
/// [`FormSchema::from_json`] refuses bigger input.
pub const SCHEMA_JSON_MAX_BYTES: usize = 256 * 1024;
/// [`FormSchema::from_json`] refuses input nested deeper than this (`{}` is depth 1).
pub const SCHEMA_JSON_MAX_DEPTH: usize = 32;

/// The `code`s of [`SchemaProblem`] and [`FieldProblem`].
pub mod codes {
    // Answers (FieldProblem); `required`, `too_long`, `out_of_range`, `invalid_format` and `invalid_date`
    // are also used by SchemaProblem.
    pub const REQUIRED: &str = "required";
    pub const INVALID_TYPE: &str = "invalid_type";
    pub const TOO_SHORT: &str = "too_short";
    pub const TOO_LONG: &str = "too_long";
    pub const OUT_OF_RANGE: &str = "out_of_range";
    pub const INVALID_FORMAT: &str = "invalid_format";
    pub const NOT_AN_OPTION: &str = "not_an_option";
    pub const UNKNOWN_FIELD: &str = "unknown_field";
    pub const INVALID_DATE: &str = "invalid_date";
    pub const DATE_TOO_EARLY: &str = "date_too_early";
    pub const DATE_TOO_LATE: &str = "date_too_late";
    // Schema only (SchemaProblem).
    pub const TOO_MANY_FIELDS: &str = "too_many_fields";
    pub const INVALID_KEY: &str = "invalid_key";
    pub const DUPLICATE_KEY: &str = "duplicate_key";
    pub const NO_OPTIONS: &str = "no_options";
    pub const DUPLICATE_OPTION: &str = "duplicate_option";
    pub const NOT_NORMALISED: &str = "not_normalised";
    pub const RULE_NOT_APPLICABLE: &str = "rule_not_applicable";
    pub const INVALID_RANGE: &str = "invalid_range";
    pub const INVALID_NUMBER: &str = "invalid_number";
    pub const PREFILL_INCOMPATIBLE: &str = "prefill_incompatible";
    pub const LOCKED_WITHOUT_PREFILL: &str = "locked_without_prefill";
}

use codes::*;

// ---------------------------------------------------------------------------------------------------------
// Schema types
// ---------------------------------------------------------------------------------------------------------

/// The e-form of one procedure: its fields, in display order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSchema {
    pub fields: Vec<Field>,
}

/// One field of an e-form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// `[a-z][a-z0-9_]{0,63}`, unique in the form; the key of the answer.
    pub key: String,
    /// Vietnamese label shown to the citizen; required, at most [`MAX_LABEL_CHARS`] characters.
    pub label: String,
    pub kind: FieldKind,
    /// Absent in JSON means `false`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Where the caller fills the field from, before the citizen sees the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
    /// Whether the citizen may change a prefilled value. Absent in JSON means `true`.
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub editable_when_prefilled: bool,
    /// Absent in JSON means no rules.
    #[serde(default, skip_serializing_if = "Rules::is_empty")]
    pub rules: Rules,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_true(b: &bool) -> bool {
    *b
}

fn default_true() -> bool {
    true
}

impl Field {
    /// An optional, editable field without help, prefill or rules.
    pub fn new(key: impl Into<String>, label: impl Into<String>, kind: FieldKind) -> Self {
        Self {
            key: key.into(),
            label: label.into(),
            kind,
            required: false,
            help: None,
            prefill: None,
            editable_when_prefilled: true,
            rules: Rules::default(),
        }
    }

    /// Marks the field required.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn with_prefill(mut self, prefill: Prefill) -> Self {
        self.prefill = Some(prefill);
        self
    }

    /// Forbids the citizen to change the prefilled value.
    #[must_use]
    pub fn locked(mut self) -> Self {
        self.editable_when_prefilled = false;
        self
    }

    #[must_use]
    pub fn with_rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    /// Prefilled and not editable by the citizen.
    pub fn is_locked(&self) -> bool {
        self.prefill.is_some() && !self.editable_when_prefilled
    }
}

/// The type of a field, serialised as `{"type": "<name>", ...}`.
///
/// Variants without data are written `FieldKind::Text {}` so that unknown members such as
/// `{"type": "text", "options": []}` are refused on import like everywhere else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldKind {
    /// One line of text.
    Text {},
    /// Several lines of text (`\n` and `\t` allowed).
    Textarea {},
    /// A finite JSON number.
    Number {},
    /// `yyyy-mm-dd`.
    Date {},
    Email {},
    /// Vietnamese mobile number, normalised to `0xxxxxxxxx`.
    Phone {},
    /// Số định danh cá nhân: 12 digits.
    PersonalId {},
    /// Mã số thuế: `0101234567` or `0101234567-001`.
    TaxCode {},
    /// One of the option values.
    Select { options: Vec<Choice> },
    /// A boolean; when required it must be ticked (`true`).
    Checkbox {},
    /// `{"province_code": "01", "commune_code": "00004", "detail": "Số 1 phố Tràng Tiền"}`.
    Address {},
}

impl FieldKind {
    /// The `type` tag.
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Text {} => "text",
            FieldKind::Textarea {} => "textarea",
            FieldKind::Number {} => "number",
            FieldKind::Date {} => "date",
            FieldKind::Email {} => "email",
            FieldKind::Phone {} => "phone",
            FieldKind::PersonalId {} => "personal_id",
            FieldKind::TaxCode {} => "tax_code",
            FieldKind::Select { .. } => "select",
            FieldKind::Checkbox {} => "checkbox",
            FieldKind::Address {} => "address",
        }
    }

    fn is_textish(&self) -> bool {
        matches!(self, FieldKind::Text {} | FieldKind::Textarea {})
    }
}

/// An option of a `select` field: the stored `value` and the Vietnamese `label` shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self { value: value.into(), label: label.into() }
    }
}

/// A source the caller fills a field from: the citizen's electronic identity (VNeID account) or the
/// national population database (CSDL quốc gia về dân cư). Serialised as the dotted name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Prefill {
    #[serde(rename = "identity.full_name")]
    IdentityFullName,
    #[serde(rename = "identity.birth_date")]
    IdentityBirthDate,
    #[serde(rename = "identity.personal_id")]
    IdentityPersonalId,
    #[serde(rename = "identity.email")]
    IdentityEmail,
    #[serde(rename = "identity.phone")]
    IdentityPhone,
    #[serde(rename = "population.full_name")]
    PopulationFullName,
    #[serde(rename = "population.birth_date")]
    PopulationBirthDate,
    #[serde(rename = "population.sex")]
    PopulationSex,
    #[serde(rename = "population.permanent_address")]
    PopulationPermanentAddress,
    #[serde(rename = "population.current_address")]
    PopulationCurrentAddress,
    #[serde(rename = "population.hometown")]
    PopulationHometown,
    #[serde(rename = "population.ethnicity")]
    PopulationEthnicity,
    #[serde(rename = "population.nationality")]
    PopulationNationality,
}

impl Prefill {
    pub const ALL: [Prefill; 13] = [
        Prefill::IdentityFullName,
        Prefill::IdentityBirthDate,
        Prefill::IdentityPersonalId,
        Prefill::IdentityEmail,
        Prefill::IdentityPhone,
        Prefill::PopulationFullName,
        Prefill::PopulationBirthDate,
        Prefill::PopulationSex,
        Prefill::PopulationPermanentAddress,
        Prefill::PopulationCurrentAddress,
        Prefill::PopulationHometown,
        Prefill::PopulationEthnicity,
        Prefill::PopulationNationality,
    ];

    /// The dotted name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Prefill::IdentityFullName => "identity.full_name",
            Prefill::IdentityBirthDate => "identity.birth_date",
            Prefill::IdentityPersonalId => "identity.personal_id",
            Prefill::IdentityEmail => "identity.email",
            Prefill::IdentityPhone => "identity.phone",
            Prefill::PopulationFullName => "population.full_name",
            Prefill::PopulationBirthDate => "population.birth_date",
            Prefill::PopulationSex => "population.sex",
            Prefill::PopulationPermanentAddress => "population.permanent_address",
            Prefill::PopulationCurrentAddress => "population.current_address",
            Prefill::PopulationHometown => "population.hometown",
            Prefill::PopulationEthnicity => "population.ethnicity",
            Prefill::PopulationNationality => "population.nationality",
        }
    }

    /// Whether a field of this kind can hold the value:
    /// names → `text`; birth dates → `date`; personal ID → `personal_id`; e-mail → `email`;
    /// phone → `phone`; sex, ethnicity, nationality → `text` or `select` (the caller maps the database
    /// value to an option); permanent/current address and hometown → `address`, `text` or `textarea`.
    pub fn fits(self, kind: &FieldKind) -> bool {
        use FieldKind as K;
        match self {
            Prefill::IdentityFullName | Prefill::PopulationFullName => matches!(kind, K::Text {}),
            Prefill::IdentityBirthDate | Prefill::PopulationBirthDate => matches!(kind, K::Date {}),
            Prefill::IdentityPersonalId => matches!(kind, K::PersonalId {}),
            Prefill::IdentityEmail => matches!(kind, K::Email {}),
            Prefill::IdentityPhone => matches!(kind, K::Phone {}),
            Prefill::PopulationSex | Prefill::PopulationEthnicity | Prefill::PopulationNationality => {
                matches!(kind, K::Text {} | K::Select { .. })
            }
            Prefill::PopulationPermanentAddress | Prefill::PopulationCurrentAddress | Prefill::PopulationHometown => {
                matches!(kind, K::Address {} | K::Text {} | K::Textarea {})
            }
        }
    }
}

impl fmt::Display for Prefill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Extra constraints of a field. Every rule is optional; each applies to some kinds only
/// (checked by [`FormSchema::validate_schema`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// `text`, `textarea`: at least this many characters (after NFC and trimming).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// `text`, `textarea`: at most this many characters; at least 1 and at most the kind's ceiling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// `text`: only the ASCII digits 0-9.
    #[serde(skip_serializing_if = "is_false")]
    pub digits_only: bool,
    /// `number`: inclusive lower bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// `number`: inclusive upper bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// `date`: inclusive lower bound, `"today"` or `yyyy-mm-dd` (see [`DateBound`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_date: Option<String>,
    /// `date`: inclusive upper bound, `"today"` or `yyyy-mm-dd` (see [`DateBound`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_date: Option<String>,
}

impl Rules {
    pub fn is_empty(&self) -> bool {
        self == &Rules::default()
    }
}

/// A parsed `min_date`/`max_date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    /// The `today` argument of [`FormSchema::validate_answers`].
    Today,
    On(Date),
}

impl DateBound {
    /// `"today"` or a valid `yyyy-mm-dd` date.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "today" { Some(DateBound::Today) } else { parse_ymd(s).map(DateBound::On) }
    }

    pub fn resolve(self, today: Date) -> Date {
        match self {
            DateBound::Today => today,
            DateBound::On(d) => d,
        }
    }
}

/// A problem of a schema; `path` points into the JSON, e.g. `fields[2].key` or
/// `fields[0].kind.options[1].value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaProblem {
    pub path: String,
    pub code: &'static str,
    pub message: String,
}

/// A problem of an answer; `field` is `answers`, `answers.<key>` or `answers.<key>.<part>` for an address
/// part. The message is English, for developers; the client localises by `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

// ---------------------------------------------------------------------------------------------------------
// Parsing and schema validation
// ---------------------------------------------------------------------------------------------------------

impl FormSchema {
    /// Parses a schema, refusing input bigger than [`SCHEMA_JSON_MAX_BYTES`] or nested deeper than
    /// [`SCHEMA_JSON_MAX_DEPTH`] before deserialising it. Does not run [`FormSchema::validate_schema`].
    pub fn from_json(json: &str) -> Result<FormSchema, String> {
        if json.len() > SCHEMA_JSON_MAX_BYTES {
            return Err(format!("schema JSON is {} bytes; the limit is {SCHEMA_JSON_MAX_BYTES}", json.len()));
        }
        if json_depth_exceeds(json, SCHEMA_JSON_MAX_DEPTH) {
            return Err(format!("schema JSON is nested deeper than {SCHEMA_JSON_MAX_DEPTH} levels"));
        }
        serde_json::from_str(json).map_err(|e| format!("invalid schema JSON: {e}"))
    }

    /// The export form: pretty-printed JSON, deterministic.
    pub fn to_json(&self) -> String {
        // Structs, strings, numbers and booleans only, no maps: serialising cannot fail (a non-finite
        // bound would be written `null`, which validate_schema refuses).
        serde_json::to_string_pretty(self).expect("a FormSchema always serialises")
    }

    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The prefilled fields, in form order, with their source.
    pub fn prefilled_fields(&self) -> impl Iterator<Item = (&Field, Prefill)> {
        self.fields.iter().filter_map(|f| f.prefill.map(|p| (f, p)))
    }

    /// Checks the schema itself; every problem is reported.
    pub fn validate_schema(&self) -> Result<(), Vec<SchemaProblem>> {
        let mut problems = Vec::new();
        let mut push = |path: String, code: &'static str, message: String| {
            problems.push(SchemaProblem { path, code, message });
        };
        if self.fields.len() > MAX_FIELDS {
            push(
                "fields".into(),
                TOO_MANY_FIELDS,
                format!("{} fields; at most {MAX_FIELDS} are allowed", self.fields.len()),
            );
        }
        let mut keys = HashSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            let at = |part: &str| format!("fields[{i}].{part}");
            if !is_valid_key(&f.key) {
                push(at("key"), INVALID_KEY, format!("key {:?} must match [a-z][a-z0-9_]{{0,63}}", f.key));
            } else if !keys.insert(f.key.as_str()) {
                push(at("key"), DUPLICATE_KEY, format!("key {:?} is used by an earlier field", f.key));
            }
            check_label(&f.label, MAX_LABEL_CHARS, at("label"), &mut push);
            if let Some(help) = &f.help {
                let n = nfc_trim(help).chars().count();
                if n > MAX_HELP_CHARS {
                    push(at("help"), TOO_LONG, format!("help has {n} characters; at most {MAX_HELP_CHARS}"));
                }
            }
            if let FieldKind::Select { options } = &f.kind {
                if options.is_empty() {
                    push(at("kind.options"), NO_OPTIONS, "a select needs at least one option".into());
                }
                let mut values = HashSet::new();
                for (j, o) in options.iter().enumerate() {
                    let at_o = |part: &str| format!("fields[{i}].kind.options[{j}].{part}");
                    if o.value.is_empty() {
                        push(at_o("value"), REQUIRED, "option value must not be empty".into());
                    } else if nfc_trim(&o.value) != o.value {
                        push(
                            at_o("value"),
                            NOT_NORMALISED,
                            "option value must be NFC-normalised without surrounding whitespace".into(),
                        );
                    } else if o.value.chars().any(char::is_control) {
                        push(at_o("value"), INVALID_FORMAT, "option value must not contain control characters".into());
                    } else if o.value.chars().count() > MAX_OPTION_VALUE_CHARS {
                        push(at_o("value"), TOO_LONG, format!("option value is longer than {MAX_OPTION_VALUE_CHARS}"));
                    } else if !values.insert(o.value.as_str()) {
                        push(at_o("value"), DUPLICATE_OPTION, format!("option value {:?} is repeated", o.value));
                    }
                    check_label(&o.label, MAX_LABEL_CHARS, at_o("label"), &mut push);
                }
            }
            check_rules(i, f, &mut push);
            if let Some(p) = f.prefill
                && !p.fits(&f.kind)
            {
                push(
                    at("prefill"),
                    PREFILL_INCOMPATIBLE,
                    format!("prefill {p} cannot fill a {} field", f.kind.name()),
                );
            }
            if f.prefill.is_none() && !f.editable_when_prefilled {
                push(
                    at("editable_when_prefilled"),
                    LOCKED_WITHOUT_PREFILL,
                    "a field that is not prefilled must stay editable, or nobody can fill it".into(),
                );
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}

fn check_label(label: &str, max: usize, path: String, push: &mut impl FnMut(String, &'static str, String)) {
    let label = nfc_trim(label);
    let n = label.chars().count();
    if n == 0 {
        push(path, REQUIRED, "label must not be empty".into());
    } else if n > max {
        push(path, TOO_LONG, format!("label has {n} characters; at most {max}"));
    } else if label.chars().any(char::is_control) {
        push(path, INVALID_FORMAT, "label must not contain control characters".into());
    }
}

fn check_rules(i: usize, f: &Field, push: &mut impl FnMut(String, &'static str, String)) {
    let r = &f.rules;
    let at = |part: &str| format!("fields[{i}].rules.{part}");
    let kind = f.kind.name();
    let not_applicable = |rule: &str, allowed: &str| format!("{rule} applies to {allowed} fields, not {kind}");

    // Lengths.
    if f.kind.is_textish() {
        let ceiling = if matches!(f.kind, FieldKind::Textarea {}) { TEXTAREA_MAX_CHARS } else { TEXT_MAX_CHARS };
        if let Some(max) = r.max_length {
            if max == 0 {
                push(at("max_length"), INVALID_RANGE, "max_length must be at least 1".into());
            } else if max as usize > ceiling {
                push(at("max_length"), OUT_OF_RANGE, format!("max_length {max} is above the {kind} limit {ceiling}"));
            }
        }
        if let Some(min) = r.min_length {
            if min as usize > ceiling {
                push(at("min_length"), OUT_OF_RANGE, format!("min_length {min} is above the {kind} limit {ceiling}"));
            } else if let Some(max) = r.max_length
                && min > max
            {
                push(at("min_length"), INVALID_RANGE, format!("min_length {min} is above max_length {max}"));
            }
        }
    } else {
        if r.min_length.is_some() {
            push(at("min_length"), RULE_NOT_APPLICABLE, not_applicable("min_length", "text and textarea"));
        }
        if r.max_length.is_some() {
            push(at("max_length"), RULE_NOT_APPLICABLE, not_applicable("max_length", "text and textarea"));
        }
    }
    if r.digits_only && !matches!(f.kind, FieldKind::Text {}) {
        push(at("digits_only"), RULE_NOT_APPLICABLE, not_applicable("digits_only", "text"));
    }

    // Numbers.
    let is_number = matches!(f.kind, FieldKind::Number {});
    let mut bounds_ok = true;
    for (name, bound) in [("min", r.min), ("max", r.max)] {
        let Some(x) = bound else { continue };
        if !is_number {
            push(at(name), RULE_NOT_APPLICABLE, not_applicable(name, "number"));
            bounds_ok = false;
        } else if !x.is_finite() {
            push(at(name), INVALID_NUMBER, format!("{name} must be a finite number"));
            bounds_ok = false;
        } else if !f64_round_trips(x) {
            push(
                at(name),
                INVALID_NUMBER,
                format!("{name} {x:e} does not survive a JSON round trip; use fewer significant digits"),
            );
            bounds_ok = false;
        }
    }
    if bounds_ok
        && let (Some(min), Some(max)) = (r.min, r.max)
        && min > max
    {
        push(at("min"), INVALID_RANGE, format!("min {min} is above max {max}"));
    }

    // Dates.
    let is_date = matches!(f.kind, FieldKind::Date {});
    let mut parsed = [None, None];
    for (slot, (name, bound)) in [("min_date", &r.min_date), ("max_date", &r.max_date)].into_iter().enumerate() {
        let Some(s) = bound else { continue };
        if !is_date {
            push(at(name), RULE_NOT_APPLICABLE, not_applicable(name, "date"));
        } else if let Some(b) = DateBound::parse(s) {
            parsed[slot] = Some(b);
        } else {
            push(at(name), INVALID_DATE, format!("{name} {s:?} must be \"today\" or a valid yyyy-mm-dd date"));
        }
    }
    if let [Some(DateBound::On(min)), Some(DateBound::On(max))] = parsed
        && min > max
    {
        push(at("min_date"), INVALID_RANGE, format!("min_date {min} is after max_date {max}"));
    }
}

/// serde_json (without `float_roundtrip`) may read back a 17-digit float one ULP off; such a bound would
/// break byte-identical export → import → export.
fn f64_round_trips(x: f64) -> bool {
    serde_json::to_string(&x)
        .ok()
        .and_then(|s| serde_json::from_str::<f64>(&s).ok())
        .is_some_and(|y| y.to_bits() == x.to_bits())
}

fn is_valid_key(key: &str) -> bool {
    let b = key.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_KEY_LEN
        && b[0].is_ascii_lowercase()
        && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// Whether `{`/`[` nesting (outside strings) goes deeper than `max`.
fn json_depth_exceeds(json: &str, max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in json.bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------------------
// Answer validation
// ---------------------------------------------------------------------------------------------------------

impl FormSchema {
    /// Validates a citizen's answers (a JSON object keyed by field key) and returns them normalised.
    ///
    /// Every problem is reported at once, at most one per field (or per address part). The normalised
    /// map holds only the answered fields (absent, `null` and blank optional answers are left out) and
    /// validating it again returns it unchanged.
    pub fn validate_answers(&self, answers: &Value, today: Date) -> Result<Map<String, Value>, Vec<FieldProblem>> {
        let Some(answers) = answers.as_object() else {
            return Err(vec![FieldProblem {
                field: "answers".into(),
                code: INVALID_TYPE,
                message: format!("answers must be a JSON object, not {}", json_type(answers)),
            }]);
        };
        let mut out = Map::new();
        let mut problems = Vec::new();
        for f in &self.fields {
            let mut ctx = Ctx { field: f, path: format!("answers.{}", f.key), today, problems: &mut problems };
            if let Some(v) = ctx.normalise(answers.get(&f.key)) {
                out.insert(f.key.clone(), v);
            }
        }
        let known: HashSet<&str> = self.fields.iter().map(|f| f.key.as_str()).collect();
        for key in answers.keys() {
            if !known.contains(key.as_str()) {
                problems.push(FieldProblem {
                    field: format!("answers.{key}"),
                    code: UNKNOWN_FIELD,
                    message: format!("the form has no field {key:?}"),
                });
            }
        }
        if problems.is_empty() { Ok(out) } else { Err(problems) }
    }
}

struct Ctx<'a> {
    field: &'a Field,
    path: String,
    today: Date,
    problems: &'a mut Vec<FieldProblem>,
}

impl Ctx<'_> {
    fn problem(&mut self, code: &'static str, message: impl Into<String>) -> Option<Value> {
        self.problems.push(FieldProblem { field: self.path.clone(), code, message: message.into() });
        None
    }

    fn part_problem(&mut self, part: &str, code: &'static str, message: impl Into<String>) {
        self.problems.push(FieldProblem { field: format!("{}.{part}", self.path), code, message: message.into() });
    }

    /// An absent, null or blank answer.
    fn missing(&mut self) -> Option<Value> {
        if self.field.required { self.problem(REQUIRED, "an answer is required") } else { None }
    }

    fn normalise(&mut self, value: Option<&Value>) -> Option<Value> {
        let value = match value {
            None | Some(Value::Null) => return self.missing(),
            Some(v) => v,
        };
        match &self.field.kind {
            FieldKind::Checkbox {} => match value {
                Value::Bool(true) => Some(Value::Bool(true)),
                Value::Bool(false) if self.field.required => self.problem(REQUIRED, "this box must be ticked"),
                Value::Bool(false) => Some(Value::Bool(false)),
                other => self.problem(INVALID_TYPE, format!("expected a boolean, not {}", json_type(other))),
            },
            FieldKind::Number {} => self.number(value),
            FieldKind::Address {} => self.address(value),
            kind => {
                let Value::String(raw) = value else {
                    return self.problem(INVALID_TYPE, format!("expected a string, not {}", json_type(value)));
                };
                let multiline = matches!(kind, FieldKind::Textarea {});
                let s = clean(raw, multiline);
                if s.is_empty() {
                    return self.missing();
                }
                if s.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t'))) {
                    let what = if multiline { "control characters other than newline and tab" } else { "control characters" };
                    return self.problem(INVALID_FORMAT, format!("must not contain {what}"));
                }
                self.string(kind, s)
            }
        }
    }

    fn string(&mut self, kind: &FieldKind, s: String) -> Option<Value> {
        match kind {
            FieldKind::Text {} | FieldKind::Textarea {} => self.text(kind, s),
            FieldKind::Date {} => self.date(&s),
            FieldKind::Email {} => match normalise_email(&s) {
                Ok(e) => Some(Value::String(e)),
                Err(why) => self.problem(INVALID_FORMAT, why),
            },
            FieldKind::Phone {} => match normalise_phone(&s) {
                Some(p) => Some(Value::String(p)),
                None => self.problem(
                    INVALID_FORMAT,
                    "expected a Vietnamese mobile number: 10 digits starting 03, 05, 07, 08 or 09, or +84 and 9 digits",
                ),
            },
            FieldKind::PersonalId {} => {
                if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
                    Some(Value::String(s))
                } else {
                    self.problem(INVALID_FORMAT, "a personal ID (số định danh cá nhân) is exactly 12 digits")
                }
            }
            FieldKind::TaxCode {} => match normalise_tax_code(&s) {
                Some(t) => Some(Value::String(t)),
                None => self.problem(INVALID_FORMAT, "a tax code is 10 digits, or 10 digits, a dash and 3 digits"),
            },
            FieldKind::Select { options } => {
                if options.iter().any(|o| o.value == s) {
                    Some(Value::String(s))
                } else {
                    self.problem(NOT_AN_OPTION, "not one of the option values")
                }
            }
            // Handled by `normalise`.
            FieldKind::Number {} | FieldKind::Checkbox {} | FieldKind::Address {} => None,
        }
    }

    fn text(&mut self, kind: &FieldKind, s: String) -> Option<Value> {
        let rules = &self.field.rules;
        let ceiling = if matches!(kind, FieldKind::Textarea {}) { TEXTAREA_MAX_CHARS } else { TEXT_MAX_CHARS };
        let max = rules.max_length.map_or(ceiling, |m| ceiling.min(m as usize));
        let n = s.chars().count();
        if n > max {
            return self.problem(TOO_LONG, format!("{n} characters; at most {max}"));
        }
        if let Some(min) = rules.min_length
            && n < min as usize
        {
            return self.problem(TOO_SHORT, format!("{n} characters; at least {min}"));
        }
        if rules.digits_only && matches!(kind, FieldKind::Text {}) && !s.bytes().all(|b| b.is_ascii_digit()) {
            return self.problem(INVALID_FORMAT, "only the digits 0-9 are allowed");
        }
        Some(Value::String(s))
    }

    fn number(&mut self, value: &Value) -> Option<Value> {
        let Value::Number(n) = value else {
            return self.problem(INVALID_TYPE, format!("expected a number, not {}", json_type(value)));
        };
        let Some(x) = n.as_f64().filter(|x| x.is_finite()) else {
            return self.problem(INVALID_TYPE, "expected a finite number");
        };
        let rules = &self.field.rules;
        if let Some(min) = rules.min
            && x < min
        {
            return self.problem(OUT_OF_RANGE, format!("{n} is below the minimum {min}"));
        }
        if let Some(max) = rules.max
            && x > max
        {
            return self.problem(OUT_OF_RANGE, format!("{n} is above the maximum {max}"));
        }
        Some(value.clone())
    }

    fn date(&mut self, s: &str) -> Option<Value> {
        let Some(d) = parse_ymd(s) else {
            return self.problem(INVALID_DATE, "expected a valid calendar date written yyyy-mm-dd");
        };
        let rules = &self.field.rules;
        if let Some(min) = rules.min_date.as_deref().and_then(DateBound::parse).map(|b| b.resolve(self.today))
            && d < min
        {
            return self.problem(DATE_TOO_EARLY, format!("{} is before {}", format_ymd(d), format_ymd(min)));
        }
        if let Some(max) = rules.max_date.as_deref().and_then(DateBound::parse).map(|b| b.resolve(self.today))
            && d > max
        {
            return self.problem(DATE_TOO_LATE, format!("{} is after {}", format_ymd(d), format_ymd(max)));
        }
        Some(Value::String(format_ymd(d)))
    }

    fn address(&mut self, value: &Value) -> Option<Value> {
        const PARTS: [&str; 3] = ["province_code", "commune_code", "detail"];
        let Value::Object(obj) = value else {
            return self.problem(INVALID_TYPE, format!("expected an address object, not {}", json_type(value)));
        };
        let before = self.problems.len();
        for key in obj.keys() {
            if !PARTS.contains(&key.as_str()) {
                self.part_problem(key, UNKNOWN_FIELD, "an address has only province_code, commune_code and detail");
            }
        }
        let mut parts: [Option<String>; 3] = [None, None, None];
        for (slot, name) in PARTS.into_iter().enumerate() {
            match obj.get(name) {
                None | Some(Value::Null) => parts[slot] = Some(String::new()),
                Some(Value::String(s)) => {
                    let s = clean(s, false);
                    if s.chars().any(char::is_control) {
                        self.part_problem(name, INVALID_FORMAT, "must not contain control characters");
                    } else {
                        parts[slot] = Some(s);
                    }
                }
                Some(other) => {
                    self.part_problem(name, INVALID_TYPE, format!("expected a string, not {}", json_type(other)))
                }
            }
        }
        let [Some(province), Some(commune), Some(detail)] = parts else { return None };
        if self.problems.len() > before {
            return None;
        }
        if province.is_empty() && commune.is_empty() && detail.is_empty() {
            return self.missing();
        }
        if province.is_empty() {
            self.part_problem("province_code", REQUIRED, "the province code is required");
        } else if !is_digits(&province, 2) {
            self.part_problem("province_code", INVALID_FORMAT, "a province code is 2 digits");
        }
        if commune.is_empty() {
            self.part_problem("commune_code", REQUIRED, "the commune code is required");
        } else if !is_digits(&commune, 5) {
            self.part_problem("commune_code", INVALID_FORMAT, "a commune code is 5 digits");
        }
        let n = detail.chars().count();
        if detail.is_empty() && self.field.required {
            self.part_problem("detail", REQUIRED, "the street address is required");
        } else if n > ADDRESS_DETAIL_MAX_CHARS {
            self.part_problem("detail", TOO_LONG, format!("{n} characters; at most {ADDRESS_DETAIL_MAX_CHARS}"));
        }
        if self.problems.len() > before {
            return None;
        }
        let mut m = Map::new();
        m.insert("province_code".into(), Value::String(province));
        m.insert("commune_code".into(), Value::String(commune));
        m.insert("detail".into(), Value::String(detail));
        Some(Value::Object(m))
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn nfc_trim(s: &str) -> String {
    let n: String = s.nfc().collect();
    n.trim().to_owned()
}

/// NFC, trimmed; in multi-line text `\r\n` and lone `\r` become `\n` first.
fn clean(s: &str, multiline: bool) -> String {
    if multiline && s.contains('\r') { nfc_trim(&s.replace("\r\n", "\n").replace('\r', "\n")) } else { nfc_trim(s) }
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// `yyyy-mm-dd`, exactly, and a real calendar date.
fn parse_ymd(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let day = u8::try_from(num(8..10)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

fn format_ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// One `@`, a non-empty local part of at most 64 characters, a domain with a dot and no empty label, no
/// whitespace or control characters, at most 254 characters; the domain is lowercased.
fn normalise_email(s: &str) -> Result<String, &'static str> {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("an e-mail address must not contain spaces");
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err("an e-mail address needs an @");
    };
    if domain.contains('@') {
        return Err("an e-mail address has exactly one @");
    }
    if local.is_empty() {
        return Err("the part before the @ is empty");
    }
    if local.chars().count() > EMAIL_LOCAL_MAX_CHARS {
        return Err("the part before the @ is longer than 64 characters");
    }
    let domain: String = domain.to_lowercase().nfc().collect();
    if !domain.contains('.') || domain.split('.').any(str::is_empty) {
        return Err("the domain needs a dot and no empty part, e.g. example.vn");
    }
    let email = format!("{local}@{domain}");
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err("an e-mail address is at most 254 characters");
    }
    Ok(email)
}

/// Digits with spaces, dots or dashes between them and an optional leading `+84`, to a 10-digit
/// `0xxxxxxxxx` Vietnamese mobile number (prefixes 03, 05, 07, 08, 09).
fn normalise_phone(s: &str) -> Option<String> {
    let (international, rest) = match s.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut digits = String::with_capacity(12);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '.' | '-' => {}
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
    let national = if international { format!("0{}", digits.strip_prefix("84")?) } else { digits };
    let b = national.as_bytes();
    (b.len() == 10 && b[0] == b'0' && matches!(b[1], b'3' | b'5' | b'7' | b'8' | b'9')).then_some(national)
}

/// `0101234567`, `0101234567-001`, or the 13 digits without the dash (given the dash).
fn normalise_tax_code(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        10 if digits(b) => Some(s.to_owned()),
        13 if digits(b) => Some(format!("{}-{}", &s[..10], &s[10..])),
        14 if b[10] == b'-' && digits(&b[..10]) && digits(&b[11..]) => Some(s.to_owned()),
        _ => None,
    }
}
