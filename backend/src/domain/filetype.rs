//! What an uploaded attachment really is, decided from its bytes (never from its name or the
//! browser's `Content-Type`), and the file name the citizen will see later.
//!
//! Allowed for dossier attachments: PDF, JPEG, PNG, TIFF (scans), WebP (what browsers and some
//! phones save images as), DOCX, XLSX, ODT and ODS. Everything else is refused as
//! `unsupported_type`, including plain ZIP archives, other office containers (PPTX, ODP, XLSB, ...),
//! legacy binary Office files (`.doc`/`.xls`, OLE compound files), HEIC and GIF.
//!
//! Rules, per type:
//! - **PDF**: `%PDF-` at offset 0 (no leading junk tolerated, for simplicity), and `%%EOF` within the
//!   last 1024 bytes (the trailer junk readers tolerate); otherwise the upload is `truncated_file`.
//!   Embedded JavaScript is not looked for.
//! - **PNG**: the signature followed by the `IHDR` chunk, and an `IEND` chunk type within the last
//!   1024 bytes (else truncated).
//! - **JPEG**: `FF D8 FF`. No end-of-image check: phones legitimately append data after EOI
//!   (motion photos, vendor trailers), so the position of EOI says nothing about truncation.
//! - **TIFF**: `II*\0` / `MM\0*` (and BigTIFF `II+\0` / `MM\0+`), at least the 8-byte header.
//! - **WebP**: `RIFF<size>WEBP` + a `VP8 `/`VP8L`/`VP8X` chunk; a RIFF size beyond the end of the
//!   data is truncated.
//! - **Office documents** (ZIP containers): nothing is ever decompressed, so zip bombs cost nothing.
//!   Only the uncompressed structure is read: the first local file header, the end-of-central-
//!   directory record and the entry names in the central directory (a missing end record is
//!   `truncated_file`; a malformed one is `unsupported_type`).
//!   - ODT/ODS: the first entry must be `mimetype`, stored uncompressed (as the ODF spec requires),
//!     whose content names the type; `content.xml` must be listed.
//!   - DOCX/XLSX: `[Content_Types].xml` plus the main part `word/document.xml` (DOCX) or
//!     `xl/workbook.xml` (XLSX), found in the central directory. The first entry is *not* required
//!     to be `[Content_Types].xml`: LibreOffice, Word for Mac and many libraries write another part
//!     first, and refusing their files would refuse ordinary citizens' documents.
//!   - Macros are `dangerous_content`: any `vbaProject.bin` in an OOXML package (DOCM/XLSM saved
//!     under a `.docx` name), any `Basic/` or `Scripts/` entry in an ODF package.
//!   - Zip bombs are `dangerous_content`: entries that declare (central directory) more than
//!     [`MAX_EXPANDED_BYTES`] in all *and* more than [`MAX_EXPANSION`] times the archive's size. Office
//!     XML compresses about 5–20 times; a bomb 100 to 1000 times. Nothing here inflates, but a clerk's
//!     office suite or a later indexer would.
//! - **Dangerous** regardless of name: ELF, PE (`MZ`), Mach-O (and universal binaries / Java
//!   classes, `CA FE BA BE`), WebAssembly, Windows shortcuts (`.lnk`), `#!` scripts, and markup:
//!   content whose first non-blank character (after an optional UTF-8/UTF-16 BOM) is `<` (HTML, SVG,
//!   XML — SVG and HTML can carry scripts).
//!
//! File names ([`safe_file_name`]): the name is only ever displayed and offered on download; the
//! bytes are stored content-addressed, so the name never reaches a file system path on the server.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// An allowed attachment type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Tiff,
    Webp,
    Docx,
    Xlsx,
    Odt,
    Ods,
}

pub const ALL_FILE_KINDS: [FileKind; 9] = [
    FileKind::Pdf,
    FileKind::Jpeg,
    FileKind::Png,
    FileKind::Tiff,
    FileKind::Webp,
    FileKind::Docx,
    FileKind::Xlsx,
    FileKind::Odt,
    FileKind::Ods,
];

impl FileKind {
    /// Stable snake_case name (for storage and APIs).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Tiff => "tiff",
            Self::Webp => "webp",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Odt => "odt",
            Self::Ods => "ods",
        }
    }

    /// Inverse of [`FileKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        ALL_FILE_KINDS.into_iter().find(|k| k.as_str() == s)
    }

    /// The media type to serve the bytes with.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Tiff => "image/tiff",
            Self::Webp => "image/webp",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Odt => "application/vnd.oasis.opendocument.text",
            Self::Ods => "application/vnd.oasis.opendocument.spreadsheet",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Tiff => "tif",
            Self::Webp => "webp",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Odt => "odt",
            Self::Ods => "ods",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an upload's bytes are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// No bytes at all.
    Empty,
    /// Not one of the allowed types (or a malformed container).
    UnknownType,
    /// An executable, a script, markup, or an office document with macros.
    Dangerous,
    /// An allowed type whose end is missing.
    Truncated,
    /// A ZIP archive that is not an allowed office document.
    ZipNotAllowed,
}

