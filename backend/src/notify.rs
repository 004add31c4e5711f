//! Notifications to applicants (issue: "push beats a status page", lessons.md §11).
//!
//! [`enqueue`] runs inside the transaction of a dossier change (from `app::dossier::record_action`): for the events
//! a citizen must hear of — acceptance, a supplement request, a payment request, an apology with a new date, the
//! result being ready — it writes an in-app notice (account holders) and one delivery per channel the applicant
//! gave (e-mail, SMS). The worker ([`deliver_batch`], looped by [`run`]) sends them: SMTP through lettre, SMS
//! through the gateway; `SKIP LOCKED` so every instance can run it; retries with backoff; unique per
//! (history row, channel), so each event reaches each channel once.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{SinglePart, header::ContentTransferEncoding, header::ContentType},
};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    config::Config,
    domain::{calendar::to_local, lifecycle::Action},
    http::error::ApiError,
};

/// dd/mm/yyyy in Vietnam time.
fn date_vn(t: OffsetDateTime) -> String {
    let d = to_local(t).date();
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// `1.250.000 ₫`.
pub fn vnd(amount: i64) -> String {
    let digits = amount.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{}{out}\u{a0}₫", if amount < 0 { "-" } else { "" })
}

/// What the applicant is told, for the events that concern them.
pub struct Notice {
    pub event: &'static str,
    pub title: String,
    pub body: String,
}

/// The facts a notice is written from.
pub struct Facts<'a> {
    pub code: &'a str,
    pub procedure: &'a str,
    pub due_at: Option<OffsetDateTime>,
    pub fees_total: i64,
    pub reason: Option<&'a str>,
    pub items: &'a [String],
}

/// The notice for `action`, if the applicant is to be told of it. Pure: tested on its own.
pub fn notice(action: Action, f: &Facts<'_>) -> Option<Notice> {
    let due = f.due_at.map(date_vn);
    let (event, title, body) = match action {
        Action::Accept | Action::ReceiveAtCounter => (
            "tiep_nhan",
            format!("Hồ sơ {} đã được tiếp nhận", f.code),
            format!(
                "Hồ sơ {} ({}) đã được tiếp nhận.{}",
                f.code,
                f.procedure,
                due.map(|d| format!(" Ngày hẹn trả kết quả: {d}.")).unwrap_or_default()
            ),
        ),
        Action::RequestSupplement => {
            let items =
                if f.items.is_empty() { String::new() } else { format!(" Cần bổ sung: {}.", f.items.join("; ")) };
            (
                "bo_sung",
                format!("Hồ sơ {} cần bổ sung, hoàn thiện", f.code),
                format!(
                    "Hồ sơ {} ({}) cần bổ sung, hoàn thiện.{items}{}",
                    f.code,
                    f.procedure,
                    f.reason.map(|r| format!(" Lý do: {r}.")).unwrap_or_default()
                ),
            )
        }
        Action::RequestPayment => (
            "thanh_toan",
            format!("Hồ sơ {}: đề nghị nộp phí, lệ phí", f.code),
            format!(
                "Đề nghị Ông/Bà nộp phí, lệ phí {} cho hồ sơ {} ({}). Có thể thanh toán trực tuyến.",
                vnd(f.fees_total),
                f.code,
                f.procedure
            ),
        ),
        Action::Apologise => (
            "hen_lai",
            format!("Hồ sơ {}: xin lỗi và hẹn lại ngày trả kết quả", f.code),
            format!(
                "Cơ quan xin lỗi vì hồ sơ {} ({}) chưa có kết quả đúng hẹn.{}{}",
                f.code,
                f.procedure,
                due.map(|d| format!(" Ngày hẹn trả kết quả mới: {d}.")).unwrap_or_default(),
                f.reason.map(|r| format!(" Lý do: {r}.")).unwrap_or_default()
            ),
        ),
        Action::Approve | Action::IssueResult => (
            "co_ket_qua",
            format!("Hồ sơ {} đã có kết quả", f.code),
            format!("Hồ sơ {} ({}) đã có kết quả giải quyết.", f.code, f.procedure),
        ),
        _ => return None,
    };
    let body = body.trim().to_owned();
    Some(Notice { event, title, body })
}

