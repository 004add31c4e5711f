//! The sharing platform (LGSP/NDXP, interop.md §1): one HTTP client for every outbound call.
//!
//! - A token by client credentials, cached until a minute before it expires; on a 401 from a business call,
//!   a new token is fetched once and the call retried once (the only retry here: callers decide the rest).
//! - A timeout on every call (`MOTCUA_PLATFORM_TIMEOUT_MS`).
//! - A circuit breaker per destination (the first path segment: `csdldancu`, `dvcqg`, `paygov`): after
//!   `MOTCUA_PLATFORM_BREAKER_FAILURES` consecutive failures (timeout, unreachable, 5xx) it opens and calls fail
//!   at once with [`CallError::CircuitOpen`]; after `MOTCUA_PLATFORM_BREAKER_OPEN_SECS` one trial call is let
//!   through: a success closes it, a failure opens it again. Per instance, in memory: a breaker protects this
//!   process's threads and users, it is not shared state.
//! - Every exchange is written to `exchange_log` (time, peer, operation, digests of the bodies, status,
//!   result, duration, subject), never the bodies: they carry personal data.

use std::{
    collections::BTreeMap,
    sync::Mutex as StdMutex,
    time::{Duration, Instant},
};

use serde::{Deserialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio::sync::Mutex;

use crate::config::Secret;

#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// `MOTCUA_PLATFORM_URL`: the sharing platform's base URL; empty disables every call.
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub timeout: Duration,
    pub breaker_failures: u32,
    pub breaker_open: Duration,
}

/// Why a call produced no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallError {
    NotConfigured,
    NoToken,
    Timeout,
    Unreachable,
    /// The destination failed repeatedly; calls are refused until its trial call succeeds.
    CircuitOpen,
}

impl CallError {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotConfigured => "not_configured",
            Self::NoToken => "no_token",
            Self::Timeout => "timeout",
            Self::Unreachable => "unreachable",
            Self::CircuitOpen => "circuit_open",
        }
    }
}

/// An answer from the platform, read whole.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// `Retry-After` in seconds, when given as a number.
    pub retry_after: Option<u64>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

#[derive(Debug, Default)]
struct Breaker {
    failures: u32,
    open_until: Option<Instant>,
    trial_in_flight: bool,
}

pub struct PlatformClient {
    config: PlatformConfig,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
    breakers: StdMutex<BTreeMap<String, Breaker>>,
    /// Where exchanges are logged (absent in unit tests).
    db: Option<PgPool>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::objects::hex(&Sha256::digest(bytes))
}

/// One exchange, as `exchange_log` keeps it.
pub struct Exchange<'a> {
    pub direction: &'a str,
    pub peer: &'a str,
    pub operation: &'a str,
    pub request: Option<&'a [u8]>,
    pub response: Option<&'a [u8]>,
    pub http_status: Option<u16>,
    pub result: &'a str,
    pub duration: Duration,
    pub subject: Option<&'a str>,
}

/// Writes one exchange to `exchange_log`; a failure to log is logged, not raised (the exchange happened).
pub async fn log_exchange(db: &PgPool, e: &Exchange<'_>) {
    let written = sqlx::query(
        "INSERT INTO exchange_log (direction, peer, operation, request_sha256, response_sha256, http_status, result,
                                   duration_ms, subject)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.direction)
    .bind(e.peer)
    .bind(e.operation)
    .bind(e.request.map(sha256_hex))
    .bind(e.response.map(sha256_hex))
    .bind(e.http_status.map(|s| s as i16))
    .bind(e.result)
    .bind(e.duration.as_millis().min(i32::MAX as u128) as i32)
    .bind(e.subject)
    .execute(db)
    .await;
    if let Err(err) = written {
        tracing::error!(error = %err, peer = e.peer, operation = e.operation, "exchange could not be logged");
    }
}

