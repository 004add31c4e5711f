//! The national population database (CSDLQG về dân cư), reached through the sharing platform
//! (interop.md §1–§2): a client-credentials token, cached until shortly before it expires and fetched
//! again once on a 401; then `ChiaSeThongTinCongDan`.
//!
//! Fail-closed: a timeout, a 5xx, a malformed answer or a missing configuration is `Unknown`, never
//! `Verified`. Every lookup is recorded (who asked, why, masked ID, result) in `population_lookup`.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use tokio::sync::Mutex;

use crate::config::Secret;

/// What the population database said.
#[derive(Debug, Clone, PartialEq)]
pub enum Verification {
    /// The person exists with this ID, name (and birth date, when given).
    Verified(serde_json::Value),
    /// The database answered: no such person with these details.
    NotFound,
    /// No trustworthy answer (down, slow, error, not configured).
    Unknown(&'static str),
}

impl Verification {
    fn result(&self) -> &'static str {
        match self {
            Self::Verified(_) => "verified",
            Self::NotFound => "not_found",
            Self::Unknown(_) => "unknown",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// `MOTCUA_PLATFORM_URL`: the sharing platform's base URL; empty disables every call (fail-closed).
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
}

pub struct Population {
    config: PlatformConfig,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
}

/// `001******345`: the first 3 and last 3 digits, for logs and records.
pub fn mask(personal_id: &str) -> String {
    if personal_id.len() == 12 && personal_id.is_ascii() {
        format!("{}******{}", &personal_id[..3], &personal_id[9..])
    } else {
        "************".to_owned()
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct LookupAnswer {
    #[serde(rename = "TonTai")]
    exists: String,
    #[serde(rename = "CongDan", default)]
    person: Option<serde_json::Value>,
}

enum Call {
    Answer(LookupAnswer),
    Unauthorized,
    Failed(&'static str),
}

impl Population {
    pub fn new(config: PlatformConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self { config, http, token: Mutex::new(None) })
    }

    async fn token(&self, fresh: bool) -> Option<String> {
        let mut cached = self.token.lock().await;
        if !fresh
            && let Some((t, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Some(t.clone());
        }
        let res = self
            .http
            .post(format!("{}/oauth2/token", self.config.base_url))
            .basic_auth(&self.config.client_id, Some(self.config.client_secret.expose()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .ok()?;
        if !res.status().is_success() {
            tracing::warn!(status = res.status().as_u16(), "platform token refused");
            return None;
        }
        let answer: TokenAnswer = res.json().await.ok()?;
        // Renew a minute before expiry.
        let ttl = Duration::from_secs(answer.expires_in.unwrap_or(300).saturating_sub(60).max(10));
        *cached = Some((answer.access_token.clone(), Instant::now() + ttl));
        Some(answer.access_token)
    }

    async fn call(&self, token: &str, body: &serde_json::Value) -> Call {
        let res = match self
            .http
            .post(format!("{}/csdldancu/ChiaSeThongTinCongDan", self.config.base_url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Call::Failed("timeout"),
            Err(_) => return Call::Failed("unreachable"),
        };
        match res.status().as_u16() {
            200 => match res.json::<LookupAnswer>().await {
                Ok(a) => Call::Answer(a),
                Err(_) => Call::Failed("malformed_answer"),
            },
            401 => Call::Unauthorized,
            s if s >= 500 => Call::Failed("server_error"),
            429 => Call::Failed("rate_limited"),
            _ => Call::Failed("refused"),
        }
    }

    /// Asks whether the person exists. `purpose` is the procedure code or `SIGNIN`; `requested_by` is
    /// `CONGDAN` (the citizen themself) or the staff id. The lookup is recorded whatever the answer.
    pub async fn verify(
        &self,
        db: &PgPool,
        personal_id: &str,
        full_name: &str,
        birth_date_yyyymmdd: Option<&str>,
        purpose: &str,
        requested_by: &str,
    ) -> Verification {
        let verdict = self.ask(personal_id, full_name, birth_date_yyyymmdd, purpose, requested_by).await;
        let recorded = sqlx::query(
            "INSERT INTO population_lookup (requested_by, purpose, personal_id, result) VALUES ($1, $2, $3, $4)",
        )
        .bind(requested_by)
        .bind(purpose)
        .bind(mask(personal_id))
        .bind(verdict.result())
        .execute(db)
        .await;
        if let Err(e) = recorded {
            // No record, no answer: a lookup the police cannot audit is not used.
            tracing::error!(error = %e, "population lookup could not be recorded");
            return Verification::Unknown("not_recorded");
        }
        verdict
    }

    async fn ask(
        &self,
        personal_id: &str,
        full_name: &str,
        birth_date: Option<&str>,
        purpose: &str,
        requested_by: &str,
    ) -> Verification {
        if self.config.base_url.is_empty() {
            return Verification::Unknown("not_configured");
        }
        let mut body = json!({
            "MaYeuCau": uuid::Uuid::new_v4().to_string(),
            "MaDVC": purpose,
            "MaCanBo": requested_by,
            "SoDinhDanh": personal_id,
            "HoVaTen": full_name,
        });
        if let Some(d) = birth_date {
            body["NgayThangNamSinh"] = json!(d);
        }
        let Some(token) = self.token(false).await else { return Verification::Unknown("no_token") };
        let mut outcome = self.call(&token, &body).await;
        if matches!(outcome, Call::Unauthorized) {
            // The token was revoked or expired early: fetch a new one once and retry once (interop.md §1).
            let Some(token) = self.token(true).await else { return Verification::Unknown("no_token") };
            outcome = self.call(&token, &body).await;
        }
        match outcome {
            Call::Answer(a) if a.exists == "true" => Verification::Verified(a.person.unwrap_or_default()),
            Call::Answer(a) if a.exists == "false" => Verification::NotFound,
            Call::Answer(_) => Verification::Unknown("malformed_answer"),
            Call::Unauthorized => Verification::Unknown("unauthorized"),
            Call::Failed(why) => {
                tracing::warn!(reason = why, masked_id = %mask(personal_id), "population lookup failed");
                Verification::Unknown(why)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_personal_ids() {
        assert_eq!(mask("001090012345"), "001******345");
        assert_eq!(mask("12345"), "************");
    }
}