impl FileProblem {
    /// Stable snake_case code. `UnknownType` and `ZipNotAllowed` share `unsupported_type`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty_file",
            Self::UnknownType | Self::ZipNotAllowed => "unsupported_type",
            Self::Dangerous => "dangerous_content",
            Self::Truncated => "truncated_file",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Empty => "the file is empty",
            Self::UnknownType => "the file must be a PDF, JPEG, PNG, TIFF, WebP, DOCX, XLSX, ODT or ODS document",
            Self::Dangerous => "the file contains a program, a script or macros and is not accepted",
            Self::Truncated => "the file is incomplete (its end is missing); please upload it again",
            Self::ZipNotAllowed => "archives are not accepted; upload the documents themselves (PDF, DOCX, XLSX, ...)",
        }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for FileProblem {}

/// The allowed type of `bytes`, or `None`: the yes/no form of [`inspect`] (so a truncated PDF is
/// `None` too).
pub fn detect(bytes: &[u8]) -> Option<FileKind> {
    inspect(bytes).ok()
}

/// True when [`inspect`] refuses `bytes` as `dangerous_content` (for logging and alerting).
pub fn looks_dangerous(bytes: &[u8]) -> bool {
    inspect(bytes) == Err(FileProblem::Dangerous)
}

/// Decides what `bytes` are, from their content only.
pub fn inspect(bytes: &[u8]) -> Result<FileKind, FileProblem> {
    if bytes.is_empty() {
        return Err(FileProblem::Empty);
    }
    if executable_or_script(bytes) || markup(bytes) {
        return Err(FileProblem::Dangerous);
    }
    if bytes.starts_with(b"%PDF-") {
        return if contains(tail(bytes), b"%%EOF") { Ok(FileKind::Pdf) } else { Err(FileProblem::Truncated) };
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return png(bytes);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileKind::Jpeg);
    }
    if [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"].iter().any(|m| bytes.starts_with(*m)) {
        return if bytes.len() >= 8 { Ok(FileKind::Tiff) } else { Err(FileProblem::Truncated) };
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return webp(bytes);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return zip(bytes);
    }
    if bytes.starts_with(b"PK\x05\x06") || bytes.starts_with(b"PK\x07\x08") {
        // An empty or spanned archive.
        return Err(FileProblem::ZipNotAllowed);
    }
    Err(FileProblem::UnknownType)
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// How far from the end a format's end marker may be (trailing junk readers tolerate).
const TAIL: usize = 1024;

