//! Configuration from environment variables, with safe defaults for a local run.
//! Every variable is listed in the README's configuration table; secrets are wrapped in
//! [`Secret`] so that `Debug` and logs never show them.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `MOTCUA_DATABASE_URL`: PostgreSQL connection string (may hold a password: secret).
    pub database_url: Secret,
    /// `MOTCUA_DB_MAX_CONNECTIONS`.
    pub db_max_connections: u32,
    /// `MOTCUA_DB_ACQUIRE_TIMEOUT_MS`: how long a request waits for a pooled connection before 503.
    pub db_acquire_timeout: Duration,
    /// `MOTCUA_LISTEN`: address to listen on.
    pub listen: SocketAddr,
    /// `MOTCUA_PUBLIC_URL`: the address citizens use (links in PDFs, QR codes, emails). `https://` turns on HSTS.
    pub public_url: String,
    /// `MOTCUA_STATIC_DIR`: the built frontend.
    pub static_dir: PathBuf,
    /// `MOTCUA_MIGRATE_ON_START`: `serve` applies pending migrations before listening.
    pub migrate_on_start: bool,
    /// `MOTCUA_BODY_LIMIT_BYTES`: largest request body accepted (uploads included).
    pub body_limit_bytes: usize,
    /// `MOTCUA_REQUEST_TIMEOUT_SECS`: a request running longer is answered 504 `timeout`.
    pub request_timeout: Duration,
    /// `MOTCUA_SHUTDOWN_GRACE_SECS`: on SIGTERM, how long in-flight requests get to finish.
    pub shutdown_grace: Duration,
    /// `MOTCUA_LOG_FORMAT`: `json` (default) or `pretty`.
    pub log_format: LogFormat,
    /// `MOTCUA_LOG` (or `RUST_LOG`): tracing filter, default `info`.
    pub log_filter: String,
    /// `MOTCUA_SESSION_IDLE_MINUTES`: a session unused this long ends.
    pub session_idle: Duration,
    /// `MOTCUA_SESSION_MAX_HOURS`: a session ends this long after sign-in, however active.
    pub session_absolute: Duration,
    /// `MOTCUA_OBJECT_DIR`: where attachment bytes are stored (local filesystem object store).
    pub object_dir: PathBuf,
    /// `MOTCUA_UPLOAD_LIMIT_BYTES`: largest single attachment.
    pub upload_limit_bytes: usize,
    /// `MOTCUA_PLATFORM_JWKS_URL`: the sharing platform's signing keys (JWKS), for the tokens the national portal presents.
    pub platform_jwks_url: String,
    /// `MOTCUA_PLATFORM_ISSUER`: the `iss` those tokens must carry, exactly.
    pub platform_issuer: String,
    /// `MOTCUA_PLATFORM_AUDIENCE`: our client id at the platform; the tokens' `aud` must contain it.
    pub platform_audience: String,
    /// `MOTCUA_PLATFORM_JWKS_REFETCH_SECS`: at most one JWKS fetch per this interval (a token naming an unknown
    /// key triggers one), so a flood of made-up key ids cannot hammer the platform.
    pub platform_jwks_refetch: Duration,
    /// `MOTCUA_PLATFORM_URL`: the sharing platform's base URL for our outbound calls (population database,
    /// ...); empty disables them, and every lookup then answers "unknown" (fail-closed).
    pub platform_url: String,
    /// `MOTCUA_PLATFORM_CLIENT_ID` / `MOTCUA_PLATFORM_CLIENT_SECRET`: our client credentials at the platform.
    pub platform_client_id: String,
    pub platform_client_secret: Secret,
    /// `MOTCUA_PLATFORM_TIMEOUT_MS`: how long one outbound call may take before it counts as a timeout.
    pub platform_timeout: Duration,
    /// `MOTCUA_PLATFORM_BREAKER_FAILURES`: consecutive failures (timeout, unreachable, 5xx) to one destination
    /// that open its circuit.
    pub platform_breaker_failures: u32,
    /// `MOTCUA_PLATFORM_BREAKER_OPEN_SECS`: how long an open circuit refuses calls before one trial call.
    pub platform_breaker_open: Duration,
    /// `MOTCUA_PAYGOV_PARTNER` / `MOTCUA_PAYGOV_SECRET`: our partner code (MaDoiTac) at the payment platform and
    /// the shared secret of its `MaXacThuc` signatures.
    pub paygov_partner: String,
    pub paygov_secret: Secret,
    /// `MOTCUA_PAYMENT_QUERY_SECS`: a payment still pending this long after it began is QUERYed (lost callbacks).
    pub payment_query_after: Duration,
    /// `MOTCUA_RECONCILE_AT`: local time (`HH:MM`, Vietnam time) of the daily reconciliation with the portal.
    pub reconcile_at: (u8, u8),
    /// `MOTCUA_SMTP_URL`: where notification e-mails go (`smtp://host:port` plain, `smtps://` or
    /// `smtp://...?tls=required` with TLS, user:password in the URL); empty disables e-mail.
    pub smtp_url: Secret,
    /// `MOTCUA_MAIL_FROM`: the sender of notification e-mails.
    pub mail_from: String,
    /// `MOTCUA_SMS_URL` / `MOTCUA_SMS_KEY`: the SMS gateway (`POST {to, message}` with `x-api-key`); empty URL
    /// disables SMS.
    pub sms_url: String,
    pub sms_key: Secret,
    /// `MOTCUA_EID_ISSUER`, `MOTCUA_EID_CLIENT_ID`, `MOTCUA_EID_CLIENT_SECRET`: the citizen eID provider.
    pub eid: crate::eid::ProviderConfig,
    /// `MOTCUA_STAFF_ISSUER`, `MOTCUA_STAFF_CLIENT_ID`, `MOTCUA_STAFF_CLIENT_SECRET`: the staff identity provider.
    pub staff_idp: crate::eid::ProviderConfig,
    /// `MOTCUA_TRUSTED_PROXIES`: comma-separated addresses of the reverse proxies in front of this service; from
    /// them (only), `X-Forwarded-For` names the client address that rate limits and logs use.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `MOTCUA_SIGNIN_PER_MINUTE`: sign-in attempts allowed per client address per minute.
    pub signin_per_minute: u32,
    /// `MOTCUA_LOOKUPS_PER_MINUTE`: public status lookups allowed per client address per minute (default 20:
    /// enough for a family checking its dossiers, too few to enumerate codes).
    pub lookups_per_minute: u32,
    /// `MOTCUA_SUBMISSIONS_PER_MINUTE`: online submissions one caller may make per minute (per instance).
    pub submissions_per_minute: u32,
    /// `MOTCUA_NATIONAL_PER_MINUTE`: requests per minute one national client may make (per instance; default 600:
    /// well above the portal's polling needs, low enough that a runaway client cannot starve citizens).
    pub national_per_minute: u32,
    /// `MOTCUA_BENCH` / `MOTCUA_BENCH_WITHOUT`: benchmark mode (`scripts/bench.sh` only, refused unless the
    /// service listens on loopback).
    pub bench: Bench,
}

