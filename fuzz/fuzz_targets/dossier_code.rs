//! Dossier codes (`000.00.00.H56-251103-0042`) and agency codes, as they arrive in URLs and bodies.
//! Property: a code that parses formats back to exactly the input and parses again to the same code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua::domain::{agency, dossier_code::DossierCode};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(code) = DossierCode::parse(s) {
        let formatted = code.to_string();
        assert_eq!(formatted, s, "a parsed code formats back to its input");
        assert_eq!(DossierCode::parse(&formatted).as_ref(), Ok(&code));
        assert!(code.sequence() > 0);
        let again = DossierCode::new(code.agency(), code.day(), code.sequence()).expect("its parts are valid");
        assert_eq!(again, code);
    }
    if let Ok(a) = agency::AgencyCode::parse(s) {
        assert_eq!(agency::AgencyCode::parse(a.as_str()).as_ref().map(|c| c.as_str()), Ok(a.as_str()));
        let _ = a.parent();
        let _ = a.legacy();
        let _ = a.level();
    }
    let _ = agency::parse_legacy(s);
});
