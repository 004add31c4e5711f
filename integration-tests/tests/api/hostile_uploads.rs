//! A corpus of hostile uploads and bodies (issue 9, "Bad input"), beyond what `security.rs` already sends
//! (executables and HTML named .pdf, a file over the upload limit, `../../etc/passwd.pdf`, a tab, U+202E,
//! an empty file, 10,000 nested arrays to the submission): bodies over the request limit (declared and
//! chunked), a real zip bomb in a .docx and a ZIP named .pdf, file names sent byte for byte in the multipart
//! header (NUL, CR LF header injection, 300 characters, traversal without an extension), deep JSON to the
//! e-form endpoints (draft, procedure publish, catalogue import, counter reception) and huge JSON (hundreds of
//! thousands of made-up fields). Every one is a 4xx with a stable code naming the field, writes nothing (no
//! upload, attachment or dossier row, no object file), and the server answers the next honest request.

use integration_tests::{Session, TestApp, minimal_pdf};
use reqwest::header;
use serde_json::{Value, json};

const KHAI_SINH: &str = "1.001193";
const UPLOAD_LIMIT: usize = 1 << 20;
const BODY_LIMIT: usize = 2 << 20;

#[derive(Debug, PartialEq, Eq)]
struct Written {
    dossier: i64,
    attachment: i64,
    upload: i64,
    draft: i64,
    procedure_version: i64,
    objects: usize,
}

async fn written(app: &TestApp) -> Written {
    let (dossier, attachment, upload, draft, procedure_version): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM dossier), (SELECT count(*) FROM attachment), (SELECT count(*) FROM upload),
                (SELECT count(*) FROM draft), (SELECT count(*) FROM procedure_version)",
    )
    .fetch_one(&app.db)
    .await
    .expect("counts");
    Written {
        dossier,
        attachment,
        upload,
        draft,
        procedure_version,
        objects: super::security::files_under(&app.config.object_dir),
    }
}

// ---------------------------------------------------------------- hostile bytes

/// Writes bits least significant first, as DEFLATE packs them (RFC 1951 §3.1.1).
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, len: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += len;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code goes most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = (0..len).fold(0, |r, i| r | (((code >> i) & 1) << (len - 1 - i)));
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A real DEFLATE stream (fixed Huffman codes) of `1 + 258 * copies` zero bytes: one literal, then
/// back-references of length 258 at distance 1, 13 bits each (about 160 times smaller than the data).
fn deflated_zeros(copies: usize) -> Vec<u8> {
    let mut b = Bits::default();
    b.put(1, 1); // BFINAL
    b.put(1, 2); // BTYPE 01: fixed Huffman codes
    b.code(0x30, 8); // literal 0
    for _ in 0..copies {
        b.code(0xC5, 8); // length symbol 285: 258
        b.code(0, 5); // distance symbol 0: 1
    }
    b.code(0, 7); // end of block (256)
    b.finish()
}

