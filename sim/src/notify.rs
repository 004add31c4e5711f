//! Where motcua's notifications land in development and tests: an SMTP sink (a real SMTP server that keeps every
//! message instead of relaying it) and an SMS gateway stand-in.
//!
//! - SMTP: plain SMTP (HELO/EHLO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT) on its own listener
//!   (`--smtp-listen`); messages at `GET /_sim/mail`, decoded (RFC 2047 subjects, base64 and quoted-printable
//!   bodies) so tests can read them. `DELETE /_sim/mail` empties it.
//! - SMS: `POST /sms/send` with `x-api-key` and `{"to": "0912345678", "message": "..."}` →
//!   `{"status": "accepted", "id": "..."}`; messages at `GET /_sim/sms`. Faults switch with target `sms`.

use std::sync::Mutex;

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::Engine;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

use crate::Sim;

/// The SMS gateway's API key (a test value; the stand-in accepts only this one).
pub const SMS_API_KEY: &str = "motcua-sms-dev-key";

#[derive(Default)]
pub struct Outbox {
    mail: Mutex<Vec<Value>>,
    sms: Mutex<Vec<Value>>,
}

/// Decodes `=?utf-8?b?...?=` and `=?utf-8?q?...?=` encoded words (RFC 2047); other text is kept.
pub fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, after) = rest.split_at(start);
        // Whitespace between two encoded words is dropped (RFC 2047 §6.2).
        if !(last_was_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let parts: Vec<&str> = after[2..].splitn(3, '?').collect();
        let decoded = (parts.len() == 3)
            .then(|| {
                let (enc, tail) = (parts[1], parts[2]);
                let end = tail.find("?=")?;
                let text = &tail[..end];
                let bytes = match enc.to_ascii_lowercase().as_str() {
                    "b" => base64::engine::general_purpose::STANDARD.decode(text).ok()?,
                    "q" => quoted_printable(&text.replace('_', " ")),
                    _ => return None,
                };
                Some((String::from_utf8_lossy(&bytes).into_owned(), 2 + parts[0].len() + 1 + enc.len() + 1 + end + 2))
            })
            .flatten();
        match decoded {
            Some((text, used)) => {
                out.push_str(&text);
                rest = &after[used..];
                last_was_word = true;
            }
            None => {
                out.push_str("=?");
                rest = &after[2..];
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => out.push(b),
                    None => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Headers (unfolded, lower-case names) and the decoded text body of a single-part message.
pub fn parse_message(raw: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = raw.split_once("\r\n\r\n").or_else(|| raw.split_once("\n\n")).unwrap_or((raw, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let encoding = headers
        .iter()
        .find(|h| h.0 == "content-transfer-encoding")
        .map(|h| h.1.to_ascii_lowercase())
        .unwrap_or_default();
    let text = match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|_| body.to_owned())
        }
        "quoted-printable" => String::from_utf8_lossy(&quoted_printable(body)).into_owned(),
        _ => body.to_owned(),
    };
    (headers, text)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|h| h.0 == name).map(|h| h.1.as_str()).unwrap_or("")
}

impl Outbox {
    fn keep_mail(&self, from: String, to: Vec<String>, raw: String) {
        let (headers, text) = parse_message(&raw);
        let entry = json!({
            "from": from,
            "to": to,
            "subject": decode_words(header(&headers, "subject")),
            "content_type": header(&headers, "content-type"),
            "text": text,
            "raw": raw,
        });
        if let Ok(mut mail) = self.mail.lock() {
            mail.push(entry);
        }
    }
}

async fn session(sim: Sim, stream: tokio::net::TcpStream) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 motcua-sim SMTP sink ready\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::<String>::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-motcua-sim\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "MAIL" => {
                from =
                    command.split_once(':').map(|x| x.1.trim().trim_matches(['<', '>']).to_owned()).unwrap_or_default();
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                to.push(
                    command.split_once(':').map(|x| x.1.trim().trim_matches(['<', '>']).to_owned()).unwrap_or_default(),
                );
                b"250 OK\r\n"
            }
            "RSET" => {
                from.clear();
                to.clear();
                b"250 OK\r\n"
            }
            "DATA" if !to.is_empty() => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut raw = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 §4.5.2).
                    raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                sim.outbox.keep_mail(std::mem::take(&mut from), std::mem::take(&mut to), raw);
                b"250 OK: kept\r\n"
            }
            "DATA" => b"503 RCPT first\r\n",
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// Serves the SMTP sink on `listener` until the process ends.
pub async fn serve_smtp(listener: TcpListener, sim: Sim) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let sim = sim.clone();
        tokio::spawn(async move {
            if let Err(e) = session(sim, stream).await {
                tracing::warn!(error = %e, "SMTP session ended with an error");
            }
        });
    }
}

