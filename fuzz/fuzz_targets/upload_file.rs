//! Uploaded bytes (`filetype::inspect`, which reads PDF/PNG/WebP/ZIP structure) and the file name sent with
//! them (`safe_file_name`). Properties: the verdict is deterministic; a name once made safe is safe and
//! unchanged when checked again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua::domain::filetype;

fuzz_target!(|data: &[u8]| {
    // `name\ncontent`: the first line is the file name sent with the bytes that follow.
    let (name_bytes, content) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let verdict = filetype::inspect(content);
    assert_eq!(filetype::inspect(content), verdict);
    if let Ok(kind) = verdict {
        assert_eq!(filetype::FileKind::parse(kind.as_str()), Some(kind));
    }
    let name = String::from_utf8_lossy(name_bytes);
    if let Ok(safe) = filetype::safe_file_name(&name) {
        assert!(!safe.is_empty() && safe.len() <= 255, "{safe:?}");
        assert!(!safe.contains(['/', '\\']) && !safe.chars().any(char::is_control), "{safe:?}");
        assert_eq!(filetype::safe_file_name(&safe).as_deref(), Ok(safe.as_str()), "safe names are fixed points");
    }
});
