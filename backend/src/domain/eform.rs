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
/// [`FormSchema::validate_answers`] names at most this many unknown fields, then counts the rest.
pub const MAX_UNKNOWN_REPORTED: usize = 20;
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
    Select {
        options: Vec<Choice>,
    },
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
                } else if help.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                    push(at("help"), INVALID_FORMAT, "help must not contain control characters".into());
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
                push(at("prefill"), PREFILL_INCOMPATIBLE, format!("prefill {p} cannot fill a {} field", f.kind.name()));
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
        // Sorted, whatever order serde_json's map keeps (`preserve_order` may be on in the build). A body of
        // millions of made-up keys gets the first MAX_UNKNOWN_REPORTED by name and one count, not a problem
        // (and a line of the answer) per key.
        let mut unknown: Vec<&String> = answers.keys().filter(|k| !known.contains(k.as_str())).collect();
        let more = unknown.len().saturating_sub(MAX_UNKNOWN_REPORTED);
        if more > 0 {
            unknown.select_nth_unstable(MAX_UNKNOWN_REPORTED);
            unknown.truncate(MAX_UNKNOWN_REPORTED);
        }
        unknown.sort();
        for key in unknown {
            problems.push(FieldProblem {
                field: format!("answers.{key}"),
                code: UNKNOWN_FIELD,
                message: format!("the form has no field {key:?}"),
            });
        }
        if more > 0 {
            problems.push(FieldProblem {
                field: "answers".into(),
                code: UNKNOWN_FIELD,
                message: format!("and {more} more fields the form does not have"),
            });
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
                    let what =
                        if multiline { "control characters other than newline and tab" } else { "control characters" };
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
        let mut unknown: Vec<&String> = obj.keys().filter(|k| !PARTS.contains(&k.as_str())).collect();
        unknown.sort();
        for key in unknown {
            self.part_problem(key, UNKNOWN_FIELD, "an address has only province_code, commune_code and detail");
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use time::macros::date;

    const TODAY: Date = date!(2025 - 03 - 15);

    fn text() -> FieldKind {
        FieldKind::Text {}
    }

    fn schema(fields: Vec<Field>) -> FormSchema {
        let s = FormSchema { fields };
        assert_eq!(s.validate_schema(), Ok(()), "test schema must be valid");
        s
    }

    /// The one field `f`, answered `v`: the normalised value, or the problems as (field, code).
    fn one(f: Field, v: Value) -> Result<Value, Vec<(String, &'static str)>> {
        let key = f.key.clone();
        let s = schema(vec![f]);
        match s.validate_answers(&json!({ key.clone(): v }), TODAY) {
            Ok(mut m) => Ok(m.remove(&key).unwrap_or(Value::Null)),
            Err(ps) => Err(ps.into_iter().map(|p| (p.field, p.code)).collect()),
        }
    }

    fn ok(f: Field, v: Value) -> Value {
        one(f, v).expect("answer should be valid")
    }

    /// The single problem code at `answers.<key>`.
    fn code(f: Field, v: Value) -> &'static str {
        let path = format!("answers.{}", f.key);
        let ps = one(f, v).expect_err("answer should be refused");
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert_eq!(ps[0].0, path);
        ps[0].1
    }

    fn schema_codes(s: &FormSchema) -> Vec<(String, &'static str)> {
        s.validate_schema().expect_err("schema should be refused").into_iter().map(|p| (p.path, p.code)).collect()
    }

    fn sex() -> FieldKind {
        FieldKind::Select { options: vec![Choice::new("nam", "Nam"), Choice::new("nữ", "Nữ")] }
    }

    fn address_field(required: bool) -> Field {
        let f = Field::new("noi_sinh", "Nơi sinh", FieldKind::Address {});
        if required { f.required() } else { f }
    }

    /// Đăng ký khai sinh (birth registration), after the form of Thông tư 04/2020/TT-BTP.
    fn birth_registration() -> FormSchema {
        let name = |key: &str, label: &str| {
            Field::new(key, label, text()).with_rules(Rules { max_length: Some(100), ..Rules::default() })
        };
        schema(vec![
            Field::new("nguoi_yeu_cau_ho_ten", "Họ, chữ đệm, tên người yêu cầu", text())
                .required()
                .with_prefill(Prefill::IdentityFullName)
                .locked(),
            Field::new(
                "nguoi_yeu_cau_so_dinh_danh",
                "Số định danh cá nhân của người yêu cầu",
                FieldKind::PersonalId {},
            )
            .required()
            .with_prefill(Prefill::IdentityPersonalId)
            .locked(),
            Field::new("nguoi_yeu_cau_dien_thoai", "Số điện thoại liên hệ", FieldKind::Phone {})
                .with_prefill(Prefill::IdentityPhone),
            Field::new("nguoi_yeu_cau_email", "Thư điện tử", FieldKind::Email {}).with_prefill(Prefill::IdentityEmail),
            Field::new(
                "quan_he",
                "Quan hệ với người được khai sinh",
                FieldKind::Select {
                    options: vec![
                        Choice::new("cha", "Cha"),
                        Choice::new("me", "Mẹ"),
                        Choice::new("ong_ba", "Ông, bà"),
                        Choice::new("nguoi_than", "Người thân thích khác"),
                    ],
                },
            )
            .required(),
            name("tre_ho_ten", "Họ, chữ đệm, tên của người được khai sinh").required(),
            Field::new("tre_gioi_tinh", "Giới tính", sex()).required(),
            Field::new("tre_ngay_sinh", "Ngày, tháng, năm sinh", FieldKind::Date {})
                .required()
                .with_rules(Rules { max_date: Some("today".into()), ..Rules::default() }),
            Field::new("tre_noi_sinh", "Nơi sinh", FieldKind::Address {})
                .required()
                .with_help("Tên cơ sở y tế hoặc địa chỉ nơi sinh"),
            Field::new("tre_dan_toc", "Dân tộc", text()).required(),
            name("cha_ho_ten", "Họ, chữ đệm, tên người cha"),
            Field::new("cha_so_dinh_danh", "Số định danh cá nhân của người cha", FieldKind::PersonalId {}),
            name("me_ho_ten", "Họ, chữ đệm, tên người mẹ").required(),
            Field::new("me_so_dinh_danh", "Số định danh cá nhân của người mẹ", FieldKind::PersonalId {}).required(),
            Field::new("ghi_chu", "Ghi chú", FieldKind::Textarea {}),
            Field::new("cam_doan", "Tôi cam đoan nội dung khai trên đây là đúng sự thật", FieldKind::Checkbox {})
                .required(),
        ])
    }

    /// Every kind, with some rules.
    fn all_kinds() -> FormSchema {
        schema(vec![
            Field::new("ho_ten", "Họ và tên", text()).required().with_rules(Rules {
                min_length: Some(2),
                max_length: Some(50),
                ..Rules::default()
            }),
            Field::new("ma_so", "Mã số", text()).with_rules(Rules { digits_only: true, ..Rules::default() }),
            Field::new("noi_dung", "Nội dung đề nghị", FieldKind::Textarea {}),
            Field::new("dien_tich", "Diện tích (m²)", FieldKind::Number {}).with_rules(Rules {
                min: Some(0.0),
                max: Some(1_000_000.5),
                ..Rules::default()
            }),
            Field::new("ngay_cap", "Ngày cấp", FieldKind::Date {}).with_rules(Rules {
                min_date: Some("1945-09-02".into()),
                max_date: Some("today".into()),
                ..Rules::default()
            }),
            Field::new("email", "Thư điện tử", FieldKind::Email {}),
            Field::new("dien_thoai", "Điện thoại", FieldKind::Phone {}),
            Field::new("cccd", "Số định danh cá nhân", FieldKind::PersonalId {}),
            Field::new("mst", "Mã số thuế", FieldKind::TaxCode {}),
            Field::new("gioi_tinh", "Giới tính", sex()),
            Field::new("dong_y", "Đồng ý", FieldKind::Checkbox {}),
            Field::new("dia_chi", "Địa chỉ", FieldKind::Address {}),
        ])
    }

    // ----- schema: JSON shape, import/export ------------------------------------------------------------

    #[test]
    fn json_shape_is_pinned() {
        let s = FormSchema {
            fields: vec![
                Field::new("tre_gioi_tinh", "Giới tính", sex()).required(),
                Field::new("tre_ngay_sinh", "Ngày sinh", FieldKind::Date {})
                    .with_rules(Rules { max_date: Some("today".into()), ..Rules::default() }),
                Field::new("so_dinh_danh", "Số định danh", FieldKind::PersonalId {})
                    .with_prefill(Prefill::IdentityPersonalId)
                    .locked(),
            ],
        };
        let expected = r#"{"fields":[{"key":"tre_gioi_tinh","label":"Giới tính","kind":{"type":"select","options":[{"value":"nam","label":"Nam"},{"value":"nữ","label":"Nữ"}]},"required":true},{"key":"tre_ngay_sinh","label":"Ngày sinh","kind":{"type":"date"},"rules":{"max_date":"today"}},{"key":"so_dinh_danh","label":"Số định danh","kind":{"type":"personal_id"},"prefill":"identity.personal_id","editable_when_prefilled":false}]}"#;
        assert_eq!(serde_json::to_string(&s).expect("serialises"), expected);
        assert_eq!(FormSchema::from_json(expected), Ok(s));
    }

    #[test]
    fn export_import_export_is_byte_identical() {
        for s in [birth_registration(), all_kinds(), FormSchema::default()] {
            let first = serde_json::to_string_pretty(&s).expect("serialises");
            assert_eq!(first, s.to_json());
            let imported = FormSchema::from_json(&first).expect("re-imports");
            assert_eq!(imported, s);
            assert_eq!(serde_json::to_string_pretty(&imported).expect("serialises"), first);
        }
    }

    #[test]
    fn import_fills_defaults() {
        let s =
            FormSchema::from_json(r#"{"fields":[{"key":"a","label":"Ấp","kind":{"type":"text"}}]}"#).expect("parses");
        let f = &s.fields[0];
        assert!(!f.required && f.editable_when_prefilled && f.rules.is_empty() && f.help.is_none());
        // Explicit defaults are accepted and dropped on export.
        let s2 = FormSchema::from_json(
            r#"{"fields":[{"key":"a","label":"Ấp","kind":{"type":"text"},"required":false,"help":null,
                "editable_when_prefilled":true,"rules":{"digits_only":false,"min":null}}]}"#,
        )
        .expect("parses");
        assert_eq!(s2, s);
        assert_eq!(
            serde_json::to_string(&s2).expect("ok"),
            r#"{"fields":[{"key":"a","label":"Ấp","kind":{"type":"text"}}]}"#
        );
    }

    #[test]
    fn import_refuses_unknown_members_and_names() {
        for bad in [
            r#"{"fields":[],"version":1}"#,
            r#"{"fields":[{"key":"a","label":"A","kind":{"type":"text"},"hidden":true}]}"#,
            r#"{"fields":[{"key":"a","label":"A","kind":{"type":"text","options":[]}}]}"#,
            r#"{"fields":[{"key":"a","label":"A","kind":{"type":"radio"}}]}"#,
            r#"{"fields":[{"key":"a","label":"A","kind":{"type":"select","options":[{"value":"x","label":"X","n":1}]}}]}"#,
            r#"{"fields":[{"key":"a","label":"A","kind":{"type":"text"},"rules":{"pattern":"^a$"}}]}"#,
            r#"{"fields":[{"key":"a","label":"A","kind":{"type":"text"},"prefill":"identity.address"}]}"#,
            r#"{"fields":[{"key":"a","label":"A","kind":{"type":"text"},"rules":{"max_length":-1}}]}"#,
            r#"{"fields":[{"key":"a","label":"A"}]}"#,
            r#"{"fields":[{"key":"a","label":"A","kind":"text"}]}"#,
            "[]",
            "",
        ] {
            assert!(FormSchema::from_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prefill_names_round_trip() {
        for p in Prefill::ALL {
            let j = serde_json::to_string(&p).expect("serialises");
            assert_eq!(j, format!("\"{}\"", p.as_str()));
            assert_eq!(p.to_string(), p.as_str());
            assert_eq!(serde_json::from_str::<Prefill>(&j).expect("parses"), p);
        }
    }

    #[test]
    fn from_json_guards_size_and_depth() {
        let big = format!(r#"{{"fields":[],"x":"{}"}}"#, "a".repeat(SCHEMA_JSON_MAX_BYTES));
        assert!(FormSchema::from_json(&big).expect_err("too big").contains("bytes"));

        let nest = |n: usize| format!(r#"{{"fields":{}{}}}"#, "[".repeat(n - 1), "]".repeat(n - 1));
        // 32 levels pass the guard (and then fail as a schema); 33 are refused before serde sees them.
        let at_limit = FormSchema::from_json(&nest(32)).expect_err("not a schema");
        assert!(at_limit.starts_with("invalid schema JSON"), "{at_limit}");
        assert!(FormSchema::from_json(&nest(33)).expect_err("too deep").contains("deeper"));
        // Brackets inside strings, including after escaped quotes, do not count.
        let label = format!(r#"\"{}"#, "[{".repeat(100));
        let s = format!(r#"{{"fields":[{{"key":"a","label":"{label}","kind":{{"type":"text"}}}}]}}"#);
        assert_eq!(FormSchema::from_json(&s).expect("parses").fields[0].label, format!("\"{}", "[{".repeat(100)));
    }

    #[test]
    fn prefilled_fields_in_form_order() {
        let s = birth_registration();
        let got: Vec<(&str, Prefill)> = s.prefilled_fields().map(|(f, p)| (f.key.as_str(), p)).collect();
        assert_eq!(
            got,
            [
                ("nguoi_yeu_cau_ho_ten", Prefill::IdentityFullName),
                ("nguoi_yeu_cau_so_dinh_danh", Prefill::IdentityPersonalId),
                ("nguoi_yeu_cau_dien_thoai", Prefill::IdentityPhone),
                ("nguoi_yeu_cau_email", Prefill::IdentityEmail),
            ]
        );
        assert!(s.fields[0].is_locked() && !s.fields[2].is_locked());
        assert_eq!(s.field("tre_ngay_sinh").map(|f| f.kind.name()), Some("date"));
        assert!(s.field("khong_co").is_none());
    }

    // ----- schema validation ----------------------------------------------------------------------------

    #[test]
    fn schema_keys() {
        for good in ["a", "ho_ten", "a1_b2", &format!("a{}", "_".repeat(63))] {
            assert_eq!(FormSchema { fields: vec![Field::new(good, "Nhãn", text())] }.validate_schema(), Ok(()));
        }
        for bad in ["", "1a", "_a", "Ho_ten", "ho-ten", "họ_tên", "a b", &"a".repeat(65)] {
            let s = FormSchema { fields: vec![Field::new(bad, "Nhãn", text())] };
            assert_eq!(schema_codes(&s), [("fields[0].key".into(), INVALID_KEY)], "{bad:?}");
        }
        let s = FormSchema {
            fields: vec![Field::new("a", "A", text()), Field::new("b", "B", text()), Field::new("a", "A2", text())],
        };
        assert_eq!(schema_codes(&s), [("fields[2].key".into(), DUPLICATE_KEY)]);
    }

    #[test]
    fn schema_field_count() {
        let fields = |n: usize| (0..n).map(|i| Field::new(format!("f{i}"), "Trường", text())).collect::<Vec<_>>();
        assert_eq!(FormSchema { fields: fields(MAX_FIELDS) }.validate_schema(), Ok(()));
        assert_eq!(schema_codes(&FormSchema { fields: fields(MAX_FIELDS + 1) }), [("fields".into(), TOO_MANY_FIELDS)]);
    }

    #[test]
    fn schema_labels_and_help() {
        // 200 characters of Vietnamese, counted after NFC (the NFD form has more code points).
        let nfd200: String = "ễ".repeat(200).nfd().collect();
        assert!(nfd200.chars().count() > 200);
        let ok = FormSchema { fields: vec![Field::new("a", nfd200, text()).with_help("Hướng dẫn")] };
        assert_eq!(ok.validate_schema(), Ok(()));
        let s = FormSchema {
            fields: vec![
                Field::new("a", "", text()),
                Field::new("b", " \t ", text()),
                Field::new("c", "ễ".repeat(201), text()),
                Field::new("d", "Họ\u{0}tên", text()),
                Field::new("e", "Ghi chú", text()).with_help("ư".repeat(MAX_HELP_CHARS + 1)),
            ],
        };
        assert_eq!(
            schema_codes(&s),
            [
                ("fields[0].label".into(), REQUIRED),
                ("fields[1].label".into(), REQUIRED),
                ("fields[2].label".into(), TOO_LONG),
                ("fields[3].label".into(), INVALID_FORMAT),
                ("fields[4].help".into(), TOO_LONG),
            ]
        );
    }

    #[test]
    fn schema_select_options() {
        let sel = |options: Vec<Choice>| Field::new("s", "Chọn", FieldKind::Select { options });
        let nfd_nu: String = "nữ".nfd().collect();
        let s = FormSchema {
            fields: vec![
                sel(vec![]),
                Field::new(
                    "t",
                    "Chọn",
                    FieldKind::Select {
                        options: vec![
                            Choice::new("nam", "Nam"),
                            Choice::new("nam", "Nam (lặp)"),
                            Choice::new("", "Rỗng"),
                            Choice::new(" x", "Có khoảng trắng"),
                            Choice::new(nfd_nu, "Nữ (NFD)"),
                            Choice::new("y", ""),
                            Choice::new("a\u{7}", "Chuông"),
                            Choice::new("z".repeat(MAX_OPTION_VALUE_CHARS + 1), "Dài"),
                        ],
                    },
                ),
            ],
        };
        assert_eq!(
            schema_codes(&s),
            [
                ("fields[0].kind.options".into(), NO_OPTIONS),
                ("fields[1].kind.options[1].value".into(), DUPLICATE_OPTION),
                ("fields[1].kind.options[2].value".into(), REQUIRED),
                ("fields[1].kind.options[3].value".into(), NOT_NORMALISED),
                ("fields[1].kind.options[4].value".into(), NOT_NORMALISED),
                ("fields[1].kind.options[5].label".into(), REQUIRED),
                ("fields[1].kind.options[6].value".into(), INVALID_FORMAT),
                ("fields[1].kind.options[7].value".into(), TOO_LONG),
            ]
        );
    }

    #[test]
    fn schema_rules_must_fit_the_kind() {
        let r = |key: &str, rules: Rules, kind: FieldKind| Field::new(key, "A", kind).with_rules(rules);
        let s = FormSchema {
            fields: vec![
                r("a", Rules { min_length: Some(1), max_length: Some(5), ..Rules::default() }, FieldKind::Number {}),
                r("b", Rules { digits_only: true, ..Rules::default() }, FieldKind::Textarea {}),
                r("c", Rules { min: Some(1.0), max: Some(2.0), ..Rules::default() }, text()),
                r(
                    "d",
                    Rules { min_date: Some("today".into()), max_date: Some("today".into()), ..Rules::default() },
                    text(),
                ),
            ],
        };
        let codes = schema_codes(&s);
        let paths: Vec<&str> = codes.iter().map(|(p, _)| p.as_str()).collect();
        assert!(codes.iter().all(|(_, c)| *c == RULE_NOT_APPLICABLE), "{codes:?}");
        assert_eq!(
            paths,
            [
                "fields[0].rules.min_length",
                "fields[0].rules.max_length",
                "fields[1].rules.digits_only",
                "fields[2].rules.min",
                "fields[2].rules.max",
                "fields[3].rules.min_date",
                "fields[3].rules.max_date",
            ]
        );
    }

    #[test]
    fn schema_rule_ranges() {
        let r = |key: &str, kind: FieldKind, rules: Rules| Field::new(key, "A", kind).with_rules(rules);
        let d = |s: &str| Some(s.to_owned());
        let ok = FormSchema {
            fields: vec![
                r("a", FieldKind::Textarea {}, Rules { max_length: Some(10_000), ..Rules::default() }),
                r("b", text(), Rules { min_length: Some(3), max_length: Some(3), ..Rules::default() }),
                r("c", FieldKind::Number {}, Rules { min: Some(-1.5), max: Some(-1.5), ..Rules::default() }),
                r(
                    "d",
                    FieldKind::Date {},
                    Rules { min_date: d("2000-01-01"), max_date: d("today"), ..Rules::default() },
                ),
            ],
        };
        assert_eq!(ok.validate_schema(), Ok(()));
        let s = FormSchema {
            fields: vec![
                r("a", text(), Rules { max_length: Some(0), ..Rules::default() }),
                r("b", text(), Rules { max_length: Some(2_001), ..Rules::default() }),
                r("c", text(), Rules { min_length: Some(5), max_length: Some(4), ..Rules::default() }),
                r("d", FieldKind::Textarea {}, Rules { min_length: Some(10_001), ..Rules::default() }),
                r("e", FieldKind::Number {}, Rules { min: Some(10.0), max: Some(1.0), ..Rules::default() }),
                r(
                    "f",
                    FieldKind::Number {},
                    Rules { min: Some(f64::NAN), max: Some(f64::INFINITY), ..Rules::default() },
                ),
                // Reads back one ULP off without serde_json's float_roundtrip.
                r("g", FieldKind::Number {}, Rules { max: Some(1.0715660391465826e-75), ..Rules::default() }),
                r(
                    "h",
                    FieldKind::Date {},
                    Rules { min_date: d("2024-02-30"), max_date: d("yesterday"), ..Rules::default() },
                ),
                r(
                    "i",
                    FieldKind::Date {},
                    Rules { min_date: d("2025-01-02"), max_date: d("2025-01-01"), ..Rules::default() },
                ),
            ],
        };
        assert_eq!(
            schema_codes(&s),
            [
                ("fields[0].rules.max_length".into(), INVALID_RANGE),
                ("fields[1].rules.max_length".into(), OUT_OF_RANGE),
                ("fields[2].rules.min_length".into(), INVALID_RANGE),
                ("fields[3].rules.min_length".into(), OUT_OF_RANGE),
                ("fields[4].rules.min".into(), INVALID_RANGE),
                ("fields[5].rules.min".into(), INVALID_NUMBER),
                ("fields[5].rules.max".into(), INVALID_NUMBER),
                ("fields[6].rules.max".into(), INVALID_NUMBER),
                ("fields[7].rules.min_date".into(), INVALID_DATE),
                ("fields[7].rules.max_date".into(), INVALID_DATE),
                ("fields[8].rules.min_date".into(), INVALID_RANGE),
            ]
        );
    }

    #[test]
    fn schema_prefill_compatibility() {
        let compatible = [
            (Prefill::IdentityFullName, text()),
            (Prefill::PopulationFullName, text()),
            (Prefill::IdentityBirthDate, FieldKind::Date {}),
            (Prefill::PopulationBirthDate, FieldKind::Date {}),
            (Prefill::IdentityPersonalId, FieldKind::PersonalId {}),
            (Prefill::IdentityEmail, FieldKind::Email {}),
            (Prefill::IdentityPhone, FieldKind::Phone {}),
            (Prefill::PopulationSex, sex()),
            (Prefill::PopulationSex, text()),
            (Prefill::PopulationEthnicity, text()),
            (Prefill::PopulationNationality, sex()),
            (Prefill::PopulationPermanentAddress, FieldKind::Address {}),
            (Prefill::PopulationCurrentAddress, FieldKind::Textarea {}),
            (Prefill::PopulationHometown, text()),
        ];
        for (p, kind) in compatible {
            let s = FormSchema { fields: vec![Field::new("a", "A", kind).with_prefill(p).locked()] };
            assert_eq!(s.validate_schema(), Ok(()), "{p}");
        }
        let incompatible = [
            (Prefill::PopulationBirthDate, text()),
            (Prefill::IdentityFullName, FieldKind::Textarea {}),
            (Prefill::IdentityPersonalId, text()),
            (Prefill::IdentityPhone, text()),
            (Prefill::IdentityEmail, text()),
            (Prefill::PopulationSex, FieldKind::Checkbox {}),
            (Prefill::PopulationPermanentAddress, FieldKind::Number {}),
            (Prefill::PopulationFullName, FieldKind::Address {}),
        ];
        for (p, kind) in incompatible {
            let s = FormSchema { fields: vec![Field::new("a", "A", kind).with_prefill(p)] };
            assert_eq!(schema_codes(&s), [("fields[0].prefill".into(), PREFILL_INCOMPATIBLE)], "{p}");
        }
        let s = FormSchema { fields: vec![Field::new("a", "A", text()).locked()] };
        assert_eq!(schema_codes(&s), [("fields[0].editable_when_prefilled".into(), LOCKED_WITHOUT_PREFILL)]);
    }

    #[test]
    fn schema_reports_all_problems_at_once() {
        let s = FormSchema {
            fields: vec![
                Field::new("Bad", "", FieldKind::Select { options: vec![] }).with_prefill(Prefill::IdentityEmail),
                Field::new("ok", "Được", FieldKind::Date {})
                    .with_rules(Rules { min_date: Some("hôm nay".into()), ..Rules::default() }),
            ],
        };
        let codes: Vec<&str> = schema_codes(&s).into_iter().map(|(_, c)| c).collect();
        assert_eq!(codes, [INVALID_KEY, REQUIRED, NO_OPTIONS, PREFILL_INCOMPATIBLE, INVALID_DATE]);
        let p = &s.validate_schema().expect_err("invalid")[0];
        assert!(p.message.contains("Bad"), "{}", p.message);
    }

    // ----- answers: the envelope ------------------------------------------------------------------------

    #[test]
    fn answers_must_be_an_object() {
        let s = all_kinds();
        for v in [json!(null), json!([]), json!("x"), json!(1), json!(true)] {
            let ps = s.validate_answers(&v, TODAY).expect_err("not an object");
            assert_eq!((ps.len(), ps[0].field.as_str(), ps[0].code), (1, "answers", INVALID_TYPE));
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let s = schema(vec![Field::new("a", "A", text())]);
        let ps = s.validate_answers(&json!({"a": "x", "zeta": 1, "b": null}), TODAY).expect_err("unknown");
        let got: Vec<(&str, &str)> = ps.iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(got, [("answers.b", UNKNOWN_FIELD), ("answers.zeta", UNKNOWN_FIELD)]);
    }

    #[test]
    fn a_flood_of_unknown_fields_is_counted_not_listed() {
        // A hostile body of 100,000 made-up keys: the first 20 by name (sorted), then one count.
        let s = schema(vec![Field::new("a", "A", text())]);
        let answers: Map<String, Value> = (0..100_000).rev().map(|i| (format!("k{i:06}"), json!(i))).collect();
        let ps = s.validate_answers(&Value::Object(answers), TODAY).expect_err("unknown");
        assert_eq!(ps.len(), MAX_UNKNOWN_REPORTED + 1);
        let named: Vec<&str> = ps[..MAX_UNKNOWN_REPORTED].iter().map(|p| p.field.as_str()).collect();
        let want: Vec<String> = (0..MAX_UNKNOWN_REPORTED).map(|i| format!("answers.k{i:06}")).collect();
        assert_eq!(named, want);
        let last = &ps[MAX_UNKNOWN_REPORTED];
        assert_eq!((last.field.as_str(), last.code), ("answers", UNKNOWN_FIELD));
        assert!(last.message.contains("99980 more"), "{}", last.message);
    }

    #[test]
    fn required_and_optional() {
        let req = || Field::new("a", "A", text()).required();
        for v in [Value::Null, json!(""), json!("  \n\t "), json!("\u{3000}")] {
            assert_eq!(code(req(), v), REQUIRED);
        }
        assert_eq!(schema(vec![req()]).validate_answers(&json!({}), TODAY).expect_err("missing")[0].code, REQUIRED);
        // Optional: absent, null and blank are all left out of the normalised answers.
        let s = schema(vec![Field::new("a", "A", text()), Field::new("b", "B", FieldKind::Number {})]);
        for v in [json!({}), json!({"a": null, "b": null}), json!({"a": "   "})] {
            assert_eq!(s.validate_answers(&v, TODAY), Ok(Map::new()));
        }
        // Every required kind reports `required` when absent.
        let s = FormSchema { fields: all_kinds().fields.into_iter().map(Field::required).collect() };
        let ps = s.validate_answers(&json!({}), TODAY).expect_err("all missing");
        assert_eq!(ps.len(), s.fields.len());
        assert!(ps.iter().all(|p| p.code == REQUIRED));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let s = all_kinds();
        let answers = json!({
            "ho_ten": "A", "ma_so": "12a", "noi_dung": "bell\u{7}", "dien_tich": -1, "ngay_cap": "2099-01-01",
            "email": "x", "dien_thoai": "123", "cccd": 1, "mst": "12", "gioi_tinh": "khac", "dong_y": "yes",
            "dia_chi": {"province_code": "1"}, "la": 1
        });
        let ps = s.validate_answers(&answers, TODAY).expect_err("all wrong");
        let got: Vec<(&str, &str)> = ps.iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(
            got,
            [
                ("answers.ho_ten", TOO_SHORT),
                ("answers.ma_so", INVALID_FORMAT),
                ("answers.noi_dung", INVALID_FORMAT),
                ("answers.dien_tich", OUT_OF_RANGE),
                ("answers.ngay_cap", DATE_TOO_LATE),
                ("answers.email", INVALID_FORMAT),
                ("answers.dien_thoai", INVALID_FORMAT),
                ("answers.cccd", INVALID_TYPE),
                ("answers.mst", INVALID_FORMAT),
                ("answers.gioi_tinh", NOT_AN_OPTION),
                ("answers.dong_y", INVALID_TYPE),
                ("answers.dia_chi.province_code", INVALID_FORMAT),
                ("answers.dia_chi.commune_code", REQUIRED),
                ("answers.la", UNKNOWN_FIELD),
            ]
        );
        assert!(ps.iter().all(|p| !p.message.is_empty()));
    }

    // ----- answers: each kind ---------------------------------------------------------------------------

    #[test]
    fn text_is_nfc_and_trimmed() {
        let nfd: String = "  Nguyễn Thị Ánh Tuyết \n".nfd().collect();
        assert_ne!(nfd.trim(), "Nguyễn Thị Ánh Tuyết");
        assert_eq!(ok(Field::new("a", "Họ tên", text()), json!(nfd)), json!("Nguyễn Thị Ánh Tuyết"));
        // Tab and newline are trimmed at the ends of a single line but refused inside it.
        assert_eq!(code(Field::new("a", "A", text()), json!("Nguyễn\nVăn A")), INVALID_FORMAT);
        assert_eq!(code(Field::new("a", "A", text()), json!("a\tb")), INVALID_FORMAT);
        assert_eq!(code(Field::new("a", "A", text()), json!("a\u{0}")), INVALID_FORMAT);
        assert_eq!(code(Field::new("a", "A", text()), json!("a\u{85}b")), INVALID_FORMAT);
        assert_eq!(code(Field::new("a", "A", text()), json!(12)), INVALID_TYPE);
        assert_eq!(code(Field::new("a", "A", text()), json!(["x"])), INVALID_TYPE);
    }

    #[test]
    fn text_lengths_count_characters_after_nfc() {
        let f = || Field::new("a", "A", text());
        let nfd = |n: usize| -> String { "ệ".repeat(n).nfd().collect() };
        assert_eq!(ok(f(), json!(nfd(TEXT_MAX_CHARS))), json!("ệ".repeat(TEXT_MAX_CHARS)));
        assert_eq!(code(f(), json!(nfd(TEXT_MAX_CHARS + 1))), TOO_LONG);
        let ruled = || {
            Field::new("a", "A", text()).with_rules(Rules {
                min_length: Some(2),
                max_length: Some(3),
                ..Rules::default()
            })
        };
        assert_eq!(ok(ruled(), json!(nfd(3))), json!("ệệệ"));
        assert_eq!(ok(ruled(), json!(" Lê ")), json!("Lê"));
        assert_eq!(code(ruled(), json!(nfd(4))), TOO_LONG);
        assert_eq!(code(ruled(), json!(" ệ ")), TOO_SHORT);
    }

    #[test]
    fn text_digits_only() {
        let f = || Field::new("a", "A", text()).with_rules(Rules { digits_only: true, ..Rules::default() });
        assert_eq!(ok(f(), json!(" 0123 ")), json!("0123"));
        for bad in ["12 34", "12a", "١٢٣", "１２３", "-1"] {
            assert_eq!(code(f(), json!(bad)), INVALID_FORMAT, "{bad}");
        }
    }

    #[test]
    fn textarea() {
        let f = || Field::new("a", "A", FieldKind::Textarea {});
        assert_eq!(ok(f(), json!(" Dòng 1\r\n\tDòng 2\rDòng 3\n")), json!("Dòng 1\n\tDòng 2\nDòng 3"));
        assert_eq!(code(f(), json!("chuông\u{7}")), INVALID_FORMAT);
        assert_eq!(code(f(), json!("esc\u{1b}[31m")), INVALID_FORMAT);
        assert_eq!(ok(f(), json!("đ".repeat(TEXTAREA_MAX_CHARS))), json!("đ".repeat(TEXTAREA_MAX_CHARS)));
        assert_eq!(code(f(), json!("đ".repeat(TEXTAREA_MAX_CHARS + 1))), TOO_LONG);
        let short = || f().with_rules(Rules { max_length: Some(5), ..Rules::default() });
        assert_eq!(code(short(), json!("sáu ký")), TOO_LONG);
        assert_eq!(code(f(), json!(false)), INVALID_TYPE);
    }

    #[test]
    fn number() {
        let f = || Field::new("a", "A", FieldKind::Number {});
        for v in [json!(0), json!(-3), json!(2.5), json!(1e300), json!(u64::MAX)] {
            assert_eq!(ok(f(), v.clone()), v);
        }
        for v in [json!("5"), json!(true), json!([1]), json!({"v": 1})] {
            assert_eq!(code(f(), v), INVALID_TYPE);
        }
        let ranged = || f().with_rules(Rules { min: Some(0.0), max: Some(100.0), ..Rules::default() });
        assert_eq!(ok(ranged(), json!(0)), json!(0));
        assert_eq!(ok(ranged(), json!(100.0)), json!(100.0));
        assert_eq!(code(ranged(), json!(-0.001)), OUT_OF_RANGE);
        assert_eq!(code(ranged(), json!(100.5)), OUT_OF_RANGE);
    }

    #[test]
    fn date() {
        let f = || Field::new("a", "A", FieldKind::Date {});
        assert_eq!(ok(f(), json!(" 2024-02-29 ")), json!("2024-02-29"));
        assert_eq!(ok(f(), json!("1900-01-01")), json!("1900-01-01"));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "24-01-01",
            "2024-1-1",
            "29/02/2024",
            "2024/02/29",
            "2024-02-29T00:00:00",
            "+024-02-29",
            "２０２４-02-29",
        ] {
            assert_eq!(code(f(), json!(bad)), INVALID_DATE, "{bad}");
        }
        assert_eq!(code(f(), json!(20240229)), INVALID_TYPE);
        let bounded = || {
            f().with_rules(Rules {
                min_date: Some("2025-01-01".into()),
                max_date: Some("today".into()),
                ..Rules::default()
            })
        };
        assert_eq!(ok(bounded(), json!("2025-01-01")), json!("2025-01-01"));
        assert_eq!(ok(bounded(), json!("2025-03-15")), json!("2025-03-15"));
        assert_eq!(code(bounded(), json!("2024-12-31")), DATE_TOO_EARLY);
        assert_eq!(code(bounded(), json!("2025-03-16")), DATE_TOO_LATE);
        // "today" is the argument, not the clock.
        let s = schema(vec![bounded()]);
        assert!(s.validate_answers(&json!({"a": "2025-06-01"}), date!(2025 - 06 - 01)).is_ok());
        let future = || f().with_rules(Rules { min_date: Some("today".into()), ..Rules::default() });
        assert_eq!(code(future(), json!("2025-03-14")), DATE_TOO_EARLY);
        assert_eq!(DateBound::parse("today").map(|b| b.resolve(TODAY)), Some(TODAY));
        assert_eq!(DateBound::parse("2020-01-31"), Some(DateBound::On(date!(2020 - 01 - 31))));
        assert_eq!(DateBound::parse("Today"), None);
    }

    #[test]
    fn email() {
        let f = || Field::new("a", "A", FieldKind::Email {});
        assert_eq!(ok(f(), json!(" Nguyen.Van.A@Dichvucong.GOV.VN ")), json!("Nguyen.Van.A@dichvucong.gov.vn"));
        assert_eq!(ok(f(), json!("a+b@x.vn")), json!("a+b@x.vn"));
        let long_ok = format!("{}@{}.vn", "a".repeat(64), "b".repeat(EMAIL_MAX_CHARS - 68));
        assert_eq!(long_ok.len(), EMAIL_MAX_CHARS);
        assert_eq!(ok(f(), json!(long_ok.clone())), json!(long_ok));
        let too_long = format!("{}@{}.vn", "a".repeat(64), "b".repeat(EMAIL_MAX_CHARS - 67));
        let local_too_long = format!("{}@x.vn", "a".repeat(65));
        for bad in [
            "khongco",
            "a@@b.vn",
            "a@b@c.vn",
            "@b.vn",
            "a@",
            "a@localhost",
            "a@.vn",
            "a@b.",
            "a@b..vn",
            "a b@c.vn",
            "a@c.vn\u{0}",
            too_long.as_str(),
            local_too_long.as_str(),
        ] {
            assert_eq!(code(f(), json!(bad)), INVALID_FORMAT, "{bad}");
        }
        assert_eq!(code(f(), json!(1)), INVALID_TYPE);
    }

    #[test]
    fn phone() {
        let f = || Field::new("a", "A", FieldKind::Phone {});
        for (input, out) in [
            ("0912345678", "0912345678"),
            ("+84 912 345 678", "0912345678"),
            ("+84912345678", "0912345678"),
            ("0912.345.678", "0912345678"),
            ("091-234-5678", "0912345678"),
            (" 03 2345 6789 ", "0323456789"),
            ("0862\u{a0}345\u{a0}678", "0862345678"),
        ] {
            assert_eq!(ok(f(), json!(input)), json!(out), "{input}");
        }
        for bad in [
            "091234567",
            "09123456789",
            "84912345678",
            "+840912345678",
            "+1 202 555 0100",
            "0212345678",
            "1912345678",
            "0912-345-67a",
            "(091) 2345678",
            "09+12345678",
            "++84912345678",
        ] {
            assert_eq!(code(f(), json!(bad)), INVALID_FORMAT, "{bad}");
        }
        assert_eq!(code(f(), json!(912345678)), INVALID_TYPE);
    }

    #[test]
    fn personal_id() {
        let f = || Field::new("a", "A", FieldKind::PersonalId {});
        assert_eq!(ok(f(), json!(" 001099012345 ")), json!("001099012345"));
        for bad in ["00109901234", "0010990123456", "00109901234a", "001 099 012 345", "００１０９９０１２３４５"]
        {
            assert_eq!(code(f(), json!(bad)), INVALID_FORMAT, "{bad}");
        }
        assert_eq!(code(f(), json!(1099012345)), INVALID_TYPE);
    }

    #[test]
    fn tax_code() {
        let f = || Field::new("a", "A", FieldKind::TaxCode {});
        assert_eq!(ok(f(), json!("0101234567")), json!("0101234567"));
        assert_eq!(ok(f(), json!("0101234567-001")), json!("0101234567-001"));
        assert_eq!(ok(f(), json!("0101234567001")), json!("0101234567-001"));
        for bad in [
            "010123456",
            "01012345678",
            "0101234567-01",
            "0101234567_001",
            "01012345-67001",
            "010123456a",
            "0101234567-0011",
            "0101234567 001",
        ] {
            assert_eq!(code(f(), json!(bad)), INVALID_FORMAT, "{bad}");
        }
        assert_eq!(code(f(), json!(101234567)), INVALID_TYPE);
    }

    #[test]
    fn select() {
        let f = || Field::new("a", "Giới tính", sex());
        let nfd: String = " nữ ".nfd().collect();
        assert_eq!(ok(f(), json!(nfd)), json!("nữ"));
        assert_eq!(ok(f(), json!("nam")), json!("nam"));
        for bad in ["Nam", "NAM", "nu", "khác"] {
            assert_eq!(code(f(), json!(bad)), NOT_AN_OPTION, "{bad}");
        }
        assert_eq!(code(f(), json!(1)), INVALID_TYPE);
        assert_eq!(code(f(), json!(["nam"])), INVALID_TYPE);
    }

    #[test]
    fn checkbox() {
        let f = || Field::new("a", "A", FieldKind::Checkbox {});
        assert_eq!(ok(f(), json!(true)), json!(true));
        assert_eq!(ok(f(), json!(false)), json!(false));
        assert_eq!(ok(f().required(), json!(true)), json!(true));
        assert_eq!(code(f().required(), json!(false)), REQUIRED);
        for v in [json!("true"), json!(1), json!("")] {
            assert_eq!(code(f(), v), INVALID_TYPE);
        }
    }

    #[test]
    fn address() {
        let nfd: String = " Số 5, phố Hàng Bài ".nfd().collect();
        assert_eq!(
            ok(address_field(true), json!({"province_code": " 01 ", "commune_code": "00070", "detail": nfd})),
            json!({"province_code": "01", "commune_code": "00070", "detail": "Số 5, phố Hàng Bài"})
        );
        // Optional: detail may be left out; an empty address is no answer.
        assert_eq!(
            ok(address_field(false), json!({"province_code": "79", "commune_code": "26734"})),
            json!({"province_code": "79", "commune_code": "26734", "detail": ""})
        );
        assert_eq!(ok(address_field(false), json!({})), Value::Null);
        assert_eq!(ok(address_field(false), json!({"detail": " ", "province_code": null})), Value::Null);
        assert_eq!(code(address_field(true), json!({})), REQUIRED);

        let problems = |f: Field, v: Value| one(f, v).expect_err("refused");
        let p = |part: &str, code: &'static str| (format!("answers.noi_sinh.{part}"), code);
        assert_eq!(
            problems(address_field(true), json!({"province_code": "01", "commune_code": "00070"})),
            [p("detail", REQUIRED)]
        );
        assert_eq!(
            problems(address_field(false), json!({"detail": "Thôn 3"})),
            [p("province_code", REQUIRED), p("commune_code", REQUIRED)]
        );
        assert_eq!(
            problems(address_field(false), json!({"province_code": "1", "commune_code": "0007"})),
            [p("province_code", INVALID_FORMAT), p("commune_code", INVALID_FORMAT)]
        );
        assert_eq!(
            problems(address_field(false), json!({"province_code": 1, "commune_code": "00070", "ward": "x"})),
            [p("ward", UNKNOWN_FIELD), p("province_code", INVALID_TYPE)]
        );
        assert_eq!(
            problems(address_field(false), json!({"province_code": "01", "commune_code": "00070", "detail": "a\nb"})),
            [p("detail", INVALID_FORMAT)]
        );
        assert_eq!(
            problems(
                address_field(false),
                json!({"province_code": "01", "commune_code": "00070", "detail": "x".repeat(ADDRESS_DETAIL_MAX_CHARS + 1)})
            ),
            [p("detail", TOO_LONG)]
        );
        assert_eq!(code(address_field(false), json!("Hà Nội")), INVALID_TYPE);
    }

    // ----- a realistic form -----------------------------------------------------------------------------

    fn birth_answers() -> Value {
        let nfd = |s: &str| -> String { s.nfd().collect() };
        json!({
            "nguoi_yeu_cau_ho_ten": "Trần Thị Hương",
            "nguoi_yeu_cau_so_dinh_danh": "001190012345",
            "nguoi_yeu_cau_dien_thoai": "+84 98 765 4321",
            "nguoi_yeu_cau_email": "huong.tran@Gmail.COM",
            "quan_he": "me",
            "tre_ho_ten": nfd("  Nguyễn Trần Minh Đức "),
            "tre_gioi_tinh": "nam",
            "tre_ngay_sinh": "2025-03-10",
            "tre_noi_sinh": {"province_code": "01", "commune_code": "00004", "detail": nfd("Bệnh viện Phụ sản Hà Nội, 929 La Thành")},
            "tre_dan_toc": "Kinh",
            "cha_ho_ten": "Nguyễn Văn Đông",
            "cha_so_dinh_danh": null,
            "me_ho_ten": "Trần Thị Hương",
            "me_so_dinh_danh": "001190012345",
            "ghi_chu": "",
            "cam_doan": true
        })
    }

    #[test]
    fn birth_registration_valid() {
        let s = birth_registration();
        let out = s.validate_answers(&birth_answers(), TODAY).expect("valid");
        assert_eq!(
            Value::Object(out.clone()),
            json!({
                "nguoi_yeu_cau_ho_ten": "Trần Thị Hương",
                "nguoi_yeu_cau_so_dinh_danh": "001190012345",
                "nguoi_yeu_cau_dien_thoai": "0987654321",
                "nguoi_yeu_cau_email": "huong.tran@gmail.com",
                "quan_he": "me",
                "tre_ho_ten": "Nguyễn Trần Minh Đức",
                "tre_gioi_tinh": "nam",
                "tre_ngay_sinh": "2025-03-10",
                "tre_noi_sinh": {"province_code": "01", "commune_code": "00004", "detail": "Bệnh viện Phụ sản Hà Nội, 929 La Thành"},
                "tre_dan_toc": "Kinh",
                "cha_ho_ten": "Nguyễn Văn Đông",
                "me_ho_ten": "Trần Thị Hương",
                "me_so_dinh_danh": "001190012345",
                "cam_doan": true
            })
        );
        assert!(out.values().all(|v| v.as_str().is_none_or(unicode_normalization::is_nfc)));
        assert_eq!(s.validate_answers(&Value::Object(out.clone()), TODAY), Ok(out));
    }

    #[test]
    fn birth_registration_invalid() {
        let s = birth_registration();
        let mut a = birth_answers();
        a["tre_ngay_sinh"] = json!("2025-03-16");
        a["cha_so_dinh_danh"] = json!("0011900123");
        a["me_ho_ten"] = json!(" ");
        a["tre_gioi_tinh"] = json!("Nam");
        a["tre_noi_sinh"] = json!({"province_code": "01", "commune_code": "00004"});
        a["cam_doan"] = json!(false);
        a["ngay_dang_ky"] = json!("2025-03-15");
        let ps = s.validate_answers(&a, TODAY).expect_err("invalid");
        let got: Vec<(&str, &str)> = ps.iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(
            got,
            [
                ("answers.tre_gioi_tinh", NOT_AN_OPTION),
                ("answers.tre_ngay_sinh", DATE_TOO_LATE),
                ("answers.tre_noi_sinh.detail", REQUIRED),
                ("answers.cha_so_dinh_danh", INVALID_FORMAT),
                ("answers.me_ho_ten", REQUIRED),
                ("answers.cam_doan", REQUIRED),
                ("answers.ngay_dang_ky", UNKNOWN_FIELD),
            ]
        );
        // Born today is fine.
        a = birth_answers();
        a["tre_ngay_sinh"] = json!("2025-03-15");
        assert!(s.validate_answers(&a, TODAY).is_ok());
    }

    #[test]
    fn problems_serialise_for_the_api() {
        let p = FieldProblem { field: "answers.a".into(), code: REQUIRED, message: "an answer is required".into() };
        assert_eq!(
            serde_json::to_value(&p).expect("ok"),
            json!({"field": "answers.a", "code": "required", "message": "an answer is required"})
        );
    }

    // ----- properties -----------------------------------------------------------------------------------

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,20}".prop_map(Value::String),
            "[0-9+ .\\-]{0,16}".prop_map(Value::String),
            "[0-9]{4}-[0-9]{2}-[0-9]{2}".prop_map(Value::String),
            prop_oneof![Just("nam"), Just("nữ"), Just("me")].prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        "[a-z_]{1,12}",
                        Just("province_code".to_owned()),
                        Just("commune_code".to_owned()),
                        Just("detail".to_owned())
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Objects using the schema's keys, with any values.
    fn keyed_answers(keys: Vec<String>) -> impl Strategy<Value = Value> {
        prop::collection::vec((prop::sample::select(keys), any_json()), 0..20)
            .prop_map(|kv| Value::Object(kv.into_iter().collect()))
    }

    fn keys_of(s: &FormSchema) -> Vec<String> {
        let mut keys: Vec<String> = s.fields.iter().map(|f| f.key.clone()).collect();
        keys.push("extra".into());
        keys
    }

    /// Messy but mostly plausible strings: Vietnamese letters (composed or not), spacing, separators.
    fn messy_string() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-zA-Z0-9]{1,8}",
            prop_oneof![Just("Nguyễn"), Just("Đặng"), Just("Thị"), Just("ướ"), Just("Ỷ")].prop_map(str::to_owned),
            prop_oneof![Just("Nguyễn"), Just("Trường"), Just("Quỳnh")].prop_map(|s| s.nfd().collect::<String>()),
            prop_oneof![
                Just(" "),
                Just("\t"),
                Just("\n"),
                Just("\r\n"),
                Just("\u{a0}"),
                Just("."),
                Just("-"),
                Just("@"),
                Just("+")
            ]
            .prop_map(str::to_owned),
            "[0-9]{1,12}",
            Just("\u{0301}".to_owned()),
        ];
        prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
    }

    fn plausible_answer(kind: FieldKind) -> BoxedStrategy<Value> {
        match kind {
            FieldKind::Phone {} => {
                (prop_oneof![Just("0"), Just("+84"), Just(" +84 ")], "[35789][0-9]{8}", "[ .\\-]{0,2}")
                    .prop_map(|(p, d, sep)| Value::String(format!("{p}{}{sep}{}", &d[..3], &d[3..])))
                    .boxed()
            }
            FieldKind::Date {} => (1940i32..2030, 1u8..13, 1u8..32)
                .prop_map(|(y, m, d)| Value::String(format!(" {y:04}-{m:02}-{d:02}")))
                .boxed(),
            FieldKind::Number {} => prop_oneof![
                any::<i32>().prop_map(Value::from),
                (0u32..1_000_000).prop_map(Value::from),
                (-1e7f64..1e7).prop_map(Value::from),
                (0f64..1e6).prop_map(Value::from),
            ]
            .boxed(),
            FieldKind::Checkbox {} => any::<bool>().prop_map(Value::Bool).boxed(),
            FieldKind::Address {} => ("[0-9]{2}", "[0-9]{5}", messy_string())
                .prop_map(|(p, c, d)| json!({"province_code": p, "commune_code": c, "detail": d}))
                .boxed(),
            FieldKind::Select { options } => prop::sample::select(options)
                .prop_map(|o| Value::String(format!(" {} ", o.value.nfd().collect::<String>())))
                .boxed(),
            FieldKind::PersonalId {} => "[0-9]{12}".prop_map(Value::String).boxed(),
            FieldKind::TaxCode {} => "[0-9]{10}(-?[0-9]{3})?".prop_map(Value::String).boxed(),
            FieldKind::Email {} => {
                ("[a-zA-Z0-9._+]{1,10}", "[a-zA-Z0-9]{1,8}", prop_oneof![Just("vn"), Just("GOV.VN"), Just("Com")])
                    .prop_map(|(l, d, t)| Value::String(format!(" {l}@{d}.{t}")))
                    .boxed()
            }
            FieldKind::Text {} | FieldKind::Textarea {} => {
                prop_oneof![messy_string(), "[ \t\n]{0,2}[0-9]{1,12}[ \t\n]{0,2}"].prop_map(Value::String).boxed()
            }
        }
    }

    fn plausible_answers(s: &FormSchema) -> impl Strategy<Value = Value> + use<> {
        let per_field: Vec<_> = s
            .fields
            .iter()
            .map(|f| (Just(f.key.clone()), prop::option::weighted(0.9, plausible_answer(f.kind.clone()))))
            .collect();
        per_field.prop_map(|kv| Value::Object(kv.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect()))
    }

    /// Whole form, then each field alone (optional), so one bad answer does not hide the others.
    fn assert_idempotent(s: &FormSchema, answers: &Value) -> Result<(), TestCaseError> {
        assert_idempotent_form(s, answers)?;
        for f in &s.fields {
            if let Some(v) = answers.get(&f.key) {
                let alone = FormSchema { fields: vec![Field { required: false, ..f.clone() }] };
                assert_idempotent_form(&alone, &json!({ f.key.clone(): v }))?;
            }
        }
        Ok(())
    }

    fn assert_idempotent_form(s: &FormSchema, answers: &Value) -> Result<(), TestCaseError> {
        if let Ok(once) = s.validate_answers(answers, TODAY) {
            let twice = s.validate_answers(&Value::Object(once.clone()), TODAY);
            prop_assert_eq!(twice, Ok(once.clone()));
            for v in once.values() {
                let strings: Vec<&str> = match v {
                    Value::String(s) => vec![s.as_str()],
                    Value::Object(m) => m.values().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                for st in strings {
                    prop_assert!(unicode_normalization::is_nfc(st) && st.trim() == st, "{:?}", st);
                }
            }
        }
        Ok(())
    }

    fn any_kind() -> impl Strategy<Value = FieldKind> {
        prop_oneof![
            Just(FieldKind::Text {}),
            Just(FieldKind::Textarea {}),
            Just(FieldKind::Number {}),
            Just(FieldKind::Date {}),
            Just(FieldKind::Email {}),
            Just(FieldKind::Phone {}),
            Just(FieldKind::PersonalId {}),
            Just(FieldKind::TaxCode {}),
            Just(FieldKind::Checkbox {}),
            Just(FieldKind::Address {}),
            prop::collection::vec(("\\PC{0,6}", "\\PC{0,6}"), 0..4)
                .prop_map(|o| FieldKind::Select { options: o.into_iter().map(|(v, l)| Choice::new(v, l)).collect() }),
        ]
    }

    fn any_field() -> impl Strategy<Value = Field> {
        let rules = (
            prop::option::of(0u32..3000),
            prop::option::of(0u32..3000),
            any::<bool>(),
            prop::option::of(-1e6f64..1e6),
            prop::option::of(any::<f64>()),
            prop::option::of(prop_oneof![Just("today".to_owned()), "[0-9]{4}-[0-9]{2}-[0-9]{2}"]),
            prop::option::of("\\PC{0,10}"),
        )
            .prop_map(|(min_length, max_length, digits_only, min, max, min_date, max_date)| Rules {
                min_length,
                max_length,
                digits_only,
                min,
                max: max.filter(|x| x.is_finite()),
                min_date,
                max_date,
            });
        (
            "[a-z_]{1,8}",
            "\\PC{0,12}",
            any_kind(),
            any::<bool>(),
            prop::option::of("\\PC{0,12}"),
            prop::option::of(prop::sample::select(Prefill::ALL.to_vec())),
            any::<bool>(),
            rules,
        )
            .prop_map(|(key, label, kind, required, help, prefill, editable_when_prefilled, rules)| Field {
                key,
                label,
                kind,
                required,
                help,
                prefill,
                editable_when_prefilled,
                rules,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_on_any_json(v in any_json()) {
            let _ = birth_registration().validate_answers(&v, TODAY);
            let _ = all_kinds().validate_answers(&v, TODAY);
        }

        #[test]
        fn never_panics_on_keyed_answers_and_is_idempotent_when_valid(v in keyed_answers(keys_of(&all_kinds()))) {
            let s = all_kinds();
            assert_idempotent(&s, &v)?;
            let b = birth_registration();
            let _ = b.validate_answers(&v, TODAY);
        }

        #[test]
        fn normalising_twice_changes_nothing(v in plausible_answers(&all_kinds())) {
            assert_idempotent(&all_kinds(), &v)?;
        }

        #[test]
        fn plausible_birth_answers_normalise_idempotently(v in plausible_answers(&birth_registration())) {
            assert_idempotent(&birth_registration(), &v)?;
        }

        #[test]
        fn any_schema_exports_identically_and_validates_without_panic(
            fields in prop::collection::vec(any_field(), 0..6),
            v in any_json(),
        ) {
            let s = FormSchema { fields };
            let valid = s.validate_schema().is_ok();
            let floats_round_trip =
                s.fields.iter().flat_map(|f| [f.rules.min, f.rules.max]).flatten().all(f64_round_trips);
            prop_assert!(!valid || floats_round_trip);
            if floats_round_trip {
                // Valid or not, a schema whose numbers survive JSON exports the same bytes after import.
                let first = s.to_json();
                let imported = FormSchema::from_json(&first).map_err(TestCaseError::fail)?;
                prop_assert_eq!(imported.to_json(), first);
                prop_assert_eq!(&imported, &s);
            }
            let _ = s.validate_answers(&v, TODAY);
        }

        #[test]
        fn from_json_never_panics(j in "[\\[\\]{}\",:a-z0-9\\\\ ]{0,200}") {
            let _ = FormSchema::from_json(&j);
        }
    }
}