async fn send_sms(State(sim): State<Sim>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(SMS_API_KEY) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_api_key"}))).into_response();
    }
    let to = body.get("to").and_then(Value::as_str).unwrap_or_default();
    let message = body.get("message").and_then(Value::as_str).unwrap_or_default();
    let phone_ok = (9..=12).contains(&to.len()) && to.bytes().all(|b| b.is_ascii_digit() || b == b'+');
    if !phone_ok || message.is_empty() {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "to (a phone number) and message are required"})))
            .into_response();
    }
    let id = uuid::Uuid::new_v4().to_string();
    if let Ok(mut sms) = sim.outbox.sms.lock() {
        sms.push(json!({"id": id, "to": to, "message": message}));
    }
    Json(json!({"status": "accepted", "id": id})).into_response()
}

async fn list_mail(State(sim): State<Sim>) -> Json<Value> {
    Json(json!(sim.outbox.mail.lock().map(|m| m.clone()).unwrap_or_default()))
}

async fn clear_mail(State(sim): State<Sim>) -> StatusCode {
    if let Ok(mut m) = sim.outbox.mail.lock() {
        m.clear();
    }
    StatusCode::NO_CONTENT
}

async fn list_sms(State(sim): State<Sim>) -> Json<Value> {
    Json(json!(sim.outbox.sms.lock().map(|m| m.clone()).unwrap_or_default()))
}

pub fn routes() -> Router<Sim> {
    Router::new()
        .route("/sms/send", post(send_sms))
        .route("/_sim/mail", get(list_mail).delete(clear_mail))
        .route("/_sim/sms", get(list_sms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_encoded_words_and_bodies() {
        assert_eq!(decode_words("=?utf-8?b?SOG7kyBzxqE=?= =?utf-8?b?IMSRw6M=?= x"), "Hồ sơ đã x");
        assert_eq!(decode_words("=?UTF-8?Q?H=E1=BB=93_s=C6=A1?="), "Hồ sơ");
        assert_eq!(decode_words("plain =? text"), "plain =? text");
        let raw = "Subject: =?utf-8?b?SOG7kyBzxqE=?=\r\nContent-Transfer-Encoding: base64\r\n\r\nSOG7kyBzxqEgMTIz\r\n";
        let (headers, text) = parse_message(raw);
        assert_eq!(decode_words(header(&headers, "subject")), "Hồ sơ");
        assert_eq!(text, "Hồ sơ 123");
        let (_, qp) = parse_message("Content-Transfer-Encoding: quoted-printable\r\n\r\nH=E1=BB=93 s=C6=A1=\r\n ok");
        assert_eq!(qp, "Hồ sơ ok");
    }

    #[tokio::test]
    async fn the_smtp_sink_keeps_what_it_is_sent() {
        let sim = crate::test_support::sim();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(serve_smtp(listener, sim.clone()));
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut expect = async |code: &str| {
            let line = lines.next_line().await.expect("read").expect("line");
            assert!(line.starts_with(code), "{line}");
        };
        expect("220").await;
        for (cmd, code) in [
            ("HELO test\r\n", "250"),
            ("MAIL FROM:<khongtraloi@example.vn>\r\n", "250"),
            ("RCPT TO:<an@example.vn>\r\n", "250"),
            ("DATA\r\n", "354"),
            ("Subject: =?utf-8?b?SOG7kyBzxqE=?=\r\n\r\n..dot\r\nline 2\r\n.\r\n", "250"),
            ("QUIT\r\n", "221"),
        ] {
            write.write_all(cmd.as_bytes()).await.expect("write");
            expect(code).await;
        }
        let mail = sim.outbox.mail.lock().expect("lock").clone();
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0]["to"], json!(["an@example.vn"]));
        assert_eq!(mail[0]["subject"], "Hồ sơ");
        assert_eq!(mail[0]["text"], ".dot\r\nline 2\r\n");
    }
}