/// A ZIP archive of (name, method, bytes as stored, uncompressed size) entries. CRCs are left at 0: the
/// server reads structure only (it never inflates), and that is what is under test.
fn zip(entries: &[(&str, u16, &[u8], u32)]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, method, data, size) in entries {
        let offset = out.len() as u32;
        let header = |sig: &[u8], central_header: bool| {
            let mut h = sig.to_vec();
            if central_header {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&method.to_le_bytes());
            h.extend_from_slice(&[0; 8]); // time, date, crc
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            h
        };
        out.extend(header(b"PK\x03\x04", false));
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend(header(b"PK\x01\x02", true));
        central.extend_from_slice(&[0; 10]); // comment, disk, internal + external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A well-formed .docx whose `word/document.xml` (really deflated) inflates to about 100 MiB.
fn docx_bomb() -> Vec<u8> {
    let copies = 400_000;
    let document = deflated_zeros(copies);
    let size = u32::try_from(1 + 258 * copies).expect("fits");
    let types = b"<?xml version=\"1.0\"?><Types/>".as_slice();
    zip(&[("[Content_Types].xml", 0, types, types.len() as u32), ("word/document.xml", 8, &document, size)])
}

/// A multipart body with one `file` part whose `filename` is exactly `name` (no encoding by a client).
fn multipart(name: &[u8], content: &[u8]) -> (String, Vec<u8>) {
    multipart_with(&[b"filename=\"", name, b"\""].concat(), content)
}

/// The same with the file name parameter(s) of the part's `Content-Disposition` exactly `param`.
fn multipart_with(param: &[u8], content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "hostile-7f3a9c";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; ").into_bytes();
    body.extend_from_slice(param);
    body.extend_from_slice(b"\r\nContent-Type: application/pdf\r\n\r\n");
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

enum Send {
    /// A multipart upload, the file name written byte for byte.
    Upload(Vec<u8>, Vec<u8>),
    /// An upload whose `Content-Disposition` file name parameter(s) are exactly these bytes.
    UploadParam(Vec<u8>, Vec<u8>),
    /// The same, streamed without a Content-Length.
    ChunkedUpload(Vec<u8>, Vec<u8>),
    /// A raw JSON body.
    Json(reqwest::Method, String, Vec<u8>),
}

/// What is sent and as whom, the status and code expected, and the (field, code) expected among the details
/// (`None`: an answer with no field to name, such as a body over the request limit).
struct Case {
    what: &'static str,
    send: Send,
    admin: bool,
    status: u16,
    code: &'static str,
    detail: Option<(&'static str, &'static str)>,
}

async fn send(app: &TestApp, s: &Session, send: Send) -> reqwest::Response {
    let req = |method: reqwest::Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .header(header::COOKIE, format!("motcua_session={}", s.cookie))
            .header("x-csrf-token", &s.csrf)
    };
    let res = match send {
        Send::Upload(name, content) => {
            let (ct, body) = multipart(&name, &content);
            req(reqwest::Method::POST, "/api/v1/uploads").header(header::CONTENT_TYPE, ct).body(body).send().await
        }
        Send::UploadParam(param, content) => {
            let (ct, body) = multipart_with(&param, &content);
            req(reqwest::Method::POST, "/api/v1/uploads").header(header::CONTENT_TYPE, ct).body(body).send().await
        }
        Send::ChunkedUpload(name, content) => {
            let (ct, body) = multipart(&name, &content);
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
            req(reqwest::Method::POST, "/api/v1/uploads")
                .header(header::CONTENT_TYPE, ct)
                .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
                .send()
                .await
        }
        Send::Json(method, path, body) => {
            req(method, &path).header(header::CONTENT_TYPE, "application/json").body(body).send().await
        }
    };
    res.expect("sent")
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[tokio::test]
async fn hostile_uploads_and_bodies_are_refused_and_leave_nothing_behind() {
    let app = TestApp::spawn_with(|c| {
        c.upload_limit_bytes = UPLOAD_LIMIT;
        c.body_limit_bytes = BODY_LIMIT;
        c.submissions_per_minute = 1_000;
    })
    .await;
    app.seed().await;
    let citizen = app.citizen_session("038090000101", "Lê Văn An").await;
    let admin = app.staff_session("tinh.quantri").await;
    let tp01 = app.upload_pdf(&citizen, "tờ khai.pdf").await;
    let tp02 = app.upload_pdf(&citizen, "giấy chứng sinh.pdf").await;
    let good = super::security::birth_registration(&app, tp01, tp02).await;
    let pdf = minimal_pdf("hostile");
    let post = reqwest::Method::POST;
    let put = reqwest::Method::PUT;

    // Huge JSON under the request limit: hundreds of thousands of made-up e-form fields, and as many items.
    let mut flood = good.clone();
    flood["form"] = Value::Object((0..150_000).map(|i| (format!("f{i}"), json!(0))).collect());
    let mut items = good.clone();
    items["bring_to_counter"] = json!(vec!["TP99"; 250_000]);
    let big_draft = json!({"data": {"ghi_chu": "x".repeat(BODY_LIMIT - 4096)}});
    let over_limit = json!({"form": {"ghi_chu": "x".repeat(BODY_LIMIT + 1)}});
    let deep_publish = format!(r#"{{"code":"{KHAI_SINH}","form":{{"fields":{}}}}}"#, nested(10_000)).into_bytes();

    let cases = vec![
        Case {
            what: "an upload over the request body limit (declared length)",
            send: Send::Upload(b"lon.pdf".to_vec(), vec![b'%'; BODY_LIMIT + 1]),
            admin: false,
            status: 413,
            code: "payload_too_large",
            detail: None,
        },
        Case {
            what: "an upload over the request body limit (chunked, no length)",
            send: Send::ChunkedUpload(b"lon.pdf".to_vec(), vec![b'%'; BODY_LIMIT + 1]),
            admin: false,
            status: 413,
            code: "payload_too_large",
            detail: None,
        },
        Case {
            what: "a zip bomb named .docx (650 KB inflating to 100 MiB)",
            send: Send::Upload(b"don.docx".to_vec(), docx_bomb()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.file", "dangerous_content")),
        },
        Case {
            what: "a ZIP archive named .pdf",
            send: Send::Upload(b"to-khai.pdf".to_vec(), zip(&[("to-khai.pdf", 0, &pdf, pdf.len() as u32)])),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.file", "unsupported_type")),
        },
        Case {
            what: "a path-traversal name without an extension",
            send: Send::Upload(b"../../etc/passwd".to_vec(), pdf.clone()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.file.name", "path_traversal")),
        },
        Case {
            what: "a Windows path-traversal name",
            send: Send::Upload(br"..\..\windows\win.ini".to_vec(), pdf.clone()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.file.name", "path_traversal")),
        },
        Case {
            // (the multipart parser refuses the part header itself)
            what: "a NUL byte in the file name",
            send: Send::Upload(b"a\0b.pdf".to_vec(), pdf.clone()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body", "invalid_multipart")),
        },
        Case {
            what: "an escape character in the file name",
            send: Send::Upload(b"a\x1b[31mb.pdf".to_vec(), pdf.clone()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body", "invalid_multipart")),
        },
        Case {
            // (the parser does not decode `filename*`: no name reaches the server, so none is stored)
            what: "a NUL character in a percent-encoded file name only (RFC 5987)",
            send: Send::UploadParam(b"filename*=UTF-8''a%00b.pdf".to_vec(), pdf.clone()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.file.name", "empty_name")),
        },
        Case {
            // (the header line ends at the CR LF, leaving an unterminated name: none; the injected
            // Content-Type would not matter, the type is read from the bytes)
            what: "CR LF header injection in the file name",
            send: Send::Upload(b"a.pdf\r\nContent-Type: text/html\r\nX-Injected: 1".to_vec(), pdf.clone()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.file.name", "empty_name")),
        },
        Case {
            what: "a right-to-left override in the file name (UTF-8 bytes)",
            send: Send::Upload("hoadon\u{202E}fdp.exe".as_bytes().to_vec(), pdf.clone()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.file.name", "invalid_characters")),
        },
        Case {
            what: "a 300-character file name",
            send: Send::Upload(format!("{}.pdf", "a".repeat(296)).into_bytes(), pdf.clone()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.file.name", "name_too_long")),
        },
        Case {
            what: "10,000 nested arrays in an e-form draft",
            send: Send::Json(
                put.clone(),
                format!("/api/v1/me/drafts/{KHAI_SINH}"),
                format!(r#"{{"data":{{"a":{}}}}}"#, nested(10_000)).into_bytes(),
            ),
            admin: false,
            status: 400,
            code: "invalid_json",
            detail: Some(("body", "invalid_json")),
        },
        Case {
            // (typed: the first array where a field belongs is the error, before any depth is reached)
            what: "10,000 nested arrays in a published e-form",
            send: Send::Json(put.clone(), format!("/api/v1/procedures/{KHAI_SINH}"), deep_publish),
            admin: true,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.form.fields[0][0]", "invalid_type")),
        },
        Case {
            what: "10,000 nested arrays as a catalogue import",
            send: Send::Json(post.clone(), "/api/v1/catalogue/import".into(), nested(10_000).into_bytes()),
            admin: true,
            status: 422,
            code: "validation_failed",
            detail: Some(("body", "invalid_json")),
        },
        Case {
            what: "150,000 made-up e-form fields in a submission",
            send: Send::Json(post.clone(), "/api/v1/dossiers".into(), flood.to_string().into_bytes()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.form", "unknown_field")),
        },
        Case {
            what: "250,000 items in a submission",
            send: Send::Json(post.clone(), "/api/v1/dossiers".into(), items.to_string().into_bytes()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body", "too_many_problems")),
        },
        Case {
            what: "a draft of 2 MB",
            send: Send::Json(put.clone(), format!("/api/v1/me/drafts/{KHAI_SINH}"), big_draft.to_string().into_bytes()),
            admin: false,
            status: 422,
            code: "validation_failed",
            detail: Some(("body.data", "too_large")),
        },
        Case {
            what: "a submission over the request body limit",
            send: Send::Json(post.clone(), "/api/v1/dossiers".into(), over_limit.to_string().into_bytes()),
            admin: false,
            status: 413,
            code: "payload_too_large",
            detail: None,
        },
    ];

    for case in cases {
        let what = case.what;
        let before = written(&app).await;
        let res = send(&app, if case.admin { &admin } else { &citizen }, case.send).await;
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        let shown: String = text.chars().take(2_000).collect();
        assert_eq!(status, case.status, "{what}: {shown}");
        assert!(text.len() < 64 * 1024, "{what}: an answer of {} bytes", text.len());
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {shown}"));
        assert_eq!(body["code"], case.code, "{what}: {shown}");
        let details: Vec<(&str, &str)> = body["details"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: no details: {shown}"))
            .iter()
            .map(|d| (d["field"].as_str().unwrap_or(""), d["code"].as_str().unwrap_or("")))
            .collect();
        assert!(details.len() <= 201, "{what}: {} details", details.len());
        if let Some(wanted) = case.detail {
            assert!(
                details.contains(&wanted),
                "{what}: {wanted:?} missing from {:?}",
                &details[..details.len().min(5)]
            );
        }
        assert_eq!(written(&app).await, before, "{what}: something was written");
        assert_eq!(app.get("/healthz").await.status(), 200, "{what}: /healthz");
    }

    // The server still takes an honest upload and submission.
    let res = send(&app, &citizen, Send::Upload("đơn đề nghị.pdf".as_bytes().to_vec(), pdf.clone())).await;
    assert_eq!(res.status(), 201, "an honest upload: {}", res.text().await.unwrap_or_default());
    let res = app.post_as(&citizen, "/api/v1/dossiers", &good).await;
    assert_eq!(res.status(), 201, "an honest submission: {}", res.text().await.unwrap_or_default());
}