/// Writes the notice of this change, if any, and its deliveries, in the change's transaction.
pub async fn enqueue(
    tx: &mut Transaction<'_, Postgres>,
    dossier_id: Uuid,
    action_id: i64,
    action: Action,
    reason: Option<&str>,
    data: &Value,
) -> Result<(), ApiError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        code: String,
        procedure: String,
        due_at: Option<OffsetDateTime>,
        fees_total: i64,
        citizen_id: Option<Uuid>,
        applicant: Value,
    }
    let r: Row = sqlx::query_as(
        "SELECT d.code, pv.name AS procedure, COALESCE(d.due_at, d.paused_due_at) AS due_at, d.fees_total,
                d.applicant_citizen_id AS citizen_id, d.applicant
           FROM dossier d JOIN procedure_version pv ON pv.id = d.procedure_version_id WHERE d.id = $1",
    )
    .bind(dossier_id)
    .fetch_one(&mut **tx)
    .await?;
    let items: Vec<String> = data
        .get("items")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    // Account holders open their dossier; others get the public lookup. A path: the sender puts
    // MOTCUA_PUBLIC_URL in front, so a stored notice does not depend on where it was written.
    let link = match r.citizen_id {
        Some(_) => format!("/ho-so/{dossier_id}"),
        None => format!("/tra-cuu?ma={}", r.code),
    };
    let facts = Facts {
        code: &r.code,
        procedure: &r.procedure,
        due_at: r.due_at,
        fees_total: r.fees_total,
        reason,
        items: &items,
    };
    let Some(n) = notice(action, &facts) else { return Ok(()) };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notification (dossier_id, action_id, citizen_id, event, title, body, link)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(dossier_id)
    .bind(action_id)
    .bind(r.citizen_id)
    .bind(n.event)
    .bind(&n.title)
    .bind(&n.body)
    .bind(&link)
    .fetch_one(&mut **tx)
    .await?;
    let contact = |k: &str| r.applicant.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    for (channel, recipient) in [("email", contact("email")), ("sms", contact("phone"))] {
        if let Some(to) = recipient {
            sqlx::query("INSERT INTO notification_delivery (notification_id, channel, recipient) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(channel)
                .bind(to)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Sends e-mail and SMS.
pub struct Sender {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
    sms_url: String,
    sms_key: String,
    public_url: String,
    http: reqwest::Client,
}

impl Sender {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let url = config.smtp_url.expose().trim();
        let smtp = if url.is_empty() {
            None
        } else {
            Some(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(Duration::from_secs(10))).build())
        };
        Ok(Self {
            smtp,
            from: config.mail_from.clone(),
            sms_url: config.sms_url.clone(),
            sms_key: config.sms_key.expose().to_owned(),
            public_url: config.public_url.clone(),
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?,
        })
    }

    async fn email(&self, to: &str, title: &str, body: &str) -> Result<(), String> {
        let Some(smtp) = &self.smtp else { return Err("e-mail is not configured".into()) };
        let message = Message::builder()
            .from(self.from.parse().map_err(|e| format!("sender: {e}"))?)
            .to(to.parse().map_err(|_| "not an e-mail address".to_owned())?)
            .subject(title)
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .header(ContentTransferEncoding::Base64)
                    .body(body.to_owned()),
            )
            .map_err(|e| e.to_string())?;
        smtp.send(message)
            .await
            .map(|_| ())
            .map_err(|e| if e.is_permanent() { format!("permanent: {e}") } else { e.to_string() })
    }

    async fn sms(&self, to: &str, body: &str) -> Result<(), String> {
        if self.sms_url.is_empty() {
            return Err("SMS is not configured".into());
        }
        let res = self
            .http
            .post(&self.sms_url)
            .header("x-api-key", &self.sms_key)
            .json(&json!({"to": to, "message": body}))
            .send()
            .await
            .map_err(|e| if e.is_timeout() { "timeout".to_owned() } else { "unreachable".to_owned() })?;
        match res.status().as_u16() {
            200..=299 => Ok(()),
            s @ 400..=499 if s != 429 => Err(format!("permanent: HTTP {s}")),
            s => Err(format!("HTTP {s}")),
        }
    }
}

