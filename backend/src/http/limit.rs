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

use super::error::{ApiError, ErrorCode};

const WINDOW: Duration = Duration::from_secs(60);

/// (bucket, key) → (window start, requests in the window).
type Windows = HashMap<(&'static str, String), (Instant, u32)>;

#[derive(Default)]
pub struct Limiter {
    windows: Mutex<Windows>,
}

impl Limiter {
    /// Counts one request of `key` in `bucket`; refuses past `per_minute`.
    pub fn check(&self, bucket: &'static str, key: &str, per_minute: u32) -> Result<(), ApiError> {
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
