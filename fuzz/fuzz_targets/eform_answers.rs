//! A citizen's e-form answers, validated against the forms of the sample catalogue
//! (`backend/seed/procedures.json`): the first byte picks the form, the rest is the JSON body.
//! Properties: normalised answers validate again to themselves (the documented idempotence), also after
//! a serialise → parse round trip (what storing them as JSONB does).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use motcua::domain::{catalogue, eform::FormSchema};
use serde_json::Value;

static FORMS: LazyLock<Vec<FormSchema>> = LazyLock::new(|| {
    let procedures = catalogue::import(include_str!("../../backend/seed/procedures.json"))
        .unwrap_or_else(|p| panic!("the sample catalogue imports: {p:?}"));
    procedures.into_iter().map(|p| p.form).filter(|f| !f.fields.is_empty()).collect()
});

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let form = &FORMS[usize::from(pick) % FORMS.len()];
    // As the API reads a body: serde_json's own recursion limit applies.
    let Ok(answers) = serde_json::from_slice::<Value>(body) else { return };
    let today = time::macros::date!(2026 - 03 - 15);
    let Ok(normalised) = form.validate_answers(&answers, today) else { return };
    let normalised = Value::Object(normalised);
    let again = form.validate_answers(&normalised, today).expect("normalised answers stay valid");
    assert_eq!(Value::Object(again), normalised, "validating normalised answers changes nothing");
    let stored: Value = serde_json::from_str(&normalised.to_string()).expect("answers serialise to JSON");
    let reread = form.validate_answers(&stored, today).expect("answers stay valid after a JSON round trip");
    assert_eq!(Value::Object(reread), normalised, "and unchanged");
});