fn tail(bytes: &[u8]) -> &[u8] {
    &bytes[bytes.len().saturating_sub(TAIL)..]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn executable_or_script(b: &[u8]) -> bool {
    const MAGICS: [&[u8]; 12] = [
        b"\x7fELF",
        b"MZ",
        b"#!",
        b"\xFE\xED\xFA\xCE",         // Mach-O 32-bit, big-endian
        b"\xFE\xED\xFA\xCF",         // Mach-O 64-bit, big-endian
        b"\xCE\xFA\xED\xFE",         // Mach-O 32-bit, little-endian
        b"\xCF\xFA\xED\xFE",         // Mach-O 64-bit, little-endian
        b"\xCA\xFE\xBA\xBE",         // Mach-O universal binary, Java class
        b"\xCA\xFE\xBA\xBF",         // Mach-O universal binary, 64-bit
        b"\0asm",                    // WebAssembly
        b"\x4C\0\0\0\x01\x14\x02\0", // Windows shortcut (.lnk)
        b"\xEF\xBB\xBF#!",           // a script with a UTF-8 BOM
    ];
    MAGICS.iter().any(|m| b.starts_with(m))
}

/// HTML, SVG, XML and anything else whose first non-blank character is `<`.
fn markup(b: &[u8]) -> bool {
    let is_blank = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C');
    if let Some(rest) = b.strip_prefix(b"\xFF\xFE") {
        // UTF-16LE: character, then 0.
        return rest.chunks_exact(2).find(|u| !(u[1] == 0 && is_blank(u[0]))) == Some(b"<\0".as_slice());
    }
    if let Some(rest) = b.strip_prefix(b"\xFE\xFF") {
        return rest.chunks_exact(2).find(|u| !(u[0] == 0 && is_blank(u[1]))) == Some(b"\0<".as_slice());
    }
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    b.iter().find(|&&c| !is_blank(c)) == Some(&b'<')
}

fn png(b: &[u8]) -> Result<FileKind, FileProblem> {
    match b.get(8..16) {
        None => Err(FileProblem::Truncated),
        Some(ihdr) if ihdr != b"\0\0\0\x0DIHDR" => Err(FileProblem::UnknownType),
        Some(_) if !contains(tail(&b[16..]), b"IEND") => Err(FileProblem::Truncated),
        Some(_) => Ok(FileKind::Png),
    }
}

fn webp(b: &[u8]) -> Result<FileKind, FileProblem> {
    let (Some(chunk), Some(size)) = (b.get(12..16), le32(b, 4)) else {
        return Err(FileProblem::Truncated);
    };
    if ![b"VP8 ", b"VP8L", b"VP8X"].iter().any(|c| chunk == *c) {
        return Err(FileProblem::UnknownType);
    }
    if u64::from(size) + 8 > b.len() as u64 {
        return Err(FileProblem::Truncated);
    }
    Ok(FileKind::Webp)
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

const ODF_TEXT: &[u8] = b"application/vnd.oasis.opendocument.text";
const ODF_SPREADSHEET: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// An archive starting with a local file header. Reads headers and names only; never inflates.
fn zip(b: &[u8]) -> Result<FileKind, FileProblem> {
    // First local file header: name length at 26, extra length at 28, name at 30.
    let (Some(name_len), Some(extra_len)) = (le16(b, 26), le16(b, 28)) else {
        return Err(FileProblem::Truncated);
    };
    let name_end = 30 + usize::from(name_len);
    let Some(first_name) = b.get(30..name_end) else {
        return Err(FileProblem::Truncated);
    };
    let odf = if first_name == b"mimetype" {
        // ODF: stored (method 0), compressed size == size, the content is the media type.
        let (Some(method), Some(csize), Some(usize_)) = (le16(b, 8), le32(b, 18), le32(b, 22)) else {
            return Err(FileProblem::Truncated);
        };
        if method != 0 || csize != usize_ {
            return Err(FileProblem::ZipNotAllowed);
        }
        let start = name_end + usize::from(extra_len);
        let Some(content) = b.get(start..start.saturating_add(csize as usize)) else {
            return Err(FileProblem::Truncated);
        };
        match content.trim_ascii() {
            ODF_TEXT => Some(FileKind::Odt),
            ODF_SPREADSHEET => Some(FileKind::Ods),
            _ => return Err(FileProblem::ZipNotAllowed),
        }
    } else {
        None
    };

    let (names, expanded) = central_directory(b)?;
    if expanded > MAX_EXPANDED_BYTES && expanded > MAX_EXPANSION.saturating_mul(b.len() as u64) {
        return Err(FileProblem::Dangerous);
    }
    let has = |wanted: &str| names.contains(&wanted.as_bytes());
    let lower = |n: &[u8]| n.to_ascii_lowercase();
    if let Some(kind) = odf {
        if names.iter().any(|n| n.starts_with(b"Basic/") || n.starts_with(b"Scripts/")) {
            return Err(FileProblem::Dangerous);
        }
        return if has("content.xml") { Ok(kind) } else { Err(FileProblem::ZipNotAllowed) };
    }
    if !has("[Content_Types].xml") {
        return Err(FileProblem::ZipNotAllowed);
    }
    if names.iter().any(|n| lower(n).ends_with(b"vbaproject.bin")) {
        return Err(FileProblem::Dangerous);
    }
    match (has("word/document.xml"), has("xl/workbook.xml")) {
        (true, false) => Ok(FileKind::Docx),
        (false, true) => Ok(FileKind::Xlsx),
        _ => Err(FileProblem::ZipNotAllowed),
    }
}

/// An office document may declare this many uncompressed bytes in all whatever its own size.
pub const MAX_EXPANDED_BYTES: u64 = 64 * 1024 * 1024;
/// Beyond [`MAX_EXPANDED_BYTES`], an office document may declare at most this many times its own size.
pub const MAX_EXPANSION: u64 = 100;

/// The entry names listed in the central directory and the sum of their declared uncompressed sizes. No
/// end record in the last 64 KiB: truncated.
fn central_directory(b: &[u8]) -> Result<(Vec<&[u8]>, u64), FileProblem> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const EOCD_LEN: usize = 22;
    if b.len() < EOCD_LEN {
        return Err(FileProblem::Truncated);
    }
    // The record is 22 bytes plus a comment of at most 65535 bytes; take the last one.
    let lowest = b.len().saturating_sub(EOCD_LEN + usize::from(u16::MAX));
    let Some(eocd) = (lowest..=b.len() - EOCD_LEN).rev().find(|&i| b[i..].starts_with(EOCD)) else {
        return Err(FileProblem::Truncated);
    };
    let malformed = FileProblem::UnknownType;
    let (Some(count), Some(cd_size), Some(cd_offset)) = (le16(b, eocd + 10), le32(b, eocd + 12), le32(b, eocd + 16))
    else {
        return Err(malformed);
    };
    // ZIP64 markers: office documents are never that large.
    if count == u16::MAX || cd_offset == u32::MAX || cd_size == u32::MAX {
        return Err(malformed);
    }
    let start = cd_offset as usize;
    let Some(end) = start.checked_add(cd_size as usize).filter(|&end| end <= eocd) else {
        return Err(malformed);
    };
    let mut names = Vec::with_capacity(usize::from(count));
    let mut expanded = 0u64;
    let mut at = start;
    for _ in 0..count {
        // Central directory file header: 46 bytes, then name, extra, comment.
        if b.get(at..at + 4) != Some(b"PK\x01\x02") {
            return Err(malformed);
        }
        let (Some(n), Some(e), Some(c)) = (le16(b, at + 28), le16(b, at + 30), le16(b, at + 32)) else {
            return Err(malformed);
        };
        let name_end = at + 46 + usize::from(n);
        if name_end > end {
            return Err(malformed);
        }
        names.push(&b[at + 46..name_end]);
        // (A ZIP64 entry's 0xFFFFFFFF counts as 4 GiB: far over the limit, as it should be.)
        expanded = expanded.saturating_add(u64::from(le32(b, at + 24).unwrap_or(u32::MAX)));
        at = name_end + usize::from(e) + usize::from(c);
    }
    Ok((names, expanded))
}

/// Why a file name is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Nothing left once the directory part and surrounding white space are removed.
    Empty,
    /// Control characters, bidirectional formatting characters or line/paragraph separators.
    ControlCharacters,
    /// A `..` (or any dots-only) path component.
    PathTraversal,
    /// More than [`MAX_NAME_BYTES`] bytes of UTF-8.
    TooLong,
}

