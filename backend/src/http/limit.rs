//! Rate limits per client address (and per client) on sign-in, public lookup and submission.
//!
//! Fixed one-minute windows kept in this instance's memory: behind a load balancer each instance
//! enforces its own share, which is enough against enumeration and credential stuffing; a shared
//! limit would go through PostgreSQL or the proxy. Answers 429 `rate_limited` with `Retry-After`.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

use super::{
    AppState,
    error::{ApiError, ErrorCode},
};

/// The client's address: the peer, or — when the peer is one of `MOTCUA_TRUSTED_PROXIES` — the last address in
/// `X-Forwarded-For` that is not a trusted proxy. Without trusted proxies the header is ignored (anyone can send it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The pure rule behind [`ClientIp`].
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(chain) = forwarded_for else { return peer };
    chain
        .rsplit(',')
        .map(str::trim)
        .map_while(|a| a.parse::<IpAddr>().ok())
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no peer address (serve with connect info)")))?;
        let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        Ok(Self(client_ip(peer, forwarded, &state.config.trusted_proxies)))
    }
}

const WINDOW: Duration = Duration::from_secs(60);

/// (bucket, key) → (window start, requests in the window).
type Windows = HashMap<(&'static str, String), (Instant, u32)>;

#[derive(Default)]
pub struct Limiter {
    windows: Mutex<Windows>,
    /// `MOTCUA_BENCH_WITHOUT=limits` (benchmark mode on loopback only): every request passes uncounted.
    off: bool,
}

impl Limiter {
    pub fn new(off: bool) -> Self {
        Self { windows: Mutex::default(), off }
    }

    /// Counts one request of `key` in `bucket`; refuses past `per_minute`.
    pub fn check(&self, bucket: &'static str, key: &str, per_minute: u32) -> Result<(), ApiError> {
        if self.off {
            return Ok(());
        }
        let now = Instant::now();
        let Ok(mut windows) = self.windows.lock() else { return Ok(()) };
        if windows.len() > 50_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry((bucket, key.to_owned())).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > per_minute {
            let retry = WINDOW.saturating_sub(now.duration_since(entry.0)).as_secs().max(1);
            return Err(
                ApiError::new(ErrorCode::RateLimited, "too many requests; try again later").with_retry_after(retry)
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_address_comes_from_trusted_proxies_only() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let proxy = [ip("10.0.0.5")];
        assert_eq!(client_ip(ip("203.0.113.9"), Some("1.2.3.4"), &proxy), ip("203.0.113.9"), "untrusted peer");
        assert_eq!(client_ip(ip("10.0.0.5"), Some("1.2.3.4"), &[]), ip("10.0.0.5"), "no trusted proxies");
        assert_eq!(client_ip(ip("10.0.0.5"), Some("9.9.9.9, 1.2.3.4"), &proxy), ip("1.2.3.4"), "the last hop");
        assert_eq!(client_ip(ip("10.0.0.5"), Some("1.2.3.4, 10.0.0.5"), &proxy), ip("1.2.3.4"), "skips proxies");
        assert_eq!(client_ip(ip("10.0.0.5"), Some("garbage"), &proxy), ip("10.0.0.5"));
        assert_eq!(client_ip(ip("10.0.0.5"), None, &proxy), ip("10.0.0.5"));
    }

    #[test]
    fn refuses_past_the_limit_per_key() {
        let l = Limiter::default();
        for _ in 0..3 {
            assert!(l.check("signin", "10.0.0.1", 3).is_ok());
        }
        let err = l.check("signin", "10.0.0.1", 3).expect_err("fourth refused");
        assert_eq!(err.code(), ErrorCode::RateLimited);
        assert!(l.check("signin", "10.0.0.2", 3).is_ok(), "another address has its own window");
        assert!(l.check("lookup", "10.0.0.1", 3).is_ok(), "another bucket has its own window");
    }
}
