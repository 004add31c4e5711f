//! The sharing platform (LGSP/NDXP, interop.md §1): one HTTP client for every outbound call. A token by
//! client credentials, cached until a minute before it expires; on a 401 from a business call, a new token
//! is fetched once and the call retried once. Timeouts on every call.

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::Secret;

#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// `MOTCUA_PLATFORM_URL`: the sharing platform's base URL; empty disables every call.
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
}

pub struct PlatformClient {
    config: PlatformConfig,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
}

/// Why a call produced no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallError {
    NotConfigured,
    NoToken,
    Timeout,
    Unreachable,
}

impl CallError {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotConfigured => "not_configured",
            Self::NoToken => "no_token",
            Self::Timeout => "timeout",
            Self::Unreachable => "unreachable",
        }
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl PlatformClient {
    pub fn new(config: PlatformConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self { config, http, token: Mutex::new(None) })
    }

    pub fn base_url(&self) -> &str {
        &self.config.base_url
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
        let ttl = Duration::from_secs(answer.expires_in.unwrap_or(300).saturating_sub(60).max(10));
        *cached = Some((answer.access_token.clone(), Instant::now() + ttl));
        Some(answer.access_token)
    }

    async fn send(&self, path: &str, token: &str, body: &serde_json::Value) -> Result<reqwest::Response, CallError> {
        self.http
            .post(format!("{}{path}", self.config.base_url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .map_err(|e| if e.is_timeout() { CallError::Timeout } else { CallError::Unreachable })
    }

    /// POSTs `body` as JSON to `path` with a bearer token (a fresh one once after a 401).
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Result<reqwest::Response, CallError> {
        if self.config.base_url.is_empty() {
            return Err(CallError::NotConfigured);
        }
        let token = self.token(false).await.ok_or(CallError::NoToken)?;
        let res = self.send(path, &token, body).await?;
        if res.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(res);
        }
        let token = self.token(true).await.ok_or(CallError::NoToken)?;
        self.send(path, &token, body).await
    }
}