impl NameProblem {
    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty_name",
            Self::ControlCharacters => "invalid_characters",
            Self::PathTraversal => "path_traversal",
            Self::TooLong => "name_too_long",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Empty => "the file name is empty",
            Self::ControlCharacters => "the file name contains control or text-direction characters",
            Self::PathTraversal => "the file name must not contain '..' path parts",
            Self::TooLong => "the file name is longer than 255 bytes",
        }
    }
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for NameProblem {}

/// The longest accepted name, in bytes of UTF-8 (after normalisation).
pub const MAX_NAME_BYTES: usize = 255;
/// Inputs longer than this are refused before any work (a browser may send a full path).
const MAX_INPUT_BYTES: usize = 4096;

/// The file name as the citizen will see it later, or why it is refused.
///
/// In order:
/// 1. inputs over 4096 bytes are `name_too_long` (before any work);
/// 2. NFC-normalised (Vietnamese letters and diacritics kept as one code point each where possible);
/// 3. refused as `invalid_characters` when containing C0/DEL/C1 controls (U+0000–U+001F,
///    U+007F–U+009F), bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E,
///    U+2066–U+2069: `a\u{202E}fdp.exe` displays as `aexe.pdf`) or U+2028/U+2029;
///    anywhere in the input, directory part included;
/// 4. split on `/` and `\`: any component made only of dots (`.`, `..`, `...`, ignoring surrounding
///    white space) is `path_traversal` — refused, not silently fixed;
/// 5. the directory part is dropped (old browsers send `C:\Users\...\x.pdf`, which gives `x.pdf`;
///    `/etc/passwd` gives `passwd`, harmless since names never reach a path) and surrounding white
///    space is trimmed; nothing left is `empty_name`;
/// 6. more than 255 bytes is `name_too_long`.
///
/// Windows reserved device names (`CON`, `NUL`, `COM1`, ...) and characters such as `:` `*` `?` `"`
/// are accepted: the name never names a file on the server, and browsers rewrite such names when
/// saving a download. The HTTP layer must still encode the name for `Content-Disposition`
/// (RFC 6266 `filename*`).
pub fn safe_file_name(name: &str) -> Result<String, NameProblem> {
    if name.len() > MAX_INPUT_BYTES {
        return Err(NameProblem::TooLong);
    }
    let name: String = name.nfc().collect();
    if name.chars().any(forbidden_char) {
        return Err(NameProblem::ControlCharacters);
    }
    let mut components = name.split(['/', '\\']);
    if components.clone().any(|c| {
        let c = c.trim();
        !c.is_empty() && c.chars().all(|ch| ch == '.')
    }) {
        return Err(NameProblem::PathTraversal);
    }
    let last = components.next_back().unwrap_or_default().trim();
    if last.is_empty() {
        return Err(NameProblem::Empty);
    }
    if last.len() > MAX_NAME_BYTES {
        return Err(NameProblem::TooLong);
    }
    Ok(last.to_owned())
}

