//! E-form schemas as an administrator imports them (`FormSchema::from_json` + `validate_schema`).
//! Property: a valid schema survives export → import unchanged, and its export is byte-identical after
//! another round (what the catalogue export promises).
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua::domain::eform::FormSchema;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else { return };
    let Ok(schema) = FormSchema::from_json(json) else { return };
    if schema.validate_schema().is_err() {
        return;
    }
    let exported = schema.to_json();
    let imported = FormSchema::from_json(&exported).expect("an exported schema imports");
    assert_eq!(imported, schema, "export → import is lossless");
    assert!(imported.validate_schema().is_ok(), "a valid schema stays valid");
    assert_eq!(imported.to_json(), exported, "export → import → export is byte-identical");
});