impl PlatformClient {
    pub fn new(config: PlatformConfig, db: Option<PgPool>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2).min(config.timeout))
            .timeout(config.timeout)
            .build()?;
        // The destinations we call, known from the start so `/metrics` shows their circuits before the first call.
        let breakers =
            ["csdldancu", "dvcqg", "paygov"].into_iter().map(|p| (p.to_owned(), Breaker::default())).collect();
        Ok(Self { config, http, token: Mutex::new(None), breakers: StdMutex::new(breakers), db })
    }

    /// The client the configuration describes, logging its exchanges to `db`.
    pub fn from_config(config: &crate::config::Config, db: Option<PgPool>) -> anyhow::Result<Self> {
        Self::new(
            PlatformConfig {
                base_url: config.platform_url.clone(),
                client_id: config.platform_client_id.clone(),
                client_secret: config.platform_client_secret.clone(),
                timeout: config.platform_timeout,
                breaker_failures: config.platform_breaker_failures,
                breaker_open: config.platform_breaker_open,
            },
            db,
        )
    }

    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// Each destination whose circuit is open now.
    pub fn open_circuits(&self) -> Vec<String> {
        let now = Instant::now();
        self.breakers
            .lock()
            .map(|b| b.iter().filter(|(_, v)| v.open_until.is_some_and(|u| u > now)).map(|(k, _)| k.clone()).collect())
            .unwrap_or_default()
    }

    /// Every destination the breaker has seen, with whether its circuit is open (for `/metrics`).
    pub fn circuits(&self) -> Vec<(String, bool)> {
        let now = Instant::now();
        self.breakers
            .lock()
            .map(|b| b.iter().map(|(k, v)| (k.clone(), v.open_until.is_some_and(|u| u > now))).collect())
            .unwrap_or_default()
    }

    /// Whether a call to `peer` may go out now (closed circuit, or the one trial call of an open one).
    fn admit(&self, peer: &str) -> bool {
        let Ok(mut map) = self.breakers.lock() else { return true };
        let b = map.entry(peer.to_owned()).or_default();
        match b.open_until {
            None => true,
            Some(until) if Instant::now() < until => false,
            Some(_) if b.trial_in_flight => false,
            Some(_) => {
                b.trial_in_flight = true;
                true
            }
        }
    }

    fn record(&self, peer: &str, healthy: bool) {
        let Ok(mut map) = self.breakers.lock() else { return };
        let b = map.entry(peer.to_owned()).or_default();
        b.trial_in_flight = false;
        if healthy {
            if b.open_until.is_some() {
                tracing::info!(peer, "circuit closed: the destination answers again");
            }
            *b = Breaker::default();
            return;
        }
        b.failures = b.failures.saturating_add(1);
        if b.failures >= self.config.breaker_failures || b.open_until.is_some() {
            if b.open_until.is_none_or(|u| u <= Instant::now()) {
                tracing::warn!(peer, failures = b.failures, "circuit opened: calls are refused for a while");
            }
            b.open_until = Some(Instant::now() + self.config.breaker_open);
        }
    }

    async fn token(&self, fresh: bool) -> Option<String> {
        let mut cached = self.token.lock().await;
        if !fresh
            && let Some((t, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Some(t.clone());
        }
        let started = Instant::now();
        let res = self
            .http
            .post(format!("{}/oauth2/token", self.config.base_url))
            .basic_auth(&self.config.client_id, Some(self.config.client_secret.expose()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await;
        let (status, answer) = match res {
            Ok(r) => {
                let status = r.status().as_u16();
                (Some(status), if status == 200 { r.json::<TokenAnswer>().await.ok() } else { None })
            }
            Err(_) => (None, None),
        };
        if let Some(db) = &self.db {
            let result = match (status, &answer) {
                (_, Some(_)) => "ok",
                (Some(_), None) => "http_error",
                (None, _) => "unreachable",
            };
            let e = Exchange {
                direction: "outbound",
                peer: "oauth2",
                operation: "token",
                request: None,
                response: None,
                http_status: status,
                result,
                duration: started.elapsed(),
                subject: None,
            };
            log_exchange(db, &e).await;
        }
        let Some(answer) = answer else {
            tracing::warn!(status, "platform token refused or unreachable");
            return None;
        };
        let ttl = Duration::from_secs(answer.expires_in.unwrap_or(300).saturating_sub(60).max(10));
        *cached = Some((answer.access_token.clone(), Instant::now() + ttl));
        Some(answer.access_token)
    }

    async fn send(&self, path: &str, token: &str, body: &[u8]) -> Result<Answer, CallError> {
        let res = self
            .http
            .post(format!("{}{path}", self.config.base_url))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| if e.is_timeout() { CallError::Timeout } else { CallError::Unreachable })?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body =
            res.bytes().await.map_err(|e| if e.is_timeout() { CallError::Timeout } else { CallError::Unreachable })?;
        Ok(Answer { status, retry_after, body: body.to_vec() })
    }

    /// POSTs `body` as JSON to `path` (e.g. `/dvcqg/DongBoHoSoMC`) with a bearer token (a fresh one once
    /// after a 401), through the destination's circuit breaker, and logs the exchange. `subject` names what
    /// the call is about, without personal data (a dossier code, a payment reference).
    pub async fn post(&self, path: &str, body: &serde_json::Value, subject: Option<&str>) -> Result<Answer, CallError> {
        let path_only = path.trim_start_matches('/');
        let peer = path_only.split('/').next().unwrap_or_default().to_owned();
        let operation = path_only.rsplit('/').next().unwrap_or_default().to_owned();
        let operation = match body.get("LoaiBanTin").and_then(serde_json::Value::as_str) {
            Some(kind) => kind.to_owned(),
            None => operation,
        };
        let request = serde_json::to_vec(body).unwrap_or_default();
        let started = Instant::now();
        let outcome = self.call(&peer, path, &request).await;
        if let Some(db) = &self.db {
            let (status, response, result) = match &outcome {
                Ok(a) if (200..300).contains(&a.status) => (Some(a.status), Some(a.body.as_slice()), "ok"),
                Ok(a) => (Some(a.status), Some(a.body.as_slice()), "http_error"),
                Err(e) => (None, None, e.code()),
            };
            let e = Exchange {
                direction: "outbound",
                peer: &peer,
                operation: &operation,
                request: Some(&request),
                response,
                http_status: status,
                result,
                duration: started.elapsed(),
                subject,
            };
            log_exchange(db, &e).await;
        }
        outcome
    }

    async fn call(&self, peer: &str, path: &str, request: &[u8]) -> Result<Answer, CallError> {
        if self.config.base_url.is_empty() {
            return Err(CallError::NotConfigured);
        }
        if !self.admit(peer) {
            return Err(CallError::CircuitOpen);
        }
        let outcome = async {
            let token = self.token(false).await.ok_or(CallError::NoToken)?;
            let answer = self.send(path, &token, request).await?;
            if answer.status != 401 {
                return Ok(answer);
            }
            let token = self.token(true).await.ok_or(CallError::NoToken)?;
            self.send(path, &token, request).await
        }
        .await;
        let healthy = match &outcome {
            Ok(a) => a.status < 500,
            Err(CallError::Timeout | CallError::Unreachable) => false,
            // No token says nothing about the destination: release a trial without judging it.
            Err(_) => true,
        };
        self.record(peer, healthy);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(failures: u32, open_ms: u64) -> PlatformClient {
        PlatformClient::new(
            PlatformConfig {
                base_url: "http://127.0.0.1:9".into(),
                client_id: "x".into(),
                client_secret: Secret::new("y"),
                timeout: Duration::from_millis(200),
                breaker_failures: failures,
                breaker_open: Duration::from_millis(open_ms),
            },
            None,
        )
        .expect("client")
    }

    #[test]
    fn the_breaker_opens_after_consecutive_failures_and_lets_one_trial_through() {
        let c = client(3, 50);
        for _ in 0..2 {
            assert!(c.admit("csdldancu"));
            c.record("csdldancu", false);
        }
        assert!(c.admit("csdldancu"), "two failures: still closed");
        c.record("csdldancu", false);
        assert!(!c.admit("csdldancu"), "third failure opens it");
        assert!(c.admit("dvcqg"), "other destinations are not affected");
        assert_eq!(c.open_circuits(), vec!["csdldancu".to_owned()]);
        std::thread::sleep(Duration::from_millis(60));
        assert!(c.admit("csdldancu"), "after the open period: one trial");
        assert!(!c.admit("csdldancu"), "only one trial at a time");
        c.record("csdldancu", false);
        assert!(!c.admit("csdldancu"), "the trial failed: open again");
        std::thread::sleep(Duration::from_millis(60));
        assert!(c.admit("csdldancu"));
        c.record("csdldancu", true);
        assert!(c.admit("csdldancu") && c.admit("csdldancu"), "the trial succeeded: closed");
        assert!(c.open_circuits().is_empty());
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let c = client(2, 1000);
        c.record("paygov", false);
        c.record("paygov", true);
        c.record("paygov", false);
        assert!(c.admit("paygov"), "failures must be consecutive");
    }

    #[test]
    fn digests_are_lowercase_hex_sha256() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