fn forbidden_char(c: char) -> bool {
    c.is_control() // Cc: U+0000–U+001F, U+007F–U+009F
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ---- test file builders -------------------------------------------------------------------

    fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
          2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n\
          trailer << /Root 1 0 R >>\n%%EOF\n"
            .to_vec()
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).expect("small").to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&[0, 0, 0, 0]); // CRC: not checked
    }

    fn png() -> Vec<u8> {
        let mut b = PNG_SIGNATURE.to_vec();
        // 1x1, 8-bit greyscale.
        png_chunk(&mut b, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        png_chunk(&mut b, b"IDAT", &[0x78, 0x9C, 0x63, 0x60, 0, 0, 0, 2, 0, 1]);
        png_chunk(&mut b, b"IEND", &[]);
        b
    }

    fn jpeg() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    fn webp() -> Vec<u8> {
        let payload = [0u8; 10];
        let mut b = b"RIFF".to_vec();
        b.extend_from_slice(&(4 + 8 + payload.len() as u32).to_le_bytes());
        b.extend_from_slice(b"WEBPVP8L");
        b.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        b.extend_from_slice(&payload);
        b
    }

    /// A ZIP archive with stored entries, its central directory and end record.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = u32::try_from(out.len()).expect("small");
            let (n, size) = (name.len() as u16, data.len() as u32);
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0]); // version, flags, method 0 (stored)
            out.extend_from_slice(&[0; 8]); // time, date, crc (not checked)
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);

            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0]); // made by, needed, flags, method
            central.extend_from_slice(&[0; 8]); // time, date, crc
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&n.to_le_bytes());
            central.extend_from_slice(&[0; 12]); // extra, comment, disk, internal + external attrs
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        let count = entries.len() as u16;
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    const CT: &str = "[Content_Types].xml";
    const CT_XML: &[u8] = b"<?xml version=\"1.0\"?><Types/>";

    fn docx() -> Vec<u8> {
        zip_of(&[(CT, CT_XML), ("_rels/.rels", b"<Relationships/>"), ("word/document.xml", b"<w:document/>")])
    }

    fn xlsx() -> Vec<u8> {
        zip_of(&[(CT, CT_XML), ("_rels/.rels", b"<Relationships/>"), ("xl/workbook.xml", b"<workbook/>")])
    }

    fn odf(mime: &[u8]) -> Vec<u8> {
        zip_of(&[("mimetype", mime), ("content.xml", b"<office:document-content/>"), ("META-INF/manifest.xml", b"")])
    }

    // ---- inspect ------------------------------------------------------------------------------

    /// `zip` with the central directory's uncompressed size of `entry` set to `size` (what a deflated bomb
    /// declares; nothing here inflates, so the declaration is all that counts).
    fn declaring(mut zip: Vec<u8>, entry: &str, size: u32) -> Vec<u8> {
        let needle = b"PK\x01\x02";
        let mut at = 0;
        while let Some(i) = zip[at..].windows(4).position(|w| w == needle) {
            let h = at + i;
            let n = usize::from(u16::from_le_bytes([zip[h + 28], zip[h + 29]]));
            if &zip[h + 46..h + 46 + n] == entry.as_bytes() {
                zip[h + 24..h + 28].copy_from_slice(&size.to_le_bytes());
                return zip;
            }
            at = h + 4;
        }
        panic!("no entry {entry}");
    }

    #[test]
    fn zip_bombs_are_dangerous() {
        // 1 GiB from a few hundred bytes: a bomb, in a DOCX, an XLSX or an ODT.
        for (doc, entry) in [(docx(), "word/document.xml"), (xlsx(), "xl/workbook.xml"), (odf(ODF_TEXT), "content.xml")]
        {
            assert_eq!(inspect(&declaring(doc, entry, 1 << 30)), Err(FileProblem::Dangerous), "{entry}");
        }
        // ZIP64's "see the extra field" marker counts as 4 GiB.
        assert_eq!(inspect(&declaring(docx(), "word/document.xml", u32::MAX)), Err(FileProblem::Dangerous));
        // Up to the absolute limit any ratio is fine (small documents compress well); past it, a
        // realistic one: 65 MiB declared by a 1 MiB spreadsheet (65 times) is an ordinary big workbook.
        let limit = u32::try_from(MAX_EXPANDED_BYTES).expect("fits");
        // (the other two entries are 45 bytes)
        assert_eq!(inspect(&declaring(docx(), "word/document.xml", limit - 45)), Ok(FileKind::Docx));
        assert_eq!(inspect(&declaring(docx(), "word/document.xml", limit - 44)), Err(FileProblem::Dangerous));
        let image = vec![0u8; 1 << 20];
        let big = zip_of(&[(CT, CT_XML), ("xl/workbook.xml", b"<workbook/>"), ("xl/media/image1.png", &image)]);
        assert_eq!(inspect(&declaring(big, "xl/workbook.xml", limit + 1)), Ok(FileKind::Xlsx));
    }

    #[test]
    fn allowed_types_are_recognised() {
        assert_eq!(inspect(&pdf()), Ok(FileKind::Pdf));
        assert_eq!(inspect(&png()), Ok(FileKind::Png));
        assert_eq!(inspect(&jpeg()), Ok(FileKind::Jpeg));
        assert_eq!(inspect(b"II*\0\x08\0\0\0\0\0"), Ok(FileKind::Tiff));
        assert_eq!(inspect(b"MM\0*\0\0\0\x08\0\0"), Ok(FileKind::Tiff));
        assert_eq!(inspect(&webp()), Ok(FileKind::Webp));
        assert_eq!(inspect(&docx()), Ok(FileKind::Docx));
        assert_eq!(inspect(&xlsx()), Ok(FileKind::Xlsx));
        assert_eq!(inspect(&odf(ODF_TEXT)), Ok(FileKind::Odt));
        assert_eq!(inspect(&odf(ODF_SPREADSHEET)), Ok(FileKind::Ods));
        assert_eq!(detect(&pdf()), Some(FileKind::Pdf));
    }

    #[test]
    fn pdf_may_have_trailing_junk_within_1024_bytes() {
        let mut b = pdf();
        b.extend_from_slice(&[b'\n'; 1000]);
        assert_eq!(inspect(&b), Ok(FileKind::Pdf));
        b.extend_from_slice(&[b'\n'; 100]);
        assert_eq!(inspect(&b), Err(FileProblem::Truncated));
    }

    #[test]
    fn pdf_needs_its_header_at_offset_0() {
        let mut b = b"\n".to_vec();
        b.extend_from_slice(&pdf());
        assert_eq!(inspect(&b), Err(FileProblem::UnknownType));
    }

    #[test]
    fn truncated_files_are_refused() {
        let b = pdf();
        assert_eq!(inspect(&b[..b.len() / 2]), Err(FileProblem::Truncated));
        assert_eq!(inspect(b"%PDF-"), Err(FileProblem::Truncated));
        let p = png();
        assert_eq!(inspect(&p[..p.len() - 12]), Err(FileProblem::Truncated)); // no IEND
        assert_eq!(inspect(&p[..12]), Err(FileProblem::Truncated)); // IHDR cut
        let w = webp();
        assert_eq!(inspect(&w[..w.len() - 1]), Err(FileProblem::Truncated));
        assert_eq!(inspect(b"II*\0"), Err(FileProblem::Truncated));
        let d = docx();
        assert_eq!(inspect(&d[..d.len() - 30]), Err(FileProblem::Truncated)); // no end record
        // A DOCX-like local header alone, `[Content_Types].xml` first, nothing after.
        let header_only = &d[..30 + CT.len() + CT_XML.len()];
        assert_eq!(inspect(header_only), Err(FileProblem::Truncated));
        assert_eq!(inspect(&d[..20]), Err(FileProblem::Truncated));
    }

    #[test]
    fn jpeg_does_not_need_eoi_at_the_end() {
        // Motion photos and vendor trailers append data after the end-of-image marker.
        let mut b = jpeg();
        b.extend_from_slice(&[0x42; 4096]);
        assert_eq!(inspect(&b), Ok(FileKind::Jpeg));
    }

    #[test]
    fn other_containers_and_archives_are_refused() {
        let plain = zip_of(&[("a.txt", b"hello"), ("b.exe", b"MZ")]);
        assert_eq!(inspect(&plain), Err(FileProblem::ZipNotAllowed));
        assert_eq!(inspect(&plain).map_err(FileProblem::code), Err("unsupported_type"));
        // A ZIP whose first entry is named like an office document's but with nothing else.
        assert_eq!(inspect(&zip_of(&[(CT, CT_XML)])), Err(FileProblem::ZipNotAllowed));
        let pptx = zip_of(&[(CT, CT_XML), ("ppt/presentation.xml", b"")]);
        assert_eq!(inspect(&pptx), Err(FileProblem::ZipNotAllowed));
        let odp = odf(b"application/vnd.oasis.opendocument.presentation");
        assert_eq!(inspect(&odp), Err(FileProblem::ZipNotAllowed));
        let both = zip_of(&[(CT, CT_XML), ("word/document.xml", b""), ("xl/workbook.xml", b"")]);
        assert_eq!(inspect(&both), Err(FileProblem::ZipNotAllowed));
        assert_eq!(inspect(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"), Err(FileProblem::ZipNotAllowed));
        // Legacy Office (OLE compound file), GIF, RIFF/AVI, plain text.
        assert_eq!(inspect(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0"), Err(FileProblem::UnknownType));
        assert_eq!(inspect(b"GIF89a\x01\0\x01\0"), Err(FileProblem::UnknownType));
        assert_eq!(inspect(b"RIFF\x04\0\0\0AVI "), Err(FileProblem::UnknownType));
        assert_eq!(inspect("Đơn đề nghị".as_bytes()), Err(FileProblem::UnknownType));
    }

    #[test]
    fn office_documents_need_not_start_with_content_types() {
        // LibreOffice and Word for Mac write another part first.
        let b = zip_of(&[("_rels/.rels", b""), ("word/document.xml", b""), (CT, CT_XML)]);
        assert_eq!(inspect(&b), Ok(FileKind::Docx));
    }

    #[test]
    fn odf_mimetype_must_be_first_and_stored() {
        let b = zip_of(&[("content.xml", b""), ("mimetype", ODF_TEXT)]);
        assert_eq!(inspect(&b), Err(FileProblem::ZipNotAllowed));
        let mut deflated = odf(ODF_TEXT);
        deflated[8] = 8; // method: deflate
        assert_eq!(inspect(&deflated), Err(FileProblem::ZipNotAllowed));
        let no_content = zip_of(&[("mimetype", ODF_TEXT), ("styles.xml", b"")]);
        assert_eq!(inspect(&no_content), Err(FileProblem::ZipNotAllowed));
    }

    #[test]
    fn malformed_central_directory_is_refused() {
        let mut b = docx();
        let eocd = b.len() - 22;
        b[eocd + 16] ^= 0x01; // central directory offset off by one
        assert_eq!(inspect(&b), Err(FileProblem::UnknownType));
        let mut b = docx();
        b[eocd + 12..eocd + 16].copy_from_slice(&u32::MAX.to_le_bytes()); // ZIP64 marker
        assert_eq!(inspect(&b), Err(FileProblem::UnknownType));
    }

    #[test]
    fn macros_are_dangerous() {
        let docm = zip_of(&[(CT, CT_XML), ("word/document.xml", b""), ("word/vbaProject.bin", b"\xD0\xCF")]);
        assert_eq!(inspect(&docm), Err(FileProblem::Dangerous));
        let xlsm = zip_of(&[(CT, CT_XML), ("xl/workbook.xml", b""), ("xl/VBAPROJECT.BIN", b"")]);
        assert!(looks_dangerous(&xlsm));
        let odt = zip_of(&[("mimetype", ODF_TEXT), ("content.xml", b""), ("Basic/Standard/Module1.xml", b"")]);
        assert_eq!(inspect(&odt), Err(FileProblem::Dangerous));
    }

    #[test]
    fn executables_and_scripts_are_dangerous_whatever_their_name() {
        // An ELF header (uploaded as `hoso.pdf`).
        let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
        elf.extend_from_slice(&[0; 56]);
        // A PE file: the MZ stub, then the PE header; ending with `%%EOF` changes nothing.
        let mut pe = b"MZ\x90\0\x03\0\0\0".to_vec();
        pe.extend_from_slice(&[0; 52]);
        pe.extend_from_slice(b"PE\0\0%%EOF");
        let cases: [&[u8]; 12] = [
            &elf,
            &pe,
            b"#!/bin/sh\nrm -rf /\n",
            b"\xEF\xBB\xBF#!/usr/bin/env python3\n",
            b"\xCF\xFA\xED\xFE\x07\0\0\x01",
            b"\xCA\xFE\xBA\xBE\0\0\0\x02",
            b"\0asm\x01\0\0\0",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            b"\xEF\xBB\xBF\r\n  <?xml version=\"1.0\"?><svg/>",
            b"\xFF\xFE \0<\0h\0t\0m\0l\0>\0",
            b"\xFE\xFF\0<\0s\0v\0g",
        ];
        for b in cases {
            assert_eq!(inspect(b), Err(FileProblem::Dangerous), "{:?}", String::from_utf8_lossy(b));
            assert!(looks_dangerous(b));
            assert_eq!(detect(b), None);
        }
        assert_eq!(FileProblem::Dangerous.code(), "dangerous_content");
        assert!(!looks_dangerous(&pdf()));
        assert!(!looks_dangerous(b"plain text"));
    }

    #[test]
    fn empty_is_its_own_problem() {
        assert_eq!(inspect(b""), Err(FileProblem::Empty));
        assert_eq!(FileProblem::Empty.code(), "empty_file");
        assert_eq!(FileProblem::Truncated.code(), "truncated_file");
        assert_eq!(FileProblem::UnknownType.code(), "unsupported_type");
    }

    #[test]
    fn kind_names_round_trip() {
        for k in ALL_FILE_KINDS {
            assert_eq!(FileKind::parse(k.as_str()), Some(k));
            assert!(!k.extension().starts_with('.'));
            assert!(k.mime().contains('/'));
        }
        assert_eq!(FileKind::parse("zip"), None);
        assert_eq!(FileKind::Jpeg.extension(), "jpg");
        assert_eq!(FileKind::Docx.mime(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    }

    // ---- safe_file_name -----------------------------------------------------------------------

    #[test]
    fn vietnamese_names_are_kept_and_normalised_to_nfc() {
        let nfd = "gia\u{302}\u{301}y khai sinh.pdf"; // â + combining acute, decomposed
        assert_ne!(nfd, "giấy khai sinh.pdf");
        assert_eq!(safe_file_name(nfd), Ok("giấy khai sinh.pdf".to_owned()));
        assert_eq!(safe_file_name("Đơn đề nghị cấp đổi CCCD.docx"), Ok("Đơn đề nghị cấp đổi CCCD.docx".to_owned()));
        assert_eq!(safe_file_name("  bản sao.pdf \u{A0}"), Ok("bản sao.pdf".to_owned()));
        assert_eq!(safe_file_name(".hidden.pdf"), Ok(".hidden.pdf".to_owned()));
        assert_eq!(safe_file_name("a..b.pdf"), Ok("a..b.pdf".to_owned()));
    }

    #[test]
    fn directory_parts_are_stripped() {
        assert_eq!(safe_file_name("C:\\Windows\\x.pdf"), Ok("x.pdf".to_owned()));
        assert_eq!(safe_file_name("C:\\Users\\An\\Tài liệu\\hộ khẩu.pdf"), Ok("hộ khẩu.pdf".to_owned()));
        assert_eq!(safe_file_name("/home/an/scan 01.png"), Ok("scan 01.png".to_owned()));
        assert_eq!(safe_file_name("/etc/passwd"), Ok("passwd".to_owned()));
    }

    #[test]
    fn traversal_is_refused_not_fixed() {
        for name in
            ["../../etc/passwd", "..\\..\\boot.ini", "a/../b.pdf", "..", ".", "...", "x/..", "./x.pdf", " .. /x"]
        {
            assert_eq!(safe_file_name(name), Err(NameProblem::PathTraversal), "{name}");
        }
        assert_eq!(NameProblem::PathTraversal.code(), "path_traversal");
    }

    #[test]
    fn control_and_bidi_characters_are_refused() {
        for name in [
            "a\u{202E}fdp.exe",
            "a\u{2066}b.pdf",
            "a\u{200F}.pdf",
            "x\0.pdf",
            "x\n.pdf",
            "x\t.pdf",
            "x\u{7F}",
            "x\u{85}.pdf",
        ] {
            assert_eq!(safe_file_name(name), Err(NameProblem::ControlCharacters), "{name:?}");
        }
        // Even in the directory part.
        assert_eq!(safe_file_name("dir\u{1}/x.pdf"), Err(NameProblem::ControlCharacters));
        assert_eq!(NameProblem::ControlCharacters.code(), "invalid_characters");
    }

    #[test]
    fn empty_and_too_long_names_are_refused() {
        for name in ["", "   ", "dir/", "C:\\tmp\\"] {
            assert_eq!(safe_file_name(name), Err(NameProblem::Empty), "{name:?}");
        }
        assert_eq!(NameProblem::Empty.code(), "empty_name");
        let long = format!("{}.pdf", "a".repeat(296));
        assert_eq!(long.len(), 300);
        assert_eq!(safe_file_name(&long), Err(NameProblem::TooLong));
        assert_eq!(NameProblem::TooLong.code(), "name_too_long");
        let max = format!("{}.pdf", "ấ".repeat(83)); // 3 bytes each: 249 + 4 = 253 bytes
        assert_eq!(safe_file_name(&max).map(|n| n.len()), Ok(253));
        // A long directory part does not count against the name.
        assert_eq!(safe_file_name(&format!("{}/x.pdf", "d".repeat(1000))), Ok("x.pdf".to_owned()));
        assert_eq!(safe_file_name(&"d".repeat(5000)), Err(NameProblem::TooLong));
    }

    #[test]
    fn windows_reserved_names_are_accepted() {
        assert_eq!(safe_file_name("CON.pdf"), Ok("CON.pdf".to_owned()));
        assert_eq!(safe_file_name("báo cáo: quý 1.xlsx"), Ok("báo cáo: quý 1.xlsx".to_owned()));
    }

    fn zip_prefix() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(Vec::new()),
            Just(b"PK\x03\x04".to_vec()),
            Just(docx()),
            Just(odf(ODF_TEXT)),
            Just(png()),
            Just(b"%PDF-".to_vec()),
            Just(b"RIFF\0\0\0\0WEBP".to_vec()),
            Just(b"\xFF\xFE".to_vec()),
        ]
    }

    proptest! {
        #[test]
        fn inspect_never_panics(prefix in zip_prefix(), cut in 0usize..2000, rest in prop::collection::vec(any::<u8>(), 0..512)) {
            let mut b = prefix;
            b.truncate(cut);
            b.extend_from_slice(&rest);
            let r = inspect(&b);
            prop_assert_eq!(detect(&b), r.ok());
        }

        #[test]
        fn inspect_never_panics_on_mutated_zips(at in 0usize..400, byte in any::<u8>(), xlsx_too in any::<bool>()) {
            let mut b = if xlsx_too { xlsx() } else { docx() };
            if let Some(x) = b.get_mut(at % 400) {
                *x = byte;
            }
            let _ = inspect(&b);
        }

        #[test]
        fn safe_file_name_never_panics(name in any::<String>()) {
            if let Ok(n) = safe_file_name(&name) {
                prop_assert!(!n.is_empty() && n.len() <= MAX_NAME_BYTES);
                prop_assert!(!n.contains(['/', '\\']));
                prop_assert!(!n.chars().any(forbidden_char));
                prop_assert!(!n.chars().all(|c| c == '.'));
                prop_assert_eq!(n.nfc().collect::<String>(), n.clone());
            }
        }

        #[test]
        fn safe_file_name_handles_paths(parts in prop::collection::vec("[a-zA-Zàáạảãâầấậẩẫăằắặẳẵđ. ]{0,12}", 0..6), sep in "[/\\\\]") {
            let _ = safe_file_name(&parts.join(&sep));
        }
    }
}