/// At most this many attempts, then the delivery is `failed` (the in-app notice stays).
const MAX_ATTEMPTS: i32 = 8;

/// Sends one batch of due deliveries; answers how many it handled.
pub async fn deliver_batch(db: &PgPool, sender: &Sender) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let batch: Vec<(i64, String, String, String, String, String, i32)> = sqlx::query_as(
        "SELECT d.id, d.channel, d.recipient, n.title, n.body, n.link, d.attempts
           FROM notification_delivery d JOIN notification n ON n.id = d.notification_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          ORDER BY d.id LIMIT 20 FOR UPDATE OF d SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (id, channel, to, title, body, link, attempts) in &batch {
        let body = format!("{body} Xem chi tiết: {}{link}", sender.public_url);
        let sent = match channel.as_str() {
            "email" => sender.email(to, title, &body).await,
            _ => sender.sms(to, &format!("{title}. {body}")).await,
        };
        match sent {
            Ok(()) => {
                sqlx::query("UPDATE notification_delivery SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Err(error) => {
                let give_up = error.starts_with("permanent") || attempts + 1 >= MAX_ATTEMPTS;
                tracing::warn!(delivery_id = id, channel, error, give_up, "notification not sent");
                let wait = 2f64.powi((attempts + 1).min(12)) * 5.0;
                sqlx::query(
                    "UPDATE notification_delivery SET attempts = attempts + 1, last_error = $2,
                            status = CASE WHEN $3 THEN 'failed' ELSE 'pending' END,
                            next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1",
                )
                .bind(id)
                .bind(&error)
                .bind(give_up)
                .bind(wait)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(batch.len())
}

/// The loop `serve` runs.
pub async fn run(db: PgPool, sender: Sender) {
    loop {
        match deliver_batch(&db, &sender).await {
            Ok(0) => tokio::time::sleep(Duration::from_secs(1)).await,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "notification worker failed; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct NotificationView {
    pub id: i64,
    pub dossier_id: Uuid,
    pub dossier_code: String,
    /// `tiep_nhan`, `bo_sung`, `thanh_toan`, `hen_lai` or `co_ket_qua`.
    pub event: String,
    pub title: String,
    pub body: String,
    /// Where to go on this site (a path).
    pub link: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn facts<'a>(items: &'a [String], reason: Option<&'a str>) -> Facts<'a> {
        Facts {
            code: "000.00.14.H56-261123-0001",
            procedure: "Cấp Giấy xác nhận tình trạng hôn nhân",
            due_at: Some(datetime!(2026-11-30 10:00 UTC)),
            fees_total: 1_250_000,
            reason,
            items,
        }
    }

    #[test]
    fn notices_name_the_dossier_and_say_what_to_do() {
        let items = vec!["Bản sao giấy khai sinh".to_owned()];
        let n = notice(Action::RequestSupplement, &facts(&items, Some("Thiếu giấy tờ"))).expect("notice");
        assert_eq!(n.event, "bo_sung");
        assert!(n.title.contains("000.00.14.H56-261123-0001"));
        assert!(n.body.contains("Cần bổ sung: Bản sao giấy khai sinh.") && n.body.contains("Lý do: Thiếu giấy tờ."));
        let n = notice(Action::Accept, &facts(&[], None)).expect("notice");
        assert!(n.body.contains("Ngày hẹn trả kết quả: 30/11/2026."), "{}", n.body);
        let n = notice(Action::RequestPayment, &facts(&[], None)).expect("notice");
        assert!(n.body.contains("1.250.000\u{a0}₫"), "{}", n.body);
        assert!(notice(Action::HandOver, &facts(&[], None)).is_none(), "internal steps are not notified");
    }

    #[test]
    fn amounts_in_vietnamese_format() {
        assert_eq!(vnd(0), "0\u{a0}₫");
        assert_eq!(vnd(10_000), "10.000\u{a0}₫");
        assert_eq!(vnd(7_000_000), "7.000.000\u{a0}₫");
    }
}
