//! What the national portal pushes to `POST /api/v1/national/dossiers` (interop.md §5) and answers to
//! `TraCuuHoSo`: the JSON body as the API reads it, the code taken first (`code_of`), the typed shapes
//! (`NationalSubmission`, `HoSo`), and every check that needs no database (`offline_problems`: the person
//! filing, the owner, the e-form answers, the inline files: base64, size, type) against a sample procedure.
//! Properties: no panic; an accepted code is trimmed and at most 60 characters; field errors name a
//! `body.` field.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use motcua::{
    app::inbound,
    domain::catalogue::{self, Procedure},
    http::national::{HoSo, NationalSubmission},
    national::reconcile,
};
use serde_json::Value;

static PROCEDURES: LazyLock<Vec<Procedure>> = LazyLock::new(|| {
    catalogue::import(include_str!("../../backend/seed/procedures.json"))
        .unwrap_or_else(|p| panic!("the sample catalogue imports: {p:?}"))
});

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    let _ = serde_json::from_value::<NationalSubmission>(body.clone());
    let _ = serde_json::from_value::<HoSo>(body.clone());
    if let Ok(code) = inbound::code_of(&body) {
        assert!(!code.is_empty() && code.len() <= 60 && code.trim() == code, "{code:?}");
    }
    // The procedure named in the body when we have it, else the first one.
    let wanted = body.get("MaTTHC").and_then(Value::as_str).unwrap_or_default();
    let procedure = PROCEDURES.iter().find(|p| p.code == wanted).unwrap_or(&PROCEDURES[0]);
    let today = time::macros::date!(2026 - 03 - 15);
    for problem in inbound::offline_problems(&body, procedure, 4096, today) {
        assert!(problem.field.starts_with("body"), "{problem:?}");
        assert!(!problem.code.is_empty(), "{problem:?}");
    }
    // The portal's own copy of a dossier, compared with a snapshot of ours.
    let _ = reconcile::compare(&body, body.get("result").unwrap_or(&Value::Null));
});