/// Benchmark mode: `MOTCUA_BENCH=1` mounts `POST /_bench/discard` (reads the body and drops it, the yardstick of
/// the upload benchmark); `MOTCUA_BENCH_WITHOUT=audit,limits` switches security features off to measure what
/// they cost. Never in production: `serve` refuses it on a non-loopback address and warns at every start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bench {
    pub enabled: bool,
    pub without_audit: bool,
    pub without_limits: bool,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get`, so tests can supply their own variables.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        fn parse<T: FromStr>(name: &str, v: Option<String>, default: T) -> anyhow::Result<T>
        where
            T::Err: fmt::Display,
        {
            match v {
                None => Ok(default),
                Some(s) => s.trim().parse().map_err(|e| anyhow::anyhow!("{name}: cannot parse {s:?}: {e}")),
            }
        }
        let listen: SocketAddr =
            parse("MOTCUA_LISTEN", var("MOTCUA_LISTEN"), SocketAddr::from(([127, 0, 0, 1], 8080)))?;
        let log_format = match var("MOTCUA_LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => anyhow::bail!("MOTCUA_LOG_FORMAT: expected json or pretty, got {other:?}"),
        };
        Ok(Self {
            database_url: Secret::new(
                var("MOTCUA_DATABASE_URL").unwrap_or_else(|| "postgres://postgres@127.0.0.1:55432/motcua".into()),
            ),
            db_max_connections: parse("MOTCUA_DB_MAX_CONNECTIONS", var("MOTCUA_DB_MAX_CONNECTIONS"), 16)?,
            db_acquire_timeout: Duration::from_millis(parse(
                "MOTCUA_DB_ACQUIRE_TIMEOUT_MS",
                var("MOTCUA_DB_ACQUIRE_TIMEOUT_MS"),
                3000,
            )?),
            listen,
            public_url: var("MOTCUA_PUBLIC_URL")
                .unwrap_or_else(|| format!("http://{listen}"))
                .trim_end_matches('/')
                .to_owned(),
            static_dir: PathBuf::from(var("MOTCUA_STATIC_DIR").unwrap_or_else(|| "frontend/build".into())),
            migrate_on_start: parse("MOTCUA_MIGRATE_ON_START", var("MOTCUA_MIGRATE_ON_START"), false)?,
            body_limit_bytes: parse("MOTCUA_BODY_LIMIT_BYTES", var("MOTCUA_BODY_LIMIT_BYTES"), 25 * 1024 * 1024)?,
            request_timeout: Duration::from_secs(parse(
                "MOTCUA_REQUEST_TIMEOUT_SECS",
                var("MOTCUA_REQUEST_TIMEOUT_SECS"),
                30,
            )?),
            shutdown_grace: Duration::from_secs(parse(
                "MOTCUA_SHUTDOWN_GRACE_SECS",
                var("MOTCUA_SHUTDOWN_GRACE_SECS"),
                20,
            )?),
            log_format,
            log_filter: var("MOTCUA_LOG")
                .or_else(|| var("RUST_LOG"))
                .unwrap_or_else(|| "info,sqlx::postgres::notice=warn".into()),
            session_idle: Duration::from_secs(
                60 * parse("MOTCUA_SESSION_IDLE_MINUTES", var("MOTCUA_SESSION_IDLE_MINUTES"), 30u64)?,
            ),
            session_absolute: Duration::from_secs(
                3600 * parse("MOTCUA_SESSION_MAX_HOURS", var("MOTCUA_SESSION_MAX_HOURS"), 12u64)?,
            ),
            object_dir: PathBuf::from(var("MOTCUA_OBJECT_DIR").unwrap_or_else(|| ".data/objects".into())),
            upload_limit_bytes: parse("MOTCUA_UPLOAD_LIMIT_BYTES", var("MOTCUA_UPLOAD_LIMIT_BYTES"), 20 * 1024 * 1024)?,
            platform_jwks_url: var("MOTCUA_PLATFORM_JWKS_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8090/oauth2/jwks".into())
                .trim()
                .to_owned(),
            platform_issuer: var("MOTCUA_PLATFORM_ISSUER")
                .unwrap_or_else(|| "http://127.0.0.1:8090/oauth2".into())
                .trim()
                .to_owned(),
            platform_audience: var("MOTCUA_PLATFORM_AUDIENCE").unwrap_or_else(|| "motcua".into()).trim().to_owned(),
            platform_url: var("MOTCUA_PLATFORM_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8090".into())
                .trim_end_matches('/')
                .to_owned(),
            platform_client_id: var("MOTCUA_PLATFORM_CLIENT_ID").unwrap_or_else(|| "motcua".into()),
            platform_client_secret: Secret::new(
                var("MOTCUA_PLATFORM_CLIENT_SECRET").unwrap_or_else(|| "motcua-dev-secret".into()),
            ),
            platform_timeout: Duration::from_millis(parse(
                "MOTCUA_PLATFORM_TIMEOUT_MS",
                var("MOTCUA_PLATFORM_TIMEOUT_MS"),
                8000u64,
            )?),
            platform_breaker_failures: parse(
                "MOTCUA_PLATFORM_BREAKER_FAILURES",
                var("MOTCUA_PLATFORM_BREAKER_FAILURES"),
                5u32,
            )?
            .max(1),
            platform_breaker_open: Duration::from_secs(parse(
                "MOTCUA_PLATFORM_BREAKER_OPEN_SECS",
                var("MOTCUA_PLATFORM_BREAKER_OPEN_SECS"),
                30u64,
            )?),
            paygov_partner: var("MOTCUA_PAYGOV_PARTNER").unwrap_or_else(|| "MOTCUA".into()),
            paygov_secret: Secret::new(
                var("MOTCUA_PAYGOV_SECRET").unwrap_or_else(|| "motcua-paygov-dev-secret".into()),
            ),
            payment_query_after: Duration::from_secs(parse(
                "MOTCUA_PAYMENT_QUERY_SECS",
                var("MOTCUA_PAYMENT_QUERY_SECS"),
                300u64,
            )?),
            reconcile_at: {
                let v = var("MOTCUA_RECONCILE_AT").unwrap_or_else(|| "23:30".into());
                let parsed = v
                    .split_once(':')
                    .and_then(|(h, m)| Some((h.trim().parse::<u8>().ok()?, m.trim().parse::<u8>().ok()?)))
                    .filter(|(h, m)| *h < 24 && *m < 60);
                parsed.ok_or_else(|| anyhow::anyhow!("MOTCUA_RECONCILE_AT: expected HH:MM, got {v:?}"))?
            },
            smtp_url: Secret::new(var("MOTCUA_SMTP_URL").unwrap_or_else(|| "smtp://127.0.0.1:2525".into())),
            mail_from: var("MOTCUA_MAIL_FROM")
                .unwrap_or_else(|| "Cổng Dịch vụ công <khongtraloi@dichvucong.example.gov.vn>".into()),
            sms_url: var("MOTCUA_SMS_URL").unwrap_or_else(|| "http://127.0.0.1:8090/sms/send".into()),
            sms_key: Secret::new(var("MOTCUA_SMS_KEY").unwrap_or_else(|| "motcua-sms-dev-key".into())),
            eid: crate::eid::ProviderConfig {
                issuer: var("MOTCUA_EID_ISSUER").unwrap_or_else(|| "http://127.0.0.1:8101".into()),
                client_id: var("MOTCUA_EID_CLIENT_ID").unwrap_or_else(|| "motcua".into()),
                client_secret: Secret::new(
                    var("MOTCUA_EID_CLIENT_SECRET").unwrap_or_else(|| "motcua-dev-secret".into()),
                ),
            },
            staff_idp: crate::eid::ProviderConfig {
                issuer: var("MOTCUA_STAFF_ISSUER").unwrap_or_else(|| "http://127.0.0.1:8102".into()),
                client_id: var("MOTCUA_STAFF_CLIENT_ID").unwrap_or_else(|| "motcua".into()),
                client_secret: Secret::new(
                    var("MOTCUA_STAFF_CLIENT_SECRET").unwrap_or_else(|| "motcua-dev-secret".into()),
                ),
            },
            trusted_proxies: var("MOTCUA_TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().map_err(|_| anyhow::anyhow!("MOTCUA_TRUSTED_PROXIES: {s:?} is not an IP address")))
                .collect::<anyhow::Result<_>>()?,
            signin_per_minute: parse("MOTCUA_SIGNIN_PER_MINUTE", var("MOTCUA_SIGNIN_PER_MINUTE"), 30)?,
            lookups_per_minute: parse("MOTCUA_LOOKUPS_PER_MINUTE", var("MOTCUA_LOOKUPS_PER_MINUTE"), 20)?,
            submissions_per_minute: parse("MOTCUA_SUBMISSIONS_PER_MINUTE", var("MOTCUA_SUBMISSIONS_PER_MINUTE"), 20)?,
            national_per_minute: parse("MOTCUA_NATIONAL_PER_MINUTE", var("MOTCUA_NATIONAL_PER_MINUTE"), 600)?,
            bench: bench(var("MOTCUA_BENCH"), var("MOTCUA_BENCH_WITHOUT"))?,
            platform_jwks_refetch: Duration::from_secs(parse(
                "MOTCUA_PLATFORM_JWKS_REFETCH_SECS",
                var("MOTCUA_PLATFORM_JWKS_REFETCH_SECS"),
                10,
            )?),
        })
    }

    /// Refuses benchmark mode anywhere but on loopback.
    pub fn check_bench(&self) -> anyhow::Result<()> {
        if self.bench.enabled && !self.listen.ip().is_loopback() {
            anyhow::bail!("MOTCUA_BENCH is for benchmarks on loopback only; MOTCUA_LISTEN is {}", self.listen);
        }
        Ok(())
    }

    pub fn tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn bench(on: Option<String>, without: Option<String>) -> anyhow::Result<Bench> {
    let enabled = match on.as_deref().map(str::trim) {
        None | Some("0") | Some("false") => false,
        Some("1") | Some("true") => true,
        Some(other) => anyhow::bail!("MOTCUA_BENCH: {other:?} is not 1 or 0"),
    };
    let mut b = Bench { enabled, ..Bench::default() };
    for part in without.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match part {
            "audit" => b.without_audit = true,
            "limits" => b.without_limits = true,
            other => anyhow::bail!("MOTCUA_BENCH_WITHOUT: {other:?} is not audit or limits"),
        }
    }
    if (b.without_audit || b.without_limits) && !b.enabled {
        anyhow::bail!("MOTCUA_BENCH_WITHOUT needs MOTCUA_BENCH=1");
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_local_and_safe() {
        let c = Config::from_lookup(|_| None).expect("defaults parse");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert!(!c.migrate_on_start);
        assert!(!c.tls());
        assert_eq!((c.lookups_per_minute, c.submissions_per_minute, c.national_per_minute), (20, 20, 600));
        assert_eq!(c.bench, Bench::default());
    }

    #[test]
    fn benchmark_mode_is_explicit_and_loopback_only() {
        let with = |pairs: &'static [(&'static str, &'static str)]| {
            Config::from_lookup(move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
        };
        let err = with(&[("MOTCUA_BENCH_WITHOUT", "audit")]).expect_err("without needs bench");
        assert!(err.to_string().contains("MOTCUA_BENCH=1"), "{err}");
        let err = with(&[("MOTCUA_BENCH", "1"), ("MOTCUA_BENCH_WITHOUT", "authz")]).expect_err("unknown feature");
        assert!(err.to_string().contains("authz"), "{err}");
        let c = with(&[("MOTCUA_BENCH", "1"), ("MOTCUA_BENCH_WITHOUT", "audit, limits")]).expect("parses");
        assert_eq!(c.bench, Bench { enabled: true, without_audit: true, without_limits: true });
        c.check_bench().expect("loopback is allowed");
        let c = with(&[("MOTCUA_BENCH", "1"), ("MOTCUA_LISTEN", "0.0.0.0:8080")]).expect("parses");
        assert!(c.check_bench().is_err(), "benchmark mode on a public address");
    }

    #[test]
    fn debug_redacts_the_database_password() {
        let c = Config::from_lookup(|k| (k == "MOTCUA_DATABASE_URL").then(|| "postgres://u:hunter2@db/x".to_owned()))
            .expect("parses");
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("Secret(***)"));
    }

    #[test]
    fn platform_token_settings() {
        let c = Config::from_lookup(|_| None).expect("defaults parse");
        assert_eq!(c.platform_jwks_url, "http://127.0.0.1:8090/oauth2/jwks");
        assert_eq!(c.platform_issuer, "http://127.0.0.1:8090/oauth2");
        assert_eq!(c.platform_audience, "motcua");
        assert_eq!(c.platform_jwks_refetch, Duration::from_secs(10));
        let c = Config::from_lookup(|k| match k {
            "MOTCUA_PLATFORM_JWKS_URL" => Some("https://platform.gov.vn/oauth2/jwks".to_owned()),
            "MOTCUA_PLATFORM_ISSUER" => Some("https://platform.gov.vn/oauth2".to_owned()),
            "MOTCUA_PLATFORM_AUDIENCE" => Some("motcua-thanhhoa".to_owned()),
            "MOTCUA_PLATFORM_JWKS_REFETCH_SECS" => Some("30".to_owned()),
            _ => None,
        })
        .expect("parses");
        assert_eq!(c.platform_jwks_url, "https://platform.gov.vn/oauth2/jwks");
        assert_eq!(c.platform_issuer, "https://platform.gov.vn/oauth2");
        assert_eq!(c.platform_audience, "motcua-thanhhoa");
        assert_eq!(c.platform_jwks_refetch, Duration::from_secs(30));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = Config::from_lookup(|k| (k == "MOTCUA_BODY_LIMIT_BYTES").then(|| "lots".to_owned()))
            .expect_err("must fail");
        assert!(err.to_string().contains("MOTCUA_BODY_LIMIT_BYTES"), "{err}");
    }
}
